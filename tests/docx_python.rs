//! The exported .docx read back by independent readers: python-docx for the text, Python's
//! zipfile and ElementTree for the package (tests/python/check_docx.py says what it checks).
//!
//! Needs python3 with python-docx (`pip install python-docx`; .ci/run installs it). Without
//! them these tests fail: they never skip.
#![allow(clippy::disallowed_methods)] // tests set up their files directly

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{defs, fixture, fixture_names, fixture_path, today};
use kczg_form::docx::{ExportOptions, export};
use kczg_form::rules::is_visible;
use kczg_form::schema::{Field, Kind};
use kczg_form::{Draft, Form, sample};
use serde_json::{Map, Value, json};

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/check_docx.py")
}

/// Fails with the fix when python3 or python-docx is missing.
fn require_python_docx() {
    let output = Command::new("python3")
        .args(["-c", "import docx"])
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "python3 is needed to read the exported .docx with python-docx ({e}); \
                 install Python 3, then run `pip install python-docx`"
            )
        });
    assert!(
        output.status.success(),
        "python-docx is needed to read the exported .docx: run `pip install python-docx`\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// What the form decides for this draft and the script does not re-implement: the visible
/// top-level fields, the kind of every field and of every table column.
fn expectations(form: &Form, draft: &Draft) -> Value {
    let kind = |f: &Field| Value::from(f.kind.name());
    let visible: Vec<Value> = form
        .fields()
        .filter(|(_, f)| is_visible(form, draft, &f.id))
        .map(|(_, f)| Value::from(f.id.as_str()))
        .collect();
    let kinds: Map<String, Value> = form
        .fields()
        .map(|(_, f)| (f.id.clone(), kind(f)))
        .collect();
    let columns: Map<String, Value> = form
        .fields()
        .filter(|(_, f)| f.kind == Kind::Table)
        .map(|(_, f)| {
            let cols: Map<String, Value> =
                f.columns.iter().map(|c| (c.id.clone(), kind(c))).collect();
            (f.id.clone(), Value::Object(cols))
        })
        .collect();
    json!({ "visible": visible, "kinds": kinds, "columns": columns })
}

/// Exports `draft` and runs the checker on it; `draft_json` is the draft file it compares with
/// (the fixture itself, or the draft written out). Panics with the checker's output on failure.
fn export_and_check(name: &str, draft: &Draft, draft_json: Option<&Path>, preview: bool) {
    let defs = defs();
    let form = defs.form(&draft.list).expect("known list");
    let options = ExportOptions {
        preview,
        today: today(),
    };
    let bytes = export(&defs, form, draft, options)
        .unwrap_or_else(|e| panic!("{name}: export failed: {e}"));
    check(name, form, draft, draft_json, &bytes, false);
}

/// Runs the checker on `bytes`, the document of `draft` (a blank template's with `template`).
fn check(
    name: &str,
    form: &Form,
    draft: &Draft,
    draft_json: Option<&Path>,
    bytes: &[u8],
    template: bool,
) {
    let dir = tempfile::tempdir().unwrap();
    let docx = dir.path().join(format!("{name}.docx"));
    std::fs::write(&docx, bytes).unwrap();
    let written = dir.path().join(format!("{name}.json"));
    let draft_json = match draft_json {
        Some(path) => path.to_path_buf(),
        None => {
            std::fs::write(&written, draft.to_json()).unwrap();
            written
        }
    };
    let expect = dir.path().join(format!("{name}.expect.json"));
    std::fs::write(&expect, expectations(form, draft).to_string()).unwrap();

    let output = Command::new("python3")
        .arg(script())
        // The export puts property children back in schema order; keep it that way.
        .arg("--strict-order")
        .args(template.then_some("--template"))
        .arg(&docx)
        .arg(&draft_json)
        .arg(&expect)
        .output()
        .unwrap_or_else(|e| panic!("cannot run python3: {e}; run `pip install python-docx`"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{name}: check_docx.py failed ({})\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        output.status
    );
    assert!(
        stdout.contains("all checks passed"),
        "{name}: check_docx.py did not finish its checks\n{stdout}{stderr}"
    );
    if template {
        return;
    }
    // A check that looked for nothing proves nothing.
    let found = stdout
        .lines()
        .find_map(|l| l.strip_prefix("ok  ")?.split_once(" expected texts found"))
        .and_then(|(n, _)| n.parse::<usize>().ok())
        .unwrap_or(0);
    assert!(
        found >= 10,
        "{name}: only {found} texts were looked for\n{stdout}"
    );
}

#[test]
fn every_fixture_reads_back_with_python_docx() {
    require_python_docx();
    let names = fixture_names();
    assert_eq!(names.len(), 10, "fixtures: {names:?}");
    for name in &names {
        let draft = fixture(name);
        let path = fixture_path(&format!("{name}.json"));
        export_and_check(name, &draft, Some(&path), false);
    }
}

/// Every blank template: the package, the tables, a control for every field, the marker.
#[test]
fn every_blank_template_reads_back_with_python_docx() {
    require_python_docx();
    let defs = defs();
    for (form, domain) in common::lists_and_domains(&defs) {
        let draft = Draft::new(
            defs.call.year.to_string(),
            form.id.clone(),
            domain.map(str::to_owned),
        );
        let bytes = kczg_form::docx::template(&defs, form, domain).unwrap();
        let name = format!("template-{}-{}", form.id, domain.unwrap_or("all"));
        check(&name, form, &draft, None, &bytes, true);
    }
}

/// Hostile texts, one per kind of trouble, each mixed with ordinary text.
fn hostile_texts() -> Vec<String> {
    let paragraph = |c: char| {
        let unit = format!("{c}测试文本，含标点。");
        unit.repeat(1500 / unit.chars().count())
    };
    vec![
        // characters XML 1.0 forbids: the export removes them
        "控制\u{1}字符\u{1b}[31m测试\u{7}\u{0}结束\u{fffe}".to_owned(),
        "火箭🚀女科学家👩\u{200d}🔬团队👨‍👩‍👧‍👦".to_owned(),
        r#"<w:t>&amp; "双引号" 'single' </w:p>]]> &lt;&#1; <![CDATA[x]]>"#.to_owned(),
        "长".repeat(2000) + &"Aa0_".repeat(750),
        format!(
            "{}\n{}\r\n  {}  \n\n\t{}",
            paragraph('甲'),
            paragraph('乙'),
            paragraph('丙'),
            paragraph('丁')
        ),
        "  前后空白　\t".to_owned(),
        "混合\u{1}<&>\"'🚀👩‍🔬\u{1b}末尾".to_owned(),
    ]
}

fn hostile(form_id: &str, domain: Option<&str>) -> Draft {
    let defs = defs();
    let form = defs.form(form_id).unwrap();
    let mut draft = sample::maximal(&defs, form, domain, 3);
    let texts = hostile_texts();
    let mut next = texts.iter().cycle();
    for (_, field) in form.fields() {
        match field.kind {
            Kind::Text | Kind::Textarea => {
                let text = next.next().unwrap().clone();
                draft.values.insert(field.id.clone(), text.into());
            }
            Kind::Table => {
                let Some(Value::Array(rows)) = draft.values.get_mut(&field.id) else {
                    continue;
                };
                for row in rows.iter_mut() {
                    for column in &field.columns {
                        if matches!(column.kind, Kind::Text | Kind::Textarea) {
                            row[&column.id] = next.next().unwrap().clone().into();
                        }
                    }
                }
            }
            _ => {}
        }
    }
    draft
}

#[test]
fn hostile_text_reads_back_with_python_docx() {
    require_python_docx();
    let defs = defs();
    for form in &defs.forms {
        let domain = (form.id == "leading_tech").then_some("industrial_foundation");
        let draft = hostile(&form.id, domain);
        let texts: Vec<&str> = draft.values.values().filter_map(Value::as_str).collect();
        assert!(
            texts.iter().any(|t| t.contains('\u{1}')) && texts.iter().any(|t| t.contains('🚀')),
            "{}: the hostile texts did not land in the draft",
            form.id
        );
        export_and_check(&format!("hostile-{}", form.id), &draft, None, true);
    }
}

/// Runs the checker on `bytes` as the export of `draft` and returns (exit code, stderr).
fn run_checker(form: &Form, draft: &Draft, bytes: &[u8]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let docx = dir.path().join("t.docx");
    std::fs::write(&docx, bytes).unwrap();
    let draft_json = dir.path().join("t.json");
    std::fs::write(&draft_json, draft.to_json()).unwrap();
    let expect = dir.path().join("t.expect.json");
    std::fs::write(&expect, expectations(form, draft).to_string()).unwrap();
    let output = Command::new("python3")
        .arg(script())
        .args([&docx, &draft_json, &expect])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code(), stderr)
}

fn export_fixture(name: &str) -> (Draft, Vec<u8>) {
    let defs = defs();
    let draft = fixture(name);
    let form = defs.form(&draft.list).unwrap();
    let options = ExportOptions {
        preview: false,
        today: today(),
    };
    let bytes = export(&defs, form, &draft, options).unwrap();
    (draft, bytes)
}

/// The checker must be able to fail: a draft whose text the document does not hold.
#[test]
fn checker_reports_text_missing_from_the_document() {
    require_python_docx();
    let defs = defs();
    let (draft, bytes) = export_fixture("tech_manager");
    let form = defs.form(&draft.list).unwrap();
    let mut other = draft.clone();
    other
        .values
        .insert("employer".into(), "并不在文档中的单位名称".into());
    let (code, stderr) = run_checker(form, &other, &bytes);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("value of employer not found") && stderr.contains("values.employer"),
        "{stderr}"
    );
}

