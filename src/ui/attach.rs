//! The applicant's files on screen: the file of each 附件清单 row, the files no row names, and
//! the slot of the sealed scan. Copying happens in the app (on a task's thread); these only
//! show what is in the draft's folder and ask.

use egui::RichText;

use super::Action;
use crate::attachments::{ALLOWED_TEXT, Stored};
use crate::intake::attachment::is_sealed_scan;

/// The cell of a 附件清单 row: its file (name, size, type) with 更换 and 移除, or 选择文件….
pub fn file_cell(
    ui: &mut egui::Ui,
    row: usize,
    file: Option<&str>,
    files: &[Stored],
    actions: &mut Vec<Action>,
) {
    ui.vertical(|ui| match file {
        Some(name) => match files.iter().find(|s| s.name == name) {
            Some(stored) => {
                ui.label(stored.describe());
                ui.horizontal(|ui| {
                    if ui
                        .small_button("更换…")
                        .on_hover_text("另选一个文件代替它")
                        .clicked()
                    {
                        actions.push(Action::PickAttachment {
                            row: Some(row),
                            sealed: false,
                        });
                    }
                    if ui.small_button("移除文件").clicked() {
                        actions.push(Action::RemoveAttachment {
                            row: Some(row),
                            name: name.to_owned(),
                        });
                    }
                });
            }
            None => {
                ui.label(
                    RichText::new(format!("文件「{name}」已不在本机，请重新选择"))
                        .color(ui.visuals().warn_fg_color),
                );
                if ui.small_button("选择文件…").clicked() {
                    actions.push(Action::PickAttachment {
                        row: Some(row),
                        sealed: false,
                    });
                }
            }
        },
        None => {
            if ui
                .small_button("选择文件…")
                .on_hover_text(format!("{ALLOWED_TEXT}；也可把文件拖到本页"))
                .clicked()
            {
                actions.push(Action::PickAttachment {
                    row: Some(row),
                    sealed: false,
                });
            }
        }
    });
}

/// Files of the folder that no row names and that are not the scan: kept until removed,
/// and put back into the list with one click.
pub fn unlisted(ui: &mut egui::Ui, named: &[String], files: &[Stored], actions: &mut Vec<Action>) {
    let loose: Vec<&Stored> = files
        .iter()
        .filter(|s| !is_sealed_scan(&s.name) && !named.contains(&s.name))
        .collect();
    if loose.is_empty() {
        return;
    }
    ui.add_space(6.0);
    ui.label(RichText::new("未列入附件清单的文件（不会随申报材料发送）：").strong());
    for stored in loose {
        ui.horizontal(|ui| {
            ui.label(stored.describe());
            if ui.small_button("列入附件清单").clicked() {
                actions.push(Action::ListAttachment(stored.name.clone()));
            }
            if ui.small_button("移除文件").clicked() {
                actions.push(Action::RemoveAttachment {
                    row: None,
                    name: stored.name.clone(),
                });
            }
        });
    }
}

/// The slot of the sealed, signed scan of the printed form.
pub fn sealed_slot(ui: &mut egui::Ui, files: &[Stored], actions: &mut Vec<Action>) {
    ui.label(RichText::new("盖章扫描件").strong());
    ui.label(
        RichText::new(
            "打印正式申报表，盖章、签字后扫描，在此添加（PDF，或逐页添加 JPG、PNG 图片）。它随申报材料包和邮件一起发送。",
        )
        .weak()
        .small(),
    );
    let pages: Vec<&Stored> = files.iter().filter(|s| is_sealed_scan(&s.name)).collect();
    if pages.is_empty() {
        ui.label(RichText::new("还没有添加盖章扫描件。").weak());
    }
    for stored in pages {
        ui.horizontal(|ui| {
            ui.label(stored.describe());
            if ui.small_button("移除").clicked() {
                actions.push(Action::RemoveAttachment {
                    row: None,
                    name: stored.name.clone(),
                });
            }
        });
    }
    if ui.button("添加盖章扫描件…").clicked() {
        actions.push(Action::PickAttachment {
            row: None,
            sealed: true,
        });
    }
}
