//! The standard `critmin assess` report: headline figures, who makes what
//! (country shares per stage and element), the partnership scorecard to
//! 2035, the exposure of the US, Japan and the allies, the criticality
//! matrix, and the dataset's sources — plus `metrics.json`.

use crate::csv::CsvTable;
use crate::html::{Cell, Headline, Report, Section, bar_cell, status_chip, table_html};
use crate::svg::{
    Band, Line, LineChart, Point, Scatter, Segment, StackedBars, colour, esc, thousands,
};
use crate::tables;
use critmin_metrics::criticality::{CriticalityRow, EU_EI_THRESHOLD, EU_SR_THRESHOLD};
use critmin_metrics::targets::{Direction, Gap, Scorecard, Status, TargetSpec, TargetValue};
use critmin_metrics::{GroupMetric, Metrics, STAGES, StageMetric, TARGETS};
use critmin_model::{Confidence, Model, Stage};
use serde::Serialize;

/// What the assess report is built from.
#[derive(Debug, Clone, Copy)]
pub struct AssessInputs<'a> {
    /// The dataset.
    pub model: &'a Model,
    /// Metrics for the base year.
    pub base: &'a Metrics,
    /// Metrics for a later year to compare with (the goal year), if any.
    pub later: Option<&'a Metrics>,
    /// The scorecard.
    pub card: &'a Scorecard,
}

/// `metrics.json`: the base-year stages, groups and criticality, the
/// scorecard and its gaps, in the shapes `critmin metrics --format json`
/// and `critmin targets --format json` print (documented in
/// `docs/outputs.md`, `assess-metrics.json`).
#[derive(Debug, Clone, Serialize)]
pub struct MetricsJson<'a> {
    /// The dataset's name.
    pub dataset: &'a str,
    /// The dataset's base year.
    pub base_year: i32,
    /// The year the metrics are for.
    pub year: i32,
    /// Demand growth path.
    pub path: &'a str,
    /// Whether projects seeking finance count as built.
    pub with_pipeline: bool,
    /// Concentration per stage and element.
    pub stages: &'a [StageMetric],
    /// Exposure per group and element.
    pub groups: &'a [GroupMetric],
    /// Criticality scores per element.
    pub criticality: &'a [CriticalityRow],
    /// The targets' definitions.
    pub definitions: &'a [TargetSpec],
    /// The targets' values by year.
    pub targets: &'a [TargetValue],
    /// What is missing to reach each goal.
    pub gaps: &'a [Gap],
    /// The comparison year, if any.
    pub later: Option<LaterJson<'a>>,
}

/// The comparison year of [`MetricsJson`].
#[derive(Debug, Clone, Serialize)]
pub struct LaterJson<'a> {
    /// The year.
    pub year: i32,
    /// Concentration per stage and element.
    pub stages: &'a [StageMetric],
    /// Exposure per group and element.
    pub groups: &'a [GroupMetric],
}

/// Builds [`MetricsJson`] from the report's inputs.
pub fn metrics_json<'a>(i: &AssessInputs<'a>) -> MetricsJson<'a> {
    MetricsJson {
        dataset: &i.model.name,
        base_year: i.model.base_year,
        year: i.base.year,
        path: &i.base.path,
        with_pipeline: i.base.with_pipeline,
        stages: &i.base.stages,
        groups: &i.base.groups,
        criticality: &i.base.criticality,
        definitions: &i.card.definitions,
        targets: &i.card.targets,
        gaps: &i.card.gaps,
        later: i.later.map(|l| LaterJson {
            year: l.year,
            stages: &l.stages,
            groups: &l.groups,
        }),
    }
}

fn pct(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}

fn pct1(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

fn opt_pct(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), pct)
}

fn stage_label(s: Stage) -> &'static str {
    match s {
        Stage::Mining => "Mining",
        Stage::Separation => "Separation",
        Stage::MetalAlloy => "Metal & alloy",
        Stage::Magnet => "Magnets",
        Stage::EndUse => "End use",
    }
}

