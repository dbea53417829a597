//! The draft JSON (forms.md §10): lossless round trips, unknown keys kept, clear refusals.
#![allow(clippy::disallowed_methods)] // tests set up their files directly

mod common;

use common::*;
use kczg_form::draft::{Draft, DraftError, MAX_DRAFT_BYTES};
use kczg_form::rules::cleaning_findings;
use serde_json::{Value, json};

#[test]
fn every_fixture_round_trips_exactly() {
    for name in fixture_names() {
        let text = std::fs::read_to_string(fixture_path(&format!("{name}.json"))).unwrap();
        let draft = Draft::from_json(&text).unwrap();
        let again = Draft::from_json(&draft.to_json()).unwrap();
        assert_eq!(draft, again, "{name}");
        // Same JSON value as the file: nothing dropped, nothing added.
        let original: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(draft.to_value(), original, "{name}");
    }
}

#[test]
fn unknown_keys_are_kept_and_written_back_unchanged() {
    let text = r#"{
      "format": "kczg-form/draft", "version": 1, "call": "2023", "list": "tech_manager",
      "values": { "person_name": "孙雅婷", "future_field": {"a": [1, 2, {"b": null}]} },
      "meta": { "created": "2023-10-20T09:00:00+08:00", "tool": "wps-plugin" },
      "signature": "abc", "z_last": [true]
    }"#;
    let draft = Draft::from_json(text).unwrap();
    assert_eq!(
        draft.values["future_field"],
        json!({"a": [1, 2, {"b": null}]})
    );
    assert_eq!(draft.meta["tool"], "wps-plugin");
    assert_eq!(draft.extra["signature"], "abc");
    let written: Value = serde_json::from_str(&draft.to_json()).unwrap();
    let original: Value = serde_json::from_str(text).unwrap();
    assert_eq!(written, original);
}

#[test]
fn domain_lives_at_the_top_level_only() {
    let draft = fixture("leading_tech-green_low_carbon");
    assert_eq!(draft.domain.as_deref(), Some("green_low_carbon"));
    assert!(!draft.values.contains_key("domain"));
    assert_eq!(draft.text("domain"), Some("green_low_carbon"));
    let value = draft.to_value();
    assert_eq!(value["domain"], "green_low_carbon");
    assert!(value["values"].get("domain").is_none());
}

fn refused(text: &str) -> DraftError {
    Draft::from_json(text).unwrap_err()
}

#[test]
fn another_format_is_refused() {
    let e = refused(
        r#"{"format": "other/thing", "version": 1, "call": "2023", "list": "x", "values": {}}"#,
    );
    assert_eq!(e, DraftError::WrongFormat("other/thing".into()));
    assert!(e.to_string().contains("不是申报草稿"));
    assert!(matches!(
        refused(r#"{"version": 1}"#),
        DraftError::WrongFormat(_)
    ));
    assert!(matches!(refused("[1, 2]"), DraftError::BadKey { .. }));
}

#[test]
fn a_newer_version_is_refused_not_half_read() {
    let e = refused(
        r#"{"format": "kczg-form/draft", "version": 2, "call": "2023", "list": "tech_manager", "values": {}}"#,
    );
    assert_eq!(e, DraftError::NewerVersion(2));
    assert!(e.to_string().contains("请升级本程序"), "{e}");
    for bad in ["0", "\"1\"", "1.5", "-1", "null"] {
        let text = format!(
            r#"{{"format": "kczg-form/draft", "version": {bad}, "call": "2023", "list": "x", "values": {{}}}}"#
        );
        assert!(
            matches!(refused(&text), DraftError::BadKey { key: "version", .. }),
            "{bad}"
        );
    }
}

#[test]
fn malformed_and_truncated_json_are_refused_with_position() {
    let full = fixture("tech_manager").to_json();
    let truncated = &full[..full.len() / 2];
    let e = Draft::from_json(truncated).unwrap_err();
    let DraftError::Json { problem, line, .. } = &e else {
        panic!("{e:?}")
    };
    assert!(problem.contains("中途结束"), "{e}");
    assert!(*line > 1);
    let e = refused("{\"format\": \"kczg-form/draft\",, }");
    assert!(matches!(e, DraftError::Json { line: 1, .. }), "{e:?}");
    // A UTF-16 byte-order mark is named for what it is.
    let e = Draft::from_slice(&[0xff, 0xfe, 0x7b]).unwrap_err();
    assert!(matches!(e, DraftError::Utf16), "{e:?}");
    let e = Draft::from_slice(&[0x7b, 0xff, 0xfe]).unwrap_err();
    assert!(matches!(e, DraftError::Json { .. }), "{e:?}");
    let e = refused("");
    assert!(matches!(e, DraftError::Json { .. }), "{e:?}");
}

#[test]
fn deeply_nested_json_is_refused() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let e = refused(&deep);
    let DraftError::Json { problem, .. } = &e else {
        panic!("{e:?}")
    };
    assert!(problem.contains("嵌套"), "{e}");
}

