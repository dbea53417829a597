//! The desk's work off the frame: opening its database, importing, writing decisions,
//! exporting the summaries, opening attachments.

use std::path::PathBuf;

use super::{DeskState, ImportJob, SummaryKind};
use crate::ui::app::{KczgApp, Screen};
use crate::ui::dialogs::{Picking, WORD, picked};
use crate::ui::handoff::Opening;

impl KczgApp {
    /// Opens the desk's database (a desk of ten thousand takes about a second) on a task's
    /// thread; the desk shows when it is loaded. Imports asked for meanwhile wait for it.
    pub(crate) fn open_desk(&mut self) {
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
        // The expert review beside the desk's database.
        let review_folder = root.as_ref().ok().map(|r| r.join("评审"));
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
                    let mut state = match state {
                        Ok(state) => state,
                        Err((message, state)) => {
                            app.notices.refusal(message);
                            state
                        }
                    };
                    state.review.folder = review_folder;
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

    pub(crate) fn desk_import(&mut self, paths: Vec<PathBuf>) {
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
    pub(crate) fn desk_background(&mut self) {
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

    pub(crate) fn desk_previous(
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

    pub(crate) fn desk_export(&mut self, kind: SummaryKind) {
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

    pub(crate) fn desk_reexport(&mut self, id: &str) {
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
    pub(crate) fn desk_open_attachment(&mut self, id: &str, n: usize) {
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
}

impl KczgApp {
    /// 导入文件… / 导入文件夹…: opened here, on the UI thread (macOS wants it there), and
    /// waited for on a task's thread.
    pub(crate) fn desk_pick(&mut self, folder: bool) {
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

    /// 载入历年入选名单…
    pub(crate) fn desk_pick_previous(&mut self) {
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
                        return Box::new(move |app: &mut KczgApp| app.notices.refusal(said));
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
}
