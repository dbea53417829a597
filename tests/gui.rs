//! The applicant's GUI, driven headless through its accessibility tree (egui_kittest): the
//! same fonts as the app, so a missing glyph fails the test.
#![cfg(feature = "gui")]
#![allow(clippy::disallowed_methods)] // tests set up their files directly

mod common;

use std::path::Path;

use common::*;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use kczg_form::ui::{KczgApp, Screen, install_fonts};

fn app(data: &Path) -> KczgApp {
    let mut app = KczgApp::new(defs(), Some(data), today());
    app.export_dir = Some(data.join("exports"));
    std::fs::create_dir_all(data.join("exports")).unwrap();
    app
}

fn harness(app: KczgApp) -> Harness<'static, KczgApp> {
    Harness::builder()
        .with_size([1280.0, 900.0])
        // Grids settle their column widths over a few frames.
        .with_max_steps(64)
        .with_context_setup(install_fonts)
        .build_ui_state(|ui, app: &mut KczgApp| app.show(ui), app)
}

fn form_state<'a>(h: &'a Harness<'_, KczgApp>) -> &'a kczg_form::ui::FormState {
    match &h.state().screen {
        Screen::Form(f) => f,
        _ => panic!("not on the form page"),
    }
}

/// A harness with one fixture draft in the store, opened.
fn opened(data: &Path, fixture_name: &str) -> Harness<'static, KczgApp> {
    let store = kczg_form::store::Store::at(data).unwrap();
    store
        .import_file(&fixture_path(&format!("{fixture_name}.json")))
        .unwrap();
    let mut h = harness(app(data));
    h.run();
    h.get_by_label("打开").click();
    h.run();
    h
}

fn new_draft(data: &Path, button: &str) -> Harness<'static, KczgApp> {
    let mut h = harness(app(data));
    h.run();
    h.get_by_label(button).click();
    h.run();
    h
}

/// Runs frames until the dialogs, exports and copies running off the frame are done (a
/// spinner repaints, so `run` alone would not settle).
fn settle(h: &mut Harness<'static, KczgApp>) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while h.state().is_busy() {
        assert!(
            std::time::Instant::now() < deadline,
            "a task did not finish"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
        h.step();
    }
    h.run();
}

/// Whether some text containing `text` is on screen (a finding shows beside its field and in
/// the problems panel, so it may be there twice).
fn shows(h: &Harness<'_, KczgApp>, text: &str) -> bool {
    h.query_all_by_label_contains(text).next().is_some()
}

/// The navigation entry of a section (its title may also stand in findings).
fn section<'a>(h: &'a Harness<'_, KczgApp>, title: &'a str) -> egui_kittest::Node<'a> {
    // The navigation comes first in the tree.
    h.query_all(
        egui_kittest::kittest::By::new()
            .role(Role::Button)
            .label_contains(title),
    )
    .next()
    .unwrap_or_else(|| panic!("no section {title}"))
}

fn input<'a>(h: &'a Harness<'_, KczgApp>, label: &'a str) -> egui_kittest::Node<'a> {
    h.get_by_role_and_label(Role::TextInput, label)
}

#[test]
fn choosing_each_list_and_domain_opens_its_form() {
    let defs = defs();
    for form in &defs.forms {
        let choices: Vec<(String, Option<String>)> = if form.domains.is_empty() {
            vec![(format!("新建{}申报", form.name), None)]
        } else {
            form.domains
                .iter()
                .map(|d| (format!("新建 · {}", d.name), Some(d.id.clone())))
                .collect()
        };
        for (button, domain) in choices {
            let dir = tempfile::tempdir().unwrap();
            let h = new_draft(dir.path(), &button);
            let state = form_state(&h);
            assert_eq!(state.draft.list, form.id, "{button}");
            assert_eq!(state.draft.domain, domain, "{button}");
            // The first section is on show, and the domain's own section is in the navigation.
            assert!(shows(&h, &form.sections[0].title));
            if domain.as_deref() == Some("green_low_carbon") {
                assert!(shows(&h, "绿色低碳领域"));
                assert!(!shows(&h, "产业基础专项领域"));
            }
        }
    }
}

/// A new form is calm: its required fields still empty are 「待填」 — neutral in the section
/// list, counted alike in the section list, the panel, its button and the export button — and
/// no 「请填写」 stands beside a field until it is left empty; filling it clears it.
#[test]
fn a_fresh_form_is_calm_until_a_field_is_left_empty_and_filling_it_clears_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = new_draft(dir.path(), "新建技术经理人先锋榜申报");
    let errors = form_state(&h).errors();
    assert!(errors > 10);
    let counts = form_state(&h).counts(None);
    assert_eq!(
        (counts.waiting, counts.errors),
        (errors, 0),
        "every error is a field to fill"
    );
    assert!(
        !shows(&h, "× 请填写「姓名」"),
        "not before the field is left"
    );
    assert!(shows(&h, &format!("导出申报表（待填 {errors} 项）")));
    assert!(
        shows(&h, &format!("待填 {errors} 项必填内容")),
        "the panel counts them"
    );
    assert_eq!(
        h.query_all_by_label_contains("问题（待填").count(),
        2,
        "panel and its button"
    );
    let sections = defs().form("tech_manager").unwrap().sections.clone();
    let waiting: usize = sections
        .iter()
        .filter_map(|s| {
            let node = h.query_all_by_label_contains(&s.title).next()?;
            let label = {
                use egui_kittest::kittest::NodeT;
                node.accesskit_node().label().unwrap_or_default()
            };
            assert!(
                !label.starts_with('×'),
                "no red count on a fresh form: {label}"
            );
            label
                .strip_prefix("待填")
                .and_then(|rest| rest.split_whitespace().next()?.parse::<usize>().ok())
        })
        .sum();
    assert_eq!(waiting, errors, "the section list says the same count");
    // In and out again, empty: now it is said beside the field, and counted as an error.
    input(&h, "姓名 *").focus();
    h.run();
    input(&h, "出生年月 *").focus();
    h.run();
    assert!(shows(&h, "× 请填写「姓名」"));
    assert!(shows(
        &h,
        &format!("导出申报表（待填 {} 项，1 个错误）", errors - 1)
    ));
    input(&h, "姓名 *").focus();
    h.run();
    input(&h, "姓名 *").type_text("张三");
    h.run();
    assert_eq!(form_state(&h).draft.values["person_name"], "张三");
    assert!(!shows(&h, "请填写「姓名」"));
    // 出生年月 was left empty on the way back.
    assert!(shows(&h, "× 请填写「出生年月」"));
    // Asking for export says everything where it is.
    h.get_by_label(&format!("导出申报表（待填 {} 项，1 个错误）", errors - 2))
        .click();
    h.run();
    assert!(shows(&h, "× 请填写「工作单位」"));
    assert!(shows(&h, &format!("导出申报表（{} 个错误）", errors - 1)));
    // 我的草稿 counts it as the form does before anything was left: fields to fill, not red.
    h.get_by_label("← 返回首页").click();
    h.run();
    assert!(shows(&h, &format!("待填 {} 项", errors - 1)));
    assert!(!shows(&h, "个错误"));
}

#[test]
fn a_boundary_date_shows_the_conditions_message() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = opened(dir.path(), "emerging_enterprise");
    let date = |h: &mut Harness<'_, KczgApp>, text: &str| {
        input(h, "成立日期 *").focus();
        h.run();
        h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        input(h, "成立日期 *").type_text(text);
        h.run();
    };
    date(&mut h, "2012-12-31");
    assert_eq!(form_state(&h).draft.values["ent_founded"], "2012-12-31");
    assert!(shows(&h, "成立年限超过10年"));
    assert!(shows(&h, "（新锐企业榜 条件1）"));
    date(&mut h, "2013-01-01");
    assert!(!shows(&h, "成立年限超过10年"));
}

#[test]
fn adding_and_deleting_table_rows() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = new_draft(dir.path(), "新建技术经理人先锋榜申报");
    h.get_by_label_contains("技术经理人资质与能力").click();
    h.run();
    h.get_by_label("添加一行（培训、认证或授课情况）").click();
    h.run();
    h.get_by_label("添加一行（培训、认证或授课情况）").click();
    h.run();
    let rows = |h: &Harness<'_, KczgApp>| {
        form_state(h).draft.values["certificates"]
            .as_array()
            .map_or(0, Vec::len)
    };
    assert_eq!(rows(&h), 2);
    // The empty rows' required cells wait; asked for, they are one line under the table's
    // name and each in the panel with its row.
    assert!(!shows(&h, "第 2 行的「名称」"));
    h.get_by_label("逐项列出").click();
    h.run();
    assert!(shows(&h, "第 2 行的「名称」"));
    assert!(shows(&h, "详见右侧「问题」列表"));
    let delete = h.get_all_by_label("删除").next().unwrap();
    delete.click();
    h.run();
    assert_eq!(rows(&h), 1);
}

#[test]
fn the_problems_panel_jumps_to_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = new_draft(dir.path(), "新建技术经理人先锋榜申报");
    h.get_by_label("逐项列出").click();
    h.run();
    h.get_all_by_label_contains("× 请填写「工作单位」")
        .last()
        .unwrap()
        .click();
    h.run();
    h.run();
    let state = form_state(&h);
    let form = defs();
    let section = &form.form("tech_manager").unwrap().sections[state.section];
    assert_eq!(section.id, "employment");
    assert!(input(&h, "工作单位 *").is_focused());
}

#[test]
fn export_is_blocked_while_errors_remain_and_enabled_without() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = new_draft(dir.path(), "新建融通创新组织榜申报");
    let errors = form_state(&h).errors();
    assert!(errors > 10);
    h.get_by_label(&format!("导出申报表（待填 {errors} 项）"))
        .click();
    h.run();
    assert!(
        matches!(h.state().screen, Screen::Form(_)),
        "no export with errors"
    );
    assert_eq!(
        std::fs::read_dir(dir.path().join("exports"))
            .unwrap()
            .count(),
        0
    );

    let dir = tempfile::tempdir().unwrap();
    let mut h = opened(dir.path(), "innovation_org");
    h.get_by_label("导出申报表").click();
    h.run();
    settle(&mut h);
    assert!(matches!(h.state().screen, Screen::Handoff(_)));
    let exported = dir
        .path()
        .join("exports/融通创新组织榜-深圳湾创智能硬件专业孵化器.docx");
    let back = kczg_form::docx::import::read_draft(&std::fs::read(&exported).unwrap()).unwrap();
    assert_eq!(back.values, fixture("innovation_org").values);
    // The hand-off page: address, mail, and the .eml beside the document.
    assert!(shows(&h, "gxtdzxh@126.com"));
    h.get_by_label("生成邮件草稿(.eml)").click();
    h.run();
    assert!(exported.with_extension("eml").exists());
}

