//! `backtest`: run a (historical) scenario and compare its simulated series
//! with observed ones (`docs/backtest.md`): per series the mean absolute
//! log-ratio error, its bias, the peak ratio, the peak month error and the
//! turning points matched.

use crate::inputs::{DatasetRef, ScenarioRef, load_scenario_and_dataset};
use crate::provenance::{Envelope, InputId, Provenance, hash_bytes};
use crate::{AppError, Context};
use critmin_format::observed::{Observation, Period};
use critmin_model::goods::METAL0;
use critmin_model::{CountryCode, Diagnostic, Element, Form, Model, Month};
use critmin_sim::{MonthStats, Network, Overlay, Recorder, simulate_with};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Compare a scenario's run with observations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BacktestRequest {
    /// The scenario (usually a historical replay with its own dataset).
    pub scenario: ScenarioRef,
    /// The dataset; `None`: the scenario's own, else the built-in one.
    pub dataset: Option<DatasetRef>,
    /// The observed series (CSV, `critmin_format::observed`).
    pub observed: PathBuf,
}

impl Default for BacktestRequest {
    fn default() -> Self {
        BacktestRequest {
            scenario: ScenarioRef::Builtin("baseline".into()),
            dataset: None,
            observed: PathBuf::new(),
        }
    }
}

/// One observation beside its simulated value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FitPoint {
    /// The month (for a yearly observation, the month written).
    pub month: Month,
    /// `month` or `year`.
    pub period: Period,
    /// Observed, in the series' unit.
    pub observed: f64,
    /// Simulated, in the same unit (a year: the months' mean, or total for
    /// flows).
    pub simulated: f64,
}

/// How one series fits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesFit {
    /// Series name.
    pub series: String,
    /// Its unit.
    pub unit: String,
    /// Observations compared (inside the run's months).
    pub observations: usize,
    /// Mean of |ln(simulated ÷ observed)|.
    pub log_ratio_mean_abs: f64,
    /// Mean of ln(simulated ÷ observed): > 0 when the run is too high.
    pub log_ratio_bias: f64,
    /// Highest simulated ÷ highest observed value (over the observations).
    pub peak_ratio: f64,
    /// Month of the highest observed value.
    pub observed_peak: Month,
    /// Month of the highest simulated value at the observations.
    pub simulated_peak: Month,
    /// `simulated_peak − observed_peak`, months.
    pub peak_month_error: i32,
    /// Turning points (a rise followed by a fall, or the reverse) of the
    /// observed sequence.
    pub turning_points_observed: usize,
    /// Of those, how many the simulated sequence also has, at the same
    /// observation or the next or previous one.
    pub turning_points_matched: usize,
    /// Every comparison.
    pub points: Vec<FitPoint>,
    /// The simulated series every month of the run, in the series' unit.
    pub monthly: Vec<f64>,
}

/// The backtest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BacktestResponse {
    /// The scenario's name.
    pub scenario: String,
    /// First month.
    pub start: Month,
    /// Months run.
    pub horizon_months: u32,
    /// One fit per series, in the order of their first observation.
    pub series: Vec<SeriesFit>,
    /// Observations outside the run's months, not compared.
    pub outside_run: usize,
}

/// A simulated series a name can ask for.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Sim {
    /// Price in USD/kg of the form: an index × the dataset's base price;
    /// `at` = None for the world index, `Some((c, false))` for a country's,
    /// `Some((c, true))` for the demand-weighted index outside it.
    Price {
        element: Element,
        form: usize,
        at: Option<(usize, bool)>,
        base_usd_per_kg: f64,
    },
    /// Flows from `from` to `to` (`None`: every other country), of the
    /// forms in `forms`, t REO-eq a month (a year: the total).
    Flow {
        from: usize,
        to: Option<usize>,
        forms: critmin_model::scenario::FormSet,
    },
}

impl Sim {
    fn unit(&self) -> &'static str {
        match self {
            Sim::Price { .. } => "USD/kg",
            Sim::Flow { .. } => "t REO-eq",
        }
    }

    fn sums(&self) -> bool {
        matches!(self, Sim::Flow { .. })
    }
}

