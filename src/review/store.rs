//! A review folder: `review.sqlite` holds the experts, the applications, who reviews what and
//! (as they come) the sheets. Every change is one transaction, written as it happens (WAL): a
//! kill -9 loses nothing committed. Applications are keyed by their content id, experts by
//! their e-mail, so the folder can be read by another version and rows never shift.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, params};
use serde::Serialize;

use super::collect::{Returned, Scored};
use super::{Application, Assignment, Expert};

/// The database's file in a review folder.
pub const DB_NAME: &str = "review.sqlite";

const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS experts (seq INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS applications (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS assignments (
    app TEXT NOT NULL,
    expert TEXT NOT NULL,
    why TEXT NOT NULL,
    manual INTEGER NOT NULL,
    PRIMARY KEY (app, expert)
);
CREATE TABLE IF NOT EXISTS log (seq INTEGER PRIMARY KEY, at TEXT NOT NULL, what TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS packs (expert TEXT PRIMARY KEY, at TEXT NOT NULL, apps INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sheets (expert TEXT PRIMARY KEY, at TEXT NOT NULL, file TEXT NOT NULL, findings TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS scores (app TEXT NOT NULL, expert TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (app, expert));
CREATE TABLE IF NOT EXISTS confirmed (
    app TEXT PRIMARY KEY,
    recommend INTEGER NOT NULL,
    place INTEGER,
    score REAL,
    normalised INTEGER NOT NULL,
    at TEXT NOT NULL
);
";

/// One application's place in the ranking the secretariat confirmed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfirmedPlace {
    /// The application's content id.
    pub app: String,
    pub recommend: bool,
    /// Its 排序 among those recommended in its list (and domain).
    pub place: Option<u32>,
    /// The number it was ranked by (a weighted mean, or a z-score mean when normalised).
    pub score: Option<f64>,
}

/// The ranking last confirmed: when, how it was ranked, and every place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Confirmed {
    pub at: String,
    pub normalised: bool,
    pub recommended: usize,
    pub places: Vec<ConfirmedPlace>,
}

impl Confirmed {
    /// For people, the same on the page and on the command line: 「2023-12-20 10:00 确认，推荐 N 份，
    /// 共 M 份有评分（按加权平均分）」.
    pub fn summary(&self) -> String {
        format!(
            "{} 确认，推荐 {} 份，共 {} 份有评分（{}）",
            self.at.get(..16).unwrap_or(&self.at).replace('T', " "),
            self.recommended,
            self.places.len(),
            if self.normalised {
                "按标准化分"
            } else {
                "按加权平均分"
            }
        )
    }
}

/// A problem with the review folder, for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    #[error("{0} 中还没有评审：请先运行 kczg-form review init {0} --experts 专家名单.xlsx 收件箱")]
    NoReview(String),
    #[error(
        "{0} 中已有一次评审（{1}）：换一个文件夹，或在原评审上继续（review assign / pack / collect）"
    )]
    Exists(String, String),
    #[error("评审文件 {file} 是更新版本的程序写的（第 {version} 版），请用新版本打开")]
    NewerVersion { file: String, version: i64 },
    #[error("评审文件 {file} {doing}失败：{reason}")]
    Db {
        file: String,
        doing: String,
        reason: String,
    },
}

/// Everything the review knows, loaded.
#[derive(Debug, Clone, Default)]
pub struct Review {
    pub experts: Vec<Expert>,
    pub apps: Vec<Application>,
    /// By index into `apps` and `experts`.
    pub assignments: Vec<Assignment>,
    /// Reviewers per application.
    pub per: usize,
}

pub struct ReviewStore {
    conn: Connection,
    path: PathBuf,
}

fn db_error(path: &Path, doing: &str, e: &rusqlite::Error) -> ReviewError {
    let reason = match e {
        rusqlite::Error::SqliteFailure(f, _) => match f.code {
            rusqlite::ErrorCode::DiskFull => "磁盘已满".to_owned(),
            rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::PermissionDenied => {
                "没有写入权限（只读）".to_owned()
            }
            rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked => {
                "另一个程序正在使用它，请关闭后重试".to_owned()
            }
            rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt => {
                "文件已损坏或不是评审文件".to_owned()
            }
            _ => format!("数据库错误（代码 {}）", f.extended_code),
        },
        _ => "数据库错误".to_owned(),
    };
    ReviewError::Db {
        file: path.display().to_string(),
        doing: doing.to_owned(),
        reason,
    }
}

