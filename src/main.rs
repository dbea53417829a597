//! `kczg-form`: with no arguments the GUI (to come), with a subcommand the headless CLI.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Args::parse();
    cli::run(args)
}
