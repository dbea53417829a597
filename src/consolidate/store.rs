//! The desk's state in SQLite (`desk.sqlite` in the data folder, WAL): the submissions with their
//! source files and hashes, the attachments index, the decisions (推荐, 排序, 备注, 推荐单位意见),
//! the file notices and the desk's settings. A decision is one row, written by one statement in
//! its own transaction; nothing rewrites the whole desk. A desk saved as `desk.json` by an
//! earlier version is migrated once ([`DeskStore::open_or_migrate`]); the JSON file is kept,
//! renamed, never deleted.
//!
//! [`DeskWriter`] owns a store on a thread of its own: the window sends it what changed and never
//! waits for the disk.

use std::path::{Path, PathBuf};
use std::sync::mpsc;

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};

use super::checks::PreviousWinners;
use super::{Decision, Desk, DeskError, FileProblem, Submission};
use crate::Definitions;

/// The schema's version, in `PRAGMA user_version`.
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS submissions (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    container TEXT NOT NULL,
    json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS attachments (
    submission TEXT NOT NULL,
    n INTEGER NOT NULL,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (submission, n)
);
CREATE TABLE IF NOT EXISTS decisions (
    id TEXT PRIMARY KEY,
    recommend INTEGER NOT NULL,
    rank INTEGER,
    note TEXT NOT NULL,
    rec_opinion TEXT NOT NULL,
    rec_org TEXT NOT NULL,
    rec_date TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS problems (seq INTEGER PRIMARY KEY, json TEXT NOT NULL);
";

/// The desk's database.
pub struct DeskStore {
    conn: Connection,
    path: PathBuf,
}

/// A failure of the database, in Chinese, naming the file.
fn db_error(path: &Path, doing: &str, e: &rusqlite::Error) -> DeskError {
    let reason = match e {
        rusqlite::Error::SqliteFailure(f, _) => match f.code {
            rusqlite::ErrorCode::DiskFull => "磁盘已满，请腾出空间后重试",
            rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::PermissionDenied => {
                "没有写入权限，请检查数据文件夹的权限"
            }
            rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked => {
                "正被另一个窗口使用，请先关闭另一个“秘书处汇总”窗口"
            }
            rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt => {
                "文件已损坏或不是汇总进度数据库；请把它移到别处后重新导入"
            }
            rusqlite::ErrorCode::CannotOpen => "无法打开，请检查数据文件夹是否存在、是否可写",
            _ => "数据库出错",
        },
        _ => "数据库出错",
    };
    DeskError::Store {
        file: path.display().to_string(),
        doing: doing.to_owned(),
        reason: reason.to_owned(),
    }
}

impl DeskStore {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<DeskStore, DeskError> {
        if let Some(dir) = path.parent() {
            crate::files::create_private_dir(dir).map_err(DeskError::Write)?;
        }
        let fail = |e: rusqlite::Error| db_error(path, "打开", &e);
        // Created readable by the user only; SQLite gives its -wal and -shm files the
        // database's permissions.
        if !path.exists() {
            crate::files::write_private(path, b"").map_err(DeskError::Write)?;
        }
        let conn = Connection::open(path).map_err(fail)?;
        conn.busy_timeout(std::time::Duration::from_secs(2))
            .map_err(fail)?;
        // WAL: a kill -9 loses nothing committed; NORMAL is durable against a process crash
        // and writes far less than FULL.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(fail)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(fail)?;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(fail)?;
        if version > SCHEMA_VERSION {
            return Err(DeskError::NewerVersion {
                file: path.display().to_string(),
                version: version as u64,
            });
        }
        conn.execute_batch(SCHEMA).map_err(fail)?;
        conn.pragma_update(None, "user_version", SCHEMA_VERSION)
            .map_err(fail)?;
        Ok(DeskStore {
            conn,
            path: path.to_owned(),
        })
    }

    /// Opens `db`; when it does not exist yet and `json` (a desk saved by an earlier version)
    /// does, migrates it first and renames the JSON file to `desk.json.migrated` (kept).
    pub fn open_or_migrate(db: &Path, json: &Path) -> Result<DeskStore, DeskError> {
        if db.exists() || !json.exists() {
            return DeskStore::open(db);
        }
        let bytes = crate::files::read_bounded(json, super::MAX_DESK_BYTES)?;
        let old = Desk::from_slice(&bytes).map_err(|e| match e {
            DeskError::NotDesk { reason, .. } => DeskError::NotDesk {
                file: json.display().to_string(),
                reason,
            },
            other => other,
        })?;
        // Written beside, then renamed into place: a crash mid-migration leaves no half desk.
        let partial = db.with_extension("sqlite.migrating");
        let _ = std::fs::remove_file(&partial);
        {
            let mut store = DeskStore::open(&partial)?;
            store.replace_all(&old)?;
        }
        std::fs::rename(&partial, db).map_err(|e| {
            DeskError::Write(crate::files::FileError::io(
                db,
                crate::files::Doing::Writing,
                &e,
            ))
        })?;
        let mut kept = json.with_extension("json.migrated");
        let mut n = 1;
        while kept.exists() {
            kept = json.with_extension(format!("json.migrated{n}"));
            n += 1;
        }
        let _ = std::fs::rename(json, &kept);
        DeskStore::open(db)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The whole desk, validated on `today`.
    pub fn load(&self, defs: &Definitions, today: NaiveDate) -> Result<Desk, DeskError> {
        let fail = |e: rusqlite::Error| db_error(&self.path, "读取", &e);
        let mut desk = Desk::default();
        let mut rows = self
            .conn
            .prepare("SELECT json FROM submissions ORDER BY seq")
            .map_err(fail)?;
        let jsons = rows
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(fail)?;
        for json in jsons {
            let json = json.map_err(fail)?;
            match serde_json::from_str::<Submission>(&json) {
                Ok(s) => desk.submissions.push(s),
                Err(_) => {
                    return Err(DeskError::NotDesk {
                        file: self.path.display().to_string(),
                        reason: "其中一份申报的记录无法读取".into(),
                    });
                }
            }
        }
        let mut rows = self
            .conn
            .prepare("SELECT json FROM problems ORDER BY seq")
            .map_err(fail)?;
        for json in rows
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(fail)?
        {
            if let Ok(p) = serde_json::from_str::<FileProblem>(&json.map_err(fail)?) {
                desk.problems.push(p);
            }
        }
        let mut rows = self
            .conn
            .prepare(
                "SELECT id, recommend, rank, note, rec_opinion, rec_org, rec_date FROM decisions",
            )
            .map_err(fail)?;
        let decisions = rows
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    Decision {
                        recommend: r.get::<_, i64>(1)? != 0,
                        rank: r
                            .get::<_, Option<i64>>(2)?
                            .and_then(|n| u32::try_from(n).ok()),
                        note: r.get(3)?,
                        rec_opinion: r.get(4)?,
                        rec_org: r.get(5)?,
                        rec_date: r.get(6)?,
                    },
                ))
            })
            .map_err(fail)?;
        for d in decisions {
            let (id, decision) = d.map_err(fail)?;
            desk.decisions.insert(id, decision);
        }
        if let Some(previous) = self.setting("previous")? {
            desk.previous = serde_json::from_str::<PreviousWinners>(&previous).ok();
        }
        desk.recommender = self.setting("recommender")?;
        desk.revalidate(defs, today);
        Ok(desk)
    }

    /// A setting's value.
    pub fn setting(&self, key: &str) -> Result<Option<String>, DeskError> {
        self.conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| db_error(&self.path, "读取", &e))
    }

    /// Applies one change in one transaction.
    pub fn apply(&mut self, change: &Change) -> Result<(), DeskError> {
        let path = self.path.clone();
        let fail = |e: rusqlite::Error| db_error(&path, "保存", &e);
        let tx = self.conn.transaction().map_err(fail)?;
        match change {
            Change::Decide(id, d) => write_decision(&tx, id, d),
            Change::DecideMany(all) => all
                .iter()
                .try_for_each(|(id, d)| write_decision(&tx, id, d)),
            Change::Add {
                submissions,
                problems,
            } => write_added(&tx, submissions, problems),
            Change::Setting(key, value) => write_setting(&tx, key, value.as_deref()),
        }
        .map_err(fail)?;
        tx.commit().map_err(fail)
    }

    /// Replaces everything with `desk` (the migration), in one transaction.
    fn replace_all(&mut self, desk: &Desk) -> Result<(), DeskError> {
        let path = self.path.clone();
        let fail = |e: rusqlite::Error| db_error(&path, "保存", &e);
        let tx = self.conn.transaction().map_err(fail)?;
        let written = (|| {
            tx.execute_batch(
                "DELETE FROM submissions; DELETE FROM attachments; DELETE FROM decisions; DELETE FROM problems;",
            )?;
            write_added(&tx, &desk.submissions, &desk.problems)?;
            for (id, d) in &desk.decisions {
                write_decision(&tx, id, d)?;
            }
            let previous = desk
                .previous
                .as_ref()
                .and_then(|p| serde_json::to_string(p).ok());
            write_setting(&tx, "previous", previous.as_deref())?;
            write_setting(&tx, "recommender", desk.recommender.as_deref())
        })();
        written.map_err(fail)?;
        tx.commit().map_err(fail)
    }
}