impl ReviewStore {
    /// Starts a review in `dir` (created when missing) with these experts and applications;
    /// refused where a review is already.
    pub fn create(
        dir: &Path,
        experts: &[Expert],
        apps: &[Application],
        per: usize,
    ) -> Result<ReviewStore, ReviewError> {
        let path = dir.join(DB_NAME);
        if path.exists() {
            return Err(ReviewError::Exists(
                dir.display().to_string(),
                DB_NAME.to_owned(),
            ));
        }
        crate::files::create_private_dir(dir).map_err(|e| ReviewError::Db {
            file: dir.display().to_string(),
            doing: "创建".into(),
            reason: e.reason(),
        })?;
        let mut store = ReviewStore::connect(&path)?;
        let fail = |e: rusqlite::Error| db_error(&path, "写入", &e);
        let tx = store.conn.transaction().map_err(fail)?;
        for e in experts {
            let json = serde_json::to_string(e).unwrap_or_default();
            tx.execute(
                "INSERT OR IGNORE INTO experts (email, json) VALUES (?1, ?2)",
                params![e.email, json],
            )
            .map_err(fail)?;
        }
        for a in apps {
            let json = serde_json::to_string(a).unwrap_or_default();
            tx.execute(
                "INSERT OR IGNORE INTO applications (id, json) VALUES (?1, ?2)",
                params![a.id, json],
            )
            .map_err(fail)?;
        }
        tx.execute(
            "INSERT OR REPLACE INTO settings (key, value) VALUES ('per', ?1)",
            params![per.to_string()],
        )
        .map_err(fail)?;
        tx.execute(
            "INSERT OR REPLACE INTO settings (key, value) VALUES ('secret', ?1)",
            params![new_secret()],
        )
        .map_err(fail)?;
        log(
            &tx,
            &format!("开始评审：{} 位专家，{} 份申报", experts.len(), apps.len()),
        )
        .map_err(fail)?;
        tx.commit().map_err(fail)?;
        Ok(store)
    }

    /// The review in `dir`.
    pub fn open(dir: &Path) -> Result<ReviewStore, ReviewError> {
        let path = dir.join(DB_NAME);
        if !path.is_file() {
            return Err(ReviewError::NoReview(dir.display().to_string()));
        }
        ReviewStore::connect(&path)
    }

    fn connect(path: &Path) -> Result<ReviewStore, ReviewError> {
        let fail = |e: rusqlite::Error| db_error(path, "打开", &e);
        if !path.exists() {
            crate::files::write_private(path, b"").map_err(|e| ReviewError::Db {
                file: path.display().to_string(),
                doing: "创建".into(),
                reason: e.reason(),
            })?;
        }
        let conn = Connection::open(path).map_err(fail)?;
        conn.busy_timeout(std::time::Duration::from_secs(2))
            .map_err(fail)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(fail)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(fail)?;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(fail)?;
        if version > SCHEMA_VERSION {
            return Err(ReviewError::NewerVersion {
                file: path.display().to_string(),
                version,
            });
        }
        conn.execute_batch(SCHEMA).map_err(fail)?;
        conn.pragma_update(None, "user_version", SCHEMA_VERSION)
            .map_err(fail)?;
        Ok(ReviewStore {
            conn,
            path: path.to_owned(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Everything, in the order it was taken in.
    pub fn load(&self) -> Result<Review, ReviewError> {
        let fail = |e: rusqlite::Error| db_error(&self.path, "读取", &e);
        let rows = |sql: &str| -> Result<Vec<String>, ReviewError> {
            let mut st = self.conn.prepare(sql).map_err(fail)?;
            let got = st
                .query_map([], |r| r.get::<_, String>(0))
                .map_err(fail)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(fail)?;
            Ok(got)
        };
        let experts: Vec<Expert> = rows("SELECT json FROM experts ORDER BY seq")?
            .iter()
            .filter_map(|j| serde_json::from_str(j).ok())
            .collect();
        let apps: Vec<Application> = rows("SELECT json FROM applications ORDER BY seq")?
            .iter()
            .filter_map(|j| serde_json::from_str(j).ok())
            .collect();
        let app_at: std::collections::HashMap<&str, usize> = apps
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id.as_str(), i))
            .collect();
        let expert_at: std::collections::HashMap<&str, usize> = experts
            .iter()
            .enumerate()
            .map(|(i, e)| (e.email.as_str(), i))
            .collect();
        let mut st = self
            .conn
            .prepare("SELECT app, expert, why, manual FROM assignments ORDER BY rowid")
            .map_err(fail)?;
        let assignments = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })
            .map_err(fail)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(fail)?
            .into_iter()
            .filter_map(|(app, expert, why, manual)| {
                Some(Assignment {
                    app: *app_at.get(app.as_str())?,
                    expert: *expert_at.get(expert.as_str())?,
                    why,
                    manual: manual != 0,
                })
            })
            .collect();
        let per = self
            .conn
            .query_row("SELECT value FROM settings WHERE key = 'per'", [], |r| {
                r.get::<_, String>(0)
            })
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(3);
        Ok(Review {
            experts,
            apps,
            assignments,
            per,
        })
    }

