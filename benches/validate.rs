//! Validating a maximal form: every text at its limit, 200 rows in every table.
//! Target (product.md §8): under 1 ms on the 2-core reference machine.
#![allow(clippy::disallowed_methods)] // tests set up their files directly

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use kczg_form::{Definitions, sample, validate};

fn maximal_forms(c: &mut Criterion) {
    let defs = Definitions::embedded();
    let today = NaiveDate::from_ymd_opt(2023, 11, 15).unwrap();
    let mut group = c.benchmark_group("validate_maximal_200_rows");
    for form in &defs.forms {
        let domain = form.domains.last().map(|d| d.id.as_str());
        let draft = sample::maximal(&defs, form, domain, 200);
        group.bench_function(&form.id, |b| {
            b.iter(|| validate(black_box(&defs), form, black_box(&draft), today))
        });
    }
    group.finish();
}

fn parse_and_validate(c: &mut Criterion) {
    let defs = Definitions::embedded();
    let today = NaiveDate::from_ymd_opt(2023, 11, 15).unwrap();
    let form = defs.form("leading_tech").unwrap();
    let json = sample::maximal(&defs, form, Some("industrial_foundation"), 200).to_json();
    c.bench_function("parse_and_validate_maximal_leading_tech", |b| {
        b.iter(|| {
            let draft = kczg_form::Draft::from_json(black_box(&json)).unwrap();
            validate(&defs, form, &draft, today)
        })
    });
}

criterion_group!(benches, maximal_forms, parse_and_validate);
criterion_main!(benches);
