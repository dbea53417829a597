//! File dialogs and saving: the system's dialog opened on the UI thread and waited for on a
//! task's thread; what the system can show asked of it (the portal, zenity, or neither), so
//! that an empty answer is told apart from a person cancelling; files written atomically,
//! never over what the desk read.

use std::path::{Path, PathBuf};

use super::app::{KczgApp, Screen};
use super::tasks::Asking;

/// The filter of a Word file in a save dialog.
pub(super) const WORD: (&str, &str) = ("Word 文档", "docx");

/// A file dialog opened on the UI thread, to be waited for on a task's thread.
pub(super) type Picking =
    std::pin::Pin<Box<dyn std::future::Future<Output = Option<Vec<rfd::FileHandle>>> + Send>>;

/// What to say when a file dialog cannot be shown.
pub(super) const NO_OPEN_DIALOG: &str = "无法打开选择文件的窗口（这台电脑缺少 xdg-desktop-portal 或 zenity）。可以把文件直接拖进本窗口。";

/// What the system has to show a file dialog with, as rfd uses it: the system's own
/// (Windows, macOS), the desktop portal's file chooser, zenity, or neither (a bare Linux
/// desktop — then an empty answer is no dialog, not a person cancelling).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chooser {
    Native,
    Portal,
    Zenity,
    Neither,
}

impl Chooser {
    /// Asked of the system once (on a task's thread: the portal may take a moment to start).
    pub fn of_this_system() -> Chooser {
        static ASKED: std::sync::OnceLock<Chooser> = std::sync::OnceLock::new();
        *ASKED.get_or_init(|| {
            if !cfg!(target_os = "linux") {
                Chooser::Native
            } else if portal_has_file_chooser() {
                Chooser::Portal
            } else if on_path("zenity") {
                Chooser::Zenity
            } else {
                Chooser::Neither
            }
        })
    }

    pub fn can_show(self) -> bool {
        self != Chooser::Neither
    }
}

/// Whether the session bus has the desktop portal with a file chooser: its
/// `org.freedesktop.portal.FileChooser` answers for its version (which starts the portal
/// when it is only activatable). Within 3 s, or no.
#[cfg(target_os = "linux")]
fn portal_has_file_chooser() -> bool {
    let (tx, rx) = std::sync::mpsc::channel();
    let asking = std::thread::Builder::new()
        .name("portal-probe".into())
        .spawn(move || {
            let answer = pollster::block_on(async {
                let bus = zbus::Connection::session().await.ok()?;
                let properties = zbus::fdo::PropertiesProxy::builder(&bus)
                    .destination("org.freedesktop.portal.Desktop")
                    .ok()?
                    .path("/org/freedesktop/portal/desktop")
                    .ok()?
                    .build()
                    .await
                    .ok()?;
                let interface =
                    zbus::names::InterfaceName::try_from("org.freedesktop.portal.FileChooser")
                        .ok()?;
                properties.get(interface, "version").await.ok()
            });
            let _ = tx.send(answer.is_some());
        });
    asking.is_ok() && rx.recv_timeout(std::time::Duration::from_secs(3)) == Ok(true)
}

#[cfg(not(target_os = "linux"))]
fn portal_has_file_chooser() -> bool {
    false
}

/// Whether a program of this name is on PATH.
fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| {
            let path = dir.join(program);
            path.is_file() && is_executable(&path)
        })
    })
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(_: &Path) -> bool {
    true
}

/// The files chosen; None when the person cancelled. With no dialog to show (see
/// [`Chooser`]), says so (and gives nothing).
pub(super) fn picked(picking: Picking) -> Result<Option<Vec<PathBuf>>, &'static str> {
    picked_with(picking, Chooser::of_this_system())
}

fn picked_with(picking: Picking, chooser: Chooser) -> Result<Option<Vec<PathBuf>>, &'static str> {
    match pollster::block_on(picking) {
        Some(files) => Ok(Some(files.iter().map(|f| f.path().to_owned()).collect())),
        None if !chooser.can_show() => Err(NO_OPEN_DIALOG),
        None => Ok(None),
    }
}

