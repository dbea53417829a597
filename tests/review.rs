//! 择优推荐 (issue 23): experts read from a list, conflicts of interest never assigned, the
//! workload balanced, fields matched, what was assigned kept, every choice explained; the
//! review folder and its CLI (`review init`, `assign`, `status`).
#![allow(clippy::disallowed_methods)] // tests set up their files directly

mod common;

use assert_cmd::Command;
use common::*;
use kczg_form::review::assign::explain;
use kczg_form::review::experts::from_rows;
use kczg_form::review::{Application, AssignPlan, Expert, assign, conflict};

fn expert(name: &str, unit: &str, fields: &str) -> Expert {
    Expert {
        name: name.into(),
        unit: unit.into(),
        unit_code: String::new(),
        fields: fields.into(),
        email: format!("{name}@example.cn"),
        declared: Vec::new(),
    }
}

/// The fixtures as the review reads them (each through the intake, as from an inbox).
fn applications() -> Vec<Application> {
    let defs = defs();
    // Kept: the packs read the applications' files again.
    let dir = tempfile::tempdir().unwrap().keep();
    let dir = &dir;
    for name in fixture_names() {
        std::fs::copy(
            fixture_path(&format!("{name}.json")),
            dir.as_path().join(format!("{name}.json")),
        )
        .unwrap();
    }
    let batch =
        kczg_form::consolidate::scan_on(&defs, &[dir.as_path().to_owned()], today(), &|_, _| {});
    batch
        .submissions
        .iter()
        .filter_map(|s| Application::of(&defs, s))
        .collect()
}

fn app_of<'a>(apps: &'a [Application], unit: &str) -> (usize, &'a Application) {
    apps.iter()
        .enumerate()
        .find(|(_, a)| a.unit.contains(unit))
        .unwrap_or_else(|| panic!("no application of {unit}"))
}

#[test]
fn conflicts_of_interest_same_unit_code_member_unit_and_declared() {
    let apps = applications();
    let (_, equipment) = app_of(&apps, "洛阳嵩岳");
    let same = expert("李华", "洛阳嵩岳智能矿山装备有限责任公司", "装备制造");
    assert!(
        conflict(&same, equipment).unwrap().contains("申报单位"),
        "a company suffix aside, the same unit"
    );
    let mut by_code = expert("钱程", "某集团", "装备制造");
    by_code.unit_code = equipment.code.to_lowercase();
    assert!(!equipment.code.is_empty());
    assert!(conflict(&by_code, equipment).unwrap().contains("单位代码"));
    let mut declared = expert("王芳", "华中科技大学", "生物医药");
    declared.declared = vec!["洛阳嵩岳智能矿山装备".into()];
    assert!(conflict(&declared, equipment).unwrap().contains("申明回避"));
    let stranger = expert("张明", "清华大学", "装备制造");
    assert_eq!(conflict(&stranger, equipment), None);
    // A member of an innovation union is a party of it.
    let union = apps
        .iter()
        .find(|a| a.list == "innovation_org" && a.parties.len() > 2)
        .expect("the union fixture has member units");
    let member = union.parties.last().unwrap().clone();
    let from_member = expert("孙磊", &member, "孵化");
    assert!(
        conflict(&from_member, union).unwrap().contains("成员单位"),
        "{member}"
    );
    // A short name inside a long one is no proof.
    let short = expert("周婷", "科技", "装备制造");
    assert_eq!(conflict(&short, equipment), None);
}

#[test]
fn assignment_never_conflicts_balances_the_load_and_prefers_matching_fields() {
    let defs = defs();
    let apps = applications();
    let experts = vec![
        expert("张明", "清华大学", "电子信息；集成电路"),
        expert("李华", "洛阳嵩岳智能矿山装备有限公司", "装备制造"),
        expert("王芳", "华中科技大学", "生物医药"),
        expert("赵强", "中国科学院宁波材料技术与工程研究所", "先进材料"),
        expert("陈静", "南京大学", "绿色低碳"),
        expert("刘洋", "河南省技术市场协会", "技术转移；技术经理人"),
        expert("孙磊", "深圳市科技创新委员会", "孵化；创业投资"),
        expert("周婷", "郑州大学", "产业基础；装备"),
        expert("吴刚", "上海交通大学", "电子信息"),
        expert("冯雪", "武汉大学", "生物医药"),
    ];
    let out = assign(&defs, &apps, &experts, AssignPlan { per: 3 }, &[]);
    assert!(out.short.is_empty(), "{:?}", out.short);
    assert_eq!(out.assignments.len(), apps.len() * 3);
    for a in &out.assignments {
        assert_eq!(conflict(&experts[a.expert], &apps[a.app]), None, "{a:?}");
    }
    let mut load = vec![0; experts.len()];
    for a in &out.assignments {
        load[a.expert] += 1;
    }
    let (min, max) = (load.iter().min().unwrap(), load.iter().max().unwrap());
    assert!(max - min <= 1, "balanced: {load:?}");
    // 生物医药 goes to the two biomedical experts (whose load allows it), and says why.
    let (bio, _) = app_of(&apps, "武汉光谷");
    let reviewers: Vec<&str> = out
        .assignments
        .iter()
        .filter(|a| a.app == bio)
        .map(|a| experts[a.expert].name.as_str())
        .collect();
    assert!(
        reviewers.contains(&"王芳") && reviewers.contains(&"冯雪"),
        "{reviewers:?}"
    );
    let why = explain(&defs, &apps, &experts, &out.assignments, bio, 2);
    assert!(why.contains("领域相符（生物医药）"), "{why}");
    // The equipment company's own expert is never its reviewer, and the reason is told.
    let (equipment, _) = app_of(&apps, "洛阳嵩岳");
    assert!(
        !out.assignments
            .iter()
            .any(|a| a.app == equipment && a.expert == 1)
    );
    let why = explain(&defs, &apps, &experts, &out.assignments, equipment, 1);
    assert!(why.contains("需回避") && why.contains("申报单位"), "{why}");

    // Run again with what exists kept: nothing moves, nothing is added.
    let again = assign(
        &defs,
        &apps,
        &experts,
        AssignPlan { per: 3 },
        &out.assignments,
    );
    assert_eq!(again.assignments, out.assignments);
    // A hand-made assignment is kept; a kept one that conflicts is not.
    let mut kept = vec![kczg_form::review::Assignment {
        app: equipment,
        expert: 0,
        why: "手工指定".into(),
        manual: true,
    }];
    kept.push(kczg_form::review::Assignment {
        app: equipment,
        expert: 1,
        why: "手工指定".into(),
        manual: true,
    });
    let with_hand = assign(&defs, &apps, &experts, AssignPlan { per: 3 }, &kept);
    assert!(
        with_hand
            .assignments
            .iter()
            .any(|a| a.app == equipment && a.expert == 0 && a.manual)
    );
    assert!(
        !with_hand
            .assignments
            .iter()
            .any(|a| a.app == equipment && a.expert == 1)
    );
}

