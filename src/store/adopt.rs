//! A file opened by the applicant (an export, a filled template, a package, an e-mail) made a
//! draft of the store: it says where it came from (「…（来自 申报表.docx，2026-12-07）」), keeps
//! its `meta.created`, and its attachments are files that exist — taken out of the package or
//! the e-mail, or copied from the original draft when that is on this machine.

use chrono::NaiveDate;
use serde_json::{Value, json};

use super::{Store, StoreError, ids_in, read_draft_file};
use crate::Draft;
use crate::intake::Submission;
use crate::schema::Definitions;

/// The key of `meta` that says which file a draft was opened from, and when:
/// `{"file": "申报表.docx", "date": "2026-12-07"}`.
pub const OPENED_FROM: &str = "opened_from";

/// 「来自 申报表.docx，2026-12-07」, for a draft opened from a file.
pub fn provenance(draft: &Draft) -> Option<String> {
    let from = draft.meta.get(OPENED_FROM)?;
    let file = from.get("file")?.as_str()?;
    match from.get("date").and_then(Value::as_str) {
        Some(date) => Some(format!("来自 {file}，{date}")),
        None => Some(format!("来自 {file}")),
    }
}

/// What [`Store::adopt`] made.
#[derive(Debug)]
pub struct Adopted {
    pub id: String,
    pub draft: Draft,
    /// Files put in the new draft's attachment folder: (how many from the file opened, how
    /// many from the original draft on this machine).
    pub from_file: usize,
    pub from_original: usize,
    /// The original draft they were copied from, when one was found.
    pub original: Option<String>,
    /// Files that came with it but could not be taken, each with the reason.
    pub refused: Vec<String>,
    /// Files the 附件清单 names that are neither in what was opened nor on this machine.
    pub missing: Vec<String>,
}

/// The files the rows of the 附件清单 name (the file chosen for each, not the row's title).
fn files_named(defs: &Definitions, draft: &Draft) -> Vec<String> {
    let Some(field) = defs
        .form(&draft.list)
        .and_then(|f| f.roles.attachments.clone())
    else {
        return Vec::new();
    };
    draft
        .values
        .get(&field)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|row| row.get(crate::attachments::FILE_KEY)?.as_str())
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect()
}

impl Store {
    /// Makes `submission` (read from the file called `file`, with the file's `bytes`) a new
    /// draft, as described in this module's head. The file itself is never written.
    pub fn adopt(
        &self,
        defs: &Definitions,
        submission: &Submission,
        file: &str,
        bytes: &[u8],
        today: NaiveDate,
    ) -> Result<Adopted, StoreError> {
        let mut draft = submission.draft.clone();
        draft.meta.insert(
            OPENED_FROM.into(),
            json!({"file": file, "date": today.format("%Y-%m-%d").to_string()}),
        );
        let id = self.create(&draft)?;
        let folder = self.attachments(&id);
        let limits = defs.call.attachments;
        let mut adopted = Adopted {
            id: id.clone(),
            draft,
            from_file: 0,
            from_original: 0,
            original: None,
            refused: Vec::new(),
            missing: Vec::new(),
        };
        // What came with the form (a package, an e-mail), as it came.
        for a in &submission.attachments {
            let content = match &a.source {
                Some(other) => crate::files::read_bounded(other, crate::intake::size_limit(other))
                    .ok()
                    .and_then(|b| {
                        crate::intake::extract(
                            a.container.unwrap_or(submission.container),
                            &b,
                            &a.at,
                        )
                    }),
                None => crate::intake::extract(submission.container, bytes, &a.at),
            };
            let Some(content) = content else {
                adopted
                    .refused
                    .push(format!("「{}」无法从文件中取出", a.name));
                continue;
            };
            match folder.put(&a.name, &content, &limits, a.sealed) {
                Ok(_) => adopted.from_file += 1,
                Err(why) => adopted.refused.push(why),
            }
        }
        // Named in the 附件清单 but not here: the original draft's copies, when it is on this
        // machine (the same `meta.created`).
        let named = files_named(defs, &adopted.draft);
        let have = |folder: &crate::attachments::Folder, name: &str| folder.path(name).is_some();
        let wanted: Vec<&String> = named.iter().filter(|n| !have(&folder, n)).collect();
        let original = self.original_of(&adopted.draft, &id);
        if let Some(original) = &original {
            let from = self.attachments(original);
            let mut names: Vec<String> = wanted.iter().map(|n| (*n).clone()).collect();
            // The sealed scan is named by no row.
            if folder.sealed().is_empty() {
                names.extend(from.sealed().into_iter().map(|s| s.name));
            }
            for name in names {
                let Some(path) = from.path(&name) else {
                    continue;
                };
                let sealed = crate::intake::attachment::is_sealed_scan(&name);
                let copied = crate::files::read_bounded(&path, limits.file_bytes())
                    .map_err(|e| e.to_string())
                    .and_then(|b| folder.put(&name, &b, &limits, sealed));
                match copied {
                    Ok(_) => adopted.from_original += 1,
                    Err(why) => adopted.refused.push(why),
                }
            }
            adopted.original = Some(original.clone());
        }
        adopted.missing = named.into_iter().filter(|n| !have(&folder, n)).collect();
        Ok(adopted)
    }

    /// The draft on this machine that `draft` was exported from: the same `meta.created`,
    /// another id; one never opened from a file before one that was (a second opening of the
    /// same export), the newest among equals.
    fn original_of(&self, draft: &Draft, except: &str) -> Option<String> {
        let created = draft.meta.get("created")?.as_str()?;
        let mut found: Vec<(bool, String)> = ids_in(self.drafts_dir())
            .into_iter()
            .rev()
            .filter(|id| id != except)
            .filter_map(|id| {
                let d = read_draft_file(&self.path_of(&id)).ok()?;
                (d.meta.get("created").and_then(Value::as_str) == Some(created))
                    .then(|| (d.meta.contains_key(OPENED_FROM), id))
            })
            .collect();
        found.sort_by_key(|(opened, _)| *opened);
        found.into_iter().next().map(|(_, id)| id)
    }
}
