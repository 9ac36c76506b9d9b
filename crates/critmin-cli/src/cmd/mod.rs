//! The command-line interface: argument definitions, one function per
//! command that turns its arguments into a `critmin-app` request, calls the
//! one application function for it and renders the response.

mod admin;
mod assess;
mod backtest;
mod bench;
mod data;
mod intel;
mod metrics;
mod montecarlo;
mod optimize;
mod scenarios;
mod simulate;
mod targets;

use crate::output::Out;
use clap::{Args, Parser, Subcommand, ValueEnum};
use critmin_app::{AppError, Context, Envelope};
use std::path::PathBuf;

/// critmin: rare-earth supply security, from mine to magnet.
///
/// critmin models the rare-earth chain (mine → separation → metal/alloy →
/// magnet → end use) element by element and facility by facility on a
/// sourced 2024 baseline that ships inside it; measures dependency,
/// concentration and the partnership's targets; simulates disruptions
/// month by month; runs thousands of uncertain futures; and chooses the
/// joint fund's projects and the partners' stockpiles with the HiGHS
/// solver, checking each answer by simulation.
///
/// Start with `critmin assess` (writes out/report.html), `critmin scenarios
/// list` and `critmin simulate china-total-ban-12m`. Every command reads
/// the built-in dataset unless `--data DIR` names another (`critmin data
/// export DIR` writes the built-in one to edit).
///
/// Exit status: 0 success, 1 runtime error, 2 invalid input, 130 cancelled
/// (Ctrl-C: the running operation stops and writes nothing).
#[derive(Parser, Debug)]
#[command(
    name = "critmin",
    version,
    about,
    long_about,
    allow_negative_numbers = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// The main job: metrics, scorecard, scenario library, risk and
    /// optimisation in one report (DIR/report.html, JSON, CSV).
    Assess(AssessArgs),
    /// Concentration by stage, exposure by country or group and
    /// supply-risk scores for a year.
    Metrics(metrics::MetricsArgs),
    /// The partnership scorecard: each target per year to 2035, its status
    /// and the gap to the goal.
    Targets(targets::TargetsArgs),
    /// Run a scenario (a file or a built-in name) month by month.
    Simulate(simulate::SimulateArgs),
    /// Compare a (historical) scenario's run with observed series: the
    /// log-ratio error, peak ratio, peak month error and turning points of
    /// each series.
    Backtest(backtest::BacktestArgs),
    /// Run thousands of futures of a scenario's risks (Monte Carlo).
    Montecarlo(montecarlo::MonteCarloArgs),
    /// Choose the fund's projects (MILP) or the partners' stockpiles (LP)
    /// with HiGHS, checked by simulation.
    #[command(subcommand)]
    Optimize(optimize::OptimizeCommand),
    /// The built-in scenario library: list, show, export.
    #[command(subcommand)]
    Scenarios(scenarios::ScenariosCommand),
    /// Check, summarise or export a dataset.
    #[command(subcommand)]
    Data(DataCommand),
    /// Time the Monte Carlo engine: futures × months per second.
    Bench(bench::BenchArgs),
    /// Intelligence: ingest feeds into the event store, search and assess
    /// events, alert rules and alerts, export for partners (STIX, MISP).
    #[command(subcommand)]
    Intel(intel::IntelCommand),
    /// The partner workspace's organisations, users and API tokens.
    #[command(subcommand)]
    Admin(admin::AdminCommand),
    /// Serve the partner workspace: the REST API under /api/v1 (OpenAPI at
    /// /api/v1/openapi.json) over the store, until SIGTERM or Ctrl-C.
    Serve(ServeArgs),
}

#[derive(Args, Debug)]
pub(crate) struct ServeArgs {
    /// Address to listen on (a port of 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: std::net::SocketAddr,
    /// The store (default: $XDG_DATA_HOME/critmin/intel.db, else
    /// ~/.local/share/critmin/intel.db).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Behind a TLS-terminating proxy: Secure cookies and HSTS.
    #[arg(long)]
    pub behind_tls: bool,
}

#[derive(Subcommand, Debug)]
enum DataCommand {
    /// Check a dataset and report every problem as `file:line: field:
    /// message` (exit status 2 if there is any).
    Validate(DataArgs),
    /// World capacity, output and country shares per stage and element.
    Summary(data::SummaryArgs),
    /// Write the built-in dataset into a new or empty directory to edit;
    /// `--data DIR` then reads it.
    Export(data::ExportArgs),
}

#[derive(Args, Debug, Clone)]
pub(crate) struct DataArgs {
    /// Dataset directory (default: the built-in 2024 baseline).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
}

impl DataArgs {
    pub(crate) fn dataset(&self) -> critmin_app::DatasetRef {
        critmin_app::DatasetRef::from_option(self.data.as_deref())
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Table,
    Json,
}

#[derive(Args, Debug)]
pub(crate) struct AssessArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub projection: metrics::ProjectionArgs,
    /// Directory for the outputs (replaced as a whole when complete).
    #[arg(long, value_name = "DIR", default_value = "out")]
    pub out: PathBuf,
    /// Futures in the report's Monte Carlo risk section (0 leaves it out).
    #[arg(long, default_value_t = critmin_app::ops::assess::AssessRequest::default().risk_runs)]
    pub risk_runs: usize,
    /// The intelligence section's events: `sample` (the built-in sample
    /// feed and rules), `none`, or the path of an intelligence store (read
    /// as it is).
    #[arg(long, value_name = "sample|none|DB", default_value = "sample")]
    pub intel: String,
}

