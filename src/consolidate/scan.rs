//! Bulk import: files and folders walked recursively, every file read in parallel (rayon,
//! within a memory budget) by [`crate::intake`], the same file, e-mail or form counted once.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use chrono::NaiveDate;
use rayon::prelude::*;

use super::{Edit, FileProblem, ProblemKind, Submission};
use crate::Definitions;
use crate::intake::{self, Received};

/// Folders nested deeper than this below a path given are not entered (a guard against
/// pathological trees; real submission folders are a few levels deep).
pub const MAX_DEPTH: usize = 32;

/// What one scan found.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    /// The submissions taken in, in the order their files were found (paths in the order given,
    /// a folder's entries sorted by name), rows 「需人工处理」 included.
    pub submissions: Vec<Submission>,
    /// A notice for every file that needs a look, in the same order: each row 「需人工处理」,
    /// each edit after export, each duplicate (counted once), each path that is not there.
    pub problems: Vec<FileProblem>,
    /// Files looked at.
    pub files: usize,
    /// Files that are no one's, skipped without a word: Word's `~$` lock files, hidden files
    /// and folders (a leading dot; Windows' hidden or system attribute: AppData), Thumbs.db
    /// and desktop.ini.
    pub skipped: usize,
    /// Symbolic links and Windows junctions inside the folders given, not followed (they lead
    /// out of the folder: a user folder's 「我的文档」 junction, a link to the whole disk).
    pub links: Vec<PathBuf>,
    /// Set when the scan was stopped: what it had read is in the batch.
    pub cancelled: Option<Cancelled>,
}

/// What is said of a link not followed, to the desk and on the command line.
pub fn link_notice(path: &Path) -> String {
    format!(
        "{}：是符号链接或目录联接，未跟随（它可能指向文件夹以外的地方）。如需导入它指向的文件，请直接选择那个文件或文件夹。",
        path.display()
    )
}

/// A scan stopped before its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled {
    /// Files read and taken in.
    pub read: usize,
    /// Files found and not read.
    pub left: usize,
}

