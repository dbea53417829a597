//! Exporting a maximal form to .docx: every text at its limit, 200 rows in every table.
//! Target (product.md §8): under 50 ms on the 2-core reference machine, and at least 10× faster
//! than python-docx building the same document, measured side by side in the same run.
//!
//! `cargo bench --bench export` runs the criterion benchmarks, then the side-by-side comparison
//! with bench/python_docx_equivalent.py (needs python3 with python-docx: `pip install
//! python-docx`). See bench/README.md for the numbers measured on this project's machine.
#![allow(clippy::disallowed_methods)] // tests set up their files directly

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group};
use kczg_form::docx::{ExportOptions, export};
use kczg_form::rules::{field_visible, section_visible};
use kczg_form::schema::{Field, Role};
use kczg_form::{Definitions, Draft, Form, sample, validate};
use serde_json::{Value, json};

/// Rows in every table of the maximal form.
const ROWS: usize = 200;
/// Exports timed on our side of the comparison (after one warm-up export).
const OURS_RUNS: usize = 20;
/// Documents python-docx builds in the comparison: about a second each.
const PYTHON_RUNS: usize = 5;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 11, 15).unwrap()
}

/// The domain each list is benchmarked with: 产业基础 has the most fields of 先导技术榜.
fn domain_of(form: &Form) -> Option<&'static str> {
    (form.id == "leading_tech").then_some("industrial_foundation")
}

fn options() -> ExportOptions {
    // The maximal form exceeds max_rows, so it has errors: export it as a preview.
    ExportOptions {
        preview: true,
        today: today(),
    }
}

fn maximal_exports(c: &mut Criterion) {
    let defs = Definitions::embedded();
    let mut group = c.benchmark_group("export_maximal_200_rows");
    group.sample_size(20);
    for form in &defs.forms {
        let draft = sample::maximal(&defs, form, domain_of(form), ROWS);
        group.bench_function(&form.id, |b| {
            b.iter(|| export(black_box(&defs), form, black_box(&draft), options()))
        });
    }
    group.finish();
}

criterion_group!(benches, maximal_exports);

// --- side by side with python-docx -----------------------------------------------------------

fn field_json(field: &Field) -> Value {
    json!({
        "id": field.id,
        "label": field.label,
        "unit": field.unit,
        "kind": field.kind.name(),
        "max_chars": field.max_chars,
        "format": field.format.map(|f| format!("{f:?}")),
        "options": field.options.iter()
            .map(|o| json!({"value": o.value, "label": o.label}))
            .collect::<Vec<_>>(),
        "columns": field.columns.iter().map(field_json).collect::<Vec<_>>(),
    })
}

/// What the Python side needs from the definitions: the visible sections and fields, the
/// title and the preview's header line.
fn form_json(defs: &Definitions, form: &Form, draft: &Draft) -> Value {
    let problems = validate(defs, form, draft, today()).len();
    let sections: Vec<Value> = form
        .sections
        .iter()
        .filter(|s| section_visible(draft, s))
        .map(|s| {
            let fields: Vec<Value> = s
                .fields
                .iter()
                .filter(|f| field_visible(draft, f))
                .map(field_json)
                .collect();
            let role = if s.role == Role::Secretariat {
                "secretariat"
            } else {
                "applicant"
            };
            json!({"title": s.title, "role": role, "fields": fields})
        })
        .collect();
    json!({
        "title": format!("{}（草稿）", defs.call.form_title(form)),
        "notice": draft_notice(problems),
        "header": draft_notice(problems),
        "signatures": form.signatures,
        "sections": sections,
    })
}

/// The preview's notice, as src/docx/blocks.rs words it.
fn draft_notice(problems: usize) -> String {
    format!("草稿：尚有 {problems} 个问题未解决，不能作为正式申报材料提交")
}

fn median_ms(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    let n = times.len();
    if n % 2 == 1 {
        times[n / 2]
    } else {
        (times[n / 2 - 1] + times[n / 2]) / 2.0
    }
}

