//! After export: where the file is, the submission address, and the e-mail hand-off.

use super::app::{KczgApp, Screen};
use super::attach::gather_for;
use super::notices::Kind;

use std::path::PathBuf;

use egui::RichText;

use super::Action;
use crate::Draft;
use crate::schema::Definitions;

pub struct HandoffState {
    /// The draft exported (its attachments are in its folder).
    pub id: String,
    pub path: PathBuf,
    pub draft: Draft,
    pub preview: bool,
    pub eml: Option<PathBuf>,
    /// The draft's attachment folder, listed.
    pub files: Vec<crate::attachments::Stored>,
}

impl HandoffState {
    pub fn new(id: String, path: PathBuf, draft: Draft, preview: bool) -> HandoffState {
        HandoffState {
            id,
            path,
            draft,
            preview,
            eml: None,
            files: Vec::new(),
        }
    }
}

pub fn ui(ui: &mut egui::Ui, defs: &Definitions, state: &HandoffState) -> Vec<Action> {
    let mut actions = Vec::new();
    let email = &defs.call.submission_email;
    // Files dropped here are pages of the sealed scan.
    let dropped = super::dropped_paths(ui.ctx());
    if !dropped.is_empty() && !state.preview {
        actions.push(Action::AddAttachments {
            row: None,
            sealed: true,
            paths: dropped,
        });
    }
    egui::CentralPanel::default_margins().show(ui, |ui| {
        egui::ScrollArea::vertical().auto_shrink(false).show(ui, |ui| {
            ui.horizontal(|ui| {
                if ui.button("← 返回修改").on_hover_text("回到申报表继续修改；改完后再导出").clicked() {
                    actions.push(Action::BackToForm);
                }
                if ui.button("返回首页").clicked() {
                    actions.push(Action::Home);
                }
            });
            ui.add_space(8.0);
            ui.heading(if state.preview { "预览稿已导出" } else { "申报表已导出" });
            ui.add_space(8.0);
            if state.preview {
                ui.label(
                    RichText::new("这是预览稿，文档中标明了“草稿”，不能作为正式申报材料提交。改正全部错误后再导出正式申报表。")
                        .color(ui.visuals().warn_fg_color),
                );
            }
            ui.horizontal_wrapped(|ui| {
                ui.label("文件：");
                ui.monospace(state.path.display().to_string());
                if let Some(dir) = state.path.parent()
                    && ui.button("打开所在文件夹").clicked()
                {
                    actions.push(Action::OpenFolder(dir.to_path_buf()));
                }
            });
            if state.preview {
                return;
            }
            ui.add_space(12.0);
            ui.label(RichText::new("第一步：打印、盖章签字、扫描").strong());
            ui.label("打印这份申报表，在承诺栏盖章、签字后扫描，把扫描件添加到下面：");
            super::attach::sealed_slot(ui, &state.files, &mut actions);
            ui.add_space(12.0);
            ui.label(RichText::new("第二步：发送").strong());
            sent_files(ui, defs, state);
            ui.label("把申报表、附件和盖章扫描件发送到学会秘书处的征集邮箱：");
            ui.horizontal(|ui| {
                ui.label(RichText::new(email).strong().size(18.0));
                if ui.button("复制邮箱地址").clicked() {
                    actions.push(Action::CopyText(email.clone()));
                }
            });
            ui.add_space(8.0);
            if let Some(form) = defs.form(&state.draft.list) {
                let name = state.path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                ui.horizontal_wrapped(|ui| {
                    if ui
                        .button("生成邮件草稿(.eml)")
                        .on_hover_text("生成已附上申报表、附件和盖章扫描件的邮件，用 Outlook、Foxmail 等打开后点“发送”")
                        .clicked()
                    {
                        actions.push(Action::WriteEml);
                    }
                    if ui
                        .button("生成申报材料包(.zip)")
                        .on_hover_text("把申报表、附件和盖章扫描件放进一个压缩包，可作为一个附件发送或另行提交")
                        .clicked()
                    {
                        actions.push(Action::WritePackage);
                    }
                    if ui
                        .button("发送邮件")
                        .on_hover_text("打开邮件程序，收件人和主题已填好；申报表、附件和盖章扫描件须手动添加（邮件草稿和材料包已含全部文件）")
                        .clicked()
                    {
                        actions.push(Action::OpenUrl(crate::mail::mailto_url(defs, form, &state.draft, name)));
                    }
                });
                ui.label(RichText::new(format!("邮件主题：{}", crate::mail::subject(defs, form, &state.draft))).weak());
            }
            if let Some(eml) = &state.eml {
                ui.horizontal_wrapped(|ui| {
                    ui.label(format!("邮件草稿：{}", eml.display()));
                    if let Some(dir) = eml.parent()
                        && ui.small_button("打开所在文件夹").clicked()
                    {
                        actions.push(Action::OpenFolder(dir.to_path_buf()));
                    }
                });
            }
        });
    });
    actions
}