fn stage_row<'a>(rows: &'a [StageMetric], stage: Stage, el: &str) -> Option<&'a StageMetric> {
    rows.iter().find(|r| r.stage == stage && r.element == el)
}

fn target_value<'a>(
    card: &'a Scorecard,
    id: &str,
    year: i32,
) -> Option<&'a critmin_metrics::targets::TargetValue> {
    card.targets.iter().find(|t| t.id == id && t.year == year)
}

/// The full report.
pub fn assess_report(i: &AssessInputs) -> Report {
    let m = i.model;
    let base = i.base;
    let sep = stage_row(&base.stages, Stage::Separation, "all");
    let mag = stage_row(&base.stages, Stage::Magnet, "all");
    let mut headlines = vec![
        Headline {
            label: "China · separation".into(),
            value: sep.map_or("—".into(), |r| pct(r.china_share)),
            detail: format!("of world output, {}", base.year),
            status: String::new(),
        },
        Headline {
            label: "China · magnets".into(),
            value: mag.map_or("—".into(), |r| pct(r.china_share)),
            detail: format!("of world output, {}", base.year),
            status: String::new(),
        },
    ];
    for spec in TARGETS {
        let v = target_value(i.card, spec.id, spec.goal_year)
            .or_else(|| target_value(i.card, spec.id, base.year));
        if let Some(v) = v {
            // Until when the goal year's status holds, not just the goal
            // year's status.
            let holds = i.card.headlines.iter().find(|h| h.id == spec.id).map_or(
                String::new(),
                |h| match (h.on_track_until, h.off_track_from) {
                    (Some(_), Some(from)) => format!(" · off track from {from}"),
                    (Some(until), None) => format!(" · on track to {until}"),
                    _ => String::new(),
                },
            );
            headlines.push(Headline {
                label: short_name(spec.id).into(),
                value: value_text(v.value, v.unit),
                detail: format!(
                    "{} · goal {}{holds}",
                    v.year,
                    goal_text(v.goal_low, v.goal_high, v.unit)
                ),
                status: v.status.as_str().into(),
            });
        }
    }
    Report {
        title: "Rare-earth supply security assessment".into(),
        subtitle: format!(
            "{} · base year {} · demand path “{}”{} · US–Japan partnership scorecard to 2035",
            m.name,
            m.base_year,
            base.path,
            if base.with_pipeline {
                " · pipeline projects seeking finance counted"
            } else {
                " · committed projects only"
            }
        ),
        headlines,
        sections: vec![
            supply_section(i),
            scorecard_section(i),
            exposure_section(i),
            criticality_section(i),
            sources_section(m),
        ],
        footer: format!(
            "Generated by critmin from the dataset “{}”. Definitions: docs/metrics.md. Every number in the dataset cites a source (sources.csv); estimates are marked E and explain themselves. The page is self-contained: no scripts, fonts or network.",
            m.name
        ),
    }
}

fn short_name(id: &str) -> &'static str {
    match id {
        "processing_coverage" => "Allied processing coverage",
        "import_dependency" => "US+JP import dependency",
        "reserve_months" => "US+JP strategic reserves",
        _ => "target",
    }
}

fn value_text(v: Option<f64>, unit: &str) -> String {
    match v {
        None => "—".into(),
        Some(x) if unit == "months" => format!("{x:.1} mo"),
        Some(x) => pct(x),
    }
}

fn goal_text(lo: f64, hi: f64, unit: &str) -> String {
    if unit == "months" {
        format!("{lo:.0}–{hi:.0} months")
    } else if lo <= 0.0 {
        format!("below {}", pct(hi))
    } else {
        format!("{}–{}", pct(lo), pct(hi))
    }
}

