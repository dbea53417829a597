//! The draft store: listing 500 drafts (index warm, and cold after the index is removed), and
//! one save of a maximal draft (what an autosave does).
#![allow(clippy::disallowed_methods)] // tests set up their files directly

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use kczg_form::store::Store;
use kczg_form::{Definitions, Draft, sample};

fn fixtures() -> Vec<Draft> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| Draft::from_slice(&std::fs::read(e.unwrap().path()).unwrap()).unwrap())
        .collect()
}

fn listing(c: &mut Criterion) {
    let defs = Definitions::embedded();
    let today = NaiveDate::from_ymd_opt(2023, 11, 15).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path()).unwrap();
    let drafts = fixtures();
    for i in 0..500 {
        store.create(&drafts[i % drafts.len()]).unwrap();
    }
    assert_eq!(store.list(&defs, today).len(), 500);
    c.bench_function("list_500_drafts_index_warm", |b| {
        b.iter(|| black_box(store.list(&defs, today)))
    });
    c.bench_function("list_500_drafts_index_cold", |b| {
        b.iter(|| {
            let _ = std::fs::remove_file(dir.path().join("index.json"));
            black_box(store.list(&defs, today))
        })
    });
}

fn autosave(c: &mut Criterion) {
    let defs = Definitions::embedded();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path()).unwrap();
    let form = defs.form("leading_tech").unwrap();
    let mut draft = sample::maximal(&defs, form, Some("industrial_foundation"), 200);
    let id = store.create(&draft).unwrap();
    let mut n = 0u64;
    c.bench_function("save_maximal_draft_200_rows", |b| {
        b.iter(|| {
            n += 1;
            draft
                .values
                .insert("tech_name".into(), n.to_string().into());
            store.save(&id, black_box(&draft)).unwrap()
        })
    });
}

criterion_group!(benches, listing, autosave);
criterion_main!(benches);