/// Resolves a series name against the model and network:
/// `price:EL:FORM:world`, `price:EL:FORM:CC`, `price:EL:FORM:outside:CC`
/// (FORM `oxide` or `metal`), `exports:CC[:FORMS]` or `flow:CC:CC[:FORMS]`
/// (FORMS: forms joined by `+`, default all four traded forms).
fn resolve(name: &str, base_usd_per_t: &[f64], net: &Network) -> Result<Sim, String> {
    let country = |code: &str| -> Result<usize, String> {
        let c =
            CountryCode::parse(code).ok_or_else(|| format!("`{code}` is not a country code"))?;
        net.countries()
            .iter()
            .position(|x| *x == c)
            .ok_or_else(|| format!("`{code}` is not a country of the dataset"))
    };
    let parts: Vec<&str> = name.split(':').collect();
    match parts.as_slice() {
        ["price", el, form, rest @ ..] => {
            let element = Element::from_symbol(el)
                .ok_or_else(|| format!("`{el}` is not an element symbol"))?;
            let (slot, good) = match Form::parse(form) {
                Some(Form::Oxide) => (0, element.index()),
                Some(Form::Metal) => (1, METAL0 + element.index()),
                _ => return Err(format!("`{form}` is not a priced form here (oxide, metal)")),
            };
            let at = match rest {
                ["world"] => None,
                ["outside", c] => Some((country(c)?, true)),
                [c] => Some((country(c)?, false)),
                _ => return Err("the place is `world`, a country code or `outside:CC`".into()),
            };
            let base = base_usd_per_t.get(good).copied().unwrap_or(0.0) / 1000.0;
            if base <= 0.0 {
                return Err(format!(
                    "the dataset has no {form} price for {el}, so no USD/kg series"
                ));
            }
            Ok(Sim::Price {
                element,
                form: slot,
                at,
                base_usd_per_kg: base,
            })
        }
        ["exports", c, rest @ ..] if rest.len() <= 1 => Ok(Sim::Flow {
            from: country(c)?,
            to: None,
            forms: forms_of(rest.first().copied())?,
        }),
        ["flow", a, b, rest @ ..] if rest.len() <= 1 => Ok(Sim::Flow {
            from: country(a)?,
            to: Some(country(b)?),
            forms: forms_of(rest.first().copied())?,
        }),
        _ => Err(
            "series are `price:EL:FORM:world|CC|outside:CC`, `exports:CC[:FORMS]` or `flow:CC:CC[:FORMS]` (docs/backtest.md)"
                .into(),
        ),
    }
}

/// Forms joined by `+` (`concentrate+oxide+metal`), or all four traded.
fn forms_of(s: Option<&str>) -> Result<critmin_model::scenario::FormSet, String> {
    let Some(s) = s else {
        return Ok(critmin_model::scenario::FormSet::TRADED);
    };
    let mut set = critmin_model::scenario::FormSet::default();
    for f in s.split('+') {
        match Form::parse(f) {
            Some(form @ (Form::Concentrate | Form::Oxide | Form::Metal | Form::Magnet)) => {
                set = set.with(form);
            }
            _ => {
                return Err(format!(
                    "`{f}` is not a traded form (concentrate, oxide, metal, magnet)"
                ));
            }
        }
    }
    Ok(set)
}

/// Records the asked-for series month by month.
struct SeriesRecorder<'a> {
    sims: &'a [Sim],
    values: Vec<Vec<f64>>,
}

impl Recorder for SeriesRecorder<'_> {
    fn month(&mut self, net: &Network, _t: usize, s: &MonthStats) {
        for (k, sim) in self.sims.iter().enumerate() {
            let v = match *sim {
                Sim::Price {
                    element,
                    form,
                    at,
                    base_usd_per_kg,
                } => {
                    let index = match at {
                        None => s.world_price[element.index() * 3 + form],
                        Some((c, outside)) => {
                            let (mut w, mut p) = (0.0, 0.0);
                            for x in 0..net.countries().len() {
                                if (x == c) != outside {
                                    let i = s.at(x, element, form);
                                    let d = s.demand[i] + s.production_demand[i];
                                    w += d;
                                    p += d * s.price_index[i];
                                }
                            }
                            if outside {
                                if w > 0.0 { p / w } else { 1.0 }
                            } else {
                                s.price_index[s.at(c, element, form)]
                            }
                        }
                    };
                    index * base_usd_per_kg
                }
                Sim::Flow { from, to, forms } => s
                    .flows
                    .iter()
                    .filter(|f| {
                        f.1 as usize == from
                            && f.2 as usize != from
                            && to.is_none_or(|t| f.2 as usize == t)
                            && forms.contains(net.good_form_of(f.0 as usize))
                    })
                    .map(|f| {
                        let mut q = critmin_model::PerElement::ZERO;
                        net.reo_of_good(f.0 as usize, f.3, &mut q);
                        q.total()
                    })
                    .sum(),
            };
            self.values[k].push(v);
        }
    }
}

