//! The desk's state, saved as JSON like a draft (`format` `kczg-form/desk`, `version` 1) so a
//! clerk can close the program and go on tomorrow: the submissions imported (with their drafts,
//! so the source files may move), the file problems, the decisions and the previous-winners list.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::checks::PreviousWinners;
use super::scan::duplicate_file;
use super::{Batch, FileProblem, Submission};
use crate::Definitions;

pub const DESK_FORMAT: &str = "kczg-form/desk";
pub const DESK_VERSION: u64 = 1;
/// A desk file larger than this is refused: 1,000 typical submissions take about 15 MB.
pub const MAX_DESK_BYTES: u64 = crate::limits::DESK_BYTES;

/// What an import added to the desk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Added {
    /// Submissions new to the desk.
    pub new: usize,
    /// Submissions already on the desk from the same file (the folder imported again).
    pub again: usize,
}

/// What the secretariat decided about one submission.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Decision {
    /// 推荐 (yes / no).
    pub recommend: bool,
    /// 排序: the place among the recommended of its list, 1 first.
    pub rank: Option<u32>,
    /// 备注.
    pub note: String,
    /// 推荐单位意见 block: rec_opinion, rec_org (empty: the call's recommender), rec_date
    /// (YYYY-MM-DD, empty: none).
    pub rec_opinion: String,
    pub rec_org: String,
    pub rec_date: String,
}

/// The secretariat's state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Desk {
    pub format: String,
    pub version: u64,
    pub submissions: Vec<Submission>,
    #[serde(default)]
    pub problems: Vec<FileProblem>,
    /// By submission id.
    #[serde(default)]
    pub decisions: BTreeMap<String, Decision>,
    #[serde(default)]
    pub previous: Option<PreviousWinners>,
    /// The 推荐单位, set once on the desk: it signs the printed summary and fills 推荐单位 in
    /// a re-export whose own is empty. None: the call's recommender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommender: Option<String>,
    /// created / updated timestamps and anything else a tool put there.
    #[serde(default)]
    pub meta: Map<String, Value>,
}

impl Default for Desk {
    fn default() -> Desk {
        Desk {
            format: DESK_FORMAT.into(),
            version: DESK_VERSION,
            submissions: Vec::new(),
            problems: Vec::new(),
            decisions: BTreeMap::new(),
            previous: None,
            recommender: None,
            meta: Map::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// Reading failed, or the file is not a regular file or too large (the message names it).
    #[error("汇总进度：{0}")]
    File(#[from] crate::files::FileError),
    #[error(
        "{file}：不是本程序保存的汇总进度文件（{reason}）。请选择“保存汇总进度”时写出的 .json 文件"
    )]
    NotDesk { file: String, reason: String },
    #[error(
        "{file}：汇总进度的格式版本为 {version}，本程序只能读取版本 {DESK_VERSION} 及以前的。请升级本程序后再打开"
    )]
    NewerVersion { file: String, version: u64 },
    #[error("无法保存汇总进度到 {}：{}", .0.path().display(), .0.reason())]
    Write(crate::files::FileError),
    /// The desk's database could not be opened, read or written.
    #[error("汇总进度 {file}：{doing}失败，{reason}")]
    Store {
        file: String,
        doing: String,
        reason: String,
    },
}

impl Desk {
    /// A desk holding what one scan found.
    pub fn from_batch(batch: Batch) -> Desk {
        let mut desk = Desk::default();
        desk.add(batch);
        desk
    }

    /// Adds a scan's submissions and problems. A submission already on the desk from the same
    /// file (the same folder imported again) is counted in [`Added::again`], not said; one
    /// from another file with the same content is a duplicate notice. Notices already on the
    /// desk are not repeated.
    pub fn add(&mut self, batch: Batch) -> Added {
        let mut added = Added::default();
        let known: std::collections::HashSet<(PathBuf, String)> = self
            .problems
            .iter()
            .map(|p| (p.path.clone(), p.message.clone()))
            .collect();
        let ids: std::collections::HashMap<String, usize> = self
            .submissions
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        // A notice already on the desk (the same folder imported again) is said once.
        let mut seen = known;
        let problems: Vec<FileProblem> = batch
            .problems
            .into_iter()
            .filter(|p| seen.insert((p.path.clone(), p.message.clone())))
            .collect();
        self.problems.extend(problems);
        for s in batch.submissions {
            if let Some(&i) = ids.get(&s.id) {
                let first = &self.submissions[i];
                if first.source == s.source {
                    added.again += 1;
                } else {
                    self.problems.push(duplicate_file(&s.source, &first.source));
                }
                continue;
            }
            added.new += 1;
            self.submissions.push(s);
        }
        added
    }