#[test]
fn too_few_experts_is_said_per_application() {
    let defs = defs();
    let apps = applications();
    let experts = vec![
        expert("张明", "清华大学", "电子信息"),
        expert("李华", "洛阳嵩岳智能矿山装备有限公司", "装备制造"),
    ];
    let out = assign(&defs, &apps, &experts, AssignPlan { per: 3 }, &[]);
    assert_eq!(out.short.len(), apps.len());
    let (equipment, _) = app_of(&apps, "洛阳嵩岳");
    let (_, got, why) = out.short.iter().find(|(a, _, _)| *a == equipment).unwrap();
    assert_eq!(*got, 1);
    assert!(
        why.contains("只有 1 位") && why.contains("1 位需回避"),
        "{why}"
    );
}

#[test]
fn an_expert_list_from_xlsx_reads_like_its_csv() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("专家名单.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["姓名", "单位", "领域", "邮箱", "单位代码"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in [
        "张明",
        "清华大学",
        "电子信息",
        "ZhangMing@Tsinghua.edu.cn",
        "12100000400000624D",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(1, c as u16, *v).unwrap();
    }
    book.save(&path).unwrap();
    let list = kczg_form::review::read_experts(&path).unwrap();
    assert_eq!(list.experts.len(), 1);
    assert_eq!(list.experts[0].email, "zhangming@tsinghua.edu.cn");
    assert_eq!(list.experts[0].unit_code, "12100000400000624D");
    let csv = from_rows(&[
        vec![
            "姓名".into(),
            "单位".into(),
            "领域".into(),
            "邮箱".into(),
            "单位代码".into(),
        ],
        vec![
            "张明".into(),
            "清华大学".into(),
            "电子信息".into(),
            "zhangming@tsinghua.edu.cn".into(),
            "12100000400000624D".into(),
        ],
    ])
    .unwrap();
    assert_eq!(csv.experts, list.experts);
}

fn cli() -> Command {
    Command::cargo_bin("kczg-form").unwrap()
}

/// The CLI's contract: init reads the inbox through the intake and the list; assign exits 0
/// when every application has its reviewers, 1 when some are short; status --json has the
/// numbers; a folder without a review is exit 2 with what to do; a second init is refused.
#[test]
fn review_init_assign_and_status_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("收件箱");
    std::fs::create_dir(&inbox).unwrap();
    for name in fixture_names() {
        std::fs::copy(
            fixture_path(&format!("{name}.json")),
            inbox.join(format!("{name}.json")),
        )
        .unwrap();
    }
    let experts = dir.path().join("专家名单.csv");
    let mut csv = String::from("姓名,单位,单位代码,领域,邮箱\n");
    for (i, field) in [
        "电子信息",
        "生物医药",
        "装备制造",
        "先进材料",
        "绿色低碳",
        "产业基础",
        "技术转移",
        "孵化",
    ]
    .iter()
    .enumerate()
    {
        csv.push_str(&format!("专家{i},第{i}大学,,{field},e{i}@example.cn\n"));
    }
    csv.push_str("没邮箱,某大学,,电子信息,\n");
    std::fs::write(&experts, csv).unwrap();
    let review = dir.path().join("评审");
    let out = cli()
        .args(["review", "init"])
        .arg(&review)
        .arg("--experts")
        .arg(&experts)
        .arg(&inbox)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a row refused: {stdout}{stderr}"
    );
    assert!(stdout.contains("8 位专家，10 份申报"), "{stdout}");
    assert!(stderr.contains("没邮箱"), "{stderr}");
    let again = cli()
        .args(["review", "init"])
        .arg(&review)
        .arg("--experts")
        .arg(&experts)
        .arg(&inbox)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("已有一次评审"));

    let out = cli()
        .args(["review", "assign"])
        .arg(&review)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("新增 30 项"));
    let out = cli()
        .args(["review", "assign"])
        .arg(&review)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("新增 0 项，保留原有 30 项"));
    let out = cli()
        .args(["review", "assign"])
        .arg(&review)
        .args(["--per", "9"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "8 experts cannot give 9 reviews each"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("不足"));

    let out = cli()
        .args(["review", "status"])
        .arg(&review)
        .arg("--json")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["applications"], 10);
    assert_eq!(json["experts"], 8);
    assert_eq!(json["per"], 9);
    assert!(json["assignments"].as_u64().unwrap() >= 30);
    assert_eq!(json["by_expert"].as_array().unwrap().len(), 8);

    let none = dir.path().join("没有评审");
    let out = cli()
        .args(["review", "status"])
        .arg(&none)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("review init"));
}

