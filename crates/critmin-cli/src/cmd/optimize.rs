//! `critmin optimize portfolio|stockpile`: the fund's project portfolio
//! (MILP) and the partners' stockpiles (LP), both solved by HiGHS in
//! `critmin-opt`; `--write-plan` writes the decision for `simulate --plan`.

use super::{CliError, DataArgs, Format, Result, load};
use crate::output::{TextTable, pct, tonnes};
use anyhow::Context;
use clap::{Args, Subcommand};
use critmin_model::{CountryCode, ElementSet, Model};
use critmin_opt::chain::{ChainYear, Disruption, n_goods};
use critmin_opt::disruption::{SimulatedYear, fold, simulate_year};
use critmin_opt::plan::Plan;
use critmin_opt::stockpile::{StockpileRequest, StockpileResult, holder_of};
use critmin_opt::{OptError, Portfolio, PortfolioRequest, PortfolioResult};
use critmin_sim::Scenario;
use std::path::{Path, PathBuf};
use std::time::Instant;

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
pub(crate) struct PortfolioArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Total budget over the fund's years, USD million.
    #[arg(long, default_value_t = 4000.0)]
    budget_musd: f64,
    /// The fund's years, `2025..2032` (end exclusive) or `2025..=2031`.
    #[arg(long, default_value = "2025..2032")]
    years: String,
    /// The year whose unmet demand is minimised.
    #[arg(long, default_value_t = 2030)]
    target_year: i32,
    /// Scenario files, equally weighted (default: China exports nothing
    /// for the whole target year).
    #[arg(long, num_args = 1.., value_name = "FILE")]
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
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write the decision as a plan file for `critmin simulate --plan`.
    #[arg(long, value_name = "FILE")]
    write_plan: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub(crate) struct StockpileArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Months of each partner's consumption (in the cover year) to hold.
    #[arg(long)]
    target_months: Option<f64>,
    /// Largest share of each element's demand left unmet in any scenario.
    #[arg(long)]
    max_unmet_share: Option<f64>,
    /// Scenario files (needed with --max-unmet-share).
    #[arg(long, num_args = 1.., value_name = "FILE")]
    scenarios: Vec<PathBuf>,
    /// Partner countries, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "US,JP")]
    partners: Vec<String>,
    /// Elements to hold: symbols or all, light, heavy, magnet.
    #[arg(long, default_value = "magnet")]
    elements: String,
    /// Year whose consumption the months of cover count.
    #[arg(long, default_value_t = 2030)]
    cover_year: i32,
    /// Holding cost, % of the purchase value per year.
    #[arg(long, default_value_t = 2.0)]
    holding_cost_pct_per_yr: f64,
    /// Years the stock is held.
    #[arg(long, default_value_t = 7.0)]
    holding_years: f64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write the purchases as a plan file for `critmin simulate --plan`.
    #[arg(long, value_name = "FILE")]
    write_plan: Option<PathBuf>,
}

pub(crate) fn optimize(cmd: &OptimizeCommand) -> Result {
    match cmd {
        OptimizeCommand::Portfolio(a) => portfolio(a),
        OptimizeCommand::Stockpile(a) => stockpile(a),
    }
}

/// Maps optimiser errors to exit statuses: bad requests 2, solver 1.
pub(crate) fn opt_error(e: OptError) -> CliError {
    match e {
        OptError::Solver(_) | OptError::Simulation { .. } => {
            CliError::Runtime(anyhow::anyhow!("{e}"))
        }
        e => CliError::Usage(e.to_string()),
    }
}

