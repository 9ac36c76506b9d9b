//! Drawing from the scenario's distributions, and turning `[[risk]]`
//! entries into the events of one future.

use crate::rng::Rng;
use critmin_model::Month;
use critmin_sim::risk::{Dist, Risk, RiskTemplate};
use critmin_sim::{Event, EventKind};

/// One draw of `d`, clamped to `[lo, hi]`.
pub fn sample(d: &Dist, rng: &mut Rng, lo: f64, hi: f64) -> f64 {
    let x = match d {
        Dist::Fixed(v) => *v,
        Dist::Uniform { min, max } => min + (max - min) * rng.unit(),
        Dist::Triangular { min, mode, max } => {
            let (a, c, b) = (*min, *mode, *max);
            if b <= a {
                a
            } else {
                let u = rng.unit();
                let f = (c - a) / (b - a);
                if u < f {
                    a + (u * (b - a) * (c - a)).sqrt()
                } else {
                    b - ((1.0 - u) * (b - a) * (b - c)).sqrt()
                }
            }
        }
        Dist::Normal { mean, sd } => mean + sd * rng.normal(),
        Dist::LogNormal { median, sigma } => median * (sigma * rng.normal()).exp(),
        Dist::Discrete { values, weights } => {
            let total: f64 = weights.iter().sum();
            let mut u = rng.unit() * total;
            let mut pick = values.last().copied().unwrap_or(0.0);
            for (v, w) in values.iter().zip(weights) {
                if u < *w {
                    pick = *v;
                    break;
                }
                u -= w;
            }
            pick
        }
    };
    x.clamp(lo, hi)
}

/// The events the risks produce in one future of `horizon` months from
/// `start`. Risks of one group share one onset process and one duration;
/// a risk may recur once an occurrence has ended; a project delay applies
/// once. The order of draws is fixed (risk order, then months), so a
/// future's events depend only on its generator.
pub fn sample_events(risks: &[Risk], start: Month, horizon: u32, rng: &mut Rng) -> Vec<Event> {
    // Processes: one per group (in order of first appearance) or per risk.
    let mut processes: Vec<Vec<usize>> = Vec::new();
    for (i, r) in risks.iter().enumerate() {
        match &r.group {
            Some(g) => match processes
                .iter_mut()
                .find(|p| risks[p[0]].group.as_ref() == Some(g))
            {
                Some(p) => p.push(i),
                None => processes.push(vec![i]),
            },
            None => processes.push(vec![i]),
        }
    }
    let mut events = Vec::new();
    let h = horizon as usize;
    for members in processes {
        let lead = &risks[members[0]];
        let mut delayed = vec![false; members.len()];
        let mut t = 0usize;
        while t < h {
            if rng.unit() >= lead.onset_per_month {
                t += 1;
                continue;
            }
            let d = sample(&lead.duration_months, rng, 1.0, 600.0)
                .round()
                .max(1.0) as usize;
            let from = start.plus(t as i32);
            let to = start.plus((t + d).min(h) as i32 - 1);
            for (k, &i) in members.iter().enumerate() {
                let r = &risks[i];
                let kind = match &r.template {
                    RiskTemplate::ExportRestriction {
                        exporters,
                        importers,
                        elements,
                        forms,
                        allowed_share,
                    } => EventKind::ExportRestriction {
                        exporters: exporters.clone(),
                        importers: importers.clone(),
                        elements: *elements,
                        forms: *forms,
                        allowed_share: sample(allowed_share, rng, 0.0, 1.0),
                    },
                    RiskTemplate::FacilityOutage {
                        facility,
                        remaining_share,
                    } => EventKind::FacilityOutage {
                        facility: *facility,
                        remaining_share: sample(remaining_share, rng, 0.0, 1.0),
                    },
                    RiskTemplate::DemandShock {
                        countries,
                        sectors,
                        elements,
                        factor,
                    } => EventKind::DemandShock {
                        countries: countries.clone(),
                        sectors: sectors.clone(),
                        elements: *elements,
                        factor: sample(factor, rng, 0.0, 100.0),
                    },
                    RiskTemplate::ProjectDelay { project, months } => {
                        let m = sample(months, rng, 0.0, 240.0).round() as u32;
                        if delayed[k] {
                            continue;
                        }
                        delayed[k] = true;
                        EventKind::ProjectDelay {
                            project: *project,
                            months: m,
                        }
                    }
                };
                events.push(Event {
                    from,
                    to,
                    kind,
                    line: r.line,
                });
            }
            t += d;
        }
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quantile(mut v: Vec<f64>, q: f64) -> f64 {
        v.sort_by(f64::total_cmp);
        v[((v.len() - 1) as f64 * q).round() as usize]
    }

    #[test]
    fn samples_follow_their_distributions() {
        let mut rng = Rng::for_run(3, 0);
        let n = 100_000;
        let draw = |d: &Dist, rng: &mut Rng| {
            (0..n)
                .map(|_| sample(d, rng, f64::MIN, f64::MAX))
                .collect::<Vec<_>>()
        };
        // Triangular(0, 0, 1): F(x) = 1 − (1 − x)², so the median is 1 − √0.5.
        let t = draw(
            &Dist::Triangular {
                min: 0.0,
                mode: 0.0,
                max: 1.0,
            },
            &mut rng,
        );
        assert!((quantile(t, 0.5) - (1.0 - 0.5f64.sqrt())).abs() < 0.01);
        // Uniform(2, 4): P90 = 3.8.
        let u = draw(&Dist::Uniform { min: 2.0, max: 4.0 }, &mut rng);
        assert!((quantile(u, 0.9) - 3.8).abs() < 0.01);
        // Normal(10, 2): P97.5 ≈ 10 + 1.96 × 2.
        let z = draw(
            &Dist::Normal {
                mean: 10.0,
                sd: 2.0,
            },
            &mut rng,
        );
        assert!((quantile(z, 0.975) - 13.92).abs() < 0.05);
        // Lognormal: the median is the median.
        let l = draw(
            &Dist::LogNormal {
                median: 5.0,
                sigma: 0.7,
            },
            &mut rng,
        );
        assert!((quantile(l, 0.5) - 5.0).abs() < 0.06);
        // Discrete: frequencies follow the weights.
        let d = draw(
            &Dist::Discrete {
                values: vec![1.0, 2.0],
                weights: vec![3.0, 1.0],
            },
            &mut rng,
        );
        let ones = d.iter().filter(|x| **x == 1.0).count() as f64 / n as f64;
        assert!((ones - 0.75).abs() < 0.01);
    }
}
