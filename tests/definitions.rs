//! The form definitions: the embedded assets carry every field of forms.md with its stable id,
//! and an override folder changes them — or is refused with the file, line and reason.
#![allow(clippy::disallowed_methods)] // tests set up their files directly

mod common;

use std::path::Path;

use common::*;
use kczg_form::Definitions;
use kczg_form::schema::{EMBEDDED_FILES, Kind, Origin};
use serde_json::json;

const SHARED: &[&str] = &[
    "pledge_truthful",
    "pledge_not_listed",
    "attachments",
    "rec_opinion",
    "rec_org",
    "rec_date",
];
const CONTACT: &[&str] = &[
    "contact_name",
    "contact_title",
    "contact_mobile",
    "contact_phone",
    "contact_email",
    "contact_address",
    "contact_postcode",
];

/// The field ids of forms.md §4–§7, which are the draft JSON's stable keys.
const SPEC_IDS: &[(&str, &[&str], bool)] = &[
    (
        "leading_tech",
        &[
            "tech_name",
            "domain",
            "holder_name",
            "holder_uscc",
            "holder_kind",
            "holder_region",
            "lead_name",
            "lead_title",
            "lead_mobile",
            "lead_email",
            "trl",
            "early_validation",
            "summary",
            "innovation",
            "benchmark",
            "ip",
            "transfer_modes",
            "market",
            "applications",
            "benefits",
            "gl_sectors",
            "gl_synergy",
            "if_category",
            "if_original",
            "if_dependence",
            "if_dependence_detail",
            "if_reliability",
            "pledge_public",
            "pledge_willing",
        ],
        true,
    ),
    (
        "emerging_enterprise",
        &[
            "ent_name",
            "ent_uscc",
            "ent_region",
            "ent_founded",
            "ent_capital",
            "legal_rep",
            "industry",
            "sector_for_size",
            "employees",
            "revenue",
            "rd_staff",
            "rd_spend",
            "stage",
            "patents_invention",
            "patents_other",
            "software_copyrights",
            "funding_total",
            "funding_rounds",
            "honors",
            "core_tech",
            "products",
            "potential",
            "pledge_not_prohibited",
            "pledge_no_incidents",
            "pledge_not_blacklisted",
        ],
        true,
    ),
    (
        "innovation_org",
        &[
            "org_name",
            "org_type",
            "incubator_kind",
            "org_uscc",
            "lead_unit",
            "members",
            "org_founded",
            "org_region",
            "fields",
            "city_relation",
            "city_name",
            "services",
            "head_name",
            "head_title",
            "profile",
            "kpi_rd_projects",
            "kpi_transfers",
            "kpi_contract_value",
            "kpi_incubated",
            "kpi_served",
            "cases",
        ],
        true,
    ),
    (
        "tech_manager",
        &[
            "person_name",
            "gender",
            "birth",
            "id_number",
            "education",
            "pro_title",
            "employer",
            "employer_kind",
            "position",
            "years_in_field",
            "mobile",
            "email",
            "qualification",
            "certificates",
            "competence",
            "kpi_deals",
            "kpi_deal_value",
            "kpi_firms",
            "cases",
            "profile",
            "pledge_willing",
        ],
        false, // the person is the contact
    ),
];

#[test]
fn embedded_definitions_hold_every_field_of_the_spec_and_nothing_else() {
    let defs = defs();
    assert_eq!(defs.origin, Origin::Embedded);
    assert_eq!(defs.forms.len(), 4);
    for (list, ids, contact) in SPEC_IDS {
        let form = defs.form(list).unwrap();
        let mut expected: Vec<&str> = ids.to_vec();
        expected.extend(SHARED);
        if *contact {
            expected.extend(CONTACT);
        }
        let mut actual: Vec<&str> = form
            .fields()
            .filter(|(_, f)| f.kind != Kind::Computed)
            .map(|(_, f)| f.id.as_str())
            .collect();
        expected.sort();
        actual.sort();
        assert_eq!(actual, expected, "{list}");
    }
    let leading = defs.form("leading_tech").unwrap();
    let domains: Vec<&str> = leading.domains.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(
        domains,
        [
            "电子信息",
            "生物医药",
            "装备制造",
            "先进材料",
            "绿色低碳",
            "产业基础"
        ]
    );
    assert_eq!(defs.regions.province.len(), 31);
    assert_eq!(
        defs.call.form_title(leading),
        "2023年“科创中国”先导技术榜申报表"
    );
    assert_eq!(defs.call.submission_email, "gxtdzxh@126.com");
}

