//! One test per row of the traceability table (forms.md §9): every condition of the notice has
//! a rule, and each test checks both sides of its boundary on an otherwise valid fixture.
#![allow(clippy::disallowed_methods)] // tests set up their files directly

mod common;

use common::*;
use kczg_form::Severity::{Error, Warning};
use serde_json::json;

const LT4: &str = "先导技术榜 条件1";

// ---- 先导技术榜（五大产业领域） ----

#[test]
fn leading_tech_condition1_innovation_maturity_and_early_validation() {
    let ok = fixture("leading_tech-electronic_info");
    assert_clean(&ok);
    assert_only(
        &without(ok.clone(), "innovation"),
        "innovation",
        Error,
        Some(LT4),
    );
    assert_only(
        &without(ok.clone(), "early_validation"),
        "early_validation",
        Error,
        Some(LT4),
    );
    // TRL 3 and below: a warning citing 条件1; TRL 4 is fine.
    let w = assert_only(
        &with(ok.clone(), "trl", json!("3")),
        "trl",
        Warning,
        Some(LT4),
    );
    assert!(w.message.contains("达到一定成熟度且通过早期验证"), "{w:?}");
    assert_only(
        &with(ok.clone(), "trl", json!("1")),
        "trl",
        Warning,
        Some(LT4),
    );
    assert_clean(&with(ok, "trl", json!("4")));
}

#[test]
fn leading_tech_condition2_transferable_with_market_prospects() {
    let ok = fixture("leading_tech-biomedicine");
    let cond = Some("先导技术榜 条件2");
    assert_only(
        &with(ok.clone(), "transfer_modes", json!([])),
        "transfer_modes",
        Error,
        cond,
    );
    assert_clean(&with(ok.clone(), "transfer_modes", json!(["技术许可"])));
    assert_only(&without(ok.clone(), "market"), "market", Error, cond);
    // No IP at all: a warning; one row is enough to silence it.
    let w = assert_only(&with(ok.clone(), "ip", json!([])), "ip", Warning, cond);
    assert!(w.message.contains("可转化、可转移、可交易"));
    let first_row = ok.values["ip"][0].clone();
    assert_clean(&with(ok, "ip", json!([first_row])));
}

#[test]
fn leading_tech_condition3_not_secret_and_willing_to_transfer() {
    let ok = fixture("leading_tech-equipment");
    let cond = Some("先导技术榜 条件3");
    assert_only(
        &with(ok.clone(), "pledge_public", json!(false)),
        "pledge_public",
        Error,
        cond,
    );
    assert_only(
        &without(ok.clone(), "pledge_willing"),
        "pledge_willing",
        Error,
        cond,
    );
    assert_clean(&ok);
}

#[test]
fn leading_tech_green_low_carbon_sectors_and_synergy() {
    let ok = fixture("leading_tech-green_low_carbon");
    assert_clean(&ok);
    let cond = Some("先导技术榜 绿色低碳领域");
    assert_only(
        &with(ok.clone(), "gl_sectors", json!([])),
        "gl_sectors",
        Error,
        cond,
    );
    assert_clean(&with(ok.clone(), "gl_sectors", json!(["交通"])));
    assert_only(
        &without(ok.clone(), "gl_synergy"),
        "gl_synergy",
        Error,
        cond,
    );
    // In another domain the green fields are hidden: neither required nor validated.
    let mut other = without(without(ok, "gl_sectors"), "gl_synergy");
    other.domain = Some("advanced_materials".into());
    assert_clean(&other);
    assert_clean(&with(other, "gl_sectors", json!(["不存在的方向"])));
}

// ---- 先导技术榜（产业基础专项领域） ----

const IF: &str = "leading_tech-industrial_foundation";

