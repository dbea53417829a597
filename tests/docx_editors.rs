//! The .docx as a Word form, filled and corrected by other programs and read back.
//!
//! Controls are edited the way Word writes them by `tests/python/fill_docx.py` (lxml); the
//! result is then resaved by LibreOffice 25.2 (`soffice --headless --convert-to docx`), a
//! faithful third-party editor, and imported. `.ci/run` installs LibreOffice from Debian
//! bookworm-backports (`.ci/libreoffice.sh`); without it (or with an older one, which drops
//! `w:tag`) the LibreOffice tests fail under CI and say how to install it elsewhere.
#![allow(clippy::disallowed_methods)] // tests set up their files directly

mod common;

use std::path::{Path, PathBuf};

use common::editors::{fill, require_libreoffice, resave};
use common::{defs, fixture, fixture_names, today};
use kczg_form::docx::import::{Imported, Origin, import};
use kczg_form::docx::present::control_text;
use kczg_form::docx::template;
use kczg_form::rules::is_visible;
use kczg_form::schema::{Field, Kind};
use kczg_form::{Draft, Form};
use serde_json::{Map, Value, json};

fn read(path: &Path) -> Imported {
    let defs = defs();
    import(&defs, &std::fs::read(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: import failed: {e}", path.display()))
}

/// What a person types into a control for a value (a long text without the indent).
fn typed(field: &Field, value: &Value) -> String {
    control_text(field, Some(value))
}

fn set(tag: &str, nth: usize, text: String) -> Value {
    json!({"op": "set", "tag": tag, "nth": nth, "text": text})
}

/// The operation filling one value into the `nth` control tagged `tag`.
fn fill_value(field: &Field, tag: &str, nth: usize, value: &Value) -> Vec<Value> {
    match field.kind {
        Kind::Pledge => vec![json!({"op": "check", "tag": tag, "nth": nth, "checked": value == &Value::Bool(true)})],
        Kind::Multichoice => value
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|v| json!({"op": "check", "tag": format!("{tag}={v}"), "nth": nth, "checked": true}))
            .collect(),
        Kind::Date => {
            let mut op = set(tag, nth, typed(field, value));
            op["full_date"] = value.clone();
            vec![op]
        }
        _ => vec![set(tag, nth, typed(field, value))],
    }
}

/// Empty entries a blank template gives a table (see `docx::blocks`).
fn template_rows(field: &Field) -> usize {
    field.min_rows.max(3)
}

/// The plan that fills a blank template with `draft`'s visible values, as an applicant
/// would in Word; and the values that import should then give.
fn plan_for(form: &Form, draft: &Draft) -> (Vec<Value>, Map<String, Value>) {
    let mut plan = Vec::new();
    let mut expected = Map::new();
    for (_, field) in form.fields() {
        if field.kind == Kind::Computed || !is_visible(form, draft, &field.id) {
            continue;
        }
        let value = if field.id == "domain" {
            // The template was made for the domain: its drop-down already shows it.
            continue;
        } else {
            match draft.get(&field.id) {
                Some(v) => v.clone(),
                None => continue,
            }
        };
        if field.kind == Kind::Table {
            let (long, short): (Vec<&Field>, Vec<&Field>) =
                field.columns.iter().partition(|c| c.kind == Kind::Textarea);
            let rows = value.as_array().cloned().unwrap_or_default();
            for (i, entry) in rows.iter().enumerate() {
                if i < template_rows(field) {
                    for column in &field.columns {
                        if let Some(v) = entry.get(&column.id) {
                            let tag = format!("{}.{}", field.id, column.id);
                            plan.extend(fill_value(column, &tag, i, v));
                        }
                    }
                } else {
                    let text =
                        |c: &&Field| entry.get(&c.id).map(|v| typed(c, v)).unwrap_or_default();
                    plan.push(json!({
                        "op": "add_row",
                        "table": field.id,
                        "cells": short.iter().map(text).collect::<Vec<_>>(),
                        "long": long.iter().map(text).collect::<Vec<_>>(),
                    }));
                }
            }
        } else {
            plan.extend(fill_value(field, &field.id, 0, &value));
        }
        expected.insert(field.id.clone(), value);
    }
    (plan, expected)
}

/// Every list and domain: a blank template filled in Word's way with a fixture's values,
/// resaved by LibreOffice, imports to exactly those values, with no draft and no changes.
#[test]
fn filled_templates_resaved_by_libreoffice_import_exactly() {
    let Some(soffice) = require_libreoffice("filled_templates") else {
        return;
    };
    let defs = defs();
    let dir = tempfile::tempdir().unwrap();
    let mut filled = Vec::new();
    let mut expectations = Vec::new();
    for name in fixture_names() {
        let draft = fixture(&name);
        let form = defs.form(&draft.list).unwrap();
        let blank = dir.path().join(format!("{name}-blank.docx"));
        std::fs::write(
            &blank,
            template(&defs, form, draft.domain.as_deref()).unwrap(),
        )
        .unwrap();
        let (plan, expected) = plan_for(form, &draft);
        let out = dir.path().join(format!("{name}.docx"));
        fill(&blank, &out, &Value::Array(plan));
        filled.push(out);
        expectations.push((name, draft, expected));
    }
    let resaved = resave(soffice, &filled, dir.path());
    for (path, (name, draft, expected)) in resaved.iter().zip(expectations) {
        let imported = read(path);
        assert_eq!(imported.origin, Origin::Template, "{name}");
        assert_eq!(imported.draft.list, draft.list, "{name}");
        assert_eq!(imported.draft.domain, draft.domain, "{name}");
        assert!(imported.edits.is_empty(), "{name}: {:?}", imported.edits);
        for (id, value) in &expected {
            assert_eq!(
                imported.draft.values.get(id),
                Some(value),
                "{name}: field {id} read back wrong"
            );
        }
        let extra: Vec<&String> = imported
            .draft
            .values
            .keys()
            .filter(|k| !expected.contains_key(*k))
            .collect();
        assert!(extra.is_empty(), "{name}: values nobody filled: {extra:?}");
    }
}

/// An unfilled template resaved by LibreOffice: its hints are not values.
#[test]
fn unfilled_templates_resaved_by_libreoffice_import_with_no_values() {
    let Some(soffice) = require_libreoffice("unfilled_templates") else {
        return;
    };
    let defs = defs();
    let dir = tempfile::tempdir().unwrap();
    let mut blanks = Vec::new();
    for (form, domain) in common::lists_and_domains(&defs) {
        let path = dir
            .path()
            .join(format!("{}-{}.docx", form.id, domain.unwrap_or("all")));
        std::fs::write(&path, template(&defs, form, domain).unwrap()).unwrap();
        blanks.push((path, form.id.clone(), domain.map(str::to_owned)));
    }
    let paths: Vec<PathBuf> = blanks.iter().map(|b| b.0.clone()).collect();
    for (path, (_, list, domain)) in resave(soffice, &paths, dir.path()).iter().zip(&blanks) {
        let imported = read(path);
        assert_eq!(imported.origin, Origin::Template);
        assert_eq!(&imported.draft.list, list);
        assert_eq!(&imported.draft.domain, domain);
        assert!(
            imported.draft.values.is_empty(),
            "{}: {:?}",
            path.display(),
            imported.draft.values
        );
    }
}

/// The edits of the export test: a text, a choice, a date, a row added by Tab in the last
/// cell (no controls in it), a row removed.
fn edit_plan() -> Value {
    json!([
        {"op": "set", "tag": "ent_name", "text": "合肥晶叠新能源科技有限公司"},
        {"op": "set", "tag": "industry", "text": "节能环保产业"},
        {"op": "set", "tag": "ent_founded", "text": "2018年3月9日", "full_date": "2018-03-09"},
        {"op": "add_row", "table": "funding_rounds", "cells": ["C", "2023年6月", "1,500", "合肥产投"]},
        {"op": "remove_row", "table": "funding_rounds", "entry": 0},
    ])
}

/// The export edited that way, as it should import.
fn edited_expectation() -> Draft {
    let mut draft = fixture("emerging_enterprise");
    let v = &mut draft.values;
    v.insert("ent_name".into(), json!("合肥晶叠新能源科技有限公司"));
    v.insert("industry".into(), json!("节能环保产业"));
    v.insert("ent_founded".into(), json!("2018-03-09"));
    let rounds = v["funding_rounds"].as_array_mut().unwrap();
    rounds.remove(0);
    rounds.push(json!({"round": "C", "date": "2023-06", "amount": 1500, "investors": "合肥产投"}));
    draft
}

fn assert_edited(imported: &Imported) {
    assert_eq!(imported.origin, Origin::Edited);
    assert_eq!(imported.draft, edited_expectation());
    let mut fields: Vec<&str> = imported.edits.iter().map(|e| e.field.as_str()).collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "ent_founded",
            "ent_name",
            "funding_rounds[0]",
            "funding_rounds[1]",
            "industry"
        ],
        "{:#?}",
        imported.edits
    );
    let said: Vec<String> = imported.edits.iter().map(|e| e.describe()).collect();
    assert!(
        said.iter()
            .any(|s| s.contains("2019年5月16日") && s.contains("2018年3月9日")),
        "{said:?}"
    );
    assert!(said.iter().any(|s| s.contains("（已删除）")), "{said:?}");
}

