//! A bounded fuzz run inside `cargo test` (issue 9): the draft parser, the .docx import and the
//! previous-winners reader get random and mutated input; none may panic, hang or take long, and
//! what they accept must behave (a parsed draft writes back and parses to the same draft).
//!
//! The number of cases per target is `KCZG_FUZZ_CASES` (default 300, quick in a debug build);
//! a longer run: `KCZG_FUZZ_CASES=20000 cargo test --release --test fuzz -- --nocapture`.
//! Each target prints how many inputs it ran and the slowest one.
#![allow(clippy::disallowed_methods)] // tests set up their files directly

mod common;

use std::io::{Cursor, Read, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use kczg_form::Draft;
use kczg_form::consolidate::PreviousWinners;
use kczg_form::docx::import;
use kczg_form::docx::{ExportOptions, export};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// One input may take at most this: the product's 2 s in a release build; a debug build is
/// 10–50× slower, so it is given more.
const SLOW: Duration = if cfg!(debug_assertions) {
    Duration::from_secs(5)
} else {
    Duration::from_secs(2)
};

fn cases() -> u32 {
    std::env::var("KCZG_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

/// Runs `property` on `cases()` inputs of `strategy`, reporting the count and the slowest.
fn fuzz<S: Strategy>(name: &str, strategy: S, property: impl Fn(S::Value) + Sync)
where
    S::Value: std::fmt::Debug,
{
    let config = Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    };
    let slowest = Mutex::new(Duration::ZERO);
    let runs = Mutex::new(0u64);
    let mut runner = TestRunner::new(config);
    let result = runner.run(&strategy, |input| {
        let started = Instant::now();
        property(input);
        let took = started.elapsed();
        *runs.lock().unwrap() += 1;
        let mut s = slowest.lock().unwrap();
        *s = (*s).max(took);
        prop_assert!(took < SLOW, "one input took {took:?}");
        Ok(())
    });
    eprintln!(
        "[fuzz {name}] {} inputs, slowest {:.1?}",
        runs.lock().unwrap(),
        slowest.lock().unwrap()
    );
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
}

/// A mutation of some bytes: flips, overwrites, insertions, deletions and a cut.
#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Set(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Cut(usize),
    /// A copy of a random slice somewhere else (duplicated tags, keys, entries).
    Splice(usize, usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        (
            any::<usize>(),
            proptest::collection::vec(any::<u8>(), 1..16)
        )
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<usize>(), 1usize..64).prop_map(|(i, n)| Mutation::Delete(i, n)),
        any::<usize>().prop_map(Mutation::Cut),
        (any::<usize>(), 1usize..256, any::<usize>())
            .prop_map(|(a, n, b)| Mutation::Splice(a, n, b)),
    ]
}

fn mutate(bytes: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for m in mutations {
        if out.is_empty() {
            break;
        }
        let at = |i: usize, len: usize| i % len.max(1);
        match m {
            Mutation::Flip(i, b) => {
                let i = at(*i, out.len());
                out[i] ^= b;
            }
            Mutation::Set(i, b) => {
                let i = at(*i, out.len());
                out[i] = *b;
            }
            Mutation::Insert(i, b) => {
                let i = at(*i, out.len() + 1);
                out.splice(i..i, b.iter().copied());
            }
            Mutation::Delete(i, n) => {
                let i = at(*i, out.len());
                let end = (i + n).min(out.len());
                out.drain(i..end);
            }
            Mutation::Cut(i) => out.truncate(at(*i, out.len())),
            Mutation::Splice(a, n, b) => {
                let a = at(*a, out.len());
                let end = (a + n).min(out.len());
                let piece = out[a..end].to_vec();
                let b = at(*b, out.len() + 1);
                out.splice(b..b, piece);
            }
        }
    }
    out
}

fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    proptest::collection::vec(mutation(), 1..8)
}

// ---------------------------------------------------------------------------------------------
// The draft parser
// ---------------------------------------------------------------------------------------------

