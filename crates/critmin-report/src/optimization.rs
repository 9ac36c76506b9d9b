//! The report's optimisation section: the recommended portfolio at several
//! budgets with the scorecard each reaches and the simulator's check of its
//! claim, and the least-cost stockpile for several months of cover. The
//! numbers come from `critmin-opt` through the plain rows below; this
//! module only lays them out.

use crate::csv::CsvTable;
use crate::html::{Cell, Section, table_html};
use crate::svg::esc;

/// One budget's recommended portfolio.
#[derive(Debug, Clone, PartialEq)]
pub struct PortfolioRow {
    /// Budget, USD million.
    pub budget_musd: f64,
    /// Chosen projects: id, first month of output, capex USD million.
    pub selected: Vec<(String, String, f64)>,
    /// Total capex, USD million.
    pub spend_musd: f64,
    /// Expected allied unmet demand in the target year, USD million/yr.
    pub objective_musd: f64,
    /// The same with nothing funded.
    pub baseline_musd: f64,
    /// The simulator's value for the same plan (mean over scenarios).
    pub simulated_musd: f64,
    /// Scorecard in the target year: coverage, dependency (fractions),
    /// reserves (months).
    pub scorecard: [Option<f64>; 3],
    /// What the seed measures of it.
    pub measures: PortfolioMeasures,
    /// The gap between the static model and the simulator it was checked
    /// against (weighted mean absolute), USD million/yr.
    pub verified_error_musd: Option<f64>,
}

/// A portfolio's jobs, waste and costs (critmin-opt's `Measures`, laid
/// out).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PortfolioMeasures {
    /// Direct jobs where the dataset gives them, and projects without.
    pub jobs: (u32, usize),
    /// Waste in the target year, t/yr.
    pub waste_t_per_yr: f64,
    /// Capex by partner, USD million.
    pub capex_by_partner: Vec<(String, f64)>,
    /// Target-year output valued at Chinese prices, USD million/yr.
    pub value_added_musd_per_yr: f64,
    /// Cost above Chinese supply, low and high, USD million/yr.
    pub premium_musd_per_yr: [f64; 2],
    /// Operating cost where known, USD million/yr, and projects without.
    pub opex: (f64, usize),
}

/// One budget's portfolio chosen on sampled futures and evaluated on
/// others.
#[derive(Debug, Clone, PartialEq)]
pub struct SampledPortfolioRow {
    /// Budget, USD million.
    pub budget_musd: f64,
    /// Chosen projects.
    pub selected: Vec<String>,
    /// Futures chosen on, and futures evaluated on.
    pub futures: (usize, usize),
    /// Out of sample: unmet value with the portfolio and with nothing
    /// funded, the gain and its standard error, USD million/yr.
    pub out_of_sample: [f64; 4],
    /// The binding stage, if any.
    pub binding_stage: Option<String>,
    /// Whether the next frontier budget protects more, and the value per
    /// USD million up to it.
    pub budget_binds: bool,
    /// USD million/yr less unmet per USD million up to the next budget.
    pub marginal_next: Option<f64>,
}

/// One cover target's least-cost stockpile.
#[derive(Debug, Clone, PartialEq)]
pub struct StockpileRow {
    /// Months of cover asked for.
    pub months: f64,
    /// Cost, USD million.
    pub cost_musd: f64,
    /// Purchases: holder, form, element or grade, tonnes.
    pub holdings: Vec<(String, String, String, f64)>,
    /// The element whose cover costs most to reach, if any.
    pub binding_element: Option<String>,
    /// The plan simulated under `check_scenario`, per partner.
    pub checks: Vec<StockCheck>,
    /// The scenario the plan was checked under.
    pub check_scenario: String,
}

/// A stockpile plan simulated for one partner.
#[derive(Debug, Clone, PartialEq)]
pub struct StockCheck {
    /// Partner.
    pub country: String,
    /// Unmet demand without and with the plan, t REO-eq.
    pub unmet_t: (f64, f64),
    /// What the optimiser claimed the plan removes, t REO-eq.
    pub claimed_t: Option<f64>,
    /// Simulated over claimed.
    pub agreement: Option<f64>,
    /// Why the stock does not reach the shortage, if it does not.
    pub flag: Option<String>,
}