/// The export with some parts rewritten: `edit(part name, text)` returns the new text.
fn rewrite_parts(bytes: &[u8], edit: impl Fn(&str, String) -> String) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let name = file.name().to_owned();
        let mut text = String::new();
        file.read_to_string(&mut text).unwrap();
        out.start_file(&name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(edit(&name, text).as_bytes()).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// The checker must be able to fail on the package and the layout too.
#[test]
fn checker_reports_broken_package_and_layout() {
    require_python_docx();
    let defs = defs();
    let (draft, bytes) = export_fixture("tech_manager");
    let form = defs.form(&draft.list).unwrap();
    let broken = rewrite_parts(&bytes, |name, text| match name {
        "word/document.xml" => text
            .replacen(r#"<w:tblLayout w:type="fixed" />"#, "", 1)
            .replacen(
                r#"<w:tcW w:w="2150" w:type="dxa" />"#,
                r#"<w:tcW w:w="2100" w:type="dxa" />"#,
                1,
            )
            .replace(r#"w:w="11906""#, r#"w:w="12240""#),
        "word/footer1.xml" => text.replace("NUMPAGES", "SECTIONPAGES"),
        "customXml/item1.xml" => text.replace("孙雅婷", "孙雅"),
        "docProps/app.xml" => text.replacen("/>", ">", 1),
        _ => text,
    });
    let (code, stderr) = run_checker(form, &draft, &broken);
    assert_eq!(code, Some(1), "{stderr}");
    for expected in [
        "docProps/app.xml: not well-formed XML",
        "values.person_name does not round-trip",
        "no w:tblLayout w:type=\"fixed\"",
        "tcW 2100 but it spans grid columns 1–1 = 2150",
        "tcW add up to",
        "page size ('12240', '16838'), expected A4",
        "no NUMPAGES field",
    ] {
        assert!(
            stderr.contains(expected),
            "missing {expected:?} in\n{stderr}"
        );
    }
}