#[test]
fn industrial_foundation_condition1_five_foundations() {
    let ok = fixture(IF);
    assert_clean(&ok);
    let cond = Some("先导技术榜（产业基础） 条件1");
    assert_only(
        &without(ok.clone(), "if_category"),
        "if_category",
        Error,
        cond,
    );
    assert_only(
        &with(ok.clone(), "if_category", json!("基础服务")),
        "if_category",
        Error,
        cond,
    );
    assert_clean(&with(ok, "if_category", json!("工业基础软件")));
}

#[test]
fn industrial_foundation_condition2_original_breakthrough() {
    let ok = fixture(IF);
    let cond = Some("先导技术榜（产业基础） 条件2");
    assert_only(
        &without(ok.clone(), "if_original"),
        "if_original",
        Error,
        cond,
    );
    // 100 characters without spaces is the minimum: 99 is refused, 100 accepted.
    let short = format!("{} {}", "突".repeat(50), "破".repeat(49));
    let e = assert_only(
        &with(ok.clone(), "if_original", json!(short)),
        "if_original",
        Error,
        cond,
    );
    assert!(
        e.message.contains("不少于 100 字（不含空格），现有 99 字"),
        "{e:?}"
    );
    let enough = format!("{} {}", "突".repeat(50), "破".repeat(50));
    assert_clean(&with(ok, "if_original", json!(enough)));
}

#[test]
fn industrial_foundation_condition3_embargoed_or_import_dependent() {
    let ok = fixture(IF);
    let cond = Some("先导技术榜（产业基础） 条件3");
    assert_only(
        &with(ok.clone(), "if_dependence", json!([])),
        "if_dependence",
        Error,
        cond,
    );
    assert_clean(&with(ok.clone(), "if_dependence", json!(["长期依赖进口"])));
    assert_only(
        &without(ok, "if_dependence_detail"),
        "if_dependence_detail",
        Error,
        cond,
    );
}

#[test]
fn industrial_foundation_condition4_promotable_and_willing() {
    let ok = fixture(IF);
    let cond = Some("先导技术榜（产业基础） 条件4");
    assert_only(
        &with(ok.clone(), "pledge_public", json!(false)),
        "pledge_public",
        Error,
        cond,
    );
    assert_only(
        &with(ok.clone(), "pledge_willing", json!(false)),
        "pledge_willing",
        Error,
        cond,
    );
    // The TRL warning is worded for the five industry domains and does not apply here.
    assert_clean(&with(ok, "trl", json!("3")));
}

#[test]
fn industrial_foundation_high_stability_reliability_adaptability() {
    let ok = fixture(IF);
    let cond = Some("先导技术榜（产业基础） 专项领域要求");
    assert_only(
        &without(ok.clone(), "if_reliability"),
        "if_reliability",
        Error,
        cond,
    );
    // The foundation fields are hidden in the other domains.
    let mut other = ok;
    other.domain = Some("electronic_info".into());
    for id in [
        "if_category",
        "if_original",
        "if_dependence",
        "if_dependence_detail",
        "if_reliability",
    ] {
        other.values.shift_remove(id);
    }
    assert_clean(&other);
}

// ---- 新锐企业榜 ----

const EE: &str = "emerging_enterprise";
const EE1: &str = "新锐企业榜 条件1";

#[test]
fn emerging_enterprise_condition1_registered_in_mainland_not_hk_macao_taiwan() {
    let ok = fixture(EE);
    assert_clean(&ok);
    for outside in ["香港特别行政区", "澳门特别行政区", "台湾地区"] {
        let e = assert_only(
            &with(ok.clone(), "ent_region", json!(outside)),
            "ent_region",
            Error,
            Some(EE1),
        );
        assert!(e.message.contains("不包括港、澳、台地区"), "{e:?}");
    }
    // A mainland province that disagrees with the USCC is only a warning (companies move).
    let moved = with(ok.clone(), "ent_region", json!("河南省"));
    assert_only(&moved, "ent_region", Warning, None);
    assert!(errors_on(&moved, "ent_region").is_empty());
    assert_clean(&with(ok, "ent_region", json!("安徽省")));
}

