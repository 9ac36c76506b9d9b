//! `critmin montecarlo SCENARIO --runs N --seed S`: thousands of futures
//! of a scenario's risks.

use super::{Result, print_json, warn, write_out};
use crate::output::{Out, TextTable, pct, tonnes};
use clap::{Args, ValueEnum};
use critmin_app::ops::montecarlo::MonteCarloRequest;
use critmin_app::output::OutputFile;
use critmin_app::{Context, DatasetRef, ScenarioRef};
use critmin_risk::McResult;
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum McFormat {
    Table,
    Json,
}

#[derive(Args, Debug)]
pub(crate) struct MonteCarloArgs {
    /// A scenario file with `[[risk]]` entries (see docs/montecarlo.md), or
    /// a built-in scenario's name (e.g. risk-baseline).
    scenario: PathBuf,
    /// Number of futures.
    #[arg(long, default_value_t = MonteCarloRequest::default().runs)]
    runs: usize,
    /// Seed: the same seed gives the same result, whatever the threads.
    #[arg(long, default_value_t = MonteCarloRequest::default().seed)]
    seed: u64,
    /// Worker threads (default: all cores); results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Months per future (default: the scenario's horizon; at most 600).
    #[arg(long)]
    horizon: Option<u32>,
    /// Dataset directory (default: the scenario's `dataset`, else the
    /// built-in baseline).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = McFormat::Table)]
    format: McFormat,
    /// Also write montecarlo.json into this directory.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

/// A progress bar on stderr when it is a terminal.
pub(crate) fn progress_bar() -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let b = indicatif::ProgressBar::new(0);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{msg} {bar:40} {pos}/{len}  {elapsed} elapsed, {eta} left",
    ) {
        b.set_style(style);
    }
    Some(b)
}

pub(crate) fn montecarlo(args: &MonteCarloArgs, ctx: &Context, out: &mut Out) -> Result {
    let req = MonteCarloRequest {
        scenario: ScenarioRef::from_arg(&args.scenario),
        dataset: args
            .data
            .as_deref()
            .map(|d| DatasetRef::Dir(d.to_path_buf())),
        runs: args.runs,
        seed: args.seed,
        horizon_months: args.horizon,
    };
    let bar = progress_bar();
    let progress = |p: critmin_app::Progress| {
        if let Some(b) = &bar {
            b.set_message(p.stage.to_string());
            b.set_length(p.total);
            b.set_position(p.done);
        }
    };
    let mut ctx = ctx.clone();
    ctx.threads = args.threads;
    ctx.progress = Some(&progress);
    let env = critmin_app::ops::montecarlo::montecarlo(&req, &ctx)?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    warn(&env);
    if let Some(dir) = &args.out {
        let data = super::DataArgs {
            data: args.data.clone(),
        };
        let files = [OutputFile::text(
            "montecarlo.json",
            critmin_app::to_json(&env)?,
        )];
        write_out(dir, &files, &data)?;
    }
    match args.format {
        McFormat::Json => print_json(&env, out),
        McFormat::Table => out.write(&table(&env.result)),
    }
}

fn table(r: &McResult) -> String {
    let mut out = format!(
        "{} — {} futures of {} months from {}, seed {}\n\n",
        r.scenario, r.runs, r.horizon_months, r.start, r.seed
    );
    let mut t = TextTable::new(
        &[
            "element",
            "unmet mean t",
            "± se",
            "P50 t",
            "P95 t",
            "P99 t",
            "CVaR95 t",
            "P(shortfall)",
            "peak price",
            "no-risk t",
            "structural",
        ],
        &[
            false, true, true, true, true, true, true, true, true, true, true,
        ],
    );
    for e in &r.summary.by_element {
        let s = &e.stats;
        t.row(vec![
            e.element.to_string(),
            tonnes(s.unmet_mean_t),
            tonnes(s.unmet_mean_se_t),
            tonnes(s.unmet_p50_t),
            tonnes(s.unmet_p95_t),
            tonnes(s.unmet_p99_t),
            tonnes(s.unmet_cvar95_t),
            pct(s.prob_shortfall),
            format!("{:.2}", s.peak_price_index_mean),
            tonnes(e.reference_unmet_t),
            crate::output::opt_pct(e.split.structural_share_of_mean),
        ]);
    }
    out.push_str(&t.render());
    out.push('\n');
    let mut t = TextTable::new(
        &[
            "country",
            "unmet share mean",
            "P95",
            "CVaR95",
            "P(shortfall)",
            "no-risk share",
            "worst cover (mean)",
            "worst cover (P5)",
        ],
        &[false, true, true, true, true, true, true, true],
    );
    for c in &r.summary.by_country {
        let s = &c.stats;
        t.row(vec![
            c.country.to_string(),
            format!(
                "{} ± {}",
                pct(s.unmet_share_mean),
                pct(s.unmet_share_mean_se)
            ),
            pct(s.unmet_share_p95),
            pct(s.unmet_share_cvar95),
            pct(s.prob_shortfall),
            pct(c.reference_unmet_share),
            format!("{:.2} mo", c.worst_cover_months_mean),
            format!("{:.2} mo", c.worst_cover_months_p5),
        ]);
    }
    out.push_str(&t.render());
    out.push_str(
        "\nno-risk: the reference future — the scenario's own events, no risk drawn, central inputs.\nstructural: its share of the mean unmet demand; the rest is what the risks add.\n",
    );
    for f in &r.summary.price_floors {
        out.push_str(&format!(
            "\nprice floor on {} (paid by {}): payout over the horizon USD {:.0}m mean (± {:.0}m), P50 {:.0}m, P95 {:.0}m, P99 {:.0}m; USD {:.0}m with no risk drawn\n",
            f.facility,
            if f.payer.is_empty() { "—" } else { &f.payer },
            f.payout_mean_usd / 1e6,
            f.payout_mean_se_usd / 1e6,
            f.payout_p50_usd / 1e6,
            f.payout_p95_usd / 1e6,
            f.payout_p99_usd / 1e6,
            f.reference_payout_usd / 1e6,
        ));
    }
    for t in &r.summary.tariffs {
        out.push_str(&format!(
            "\ntariff of line {} ({}, {:.0} %): paid over the horizon USD {:.0}m mean (± {:.0}m), P5 {:.0}m, P50 {:.0}m, P95 {:.0}m; USD {:.0}m with no risk drawn\n",
            t.line,
            t.routes,
            t.rate * 100.0,
            t.paid_mean_usd / 1e6,
            t.paid_mean_se_usd / 1e6,
            t.paid_p5_usd / 1e6,
            t.paid_p50_usd / 1e6,
            t.paid_p95_usd / 1e6,
            t.reference_paid_usd / 1e6,
        ));
    }
    out
}
