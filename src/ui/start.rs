//! The start page: the call, the four lists (and the six domains of 先导技术榜), recent drafts.

use super::dialogs::{Picking, WORD};
use crate::docx;

use std::path::{Path, PathBuf};

use super::app::{KczgApp, Screen};
use super::notices::Kind;
use crate::store::Store;

use chrono::NaiveDate;

use super::Action;
use crate::schema::Definitions;
use crate::store::{Entry, Summary};

pub struct StartView<'a> {
    pub defs: &'a Definitions,
    pub drafts: &'a [Entry],
    /// The drafts in the trash, most recent first.
    pub trash: &'a [Summary],
    pub today: NaiveDate,
}

const TEMPLATE: &str = "下载空白申报表（Word 版）";
const TEMPLATE_HINT: &str =
    "在 Word 或 WPS 中直接填写的空白申报表；填好后可用本程序核对，秘书处可直接导入";

pub fn ui(ui: &mut egui::Ui, view: &StartView) -> Vec<Action> {
    let mut actions = Vec::new();
    let call = &view.defs.call;
    // A draft, an exported form, a filled template or a package dropped here is opened;
    // several, or a folder, go to 秘书处汇总.
    let dropped = super::dropped_paths(ui.ctx());
    if !dropped.is_empty() {
        actions.push(Action::OpenFiles(dropped));
    }
    egui::CentralPanel::default_margins().show(ui, |ui| {
        // Both ways: zoomed in on a small screen, a wide list of drafts scrolls sideways
        // rather than cutting its last column off.
        egui::ScrollArea::both().show(ui, |ui| {
            ui.heading(egui::RichText::new(format!("{}申报助手", call.title)).size(24.0));
            ui.add_space(4.0);
            if call.is_closed(view.today) {
                ui.label(
                    egui::RichText::new(&call.window.closed_notice)
                        .color(ui.visuals().weak_text_color()),
                );
            }
            ui.horizontal_wrapped(|ui| {
                for stage in &call.stages {
                    ui.label(format!("{}：{}", stage.name, stage.when));
                    ui.separator();
                }
            });
            ui.label(format!(
                "申报材料发送至 {}。联系方式：{} {} {}",
                call.submission_email, call.contact.unit, call.contact.person, call.contact.phone
            ));
            ui.horizontal_wrapped(|ui| {
                if ui
                    .button("打开申报草稿或申报表…")
                    .on_hover_text(
                        "草稿（.json）、本程序导出的或在 Word 中填好的申报表（.docx）、申报材料包（.zip）；也可把文件拖到窗口中",
                    )
                    .clicked()
                {
                    actions.push(Action::PickOpen);
                }
                ui.separator();
                ui.label("学会秘书处：");
                if ui
                    .button("秘书处汇总")
                    .on_hover_text("导入收到的申报材料，核对、查重、推荐，导出推荐汇总表")
                    .clicked()
                {
                    actions.push(Action::OpenDesk);
                }
            });
            ui.add_space(8.0);
            ui.heading("我的草稿");
            drafts_ui(ui, view.drafts, &mut actions);
            trash_ui(ui, view.trash, &mut actions);
            ui.add_space(12.0);
            ui.heading("选择榜单，开始填写");
            ui.add_space(4.0);
            for form in &view.defs.forms {
                egui::Frame::group(ui.style()).show(ui, |ui| {
                    ui.set_width(ui.available_width());
                    ui.label(egui::RichText::new(&form.name).strong().size(18.0));
                    ui.label(&form.summary);
                    if form.domains.is_empty() {
                        ui.horizontal(|ui| {
                            if ui.button(format!("新建{}申报", form.name)).clicked() {
                                actions.push(Action::NewDraft {
                                    list: form.id.clone(),
                                    domain: None,
                                });
                            }
                            if ui.button(TEMPLATE).on_hover_text(TEMPLATE_HINT).clicked() {
                                actions.push(Action::SaveTemplate {
                                    list: form.id.clone(),
                                    domain: None,
                                });
                            }
                        });
                    } else {
                        for group in ["产业领域", "专项领域"] {
                            ui.horizontal_wrapped(|ui| {
                                ui.label(format!("{group}："));
                                for d in form.domains.iter().filter(|d| d.group == group) {
                                    if ui.button(format!("新建 · {}", d.name)).clicked() {
                                        actions.push(Action::NewDraft {
                                            list: form.id.clone(),
                                            domain: Some(d.id.clone()),
                                        });
                                    }
                                }
                            });
                        }
                        ui.menu_button(TEMPLATE, |ui| {
                            ui.label(TEMPLATE_HINT);
                            for d in &form.domains {
                                if ui.button(&d.name).clicked() {
                                    actions.push(Action::SaveTemplate {
                                        list: form.id.clone(),
                                        domain: Some(d.id.clone()),
                                    });
                                    ui.close();
                                }
                            }
                        })
                        .response
                        .on_hover_text("先选择领域：各领域要填写的内容不同");
                    }
                });
                ui.add_space(6.0);
            }
        });
    });
    actions
}