#[test]
fn the_call_says_calmly_when_the_window_has_closed() {
    let call = defs().call;
    assert!(!call.is_closed(chrono::NaiveDate::from_ymd_opt(2023, 11, 30).unwrap()));
    assert!(call.is_closed(chrono::NaiveDate::from_ymd_opt(2023, 12, 1).unwrap()));
    assert!(
        call.window
            .closed_notice
            .contains("本次征集已于2023年11月30日截止")
    );
}

#[test]
fn computed_rd_intensity_is_read_only_and_derived() {
    let defs = defs();
    let form = defs.form("emerging_enterprise").unwrap();
    let field = form.field("rd_intensity").unwrap();
    let d = with(
        with(fixture("emerging_enterprise"), "rd_spend", json!(85)),
        "revenue",
        json!(2000),
    );
    assert_eq!(
        kczg_form::rules::computed_value(&d, field).as_deref(),
        Some("4.25%")
    );
    let zero = with(d, "revenue", json!(0));
    assert_eq!(kczg_form::rules::computed_value(&zero, field), None);
}

/// A folder with one embedded file copied and edited.
fn override_with(rel: &str, edit: impl Fn(&str) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let (_, text) = EMBEDDED_FILES.iter().find(|(p, _)| *p == rel).unwrap();
    let path = dir.path().join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, edit(text)).unwrap();
    dir
}

fn relabel_tech_name(text: &str) -> String {
    text.replacen(
        "label = \"技术名称\"\nkind = \"text\"\nmax_chars = 40",
        "label = \"技术成果名称\"\nkind = \"text\"\nmax_chars = 30",
        1,
    )
}

#[test]
fn an_override_folder_changes_labels_and_limits() {
    let dir = override_with("forms/leading_tech.toml", relabel_tech_name);
    let defs = Definitions::with_override(dir.path()).unwrap();
    assert_eq!(defs.origin, Origin::Override(dir.path().to_path_buf()));
    let field = defs
        .form("leading_tech")
        .unwrap()
        .field("tech_name")
        .unwrap();
    assert_eq!(field.label, "技术成果名称");
    assert_eq!(field.max_chars, Some(30));
    // The other files still come from the embedded defaults.
    assert_eq!(defs.forms.len(), 4);

    let draft = with(
        fixture("leading_tech-equipment"),
        "tech_name",
        json!("名".repeat(35)),
    );
    let form = defs.form("leading_tech").unwrap();
    let findings = kczg_form::validate(&defs, form, &draft, today());
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert!(
        findings[0].message.contains("「技术成果名称」不超过 30 字"),
        "{findings:?}"
    );
    assert!(check(&draft).is_empty(), "embedded limit is 40");
}

#[test]
fn an_override_call_replaces_the_embedded_call() {
    let dir = override_with("call-2023.toml", |t| {
        t.replace("year = 2023", "year = 2024").replace(
            "enterprise_founded_not_before = \"2013-01-01\"",
            "enterprise_founded_not_before = \"2014-01-01\"",
        )
    });
    std::fs::rename(
        dir.path().join("call-2023.toml"),
        dir.path().join("call-2024.toml"),
    )
    .unwrap();
    let defs = Definitions::with_override(dir.path()).unwrap();
    assert_eq!(defs.call.year, 2024);
    let form = defs.form("emerging_enterprise").unwrap();
    assert!(
        form.field("pledge_no_incidents")
            .unwrap()
            .label
            .contains("2023年及2024年")
    );
    let mut draft = with(
        fixture("emerging_enterprise"),
        "ent_founded",
        json!("2013-06-01"),
    );
    draft.call = "2024".into();
    let findings = kczg_form::validate(&defs, form, &draft, today());
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert!(
        findings[0]
            .message
            .contains("以2024年反推，成立日期须不早于2014年1月1日")
    );
}

/// Loads a broken override and returns the error's file, line and reason.
fn refused(rel: &str, edit: impl Fn(&str) -> String) -> (String, Option<usize>, String) {
    let dir = override_with(rel, edit);
    let err = Definitions::with_override(dir.path()).unwrap_err();
    // The fallback: the embedded definitions stay in use.
    let (defs, problem) = Definitions::load_or_embedded(Some(dir.path()));
    assert_eq!(defs.origin, Origin::Embedded);
    assert_eq!(problem.as_ref(), Some(&err));
    let shown = err.to_string();
    assert!(shown.starts_with("表单定义文件 "), "{shown}");
    (err.file, err.line, err.reason)
}

fn line_of(text: &str, needle: &str) -> usize {
    text[..text.find(needle).unwrap()].matches('\n').count() + 1
}