#[test]
fn ime_preedit_and_commit_insert_chinese_text() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = new_draft(dir.path(), "新建技术经理人先锋榜申报");
    input(&h, "姓名 *").focus();
    h.run();
    h.event(egui::Event::Ime(egui::ImeEvent::Preedit {
        text: "sun'ya'ting".into(),
        active_range_chars: None,
    }));
    h.run();
    h.event(egui::Event::Ime(egui::ImeEvent::Commit("孙雅婷".into())));
    h.run();
    assert_eq!(form_state(&h).draft.values["person_name"], "孙雅婷");
}

#[test]
fn a_draft_edited_autosaved_and_reopened_is_identical() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = opened(dir.path(), "tech_manager");
    input(&h, "职称").focus();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    input(&h, "职称").type_text("正高级工程师");
    h.run();
    let edited = form_state(&h).draft.clone();
    assert_eq!(edited.values["pro_title"], "正高级工程师");
    // Back to the start page: pending edits are written.
    h.get_by_label("← 返回首页").click();
    h.run();
    h.get_by_label("打开").click();
    h.run();
    let reopened = &form_state(&h).draft;
    assert_eq!(reopened.values, edited.values);
    assert_eq!(input(&h, "职称").value().as_deref(), Some("正高级工程师"));
}

#[test]
fn every_cjk_unified_ideograph_has_a_glyph() {
    // egui_kittest panics on a missing glyph: laying out U+4E00–U+9FEF with the app's fonts
    // proves the bundled subset covers them (no tofu, no system font needed). The last 16
    // (U+9FF0–U+9FFF, Unicode 13–14) are not in Noto Sans CJK 2.004: system fonts supply them
    // where present (see fonts/README.md).
    let all: String = ('\u{4E00}'..='\u{9FEF}').collect();
    let symbols = "□■✓⚠×①②③…—“”‘’（）《》【】、。，；：？！·";
    let mut h = Harness::builder()
        .with_size([1200.0, 800.0])
        .with_context_setup(install_fonts)
        .build_ui(move |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                ui.label(symbols);
                ui.label(all.as_str());
            });
        });
    h.run();
    assert!(h.query_by_label_contains(symbols).is_some());
}

/// A row deleted or moved, and a long text cleared, come back exactly: by the notice's 撤销 or
/// by Ctrl+Z outside a text box, newest first; the draft on disk follows.
#[test]
fn deleted_and_moved_rows_and_a_cleared_text_come_back_by_undo() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = opened(dir.path(), "tech_manager");
    h.get_by_label_contains("技术经理人资质与能力").click();
    h.run();
    let table = |h: &Harness<'_, KczgApp>| form_state(h).draft.values["certificates"].clone();
    let before = table(&h);
    assert_eq!(before.as_array().unwrap().len(), 2);
    h.get_all_by_label("删除").next().unwrap().click();
    h.run();
    assert_eq!(table(&h).as_array().unwrap().len(), 1);
    assert!(shows(&h, "已删除「培训、认证或授课情况」第 1 行。"));
    h.get_by_label("撤销").click();
    h.run();
    assert_eq!(table(&h), before, "the exact rows, in their order");
    assert!(shows(&h, "已撤销：删除「培训、认证或授课情况」第 1 行。"));

    // Moved, then deleted: Ctrl+Z twice goes back through both.
    h.get_all_by_label("下移").next().unwrap().click();
    h.run();
    let moved = table(&h);
    assert_ne!(moved, before);
    h.get_all_by_label("删除").nth(1).unwrap().click();
    h.run();
    assert_eq!(
        h.query_all_by_label("撤销").count(),
        1,
        "one 撤销, for the newest"
    );
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run();
    assert_eq!(table(&h), moved);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run();
    assert_eq!(table(&h), before);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run();
    assert_eq!(table(&h), before, "nothing more to undo");

    // A long text selected and deleted at once.
    let defs = defs();
    let form = defs.form("tech_manager").unwrap();
    let (field, text) = form_state(&h)
        .draft
        .values
        .iter()
        .find_map(|(k, v)| {
            let f = form.field(k)?;
            (f.kind == kczg_form::schema::Kind::Textarea)
                .then(|| (f, v.as_str().unwrap().to_owned()))
        })
        .expect("the fixture has a long text");
    match &mut h.state_mut().screen {
        Screen::Form(f) => f.section = form.position(&field.id).unwrap().section,
        _ => unreachable!(),
    }
    h.run();
    h.query_all(
        egui_kittest::kittest::By::new()
            .role(Role::MultilineTextInput)
            .label_contains(&field.label),
    )
    .next()
    .expect("the long text's box")
    .focus();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.key_press(egui::Key::Delete);
    h.run();
    assert!(
        form_state(&h)
            .draft
            .values
            .get(&field.id)
            .is_none_or(|v| v == "")
    );
    assert!(shows(&h, &format!("已清空「{}」。", field.label)));
    // Out of the box, Ctrl+Z is the form's.
    h.ctx
        .memory_mut(|m| m.surrender_focus(m.focused().unwrap_or(egui::Id::NULL)));
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run();
    assert_eq!(form_state(&h).draft.values[&field.id], text.as_str());
    h.state().flush();
    let store = kczg_form::store::Store::at(dir.path()).unwrap();
    let on_disk = store.load(&defs, &form_state(&h).id).unwrap().draft;
    assert_eq!(on_disk.values["certificates"], before);
    assert_eq!(on_disk.values[&field.id], text.as_str());
}

/// A table cell shows all of its text: an 80-character 投资方 wraps onto several lines within
/// its column (at 1280 px).
#[test]
fn table_cells_show_all_that_was_typed() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = opened(dir.path(), "emerging_enterprise");
    let long = "长三角绿色能源产业基金（有限合伙）、苏州泓远资本管理有限公司、上海浦东科技创新投资基金、南京紫金科技创业投资有限公司联合领投".to_owned();
    assert!(long.chars().count() <= 80);
    match &mut h.state_mut().screen {
        Screen::Form(f) => {
            f.draft.values["funding_rounds"][0]["investors"] = long.clone().into();
            f.draft.values["funding_rounds"][1]["investors"] = "某基金".into();
            f.draft.values["funding_rounds"][1]["date"] = serde_json::Value::Null;
        }
        _ => unreachable!(),
    }
    h.get_by_label_contains("知识产权、融资与资质").click();
    h.run();
    let cell = |text: &str| {
        h.query_all(egui_kittest::kittest::By::new().role(Role::MultilineTextInput))
            .find(|n| n.value().as_deref() == Some(text))
            .unwrap_or_else(|| panic!("no cell shows 「{text}」"))
            .rect()
    };
    let tall = cell(&long);
    let short = cell("某基金");
    assert!(
        tall.height() >= 3.0 * short.height() - 1.0,
        "wrapped: {tall:?} against {short:?}"
    );
    assert!(
        (tall.width() - short.width()).abs() < 1.0,
        "within its column"
    );
}

/// The page keeps its shape while findings come and go: the problems panel has one width
/// whatever it lists, so the fields in the centre (their left edge and width) never move or
/// re-wrap — before anything is typed, with every finding listed, and once a field is filled.
#[test]
fn the_page_does_not_change_width_when_the_findings_change() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = new_draft(dir.path(), "新建技术经理人先锋榜申报");
    let place = |h: &Harness<'_, KczgApp>| {
        let name = input(h, "姓名 *").rect();
        let panel = h
            .query_all_by_label_contains("问题（")
            .map(|n| n.rect().left())
            .fold(f32::MIN, f32::max);
        (name.left(), name.width(), panel)
    };
    let calm = place(&h);
    h.get_by_label("逐项列出").click();
    h.run();
    let listed = place(&h);
    input(&h, "姓名 *").type_text("张三丰");
    h.run();
    input(&h, "电子邮箱 *").type_text(
        "这不是一个电子邮箱地址，而是一段很长很长的文字，让问题列表里出现一条很长的提示",
    );
    h.run();
    let filled = place(&h);
    assert_eq!(calm, listed, "listing every finding moves nothing");
    assert_eq!(calm, filled, "filling fields moves nothing");
}

#[test]
fn table_rows_move_up_and_down() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = opened(dir.path(), "tech_manager");
    h.get_by_label_contains("技术经理人资质与能力").click();
    h.run();
    let names = |h: &Harness<'_, KczgApp>| -> Vec<String> {
        form_state(h).draft.values["certificates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let before = names(&h);
    assert_eq!(before.len(), 2);
    h.get_all_by_label("下移").next().unwrap().click();
    h.run();
    assert_eq!(names(&h), [before[1].clone(), before[0].clone()]);
    h.get_all_by_label("上移").nth(1).unwrap().click();
    h.run();
    assert_eq!(names(&h), before);
}

