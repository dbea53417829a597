//! `kczg-form`: with no arguments the GUI (to come), with a subcommand the headless CLI.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::parse() {
        Ok(args) => cli::run(args),
        Err(code) => code,
    }
}