/// An error at the edge, with the exit status it maps to.
pub enum CliError {
    /// What the application layer reported.
    App(AppError),
    /// Standard output was closed (`critmin metrics | head -1`): stop
    /// quietly with status 0.
    ClosedPipe,
    /// Writing to the terminal failed otherwise.
    Io(std::io::Error),
}

impl From<AppError> for CliError {
    fn from(e: AppError) -> Self {
        CliError::App(e)
    }
}

impl CliError {
    /// Prints the error to stderr.
    pub fn report(&self) {
        match self {
            CliError::App(AppError::Invalid { input, diagnostics }) => {
                for d in diagnostics {
                    eprintln!("{d}");
                }
                eprintln!("error: `{input}` has {} problem(s)", diagnostics.len());
            }
            CliError::App(e) => eprintln!("error: {e}"),
            CliError::ClosedPipe => {}
            CliError::Io(e) => eprintln!("error: cannot write the output: {e}"),
        }
    }

    /// The process exit status: 0 for a closed pipe, 2 for invalid input,
    /// 130 when cancelled, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::ClosedPipe => 0,
            CliError::App(AppError::Cancelled) => 130,
            CliError::App(e) if e.is_invalid_input() => 2,
            _ => 1,
        }
    }
}

pub(crate) type Result<T = ()> = std::result::Result<T, CliError>;

/// Runs the parsed command.
pub fn run(cli: Cli, invocation: String) -> Result {
    let mut out = Out::stdout();
    let ctx = Context {
        invocation: Some(invocation),
        ..Default::default()
    };
    on_interrupt(&ctx.cancel);
    match cli.command {
        Command::Intel(c) => intel::run(&c, &ctx, &mut out),
        Command::Admin(c) => admin::run(&c, &ctx, &mut out),
        Command::Serve(a) => critmin_server::run(critmin_server::Options {
            addr: a.addr,
            db: a.db,
            behind_tls: a.behind_tls,
            ..Default::default()
        })
        .map_err(|e| match e {
            critmin_server::ServeError::Store(e) => CliError::App(e),
            e => CliError::App(AppError::Internal(e.to_string())),
        }),
        Command::Data(DataCommand::Validate(a)) => data::validate(&a, &ctx, &mut out),
        Command::Data(DataCommand::Summary(a)) => data::summary(&a, &ctx, &mut out),
        Command::Data(DataCommand::Export(a)) => data::export(&a, &ctx, &mut out),
        Command::Assess(a) => assess::assess(&a, &ctx, &mut out),
        Command::Metrics(a) => metrics::metrics(&a, &ctx, &mut out),
        Command::Targets(a) => targets::targets(&a, &ctx, &mut out),
        Command::Simulate(a) => simulate::simulate(&a, &ctx, &mut out),
        Command::Backtest(a) => backtest::backtest(&a, &ctx, &mut out),
        Command::Optimize(c) => optimize::optimize(&c, &ctx, &mut out),
        Command::Montecarlo(a) => montecarlo::montecarlo(&a, &ctx, &mut out),
        Command::Scenarios(c) => scenarios::scenarios(&c, &ctx, &mut out),
        Command::Bench(a) => bench::bench(&a, &ctx, &mut out),
    }
}

/// Ctrl-C cancels the running operation through its token: a Monte Carlo
/// stops within one future per thread, nothing is written, and the exit
/// status is 130. A second Ctrl-C ends the process at once. If the handler
/// cannot be installed, Ctrl-C keeps its default effect (the process ends).
fn on_interrupt(cancel: &critmin_app::CancelToken) {
    let cancel = cancel.clone();
    let _ = ctrlc::set_handler(move || {
        if cancel.is_cancelled() {
            std::process::exit(130);
        }
        eprintln!("cancelling (Ctrl-C again to stop at once)");
        cancel.cancel();
    });
}

/// Prints an envelope's warnings on stderr.
pub(crate) fn warn<T>(env: &Envelope<T>) {
    for w in &env.warnings {
        eprintln!("warning: {w}");
    }
}

/// The envelope as JSON on stdout.
pub(crate) fn print_json<T: serde::Serialize>(env: &Envelope<T>, out: &mut Out) -> Result {
    out.write(&critmin_app::to_json(env)?)
}

/// Writes output files into `dir` (all or nothing), refusing the dataset
/// directory, and says so on stderr.
pub(crate) fn write_out(
    dir: &std::path::Path,
    files: &[critmin_app::output::OutputFile],
    data: &DataArgs,
) -> Result {
    let protect: Vec<&std::path::Path> = data.data.as_deref().into_iter().collect();
    critmin_app::output::write_dir(dir, files, &protect)?;
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    eprintln!("wrote {} into {}", names.join(", "), dir.display());
    Ok(())
}