/// Our median export time for a draft, in ms, and the size of the document.
fn ours(defs: &Definitions, form: &Form, draft: &Draft) -> Result<(f64, usize), String> {
    let mut size = 0;
    let mut times = Vec::new();
    // One warm-up export, as the Python side's first run also warms its caches.
    export(defs, form, draft, options()).map_err(|e| e.to_string())?;
    for _ in 0..OURS_RUNS {
        let start = Instant::now();
        let bytes = export(defs, form, draft, options()).map_err(|e| e.to_string())?;
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        size = black_box(bytes).len();
    }
    Ok((median_ms(times), size))
}

fn python(dir: &Path, name: &str, draft: &Path, form: &Path) -> Result<(f64, u64), String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/python_docx_equivalent.py");
    let out = dir.join(format!("{name}-python-docx.docx"));
    let output = Command::new("python3")
        .arg(&script)
        .arg(draft)
        .arg(form)
        .arg(PYTHON_RUNS.to_string())
        .arg(&out)
        .output()
        .map_err(|e| format!("cannot run python3 ({e}); install Python 3 and python-docx"))?;
    if !output.status.success() {
        return Err(format!(
            "{} failed (is python-docx installed? `pip install python-docx`):\n{}",
            script.display(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let line = String::from_utf8_lossy(&output.stdout);
    let result: Value = serde_json::from_str(line.trim())
        .map_err(|e| format!("unexpected output from the script ({e}): {line}"))?;
    let median = result["median_ms"].as_f64().ok_or("no median_ms")?;
    let bytes = result["bytes"].as_u64().unwrap_or(0);
    Ok((median, bytes))
}

fn compare_with_python_docx() -> Result<(), String> {
    let defs = Definitions::embedded();
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let keep: Option<PathBuf> = std::env::var_os("KCZG_BENCH_KEEP").map(PathBuf::from);
    let dir_path = keep.as_deref().unwrap_or(dir.path());
    std::fs::create_dir_all(dir_path).map_err(|e| e.to_string())?;
    println!(
        "\nexport vs python-docx, maximal form with {ROWS} rows per table: median of \
         {OURS_RUNS} exports (ours), of {PYTHON_RUNS} builds (python-docx)"
    );
    println!(
        "{:<22} {:>12} {:>16} {:>8} {:>10} {:>12}",
        "list", "ours (ms)", "python-docx (ms)", "ratio", "ours (KB)", "python (KB)"
    );
    for form in &defs.forms {
        let draft = sample::maximal(&defs, form, domain_of(form), ROWS);
        let draft_path = dir_path.join(format!("{}.json", form.id));
        let form_path = dir_path.join(format!("{}.form.json", form.id));
        std::fs::write(&draft_path, draft.to_json()).map_err(|e| e.to_string())?;
        let layout = form_json(&defs, form, &draft).to_string();
        std::fs::write(&form_path, layout).map_err(|e| e.to_string())?;
        let (ours_ms, ours_bytes) = ours(&defs, form, &draft)?;
        if keep.is_some() {
            let bytes = export(&defs, form, &draft, options()).map_err(|e| e.to_string())?;
            std::fs::write(dir_path.join(format!("{}-ours.docx", form.id)), bytes)
                .map_err(|e| e.to_string())?;
        }
        let (py_ms, py_bytes) = python(dir_path, &form.id, &draft_path, &form_path)?;
        println!(
            "{:<22} {:>12.2} {:>16.1} {:>7.1}× {:>10} {:>12}",
            form.id,
            ours_ms,
            py_ms,
            py_ms / ours_ms,
            ours_bytes / 1024,
            py_bytes / 1024
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    benches();
    // `cargo test` runs bench targets in test mode (no --bench): each benchmark once, and no
    // comparison, which takes a while and needs python-docx.
    if std::env::args().any(|a| a == "--bench")
        && let Err(e) = compare_with_python_docx()
    {
        eprintln!("export vs python-docx: {e}");
        return ExitCode::FAILURE;
    }
    Criterion::default().configure_from_args().final_summary();
    ExitCode::SUCCESS
}