    /// Writes the assignments of a run (all of them: those kept stay as they are), and the
    /// reviewers per application, in one transaction.
    pub fn save_assignments(
        &mut self,
        review: &Review,
        assignments: &[Assignment],
        per: usize,
    ) -> Result<(), ReviewError> {
        let path = self.path.clone();
        let fail = |e: rusqlite::Error| db_error(&path, "写入", &e);
        let tx = self.conn.transaction().map_err(fail)?;
        let mut added = 0;
        for a in assignments {
            let (Some(app), Some(expert)) = (review.apps.get(a.app), review.experts.get(a.expert))
            else {
                continue;
            };
            added += tx
                .execute(
                    "INSERT OR IGNORE INTO assignments (app, expert, why, manual) VALUES (?1, ?2, ?3, ?4)",
                    params![app.id, expert.email, a.why, i64::from(a.manual)],
                )
                .map_err(fail)?;
        }
        tx.execute(
            "INSERT OR REPLACE INTO settings (key, value) VALUES ('per', ?1)",
            params![per.to_string()],
        )
        .map_err(fail)?;
        log(&tx, &format!("分配：新增 {added} 项（每份 {per} 位专家）")).map_err(fail)?;
        tx.commit().map_err(fail)
    }

    /// An assignment made or taken back by hand (`on`), at once.
    pub fn set_by_hand(
        &mut self,
        app: &Application,
        expert: &Expert,
        on: bool,
    ) -> Result<(), ReviewError> {
        let path = self.path.clone();
        let fail = |e: rusqlite::Error| db_error(&path, "写入", &e);
        let tx = self.conn.transaction().map_err(fail)?;
        if on {
            tx.execute(
                "INSERT OR REPLACE INTO assignments (app, expert, why, manual) VALUES (?1, ?2, '手工指定', 1)",
                params![app.id, expert.email],
            )
            .map_err(fail)?;
        } else {
            tx.execute(
                "DELETE FROM assignments WHERE app = ?1 AND expert = ?2",
                params![app.id, expert.email],
            )
            .map_err(fail)?;
        }
        let what = if on { "手工指定" } else { "手工取消" };
        log(
            &tx,
            &format!("{what}：{} 评审「{}」", expert.name, app.name),
        )
        .map_err(fail)?;
        tx.commit().map_err(fail)
    }
}

/// A review's secret: the key of its check codes (a sheet's codes cannot be made without it).
fn new_secret() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.write_u32(std::process::id());
    let a = h.finish();
    let mut h2 = std::collections::hash_map::RandomState::new().build_hasher();
    h2.write_u64(a);
    format!("{a:016x}{:016x}", h2.finish())
}

/// A sheet's state in the review (for `status`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SheetState {
    /// Experts with assignments.
    pub experts: usize,
    /// Packs written (sheets out).
    pub packed: usize,
    /// Sheets returned and collected.
    pub returned: usize,
    /// Returned sheets with findings.
    pub with_findings: usize,
    /// Packed but not returned.
    pub missing: usize,
    /// Scores taken (one per expert and application).
    pub scores: usize,
}

