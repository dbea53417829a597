//! The secretariat's desk (product.md §5) and the `consolidate` command (§6): bulk import of the
//! submissions received, checks across them, the decisions, and the 推荐汇总表.
//!
//! - [`scan`] reads files and folders (recursively, in parallel) into a [`Batch`]: one
//!   [`Submission`] per exported .docx or draft .json, and a [`FileProblem`] for every file that
//!   could not be taken in or needs a look (none of them stops the scan).
//! - [`Desk`] is the secretariat's state: what was imported, the decisions (推荐 / 排序 / 备注 and
//!   the 推荐单位意见 of each submission) and the previous-winners list. It is saved as JSON like a
//!   draft, so a clerk can close the app and go on tomorrow.
//! - [`checks`] flags duplicates and previous winners; [`normalize`] says how names compare.
//! - [`summary`] turns the desk into [`Row`]s and writes the .xlsx, .csv and the landscape .docx,
//!   and re-exports one submission with its recommendation filled in ([`reexport`]).
//!
//! Nothing here panics on what is read from a file; every message names the file in Chinese.

pub mod checks;
mod desk;
pub mod normalize;
mod print;
mod scan;
mod sheet;
pub mod summary;
mod xlsx;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::docx::import::VisibleEdit;
use crate::draft::Draft;
use crate::rules::Finding;

pub use checks::{Duplicate, PreviousError, PreviousHit, PreviousWinners};
pub use desk::{DESK_FORMAT, DESK_VERSION, Decision, Desk, DeskError, MAX_DESK_BYTES};
pub use print::docx as summary_docx;
pub use scan::{Batch, scan, scan_on};
pub use summary::{Row, csv, reexport, rows};
pub use xlsx::{CUT_MARK, SummaryError, Xlsx, xlsx};

/// What kind of file a submission came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// An exported declaration form; the draft is the one embedded in it.
    Docx,
    /// A draft .json.
    Json,
}

/// A field whose visible text in the .docx differs from the embedded draft (see
/// [`VisibleEdit`]); kept with the submission so the desk can show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edit {
    pub field: String,
    pub label: String,
    pub exported: String,
    pub visible: Option<String>,
}

/// A warning from reading a document, kept with the submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub field: String,
    pub message: String,
}

impl From<&Finding> for Note {
    fn from(f: &Finding) -> Note {
        Note {
            field: f.field.clone(),
            message: f.message.clone(),
        }
    }
}

impl From<&VisibleEdit> for Edit {
    fn from(e: &VisibleEdit) -> Edit {
        Edit {
            field: e.field.clone(),
            label: e.label.clone(),
            exported: e.exported.clone(),
            visible: e.visible.clone(),
        }
    }
}

impl Edit {
    /// One line for people, as import says it.
    pub fn describe(&self) -> String {
        VisibleEdit {
            field: self.field.clone(),
            label: self.label.clone(),
            exported: self.exported.clone(),
            visible: self.visible.clone(),
        }
        .describe()
    }
}

/// One application received: its draft and where it came from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Submission {
    /// The source file's content hash (xxh3-128, hex): the same file read twice has the same id.
    /// Decisions are keyed by it.
    pub id: String,
    /// The file as it was found (the path given, or below a folder given).
    pub source: PathBuf,
    pub kind: SourceKind,
    #[serde(with = "draft_json")]
    pub draft: Draft,
    /// Fields edited in Word after export (only for .docx).
    #[serde(default)]
    pub edits: Vec<Edit>,
    /// The values are those the document shows (a .docx with content controls); false: the
    /// embedded draft's, the edits only listed (a version-1 export).
    #[serde(default)]
    pub visible_values: bool,
    /// What reading the document noticed, on fields (a date whose text and picker disagree).
    #[serde(default)]
    pub notes: Vec<Note>,
    /// Validation of the draft, plus one warning per edit and per field that had control
    /// characters removed. Not saved: recomputed when a desk is loaded.
    #[serde(skip)]
    pub findings: Vec<Finding>,
}

impl Submission {
    pub fn errors(&self) -> usize {
        self.findings.iter().filter(|f| f.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.findings.len() - self.errors()
    }

    /// The source's file name, for tables.
    pub fn file_name(&self) -> String {
        file_name(&self.source)
    }

    /// Validates the draft on `today` (see [`Submission::findings`]).
    pub fn validate(&mut self, defs: &crate::Definitions, today: chrono::NaiveDate) {
        let Some(form) = defs.form(&self.draft.list) else {
            self.findings.clear();
            return;
        };
        let cleaned = self.draft.strip_control_chars();
        let mut findings = crate::rules::cleaning_findings(form, &cleaned);
        let counted = if self.visible_values {
            "导出后改动过，以文档中显示的为准"
        } else {
            "导出后在 Word 中改动过？以内嵌草稿为准"
        };
        findings.extend(self.edits.iter().map(|e| Finding {
            field: e.field.clone(),
            severity: crate::Severity::Warning,
            message: format!("{}（{counted}）", e.describe()),
            condition: None,
        }));
        findings.extend(self.notes.iter().map(|n| Finding {
            field: n.field.clone(),
            severity: crate::Severity::Warning,
            message: n.message.clone(),
            condition: None,
        }));
        findings.extend(crate::rules::validate(defs, form, &self.draft, today));
        self.findings = findings;
    }
}

/// What went wrong with (or needs a look at) one file. Never fatal to the scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ProblemKind {
    /// Missing, no permission, not a zip, damaged, bad JSON: the file was not taken in.
    Unreadable,
    /// Over the size limit ([`crate::docx::import::MAX_DOCX_BYTES`] for .docx,
    /// [`crate::draft::MAX_DRAFT_BYTES`] for .json): not read.
    TooLarge,
    /// A .docx without our embedded draft, or a .json of another format: not taken in.
    NotOurs,
    /// A draft of a newer format version than this program reads: not taken in.
    NewerVersion,
    /// A draft of a list the loaded definitions do not have: not taken in.
    UnknownList,
    /// Taken in, but the visible text was edited in Word after export.
    EditedAfterExport,
    /// The same content as a file taken in before: counted once.
    DuplicateFile { first: PathBuf },
}

/// One file's problem, with a message for people naming the file and saying what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileProblem {
    pub path: PathBuf,
    #[serde(flatten)]
    pub kind: ProblemKind,
    pub message: String,
}

impl FileProblem {
    /// Whether the file was left out (everything but an edit after export).
    pub fn left_out(&self) -> bool {
        !matches!(self.kind, ProblemKind::EditedAfterExport)
    }
}

impl std::fmt::Display for FileProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// A [`Draft`] inside the desk file: the draft JSON of forms.md §10, unknown keys kept.
mod draft_json {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::draft::Draft;

    pub fn serialize<S: Serializer>(draft: &Draft, s: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(draft, s)
    }

    /// From the draft's own text, so that numbers keep the form they were written in.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Draft, D::Error> {
        let raw = Box::<serde_json::value::RawValue>::deserialize(d)?;
        Draft::from_slice(raw.get().as_bytes()).map_err(serde::de::Error::custom)
    }
}
