//! The desk in SQLite: a migration from a `desk.json` of the previous format, and a child
//! making decisions through the desk's writer killed with SIGKILL at random, 200 times — the
//! database opens every time with every decision made more than a moment before the kill.
#![allow(clippy::disallowed_methods)] // tests set up their files directly

mod common;

#[cfg(unix)]
use std::io::{BufRead, BufReader};
use std::path::Path;
#[cfg(unix)]
use std::process::{Command, Stdio};
use std::time::Duration;
#[cfg(unix)]
use std::time::Instant;

use common::{defs, exported_fixture, today};
use kczg_form::consolidate::store::{Change, DeskStore, DeskWriter};
use kczg_form::consolidate::{self, Decision, Desk, PreviousWinners};

const CHILD_ENV: &str = "KCZG_DESK_CRASH_CHILD";
/// Decisions cycle over this many submissions.
const IDS: u64 = 40;

fn decision(n: u64) -> Decision {
    Decision {
        recommend: n.is_multiple_of(2),
        rank: Some(n as u32),
        note: format!("第{n}次"),
        ..Decision::default()
    }
}

/// Not a test on its own: the clerk the crash test starts and kills. It makes decision n on
/// submission n % IDS through the desk's writer, and says n (with the time) once it is sent.
#[test]
fn crash_child_clerk() {
    let Some(db) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let store = DeskStore::open(Path::new(&db)).unwrap();
    let start: u64 = std::fs::read_to_string(Path::new(&db).with_extension("next"))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(1);
    let writer = DeskWriter::new(store);
    for n in start.. {
        writer.send(Change::Decide(format!("s{}", n % IDS), decision(n)));
        println!("{n}");
        // A clerk types quickly, but not without pause.
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[cfg(unix)]
#[test]
fn decisions_survive_200_kills() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.sqlite");
    drop(DeskStore::open(&db).unwrap());
    let rounds: usize = std::env::var("KCZG_DESK_CRASH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut next = 1u64;
    let mut checked = 0usize;
    for round in 0..rounds {
        std::fs::write(db.with_extension("next"), next.to_string()).unwrap();
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "crash_child_clerk",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &db)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let sent = std::sync::Arc::new(std::sync::Mutex::new(Vec::<(u64, Instant)>::new()));
        let reader = {
            let sent = sent.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if let Ok(n) = line.trim().parse::<u64>() {
                        sent.lock().unwrap().push((n, Instant::now()));
                    }
                }
            })
        };
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_millis(60 + seed % 250));
        let killed_at = Instant::now();
        unsafe {
            libc::kill(child.id() as i32, libc::SIGKILL);
        }
        let _ = child.wait();
        let _ = reader.join();

        let store = DeskStore::open(&db)
            .unwrap_or_else(|e| panic!("round {round}: the database does not open: {e}"));
        let desk = store.load(&defs(), today()).unwrap();
        let sent = sent.lock().unwrap();
        // Every decision sent more than a moment before the kill is there (a later one of the
        // same submission may have replaced it).
        let moment = Duration::from_millis(100);
        for &(n, at) in sent.iter() {
            if killed_at.duration_since(at) < moment {
                continue;
            }
            let id = format!("s{}", n % IDS);
            let kept = desk.decisions.get(&id).unwrap_or_else(|| {
                panic!(
                    "round {round}: decision {n} on {id}, sent {:?} before the kill, is lost",
                    killed_at - at
                )
            });
            assert!(
                kept.rank.is_some_and(|r| u64::from(r) >= n),
                "round {round}: {id} holds {kept:?}, older than decision {n}"
            );
            let want = decision(u64::from(kept.rank.unwrap()));
            assert_eq!(kept, &want, "round {round}: a decision torn");
            checked += 1;
        }
        next = sent.last().map_or(next, |(n, _)| n + 1);
    }
    assert!(
        checked > rounds,
        "too few decisions were made to check: {checked}"
    );
    eprintln!("desk crash test: {rounds} kills, {checked} decisions checked");
}

#[test]
fn a_desk_json_of_the_previous_format_is_migrated_once_and_kept() {
    let defs = defs();
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("收件");
    std::fs::create_dir_all(&inbox).unwrap();
    std::fs::write(inbox.join("a.docx"), exported_fixture("tech_manager")).unwrap();
    std::fs::write(
        inbox.join("b.docx"),
        exported_fixture("emerging_enterprise"),
    )
    .unwrap();
    std::fs::write(inbox.join("说明.pdf"), b"%PDF-1.4\n").unwrap();
    let batch = consolidate::scan_on(&defs, std::slice::from_ref(&inbox), today(), &|_, _| {});
    let mut desk = Desk::from_batch(batch);
    let first = desk.submissions[0].id.clone();
    desk.decide(
        &first,
        Decision {
            recommend: true,
            rank: Some(1),
            note: "材料齐全".into(),
            rec_opinion: "同意推荐。".into(),
            rec_org: "某学会".into(),
            rec_date: "2023-12-01".into(),
        },
    );
    desk.previous = Some(PreviousWinners::from_names(
        dir.path().join("历年.txt"),
        ["孙雅婷".to_owned()],
    ));
    let json = dir.path().join("data/desk.json");
    std::fs::create_dir_all(json.parent().unwrap()).unwrap();
    desk.save(&json).unwrap();
    let original = std::fs::read(&json).unwrap();

    let db = dir.path().join("data/desk.sqlite");
    let store = DeskStore::open_or_migrate(&db, &json).unwrap();
    let migrated = store.load(&defs, today()).unwrap();
    let ids = |d: &Desk| {
        d.submissions
            .iter()
            .map(|s| s.id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&migrated), ids(&desk));
    assert_eq!(migrated.decisions, desk.decisions);
    assert_eq!(migrated.problems, desk.problems);
    assert_eq!(
        migrated.previous.as_ref().map(|p| p.names.len()),
        desk.previous.as_ref().map(|p| p.names.len())
    );
    for (a, b) in migrated.submissions.iter().zip(&desk.submissions) {
        assert_eq!(a.draft, b.draft);
        assert_eq!(a.source_text(), b.source_text());
        assert_eq!(a.findings.len(), b.findings.len());
    }
    // Kept, renamed, byte for byte; not migrated again.
    assert!(!json.exists());
    let kept = dir.path().join("data/desk.json.migrated");
    assert_eq!(std::fs::read(&kept).unwrap(), original);
    drop(store);
    std::fs::write(&json, &original).unwrap();
    let store = DeskStore::open_or_migrate(&db, &json).unwrap();
    assert!(json.exists(), "a database that exists is not migrated over");
    assert_eq!(
        store.load(&defs, today()).unwrap().decisions,
        desk.decisions
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for file in [
            db.clone(),
            db.with_extension("sqlite-wal"),
            db.with_extension("sqlite-shm"),
        ] {
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(
                mode & 0o077,
                0,
                "{} is readable by the user only",
                file.display()
            );
        }
    }
}
