//! The app: what is open, the draft store and autosave, and the one place where actions
//! returned by the screens are applied.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::desk::{DeskState, ImportJob, SummaryKind};
use super::form::FormState;
use super::handoff::HandoffState;
use super::notices::{Kind, Notices, Page};
use super::tasks::{Asking, Repaint, SaveDialog, Tasks};
use super::{desk, form, handoff, start};
use crate::Draft;
use crate::docx::{self, ExportError, ExportOptions};
use crate::schema::Definitions;
use crate::store::autosave::{Autosaver, SaveStatus};
use crate::store::{Entry, Store};

/// What the screens ask the app to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    NewDraft {
        list: String,
        domain: Option<String>,
    },
    /// 下载空白申报表（Word 版）: the blank template of a list (and domain), saved as a file.
    SaveTemplate {
        list: String,
        domain: Option<String>,
    },
    OpenDraft(String),
    DuplicateDraft(String),
    DeleteDraft(String),
    /// A value of the open draft changed: validate again and autosave.
    Edited,
    SaveNow,
    Home,
    Export {
        preview: bool,
    },
    WriteEml,
    CopyText(String),
    OpenUrl(String),
    OpenFolder(PathBuf),
    /// 秘书处汇总.
    OpenDesk,
    DeskPick {
        folder: bool,
    },
    DeskImport(Vec<PathBuf>),
    DeskPickPrevious,
    DeskExport(SummaryKind),
    DeskReexport(String),
    /// Open attachment n of a submission in the system viewer.
    DeskOpenAttachment(String, usize),
    /// 选择文件…: the file of a 附件清单 row (Some), files for new rows (None), or pages of
    /// the sealed scan.
    PickAttachment {
        row: Option<usize>,
        sealed: bool,
    },
    /// Files chosen or dropped for the open draft: checked and copied into its attachment
    /// folder off the frame, then named in the rows. A file named 「盖章扫描件」 is the scan.
    AddAttachments {
        row: Option<usize>,
        sealed: bool,
        paths: Vec<PathBuf>,
    },
    /// Takes a file off its 附件清单 row (Some), or removes a file no row names or a page of
    /// the scan (None); the copy itself goes once no row names it.
    RemoveAttachment {
        row: Option<usize>,
        name: String,
    },
    /// Puts a file of the folder no row names into the 附件清单.
    ListAttachment(String),
    /// 生成申报材料包(.zip) on the hand-off page.
    WritePackage,
    /// 返回修改: from the hand-off page back to the form.
    BackToForm,
    /// Files given on the command line, dropped onto the start page or chosen with 打开…: one
    /// draft, form or package opens on the form page (as a new draft of the store); several,
    /// or a folder, go to 秘书处汇总.
    OpenFiles(Vec<PathBuf>),
    /// 打开申报草稿或申报表…
    PickOpen,
    /// Brings a draft (and its attachments) back from the trash.
    RestoreDraft(String),
    /// 清空回收站 (confirmed): the trash's drafts and attachments deleted for good.
    EmptyTrash,
    /// A change that can be undone was made on the form: say so, with 撤销.
    OfferUndo(String),
    /// 撤销 (or Ctrl+Z): the open form's last row deleted or moved, or long text cleared.
    Undo,
}

/// The screen on show, with its own state.
pub enum Screen {
    Start,
    Form(Box<FormState>),
    Handoff(Box<HandoffState>),
    Desk(Box<DeskState>),
}

pub struct KczgApp {
    pub defs: Definitions,
    store: Result<Store, String>,
    saver: Option<Autosaver>,
    pub today: NaiveDate,
    pub screen: Screen,
    pub drafts: Vec<Entry>,
    /// Messages for the person: things done, information, refusals.
    pub notices: Notices,
    /// The drafts in the trash, for the start page.
    pub trash: Vec<crate::store::Summary>,
    /// Where exports go without asking (tests and headless runs); None: a save dialog.
    pub export_dir: Option<PathBuf>,
    /// Asked instead of the system's save dialog, when set (before `export_dir`).
    pub save_dialog: Option<SaveDialog>,
    /// The window's last size and place and the last folder of a file dialog (`window.json`).
    pub place: super::place::Place,
    /// The program that opens folders, files and `mailto:` links instead of the system's
    /// (`xdg-open`, `open`, ShellExecute), when set: for tests.
    pub opener: Option<PathBuf>,
    /// Text to put on the clipboard on the next frame (work done off the frame asks).
    pending_copy: Option<String>,
    title: String,
    repaint: Option<std::sync::Arc<Repaint>>,
    /// Dialogs, exports and copies running off the frame.
    tasks: Tasks,
    /// While the desk is being opened: the imports asked for meanwhile.
    desk_opening: Option<Vec<Vec<PathBuf>>>,
    /// Frame statistics on stderr, when asked for (see [`super::PERF_ENV`]).
    pub perf: Option<Perf>,
}

/// Counts frames and their CPU time, and says when the first one came: for measuring start-up,
/// idle repaints and typing, not for everyday use.
pub struct Perf {
    launched: std::time::Instant,
    first_done: bool,
    window_start: std::time::Instant,
    frames: u32,
    cpu_max: f32,
    cpu_sum: f32,
}

impl Perf {
    pub fn new(launched: std::time::Instant) -> Perf {
        Perf {
            launched,
            first_done: false,
            window_start: std::time::Instant::now(),
            frames: 0,
            cpu_max: 0.0,
            cpu_sum: 0.0,
        }
    }

