//! `critmin`: rare-earth supply-security analysis from the command line.
//!
//! The binary only parses arguments, turns them into `critmin-app`
//! requests and renders the responses; it holds no analysis of its own.
//!
//! Exit status:
//! - 0: success (also when standard output is closed early, as by `head`);
//! - 1: an error while running (an output file could not be written, the
//!   solver failed …);
//! - 2: invalid input — a dataset, scenario or plan with problems (each
//!   printed as `file:line: field: what is wrong`), a missing input file,
//!   or bad command-line arguments;
//! - 130: cancelled.

mod cmd;
mod output;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let invocation = std::env::args().collect::<Vec<_>>().join(" ");
    let cli = cmd::Cli::parse();
    match cmd::run(cli, invocation) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            e.report();
            ExitCode::from(e.exit_code())
        }
    }
}
