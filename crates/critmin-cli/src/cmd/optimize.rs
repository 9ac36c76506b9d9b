//! `critmin optimize portfolio|stockpile`: the fund's project portfolio
//! (MILP) and the partners' stockpiles (LP), both solved by HiGHS and
//! checked by simulation in `critmin-app`; `--write-plan` writes the
//! decision for `simulate --plan`.

use super::{CliError, DataArgs, Format, Result, print_json, warn};
use crate::output::{Out, TextTable, opt_pct, pct, tonnes};
use clap::{Args, Subcommand};
use critmin_app::ops::optimize::{
    PortfolioRequest, PortfolioResponse, StockpileRequest, StockpileResponse,
};
use critmin_app::{AppError, Context, Envelope, ScenarioRef};
use std::path::{Path, PathBuf};

#[derive(Subcommand, Debug)]
pub(crate) enum OptimizeCommand {
    /// Which pipeline projects the fund should finance, and when, to
    /// minimise expected allied unmet demand in a target year (MILP).
    Portfolio(PortfolioArgs),
    /// How much of each element each partner should hold, at least cost,
    /// for a number of months of cover or an unmet-demand goal (LP).
    Stockpile(StockpileArgs),
}

#[derive(Args, Debug)]
#[command(allow_negative_numbers = true)]
pub(crate) struct PortfolioArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Total budget over the fund's years, USD million.
    #[arg(long, default_value_t = PortfolioRequest::default().budget_musd)]
    budget_musd: f64,
    /// The fund's years, `2025..2032` (end exclusive) or `2025..=2031`
    /// (default: 2025..2032).
    #[arg(long)]
    years: Option<String>,
    /// The year whose unmet demand is minimised.
    #[arg(long, default_value_t = PortfolioRequest::default().target_year)]
    target_year: i32,
    /// Scenario files or built-in names, equally weighted (default: China
    /// exports nothing for the whole target year).
    #[arg(long, num_args = 1.., value_name = "SCENARIO")]
    scenarios: Vec<PathBuf>,
    /// A project that must be funded (repeatable).
    #[arg(long, value_name = "ID")]
    include: Vec<String>,
    /// A project that must not be funded (repeatable).
    #[arg(long, value_name = "ID")]
    exclude: Vec<String>,
    /// Partners' shares of every project's capex, e.g. `US=0.6,JP=0.4`.
    #[arg(long, value_name = "CC=SHARE,...")]
    partner_share: Option<String>,
    /// Choose on N futures sampled from the risk model (sample-average
    /// approximation) instead of --scenarios, and evaluate the choice on
    /// --out-of-sample other futures.
    #[arg(long, value_name = "N")]
    futures: Option<usize>,
    /// The risk model of --futures (default: the built-in risk-baseline).
    #[arg(long, value_name = "SCENARIO")]
    risk: Option<PathBuf>,
    /// Seed of the futures (the same futures as `critmin montecarlo --seed`).
    #[arg(long, default_value_t = PortfolioRequest::default().seed)]
    seed: u64,
    /// Futures not used to choose the portfolio, to evaluate it on.
    #[arg(long, value_name = "M", default_value_t = PortfolioRequest::default().out_of_sample)]
    out_of_sample: usize,
    /// Budgets of the cost–protection frontier, USD million, comma-separated
    /// (default: 0, ¼, ½, ¾, 1, 1¼, 1½ × the budget).
    #[arg(long, value_name = "USD_M,...")]
    frontier: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write the decision as a plan file for `critmin simulate --plan`.
    #[arg(long, value_name = "FILE")]
    write_plan: Option<PathBuf>,
}

/// Parses `0,1000,2000` (option `flag`).
fn parse_budgets(s: &str, flag: &str) -> Result<Vec<f64>> {
    s.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            p.trim().parse::<f64>().map_err(|_| {
                CliError::App(AppError::bad(
                    flag,
                    format!("`{p}` is not a number of USD million"),
                ))
            })
        })
        .collect()
}