#[test]
fn ctrl_s_saves_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = opened(dir.path(), "innovation_org");
    input(&h, "机构负责人 *").focus();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    input(&h, "机构负责人 *").type_text("王小明");
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::S);
    h.run();
    // The worker writes off the UI thread; give it a moment, far less than the 1 s pause.
    let store = kczg_form::store::Store::at(dir.path()).unwrap();
    let id = form_state(&h).id.clone();
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(800);
    loop {
        let on_disk = store.load(&defs(), &id).unwrap().draft;
        if on_disk.values["head_name"] == "王小明" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "Ctrl+S did not write within 0.8 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// 秘书处汇总: import a folder of exported files, filter, recommend, fill the opinion, export,
/// and find it all again after going back to the start page.
#[test]
fn the_secretariat_desk_imports_filters_recommends_and_exports() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("收件箱");
    std::fs::create_dir_all(&inbox).unwrap();
    let defs = defs();
    for name in ["emerging_enterprise", "tech_manager", "innovation_org"] {
        let draft = fixture(name);
        let form = defs.form(&draft.list).unwrap();
        let options = kczg_form::docx::ExportOptions {
            preview: false,
            today: today(),
        };
        let bytes = kczg_form::docx::export(&defs, form, &draft, options).unwrap();
        std::fs::write(inbox.join(format!("{name}.docx")), bytes).unwrap();
    }
    std::fs::write(inbox.join("坏文件.docx"), b"not a zip").unwrap();

    let mut h = harness(app(dir.path()));
    h.run();
    h.get_by_label("秘书处汇总").click();
    h.run();
    settle(&mut h);
    import_and_wait(&mut h, &inbox);
    let desk = |h: &Harness<'_, KczgApp>| match &h.state().screen {
        Screen::Desk(d) => (d.rows.len(), d.desk.problems.len()),
        _ => panic!("not on the desk"),
    };
    assert_eq!(desk(&h).0, 4, "three submissions and a row 需人工处理");
    assert_eq!(desk(&h).1, 1, "one unreadable file");
    assert!(shows(&h, "坏文件.docx"));
    // The chart (shown at first) says its counts; it can be folded away.
    assert!(shows(&h, "新锐企业榜：申报 1，无错误 1，已推荐 0"));
    assert!(shows(&h, "需人工处理：1"));
    h.get_by_label("统计图").click();
    h.run();
    assert!(!shows(&h, "新锐企业榜：申报 1"));
    h.get_by_label("统计图").click();
    h.run();

    // Filter by list.
    h.get_by_role_and_label(Role::Button, "新锐企业榜").click();
    h.run();
    assert!(shows(&h, "合肥晶叠光能科技有限公司"));
    assert!(!shows(&h, "孙雅婷"));

    // The file that is not a form is a row 「需人工处理」 of its own filter, with its reason.
    // The first 「全部」 is the lists', the second the statuses'.
    h.get_all_by_role_and_label(Role::Button, "全部")
        .next()
        .unwrap()
        .click();
    h.run();
    h.get_by_role_and_label(Role::Button, "需人工处理").click();
    h.run();
    match &h.state().screen {
        Screen::Desk(d) => {
            let names: Vec<&str> = d.visible().iter().map(|r| r.name.as_str()).collect();
            assert_eq!(names, ["坏文件.docx"]);
        }
        _ => panic!("not on the desk"),
    }
    assert!(shows(&h, "Word 文档 · 需人工处理"));
    h.get_by_role_and_label(Role::Link, "坏文件.docx").click();
    h.run();
    assert!(shows(&h, "需人工处理：不是 Word 文档"));
    h.get_by_label("← 返回列表").click();
    h.run();
    h.get_all_by_role_and_label(Role::Button, "全部")
        .last()
        .unwrap()
        .click();
    h.run();
    h.get_by_role_and_label(Role::Button, "新锐企业榜").click();
    h.run();

    // Recommend it and write the opinion.
    h.get_by_label("推荐：合肥晶叠光能科技有限公司").click();
    h.run();
    h.get_by_role_and_label(Role::Link, "合肥晶叠光能科技有限公司")
        .click();
    h.run();
    h.get_by_role_and_label(Role::MultilineTextInput, "推荐意见")
        .focus();
    h.run();
    h.get_by_role_and_label(Role::MultilineTextInput, "推荐意见")
        .type_text("同意推荐。");
    h.run();
    let (id, decision) = match &h.state().screen {
        Screen::Desk(d) => {
            let id = d
                .rows
                .iter()
                .find(|r| r.name == "合肥晶叠光能科技有限公司")
                .unwrap()
                .id
                .clone();
            let decision = d.desk.decision(&id);
            (id, decision)
        }
        _ => unreachable!(),
    };
    assert!(decision.recommend);
    assert_eq!(decision.rec_opinion, "同意推荐。");

    // The summary as .xlsx.
    h.get_by_label("导出汇总表 (.xlsx)").click();
    h.run();
    settle(&mut h);
    let xlsx = dir.path().join("exports/推荐汇总表.xlsx");
    assert!(std::fs::metadata(&xlsx).unwrap().len() > 1000);

    // Back home and in again: the decisions were kept.
    h.get_by_label("← 返回首页").click();
    h.run();
    h.get_by_label("秘书处汇总").click();
    h.run();
    settle(&mut h);
    match &h.state().screen {
        Screen::Desk(d) => {
            assert_eq!(d.rows.len(), 4);
            assert_eq!(d.desk.decision(&id).rec_opinion, "同意推荐。");
        }
        _ => panic!("not on the desk"),
    }
}

#[test]
fn a_new_form_left_blank_leaves_no_draft_behind() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = new_draft(dir.path(), "新建新锐企业榜申报");
    assert!(shows(&h, "尚未保存"));
    h.get_by_label("← 返回首页").click();
    h.run();
    assert!(
        h.state().drafts.is_empty(),
        "nothing was typed, nothing is kept"
    );
    // One keystroke makes it a draft.
    let mut h = new_draft(dir.path(), "新建新锐企业榜申报");
    input(&h, "企业名称 *").focus();
    h.run();
    input(&h, "企业名称 *").type_text("测试科技有限公司");
    h.run();
    h.get_by_label("← 返回首页").click();
    h.run();
    assert_eq!(h.state().drafts.len(), 1);
}

/// Issue 9: while a number or date field has focus it shows exactly the keystrokes; once focus
/// leaves, the stored value's text. What is stored is the value whenever the text reads as one.
#[test]
fn number_and_date_fields_store_the_value_and_show_it_once_focus_leaves() {
    use serde_json::json;
    let dir = tempfile::tempdir().unwrap();
    let mut h = opened(dir.path(), "emerging_enterprise");
    let shown = |h: &Harness<'_, KczgApp>, label: &str| input(h, label).value().unwrap_or_default();
    let stored = |h: &Harness<'_, KczgApp>, id: &str| form_state(h).draft.values.get(id).cloned();
    let retype = |h: &mut Harness<'_, KczgApp>, label: &str, text: &str| {
        input(h, label).focus();
        h.run();
        h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        input(h, label).type_text(text);
        h.run();
    };
    let leave = |h: &mut Harness<'_, KczgApp>| {
        input(h, "法定代表人 *").focus();
        h.run();
        h.run();
    };

    // 注册资本: `3000` then `.` then `5` — every keystroke shows, the number is stored.
    retype(&mut h, "注册资本 *", "3000.");
    assert_eq!(shown(&h, "注册资本 *"), "3000.");
    assert_eq!(stored(&h, "ent_capital"), Some(json!(3000)));
    input(&h, "注册资本 *").type_text("5");
    h.run();
    assert_eq!(shown(&h, "注册资本 *"), "3000.5");
    assert_eq!(stored(&h, "ent_capital"), Some(json!(3000.5)));
    // `3000.50` is the number 3000.5, shown as typed until focus leaves.
    input(&h, "注册资本 *").type_text("0");
    h.run();
    assert_eq!(shown(&h, "注册资本 *"), "3000.50");
    leave(&mut h);
    assert_eq!(shown(&h, "注册资本 *"), "3000.5");
    assert_eq!(stored(&h, "ent_capital"), Some(json!(3000.5)));

    // Select all and Backspace: the field is empty and so is the value.
    input(&h, "注册资本 *").focus();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.key_press(egui::Key::Backspace);
    h.run();
    assert_eq!(shown(&h, "注册资本 *"), "");
    assert_eq!(stored(&h, "ent_capital"), None);
    assert!(shows(&h, "请填写「注册资本」"));
    leave(&mut h);
    assert_eq!(shown(&h, "注册资本 *"), "");

    // 从业人员 (an integer) in another section.
    section(&h, "企业规模与研发投入").click();
    h.run();
    retype(&mut h, "从业人员 *", "1,200");
    assert_eq!(shown(&h, "从业人员 *"), "1,200");
    assert_eq!(stored(&h, "employees"), Some(json!(1200)));
    // The comma deleted: exactly `1200` shows and is stored.
    h.key_press(egui::Key::Home);
    h.key_press(egui::Key::ArrowRight);
    h.key_press(egui::Key::Delete);
    h.run();
    assert_eq!(shown(&h, "从业人员 *"), "1200");
    assert_eq!(stored(&h, "employees"), Some(json!(1200)));
    // Ctrl+A then `50`: replaced, not appended.
    retype(&mut h, "从业人员 *", "50");
    assert_eq!(shown(&h, "从业人员 *"), "50");
    assert_eq!(stored(&h, "employees"), Some(json!(50)));
    // Full-width digits and a space as thousands separator.
    retype(&mut h, "从业人员 *", "１２００");
    assert_eq!(stored(&h, "employees"), Some(json!(1200)));
    retype(&mut h, "从业人员 *", "1 200");
    assert_eq!(stored(&h, "employees"), Some(json!(1200)));
    input(&h, "上年度营业收入 *").focus();
    h.run();
    h.run();
    assert_eq!(shown(&h, "从业人员 *"), "1200");
    // Text that is no number is kept as typed, with an error on the field — never dropped.
    retype(&mut h, "从业人员 *", "约1200");
    assert_eq!(stored(&h, "employees"), Some(json!("约1200")));
    assert!(shows(&h, "应为整数"));
    input(&h, "上年度营业收入 *").focus();
    h.run();
    h.run();
    assert_eq!(shown(&h, "从业人员 *"), "约1200");

    // Dates: the usual spellings are stored as YYYY-MM-DD once read.
    section(&h, "企业基本信息").click();
    h.run();
    retype(&mut h, "成立日期 *", "2015年6月18日");
    assert_eq!(shown(&h, "成立日期 *"), "2015年6月18日");
    assert_eq!(stored(&h, "ent_founded"), Some(json!("2015-06-18")));
    leave(&mut h);
    assert_eq!(shown(&h, "成立日期 *"), "2015-06-18");
}