/// Country segments for stacked share bars: every country with at least
/// 2 % of some bar, the rest as "other", China first.
fn share_bars(title: &str, rows: &[Option<&StageMetric>], labels: Vec<String>) -> StackedBars {
    let mut countries: Vec<String> = Vec::new();
    for r in rows.iter().flatten() {
        for s in &r.shares {
            let c = s.country.to_string();
            if s.share >= 0.02 && !countries.contains(&c) {
                countries.push(c);
            }
        }
    }
    countries.sort_by_key(|c| (c != "CN", c.clone()));
    let mut segments: Vec<Segment> = countries
        .iter()
        .map(|c| Segment {
            label: c.clone(),
            colour: colour::country(c).into(),
            values: rows
                .iter()
                .map(|r| {
                    r.and_then(|r| r.shares.iter().find(|s| s.country.as_str() == c))
                        .map_or(0.0, |s| s.share)
                })
                .collect(),
        })
        .collect();
    let other: Vec<f64> = rows
        .iter()
        .enumerate()
        .map(|(k, r)| {
            if r.is_none() {
                return 0.0;
            }
            (1.0 - segments.iter().map(|s| s.values[k]).sum::<f64>()).max(0.0)
        })
        .collect();
    segments.push(Segment {
        label: "other".into(),
        colour: "#d5d9de".into(),
        values: other,
    });
    let notes = rows
        .iter()
        .map(|r| {
            r.map_or("none".into(), |r| {
                format!("{} t", thousands(r.world_output_t))
            })
        })
        .collect();
    StackedBars {
        title: title.into(),
        bars: labels,
        segments,
        percent: true,
        notes,
    }
}

fn supply_section(i: &AssessInputs) -> Section {
    let base = i.base;
    let mut body = String::from("<div class=\"grid2\">");
    for (el, name) in [
        ("all", "All rare earths"),
        ("magnet", "Magnet rare earths (Nd, Pr, Dy, Tb)"),
        ("Dy", "Dysprosium"),
        ("Tb", "Terbium"),
    ] {
        let rows: Vec<Option<&StageMetric>> = STAGES
            .iter()
            .map(|s| stage_row(&base.stages, *s, el))
            .collect();
        let labels = STAGES.iter().map(|s| stage_label(*s).to_string()).collect();
        body.push_str(
            &share_bars(
                &format!("{name} — shares of output, {}", base.year),
                &rows,
                labels,
            )
            .render(),
        );
    }
    body.push_str("</div>");
    if let Some(later) = i.later {
        body.push_str("<div class=\"grid2\" style=\"margin-top:14px\">");
        for (el, name) in [
            ("magnet", "Magnet rare earths"),
            ("heavy", "Heavy rare earths"),
        ] {
            let mut rows = Vec::new();
            let mut labels = Vec::new();
            for s in [Stage::Separation, Stage::Magnet] {
                rows.push(stage_row(&base.stages, s, el));
                labels.push(format!("{} {}", stage_label(s), base.year));
                rows.push(stage_row(&later.stages, s, el));
                labels.push(format!("{} {}", stage_label(s), later.year));
            }
            body.push_str(
                &share_bars(
                    &format!(
                        "{name} — {} against {} (committed projects)",
                        base.year, later.year
                    ),
                    &rows,
                    labels,
                )
                .render(),
            );
        }
        body.push_str("</div>");
    }
    // Table: totals and the magnet elements.
    let mut rows = Vec::new();
    for el in ["all", "magnet", "light", "heavy", "Nd", "Pr", "Dy", "Tb"] {
        for s in STAGES {
            if let Some(r) = stage_row(&base.stages, s, el) {
                rows.push(vec![
                    Cell::text(el),
                    Cell::text(stage_label(s)),
                    Cell::num(&thousands(r.world_capacity_t)),
                    Cell::num(&thousands(r.world_output_t)),
                    Cell::html(format!(
                        "<div style=\"display:flex;gap:8px;align-items:center\">{}<span>{}</span></div>",
                        bar_cell(r.china_share, "China", true),
                        pct1(r.china_share)
                    )),
                    Cell::num(&pct1(r.allied_share)),
                    Cell::num(&format!("{:.0}", r.hhi)),
                ]);
            }
        }
    }
    body.push_str(
        "<details><summary>Table: world capacity, output and concentration by stage</summary>",
    );
    body.push_str(&table_html(
        &[
            ("element", false),
            ("stage", false),
            ("capacity t REO-eq", true),
            ("output t REO-eq", true),
            ("China share", false),
            ("allied share", true),
            ("HHI", true),
        ],
        &rows,
    ));
    body.push_str("</details>");
    let sep = stage_row(&base.stages, Stage::Separation, "all");
    let mag = stage_row(&base.stages, Stage::Magnet, "all");
    let mine = stage_row(&base.stages, Stage::Mining, "all");
    let mut all_stages = tables::stages(&base.stages);
    if let Some(l) = i.later {
        let t = tables::stages(&l.stages);
        all_stages.rows.extend(t.rows);
    }
    Section {
        id: "supply".into(),
        title: "Who makes what".into(),
        lead: format!(
            "China mines {} of the world's rare earths but separates {} and makes {} of the magnets (t REO-equivalent, {}). Concentration rises downstream: the allies' share is largest at the mine and smallest where the value is.",
            mine.map_or("—".into(), |r| pct(r.china_share)),
            sep.map_or("—".into(), |r| pct(r.china_share)),
            mag.map_or("—".into(), |r| pct(r.china_share)),
            base.year
        ),
        body,
        tables: vec![all_stages],
    }
}

