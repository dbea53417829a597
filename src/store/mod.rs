//! The local draft store (product.md §3): one draft JSON file per application in the platform
//! data folder, written atomically, with a cached index that is always rebuildable from the
//! files — the files are the truth.
//!
//! A file that cannot be read is never overwritten or deleted: it is listed as damaged with the
//! reason and can be moved aside as `.corrupt`; everything else keeps working.

mod adopt;
pub mod autosave;
mod index;

pub use adopt::{Adopted, OPENED_FROM, provenance};

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use chrono::{DateTime, Local, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::draft::{Draft, MAX_DRAFT_BYTES};
use crate::files::{self, FileError, write_atomic, write_private};
use crate::schema::{Definitions, Kind};

/// Environment variable that points the store at another data folder (tests, portable use).
pub const DATA_DIR_ENV: &str = "KCZG_FORM_DATA_DIR";

/// Why a store operation failed, for people.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "无法创建或打开草稿文件夹 {path}：{reason}。请检查磁盘空间和文件夹权限，或用 --data-dir 指定其他位置"
    )]
    Folder { path: PathBuf, reason: String },
    #[error("无法保存 {path}：{reason}")]
    Write { path: PathBuf, reason: String },
    /// Reading or writing failed (the message names the file).
    #[error("{0}")]
    File(#[from] FileError),
    #[error("草稿 {path} 已损坏，无法打开：{reason}。文件保持原样，可将其移到一旁（.corrupt）")]
    Damaged { path: PathBuf, reason: String },
    #[error("找不到草稿「{0}」")]
    NotFound(String),
    /// A file given to [`Store::import_file`] that is not a draft.
    #[error(
        "{path} 不是可以导入的申报草稿：{reason}。导出的申报表（.docx）请用 import 命令取回草稿后再导入"
    )]
    NotADraft { path: PathBuf, reason: String },
}

/// One line of the draft list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub id: String,
    /// The name given by the person, else the application's name, else 「未命名草稿」.
    pub name: String,
    pub list: String,
    pub list_name: String,
    pub domain_name: Option<String>,
    /// When the file was last written, local time, `YYYY-MM-DD HH:MM`.
    pub saved: String,
    pub errors: usize,
    /// Of the errors, the required fields still empty (「待填」).
    #[serde(default)]
    pub missing: usize,
    pub warnings: usize,
}

/// A file in the drafts folder as listed: a readable draft, a damaged one with the reason, or a
/// file the store does not use, with the reason (nothing there is passed over in silence).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Entry {
    Ok(Summary),
    Damaged {
        id: String,
        file: String,
        reason: String,
    },
    /// Not a draft of the store by its name or type (`UPPER.JSON`, a folder, a `.corrupt` copy
    /// moved aside …); left alone.
    Unusable {
        file: String,
        reason: String,
    },
}

/// A draft opened for editing, with what no longer fits the current definitions.
#[derive(Debug, Clone)]
pub struct Opened {
    pub draft: Draft,
    /// Values kept but not usable as they are (unknown fields, options that are gone …).
    pub misfits: Vec<String>,
}

/// The draft folder and its trash.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
    drafts: PathBuf,
    trash: PathBuf,
}

impl Store {
    /// The store in `dir`, else in `$KCZG_FORM_DATA_DIR`, else in the platform data folder
    /// (`~/.local/share/kczg-form` on Linux, `%APPDATA%\kczg\kczg-form\data` on Windows).
    pub fn open(dir: Option<&Path>) -> Result<Store, StoreError> {
        Store::at(&Store::root_for(dir)?)
    }

    /// The folder [`Store::open`] would use, without creating or tidying anything.
    pub fn root_for(dir: Option<&Path>) -> Result<PathBuf, StoreError> {
        Ok(match dir {
            Some(d) => d.to_path_buf(),
            None => match std::env::var_os(DATA_DIR_ENV) {
                Some(d) => PathBuf::from(d),
                None => directories::ProjectDirs::from("cn", "kczg", "kczg-form")
                    .map(|p| p.data_dir().to_path_buf())
                    .ok_or_else(|| StoreError::Folder {
                        path: PathBuf::from("~"),
                        reason: "找不到用户的主文件夹".into(),
                    })?,
            },
        })
    }