/// The decision on `id`: one row, none for the default.
fn write_decision(tx: &rusqlite::Transaction, id: &str, d: &Decision) -> rusqlite::Result<()> {
    if *d == Decision::default() {
        tx.execute("DELETE FROM decisions WHERE id = ?1", [id])?;
        return Ok(());
    }
    tx.execute(
        "INSERT INTO decisions (id, recommend, rank, note, rec_opinion, rec_org, rec_date)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(id) DO UPDATE SET recommend = ?2, rank = ?3, note = ?4,
             rec_opinion = ?5, rec_org = ?6, rec_date = ?7",
        params![
            id,
            d.recommend,
            d.rank,
            d.note,
            d.rec_opinion,
            d.rec_org,
            d.rec_date
        ],
    )?;
    Ok(())
}

/// An import's submissions (one already there is skipped) and notices.
fn write_added(
    tx: &rusqlite::Transaction,
    submissions: &[Submission],
    problems: &[FileProblem],
) -> rusqlite::Result<()> {
    for s in submissions {
        insert_submission(tx, s)?;
    }
    for p in problems {
        let json = serde_json::to_string(p).unwrap_or_default();
        tx.execute("INSERT INTO problems (json) VALUES (?1)", [json])?;
    }
    Ok(())
}

/// A setting, or (None) none.
fn write_setting(
    tx: &rusqlite::Transaction,
    key: &str,
    value: Option<&str>,
) -> rusqlite::Result<()> {
    match value {
        Some(v) => tx.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = ?2",
            params![key, v],
        )?,
        None => tx.execute("DELETE FROM settings WHERE key = ?1", [key])?,
    };
    Ok(())
}