/// Turning points of a sequence: indices where it changes direction.
fn turning_points(v: &[f64]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut last_dir = 0i8;
    for i in 1..v.len() {
        let dir = if v[i] > v[i - 1] * (1.0 + 1e-9) {
            1
        } else if v[i] < v[i - 1] * (1.0 - 1e-9) {
            -1
        } else {
            0
        };
        if dir != 0 {
            if last_dir != 0 && dir != last_dir {
                out.push(i - 1);
            }
            last_dir = dir;
        }
    }
    out
}

/// Share of a series' mean observation below which a value counts as
/// that share in the log-ratio errors.
pub const LOG_FLOOR_SHARE: f64 = 0.01;

/// The fit of one series from its comparisons.
fn fit(series: &str, unit: &str, points: Vec<FitPoint>) -> SeriesFit {
    let n = points.len() as f64;
    // Values below 1 % of the mean observation count as that 1 %: a month
    // the run sends nothing costs at most ln 100, not ln 10¹².
    let floor = LOG_FLOOR_SHARE * points.iter().map(|p| p.observed).sum::<f64>() / n.max(1.0);
    let logs: Vec<f64> = points
        .iter()
        .map(|p| (p.simulated.max(floor).max(1e-12) / p.observed.max(floor)).ln())
        .collect();
    let argmax = |f: &dyn Fn(&FitPoint) -> f64| {
        points
            .iter()
            .enumerate()
            .fold((0, f64::NEG_INFINITY), |(k, m), (i, p)| {
                if f(p) > m { (i, f(p)) } else { (k, m) }
            })
    };
    let (io, mo) = argmax(&|p| p.observed);
    let (is, ms) = argmax(&|p| p.simulated);
    let obs: Vec<f64> = points.iter().map(|p| p.observed).collect();
    let sim: Vec<f64> = points.iter().map(|p| p.simulated).collect();
    let (to, ts) = (turning_points(&obs), turning_points(&sim));
    let matched = to
        .iter()
        .filter(|&&i| ts.iter().any(|&j| i.abs_diff(j) <= 1))
        .count();
    SeriesFit {
        series: series.to_string(),
        unit: unit.to_string(),
        observations: points.len(),
        log_ratio_mean_abs: logs.iter().map(|x| x.abs()).sum::<f64>() / n,
        log_ratio_bias: logs.iter().sum::<f64>() / n,
        peak_ratio: ms / mo,
        observed_peak: points[io].month,
        simulated_peak: points[is].month,
        peak_month_error: points[is].month.since(points[io].month),
        turning_points_observed: to.len(),
        turning_points_matched: matched,
        points,
        monthly: Vec::new(),
    }
}

/// Runs the scenario and compares it with the observations.
pub fn backtest(
    req: &BacktestRequest,
    ctx: &Context,
) -> Result<Envelope<BacktestResponse>, AppError> {
    let data = req.dataset.clone().unwrap_or_default();
    let (ds, sc) = load_scenario_and_dataset(&req.scenario, &data, req.dataset.is_some())?;
    let shown = req.observed.display().to_string();
    let bytes = std::fs::read(&req.observed)
        .map_err(|e| AppError::bad("--observed", format!("cannot read `{shown}`: {e}")))?;
    let obs = critmin_format::observed::parse(&shown, &bytes).map_err(|d| AppError::Invalid {
        input: shown.clone(),
        diagnostics: d,
    })?;
    let mut prov = Provenance::new(ds.id.clone(), ctx.invocation.clone());
    prov.scenario = Some(sc.id.clone());
    prov.observed = Some(InputId {
        name: req
            .observed
            .file_name()
            .map_or(shown.clone(), |n| n.to_string_lossy().to_string()),
        source: shown.clone(),
        content_hash: hash_bytes(&bytes),
    });
    ctx.cancel.check()?;
    let r = run_backtest(&ds.model, &sc.scenario, &shown, &obs)?;
    Ok(Envelope::new(prov, r))
}