/// The seed's measures of each budget's portfolio: jobs, waste, who pays
/// and what allied supply costs over Chinese.
fn measures_html(target_year: i32, portfolios: &[PortfolioRow]) -> String {
    let unknown = |n: usize| {
        if n == 0 {
            String::new()
        } else {
            format!(" ({n} not known)")
        }
    };
    let rows: Vec<Vec<Cell>> = portfolios
        .iter()
        .map(|p| {
            let m = &p.measures;
            let by = m
                .capex_by_partner
                .iter()
                .map(|(c, v)| format!("{c} {v:.0}"))
                .collect::<Vec<_>>()
                .join(", ");
            vec![
                Cell::text(&format!("USD {:.0} million", p.budget_musd)),
                Cell::num(&format!("{}{}", m.jobs.0, unknown(m.jobs.1))),
                Cell::num(&format!("{:.0}", m.waste_t_per_yr)),
                Cell::text(if by.is_empty() { "—" } else { &by }),
                Cell::num(&format!("{:.0}", m.value_added_musd_per_yr)),
                Cell::num(&format!(
                    "{:.0}–{:.0}",
                    m.premium_musd_per_yr[0], m.premium_musd_per_yr[1]
                )),
                Cell::num(&format!("{:.0}{}", m.opex.0, unknown(m.opex.1))),
            ]
        })
        .collect();
    let mut out = format!(
        "<p>What the partnership's goals measure of each portfolio in {target_year}: direct operating jobs of the funded plants, the waste they generate, capex by partner (split among each project's sponsors), their output valued at what each stage adds at Chinese prices, what that output costs above Chinese supply (39–57 % for mining and separation from Benchmark's 2024 incentive prices, the seed's 40–60 % for metal and magnets; <code>processing_costs.csv</code>), and operating cost where the dataset gives a unit cost.</p>"
    );
    out.push_str(&table_html(
        &[
            ("budget", false),
            ("direct jobs", true),
            ("waste t/yr", true),
            ("capex by partner, USD m", false),
            ("value added USD m/yr", true),
            ("premium over China USD m/yr", true),
            ("operating cost USD m/yr", true),
        ],
        &rows,
    ));
    out
}

fn pct(v: Option<f64>) -> String {
    v.map_or("—".into(), |x| format!("{:.1}%", x * 100.0))
}