/// What goes with the form: each 附件清单 row and its file, or that it has none.
fn sent_files(ui: &mut egui::Ui, defs: &Definitions, state: &HandoffState) {
    let Some(form) = defs.form(&state.draft.list) else {
        return;
    };
    let rows = crate::bundle::listed_files(form, &state.draft);
    if rows.is_empty() {
        return;
    }
    ui.label("随申报表发送的附件（按附件清单）：");
    for (i, listed, file) in rows {
        let stored = file
            .as_deref()
            .and_then(|f| state.files.iter().find(|s| s.name == f));
        let text = match (stored, &file) {
            (Some(s), _) => format!("{}. {listed}：{}", i + 1, s.describe()),
            (None, Some(f)) => format!(
                "{}. {listed}：文件「{f}」已不在本机，返回修改后重新选择",
                i + 1
            ),
            (None, None) => format!(
                "{}. {listed}：未选择文件（返回修改，在附件清单中选择；或另行发送）",
                i + 1
            ),
        };
        let color = if stored.is_some() {
            ui.visuals().text_color()
        } else {
            ui.visuals().warn_fg_color
        };
        ui.label(RichText::new(text).color(color));
    }
    ui.add_space(6.0);
}

// ---- The hand-off page's work: the .eml, the package, the system's programs ----

impl KczgApp {
    /// 生成邮件草稿: the unsent message beside the exported form, carrying it, the files of
    /// its 附件清单 and the sealed scan; warned about when it passes the mailbox's limit.
    pub(super) fn write_eml(&mut self) {
        if self.refuse_while_busy() {
            return;
        }
        let Screen::Handoff(h) = &self.screen else {
            return;
        };
        let Ok(store) = &self.store else {
            self.notices.refusal("无法生成邮件：数据文件夹不可用。");
            return;
        };
        let folder = store.attachments(&h.id);
        let (defs, draft, docx) = (self.defs.clone(), h.draft.clone(), h.path.clone());
        // Saved as the package is: asked where, beside the form to begin with.
        let name = docx
            .with_extension("eml")
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "申报邮件.eml".to_owned());
        let make = move || {
            let form = defs.form(&draft.list).ok_or("未知榜单")?;
            let bundle = gather_for(&defs, &draft, &docx, &folder)?;
            let now = chrono::Local::now().fixed_offset();
            let message = crate::mail::eml_with(&defs, form, &draft, &bundle.parts, now);
            let mut said = bundle.notes;
            said.extend(crate::mail::too_large_for_the_mailbox(
                &defs,
                message.len() as u64,
            ));
            Ok::<_, String>((message, said))
        };
        self.save_in_background_then(
            "邮件草稿",
            name,
            ("邮件草稿", "eml"),
            make,
            |app, eml| {
                // Success shows on the page itself (the path of the .eml).
                if let Screen::Handoff(h) = &mut app.screen {
                    h.eml = Some(eml);
                } else {
                    app.notices.done(format!("已保存：{}", eml.display()));
                }
            },
        );
    }

    /// 生成申报材料包: the exported form as it is on disk, the files of its 附件清单 and the
    /// sealed scan, written where the person says.
    pub(super) fn write_package(&mut self) {
        let Screen::Handoff(h) = &self.screen else {
            return;
        };
        let Ok(store) = &self.store else {
            self.notices.refusal("无法生成材料包：数据文件夹不可用。");
            return;
        };
        let folder = store.attachments(&h.id);
        let (defs, draft, docx) = (self.defs.clone(), h.draft.clone(), h.path.clone());
        let stem = docx
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let name = crate::naming::safe_file_name(&format!("申报材料包-{stem}"), "zip");
        self.save_in_background("申报材料包", name, ("ZIP 压缩包", "zip"), move || {
            let bundle = gather_for(&defs, &draft, &docx, &folder)?;
            let mut said = bundle.notes.clone();
            if !bundle.has_sealed() {
                said.push("材料包中没有盖章扫描件：打印申报表、盖章签字并扫描后，在本页添加，再生成一次。".into());
            }
            Ok((bundle.zip()?, said))
        });
    }

    /// Opens a folder, a file or a `mailto:` link with the system's program off the frame,
    /// and says what to do instead when nothing opened it (see [`super::opener`]).
    pub(super) fn open_with_system(&mut self, target: std::ffi::OsString, what: Opening) {
        let opener = self.opener.clone();
        let email = self.defs.call.submission_email.clone();
        // 生成邮件草稿 works on the page that asked.
        let here = self.page_here();
        self.tasks.run_quietly(self.repaint.clone(), move || {
            let opened = super::opener::open(&target, opener.as_deref());
            Box::new(move |app: &mut KczgApp| {
                let Err(e) = opened else { return };
                match what {
                    Opening::Mail => {
                        let why = match e {
                            super::opener::OpenError::Failed => "邮件程序未能打开",
                            _ => "这台电脑上没有可以发送邮件的程序",
                        };
                        app.pending_copy = Some(email.clone());
                        app.notices.with_button(
                            Kind::Refusal,
                            format!(
                                "{why}。已把征集邮箱 {email} 复制到剪贴板，可在网页邮箱中粘贴后发送；也可生成邮件草稿（.eml，已附上申报表、附件和盖章扫描件），用邮件程序打开后发送。"
                            ),
                            "生成邮件草稿",
                            Action::WriteEml,
                            Some(here.clone()),
                        );
                    }
                    Opening::Folder(dir) => app.notices.with_button(
                        Kind::Refusal,
                        format!("无法打开文件夹，请在文件管理器中打开：{}", dir.display()),
                        "复制路径",
                        Action::CopyText(dir.display().to_string()),
                        None,
                    ),
                    Opening::Attachment(path) => app.notices.with_button(
                        Kind::Refusal,
                        format!("无法启动查看程序打开附件。副本在：{}", path.display()),
                        "复制路径",
                        Action::CopyText(path.display().to_string()),
                        None,
                    ),
                }
            })
        });
    }
}

pub(super) enum Opening {
    Mail,
    Folder(PathBuf),
    Attachment(PathBuf),
}