fn embedded(rel: &str) -> &'static str {
    EMBEDDED_FILES.iter().find(|(p, _)| *p == rel).unwrap().1
}

#[test]
fn a_toml_syntax_error_is_refused_with_file_and_line() {
    let rel = "forms/leading_tech.toml";
    let (file, line, reason) = refused(rel, |t| {
        t.replacen("label = \"技术名称\"", "label = \"技术名称", 1)
    });
    assert!(file.ends_with("leading_tech.toml"), "{file}");
    assert_eq!(line, Some(line_of(embedded(rel), "label = \"技术名称\"")));
    assert!(reason.contains("TOML"), "{reason}");
}

#[test]
fn a_misspelt_key_is_refused_with_its_line() {
    let rel = "forms/tech_manager.toml";
    let (_, line, reason) = refused(rel, |t| {
        t.replacen(
            "max_chars = 30\nrequired = true\ncondition = \"c1\"",
            "max_char = 30\nrequired = true\ncondition = \"c1\"",
            1,
        )
    });
    assert!(reason.contains("不认识的键 max_char"), "{reason}");
    // The error points into the field's table.
    let position_line = line_of(embedded(rel), "id = \"position\"");
    assert!(
        line.is_some_and(|l| (position_line..position_line + 6).contains(&l)),
        "{line:?} vs {position_line}"
    );
}

#[test]
fn an_unknown_kind_is_refused() {
    let (_, line, reason) = refused("forms/innovation_org.toml", |t| {
        t.replacen("kind = \"textarea\"", "kind = \"essay\"", 1)
    });
    assert!(line.is_some());
    assert!(reason.contains("不认识的取值 essay"), "{reason}");
}

#[test]
fn a_duplicate_field_id_is_refused() {
    let (_, line, reason) = refused("forms/emerging_enterprise.toml", |t| {
        t.replacen("id = \"legal_rep\"", "id = \"ent_name\"", 1)
    });
    assert!(line.is_some());
    assert!(reason.contains("字段 id 重复：ent_name"), "{reason}");
}

#[test]
fn a_rule_naming_a_missing_field_is_refused() {
    let rel = "forms/emerging_enterprise.toml";
    let (_, line, reason) = refused(rel, |t| {
        t.replacen("than = \"employees\"", "than = \"staff\"", 1)
    });
    assert!(
        reason.contains("than = \"staff\" 不是本表中的字段"),
        "{reason}"
    );
    let rule_line = line_of(embedded(rel), "kind = \"not_greater\"");
    assert!(
        line.is_some_and(|l| l <= rule_line && l + 3 >= rule_line),
        "{line:?} vs {rule_line}"
    );
}

#[test]
fn a_rule_date_not_in_the_call_is_refused() {
    let (_, _, reason) = refused("forms/innovation_org.toml", |t| {
        t.replacen("call:org_founded_before", "call:founded_cutoff", 1)
    });
    assert!(reason.contains("[dates] 中没有 founded_cutoff"), "{reason}");
}

#[test]
fn a_missing_block_or_condition_is_refused() {
    let (_, _, reason) = refused("forms/tech_manager.toml", |t| {
        t.replacen("block = \"attachments\"", "block = \"annexes\"", 1)
    });
    assert!(reason.contains("不存在的信息块「annexes」"), "{reason}");
    let (_, _, reason) = refused("forms/tech_manager.toml", |t| {
        t.replacen("condition = \"c4\"", "condition = \"c9\"", 1)
    });
    assert!(reason.contains("不存在的条件 c9"), "{reason}");
}

#[test]
fn a_broken_shared_block_names_blocks_toml() {
    let (file, line, reason) = refused("blocks.toml", |t| {
        t.replacen("kind = \"pledge\"", "kind = \"tick\"", 1)
    });
    assert!(file.ends_with("blocks.toml"), "{file}");
    assert!(line.is_some());
    assert!(reason.contains("tick"), "{reason}");
}

#[test]
fn an_unknown_file_an_empty_folder_and_a_missing_folder_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = Definitions::with_override(dir.path()).unwrap_err();
    assert!(err.reason.contains("没有任何 .toml"), "{err}");
    std::fs::write(dir.path().join("leading_tech.toml"), "").unwrap();
    let err = Definitions::with_override(dir.path()).unwrap_err();
    assert!(err.reason.contains("不认识的文件名"), "{err}");
    let err = Definitions::with_override(Path::new("/nonexistent/forms")).unwrap_err();
    assert!(err.reason.contains("不是一个文件夹"), "{err}");
}