/// The same focus rule in a table cell: `6,500` typed in a row's 金额 is stored as 6500 and shown
/// as `6500` once focus leaves.
#[test]
fn a_number_in_a_table_cell_follows_the_focus_rule() {
    use serde_json::json;
    let dir = tempfile::tempdir().unwrap();
    let mut h = opened(dir.path(), "emerging_enterprise");
    section(&h, "知识产权、融资与资质").click();
    h.run();
    let cell = |h: &Harness<'_, KczgApp>, value: &str| {
        h.query_all(
            egui_kittest::kittest::By::new()
                .role(Role::TextInput)
                .value(value),
        )
        .next()
        .is_some()
    };
    let amount = |h: &Harness<'_, KczgApp>| {
        form_state(h).draft.values["funding_rounds"][0]["amount"].clone()
    };
    assert_eq!(amount(&h), json!(6000));
    let first = || {
        egui_kittest::kittest::By::new()
            .role(Role::TextInput)
            .value("6000")
    };
    h.query_all(first()).next().unwrap().focus();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.query_all(first()).next().unwrap().type_text("6,500");
    h.run();
    assert_eq!(amount(&h), json!(6500));
    assert!(cell(&h, "6,500"), "the keystrokes show while focused");
    h.query_all(
        egui_kittest::kittest::By::new()
            .role(Role::TextInput)
            .value("20000"),
    )
    .next()
    .unwrap()
    .focus();
    h.run();
    h.run();
    assert!(cell(&h, "6500"), "the stored value shows once focus leaves");
    assert!(!cell(&h, "6,500"));
}

#[test]
fn the_start_page_saves_blank_word_templates() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(app(dir.path()));
    h.run();
    let label = "下载空白申报表（Word 版）";
    // 先导技术榜 first: a menu of its domains; then the lists without domains, one button each.
    let buttons: Vec<_> = h.get_all_by_label(label).collect();
    assert_eq!(buttons.len(), defs().forms.len());
    buttons[0].click();
    h.run();
    h.get_by_label("产业基础").click();
    h.run();
    settle(&mut h);
    let buttons: Vec<_> = h.get_all_by_label(label).collect();
    buttons[1].click();
    h.run();
    settle(&mut h);
    let defs = defs();
    for (name, list, domain) in [
        (
            "先导技术榜-产业基础-空白申报表.docx",
            "leading_tech",
            Some("industrial_foundation"),
        ),
        ("新锐企业榜-空白申报表.docx", "emerging_enterprise", None),
    ] {
        let path = dir.path().join("exports").join(name);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let imported = kczg_form::docx::import::import(&defs, &bytes).unwrap();
        assert_eq!(imported.origin, kczg_form::docx::import::Origin::Template);
        assert_eq!(imported.draft.list, list);
        assert_eq!(imported.draft.domain.as_deref(), domain);
        assert!(imported.draft.values.is_empty());
        assert!(shows(&h, "已保存"), "no confirmation");
    }
}

/// Imports a folder onto the desk and waits for it.
fn import_and_wait(h: &mut Harness<'static, KczgApp>, inbox: &Path) {
    let ctx = h.ctx.clone();
    h.state_mut().apply(
        &ctx,
        kczg_form::ui::Action::DeskImport(vec![inbox.to_owned()]),
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while matches!(&h.state().screen, Screen::Desk(d) if d.job.is_some()) {
        assert!(
            std::time::Instant::now() < deadline,
            "import did not finish"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
        h.run();
    }
    h.run();
}

/// The desk searches every column (信用代码 and 身份证 too) and says when nothing matches, the
/// count follows the filter, the same folder imported again adds nothing and says so once, and
/// the 推荐单位 set on the desk is kept in its database.
#[test]
fn the_desk_searches_every_column_imports_a_folder_once_and_keeps_its_recommender() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("收件箱");
    std::fs::create_dir_all(&inbox).unwrap();
    for name in ["emerging_enterprise", "tech_manager", "innovation_org"] {
        std::fs::write(inbox.join(format!("{name}.docx")), exported_fixture(name)).unwrap();
    }
    let mut h = harness(app(dir.path()));
    h.run();
    h.get_by_label("秘书处汇总").click();
    h.run();
    settle(&mut h);
    import_and_wait(&mut h, &inbox);
    assert!(shows(&h, "共 3 份"));

    // By the identity card number of 技术经理人先锋榜's applicant.
    let id_number = fixture("tech_manager")
        .text("id_number")
        .unwrap()
        .to_owned();
    h.get_by_label("搜索：").focus();
    h.run();
    h.get_by_label("搜索：").type_text(&id_number);
    h.run();
    h.run();
    assert!(
        shows(&h, "显示 1 份（共 3 份）"),
        "the count follows the search"
    );
    assert!(shows(&h, "孙雅婷"));
    if let Screen::Desk(d) = &mut h.state_mut().screen {
        d.search = "不存在的名称".into();
    }
    h.run();
    assert!(shows(&h, "没有找到含「不存在的名称」的申报"));
    if let Screen::Desk(d) = &mut h.state_mut().screen {
        d.search.clear();
    }
    h.run();

    // Sorted by name in pinyin (he, shen, sun), not by code point (合 孙 深).
    h.get_by_role_and_label(Role::Button, "名称").click();
    h.run();
    match &h.state().screen {
        Screen::Desk(d) => {
            let names: Vec<&str> = d.visible().iter().map(|r| r.name.as_str()).collect();
            assert_eq!(
                names,
                [
                    "合肥晶叠光能科技有限公司",
                    "深圳湾创智能硬件专业孵化器",
                    "孙雅婷"
                ]
            );
        }
        _ => panic!("not on the desk"),
    }

    // 排序 takes whole numbers only, and says so; what is not one never clears the rank.
    let rank = "排序：孙雅婷";
    h.get_by_label(rank).focus();
    h.run();
    h.get_by_label(rank).type_text("2");
    h.run();
    h.get_by_label(rank).type_text(".5");
    h.run();
    assert!(shows(&h, "须为正整数"));
    match &h.state().screen {
        Screen::Desk(d) => {
            let id = &d.rows.iter().find(|r| r.name == "孙雅婷").unwrap().id;
            assert_eq!(
                d.desk.decision(id).rank,
                Some(2),
                "「2.5」 is no rank; 2 stays"
            );
        }
        _ => panic!("not on the desk"),
    }

    // The same folder again: nothing added, said once.
    import_and_wait(&mut h, &inbox);
    match &h.state().screen {
        Screen::Desk(d) => {
            assert_eq!(d.rows.len(), 3);
            assert!(d.desk.problems.is_empty(), "{:#?}", d.desk.problems);
        }
        _ => panic!("not on the desk"),
    }
    assert!(shows(&h, "这些文件都已在汇总中（3 份），没有新增。"));

    // Under 「已推荐」 a submission leaves the moment it is no longer recommended (the order on
    // show is kept between frames, and made again when a decision changes it).
    h.get_by_label("推荐：孙雅婷").click();
    h.run();
    if let Screen::Desk(d) = &mut h.state_mut().screen {
        d.status = kczg_form::ui::StatusFilter::Recommended;
    }
    h.run();
    assert!(shows(&h, "显示 1 份（共 3 份）"));
    match &h.state().screen {
        Screen::Desk(d) => assert_eq!(d.visible()[0].name, "孙雅婷"),
        _ => panic!("not on the desk"),
    }
    h.get_by_label("推荐：孙雅婷").click();
    h.run();
    assert!(shows(&h, "显示 0 份（共 3 份）"));
    if let Screen::Desk(d) = &mut h.state_mut().screen {
        d.status = kczg_form::ui::StatusFilter::All;
    }
    h.run();

    // The 推荐单位, set once, is there after leaving and coming back.
    h.get_by_label("推荐单位：").focus();
    h.run();
    h.get_by_label("推荐单位：").type_text("安徽省某某学会");
    h.run();
    h.get_by_label("← 返回首页").click();
    h.run();
    h.get_by_label("秘书处汇总").click();
    h.run();
    settle(&mut h);
    match &h.state().screen {
        Screen::Desk(d) => assert_eq!(d.desk.recommender.as_deref(), Some("安徽省某某学会")),
        _ => panic!("not on the desk"),
    }
}

/// The detail view shows tables whole, and a 「疑似重复」 flag names the other submissions of
/// its group as links that open them.
#[test]
fn the_detail_view_shows_tables_and_links_the_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("收件箱");
    std::fs::create_dir_all(&inbox).unwrap();
    let defs = defs();
    let form = defs.form("emerging_enterprise").unwrap();
    for (file, name) in [
        ("a.docx", "合肥晶叠光能科技有限公司"),
        ("b.docx", "合肥晶叠新能源有限公司"),
    ] {
        let draft = with(
            fixture("emerging_enterprise"),
            "ent_name",
            serde_json::json!(name),
        );
        let options = kczg_form::docx::ExportOptions {
            preview: false,
            today: today(),
        };
        let bytes = kczg_form::docx::export(&defs, form, &draft, options).unwrap();
        std::fs::write(inbox.join(file), bytes).unwrap();
    }
    let mut h = harness(app(dir.path()));
    h.run();
    h.get_by_label("秘书处汇总").click();
    h.run();
    settle(&mut h);
    import_and_wait(&mut h, &inbox);
    h.get_by_role_and_label(Role::Link, "合肥晶叠光能科技有限公司")
        .click();
    h.run();
    assert!(shows(&h, "疑似重复："));
    assert!(
        shows(&h, "皖江科创投资基金、安徽庐州创业投资有限公司"),
        "a table cell in full"
    );
    assert!(shows(&h, "长三角绿色能源产业基金（有限合伙）"));
    h.get_by_role_and_label(Role::Link, "第 2 行 合肥晶叠新能源有限公司")
        .click();
    h.run();
    match &h.state().screen {
        Screen::Desk(d) => {
            let selected = d.selected.as_deref().unwrap();
            let row = d.rows.iter().find(|r| r.id == selected).unwrap();
            assert_eq!(
                row.name, "合肥晶叠新能源有限公司",
                "the link opened the other one"
            );
        }
        _ => panic!("not on the desk"),
    }
}