/// A parsed draft writes back to JSON that parses to the same draft.
fn draft_round_trips(bytes: &[u8]) {
    if let Ok(draft) = Draft::from_slice(bytes) {
        let again = Draft::from_json(&draft.to_json()).expect("a written draft parses");
        assert_eq!(again, draft);
        assert_eq!(again.to_json(), draft.to_json());
    }
}

#[test]
fn fuzz_the_draft_parser_with_random_bytes() {
    fuzz(
        "draft parser, random bytes",
        proptest::collection::vec(any::<u8>(), 0..2048),
        |bytes| draft_round_trips(&bytes),
    );
}

#[test]
fn fuzz_the_draft_parser_with_mutated_drafts() {
    let names = common::fixture_names();
    let drafts: Vec<Vec<u8>> = names
        .iter()
        .map(|n| std::fs::read(common::fixture_path(&format!("{n}.json"))).unwrap())
        .collect();
    fuzz(
        "draft parser, mutated fixtures",
        (0..drafts.len(), mutations()),
        |(which, ms)| {
            let bytes = mutate(&drafts[which], &ms);
            draft_round_trips(&bytes);
            // Whatever parses also validates without a panic.
            let defs = common::defs();
            if let Ok(d) = Draft::from_slice(&bytes)
                && let Some(form) = defs.form(&d.list)
            {
                let _ = kczg_form::validate(&defs, form, &d, common::today());
            }
        },
    );
}

/// JSON values of every shape (deep, wide, big numbers, odd strings) under known and unknown keys.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |x| x.is_finite())
            .prop_map(Value::from),
        "\\PC{0,40}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z_]{1,12}", inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[test]
fn fuzz_the_draft_parser_with_values_of_every_shape() {
    let base = common::fixture("emerging_enterprise");
    let keys: Vec<String> = base.values.keys().cloned().collect();
    let defs = common::defs();
    fuzz(
        "draft parser, values of every shape",
        proptest::collection::vec((0..keys.len() + 3, json_value()), 1..6),
        |edits| {
            let mut d = base.clone();
            for (k, v) in edits {
                let key = keys
                    .get(k)
                    .cloned()
                    .unwrap_or_else(|| format!("unknown_{k}"));
                d.values.insert(key, v);
            }
            let text = d.to_json();
            draft_round_trips(text.as_bytes());
            let form = defs.form(&d.list).unwrap();
            let _ = kczg_form::validate(&defs, form, &d, common::today());
            // And through the .docx: export (as a preview) and import give the draft back.
            let options = ExportOptions {
                preview: true,
                today: common::today(),
            };
            let mut cleaned = d.clone();
            cleaned.strip_control_chars();
            if let Ok(bytes) = export(&defs, form, &d, options) {
                let back = import::read_draft(&bytes).expect("an export imports");
                assert_eq!(back, cleaned);
            }
        },
    );
}

// ---------------------------------------------------------------------------------------------
// The .docx import
// ---------------------------------------------------------------------------------------------

fn exported(name: &str) -> Vec<u8> {
    let defs = common::defs();
    let draft = common::fixture(name);
    let form = defs.form(&draft.list).unwrap();
    let options = ExportOptions {
        preview: true,
        today: common::today(),
    };
    export(&defs, form, &draft, options).unwrap()
}

#[test]
fn fuzz_the_docx_import_with_mutated_archives() {
    let docx = exported("leading_tech-equipment");
    let defs = common::defs();
    fuzz("docx import, mutated bytes", mutations(), |ms| {
        let bytes = mutate(&docx, &ms);
        let _ = import::import(&defs, &bytes);
    });
}

/// The archive's parts, to be mutated one at a time and packed again (the zip stays valid, so
/// the XML readers get the mutations).
fn parts(zip: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut f = archive.by_index(i).unwrap();
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).unwrap();
            (f.name().to_owned(), bytes)
        })
        .collect()
}

