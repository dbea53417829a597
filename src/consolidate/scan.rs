//! Bulk import: files and folders walked recursively, every exported .docx and draft .json read
//! in parallel (rayon, one worker per core), validated, and the same file counted once.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::NaiveDate;
use rayon::prelude::*;

use super::{Edit, FileProblem, ProblemKind, SourceKind, Submission};
use crate::Definitions;
use crate::docx::import::{self, ImportError, MAX_DOCX_BYTES};
use crate::draft::{Draft, DraftError, MAX_DRAFT_BYTES};
use crate::files::FileError;

/// Folders nested deeper than this below a path given are not entered (a guard against
/// pathological trees; real submission folders are a few levels deep).
pub const MAX_DEPTH: usize = 32;

/// What one scan found.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    /// The submissions taken in, in the order their files were found: paths in the order given,
    /// a folder's entries sorted by name.
    pub submissions: Vec<Submission>,
    /// Every file left out or needing a look, in the same order.
    pub problems: Vec<FileProblem>,
    /// .docx and .json files looked at.
    pub files: usize,
    /// Other files in the folders, skipped without a word (also Word's `~$` lock files).
    pub skipped: usize,
}

/// [`scan_on`] validating on today's date.
pub fn scan(
    defs: &Definitions,
    paths: &[PathBuf],
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Batch {
    scan_on(defs, paths, chrono::Local::now().date_naive(), progress)
}

/// Reads every .docx and .json in `paths` (files, or folders walked recursively), validating
/// each draft on `today`. `progress(done, total)` is called once before the first file and
/// after each file, from the worker threads.
pub fn scan_on(
    defs: &Definitions,
    paths: &[PathBuf],
    today: NaiveDate,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Batch {
    let mut walk = Walk::default();
    for path in paths {
        walk.visit(path, 0, true);
    }
    let total = walk.files.len();
    progress(0, total);
    let done = AtomicUsize::new(0);
    let budget = Budget::new(MEMORY_BUDGET);
    let outcomes: Vec<Result<Loaded, FileProblem>> = walk
        .files
        .par_iter()
        .map(|path| {
            let _permit = budget.take(memory_estimate(path));
            let outcome = load(defs, path, today);
            progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
            outcome
        })
        .collect();

    let mut batch = Batch {
        files: total,
        skipped: walk.skipped,
        problems: walk.problems,
        ..Batch::default()
    };
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    for outcome in outcomes {
        match outcome {
            Err(problem) => batch.problems.push(problem),
            Ok(Loaded { submission, edited }) => {
                if let Some(first) = seen.get(&submission.id) {
                    batch
                        .problems
                        .push(duplicate_file(&submission.source, first));
                    continue;
                }
                seen.insert(submission.id.clone(), submission.source.clone());
                batch.problems.extend(edited);
                batch.submissions.push(submission);
            }
        }
    }
    batch
}

/// What the files being read at once may take in memory together. A file is read when its
/// estimate fits, so memory follows this budget rather than the number of cores: a few large
/// exports (a 0.4 MB .docx can take 100 MB while read) are read one or two at a time, ordinary
/// ones (30 KB, 7 MB) dozens at a time.
const MEMORY_BUDGET: u64 = 192 * 1024 * 1024;

/// What reading one file may take: a .docx inflates to its parts and their parse, up to about
/// 300 times its size (measured: a 0.44 MB export of 4 MB of `&<>` took 104 MB); never less
/// than 1 MB, never more than the whole budget.
fn memory_estimate(path: &Path) -> u64 {
    let size = std::fs::metadata(path).map_or(0, |m| m.len());
    size.saturating_mul(300).clamp(1 << 20, MEMORY_BUDGET)
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
struct Walk {
    files: Vec<PathBuf>,
    problems: Vec<FileProblem>,
    skipped: usize,
    /// Folders entered, by their canonical path: a link back up the tree is entered once.
    entered: HashSet<PathBuf>,
}

impl Walk {
    /// `given`: the path was named by the caller (a missing one is a problem; a missing entry
    /// of a folder listing, e.g. a dangling link, is too).
    fn visit(&mut self, path: &Path, depth: usize, given: bool) {
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
        let wanted = matches!(extension(path).as_deref(), Some("docx" | "json"));
        // Word keeps `~$name.docx` beside a document it has open: not a submission.
        if !wanted || name.starts_with("~$") {
            if given && !wanted {
                // Named explicitly: still read it, it may be a .docx without its extension.
                self.files.push(path.to_owned());
            } else {
                self.skipped += 1;
            }
            return;
        }
        self.files.push(path.to_owned());
    }
}

fn extension(path: &Path) -> Option<String> {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
}

struct Loaded {
    submission: Submission,
    edited: Option<FileProblem>,
}

/// A problem whose message is 「路径：未导入。原因。」 (or without 未导入 for an edited file).
fn problem(path: &Path, kind: ProblemKind, what: String) -> FileProblem {
    let left_out = if matches!(kind, ProblemKind::EditedAfterExport) {
        ""
    } else {
        "未导入。"
    };
    let stop = if what.ends_with('。') { "" } else { "。" };
    FileProblem {
        path: path.to_owned(),
        kind,
        message: format!("{}：{left_out}{what}{stop}", path.display()),
    }
}

/// Reads, imports and validates one file.
fn load(defs: &Definitions, path: &Path, today: NaiveDate) -> Result<Loaded, FileProblem> {
    let is_docx_name = extension(path).as_deref() == Some("docx");
    let limit = if is_docx_name {
        MAX_DOCX_BYTES
    } else {
        // A file named otherwise may still be a .docx (checked below by its first bytes).
        MAX_DOCX_BYTES.max(MAX_DRAFT_BYTES as u64)
    };
    let bytes = read_limited(path, limit)?;
    let looks_zip = bytes.starts_with(b"PK\x03\x04");
    let mut visible_values = false;
    let mut notes = Vec::new();
    let (draft, edits, kind) = if looks_zip || is_docx_name {
        let imported = import::import(defs, &bytes).map_err(|e| import_problem(path, e))?;
        let edits: Vec<Edit> = imported.edits.iter().map(Edit::from).collect();
        visible_values = imported.origin.shows_values();
        notes = imported.notes.iter().map(super::Note::from).collect();
        (imported.draft, edits, SourceKind::Docx)
    } else {
        let draft = Draft::from_slice(&bytes).map_err(|e| draft_problem(path, e, false))?;
        (draft, Vec::new(), SourceKind::Json)
    };
    if defs.form(&draft.list).is_none() {
        let known: Vec<&str> = defs.forms.iter().map(|f| f.name.as_str()).collect();
        return Err(problem(
            path,
            ProblemKind::UnknownList,
            format!(
                "榜单「{}」不认识（可用的榜单：{}）。请确认表单定义与申报人所用的版本一致",
                draft.list,
                known.join("、")
            ),
        ));
    }
    let edited = (!edits.is_empty()).then(|| {
        let shown: Vec<String> = edits.iter().take(3).map(Edit::describe).collect();
        let more = if edits.len() > 3 { "等" } else { "" };
        problem(
            path,
            ProblemKind::EditedAfterExport,
            if visible_values {
                format!(
                    "导出后改动过 {} 处（{}{more}），已按文档中显示的内容导入（盖章件以显示的为准）。请核对改动是否由申报人所为",
                    edits.len(),
                    shown.join("；")
                )
            } else {
                format!(
                    "导出后在 Word 中改动过 {} 处（{}{more}），已按导出时内嵌的内容导入。请与申报人核实以哪一份为准",
                    edits.len(),
                    shown.join("；")
                )
            },
        )
    });
    let mut submission = Submission {
        id: content_id(&bytes),
        source: path.to_owned(),
        kind,
        draft,
        edits,
        visible_values,
        notes,
        findings: Vec::new(),
    };
    submission.validate(defs, today);
    Ok(Loaded { submission, edited })
}

/// The content hash that identifies a file: xxh3-128 of its bytes, as 32 hex digits.
pub fn content_id(bytes: &[u8]) -> String {
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(bytes))
}

fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, FileProblem> {
    crate::files::read_bounded(path, limit).map_err(|e| match e {
        FileError::TooLarge { size, .. } => problem(
            path,
            ProblemKind::TooLarge,
            format!(
                "文件过大（{}，上限 {}）。申报表通常不到 1 MB，请确认是否发错了文件",
                crate::files::size_text(size),
                crate::files::size_text(limit)
            ),
        ),
        e => problem(path, ProblemKind::Unreadable, e.reason()),
    })
}

fn import_problem(path: &Path, e: ImportError) -> FileProblem {
    match e {
        ImportError::TooLarge(size) => problem(
            path,
            ProblemKind::TooLarge,
            format!("文件过大（{size} 字节）"),
        ),
        ImportError::NotDocx(_) | ImportError::Damaged(_) => problem(
            path,
            ProblemKind::Unreadable,
            format!("{e}。请申报人重新导出并发送"),
        ),
        ImportError::NotOurs => problem(
            path,
            ProblemKind::NotOurs,
            e.to_string().trim_end_matches('。').to_owned(),
        ),
        ImportError::Draft(d) => draft_problem(path, d, true),
    }
}

fn draft_problem(path: &Path, e: DraftError, embedded: bool) -> FileProblem {
    let inside = if embedded {
        "文档中内嵌的申报草稿："
    } else {
        ""
    };
    match e {
        DraftError::NewerVersion(_) => {
            problem(path, ProblemKind::NewerVersion, format!("{inside}{e}"))
        }
        DraftError::TooLarge { .. } | DraftError::TooManyItems { .. } => {
            problem(path, ProblemKind::TooLarge, format!("{inside}{e}"))
        }
        DraftError::WrongFormat(_) => problem(
            path,
            ProblemKind::NotOurs,
            format!("{inside}{e}。只能导入本程序导出的申报表 .docx 或保存的申报草稿 .json"),
        ),
        DraftError::Json { .. }
        | DraftError::BadKey { .. }
        | DraftError::DuplicateKey(_)
        | DraftError::Utf16 => problem(
            path,
            ProblemKind::Unreadable,
            match e {
                DraftError::Json { .. } => format!("{inside}{e}"),
                _ => format!("{inside}{e}。请申报人重新保存或导出后发送"),
            },
        ),
    }
}