#[test]
fn emerging_enterprise_founded_within_10_years_counted_from_2023() {
    let ok = fixture(EE);
    assert_clean(&with(ok.clone(), "ent_founded", json!("2013-01-01")));
    let e = assert_only(
        &with(ok.clone(), "ent_founded", json!("2012-12-31")),
        "ent_founded",
        Error,
        Some(EE1),
    );
    assert!(e.message.contains("成立年限超过10年"), "{e:?}");
    assert!(e.message.contains("2013年1月1日"), "{e:?}");
    // Not after today either.
    assert_only(
        &with(ok, "ent_founded", json!("2023-11-16")),
        "ent_founded",
        Error,
        Some(EE1),
    );
}

#[test]
fn emerging_enterprise_condition1_small_or_medium_sized() {
    let ok = fixture(EE);
    let sized = |employees: f64, revenue: f64| {
        let d = with(ok.clone(), "sector_for_size", json!("工业"));
        let d = with(d, "employees", json!(employees));
        let d = with(d, "rd_staff", json!(10));
        with(d, "revenue", json!(revenue))
    };
    // 工业: large only when both ≥ 1000 人 and ≥ 40000 万元.
    let w = assert_only(&sized(1000.0, 40000.0), "employees", Warning, Some(EE1));
    assert!(w.message.contains("可能不属于中小型企业"));
    assert_clean(&sized(999.0, 40000.0));
    assert_clean(&sized(1000.0, 39999.99));
    // Another sector's thresholds are data too: 软件和信息技术服务业 300 人 / 10000 万元.
    let software = with(
        sized(300.0, 10000.0),
        "sector_for_size",
        json!("软件和信息技术服务业"),
    );
    assert_only(&software, "employees", Warning, Some(EE1));
    // 研发人员 ≤ 从业人员.
    let staff = |rd: i64| {
        with(
            with(ok.clone(), "employees", json!(100)),
            "rd_staff",
            json!(rd),
        )
    };
    assert_clean(&staff(100));
    assert_only(&staff(101), "rd_staff", Error, Some(EE1));
}

#[test]
fn emerging_enterprise_early_or_growth_stage_only() {
    let ok = fixture(EE);
    let cond = Some("新锐企业榜 遴选要求");
    let e = assert_only(
        &with(ok.clone(), "stage", json!("成熟期")),
        "stage",
        Error,
        cond,
    );
    assert!(e.message.contains("初期或成长期"));
    assert_clean(&with(ok.clone(), "stage", json!("初创期")));
    assert_clean(&with(ok, "stage", json!("成长期")));
}

#[test]
fn emerging_enterprise_condition2_not_prohibited_restricted_or_obsolete() {
    let ok = fixture(EE);
    let cond = Some("新锐企业榜 条件2");
    assert_only(
        &with(ok.clone(), "pledge_not_prohibited", json!(false)),
        "pledge_not_prohibited",
        Error,
        cond,
    );
    assert_clean(&with(ok, "pledge_not_prohibited", json!(true)));
}

#[test]
fn emerging_enterprise_condition3_no_incidents_and_not_blacklisted() {
    let ok = fixture(EE);
    let cond = Some("新锐企业榜 条件3");
    assert_only(
        &without(ok.clone(), "pledge_no_incidents"),
        "pledge_no_incidents",
        Error,
        cond,
    );
    assert_only(
        &with(ok, "pledge_not_blacklisted", json!(false)),
        "pledge_not_blacklisted",
        Error,
        cond,
    );
    // 上一年及当年 come from the call's year.
    let defs = defs();
    let label = &defs
        .form(EE)
        .unwrap()
        .field("pledge_no_incidents")
        .unwrap()
        .label;
    assert!(label.contains("2022年及2023年"), "{label}");
}

// ---- 融通创新组织榜 ----

const IO1: &str = "融通创新组织榜 条件1";