/// A save dialog stands open off the frame: the desk goes on answering (search, the count),
/// a second save is refused with a word rather than opening a second dialog, cancelling
/// writes nothing, and the chosen path gets the file and a confirmation.
#[test]
fn the_desk_keeps_working_while_a_save_dialog_is_open() {
    use std::sync::{Arc, Mutex, mpsc};
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("收件箱");
    std::fs::create_dir_all(&inbox).unwrap();
    for name in ["emerging_enterprise", "tech_manager", "innovation_org"] {
        std::fs::write(inbox.join(format!("{name}.docx")), exported_fixture(name)).unwrap();
    }
    // The person's answer to the dialog, sent when the test says so.
    let (answer, answers) = mpsc::channel::<Option<std::path::PathBuf>>();
    let answers = Arc::new(Mutex::new(answers));
    let asked = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut app = app(dir.path());
    let (answers_, asked_) = (answers.clone(), asked.clone());
    app.save_dialog = Some(Box::new(move |name: &str| {
        asked_.lock().unwrap().push(name.to_owned());
        let answers = answers_.clone();
        Box::pin(async move { answers.lock().unwrap().recv().ok().flatten() })
    }));
    let mut h = harness(app);
    h.run();
    h.get_by_label("秘书处汇总").click();
    h.run();
    settle(&mut h);
    import_and_wait(&mut h, &inbox);

    h.get_by_label("导出汇总表 (.xlsx)").click();
    for _ in 0..5 {
        h.step();
    }
    assert!(h.state().is_busy(), "the dialog is open");
    assert_eq!(*asked.lock().unwrap(), ["推荐汇总表.xlsx"]);
    assert!(shows(&h, "正在保存推荐汇总表"));
    // The frame is not held: the search answers while the dialog waits.
    if let Screen::Desk(d) = &mut h.state_mut().screen {
        d.search = "孙雅婷".into();
    }
    h.step();
    h.step();
    assert!(shows(&h, "显示 1 份（共 3 份）"));
    // One dialog at a time.
    h.get_by_label("导出 .csv").click();
    h.step();
    h.step();
    assert!(shows(&h, "请等「正在保存推荐汇总表」完成后再试。"));
    assert_eq!(asked.lock().unwrap().len(), 1, "no second dialog");

    // Cancelled: nothing written, nothing said.
    answer.send(None).unwrap();
    settle(&mut h);
    assert!(!shows(&h, "已保存"));
    assert_eq!(
        std::fs::read_dir(dir.path().join("exports"))
            .unwrap()
            .count(),
        0
    );

    // Chosen: written there (the whole desk, not only the rows searched for).
    let chosen = dir.path().join("汇总 2023.xlsx");
    h.get_by_label("导出汇总表 (.xlsx)").click();
    h.step();
    answer.send(Some(chosen.clone())).unwrap();
    settle(&mut h);
    assert!(shows(&h, "已保存"), "no confirmation");
    let bytes = std::fs::read(&chosen).unwrap();
    assert_eq!(&bytes[..2], b"PK");
}

/// A file dropped onto the window, as eframe hands it to egui.
#[derive(Debug)]
struct Dropped(std::path::PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

fn drop_files(h: &mut Harness<'static, KczgApp>, paths: &[&Path]) {
    for p in paths {
        h.input_mut()
            .dropped_files
            .push(std::sync::Arc::new(Dropped(p.to_path_buf())));
    }
    h.step();
    settle(h);
}

/// Attachments go with the form: files dropped onto it get rows of the 附件清单 (the scan its
/// own slot, an .exe refused with the reason), a row takes a file, a file is removed; the
/// hand-off page lists them, adds the scan, writes the package and the e-mail with all of
/// them, and leads back to the form.
#[test]
fn attachments_are_added_refused_and_carried_into_the_package() {
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("我的文件");
    std::fs::create_dir_all(&files).unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = files.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let licence = write("营业执照.pdf", b"%PDF-1.7\n licence");
    let stats = write("孵化统计 2023.xlsx", b"PK\x03\x04 stats");
    let exe = write("setup.exe", b"MZ\x90\x00");
    let scan = write("盖章扫描件.jpg", b"\xFF\xD8\xFF page");

    let mut h = opened(dir.path(), "innovation_org");
    drop_files(&mut h, &[&stats, &exe, &scan]);
    assert!(shows(&h, "附件须为 PDF、JPG、PNG、OFD、Word、Excel 或 ZIP"));
    assert!(shows(&h, "孵化统计 2023.xlsx"), "listed with its name");
    let id = form_state(&h).id.clone();
    let rows = || -> Vec<serde_json::Value> {
        let data = kczg_form::store::Store::at(dir.path()).unwrap();
        let draft = data.load(&defs(), &id).unwrap().draft;
        draft.values["attachments"].as_array().unwrap().clone()
    };
    {
        let f = form_state(&h);
        let rows = f.draft.values["attachments"].as_array().unwrap();
        assert_eq!(rows.len(), 4, "a new row for the dropped file");
        assert_eq!(rows[3]["name"], "孵化统计 2023");
        assert_eq!(rows[3]["file"], "孵化统计 2023.xlsx");
        let names: Vec<&str> = f.files.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["孵化统计 2023.xlsx", "盖章扫描件.jpg"]);
    }
    // The first row takes its file (as 选择文件… does once the dialog answers).
    let ctx = h.ctx.clone();
    h.state_mut().apply(
        &ctx,
        kczg_form::ui::Action::AddAttachments {
            row: Some(0),
            sealed: false,
            paths: vec![licence.clone()],
        },
    );
    settle(&mut h);
    assert_eq!(
        form_state(&h).draft.values["attachments"][0]["file"],
        "营业执照.pdf"
    );
    assert!(shows(&h, "营业执照.pdf（"), "name, size and type shown");
    // Kept on disk with the draft.
    h.state().flush();
    assert_eq!(rows()[0]["file"], "营业执照.pdf");
    // The fourth row's file removed again: the row stays, the file goes.
    let remove: Vec<_> = h.get_all_by_label("移除文件").collect();
    assert_eq!(remove.len(), 2);
    remove[1].click();
    h.run();
    assert!(
        form_state(&h).draft.values["attachments"][3]
            .get("file")
            .is_none()
    );
    assert!(
        !dir.path()
            .join("attachments")
            .join(&id)
            .join("孵化统计 2023.xlsx")
            .exists()
    );

    // Exported: the hand-off page lists what goes, and writes the package and the e-mail.
    h.get_by_label("导出申报表").click();
    h.run();
    settle(&mut h);
    assert!(matches!(h.state().screen, Screen::Handoff(_)));
    assert!(shows(&h, "1. 运营主体营业执照副本复印件：营业执照.pdf"));
    assert!(shows(&h, "2. 科技企业孵化器认定文件复印件：未选择文件"));
    assert!(shows(&h, "盖章扫描件.jpg（"), "the scan in its slot");
    h.get_by_label("生成申报材料包(.zip)").click();
    h.run();
    settle(&mut h);
    let zip_path = dir
        .path()
        .join("exports/申报材料包-融通创新组织榜-深圳湾创智能硬件专业孵化器.zip");
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    let names: Vec<String> = (0..archive.len())
        .map(|i| archive.by_index(i).unwrap().name().to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "融通创新组织榜-深圳湾创智能硬件专业孵化器.docx",
            "运营主体营业执照副本复印件.pdf",
            "盖章扫描件.jpg"
        ]
    );
    let mut licence_in = Vec::new();
    std::io::Read::read_to_end(
        &mut archive.by_name("运营主体营业执照副本复印件.pdf").unwrap(),
        &mut licence_in,
    )
    .unwrap();
    assert_eq!(licence_in, std::fs::read(&licence).unwrap());
    h.get_by_label("生成邮件草稿(.eml)").click();
    h.run();
    settle(&mut h);
    let eml = zip_path.with_file_name("融通创新组织榜-深圳湾创智能硬件专业孵化器.eml");
    let message = std::fs::read(&eml).unwrap();
    let parsed = mail_parser::MessageParser::default()
        .parse(&message)
        .unwrap();
    let attached: Vec<String> = parsed
        .attachments()
        .map(|a| {
            mail_parser::MimeHeaders::attachment_name(a)
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(
        attached,
        [
            "融通创新组织榜-深圳湾创智能硬件专业孵化器.docx",
            "运营主体营业执照副本复印件.pdf",
            "盖章扫描件.jpg"
        ]
    );

    // 返回修改: the same draft, on the form.
    h.get_by_label("← 返回修改").click();
    h.run();
    assert_eq!(form_state(&h).id, id);
}

/// 打开 (the command line's `kczg-form FILE`, the start page's button and a drop): a draft, our
/// export, a blank template and a package each open on the form page as a new draft, saying
/// what was found; a file with no form says why; a folder goes to the desk.
#[test]
fn opening_each_kind_of_file_says_what_was_found() {
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("收到的");
    std::fs::create_dir_all(&files).unwrap();
    let defs = defs();
    let write = |name: &str, bytes: &[u8]| {
        let p = files.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let json = write(
        "草稿.json",
        &std::fs::read(fixture_path("tech_manager.json")).unwrap(),
    );
    let exported = exported_fixture("emerging_enterprise");
    let docx = write("导出.docx", &exported);
    let template = write(
        "空白.docx",
        &kczg_form::docx::template(&defs, defs.form("innovation_org").unwrap(), None).unwrap(),
    );
    let package = {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file("申报表.docx", options).unwrap();
        std::io::Write::write_all(&mut zip, &exported_fixture("innovation_org")).unwrap();
        zip.start_file("营业执照.pdf", options).unwrap();
        std::io::Write::write_all(&mut zip, b"%PDF-1.7\n").unwrap();
        write("材料包.zip", &zip.finish().unwrap().into_inner())
    };
    let pdf = write("说明.pdf", b"%PDF-1.7\n");

    let mut h = harness(app(dir.path()));
    h.run();
    let ctx = h.ctx.clone();
    for (path, list, said) in [
        (&json, "tech_manager", "（草稿文件 · 草稿）"),
        (&docx, "emerging_enterprise", "（Word 文档 · 导出件）"),
        (&template, "innovation_org", "（Word 文档 · 模板填写）"),
        (
            &package,
            "innovation_org",
            "随附的 1 个文件已放入本草稿的附件",
        ),
    ] {
        h.state_mut().apply(&ctx, kczg_form::ui::Action::Home);
        h.run();
        if path == &json {
            // Dropped onto the start page.
            drop_files(&mut h, &[path.as_path()]);
        } else {
            h.state_mut()
                .apply(&ctx, kczg_form::ui::Action::OpenFiles(vec![path.clone()]));
            settle(&mut h);
        }
        let name = path.file_name().unwrap().to_str().unwrap();
        assert!(shows(&h, &format!("已打开「{name}」")), "{name}");
        assert!(shows(&h, said), "{name}: {:?}", h.state().notices);
        assert_eq!(form_state(&h).draft.list, list, "{name}");
        // Said where it came from, in the header and in 我的草稿.
        let from = format!("（来自 {name}，{}）", today().format("%Y-%m-%d"));
        assert!(form_state(&h).title(&defs).ends_with(&from), "{name}");
        if path == &package {
            let names: Vec<String> = form_state(&h)
                .files
                .iter()
                .map(|f| f.name.clone())
                .collect();
            assert_eq!(names, ["营业执照.pdf"], "taken out of the package");
        }
    }
    // Each is a draft of the store now; the files themselves are as they were.
    let store = kczg_form::store::Store::at(dir.path()).unwrap();
    assert_eq!(store.list(&defs, today()).len(), 4);
    assert!(
        std::fs::read(&docx).unwrap() == exported,
        "the file is left as it was"
    );

    h.state_mut().apply(&ctx, kczg_form::ui::Action::Home);
    h.run();
    h.state_mut()
        .apply(&ctx, kczg_form::ui::Action::OpenFiles(vec![pdf.clone()]));
    settle(&mut h);
    assert!(matches!(h.state().screen, Screen::Start));
    assert!(shows(&h, "无法打开："), "{:?}", h.state().notices);

    // A folder: the desk, with the folder imported.
    h.state_mut()
        .apply(&ctx, kczg_form::ui::Action::OpenFiles(vec![files.clone()]));
    settle(&mut h);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while matches!(&h.state().screen, Screen::Desk(d) if d.job.is_some()) {
        assert!(std::time::Instant::now() < deadline);
        std::thread::sleep(std::time::Duration::from_millis(20));
        h.run();
    }
    match &h.state().screen {
        Screen::Desk(d) => assert_eq!(d.rows.len(), 5, "four forms and the loose PDF"),
        _ => panic!("not on the desk"),
    }
}

/// 删除 says so with 撤销, which brings the draft back; the trash on the start page restores
/// too. Notices are toasts: the page under them does not move.
#[test]
fn a_deleted_draft_comes_back_by_undo_or_from_the_trash_and_notices_do_not_move_the_page() {
    let dir = tempfile::tempdir().unwrap();
    let store = kczg_form::store::Store::at(dir.path()).unwrap();
    store
        .import_file(&fixture_path("innovation_org.json"))
        .unwrap();
    let mut h = harness(app(dir.path()));
    h.run();
    let top = h.get_by_label("打开申报草稿或申报表…").rect().min;
    h.get_by_label("删除").click();
    h.run();
    assert!(shows(
        &h,
        "已把「深圳湾创智能硬件专业孵化器」移到回收站（连同附件）。"
    ));
    assert_eq!(
        h.get_by_label("打开申报草稿或申报表…").rect().min,
        top,
        "the toast is over the page, not above it"
    );
    h.get_by_label("撤销").click();
    h.run();
    assert_eq!(store.list(&defs(), today()).len(), 1);
    assert!(store.trashed().is_empty());
    assert!(!shows(&h, "移到回收站"), "the toast went with its button");

    h.get_by_label("删除").click();
    h.run();
    h.get_by_label("知道了").click();
    h.run();
    h.get_by_label("回收站（1 份）").click();
    h.run();
    h.get_by_label("恢复").click();
    h.run();
    assert_eq!(store.list(&defs(), today()).len(), 1);
    assert!(!shows(&h, "回收站（"));

    // 清空回收站 asks once more; 取消 keeps everything, 确定清空 deletes for good.
    h.get_by_label("删除").click();
    h.run();
    h.get_by_label("知道了").click();
    h.run();
    if h.query_by_label("清空回收站…").is_none() {
        h.get_by_label("回收站（1 份）").click();
        h.run();
    }
    h.get_by_label("清空回收站…").click();
    h.run();
    assert!(shows(&h, "永久删除这 1 份草稿及其附件？"));
    h.get_by_label("取消").click();
    h.run();
    assert_eq!(store.trashed().len(), 1, "取消 deletes nothing");
    h.get_by_label("清空回收站…").click();
    h.run();
    h.get_by_label("确定清空").click();
    h.run();
    assert!(store.trashed().is_empty());
    assert!(shows(&h, "已清空回收站：永久删除了 1 份草稿及其附件。"));
    assert!(!shows(&h, "回收站（"));
}

/// Ticking the 承诺 boxes top to bottom: what is said about a box stands on its own line,
/// so the boxes below stay where the pointer expects them, and each click ticks its box.
#[test]
fn ticking_the_pledges_top_to_bottom_ticks_each_box() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = new_draft(dir.path(), "新建新锐企业榜申报");
    // Everything said, as after asking for export.
    h.get_by_label("逐项列出").click();
    h.run();
    section(&h, "申报承诺").click();
    h.run();
    let pledges = [
        (
            "pledge_not_prohibited",
            "企业提供的产品和服务不属于国家规定的禁止、限制和淘汰类",
        ),
        (
            "pledge_no_incidents",
            "企业在2022年及2023年内未发生重大安全、重大质量事故和严重环境违法、科研严重失信行为",
        ),
        (
            "pledge_not_blacklisted",
            "企业未列入经营异常名录和严重违法失信企业名单",
        ),
    ];
    // Where each box is before any is ticked: the pointer goes there, one after the other.
    let places: Vec<egui::Pos2> = pledges
        .iter()
        .map(|(_, label)| h.get_by_label(label).rect().center())
        .collect();
    for (i, ((id, _), at)) in pledges.iter().zip(&places).enumerate() {
        h.hover_at(*at);
        h.event(egui::Event::PointerButton {
            pos: *at,
            button: egui::PointerButton::Primary,
            pressed: true,
            modifiers: Default::default(),
        });
        h.event(egui::Event::PointerButton {
            pos: *at,
            button: egui::PointerButton::Primary,
            pressed: false,
            modifiers: Default::default(),
        });
        h.run();
        assert_eq!(
            form_state(&h).draft.values.get(*id),
            Some(&serde_json::Value::Bool(true)),
            "box {} ticked where it was",
            i + 1
        );
    }
}

/// Dates as people type them (2015/6/8, 2015-6-8, 20150608, 2015年6月8日, 2015.06.08) are kept
/// as typed while the field has focus and shown as 2015-06-08 after; the calendar beside in
/// Chinese sets one with a click.
#[test]
fn dates_are_taken_as_typed_and_from_a_chinese_calendar() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = new_draft(dir.path(), "新建新锐企业榜申报");
    for typed in [
        "2015/6/8",
        "2015-6-8",
        "20150608",
        "2015年6月8日",
        "2015.06.08",
    ] {
        input(&h, "成立日期 *").focus();
        h.run();
        h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        input(&h, "成立日期 *").type_text(typed);
        h.run();
        assert_eq!(
            form_state(&h).draft.values["ent_founded"],
            "2015-06-08",
            "{typed}"
        );
        assert_eq!(
            input(&h, "成立日期 *").value().as_deref(),
            Some(typed),
            "as typed while focused"
        );
        input(&h, "法定代表人 *").focus();
        h.run();
        assert_eq!(
            input(&h, "成立日期 *").value().as_deref(),
            Some("2015-06-08"),
            "{typed}: as stored once left"
        );
    }
    // The calendar opens on the month of the date, weeks from 一 to 日; a click sets the day.
    h.get_by_label("选择日期").click();
    h.run();
    assert!(shows(&h, "一") && shows(&h, "日"));
    assert!(!shows(&h, "Mo") && !shows(&h, "Sun"));
    // Turning the month keeps it open.
    h.get_by_label("上月").click();
    h.run();
    assert!(shows(&h, "5月"), "still open on May");
    h.get_by_label("20").click();
    h.run();
    assert_eq!(form_state(&h).draft.values["ent_founded"], "2015-05-20");
    // The year has arrows of its own.
    h.get_by_label("选择日期").click();
    h.run();
    h.get_by_label("上一年").click();
    h.run();
    h.get_by_label("上一年").click();
    h.run();
    h.get_by_label("下一年").click();
    h.run();
    h.get_by_label("20").click();
    h.run();
    assert_eq!(form_state(&h).draft.values["ent_founded"], "2014-05-20");
}

