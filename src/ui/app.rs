//! The app: what is open, the draft store and autosave, and the one place where actions
//! returned by the screens are applied.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::attach::list_file;
use super::desk::{DeskState, SummaryKind};
use super::form::FormState;
use super::handoff::HandoffState;
use super::handoff::Opening;
use super::notices::{Notices, Page};
use super::tasks::{Repaint, SaveDialog, Tasks};
use super::{desk, form, handoff, start};
use crate::Draft;
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
    /// The desk's 评审 page (see `ui::review`): load it; start it with an expert list (chosen,
    /// or given); assign; write the packs (into a folder chosen, or given); collect sheets;
    /// rank; confirm the proposal into the desk.
    ReviewLoad,
    ReviewPickExperts,
    ReviewStart(PathBuf),
    ReviewAssign,
    ReviewPickPackFolder,
    ReviewPack(PathBuf),
    ReviewPickSheets,
    ReviewCollect(Vec<PathBuf>),
    ReviewRank {
        normalised: bool,
    },
    ReviewConfirm,
    /// An assignment made (`on`) or taken back by hand: application id, expert e-mail.
    ReviewByHand {
        app: String,
        expert: String,
        on: bool,
    },
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
    pub(super) store: Result<Store, String>,
    pub(super) saver: Option<Autosaver>,
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
    pub(super) pending_copy: Option<String>,
    pub(super) title: String,
    pub(super) repaint: Option<std::sync::Arc<Repaint>>,
    /// Dialogs, exports and copies running off the frame.
    pub(super) tasks: Tasks,
    /// While the desk is being opened: the imports asked for meanwhile.
    pub(super) desk_opening: Option<Vec<Vec<PathBuf>>>,
    /// Frame statistics on stderr, when asked for (see [`super::PERF_ENV`]).
    pub perf: Option<super::perf::Perf>,
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

    pub(super) fn start_saver(&mut self) {
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

    pub(super) fn update_title(&mut self, ctx: &egui::Context) {
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
    pub(super) fn page_here(&self) -> (Page, String) {
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
            Action::NewDraft { list, domain } => self.new_draft(list, domain),
            Action::SaveTemplate { list, domain } => self.save_template(list, domain),
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
            Action::DuplicateDraft(id) => self.duplicate_draft(id),
            Action::DeleteDraft(id) => self.delete_draft(id),
            Action::RestoreDraft(id) => self.restore_draft(id),
            Action::EmptyTrash => self.empty_trash(),
            Action::OpenFiles(paths) => self.open_files(paths),
            Action::PickOpen => self.pick_open(),
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
            Action::OfferUndo(said) => self.offer_undo(said),
            Action::Undo => self.undo(),
            Action::OpenDesk => self.open_desk(),
            Action::ReviewLoad
            | Action::ReviewPickExperts
            | Action::ReviewStart(_)
            | Action::ReviewAssign
            | Action::ReviewPickPackFolder
            | Action::ReviewPack(_)
            | Action::ReviewPickSheets
            | Action::ReviewCollect(_)
            | Action::ReviewRank { .. }
            | Action::ReviewConfirm
            | Action::ReviewByHand { .. } => self.review_action(action),
            Action::DeskPick { folder } => self.desk_pick(folder),
            Action::DeskImport(paths) => self.desk_import(paths),
            Action::DeskPickPrevious => self.desk_pick_previous(),
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

    /// A value of the open draft changed: validated again and autosaved.
    pub(super) fn edited(&mut self) {
        if let Screen::Form(f) = &mut self.screen {
            f.revalidate(&self.defs, self.today);
            if let Some(saver) = &self.saver {
                saver.changed(&f.id, &f.draft);
            }
        }
    }

    pub(super) fn open(&mut self, id: String, draft: Draft, misfits: Vec<String>) {
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