fn drafts_ui(ui: &mut egui::Ui, drafts: &[Entry], actions: &mut Vec<Action>) {
    if drafts.is_empty() {
        ui.label("还没有草稿。选择上面的榜单新建一份；填写的内容会自动保存在本机。");
        return;
    }
    egui::Grid::new("drafts")
        .striped(true)
        .num_columns(6)
        .show(ui, |ui| {
            // The buttons first: in sight however long the names.
            for h in ["", "", "榜单", "名称", "最后保存", "问题"] {
                ui.strong(h);
            }
            ui.end_row();
            for entry in drafts {
                match entry {
                    Entry::Ok(s) => {
                        ui.horizontal(|ui| {
                            if ui.button("打开").on_hover_text("继续填写").clicked() {
                                actions.push(Action::OpenDraft(s.id.clone()));
                            }
                            if ui
                                .button("复制")
                                .on_hover_text("复制为一份新的申报（如同一单位的第二项）")
                                .clicked()
                            {
                                actions.push(Action::DuplicateDraft(s.id.clone()));
                            }
                        });
                        if ui
                            .button("删除")
                            .on_hover_text("移到回收站，可恢复")
                            .clicked()
                        {
                            actions.push(Action::DeleteDraft(s.id.clone()));
                        }
                        let list = match &s.domain_name {
                            Some(d) => format!("{}·{d}", s.list_name),
                            None => s.list_name.clone(),
                        };
                        ui.label(list);
                        ui.label(&s.name);
                        ui.label(&s.saved);
                        // As the form counts them: fields still to fill are 「待填」, not red.
                        let wrong = s.errors - s.missing.min(s.errors);
                        match (wrong, s.missing) {
                            (0, 0) => {
                                ui.label(format!("✓ 无错误（{} 个提醒）", s.warnings));
                            }
                            (0, m) => {
                                ui.label(format!("待填 {m} 项"));
                            }
                            (e, 0) => {
                                ui.colored_label(
                                    ui.visuals().error_fg_color,
                                    format!("{e} 个错误"),
                                );
                            }
                            (e, m) => {
                                ui.colored_label(
                                    ui.visuals().error_fg_color,
                                    format!("待填 {m} 项，{e} 个错误"),
                                );
                            }
                        }
                    }
                    Entry::Damaged { id, reason, .. } => {
                        ui.label("");
                        ui.label("");
                        ui.colored_label(ui.visuals().error_fg_color, "已损坏");
                        ui.label(id);
                        ui.label(reason);
                        ui.label("");
                    }
                    Entry::Unusable { file, reason } => {
                        ui.label("");
                        ui.label("");
                        ui.colored_label(ui.visuals().warn_fg_color, "未使用");
                        ui.label(file_name(file));
                        ui.label(reason);
                        ui.label("");
                    }
                }
                ui.end_row();
            }
        });
}

/// 回收站: deleted drafts, each with 恢复.
fn trash_ui(ui: &mut egui::Ui, trash: &[Summary], actions: &mut Vec<Action>) {
    if trash.is_empty() {
        return;
    }
    egui::CollapsingHeader::new(format!("回收站（{} 份）", trash.len()))
        .id_salt("trash")
        .show(ui, |ui| {
            egui::Grid::new("trash_grid").striped(true).show(ui, |ui| {
                for s in trash {
                    ui.label(&s.list_name);
                    ui.label(&s.name);
                    ui.label(format!("保存于 {}", s.saved));
                    if ui
                        .button("恢复")
                        .on_hover_text("连同附件放回「我的草稿」")
                        .clicked()
                    {
                        actions.push(Action::RestoreDraft(s.id.clone()));
                    }
                    ui.end_row();
                }
            });
            // Emptying is for good: asked once more, in place.
            let asking = egui::Id::unique("trash_empty_asking");
            if ui.data(|d| d.get_temp::<bool>(asking).unwrap_or(false)) {
                ui.horizontal_wrapped(|ui| {
                    ui.label(
                        egui::RichText::new(format!(
                            "永久删除这 {} 份草稿及其附件？删除后无法恢复。",
                            trash.len()
                        ))
                        .color(ui.visuals().warn_fg_color),
                    );
                    if ui.button("确定清空").clicked() {
                        actions.push(Action::EmptyTrash);
                        ui.data_mut(|d| d.remove::<bool>(asking));
                    }
                    if ui.button("取消").clicked() {
                        ui.data_mut(|d| d.remove::<bool>(asking));
                    }
                });
            } else if ui
                .button("清空回收站…")
                .on_hover_text("永久删除回收站中的草稿及其附件（会再问一次）")
                .clicked()
            {
                ui.data_mut(|d| d.insert_temp(asking, true));
            }
        });
}