#[test]
fn an_oversized_file_is_refused_before_parsing() {
    let big = vec![b' '; MAX_DRAFT_BYTES + 1];
    assert!(matches!(
        Draft::from_slice(&big),
        Err(DraftError::TooLarge { .. })
    ));
}

#[test]
fn wrong_key_types_are_refused() {
    let base = |k: &str, v: &str| {
        let mut m: serde_json::Map<String, Value> =
            serde_json::from_str(r#"{"format": "kczg-form/draft", "version": 1, "call": "2023", "list": "tech_manager", "values": {}}"#).unwrap();
        m.insert(k.into(), serde_json::from_str(v).unwrap());
        Value::Object(m).to_string()
    };
    for (key, value) in [
        ("values", "[]"),
        ("list", "3"),
        ("call", "{}"),
        ("domain", "7"),
        ("meta", "\"x\""),
    ] {
        let e = refused(&base(key, value));
        assert!(
            matches!(e, DraftError::BadKey { key: k, .. } if k == key),
            "{key}: {e:?}"
        );
    }
}

#[test]
fn control_characters_are_removed_and_the_field_is_named() {
    let mut draft = fixture("leading_tech-electronic_info");
    draft
        .values
        .insert("tech_name".into(), json!("星衡\u{0}导航\u{7}模组\u{FFFF}"));
    draft.values["ip"][1]["title"] = json!("一种\u{1b}[31m定位方法");
    draft
        .values
        .insert("summary".into(), json!("第一段\n\t第二段\r\n"));
    let cleaned = draft.strip_control_chars();
    assert_eq!(draft.values["tech_name"], "星衡导航模组");
    assert_eq!(draft.values["ip"][1]["title"], "一种[31m定位方法");
    // Tabs and line breaks are allowed in XML and kept.
    assert_eq!(draft.values["summary"], "第一段\n\t第二段\r\n");
    let paths: Vec<(&str, usize)> = cleaned
        .iter()
        .map(|c| (c.path.as_str(), c.removed))
        .collect();
    assert_eq!(paths, [("tech_name", 3), ("ip[1].title", 1)]);
    let defs = defs();
    let findings = cleaning_findings(defs.form("leading_tech").unwrap(), &cleaned);
    assert!(
        findings[0]
            .message
            .contains("「技术名称」中有 3 个不可见的控制字符"),
        "{findings:?}"
    );
    assert_eq!(findings[1].field, "ip[1].title");
    assert!(findings.iter().all(|f| !f.is_error()));
}

#[test]
fn wrong_value_types_give_findings_not_panics() {
    let defs = defs();
    for form in &defs.forms {
        let mut draft = Draft::new(
            "2023",
            form.id.clone(),
            form.domains.first().map(|d| d.id.clone()),
        );
        let weird = [
            json!(42),
            json!("文字"),
            json!(true),
            json!([1, "a", null]),
            json!({"k": "v"}),
            json!(-1.5e300),
            json!(null),
        ];
        for (i, (_, field)) in form.fields().enumerate() {
            draft
                .values
                .insert(field.id.clone(), weird[i % weird.len()].clone());
        }
        let findings = check(&draft);
        assert!(findings.iter().any(|f| f.is_error()), "{}", form.id);
        // Tables full of odd rows.
        for (_, field) in form
            .fields()
            .filter(|(_, f)| f.kind == kczg_form::schema::Kind::Table)
        {
            draft.values.insert(
                field.id.clone(),
                json!([1, "x", {"name": 5, "date": "2023-13"}, null]),
            );
        }
        let findings = check(&draft);
        assert!(
            findings.iter().any(|f| f.field.contains("[0]")),
            "{}: {findings:#?}",
            form.id
        );
    }
}

/// Found by tests/fuzz.rs: without correctly rounded parsing, `2.0638234905924002e-128` came back
/// one unit in the last place off, and a draft changed by merely being read and written.
#[test]
fn numbers_read_back_to_exactly_the_value_written() {
    let mut draft = Draft::new("2023", "tech_manager", None);
    for x in [
        2.0638234905924002e-128_f64,
        0.1 + 0.2,
        1.7976931348623157e308,
        5e-324,
    ] {
        draft.values.insert("x".into(), serde_json::json!(x));
        let again = Draft::from_json(&draft.to_json()).unwrap();
        assert_eq!(again.values["x"].as_f64(), Some(x), "{x:e}");
    }
}
