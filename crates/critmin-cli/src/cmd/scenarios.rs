//! `critmin scenarios list|show|export`: the built-in scenario library.

use super::{Format, Result, print_json};
use crate::output::{Out, TextTable};
use clap::{Args, Subcommand};
use critmin_app::Context;
use critmin_app::ops::scenarios::{ExportRequest, ShowRequest};
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub(crate) enum ScenariosCommand {
    /// The built-in scenarios, with what each one is.
    List(ListArgs),
    /// One built-in scenario's TOML (copy it to edit).
    Show(ShowArgs),
    /// Write every built-in scenario file into a new or empty directory.
    Export(ExportArgs),
}

#[derive(Args, Debug)]
pub(crate) struct ListArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Args, Debug)]
pub(crate) struct ShowArgs {
    /// The scenario's name (`critmin scenarios list`).
    name: String,
}

#[derive(Args, Debug)]
pub(crate) struct ExportArgs {
    /// The directory to write (new, or empty).
    dir: PathBuf,
}

pub(crate) fn scenarios(cmd: &ScenariosCommand, ctx: &Context, out: &mut Out) -> Result {
    match cmd {
        ScenariosCommand::List(a) => {
            let env = critmin_app::ops::scenarios::list(ctx)?;
            if a.format == Format::Json {
                return print_json(&env, out);
            }
            let mut t = TextTable::new(
                &["name", "start", "months", "events", "risks", "description"],
                &[false, false, true, true, true, false],
            );
            for s in &env.result.scenarios {
                let d: String = s.description.chars().take(70).collect();
                let more = if s.description.chars().count() > 70 {
                    "…"
                } else {
                    ""
                };
                t.row(vec![
                    s.name.clone(),
                    s.start.to_string(),
                    s.horizon_months.to_string(),
                    s.events.to_string(),
                    s.risks.to_string(),
                    format!("{d}{more}"),
                ]);
            }
            out.write(&t.render())?;
            out.line("\nRun one with `critmin simulate NAME` (risks: `critmin montecarlo NAME`).")
        }
        ScenariosCommand::Show(a) => {
            let env = critmin_app::ops::scenarios::show(
                &ShowRequest {
                    name: a.name.clone(),
                },
                ctx,
            )?;
            out.write(&env.result.text)
        }
        ScenariosCommand::Export(a) => {
            let env =
                critmin_app::ops::scenarios::export(&ExportRequest { dir: a.dir.clone() }, ctx)?;
            out.line(&format!(
                "wrote {} into {}",
                env.result.files.join(", "),
                env.result.dir.display()
            ))
        }
    }
}