#[test]
fn innovation_org_condition1_organisation_type() {
    let ok = fixture("innovation_org");
    assert_clean(&ok);
    assert_only(
        &without(ok.clone(), "org_type"),
        "org_type",
        Error,
        Some(IO1),
    );
    assert_only(
        &with(ok.clone(), "org_type", json!("协会")),
        "org_type",
        Error,
        Some(IO1),
    );
    // 创业孵化载体 needs its category; other types hide it (and then ignore its value).
    assert_only(
        &without(ok.clone(), "incubator_kind"),
        "incubator_kind",
        Error,
        Some(IO1),
    );
    let other = with(ok, "org_type", json!("专业技术转移机构"));
    assert_clean(&with(other, "incubator_kind", json!("不存在的类别")));
}

#[test]
fn innovation_org_condition1_founded_before_cutoff_by_type() {
    let ok = fixture("innovation_org");
    assert_clean(&with(ok.clone(), "org_founded", json!("2021-08-31")));
    let e = assert_only(
        &with(ok.clone(), "org_founded", json!("2021-09-01")),
        "org_founded",
        Error,
        Some(IO1),
    );
    assert_eq!(e.message, "成立时间须在2021年9月1日之前");

    let union = fixture("innovation_org-union");
    assert_clean(&union);
    assert_clean(&with(union.clone(), "org_founded", json!("2022-08-31")));
    let e = assert_only(
        &with(union.clone(), "org_founded", json!("2022-09-01")),
        "org_founded",
        Error,
        Some(IO1),
    );
    assert_eq!(e.message, "创新联合体成立时间须在2022年9月1日之前");

    // The cut-off follows the type: the union's 2022 date is too late for any other type.
    let retyped = with(union, "org_type", json!("新型研发机构"));
    let retyped = without(without(retyped, "lead_unit"), "members");
    assert_only(&retyped, "org_founded", Error, Some(IO1));
}

#[test]
fn innovation_union_needs_lead_unit_and_at_least_two_members() {
    let union = fixture("innovation_org-union");
    let two = json!(union.values["members"].as_array().unwrap()[..2]);
    assert_clean(&with(union.clone(), "members", two));
    let one = json!(union.values["members"].as_array().unwrap()[..1]);
    let e = assert_only(
        &with(union.clone(), "members", one),
        "members",
        Error,
        Some(IO1),
    );
    assert!(e.message.contains("至少填写 2 行"), "{e:?}");
    assert_only(&without(union, "lead_unit"), "lead_unit", Error, None);
}

#[test]
fn innovation_org_condition2_key_industry_fields() {
    let ok = fixture("innovation_org");
    let cond = Some("融通创新组织榜 条件2");
    assert_only(
        &with(ok.clone(), "fields", json!([])),
        "fields",
        Error,
        cond,
    );
    assert_clean(&with(ok, "fields", json!(["新材料"])));
}

#[test]
fn innovation_org_condition3_demonstration_city_and_services() {
    let ok = fixture("innovation_org");
    let cond = Some("融通创新组织榜 条件3");
    assert_only(
        &without(ok.clone(), "city_relation"),
        "city_relation",
        Error,
        cond,
    );
    assert_only(&without(ok.clone(), "city_name"), "city_name", Error, cond);
    assert_only(
        &with(ok.clone(), "services", json!([])),
        "services",
        Error,
        cond,
    );
    // All five KPIs zero: a warning; any one non-zero is enough.
    let kpis = [
        "kpi_rd_projects",
        "kpi_transfers",
        "kpi_contract_value",
        "kpi_incubated",
        "kpi_served",
    ];
    let zero = kpis.iter().fold(ok.clone(), |d, k| with(d, k, json!(0)));
    assert_only(&zero, "kpi_rd_projects", Warning, cond);
    assert_clean(&with(zero, "kpi_served", json!(1)));
}

// ---- 技术经理人先锋榜 ----

const TM: &str = "tech_manager";