fn exported(name: &str) -> Vec<u8> {
    common::exported_fixture(name)
}

/// The export of fixture `name` edited by `plan` (see fill_docx.py), read back.
fn edited_export(name: &str, plan: &Value) -> Imported {
    let dir = tempfile::tempdir().unwrap();
    let original = dir.path().join("export.docx");
    std::fs::write(&original, exported(name)).unwrap();
    let edited = dir.path().join("edited.docx");
    fill(&original, &edited, plan);
    read(&edited)
}

/// Our export corrected as Word writes corrections: the visible values win and exactly the
/// changes are listed (without LibreOffice: the edit alone).
#[test]
fn export_corrected_in_word_imports_the_corrections_and_lists_them() {
    assert_edited(&edited_export("emerging_enterprise", &edit_plan()));
}

/// The same corrections, then resaved by LibreOffice.
#[test]
fn export_corrected_and_resaved_by_libreoffice_imports_the_corrections() {
    let Some(soffice) = require_libreoffice("export_corrected") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let original = dir.path().join("export.docx");
    std::fs::write(&original, exported("emerging_enterprise")).unwrap();
    let edited = dir.path().join("edited.docx");
    fill(&original, &edited, &edit_plan());
    let resaved = resave(soffice, &[edited, original], dir.path());
    assert_edited(&read(&resaved[0]));
    // Resaved untouched: the same draft, no changes.
    let untouched = read(&resaved[1]);
    assert_eq!(untouched.origin, Origin::Export);
    assert!(untouched.edits.is_empty(), "{:?}", untouched.edits);
    assert_eq!(untouched.draft, fixture("emerging_enterprise"));
}

