//! Sampled futures for the portfolio: futures of a risk model (as
//! `critmin montecarlo` draws them, same seed, same futures: events,
//! project delays, demand-growth and mine-output factors) folded into the
//! optimiser's target year, identical folds merged with their count as
//! weight; and the out-of-sample statistics of a portfolio chosen on other
//! futures.

use crate::AppError;
use critmin_model::Scenario;
use critmin_model::{Model, Month};
use critmin_opt::chain::{ChainYear, Disruption, YearOutcome};
use critmin_opt::disruption::fold;
use critmin_risk::{McConfig, MonteCarlo};
use critmin_sim::Overlay;
use serde::Serialize;

/// Futures folded into one year, identical ones merged.
#[derive(Debug, Clone)]
pub(crate) struct Futures {
    /// One disruption per distinct fold, named after its first future.
    pub disruptions: Vec<Disruption>,
    /// How many futures fold to each.
    pub counts: Vec<f64>,
    /// Futures drawn.
    pub futures: usize,
}

/// Futures of `risk` under `seed` folded into `year`, one set per range of
/// runs (the risk model is prepared once for all of them).
pub(crate) fn sample(
    model: &Model,
    risk: &Scenario,
    seed: u64,
    ranges: &[std::ops::Range<u64>],
    year: i32,
) -> Result<Vec<Futures>, AppError> {
    let cfg = McConfig {
        runs: 1,
        seed,
        threads: 1,
        horizon_months: None,
        focus_countries: Vec::new(),
        focus_elements: Vec::new(),
    };
    let mc = MonteCarlo::new(model, risk, &Overlay::default(), &cfg)?;
    let chain = ChainYear::new(model, year, &risk.demand_path, &[])?;
    let jan = Month::january(year)
        .ok_or_else(|| AppError::bad("--target-year", format!("{year} is not a year")))?;
    let mut sets = Vec::new();
    for runs in ranges {
        let mut out = Futures {
            disruptions: Vec::new(),
            counts: Vec::new(),
            futures: 0,
        };
        for run in runs.clone() {
            let (mut s, factors) = mc.future_inputs(seed, run);
            s.start = jan;
            s.horizon_months = 12;
            let mut d = fold(model, &chain, &s);
            d.name = format!("future {run}");
            d.demand_growth = factors.demand_growth.unwrap_or(1.0);
            d.mine_scale = factors.mine_output;
            out.futures += 1;
            match out.disruptions.iter().position(|x| x.same_effect(&d)) {
                Some(i) => out.counts[i] += 1.0,
                None => {
                    out.disruptions.push(d);
                    out.counts.push(1.0);
                }
            }
        }
        for (d, c) in out.disruptions.iter_mut().zip(&out.counts) {
            if *c > 1.0 {
                d.name = format!("{} (and {} alike)", d.name, *c as u64 - 1);
            }
        }
        sets.push(out);
    }
    Ok(sets)
}

/// How the portfolio was chosen on sampled futures and how it does on
/// futures not used to choose it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sampling {
    /// The risk model's name.
    pub risk: String,
    /// Seed (futures are `critmin montecarlo`'s for this seed).
    pub seed: u64,
    /// Futures the portfolio was chosen on (runs `0..futures`).
    pub futures: usize,
    /// Distinct target years among them (identical folds are merged).
    pub distinct_futures: usize,
    /// Futures it was evaluated on (runs `futures..futures + this`).
    pub out_of_sample_futures: usize,
    /// Distinct target years among those.
    pub distinct_out_of_sample: usize,
    /// Expected allied unmet value with the portfolio on the futures it
    /// was chosen on, USD million/yr.
    pub in_sample_objective: f64,
    /// The same with nothing funded.
    pub in_sample_baseline_objective: f64,
    /// With the portfolio on the other futures, USD million/yr: the figure
    /// the report shows.
    pub out_of_sample_objective: f64,
    /// The same with nothing funded.
    pub out_of_sample_baseline_objective: f64,
    /// Out-of-sample gain (baseline less portfolio), USD million/yr.
    pub out_of_sample_gain_musd: f64,
    /// Its standard error over the futures (paired), USD million/yr.
    pub out_of_sample_gain_stderr_musd: f64,
}

/// Weighted mean of `with` and `without`'s unmet values and the paired
/// gain's standard error: `(mean with, mean without, gain, stderr)`.
pub(crate) fn paired_stats(
    with: &[YearOutcome],
    without: &[YearOutcome],
    counts: &[f64],
) -> (f64, f64, f64, f64) {
    let n: f64 = counts.iter().sum();
    let mean = |v: &[YearOutcome]| -> f64 {
        v.iter()
            .zip(counts)
            .map(|(o, c)| o.allied_unmet_value_musd * c)
            .sum::<f64>()
            / n
    };
    let (a, b) = (mean(with), mean(without));
    let gain = b - a;
    let var = if n > 1.0 {
        with.iter()
            .zip(without)
            .zip(counts)
            .map(|((w, o), c)| {
                let g = o.allied_unmet_value_musd - w.allied_unmet_value_musd;
                c * (g - gain).powi(2)
            })
            .sum::<f64>()
            / (n - 1.0)
    } else {
        0.0
    };
    (a, b, gain, (var / n).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The built-in risk model's futures carry their demand and mine
    /// factors into the fold, the same for the same seed.
    #[test]
    fn folded_futures_carry_their_demand_and_mine_factors() {
        let model = critmin_data::baseline();
        let st = crate::inputs::read_scenario(&crate::ScenarioRef::Builtin("risk-baseline".into()))
            .unwrap();
        let risk = crate::inputs::parse_scenario(&st, &model).unwrap().scenario;
        let runs = 0..8;
        let a = sample(&model, &risk, 3, std::slice::from_ref(&runs), 2030).unwrap();
        let b = sample(&model, &risk, 3, std::slice::from_ref(&runs), 2030).unwrap();
        let (a, b) = (&a[0], &b[0]);
        assert_eq!(a.disruptions.len(), 8, "continuous factors: no two alike");
        for (x, y) in a.disruptions.iter().zip(&b.disruptions) {
            assert!(x.same_effect(y), "same seed, same future");
            assert!(x.demand_growth != 1.0 && x.demand_growth >= 0.0);
            assert!(!x.mine_scale.is_empty());
        }
        let growth: Vec<f64> = a.disruptions.iter().map(|d| d.demand_growth).collect();
        assert!(
            growth.windows(2).any(|w| w[0] != w[1]),
            "the multiplier varies: {growth:?}"
        );
    }
}