/// A drop-down of the 34 provinces takes what is typed (characters, pinyin or initials) and
/// Enter takes the first that matches; it opens at the selected one.
#[test]
fn a_long_drop_down_takes_type_to_search() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = new_draft(dir.path(), "新建新锐企业榜申报");
    h.get_by_label("注册地（省级） *").click();
    h.run();
    assert!(shows(&h, "北京市") && shows(&h, "广东省"));
    h.get_by_role_and_label(Role::TextInput, "查找：")
        .type_text("gd");
    h.run();
    assert!(shows(&h, "广东省"));
    assert!(!shows(&h, "北京市"), "filtered");
    h.key_press(egui::Key::Enter);
    h.run();
    assert_eq!(form_state(&h).draft.values["ent_region"], "广东省");
    // Open again: the search is empty and 广东省 is there, selected.
    h.get_by_label("注册地（省级） *").click();
    h.run();
    assert!(shows(&h, "北京市") && shows(&h, "广东省"));
    h.get_by_label("广西壮族自治区").click();
    h.run();
    assert_eq!(form_state(&h).draft.values["ent_region"], "广西壮族自治区");
}

/// Tab onto a drop-down and type: it opens with what was typed and shows what it filters to;
/// Enter takes the best match (「hen」 is 河南省, not 河北省), ↓ the next; typing that matches
/// nothing and Enter choose nothing; Enter on an empty search keeps the choice.
#[test]
fn a_focused_drop_down_takes_typing_and_enter_takes_only_a_match() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = new_draft(dir.path(), "新建新锐企业榜申报");
    let region =
        |h: &Harness<'static, KczgApp>| form_state(h).draft.values.get("ent_region").cloned();
    h.get_by_label("注册地（省级） *").focus();
    h.run();
    h.get_by_label("注册地（省级） *").type_text("hen");
    h.run();
    let search = h.get_by_role_and_label(Role::TextInput, "查找：");
    assert_eq!(
        search.value().as_deref(),
        Some("hen"),
        "the letters went into the search"
    );
    assert!(shows(&h, "河南省") && !shows(&h, "河北省") && !shows(&h, "北京市"));
    h.key_press(egui::Key::Enter);
    h.run();
    assert_eq!(region(&h).unwrap(), "河南省");
    // 「hn」: 河南省, 湖南省, 海南省; ↓ marks the second.
    h.get_by_label("注册地（省级） *").focus();
    h.run();
    h.get_by_label("注册地（省级） *").type_text("hn");
    h.run();
    assert!(shows(&h, "湖南省") && shows(&h, "海南省") && !shows(&h, "湖北省"));
    h.key_press(egui::Key::ArrowDown);
    h.run();
    h.key_press(egui::Key::Enter);
    h.run();
    assert_eq!(region(&h).unwrap(), "湖南省");
    // Nothing matches: Enter takes nothing, the list says so and stays.
    h.get_by_label("注册地（省级） *").focus();
    h.run();
    h.get_by_label("注册地（省级） *").type_text("qqq");
    h.run();
    assert!(shows(&h, "没有与「qqq」相符的选项"));
    h.key_press(egui::Key::Enter);
    h.run();
    assert_eq!(region(&h).unwrap(), "湖南省", "nothing chosen");
    h.key_press(egui::Key::Escape);
    h.run();
    // Opened by Enter with nothing typed: Enter again keeps what was chosen.
    h.get_by_label("注册地（省级） *").focus();
    h.run();
    h.key_press(egui::Key::Enter);
    h.run();
    h.key_press(egui::Key::Enter);
    h.run();
    assert_eq!(region(&h).unwrap(), "湖南省");
}

