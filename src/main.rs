//! `kczg-form`: with no arguments the GUI, with a subcommand the headless CLI.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    say_output_failures_in_chinese();
    few_malloc_arenas();
    match cli::parse() {
        Ok(args) => cli::run(args),
        Err(code) => code,
    }
}

/// `println!` panics when standard output cannot be written (`> /dev/full`, a full disk): that
/// one failure is said in Chinese and ends the program with exit 2, instead of an English panic
/// with a backtrace. Every other panic keeps the default report.
fn say_output_failures_in_chinese() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") {
            eprintln!(
                "错误：无法写出到标准输出（磁盘已满，或输出被重定向到了无法写入的位置）。请检查输出的去向后重试。"
            );
            std::process::exit(2);
        }
        default(info);
    }));
}

/// glibc gives each thread its own malloc arena and keeps what was freed in it: with one
/// worker per core, a few large files read in turn would hold their peak once per core.
/// Two arenas keep memory near what the files read at once need (see `consolidate::scan`).
fn few_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a tuning parameter; it is called before any other thread starts.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}