/// The backtest itself, on a loaded model, scenario and observations
/// (`shown` names the observed file in diagnostics).
pub(crate) fn run_backtest(
    model: &Model,
    s: &critmin_sim::Scenario,
    shown: &str,
    obs: &[Observation],
) -> Result<BacktestResponse, AppError> {
    let mut net = Network::build(model, s, &Overlay::default())?;
    // Series names, in order of first appearance, resolved.
    let mut names: Vec<String> = Vec::new();
    let mut sims = Vec::new();
    let mut diags = Vec::new();
    let base_prices = critmin_model::prices::good_base_prices_usd_per_t(model, 0.0);
    for o in obs {
        if names.contains(&o.series) {
            continue;
        }
        match resolve(&o.series, &base_prices, &net) {
            Ok(sim) => {
                if !o.unit.is_empty() && o.unit != sim.unit() {
                    diags.push(Diagnostic::new(
                        shown,
                        o.line,
                        "unit",
                        format!("`{}` is in {}, not {}", o.series, sim.unit(), o.unit),
                    ));
                }
                names.push(o.series.clone());
                sims.push(sim);
            }
            Err(m) => {
                diags.push(Diagnostic::new(shown, o.line, "series", m));
                names.push(o.series.clone());
                sims.push(Sim::Flow {
                    from: 0,
                    to: None,
                    forms: critmin_model::scenario::FormSet::TRADED,
                });
            }
        }
    }
    if !diags.is_empty() {
        return Err(AppError::Invalid {
            input: shown.to_string(),
            diagnostics: diags,
        });
    }
    net.set_record_flows(sims.iter().any(Sim::sums));
    let mut rec = SeriesRecorder {
        sims: &sims,
        values: vec![Vec::new(); sims.len()],
    };
    simulate_with(&net, &mut rec);
    let (fits, outside_run) = compare(s.start, &names, &sims, &rec.values, obs);
    Ok(BacktestResponse {
        scenario: s.name.clone(),
        start: s.start,
        horizon_months: s.horizon_months,
        series: fits,
        outside_run,
    })
}

/// Pairs each observation with its simulated value and fits each series.
fn compare(
    start: Month,
    names: &[String],
    sims: &[Sim],
    values: &[Vec<f64>],
    obs: &[Observation],
) -> (Vec<SeriesFit>, usize) {
    let mut outside = 0;
    let mut fits = Vec::new();
    for (k, name) in names.iter().enumerate() {
        let v = &values[k];
        let at = |m: Month| -> Option<f64> {
            let i = m.since(start);
            (i >= 0).then(|| v.get(i as usize).copied()).flatten()
        };
        let mut points = Vec::new();
        for o in obs.iter().filter(|o| &o.series == name) {
            let simulated = match o.period {
                Period::Month => at(o.month),
                Period::Year => {
                    let months: Vec<f64> = (1..=12)
                        .filter_map(|mm| Month::new(o.month.year(), mm).and_then(at))
                        .collect();
                    (months.len() == 12).then(|| {
                        let total: f64 = months.iter().sum();
                        if sims[k].sums() { total } else { total / 12.0 }
                    })
                }
            };
            match simulated {
                Some(simulated) => points.push(FitPoint {
                    month: o.month,
                    period: o.period,
                    observed: o.value,
                    simulated,
                }),
                None => outside += 1,
            }
        }
        if !points.is_empty() {
            let mut f = fit(name, sims[k].unit(), points);
            f.monthly = v.clone();
            fits.push(f);
        }
    }
    (fits, outside)
}

