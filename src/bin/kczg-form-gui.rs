//! `kczg-form-gui`: the same program as `kczg-form`, built for the Windows subsystem so that
//! no console window opens behind the app when the Start menu or a file association starts it
//! (`kczg-form-gui.exe 申报表.docx`). Elsewhere it is simply the same program again.
#![cfg_attr(windows, windows_subsystem = "windows")]

#[path = "../cli/mod.rs"]
mod cli;

/// Errors that end it before the window opens are shown in a message box as well: this
/// program has no console.
fn main() -> std::process::ExitCode {
    cli::main_windowed()
}
