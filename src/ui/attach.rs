//! The applicant's files on screen: the file of each 附件清单 row, the files no row names, and
//! the slot of the sealed scan. Copying happens in the app (on a task's thread); these only
//! show what is in the draft's folder and ask.

use super::dialogs::picked;
use crate::Draft;

use std::path::{Path, PathBuf};

use super::app::{KczgApp, Screen};
use super::dialogs::Picking;
use super::form::FormState;
use crate::schema::Definitions;

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

// ---- The attachments' work: choosing, checking and copying files, naming them in rows ----

impl KczgApp {
    /// The id of the draft on show (its form or its hand-off page).
    pub(super) fn draft_on_show(&self) -> Option<String> {
        match &self.screen {
            Screen::Form(f) => Some(f.id.clone()),
            Screen::Handoff(h) => Some(h.id.clone()),
            _ => None,
        }
    }

    /// Lists the open draft's attachment folder again.
    pub(super) fn refresh_files(&mut self) {
        let Ok(store) = &self.store else { return };
        match &mut self.screen {
            Screen::Form(f) => f.files = store.attachments(&f.id).list(),
            Screen::Handoff(h) => h.files = store.attachments(&h.id).list(),
            _ => {}
        }
    }

    pub(super) fn pick_attachment(&mut self, row: Option<usize>, sealed: bool) {
        if self.refuse_while_busy() {
            return;
        }
        let extensions: &[&str] = if sealed {
            &["pdf", "jpg", "jpeg", "png", "ofd"]
        } else {
            &[
                "pdf", "jpg", "jpeg", "png", "ofd", "doc", "docx", "xls", "xlsx", "zip",
            ]
        };
        let dialog = self
            .dialog(if sealed {
                "添加盖章扫描件"
            } else {
                "选择附件"
            })
            .add_filter(if sealed { "扫描件" } else { "附件" }, extensions);
        let picking: Picking = if row.is_some() {
            let one = dialog.pick_file();
            Box::pin(async move { one.await.map(|f| vec![f]) })
        } else {
            Box::pin(dialog.pick_files())
        };
        // The row as it was when asked: if it has been moved or deleted while the dialog
        // was open, the file gets a row of its own instead of landing in another.
        let row = row.map(|r| (r, self.row_name(r)));
        self.when_picked("等待选择文件……", picking, move |app, paths| {
            app.add_attachments(row, sealed, paths)
        });
    }

    /// Waits for a file dialog on a task's thread, then does `then` with the files chosen:
    /// nothing when the person cancelled, a word when no dialog could be shown.
    pub(super) fn when_picked(
        &mut self,
        label: &str,
        picking: Picking,
        then: impl FnOnce(&mut KczgApp, Vec<PathBuf>) + Send + 'static,
    ) {
        self.tasks.run(label, self.repaint.clone(), move || {
            let paths = picked(picking);
            Box::new(move |app: &mut KczgApp| match paths {
                Ok(Some(paths)) => {
                    if let Some(first) = paths.first() {
                        app.place.chose(first);
                    }
                    then(app, paths)
                }
                Ok(None) => {}
                Err(said) => app.notices.refusal(said),
            })
        });
    }

    /// The 附件名称 of a row of the open form's 附件清单.
    pub(super) fn row_name(&self, row: usize) -> Option<String> {
        let Screen::Form(f) = &self.screen else {
            return None;
        };
        let field = f
            .form(&self.defs)?
            .role_field(crate::schema::FieldRole::Attachments)?;
        let column = field.columns.first()?;
        let cells = f.draft.values.get(&field.id)?.get(row)?;
        Some(
            cells
                .get(&column.id)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned(),
        )
    }

    /// Copies files into the open draft's folder off the frame, one batch at a time (two at
    /// once would both take the next free name). `row`: the row to name the first file in,
    /// with its 附件名称 when asked (checked again when the copy is done).
    pub(super) fn add_attachments(
        &mut self,
        row: Option<(usize, Option<String>)>,
        sealed: bool,
        paths: Vec<PathBuf>,
    ) {
        if self.refuse_while_busy() {
            return;
        }
        let Some(id) = self.draft_on_show() else {
            return;
        };
        let Ok(store) = &self.store else {
            self.notices.refusal("无法添加附件：数据文件夹不可用。");
            return;
        };
        let folder = store.attachments(&id);
        let limits = self.defs.call.attachments;
        self.tasks.run(
            "正在添加附件……",
            self.repaint.clone(),
            move || {
                let added: Vec<(bool, Result<crate::attachments::Stored, String>)> = paths
                    .iter()
                    .map(|p| {
                        let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
                        let scan = sealed
                            || name.is_some_and(|n| crate::intake::attachment::is_sealed_scan(&n));
                        (scan, folder.add(p, &limits, scan))
                    })
                    .collect();
                Box::new(move |app: &mut KczgApp| app.attachments_added(&id, row, added))
            },
        );
    }