/// The report section of a backtest (both curves per series, the errors).
pub(crate) fn section(r: &BacktestResponse, lead_note: &str) -> critmin_report::Section {
    use critmin_report::backtest::{BacktestInput, BacktestSeries, backtest_section};
    let months: Vec<Month> = (0..r.horizon_months as i32)
        .map(|i| r.start.plus(i))
        .collect();
    let input = BacktestInput {
        scenario: r.scenario.clone(),
        months: months.iter().map(ToString::to_string).collect(),
        series: r
            .series
            .iter()
            .map(|f| BacktestSeries {
                name: f.series.clone(),
                unit: f.unit.clone(),
                simulated: f.monthly.clone(),
                observed: f
                    .points
                    .iter()
                    .filter_map(|p| {
                        let i = p.month.since(r.start);
                        (i >= 0).then_some((i as usize, p.observed, p.period == Period::Year))
                    })
                    .collect(),
                log_ratio_mean_abs: f.log_ratio_mean_abs,
                log_ratio_bias: f.log_ratio_bias,
                peak_ratio: f.peak_ratio,
                peak_month_error: f.peak_month_error,
                turning_points: (f.turning_points_observed, f.turning_points_matched),
                yearly_is_total: f.unit == "t REO-eq",
            })
            .collect(),
    };
    let mut sec = backtest_section(&input);
    if !lead_note.is_empty() {
        sec.lead = format!("{} {lead_note}", sec.lead);
    }
    sec
}

/// The backtest's files for `--out`: `backtest.json`, `report.html` with
/// the backtest section (and its CSV table).
pub fn files(env: &Envelope<BacktestResponse>) -> Result<Vec<crate::output::OutputFile>, AppError> {
    let r = &env.result;
    let report = critmin_report::Report {
        title: format!("critmin backtest — {}", r.scenario),
        subtitle: format!("{} months from {}", r.horizon_months, r.start),
        headlines: Vec::new(),
        sections: vec![section(r, "")],
        footer: env.provenance.line(),
    };
    let mut out: Vec<crate::output::OutputFile> = report
        .files()
        .into_iter()
        .map(|(n, c)| crate::output::OutputFile::text(n, c))
        .collect();
    out.push(crate::output::OutputFile::text(
        "backtest.json",
        crate::to_json(env)?,
    ));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turning_points_are_changes_of_direction() {
        assert_eq!(
            turning_points(&[1.0, 2.0, 3.0, 2.0, 1.0, 1.0, 2.0]),
            vec![2, 5]
        );
        assert!(turning_points(&[1.0, 1.0, 1.0]).is_empty());
    }

    #[test]
    fn a_perfect_fit_has_no_error_and_a_doubled_run_a_log2_bias() {
        let m = |i| Month::new(2011, i).unwrap();
        let pts = |k: f64| {
            [1.0, 3.0, 2.0]
                .iter()
                .enumerate()
                .map(|(i, v)| FitPoint {
                    month: m(i as u32 + 1),
                    period: Period::Month,
                    observed: *v,
                    simulated: v * k,
                })
                .collect::<Vec<_>>()
        };
        let f = fit("x", "USD/kg", pts(1.0));
        assert_eq!((f.log_ratio_mean_abs, f.peak_month_error), (0.0, 0));
        assert_eq!(
            (f.turning_points_observed, f.turning_points_matched),
            (1, 1)
        );
        let f = fit("x", "USD/kg", pts(2.0));
        assert!((f.log_ratio_bias - 2f64.ln()).abs() < 1e-12 && (f.peak_ratio - 2.0).abs() < 1e-12);
    }

    #[test]
    fn a_month_with_nothing_simulated_costs_at_most_ln_100() {
        // Observed 100 and 100; simulated 100 and 0. The 0 counts as 1 % of
        // the mean observation (1): ln(1/100).
        let pts: Vec<FitPoint> = [(100.0, 100.0), (100.0, 0.0)]
            .iter()
            .enumerate()
            .map(|(i, &(observed, simulated))| FitPoint {
                month: Month::new(2011, i as u32 + 1).unwrap(),
                period: Period::Month,
                observed,
                simulated,
            })
            .collect();
        let f = fit("x", "t", pts);
        assert!((f.log_ratio_mean_abs - 100f64.ln() / 2.0).abs() < 1e-12);
        assert!((f.log_ratio_bias + 100f64.ln() / 2.0).abs() < 1e-12);
    }
}
