//! Every exported fixture, a maximal draft of every list, every blank template and the desk's
//! printable summary against an
//! independent OOXML checker: `openxml-audit` (PyPI), which validates each part against the
//! Open XML SDK's schema data, child order included, in its Office 2010 format (which knows
//! w14, where the checkboxes live). Zero errors: Word is far stricter than LibreOffice, and any
//! error may bring up its repair prompt.
//!
//! `.ci/run` installs openxml-audit; elsewhere, without it, the test says how to get it and
//! passes (under CI=true its absence fails).
#![allow(clippy::disallowed_methods)] // tests set up their files directly

mod common;

use std::process::Command;

use common::{defs, fixture_names, today};
use kczg_form::docx::{ExportOptions, export, template};
use kczg_form::sample;
use serde_json::Value;

#[test]
fn exports_maximal_drafts_and_templates_have_no_schema_errors() {
    let probe = Command::new("openxml-audit").arg("--help").output();
    let found = probe.as_ref().is_ok_and(|o| o.status.success());
    let how =
        "openxml-audit to check the .docx against the schemas (pip install openxml-audit==0.8.0)";
    if !common::external("schema", found, how) {
        return;
    }
    let defs = defs();
    let dir = tempfile::tempdir().unwrap();
    let mut files = 0;
    for name in fixture_names() {
        let bytes = common::exported_fixture(&name);
        std::fs::write(dir.path().join(format!("{name}.docx")), bytes).unwrap();
        files += 1;
    }
    for form in &defs.forms {
        // The maximal form exceeds max_rows, so it has errors: exported as a preview.
        let domain = (form.id == "leading_tech").then_some("industrial_foundation");
        let draft = sample::maximal(&defs, form, domain, 200);
        let options = ExportOptions {
            preview: true,
            today: today(),
        };
        let bytes = export(&defs, form, &draft, options).unwrap();
        std::fs::write(dir.path().join(format!("maximal-{}.docx", form.id)), bytes).unwrap();
        files += 1;
    }
    for (form, domain) in common::lists_and_domains(&defs) {
        let bytes = template(&defs, form, domain).unwrap();
        let name = format!("template-{}-{}.docx", form.id, domain.unwrap_or("all"));
        std::fs::write(dir.path().join(name), bytes).unwrap();
        files += 1;
    }
    // The desk's printable summary of the fixtures.
    let fixtures: Vec<std::path::PathBuf> = fixture_names()
        .iter()
        .map(|n| common::fixture_path(&format!("{n}.json")))
        .collect();
    let batch = kczg_form::consolidate::scan_on(&defs, &fixtures, today(), &|_, _| {});
    let desk = kczg_form::consolidate::Desk::from_batch(batch);
    let rows = kczg_form::consolidate::rows(&defs, &desk);
    let summary =
        kczg_form::consolidate::summary_docx(&defs, &rows, &defs.call.recommender).unwrap();
    std::fs::write(dir.path().join("summary.docx"), summary).unwrap();
    files += 1;
    let out = Command::new("openxml-audit")
        .args([
            "--format",
            "office2010",
            "--max-errors",
            "0",
            "--output",
            "json",
        ])
        .arg("--recursive")
        .arg(dir.path())
        .output()
        .expect("openxml-audit runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let reports: Vec<Value> = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "openxml-audit printed no JSON ({e}):\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(reports.len(), files, "one report per file: {stdout}");
    let mut errors = Vec::new();
    for report in &reports {
        let file = report["file"].as_str().unwrap_or("?");
        for error in report["errors"].as_array().into_iter().flatten() {
            errors.push(format!("{file}: {error}"));
        }
        for warning in report["warnings"].as_array().into_iter().flatten() {
            errors.push(format!("{file} (warning): {warning}"));
        }
    }
    eprintln!("openxml-audit: {files} files, {} errors", errors.len());
    assert!(errors.is_empty(), "schema errors:\n{}", errors.join("\n"));
}