#[test]
fn a_file_that_is_not_utf8_or_too_large_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("blocks.toml"), [0xff, 0xfe, 0x00, 0x41]).unwrap();
    let err = Definitions::with_override(dir.path()).unwrap_err();
    assert!(err.reason.contains("UTF-8"), "{err}");
    std::fs::write(dir.path().join("blocks.toml"), "#".repeat(2 * 1024 * 1024)).unwrap();
    let err = Definitions::with_override(dir.path()).unwrap_err();
    assert!(err.reason.contains("过大"), "{err}");
}

/// Every option of every drop-down of the four forms (and of every table's columns) is found
/// by its characters, by its whole pinyin and by its initials, as the first kind of match; the
/// provinces as people type them.
#[test]
fn every_option_list_is_searchable_by_characters_whole_pinyin_and_initials() {
    use kczg_form::schema::search::{Rank, find, rank};
    use pinyin::ToPinyin;
    let defs = defs();
    let mut lists = 0;
    let mut options = 0;
    for form in &defs.forms {
        let fields = form
            .fields()
            .flat_map(|(_, f)| std::iter::once(f).chain(f.columns.iter()));
        for field in fields.filter(|f| !f.options.is_empty()) {
            lists += 1;
            assert_eq!(find(&field.options, "").len(), field.options.len());
            for option in &field.options {
                options += 1;
                let (mut whole, mut initials) = (String::new(), String::new());
                let mut previous = ' ';
                for c in option.label.chars() {
                    // A run of Latin letters and digits is one token: its first is the initial.
                    if c.is_ascii_alphanumeric() && !previous.is_ascii_alphanumeric() {
                        initials.push(c.to_ascii_lowercase());
                    }
                    previous = c;
                    if let Some(p) = c.to_pinyin() {
                        // ü as input methods take it: v.
                        whole.push_str(&p.plain().replace('ü', "v"));
                        initials.push_str(p.first_letter());
                    } else if c.is_ascii_alphanumeric() {
                        whole.push(c.to_ascii_lowercase());
                    }
                }
                for typed in [option.label.as_str(), &whole, &initials] {
                    if typed.is_empty() {
                        continue;
                    }
                    assert_eq!(
                        rank(&option.label, typed),
                        Some(Rank::Prefix),
                        "{} {}: 「{typed}」",
                        field.id,
                        option.label
                    );
                    assert!(find(&field.options, typed).contains(&option));
                }
            }
        }
    }
    assert!(
        lists >= 10 && options >= 100,
        "{lists} lists, {options} options"
    );
    let province = defs
        .forms
        .iter()
        .flat_map(|f| f.fields())
        .map(|(_, f)| f)
        .find(|f| f.options.iter().any(|o| o.label == "河南省"))
        .expect("a province list");
    let labels = |typed: &str| -> Vec<String> {
        find(&province.options, typed)
            .into_iter()
            .map(|o| o.label.clone())
            .collect()
    };
    assert_eq!(labels("hen")[0], "河南省");
    assert_eq!(labels("hn"), ["河南省", "湖南省", "海南省"]);
    assert_eq!(labels("sx"), ["山西省", "陕西省"]);
    assert_eq!(labels("nmg"), ["内蒙古自治区"]);
    assert_eq!(labels("gd")[0], "广东省");
    assert!(labels("qqq").is_empty());
}

/// The rule engine says which findings are only a required field still empty (「待填」): every
/// finding of a blank form of each list is one of those or a warning, and a wrong value, a
/// table short of rows it has begun, or a cell still empty in a row added are told apart.
#[test]
fn findings_say_whether_they_are_a_required_field_still_empty() {
    let defs = defs();
    for (form, domain) in lists_and_domains(&defs) {
        let blank = kczg_form::Draft::new(
            defs.call.year.to_string(),
            form.id.clone(),
            domain.map(str::to_owned),
        );
        let findings = check(&blank);
        assert!(findings.iter().any(|f| f.missing), "{}", form.id);
        for f in &findings {
            if f.missing {
                assert!(f.is_error() && !f.is_wrong(), "{f:?}");
                assert!(
                    f.message.starts_with('请') || f.message.contains("至少填写"),
                    "{f:?}"
                );
            }
        }
    }
    let draft = fixture("emerging_enterprise");
    let wrong = with(draft.clone(), "ent_uscc", serde_json::json!("123"));
    let f = errors_on(&wrong, "ent_uscc");
    assert!(!f.is_empty() && f.iter().all(|f| !f.missing), "{f:?}");
    let emptied = without(draft.clone(), "ent_uscc");
    assert!(errors_on(&emptied, "ent_uscc").iter().all(|f| f.missing));
    let mut row_added = draft.clone();
    row_added.values["funding_rounds"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({}));
    let cells: Vec<_> = check(&row_added)
        .into_iter()
        .filter(|f| f.field.starts_with("funding_rounds[2]"))
        .collect();
    assert!(
        !cells.is_empty() && cells.iter().all(|f| f.missing),
        "{cells:?}"
    );
}