/// [`scan_on`] validating on today's date.
pub fn scan(
    defs: &Definitions,
    paths: &[PathBuf],
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Batch {
    scan_on(defs, paths, chrono::Local::now().date_naive(), progress)
}

/// Reads every file in `paths` (files, or folders walked recursively) through the intake, validating
/// each draft on `today`. `progress(done, total)` is called once before the first file and
/// after each file, from the worker threads.
pub fn scan_on(
    defs: &Definitions,
    paths: &[PathBuf],
    today: NaiveDate,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Batch {
    let cancel = AtomicBool::new(false);
    let watch = Watch {
        progress,
        found: &|_| {},
        cancel: &cancel,
    };
    scan_watched(defs, paths, today, &watch)
}

/// What a scan reports as it goes, and how it is stopped.
pub struct Watch<'a> {
    /// `(done, total)` once the walk is over: before the first file and after each.
    pub progress: &'a (dyn Fn(usize, usize) + Sync),
    /// The number of files found so far while the folders are walked.
    pub found: &'a (dyn Fn(usize) + Sync),
    /// Set to stop: the walk ends, no further file is read, and what was read is kept
    /// ([`Batch::cancelled`] says how many files were left).
    pub cancel: &'a AtomicBool,
}

/// [`scan_on`], reporting the walk and stoppable (the desk's import).
pub fn scan_watched(
    defs: &Definitions,
    paths: &[PathBuf],
    today: NaiveDate,
    watch: &Watch,
) -> Batch {
    let mut walk = Walk {
        found: Some(watch.found),
        cancel: Some(watch.cancel),
        ..Walk::default()
    };
    for path in paths {
        walk.visit(path, 0, true);
    }
    let total = walk.files.len();
    let progress = watch.progress;
    progress(0, total);
    let done = AtomicUsize::new(0);
    let budget = Budget::new(MEMORY_BUDGET);
    let outcomes: Vec<(PathBuf, Received)> = walk
        .files
        .par_iter()
        .filter_map(|path| {
            if watch.cancel.load(Ordering::Relaxed) {
                return None;
            }
            let _permit = budget.take(memory_estimate(path));
            let received = intake::read_file(defs, path, today);
            progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
            Some((path.clone(), received))
        })
        .collect();
    let cancelled = watch.cancel.load(Ordering::Relaxed).then(|| Cancelled {
        read: outcomes.len(),
        left: total - outcomes.len(),
    });

    let mut batch = Batch {
        files: total,
        skipped: walk.skipped,
        links: walk.links,
        cancelled,
        problems: walk.problems,
        ..Batch::default()
    };
    let mut files: HashMap<String, PathBuf> = HashMap::new();
    let mut messages: HashMap<String, PathBuf> = HashMap::new();
    let mut forms: HashMap<String, usize> = HashMap::new();
    for (path, received) in outcomes {
        if let Some(first) = files.get(&received.hash) {
            batch.problems.push(duplicate_file(&path, first));
            continue;
        }
        files.insert(received.hash.clone(), path.clone());
        // The same e-mail saved twice: its forms are counted once below by their content; a
        // Message-ID is the sender's to choose, so it never hides a form of its own.
        let same_mail = received
            .message_id
            .as_ref()
            .and_then(|id| messages.get(id).cloned());
        if let Some(id) = &received.message_id {
            messages.entry(id.clone()).or_insert_with(|| path.clone());
        }
        for submission in received.submissions {
            if let Some(&i) = forms.get(&submission.id) {
                let kept = &mut batch.submissions[i];
                let message = duplicate_form(&submission, kept);
                if merge_attachments(kept, submission) {
                    kept.validate(defs, today);
                }
                batch.problems.push(message);
                continue;
            }
            if let Some(first) = &same_mail {
                if submission.manual.is_some() {
                    batch.problems.push(same_message(&path, first, false));
                    continue;
                }
                batch.problems.push(same_message(&path, first, true));
            }
            forms.insert(submission.id.clone(), batch.submissions.len());
            batch.problems.extend(notice(&submission));
            batch.submissions.push(submission);
        }
    }
    batch
}

/// An e-mail with the Message-ID of one read before: counted once when it holds no form of its
/// own; when it holds a form the first did not, kept, with a word to check it.
fn same_message(path: &Path, first: &Path, kept: bool) -> FileProblem {
    FileProblem {
        path: path.to_owned(),
        kind: ProblemKind::DuplicateFile {
            first: first.to_owned(),
        },
        message: if kept {
            format!(
                "{}：与 {} 的 Message-ID 相同，但其中的申报表不同，已照常导入。请核对是否为更正后重发的邮件。",
                path.display(),
                first.display()
            )
        } else {
            format!(
                "{}：与 {} 是同一封邮件（Message-ID 相同），只计一次。",
                path.display(),
                first.display()
            )
        },
    }
}

/// The notice of a submission that needs a look: a row 「需人工处理」, or a form edited after
/// export.
fn notice(s: &Submission) -> Option<FileProblem> {
    if let Some(manual) = &s.manual {
        return Some(problem(
            &s.source,
            manual.kind.clone(),
            manual.reason.clone(),
        ));
    }
    if s.edits.is_empty() {
        return None;
    }
    let shown: Vec<String> = s.edits.iter().take(3).map(Edit::describe).collect();
    let more = if s.edits.len() > 3 { "等" } else { "" };
    Some(problem(
        &s.source,
        ProblemKind::EditedAfterExport,
        if s.visible_values {
            format!(
                "导出后改动过 {} 处（{}{more}），已按文档中显示的内容导入（盖章件以显示的为准）。请核对改动是否由申报人所为",
                s.edits.len(),
                shown.join("；")
            )
        } else {
            format!(
                "导出后在 Word 中改动过 {} 处（{}{more}），已按导出时内嵌的内容导入。请与申报人核实以哪一份为准",
                s.edits.len(),
                shown.join("；")
            )
        },
    ))
}

/// The same form arrived again (on its own, or in another e-mail or package).
fn duplicate_form(again: &Submission, kept: &Submission) -> FileProblem {
    let mut p = duplicate_file(&again.source, &kept.source);
    p.message = if again.source == kept.source {
        format!(
            "{}：同一份申报表附了两次（{}），只计一次。",
            again.source.display(),
            again.member.as_deref().unwrap_or("")
        )
    } else if again.attachments.is_empty() {
        format!(
            "{}：与 {} 中的申报表完全相同，只计一次。",
            again.source.display(),
            kept.source.display()
        )
    } else {
        format!(
            "{}：与 {} 中的申报表完全相同，只计一次；其中的附件已并入该份申报。",
            again.source.display(),
            kept.source.display()
        )
    };
    p
}

/// Attachments of a form received twice are kept together, each file (name and content) once;
/// each keeps the file it came in. Whether anything was added.
fn merge_attachments(kept: &mut Submission, again: Submission) -> bool {
    let mut added = false;
    for mut a in again.attachments {
        if kept
            .attachments
            .iter()
            .any(|k| k.hash == a.hash && k.name == a.name && !a.hash.is_empty())
        {
            continue;
        }
        a.source.get_or_insert_with(|| again.source.clone());
        a.container.get_or_insert(again.container);
        kept.attachments.push(a);
        added = true;
    }
    if kept.sender.is_none() {
        kept.sender = again.sender;
        kept.sent = again.sent;
    }
    added
}

/// What the files being read at once may take in memory together. A file is read when its
/// estimate fits, so memory follows this budget rather than the number of cores: a few large
/// exports (a 0.4 MB .docx can take 100 MB while read) are read one or two at a time, ordinary
/// ones (30 KB, 7 MB) dozens at a time.
const MEMORY_BUDGET: u64 = 192 * 1024 * 1024;

/// What reading one file may take: a .docx inflates to its parts and their parse, up to about
/// 300 times its size (measured: a 0.44 MB export of 4 MB of `&<>` took 104 MB); never less
/// than 1 MB, never more than the whole budget.
/// An e-mail or a package takes about three times its size, plus a form inside it.
fn memory_estimate(path: &Path) -> u64 {
    let size = std::fs::metadata(path).map_or(0, |m| m.len());
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let estimate = match ext.as_deref() {
        Some("eml" | "zip") => size.saturating_mul(3).saturating_add(32 << 20),
        Some("json") => size.saturating_mul(20),
        // Read by content: anything else may be a .docx under another name.
        _ => size.saturating_mul(300),
    };
    estimate.clamp(1 << 20, MEMORY_BUDGET)
}

/// A counting semaphore over bytes.
struct Budget {
    left: std::sync::Mutex<u64>,
    freed: std::sync::Condvar,
}

struct Permit<'a> {
    budget: &'a Budget,
    bytes: u64,
}