impl ReviewStore {
    /// The key of the review's check codes.
    /// Made on first use by a review begun without one.
    pub fn secret(&self) -> Result<String, ReviewError> {
        let fail = |e: rusqlite::Error| db_error(&self.path, "读取", &e);
        let found =
            self.conn
                .query_row("SELECT value FROM settings WHERE key = 'secret'", [], |r| {
                    r.get::<_, String>(0)
                });
        match found {
            Ok(s) => Ok(s),
            Err(rusqlite::Error::QueryReturnedNoRows) => {
                let secret = new_secret();
                self.conn
                    .execute(
                        "INSERT INTO settings (key, value) VALUES ('secret', ?1)",
                        params![secret],
                    )
                    .map_err(|e| db_error(&self.path, "写入", &e))?;
                Ok(secret)
            }
            Err(e) => Err(fail(e)),
        }
    }

    /// Notes that a pack went out to `expert` with `apps` applications.
    pub fn packed(&mut self, expert: &Expert, apps: usize) -> Result<(), ReviewError> {
        let path = self.path.clone();
        let fail = |e: rusqlite::Error| db_error(&path, "写入", &e);
        let tx = self.conn.transaction().map_err(fail)?;
        tx.execute(
            "INSERT OR REPLACE INTO packs (expert, at, apps) VALUES (?1, ?2, ?3)",
            params![expert.email, now(), apps as i64],
        )
        .map_err(fail)?;
        log(&tx, &format!("评审包：{}（{apps} 份）", expert.name)).map_err(fail)?;
        tx.commit().map_err(fail)
    }

    /// Takes a returned sheet: the expert's earlier scores are replaced by these, in one
    /// transaction. Gives whether an earlier sheet was replaced.
    pub fn record_return(
        &mut self,
        review: &Review,
        returned: &Returned,
        file: &str,
    ) -> Result<bool, ReviewError> {
        let Some(e) = returned.expert else {
            return Ok(false);
        };
        let expert = &review.experts[e];
        let path = self.path.clone();
        let fail = |err: rusqlite::Error| db_error(&path, "写入", &err);
        let tx = self.conn.transaction().map_err(fail)?;
        let replaced = tx
            .execute(
                "DELETE FROM scores WHERE expert = ?1",
                params![expert.email],
            )
            .map_err(fail)?
            > 0
            || tx
                .query_row(
                    "SELECT COUNT(*) FROM sheets WHERE expert = ?1",
                    params![expert.email],
                    |r| r.get::<_, i64>(0),
                )
                .map_err(fail)?
                > 0;
        for s in &returned.taken {
            let json = serde_json::to_string(s).unwrap_or_default();
            tx.execute(
                "INSERT OR REPLACE INTO scores (app, expert, json) VALUES (?1, ?2, ?3)",
                params![review.apps[s.app].id, expert.email, json],
            )
            .map_err(fail)?;
        }
        let findings = serde_json::to_string(&returned.findings).unwrap_or_default();
        tx.execute(
            "INSERT OR REPLACE INTO sheets (expert, at, file, findings) VALUES (?1, ?2, ?3, ?4)",
            params![expert.email, now(), file, findings],
        )
        .map_err(fail)?;
        log(
            &tx,
            &format!(
                "收回评分表：{}（{file}），采用 {} 行，{} 处问题{}",
                expert.name,
                returned.taken.len(),
                returned.findings.len(),
                if replaced {
                    "，替换了之前收回的"
                } else {
                    ""
                }
            ),
        )
        .map_err(fail)?;
        tx.commit().map_err(fail)?;
        Ok(replaced)
    }

    /// Every score taken, by index into `review`.
    pub fn scores(&self, review: &Review) -> Result<Vec<Scored>, ReviewError> {
        let fail = |e: rusqlite::Error| db_error(&self.path, "读取", &e);
        let apps = super::collect::app_index(review);
        let experts: std::collections::HashMap<&str, usize> = review
            .experts
            .iter()
            .enumerate()
            .map(|(i, e)| (e.email.as_str(), i))
            .collect();
        let mut st = self
            .conn
            .prepare("SELECT app, expert, json FROM scores ORDER BY rowid")
            .map_err(fail)?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .map_err(fail)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(fail)?;
        Ok(rows
            .into_iter()
            .filter_map(|(app, expert, json)| {
                let mut s: Scored = serde_json::from_str(&json).ok()?;
                s.app = *apps.get(app.as_str())?;
                s.expert = *experts.get(expert.as_str())?;
                Some(s)
            })
            .collect())
    }