// ---------------------------------------------------------------------------------------------
// The 评分表: made, filled by openpyxl, resaved by LibreOffice Calc, collected and checked
// ---------------------------------------------------------------------------------------------

use kczg_form::review::collect::{Verdict, read_returned};
use kczg_form::review::store::{Review, ReviewStore};

/// A review of the fixtures with four experts, assigned, in a folder.
fn a_review(dir: &std::path::Path) -> (ReviewStore, Review) {
    let defs = defs();
    let experts = vec![
        expert("张明", "清华大学", "电子信息"),
        expert("王芳", "华中科技大学", "生物医药"),
        expert("刘洋", "河南省技术市场协会", "技术转移"),
        expert("孙磊", "深圳市科技创新委员会", "孵化"),
    ];
    let apps = applications();
    let mut store = ReviewStore::create(&dir.join("评审"), &experts, &apps, 3).unwrap();
    let review = store.load().unwrap();
    let out = assign(
        &defs,
        &review.apps,
        &review.experts,
        AssignPlan { per: 3 },
        &[],
    );
    store
        .save_assignments(&review, &out.assignments, 3)
        .unwrap();
    let review = store.load().unwrap();
    (store, review)
}

/// Fills with openpyxl: returns the filled file and what the script found of validations and
/// protection.
fn fill(
    input: &std::path::Path,
    output: &std::path::Path,
    plan: &serde_json::Value,
) -> serde_json::Value {
    let plan_path = output.with_extension("json");
    std::fs::write(&plan_path, plan.to_string()).unwrap();
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/fill_sheet.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg(input)
        .arg(output)
        .arg(&plan_path)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "fill_sheet.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn openpyxl_found(test: &str) -> bool {
    let ok = std::process::Command::new("python3")
        .args(["-c", "import openpyxl"])
        .output()
        .is_ok_and(|o| o.status.success());
    external(test, ok, "python3 with openpyxl (pip install openpyxl)")
}

/// The expert's sheet as packed, and a plan that scores every row.
fn packed_sheet(
    review: &Review,
    secret: &str,
    e: usize,
    dir: &std::path::Path,
) -> (
    std::path::PathBuf,
    serde_json::Value,
    Vec<(String, Vec<f64>)>,
) {
    let defs = defs();
    let pack = kczg_form::review::pack::pack(
        &defs,
        review,
        secret,
        e,
        chrono::Local::now().fixed_offset(),
    )
    .unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(pack.zip)).unwrap();
    let name = format!("{}-评分表.xlsx", review.experts[e].name);
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut zip.by_name(&name).unwrap(), &mut bytes).unwrap();
    // Nothing of anyone else's: the sheet and this expert's applications only.
    let mine = kczg_form::review::collect::assigned(review, e);
    for i in 0..zip.len() {
        let entry = zip.by_index(i).unwrap().name().to_owned();
        if entry == name {
            continue;
        }
        assert!(entry.starts_with("申报材料/"), "{entry}");
        let is_mine = mine.iter().any(|a| {
            let file = std::path::Path::new(&a.source)
                .file_name()
                .unwrap()
                .to_str()
                .unwrap();
            entry.ends_with(&format!("/{file}"))
        });
        assert!(is_mine, "{entry} is not this expert's");
    }
    let path = dir.join(&name);
    std::fs::write(&path, bytes).unwrap();
    let mut rows = serde_json::Map::new();
    let mut expected = Vec::new();
    for (k, app) in mine.iter().enumerate() {
        let plan = defs
            .review
            .plan_for(&app.list, app.domain.as_deref())
            .unwrap();
        let scores: Vec<f64> = plan
            .criteria
            .iter()
            .enumerate()
            .map(|(j, c)| (c.max - ((k + j) % 7) as f64 * c.step).max(0.0))
            .collect();
        rows.insert(
            kczg_form::review::sheet::key(app),
            serde_json::json!({"scores": scores, "verdict": "推荐", "comment": format!("意见{k}：技术先进，材料翔实")}),
        );
        expected.push((app.id.clone(), scores));
    }
    (path, serde_json::json!({"rows": rows}), expected)
}