impl Budget {
    fn new(bytes: u64) -> Budget {
        Budget {
            left: std::sync::Mutex::new(bytes),
            freed: std::sync::Condvar::new(),
        }
    }

    /// Waits until `bytes` are free (an estimate above the whole budget waits for all of it).
    fn take(&self, bytes: u64) -> Permit<'_> {
        let bytes = bytes.min(MEMORY_BUDGET);
        let mut left = self.left.lock().unwrap_or_else(|e| e.into_inner());
        while *left < bytes {
            left = self.freed.wait(left).unwrap_or_else(|e| e.into_inner());
        }
        *left -= bytes;
        Permit {
            budget: self,
            bytes,
        }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut left = self.budget.left.lock().unwrap_or_else(|e| e.into_inner());
        *left += self.bytes;
        self.budget.freed.notify_all();
    }
}

/// The problem of a file whose content was taken in before, from `first`.
pub(super) fn duplicate_file(path: &Path, first: &Path) -> FileProblem {
    FileProblem {
        path: path.to_owned(),
        kind: ProblemKind::DuplicateFile {
            first: first.to_owned(),
        },
        message: format!(
            "{}：与 {} 内容完全相同（同一文件收到两次），只计一次。",
            path.display(),
            first.display()
        ),
    }
}

#[derive(Default)]
struct Walk<'a> {
    files: Vec<PathBuf>,
    problems: Vec<FileProblem>,
    skipped: usize,
    links: Vec<PathBuf>,
    /// Folders entered, by their canonical path: a path given twice is walked once.
    entered: HashSet<PathBuf>,
    found: Option<&'a (dyn Fn(usize) + Sync)>,
    cancel: Option<&'a AtomicBool>,
}

