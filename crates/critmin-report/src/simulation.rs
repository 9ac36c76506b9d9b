//! Report sections for disruption scenarios: an overview table of the
//! scenario library and, per scenario, unmet demand and the price index
//! month by month for chosen countries and elements.
//!
//! Inputs are plain series ([`ScenarioRun`]), so this module knows nothing
//! of the simulator; the caller (the `critmin` binary) turns a run into
//! series.

use crate::csv::{CsvTable, num};
use crate::html::{Cell, Section, table_html};
use crate::svg::{Line, LineChart, colour, esc};

/// One country's and element's monthly series in one scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Country code.
    pub country: String,
    /// Element symbol.
    pub element: String,
    /// Unmet ÷ demand per month (`None` without demand).
    pub unmet_share: Vec<Option<f64>>,
    /// Unmet demand per month, t REO-eq.
    pub unmet_t: Vec<f64>,
    /// Demand-weighted price index per month.
    pub price_index: Vec<f64>,
}

/// A scenario's results, as series.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScenarioRun {
    /// File name, e.g. `china-total-ban-12m.toml`.
    pub file: String,
    /// Scenario name.
    pub name: String,
    /// What it replays.
    pub description: String,
    /// The months, `YYYY-MM`.
    pub months: Vec<String>,
    /// Series per country and element.
    pub series: Vec<Series>,
    /// Unmet share over the run per country `(code, share)`, for the
    /// overview.
    pub unmet_share_by_country: Vec<(String, f64)>,
    /// Peak world price index per element `(symbol, index)`.
    pub peak_price: Vec<(String, f64)>,
    /// One sentence per policy instrument of the scenario with what it
    /// did (a price floor's payout, a tariff's levy and diversion), plain
    /// text.
    pub instruments: Vec<String>,
}

/// The overview section followed by one section per scenario.
pub fn simulation_sections(
    runs: &[ScenarioRun],
    countries: &[&str],
    elements: &[&str],
) -> Vec<Section> {
    let mut out = vec![overview(runs, countries, elements)];
    for r in runs {
        out.push(scenario_section(r, countries, elements));
    }
    out
}

