//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod editors;
pub mod measured;

use chrono::NaiveDate;
use kczg_form::{Definitions, Draft, Finding, Severity, validate};
use serde_json::Value;

/// The day the tests validate on: inside the 2023 collection window.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 11, 15).unwrap()
}

pub fn defs() -> Definitions {
    Definitions::embedded()
}

pub fn fixture_path(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A complete, valid fixture draft: `leading_tech-equipment`, `tech_manager`, …
pub fn fixture(name: &str) -> Draft {
    let bytes = std::fs::read(fixture_path(&format!("{name}.json"))).unwrap();
    Draft::from_slice(&bytes).unwrap()
}

/// Every fixture, by name.
pub fn fixture_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixture_path(""))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter_map(|n| n.strip_suffix(".json").map(str::to_owned))
        .collect();
    names.sort();
    names
}

pub fn check(draft: &Draft) -> Vec<Finding> {
    let defs = defs();
    let form = defs.form(&draft.list).expect("known list");
    validate(&defs, form, draft, today())
}

/// The draft with one value replaced.
pub fn with(mut draft: Draft, field: &str, value: Value) -> Draft {
    draft.values.insert(field.to_owned(), value);
    draft
}

pub fn without(mut draft: Draft, field: &str) -> Draft {
    draft.values.shift_remove(field);
    draft
}

/// Findings on one field path, of one severity.
pub fn on(findings: &[Finding], field: &str, severity: Severity) -> Vec<Finding> {
    findings
        .iter()
        .filter(|f| f.field == field && f.severity == severity)
        .cloned()
        .collect()
}

pub fn errors_on(draft: &Draft, field: &str) -> Vec<Finding> {
    on(&check(draft), field, Severity::Error)
}

pub fn warnings_on(draft: &Draft, field: &str) -> Vec<Finding> {
    on(&check(draft), field, Severity::Warning)
}

/// Asserts exactly one finding of `severity` on `field`, citing `condition` (by its label: the
/// finding holds the condition's id), and that the whole draft has no other errors (so the
/// boundary test isolates one rule).
pub fn assert_only(
    draft: &Draft,
    field: &str,
    severity: Severity,
    condition: Option<&str>,
) -> Finding {
    let findings = check(draft);
    let hits = on(&findings, field, severity);
    assert_eq!(
        hits.len(),
        1,
        "expected one {severity:?} on {field}, got {findings:#?}"
    );
    let defs = defs();
    let form = defs.form(&draft.list).expect("known list");
    let label = hits[0].condition.as_deref().map(|id| {
        form.condition(id)
            .expect("a condition of the form")
            .label
            .as_str()
    });
    assert_eq!(label, condition, "{:#?}", hits[0]);
    let others: Vec<_> = findings
        .iter()
        .filter(|f| f.is_error() && f.field != field)
        .collect();
    assert!(others.is_empty(), "unexpected other errors: {others:#?}");
    hits[0].clone()
}

/// Asserts the draft has no findings at all (the accepted side of a boundary).
pub fn assert_clean(draft: &Draft) {
    let findings = check(draft);
    assert!(
        findings.is_empty(),
        "expected no findings, got {findings:#?}"
    );
}

/// The export of a fixture as the applicant makes it (no errors, so not a preview).
pub fn exported_fixture(name: &str) -> Vec<u8> {
    let defs = defs();
    let draft = fixture(name);
    let form = defs.form(&draft.list).expect("known list");
    let options = kczg_form::docx::ExportOptions {
        preview: false,
        today: today(),
    };
    kczg_form::docx::export(&defs, form, &draft, options).expect("a fixture exports")
}

/// Every list with each of its domains (None for a list without domains): what a blank
/// template is made for.
pub fn lists_and_domains(defs: &Definitions) -> Vec<(&kczg_form::Form, Option<&str>)> {
    defs.forms
        .iter()
        .flat_map(|form| {
            let domains: Vec<Option<&str>> = if form.domains.is_empty() {
                vec![None]
            } else {
                form.domains.iter().map(|d| Some(d.id.as_str())).collect()
            };
            domains.into_iter().map(move |d| (form, d))
        })
        .collect()
}

/// Whether an external program a test needs (LibreOffice, openxml-audit, …) is there. Without
/// it a test says how to install it and passes, except under CI (`CI` set), which installs
/// them all (`.ci/run`): there its absence fails the test.
pub fn external(test: &str, found: bool, how: &str) -> bool {
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{test}: needs {how}; .ci/run installs it"
        );
        eprintln!("{test}: skipped, needs {how}");
    }
    found
}

/// A Word document that is not ours: no controls, no embedded draft.
pub fn foreign_docx() -> Vec<u8> {
    use std::io::Write as _;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    let parts = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#,
        ),
        (
            "word/document.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>技术名称：某某技术</w:t></w:r></w:p></w:body></w:document>"#,
        ),
    ];
    for (name, text) in parts {
        out.start_file(name, options).unwrap();
        out.write_all(text.as_bytes()).unwrap();
    }
    out.finish().unwrap().into_inner()
}