/// The last part of a path, for a narrow column.
fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

// ---- The start page's work: a file opened as a new draft ----

impl KczgApp {
    /// See [`Action::OpenFiles`]. One file is read off the frame, then opened as a new draft
    /// (the file itself is never written), with what was found said.
    pub(super) fn open_files(&mut self, paths: Vec<PathBuf>) {
        let one = match paths.as_slice() {
            [one] if !one.is_dir() => one.clone(),
            _ => {
                if !matches!(self.screen, Screen::Desk(_)) {
                    self.open_desk();
                }
                self.desk_import(paths);
                return;
            }
        };
        if self.refuse_while_busy() {
            return;
        }
        let (defs, today) = (self.defs.clone(), self.today);
        let store = self.store.clone();
        self.tasks.run("正在打开……", self.repaint.clone(), move || {
            let opened = adopt_file(&defs, store, &one, today);
            Box::new(move |app: &mut KczgApp| app.opened_file(opened))
        });
    }

    pub(super) fn opened_file(&mut self, opened: Result<OpenedFile, String>) {
        let opened = match opened {
            Ok(o) => o,
            Err(e) => {
                self.notices.refusal(e);
                return;
            }
        };
        let OpenedFile {
            shown,
            count,
            adopted,
            said,
            notes,
            misfits,
        } = opened;
        if count > 1 {
            self.notices.info(format!(
                "「{shown}」中有 {count} 份申报表，已打开第一份；其余请在「秘书处汇总」中导入查看。"
            ));
        }
        self.refresh_drafts();
        self.open(adopted.id, adopted.draft, misfits);
        if let Screen::Form(f) = &mut self.screen {
            // What the document itself says (a filled template's reminders, what changed
            // in Word) stands in the problems panel while it is open.
            f.carry(&self.defs, notes, self.today);
        }
        for (kind, text) in said {
            self.notices.say(kind, text);
        }
    }
}

/// What is being opened with the system's program, for what to say when it cannot be.
/// A file opened as a new draft, read and adopted off the frame (see [`adopt_file`]).
pub(super) struct OpenedFile {
    shown: String,
    /// How many forms the file holds (the first is opened).
    count: usize,
    adopted: crate::store::Adopted,
    /// What to say, and how.
    said: Vec<(Kind, String)>,
    /// What the document says about itself, for the problems panel.
    notes: Vec<crate::rules::Finding>,
    misfits: Vec<String>,
}

/// Reads `path` and makes its first form a new draft of the store, with its attachments
/// (see [`crate::store::Store::adopt`]). The file itself is never written.
pub(super) fn adopt_file(
    defs: &Definitions,
    store: Result<Store, String>,
    path: &Path,
    today: NaiveDate,
) -> Result<OpenedFile, String> {
    let shown = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    // The intake speaks to the secretariat; here the applicant reads it.
    let opened = crate::intake::open(defs, path, today)
        .map_err(|e| format!("无法打开：{}", crate::intake::to_applicant(&e)))?;
    let count = opened.submissions.len();
    let Some(submission) = opened.submissions.first() else {
        return Err(format!("「{shown}」中没有申报表。"));
    };
    let store = store.map_err(|_| "无法打开：数据文件夹不可用，草稿无法保存。".to_owned())?;
    let adopted = store
        .adopt(defs, submission, &shown, &opened.bytes, today)
        .map_err(|e| e.to_string())?;
    let mut said = vec![(
        Kind::Info,
        format!(
            "已打开「{shown}」（{}），另存为新草稿；原文件不会被改动。",
            submission.container.label().to_owned() + " · " + submission.origin().label()
        ),
    )];
    if !submission.edits.is_empty() {
        said.push((
            Kind::Info,
            format!(
                "这份申报表导出后在 Word 中改动过 {} 处，已按文档中显示的内容打开（见右侧「问题」）。",
                submission.edits.len()
            ),
        ));
    }
    match (adopted.from_file, adopted.from_original) {
        (0, 0) => {}
        (n, 0) => said.push((Kind::Info, format!("随附的 {n} 个文件已放入本草稿的附件。"))),
        (0, n) => said.push((
            Kind::Info,
            format!("附件清单中的 {n} 个文件取自本机上的原草稿，已放入本草稿的附件。"),
        )),
        (a, b) => said.push((
            Kind::Info,
            format!("随附的 {a} 个文件和本机原草稿中的 {b} 个文件已放入本草稿的附件。"),
        )),
    }
    for why in &adopted.refused {
        said.push((Kind::Refusal, crate::intake::to_applicant(why)));
    }
    if !adopted.missing.is_empty() {
        said.push((
            Kind::Refusal,
            format!(
                "附件清单中的 {} 个文件不在这台电脑上（如「{}」），请在「附件清单」中重新选择。",
                adopted.missing.len(),
                adopted.missing[0]
            ),
        ));
    }
    let visible = submission.visible_values;
    let notes = submission
        .notes
        .iter()
        .map(crate::intake::note_finding)
        .chain(
            submission
                .edits
                .iter()
                .map(|e| crate::intake::edit_finding(e, visible)),
        )
        .map(|mut f| {
            f.message = crate::intake::to_applicant(&f.message);
            f
        })
        .collect();
    let misfits = crate::store::misfits(defs, &adopted.draft);
    Ok(OpenedFile {
        shown,
        count,
        adopted,
        said,
        notes,
        misfits,
    })
}