fn slug(s: &str) -> String {
    s.trim_end_matches(".toml")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

fn overview(runs: &[ScenarioRun], countries: &[&str], elements: &[&str]) -> Section {
    let mut header: Vec<(String, bool)> = vec![("scenario".into(), false)];
    for c in countries {
        header.push((format!("{c} unmet"), true));
    }
    for e in elements {
        header.push((format!("peak {e} price"), true));
    }
    let header_ref: Vec<(&str, bool)> = header.iter().map(|(s, r)| (s.as_str(), *r)).collect();
    let mut rows = Vec::new();
    let mut csv = CsvTable::new(
        "scenarios",
        &std::iter::once("scenario")
            .chain(countries.iter().copied())
            .chain(elements.iter().copied())
            .collect::<Vec<_>>(),
    );
    for r in runs {
        let mut row = vec![Cell::html(format!(
            r##"<a href="#scenario-{}">{}</a>"##,
            slug(&r.file),
            esc(&r.name)
        ))];
        let mut csv_row = vec![r.name.clone()];
        for c in countries {
            let v = r
                .unmet_share_by_country
                .iter()
                .find(|(k, _)| k == c)
                .map_or(0.0, |(_, v)| *v);
            row.push(Cell::num(&format!("{:.1}%", v * 100.0)));
            csv_row.push(num(v));
        }
        for e in elements {
            let v = r
                .peak_price
                .iter()
                .find(|(k, _)| k == e)
                .map_or(1.0, |(_, v)| *v);
            row.push(Cell::num(&format!("{v:.2}×")));
            csv_row.push(num(v));
        }
        rows.push(row);
        csv.push(csv_row);
    }
    Section {
        id: "scenarios".into(),
        title: "Disruption scenarios".into(),
        lead: format!(
            "The scenario library run month by month on the dataset: the share of {} demand for rare earths (all forms, REO terms) left unmet over each run, and the highest world price index (1.0 = baseline) each element reached. Each scenario's section shows the months.",
            countries.join(" and ")
        ),
        body: table_html(&header_ref, &rows),
        tables: vec![csv],
    }
}

fn scenario_section(r: &ScenarioRun, countries: &[&str], elements: &[&str]) -> Section {
    let x: Vec<f64> = (0..r.months.len()).map(|i| i as f64).collect();
    let chart = |element: &str, price: bool| -> String {
        let lines = countries
            .iter()
            .filter_map(|c| {
                r.series
                    .iter()
                    .find(|s| s.country == *c && s.element == element)
            })
            .map(|s| Line {
                label: s.country.clone(),
                colour: colour::country(&s.country).into(),
                values: if price {
                    s.price_index.iter().map(|v| Some(*v)).collect()
                } else {
                    s.unmet_share.clone()
                },
                dashed: false,
                markers: Vec::new(),
            })
            .collect::<Vec<_>>();
        LineChart {
            title: if price {
                format!("{element} price index")
            } else {
                format!("{element} unmet share")
            },
            x: x.clone(),
            lines,
            bands: Vec::new(),
            percent: !price,
            y_max: if price { None } else { Some(1.0) },
            y_unit: if price {
                "× baseline".into()
            } else {
                "of demand".into()
            },
            marker: None,
            x_labels: r.months.clone(),
        }
        .render()
    };
    let mut body = String::from(r#"<div class="grid2">"#);
    for e in elements {
        body.push_str("<div>");
        body.push_str(&chart(e, false));
        body.push_str("</div>");
    }
    body.push_str("</div>");
    body.push_str(r#"<details><summary>Price index by month</summary><div class="grid2">"#);
    for e in elements {
        body.push_str("<div>");
        body.push_str(&chart(e, true));
        body.push_str("</div>");
    }
    body.push_str("</div></details>");
    if !r.instruments.is_empty() {
        body.push_str("<p>Policy instruments in this scenario:</p><ul>");
        for i in &r.instruments {
            body.push_str(&format!("<li>{}</li>", esc(i)));
        }
        body.push_str("</ul>");
    }
    let mut csv = CsvTable::new(
        &format!("scenario-{}", slug(&r.file)),
        &[
            "month",
            "country",
            "element",
            "unmet_share",
            "unmet_t",
            "price_index",
        ],
    );
    for s in &r.series {
        for (i, m) in r.months.iter().enumerate() {
            csv.push(vec![
                m.clone(),
                s.country.clone(),
                s.element.clone(),
                s.unmet_share
                    .get(i)
                    .copied()
                    .flatten()
                    .map_or(String::new(), num),
                num(s.unmet_t.get(i).copied().unwrap_or(0.0)),
                num(s.price_index.get(i).copied().unwrap_or(1.0)),
            ]);
        }
    }
    Section {
        id: format!("scenario-{}", slug(&r.file)),
        title: format!("Scenario: {}", r.name),
        lead: if r.description.is_empty() {
            r.file.clone()
        } else {
            format!("{} ({})", r.description, r.file)
        },
        body,
        tables: vec![csv],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_render_charts_and_tables() {
        let run = ScenarioRun {
            file: "ban.toml".into(),
            name: "ban".into(),
            description: "A & B".into(),
            months: vec!["2026-01".into(), "2026-02".into()],
            series: vec![Series {
                country: "JP".into(),
                element: "Dy".into(),
                unmet_share: vec![Some(0.0), Some(0.4)],
                unmet_t: vec![0.0, 4.0],
                price_index: vec![1.0, 3.5],
            }],
            unmet_share_by_country: vec![("JP".into(), 0.2)],
            peak_price: vec![("Dy".into(), 3.5)],
            instruments: vec!["A tariff <paid>.".into()],
        };
        let s = simulation_sections(&[run], &["US", "JP"], &["Dy"]);
        assert_eq!(s.len(), 2);
        assert!(s[0].body.contains("20.0%") && s[0].body.contains("3.50×"));
        assert!(s[1].body.contains("<svg") && s[1].body.contains("2026-02"));
        assert!(s[1].lead.contains("A &amp; B") || s[1].lead.contains("A & B"));
        assert_eq!(s[1].tables[0].to_csv().lines().count(), 3);
        assert!(s[1].body.contains("<li>A tariff &lt;paid&gt;.</li>"));
    }
}
