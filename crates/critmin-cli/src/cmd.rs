//! The command-line interface: argument definitions and one function per
//! command.

use crate::output::{TextTable, pct, tonnes};
use clap::{Args, Parser, Subcommand, ValueEnum};
use critmin_data::LoadError;
use critmin_metrics::{StageElementSummary, stage_summary};
use critmin_model::Model;
use std::path::{Path, PathBuf};

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
struct DataArgs {
    /// Dataset directory (default: the built-in 2024 baseline).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Table,
    Json,
}

#[derive(Args, Debug)]
struct SummaryArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Year (default: the dataset's base year).
    #[arg(long)]
    year: Option<i32>,
}

#[derive(Args, Debug)]
struct AssessArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Directory for the outputs.
    #[arg(long, value_name = "DIR", default_value = "out")]
    out: PathBuf,
}

/// An error at the edge, with the exit status it maps to.
pub enum CliError {
    /// A dataset or scenario with problems: exit status 2.
    Invalid(LoadError),
    /// Anything else that went wrong: exit status 1.
    Runtime(anyhow::Error),
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
        }
    }

    /// The process exit status.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Invalid(_) => 2,
            CliError::Runtime(_) => 1,
        }
    }
}

type Result<T = ()> = std::result::Result<T, CliError>;

/// Runs the parsed command.
pub fn run(cli: Cli) -> Result {
    match cli.command {
        Command::Data(DataCommand::Validate(a)) => validate(&a),
        Command::Data(DataCommand::Summary(a)) => summary(&a),
        Command::Assess(a) => assess(&a),
    }
}

fn load(args: &DataArgs) -> Result<Model> {
    match &args.data {
        Some(dir) => critmin_data::load_dir(dir).map_err(|e| match e {
            LoadError::Unreadable { .. } => CliError::Runtime(anyhow::anyhow!("{e}")),
            e => CliError::Invalid(e),
        }),
        None => critmin_data::try_baseline().map_err(CliError::Invalid),
    }
}

fn dataset_label(args: &DataArgs) -> String {
    args.data.as_ref().map_or_else(|| "built-in baseline".to_string(), |d| d.display().to_string())
}

fn validate(args: &DataArgs) -> Result {
    let m = load(args)?;
    println!(
        "{}: valid — {} sources, {} countries, {} facilities, {} demand rows, {} projects",
        dataset_label(args),
        m.sources.len(),
        m.countries.len(),
        m.facilities.len(),
        m.demand.len(),
        m.projects.len()
    );
    Ok(())
}

fn summary(args: &SummaryArgs) -> Result {
    let m = load(&args.data)?;
    let year = args.year.unwrap_or(m.base_year);
    let rows = stage_summary(&m, year);
    match args.format {
        Format::Json => {
            let doc = serde_json::json!({
                "dataset": m.name,
                "year": year,
                "stages": rows,
            });
            println!("{}", serde_json::to_string_pretty(&doc).map_err(anyhow::Error::from)?);
        }
        Format::Table => print!("{}", summary_table(&rows)),
    }
    Ok(())
}

/// The summary as a text table: one line per stage and element.
fn summary_table(rows: &[StageElementSummary]) -> String {
    let mut t = TextTable::new(
        &["stage", "element", "capacity t", "output t", "top countries (share of output)"],
        &[false, false, true, true, false],
    );
    for r in rows {
        let top: Vec<String> = r.shares.iter().take(4).map(|s| format!("{} {}", s.country, pct(s.share))).collect();
        let element = if r.element == critmin_metrics::TOTAL_REO && r.native_unit != "t REO" {
            format!("REO ({} {})", tonnes(r.world_output_native_t), r.native_unit.trim_start_matches("t "))
        } else {
            r.element.clone()
        };
        t.row(vec![
            r.stage.to_string(),
            element,
            tonnes(r.world_capacity_t),
            tonnes(r.world_output_t),
            top.join(", "),
        ]);
    }
    t.render()
}

fn assess(args: &AssessArgs) -> Result {
    let m = load(&args.data)?;
    println!("critmin assess — {} (base year {})", m.name, m.base_year);
    println!(
        "dataset valid: {} sources, {} facilities, {} demand rows, {} projects\n",
        m.sources.len(),
        m.facilities.len(),
        m.demand.len(),
        m.projects.len()
    );
    let rows = stage_summary(&m, m.base_year);
    let headline: Vec<StageElementSummary> = rows
        .iter()
        .filter(|r| r.element == critmin_metrics::TOTAL_REO || ["Nd", "Pr", "Dy", "Tb"].contains(&r.element.as_str()))
        .cloned()
        .collect();
    print!("{}", summary_table(&headline));
    write_outputs(&args.out, &m, &rows)?;
    println!("\nwrote {}", args.out.join("summary.json").display());
    Ok(())
}

fn write_outputs(dir: &Path, m: &Model, rows: &[StageElementSummary]) -> Result {
    use anyhow::Context;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create the output directory {}", dir.display()))?;
    let doc = serde_json::json!({ "dataset": m.name, "year": m.base_year, "stages": rows });
    let path = dir.join("summary.json");
    let text = serde_json::to_string_pretty(&doc).map_err(anyhow::Error::from)?;
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