fn resave_xlsx(file: &std::path::Path, dir: &std::path::Path) -> std::path::PathBuf {
    let out_dir = dir.join("resaved");
    std::fs::create_dir_all(&out_dir).unwrap();
    let profile = format!(
        "-env:UserInstallation=file://{}",
        dir.join("profile").display()
    );
    let out = std::process::Command::new("soffice")
        .args([
            &profile,
            "--headless",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
        ])
        .arg(&out_dir)
        .arg(file)
        .output()
        .expect("soffice runs");
    let resaved = out_dir.join(file.file_name().unwrap());
    assert!(
        resaved.exists(),
        "LibreOffice did not resave: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    resaved
}

fn sheet_xml(xlsx: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut all = String::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        if f.name().starts_with("xl/worksheets/sheet") {
            std::io::Read::read_to_string(&mut f, &mut all).unwrap();
        }
    }
    all
}

/// Filled by openpyxl and resaved by LibreOffice Calc as .xlsx: every score comes back exactly,
/// with its verdict and comment; the data validations and the protection survive both.
#[test]
fn a_score_sheet_filled_by_openpyxl_and_resaved_by_libreoffice_is_collected_exactly() {
    if !openpyxl_found("score sheet round trip") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (store, review) = a_review(dir.path());
    let secret = store.secret().unwrap();
    let defs = defs();
    let (blank, plan, expected) = packed_sheet(&review, &secret, 0, dir.path());
    let made = sheet_xml(&std::fs::read(&blank).unwrap());
    assert!(made.contains("<dataValidation") && made.contains("<sheetProtection"));
    let filled = dir.path().join("filled.xlsx");
    let found = fill(&blank, &filled, &plan);
    assert!(found["validations"].as_u64().unwrap() >= 5, "{found}");
    assert_eq!(
        found["protected"].as_array().unwrap().len(),
        found["sheets"].as_array().unwrap().len()
    );
    let check = |bytes: &[u8], how: &str| {
        let back = read_returned(&defs, &review, &secret, how, bytes).unwrap();
        assert_eq!(back.expert, Some(0), "{how}");
        assert!(back.findings.is_empty(), "{how}: {:#?}", back.findings);
        assert_eq!(back.taken.len(), expected.len(), "{how}");
        for (id, scores) in &expected {
            let got = back
                .taken
                .iter()
                .find(|s| review.apps[s.app].id == *id)
                .unwrap();
            assert_eq!(&got.scores, scores, "{how}");
            assert_eq!(got.verdict, Verdict::Recommend);
            assert!(got.comment.starts_with("意见"));
        }
    };
    check(&std::fs::read(&filled).unwrap(), "openpyxl");
    let Some(_) = common::editors::require_libreoffice("score sheet resaved by LibreOffice") else {
        return;
    };
    let resaved = resave_xlsx(&filled, dir.path());
    let bytes = std::fs::read(&resaved).unwrap();
    check(&bytes, "LibreOffice");
    let xml = sheet_xml(&bytes);
    assert!(
        xml.contains("<dataValidation"),
        "validations survive LibreOffice's resave"
    );
    assert!(
        xml.contains("<sheetProtection"),
        "protection survives LibreOffice's resave"
    );
}