fn insert_submission(tx: &rusqlite::Transaction, s: &Submission) -> rusqlite::Result<()> {
    let json = serde_json::to_string(s).unwrap_or_default();
    let container = serde_json::to_value(s.container)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let added = tx.execute(
        "INSERT OR IGNORE INTO submissions (id, source, container, json) VALUES (?1, ?2, ?3, ?4)",
        params![s.id, s.source.display().to_string(), container, json],
    )?;
    if added == 0 {
        return Ok(());
    }
    for (n, a) in s.attachments.iter().enumerate() {
        tx.execute(
            "INSERT OR REPLACE INTO attachments (submission, n, name, size, hash) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![s.id, n as i64, a.name, a.size as i64, a.hash],
        )?;
    }
    Ok(())
}

/// One change to the desk.
#[derive(Debug, Clone)]
pub enum Change {
    /// The decision on a submission (the default removes it).
    Decide(String, Decision),
    /// Many decisions at once (a confirmed ranking), in one transaction: all or none.
    DecideMany(Vec<(String, Decision)>),
    /// Submissions and notices of an import (a submission already on the desk is skipped).
    Add {
        submissions: Vec<Submission>,
        problems: Vec<FileProblem>,
    },
    /// A setting (None removes it): `previous` holds the previous-winners list as JSON.
    Setting(String, Option<String>),
}

/// A store on a thread of its own. Changes are applied in the order sent; a failure comes back
/// on [`DeskWriter::failures`] (the window shows it) and the next change is tried again.
pub struct DeskWriter {
    send: Option<mpsc::Sender<Change>>,
    failures: mpsc::Receiver<DeskError>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl DeskWriter {
    pub fn new(mut store: DeskStore) -> DeskWriter {
        let (send, changes) = mpsc::channel::<Change>();
        let (report, failures) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("desk-writer".into())
            .spawn(move || {
                for change in changes {
                    if let Err(e) = store.apply(&change) {
                        let _ = report.send(e);
                    }
                }
            })
            .ok();
        DeskWriter {
            send: Some(send),
            failures,
            thread,
        }
    }

    /// Queues a change; never blocks.
    pub fn send(&self, change: Change) {
        if let Some(send) = &self.send {
            let _ = send.send(change);
        }
    }

    /// The failures since last asked.
    pub fn failures(&self) -> Vec<DeskError> {
        self.failures.try_iter().collect()
    }

    /// Waits until every change sent has been written.
    pub fn finish(&mut self) {
        self.send = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for DeskWriter {
    fn drop(&mut self) {
        self.finish();
    }
}