/// The section. `target_year` is the portfolio's; `scenarios` names the
/// disruptions weighed.
pub fn optimization_section(
    target_year: i32,
    scenarios: &str,
    before: [Option<f64>; 3],
    portfolios: &[PortfolioRow],
    sampled: &[SampledPortfolioRow],
    stockpiles: &[StockpileRow],
) -> Section {
    let mut body = String::new();
    body.push_str(&format!(
        "<h3>Recommended portfolio by budget</h3><p>Projects seeking finance chosen by a mixed-integer program (HiGHS) to minimise expected allied unmet demand in {target_year} under {}, valued at baseline prices; capex is paid over each project's lead time within a budget released evenly over the fund's years. The simulator's column replays each plan month by month with the disruption held over {target_year}.</p>",
        esc(scenarios)
    ));
    let mut rows = vec![vec![
        Cell::text("nothing funded"),
        Cell::text("—"),
        Cell::num("0"),
        Cell::num(&format!(
            "{:.0}",
            portfolios.first().map_or(0.0, |p| p.baseline_musd)
        )),
        Cell::text("—"),
        Cell::num(&pct(before[0])),
        Cell::num(&pct(before[1])),
        Cell::num(&before[2].map_or("—".into(), |v| format!("{v:.1}"))),
    ]];
    let mut csv = CsvTable::new(
        "optimization_portfolio",
        &[
            "budget_musd",
            "project",
            "start",
            "capex_musd",
            "objective_musd_per_yr",
            "simulated_musd_per_yr",
        ],
    );
    for p in portfolios {
        let chosen = if p.selected.is_empty() {
            "none".to_string()
        } else {
            p.selected
                .iter()
                .map(|(id, start, _)| format!("{id} ({start})"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        rows.push(vec![
            Cell::text(&format!("USD {:.0} million", p.budget_musd)),
            Cell::text(&chosen),
            Cell::num(&format!("{:.0}", p.spend_musd)),
            Cell::num(&format!("{:.0}", p.objective_musd)),
            Cell::num(&format!("{:.0}", p.simulated_musd)),
            Cell::num(&pct(p.scorecard[0])),
            Cell::num(&pct(p.scorecard[1])),
            Cell::num(&p.scorecard[2].map_or("—".into(), |v| format!("{v:.1}"))),
        ]);
        for (id, start, capex) in &p.selected {
            csv.push(vec![
                format!("{:.0}", p.budget_musd),
                id.clone(),
                start.clone(),
                format!("{capex:.1}"),
                format!("{:.3}", p.objective_musd),
                format!("{:.3}", p.simulated_musd),
            ]);
        }
    }
    body.push_str(&table_html(
        &[
            ("budget", false),
            ("projects (first output)", false),
            ("spend USD m", true),
            ("unmet USD m/yr (claimed)", true),
            ("unmet USD m/yr (simulated)", true),
            ("processing coverage", true),
            ("import dependency", true),
            ("reserves, months", true),
        ],
        &rows,
    ));
    body.push_str(&measures_html(target_year, portfolios));
    let (sampled_html, sampled_csv) = sampled_table(target_year, sampled);
    body.push_str(&sampled_html);
    body.push_str(&format!(
        "<h3>Least-cost stockpile by months of cover</h3><p>US and Japanese purchases of the magnet rare earths so that each partner holds the stated months of its {target_year} consumption of each element, at baseline prices plus their own price impact (bought over five years; the simulator's short-run price rule, an upper bound) and a holding cost.</p>"
    ));
    let mut rows = Vec::new();
    let mut scsv = CsvTable::new(
        "optimization_stockpile",
        &["months", "holder", "form", "element", "tonnes", "cost_musd"],
    );
    for s in stockpiles {
        let buys = s
            .holdings
            .iter()
            .map(|(h, f, e, t)| format!("{h} {e} {f} {t:.0} t"))
            .collect::<Vec<_>>()
            .join(", ");
        rows.push(vec![
            Cell::num(&format!("{:.0}", s.months)),
            Cell::num(&format!("{:.0}", s.cost_musd)),
            Cell::text(&buys),
        ]);
        for (h, f, e, t) in &s.holdings {
            scsv.push(vec![
                format!("{:.0}", s.months),
                h.clone(),
                f.clone(),
                e.clone(),
                format!("{t:.1}"),
                format!("{:.3}", s.cost_musd),
            ]);
        }
    }
    body.push_str(&table_html(
        &[("months", true), ("cost USD m", true), ("purchases", false)],
        &rows,
    ));
    body.push_str(&explanations_html(
        target_year,
        portfolios,
        sampled,
        stockpiles,
    ));
    let best = portfolios.last();
    Section {
        id: "optimization".into(),
        title: "Optimisation: the fund's portfolio and the stockpiles".into(),
        lead: match best {
            Some(p) => format!(
                "At USD {:.0} million the fund's best portfolio spends USD {:.0} million and lowers expected allied unmet demand in {target_year} from USD {:.0} to {:.0} million a year (the simulator gives {:.0} for the same plan).",
                p.budget_musd, p.spend_musd, p.baseline_musd, p.objective_musd, p.simulated_musd
            ),
            None => String::new(),
        } + &sampled.last().map_or(String::new(), |p| {
            format!(
                " Chosen on {} sampled futures and checked on {} others, it lowers expected unmet demand by USD {:.1} ± {:.1} million a year.",
                p.futures.0, p.futures.1, p.out_of_sample[2], p.out_of_sample[3]
            )
        }),
        body,
        tables: vec![csv, sampled_csv, scsv],
    }
}

/// Every recommendation in one table: what it buys, what it protects,
/// what limits it and how its claim was checked.
fn explanations_html(
    target_year: i32,
    portfolios: &[PortfolioRow],
    sampled: &[SampledPortfolioRow],
    stockpiles: &[StockpileRow],
) -> String {
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    if let Some(p) = portfolios.last() {
        rows.push(portfolio_explanation(target_year, p, portfolios, sampled));
    }
    for s in stockpiles {
        rows.push(stockpile_explanation(target_year, s));
    }
    if rows.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "<h3>What each recommendation buys, protects, is limited by, and how it was checked</h3>",
    );
    out.push_str(&table_html(
        &[
            ("recommendation", false),
            ("buys", false),
            ("protects", false),
            ("limited by", false),
            ("checked", false),
        ],
        &rows,
    ));
    out
}

fn portfolio_explanation(
    target_year: i32,
    p: &PortfolioRow,
    all: &[PortfolioRow],
    sampled: &[SampledPortfolioRow],
) -> Vec<Cell> {
    let projects = if p.selected.is_empty() {
        "nothing".to_string()
    } else {
        p.selected
            .iter()
            .map(|(id, start, _)| format!("{id} (output from {start})"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let gain = p.baseline_musd - p.objective_musd;
    let same_at_every_budget = all.iter().all(|q| q.selected == p.selected);
    let mut limits = Vec::new();
    if let Some(s) = sampled.last() {
        if let Some(stage) = &s.binding_stage {
            limits.push(format!(
                "{stage} capacity binds: 10 % more of it lowers unmet demand most"
            ));
        }
        if !s.budget_binds {
            limits.push(
                "the budget does not bind: the project pipeline, not the fund, limits the answer"
                    .into(),
            );
        }
    }
    if same_at_every_budget && all.len() > 1 {
        limits.push(format!(
            "every budget from USD {:.0} to {:.0} million buys the same projects",
            all[0].budget_musd, p.budget_musd
        ));
    }
    if let Some(e) = p.verified_error_musd
        && gain <= e
    {
        limits.push(format!(
            "the claimed gain (USD {gain:.0} million/yr) is within the static model's verified error (USD {e:.0} million/yr): the simulation cannot confirm it"
        ));
    }
    let mut checked = format!(
        "simulated month by month with the ban held over {target_year}: USD {:.0} million/yr unmet for the same plan against the static model's {:.0}",
        p.simulated_musd, p.objective_musd
    );
    if let Some(s) = sampled.last() {
        checked.push_str(&format!(
            "; chosen again on {} sampled futures and evaluated on {} others, it saves USD {:.1} ± {:.1} million/yr",
            s.futures.0, s.futures.1, s.out_of_sample[2], s.out_of_sample[3]
        ));
    }
    vec![
        Cell::text(&format!("fund portfolio, USD {:.0} million", p.budget_musd)),
        Cell::text(&format!(
            "{projects}; USD {:.0} million of capex",
            p.spend_musd
        )),
        Cell::text(&format!(
            "expected allied unmet demand in {target_year} under the ban: USD {:.0} → {:.0} million/yr ({gain:.0} less)",
            p.baseline_musd, p.objective_musd
        )),
        Cell::text(&if limits.is_empty() {
            "—".to_string()
        } else {
            limits.join("; ")
        }),
        Cell::text(&checked),
    ]
}

fn stockpile_explanation(target_year: i32, s: &StockpileRow) -> Vec<Cell> {
    let mut by_form: Vec<(String, f64)> = Vec::new();
    for (_, form, _, t) in &s.holdings {
        match by_form.iter_mut().find(|(f, _)| f == form) {
            Some((_, sum)) => *sum += t,
            None => by_form.push((form.clone(), *t)),
        }
    }
    let buys = by_form
        .iter()
        .map(|(f, t)| format!("{t:.0} t {f}"))
        .collect::<Vec<_>>()
        .join(", ");
    let protects = s
        .checks
        .iter()
        .map(|c| {
            format!(
                "{}: unmet {:.0} → {:.0} t REO-eq",
                c.country, c.unmet_t.0, c.unmet_t.1
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let mut limits = vec![format!(
        "sized by the cover goal, not by the shortage{}",
        s.binding_element
            .as_ref()
            .map_or(String::new(), |e| format!(
                "; {e} is the costliest element to cover"
            ))
    )];
    limits.push("its price impact is an upper bound (supply that answers price over the five years is not counted); the partners' conversion plants are not counted on".into());
    let flags: Vec<String> = s
        .checks
        .iter()
        .filter_map(|c| c.flag.as_ref().map(|f| format!("{}: {f}", c.country)))
        .collect();
    let checked = s
        .checks
        .iter()
        .map(|c| match (c.claimed_t, c.agreement) {
            (Some(cl), Some(a)) => format!(
                "{} removes {:.0} t of a claimed {cl:.0} ({:.0} %)",
                c.country,
                c.unmet_t.0 - c.unmet_t.1,
                a * 100.0
            ),
            _ => format!(
                "{} removes {:.0} t (no claim)",
                c.country,
                c.unmet_t.0 - c.unmet_t.1
            ),
        })
        .collect::<Vec<_>>()
        .join("; ");
    vec![
        Cell::text(&format!(
            "stockpile, {:.0} months of {target_year} cover",
            s.months
        )),
        Cell::text(&format!("{buys}; USD {:.0} million", s.cost_musd)),
        Cell::text(&format!("under {}: {protects}", s.check_scenario)),
        Cell::text(&limits.join("; ")),
        Cell::text(&format!(
            "simulated under {}: {checked}{}",
            s.check_scenario,
            if flags.is_empty() {
                "; no partner flagged".to_string()
            } else {
                format!("; flagged — {}", flags.join("; "))
            }
        )),
    ]
}

/// The portfolios chosen on sampled futures: HTML and CSV.
fn sampled_table(target_year: i32, sampled: &[SampledPortfolioRow]) -> (String, CsvTable) {
    let mut csv = CsvTable::new(
        "optimization_portfolio_futures",
        &[
            "budget_musd",
            "projects",
            "futures",
            "out_of_sample_futures",
            "unmet_musd_per_yr",
            "baseline_musd_per_yr",
            "gain_musd_per_yr",
            "gain_stderr_musd_per_yr",
            "binding_stage",
            "budget_binds",
            "marginal_value_next_per_musd",
        ],
    );
    if sampled.is_empty() {
        return (String::new(), csv);
    }
    let (n, m) = sampled[0].futures;
    let mut html = format!(
        "<h3>Portfolio on sampled futures, checked on others</h3><p>The same choice made on {n} futures of the risk model (its random export controls, outages and delays folded into {target_year}), then evaluated on {m} futures that played no part in choosing it: the figures below are those out-of-sample ones, with the standard error of the gain. The binding stage is the one where 10 % more allied capacity lowers expected unmet demand most; the budget binds when the next budget on the frontier (a quarter more) protects more.</p>"
    );
    let mut rows = Vec::new();
    for p in sampled {
        let [with, without, gain, se] = p.out_of_sample;
        let chosen = if p.selected.is_empty() {
            "none".to_string()
        } else {
            p.selected.join(", ")
        };
        let binds = if p.budget_binds {
            format!("yes ({:.3} per USD m)", p.marginal_next.unwrap_or(0.0))
        } else {
            "no".to_string()
        };
        rows.push(vec![
            Cell::text(&format!("USD {:.0} million", p.budget_musd)),
            Cell::text(&chosen),
            Cell::num(&format!("{with:.1}")),
            Cell::num(&format!("{without:.1}")),
            Cell::num(&format!("{gain:.1} ± {se:.1}")),
            Cell::text(p.binding_stage.as_deref().unwrap_or("—")),
            Cell::text(&binds),
        ]);
        csv.push(vec![
            format!("{:.0}", p.budget_musd),
            p.selected.join(";"),
            n.to_string(),
            m.to_string(),
            format!("{with:.3}"),
            format!("{without:.3}"),
            format!("{gain:.3}"),
            format!("{se:.3}"),
            p.binding_stage.clone().unwrap_or_default(),
            p.budget_binds.to_string(),
            p.marginal_next.map_or(String::new(), |v| format!("{v:.4}")),
        ]);
    }
    html.push_str(&table_html(
        &[
            ("budget", false),
            ("projects", false),
            ("unmet USD m/yr (out of sample)", true),
            ("nothing funded USD m/yr", true),
            ("gain ± s.e.", true),
            ("binding stage", false),
            ("budget binds", false),
        ],
        &rows,
    ));
    (html, csv)
}