/// Tab goes from field to field of the section and round, never into the navigation or the
/// problems panel.
#[test]
fn tab_stays_in_the_forms_fields() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = new_draft(dir.path(), "新建技术经理人先锋榜申报");
    input(&h, "电子邮箱 *").focus();
    h.run();
    h.key_press(egui::Key::Tab);
    h.run();
    assert!(
        input(&h, "姓名 *").is_focused(),
        "from the last field round to the first"
    );
    h.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::Tab);
    h.run();
    assert!(input(&h, "电子邮箱 *").is_focused(), "and back");
    h.key_press(egui::Key::Tab);
    h.run();
    h.key_press(egui::Key::Tab);
    h.run();
    let focused = h.ctx.memory(|m| m.focused());
    assert!(focused.is_some());
    assert!(
        !input(&h, "姓名 *").is_focused(),
        "moved on from 姓名 to the next field"
    );
}

/// Waits (running frames) until some text is on screen.
#[cfg(unix)]
fn wait_for(h: &mut Harness<'static, KczgApp>, text: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !shows(h, text) {
        assert!(
            std::time::Instant::now() < deadline,
            "「{text}」 never came: {:?}",
            h.state().notices
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
        h.run();
    }
}

/// No dead ends after export: 发送邮件 with nothing to handle `mailto:` (the opener exits 3,
/// as xdg-open does) says so and offers the .eml, which one click writes; 打开所在文件夹
/// that fails says so in Chinese with the path; 返回修改 leads back.
#[cfg(unix)]
#[test]
fn with_no_mail_program_the_handoff_offers_the_eml_and_the_address() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let opener = dir.path().join("xdg-open");
    std::fs::write(
        &opener,
        "#!/bin/sh\ncase \"$1\" in mailto:*) exit 3;; *) exit 2;; esac\n",
    )
    .unwrap();
    std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).unwrap();
    let store = kczg_form::store::Store::at(dir.path()).unwrap();
    store
        .import_file(&fixture_path("innovation_org.json"))
        .unwrap();
    let mut app = app(dir.path());
    app.opener = Some(opener);
    let mut h = harness(app);
    h.run();
    h.get_by_label("打开").click();
    h.run();
    h.get_by_label("导出申报表").click();
    h.run();
    settle(&mut h);
    assert!(matches!(h.state().screen, Screen::Handoff(_)));

    h.get_by_label("发送邮件").click();
    h.run();
    wait_for(&mut h, "这台电脑上没有可以发送邮件的程序");
    assert!(shows(&h, "已把征集邮箱 gxtdzxh@126.com 复制到剪贴板"));
    h.get_by_label("生成邮件草稿").click();
    h.run();
    settle(&mut h);
    let eml = dir
        .path()
        .join("exports/融通创新组织榜-深圳湾创智能硬件专业孵化器.eml");
    assert!(eml.exists(), "the .eml offered is written");

    h.get_all_by_label("打开所在文件夹").next().unwrap().click();
    h.run();
    wait_for(&mut h, "无法打开文件夹，请在文件管理器中打开：");
    assert!(shows(&h, &dir.path().join("exports").display().to_string()));

    // Asked again, then the page left: the notice stays, its 生成邮件草稿 (which needs this
    // page) goes; its 复制路径 (which works anywhere) stays.
    h.get_by_label("发送邮件").click();
    h.run();
    wait_for(&mut h, "这台电脑上没有可以发送邮件的程序");
    assert!(h.query_by_label("生成邮件草稿").is_some());
    h.get_by_label("← 返回修改").click();
    h.run();
    assert!(matches!(h.state().screen, Screen::Form(_)));
    assert!(shows(&h, "这台电脑上没有可以发送邮件的程序"));
    assert!(
        h.query_by_label("生成邮件草稿").is_none(),
        "no button that would do nothing"
    );
    assert!(h.query_by_label("复制路径").is_some());
}

/// On a 1024×600 screen: 我的草稿 is in sight on the start page without scrolling, the
/// problems panel folds away on the form (and comes with its button), and the fields stay
/// clear of the panels.
#[test]
fn a_small_screen_of_1024_by_600_keeps_the_drafts_and_the_fields_in_sight() {
    let dir = tempfile::tempdir().unwrap();
    let store = kczg_form::store::Store::at(dir.path()).unwrap();
    store
        .import_file(&fixture_path("innovation_org.json"))
        .unwrap();
    let mut h = Harness::builder()
        .with_size([1024.0, 600.0])
        .with_max_steps(64)
        .with_context_setup(install_fonts)
        .build_ui_state(|ui, app: &mut KczgApp| app.show(ui), app(dir.path()));
    h.run();
    let drafts = h.get_by_label("我的草稿").rect();
    let open = h.get_by_label("打开").rect();
    assert!(
        drafts.max.y < 600.0 && open.max.y < 600.0,
        "{drafts:?} {open:?}"
    );
    h.get_by_label("打开").click();
    h.run();
    assert!(!shows(&h, "没有发现问题"), "the panel is folded");
    let name = input(&h, "机构名称 *").rect();
    assert!(name.max.x <= 1024.0, "{name:?}");
    h.get_by_label_contains("问题（").click();
    h.run();
    assert!(shows(&h, "没有发现问题"), "and comes when asked for");
}

/// The same file chosen for two rows is one copy: taking it off one row leaves it with the
/// other, and the copy stays until no row names it.
#[test]
fn a_file_named_by_two_rows_stays_for_the_other_when_taken_off_one() {
    let dir = tempfile::tempdir().unwrap();
    let licence = dir.path().join("营业执照.pdf");
    std::fs::write(&licence, b"%PDF-1.7\n licence").unwrap();
    let mut h = opened(dir.path(), "innovation_org");
    let ctx = h.ctx.clone();
    section(&h, "附件清单").click();
    h.run();
    for row in [0, 2] {
        h.state_mut().apply(
            &ctx,
            kczg_form::ui::Action::AddAttachments {
                row: Some(row),
                sealed: false,
                paths: vec![licence.clone()],
            },
        );
        settle(&mut h);
    }
    let rows = |h: &Harness<'static, KczgApp>| form_state(h).draft.values["attachments"].clone();
    assert_eq!(rows(&h)[0]["file"], "营业执照.pdf");
    assert_eq!(rows(&h)[2]["file"], "营业执照.pdf");
    let remove: Vec<_> = h.get_all_by_label("移除文件").collect();
    assert_eq!(remove.len(), 2);
    remove[1].click();
    h.run();
    assert_eq!(
        rows(&h)[0]["file"],
        "营业执照.pdf",
        "the other row keeps it"
    );
    assert!(rows(&h)[2].get("file").is_none());
    let id = form_state(&h).id.clone();
    assert!(
        dir.path()
            .join("attachments")
            .join(&id)
            .join("营业执照.pdf")
            .exists()
    );
    h.get_by_label("移除文件").click();
    h.run();
    assert!(
        !dir.path()
            .join("attachments")
            .join(&id)
            .join("营业执照.pdf")
            .exists()
    );
}

/// The desk's top bar wraps as a whole: at every window width from 900 to 1,400 px the
/// 推荐单位 box lies within the window (it ran off the right edge at 1,120 px, a group of label
/// and box not being wrapped by the row it was in).
#[test]
fn the_desk_bar_keeps_the_recommender_box_in_the_window_at_every_width() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = Harness::builder()
        .with_size([1120.0, 640.0])
        .with_max_steps(64)
        .with_context_setup(install_fonts)
        .build_ui_state(|ui, app: &mut KczgApp| app.show(ui), app(dir.path()));
    h.run();
    h.get_by_label("秘书处汇总").click();
    h.run();
    settle(&mut h);
    for width in (900..=1400).step_by(20) {
        h.set_size(egui::vec2(width as f32, 640.0));
        h.run();
        let rect = h.get_by_label("推荐单位：").rect();
        assert!(
            rect.max.x <= width as f32 && rect.min.y < 200.0,
            "at {width} px the 推荐单位 box is at {rect:?}"
        );
    }
}

