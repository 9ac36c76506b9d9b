//! A dataset at the documented input bounds (`critmin_model::limits`) is
//! valid, so every operation must handle it: it loads, the simulator keeps
//! its mass balance within the stated relative tolerance, and both
//! optimisers solve (or say the goal is infeasible) — never an internal
//! error, which the CLI would turn into exit 1.
//!
//! Two datasets are built from the exported baseline: every capacity,
//! demand row and stockpile at `MAX_TONNES` with no growth; and every
//! capacity trend and demand growth rule at `MAX_GROWTH_PCT`, with the base
//! quantities scaled so that the grown ones come as close to
//! `MAX_GROWN_TONNES` as the rules' span allows.

use critmin_app::ops::optimize::{PortfolioRequest, StockpileRequest, portfolio, stockpile};
use critmin_app::ops::simulate::{SimulateRequest, simulate};
use critmin_app::{AppError, Context, DatasetRef, ScenarioRef};
use critmin_model::limits::{MAX_GROWN_TONNES, MAX_GROWTH_PCT, MAX_TONNES};
use std::path::Path;

/// Splits one CSV line into fields, keeping quoted fields (with their
/// quotes) intact so the line can be joined back unchanged.
fn split(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    for ch in line.chars() {
        match ch {
            '"' => {
                quoted = !quoted;
                out.last_mut().unwrap().push(ch);
            }
            ',' if !quoted => out.push(String::new()),
            _ => out.last_mut().unwrap().push(ch),
        }
    }
    out
}

/// Rewrites `column` of every data row of `dir/file` with `value(old)`
/// (`None` keeps the old value).
fn rewrite(dir: &Path, file: &str, column: &str, value: &dyn Fn(&str) -> Option<String>) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let k = split(header)
        .iter()
        .position(|h| h == column)
        .unwrap_or_else(|| panic!("{file} has no column {column}"));
    let mut out = format!("{header}\n");
    for line in lines {
        let mut f = split(line);
        if let Some(v) = value(&f[k]) {
            f[k] = v;
        }
        out.push_str(&f.join(","));
        out.push('\n');
    }
    std::fs::write(&path, out).unwrap();
}

fn set_nonempty(v: f64) -> impl Fn(&str) -> Option<String> {
    move |old: &str| (!old.trim().is_empty()).then(|| format!("{v}"))
}

/// The first and last year any growth rule of the exported baseline
/// covers.
fn growth_years(dir: &Path) -> (i32, i32) {
    let mut years = (i32::MAX, i32::MIN);
    for file in ["capacity_trends.csv", "growth.csv"] {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let mut lines = text.lines();
        let header = split(lines.next().unwrap());
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        let (from, to) = (col("from_year"), col("to_year"));
        for line in lines {
            let f = split(line);
            years.0 = years.0.min(f[from].parse().unwrap());
            years.1 = years.1.max(f[to].parse().unwrap());
        }
    }
    years
}

/// The baseline with every quantity at `quantity_t(growth factor)` and
/// every growth rule at `growth_pct`, where the growth factor is the
/// largest that rate can compound to over the years the rules cover.
fn dataset(dir: &Path, growth_pct: f64, quantity_t: &dyn Fn(f64) -> f64) -> DatasetRef {
    critmin_data::export_baseline(dir).expect("export the baseline");
    let (from, to) = growth_years(dir);
    let q = quantity_t((1.0 + growth_pct / 100.0).powi(to - from + 1));
    rewrite(dir, "facilities.csv", "capacity_t_per_yr", &set_nonempty(q));
    rewrite(dir, "demand.csv", "t_per_yr", &set_nonempty(q));
    rewrite(dir, "stockpiles.csv", "tonnes", &set_nonempty(q));
    for file in ["capacity_trends.csv", "growth.csv"] {
        rewrite(dir, file, "annual_growth_pct", &set_nonempty(growth_pct));
    }
    DatasetRef::Dir(dir.to_path_buf())
}

/// Every operation that computes on the chain, on `data`.
fn exercise(data: &DatasetRef, what: &str) {
    let ctx = Context {
        threads: Some(1),
        ..Context::default()
    };
    for name in ["baseline", "china-total-ban-12m"] {
        let r = simulate(
            &SimulateRequest {
                scenario: ScenarioRef::Builtin(name.into()),
                dataset: Some(data.clone()),
                monthly: false,
                ..SimulateRequest::default()
            },
            &ctx,
        )
        .unwrap_or_else(|e| panic!("{what}: simulate {name}: {e:?}"));
        let ratio = r.result.summary.max_balance_error_ratio;
        assert!(
            ratio <= 1.0,
            "{what}: {name}: mass-balance error {ratio} × its tolerance"
        );
    }
    let p = portfolio(
        &PortfolioRequest {
            dataset: data.clone(),
            ..PortfolioRequest::default()
        },
        &ctx,
    );
    assert!(p.is_ok(), "{what}: portfolio: {:?}", p.err());
    for (months, share) in [(Some(12.0), None), (None, Some(0.05))] {
        let s = stockpile(
            &StockpileRequest {
                dataset: data.clone(),
                target_months: months,
                max_unmet_share: share,
                scenarios: vec![ScenarioRef::Builtin("china-total-ban-12m".into())],
                ..StockpileRequest::default()
            },
            &ctx,
        );
        match s {
            Ok(_) | Err(AppError::Infeasible(_)) => {}
            Err(e) => panic!("{what}: stockpile ({months:?}, {share:?}): {e:?}"),
        }
    }
}

#[test]
fn a_dataset_at_the_quantity_bound_solves_and_balances() {
    let dir = tempfile::tempdir().unwrap();
    let data = dataset(dir.path(), 0.0, &|_| MAX_TONNES);
    exercise(&data, "every quantity at MAX_TONNES");
}

#[test]
fn a_dataset_grown_to_the_grown_bound_solves_and_balances() {
    let dir = tempfile::tempdir().unwrap();
    let data = dataset(dir.path(), MAX_GROWTH_PCT, &|factor| {
        (MAX_GROWN_TONNES / factor).floor()
    });
    exercise(&data, "growth at MAX_GROWTH_PCT to MAX_GROWN_TONNES");
}
