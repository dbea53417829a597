//! Crash safety: a child process writing drafts in a loop is killed with SIGKILL at random
//! moments, 200 times; after every kill every draft file parses and holds one complete version
//! (old or new), never a mix.
#![allow(clippy::disallowed_methods)] // tests set up their files directly

#[cfg(unix)]
use std::process::{Command, Stdio};
use std::time::Duration;
#[cfg(unix)]
use std::time::Instant;

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

#[cfg(unix)]
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

const TYPIST_ENV: &str = "KCZG_CRASH_TYPIST_DIR";
/// What the typist types, one character per edit: a sequence in which every prefix is distinct.
fn typed(n: usize) -> String {
    (0..n)
        .map(|i| char::from_digit((i % 10) as u32, 10).unwrap_or('0'))
        .collect()
}

/// Not a test on its own: a person typing without a pause, through the GUI's autosaver (same
/// delay, same worker), in an irregular rhythm of 20–700 ms a key. After each edit it prints the
/// number of characters typed, so the parent knows when each was typed.
#[test]
fn crash_child_typist() {
    use kczg_form::store::autosave::{Autosaver, DEFAULT_DELAY};
    use std::io::Write;
    let Some(dir) = std::env::var_os(TYPIST_ENV) else {
        return;
    };
    let store = Store::at(std::path::Path::new(&dir)).unwrap();
    let saver = Autosaver::new(store, DEFAULT_DELAY);
    let mut draft = Draft::new("2023", "tech_manager", None);
    let mut rng: u64 = std::process::id() as u64 | 1;
    let mut out = std::io::stdout().lock();
    for n in 1.. {
        draft.values.insert("competence".into(), json!(typed(n)));
        saver.changed("typing", &draft);
        writeln!(out, "{n}").unwrap();
        out.flush().unwrap();
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        // Mostly quick keys, now and then a pause just under the old 1 s debounce.
        let pause = if rng.is_multiple_of(4) {
            550 + rng % 150
        } else {
            20 + rng % 180
        };
        std::thread::sleep(Duration::from_millis(pause));
    }
}

/// Issue 9: whatever the rhythm, a kill loses at most the last ~2 s of typing.
#[cfg(unix)]
#[test]
fn continuous_typing_killed_at_random_keeps_all_but_the_last_two_seconds() {
    use std::io::BufRead;
    use std::sync::{Arc, Mutex};
    let exe = std::env::current_exe().unwrap();
    let mut rng: u64 = 0x2026_1201;
    let mut checked = 0;
    for round in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(&exe)
            .args([
                "crash_child_typist",
                "--exact",
                "--test-threads=1",
                "--nocapture",
            ])
            .env(TYPIST_ENV, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // (characters typed, when the parent heard of it)
        let heard: Arc<Mutex<Vec<(usize, Instant)>>> = Arc::default();
        let reader = {
            let heard = heard.clone();
            let stdout = child.stdout.take().unwrap();
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if let Ok(n) = line.trim().parse::<usize>() {
                        heard.lock().unwrap().push((n, Instant::now()));
                    }
                }
            })
        };
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        std::thread::sleep(Duration::from_millis(3_000 + rng % 3_000));
        let killed_at = Instant::now();
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        reader.join().unwrap();
        let must_have = heard
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, at)| killed_at.duration_since(*at) > Duration::from_secs(2))
            .map(|(n, _)| *n)
            .max()
            .unwrap_or(0);
        let typed_total = heard.lock().unwrap().last().map_or(0, |(n, _)| *n);
        let store = Store::at(dir.path()).unwrap();
        let path = store.path_of("typing");
        let on_disk = std::fs::read(&path)
            .ok()
            .and_then(|b| Draft::from_slice(&b).ok())
            .and_then(|d| d.values.get("competence")?.as_str().map(str::to_owned))
            .unwrap_or_default();
        let n = on_disk.chars().count();
        assert_eq!(
            on_disk,
            typed(n),
            "round {round}: the file holds a torn text"
        );
        assert!(
            n >= must_have,
            "round {round}: {n} characters on disk, but {must_have} were typed more than 2 s before the kill ({typed_total} in all)"
        );
        assert!(must_have > 0, "round {round}: the typist never got going");
        checked += 1;
        // What was lost: the typing after the last keystroke on disk, up to the kill.
        let lost = heard
            .lock()
            .unwrap()
            .iter()
            .find(|(m, _)| *m > n)
            .map_or(Duration::ZERO, |(_, at)| killed_at.duration_since(*at));
        eprintln!(
            "round {round}: typed {typed_total}, on disk {n}, required {must_have}, lost {:.2} s",
            lost.as_secs_f64()
        );
    }
    assert_eq!(checked, 5);
}
