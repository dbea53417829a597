//! The secretariat's desk (product.md §5) and the `consolidate` command (§6): bulk import of the
//! submissions received, checks across them, the decisions, and the 推荐汇总表.
//!
//! - [`scan`] reads files and folders (recursively, in parallel) into a [`Batch`]: the
//!   [`Submission`]s [`crate::intake`] reads from each file (a form on its own, in an e-mail or
//!   a package; a row 「需人工处理」 for anything else), and a [`FileProblem`] notice for every
//!   file that needs a look (none of them stops the scan).
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
pub(crate) mod print;
mod scan;
pub(crate) mod sheet;
pub mod store;
pub mod summary;
mod xlsx;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use crate::intake::{Container, Edit, Note, Origin, ProblemKind, Submission};

pub use checks::{Duplicate, PreviousError, PreviousHit, PreviousWinners};
pub use desk::{Added, DESK_FORMAT, DESK_VERSION, Decision, Desk, DeskError, MAX_DESK_BYTES};
pub use print::docx as summary_docx;
pub use scan::{Batch, Cancelled, Watch, link_notice, scan, scan_on, scan_watched};
pub use summary::{Row, csv, reexport, rows};
pub use xlsx::{CUT_MARK, SummaryError, Xlsx, xlsx};

/// One file's problem, with a message for people naming the file and saying what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileProblem {
    pub path: PathBuf,
    #[serde(flatten)]
    pub kind: ProblemKind,
    pub message: String,
}

impl FileProblem {
    /// Whether the file's form was left out (a duplicate, a path that is not there, a row
    /// 「需人工处理」); false for an edit after export.
    pub fn left_out(&self) -> bool {
        !matches!(self.kind, ProblemKind::EditedAfterExport)
    }
}

impl std::fmt::Display for FileProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}