fn pack(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1));
    for (name, bytes) in parts {
        zip.start_file(name.as_str(), options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

#[test]
fn fuzz_the_docx_import_with_mutated_xml() {
    let docx = exported("emerging_enterprise");
    let original = parts(&docx);
    let targets: Vec<usize> = original
        .iter()
        .enumerate()
        .filter(|(_, (n, _))| n == "word/document.xml" || n.starts_with("customXml/item"))
        .map(|(i, _)| i)
        .collect();
    let defs = common::defs();
    fuzz(
        "docx import, mutated XML parts",
        (0..targets.len(), mutations()),
        |(t, ms)| {
            let mut p = original.clone();
            let i = targets[t];
            p[i].1 = mutate(&p[i].1, &ms);
            let _ = import::import(&defs, &pack(&p));
        },
    );
}

/// Rows deleted and copied at random, as people do in Word (with their controls, or — Tab in the
/// last cell — without): the document stays well-formed, so the import must read it, whatever
/// rows are left, and every change against the embedded draft must be a listed one.
#[test]
fn fuzz_the_docx_import_with_rows_deleted_and_copied() {
    let docx = exported("tech_manager");
    let original = parts(&docx);
    let at = original
        .iter()
        .position(|(n, _)| n == "word/document.xml")
        .unwrap();
    let xml = String::from_utf8(original[at].1.clone()).unwrap();
    // Our tables are not nested: each row runs from `<w:tr>` to the next `</w:tr>`.
    let mut rows = Vec::new();
    let mut from = 0;
    while let Some(start) = xml[from..].find("<w:tr>").map(|i| from + i) {
        let end = xml[start..].find("</w:tr>").map(|i| start + i + 7).unwrap();
        rows.push(start..end);
        from = end;
    }
    let strip_controls = |row: &str| -> String {
        // The row as Word copies it on Tab: the cells and paragraphs, no controls, no text.
        regex::Regex::new(r"<w:sdt>.*?</w:sdt>")
            .unwrap()
            .replace_all(row, "")
            .into_owned()
    };
    let defs = common::defs();
    let ops = proptest::collection::vec((0..rows.len(), 0u8..3), 1..6);
    fuzz("docx import, rows deleted and copied", ops, |ops| {
        let mut text = String::with_capacity(xml.len() * 2);
        let mut last = 0;
        let mut ops = ops.clone();
        ops.sort();
        ops.dedup_by_key(|(r, _)| *r);
        for (r, op) in ops {
            let row = &xml[rows[r].clone()];
            text.push_str(&xml[last..rows[r].start]);
            match op {
                0 => {}                             // deleted
                1 => text.push_str(&row.repeat(2)), // copied with its controls
                _ => {
                    text.push_str(row); // Tab: an empty copy under it
                    text.push_str(&strip_controls(row));
                }
            }
            last = rows[r].end;
        }
        text.push_str(&xml[last..]);
        let mut p = original.clone();
        p[at].1 = text.into_bytes();
        let imported = import::import(&defs, &pack(&p)).expect("a well-formed document reads");
        let edited: std::collections::BTreeSet<String> = imported
            .edits
            .iter()
            .map(|e| e.field.split(['[', '.']).next().unwrap().to_owned())
            .collect();
        let before = common::fixture("tech_manager");
        for (key, value) in &before.values {
            if imported.draft.values.get(key) != Some(value) {
                assert!(edited.contains(key), "{key} changed without being listed");
            }
        }
    });
}

// ---------------------------------------------------------------------------------------------
// The previous-winners reader
// ---------------------------------------------------------------------------------------------

fn previous_from(name: &str, bytes: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    if let Ok(list) = PreviousWinners::load(&path) {
        assert!(!list.names.is_empty());
        // Matching against any of them works.
        let m = list.matcher();
        let _ = m.find(&list.names[0]);
    }
}

#[test]
fn fuzz_the_previous_winners_reader_with_text_and_csv() {
    fuzz(
        "previous winners, .txt and .csv",
        (
            any::<bool>(),
            proptest::collection::vec(any::<u8>(), 0..1024),
        ),
        |(csv, bytes)| previous_from(if csv { "p.csv" } else { "p.txt" }, &bytes),
    );
}

#[test]
fn fuzz_the_previous_winners_reader_with_mutated_xlsx() {
    let sheet = r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>备注</t></is></c></row><row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2"><v>2021</v></c></row><row r="3"><c r="A3" t="str"><v>某某&amp;研究院</v></c></row></sheetData></worksheet>"#;
    let shared = r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>名称</t></si><si><r><t>合肥</t></r><r><t>晶叠光能</t></r><rPh><t>ヨミ</t></rPh></si></sst>"#;
    let workbook = r#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
    let rels = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
    let original: Vec<(String, Vec<u8>)> = [
        ("xl/workbook.xml", workbook),
        ("xl/_rels/workbook.xml.rels", rels),
        ("xl/sharedStrings.xml", shared),
        ("xl/worksheets/sheet1.xml", sheet),
    ]
    .iter()
    .map(|(n, t)| ((*n).to_owned(), t.as_bytes().to_vec()))
    .collect();
    // The unmutated list reads as expected: the 名称 column, rich text joined, phonetics left out.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.xlsx");
    std::fs::write(&path, pack(&original)).unwrap();
    let list = PreviousWinners::load(&path).unwrap();
    assert_eq!(list.names, vec!["合肥晶叠光能", "某某&研究院"]);
    fuzz(
        "previous winners, mutated .xlsx",
        (0..original.len(), mutations(), any::<bool>()),
        |(i, ms, whole)| {
            let bytes = if whole {
                mutate(&pack(&original), &ms)
            } else {
                let mut p = original.clone();
                p[i].1 = mutate(&p[i].1, &ms);
                pack(&p)
            };
            previous_from("p.xlsx", &bytes);
        },
    );
}

/// Numbers in every spelling JSON allows — long integers, long fractions, exponents, trailing
/// zeros — under unknown keys and a known decimal field: written back exactly as they came, and
/// after one of them is edited, that one is written as it now is and the others still as they came.
#[test]
fn fuzz_number_spellings_are_written_back_as_they_came() {
    let base = common::fixture("emerging_enterprise").to_json();
    let number = "-?[1-9][0-9]{0,30}(\\.[0-9]{1,25})?([eE][+-]?[1-9][0-9]?)?";
    fuzz(
        "number spellings kept",
        (proptest::collection::vec(number, 1..6), 0usize..6, number),
        |(numbers, edit, replacement)| {
            let mut inserted = String::new();
            for (i, n) in numbers.iter().enumerate() {
                inserted.push_str(&format!("\n    \"k{i}\": {{\"n\": [{n}]}},"));
            }
            inserted.push_str(&format!("\n    \"ent_capital\": {},", numbers[0]));
            let text = base.replacen("\"ent_capital\": 3200,", "", 1).replacen(
                "\"values\": {",
                &format!("\"values\": {{{inserted}"),
                1,
            );
            let Ok(draft) = Draft::from_json(&text) else {
                return; // e.g. an exponent beyond f64: refused as a whole, never half-read
            };
            let written = draft.to_json();
            for n in &numbers {
                assert!(written.contains(n.as_str()), "{n} lost in {written}");
            }
            let edit = edit % numbers.len();
            let mut edited = draft.clone();
            let new: serde_json::Value =
                serde_json::from_str(&format!("{{\"n\": [{replacement}]}}")).unwrap();
            edited.values.insert(format!("k{edit}"), new.clone());
            let again = Draft::from_json(&edited.to_json()).unwrap();
            assert_eq!(again.values[&format!("k{edit}")], new);
            // The others: the same value, and the same spelling (kept verbatim where a float
            // could not carry it; integers print the same anyway).
            let rewritten = edited.to_json();
            for (i, n) in numbers.iter().enumerate() {
                if i != edit {
                    let key = format!("k{i}");
                    assert_eq!(again.values[&key], draft.values[&key], "{key}");
                    let verbatim = format!("\"{key}\": {{\"n\": [{n}]}}");
                    let inexact = draft.values[&key]["n"][0].is_f64();
                    assert!(
                        !inexact || rewritten.contains(&verbatim),
                        "{key} = {n} lost after editing k{edit}"
                    );
                }
            }
        },
    );
}