impl KczgApp {
    /// 下载空白申报表（Word 版）: the blank template of a list (and domain), saved as a file.
    pub(super) fn save_template(&mut self, list: String, domain: Option<String>) {
        let Some(form) = self.defs.form(&list) else {
            return;
        };
        let name = crate::naming::template_file_name(form, domain.as_deref());
        let defs = self.defs.clone();
        self.save_in_background("空白申报表", name, WORD, move || {
            let form = defs.form(&list).ok_or("未知榜单")?;
            docx::template(&defs, form, domain.as_deref())
                .map(|bytes| (bytes, Vec::new()))
                .map_err(|e| e.to_string())
        });
    }

    /// 复制: a copy of a draft, with its attachments.
    pub(super) fn duplicate_draft(&mut self, id: String) {
        if let Ok(store) = &self.store
            && let Err(e) = store.duplicate(&self.defs, &id)
        {
            self.notices.refusal(e.to_string());
        }
        self.refresh_drafts();
    }

    /// 删除: into the trash with its attachments, with 撤销 on the notice.
    pub(super) fn delete_draft(&mut self, id: String) {
        if let Ok(store) = &self.store {
            let name = self
                .drafts
                .iter()
                .find_map(|e| match e {
                    crate::store::Entry::Ok(s) if s.id == id => Some(s.name.clone()),
                    _ => None,
                })
                .unwrap_or_else(|| id.clone());
            match store.delete(&id) {
                Ok(()) => self.notices.with_button(
                    Kind::Done,
                    format!("已把「{name}」移到回收站（连同附件）。"),
                    "撤销",
                    Action::RestoreDraft(id),
                    None,
                ),
                Err(e) => self.notices.refusal(e.to_string()),
            }
        }
        self.refresh_drafts();
    }

    /// 恢复 (or 撤销 after 删除): back from the trash with its attachments.
    pub(super) fn restore_draft(&mut self, id: String) {
        if let Ok(store) = &self.store {
            match store.restore(&id) {
                Ok(_) => {}
                Err(e) => self.notices.refusal(e.to_string()),
            }
        }
        self.refresh_drafts();
    }

    /// 清空回收站, once confirmed.
    pub(super) fn empty_trash(&mut self) {
        if let Ok(store) = &self.store {
            match store.empty_trash() {
                Ok(n) => self
                    .notices
                    .done(format!("已清空回收站：永久删除了 {n} 份草稿及其附件。")),
                Err(e) => self.notices.refusal(e.to_string()),
            }
        }
        self.refresh_drafts();
    }

    /// 打开申报草稿或申报表…: the system's dialog, then [`Self::open_files`].
    pub(super) fn pick_open(&mut self) {
        if self.refuse_while_busy() {
            return;
        }
        let dialog = self
            .dialog("打开申报草稿或申报表")
            .add_filter("草稿、申报表或申报材料包", &["json", "docx", "zip"])
            .pick_files();
        let picking: Picking = Box::pin(dialog);
        self.when_picked("等待选择文件……", picking, move |app, paths| {
            app.open_files(paths)
        });
    }
}