fn status_colour(s: Status) -> &'static str {
    match s {
        Status::OnTrack => colour::ON_TRACK,
        Status::AtRisk => colour::AT_RISK,
        Status::OffTrack => colour::OFF_TRACK,
        Status::Unknown => colour::OTHER,
    }
}

/// The targets measured other ways (nameplate and expected output, for
/// US+JP and for the allies) and the jobs, investment and waste measures.
fn measures_html(card: &critmin_metrics::Scorecard) -> String {
    let years = [card.base_year, 2030, 2035];
    let mut out = String::from(
        "<h3 style=\"font-size:15px;margin:18px 0 4px\">The same targets measured other ways</h3><p class=\"small\">Coverage: the share of the group's magnet rare-earth demand the allied chain meets, every stage only as far as feed exists upstream; on nameplate capacity or on expected output (capacity × utilisation); for US+Japan with all allied supply credited to them (as the target is worded), or for the allies with their supply shared over their demand. Import dependency is one minus the allied coverage.</p>",
    );
    let mut rows = Vec::new();
    for m in card.measures.iter().filter(|m| years.contains(&m.year)) {
        rows.push(vec![
            Cell::text(m.id),
            Cell::text(if m.group == "us_jp" {
                "US+Japan"
            } else {
                "allies"
            }),
            Cell::text(m.basis),
            Cell::num(&m.year.to_string()),
            Cell::num(&m.value.map_or("—".into(), pct)),
        ]);
    }
    out.push_str(&table_html(
        &[
            ("measure", false),
            ("demand of", false),
            ("basis", false),
            ("year", true),
            ("value", true),
        ],
        &rows,
    ));
    out.push_str("<h3 style=\"font-size:15px;margin:18px 0 4px\">Jobs, investment and waste (allied facilities)</h3><p class=\"small\">Where the dataset gives a figure: direct jobs at facilities active in the year; the capital cost of pipeline projects producing by the year (first output after the base year), cumulative; waste from the year's output at the dataset's t of waste per t REO, summed over the stages that give one. The seed's goals: 8,000–12,000 direct jobs, USD 3–5bn over seven years.</p>");
    let rows: Vec<Vec<Cell>> = card
        .impacts
        .iter()
        .filter(|i| years.contains(&i.year))
        .map(|i| {
            vec![
                Cell::num(&i.year.to_string()),
                Cell::num(&thousands(i.direct_jobs as f64)),
                Cell::text(&format!("{} of {}", i.facilities_with_jobs, i.facilities)),
                Cell::num(&thousands(i.investment_musd)),
                Cell::num(&thousands(i.waste_t)),
                Cell::text(&format!("{} of {}", i.facilities_with_waste, i.facilities)),
            ]
        })
        .collect();
    out.push_str(&table_html(
        &[
            ("year", true),
            ("direct jobs", true),
            ("facilities with jobs", false),
            ("investment USD m", true),
            ("waste t", true),
            ("facilities with waste", false),
        ],
        &rows,
    ));
    out
}