/// `dir/name`, or `dir/名称 (2).ext` … when a file is there already.
pub(super) fn free_path(dir: &Path, name: &str) -> PathBuf {
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
pub(super) fn fallback_folder() -> Option<PathBuf> {
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
pub(super) enum Target {
    Fixed(PathBuf),
    /// Asked in a dialog (`name` suggested). The system's own dialog may not be there to
    /// show: then the file goes to `fallback` (文档), and the person is told.
    Ask {
        asking: Asking,
        name: String,
        fallback: Option<Option<PathBuf>>,
        /// What the system can show; None: ask it.
        chooser: Option<Chooser>,
    },
}

/// Makes the bytes and writes them atomically to `path`, never over a file in `protected`.
/// Gives the warnings of `make`.
pub(super) fn save(
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

impl Target {
    /// The path, once the person has chosen it; None if they cancelled. When the system's
    /// dialog cannot be shown, the fallback folder, and a word to say so.
    pub(super) fn wait(self) -> (Option<PathBuf>, Option<String>) {
        match self {
            Target::Fixed(path) => (Some(path), None),
            Target::Ask {
                asking,
                name,
                fallback,
                chooser,
            } => {
                let answer = pollster::block_on(asking);
                let shown = || chooser.unwrap_or_else(Chooser::of_this_system).can_show();
                match (answer, fallback) {
                    (Some(path), _) => (Some(path), None),
                    (None, Some(fallback)) if !shown() => {
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

impl KczgApp {
    /// Says so, and returns true, when a dialog or a file is still being worked on: one at a
    /// time, so that two save dialogs never stand open at once.
    pub(super) fn refuse_while_busy(&mut self) -> bool {
        let Some(running) = self.tasks.running().next() else {
            return false;
        };
        let message = format!("请等「{}」完成后再试。", running.trim_end_matches('…'));
        self.notices.refusal(message);
        true
    }

    /// A system file dialog titled `title`, starting in the last folder used (or 文档).
    pub(super) fn dialog(&self, title: &str) -> rfd::AsyncFileDialog {
        let dialog = rfd::AsyncFileDialog::new().set_title(title);
        match self.place.dialog_folder() {
            Some(dir) => dialog.set_directory(dir),
            None => dialog,
        }
    }

    /// Where a file goes: into `export_dir` without asking (tests, scripted runs), or where the
    /// person says in the save dialog, opened now and waited for on a task's thread.
    pub(super) fn save_target(
        &self,
        title: &str,
        name: &str,
        (filter, extension): (&str, &str),
    ) -> Target {
        if let Some(dialog) = &self.save_dialog {
            return Target::Ask {
                asking: dialog(name),
                name: name.to_owned(),
                fallback: None,
                chooser: Some(Chooser::Native),
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
                    chooser: None,
                }
            }
        }
    }

    /// Files the desk must never write over: its submissions, the previous-winners list and
    /// its own database.
    pub(super) fn protected(&self) -> Vec<PathBuf> {
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
    pub(super) fn save_in_background(
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
    pub(super) fn save_in_background_then(
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(now: Option<PathBuf>) -> Asking {
        Box::pin(async move { now })
    }

    fn ask(answer_now: Option<PathBuf>, dir: &Path, chooser: Chooser) -> Target {
        Target::Ask {
            asking: answer(answer_now),
            name: "推荐汇总表.xlsx".into(),
            fallback: Some(Some(dir.to_owned())),
            chooser: Some(chooser),
        }
    }

    /// With no dialog on this system (neither the portal nor zenity), an empty answer means
    /// no dialog: the file goes to the fallback folder, never over a file there, and the
    /// person is told where. With a dialog, an empty answer is a person cancelling: nothing
    /// is written.
    #[test]
    fn a_save_dialog_that_cannot_be_shown_saves_in_the_fallback_folder_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        crate::files::write_atomic(&dir.path().join("推荐汇总表.xlsx"), b"the clerk's own")
            .unwrap();
        let (path, said) = ask(None, dir.path(), Chooser::Neither).wait();
        assert_eq!(path, Some(dir.path().join("推荐汇总表 (2).xlsx")));
        assert!(said.unwrap().contains("无法打开保存文件的窗口"));
        for chooser in [Chooser::Portal, Chooser::Zenity, Chooser::Native] {
            assert_eq!(
                ask(None, dir.path(), chooser).wait(),
                (None, None),
                "{chooser:?}"
            );
        }
        let chosen = dir.path().join("选的.xlsx");
        assert_eq!(
            ask(Some(chosen.clone()), dir.path(), Chooser::Neither).wait(),
            (Some(chosen), None)
        );
    }

    #[test]
    fn an_open_dialog_that_cannot_be_shown_says_to_drop_the_files_instead() {
        let none = || -> Picking { Box::pin(async { None }) };
        assert_eq!(picked_with(none(), Chooser::Neither), Err(NO_OPEN_DIALOG));
        assert_eq!(picked_with(none(), Chooser::Zenity), Ok(None), "cancelled");
    }

    /// The system is asked, not timed: zenity is found on PATH when it is there.
    #[cfg(unix)]
    #[test]
    fn a_program_on_path_is_found_by_name_and_mode() {
        assert!(on_path("sh"));
        assert!(!on_path("no-such-program-kczg"));
    }
}
