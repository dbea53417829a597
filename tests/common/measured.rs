//! Running the command line under a watchdog, measuring its time and (with GNU `time -v`) its
//! peak memory: the limits every hostile input must stay within (product.md §8).

use std::ffi::OsStr;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use assert_cmd::Command;

/// Every hostile case must end within this (the cases take milliseconds).
pub const TIME_LIMIT: Duration = Duration::from_secs(10);
/// Peak resident memory of one command-line run on a hostile file.
pub const RSS_LIMIT_KB: u64 = 200 * 1024;
/// A run that has not ended after this is killed, so a hang fails the test instead of the suite.
pub const WATCHDOG: Duration = Duration::from_secs(300);

/// One run of the command line.
pub struct Run {
    /// None when killed (by the watchdog).
    pub code: Option<i32>,
    pub stdout: String,
    /// The program's own stderr, without the report of `time -v`.
    pub stderr: String,
    pub took: Duration,
    /// Peak resident memory in KB, when GNU `time -v` is available.
    pub peak_kb: Option<u64>,
}

/// GNU time and coreutils timeout, to measure peak memory of a child that cannot hang the suite.
pub fn measurable() -> bool {
    static OK: OnceLock<bool> = OnceLock::new();
    *OK.get_or_init(|| {
        std::process::Command::new("/usr/bin/time")
            .args(["-v", "timeout", "5", "true"])
            .output()
            .is_ok_and(|o| {
                o.status.success()
                    && String::from_utf8_lossy(&o.stderr).contains("Maximum resident set size")
            })
    })
}

pub fn cli<S: AsRef<OsStr>>(args: &[S]) -> Run {
    cli_within(args, WATCHDOG)
}

/// [`cli`] with its own watchdog.
pub fn cli_within<S: AsRef<OsStr>>(args: &[S], watchdog: Duration) -> Run {
    let mut command = if measurable() {
        // `time` reports the largest of its descendants, i.e. the program under `timeout`.
        let mut c = Command::new("/usr/bin/time");
        c.args(["-v", "timeout", "-s", "KILL"])
            .arg(watchdog.as_secs().to_string())
            .arg(env!("CARGO_BIN_EXE_kczg-form"));
        c
    } else {
        let mut c = Command::cargo_bin("kczg-form").unwrap();
        c.timeout(watchdog);
        c
    };
    command.args(args);
    let start = Instant::now();
    let out = command.output().unwrap();
    let took = start.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let (own, report) = match stderr.find("\tCommand being timed:") {
        Some(at) => (&stderr[..at], &stderr[at..]),
        None => (stderr.as_str(), ""),
    };
    let own: String = own
        .lines()
        .filter(|l| {
            !l.starts_with("Command exited with non-zero status")
                && !l.starts_with("Command terminated by signal")
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let peak_kb = report
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|n| n.trim().parse().ok());
    let mut code = out.status.code();
    let mut peak_kb = peak_kb;
    if measurable() && code == Some(137) {
        code = None; // killed by the watchdog; `time` then reports only `timeout` itself
        peak_kb = None;
    }
    Run {
        code,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: own,
        took,
        peak_kb,
    }
}

impl Run {
    pub fn log(&self, what: &str, command: &str) {
        let peak = self.peak_kb.map_or("unmeasured".to_owned(), |kb| {
            format!("{:.1} MB", kb as f64 / 1024.0)
        });
        eprintln!(
            "[{what}] cli {command}: exit {:?}, {:.2?}, peak RSS {peak}",
            self.code, self.took
        );
    }

    /// No panic, within the time and memory limits.
    pub fn assert_sound(&self, what: &str) {
        assert!(
            !self.stderr.contains("panicked"),
            "{what}: panic: {}",
            self.stderr
        );
        assert!(self.code.is_some(), "{what}: killed after {:?}", self.took);
        assert!(self.took < TIME_LIMIT, "{what}: took {:?}", self.took);
        if let Some(kb) = self.peak_kb {
            assert!(kb < RSS_LIMIT_KB, "{what}: peak RSS {kb} KB");
        }
    }
}
