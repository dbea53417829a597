//! Crash safety: a child process writing drafts in a loop is killed with SIGKILL at random
//! moments, 200 times; after every kill every draft file parses and holds one complete version
//! (old or new), never a mix.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kczg_form::Draft;
use kczg_form::store::Store;
use serde_json::json;

const CHILD_ENV: &str = "KCZG_CRASH_CHILD_DIR";
const IDS: [&str; 3] = ["a", "b", "c"];

/// A draft whose every part is derived from `seq`, so a torn file cannot pass the check.
fn version(seq: u64) -> Draft {
    let mut d = Draft::new("2023", "tech_manager", None);
    d.values.insert("seq".into(), json!(seq));
    d.values
        .insert("body".into(), json!(format!("{seq:08}-").repeat(8_000)));
    d.values.insert("tail".into(), json!(seq));
    d
}

fn check(draft: &Draft) -> Result<u64, String> {
    let seq = draft.values["seq"].as_u64().ok_or("no seq")?;
    if draft.values["body"] != json!(format!("{seq:08}-").repeat(8_000))
        || draft.values["tail"] != json!(seq)
    {
        return Err(format!("version {seq} is mixed"));
    }
    Ok(seq)
}

/// Not a test on its own: the writer the crash test starts and kills.
#[test]
fn crash_child_writer() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let store = Store::at(std::path::Path::new(&dir)).unwrap();
    let mut seq = std::fs::read_to_string(std::path::Path::new(&dir).join("next"))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(1);
    loop {
        for id in IDS {
            store.save(id, &version(seq)).unwrap();
            seq += 1;
        }
    }
}

#[cfg(unix)]
#[test]
fn drafts_survive_200_kills_mid_write() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path()).unwrap();
    for id in IDS {
        store.save(id, &version(0)).unwrap();
    }
    let exe = std::env::current_exe().unwrap();
    let started = Instant::now();
    let mut rng: u64 = 0x2023_1130;
    let mut seen_writes = 0;
    let mut highest = 0;
    for round in 0..200 {
        // Continue numbering above anything written so far.
        std::fs::write(dir.path().join("next"), (highest + 1).to_string()).unwrap();
        let mut child = Command::new(&exe)
            .args([
                "crash_child_writer",
                "--exact",
                "--test-threads=1",
                "--nocapture",
            ])
            .env(CHILD_ENV, dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        std::thread::sleep(Duration::from_millis(5 + rng % 40));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        for id in IDS {
            let bytes = std::fs::read(store.path_of(id)).unwrap();
            let draft =
                Draft::from_slice(&bytes).unwrap_or_else(|e| panic!("round {round}, {id}: {e}"));
            let seq = check(&draft).unwrap_or_else(|e| panic!("round {round}, {id}: {e}"));
            highest = highest.max(seq);
        }
        seen_writes = highest;
    }
    // The child must really have been writing when killed, many times over.
    assert!(seen_writes > 200, "only {seen_writes} writes happened");
    // Temporary files left by the kills are never taken for drafts.
    let defs = kczg_form::Definitions::embedded();
    let today = chrono::NaiveDate::from_ymd_opt(2023, 11, 15).unwrap();
    assert_eq!(store.list(&defs, today).len(), IDS.len());
    eprintln!(
        "200 kills in {:?}, {seen_writes} versions written",
        started.elapsed()
    );
}
