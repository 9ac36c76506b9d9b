//! `critmin simulate SCENARIO`: one scenario (a file or a built-in name)
//! month by month.

use super::{DataArgs, Result, print_json, warn, write_out};
use crate::output::{Out, TextTable, pct, tonnes};
use clap::{Args, ValueEnum};
use critmin_app::ops::simulate::{SimulateRequest, SimulateResponse, files, monthly_csv};
use critmin_app::{Context, PlanRef, ScenarioRef};
use std::path::PathBuf;

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SimFormat {
    Table,
    Json,
    Csv,
}

#[derive(Args, Debug)]
pub(crate) struct SimulateArgs {
    /// A scenario file (TOML; see docs/scenarios.md) or the name of a
    /// built-in scenario (`critmin scenarios list`).
    scenario: PathBuf,
    /// Dataset directory (default: the scenario's `dataset`, else the
    /// built-in baseline).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Output format on stdout: table (summary), json (summary and monthly
    /// series), csv (monthly series).
    #[arg(long, value_enum, default_value_t = SimFormat::Table)]
    format: SimFormat,
    /// Also write summary.json and monthly.csv into this directory.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Countries or groups for the monthly series, comma-separated
    /// (default: all with demand).
    #[arg(long, value_delimiter = ',')]
    countries: Vec<String>,
    /// A plan to lay over the dataset: funded projects and stockpile
    /// purchases, as `critmin optimize --write-plan` writes (see
    /// docs/optimization.md).
    #[arg(long, value_name = "FILE")]
    plan: Option<PathBuf>,
}

pub(crate) fn simulate(args: &SimulateArgs, ctx: &Context, out: &mut Out) -> Result {
    let req = SimulateRequest {
        scenario: ScenarioRef::from_arg(&args.scenario),
        dataset: args
            .data
            .as_deref()
            .map(|d| critmin_app::DatasetRef::Dir(d.to_path_buf())),
        countries: args.countries.clone(),
        plan: args.plan.clone().map(PlanRef::File),
        monthly: true,
    };
    let env = critmin_app::ops::simulate::simulate(&req, ctx)?;
    warn(&env);
    if let Some(dir) = &args.out {
        let data = DataArgs {
            data: args.data.clone(),
        };
        write_out(dir, &files(&env)?, &data)?;
    }
    match args.format {
        SimFormat::Table => out.write(&summary_table(&env.result)),
        SimFormat::Json => print_json(&env, out),
        SimFormat::Csv => out.write(&monthly_csv(&env.result.monthly)),
    }
}

fn summary_table(s: &SimulateResponse) -> String {
    let summary = &s.summary;
    let mut out = format!(
        "{} — {} months from {} ({} demand)\n\n",
        s.scenario, s.horizon_months, s.start, s.demand_path
    );
    let mut t = TextTable::new(
        &[
            "element",
            "demand t",
            "served t",
            "unmet t",
            "unmet",
            "lost to price t",
            "peak price",
        ],
        &[false, true, true, true, true, true, true],
    );
    for e in &summary.by_element {
        let share = if e.demand_t > 0.0 {
            e.unmet_t / e.demand_t
        } else {
            0.0
        };
        t.row(vec![
            e.element.to_string(),
            tonnes(e.demand_t),
            tonnes(e.served_t),
            tonnes(e.unmet_t),
            pct(share),
            tonnes(e.lost_to_price_t),
            format!("{:.2}", e.peak_price_index),
        ]);
    }
    out.push_str(&t.render());
    out.push('\n');
    let mut t = TextTable::new(
        &[
            "country",
            "demand t",
            "unmet t",
            "unmet",
            "lost to price t",
            "stockpile released t",
            "extra cost USD m",
        ],
        &[false, true, true, true, true, true, true],
    );
    let mut rows: Vec<_> = summary.by_country.iter().collect();
    rows.sort_by(|a, b| b.demand_t.total_cmp(&a.demand_t));
    for c in rows {
        t.row(vec![
            c.country.to_string(),
            tonnes(c.demand_t),
            tonnes(c.unmet_t),
            pct(c.unmet_share),
            tonnes(c.lost_to_price_t),
            tonnes(c.stockpile_released_t),
            format!("{:.1}", c.cost_impact_usd / 1e6),
        ]);
    }
    out.push_str(&t.render());
    out.push_str(
        "\nunmet: asked for at the going price and not served (rationed); lost to price: stated demand\nnot asked for at the going price (substitution and the short-run response, docs/simulation.md).\n",
    );
    for f in &summary.price_floors {
        out.push_str(&format!(
            "price floor on {} (paid by {}): USD {:.1}m over {} months, on {} t of covered oxide\n",
            f.facility,
            if f.payer.is_empty() { "—" } else { &f.payer },
            f.payout_usd / 1e6,
            f.months_paid,
            tonnes(f.covered_t),
        ));
    }
    for t in &summary.tariffs {
        out.push_str(&format!(
            "tariff of line {} ({}, {:.0} %): USD {:.1}m paid on {} t; {} t diverted to untariffed sellers\n",
            t.line,
            t.routes,
            t.rate * 100.0,
            t.paid_usd / 1e6,
            tonnes(t.tariffed_t),
            tonnes(t.diverted_t),
        ));
    }
    out.push_str(&format!(
        "largest mass-balance error: {:.2e} t per element-month\n",
        summary.max_balance_error_t
    ));
    out
}
