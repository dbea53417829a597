//! Autosave off the UI thread: the GUI reports every edit with [`Autosaver::changed`] (cheap);
//! a worker writes each draft a short moment after its last change — and never later than
//! [`MAX_WAIT`] after the first unsaved one, so someone who types without a pause still has
//! their text on disk every second — at once on
//! [`Autosaver::save_now`] (Ctrl+S), and everything pending on [`Autosaver::flush`] (closing).
//! A failed write keeps the content pending and is retried, so nothing typed is lost.

use std::collections::HashMap;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::{DateTime, Local};

use super::Store;
use crate::Draft;

/// How long after the last edit a draft is written.
pub const DEFAULT_DELAY: Duration = Duration::from_secs(1);
/// The longest an edit waits to be written, however the typing goes on.
pub const MAX_WAIT: Duration = Duration::from_secs(1);
/// How long after a failed write it is tried again.
const RETRY_AFTER: Duration = Duration::from_secs(5);

/// The save state of one draft, for the title bar.
#[derive(Debug, Clone, PartialEq)]
pub enum SaveStatus {
    /// Edited since the last write.
    Pending,
    /// Written (or already identical on disk) at this time.
    Saved(DateTime<Local>),
    /// The last write failed; the content is kept and will be written again.
    Failed(String),
}

enum Msg {
    /// id, content, edit number
    Changed(String, Box<Draft>, u64),
    SaveNow,
    Flush(Sender<()>),
}

/// id → (status, number of the latest edit)
type Statuses = Arc<Mutex<HashMap<String, (SaveStatus, u64)>>>;
type Notify = Box<dyn Fn() + Send>;

pub struct Autosaver {
    tx: Option<Sender<Msg>>,
    statuses: Statuses,
    worker: Option<JoinHandle<()>>,
}

impl Autosaver {
    pub fn new(store: Store, delay: Duration) -> Autosaver {
        Autosaver::with_notify(store, delay, Box::new(|| {}))
    }

    /// `notify` runs on the worker after each write attempt (e.g. to ask the GUI to repaint).
    pub fn with_notify(store: Store, delay: Duration, notify: Notify) -> Autosaver {
        let (tx, rx) = mpsc::channel();
        let statuses: Statuses = Arc::default();
        let shared = statuses.clone();
        let worker = std::thread::Builder::new()
            .name("kczg-autosave".into())
            .spawn(move || run(store, delay, rx, shared, notify))
            .ok();
        Autosaver {
            tx: Some(tx),
            statuses,
            worker,
        }
    }

    /// Records an edit; the draft is written `delay` after the last one.
    pub fn changed(&self, id: &str, draft: &Draft) {
        let edit = match self.statuses.lock() {
            Ok(mut s) => {
                let entry = s.entry(id.to_owned()).or_insert((SaveStatus::Pending, 0));
                *entry = (SaveStatus::Pending, entry.1 + 1);
                entry.1
            }
            Err(_) => 0,
        };
        self.send(Msg::Changed(id.to_owned(), Box::new(draft.clone()), edit));
    }

    /// Writes everything pending now, without waiting for it.
    pub fn save_now(&self) {
        self.send(Msg::SaveNow);
    }

    /// Writes everything pending and waits until done (when closing).
    pub fn flush(&self) {
        let (done, wait) = mpsc::channel();
        self.send(Msg::Flush(done));
        let _ = wait.recv_timeout(Duration::from_secs(30));
    }

    pub fn status(&self, id: &str) -> Option<SaveStatus> {
        self.statuses.lock().ok()?.get(id).map(|(s, _)| s.clone())
    }

    fn send(&self, msg: Msg) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(msg);
        }
    }
}

impl Drop for Autosaver {
    /// Closing writes what is pending.
    fn drop(&mut self) {
        self.flush();
        self.tx.take();
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

/// A draft waiting to be written.
struct Waiting {
    draft: Box<Draft>,
    /// The number of the edit it holds.
    edit: u64,
    /// When it is written.
    due: Instant,
    /// The first edit not yet written.
    since: Instant,
}

type Pending = HashMap<String, Waiting>;

fn run(store: Store, delay: Duration, rx: Receiver<Msg>, statuses: Statuses, notify: Notify) {
    let mut pending: Pending = HashMap::new();
    let write = |pending: &mut Pending, only_due: bool| {
        let now = Instant::now();
        let due: Vec<String> = pending
            .iter()
            .filter(|(_, w)| !only_due || w.due <= now)
            .map(|(id, _)| id.clone())
            .collect();
        for id in due {
            let Some(Waiting { draft, edit, .. }) = pending.remove(&id) else {
                continue;
            };
            let status = match store.save(&id, &draft) {
                Ok(_) => SaveStatus::Saved(Local::now()),
                Err(e) => {
                    // Keep the content and try again later; the next edit also retries.
                    let now = Instant::now();
                    let retry = Waiting {
                        draft,
                        edit,
                        due: now + RETRY_AFTER,
                        since: now,
                    };
                    pending.insert(id.clone(), retry);
                    SaveStatus::Failed(e.to_string())
                }
            };
            if let Ok(mut s) = statuses.lock()
                && let Some(entry) = s.get_mut(&id)
                && entry.1 == edit
            {
                // Only the latest edit's outcome is shown; a newer one is still pending.
                entry.0 = status;
            }
            notify();
        }
    };
    loop {
        // Due drafts first: a steady stream of edits must not keep the writes waiting.
        write(&mut pending, true);
        let next_due = pending.values().map(|w| w.due).min();
        let timeout = next_due.map_or(Duration::from_secs(3600), |at| {
            at.saturating_duration_since(Instant::now())
        });
        match rx.recv_timeout(timeout) {
            Ok(Msg::Changed(id, draft, edit)) => {
                // Debounced, but never beyond MAX_WAIT after the first edit not yet written.
                let now = Instant::now();
                let since = pending.get(&id).map_or(now, |p| p.since);
                let due = (now + delay).min(since + MAX_WAIT);
                pending.insert(
                    id,
                    Waiting {
                        draft,
                        edit,
                        due,
                        since,
                    },
                );
            }
            Ok(Msg::SaveNow) => write(&mut pending, false),
            Ok(Msg::Flush(done)) => {
                write(&mut pending, false);
                let _ = done.send(());
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                write(&mut pending, false);
                return;
            }
        }
    }
}