/// Tampering is found and nothing silently taken: a row moved is matched by its code and
/// said; a row deleted is missing; a row added, a key altered, a score out of range, a
/// missing comment are refused; 回避 is taken without scores and asks for another expert; a
/// sheet of another review matches nobody; a sheet sent again replaces the first.
#[test]
fn a_tampered_score_sheet_is_found_out_row_by_row() {
    if !openpyxl_found("tampered score sheet") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (mut store, review) = a_review(dir.path());
    let secret = store.secret().unwrap();
    let defs = defs();
    let e = (0..review.experts.len())
        .max_by_key(|&e| kczg_form::review::collect::assigned(&review, e).len())
        .unwrap();
    let (blank, mut plan, _) = packed_sheet(&review, &secret, e, dir.path());
    let mine = kczg_form::review::collect::assigned(&review, e);
    assert!(mine.len() >= 3);
    let groups = kczg_form::review::sheet::by_plan(&defs, &mine);
    let first_sheet: Vec<&Application> = groups[0].1.clone();
    assert!(
        first_sheet.len() >= 2,
        "two rows on the first sheet to move"
    );
    let key = |a: &Application| kczg_form::review::sheet::key(a);
    // Row-level problems on the first sheet, where openpyxl tampers.
    let rows = plan["rows"].as_object_mut().unwrap();
    let last = mine.last().unwrap();
    rows.insert(
        key(last),
        serde_json::json!({"scores": [], "verdict": "回避", "comment": "与该单位有合作"}),
    );
    if first_sheet.len() >= 2 {
        let k = key(first_sheet[1]);
        rows.get_mut(&k).unwrap()["scores"][0] = serde_json::json!(11);
    }
    let filled = dir.path().join("tampered.xlsx");
    let mut tamper = vec![serde_json::json!(["add"])];
    if first_sheet.len() >= 2 {
        tamper.push(serde_json::json!(["swap", 1, 2]));
    }
    plan["tamper"] = serde_json::json!(tamper);
    fill(&blank, &filled, &plan);
    let back = read_returned(
        &defs,
        &review,
        &secret,
        "tampered.xlsx",
        &std::fs::read(&filled).unwrap(),
    )
    .unwrap();
    let said = back.findings.join("\n");
    assert!(said.contains("新增或改动过校验码"), "{said}");
    assert!(said.contains("选择回避") && said.contains("另派"), "{said}");
    if first_sheet.len() >= 2 {
        assert!(said.contains("被移动过"), "{said}");
        assert!(said.contains("11 分不在 0–10 分"), "{said}");
    }
    assert!(
        back.taken
            .iter()
            .any(|s| s.verdict == Verdict::Abstain && s.scores.is_empty())
    );
    assert!(
        !back
            .taken
            .iter()
            .any(|s| s.scores.iter().any(|&v| v > 10.0))
    );
    assert!(
        !store
            .record_return(&review, &back, "tampered.xlsx")
            .unwrap()
    );
    assert!(
        store
            .record_return(&review, &back, "tampered.xlsx")
            .unwrap(),
        "sent again: replaced"
    );

    // A deleted row and an altered key.
    let (blank, mut plan, _) = packed_sheet(&review, &secret, e, dir.path());
    plan["tamper"] = serde_json::json!([["key", 1, "000000000000"]]);
    let altered = dir.path().join("altered.xlsx");
    fill(&blank, &altered, &plan);
    let back = read_returned(
        &defs,
        &review,
        &secret,
        "altered.xlsx",
        &std::fs::read(&altered).unwrap(),
    )
    .unwrap();
    assert!(
        back.findings
            .iter()
            .any(|f| f.contains("申报编号或名称被改动过")),
        "{:#?}",
        back.findings
    );
    plan["tamper"] = serde_json::json!([["delete", 1]]);
    let deleted = dir.path().join("deleted.xlsx");
    fill(&blank, &deleted, &plan);
    let back = read_returned(
        &defs,
        &review,
        &secret,
        "deleted.xlsx",
        &std::fs::read(&deleted).unwrap(),
    )
    .unwrap();
    assert!(
        back.findings
            .iter()
            .any(|f| f.contains("缺少「") && f.contains(&first_sheet[0].name)),
        "{:#?}",
        back.findings
    );
    // Another review's secret: nobody's sheet.
    let other = read_returned(
        &defs,
        &review,
        "another-secret",
        "x.xlsx",
        &std::fs::read(&deleted).unwrap(),
    )
    .unwrap();
    assert_eq!(other.expert, None);
    assert!(other.taken.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Aggregate and rank
// ---------------------------------------------------------------------------------------------

fn scored(
    app: usize,
    expert: usize,
    scores: Vec<f64>,
    verdict: Verdict,
) -> kczg_form::review::collect::Scored {
    kczg_form::review::collect::Scored {
        app,
        expert,
        scores,
        verdict,
        comment: format!("专家{expert}的意见"),
    }
}

/// Weighted totals from the criteria, mean and trimmed mean (from five reviews), the spread
/// flagged past the margin, the majority of 推荐 proposed and numbered in order; with
/// normalisation, a harsh expert's low marks weigh as much as a lenient expert's high ones.
#[test]
fn scores_are_weighted_averaged_trimmed_normalised_flagged_and_ranked() {
    use kczg_form::review::rank::rank;
    let defs = defs();
    // Three applications of one list and domain: one ranking.
    let one = applications()
        .into_iter()
        .find(|a| a.domain.as_deref() == Some("electronic_info"))
        .unwrap();
    let apps: Vec<Application> = (0..3)
        .map(|i| Application {
            id: format!("{i}{}", one.id),
            name: format!("{}{i}", one.name),
            ..one.clone()
        })
        .collect();
    let experts: Vec<Expert> = (0..5)
        .map(|i| expert(&format!("专家{i}"), &format!("第{i}大学"), "电子信息"))
        .collect();
    let review = Review {
        experts,
        apps,
        assignments: Vec::new(),
        per: 5,
    };
    let all = |v: f64| vec![v; 4];
    use Verdict::{Abstain, NotRecommend, Recommend};
    let s = vec![
        // App 0: five reviews, one far off: trimmed mean leaves it out.
        scored(0, 0, all(8.0), Recommend),
        scored(0, 1, all(8.0), Recommend),
        scored(0, 2, all(8.0), Recommend),
        scored(0, 3, all(8.0), NotRecommend),
        scored(0, 4, all(2.0), NotRecommend),
        // App 1: weights matter (innovation 30 %, maturity 20 %, market 30 %, willingness 20 %).
        scored(1, 0, vec![10.0, 0.0, 10.0, 0.0], Recommend),
        scored(1, 1, vec![10.0, 0.0, 10.0, 0.0], NotRecommend),
        scored(1, 2, vec![], Abstain),
        // App 2: expert 4 is harsh (all 2s and 3s) but liked it best of what they saw.
        scored(2, 4, all(3.0), Recommend),
        scored(2, 3, all(7.0), Recommend),
    ];
    let groups = rank(&defs, &review, &s, false);
    let placed: Vec<_> = groups.iter().flat_map(|g| &g.placed).collect();
    let p = |app: usize| placed.iter().find(|p| p.app == app).unwrap();
    assert_eq!(p(0).mean, Some(68.0));
    assert_eq!(p(0).trimmed, Some(80.0), "the 20 and one 80 left out");
    assert_eq!(p(0).spread, 60.0);
    assert!(p(0).disagreement);
    assert_eq!((p(0).recommend, p(0).voted), (3, 5));
    assert!(p(0).proposed);
    assert_eq!(p(1).mean, Some(60.0), "30 + 30 of 100");
    assert_eq!(p(1).trimmed, None, "two reviews: no trimmed mean");
    assert_eq!((p(1).recommend, p(1).voted), (1, 2));
    assert!(!p(1).proposed, "half is no majority");
    assert_eq!(p(1).reviews.len(), 3, "the 回避 is listed");
    assert_eq!(p(2).mean, Some(50.0));
    assert!(p(2).proposed);
    // Ranking by the trimmed mean where there is one: 0 (80), 1 (60), 2 (50).
    let order: Vec<usize> = placed.iter().map(|p| p.app).collect();
    assert_eq!(order, [0, 1, 2]);
    assert_eq!((p(0).order, p(2).order), (Some(1), Some(2)));
    // Normalised: expert 4's 30 is their best mark; app 2 rises above app 1.
    let groups = rank(&defs, &review, &s, true);
    let placed: Vec<_> = groups.iter().flat_map(|g| &g.placed).collect();
    let pos = |app: usize| placed.iter().position(|p| p.app == app).unwrap();
    assert!(
        pos(2) < pos(1),
        "normalised: {:?}",
        placed.iter().map(|p| (p.app, p.z_mean)).collect::<Vec<_>>()
    );
}

/// `review pack`, `collect` and `rank` on the command line: packs and messages per expert, a
/// filled sheet collected (exit 0), the same sent again replaces it, the summary written with
/// a sheet per list and the comments; status counts what is out and back.
#[test]
fn review_pack_collect_rank_on_the_command_line() {
    if !openpyxl_found("review pack collect rank") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (store, review) = a_review(dir.path());
    let folder = dir.path().join("评审");
    drop(store);
    let packs = dir.path().join("评审包");
    let out = cli()
        .args(["review", "pack"])
        .arg(&folder)
        .arg("-o")
        .arg(&packs)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let zips = std::fs::read_dir(&packs)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "zip")
        })
        .count();
    assert_eq!(zips, review.experts.len());
    let eml = std::fs::read_to_string(packs.join("张明-评审包.eml")).unwrap();
    assert!(
        eml.contains("To: <张明@example.cn>") || eml.contains("张明@example.cn"),
        "{}",
        &eml[..400.min(eml.len())]
    );
    // Fill 张明's sheet and send it back in an e-mail and as the file.
    let store = ReviewStore::open(&folder).unwrap();
    let secret = store.secret().unwrap();
    let (blank, plan, _) = packed_sheet(&review, &secret, 0, dir.path());
    let filled = dir.path().join("张明-评分表.xlsx");
    fill(&blank, &filled, &plan);
    let out = cli()
        .args(["review", "collect"])
        .arg(&folder)
        .arg(&filled)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("已收回张明的评分表"), "{stdout}");
    let out = cli()
        .args(["review", "collect"])
        .arg(&folder)
        .arg(&filled)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("替换了之前收回的评分表"));
    let out = cli()
        .args(["review", "status"])
        .arg(&folder)
        .arg("--json")
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["sheets"]["packed"], review.experts.len());
    assert_eq!(json["sheets"]["returned"], 1);
    assert_eq!(json["sheets"]["missing"], review.experts.len() - 1);
    let result = dir.path().join("评审结果汇总表.xlsx");
    let print = dir.path().join("评审结果汇总表.docx");
    let out = cli()
        .args(["review", "rank"])
        .arg(&folder)
        .arg("-o")
        .arg(&result)
        .arg("--docx")
        .arg(&print)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "some applications are not scored yet"
    );
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&print).unwrap()).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml)
        .unwrap();
    assert!(xml.contains("评审组组长（签字）"), "signature lines");
    assert!(
        xml.contains("评审意见") && xml.contains("意见0"),
        "the comments collected"
    );
    assert!(xml.contains("w:orient=\"landscape\""), "landscape");
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&result).unwrap();
    use calamine::Reader;
    let names = book.sheet_names().to_owned();
    assert!(
        names.iter().any(|n| n.starts_with("先导技术榜")),
        "{names:?}"
    );
    assert_eq!(names.last().map(String::as_str), Some("评审意见"));
    let comments = book.worksheet_range("评审意见").unwrap();
    let text: Vec<String> = comments
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect();
    assert!(
        text.iter().any(|t| t.starts_with("意见")),
        "the comments collected"
    );
    assert!(text.iter().any(|t| t == "张明"));
}

