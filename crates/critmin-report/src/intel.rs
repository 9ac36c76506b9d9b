//! The intelligence section of the `assess` report: the events in force,
//! the alerts raised on them, and what the events in force do to each
//! partner, once and over Monte Carlo futures (P5–P95). Plain inputs: the
//! application layer gathers them from the intelligence store.

use crate::csv::CsvTable;
use crate::html::{Cell, Section, table_html};
use crate::svg::esc;
use std::fmt::Write as _;

/// One event in the section.
#[derive(Debug, Clone, PartialEq)]
pub struct IntelEvent {
    /// Id.
    pub id: String,
    /// Kind.
    pub kind: String,
    /// Headline.
    pub title: String,
    /// Published (`YYYY-MM-DD`), if known.
    pub published: String,
    /// Ends (`YYYY-MM-DD`), if known.
    pub ends: String,
    /// Status.
    pub status: String,
    /// TLP marking.
    pub tlp: String,
    /// Whether the simulator has an instrument for it (its fragment is
    /// not empty).
    pub simulated: bool,
}

/// One alert in the section.
#[derive(Debug, Clone, PartialEq)]
pub struct IntelAlert {
    /// When raised.
    pub raised_at: String,
    /// The organisation.
    pub org: String,
    /// The rule.
    pub rule: String,
    /// `event`, or `deadline YYYY-MM-DD`.
    pub kind: String,
    /// The event's headline.
    pub title: String,
    /// Why, in words.
    pub reasons: String,
}

/// One partner's projected impact of the events in force.
#[derive(Debug, Clone, PartialEq)]
pub struct IntelImpact {
    /// The partner.
    pub partner: String,
    /// Unmet share added by the events, single run (0..1).
    pub added_unmet_share: f64,
    /// Unmet share with the events over the futures: P5, median, P95.
    pub unmet_share_p5: f64,
    /// Median.
    pub unmet_share_p50: f64,
    /// 95th percentile.
    pub unmet_share_p95: f64,
    /// The futures' mean without the events.
    pub baseline_unmet_share_mean: f64,
    /// Stockpile cover lost, months.
    pub cover_months_lost: f64,
    /// Peak world price index of the events' elements.
    pub peak_price_index: f64,
}

/// The section's inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct IntelInput {
    /// Where the events came from, in words (the built-in sample feed, a
    /// store's path).
    pub source: String,
    /// The first month assessed.
    pub as_of: String,
    /// Months assessed.
    pub horizon_months: u32,
    /// Futures and seed.
    pub runs: usize,
    /// Seed.
    pub seed: u64,
    /// The assembled scenario's hash.
    pub scenario_sha256: String,
    /// The most restrictive marking of the events shown.
    pub marking: String,
    /// Events in force at `as_of`.
    pub in_force: Vec<IntelEvent>,
    /// Events stored but not in force (ended, resolved, not yet begun).
    pub not_in_force: usize,
    /// Alerts raised.
    pub alerts: Vec<IntelAlert>,
    /// Per partner.
    pub impact: Vec<IntelImpact>,
}

fn pct(v: f64) -> String {
    format!("{:.1} %", 100.0 * v)
}

