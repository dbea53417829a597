//! After export: where the file is, the submission address, and the e-mail hand-off.

use std::path::PathBuf;

use egui::RichText;

use super::Action;
use crate::Draft;
use crate::schema::Definitions;

pub struct HandoffState {
    pub path: PathBuf,
    pub draft: Draft,
    pub preview: bool,
    pub eml: Option<PathBuf>,
}

impl HandoffState {
    pub fn new(path: PathBuf, draft: Draft, preview: bool) -> HandoffState {
        HandoffState {
            path,
            draft,
            preview,
            eml: None,
        }
    }

    /// Writes the unsent message with the .docx attached, beside the .docx.
    pub fn write_eml(&mut self, defs: &Definitions) -> Result<PathBuf, String> {
        let form = defs.form(&self.draft.list).ok_or("未知榜单")?;
        let bytes = crate::files::read_bounded(&self.path, crate::limits::DOCX_BYTES)
            .map_err(|e| e.to_string())?;
        let name = self
            .path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let message = crate::mail::eml(
            defs,
            form,
            &self.draft,
            name,
            &bytes,
            chrono::Local::now().fixed_offset(),
        );
        let eml = self.path.with_extension("eml");
        crate::files::write_atomic(&eml, &message).map_err(|e| e.to_string())?;
        self.eml = Some(eml.clone());
        Ok(eml)
    }
}

pub fn ui(ui: &mut egui::Ui, defs: &Definitions, state: &HandoffState) -> Vec<Action> {
    let mut actions = Vec::new();
    let email = &defs.call.submission_email;
    egui::CentralPanel::default_margins().show(ui, |ui| {
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
        if !state.preview {
            ui.add_space(12.0);
            ui.label("下一步：把申报表（及附件清单中列出的附件）发送到学会秘书处的征集邮箱：");
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
                        .button("发送邮件")
                        .on_hover_text("打开邮件程序，收件人、主题和正文已填好；请手动添加申报表附件")
                        .clicked()
                    {
                        actions.push(Action::OpenUrl(crate::mail::mailto_url(defs, form, &state.draft, name)));
                    }
                    if ui
                        .button("生成邮件草稿(.eml)")
                        .on_hover_text("生成已附上申报表的邮件，用 Outlook、Foxmail 等打开后点“发送”")
                        .clicked()
                    {
                        actions.push(Action::WriteEml);
                    }
                });
                ui.label(RichText::new(format!("邮件主题：{}", crate::mail::subject(defs, form, &state.draft))).weak());
            }
            if let Some(eml) = &state.eml {
                ui.label(format!("邮件草稿：{}", eml.display()));
            }
        }
        ui.add_space(16.0);
        if ui.button("← 返回首页").clicked() {
            actions.push(Action::Home);
        }
    });
    actions
}
