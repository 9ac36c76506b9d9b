//! The built-in scenario library and risk model run for the assess
//! report: each scenario as monthly series of the countries and elements
//! the report follows.

use crate::{AppError, Context};
use critmin_model::{CountryCode, Element, Model};
use critmin_report::risk::{Curve, RiskInput, StatRow};
use critmin_report::simulation::{ScenarioRun, Series};
use critmin_sim::{FORMS, MonthStats, Network, Overlay, Recorder, RunSummary, simulate_with};

/// Countries the report follows.
pub const COUNTRIES: [&str; 2] = ["US", "JP"];
/// Elements the report follows.
pub const ELEMENTS: [&str; 4] = ["Nd", "Pr", "Dy", "Tb"];

/// Collects monthly series (all forms summed, price weighted by demand).
struct SeriesRecorder {
    countries: Vec<(usize, CountryCode)>,
    elements: Vec<Element>,
    months: Vec<String>,
    series: Vec<Series>,
}

impl Recorder for SeriesRecorder {
    fn month(&mut self, _net: &Network, _t: usize, s: &MonthStats) {
        if let Some(m) = s.month {
            self.months.push(m.to_string());
        }
        for (k, &(c, _)) in self.countries.iter().enumerate() {
            for (j, &e) in self.elements.iter().enumerate() {
                let (mut dem, mut served, mut wp) = (0.0, 0.0, 0.0);
                for f in 0..FORMS.len() {
                    let i = s.at(c, e, f);
                    dem += s.demand[i];
                    served += s.served[i];
                    wp += s.price_index[i] * s.demand[i];
                }
                let series = &mut self.series[k * self.elements.len() + j];
                series
                    .unmet_share
                    .push((dem > 0.0).then(|| ((dem - served) / dem).max(0.0)));
                series.unmet_t.push((dem - served).max(0.0));
                series
                    .price_index
                    .push(if dem > 0.0 { wp / dem } else { 1.0 });
            }
        }
    }
}

/// Runs every library scenario on `model`.
pub(crate) fn run_library(
    model: &Model,
    ctx: &Context,
) -> Result<Vec<(ScenarioRun, RunSummary)>, AppError> {
    let mut out = Vec::new();
    let lib = critmin_sim::library::LIBRARY;
    for (k, (file, text)) in lib.iter().enumerate() {
        ctx.cancel.check()?;
        ctx.report("scenario library", k as u64, lib.len() as u64);
        let scenario =
            critmin_format::scenario::parse(file, text.as_bytes(), model).map_err(|d| {
                AppError::Invalid {
                    input: (*file).to_string(),
                    diagnostics: d,
                }
            })?;
        let net = Network::build(model, &scenario, &Overlay::default())
            .map_err(|e| AppError::bad("scenario", format!("{file}: {e}")))?;
        let countries: Vec<(usize, CountryCode)> = COUNTRIES
            .iter()
            .filter_map(|c| CountryCode::parse(c))
            .filter_map(|c| net.countries().iter().position(|x| *x == c).map(|i| (i, c)))
            .collect();
        let elements: Vec<Element> = ELEMENTS
            .iter()
            .filter_map(|e| Element::from_symbol(e))
            .collect();
        let series = countries
            .iter()
            .flat_map(|(_, c)| {
                elements.iter().map(move |e| Series {
                    country: c.to_string(),
                    element: e.symbol().to_string(),
                    unmet_share: Vec::new(),
                    unmet_t: Vec::new(),
                    price_index: Vec::new(),
                })
            })
            .collect();
        let mut rec = SeriesRecorder {
            countries,
            elements,
            months: Vec::new(),
            series,
        };
        let summary = simulate_with(&net, &mut rec);
        let run = ScenarioRun {
            file: (*file).to_string(),
            name: scenario.name.clone(),
            description: scenario.description.clone(),
            months: rec.months,
            series: rec.series,
            unmet_share_by_country: summary
                .by_country
                .iter()
                .map(|c| (c.country.to_string(), c.unmet_share))
                .collect(),
            peak_price: summary
                .by_element
                .iter()
                .map(|e| (e.element.to_string(), e.peak_price_index))
                .collect(),
            instruments: instruments(&summary),
        };
        out.push((run, summary));
    }
    ctx.report("scenario library", lib.len() as u64, lib.len() as u64);
    Ok(out)
}

/// Runs the library's risk model (`risk-baseline.toml`) for the report.
pub(crate) fn run_risk(
    model: &Model,
    runs: usize,
    seed: u64,
    ctx: &Context,
) -> Result<RiskInput, AppError> {
    let (file, text) = critmin_sim::library::RISK_LIBRARY[0];
    let scenario = critmin_format::scenario::parse(file, text.as_bytes(), model).map_err(|d| {
        AppError::Invalid {
            input: file.to_string(),
            diagnostics: d,
        }
    })?;
    let req = crate::ops::montecarlo::MonteCarloRequest {
        runs,
        seed,
        ..Default::default()
    };
    let r = crate::ops::montecarlo::run_mc(model, &scenario, &req, ctx)?;
    let row = |s: &critmin_risk::OutcomeStats,
               cover: Option<f64>,
               reference_unmet_t: f64,
               reference_share: Option<f64>| StatRow {
        key: s.key.to_string(),
        mean_t: s.unmet_mean_t,
        se_t: s.unmet_mean_se_t,
        p95_t: s.unmet_p95_t,
        cvar95_t: s.unmet_cvar95_t,
        share_mean: s.unmet_share_mean,
        share_p95: s.unmet_share_p95,
        prob_shortfall: s.prob_shortfall,
        peak_price: s.peak_price_index_mean,
        worst_cover_months: cover,
        reference_unmet_t,
        reference_share,
    };
    Ok(RiskInput {
        scenario: r.scenario.clone(),
        description: scenario.description.clone(),
        runs: r.runs,
        seed: r.seed,
        horizon_months: r.horizon_months,
        start: r.start.to_string(),
        curves: r
            .summary
            .exceedance
            .iter()
            .map(|x| Curve {
                country: x.country.to_string(),
                element: x.element.to_string(),
                points: x.points.clone(),
            })
            .collect(),
        elements: r
            .summary
            .by_element
            .iter()
            .map(|e| row(&e.stats, None, e.reference_unmet_t, None))
            .collect(),
        countries: r
            .summary
            .by_country
            .iter()
            .map(|c| {
                row(
                    &c.stats,
                    Some(c.worst_cover_months_mean),
                    c.reference_unmet_t,
                    Some(c.reference_unmet_share),
                )
            })
            .collect(),
    })
}

/// One sentence per price floor and tariff of a run: what it paid, levied
/// and diverted.
fn instruments(s: &critmin_sim::RunSummary) -> Vec<String> {
    let floors = s.price_floors.iter().map(|f| {
        format!(
            "The price floor on {} (paid by {}) paid USD {:.1}m over {} months, on {:.0} t REO-eq of covered oxide.",
            f.facility,
            if f.payer.is_empty() { "—" } else { &f.payer },
            f.payout_usd / 1e6,
            f.months_paid,
            f.covered_t,
        )
    });
    let tariffs = s.tariffs.iter().map(|t| {
        format!(
            "The tariff of line {} ({}, {:.0} %) was paid on {:.0} t REO-eq: USD {:.1}m; {:.0} t REO-eq turned to untariffed sellers.",
            t.line,
            t.routes,
            t.rate * 100.0,
            t.tariffed_t,
            t.paid_usd / 1e6,
            t.diverted_t,
        )
    });
    floors.chain(tariffs).collect()
}