/// A long text retyped in Word, each paragraph with the customary indent: the indent is not
/// part of the value; a row added under a table with a long-text column reads both rows.
#[test]
fn long_texts_lose_exactly_the_indent_and_rows_with_long_columns_are_added_whole() {
    let profile = "\u{3000}\u{3000}第一段，从事技术转移十年。\n\u{3000}\u{3000}第二段。\n\u{3000}\u{3000}\u{3000}第三段本身缩进。";
    let imported = edited_export(
        "tech_manager",
        &json!([
            {"op": "set", "tag": "profile", "text": profile},
            {"op": "add_row", "table": "cases", "cells": ["新案例", "某研究院", "某公司", "技术转让", "300"],
             "long": ["转化成效说明。\n第二行。"]},
        ]),
    );
    assert_eq!(
        imported.draft.values["profile"],
        json!("第一段，从事技术转移十年。\n第二段。\n\u{3000}第三段本身缩进。")
    );
    let cases = imported.draft.values["cases"].as_array().unwrap();
    assert_eq!(
        cases.len(),
        fixture("tech_manager").values["cases"]
            .as_array()
            .unwrap()
            .len()
            + 1
    );
    assert_eq!(
        cases.last().unwrap(),
        &json!({"title": "新案例", "source": "某研究院", "buyer": "某公司", "mode": "技术转让",
                "value": 300, "result": "转化成效说明。\n第二行。"})
    );
    let fields: Vec<&str> = imported.edits.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["cases[2]", "profile"], "{:#?}", imported.edits);
}

/// Text that does not read as a value is kept and found by the rules, never refused; a date
/// whose text and picker disagree is read from its text, with a warning.
#[test]
fn values_that_do_not_parse_become_findings_and_dates_are_read_from_their_text() {
    let imported = edited_export(
        "emerging_enterprise",
        &json!([
            {"op": "set", "tag": "employees", "text": "约200人"},
            {"op": "set", "tag": "ent_founded", "text": "2018年3月9日", "full_date": "2018-03-10"},
            {"op": "set", "tag": "revenue", "text": "１２，６３５.８"},
        ]),
    );
    let v = &imported.draft.values;
    assert_eq!(v["employees"], json!("约200人"));
    assert_eq!(v["ent_founded"], json!("2018-03-09"));
    assert_eq!(v["revenue"], json!(12635.8));
    assert_eq!(imported.notes.len(), 1, "{:?}", imported.notes);
    assert_eq!(imported.notes[0].field, "ent_founded");
    assert!(imported.notes[0].message.contains("2018-03-10"));
    // The revenue was retyped, not changed: no edit for it.
    let fields: Vec<&str> = imported.edits.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["ent_founded", "employees"]);
    let defs = defs();
    let form = defs.form("emerging_enterprise").unwrap();
    let findings = kczg_form::rules::validate(&defs, form, &imported.draft, today());
    assert!(
        findings
            .iter()
            .any(|f| f.field == "employees" && f.is_error()),
        "{findings:?}"
    );
}

