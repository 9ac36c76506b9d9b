//! The report section for a Monte Carlo run: exceedance curves of unmet
//! demand for chosen countries and elements, and the statistics tables.
//!
//! Inputs are plain numbers ([`RiskInput`]); this module knows nothing of the
//! Monte Carlo engine.

use crate::csv::{CsvTable, num};
use crate::html::{Cell, Section, table_html};
use crate::svg::{Line, LineChart, colour, thousands};

/// One exceedance curve: `P(unmet > x)` as points `(x, p)`, increasing in x.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    /// Country code.
    pub country: String,
    /// Element symbol.
    pub element: String,
    /// The points.
    pub points: Vec<(f64, f64)>,
}

/// A row of a statistics table: a label and its figures.
#[derive(Debug, Clone, PartialEq)]
pub struct StatRow {
    /// Element symbol or country code.
    pub key: String,
    /// Mean unmet, t, and its standard error.
    pub mean_t: f64,
    /// Standard error of the mean, t.
    pub se_t: f64,
    /// 95th percentile, t.
    pub p95_t: f64,
    /// CVaR95, t.
    pub cvar95_t: f64,
    /// Mean unmet share of demand.
    pub share_mean: f64,
    /// 95th percentile of the share.
    pub share_p95: f64,
    /// Probability of any shortfall.
    pub prob_shortfall: f64,
    /// Mean peak price index.
    pub peak_price: f64,
    /// Mean of the worst stockpile cover, months (countries only).
    pub worst_cover_months: Option<f64>,
    /// Unmet demand of the reference future (no risk drawn), t.
    pub reference_unmet_t: f64,
    /// Its share of demand (countries only).
    pub reference_share: Option<f64>,
}

/// A Monte Carlo run for the report.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RiskInput {
    /// Scenario name.
    pub scenario: String,
    /// What the risk model covers.
    pub description: String,
    /// Futures.
    pub runs: usize,
    /// Seed.
    pub seed: u64,
    /// Months per future.
    pub horizon_months: u32,
    /// First month.
    pub start: String,
    /// Curves.
    pub curves: Vec<Curve>,
    /// By element.
    pub elements: Vec<StatRow>,
    /// By country.
    pub countries: Vec<StatRow>,
}

/// `P(unmet > x)` of a curve at `x` (a step function).
fn prob_above(points: &[(f64, f64)], x: f64) -> f64 {
    let mut p = 1.0;
    for &(px, pp) in points {
        if px <= x {
            p = pp;
        } else {
            break;
        }
    }
    p
}

