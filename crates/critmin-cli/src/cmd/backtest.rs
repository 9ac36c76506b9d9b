//! `critmin backtest SCENARIO --observed FILE.csv`: run a historical
//! scenario and compare its series with observed ones.

use super::{Format, Result, print_json, warn};
use crate::output::{Out, TextTable};
use clap::Args;
use critmin_app::ops::backtest::{BacktestRequest, BacktestResponse};
use critmin_app::{Context, ScenarioRef};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub(crate) struct BacktestArgs {
    /// A scenario file (TOML) or the name of a built-in scenario; a
    /// historical replay names its own dataset.
    scenario: PathBuf,
    /// Observed series (CSV: series, month, value; see docs/backtest.md).
    #[arg(long, value_name = "FILE")]
    observed: PathBuf,
    /// Dataset directory (default: the scenario's `dataset`, else the
    /// built-in baseline).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Also write report.html (the backtest section with both curves),
    /// backtest.json and the CSV table into this directory.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

pub(crate) fn backtest(args: &BacktestArgs, ctx: &Context, out: &mut Out) -> Result {
    let req = BacktestRequest {
        scenario: ScenarioRef::from_arg(&args.scenario),
        dataset: args
            .data
            .as_deref()
            .map(|d| critmin_app::DatasetRef::Dir(d.to_path_buf())),
        observed: args.observed.clone(),
    };
    let env = critmin_app::ops::backtest::backtest(&req, ctx)?;
    warn(&env);
    if let Some(dir) = &args.out {
        let data = super::DataArgs {
            data: args.data.clone(),
        };
        super::write_out(dir, &critmin_app::ops::backtest::files(&env)?, &data)?;
    }
    match args.format {
        Format::Table => out.write(&table(&env.result)),
        Format::Json => print_json(&env, out),
    }
}

fn table(r: &BacktestResponse) -> String {
    let mut s = format!(
        "{} — {} months from {}: simulated against observed\n\n",
        r.scenario, r.horizon_months, r.start
    );
    let mut t = TextTable::new(
        &[
            "series",
            "unit",
            "obs",
            "mean |ln ratio|",
            "bias",
            "peak ratio",
            "peak month error",
            "turning points",
        ],
        &[false, false, true, true, true, true, true, true],
    );
    for f in &r.series {
        t.row(vec![
            f.series.clone(),
            f.unit.clone(),
            f.observations.to_string(),
            format!("{:.2}", f.log_ratio_mean_abs),
            format!("{:+.2}", f.log_ratio_bias),
            format!("{:.2}", f.peak_ratio),
            format!("{:+}", f.peak_month_error),
            format!(
                "{} of {}",
                f.turning_points_matched, f.turning_points_observed
            ),
        ]);
    }
    s.push_str(&t.render());
    if r.outside_run > 0 {
        s.push_str(&format!(
            "\n{} observation(s) fall outside the run's months and were not compared\n",
            r.outside_run
        ));
    }
    s
}