/// By hand on the command line: an assignment added is kept by the next run and said as 手工指定;
/// one to an expert who must abstain is refused with the reason; one taken back is gone; and
/// `review explain` says for every expert why they do or do not review an application.
#[test]
fn assignments_by_hand_and_explained_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("评审");
    let apps = applications();
    let experts = vec![
        expert("张明", "清华大学", "装备制造"),
        expert("李华", "洛阳嵩岳智能矿山装备有限公司", "装备制造"),
        expert("王芳", "华中科技大学", "生物医药"),
        expert("刘洋", "河南省技术市场协会", "技术转移"),
    ];
    ReviewStore::create(&folder, &experts, &apps, 2).unwrap();
    let (_, equipment) = app_of(&apps, "洛阳嵩岳");
    let key = kczg_form::review::sheet::key(equipment);
    let run = |args: &[&str]| {
        let out = cli().args(["review"]).args(args).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let f = folder.to_str().unwrap();
    let (code, said) = run(&["assign", f, "--add", &format!("{key}=李华@example.cn")]);
    assert_eq!(code, Some(2), "{said}");
    assert!(
        said.contains("需回避") && said.contains("申报单位"),
        "{said}"
    );
    let (code, said) = run(&["assign", f, "--add", &format!("{key}=王芳@example.cn")]);
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("已手工指定：王芳"), "{said}");
    let (code, _) = run(&["assign", f]);
    assert_eq!(code, Some(0));
    let review = ReviewStore::open(&folder).unwrap().load().unwrap();
    let (e_app, _) = app_of(&review.apps, "洛阳嵩岳");
    let on: Vec<(&str, bool)> = review
        .assignments
        .iter()
        .filter(|a| a.app == e_app)
        .map(|a| (review.experts[a.expert].name.as_str(), a.manual))
        .collect();
    assert!(on.contains(&("王芳", true)), "{on:?}");
    assert!(!on.iter().any(|(n, _)| *n == "李华"));
    let (_, said) = run(&["explain", f, &key]);
    assert!(
        said.contains("李华不评审") && said.contains("需回避"),
        "{said}"
    );
    assert!(
        said.contains("王芳评审") && said.contains("手工指定"),
        "{said}"
    );
    let (code, said) = run(&["assign", f, "--remove", &format!("{key}=王芳@example.cn")]);
    assert_eq!(code, Some(0), "{said}");
    let review = ReviewStore::open(&folder).unwrap().load().unwrap();
    assert!(
        !review
            .assignments
            .iter()
            .any(|a| a.app == e_app && review.experts[a.expert].name == "王芳")
    );
    let (code, said) = run(&["explain", f, "zzzz"]);
    assert_eq!(code, Some(2));
    assert!(said.contains("没有申报编号"), "{said}");
}