/// The section.
pub fn intel_section(x: &IntelInput) -> Section {
    let simulated = x.in_force.iter().filter(|e| e.simulated).count();
    let worst = x
        .impact
        .iter()
        .max_by(|a, b| a.added_unmet_share.total_cmp(&b.added_unmet_share));
    let lead = format!(
        "{} events in force at {} from {} ({} of them simulated; {} stored events not in force), {} alerts raised. {} Marked {}: the most restrictive marking of the events it shows.",
        x.in_force.len(),
        x.as_of,
        x.source,
        simulated,
        x.not_in_force,
        x.alerts.len(),
        worst.map_or_else(String::new, |w| format!(
            "Together the events in force add {} to {}'s unmet demand over {} months (P5–P95 of its unmet share with them {}–{}).",
            pct(w.added_unmet_share),
            w.partner,
            x.horizon_months,
            pct(w.unmet_share_p5),
            pct(w.unmet_share_p95)
        )),
        x.marking
    );
    let mut body = String::new();
    body.push_str("<h3>What the events in force do</h3>");
    let rows: Vec<Vec<Cell>> = x
        .impact
        .iter()
        .map(|i| {
            vec![
                Cell::text(&i.partner),
                Cell::num(&pct(i.added_unmet_share)),
                Cell::num(&pct(i.unmet_share_p5)),
                Cell::num(&pct(i.unmet_share_p50)),
                Cell::num(&pct(i.unmet_share_p95)),
                Cell::num(&pct(i.baseline_unmet_share_mean)),
                Cell::num(&format!("{:.2}", i.cover_months_lost)),
                Cell::num(&format!("{:.2}", i.peak_price_index)),
            ]
        })
        .collect();
    body.push_str(&table_html(
        &[
            ("partner", false),
            ("added unmet (single run)", true),
            ("unmet P5", true),
            ("unmet P50", true),
            ("unmet P95", true),
            ("unmet without the events (mean)", true),
            ("cover lost, months", true),
            ("world peak price index", true),
        ],
        &rows,
    ));
    let _ = write!(
        body,
        "<p class=\"note\">The events' scenario fragments assembled into one scenario ({}), run from {} for {} months once and over {} futures of the built-in <code>risk-baseline</code> risks (seed {}), against the same without the events. Reproduce it with <code>critmin intel assess --as-of {} --horizon {} --runs {} --seed {}</code> on the same store and dataset.</p>",
        esc(&x.scenario_sha256),
        esc(&x.as_of),
        x.horizon_months,
        x.runs,
        x.seed,
        esc(&x.as_of),
        x.horizon_months,
        x.runs,
        x.seed
    );
    body.push_str("<h3>Events in force</h3>");
    let rows: Vec<Vec<Cell>> = x
        .in_force
        .iter()
        .map(|e| {
            vec![
                Cell::text(&e.published),
                Cell::text(&e.kind.replace('_', " ")),
                Cell::text(&e.title),
                Cell::text(&e.status),
                Cell::text(&e.ends),
                Cell::text(if e.simulated { "yes" } else { "no instrument" }),
                Cell::text(&e.tlp),
            ]
        })
        .collect();
    body.push_str(&table_html(
        &[
            ("published", false),
            ("kind", false),
            ("event", false),
            ("status", false),
            ("ends", false),
            ("simulated", false),
            ("marking", false),
        ],
        &rows,
    ));
    body.push_str("<h3>Alerts raised</h3>");
    if x.alerts.is_empty() {
        body.push_str("<p>None.</p>");
    } else {
        let mut sorted: Vec<&IntelAlert> = x.alerts.iter().collect();
        sorted.sort_by(|a, b| {
            (&a.org, &a.rule, &a.kind, &a.raised_at).cmp(&(&b.org, &b.rule, &b.kind, &b.raised_at))
        });
        let rows: Vec<Vec<Cell>> = sorted
            .iter()
            .map(|a| {
                vec![
                    Cell::text(&a.raised_at),
                    Cell::text(&a.org),
                    Cell::text(&a.rule),
                    Cell::text(&a.kind),
                    Cell::text(&a.title),
                    Cell::text(&a.reasons),
                ]
            })
            .collect();
        body.push_str(&table_html(
            &[
                ("raised", false),
                ("organisation", false),
                ("rule", false),
                ("kind", false),
                ("event", false),
                ("why", false),
            ],
            &rows,
        ));
    }
    body.push_str("<p class=\"note\">A deadline alert names the day a measure ends or a licence decision falls due; what follows it (the suspended controls returning) is assessed when it is recorded as an event of its own.</p>");
    let mut table = CsvTable::new(
        "intel_impact",
        &[
            "partner",
            "added_unmet_share",
            "unmet_share_p5",
            "unmet_share_p50",
            "unmet_share_p95",
            "baseline_unmet_share_mean",
            "cover_months_lost",
            "peak_price_index",
        ],
    );
    for i in &x.impact {
        table.rows.push(vec![
            i.partner.clone(),
            format!("{:.6}", i.added_unmet_share),
            format!("{:.6}", i.unmet_share_p5),
            format!("{:.6}", i.unmet_share_p50),
            format!("{:.6}", i.unmet_share_p95),
            format!("{:.6}", i.baseline_unmet_share_mean),
            format!("{:.4}", i.cover_months_lost),
            format!("{:.4}", i.peak_price_index),
        ]);
    }
    Section {
        id: "intelligence".into(),
        title: "Intelligence: events in force, alerts and their impact".into(),
        lead,
        body,
        tables: vec![table],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_section_escapes_text_and_names_its_reproduction() {
        let x = IntelInput {
            source: "a store".into(),
            as_of: "2026-10".into(),
            horizon_months: 24,
            runs: 100,
            seed: 1,
            scenario_sha256: "sha256:ab".into(),
            marking: "TLP:CLEAR".into(),
            in_force: vec![IntelEvent {
                id: "ev-1".into(),
                kind: "export_control".into(),
                title: "<script>x</script>".into(),
                published: "2025-04-04".into(),
                ends: String::new(),
                status: "confirmed".into(),
                tlp: "TLP:CLEAR".into(),
                simulated: true,
            }],
            not_in_force: 2,
            alerts: vec![],
            impact: vec![IntelImpact {
                partner: "JP".into(),
                added_unmet_share: 0.014,
                unmet_share_p5: 0.01,
                unmet_share_p50: 0.02,
                unmet_share_p95: 0.05,
                baseline_unmet_share_mean: 0.005,
                cover_months_lost: 0.1,
                peak_price_index: 3.0,
            }],
        };
        let s = intel_section(&x);
        assert!(!s.body.contains("<script>"));
        assert!(s.lead.contains("add 1.4 % to JP"), "{}", s.lead);
        assert!(
            s.body
                .contains("critmin intel assess --as-of 2026-10 --horizon 24 --runs 100 --seed 1")
        );
        assert_eq!(s.tables[0].rows.len(), 1);
    }
}
