//! `critmin assess`: the main job. The application layer computes
//! everything and builds the report's files; this module shows progress,
//! writes the files into `--out` (all or nothing) and prints a summary.

use super::{AssessArgs, Result, write_out};
use crate::output::{Out, opt_pct, pct};
use critmin_app::Context;
use critmin_app::Envelope;
use critmin_app::ops::assess::{AssessRequest, AssessResponse, IntelRef};
use critmin_metrics::TARGETS;
use critmin_metrics::targets::TargetValue;
use critmin_model::Stage;

pub(crate) fn assess(args: &AssessArgs, ctx: &Context, out: &mut Out) -> Result {
    let req = AssessRequest {
        dataset: args.data.dataset(),
        projection: args.projection.request(),
        risk_runs: args.risk_runs,
        intel: match args.intel.as_str() {
            "sample" => IntelRef::Sample,
            "none" => IntelRef::None,
            path => IntelRef::Store(path.into()),
        },
        ..Default::default()
    };
    // Refuse a bad --out before minutes of work, not after.
    let protect: Vec<&std::path::Path> = args.data.data.as_deref().into_iter().collect();
    critmin_app::output::check_target(&args.out, &[], &protect)?;
    let bar = super::montecarlo::progress_bar();
    let progress = |p: critmin_app::Progress| {
        if let Some(b) = &bar {
            b.set_message(p.stage.to_string());
            b.set_length(p.total);
            b.set_position(p.done);
        }
    };
    let mut ctx = ctx.clone();
    ctx.progress = Some(&progress);
    let env = critmin_app::ops::assess::assess(&req, &ctx)?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    super::warn(&env);
    let r = &env.result;
    write_out(&args.out, &r.files, &args.data)?;

    out.line(&format!(
        "critmin assess — {} (base year {})",
        r.dataset, r.base_year
    ))?;
    out.line(&format!(
        "dataset valid: {} sources, {} facilities, {} demand rows, {} projects\n",
        r.sources, r.facilities, r.demand_rows, r.projects
    ))?;
    let china = |stage: Stage| {
        r.china_share
            .iter()
            .find(|(s, _)| *s == stage)
            .map_or("—".into(), |(_, v)| pct(*v))
    };
    out.line(&format!(
        "China's share of world output {}: mining {}, separation {}, metal {}, magnets {}",
        r.base_year,
        china(Stage::Mining),
        china(Stage::Separation),
        china(Stage::MetalAlloy),
        china(Stage::Magnet)
    ))?;
    let card = &r.scorecard;
    out.line(&format!(
        "\nPartnership scorecard (magnet rare earths, path {}):",
        card.path
    ))?;
    for spec in TARGETS {
        let at = |y: i32| card.targets.iter().find(|t| t.id == spec.id && t.year == y);
        let show = |v: Option<&TargetValue>| {
            v.map_or("—".into(), |v| {
                format!("{} {}", super::targets::value_text(v), v.status.as_str())
            })
        };
        out.line(&format!(
            "  {:<20} {}: {:<22} {}: {}",
            spec.id,
            r.base_year,
            show(at(r.base_year)),
            spec.goal_year,
            show(at(spec.goal_year))
        ))?;
    }
    if let Some(g) = &r.us_jp_magnet {
        out.line(&format!(
            "\nUS+JP magnet REEs {}: import reliance {}, allied self-sufficiency {}",
            r.base_year,
            opt_pct(g.import_reliance),
            opt_pct(g.self_sufficiency)
        ))?;
    }
    let top: Vec<String> = r
        .top_supply_risk
        .iter()
        .map(|(e, v)| format!("{e} {v:.2}"))
        .collect();
    out.line(&format!(
        "Highest supply risk (EU JRC, US+JP): {}",
        top.join(", ")
    ))?;

    print_runs(&env, out)?;
    if let Some(i) = &r.intelligence {
        out.line(&format!(
            "\nIntelligence ({}): {} events in force at {}, {} alerts raised; what they add over 24 months (single run; P5–P95 of unmet share with them over {} futures):",
            i.source, i.events_in_force, i.as_of, i.alerts, i.runs
        ))?;
        for p in &i.partners {
            out.line(&format!(
                "  {:<3} +{}  ({}–{})",
                p.country,
                pct(p.added_unmet_share),
                pct(p.unmet_share_p5),
                pct(p.unmet_share_p95)
            ))?;
        }
    }
    out.line(&format!(
        "\nwrote {} (open it in a browser), metrics.json, summary.json and CSV tables",
        args.out.join("report.html").display()
    ))?;
    out.line(&format!("provenance: {}", env.provenance.line()))
}

/// The scenario library, risk, portfolio and stockpile lines of the
/// summary.
fn print_runs(env: &Envelope<AssessResponse>, out: &mut Out) -> Result {
    let r = &env.result;
    out.line("\nScenario library (unmet share of rare-earth demand, US / JP; peak Dy price):")?;
    for s in &r.scenarios {
        let share = |c: &str| {
            s.unmet_share_by_country
                .iter()
                .find(|(k, _)| k == c)
                .map_or(0.0, |(_, v)| *v)
        };
        out.line(&format!(
            "  {:<32} {:>6} / {:<6}  Dy {:.2}×",
            s.name,
            pct(share("US")),
            pct(share("JP")),
            s.peak_dy_price_index
        ))?;
    }
    let b = &r.backtest;
    out.line(&format!(
        "\nBacktest of {} against 2009–2014 observations: {} of {} series within a factor of 2 on average (summed mean |ln ratio| {:.2}; docs/backtest.md)",
        b.scenario, b.within_factor_2, b.series, b.mean_abs_log_ratio_sum
    ))?;
    if let Some(risk) = &r.risk {
        let share = |c: &str| {
            risk.unmet_share
                .iter()
                .find(|(k, _, _)| k == c)
                .map_or((0.0, 0.0), |(_, m, r)| (*m, *r))
        };
        let (us, us_ref) = share("US");
        let (jp, jp_ref) = share("JP");
        out.line(&format!(
            "\nRisk ({} futures of {} months, {:.1} s): mean unmet share US {}, JP {} \
             (with no risk drawn: US {}, JP {})",
            risk.runs,
            risk.horizon_months,
            env.timings.get("risk_seconds").copied().unwrap_or(0.0),
            pct(us),
            pct(jp),
            pct(us_ref),
            pct(jp_ref)
        ))?;
    }
    out.line(
        "\nFund portfolio under a year-long Chinese export stop (target 2030), and stockpiles:",
    )?;
    for p in &r.portfolios {
        let chosen = if p.selected.is_empty() {
            "nothing".to_string()
        } else {
            p.selected
                .iter()
                .map(|(id, start)| format!("{id} {start}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.line(&format!(
            "  USD {:.0}m: {chosen} — unmet USD {:.0}m/yr (nothing funded {:.0}, simulated {:.0})",
            p.budget_musd, p.objective_musd, p.baseline_musd, p.simulated_musd
        ))?;
    }
    for (months, cost) in &r.stockpiles {
        out.line(&format!(
            "  {months:.0} months of cover (US, JP; Nd Pr Dy Tb): USD {cost:.0}m"
        ))?;
    }
    Ok(())
}