    /// `cpu` is eframe's CPU time of the previous frame, in seconds.
    fn frame(&mut self, cpu: Option<f32>) {
        if !self.first_done {
            self.first_done = true;
            eprintln!(
                "perf: first frame {:.0} ms after launch",
                self.launched.elapsed().as_secs_f64() * 1000.0
            );
        }
        self.frames += 1;
        if let Some(c) = cpu {
            self.cpu_max = self.cpu_max.max(c);
            self.cpu_sum += c;
        }
        if self.window_start.elapsed().as_secs_f32() >= 1.0 {
            let mean = if self.frames > 0 {
                self.cpu_sum / self.frames as f32
            } else {
                0.0
            };
            eprintln!(
                "perf: t={:.1}s frames={} cpu_max_ms={:.2} cpu_mean_ms={:.2}",
                self.launched.elapsed().as_secs_f32(),
                self.frames,
                self.cpu_max * 1000.0,
                mean * 1000.0
            );
            self.window_start = std::time::Instant::now();
            (self.frames, self.cpu_max, self.cpu_sum) = (0, 0.0, 0.0);
        }
    }
}

impl KczgApp {
    pub fn new(defs: Definitions, data_dir: Option<&Path>, today: NaiveDate) -> KczgApp {
        let store = Store::open(data_dir).map_err(|e| e.to_string());
        let mut app = KczgApp {
            defs,
            saver: None,
            today,
            screen: Screen::Start,
            drafts: Vec::new(),
            notices: Notices::default(),
            trash: Vec::new(),
            export_dir: None,
            save_dialog: None,
            place: super::place::Place::default(),
            opener: None,
            pending_copy: None,
            title: String::new(),
            repaint: None,
            tasks: Tasks::default(),
            desk_opening: None,
            perf: None,
            store,
        };
        if let Err(e) = &app.store {
            app.notices.refusal(format!("{e}。草稿将无法保存。"));
        }
        app.start_saver();
        app.refresh_drafts();
        app
    }

    /// Lets the autosave worker wake the UI when a save finishes.
    pub fn set_repaint(&mut self, repaint: Repaint) {
        self.repaint = Some(std::sync::Arc::new(repaint));
        self.start_saver();
    }

    fn start_saver(&mut self) {
        let Ok(store) = &self.store else { return };
        let repaint = self.repaint.clone();
        let notify = Box::new(move || {
            if let Some(r) = &repaint {
                r();
            }
        });
        self.saver = Some(Autosaver::with_notify(
            store.clone(),
            crate::store::autosave::DEFAULT_DELAY,
            notify,
        ));
    }

    pub fn refresh_drafts(&mut self) {
        if let Ok(store) = &self.store {
            self.drafts = store.list(&self.defs, self.today);
            self.trash = store.trash_list(&self.defs, self.today);
        }
    }