/// Windows' hidden and system attributes (FILE_ATTRIBUTE_HIDDEN, FILE_ATTRIBUTE_SYSTEM).
#[cfg(windows)]
fn hidden_or_system(meta: &std::fs::Metadata) -> bool {
    use std::os::windows::fs::MetadataExt;
    meta.file_attributes() & (0x2 | 0x4) != 0
}

#[cfg(not(windows))]
fn hidden_or_system(_meta: &std::fs::Metadata) -> bool {
    false
}

impl Walk<'_> {
    /// `given`: the path was named by the caller (a missing one is a problem; a missing entry
    /// of a folder listing, e.g. a dangling link, is too). A path given is followed if it is a
    /// link; links found inside folders are not (std's `is_symlink` is also true of Windows
    /// junctions and other name-surrogate reparse points).
    fn visit(&mut self, path: &Path, depth: usize, given: bool) {
        if self.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return;
        }
        if !given {
            match std::fs::symlink_metadata(path) {
                Ok(m) if m.file_type().is_symlink() => {
                    self.links.push(path.to_owned());
                    return;
                }
                Ok(m) if hidden_or_system(&m) => {
                    self.skipped += 1;
                    return;
                }
                _ => {}
            }
        }
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                self.problems.push(problem(
                    path,
                    ProblemKind::Unreadable,
                    format!(
                        "无法访问（{}）。请检查路径是否正确",
                        crate::files::reason(&e, crate::files::Doing::Reading)
                    ),
                ));
                return;
            }
        };
        if meta.is_dir() {
            if depth > MAX_DEPTH {
                self.problems.push(problem(
                    path,
                    ProblemKind::Unreadable,
                    format!(
                        "文件夹层数超过 {MAX_DEPTH} 层，未再深入。请把申报材料放在较浅的文件夹中"
                    ),
                ));
                return;
            }
            // A hidden folder (.git, .cache) inside the folders given is no one's submission.
            let dot = path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'));
            if dot && !given {
                self.skipped += 1;
                return;
            }
            let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
            if !self.entered.insert(canonical) {
                return;
            }
            let entries = match std::fs::read_dir(path) {
                Ok(entries) => entries,
                Err(e) => {
                    self.problems.push(problem(
                        path,
                        ProblemKind::Unreadable,
                        format!(
                            "无法打开文件夹（{}）",
                            crate::files::reason(&e, crate::files::Doing::Reading)
                        ),
                    ));
                    return;
                }
            };
            let mut children: Vec<PathBuf> =
                entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            children.sort();
            for child in children {
                self.visit(&child, depth + 1, false);
            }
            return;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        // Word keeps `~$name.docx` beside a document it has open; hidden files, Thumbs.db and
        // desktop.ini are the system's. A file named explicitly is read whatever it is called.
        let clutter = name.starts_with("~$")
            || name.starts_with('.')
            || name.eq_ignore_ascii_case("thumbs.db")
            || name.eq_ignore_ascii_case("desktop.ini");
        if clutter && !given {
            self.skipped += 1;
            return;
        }
        self.files.push(path.to_owned());
        if let Some(found) = self.found {
            found(self.files.len());
        }
    }
}

/// A notice whose message is 「路径：需人工处理。原因。」 (or without 需人工处理 for an edited
/// file).
fn problem(path: &Path, kind: ProblemKind, what: String) -> FileProblem {
    let manual = if matches!(kind, ProblemKind::EditedAfterExport) {
        ""
    } else {
        "需人工处理。"
    };
    let stop = if what.ends_with('。') { "" } else { "。" };
    FileProblem {
        path: path.to_owned(),
        kind,
        message: format!("{}：{manual}{what}{stop}", path.display()),
    }
}