    /// Names the files copied in the rows of the draft they were added to (if it is still
    /// open), and says what was refused.
    pub(super) fn attachments_added(
        &mut self,
        id: &str,
        row: Option<(usize, Option<String>)>,
        added: Vec<(bool, Result<crate::attachments::Stored, String>)>,
    ) {
        let mut changed = false;
        // The row still the one asked for (the same 附件名称 at the same place), else none.
        let mut row = row.and_then(|(r, expected)| match expected {
            Some(name) if self.row_name(r).as_deref() != Some(name.as_str()) => None,
            _ => Some(r),
        });
        for (scan, result) in added {
            let stored = match result {
                Ok(stored) => stored,
                Err(e) => {
                    self.notices.refusal(e);
                    continue;
                }
            };
            if scan {
                continue;
            }
            match &mut self.screen {
                Screen::Form(f) if f.id == id => {
                    let stem = stored
                        .name
                        .rsplit_once('.')
                        .map_or(stored.name.as_str(), |(s, _)| s)
                        .to_owned();
                    if list_file(&self.defs, f, row.take(), &stem, &stored.name) {
                        changed = true;
                    } else {
                        self.notices.info(format!(
                            "附件清单已满，「{}」已保存在草稿的附件文件夹中，但未列入清单。",
                            stored.name
                        ));
                    }
                }
                _ => self.notices.info(format!(
                    "「{}」已保存在草稿的附件文件夹中；打开草稿后可列入附件清单。",
                    stored.name
                )),
            }
        }
        self.refresh_files();
        if changed {
            self.edited();
        }
    }

    pub(super) fn remove_attachment(&mut self, row: Option<usize>, name: &str) {
        let Some(id) = self.draft_on_show() else {
            return;
        };
        let mut changed = false;
        let mut still_named = false;
        let files_field = match &self.screen {
            Screen::Form(f) => f
                .form(&self.defs)
                .and_then(|form| form.roles.attachments.clone()),
            _ => None,
        };
        if let Screen::Form(f) = &mut self.screen
            && let Some(field) = files_field
            && let Some(rows) = f
                .draft
                .values
                .get_mut(&field)
                .and_then(|v| v.as_array_mut())
        {
            for (i, cells) in rows.iter_mut().enumerate() {
                let Some(cells) = cells.as_object_mut() else {
                    continue;
                };
                let names = cells
                    .get(crate::attachments::FILE_KEY)
                    .and_then(|v| v.as_str())
                    == Some(name);
                if !names {
                    continue;
                }
                if row.is_none_or(|r| r == i) {
                    cells.shift_remove(crate::attachments::FILE_KEY);
                    changed = true;
                } else {
                    // Another row names the same file: it stays for that row.
                    still_named = true;
                }
            }
        }
        if !still_named
            && let Ok(store) = &self.store
            && let Err(e) = store.attachments(&id).remove(name)
        {
            self.notices.refusal(e);
        }
        self.refresh_files();
        if changed {
            self.edited();
        }
    }
}

/// Names a stored file in the 附件清单: in row `row` (its 附件名称 filled from the file's
/// name when empty), else in a new row. False when the list is full.
pub(super) fn list_file(
    defs: &Definitions,
    f: &mut FormState,
    row: Option<usize>,
    stem: &str,
    file: &str,
) -> bool {
    use serde_json::{Map, Value};
    let Some(field) = f
        .form(defs)
        .and_then(|form| form.role_field(crate::schema::FieldRole::Attachments))
    else {
        return false;
    };
    let name_column = field.columns.first();
    let limit = name_column.and_then(|c| c.max_chars).unwrap_or(60);
    let listed: String = stem.chars().take(limit).collect();
    let max_rows = field.max_rows;
    let field_id = field.id.clone();
    let name_id = name_column.map_or_else(|| "name".to_owned(), |c| c.id.clone());
    let rows = f
        .draft
        .values
        .entry(field_id)
        .or_insert_with(|| Value::Array(Vec::new()));
    if !rows.is_array() {
        return false;
    }
    let rows = rows.as_array_mut().expect("an array, checked above");
    let index = match row.filter(|&r| r < rows.len()) {
        Some(r) => r,
        None => {
            if max_rows.is_some_and(|m| rows.len() >= m) {
                return false;
            }
            rows.push(Value::Object(Map::new()));
            rows.len() - 1
        }
    };
    if !rows[index].is_object() {
        rows[index] = Value::Object(Map::new());
    }
    let cells = rows[index].as_object_mut().expect("made an object above");
    let empty = cells
        .get(&name_id)
        .and_then(Value::as_str)
        .is_none_or(|s| s.trim().is_empty());
    if empty {
        cells.insert(name_id, listed.into());
    }
    cells.insert(crate::attachments::FILE_KEY.into(), file.into());
    true
}

/// What is sent with the form exported to `docx`.
pub(super) fn gather_for(
    defs: &Definitions,
    draft: &Draft,
    docx: &Path,
    folder: &crate::attachments::Folder,
) -> Result<crate::bundle::Bundle, String> {
    let form = defs.form(&draft.list).ok_or("未知榜单")?;
    let bytes = crate::files::read_bounded(docx, crate::limits::DOCX_BYTES)
        .map_err(|e| format!("{e}。请重新导出申报表后再试。"))?;
    let name = docx
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let sources = crate::bundle::Sources {
        folder: Some(folder),
        ..Default::default()
    };
    crate::bundle::gather(form, draft, &name, bytes, &sources, &defs.call.attachments)
}
