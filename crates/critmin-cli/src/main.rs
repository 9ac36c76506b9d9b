//! `critmin`: rare-earth supply-security analysis from the command line.
//!
//! The binary only parses arguments, dispatches to the library crates and
//! prints their results; it holds no analysis of its own.
//!
//! Exit status:
//! - 0: success;
//! - 1: an error while running (an output file could not be written …);
//! - 2: invalid input — a dataset or scenario with problems (each printed as
//!   `file:line: field: what is wrong`) or bad command-line arguments.

mod cmd;
mod output;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cmd::Cli::parse();
    match cmd::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            e.report();
            ExitCode::from(e.exit_code())
        }
    }
}