/// The review plans (review.toml): one per list and per domain of 先导技术榜, weights adding up
/// to 100, scores on their steps; an override replaces them, and a wrong one is refused with
/// its file and line.
#[test]
fn review_plans_cover_every_list_and_domain_and_are_refused_with_file_and_line() {
    let defs = defs();
    for (form, domain) in lists_and_domains(&defs) {
        let plan = defs
            .review
            .plan_for(&form.id, domain)
            .unwrap_or_else(|| panic!("no plan for {} {domain:?}", form.id));
        let weights: f64 = plan.criteria.iter().map(|c| c.weight).sum();
        assert!((weights - 100.0).abs() < 1e-9);
        let full: Vec<f64> = plan.criteria.iter().map(|c| c.max).collect();
        assert!((plan.total(&full) - 100.0).abs() < 1e-9);
        for c in &plan.criteria {
            assert!(c.accepts(0.0) && c.accepts(c.max) && !c.accepts(c.max + c.step));
            assert!(!c.accepts(-0.5) && !c.accepts(f64::NAN));
            assert!(!c.means.is_empty() && !c.conditions.is_empty(), "{}", c.id);
        }
    }
    let foundation = defs
        .review
        .plan_for("leading_tech", Some("industrial_foundation"))
        .unwrap();
    assert!(foundation.criteria.iter().any(|c| c.label.contains("五基")));
    assert!(
        foundation
            .criteria
            .iter()
            .any(|c| c.label.contains("替代进口"))
    );
    let electronic = defs
        .review
        .plan_for("leading_tech", Some("electronic_info"))
        .unwrap();
    assert!(electronic.criteria[0].label.contains("创新性"));
    assert_eq!(defs.review.settings.reviewers, 3);
    let half = &electronic.criteria[0];
    assert!(half.accepts(7.5) && !half.accepts(7.3));

    let rel = "review.toml";
    let (file, line, reason) = refused(rel, |t| t.replacen("weight = 30", "weight = 31", 1));
    assert!(file.ends_with("review.toml"), "{file}");
    assert_eq!(line, Some(line_of(embedded(rel), "[[plans]]")));
    assert!(reason.contains("权重合计应为 100，现为 101"), "{reason}");
    let (_, line, reason) = refused(rel, |t| {
        t.replacen("list = \"tech_manager\"", "list = \"tech_managers\"", 1)
    });
    assert_eq!(
        line,
        Some(line_of(embedded(rel), "list = \"tech_manager\""))
    );
    assert!(reason.contains("没有「tech_managers」这个榜单"), "{reason}");
    let (_, line, reason) = refused(rel, |t| t.replacen("step = 0.5", "step = 0.3", 1));
    assert_eq!(line, Some(line_of(embedded(rel), "step = 0.5")));
    assert!(reason.contains("step"), "{reason}");
    let (_, _, reason) = refused(rel, |t| {
        t.replacen("domains = [\"industrial_foundation\"]", "domains = []", 1)
    });
    assert!(reason.contains("domains"), "{reason}");
    let (_, line, reason) = refused(rel, |t| {
        t.replacen("conditions = [\"c4\"]", "conditions = [\"c9\"]", 1)
    });
    assert_eq!(line, Some(line_of(embedded(rel), "conditions = [\"c4\"]")));
    assert!(reason.contains("没有申报条件「c9」"), "{reason}");
    // An override that changes a weight pair (still 100) is taken.
    let dir = override_with(rel, |t| {
        t.replacen(
            "weight = 30\nmax = 10\nstep = 0.5\nmeans = \"技术是否代表",
            "weight = 40\nmax = 10\nstep = 0.5\nmeans = \"技术是否代表",
            1,
        )
        .replacen(
            "weight = 20\nmax = 10\nstep = 0.5\nmeans = \"技术成熟度",
            "weight = 10\nmax = 10\nstep = 0.5\nmeans = \"技术成熟度",
            1,
        )
    });
    let changed = Definitions::with_override(dir.path()).unwrap();
    let plan = changed
        .review
        .plan_for("leading_tech", Some("biomedicine"))
        .unwrap();
    assert_eq!(plan.criteria[0].weight, 40.0);
}
