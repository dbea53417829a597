//! The list of drafts, cached in `index.json` beside the drafts folder. The cache only saves
//! work: an entry is reused while its file's size and modification time are unchanged and the
//! definitions and the day are the same; otherwise the file is read again. A missing or broken
//! index is simply rebuilt.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Entry, Store, ids_in, read_draft_file, summarise, unusable_in};
use crate::files::write_private;
use crate::schema::Definitions;

// 2: summaries count the required fields still empty (`missing`).
const INDEX_FORMAT: &str = "kczg-form/index-2";
/// A larger index is not ours (one entry is about 400 bytes): it is rebuilt from the files.
const MAX_INDEX_BYTES: u64 = 32 * 1024 * 1024;

#[derive(Debug, Serialize, Deserialize)]
struct IndexFile {
    format: String,
    /// Definitions and day the counts were computed with.
    key: String,
    entries: BTreeMap<String, Cached>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Cached {
    modified_ns: u64,
    len: u64,
    entry: Entry,
}

pub(super) fn list(store: &Store, defs: &Definitions, today: NaiveDate) -> Vec<Entry> {
    let path = store.index_path();
    let key = format!("{:016x}:{today}", defs.fingerprint);
    let old: Option<IndexFile> = crate::files::read_bounded(&path, MAX_INDEX_BYTES)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .filter(|i: &IndexFile| i.format == INDEX_FORMAT && i.key == key);
    let old_entries = old.map(|i| i.entries).unwrap_or_default();
    let mut entries = BTreeMap::new();
    let mut changed = false;
    for id in ids_in(store.drafts_dir()) {
        let file = store.path_of(&id);
        let Ok(meta) = std::fs::metadata(&file) else {
            continue;
        };
        let modified = meta.modified().unwrap_or(UNIX_EPOCH);
        let modified_ns = modified
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let cached = old_entries
            .get(&id)
            .filter(|c| c.modified_ns == modified_ns && c.len == meta.len());
        let cached = match cached {
            Some(c) => c.clone(),
            None => {
                changed = true;
                Cached {
                    modified_ns,
                    len: meta.len(),
                    entry: read_entry(store, defs, &id, modified, today),
                }
            }
        };
        entries.insert(id, cached);
    }
    changed |= entries.len() != old_entries.len();
    let mut list: Vec<(u64, Entry)> = entries
        .values()
        .map(|c| (c.modified_ns, c.entry.clone()))
        .collect();
    if changed {
        let index = IndexFile {
            format: INDEX_FORMAT.into(),
            key,
            entries,
        };
        // The index is only a cache: failing to write it costs time on the next listing, nothing else.
        if let Ok(json) = serde_json::to_vec(&index) {
            let _ = write_private(&path, &json);
        }
    }
    list.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out: Vec<Entry> = list.into_iter().map(|(_, e)| e).collect();
    out.extend(unusable_in(store.drafts_dir()));
    out
}

fn read_entry(
    store: &Store,
    defs: &Definitions,
    id: &str,
    modified: SystemTime,
    today: NaiveDate,
) -> Entry {
    let file = store.path_of(id);
    match read_draft_file(&file) {
        Ok(draft) => Entry::Ok(summarise(defs, id, &draft, modified, today)),
        Err(e) => Entry::Damaged {
            id: id.to_owned(),
            file: file.display().to_string(),
            reason: match e {
                super::StoreError::Damaged { reason, .. } => reason,
                super::StoreError::File(f) => f.reason(),
                other => other.to_string(),
            },
        },
    }
}