const REVIEWER_ENV: &str = "KCZG_TEST_CRASH_REVIEWER";

/// Not a test on its own: a clerk making assignments by hand as fast as they go, each one a
/// transaction; after each it prints how many are done, so the parent knows what was committed.
#[test]
fn crash_child_reviewer() {
    use std::io::Write;
    let Some(dir) = std::env::var_os(REVIEWER_ENV) else {
        return;
    };
    let mut store = ReviewStore::open(std::path::Path::new(&dir)).unwrap();
    let review = store.load().unwrap();
    let mut out = std::io::stdout().lock();
    for n in 1.. {
        let app = &review.apps[n % review.apps.len()];
        let expert = &review.experts[n % review.experts.len()];
        store.set_by_hand(app, expert, n % 3 != 0).unwrap();
        writeln!(out, "{n}").unwrap();
        out.flush().unwrap();
    }
}

/// kill -9 while assignments are being made: the review opens, SQLite finds it sound, and at
/// most the action under way is lost (every action heard of as done is there).
#[cfg(unix)]
#[test]
fn a_review_killed_mid_action_loses_at_most_that_action() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("评审");
    let experts: Vec<Expert> = (0..7)
        .map(|i| expert(&format!("专家{i}"), &format!("第{i}大学"), "电子信息"))
        .collect();
    ReviewStore::create(&folder, &experts, &applications(), 3).unwrap();
    let exe = std::env::current_exe().unwrap();
    for round in 0..3 {
        let before = ReviewStore::open(&folder).unwrap().history().unwrap().len();
        let mut child = std::process::Command::new(&exe)
            .args([
                "crash_child_reviewer",
                "--exact",
                "--test-threads=1",
                "--nocapture",
            ])
            .env(REVIEWER_ENV, &folder)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut heard = 0usize;
        let target = 40 + round * 37;
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Ok(n) = line.trim().parse::<usize>() {
                heard = n;
            }
            if heard >= target {
                break;
            }
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        assert!(heard >= target, "round {round}: the clerk never got going");
        let store = ReviewStore::open(&folder).unwrap();
        assert_eq!(store.integrity().unwrap(), "ok", "round {round}");
        let recorded = store.history().unwrap().len() - before;
        assert!(
            recorded >= heard,
            "round {round}: {recorded} recorded, {heard} were done"
        );
        let review = store.load().unwrap();
        assert!(review.assignments.iter().all(|a| a.manual), "round {round}");
    }
}

