//! The expert review at scale (issue 23): 10,000 applications, 500 experts, 3 reviews each.
//! Target: assignment under 5 s, memory under 500 MB, on the 2-core reference machine.
//!
//! `cargo bench --bench review` prints the assignment time (median of 3 runs), the peak
//! resident memory of this process (VmHWM), and checks the outcome: no conflict assigned,
//! every application served, loads within one of each other.
#![allow(clippy::disallowed_methods)]

use std::time::Instant;

use kczg_form::Definitions;
use kczg_form::review::{Application, AssignPlan, Expert, assign, conflict};

const APPS: usize = 10_000;
const EXPERTS: usize = 500;
const RUNS: usize = 3;

fn main() {
    let defs = Definitions::embedded();
    let lists: Vec<(String, Option<String>)> = defs
        .forms
        .iter()
        .flat_map(|f| {
            if f.domains.is_empty() {
                vec![(f.id.clone(), None)]
            } else {
                f.domains
                    .iter()
                    .map(|d| (f.id.clone(), Some(d.id.clone())))
                    .collect()
            }
        })
        .collect();
    let fields = [
        "电子信息",
        "生物医药",
        "装备制造",
        "先进材料",
        "绿色低碳",
        "产业基础",
        "技术转移",
        "孵化",
        "企业",
    ];
    // 300 units hold the applications; every tenth expert works at one of them.
    let unit = |i: usize| format!("河南省第{i}号科技发展有限公司");
    let apps: Vec<Application> = (0..APPS)
        .map(|i| {
            let (list, domain) = lists[i % lists.len()].clone();
            let u = unit(i % 300);
            Application {
                id: format!("{i:032x}"),
                list,
                domain,
                name: format!("申报{i}"),
                unit: u.clone(),
                code: String::new(),
                parties: vec![kczg_form::consolidate::normalize::name(&u)],
                source: format!("收件箱/{i}.docx"),
            }
        })
        .collect();
    let experts: Vec<Expert> = (0..EXPERTS)
        .map(|i| Expert {
            name: format!("专家{i}"),
            unit: if i % 10 == 0 {
                unit(i % 300)
            } else {
                format!("第{i}大学")
            },
            unit_code: String::new(),
            fields: fields[i % fields.len()].to_owned(),
            email: format!("e{i}@example.cn"),
            declared: Vec::new(),
        })
        .collect();
    let mut times = Vec::new();
    let mut outcome = None;
    for _ in 0..RUNS {
        let started = Instant::now();
        let out = assign(&defs, &apps, &experts, AssignPlan { per: 3 }, &[]);
        times.push(started.elapsed().as_secs_f64());
        outcome = Some(out);
    }
    times.sort_by(f64::total_cmp);
    let out = outcome.expect("ran");
    assert!(
        out.short.is_empty(),
        "{} applications short",
        out.short.len()
    );
    assert_eq!(out.assignments.len(), APPS * 3);
    let mut load = vec![0usize; EXPERTS];
    for a in &out.assignments {
        assert!(conflict(&experts[a.expert], &apps[a.app]).is_none());
        load[a.expert] += 1;
    }
    let (min, max) = (load.iter().min().unwrap(), load.iter().max().unwrap());
    let peak = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .unwrap_or(0);
    println!(
        "review assign: {APPS} applications × {EXPERTS} experts × 3: median {:.2} s (runs {:?}); loads {min}–{max}; peak memory {} MB",
        times[RUNS / 2],
        times.iter().map(|t| format!("{t:.2}")).collect::<Vec<_>>(),
        peak / 1024
    );
    if times[RUNS / 2] > 5.0 || peak > 500 * 1024 {
        eprintln!("over the target: assignment < 5 s, memory < 500 MB");
        std::process::exit(1);
    }
}
