//! Consolidating 1,000 exported .docx into the .xlsx summary. Targets (product.md §8): under 5 s
//! and under 500 MB resident on the 2-core reference machine, and at least 5× faster than
//! python-docx + openpyxl doing the same, side by side in the same run.
//!
//! `cargo bench --bench consolidate` (needs python3 with python-docx and openpyxl, and
//! /usr/bin/time for the peak memory):
//!
//! 1. exports 1,000 distinct forms (the ten fixtures × 100 variants, each with its own name and
//!    USCC) into a temporary folder, in parallel; `KCZG_BENCH_KEEP=DIR` keeps them in DIR;
//! 2. times the library in this process: `scan` + `rows` + `xlsx` (3 runs, median);
//! 3. runs the release binary `kczg-form consolidate DIR -o OUT.xlsx` under `/usr/bin/time -v`
//!    3 times: wall time (median) and peak resident memory (maximum);
//! 4. runs `bench/python_consolidate.py DIR OUT.xlsx` the same way, once, and prints the ratio.
//!
//! See bench/README.md for the numbers measured on this project's machine.
#![allow(clippy::disallowed_methods)] // tests set up their files directly

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use kczg_form::consolidate;
use kczg_form::docx::{ExportOptions, export};
use kczg_form::{Definitions, Draft};
use rayon::prelude::*;

const FILES: usize = 1000;
const RUNS: usize = 3;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 11, 15).unwrap()
}

/// A valid USCC with the given first 8 characters and organisation number `n`.
fn uscc(prefix8: &str, n: u32) -> String {
    const ALPHA: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    let body = format!("{n:08}");
    let sum: u32 = body
        .chars()
        .zip([3, 7, 9, 10, 5, 8, 4, 2])
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    let org_check = match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        d => char::from_digit(d, 10).unwrap(),
    };
    let first17 = format!("{prefix8}{body}{org_check}");
    let weights = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let sum: u32 = first17
        .chars()
        .zip(weights)
        .map(|(c, w)| ALPHA.find(c).unwrap() as u32 * w)
        .sum();
    let check = ALPHA.chars().nth(((31 - sum % 31) % 31) as usize).unwrap();
    format!("{first17}{check}")
}

fn fixtures() -> Vec<(String, Draft)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| {
            let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
            (stem, Draft::from_slice(&std::fs::read(p).unwrap()).unwrap())
        })
        .collect()
}

/// `n` exported 先导技术榜 forms behind four holders (a university putting forward thousands of
/// technologies under one code), each technology named apart but every hundredth sent twice.
fn corpus_of_holders(defs: &Definitions, root: &Path, n: usize) {
    let bases: Vec<(String, Draft)> = fixtures()
        .into_iter()
        .filter(|(_, d)| d.list == "leading_tech")
        .collect();
    let codes: Vec<String> = (0..4).map(|h| uscc("52420100", 20_000_000 + h)).collect();
    (0..n).into_par_iter().for_each(|i| {
        let (stem, base) = &bases[i % bases.len()];
        let form = defs.form(&base.list).unwrap();
        let mut d = base.clone();
        let name = d.text(&form.name_field).unwrap().to_owned();
        let k = if i % 100 == 99 { i - 1 } else { i };
        d.values.insert(
            form.name_field.clone(),
            format!("{name}（{k:05}号）").into(),
        );
        d.values
            .insert("holder_uscc".into(), codes[i % codes.len()].clone().into());
        let options = ExportOptions {
            preview: true,
            today: today(),
        };
        let bytes = export(defs, form, &d, options).unwrap();
        let path = root.join(format!("{stem}-{i:05}.docx"));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    });
}