/// What people do besides filling the boxes: text typed just after a box or in a new paragraph
/// under it is part of what the cell shows, so it is read (with a note); a box still marked
/// empty that shows a text is read (with a note); a hint left without its flag is no value.
#[test]
fn text_beside_a_box_and_stale_placeholder_flags_are_read_as_shown() {
    let imported = edited_export(
        "emerging_enterprise",
        &json!([
            {"op": "after", "tag": "ent_name", "text": "（集团）"},
            {"op": "paragraph_after", "tag": "products", "text": "补充一段。"},
            {"op": "set", "tag": "legal_rep", "text": "李四", "keep_placeholder": true},
            {"op": "unflag", "tag": "rec_opinion"},
            {"op": "after", "tag": "funding_rounds.investors", "nth": 1, "text": "等"},
        ]),
    );
    let fixture = fixture("emerging_enterprise");
    let v = &imported.draft.values;
    assert_eq!(v["ent_name"], json!("合肥晶叠光能科技有限公司（集团）"));
    let products = format!(
        "{}\n补充一段。",
        fixture.values["products"].as_str().unwrap()
    );
    assert_eq!(v["products"], json!(products));
    assert_eq!(v["legal_rep"], json!("李四"));
    assert!(
        !v.contains_key("rec_opinion"),
        "a hint is no value: {:?}",
        v.get("rec_opinion")
    );
    let investors = format!(
        "{}等",
        fixture.values["funding_rounds"][1]["investors"]
            .as_str()
            .unwrap()
    );
    assert_eq!(v["funding_rounds"][1]["investors"], json!(investors));
    let noted: Vec<&str> = imported.notes.iter().map(|n| n.field.as_str()).collect();
    assert_eq!(
        noted,
        [
            "ent_name",
            "legal_rep",
            "funding_rounds[1].investors",
            "products"
        ],
        "{:#?}",
        imported.notes
    );
    let fields: Vec<&str> = imported.edits.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "ent_name",
            "legal_rep",
            "funding_rounds[1].investors",
            "products"
        ]
    );
}

/// 推荐单位意见 filled in Word by the recommending unit is read, and is not a change made by
/// the applicant.
#[test]
fn the_recommendation_filled_in_word_is_read_and_not_counted_as_a_change() {
    let imported = edited_export(
        "emerging_enterprise",
        &json!([
            {"op": "set", "tag": "rec_opinion", "text": "同意推荐。"},
            {"op": "set", "tag": "rec_org", "text": "安徽省科学技术协会"},
            {"op": "set", "tag": "rec_date", "text": "2023年11月20日", "full_date": "2023-11-20"},
        ]),
    );
    assert_eq!(imported.origin, Origin::Export, "{:?}", imported.edits);
    let v = &imported.draft.values;
    assert_eq!(v["rec_opinion"], json!("同意推荐。"));
    assert_eq!(v["rec_org"], json!("安徽省科学技术协会"));
    assert_eq!(v["rec_date"], json!("2023-11-20"));
}

/// Deleting the small gap between two tables makes Word join them: the table field ends where
/// the next field's rows begin; a moved row keeps its entry and is listed as moved.
#[test]
fn joined_tables_end_at_the_next_field_and_moved_rows_keep_their_entry() {
    let imported = edited_export(
        "emerging_enterprise",
        &json!([{"op": "join_after", "table": "funding_rounds"}]),
    );
    assert_eq!(imported.origin, Origin::Export, "{:#?}", imported.edits);
    assert_eq!(imported.draft, fixture("emerging_enterprise"));

    let imported = edited_export(
        "emerging_enterprise",
        &json!([{"op": "move_row", "table": "funding_rounds", "entry": 0}]),
    );
    let before = fixture("emerging_enterprise");
    let rounds = before.values["funding_rounds"].as_array().unwrap();
    assert_eq!(
        imported.draft.values["funding_rounds"],
        json!([rounds[1], rounds[0]])
    );
    assert_eq!(imported.edits.len(), 1, "{:#?}", imported.edits);
    assert!(
        imported.edits[0].describe().contains("移到第 2 行"),
        "{}",
        imported.edits[0].describe()
    );
}

/// A converter that drops every control leaves our marker and draft: imported as the draft,
/// with a note that what the document shows could not be read — and no false changes.
#[test]
fn an_export_whose_controls_were_dropped_is_its_draft_with_a_note() {
    let imported = edited_export("emerging_enterprise", &json!([{"op": "unwrap_all"}]));
    assert_eq!(imported.origin, Origin::Stripped);
    assert_eq!(imported.draft, fixture("emerging_enterprise"));
    assert!(imported.edits.is_empty(), "{:#?}", imported.edits);
    assert_eq!(imported.notes.len(), 1);
    assert!(imported.notes[0].message.contains("填写框"));
}