    /// See [`Action::OpenFiles`]. One file is read off the frame, then opened as a new draft
    /// (the file itself is never written), with what was found said.
    fn open_files(&mut self, paths: Vec<PathBuf>) {
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

    fn opened_file(&mut self, opened: Result<OpenedFile, String>) {
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

    /// The save state of the open draft.
    pub fn save_status(&self) -> Option<SaveStatus> {
        let Screen::Form(f) = &self.screen else {
            return None;
        };
        self.saver.as_ref().and_then(|s| s.status(&f.id))
    }

    /// Writes everything pending and waits (before closing).
    pub fn flush(&self) {
        if let Some(s) = &self.saver {
            s.flush();
        }
    }

    /// One frame of the whole app.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let zoom = ctx.zoom_factor();
        let kept = zoom.clamp(*super::ZOOM_RANGE.start(), *super::ZOOM_RANGE.end());
        if (kept - zoom).abs() > 1e-3 {
            ctx.set_zoom_factor(kept);
        }
        for finish in self.tasks.finished() {
            finish(self);
        }
        if let Some(text) = self.pending_copy.take() {
            ctx.copy_text(text);
        }
        let mut actions = Vec::new();
        if ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::S)) {
            actions.push(Action::SaveNow);
        }
        let status = self.save_status();
        match &mut self.screen {
            Screen::Start => {
                let view = start::StartView {
                    defs: &self.defs,
                    drafts: &self.drafts,
                    trash: &self.trash,
                    today: self.today,
                };
                actions.extend(start::ui(ui, &view));
            }
            Screen::Form(state) => actions.extend(form::ui(ui, &self.defs, state, status.as_ref())),
            Screen::Handoff(state) => actions.extend(handoff::ui(ui, &self.defs, state)),
            Screen::Desk(state) => actions.extend(desk::ui(ui, &self.defs, state)),
        }
        let (page, id) = self.page_here();
        self.notices.on_page(page, &id);
        let running: Vec<String> = self.tasks.running().map(str::to_owned).collect();
        self.notices.ui(ui, &running, &mut actions);
        self.desk_background();
        for action in actions {
            self.apply(&ctx, action);
        }
        self.update_title(&ctx);
    }

    /// Whether a dialog, export or copy is still running off the frame.
    pub fn is_busy(&self) -> bool {
        self.tasks.is_busy()
    }

    fn update_title(&mut self, ctx: &egui::Context) {
        let title = match &self.screen {
            Screen::Form(f) => {
                let state = match self.save_status() {
                    Some(SaveStatus::Pending) => "未保存",
                    Some(SaveStatus::Failed(_)) => "保存失败",
                    None if !f.on_disk => "尚未保存",
                    _ => "已保存",
                };
                format!("{} — {state} — 科创中国榜单申报助手", f.title(&self.defs))
            }
            _ => "科创中国榜单申报助手".to_owned(),
        };
        if title != self.title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.title = title;
        }
    }

    /// The page on show and the id of what it shows (the draft), for the notices' buttons.
    fn page_here(&self) -> (Page, String) {
        match &self.screen {
            Screen::Start => (Page::Start, String::new()),
            Screen::Form(f) => (Page::Form, f.id.clone()),
            Screen::Handoff(h) => (Page::Handoff, h.id.clone()),
            Screen::Desk(_) => (Page::Desk, String::new()),
        }
    }

    /// Applies one action: the only place where screens change or files are written.
    pub fn apply(&mut self, ctx: &egui::Context, action: Action) {
        match action {
            Action::NewDraft { list, domain } => {
                let mut draft = Draft::new(self.defs.call.year.to_string(), list, domain);
                // Created now, in hand as on disk: an export of it is known as its own when
                // opened again on this machine.
                draft.meta.insert(
                    "created".into(),
                    chrono::Local::now()
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
                        .into(),
                );
                // Written on the first edit: a form opened and left blank leaves nothing behind.
                let id = match &self.store {
                    Ok(store) => store.new_id(),
                    Err(_) => "unsaved".to_owned(),
                };
                self.open(id, draft, Vec::new());
                if let Screen::Form(f) = &mut self.screen {
                    f.on_disk = false;
                }
            }
            Action::SaveTemplate { list, domain } => {
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
            Action::OpenDraft(id) => {
                let Ok(store) = &self.store else { return };
                match store.load(&self.defs, &id) {
                    Ok(opened) if self.defs.form(&opened.draft.list).is_some() => {
                        self.open(id, opened.draft, opened.misfits)
                    }
                    Ok(opened) => self.notices.refusal(format!(
                        "草稿 {id} 的榜单「{}」在当前表单定义中不存在，无法打开",
                        opened.draft.list
                    )),
                    Err(e) => self.notices.refusal(e.to_string()),
                }
            }
            Action::DuplicateDraft(id) => {
                if let Ok(store) = &self.store
                    && let Err(e) = store.duplicate(&self.defs, &id)
                {
                    self.notices.refusal(e.to_string());
                }
                self.refresh_drafts();
            }
            Action::DeleteDraft(id) => {
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
            Action::RestoreDraft(id) => {
                if let Ok(store) = &self.store {
                    match store.restore(&id) {
                        Ok(_) => {}
                        Err(e) => self.notices.refusal(e.to_string()),
                    }
                }
                self.refresh_drafts();
            }
            Action::EmptyTrash => {
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
            Action::OpenFiles(paths) => self.open_files(paths),
            Action::PickOpen => {
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
            Action::Edited => self.edited(),
            Action::SaveNow => {
                if let Some(saver) = &self.saver {
                    saver.save_now();
                }
            }
            Action::Home => {
                self.flush();
                self.save_desk();
                self.screen = Screen::Start;
                self.refresh_drafts();
            }
            Action::Export { preview } => self.export(preview),
            Action::WriteEml => self.write_eml(),
            Action::CopyText(text) => ctx.copy_text(text),
            Action::OpenUrl(url) => self.open_with_system(url.into(), Opening::Mail),
            Action::OpenFolder(dir) => {
                self.open_with_system(dir.clone().into_os_string(), Opening::Folder(dir))
            }
            Action::OfferUndo(said) => {
                // One 撤销 on show, for the newest change (Ctrl+Z goes further back).
                self.notices.forget(&Action::Undo);
                let (page, id) = self.page_here();
                self.notices.with_button(
                    Kind::Done,
                    format!("已{said}。"),
                    "撤销",
                    Action::Undo,
                    Some((page, id)),
                );
            }
            Action::Undo => {
                let Screen::Form(f) = &mut self.screen else {
                    return;
                };
                if let Some(said) = f.undo(&self.defs) {
                    self.notices.forget(&Action::Undo);
                    self.notices.info(format!("已撤销：{said}。"));
                    self.edited();
                }
            }
            Action::OpenDesk => self.open_desk(),
            Action::DeskPick { folder } => {
                if self.refuse_while_busy() {
                    return;
                }
                // Opened here, on the UI thread (macOS wants it there), and waited for on the
                // task's thread.
                let picking: Picking = if folder {
                    let dialog = self.dialog("导入文件夹").pick_folder();
                    Box::pin(async move { dialog.await.map(|f| vec![f]) })
                } else {
                    Box::pin(
                        self.dialog("导入申报材料")
                            .add_filter("申报材料", &["docx", "json", "eml", "zip"])
                            .pick_files(),
                    )
                };
                self.when_picked(
                    "等待选择要导入的文件……",
                    picking,
                    move |app, paths| app.desk_import(paths),
                );
            }
            Action::DeskImport(paths) => self.desk_import(paths),
            Action::DeskPickPrevious => {
                if self.refuse_while_busy() {
                    return;
                }
                let dialog = self
                    .dialog("载入历年入选名单")
                    .add_filter("名单", &["txt", "csv", "xlsx"])
                    .pick_file();
                let picking: Picking = Box::pin(async move { dialog.await.map(|f| vec![f]) });
                self.tasks.run(
                    "正在载入历年入选名单……",
                    self.repaint.clone(),
                    move || {
                        let path = match picked(picking) {
                            Ok(paths) => paths.and_then(|p| p.into_iter().next()),
                            Err(said) => {
                                return Box::new(move |app: &mut KczgApp| {
                                    app.notices.refusal(said)
                                });
                            }
                        };
                        let Some(path) = path else {
                            return Box::new(|_: &mut KczgApp| {});
                        };
                        let loaded = crate::consolidate::PreviousWinners::load(&path);
                        Box::new(move |app: &mut KczgApp| app.desk_previous(loaded))
                    },
                );
            }
            Action::DeskExport(kind) => self.desk_export(kind),
            Action::DeskReexport(id) => self.desk_reexport(&id),
            Action::DeskOpenAttachment(id, n) => self.desk_open_attachment(&id, n),
            Action::PickAttachment { row, sealed } => self.pick_attachment(row, sealed),
            Action::AddAttachments { row, sealed, paths } => {
                self.add_attachments(row.map(|r| (r, None)), sealed, paths)
            }
            Action::RemoveAttachment { row, name } => self.remove_attachment(row, &name),
            Action::ListAttachment(name) => {
                if let Screen::Form(f) = &mut self.screen {
                    let stem = name.rsplit_once('.').map_or(name.as_str(), |(s, _)| s);
                    if !list_file(&self.defs, f, None, stem, &name) {
                        self.notices.refusal("附件清单已满，无法再添加一行。");
                    }
                }
                self.apply(ctx, Action::Edited);
            }
            Action::WritePackage => self.write_package(),
            Action::BackToForm => {
                let Screen::Handoff(h) = &self.screen else {
                    return;
                };
                let id = h.id.clone();
                self.apply(ctx, Action::OpenDraft(id));
            }
        }
    }

    /// The id of the draft on show (its form or its hand-off page).
    fn draft_on_show(&self) -> Option<String> {
        match &self.screen {
            Screen::Form(f) => Some(f.id.clone()),
            Screen::Handoff(h) => Some(h.id.clone()),
            _ => None,
        }
    }

    /// Lists the open draft's attachment folder again.
    fn refresh_files(&mut self) {
        let Ok(store) = &self.store else { return };
        match &mut self.screen {
            Screen::Form(f) => f.files = store.attachments(&f.id).list(),
            Screen::Handoff(h) => h.files = store.attachments(&h.id).list(),
            _ => {}
        }
    }

    fn pick_attachment(&mut self, row: Option<usize>, sealed: bool) {
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
    fn when_picked(
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
    fn row_name(&self, row: usize) -> Option<String> {
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
    fn add_attachments(
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
    fn attachments_added(
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

    fn remove_attachment(&mut self, row: Option<usize>, name: &str) {
        let Some(id) = self.draft_on_show() else {
            return;
        };
        let mut changed = false;
        let mut still_named = false;
        if let Screen::Form(f) = &mut self.screen
            && let Some(field) = f.attachments_field.clone()
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

    /// A value of the open draft changed: validated again and autosaved.
    fn edited(&mut self) {
        if let Screen::Form(f) = &mut self.screen {
            f.revalidate(&self.defs, self.today);
            if let Some(saver) = &self.saver {
                saver.changed(&f.id, &f.draft);
            }
        }
    }

    /// 生成邮件草稿: the unsent message beside the exported form, carrying it, the files of
    /// its 附件清单 and the sealed scan; warned about when it passes the mailbox's limit.
    fn write_eml(&mut self) {
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
    fn write_package(&mut self) {
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

    /// Opens the desk's database (a desk of ten thousand takes about a second) on a task's
    /// thread; the desk shows when it is loaded. Imports asked for meanwhile wait for it.
    fn open_desk(&mut self) {
        use crate::consolidate::store::DeskStore;
        if self.desk_opening.is_some() || matches!(self.screen, Screen::Desk(_)) {
            return;
        }
        if self.refuse_while_busy() {
            return;
        }
        self.flush();
        let root = match self.store.as_ref() {
            Ok(s) => Ok(s.root().to_owned()),
            Err(e) => Err(e.clone()),
        };
        let (defs, today) = (self.defs.clone(), self.today);
        self.desk_opening = Some(Vec::new());
        self.tasks.run(
            "正在打开秘书处汇总……",
            self.repaint.clone(),
            move || {
                let opened = match root {
                    // The database beside the drafts; a desk.json of an earlier version is
                    // migrated.
                    Ok(root) => DeskStore::open_or_migrate(
                        &root.join("desk.sqlite"),
                        &root.join("desk.json"),
                    )
                    .and_then(|db| Ok((db.load(&defs, today)?, db))),
                    Err(reason) => Err(crate::consolidate::DeskError::NotDesk {
                        file: String::new(),
                        reason,
                    }),
                };
                let state = match opened {
                    Ok((desk, db)) => Ok(DeskState::new(&defs, desk, Some(db))),
                    Err(e) => Err((
                        // Never written over: what cannot be read is left as it is.
                        format!("{e}。本次汇总只在内存中进行，不会覆盖该文件。"),
                        DeskState::new(&defs, crate::consolidate::Desk::default(), None),
                    )),
                };
                Box::new(move |app: &mut KczgApp| {
                    let state = match state {
                        Ok(state) => state,
                        Err((message, state)) => {
                            app.notices.refusal(message);
                            state
                        }
                    };
                    let imports = app.desk_opening.take().unwrap_or_default();
                    // Someone who went on to a form meanwhile is not taken away from it.
                    if !matches!(app.screen, Screen::Start) {
                        return;
                    }
                    app.screen = Screen::Desk(Box::new(state));
                    for paths in imports {
                        app.desk_import(paths);
                    }
                })
            },
        );
    }

    fn desk_import(&mut self, paths: Vec<PathBuf>) {
        if let Some(waiting) = &mut self.desk_opening {
            waiting.push(paths);
            return;
        }
        let Screen::Desk(d) = &mut self.screen else {
            return;
        };
        if d.job.is_some() {
            self.notices.refusal("上一次导入还在进行，请稍候再导入。");
            return;
        }
        let job = std::sync::Arc::new(ImportJob::default());
        d.job = Some(job.clone());
        let defs = self.defs.clone();
        let today = self.today;
        let repaint = self.repaint.clone();
        std::thread::spawn(move || {
            use std::sync::atomic::Ordering;
            let progress = |done: usize, total: usize| {
                job.done.store(done, Ordering::Relaxed);
                job.total.store(total, Ordering::Relaxed);
                if let Some(r) = &repaint {
                    r();
                }
            };
            let found = |n: usize| {
                // Said every 50 files: the walk of a large folder is not slowed by repaints.
                if n % 50 == 1 {
                    job.found.store(n, Ordering::Relaxed);
                    if let Some(r) = &repaint {
                        r();
                    }
                }
            };
            let watch = crate::consolidate::Watch {
                progress: &progress,
                found: &found,
                cancel: &job.cancel,
            };
            let batch = crate::consolidate::scan_watched(&defs, &paths, today, &watch);
            if let Ok(mut slot) = job.result.lock() {
                *slot = Some(batch);
            }
            if let Some(r) = &repaint {
                r();
            }
        });
    }

    /// Takes in a finished import, and says what the desk's writer could not write.
    fn desk_background(&mut self) {
        let Screen::Desk(d) = &mut self.screen else {
            return;
        };
        let finished = d
            .job
            .as_ref()
            .and_then(|j| j.result.lock().ok().and_then(|mut r| r.take()));
        if let Some(batch) = finished {
            d.job = None;
            let links: Vec<String> = batch
                .links
                .iter()
                .map(|l| crate::consolidate::link_notice(l))
                .collect();
            let cancelled = batch.cancelled;
            let added = d.add(&self.defs, batch);
            match links.len() {
                0 => {}
                1..=3 => links.into_iter().for_each(|l| self.notices.info(l)),
                n => self.notices.info(format!(
                    "有 {n} 个符号链接或目录联接未跟随（它们可能指向文件夹以外的地方），例如 {}",
                    links[0]
                )),
            }
            if let Some(c) = cancelled {
                self.notices.info(format!(
                    "已取消导入：读入的 {} 个文件已保留在汇总中，其余 {} 个未导入；需要时请重新导入。",
                    c.read, c.left
                ));
            }
            if added.again > 0 {
                self.notices.info(if added.new == 0 {
                    format!("这些文件都已在汇总中（{} 份），没有新增。", added.again)
                } else {
                    format!(
                        "新增 {} 份；另有 {} 份已在汇总中，未重复导入。",
                        added.new, added.again
                    )
                });
            }
        }
        let failures = d.writer.as_ref().map(|w| w.failures()).unwrap_or_default();
        for e in failures {
            let message = format!("{e}。决定仍在程序中，请腾出空间或检查权限后再改一次");
            if !self.notices.says(&message) {
                self.notices.refusal(message);
            }
        }
    }

    /// Waits until the desk's writer has written everything sent (leaving the desk, closing).
    pub fn save_desk(&mut self) {
        if let Screen::Desk(d) = &mut self.screen
            && let Some(w) = &mut d.writer
        {
            w.finish();
        }
    }

    fn desk_previous(
        &mut self,
        loaded: Result<crate::consolidate::PreviousWinners, impl ToString>,
    ) {
        let Screen::Desk(d) = &mut self.screen else {
            return;
        };
        match loaded {
            Ok(list) => d.set_previous(&self.defs, Some(list)),
            Err(e) => self.notices.refusal(e.to_string()),
        }
    }

    fn desk_export(&mut self, kind: SummaryKind) {
        let Screen::Desk(d) = &self.screen else {
            return;
        };
        let defs = self.defs.clone();
        let desk = d.desk.clone();
        let rows = d.rows.clone();
        let make = move || match kind {
            SummaryKind::Xlsx => crate::consolidate::xlsx(&defs, &desk, &rows)
                .map(|x| {
                    (
                        x.bytes,
                        x.cut.iter().map(|w| format!("注意：{w}")).collect(),
                    )
                })
                .map_err(|e| e.to_string()),
            SummaryKind::Csv => Ok((crate::consolidate::csv(&rows), Vec::new())),
            SummaryKind::Docx => {
                crate::consolidate::summary_docx(&defs, &rows, desk.recommender(&defs))
                    .map(|bytes| (bytes, Vec::new()))
                    .map_err(|e| e.to_string())
            }
        };
        let (name, filter) = match kind {
            SummaryKind::Xlsx => ("推荐汇总表.xlsx", ("Excel 工作簿", "xlsx")),
            SummaryKind::Csv => ("推荐汇总表.csv", ("CSV 表格", "csv")),
            SummaryKind::Docx => ("推荐汇总表.docx", WORD),
        };
        self.save_in_background("推荐汇总表", name.to_owned(), filter, make);
    }

    fn desk_reexport(&mut self, id: &str) {
        let Screen::Desk(d) = &self.screen else {
            return;
        };
        let Some(s) = d.desk.submissions.iter().find(|s| s.id == id) else {
            return;
        };
        let name = self
            .defs
            .form(&s.draft.list)
            .map(|f| crate::naming::docx_file_name(&self.defs, f, &s.draft))
            .unwrap_or_else(|| "申报表.docx".into());
        let defs = self.defs.clone();
        let draft = s.draft.clone();
        let decision = d.desk.decision(id);
        let recommender = d.desk.recommender(&self.defs).to_owned();
        let today = self.today;
        self.save_in_background("申报表", name, WORD, move || {
            crate::consolidate::reexport(&defs, &draft, &decision, &recommender, today)
                .map(|bytes| (bytes, Vec::new()))
                .map_err(|e| e.to_string())
        });
    }

    /// Copies an attachment into `desk-files/` in the data folder under a name made of its
    /// hash and opens that copy with the system viewer (only types the desk allows; see
    /// [`crate::intake::attachment`]). A package is inflated on the task's thread.
    fn desk_open_attachment(&mut self, id: &str, n: usize) {
        let Screen::Desk(d) = &self.screen else {
            return;
        };
        let Some(s) = d.desk.submissions.iter().find(|s| s.id == id) else {
            return;
        };
        let Some(dir) = self
            .store
            .as_ref()
            .ok()
            .map(|s| s.root().join("desk-files"))
        else {
            self.notices.refusal("无法打开附件：数据文件夹不可用。");
            return;
        };
        let submission = s.clone();
        self.tasks.run(
            "正在打开附件……",
            self.repaint.clone(),
            move || {
                let copied = crate::intake::copy_attachment(&submission, n, &dir);
                Box::new(move |app: &mut KczgApp| match copied {
                    Ok(path) => app
                        .open_with_system(path.clone().into_os_string(), Opening::Attachment(path)),
                    Err(e) => app.notices.refusal(e),
                })
            },
        );
    }

    /// Opens a folder, a file or a `mailto:` link with the system's program off the frame,
    /// and says what to do instead when nothing opened it (see [`super::opener`]).
    fn open_with_system(&mut self, target: std::ffi::OsString, what: Opening) {
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

    /// Says so, and returns true, when a dialog or a file is still being worked on: one at a
    /// time, so that two save dialogs never stand open at once.
    fn refuse_while_busy(&mut self) -> bool {
        let Some(running) = self.tasks.running().next() else {
            return false;
        };
        let message = format!("请等「{}」完成后再试。", running.trim_end_matches('…'));
        self.notices.refusal(message);
        true
    }

    /// A system file dialog titled `title`, starting in the last folder used (or 文档).
    fn dialog(&self, title: &str) -> rfd::AsyncFileDialog {
        let dialog = rfd::AsyncFileDialog::new().set_title(title);
        match self.place.dialog_folder() {
            Some(dir) => dialog.set_directory(dir),
            None => dialog,
        }
    }

    /// Where a file goes: into `export_dir` without asking (tests, scripted runs), or where the
    /// person says in the save dialog, opened now and waited for on a task's thread.
    fn save_target(&self, title: &str, name: &str, (filter, extension): (&str, &str)) -> Target {
        if let Some(dialog) = &self.save_dialog {
            return Target::Ask {
                asking: dialog(name),
                name: name.to_owned(),
                fallback: None,
            };
        }
        match &self.export_dir {
            Some(dir) => Target::Fixed(dir.join(name)),
            None => {
                let dialog = self
                    .dialog(title)
                    .set_file_name(name)
                    .add_filter(filter, &[extension])
                    .save_file();
                Target::Ask {
                    asking: Box::pin(async move { dialog.await.map(|f| f.path().to_owned()) }),
                    name: name.to_owned(),
                    fallback: cfg!(target_os = "linux").then(fallback_folder),
                }
            }
        }
    }

    /// Files the desk must never write over: its submissions, the previous-winners list and
    /// its own database.
    fn protected(&self) -> Vec<PathBuf> {
        let Screen::Desk(d) = &self.screen else {
            return Vec::new();
        };
        let mut sources: Vec<PathBuf> = d
            .desk
            .submissions
            .iter()
            .map(|s| s.source.clone())
            .collect();
        sources.extend(d.desk.previous.as_ref().map(|p| p.source.clone()));
        sources.extend(d.path.clone());
        sources
    }

    /// Asks where to save `name` (`what` is what the person is told is being saved), then
    /// makes the bytes and writes them atomically on a task's thread; says where it went.
    /// `make` gives the bytes and warnings to show beside the confirmation.
    fn save_in_background(
        &mut self,
        what: &str,
        name: String,
        filter: (&str, &str),
        make: impl FnOnce() -> Result<(Vec<u8>, Vec<String>), String> + Send + 'static,
    ) {
        self.save_in_background_then(what, name, filter, make, |app, path| {
            app.notices.done(format!("已保存：{}", path.display()))
        });
    }

    /// [`Self::save_in_background`], doing `then` with the path once the file is written
    /// (instead of saying where it went).
    fn save_in_background_then(
        &mut self,
        what: &str,
        name: String,
        filter: (&str, &str),
        make: impl FnOnce() -> Result<(Vec<u8>, Vec<String>), String> + Send + 'static,
        then: impl FnOnce(&mut KczgApp, PathBuf) + Send + 'static,
    ) {
        if self.refuse_while_busy() {
            return;
        }
        let target = self.save_target(&format!("保存{what}"), &name, filter);
        let protected = self.protected();
        self.tasks.run(
            format!("正在保存{what}……"),
            self.repaint.clone(),
            move || {
                let (path, fallback) = target.wait();
                let Some(path) = path else {
                    return Box::new(move |app: &mut KczgApp| {
                        fallback.into_iter().for_each(|f| app.notices.info(f))
                    });
                };
                let saved = save(&protected, &path, make);
                Box::new(move |app: &mut KczgApp| match saved {
                    Ok(warnings) => {
                        app.place.chose(&path);
                        fallback.into_iter().for_each(|f| app.notices.info(f));
                        warnings.into_iter().for_each(|w| app.notices.refusal(w));
                        then(app, path);
                    }
                    Err(e) => app.notices.refusal(e),
                })
            },
        );
    }

    fn open(&mut self, id: String, draft: Draft, misfits: Vec<String>) {
        let mut state = FormState::new(&self.defs, id, draft, self.today);
        if let Ok(store) = &self.store {
            state.files = store.attachments(&state.id).list();
        }
        // Said once: what the problems panel already lists is not a notice too.
        for m in misfits {
            if !state.findings.iter().any(|f| f.message == m) {
                self.notices.refusal(format!("注意：{m}"));
            }
        }
        self.screen = Screen::Form(Box::new(state));
    }

    /// 导出申报表: refused at once while there are errors (a preview is not); otherwise the
    /// form as it is now is written where the person says, and the hand-off page follows.
    fn export(&mut self, preview: bool) {
        if self.refuse_while_busy() {
            return;
        }
        let Screen::Form(f) = &self.screen else {
            return;
        };
        let Some(form) = self.defs.form(&f.draft.list) else {
            return;
        };
        if !preview && f.errors() > 0 {
            let message = format!(
                "还有 {} 个错误，改正后才能导出正式申报表；可先导出预览稿。",
                f.errors()
            );
            self.notices.refusal(message);
            return;
        }
        let name = crate::naming::docx_file_name(&self.defs, form, &f.draft);
        let name = if preview {
            name.replacen(".docx", "（预览稿）.docx", 1)
        } else {
            name
        };
        let target = self.save_target("导出申报表", &name, WORD);
        let (defs, draft, id, today) =
            (self.defs.clone(), f.draft.clone(), f.id.clone(), self.today);
        self.tasks.run(
            "正在导出申报表……",
            self.repaint.clone(),
            move || {
                let (path, fallback) = target.wait();
                let Some(path) = path else {
                    return Box::new(move |app: &mut KczgApp| {
                        fallback.into_iter().for_each(|f| app.notices.info(f))
                    });
                };
                let options = ExportOptions { preview, today };
                let written = match defs.form(&draft.list) {
                    Some(form) => save(&[], &path, || {
                        match docx::export(&defs, form, &draft, options) {
                            Ok(bytes) => Ok((bytes, Vec::new())),
                            Err(ExportError::Refused { errors }) => Err(format!(
                                "还有 {} 个错误，改正后才能导出正式申报表；可先导出预览稿。",
                                errors.len()
                            )),
                            Err(e) => Err(e.to_string()),
                        }
                    }),
                    None => Err("未知榜单".to_owned()),
                };
                Box::new(move |app: &mut KczgApp| {
                    if let Err(e) = written {
                        app.notices.refusal(e);
                        return;
                    }
                    app.place.chose(&path);
                    fallback.into_iter().for_each(|f| app.notices.info(f));
                    // The person may have gone on to another page while the dialog was open.
                    let here = matches!(&app.screen, Screen::Form(f) if f.id == id);
                    if !here {
                        app.notices.done(format!("已导出：{}", path.display()));
                        return;
                    }
                    app.flush();
                    let mut state = HandoffState::new(id, path, draft, preview);
                    if let Ok(store) = &app.store {
                        state.files = store.attachments(&state.id).list();
                    }
                    app.screen = Screen::Handoff(Box::new(state));
                })
            },
        );
    }
}

/// Names a stored file in the 附件清单: in row `row` (its 附件名称 filled from the file's
/// name when empty), else in a new row. False when the list is full.
fn list_file(
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
fn gather_for(
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

/// What is being opened with the system's program, for what to say when it cannot be.
/// A file opened as a new draft, read and adopted off the frame (see [`adopt_file`]).
struct OpenedFile {
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
fn adopt_file(
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

enum Opening {
    Mail,
    Folder(PathBuf),
    Attachment(PathBuf),
}

/// The filter of a Word file in a save dialog.
const WORD: (&str, &str) = ("Word 文档", "docx");

/// A file dialog opened on the UI thread, to be waited for on a task's thread.
type Picking =
    std::pin::Pin<Box<dyn std::future::Future<Output = Option<Vec<rfd::FileHandle>>> + Send>>;

/// A dialog that answers "nothing" sooner than a person can cancel was never shown: rfd
/// finds neither xdg-desktop-portal nor zenity (a bare Linux desktop).
const NO_DIALOG_WITHIN: std::time::Duration = std::time::Duration::from_millis(400);

/// What to say when a file dialog cannot be shown.
const NO_OPEN_DIALOG: &str = "无法打开选择文件的窗口（这台电脑缺少 xdg-desktop-portal 或 zenity）。可以把文件直接拖进本窗口。";

/// The files chosen; None when the person cancelled. A dialog that could not be shown says
/// so (and gives None).
fn picked(picking: Picking) -> Result<Option<Vec<PathBuf>>, &'static str> {
    let asked = std::time::Instant::now();
    match pollster::block_on(picking) {
        Some(files) => Ok(Some(files.iter().map(|f| f.path().to_owned()).collect())),
        None if asked.elapsed() < NO_DIALOG_WITHIN => Err(NO_OPEN_DIALOG),
        None => Ok(None),
    }
}

/// `dir/name`, or `dir/名称 (2).ext` … when a file is there already.
fn free_path(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    if !path.exists() {
        return path;
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) => (s.to_owned(), format!(".{e}")),
        None => (name.to_owned(), String::new()),
    };
    (2..1000)
        .map(|n| dir.join(format!("{stem} ({n}){ext}")))
        .find(|p| !p.exists())
        .unwrap_or(path)
}

/// The folder a file goes to when no save dialog can be shown: 文档, else 下载, else home.
/// Only on Linux, where a bare desktop may have no dialog to show; elsewhere an empty
/// answer is a person cancelling.
fn fallback_folder() -> Option<PathBuf> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let dirs = directories::UserDirs::new()?;
    Some(
        dirs.document_dir()
            .or(dirs.download_dir())
            .unwrap_or(dirs.home_dir())
            .to_owned(),
    )
}

/// Where a file is to be saved.
enum Target {
    Fixed(PathBuf),
    /// Asked in a dialog (`name` suggested). The system's own dialog may not be there to
    /// show: then the file goes to `fallback` (文档), and the person is told.
    Ask {
        asking: Asking,
        name: String,
        fallback: Option<Option<PathBuf>>,
    },
}

impl Target {
    /// The path, once the person has chosen it; None if they cancelled. When the system's
    /// dialog cannot be shown, the fallback folder, and a word to say so.
    fn wait(self) -> (Option<PathBuf>, Option<String>) {
        match self {
            Target::Fixed(path) => (Some(path), None),
            Target::Ask {
                asking,
                name,
                fallback,
            } => {
                let asked = std::time::Instant::now();
                match (pollster::block_on(asking), fallback) {
                    (Some(path), _) => (Some(path), None),
                    (None, Some(fallback)) if asked.elapsed() < NO_DIALOG_WITHIN => {
                        match fallback {
                            // Never over a file already there: 「名称 (2).xlsx」 ….
                            Some(dir) => (
                                Some(free_path(&dir, &name)),
                                Some(format!(
                                    "无法打开保存文件的窗口（这台电脑缺少 xdg-desktop-portal 或 zenity），已存到 {}。",
                                    dir.display()
                                )),
                            ),
                            None => (None, Some(NO_OPEN_DIALOG.to_owned())),
                        }
                    }
                    (None, _) => (None, None),
                }
            }
        }
    }
}

/// Makes the bytes and writes them atomically to `path`, never over a file in `protected`.
/// Gives the warnings of `make`.
fn save(
    protected: &[PathBuf],
    path: &Path,
    make: impl FnOnce() -> Result<(Vec<u8>, Vec<String>), String>,
) -> Result<Vec<String>, String> {
    // A summary saved over a submission it came from would replace that submission.
    let protected: Vec<&Path> = protected.iter().map(PathBuf::as_path).collect();
    crate::files::refuse_overlap(&protected, &[path]).map_err(|e| e.to_string())?;
    let (bytes, warnings) = make()?;
    crate::files::write_atomic(path, &bytes).map_err(|e| e.to_string())?;
    Ok(warnings)
}

impl eframe::App for KczgApp {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        ui.ctx().input(|i| self.place.follow(i.viewport()));
        self.show(ui);
        if let Some(perf) = &mut self.perf {
            perf.frame(frame.info().cpu_usage);
        }
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.flush();
        self.save_desk();
        // Only a convenience: a failure to keep it is not worth a word at closing.
        if let Ok(store) = &self.store {
            let _ = self.place.save(store.root());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(now: Option<PathBuf>) -> Asking {
        Box::pin(async move { now })
    }

    /// A system dialog that answers nothing at once was never shown: the file goes to the
    /// fallback folder, and the person is told where; one that was cancelled writes nothing.
    #[test]
    fn a_save_dialog_that_cannot_be_shown_saves_in_the_fallback_folder_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        // A file of that name is there already: never written over.
        crate::files::write_atomic(&dir.path().join("推荐汇总表.xlsx"), b"the clerk's own")
            .unwrap();
        let target = Target::Ask {
            asking: answer(None),
            name: "推荐汇总表.xlsx".into(),
            fallback: Some(Some(dir.path().to_owned())),
        };
        let (path, said) = target.wait();
        assert_eq!(path, Some(dir.path().join("推荐汇总表 (2).xlsx")));
        assert!(said.unwrap().contains("无法打开保存文件的窗口"));

        let slow: Asking = Box::pin(async {
            std::thread::sleep(NO_DIALOG_WITHIN + std::time::Duration::from_millis(50));
            None
        });
        let target = Target::Ask {
            asking: slow,
            name: "x.xlsx".into(),
            fallback: Some(Some(dir.path().to_owned())),
        };
        assert_eq!(target.wait(), (None, None), "cancelled by a person");

        let chosen = dir.path().join("选的.xlsx");
        let target = Target::Ask {
            asking: answer(Some(chosen.clone())),
            name: "x.xlsx".into(),
            fallback: Some(None),
        };
        assert_eq!(target.wait(), (Some(chosen), None));
    }

    #[test]
    fn an_open_dialog_that_cannot_be_shown_says_to_drop_the_files_instead() {
        let none: Picking = Box::pin(async { None });
        assert_eq!(picked(none), Err(NO_OPEN_DIALOG));
    }
}