fn scorecard_section(i: &AssessInputs) -> Section {
    let card = i.card;
    let mut body = String::from("<div class=\"grid3\">");
    let years: Vec<i32> = {
        let mut y: Vec<i32> = card.targets.iter().map(|t| t.year).collect();
        y.dedup();
        y.sort_unstable();
        y.dedup();
        y
    };
    for spec in TARGETS {
        let vals: Vec<&critmin_metrics::targets::TargetValue> =
            card.targets.iter().filter(|t| t.id == spec.id).collect();
        let percent = spec.unit != "months";
        let (lo, hi) = match spec.direction {
            Direction::Higher => (spec.goal_low, spec.goal_high),
            Direction::Lower => (spec.goal_low, spec.goal_high),
        };
        let chart = LineChart {
            title: short_name(spec.id).into(),
            x: years.iter().map(|y| f64::from(*y)).collect(),
            lines: vec![Line {
                label: "projection".into(),
                colour: colour::ALLIED.into(),
                values: vals.iter().map(|v| v.value).collect(),
                dashed: false,
                markers: vals
                    .iter()
                    .map(|v| Some(status_colour(v.status).to_string()))
                    .collect(),
            }],
            bands: vec![Band::flat("goal range", colour::GOAL, lo, hi, years.len())],
            percent,
            y_max: if percent {
                Some(1.0)
            } else {
                Some(spec.goal_high * 1.1)
            },
            y_unit: if percent {
                "share".into()
            } else {
                "months of consumption".into()
            },
            marker: Some((
                f64::from(spec.goal_year),
                format!("goal {}", spec.goal_year),
            )),
            x_labels: Vec::new(),
        };
        body.push_str("<div>");
        body.push_str(&chart.render());
        body.push_str("</div>");
    }
    body.push_str("</div>");
    body.push_str(&format!(
        "<p class=\"small\">Dots show each year's status: {} {} {} — judged against a straight line from the {} value to the goal in 2030. Definitions in docs/metrics.md.</p>",
        status_chip("on_track"),
        status_chip("at_risk"),
        status_chip("off_track"),
        card.base_year
    ));
    // Year-by-year table.
    let mut header: Vec<(String, bool)> = vec![("target".into(), false)];
    header.extend(years.iter().map(|y| (y.to_string(), true)));
    let mut rows = Vec::new();
    for spec in TARGETS {
        let mut r = vec![Cell::text(short_name(spec.id))];
        for y in &years {
            let v = target_value(card, spec.id, *y);
            r.push(Cell {
                html: v.map_or("—".into(), |v| {
                    format!(
                        "<span style=\"color:{}\">{}</span>",
                        status_colour(v.status),
                        esc(&value_text(v.value, v.unit))
                    )
                }),
                numeric: true,
            });
        }
        rows.push(r);
    }
    let header_ref: Vec<(&str, bool)> = header.iter().map(|(s, n)| (s.as_str(), *n)).collect();
    body.push_str(&table_html(&header_ref, &rows));
    body.push_str(&measures_html(card));
    // Gaps.
    let mut gaps: Vec<&critmin_metrics::targets::Gap> =
        card.gaps.iter().filter(|g| g.missing_t > 0.5).collect();
    gaps.sort_by(|a, b| b.missing_t.total_cmp(&a.missing_t));
    if !gaps.is_empty() {
        body.push_str(&format!(
            "<h3 style=\"font-size:15px;margin:18px 0 4px\">What is missing by {} (t REO-eq per year; stockpiles in t held)</h3>",
            gaps[0].year
        ));
        let rows: Vec<Vec<Cell>> = gaps
            .iter()
            .take(12)
            .map(|g| {
                vec![
                    Cell::text(short_name(g.target)),
                    Cell::text(g.stage),
                    Cell::text(g.element.symbol()),
                    Cell::num(&thousands(g.required_t)),
                    Cell::num(&thousands(g.available_t)),
                    Cell::num(&thousands(g.missing_t)),
                ]
            })
            .collect();
        body.push_str(&table_html(
            &[
                ("target", false),
                ("stage", false),
                ("element", false),
                ("required", true),
                ("available", true),
                ("missing", true),
            ],
            &rows,
        ));
    }
    let lead = {
        let pc = target_value(card, "processing_coverage", 2030);
        let dep = target_value(card, "import_dependency", 2030);
        let res = target_value(card, "reserve_months", 2030);
        let measure = |group: &str, basis: &str| {
            card.measures
                .iter()
                .find(|m| {
                    m.id == "coverage" && m.group == group && m.basis == basis && m.year == 2030
                })
                .and_then(|m| m.value)
                .map_or("—".into(), pct)
        };
        format!(
            "The partnership's three targets for 2030, projected year by year with the facilities and committed projects of the dataset: allied processing able to meet {} of US+Japan magnet rare-earth demand (goal 50–70%; nameplate capacity, all of it credited to US+Japan as the target is worded — on expected output {}, and shared over the allies' own demand {} on nameplate and {} on output), import dependency at {} (goal below 30%), strategic reserves of {} (goal 12–24 months).",
            pc.map_or("—".into(), |v| value_text(v.value, v.unit)),
            measure("us_jp", "output"),
            measure("allied", "nameplate"),
            measure("allied", "output"),
            dep.map_or("—".into(), |v| value_text(v.value, v.unit)),
            res.map_or("—".into(), |v| value_text(v.value, v.unit)),
        )
    };
    Section {
        id: "scorecard".into(),
        title: "Partnership scorecard".into(),
        lead,
        body,
        tables: vec![tables::targets(&card.targets), tables::gaps(&card.gaps)],
    }
}

