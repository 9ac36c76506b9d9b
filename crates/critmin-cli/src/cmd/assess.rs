//! `critmin assess`: the main job — validate the dataset, compute the
//! metrics, the scorecard and the criticality scores, write the report
//! (`report.html`), `metrics.json`, `summary.json` and CSV tables to
//! `--out`, and print a short summary.

use super::metrics::opt_pct;
use super::{AssessArgs, CliError, Result, load};
use crate::output::pct;
use anyhow::Context;
use critmin_metrics::targets::TargetValue;
use critmin_metrics::{DEFAULT_GROUPS, TARGETS, metrics, scorecard, stage_summary};
use critmin_model::{Model, Stage};
use critmin_report::{AssessInputs, assess_report, metrics_json};
use std::path::Path;

/// The later year the report compares with: the scorecard's goal year.
const COMPARE_YEAR: i32 = 2030;

pub(crate) fn assess(args: &AssessArgs) -> Result {
    let m = load(&args.data)?;
    let projection = args.projection.projection();
    println!("critmin assess — {} (base year {})", m.name, m.base_year);
    println!(
        "dataset valid: {} sources, {} facilities, {} demand rows, {} projects\n",
        m.sources.len(),
        m.facilities.len(),
        m.demand.len(),
        m.projects.len()
    );
    let base = metrics(&m, &projection, m.base_year, &DEFAULT_GROUPS)?;
    let later = if m.base_year < COMPARE_YEAR {
        Some(metrics(&m, &projection, COMPARE_YEAR, &DEFAULT_GROUPS)?)
    } else {
        None
    };
    let card = scorecard(&m, &projection)?;
    let inputs = AssessInputs {
        model: &m,
        base: &base,
        later: later.as_ref(),
        card: &card,
    };

    // Terminal summary.
    let china = |stage: Stage| {
        base.stages
            .iter()
            .find(|r| r.stage == stage && r.element == "all")
            .map_or("—".into(), |r| pct(r.china_share))
    };
    println!(
        "China's share of world output {}: mining {}, separation {}, metal {}, magnets {}",
        base.year,
        china(Stage::Mining),
        china(Stage::Separation),
        china(Stage::MetalAlloy),
        china(Stage::Magnet)
    );
    println!(
        "\nPartnership scorecard (magnet rare earths, path {}):",
        card.path
    );
    for spec in TARGETS {
        let at = |y: i32| card.targets.iter().find(|t| t.id == spec.id && t.year == y);
        let show = |v: Option<&TargetValue>| {
            v.map_or("—".into(), |v| {
                format!("{} {}", super::targets::value_text(v), v.status.as_str())
            })
        };
        println!(
            "  {:<20} {}: {:<22} {}: {}",
            spec.id,
            m.base_year,
            show(at(m.base_year)),
            spec.goal_year,
            show(at(spec.goal_year))
        );
    }
    if let Some(g) = base
        .groups
        .iter()
        .find(|g| g.group == "us_jp" && g.element == "magnet")
    {
        println!(
            "\nUS+JP magnet REEs {}: import reliance {}, allied self-sufficiency {}",
            base.year,
            opt_pct(g.import_reliance),
            opt_pct(g.self_sufficiency)
        );
    }
    let top: Vec<String> = base
        .criticality
        .iter()
        .take(5)
        .map(|r| format!("{} {:.2}", r.element, r.eu_supply_risk))
        .collect();
    println!("Highest supply risk (EU JRC, US+JP): {}", top.join(", "));

    // The scenario library, month by month.
    let runs = super::library::run_library(&m)?;
    println!("\nScenario library (unmet share of rare-earth demand, US / JP; peak Dy price):");
    for (run, summary) in &runs {
        let share = |c: &str| {
            run.unmet_share_by_country
                .iter()
                .find(|(k, _)| k == c)
                .map_or(0.0, |(_, v)| *v)
        };
        let dy = summary
            .by_element
            .iter()
            .find(|e| e.element == "Dy")
            .map_or(1.0, |e| e.peak_price_index);
        println!(
            "  {:<32} {:>6} / {:<6}  Dy {:.2}×",
            run.name,
            pct(share("US")),
            pct(share("JP")),
            dy
        );
    }
    let scenario_runs: Vec<_> = runs.into_iter().map(|(r, _)| r).collect();
    // The risk model, as thousands of futures.
    let mut risk_sections = Vec::new();
    if args.risk_runs > 0 {
        let t0 = std::time::Instant::now();
        let risk = super::library::run_risk(&m, args.risk_runs)?;
        let share = |c: &str| {
            risk.countries
                .iter()
                .find(|r| r.key == c)
                .map_or((0.0, 0.0), |r| {
                    (r.share_mean, r.reference_share.unwrap_or(0.0))
                })
        };
        let (us, us_ref) = share("US");
        let (jp, jp_ref) = share("JP");
        println!(
            "\nRisk ({} futures of {} months, {:.1} s): mean unmet share US {}, JP {} \
             (with no risk drawn: US {}, JP {})",
            risk.runs,
            risk.horizon_months,
            t0.elapsed().as_secs_f64(),
            pct(us),
            pct(jp),
            pct(us_ref),
            pct(jp_ref)
        );
        risk_sections.push(critmin_report::risk::risk_section(
            &risk,
            &super::library::COUNTRIES,
            &super::library::ELEMENTS,
        ));
    }
    let mut sections = critmin_report::simulation::simulation_sections(
        &scenario_runs,
        &super::library::COUNTRIES,
        &super::library::ELEMENTS,
    );
    sections.extend(risk_sections);

    // The fund's portfolio and the stockpiles (HiGHS).
    let (section, lines) = super::optimize::assess_section(&m)?;
    println!(
        "\nFund portfolio under a year-long Chinese export stop (target 2030), and stockpiles:"
    );
    for l in lines {
        println!("{l}");
    }
    sections.push(section);

    write_outputs(&args.out, &m, &inputs, sections)?;
    println!(
        "\nwrote {} (open it in a browser), metrics.json, summary.json and CSV tables",
        args.out.join("report.html").display()
    );
    Ok(())
}

fn write_outputs(
    dir: &Path,
    m: &Model,
    inputs: &AssessInputs,
    extra: Vec<critmin_report::Section>,
) -> Result {
    let mut report = assess_report(inputs);
    report.sections.extend(extra);
    let mut files = report.files();
    let json = |v: &serde_json::Value| serde_json::to_string_pretty(v).map_err(anyhow::Error::from);
    files.push(("metrics.json".into(), json(&metrics_json(inputs))?));
    let summary = serde_json::json!({
        "dataset": m.name,
        "year": m.base_year,
        "stages": stage_summary(m, m.base_year),
    });
    files.push(("summary.json".into(), json(&summary)?));
    critmin_report::html::write_files(dir, &files)
        .with_context(|| format!("cannot write the report to {}", dir.display()))
        .map_err(CliError::Runtime)?;
    Ok(())
}
