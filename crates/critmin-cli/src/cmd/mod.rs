//! The command-line interface: argument definitions and one function per
//! command.

mod assess;
mod bench;
mod data;
mod library;
mod metrics;
mod montecarlo;
mod optimize;
mod simulate;
mod targets;

use clap::{Args, Parser, Subcommand, ValueEnum};
use critmin_data::LoadError;
use critmin_model::Model;
use std::path::PathBuf;

/// Rare-earth supply-security analysis: model the chain from mine to magnet,
/// measure dependency, simulate disruptions.
#[derive(Parser, Debug)]
#[command(name = "critmin", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Inspect and check datasets.
    #[command(subcommand)]
    Data(DataCommand),
    /// The main job: load, validate and summarise the dataset.
    Assess(AssessArgs),
    /// Concentration by stage and exposure by country or group for a year.
    Metrics(metrics::MetricsArgs),
    /// The partnership scorecard: each target per year to 2035, its status
    /// and the gap to the goal.
    Targets(targets::TargetsArgs),
    /// Run a disruption scenario month by month.
    Simulate(simulate::SimulateArgs),
    /// Optimise with HiGHS: the fund's project portfolio (MILP) or the
    /// partners' stockpiles (LP).
    #[command(subcommand)]
    Optimize(optimize::OptimizeCommand),
    /// Run thousands of futures of a scenario's risks (Monte Carlo).
    Montecarlo(montecarlo::MonteCarloArgs),
    /// Time the Monte Carlo engine: futures × months per second.
    Bench(bench::BenchArgs),
}

#[derive(Subcommand, Debug)]
enum DataCommand {
    /// Check a dataset and report every problem as `file:line: field: message`
    /// (exit status 2 if there is any).
    Validate(DataArgs),
    /// World capacity, output and country shares per stage and element.
    Summary(SummaryArgs),
}

#[derive(Args, Debug)]
pub(crate) struct DataArgs {
    /// Dataset directory (default: the built-in 2024 baseline).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Table,
    Json,
}

#[derive(Args, Debug)]
pub(crate) struct SummaryArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Year (default: the dataset's base year).
    #[arg(long)]
    pub year: Option<i32>,
}

#[derive(Args, Debug)]
pub(crate) struct AssessArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub projection: metrics::ProjectionArgs,
    /// Directory for the outputs.
    #[arg(long, value_name = "DIR", default_value = "out")]
    pub out: PathBuf,
    /// Futures in the report's Monte Carlo risk section.
    #[arg(long, default_value_t = 1000)]
    pub risk_runs: usize,
}

/// An error at the edge, with the exit status it maps to.
pub enum CliError {
    /// A dataset or scenario with problems: exit status 2.
    Invalid(LoadError),
    /// Anything else that went wrong: exit status 1.
    Runtime(anyhow::Error),
    /// A bad argument the parser could not catch (an unknown group or
    /// growth path, a year out of range): exit status 2.
    Usage(String),
    /// An input file (scenario, plan) with problems, each listed: exit
    /// status 2.
    InvalidFile(String, Vec<critmin_data::Diagnostic>),
}

impl From<anyhow::Error> for CliError {
    fn from(e: anyhow::Error) -> Self {
        CliError::Runtime(e)
    }
}

impl CliError {
    /// Prints the error to stderr.
    pub fn report(&self) {
        match self {
            CliError::Invalid(e) => {
                for d in e.diagnostics() {
                    eprintln!("{d}");
                }
                eprintln!("error: {e}");
            }
            CliError::Runtime(e) => eprintln!("error: {e:#}"),
            CliError::Usage(m) => eprintln!("error: {m}"),
            CliError::InvalidFile(file, diags) => {
                for d in diags {
                    eprintln!("{d}");
                }
                eprintln!("error: `{file}` has {} problem(s)", diags.len());
            }
        }
    }

    /// The process exit status.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Invalid(_) => 2,
            CliError::Runtime(_) => 1,
            CliError::Usage(_) | CliError::InvalidFile(..) => 2,
        }
    }
}

pub(crate) type Result<T = ()> = std::result::Result<T, CliError>;

/// Runs the parsed command.
pub fn run(cli: Cli) -> Result {
    match cli.command {
        Command::Data(DataCommand::Validate(a)) => data::validate(&a),
        Command::Data(DataCommand::Summary(a)) => data::summary(&a),
        Command::Assess(a) => assess::assess(&a),
        Command::Metrics(a) => metrics::metrics(&a),
        Command::Targets(a) => targets::targets(&a),
        Command::Simulate(a) => simulate::simulate(&a),
        Command::Optimize(c) => optimize::optimize(&c),
        Command::Montecarlo(a) => montecarlo::montecarlo(&a),
        Command::Bench(a) => bench::bench(&a),
    }
}

pub(crate) fn load(args: &DataArgs) -> Result<Model> {
    match &args.data {
        Some(dir) => critmin_data::load_dir(dir).map_err(|e| match e {
            LoadError::Unreadable { .. } => CliError::Runtime(anyhow::anyhow!("{e}")),
            e => CliError::Invalid(e),
        }),
        None => critmin_data::try_baseline().map_err(CliError::Invalid),
    }
}

pub(crate) fn dataset_label(args: &DataArgs) -> String {
    args.data.as_ref().map_or_else(
        || "built-in baseline".to_string(),
        |d| d.display().to_string(),
    )
}
