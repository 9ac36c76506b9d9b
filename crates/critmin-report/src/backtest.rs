//! The backtest section: per observed series, the simulated monthly path
//! with the observations on it, and the fit errors (`docs/backtest.md`).

use crate::csv::{CsvTable, num};
use crate::html::{Cell, Section, table_html};
use crate::svg::{Line, LineChart, colour};

/// One series of a backtest, ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct BacktestSeries {
    /// Series name.
    pub name: String,
    /// Its unit.
    pub unit: String,
    /// The simulated value every month of the run.
    pub simulated: Vec<f64>,
    /// Observations: (month index in the run, value, yearly?).
    pub observed: Vec<(usize, f64, bool)>,
    /// Whether a yearly observation is the year's total (flows) rather than
    /// its mean (prices): the chart then draws it at a twelfth, a month's
    /// share, beside the monthly path.
    pub yearly_is_total: bool,
    /// Mean |ln(simulated ÷ observed)|.
    pub log_ratio_mean_abs: f64,
    /// Mean ln(simulated ÷ observed).
    pub log_ratio_bias: f64,
    /// Highest simulated ÷ highest observed, over the observations.
    pub peak_ratio: f64,
    /// Simulated peak month − observed peak month.
    pub peak_month_error: i32,
    /// Turning points observed, and matched.
    pub turning_points: (usize, usize),
}

/// What the backtest section is built from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BacktestInput {
    /// Scenario name.
    pub scenario: String,
    /// The run's months, `YYYY-MM`.
    pub months: Vec<String>,
    /// The series.
    pub series: Vec<BacktestSeries>,
}

/// The backtest section.
pub fn backtest_section(b: &BacktestInput) -> Section {
    let mut body = String::from(r#"<div class="grid2">"#);
    let x: Vec<f64> = (0..b.months.len()).map(|i| i as f64).collect();
    for s in &b.series {
        let mut observed = vec![None; b.months.len()];
        let mut markers = vec![None; b.months.len()];
        for &(i, v, yearly) in &s.observed {
            if i < observed.len() {
                let scale = if yearly && s.yearly_is_total {
                    1.0 / 12.0
                } else {
                    1.0
                };
                observed[i] = Some(v * scale);
                markers[i] = Some(colour::INK.to_string());
            }
        }
        let chart = LineChart {
            title: s.name.clone(),
            x: x.clone(),
            x_labels: b.months.clone(),
            y_unit: s.unit.clone(),
            lines: vec![
                Line {
                    label: "simulated".into(),
                    colour: colour::ALLIED.into(),
                    values: s.simulated.iter().map(|v| Some(*v)).collect(),
                    dashed: false,
                    markers: Vec::new(),
                },
                Line {
                    label: "observed".into(),
                    colour: colour::INK.into(),
                    values: observed,
                    dashed: true,
                    markers,
                },
            ],
            ..LineChart::default()
        };
        body.push_str(&format!("<figure>{}</figure>", chart.render()));
    }
    body.push_str("</div>");
    let header = [
        ("series", false),
        ("unit", false),
        ("observations", true),
        ("mean |ln ratio|", true),
        ("bias", true),
        ("peak ratio", true),
        ("peak month error", true),
        ("turning points matched", true),
    ];
    let rows: Vec<Vec<Cell>> = b
        .series
        .iter()
        .map(|s| {
            vec![
                Cell::text(&s.name),
                Cell::text(&s.unit),
                Cell::num(&s.observed.len().to_string()),
                Cell::num(&format!("{:.2}", s.log_ratio_mean_abs)),
                Cell::num(&format!("{:+.2}", s.log_ratio_bias)),
                Cell::num(&format!("{:.2}", s.peak_ratio)),
                Cell::num(&format!("{:+} mo", s.peak_month_error)),
                Cell::num(&format!("{} of {}", s.turning_points.1, s.turning_points.0)),
            ]
        })
        .collect();
    body.push_str(&table_html(&header, &rows));
    let mut csv = CsvTable::new(
        "backtest",
        &["series", "unit", "month", "period", "observed", "simulated"],
    );
    for s in &b.series {
        for &(i, v, yearly) in &s.observed {
            csv.push(vec![
                s.name.clone(),
                s.unit.clone(),
                b.months.get(i).cloned().unwrap_or_default(),
                if yearly { "year" } else { "month" }.into(),
                num(v),
                num(s.simulated.get(i).copied().unwrap_or(0.0)),
            ]);
        }
    }
    Section {
        id: "backtest".into(),
        title: format!("Backtest: {}", b.scenario),
        lead: "The simulated series (solid) against the observations (dashed, dots), and how far apart they are: the mean absolute log-ratio (0.69 is a factor of two), its sign (bias > 0: the run is too high), the ratio of the peaks, the months between them, and how many of the observed turns the run also makes. A yearly observation is drawn at the month it was written in and compared with the year's mean (prices) or total (flows); a yearly total is drawn at a twelfth of its value, beside the monthly path.".into(),
        body,
        tables: vec![csv],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_section_draws_both_curves_and_lists_the_errors() {
        let b = BacktestInput {
            scenario: "replay".into(),
            months: vec!["2011-01".into(), "2011-02".into(), "2011-03".into()],
            series: vec![BacktestSeries {
                name: "price:Dy:oxide:outside:CN".into(),
                unit: "USD/kg".into(),
                simulated: vec![100.0, 300.0, 200.0],
                observed: vec![(1, 600.0, false)],
                log_ratio_mean_abs: 0.69,
                log_ratio_bias: -0.69,
                peak_ratio: 0.5,
                peak_month_error: 0,
                turning_points: (0, 0),
                yearly_is_total: false,
            }],
        };
        let s = backtest_section(&b);
        assert!(s.body.contains("<svg") && s.body.contains("observed"));
        assert!(s.body.contains("-0.69") && s.body.contains("0.50"));
        assert_eq!(s.tables[0].rows.len(), 1);
    }
}
