//! Statistics of a sample of outcomes: mean and its standard error,
//! quantiles, conditional value at risk, exceedance curves.

use serde::Serialize;

/// Summary of one outcome over all futures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Distribution {
    /// Mean.
    pub mean: f64,
    /// Standard error of the mean (sample sd ÷ √n).
    pub se: f64,
    /// 5th percentile.
    pub p5: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Mean of the worst 5 % of futures (CVaR at 95 %).
    pub cvar95: f64,
}

/// The `q` quantile of sorted values (nearest rank: the smallest value
/// with at least `q` of the sample at or below it).
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let n = sorted.len();
    let rank = (q * n as f64).ceil().max(1.0) as usize;
    sorted[rank.min(n) - 1]
}

/// Summarises `values` (any order).
pub fn distribution(values: &[f64]) -> Distribution {
    let n = values.len();
    if n == 0 {
        return Distribution {
            mean: 0.0,
            se: 0.0,
            p5: 0.0,
            p50: 0.0,
            p95: 0.0,
            p99: 0.0,
            cvar95: 0.0,
        };
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let var = if n > 1 {
        values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1) as f64
    } else {
        0.0
    };
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    // CVaR95: the mean of the tail at and beyond the 95th percentile.
    let tail = ((n as f64) * 0.05).ceil().max(1.0) as usize;
    let cvar95 = sorted[n - tail..].iter().sum::<f64>() / tail as f64;
    Distribution {
        mean,
        se: (var / n as f64).sqrt(),
        p5: quantile_sorted(&sorted, 0.05),
        p50: quantile_sorted(&sorted, 0.5),
        p95: quantile_sorted(&sorted, 0.95),
        p99: quantile_sorted(&sorted, 0.99),
        cvar95,
    }
}

/// Points `(x, P(value > x))` of the exceedance curve of `values`, at most
/// `max_points` of them, from the smallest to the largest value.
pub fn exceedance(values: &[f64], max_points: usize) -> Vec<(f64, f64)> {
    let n = values.len();
    if n == 0 {
        return Vec::new();
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let step = n.div_ceil(max_points.max(2)).max(1);
    let mut out = Vec::new();
    let mut i = 0;
    while i < n {
        let x = sorted[i];
        // Share strictly above x.
        let above = n - sorted.partition_point(|v| *v <= x);
        if out.last().is_none_or(|p: &(f64, f64)| p.0 < x) {
            out.push((x, above as f64 / n as f64));
        }
        i += step;
    }
    let last = sorted[n - 1];
    if out.last().is_none_or(|p| p.0 < last) {
        out.push((last, 0.0));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        let d = distribution(&v);
        assert_eq!(d.mean, 50.5);
        assert_eq!(d.p50, 50.0);
        assert_eq!(d.p95, 95.0);
        assert_eq!(d.p99, 99.0);
        // Worst 5: 96..=100.
        assert_eq!(d.cvar95, 98.0);
        // sd of 1..=100 is 29.0115; se = sd / 10.
        assert!((d.se - 2.901_149).abs() < 1e-5);
        let e = exceedance(&[0.0, 0.0, 1.0, 2.0], 10);
        assert_eq!(e, vec![(0.0, 0.5), (1.0, 0.25), (2.0, 0.0)]);
    }
}
