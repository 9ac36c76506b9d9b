//! The project pipeline as a timeline: each project from its financing
//! decision (earliest first output less its lead time) to its earliest
//! first output, coloured by whether it is financed, with its stage,
//! country and capacity; the partnership's goal year marked. Used by the
//! `assess` report and the server's dashboard.

use crate::csv::CsvTable;
use crate::html::Section;
use crate::svg::{Span, Timeline};
use critmin_model::{Funding, Model, Month, Table};

/// Committed projects' colour.
const COMMITTED: &str = "#1f4e8c";
/// Projects seeking finance.
const SEEKING: &str = "#d08a1e";

fn year_of(m: Month) -> f64 {
    f64::from(m.year()) + (f64::from(m.month()) - 1.0) / 12.0
}

/// The timeline chart of `model`'s pipeline, marking `goal_year`.
pub fn pipeline_timeline(model: &Model, goal_year: i32) -> String {
    let mut projects: Vec<_> = model.projects.iter().collect();
    projects.sort_by(|a, b| (a.earliest_start, &a.id).cmp(&(b.earliest_start, &b.id)));
    let spans = projects
        .iter()
        .map(|p| {
            let f = model.get(p.facility);
            let decision = p.earliest_start.plus(-(p.lead_time_months as i32));
            Span {
                label: f.name.clone(),
                from: year_of(decision),
                to: year_of(p.earliest_start),
                colour: match p.funding {
                    Funding::Committed => COMMITTED.into(),
                    Funding::Seeking => SEEKING.into(),
                },
                note: format!(
                    "{} {} · {:.0} {}",
                    f.country.as_str(),
                    f.stage.as_str().replace('_', " "),
                    f.capacity_t_per_yr,
                    f.stage.capacity_unit()
                ),
                tooltip: format!(
                    "{} ({}): decision {decision}, first output {}, USD {:.0}m",
                    f.name,
                    p.id,
                    p.earliest_start,
                    p.capex_usd / 1e6
                ),
            }
        })
        .collect();
    let first = projects
        .iter()
        .map(|p| p.earliest_start.plus(-(p.lead_time_months as i32)).year())
        .min()
        .unwrap_or(model.base_year)
        .min(model.base_year);
    let last = projects
        .iter()
        .map(|p| p.earliest_start.year())
        .max()
        .unwrap_or(goal_year)
        .max(goal_year);
    Timeline {
        title: "The project pipeline: financing decision to first output".into(),
        years: (first, last),
        spans,
        marker: Some((f64::from(goal_year), format!("{goal_year} goals"))),
        legend: vec![
            ("committed (financed or building)".into(), COMMITTED.into()),
            ("seeking finance".into(), SEEKING.into()),
        ],
    }
    .render()
}

/// The pipeline's section: the timeline and a table of every project.
pub fn pipeline_section(model: &Model, goal_year: i32) -> Section {
    let mut t = CsvTable::new(
        "pipeline",
        &[
            "project",
            "facility",
            "stage",
            "country",
            "capacity_t_per_yr",
            "capacity_unit",
            "lead_time_months",
            "decision",
            "earliest_start",
            "capex_usd",
            "funding",
        ],
    );
    let mut committed = 0;
    for p in &model.projects {
        let f = model.get(p.facility);
        if p.funding == Funding::Committed {
            committed += 1;
        }
        t.rows.push(vec![
            p.id.clone(),
            f.name.clone(),
            f.stage.as_str().into(),
            f.country.as_str().into(),
            format!("{}", f.capacity_t_per_yr),
            f.stage.capacity_unit().into(),
            p.lead_time_months.to_string(),
            p.earliest_start
                .plus(-(p.lead_time_months as i32))
                .to_string(),
            p.earliest_start.to_string(),
            format!("{:.0}", p.capex_usd),
            match p.funding {
                Funding::Committed => "committed".into(),
                Funding::Seeking => "seeking".into(),
            },
        ]);
    }
    Section {
        id: "pipeline".into(),
        title: "The project pipeline".into(),
        lead: format!(
            "{} projects, {committed} of them financed or building: each from its financing decision (its earliest first output less its lead time) to its earliest first output. Hover a bar for its capital cost.",
            model.projects.len()
        ),
        body: pipeline_timeline(model, goal_year),
        tables: vec![t],
    }
}
