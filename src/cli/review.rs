//! `review`: the expert review, headless (a review folder; see [`kczg_form::review`]).

use super::*;

use kczg_form::review::store::{Review, ReviewStore};
use kczg_form::review::{Application, AssignPlan, assign, read_experts};

pub(super) fn review(defs: &Definitions, action: ReviewAction) -> ExitCode {
    match action {
        ReviewAction::Init {
            dir,
            experts,
            inbox,
        } => init(defs, &dir, &experts, &inbox),
        ReviewAction::Assign { dir, per } => assign_cmd(defs, &dir, per),
        ReviewAction::Status { dir, json } => status(defs, &dir, json),
    }
}

fn fail(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("错误：{e}");
    ExitCode::from(2)
}

fn init(defs: &Definitions, dir: &Path, experts: &Path, inbox: &[PathBuf]) -> ExitCode {
    let mut inputs: Vec<&Path> = inbox.iter().map(PathBuf::as_path).collect();
    inputs.push(experts);
    let db = dir.join(kczg_form::review::store::DB_NAME);
    if let Err(code) = refuse_overlap(&inputs, &[&db]) {
        return code;
    }
    let list = match read_experts(experts) {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    for r in &list.refused {
        eprintln!("专家名单：{r}");
    }
    let batch = kczg_form::consolidate::scan(defs, inbox, &|_, _| {});
    let mut desk = kczg_form::consolidate::Desk::from_batch(batch);
    desk.revalidate(defs, chrono::Local::now().date_naive());
    let apps: Vec<Application> = desk
        .submissions
        .iter()
        .filter_map(|s| Application::of(defs, s))
        .collect();
    for p in &desk.problems {
        eprintln!("申报材料：{p}");
    }
    if apps.is_empty() {
        return fail(format!(
            "收件箱中没有可评审的申报表（{}）",
            inbox
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join("、")
        ));
    }
    let per = defs.review.settings.reviewers;
    match ReviewStore::create(dir, &list.experts, &apps, per) {
        Ok(_) => {
            println!(
                "已在 {} 开始评审：{} 位专家，{} 份申报。下一步：kczg-form review assign {}",
                dir.display(),
                list.experts.len(),
                apps.len(),
                dir.display()
            );
            if list.refused.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => fail(e),
    }
}

fn assign_cmd(defs: &Definitions, dir: &Path, per: Option<usize>) -> ExitCode {
    let mut store = match ReviewStore::open(dir) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let review = match store.load() {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let per = per.unwrap_or(review.per);
    if !(1..=10).contains(&per) {
        return fail(format!("--per 应为 1–10 人，现为 {per}"));
    }
    let outcome = assign(
        defs,
        &review.apps,
        &review.experts,
        AssignPlan { per },
        &review.assignments,
    );
    let before = review.assignments.len();
    if let Err(e) = store.save_assignments(&review, &outcome.assignments, per) {
        return fail(e);
    }
    println!(
        "已分配：{} 份申报，每份 {per} 位专家；新增 {} 项，保留原有 {before} 项。",
        review.apps.len(),
        outcome.assignments.len().saturating_sub(before)
    );
    for (app, got, why) in &outcome.short {
        let a = &review.apps[*app];
        println!(
            "  不足：「{}」（{}）只分到 {got} 位：{why}",
            a.name,
            a.list_text(defs)
        );
    }
    if outcome.short.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// What `status` shows, as numbers.
fn counts(review: &Review) -> (Vec<usize>, usize) {
    let mut load = vec![0usize; review.experts.len()];
    let mut per_app = vec![0usize; review.apps.len()];
    for a in &review.assignments {
        load[a.expert] += 1;
        per_app[a.app] += 1;
    }
    let short = per_app.iter().filter(|&&n| n < review.per).count();
    (load, short)
}

fn status(defs: &Definitions, dir: &Path, json: bool) -> ExitCode {
    let store = match ReviewStore::open(dir) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let review = match store.load() {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let (load, short) = counts(&review);
    if json {
        let experts: Vec<serde_json::Value> = review
            .experts
            .iter()
            .zip(&load)
            .map(|(e, n)| serde_json::json!({"name": e.name, "email": e.email, "unit": e.unit, "assigned": n}))
            .collect();
        let out = serde_json::json!({
            "dir": dir.display().to_string(),
            "applications": review.apps.len(),
            "experts": review.experts.len(),
            "per": review.per,
            "assignments": review.assignments.len(),
            "short": short,
            "by_expert": experts,
        });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        return ExitCode::SUCCESS;
    }
    println!("评审文件夹：{}", dir.display());
    println!(
        "申报 {} 份，专家 {} 位，每份 {} 位专家；已分配 {} 项，{} 份尚未分满。",
        review.apps.len(),
        review.experts.len(),
        review.per,
        review.assignments.len(),
        short
    );
    let mut lists: Vec<(String, usize)> = Vec::new();
    for a in &review.apps {
        let t = a.list_text(defs);
        match lists.iter_mut().find(|(l, _)| *l == t) {
            Some((_, n)) => *n += 1,
            None => lists.push((t, 1)),
        }
    }
    for (l, n) in lists {
        println!("  {l}：{n} 份");
    }
    for (e, n) in review.experts.iter().zip(&load) {
        println!("  {}（{}）：{n} 份", e.name, e.unit);
    }
    ExitCode::SUCCESS
}