fn exposure_section(i: &AssessInputs) -> Section {
    let base = i.base;
    let mut rows = Vec::new();
    let mut groups: Vec<&str> = Vec::new();
    for g in &base.groups {
        if !groups.contains(&g.group.as_str()) {
            groups.push(&g.group);
        }
    }
    for g in &groups {
        for el in ["all", "magnet", "Nd", "Pr", "Dy", "Tb"] {
            let Some(r) = base
                .groups
                .iter()
                .find(|x| x.group == *g && x.element == el)
            else {
                continue;
            };
            rows.push(group_cells(r));
        }
    }
    let mut body = table_html(
        &[
            ("group", false),
            ("element", false),
            ("demand t", true),
            ("import reliance", false),
            ("", true),
            ("allied self-sufficiency", false),
            ("", true),
            ("own", true),
            ("cover (months)", true),
        ],
        &rows,
    );
    body.push_str("<p class=\"small\">Import reliance: net imports ÷ apparent consumption, the largest over the stages (a country that mines but does not separate still imports its oxides). Self-sufficiency: the share of the group's demand that allied capacity can meet at every stage, each stage counting only as far as allied feed exists upstream. Cover: strategic stockpiles in months of consumption.</p>");
    let us_jp = base
        .groups
        .iter()
        .find(|g| g.group == "us_jp" && g.element == "magnet");
    Section {
        id: "exposure".into(),
        title: "Exposure of the US, Japan and the allies".into(),
        lead: match us_jp {
            Some(g) => format!(
                "Together the US and Japan consume {} t REO-eq of the magnet rare earths a year ({}); {} of it depends on imports at some stage of the chain, allied capacity could cover {}, and their strategic stocks would last {}.",
                thousands(g.demand_t),
                base.year,
                opt_pct(g.import_reliance),
                opt_pct(g.self_sufficiency),
                g.cover_months
                    .map_or("—".into(), |m| format!("{m:.1} months"))
            ),
            None => "Exposure by country and group.".into(),
        },
        body,
        tables: vec![tables::groups(&base.groups)],
    }
}