    /// The store under `root` (`root/drafts`, `root/trash`), created if missing.
    pub fn at(root: &Path) -> Result<Store, StoreError> {
        let store = Store {
            root: root.to_path_buf(),
            drafts: root.join("drafts"),
            trash: root.join("trash"),
        };
        for dir in [&store.drafts, &store.trash] {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Folder {
                path: dir.clone(),
                reason: files::reason(&e, files::Doing::Writing).to_owned(),
            })?;
        }
        store.remove_stale_temps();
        Ok(store)
    }

    /// The cached list (see [`index`]); never inside the drafts folder.
    fn index_path(&self) -> PathBuf {
        self.root.join("index.json")
    }

    /// The data folder holding `drafts/`, `trash/` and the desk of 秘书处汇总.
    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn drafts_dir(&self) -> &Path {
        &self.drafts
    }

    pub fn trash_dir(&self) -> &Path {
        &self.trash
    }

    pub fn path_of(&self, id: &str) -> PathBuf {
        self.drafts.join(format!("{id}.json"))
    }

    /// Every draft file, newest first, with name, list, last saved and finding counts.
    /// Cheap for hundreds of drafts: summaries are cached by file size and time.
    pub fn list(&self, defs: &Definitions, today: NaiveDate) -> Vec<Entry> {
        index::list(self, defs, today)
    }

    /// Reads a draft for editing. Damaged files are reported, never touched.
    pub fn load(&self, defs: &Definitions, id: &str) -> Result<Opened, StoreError> {
        let draft = read_draft_file(&self.existing(id)?)?;
        let misfits = misfits(defs, &draft);
        Ok(Opened { draft, misfits })
    }

    /// Saves a new draft under a fresh id; returns the id.
    pub fn create(&self, draft: &Draft) -> Result<String, StoreError> {
        let id = self.fresh_id();
        self.save(&id, draft)?;
        Ok(id)
    }

    /// Saves a draft atomically, stamping `meta.updated` (and `meta.created` the first time).
    /// Returns false when the file already held exactly this content and was left alone.
    pub fn save(&self, id: &str, draft: &Draft) -> Result<bool, StoreError> {
        if !valid_id(id) {
            return Err(StoreError::NotFound(id.to_owned()));
        }
        let path = self.path_of(id);
        // The file on disk, read once: never overwritten when it cannot be read (it may be
        // someone's only copy), not rewritten when it already holds this content.
        let mut created = None;
        if path.exists() {
            match read_draft_file(&path) {
                Err(StoreError::Damaged { reason, .. }) => {
                    return Err(StoreError::Write {
                        path,
                        reason: format!(
                            "磁盘上的同名文件无法读取（{reason}），为免覆盖未作保存；请先将其移到一旁"
                        ),
                    });
                }
                Ok(old) if same_content(&old, draft) => return Ok(false),
                Ok(old) => created = old.meta.get("created").cloned(),
                _ => {}
            }
        }
        let mut draft = draft.clone();
        let now = Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
        // Created once: kept from the file on disk when the draft in hand has none (a new
        // form still open), never stamped again.
        if let Some(created) = created.filter(|_| !draft.meta.contains_key("created")) {
            draft.meta.insert("created".into(), created);
        }
        draft
            .meta
            .entry("created")
            .or_insert_with(|| now.clone().into());
        draft.meta.insert("updated".into(), now.into());
        let json = draft.to_file_json();
        if json.len() > MAX_DRAFT_BYTES {
            return Err(StoreError::Write {
                path,
                reason: format!(
                    "草稿内容过多（超过 {}），保存后将无法再打开，因此未保存。请删减过长的内容（如粘贴进来的大段文字）",
                    files::size_text(MAX_DRAFT_BYTES as u64)
                ),
            });
        }
        write_private(&path, json.as_bytes())?;
        Ok(true)
    }

    /// Gives a draft a name of the person's choosing (kept in `meta.name`).
    pub fn rename(&self, id: &str, name: &str) -> Result<(), StoreError> {
        let mut draft = read_draft_file(&self.existing(id)?)?;
        draft.meta.insert("name".into(), name.trim().into());
        self.save(id, &draft).map(|_| ())
    }

    /// A copy of a draft under a new id (e.g. a second application of the same organisation),
    /// with its attachments. Told apart in the list: 「…（副本）」, a given name for good, a name
    /// taken from the form until the copy's own is changed.
    pub fn duplicate(&self, defs: &Definitions, id: &str) -> Result<String, StoreError> {
        let mut draft = read_draft_file(&self.existing(id)?)?;
        let base = draft
            .meta
            .get("name")
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
            .map(str::to_owned);
        draft.meta.remove("created");
        match base {
            Some(base) => {
                draft
                    .meta
                    .insert("name".into(), format!("{base}（副本）").into());
            }
            None => {
                let name = derived_name(defs, &draft);
                draft.meta.insert(COPY_OF.into(), name.into());
            }
        }
        let copy = self.create(&draft)?;
        let from = self.attachments_dir(id);
        if from.is_dir() {
            copy_folder(&from, &self.attachments_dir(&copy))?;
        }
        Ok(copy)
    }

    /// Moves a draft and its attachments to the trash, from where [`Store::restore`] brings
    /// them back.
    pub fn delete(&self, id: &str) -> Result<(), StoreError> {
        let from = self.existing(id)?;
        let trashed = self.trash.join(format!("{id}.json"));
        // The draft first; if its files cannot follow, it comes back: never a draft listed
        // with its files in the trash.
        rename(&from, &trashed)?;
        let attachments = self.attachments_dir(id);
        if attachments.is_dir() {
            let to = self.trashed_attachments_dir(id);
            let moved = (|| {
                if let Some(parent) = to.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| FileError::io(parent, files::Doing::Writing, &e))?;
                }
                // An older folder of the same id left in the trash goes first, for good.
                if to.exists() {
                    let _ = std::fs::remove_dir_all(&to);
                }
                rename(&attachments, &to)
            })();
            if let Err(e) = moved {
                let _ = rename(&trashed, &from);
                return Err(e);
            }
        }
        Ok(())
    }

    /// `attachments/<id>/` in the data folder: the files sent with the draft's form.
    pub fn attachments_dir(&self, id: &str) -> PathBuf {
        self.root.join("attachments").join(id)
    }

    /// The attachments of a draft, checked and copied in (see [`crate::attachments`]).
    pub fn attachments(&self, id: &str) -> crate::attachments::Folder {
        crate::attachments::Folder::new(self.attachments_dir(id))
    }

    fn trashed_attachments_dir(&self, id: &str) -> PathBuf {
        self.trash.join("attachments").join(id)
    }

    /// Drafts in the trash, by id.
    pub fn trashed(&self) -> Vec<String> {
        ids_in(&self.trash)
    }

    /// The drafts in the trash as they are listed (most recently deleted first); those that
    /// cannot be read are left out (they stay in the trash).
    pub fn trash_list(&self, defs: &Definitions, today: NaiveDate) -> Vec<Summary> {
        let mut out: Vec<(SystemTime, Summary)> = self
            .trashed()
            .into_iter()
            .filter_map(|id| {
                let path = self.trash.join(format!("{id}.json"));
                let draft = read_draft_file(&path).ok()?;
                // Deleting renames the file, which keeps its time: listed by when last saved.
                let when = std::fs::metadata(&path)
                    .and_then(|m| m.modified())
                    .unwrap_or(SystemTime::UNIX_EPOCH);
                Some((when, summarise(defs, &id, &draft, when, today)))
            })
            .collect();
        out.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| b.1.id.cmp(&a.1.id)));
        out.into_iter().map(|(_, s)| s).collect()
    }

    /// Brings a draft and its attachments back from the trash; returns its id (a new one
    /// when a draft of the same id has been made since).
    pub fn restore(&self, id: &str) -> Result<String, StoreError> {
        let from = self.trash.join(format!("{id}.json"));
        if !valid_id(id) || !from.is_file() {
            return Err(StoreError::NotFound(id.to_owned()));
        }
        let taken = self.path_of(id).exists() || self.attachments_dir(id).exists();
        let new = if taken {
            self.fresh_id()
        } else {
            id.to_owned()
        };
        let back = self.path_of(&new);
        rename(&from, &back)?;
        let attachments = self.trashed_attachments_dir(id);
        if attachments.is_dir() {
            let to = self.attachments_dir(&new);
            let moved = (|| {
                if let Some(parent) = to.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| FileError::io(parent, files::Doing::Writing, &e))?;
                }
                rename(&attachments, &to)
            })();
            if let Err(e) = moved {
                // Back into the trash with its files: restored together or not at all.
                let _ = rename(&back, &from);
                return Err(e);
            }
        }
        Ok(new)
    }

    /// Deletes everything in the trash for good; returns how many drafts went.
    pub fn empty_trash(&self) -> Result<usize, StoreError> {
        let ids = self.trashed();
        for id in &ids {
            let path = self.trash.join(format!("{id}.json"));
            std::fs::remove_file(&path)
                .map_err(|e| FileError::io(&path, files::Doing::Writing, &e))?;
            let attachments = self.trashed_attachments_dir(id);
            if attachments.is_dir() {
                std::fs::remove_dir_all(&attachments)
                    .map_err(|e| FileError::io(&attachments, files::Doing::Writing, &e))?;
            }
        }
        Ok(ids.len())
    }

    /// Brings a draft file from elsewhere into the store under a new id.
    pub fn import_file(&self, path: &Path) -> Result<String, StoreError> {
        let draft = read_draft_file(path).map_err(|e| match e {
            StoreError::Damaged { path, reason } => StoreError::NotADraft { path, reason },
            e => e,
        })?;
        self.create(&draft)
    }

    /// Writes a copy of a draft to a path of the person's choosing.
    pub fn save_copy(&self, id: &str, to: &Path) -> Result<(), StoreError> {
        let draft = read_draft_file(&self.existing(id)?)?;
        Ok(write_atomic(to, draft.to_file_json().as_bytes())?)
    }

    /// Renames a damaged file to `<id>.json.corrupt` so the list is clean; nothing is deleted.
    pub fn move_aside(&self, id: &str) -> Result<PathBuf, StoreError> {
        let from = self.existing(id)?;
        let mut to = from.with_extension("json.corrupt");
        let mut n = 1;
        while to.exists() {
            to = from.with_extension(format!("json.corrupt{n}"));
            n += 1;
        }
        rename(&from, &to)?;
        Ok(to)
    }

    fn existing(&self, id: &str) -> Result<PathBuf, StoreError> {
        let path = self.path_of(id);
        if !valid_id(id) {
            return Err(StoreError::NotFound(id.to_owned()));
        }
        match std::fs::metadata(&path) {
            Ok(meta) => match files::not_a_file(&meta) {
                None => Ok(path),
                Some(what) => Err(StoreError::Damaged {
                    path,
                    reason: format!("{what}，不是普通文件"),
                }),
            },
            Err(_) => Err(StoreError::NotFound(id.to_owned())),
        }
    }

    /// An id for a draft that is not written yet (the GUI saves a new form on its first edit):
    /// down to the millisecond, so two new forms opened one after the other do not share it.
    pub fn new_id(&self) -> String {
        self.free_id(Local::now().format("%Y%m%d-%H%M%S%3f").to_string())
    }

    /// A new id: the time, then a counter until the name is free. Never reuses an existing file.
    fn fresh_id(&self) -> String {
        self.free_id(Local::now().format("%Y%m%d-%H%M%S").to_string())
    }

    fn free_id(&self, stamp: String) -> String {
        (1..)
            .map(|n| format!("{stamp}-{n:02}"))
            .find(|id| {
                !self.path_of(id).exists() && !self.trash.join(format!("{id}.json")).exists()
            })
            .unwrap_or(stamp)
    }

    /// Temporary files of our own writer left by a crash mid-write: the target was never
    /// replaced, so they are only partial copies. Nothing else is ever removed.
    fn remove_stale_temps(&self) {
        let folders = [&self.drafts, &self.trash, &self.root];
        for entry in folders
            .iter()
            .filter_map(|d| std::fs::read_dir(d).ok())
            .flat_map(|entries| entries.flatten())
        {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .is_some_and(|age| age.as_secs() > 60);
            let ours = files::is_temp_name(&name) && entry.file_type().is_ok_and(|t| t.is_file());
            if ours && old {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

const UNNAMED: &str = "未命名草稿";

/// `meta` of a copy of a draft without a given name: the name it was copied under.
const COPY_OF: &str = "copy_of_name";

/// The name a draft is listed by when it has none given: the application's name from the
/// form, else 「未命名草稿」.
fn derived_name(defs: &Definitions, draft: &Draft) -> String {
    defs.form(&draft.list)
        .map(|f| crate::naming::application_name(f, draft))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| UNNAMED.to_owned())
}

/// Copies the files of a folder (not its subfolders: an attachment folder has none) into a
/// new one, each written atomically.
fn copy_folder(from: &Path, to: &Path) -> Result<(), StoreError> {
    std::fs::create_dir_all(to).map_err(|e| FileError::io(to, files::Doing::Writing, &e))?;
    for entry in std::fs::read_dir(from)
        .map_err(|e| FileError::io(from, files::Doing::Reading, &e))?
        .flatten()
    {
        let path = entry.path();
        if !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        let bytes = files::read_bounded(&path, crate::limits::ATTACHMENT_BYTES)?;
        write_private(&to.join(entry.file_name()), &bytes)?;
    }
    Ok(())
}

/// Draft ids are names, never paths: a file stem of printable characters with no separator,
/// drive, leading dot or `..`.
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 200
        && !id.starts_with('.')
        && !id.contains(['/', '\\', ':'])
        && !id.contains("..")
        && !id.chars().any(char::is_control)
}

/// The ids of the draft files (`<id>.json`, regular files) in a folder, sorted.
fn ids_in(dir: &Path) -> Vec<String> {
    let mut ids: Vec<String> = scan_dir(dir)
        .into_iter()
        .filter_map(|f| match f {
            Found::Draft(id) => Some(id),
            Found::Other { .. } => None,
        })
        .collect();
    ids.sort();
    ids
}

/// A file in a store folder.
enum Found {
    Draft(String),
    /// Not one of ours to open: its name as shown and why.
    Other {
        file: String,
        reason: String,
    },
}

/// Every entry of a store folder, except our own temporary files (being written right now).
fn scan_dir(dir: &Path) -> Vec<Found> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        let shown = path.display().to_string();
        let Ok(name) = entry.file_name().into_string() else {
            found.push(Found::Other {
                file: shown,
                reason: "文件名含有无法识别的字符，程序不会打开它；如是草稿，请改用常规文字命名"
                    .into(),
            });
            continue;
        };
        if files::is_temp_name(&name) {
            continue;
        }
        let id = name.strip_suffix(".json");
        let reason = match id {
            Some(id) if valid_id(id) => match std::fs::metadata(&path) {
                Ok(meta) => match files::not_a_file(&meta) {
                    None => {
                        found.push(Found::Draft(id.to_owned()));
                        continue;
                    }
                    Some(what) => format!("{what}，不是草稿文件，已跳过"),
                },
                Err(e) => files::reason(&e, files::Doing::Reading).to_owned(),
            },
            Some(_) => "文件名不能作为草稿编号（以点开头或含有特殊字符），已跳过".into(),
            None if name.contains(".json.corrupt") => {
                "已移到一旁的损坏草稿，程序不再打开它；确认无用后可删除".into()
            }
            None if name.to_lowercase().ends_with(".json") => format!(
                "扩展名不是小写的 .json，程序不会打开它；如是草稿，请改名为「{}.json」",
                &name[..name.len() - 5]
            ),
            None => "不是草稿文件（草稿的文件名为「编号.json」），已跳过".into(),
        };
        found.push(Found::Other {
            file: shown,
            reason,
        });
    }
    found
}