#[derive(Args, Debug)]
#[command(allow_negative_numbers = true)]
pub(crate) struct StockpileArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Months of each partner's consumption (in the cover year) to hold.
    #[arg(long)]
    target_months: Option<f64>,
    /// Largest share of each element's demand left unmet in any scenario.
    #[arg(long)]
    max_unmet_share: Option<f64>,
    /// Scenario files or built-in names (needed with --max-unmet-share).
    #[arg(long, num_args = 1.., value_name = "SCENARIO")]
    scenarios: Vec<PathBuf>,
    /// Partner countries, comma-separated (default: US,JP).
    #[arg(long, value_delimiter = ',')]
    partners: Vec<String>,
    /// Elements to hold: symbols or all, light, heavy, magnet.
    #[arg(long, default_value_t = StockpileRequest::default().elements)]
    elements: String,
    /// Year whose consumption the months of cover count.
    #[arg(long, default_value_t = StockpileRequest::default().cover_year)]
    cover_year: i32,
    /// Holding cost, % of the purchase value per year.
    #[arg(long, default_value_t = StockpileRequest::default().holding_cost_pct_per_yr)]
    holding_cost_pct_per_yr: f64,
    /// Years the stock is held.
    #[arg(long, default_value_t = StockpileRequest::default().holding_years)]
    holding_years: f64,
    /// Toll: the partners' own separation, metal and magnet plants convert
    /// their concentrate, oxide and metal stock for them out of their spare
    /// capacity in an emergency; the plan counts on it, may buy
    /// concentrate, and carries the tolling arrangements its check
    /// simulates.
    #[arg(long, alias = "credit-conversion")]
    toll: bool,
    /// Countries or groups whose plants also toll for every partner, e.g.
    /// `JP,EU` (with --toll).
    #[arg(long, value_name = "CC,...", value_delimiter = ',')]
    toll_in: Vec<String>,
    /// Per-partner minimum months of cover of its own holdings, e.g.
    /// `JP=2,KR=3.3` (JOGMEC's 60 days, KOMIR's 100; stockpile_targets.csv).
    #[arg(long, value_name = "CC=MONTHS,...")]
    min_months: Option<String>,
    /// Pool every partner's releases in one sharing agreement in every
    /// scenario (`pro-rata`, `defence-first`, or `coordinated`: IEA-style,
    /// each contributing its consumption share), and report the value of
    /// coordination against separate plans for the same goals.
    #[arg(long, value_name = "RULE")]
    pool: Option<String>,
    /// Pay for the purchases' own price impact, bought over this many
    /// years (the simulator's short-run price rule; an upper bound).
    /// Default: 5, the years to the partnership's 2030 reserve goal.
    #[arg(long, value_name = "YEARS", conflicts_with = "at_baseline_prices")]
    purchase_years: Option<f64>,
    /// Buy at baseline prices, as if the purchases moved no price.
    #[arg(long)]
    at_baseline_prices: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write the purchases as a plan file for `critmin simulate --plan`.
    #[arg(long, value_name = "FILE")]
    write_plan: Option<PathBuf>,
}

pub(crate) fn optimize(cmd: &OptimizeCommand, ctx: &Context, out: &mut Out) -> Result {
    match cmd {
        OptimizeCommand::Portfolio(a) => portfolio(a, ctx, out),
        OptimizeCommand::Stockpile(a) => stockpile(a, ctx, out),
    }
}

/// Parses `2025..2032` (end exclusive) or `2025..=2031` into inclusive
/// first and last years.
fn parse_years(s: &str) -> Result<(i32, i32)> {
    let bad = || {
        CliError::App(AppError::bad(
            "--years",
            format!(
                "`{s}`: write a range of years such as 2025..2032 (end exclusive) or 2025..=2031"
            ),
        ))
    };
    let (a, b, inclusive) = if let Some((a, b)) = s.split_once("..=") {
        (a, b, true)
    } else if let Some((a, b)) = s.split_once("..") {
        (a, b, false)
    } else {
        return Err(bad());
    };
    let a: i32 = a.trim().parse().map_err(|_| bad())?;
    let b: i32 = b.trim().parse().map_err(|_| bad())?;
    let last = if inclusive { b } else { b.saturating_sub(1) };
    if last < a || !(1900..=2200).contains(&a) || !(1900..=2200).contains(&last) {
        return Err(CliError::App(AppError::bad(
            "--years",
            format!("`{s}` is an empty range"),
        )));
    }
    Ok((a, last))
}