#[test]
fn tech_manager_condition1_employer_and_position() {
    let ok = fixture(TM);
    assert_clean(&ok);
    let cond = Some("技术经理人先锋榜 条件1");
    assert_only(
        &without(ok.clone(), "employer_kind"),
        "employer_kind",
        Error,
        cond,
    );
    assert_only(&without(ok.clone(), "position"), "position", Error, cond);
    assert_only(&with(ok, "position", json!("   ")), "position", Error, cond);
}

#[test]
fn tech_manager_condition2_knowledge_and_skills() {
    let ok = fixture(TM);
    let cond = Some("技术经理人先锋榜 条件2");
    assert_only(
        &without(ok.clone(), "competence"),
        "competence",
        Error,
        cond,
    );
    let long = "能".repeat(801);
    let e = assert_only(
        &with(ok.clone(), "competence", json!(long)),
        "competence",
        Error,
        cond,
    );
    assert!(e.message.contains("不超过 800 字"), "{e:?}");
    assert_clean(&with(ok, "competence", json!("能".repeat(800))));
}

#[test]
fn tech_manager_condition3_trained_certified_or_teaching() {
    let ok = fixture(TM);
    let cond = Some("技术经理人先锋榜 条件3");
    assert_only(
        &with(ok.clone(), "qualification", json!([])),
        "qualification",
        Error,
        cond,
    );
    assert_only(
        &with(ok.clone(), "certificates", json!([])),
        "certificates",
        Error,
        cond,
    );
    let one = json!(ok.values["certificates"].as_array().unwrap()[..1]);
    assert_clean(&with(ok, "certificates", one));
}

#[test]
fn tech_manager_condition4_willing_to_serve() {
    let ok = fixture(TM);
    let cond = Some("技术经理人先锋榜 条件4");
    assert_only(
        &with(ok.clone(), "pledge_willing", json!(false)),
        "pledge_willing",
        Error,
        cond,
    );
    assert_clean(&with(ok, "pledge_willing", json!(true)));
}

#[test]
fn tech_manager_significant_industrial_and_economic_results() {
    let ok = fixture(TM);
    let cond = Some("技术经理人先锋榜 遴选要求");
    let zero = ["kpi_deals", "kpi_deal_value", "kpi_firms"]
        .iter()
        .fold(ok.clone(), |d, k| with(d, k, json!(0)));
    let w = assert_only(&zero, "kpi_deals", Warning, cond);
    assert!(w.message.contains("显著产业化成效和经济效益"));
    assert_clean(&with(zero, "kpi_deal_value", json!(0.5)));
    assert_only(&with(ok, "cases", json!([])), "cases", Error, cond);
}

// ---- 所有榜单 ----

#[test]
fn all_lists_previously_listed_are_not_candidates() {
    for name in fixture_names() {
        let ok = fixture(&name);
        let defs = defs();
        let form = defs.form(&ok.list).unwrap();
        let label = &form.field("pledge_not_listed").unwrap().label;
        assert!(label.starts_with("未入选历年“科创中国”"), "{label}");
        assert!(label.contains(&form.not_listed), "{label}");
        let cond = format!("{} 入选历年不再纳入候选", form.name);
        assert_only(
            &with(ok.clone(), "pledge_not_listed", json!(false)),
            "pledge_not_listed",
            Error,
            Some(&cond),
        );
        assert_clean(&ok);
    }
}

/// A 统一社会信用代码 typed with one character too many is one message (its format's, which
/// says how long it is and should be), not that and 「不超过 18 字」 as well.
#[test]
fn a_19_character_uscc_gets_one_message() {
    let draft = fixture("emerging_enterprise");
    let code = format!("{}1", draft.text("ent_uscc").unwrap());
    let draft = with(draft, "ent_uscc", code.into());
    let found = errors_on(&draft, "ent_uscc");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].message.contains("应为18位，现为19位"),
        "{found:#?}"
    );
}
