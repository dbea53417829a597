//! The start page: the call, the four lists (and the six domains of 先导技术榜), recent drafts.

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
                        if s.errors == 0 {
                            ui.label(format!("✓ 无错误（{} 个提醒）", s.warnings));
                        } else {
                            ui.colored_label(
                                ui.visuals().error_fg_color,
                                format!("{} 个错误", s.errors),
                            );
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