/// Parses `US=0.6,JP=0.4`, the value of option `flag`.
fn parse_shares(s: &str, flag: &str) -> Result<Vec<(String, f64)>> {
    let mut out = Vec::new();
    for part in s.split(',').filter(|p| !p.trim().is_empty()) {
        let (k, v) = part.split_once('=').ok_or_else(|| {
            CliError::App(AppError::bad(
                flag,
                format!("`{part}`: write COUNTRY=NUMBER, e.g. US=0.6,JP=0.4"),
            ))
        })?;
        let v: f64 = v.trim().parse().map_err(|_| {
            CliError::App(AppError::bad(
                flag,
                format!("`{part}`: `{v}` is not a number"),
            ))
        })?;
        out.push((k.trim().to_string(), v));
    }
    Ok(out)
}

fn scenario_refs(files: &[PathBuf]) -> Vec<ScenarioRef> {
    files.iter().map(|f| ScenarioRef::from_arg(f)).collect()
}

fn write_plan(path: &Path, toml: &str, data: &DataArgs) -> Result {
    let protect: Vec<&Path> = data.data.as_deref().into_iter().collect();
    critmin_app::output::write_file(path, toml.as_bytes(), &protect)?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

fn portfolio(a: &PortfolioArgs, ctx: &Context, out: &mut Out) -> Result {
    let mut req = PortfolioRequest {
        dataset: a.data.dataset(),
        budget_musd: a.budget_musd,
        target_year: a.target_year,
        scenarios: scenario_refs(&a.scenarios),
        include: a.include.clone(),
        exclude: a.exclude.clone(),
        futures: a.futures,
        risk: a
            .risk
            .as_ref()
            .map(|p| scenario_refs(std::slice::from_ref(p)).remove(0)),
        seed: a.seed,
        out_of_sample: a.out_of_sample,
        ..Default::default()
    };
    if let Some(f) = &a.frontier {
        req.frontier_budgets_musd = parse_budgets(f, "--frontier")?;
    }
    if let Some(y) = &a.years {
        req.years = parse_years(y)?;
    }
    if let Some(s) = &a.partner_share {
        req.partner_shares = parse_shares(s, "--partner-share")?;
    }
    let env = critmin_app::ops::optimize::portfolio(&req, ctx)?;
    warn(&env);
    if let Some(p) = &a.write_plan {
        write_plan(p, &env.result.plan_toml, &a.data)?;
    }
    match a.format {
        Format::Json => print_json(&env, out),
        Format::Table => out.write(&portfolio_text(&env)),
    }
}

fn stockpile(a: &StockpileArgs, ctx: &Context, out: &mut Out) -> Result {
    let mut req = StockpileRequest {
        dataset: a.data.dataset(),
        target_months: a.target_months,
        max_unmet_share: a.max_unmet_share,
        scenarios: scenario_refs(&a.scenarios),
        elements: a.elements.clone(),
        cover_year: a.cover_year,
        holding_cost_pct_per_yr: a.holding_cost_pct_per_yr,
        holding_years: a.holding_years,
        credit_conversion: a.toll,
        toll_in: a.toll_in.clone(),
        pool: a.pool.clone(),
        purchase_years: if a.at_baseline_prices {
            None
        } else {
            Some(
                a.purchase_years
                    .unwrap_or(critmin_app::ops::optimize::DEFAULT_PURCHASE_YEARS),
            )
        },
        ..Default::default()
    };
    if let Some(m) = &a.min_months {
        req.min_months = parse_shares(m, "--min-months")?;
    }
    if !a.partners.is_empty() {
        req.partners = a.partners.clone();
    }
    let env = critmin_app::ops::optimize::stockpile(&req, ctx)?;
    warn(&env);
    if let Some(p) = &a.write_plan {
        write_plan(p, &env.result.plan_toml, &a.data)?;
    }
    match a.format {
        Format::Json => print_json(&env, out),
        Format::Table => out.write(&stockpile_text(&env)),
    }
}

/// The portfolio as terminal text.
fn portfolio_text(env: &Envelope<PortfolioResponse>) -> String {
    let r = &env.result;
    let mut out = format!(
        "Portfolio — budget USD {:.0} million over {}–{}, target year {}, {} scenario(s)\n\n",
        r.budget_musd,
        r.years[0],
        r.years[1],
        r.target_year,
        r.scenarios.len()
    );
    if r.selected.is_empty() {
        out.push_str("No project is funded.\n");
    } else {
        let mut t = TextTable::new(
            &[
                "project",
                "facility",
                "country",
                "stage",
                "decision",
                "start",
                "capex USD m",
            ],
            &[false, false, false, false, false, false, true],
        );
        for s in &r.selected {
            t.row(vec![
                s.project.to_string(),
                s.facility.to_string(),
                s.country.to_string(),
                s.stage.to_string(),
                s.decision.to_string(),
                s.start.to_string(),
                format!("{:.0}", s.capex_musd),
            ]);
        }
        out.push_str(&t.render());
    }
    let partners: Vec<String> = r
        .spend_by_year
        .first()
        .map(|y| y.by_partner_musd.keys().cloned().collect())
        .unwrap_or_default();
    let mut header = vec!["year", "spend USD m", "cumulative limit USD m"];
    let names: Vec<String> = partners.iter().map(|p| format!("{p} USD m")).collect();
    header.extend(names.iter().map(String::as_str));
    let mut t = TextTable::new(&header, &vec![true; header.len()]);
    for y in &r.spend_by_year {
        let mut row = vec![
            y.year.to_string(),
            format!("{:.1}", y.spend_musd),
            format!("{:.0}", y.cumulative_limit_musd),
        ];
        row.extend(
            partners
                .iter()
                .map(|p| format!("{:.1}", y.by_partner_musd[p])),
        );
        t.row(row);
    }
    out.push_str(&format!(
        "\nSpend by year (total USD {:.0} million)\n",
        r.spend_musd
    ));
    out.push_str(&t.render());
    match &r.sampling {
        // Chosen on sampled futures: the headline is the out-of-sample
        // figure, on futures that played no part in the choice.
        Some(s) => out.push_str(&format!(
            "\nExpected allied unmet demand in {}, on {} futures not used to choose the portfolio: USD {:.1} million/yr at baseline prices (nothing funded: USD {:.1} million/yr; gain {:.1} ± {:.1})\n",
            r.target_year,
            s.out_of_sample_futures,
            s.out_of_sample_objective,
            s.out_of_sample_baseline_objective,
            s.out_of_sample_gain_musd,
            s.out_of_sample_gain_stderr_musd
        )),
        None => out.push_str(&format!(
            "\nExpected allied unmet demand in {}: USD {:.1} million/yr at baseline prices (nothing funded: USD {:.1} million/yr)\n",
            r.target_year, r.objective, r.baseline_objective
        )),
    }
    out.push_str(&format!(
        "Marginal value of USD 1 million more budget: {}\n",
        r.marginal_value_per_musd.map_or("—".into(), |v| format!(
            "USD {v:.3} million/yr less unmet demand"
        ))
    ));
    let m = &r.measures;
    let by: Vec<String> = m
        .capex_by_partner_musd
        .iter()
        .map(|(c, v)| format!("{c} {v:.0}"))
        .collect();
    out.push_str(&format!(
        "Measures: {} direct jobs{}; waste {} t/yr in {}; capex by partner (USD m): {}\n",
        m.direct_jobs,
        if m.jobs_unknown.is_empty() {
            String::new()
        } else {
            format!(" (not known for {})", m.jobs_unknown.join(", "))
        },
        tonnes(m.waste_t_per_yr),
        r.target_year,
        if by.is_empty() {
            "—".to_string()
        } else {
            by.join(", ")
        }
    ));
    let [lo, hi] = m.cost_premium_musd_per_yr;
    out.push_str(&format!(
        "Cost over Chinese supply: value added USD {:.0}m/yr at Chinese prices, premium USD {lo:.0}–{hi:.0}m/yr{}; \
         operating cost USD {:.0}m/yr{}\n",
        m.value_added_musd_per_yr,
        if m.premium_unknown.is_empty() {
            String::new()
        } else {
            format!(" (no stage cost for {})", m.premium_unknown.join(", "))
        },
        m.opex_musd_per_yr,
        if m.opex_unknown.is_empty() {
            String::new()
        } else {
            format!(" (unit cost not known for {})", m.opex_unknown.join(", "))
        },
    ));
    let (b, f) = (&r.scorecard_before, &r.scorecard_after);
    out.push_str(&format!(
        "\nScorecard {} (before → after): processing coverage {} → {}, import dependency {} → {}, reserves {} → {} months\n",
        b.year,
        opt_pct(b.processing_coverage),
        opt_pct(f.processing_coverage),
        opt_pct(b.import_dependency),
        opt_pct(f.import_dependency),
        b.reserve_months.map_or("—".into(), |v| format!("{v:.1}")),
        f.reserve_months.map_or("—".into(), |v| format!("{v:.1}")),
    ));
    let mut t = TextTable::new(
        &[
            "scenario",
            "allied demand t",
            "unmet t (claimed)",
            "unmet t (simulated)",
            "USD m (claimed)",
            "USD m (simulated)",
            "nothing funded USD m",
            "rationed t (markets)",
            "lost to price t (markets)",
        ],
        &[false, true, true, true, true, true, true, true, true],
    );
    for s in &r.simulated {
        let Some(k) = r.scenarios.iter().position(|c| c.scenario == s.scenario) else {
            continue;
        };
        let (c, b) = (&r.scenarios[k], &r.baseline_scenarios[k]);
        t.row(vec![
            c.scenario.to_string(),
            tonnes(c.allied_demand_t),
            tonnes(c.allied_unmet_t),
            tonnes(s.allied_unmet_t),
            format!("{:.1}", c.allied_unmet_value_musd),
            format!("{:.1}", s.allied_unmet_value_musd),
            format!("{:.1}", b.allied_unmet_value_musd),
            tonnes(s.with_markets.allied_rationed_t),
            tonnes(s.with_markets.allied_lost_to_price_t),
        ]);
    }
    out.push_str(&format!(
        "\nAllied unmet demand in {} by scenario: the static model's claim, the simulator's check with demand and capacity held as the static model holds them, and the same plan with markets answering prices (rationed, and lost to price)\n",
        r.target_year
    ));
    out.push_str(&t.render());
    if let Some(e) = r.verified_error_musd {
        out.push_str(&format!(
            "The static model's verified error (weighted mean gap between claim and like-for-like simulation): USD {e:.1} million/yr\n"
        ));
    }
    out.push_str(&portfolio_analysis_text(r));
    for n in &r.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    out.push_str(&format!(
        "\nMILP: {} binary decisions, solved by HiGHS in {:.2} s ({:.2} s with the baseline, the B+1 re-solve and the simulations)\n",
        r.binaries,
        env.timings.get("solve_seconds").copied().unwrap_or(f64::NAN),
        env.timings.get("total_seconds").copied().unwrap_or(f64::NAN)
    ));
    out
}

/// The portfolio's sampling, stage relief and frontier as terminal text.
fn portfolio_analysis_text(r: &PortfolioResponse) -> String {
    let mut out = String::new();
    if let Some(s) = &r.sampling {
        out.push_str(&format!(
            "\nChosen on {} futures of {} (seed {}; {} distinct target years), evaluated on {} others ({} distinct):\n  out of sample: USD {:.1} million/yr unmet with the portfolio, USD {:.1} million/yr with nothing funded: a gain of USD {:.1} ± {:.1} million/yr (standard error)\n  in sample: USD {:.1} against USD {:.1} million/yr\n",
            s.futures,
            s.risk,
            s.seed,
            s.distinct_futures,
            s.out_of_sample_futures,
            s.distinct_out_of_sample,
            s.out_of_sample_objective,
            s.out_of_sample_baseline_objective,
            s.out_of_sample_gain_musd,
            s.out_of_sample_gain_stderr_musd,
            s.in_sample_objective,
            s.in_sample_baseline_objective,
        ));
    }
    let mut t = TextTable::new(
        &[
            "stage",
            "allied capacity",
            "unit",
            "added",
            "unmet fall USD m/yr",
            "capex USD/unit",
            "value per USD m",
            "relieved t REO-eq/yr",
        ],
        &[false, true, false, true, true, true, true, false],
    );
    for s in &r.stage_relief {
        t.row(vec![
            s.stage.clone(),
            tonnes(s.allied_capacity),
            s.capacity_unit.to_string(),
            tonnes(s.added),
            format!("{:.1}", s.unmet_fall_musd),
            s.capex_usd_per_unit
                .map_or("—".into(), |v| format!("{v:.0}")),
            s.value_per_musd.map_or("—".into(), |v| format!("{v:.3}")),
            s.relieved_t
                .iter()
                .map(|(e, t)| format!("{e} {}", tonnes(*t)))
                .collect::<Vec<_>>()
                .join(", "),
        ]);
    }
    out.push_str(&format!(
        "\nWhat more capacity at each stage is worth with the portfolio (every allied plant of the stage with its capacity raised by the share shown as added, priced at the pipeline's capex per unit):\n{}",
        t.render()
    ));
    out.push_str(&format!(
        "Binding stage: {}\n",
        r.binding_stage
            .as_deref()
            .unwrap_or("none (no stage relieves any unmet demand)")
    ));
    let mut t = TextTable::new(
        &["budget USD m", "spend USD m", "unmet USD m/yr", "projects"],
        &[true, true, true, false],
    );
    for f in &r.frontier {
        t.row(vec![
            format!("{:.0}", f.budget_musd),
            format!("{:.0}", f.spend_musd),
            format!("{:.1}", f.objective),
            f.projects.join(", "),
        ]);
    }
    out.push_str(&format!(
        "\nCost–protection frontier (the optimum at each budget, on the same scenarios):\n{}",
        t.render()
    ));
    out.push_str(&format!(
        "Budget binds: {}{}\n",
        if r.budget_binds { "yes" } else { "no" },
        r.marginal_value_next_per_musd
            .map_or(String::new(), |v| format!(
                " (USD {v:.3} million/yr less unmet per USD million up to the next frontier budget)"
            ))
    ));
    out
}

/// The stockpile as terminal text.
fn stockpile_text(env: &Envelope<StockpileResponse>) -> String {
    let r = &env.result;
    let mut goals = Vec::new();
    if let Some(m) = r.target_months {
        goals.push(format!("{m} months of {} consumption", r.cover_year));
    }
    if let Some(s) = r.max_unmet_share {
        goals.push(format!(
            "unmet share ≤ {} in {}",
            pct(s),
            r.scenarios.join(", ")
        ));
    }
    if !r.min_months.is_empty() {
        let m: Vec<String> = r
            .min_months
            .iter()
            .map(|(c, m)| format!("{c} {m}"))
            .collect();
        goals.push(format!("own cover of at least {} months", m.join(", ")));
    }
    if r.pooled {
        goals.push("releases pooled".into());
    }
    let mut out = format!(
        "Least-cost stockpile — {}: USD {:.1} million ({})\n\n",
        goals.join("; "),
        r.cost_musd,
        r.purchase_years
            .map_or("at baseline prices".to_string(), |y| format!(
                "with the purchases' price impact, bought over {y} years"
            ))
    );
    let mut t = TextTable::new(
        &[
            "holder",
            "country",
            "form",
            "element/grade",
            "buy t",
            "held before t",
            "USD m",
        ],
        &[false, false, false, false, true, true, true],
    );
    for h in &r.holdings {
        t.row(vec![
            h.holder.to_string(),
            h.country.to_string(),
            h.form.to_string(),
            h.element.to_string(),
            tonnes(h.tonnes),
            tonnes(h.existing_tonnes),
            format!("{:.1}", h.cost_musd),
        ]);
    }
    out.push_str(&t.render());
    let mut t = TextTable::new(
        &[
            "country",
            "element",
            "held t REO-eq",
            "months of cover",
            "worst unmet",
            "binding",
        ],
        &[false, false, true, true, true, false],
    );
    for c in &r.cover {
        t.row(vec![
            c.country.to_string(),
            c.element.to_string(),
            tonnes(c.held_t),
            c.cover_months.map_or("—".into(), |m| format!("{m:.1}")),
            c.worst_unmet_share.map_or("—".into(), pct),
            c.binding.join(", "),
        ]);
    }
    out.push('\n');
    out.push_str(&t.render());
    out.push_str(&format!(
        "\nCostliest binding element: {}\nLP solved by HiGHS in {:.3} s (shortfall simulations {:.2} s)\n",
        r.binding_element.as_deref().unwrap_or("—"),
        env.timings.get("solve_seconds").copied().unwrap_or(f64::NAN),
        env.timings.get("simulate_seconds").copied().unwrap_or(f64::NAN)
    ));
    if !r.price_impact.is_empty() {
        let mut t = TextTable::new(
            &[
                "form",
                "good",
                "bought t",
                "market t",
                "share",
                "last index",
                "premium USD m",
            ],
            &[false, false, true, true, true, true, true],
        );
        for p in &r.price_impact {
            t.row(vec![
                p.form.to_string(),
                p.good.clone(),
                tonnes(p.bought_t),
                tonnes(p.market_t),
                pct(p.share),
                format!("{:.2}", p.marginal_index),
                format!("{:.1}", p.premium_musd),
            ]);
        }
        let total: f64 = r.price_impact.iter().map(|p| p.premium_musd).sum();
        out.push_str(&format!(
            "\nThe purchases' own price impact over the purchase window (world market over the window; t REO-eq, magnets t): USD {total:.1} million above baseline prices, included in the cost\n{}",
            t.render()
        ));
    }
    if !r.checks.is_empty() {
        let mut t = TextTable::new(
            &[
                "scenario",
                "country",
                "unmet t without",
                "unmet t with",
                "removed t",
                "claimed t",
                "agreement",
                "held t",
                "released t",
            ],
            &[false, false, true, true, true, true, true, true, true],
        );
        for c in &r.checks {
            t.row(vec![
                c.scenario.clone(),
                c.country.to_string(),
                tonnes(c.unmet_without_t),
                tonnes(c.unmet_with_t),
                tonnes(c.removed_t),
                c.claimed_removed_t.map_or("—".into(), tonnes),
                c.agreement
                    .map_or("—".into(), |a| format!("{:.0} %", 100.0 * a)),
                tonnes(c.held_t),
                tonnes(c.released_t),
            ]);
        }
        out.push_str("\nThe plan simulated under each scenario, without and with it (the plan's elements, t REO-eq)\n");
        out.push_str(&t.render());
        for c in &r.conversion {
            out.push_str(&format!(
                "{} spare conversion capacity in its months of shortage: separation {:.0}, metal {:.0}, magnets {:.0} t REO-eq/month ({})\n",
                c.country,
                c.separation_reo_t_per_month,
                c.metal_reo_t_per_month,
                c.magnet_reo_t_per_month,
                if c.credited {
                    "counted on: the plan tolls through it"
                } else {
                    "not counted on: plants sell what they make into the market; --toll has them convert the stock for its holder"
                }
            ));
        }
        for t in &r.tolling {
            out.push_str(&format!(
                "Tolling: {}'s stock is converted by the plants of {} ({}); the check simulates it\n",
                t.holder,
                t.converters
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                t.stages.names().join(", ")
            ));
        }
        if let Some(c) = &r.coordination {
            // Within USD 0.05 million (the display's rounding) they cost
            // the same.
            let verdict = if c.saving_musd.abs() < 0.05 {
                "the same cost, a difference of"
            } else if c.saving_musd > 0.0 {
                "saves"
            } else {
                "costs more by"
            };
            out.push_str(&format!(
                "\nValue of coordination: pooled USD {:.1} million against USD {:.1} million for separate plans with the same goals: {verdict} USD {:.1} million{}\n",
                c.joint_cost_musd,
                c.separate_cost_musd,
                c.saving_musd.abs(),
                c.saving_share
                    .map_or(String::new(), |s| format!(" ({})", pct(s.abs())))
            ));
            for p in &c.by_partner {
                out.push_str(&format!(
                    "  {}: buys USD {:.1} million pooled, USD {:.1} million alone\n",
                    p.country, p.joint_musd, p.separate_musd
                ));
            }
            let worst = c
                .separate_checks
                .iter()
                .filter_map(|k| k.agreement.map(|a| (a, k)))
                .min_by(|a, b| a.0.total_cmp(&b.0));
            if let Some((a, k)) = worst {
                out.push_str(&format!(
                    "  the separate plans, simulated alone, remove at least {} of their claim ({} in {})\n",
                    pct(a),
                    k.country,
                    k.scenario
                ));
            }
        }
        for c in r.checks.iter().filter(|c| c.flag.is_some()) {
            out.push_str(&format!(
                "warning: {} in {}: {}\n",
                c.country,
                c.scenario,
                c.flag.as_deref().unwrap_or("")
            ));
        }
    }
    out
}