/// Parses `2025..2032` (end exclusive) or `2025..=2031` into inclusive
/// first and last years.
fn parse_years(s: &str) -> Result<(i32, i32)> {
    let bad = || {
        CliError::Usage(format!(
            "--years `{s}`: write a range of years such as 2025..2032 (end exclusive) or 2025..=2031"
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
    let last = if inclusive { b } else { b - 1 };
    if last < a || !(1900..=2200).contains(&a) || !(1900..=2200).contains(&last) {
        return Err(CliError::Usage(format!("--years `{s}` is an empty range")));
    }
    Ok((a, last))
}

/// Parses `US=0.6,JP=0.4`.
fn parse_shares(s: &str) -> Result<Vec<(String, f64)>> {
    let mut out = Vec::new();
    for part in s.split(',').filter(|p| !p.trim().is_empty()) {
        let (k, v) = part.split_once('=').ok_or_else(|| {
            CliError::Usage(format!(
                "--partner-share `{part}`: write COUNTRY=SHARE, e.g. US=0.6,JP=0.4"
            ))
        })?;
        let v: f64 = v.trim().parse().map_err(|_| {
            CliError::Usage(format!("--partner-share `{part}`: `{v}` is not a number"))
        })?;
        out.push((k.trim().to_string(), v));
    }
    Ok(out)
}

/// Reads scenario files against `model`.
pub(crate) fn read_scenarios(model: &Model, files: &[PathBuf]) -> Result<Vec<Scenario>> {
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read(f)
            .with_context(|| format!("cannot read the scenario `{}`", f.display()))?;
        let shown = f.display().to_string();
        out.push(
            critmin_sim::scenario::parse(&shown, &text, model)
                .map_err(|d| CliError::InvalidFile(shown.clone(), d))?,
        );
    }
    Ok(out)
}

fn write_plan(path: &Path, model: &Model, plan: &Plan) -> Result {
    std::fs::write(path, critmin_opt::plan::to_toml(plan, model))
        .with_context(|| format!("cannot write the plan `{}`", path.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

/// The portfolio, solved and checked by simulation.
pub(crate) struct PortfolioRun {
    pub result: PortfolioResult,
    pub simulated: Vec<SimulatedYear>,
    pub total_seconds: f64,
}

/// Solves a portfolio request and simulates its plan in every scenario.
pub(crate) fn run_portfolio(model: &Model, request: PortfolioRequest) -> Result<PortfolioRun> {
    let t0 = Instant::now();
    let year = request.target_year;
    let scenarios = request.scenarios.clone();
    let p = Portfolio::new(model, request).map_err(opt_error)?;
    let result = p.solve(model).map_err(opt_error)?;
    let overlay = result.plan().overlay(model);
    let mut simulated = Vec::new();
    for d in &scenarios {
        let chain = ChainYear::new(model, year, &d.path, &[]).map_err(opt_error)?;
        simulated.push(simulate_year(model, &chain, d, year, &overlay).map_err(opt_error)?);
    }
    Ok(PortfolioRun {
        result,
        simulated,
        total_seconds: t0.elapsed().as_secs_f64(),
    })
}

/// Folds scenario files for the target year, or the default year-long ban.
pub(crate) fn disruptions(
    model: &Model,
    scenarios: &[Scenario],
    year: i32,
) -> Result<Vec<Disruption>> {
    if scenarios.is_empty() {
        return Ok(vec![Disruption::china_ban(n_goods(model), "steady")]);
    }
    let mut out = Vec::new();
    for s in scenarios {
        let chain = ChainYear::new(model, year, &s.demand_path, &[]).map_err(opt_error)?;
        out.push(fold(model, &chain, s));
    }
    Ok(out)
}

fn portfolio(a: &PortfolioArgs) -> Result {
    let model = load(&a.data)?;
    let years = parse_years(&a.years)?;
    let scenarios = read_scenarios(&model, &a.scenarios)?;
    let request = PortfolioRequest {
        budget_musd: a.budget_musd,
        years,
        target_year: a.target_year,
        scenarios: disruptions(&model, &scenarios, a.target_year)?,
        include: a.include.clone(),
        exclude: a.exclude.clone(),
        partner_shares: match &a.partner_share {
            Some(s) => parse_shares(s)?,
            None => Vec::new(),
        },
    };
    let run = run_portfolio(&model, request)?;
    match a.format {
        Format::Json => {
            let doc = serde_json::json!({
                "budget_musd": run.result.budget_musd,
                "selected": run.result.selected,
                "spend_musd": run.result.spend_musd,
                "objective": run.result.objective,
                "baseline_objective": run.result.baseline_objective,
                "objective_unit": run.result.objective_unit,
                "years": [run.result.years.0, run.result.years.1],
                "target_year": run.result.target_year,
                "spend_by_year": run.result.spend_by_year,
                "marginal_value_per_musd": run.result.marginal_value_per_musd,
                "scorecard_before": run.result.scorecard_before,
                "scorecard_after": run.result.scorecard_after,
                "scenarios": run.result.scenarios,
                "baseline_scenarios": run.result.baseline_scenarios,
                "simulated": run.simulated,
                "binaries": run.result.binaries,
                "solve_seconds": run.result.solve_seconds,
                "total_seconds": run.total_seconds,
                "notes": run.result.notes,
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&doc).map_err(anyhow::Error::from)?
            );
        }
        Format::Table => print!("{}", portfolio_text(&run)),
    }
    if let Some(p) = &a.write_plan {
        write_plan(p, &model, &run.result.plan())?;
    }
    Ok(())
}

fn opt_pct(v: Option<f64>) -> String {
    v.map_or("—".into(), pct)
}

/// The portfolio as terminal text.
pub(crate) fn portfolio_text(run: &PortfolioRun) -> String {
    let r = &run.result;
    let mut out = format!(
        "Portfolio — budget USD {:.0} million over {}–{}, target year {}, {} scenario(s)\n\n",
        r.budget_musd,
        r.years.0,
        r.years.1,
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
                s.project.clone(),
                s.facility.clone(),
                s.country.clone(),
                s.stage.clone(),
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
    out.push_str(&format!(
        "\nExpected allied unmet demand in {}: USD {:.1} million/yr at baseline prices (nothing funded: USD {:.1} million/yr)\n",
        r.target_year, r.objective, r.baseline_objective
    ));
    out.push_str(&format!(
        "Marginal value of USD 1 million more budget: {}\n",
        r.marginal_value_per_musd.map_or("—".into(), |v| format!(
            "USD {v:.3} million/yr less unmet demand"
        ))
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
        ],
        &[false, true, true, true, true, true, true],
    );
    for ((c, s), b) in r
        .scenarios
        .iter()
        .zip(&run.simulated)
        .zip(&r.baseline_scenarios)
    {
        t.row(vec![
            c.scenario.clone(),
            tonnes(c.allied_demand_t),
            tonnes(c.allied_unmet_t),
            tonnes(s.allied_unmet_t),
            format!("{:.1}", c.allied_unmet_value_musd),
            format!("{:.1}", s.allied_unmet_value_musd),
            format!("{:.1}", b.allied_unmet_value_musd),
        ]);
    }
    out.push_str(&format!(
        "\nAllied unmet demand in {} by scenario: the static model's claim and the simulator's check\n",
        r.target_year
    ));
    out.push_str(&t.render());
    for n in &r.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    out.push_str(&format!(
        "\nMILP: {} binary decisions, solved by HiGHS in {:.2} s ({:.2} s with the baseline, the B+1 re-solve and the simulations)\n",
        r.binaries, r.solve_seconds, run.total_seconds
    ));
    out
}

/// Builds a stockpile request from arguments.
pub(crate) fn stockpile_request(
    model: &Model,
    partners: &[String],
    elements: &str,
    scenarios: Vec<Scenario>,
) -> Result<StockpileRequest> {
    let mut codes = Vec::new();
    for p in partners {
        let c = CountryCode::parse(p.trim())
            .filter(|c| model.country(*c).is_some())
            .ok_or_else(|| {
                CliError::Usage(format!("--partners: `{p}` is not a country of the dataset"))
            })?;
        codes.push(c);
    }
    let elements = ElementSet::parse(&elements.replace(',', ";")).map_err(|bad| {
        CliError::Usage(format!("--elements: `{bad}` is not a rare earth element"))
    })?;
    Ok(StockpileRequest {
        partners: codes,
        elements,
        target_months: None,
        max_unmet_share: None,
        scenarios,
        cover_year: 2030,
        path: "steady".into(),
        holding_cost_pct_per_yr: 2.0,
        holding_years: 7.0,
    })
}

fn stockpile(a: &StockpileArgs) -> Result {
    let model = load(&a.data)?;
    let scenarios = read_scenarios(&model, &a.scenarios)?;
    let mut req = stockpile_request(&model, &a.partners, &a.elements, scenarios)?;
    req.target_months = a.target_months;
    req.max_unmet_share = a.max_unmet_share;
    req.cover_year = a.cover_year;
    req.holding_cost_pct_per_yr = a.holding_cost_pct_per_yr;
    req.holding_years = a.holding_years;
    let res = critmin_opt::optimise_stockpile(&model, &req).map_err(opt_error)?;
    match a.format {
        Format::Json => {
            let doc = serde_json::json!({
                "holdings": res.holdings,
                "cost_musd": res.cost_musd,
                "cover": res.cover,
                "binding_element": res.binding_element,
                "target_months": res.target_months,
                "max_unmet_share": res.max_unmet_share,
                "cover_year": res.cover_year,
                "scenarios": res.scenarios,
                "simulate_seconds": res.simulate_seconds,
                "solve_seconds": res.solve_seconds,
                "holders": req.partners.iter().map(|c| (c.to_string(), holder_of(&model, *c))).collect::<std::collections::BTreeMap<_, _>>(),
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&doc).map_err(anyhow::Error::from)?
            );
        }
        Format::Table => print!("{}", stockpile_text(&res)),
    }
    if let Some(p) = &a.write_plan {
        write_plan(p, &model, &res.plan(&model))?;
    }
    Ok(())
}

/// The stockpile as terminal text.
pub(crate) fn stockpile_text(r: &StockpileResult) -> String {
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
    let mut out = format!(
        "Least-cost stockpile — {}: USD {:.1} million\n\n",
        goals.join("; "),
        r.cost_musd
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
            h.holder.clone(),
            h.country.clone(),
            h.form.clone(),
            h.element.clone(),
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
            c.country.clone(),
            c.element.clone(),
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
        r.solve_seconds,
        r.simulate_seconds
    ));
    out
}

/// The `assess` report's optimisation section: the portfolio at USD 3, 4
/// and 5 billion under the year-long ban, and the least-cost stockpile for
/// 12 and 24 months of cover; with a line per result for the terminal.
pub(crate) fn assess_section(model: &Model) -> Result<(critmin_report::Section, Vec<String>)> {
    use critmin_report::optimization::{PortfolioRow, StockpileRow, optimization_section};
    let year = 2030;
    let mut rows = Vec::new();
    let mut lines = Vec::new();
    let mut before = [None; 3];
    for budget in [3000.0, 4000.0, 5000.0] {
        let request = PortfolioRequest {
            budget_musd: budget,
            years: (2025, 2031),
            target_year: year,
            scenarios: disruptions(model, &[], year)?,
            include: Vec::new(),
            exclude: Vec::new(),
            partner_shares: Vec::new(),
        };
        let run = run_portfolio(model, request)?;
        let r = &run.result;
        let b = &r.scorecard_before;
        before = [b.processing_coverage, b.import_dependency, b.reserve_months];
        let a = &r.scorecard_after;
        let simulated = run
            .simulated
            .iter()
            .map(|s| s.allied_unmet_value_musd)
            .sum::<f64>()
            / run.simulated.len().max(1) as f64;
        lines.push(format!(
            "  USD {:.0}m: {} — unmet USD {:.0}m/yr (nothing funded {:.0}, simulated {:.0}); solved in {:.2} s",
            budget,
            if r.selected.is_empty() {
                "nothing".to_string()
            } else {
                r.selected
                    .iter()
                    .map(|s| format!("{} {}", s.project, s.start))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            r.objective,
            r.baseline_objective,
            simulated,
            r.solve_seconds
        ));
        rows.push(PortfolioRow {
            budget_musd: budget,
            selected: r
                .selected
                .iter()
                .map(|s| (s.project.clone(), s.start.to_string(), s.capex_musd))
                .collect(),
            spend_musd: r.spend_musd,
            objective_musd: r.objective,
            baseline_musd: r.baseline_objective,
            simulated_musd: simulated,
            scorecard: [a.processing_coverage, a.import_dependency, a.reserve_months],
        });
    }
    let mut stock_rows = Vec::new();
    for months in [12.0, 24.0] {
        let mut req = stockpile_request(model, &["US".into(), "JP".into()], "magnet", Vec::new())?;
        req.target_months = Some(months);
        req.cover_year = year;
        let res = critmin_opt::optimise_stockpile(model, &req).map_err(opt_error)?;
        lines.push(format!(
            "  {months:.0} months of cover (US, JP; Nd Pr Dy Tb): USD {:.0}m",
            res.cost_musd
        ));
        stock_rows.push(StockpileRow {
            months,
            cost_musd: res.cost_musd,
            holdings: res
                .holdings
                .iter()
                .map(|h| {
                    (
                        h.holder.clone(),
                        h.form.clone(),
                        h.element.clone(),
                        h.tonnes,
                    )
                })
                .collect(),
        });
    }
    let section = optimization_section(
        year,
        "a year-long stop of China's rare-earth exports",
        before,
        &rows,
        &stock_rows,
    );
    Ok((section, lines))
}