/// `KCZG_BENCH_SCALE=N`: `kczg-form consolidate` of N forms with distinct codes and of N behind
/// four holders, and of 1,000 of each, to see it grow linearly (issue 13: 10,000 under 10 s and
/// 500 MB).
fn scale(defs: &Definitions, root: &Path, n: usize) -> bool {
    let mut ok = true;
    for (what, make) in [
        (
            "distinct codes",
            corpus_sized as fn(&Definitions, &Path, usize),
        ),
        ("four holders", corpus_of_holders),
    ] {
        for size in [1000, n] {
            let dir = root.join(format!("scale-{}-{size}", what.replace(' ', "-")));
            make(defs, &dir, size);
            let mut c = Command::new(env!("CARGO_BIN_EXE_kczg-form"));
            c.arg("consolidate")
                .arg(&dir)
                .arg("-o")
                .arg(root.join("scale.xlsx"));
            let Some((wall, rss)) = timed(c) else {
                return false;
            };
            println!(
                "{size} forms, {what}: kczg-form consolidate {:.2} s, peak RSS {:.0} MB",
                wall.as_secs_f64(),
                rss as f64 / 1024.0
            );
            if size == n {
                ok &= wall < Duration::from_secs(10) && rss < 500 * 1024;
            }
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
    ok
}

/// The corpus: 1,000 exported forms, one folder per list.
fn corpus(defs: &Definitions, root: &Path) {
    corpus_sized(defs, root, FILES);
}

/// `files` exported forms (the fixtures × variants), each with its own name and code.
fn corpus_sized(defs: &Definitions, root: &Path, files: usize) {
    let bases = fixtures();
    let per = files / bases.len();
    (0..files).into_par_iter().for_each(|i| {
        let (f, k) = (i / per, i % per);
        let (stem, base) = &bases[f];
        let form = defs.form(&base.list).unwrap();
        let mut d = base.clone();
        let name = d.text(&form.name_field).unwrap().to_owned();
        d.values.insert(
            form.name_field.clone(),
            format!("{name}（{k:05}号）").into(),
        );
        for field in ["holder_uscc", "ent_uscc", "org_uscc"] {
            if let Some(old) = d.text(field).map(str::to_owned) {
                let code = uscc(&old[..8], 10_000_000 + (f * per + k) as u32);
                d.values.insert(field.into(), code.into());
            }
        }
        let options = ExportOptions {
            preview: true,
            today: today(),
        };
        let bytes = export(defs, form, &d, options).unwrap();
        let path = root.join(&d.list).join(format!("{stem}-{k:05}.docx"));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    });
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

/// Runs a command under `/usr/bin/time -v`: wall time and peak resident set size (KB).
fn timed(mut command: Command) -> Option<(Duration, u64)> {
    let time = Path::new("/usr/bin/time");
    let start = Instant::now();
    let output = if time.exists() {
        let program = command.get_program().to_owned();
        let args: Vec<_> = command.get_args().map(|a| a.to_owned()).collect();
        Command::new(time)
            .arg("-v")
            .arg(program)
            .args(args)
            .output()
    } else {
        command.output()
    }
    .ok()?;
    let wall = start.elapsed();
    if !output.status.success() {
        eprintln!(
            "command failed: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        return None;
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let rss = stderr
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    Some((wall, rss))
}

fn main() -> ExitCode {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing: only build then.
    if !std::env::args().any(|a| a == "--bench") {
        return ExitCode::SUCCESS;
    }
    let defs = Definitions::embedded();
    let temp = tempfile::tempdir().unwrap();
    let root = match std::env::var_os("KCZG_BENCH_KEEP") {
        Some(dir) => PathBuf::from(dir),
        None => temp.path().to_owned(),
    };
    if let Some(n) = std::env::var("KCZG_BENCH_SCALE")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        return if scale(&defs, &root, n) {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        };
    }
    let input = root.join("docx");
    let started = Instant::now();
    corpus(&defs, &input);
    let bytes: u64 = walk_size(&input);
    println!(
        "corpus: {FILES} exported .docx, {:.1} MB, made in {:.1} s",
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );

    // In process: the library's own time.
    let mut lib = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let batch = consolidate::scan_on(&defs, std::slice::from_ref(&input), today(), &|_, _| {});
        assert_eq!(batch.submissions.len(), FILES, "{:#?}", batch.problems);
        let desk = consolidate::Desk::from_batch(batch);
        let rows = consolidate::rows(&defs, &desk);
        let xlsx = consolidate::xlsx(&defs, &desk, &rows).unwrap().bytes;
        std::hint::black_box(xlsx);
        lib.push(t.elapsed());
    }
    println!(
        "library scan + rows + xlsx (median of {RUNS}): {:.2} s",
        median(lib).as_secs_f64()
    );

    // The command line, as a clerk runs it.
    let ours_out = root.join("ours.xlsx");
    let mut walls = Vec::new();
    let mut peak = 0;
    for _ in 0..RUNS {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kczg-form"));
        c.arg("consolidate").arg(&input).arg("-o").arg(&ours_out);
        let Some((wall, rss)) = timed(c) else {
            return ExitCode::FAILURE;
        };
        walls.push(wall);
        peak = peak.max(rss);
    }
    let ours = median(walls);
    println!(
        "kczg-form consolidate (median of {RUNS}): {:.2} s, peak RSS {:.0} MB",
        ours.as_secs_f64(),
        peak as f64 / 1024.0
    );

    // python-docx + openpyxl, the same folder.
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/python_consolidate.py");
    let mut c = Command::new("python3");
    c.arg(&script).arg(&input).arg(root.join("python.xlsx"));
    match timed(c) {
        Some((wall, rss)) => {
            println!(
                "python-docx + openpyxl: {:.2} s, peak RSS {:.0} MB",
                wall.as_secs_f64(),
                rss as f64 / 1024.0
            );
            println!(
                "ratio: {:.1}× (goal ≥ 30×, issue 12; product.md ≥ 5×)",
                wall.as_secs_f64() / ours.as_secs_f64()
            );
        }
        None => println!("python side failed or python3 with python-docx and openpyxl missing"),
    }
    let ok = ours < Duration::from_secs(5) && peak < 500 * 1024;
    println!(
        "targets: under 5 s {}, under 500 MB {}",
        if ours < Duration::from_secs(5) {
            "✓"
        } else {
            "✗"
        },
        if peak < 500 * 1024 { "✓" } else { "✗" }
    );
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn walk_size(dir: &Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        total += if p.is_dir() {
            walk_size(&p)
        } else {
            entry.metadata().map(|m| m.len()).unwrap_or(0)
        };
    }
    total
}