/// Two applications sent in one e-mail, with a sealed scan and a program: each expert's pack
/// carries only the form assigned (taken out of the e-mail), the files that came with it and
/// nothing of the other form; the program is left out and said; a message changed after the
/// review began is said, not packed.
#[test]
fn a_pack_takes_the_form_out_of_its_email_without_the_other_application() {
    use mail_builder::MessageBuilder;
    use mail_builder::mime::MimePart;
    let defs = defs();
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("收件箱");
    std::fs::create_dir_all(&inbox).unwrap();
    let names = fixture_names();
    let (first, second) = (&names[0], &names[1]);
    let json = |n: &str| std::fs::read(fixture_path(&format!("{n}.json"))).unwrap();
    let pdf = b"%PDF-1.4\n% sealed scan\n".to_vec();
    let mut eml = Vec::new();
    MessageBuilder::new()
        .from("申报人 <a@example.cn>")
        .to("gxtdzxh@126.com")
        .subject("两份申报")
        .body(MimePart::new(
            "multipart/mixed",
            vec![
                MimePart::new("text/plain", "见附件"),
                MimePart::new("application/json", json(first)).attachment(format!("{first}.json")),
                MimePart::new("application/json", json(second))
                    .attachment(format!("{second}.json")),
                MimePart::new("application/pdf", pdf.clone()).attachment("盖章扫描件.pdf"),
                MimePart::new("application/octet-stream", b"MZ\x90\x00".to_vec())
                    .attachment("setup.exe"),
            ],
        ))
        .serialize(&mut eml);
    let message = inbox.join("两份申报.eml");
    std::fs::write(&message, &eml).unwrap();
    let batch =
        kczg_form::consolidate::scan_on(&defs, std::slice::from_ref(&inbox), today(), &|_, _| {});
    let apps: Vec<Application> = batch
        .submissions
        .iter()
        .filter_map(|s| Application::of(&defs, s))
        .collect();
    assert_eq!(apps.len(), 2, "both forms of the e-mail are applications");
    assert!(apps.iter().all(|a| !a.member_at.is_empty()));
    let experts = vec![
        expert("张明", "清华大学", "电子信息"),
        expert("王芳", "华中科技大学", "生物医药"),
    ];
    let review = Review {
        experts,
        apps: apps.clone(),
        assignments: (0..2)
            .map(|i| kczg_form::review::Assignment {
                app: i,
                expert: i,
                why: "手工指定".into(),
                manual: true,
            })
            .collect(),
        per: 1,
    };
    let when = chrono::Local::now().fixed_offset();
    for e in 0..2 {
        let pack = kczg_form::review::pack::pack(&defs, &review, "s", e, when).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(pack.zip)).unwrap();
        let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).unwrap();
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut bytes).unwrap();
            entries.push((f.name().to_owned(), bytes));
        }
        let mine = apps[e].member.clone().unwrap();
        let other = apps[1 - e].member.clone().unwrap();
        let form = entries
            .iter()
            .find(|(n, _)| n.starts_with("申报材料/01-") && n.ends_with(&format!("/{mine}")))
            .unwrap_or_else(|| panic!("{mine} in {entries:?}"));
        let folder = form.0.strip_suffix(&mine).unwrap().to_owned();
        assert_eq!(kczg_form::intake::content_id(&form.1), apps[e].id);
        assert!(
            entries
                .iter()
                .any(|(n, b)| *n == format!("{folder}盖章扫描件.pdf") && *b == pdf)
        );
        assert!(
            !entries
                .iter()
                .any(|(n, _)| n.ends_with(&other) || n.ends_with(".eml") || n.ends_with(".exe")),
            "{:?}",
            entries.iter().map(|(n, _)| n).collect::<Vec<_>>()
        );
        assert_eq!(entries.len(), 3, "sheet, form, scan");
        assert!(
            pack.missing
                .iter()
                .any(|m| m.contains("setup.exe") && m.contains("未放入评审包")),
            "{:?}",
            pack.missing
        );
    }
    // The message replaced after the review began: the form is not packed, and said.
    let mut changed = Vec::new();
    MessageBuilder::new()
        .from("申报人 <a@example.cn>")
        .subject("另一封")
        .body(MimePart::new(
            "multipart/mixed",
            vec![
                MimePart::new("text/plain", "见附件"),
                MimePart::new("application/json", json(second))
                    .attachment(format!("{second}.json")),
            ],
        ))
        .serialize(&mut changed);
    std::fs::write(&message, &changed).unwrap();
    let pack = kczg_form::review::pack::pack(&defs, &review, "s", 0, when).unwrap();
    assert!(
        pack.missing.iter().any(|m| m.contains("已找不到")),
        "{:?}",
        pack.missing
    );
}

/// The ranking confirmed is kept in the review folder: read back after the store is closed,
/// replaced (not added to) by a second confirmation, logged, and shown by `review status`.
#[test]
fn the_confirmed_ranking_is_kept_replaced_and_shown() {
    use kczg_form::review::store::ConfirmedPlace;
    let dir = tempfile::tempdir().unwrap();
    let (mut store, review) = a_review(dir.path());
    assert_eq!(store.confirmed().unwrap(), None);
    let place = |i: usize, recommend: bool, place: Option<u32>| ConfirmedPlace {
        app: review.apps[i].id.clone(),
        recommend,
        place,
        score: Some(90.0 - i as f64),
    };
    store
        .confirm(&[place(0, true, Some(1)), place(1, false, None)], false)
        .unwrap();
    store
        .confirm(
            &[
                place(0, true, Some(2)),
                place(1, true, Some(1)),
                place(2, false, None),
            ],
            true,
        )
        .unwrap();
    drop(store);
    let folder = dir.path().join("评审");
    let store = ReviewStore::open(&folder).unwrap();
    let c = store.confirmed().unwrap().unwrap();
    assert!(c.normalised);
    assert_eq!(c.recommended, 2);
    assert_eq!(
        c.places.len(),
        3,
        "the second confirmation replaced the first"
    );
    assert_eq!(
        c.places[0],
        place(1, true, Some(1)),
        "recommended first, by place"
    );
    assert_eq!(c.places[1], place(0, true, Some(2)));
    let log: Vec<String> = store
        .history()
        .unwrap()
        .into_iter()
        .map(|(_, w)| w)
        .collect();
    assert_eq!(log.iter().filter(|w| w.starts_with("确认排名")).count(), 2);
    drop(store);
    let out = cli()
        .args(["review", "status", "--json"])
        .arg(&folder)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["confirmed"]["recommended"], 2);
    assert_eq!(json["confirmed"]["places"][0]["place"], 1);
    let out = cli()
        .args(["review", "status"])
        .arg(&folder)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("排名已确认") && text.contains("推荐 2 份"),
        "{text}"
    );
}
