//! One report wherever a file is shown: the form page, the draft list, `validate` and the
//! desk count the same errors and warnings for the same file — a draft with an error, a
//! warning and a control character to clean, and an export corrected in Word.
#![cfg(feature = "gui")]
#![allow(clippy::disallowed_methods)] // tests set up their files directly

mod common;

use std::path::Path;

use common::{defs, exported_fixture, fixture};
use kczg_form::Draft;
use kczg_form::store::{Entry, Store};
use kczg_form::ui::FormState;
use serde_json::{Value, json};

fn today() -> chrono::NaiveDate {
    // `validate` checks on the machine's day; so does everything here.
    chrono::Local::now().date_naive()
}

/// (errors, warnings) from `kczg-form validate FILE --json`.
fn validate(path: &Path) -> (u64, u64) {
    let out = assert_cmd::Command::cargo_bin("kczg-form")
        .unwrap()
        .arg("validate")
        .arg(path)
        .arg("--json")
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (
        report["errors"].as_u64().unwrap(),
        report["warnings"].as_u64().unwrap(),
    )
}

/// (errors, warnings) of the file's row on the desk.
fn desk(path: &Path) -> (u64, u64) {
    let defs = defs();
    let batch = kczg_form::consolidate::scan_on(&defs, &[path.to_owned()], today(), &|_, _| {});
    let desk = kczg_form::consolidate::Desk::from_batch(batch);
    let rows = kczg_form::consolidate::rows(&defs, &desk);
    assert_eq!(rows.len(), 1);
    (rows[0].errors as u64, rows[0].warnings as u64)
}

#[test]
fn the_form_page_the_draft_list_validate_and_the_desk_count_alike() {
    let defs = defs();
    let dir = tempfile::tempdir().unwrap();
    let mut draft = fixture("leading_tech-electronic_info");
    draft.values["ip"][0]["number"] = json!("ZL201710601862.4"); // a warning
    draft.values.insert("tech_name".into(), json!("")); // an error
    let market = draft.text("market").unwrap().to_owned();
    draft
        .values
        .insert("market".into(), json!(format!("\u{1}{market}\u{7}"))); // to clean
    let path = dir.path().join("草稿.json");
    std::fs::write(&path, draft.to_json()).unwrap();

    let cli = validate(&path);
    let form_page = {
        let read = Draft::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let state = FormState::new(&defs, "x".into(), read, today());
        let errors = state.errors() as u64;
        (errors, state.findings.len() as u64 - errors)
    };
    let list = {
        let store = Store::at(&dir.path().join("store")).unwrap();
        store.create(&draft).unwrap();
        match &store.list(&defs, today())[..] {
            [Entry::Ok(s)] => (s.errors as u64, s.warnings as u64),
            other => panic!("{other:#?}"),
        }
    };
    let desk = desk(&path);
    assert_eq!(
        cli,
        (1, 2),
        "one error, the number's warning and the cleaning"
    );
    assert_eq!(form_page, cli, "form page");
    assert_eq!(list, cli, "draft list");
    assert_eq!(desk, cli, "desk");
}

#[test]
fn validate_and_the_desk_count_alike_for_a_corrected_export() {
    let python = std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !common::external("corrected_export_counts", python, "python3 with lxml") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let exported = dir.path().join("导出.docx");
    std::fs::write(&exported, exported_fixture("emerging_enterprise")).unwrap();
    let edited = dir.path().join("改过.docx");
    common::editors::fill(
        &exported,
        &edited,
        &json!([
            {"op": "set", "tag": "ent_name", "text": "合肥晶叠新能源科技有限公司"},
            {"op": "set", "tag": "ent_uscc", "text": "91340100MA2TXXXX"}
        ]),
    );
    let cli = validate(&edited);
    assert!(
        cli.0 >= 1 && cli.1 >= 2,
        "{cli:?}: the code's error, two edits"
    );
    assert_eq!(desk(&edited), cli);
}