    /// Keeps the ranking the secretariat confirmed (replacing one confirmed before), in one
    /// transaction, with a line in the log.
    pub fn confirm(
        &mut self,
        places: &[ConfirmedPlace],
        normalised: bool,
    ) -> Result<(), ReviewError> {
        let path = self.path.clone();
        let fail = |e: rusqlite::Error| db_error(&path, "写入", &e);
        let at = now();
        let tx = self.conn.transaction().map_err(fail)?;
        tx.execute("DELETE FROM confirmed", []).map_err(fail)?;
        {
            let mut st = tx
                .prepare(
                    "INSERT OR REPLACE INTO confirmed (app, recommend, place, score, normalised, at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(fail)?;
            for p in places {
                st.execute(params![
                    p.app,
                    i64::from(p.recommend),
                    p.place.map(i64::from),
                    p.score,
                    i64::from(normalised),
                    at
                ])
                .map_err(fail)?;
            }
        }
        let n = places.iter().filter(|p| p.recommend).count();
        log(
            &tx,
            &format!(
                "确认排名：推荐 {n} 份，共 {} 份有评分（{}）",
                places.len(),
                if normalised {
                    "按标准化分"
                } else {
                    "按加权平均分"
                }
            ),
        )
        .map_err(fail)?;
        tx.commit().map_err(fail)
    }

    /// The ranking last confirmed; None before any was.
    pub fn confirmed(&self) -> Result<Option<Confirmed>, ReviewError> {
        let fail = |e: rusqlite::Error| db_error(&self.path, "读取", &e);
        let mut st = self
            .conn
            .prepare(
                "SELECT app, recommend, place, score, normalised, at FROM confirmed \
                 ORDER BY recommend DESC, place, app",
            )
            .map_err(fail)?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    ConfirmedPlace {
                        app: r.get(0)?,
                        recommend: r.get::<_, i64>(1)? != 0,
                        place: r
                            .get::<_, Option<i64>>(2)?
                            .and_then(|p| u32::try_from(p).ok()),
                        score: r.get(3)?,
                    },
                    r.get::<_, i64>(4)? != 0,
                    r.get::<_, String>(5)?,
                ))
            })
            .map_err(fail)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(fail)?;
        let Some((_, normalised, at)) = rows.first().cloned() else {
            return Ok(None);
        };
        let places: Vec<ConfirmedPlace> = rows.into_iter().map(|(p, _, _)| p).collect();
        Ok(Some(Confirmed {
            at,
            normalised,
            recommended: places.iter().filter(|p| p.recommend).count(),
            places,
        }))
    }

    /// The actions recorded so far (each one transaction), newest last: (when, what).
    pub fn history(&self) -> Result<Vec<(String, String)>, ReviewError> {
        let fail = |e: rusqlite::Error| db_error(&self.path, "读取", &e);
        let mut st = self
            .conn
            .prepare("SELECT at, what FROM log ORDER BY seq")
            .map_err(fail)?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(fail)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(fail)?;
        Ok(rows)
    }

    /// SQLite's own check of the file: "ok" when sound.
    pub fn integrity(&self) -> Result<String, ReviewError> {
        self.conn
            .query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0))
            .map_err(|e| db_error(&self.path, "读取", &e))
    }

    /// How many sheets are out, back, with findings, missing.
    pub fn sheet_state(&self, review: &Review) -> Result<SheetState, ReviewError> {
        let fail = |e: rusqlite::Error| db_error(&self.path, "读取", &e);
        let count = |sql: &str| -> Result<usize, ReviewError> {
            self.conn
                .query_row(sql, [], |r| r.get::<_, i64>(0))
                .map(|n| n as usize)
                .map_err(fail)
        };
        let mut with: Vec<usize> = review.assignments.iter().map(|a| a.expert).collect();
        with.sort_unstable();
        with.dedup();
        Ok(SheetState {
            experts: with.len(),
            packed: count("SELECT COUNT(*) FROM packs")?,
            returned: count("SELECT COUNT(*) FROM sheets")?,
            with_findings: count("SELECT COUNT(*) FROM sheets WHERE findings != '[]'")?,
            missing: count(
                "SELECT COUNT(*) FROM packs WHERE expert NOT IN (SELECT expert FROM sheets)",
            )?,
            scores: count("SELECT COUNT(*) FROM scores")?,
        })
    }
}

fn now() -> String {
    chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

fn log(tx: &rusqlite::Transaction, what: &str) -> rusqlite::Result<usize> {
    let at = chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
    tx.execute(
        "INSERT INTO log (at, what) VALUES (?1, ?2)",
        params![at, what],
    )
}