    /// The 推荐单位 in force: the desk's, else the call's.
    pub fn recommender<'a>(&'a self, defs: &'a Definitions) -> &'a str {
        self.recommender
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .unwrap_or(&defs.call.recommender)
    }

    /// The decision on a submission (the default when none was made).
    pub fn decision(&self, id: &str) -> Decision {
        self.decisions.get(id).cloned().unwrap_or_default()
    }

    pub fn decide(&mut self, id: &str, decision: Decision) {
        if decision == Decision::default() {
            self.decisions.remove(id);
        } else {
            self.decisions.insert(id.to_owned(), decision);
        }
    }

    /// Validates every submission again (after loading, or with other definitions).
    pub fn revalidate(&mut self, defs: &Definitions, today: NaiveDate) {
        use rayon::prelude::*;
        self.submissions
            .par_iter_mut()
            .for_each(|s| s.validate(defs, today));
    }

    /// The desk as pretty JSON.
    pub fn to_json(&self) -> String {
        let mut desk = self.clone();
        desk.format = DESK_FORMAT.into();
        desk.version = DESK_VERSION;
        serde_json::to_string_pretty(&desk).unwrap_or_default() + "\n"
    }

    /// Saves atomically (a crash leaves the old file or the new one), stamping `meta.updated`.
    pub fn save(&mut self, path: &Path) -> Result<(), DeskError> {
        let now = chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
        self.meta
            .entry("created")
            .or_insert_with(|| Value::String(now.clone()));
        self.meta.insert("updated".into(), Value::String(now));
        crate::files::write_private(path, self.to_json().as_bytes()).map_err(DeskError::Write)
    }

    /// Loads a saved desk and validates its submissions on today's date.
    pub fn load(path: &Path, defs: &Definitions) -> Result<Desk, DeskError> {
        Desk::load_on(path, defs, chrono::Local::now().date_naive())
    }

    pub fn load_on(path: &Path, defs: &Definitions, today: NaiveDate) -> Result<Desk, DeskError> {
        let file = path.display().to_string();
        let bytes = crate::files::read_bounded(path, MAX_DESK_BYTES)?;
        let mut desk = Desk::from_slice(&bytes).map_err(|e| match e {
            DeskError::NotDesk { reason, .. } => DeskError::NotDesk {
                file: file.clone(),
                reason,
            },
            DeskError::NewerVersion { version, .. } => DeskError::NewerVersion {
                file: file.clone(),
                version,
            },
            other => other,
        })?;
        desk.revalidate(defs, today);
        Ok(desk)
    }

    /// Parses a desk (not yet validated: see [`Desk::revalidate`]). Another format or a newer
    /// version is refused before the rest is read.
    pub fn from_slice(bytes: &[u8]) -> Result<Desk, DeskError> {
        let not_desk = |reason: String| DeskError::NotDesk {
            file: String::new(),
            reason,
        };
        /// The keys that say what the file is, read before the rest.
        #[derive(Deserialize)]
        struct Header {
            format: Option<Value>,
            version: Option<Value>,
        }
        let value: Header = serde_json::from_slice(bytes)
            .map_err(|e| not_desk(format!("JSON 有误（第 {} 行）", e.line())))?;
        match value.format.as_ref().and_then(Value::as_str) {
            Some(DESK_FORMAT) => {}
            Some(other) => return Err(not_desk(format!("format 为「{other}」"))),
            None => return Err(not_desk("缺少 format".into())),
        }
        match value.version.as_ref().and_then(Value::as_u64) {
            Some(v) if v > DESK_VERSION => {
                return Err(DeskError::NewerVersion {
                    file: String::new(),
                    version: v,
                });
            }
            Some(1..) => {}
            _ => return Err(not_desk("version 应为正整数".into())),
        }
        // Straight from the bytes, so that each draft keeps its numbers as written.
        serde_json::from_slice(bytes).map_err(|_| not_desk("内容不符合汇总进度的格式".into()))
    }
}