fn group_cells(r: &GroupMetric) -> Vec<Cell> {
    let ir = r.import_reliance.unwrap_or(0.0);
    let ss = r.self_sufficiency.unwrap_or(0.0);
    vec![
        Cell::text(&r.group),
        Cell::text(&r.element),
        Cell::num(&thousands(r.demand_t)),
        Cell::html(bar_cell(ir, "import reliance", true)),
        Cell::num(&opt_pct(r.import_reliance)),
        Cell::html(bar_cell(ss, "self-sufficiency", false)),
        Cell::num(&opt_pct(r.self_sufficiency)),
        Cell::num(&opt_pct(r.own_self_sufficiency)),
        Cell::num(&r.cover_months.map_or("—".into(), |m| format!("{m:.1}"))),
    ]
}

fn risk_colour(usgs: f64) -> String {
    // From amber to deep red as the USGS score rises towards 0.5.
    let t = (usgs / 0.4).clamp(0.0, 1.0);
    let (r0, g0, b0) = (0xe8, 0xb0, 0x4a);
    let (r1, g1, b1) = (0xa1, 0x1d, 0x2b);
    let mix = |a: i32, b: i32| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as i32;
    format!("#{:02x}{:02x}{:02x}", mix(r0, r1), mix(g0, g1), mix(b0, b1))
}

fn criticality_section(i: &AssessInputs) -> Section {
    let rows: &[CriticalityRow] = &i.base.criticality;
    let chart = Scatter {
        title: format!(
            "Criticality matrix for US+JP, {} (EU JRC method; colour: USGS supply risk)",
            i.base.year
        ),
        points: rows
            .iter()
            .map(|r| Point {
                label: r.element.to_string(),
                x: r.eu_economic_importance,
                y: r.eu_supply_risk,
                colour: risk_colour(r.usgs_supply_risk),
                radius: 5.0 + 9.0 * r.import_reliance,
                tip: format!(
                    "{}: supply risk {:.2} ({}), economic importance {:.2}, USGS {:.3}, import reliance {}",
                    r.element,
                    r.eu_supply_risk,
                    r.eu_supply_risk_stage,
                    r.eu_economic_importance,
                    r.usgs_supply_risk,
                    pct(r.import_reliance)
                ),
            })
            .collect(),
        x_label: "Economic importance (EU JRC, 0–10)".into(),
        y_label: "Supply risk (EU JRC)".into(),
        thresholds: Some((EU_EI_THRESHOLD, EU_SR_THRESHOLD)),
        quadrant_label: "critical: EI ≥ 2.8 and SR ≥ 1".into(),
        legend: vec![
            ("low USGS risk".into(), risk_colour(0.0)),
            ("high USGS risk".into(), risk_colour(0.4)),
            ("size: US+JP import reliance".into(), "#cfd4da".into()),
        ],
    };
    let mut body = String::from("<div class=\"split\"><div>");
    body.push_str(&chart.render());
    body.push_str("</div><div>");
    let trows: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            vec![
                Cell::text(&format!(
                    "{}{}",
                    r.element,
                    if r.inputs_given { "" } else { "*" }
                )),
                Cell::num(&format!("{:.2}", r.eu_supply_risk)),
                Cell::num(&format!("{:.2}", r.eu_economic_importance)),
                Cell::text(if r.eu_critical { "yes" } else { "no" }),
                Cell::num(&format!("{:.2}", r.usgs_disruption_potential)),
                Cell::num(&format!("{:.2}", r.usgs_trade_exposure)),
                Cell::num(&format!("{:.2}", r.usgs_economic_vulnerability)),
                Cell::num(&format!("{:.3}", r.usgs_supply_risk)),
            ]
        })
        .collect();
    body.push_str(&table_html(
        &[
            ("element", false),
            ("EU SR", true),
            ("EU EI", true),
            ("critical", false),
            ("USGS DP", true),
            ("TE", true),
            ("EV", true),
            ("USGS SR", true),
        ],
        &trows,
    ));
    body.push_str("</div></div><p class=\"small\">EU JRC: SR = [HHI<sub>WGI,t</sub>(world) · IR/2 + HHI<sub>WGI,t</sub>(sourcing) · (1 − IR/2)] · (1 − EoL-RIR) · SI<sub>SR</sub>, the higher of mining and separation; EI = Σ A<sub>s</sub>·Q<sub>s</sub>·SI<sub>EI</sub>. USGS: DP × TE × EV. Inputs in governance.csv, criticality.csv and sectors.csv (critmin estimates, confidence E); * marks elements without inputs (neutral defaults).</p>");
    let top: Vec<String> = rows.iter().take(4).map(|r| r.element.to_string()).collect();
    let usgs_top: Vec<String> = {
        let mut r: Vec<&CriticalityRow> = rows.iter().collect();
        r.sort_by(|a, b| b.usgs_supply_risk.total_cmp(&a.usgs_supply_risk));
        r.iter().take(4).map(|r| r.element.to_string()).collect()
    };
    Section {
        id: "criticality".into(),
        title: "Criticality".into(),
        lead: format!(
            "Supply risk per element as the US and Japan see it, by the EU JRC and USGS methods. Highest EU supply risk: {}; highest USGS score: {}. The heavy rare earths, separated almost only in China, lead both.",
            top.join(", "),
            usgs_top.join(", ")
        ),
        body,
        tables: vec![tables::criticality(rows)],
    }
}