/// The risk section.
pub fn risk_section(r: &RiskInput, countries: &[&str], elements: &[&str]) -> Section {
    let mut body = String::from(r#"<div class="grid2">"#);
    for e in elements {
        let curves: Vec<&Curve> = countries
            .iter()
            .filter_map(|c| r.curves.iter().find(|k| k.country == *c && k.element == *e))
            .collect();
        let x_max = curves
            .iter()
            .flat_map(|c| c.points.iter().map(|p| p.0))
            .fold(0.0, f64::max)
            .max(1.0);
        let steps = 40;
        let xs: Vec<f64> = (0..=steps)
            .map(|i| x_max * f64::from(i) / f64::from(steps))
            .collect();
        let lines = curves
            .iter()
            .map(|c| Line {
                label: c.country.clone(),
                colour: colour::country(&c.country).into(),
                values: xs.iter().map(|&x| Some(prob_above(&c.points, x))).collect(),
                dashed: false,
                markers: Vec::new(),
            })
            .collect();
        let chart = LineChart {
            title: format!("{e}: chance unmet exceeds x"),
            x: (0..=steps).map(f64::from).collect(),
            lines,
            bands: Vec::new(),
            percent: true,
            y_max: Some(1.0),
            y_unit: "probability".into(),
            marker: None,
            x_labels: xs.iter().map(|x| format!("{} t", thousands(*x))).collect(),
        };
        body.push_str("<div>");
        body.push_str(&chart.render());
        body.push_str("</div>");
    }
    body.push_str("</div>");
    let header = [
        ("element", false),
        ("unmet mean t", true),
        ("± se", true),
        ("P95 t", true),
        ("CVaR95 t", true),
        ("unmet share", true),
        ("P(shortfall)", true),
        ("peak price", true),
    ];
    let pct = |v: f64| format!("{:.1}%", v * 100.0);
    let rows: Vec<Vec<Cell>> = r
        .elements
        .iter()
        .map(|s| {
            vec![
                Cell::text(&s.key),
                Cell::num(&thousands(s.mean_t)),
                Cell::num(&thousands(s.se_t)),
                Cell::num(&thousands(s.p95_t)),
                Cell::num(&thousands(s.cvar95_t)),
                Cell::num(&pct(s.share_mean)),
                Cell::num(&pct(s.prob_shortfall)),
                Cell::num(&format!("{:.2}×", s.peak_price)),
            ]
        })
        .collect();
    body.push_str(r#"<h3 class="small">By element, all countries</h3>"#);
    body.push_str(&table_html(&header, &rows));
    let header = [
        ("country", false),
        ("unmet share mean", true),
        ("P95", true),
        ("CVaR95 t", true),
        ("P(shortfall)", true),
        ("no-risk share", true),
        ("worst cover", true),
    ];
    let rows: Vec<Vec<Cell>> = r
        .countries
        .iter()
        .map(|s| {
            vec![
                Cell::text(&s.key),
                Cell::num(&pct(s.share_mean)),
                Cell::num(&pct(s.share_p95)),
                Cell::num(&thousands(s.cvar95_t)),
                Cell::num(&pct(s.prob_shortfall)),
                Cell::num(&s.reference_share.map_or("—".into(), pct)),
                Cell::num(
                    &s.worst_cover_months
                        .map_or("—".into(), |m| format!("{m:.2} mo")),
                ),
            ]
        })
        .collect();
    body.push_str(r#"<h3 class="small">By country, all rare earths</h3>"#);
    body.push_str(&table_html(&header, &rows));
    let mut csv = CsvTable::new(
        "risk",
        &[
            "key",
            "unmet_mean_t",
            "unmet_mean_se_t",
            "unmet_p95_t",
            "unmet_cvar95_t",
            "unmet_share_mean",
            "unmet_share_p95",
            "prob_shortfall",
            "peak_price_index_mean",
            "worst_cover_months_mean",
            "reference_unmet_t",
            "reference_unmet_share",
        ],
    );
    for s in r.elements.iter().chain(&r.countries) {
        csv.push(vec![
            s.key.clone(),
            num(s.mean_t),
            num(s.se_t),
            num(s.p95_t),
            num(s.cvar95_t),
            num(s.share_mean),
            num(s.share_p95),
            num(s.prob_shortfall),
            num(s.peak_price),
            s.worst_cover_months.map_or(String::new(), num),
            num(s.reference_unmet_t),
            s.reference_share.map_or(String::new(), num),
        ]);
    }
    let mut curves = CsvTable::new(
        "risk-exceedance",
        &["country", "element", "unmet_t", "probability_above"],
    );
    for c in &r.curves {
        for (x, p) in &c.points {
            curves.push(vec![c.country.clone(), c.element.clone(), num(*x), num(*p)]);
        }
    }
    Section {
        id: "risk".into(),
        title: "Risk: thousands of futures".into(),
        lead: format!(
            "{} — {} futures of {} months from {} (seed {}), each drawing the risk model's disruptions, demand growth, mine output and project delays, run on the same simulator. Unmet demand in t REO-eq over the horizon. The no-risk share is the reference future (no risk drawn, central inputs): what the chain leaves short anyway; the excess over it is what the risks add. {}",
            r.scenario, r.runs, r.horizon_months, r.start, r.seed, r.description
        ),
        body,
        tables: vec![csv, curves],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_curves_and_tables() {
        let row = |k: &str| StatRow {
            key: k.into(),
            mean_t: 10.0,
            se_t: 1.0,
            p95_t: 30.0,
            cvar95_t: 40.0,
            share_mean: 0.1,
            share_p95: 0.3,
            prob_shortfall: 0.5,
            peak_price: 2.0,
            worst_cover_months: None,
            reference_unmet_t: 5.0,
            reference_share: Some(0.05),
        };
        let r = RiskInput {
            scenario: "risk".into(),
            runs: 100,
            seed: 1,
            horizon_months: 12,
            start: "2026-01".into(),
            curves: vec![Curve {
                country: "US".into(),
                element: "Dy".into(),
                points: vec![(0.0, 0.5), (10.0, 0.1), (20.0, 0.0)],
            }],
            elements: vec![row("Dy")],
            countries: vec![row("US")],
            ..RiskInput::default()
        };
        let s = risk_section(&r, &["US", "JP"], &["Dy"]);
        assert!(s.body.contains("<svg") && s.body.contains("Dy: chance unmet exceeds x"));
        assert_eq!(prob_above(&r.curves[0].points, 5.0), 0.5);
        assert_eq!(prob_above(&r.curves[0].points, 15.0), 0.1);
        assert_eq!(s.tables.len(), 2);
    }
}