/// The files of the drafts folder the store does not use, with the reason.
fn unusable_in(dir: &Path) -> Vec<Entry> {
    let mut out: Vec<Entry> = scan_dir(dir)
        .into_iter()
        .filter_map(|f| match f {
            Found::Other { file, reason } => Some(Entry::Unusable { file, reason }),
            Found::Draft(_) => None,
        })
        .collect();
    out.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    out
}

fn rename(from: &Path, to: &Path) -> Result<(), StoreError> {
    std::fs::rename(from, to).map_err(|e| FileError::io(from, files::Doing::Writing, &e).into())
}

/// Reads and parses a draft file, telling a damaged file from one that cannot be reached.
/// Type and size are checked before anything is read: a FIFO or a link to `/dev/zero` is
/// refused at once.
pub fn read_draft_file(path: &Path) -> Result<Draft, StoreError> {
    let bytes = match files::read_bounded(path, MAX_DRAFT_BYTES as u64) {
        Ok(bytes) => bytes,
        Err(e @ (FileError::TooLarge { .. } | FileError::NotAFile { .. })) => {
            return Err(StoreError::Damaged {
                path: path.to_path_buf(),
                reason: e.reason(),
            });
        }
        Err(e) => return Err(e.into()),
    };
    Draft::from_slice(&bytes).map_err(|e| StoreError::Damaged {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// Whether two drafts hold the same content, apart from the save time.
fn same_content(a: &Draft, b: &Draft) -> bool {
    let strip = |d: &Draft| {
        let mut d = d.clone();
        d.meta.remove("updated");
        d.meta.remove("created");
        d
    };
    strip(a) == strip(b)
}

/// What in a draft the current definitions cannot use: every value is kept regardless.
pub fn misfits(defs: &Definitions, draft: &Draft) -> Vec<String> {
    let mut out = Vec::new();
    if draft.call != defs.call.year.to_string() {
        out.push(format!(
            "此草稿按 {} 年征集填写，当前为 {} 年征集",
            draft.call, defs.call.year
        ));
    }
    let Some(form) = defs.form(&draft.list) else {
        out.push(format!("榜单「{}」在当前表单定义中不存在", draft.list));
        return out;
    };
    if let Some(d) = &draft.domain
        && form.domain(d).is_none()
    {
        out.push(format!("领域「{d}」在当前表单定义中不存在"));
    }
    out.extend(
        crate::intake::unknown_fields(form, draft)
            .into_iter()
            .map(|f| f.message),
    );
    for (key, value) in &draft.values {
        let Some(field) = form.field(key) else {
            continue;
        };
        let gone = |v: &str| field.option(v).is_none();
        match (field.kind, value) {
            (Kind::Choice, Value::String(v)) if gone(v) => {
                out.push(format!(
                    "「{}」的选项「{v}」已不在可选范围内（值已保留）",
                    field.label
                ));
            }
            (Kind::Multichoice, Value::Array(items)) => {
                for v in items.iter().filter_map(Value::as_str).filter(|v| gone(v)) {
                    out.push(format!(
                        "「{}」的选项「{v}」已不在可选范围内（值已保留）",
                        field.label
                    ));
                }
            }
            _ => {}
        }
    }
    out
}

/// The summary line of a readable draft.
fn summarise(
    defs: &Definitions,
    id: &str,
    draft: &Draft,
    saved: SystemTime,
    today: NaiveDate,
) -> Summary {
    let form = defs.form(&draft.list);
    // Counted as the form page counts them: the cleaning it will say, then the rules.
    let (errors, missing, warnings) = match form {
        Some(form) => {
            let mut cleaned = None;
            let said = if draft.has_control_chars() {
                let mut copy = draft.clone();
                let notes = crate::intake::clean(form, &mut copy);
                cleaned = Some(copy);
                notes.iter().map(crate::intake::note_finding).collect()
            } else {
                Vec::new()
            };
            let draft = cleaned.as_ref().unwrap_or(draft);
            let report = crate::intake::check_draft(defs, form, draft, said, today);
            let missing = report.findings.iter().filter(|f| f.missing).count();
            (report.errors, missing, report.warnings)
        }
        None => (1, 0, 0),
    };
    let given = draft
        .meta
        .get("name")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty());
    let named = form
        .map(|f| crate::naming::application_name(f, draft))
        .filter(|s| !s.is_empty());
    let name = given
        .map(str::to_owned)
        .or(named)
        .unwrap_or_else(|| UNNAMED.to_owned());
    // A copy keeps 「（副本）」 until its own name is given or changed.
    let copied =
        given.is_none() && draft.meta.get(COPY_OF).and_then(Value::as_str) == Some(name.as_str());
    let name = if copied {
        format!("{name}（副本）")
    } else {
        name
    };
    // Opened from a file: told apart from the draft it was exported from.
    let name = match provenance(draft) {
        Some(from) => format!("{name}（{from}）"),
        None => name,
    };
    Summary {
        id: id.to_owned(),
        name,
        list: draft.list.clone(),
        list_name: form.map_or_else(|| draft.list.clone(), |f| f.name.clone()),
        domain_name: form
            .and_then(|f| crate::naming::domain_name(f, draft))
            .map(str::to_owned),
        saved: DateTime::<Local>::from(saved)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        errors,
        missing,
        warnings,
    }
}
