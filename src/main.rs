//! `kczg-form`: with no arguments (or with files) the window, with a subcommand the headless
//! CLI. On Windows this is the console program (`kczg-form.exe`): its output and exit codes
//! reach cmd and PowerShell. The Start menu and file associations start `kczg-form-gui.exe`
//! (src/bin/kczg-form-gui.rs), the same program without a console window.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
