//! The fixture drafts (one per list and per domain of 先导技术榜) are complete and valid, and
//! removing any required field yields exactly the error for that field.
#![allow(clippy::disallowed_methods)] // tests set up their files directly

mod common;

use common::*;
use kczg_form::rules::is_visible;
use kczg_form::sample;
use kczg_form::schema::{Kind, Role};

#[test]
fn there_is_a_fixture_for_every_list_and_every_domain() {
    let defs = defs();
    let names = fixture_names();
    for form in &defs.forms {
        if form.domains.is_empty() {
            assert!(names.contains(&form.id), "no fixture for {}", form.id);
        }
        for domain in &form.domains {
            let name = format!("{}-{}", form.id, domain.id);
            assert!(names.contains(&name), "no fixture for {name}");
            assert_eq!(fixture(&name).domain.as_deref(), Some(domain.id.as_str()));
        }
    }
}

#[test]
fn every_fixture_validates_with_no_findings() {
    for name in fixture_names() {
        let findings = check(&fixture(&name));
        assert!(findings.is_empty(), "{name}: {findings:#?}");
    }
}

#[test]
fn removing_each_required_field_yields_exactly_its_error() {
    let defs = defs();
    let mut checked = 0;
    for name in fixture_names() {
        let ok = fixture(&name);
        let form = defs.form(&ok.list).unwrap();
        for (section, field) in form.fields() {
            if !field.required
                || section.role == Role::Secretariat
                || !is_visible(form, &ok, &field.id)
            {
                continue;
            }
            let broken = if field.id == "domain" {
                let mut d = ok.clone();
                d.domain = None;
                d
            } else {
                without(ok.clone(), &field.id)
            };
            let errors: Vec<_> = check(&broken)
                .into_iter()
                .filter(|f| f.is_error())
                .collect();
            assert_eq!(errors.len(), 1, "{name} without {}: {errors:#?}", field.id);
            let e = &errors[0];
            assert_eq!(e.field, field.id, "{name}: {e:?}");
            assert!(e.message.contains(&field.label), "{name}: {e:?}");
            let verb = match field.kind {
                Kind::Choice => "请选择",
                Kind::Multichoice => "至少选择",
                Kind::Pledge => "请阅读并勾选",
                Kind::Table => "至少填写",
                _ => "请填写",
            };
            assert!(e.message.contains(verb), "{name}: {e:?}");
            checked += 1;
        }
    }
    // 10 fixtures of 20-odd visible required fields each: make sure the loop really ran.
    assert!(checked > 200, "only {checked} required fields checked");
}

#[test]
fn a_form_filled_exactly_to_every_limit_has_no_errors() {
    let defs = defs();
    for form in &defs.forms {
        let domains: Vec<Option<&str>> = if form.domains.is_empty() {
            vec![None]
        } else {
            form.domains.iter().map(|d| Some(d.id.as_str())).collect()
        };
        for domain in domains {
            let draft = sample::maximal(&defs, form, domain, 2);
            let errors: Vec<_> = check(&draft).into_iter().filter(|f| f.is_error()).collect();
            assert!(errors.is_empty(), "{} {domain:?}: {errors:#?}", form.id);
        }
    }
}

#[test]
fn one_character_over_a_limit_is_an_error() {
    let defs = defs();
    let form = defs.form("leading_tech").unwrap();
    let draft = sample::maximal(&defs, form, Some("electronic_info"), 1);
    let over = with(draft, "summary", serde_json::json!("字".repeat(1501)));
    let errors = errors_on(&over, "summary");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0]
            .message
            .contains("不超过 1500 字（不含空格），现有 1501 字")
    );
}
