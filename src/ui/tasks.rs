//! Work that must not hold up a frame: file dialogs, building a summary, writing a file,
//! copying an attachment out of a package. Each runs on its own thread; the frame shows what
//! is running and, when it is done, applies what it brought back.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

use super::KczgApp;

/// What a finished task does to the app, on the UI thread.
pub type Finish = Box<dyn FnOnce(&mut KczgApp) + Send>;

/// Wakes the UI from another thread.
pub type Repaint = Box<dyn Fn() + Send + Sync>;

/// A dialog's answer to come: the path chosen, or None when the person cancelled. It is
/// opened on the UI thread and waited for on a task's.
pub type Asking = std::pin::Pin<Box<dyn std::future::Future<Output = Option<PathBuf>> + Send>>;

/// Stands in for the system's save dialog (tests, and runs without a desktop): given the
/// suggested file name, the answer to come.
pub type SaveDialog = Box<dyn Fn(&str) -> Asking>;

pub struct Tasks {
    sender: Sender<(u64, Finish)>,
    receiver: Receiver<(u64, Finish)>,
    /// (id, what the person is told is running).
    running: Vec<(u64, String)>,
    next: u64,
}

impl Default for Tasks {
    fn default() -> Tasks {
        let (sender, receiver) = channel();
        Tasks {
            sender,
            receiver,
            running: Vec::new(),
            next: 0,
        }
    }
}

impl Tasks {
    /// Runs `work` on a thread of its own. `label` says what is happening (「正在导出……」).
    /// A task that panics is reported as not done, never left running.
    pub fn run(
        &mut self,
        label: impl Into<String>,
        repaint: Option<Arc<Repaint>>,
        work: impl FnOnce() -> Finish + Send + 'static,
    ) {
        let id = self.next;
        self.next += 1;
        let label = label.into();
        self.running.push((id, label.clone()));
        let sender = self.sender.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("task-{id}"))
            .spawn(move || {
                let finish = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
                    .unwrap_or_else(|_| {
                        Box::new(move |app: &mut KczgApp| {
                            app.notices
                                .refusal(format!("「{label}」没有完成，请再试一次。"))
                        })
                    });
                // The app may be gone (closing): nothing is left to tell.
                let _ = sender.send((id, finish));
                if let Some(r) = &repaint {
                    r();
                }
            });
        if spawned.is_err() {
            self.running.retain(|(i, _)| *i != id);
            let _ = self.sender.send((
                id,
                Box::new(|app: &mut KczgApp| {
                    app.notices
                        .refusal("系统资源不足，无法开始这项操作。请关闭其他程序后再试。")
                }),
            ));
        }
    }

    /// Like [`Tasks::run`], for what the person need not wait for (starting a viewer): not
    /// shown as running, and other work is not held back by it.
    pub fn run_quietly(
        &mut self,
        repaint: Option<Arc<Repaint>>,
        work: impl FnOnce() -> Finish + Send + 'static,
    ) {
        let id = self.next;
        self.next += 1;
        let sender = self.sender.clone();
        let _ = std::thread::Builder::new()
            .name(format!("task-{id}"))
            .spawn(move || {
                if let Ok(finish) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)) {
                    let _ = sender.send((id, finish));
                }
                if let Some(r) = &repaint {
                    r();
                }
            });
    }

    /// What has finished since the last frame, in the order it finished.
    pub fn finished(&mut self) -> Vec<Finish> {
        let mut done = Vec::new();
        while let Ok((id, finish)) = self.receiver.try_recv() {
            self.running.retain(|(i, _)| *i != id);
            done.push(finish);
        }
        done
    }

    /// What is running, oldest first.
    pub fn running(&self) -> impl Iterator<Item = &str> {
        self.running.iter().map(|(_, l)| l.as_str())
    }

    pub fn is_busy(&self) -> bool {
        !self.running.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait(tasks: &mut Tasks) -> Vec<Finish> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let done = tasks.finished();
            if !done.is_empty() || std::time::Instant::now() > deadline {
                return done;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    #[test]
    fn a_task_is_running_until_its_result_is_taken() {
        let mut tasks = Tasks::default();
        let (go, wait_for_go) = channel::<()>();
        tasks.run("正在试验", None, move || {
            let _ = wait_for_go.recv();
            Box::new(|_app: &mut KczgApp| {})
        });
        assert_eq!(tasks.running().collect::<Vec<_>>(), ["正在试验"]);
        assert!(tasks.finished().is_empty());
        go.send(()).unwrap();
        assert_eq!(wait(&mut tasks).len(), 1);
        assert!(!tasks.is_busy());
    }

    #[test]
    fn a_task_that_panics_is_reported_and_not_left_running() {
        let mut tasks = Tasks::default();
        tasks.run("正在试验", None, || panic!("boom"));
        let done = wait(&mut tasks);
        assert_eq!(done.len(), 1);
        assert!(!tasks.is_busy());
        let data = tempfile::tempdir().unwrap();
        let mut app = KczgApp::new(
            crate::schema::Definitions::embedded(),
            Some(data.path()),
            chrono::NaiveDate::from_ymd_opt(2023, 6, 1).unwrap(),
        );
        for f in done {
            f(&mut app);
        }
        assert!(
            app.notices.says("「正在试验」没有完成"),
            "{:?}",
            app.notices
        );
    }
}