fn sources_section(m: &Model) -> Section {
    let mut counts = [0usize; 6];
    for s in &m.sources {
        let k = match s.confidence {
            Confidence::H => 0,
            Confidence::M => 1,
            Confidence::L => 2,
            Confidence::U => 3,
            Confidence::D => 4,
            Confidence::E => 5,
        };
        counts[k] += 1;
    }
    let labels = [
        ("H", "primary text"),
        ("M", "reputable secondary"),
        ("L", "weak secondary"),
        ("U", "unverified recollection"),
        ("D", "derived by arithmetic"),
        ("E", "critmin estimate"),
    ];
    let rows: Vec<Vec<Cell>> = labels
        .iter()
        .zip(counts)
        .map(|((c, l), n)| vec![Cell::text(c), Cell::text(l), Cell::num(&n.to_string())])
        .collect();
    let mut body = table_html(
        &[("code", false), ("meaning", false), ("sources", true)],
        &rows,
    );
    let mut src = CsvTable::new(
        "sources",
        &[
            "id",
            "publication",
            "locator",
            "year",
            "confidence",
            "citation",
            "note",
        ],
    );
    for s in &m.sources {
        src.push(vec![
            s.id.clone(),
            s.publication.clone(),
            s.locator.clone(),
            s.year.to_string(),
            s.confidence.to_string(),
            s.citation.clone(),
            s.note.clone(),
        ]);
    }
    body.push_str(&format!(
        "<p class=\"small\">{} facilities, {} demand rows, {} projects, {} stockpiles. The full list of sources with their notes is in sources.csv.</p>",
        m.facilities.len(),
        m.demand.len(),
        m.projects.len(),
        m.stockpiles.len()
    ));
    Section {
        id: "sources".into(),
        title: "Data and sources".into(),
        lead: format!(
            "{} sources back the dataset. Figures marked U, L or E are placeholders for better data and say how they were made.",
            m.sources.len()
        ),
        body,
        tables: vec![src],
    }
}