/// At 1024×600, at every zoom the app offers (0.7 to 1.5 by Ctrl+= and Ctrl+-), every button,
/// box and field of the start page (with drafts and the trash), the form, the hand-off page
/// and the desk can be brought into sight (by scrolling, as a person would) and lies within
/// the window.
#[test]
fn every_control_is_reachable_at_1024_by_600_at_every_zoom() {
    use egui_kittest::kittest::NodeT;
    let dir = tempfile::tempdir().unwrap();
    let store = kczg_form::store::Store::at(dir.path()).unwrap();
    for name in ["innovation_org", "emerging_enterprise"] {
        let id = store
            .import_file(&fixture_path(&format!("{name}.json")))
            .unwrap();
        let mut d = store.load(&defs(), &id).unwrap().draft;
        d.meta.insert(
            "name".into(),
            format!("一个很长很长很长的草稿名称用来占满这一列{name}").into(),
        );
        store.save(&id, &d).unwrap();
    }
    let gone = store
        .import_file(&fixture_path("tech_manager.json"))
        .unwrap();
    store.delete(&gone).unwrap();
    let mut h = Harness::builder()
        .with_size([1024.0, 600.0])
        .with_max_steps(64)
        .with_context_setup(install_fonts)
        .build_ui_state(|ui, app: &mut KczgApp| app.show(ui), app(dir.path()));
    h.run();
    let ctx = h.ctx.clone();
    let interactive = [
        Role::Button,
        Role::CheckBox,
        Role::ComboBox,
        Role::TextInput,
        Role::MultilineTextInput,
        Role::RadioButton,
    ];
    let mut checked = 0;
    let mut check_page = |h: &mut Harness<'static, KczgApp>, page: &str, zoom: f32| {
        let window =
            egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(1024.0 / zoom, 600.0 / zoom))
                .expand(1.0);
        let count = h
            .query_all(
                egui_kittest::kittest::By::new()
                    .predicate(move |n| interactive.contains(&n.role())),
            )
            .count();
        for i in 0..count {
            let Some(node) = h
                .query_all(
                    egui_kittest::kittest::By::new()
                        .predicate(move |n| interactive.contains(&n.role())),
                )
                .nth(i)
            else {
                break;
            };
            let label = node.accesskit_node().label().unwrap_or_default();
            node.scroll_to_me();
            h.run();
            let Some(node) = h
                .query_all(
                    egui_kittest::kittest::By::new()
                        .predicate(move |n| interactive.contains(&n.role())),
                )
                .nth(i)
            else {
                break;
            };
            let rect = node.rect();
            assert!(
                window.contains_rect(rect),
                "{page} at {zoom}: 「{label}」 at {rect:?} is out of the {window:?} window"
            );
            checked += 1;
        }
    };
    for step in 7..=15 {
        let zoom = step as f32 / 10.0;
        ctx.set_zoom_factor(zoom);
        h.state_mut().apply(&ctx, kczg_form::ui::Action::Home);
        h.run();
        if h.query_by_label("清空回收站…").is_none() {
            h.get_by_label("回收站（1 份）").click();
            h.run();
        }
        check_page(&mut h, "start", zoom);
        // Clicked where it is, once scrolled to (as a person would).
        h.get_all_by_label("打开").next().unwrap().scroll_to_me();
        h.run();
        h.get_all_by_label("打开").next().unwrap().click();
        h.run();
        assert!(
            matches!(h.state().screen, Screen::Form(_)),
            "on the form at {zoom}"
        );
        check_page(&mut h, "form", zoom);
        if step == 15 {
            h.get_by_label("导出预览稿").scroll_to_me();
            h.run();
            h.get_by_label("导出预览稿").click();
            h.run();
            settle(&mut h);
            assert!(matches!(h.state().screen, Screen::Handoff(_)));
            check_page(&mut h, "hand-off", zoom);
            // The desk, with what was exported imported.
            h.state_mut().apply(&ctx, kczg_form::ui::Action::Home);
            h.run();
            h.state_mut().apply(&ctx, kczg_form::ui::Action::OpenDesk);
            settle(&mut h);
            import_and_wait(&mut h, &dir.path().join("exports"));
            assert!(matches!(&h.state().screen, Screen::Desk(d) if !d.rows.is_empty()));
            check_page(&mut h, "desk", zoom);
        }
    }
    assert_eq!(ctx.zoom_factor(), 1.5);
    ctx.set_zoom_factor(3.0);
    h.run();
    assert_eq!(ctx.zoom_factor(), 1.5, "no zoom beyond what is offered");
    assert!(checked > 300, "{checked} controls checked");
}

/// The desk's 专家评审 page does what the `review` commands do, off the frame, on the desk's own
/// submissions: start with an expert list, assign, write packs, collect a sheet filled by
/// openpyxl, rank, and confirm the proposed 推荐 and 排序 into the desk; a submission's detail
/// shows its reviews.
#[test]
fn the_desk_reviews_by_experts_assigns_packs_collects_ranks_and_confirms() {
    let have_openpyxl = std::process::Command::new("python3")
        .args(["-c", "import openpyxl"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !external("desk review", have_openpyxl, "python3 with openpyxl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("收件箱");
    std::fs::create_dir_all(&inbox).unwrap();
    for name in fixture_names() {
        std::fs::copy(
            fixture_path(&format!("{name}.json")),
            inbox.join(format!("{name}.json")),
        )
        .unwrap();
    }
    let experts = dir.path().join("专家名单.csv");
    std::fs::write(
        &experts,
        "姓名,单位,单位代码,领域,邮箱\n张明,清华大学,,电子信息,zm@example.cn\n王芳,华中科技大学,,生物医药,wf@example.cn\n刘洋,河南省技术市场协会,,技术转移,ly@example.cn\n孙磊,深圳市科技创新委员会,,孵化,sl@example.cn\n",
    )
    .unwrap();
    let mut h = harness(app(dir.path()));
    h.run();
    h.get_by_label("秘书处汇总").click();
    h.run();
    settle(&mut h);
    import_and_wait(&mut h, &inbox);
    h.get_by_label("专家评审").click();
    h.run();
    settle(&mut h);
    assert!(shows(&h, "还没有评审"));
    let ctx = h.ctx.clone();
    h.state_mut()
        .apply(&ctx, kczg_form::ui::Action::ReviewStart(experts.clone()));
    settle(&mut h);
    assert!(
        shows(&h, "已开始评审：4 位专家，10 份申报"),
        "{:?}",
        h.state().notices
    );
    h.get_by_label("分配专家").click();
    h.run();
    settle(&mut h);
    assert!(shows(&h, "已分配 30 项"), "{:?}", h.state().notices);
    let packs = dir.path().join("评审包");
    h.state_mut()
        .apply(&ctx, kczg_form::ui::Action::ReviewPack(packs.clone()));
    settle(&mut h);
    assert!(packs.join("张明-评审包.zip").exists() && packs.join("张明-评审包.eml").exists());
    assert!(shows(&h, "评分表：发出 4"));

    // 张明 fills his sheet (openpyxl), sends it back.
    let folder = dir.path().join("评审");
    let store = kczg_form::review::store::ReviewStore::open(&folder).unwrap();
    let review = store.load().unwrap();
    let defs = defs();
    let mine = kczg_form::review::collect::assigned(&review, 0);
    let mut rows = serde_json::Map::new();
    for app in &mine {
        let plan = defs
            .review
            .plan_for(&app.list, app.domain.as_deref())
            .unwrap();
        rows.insert(
            kczg_form::review::sheet::key(app),
            serde_json::json!({"scores": vec![8.5; plan.criteria.len()], "verdict": "推荐", "comment": "推荐入选"}),
        );
    }
    let mut zip =
        zip::ZipArchive::new(std::fs::File::open(packs.join("张明-评审包.zip")).unwrap()).unwrap();
    let blank = dir.path().join("blank.xlsx");
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut zip.by_name("张明-评分表.xlsx").unwrap(), &mut bytes).unwrap();
    std::fs::write(&blank, bytes).unwrap();
    let filled = dir.path().join("张明-评分表.xlsx");
    let plan = dir.path().join("plan.json");
    std::fs::write(&plan, serde_json::json!({"rows": rows}).to_string()).unwrap();
    let out = std::process::Command::new("python3")
        .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/fill_sheet.py"))
        .args([&blank, &filled, &plan])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Dropped onto the 评审 page: collected.
    drop_files(&mut h, &[filled.as_path()]);
    settle(&mut h);
    assert!(shows(&h, "收回 1"), "{:?}", h.state().notices);
    h.get_by_label("汇总排名").click();
    h.run();
    settle(&mut h);
    assert!(shows(&h, "排名依据"));
    h.get_by_label("确认建议的推荐与排序").click();
    h.run();
    settle(&mut h);
    assert!(shows(&h, "已确认排名"), "{:?}", h.state().notices);
    let Screen::Desk(d) = &h.state().screen else {
        panic!("on the desk")
    };
    let recommended: Vec<&str> = d
        .desk
        .submissions
        .iter()
        .filter(|s| d.desk.decision(&s.id).recommend)
        .map(|s| s.id.as_str())
        .collect();
    assert_eq!(
        recommended.len(),
        mine.len(),
        "each of 张明's, with a majority of 推荐"
    );
    assert!(mine.iter().all(|a| recommended.contains(&a.id.as_str())));
    let first = mine[0].id.clone();
    for a in &mine {
        let rank = d.desk.decision(&a.id).rank;
        assert!(rank.is_some_and(|r| r >= 1), "{}: 排序 {rank:?}", a.name);
    }
    // The review's own database keeps what was confirmed, the same as the desk.
    let confirmed = kczg_form::review::store::ReviewStore::open(&folder)
        .unwrap()
        .confirmed()
        .unwrap()
        .expect("the confirmation is kept in the review");
    assert_eq!(confirmed.recommended, recommended.len());
    for p in &confirmed.places {
        assert_eq!(d.desk.decision(&p.app).rank, p.place, "{}", p.app);
    }
    // The detail of one of them shows its review.
    match &mut h.state_mut().screen {
        Screen::Desk(d) => d.selected = Some(first),
        _ => unreachable!(),
    }
    h.run();
    assert!(shows(&h, "专家评审"));
    assert!(shows(&h, "张明：85.00 分，推荐。推荐入选"));

    // By hand, from the page: an expert ticked or unticked for the first application.
    match &mut h.state_mut().screen {
        Screen::Desk(d) => {
            d.selected = None;
            if let Some(l) = &mut d.review.loaded {
                l.ranking = None;
            }
        }
        _ => unreachable!(),
    }
    h.run();
    let first_app = review.apps[0].id.clone();
    let had = |who: &str| {
        let r = kczg_form::review::store::ReviewStore::open(&folder)
            .unwrap()
            .load()
            .unwrap();
        r.assignments
            .iter()
            .any(|a| r.apps[a.app].id == first_app && r.experts[a.expert].name == who)
    };
    let before = had("孙磊");
    h.get_all_by_label("调整").next().unwrap().click();
    h.run();
    h.get_by_label("孙磊（深圳市科技创新委员会）").click();
    h.run();
    settle(&mut h);
    assert_ne!(had("孙磊"), before, "ticked or unticked by hand");
    assert!(shows(&h, "孙磊 评审"), "{:?}", h.state().notices);
}
