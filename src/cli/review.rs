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
        ReviewAction::Assign {
            dir,
            per,
            add,
            remove,
        } => {
            if add.is_empty() && remove.is_empty() {
                assign_cmd(defs, &dir, per)
            } else {
                by_hand(&dir, &add, &remove)
            }
        }
        ReviewAction::Explain { dir, app, expert } => {
            explain_cmd(defs, &dir, &app, expert.as_deref())
        }
        ReviewAction::Status { dir, json } => status(defs, &dir, json),
        ReviewAction::Pack { dir, output } => pack_cmd(defs, &dir, &output),
        ReviewAction::Collect { dir, files } => collect_cmd(defs, &dir, &files),
        ReviewAction::Rank {
            dir,
            output,
            docx,
            normalise,
        } => rank_cmd(defs, &dir, &output, docx.as_deref(), normalise),
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
    let sheets = match store.sheet_state(&review) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let confirmed = match store.confirmed() {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
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
            "sheets": sheets,
            "confirmed": confirmed,
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
    println!(
        "评分表：发出 {} 份（{} 位专家有分配），收回 {} 份（其中 {} 份有问题），未收回 {} 份；已采用评分 {} 项。",
        sheets.packed,
        sheets.experts,
        sheets.returned,
        sheets.with_findings,
        sheets.missing,
        sheets.scores
    );
    match &confirmed {
        Some(c) => println!("排名已确认：{}。", c.summary()),
        None => println!("排名尚未确认（在窗口的「专家评审」页确认建议的推荐与排序）。"),
    }
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

fn open_review(dir: &Path) -> Result<(ReviewStore, Review), ExitCode> {
    let store = ReviewStore::open(dir).map_err(fail)?;
    let review = store.load().map_err(fail)?;
    Ok((store, review))
}

fn pack_cmd(defs: &Definitions, dir: &Path, output: &Path) -> ExitCode {
    let (mut store, review) = match open_review(dir) {
        Ok(x) => x,
        Err(code) => return code,
    };
    if review.assignments.is_empty() {
        return fail(format!(
            "还没有分配专家：请先运行 kczg-form review assign {}",
            dir.display()
        ));
    }
    let inputs: Vec<PathBuf> = review
        .apps
        .iter()
        .map(|a| PathBuf::from(&a.source))
        .collect();
    let input_refs: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
    if let Err(code) = refuse_overlap(
        &input_refs,
        &[output, &dir.join(kczg_form::review::store::DB_NAME)],
    ) {
        return code;
    }
    let secret = match store.secret() {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    if let Err(e) = files::create_private_dir(output) {
        return fail(e);
    }
    let date = chrono::Local::now().fixed_offset();
    let mut written = 0;
    let mut problems = 0;
    let mut names: Vec<String> = Vec::new();
    for (e, expert) in review.experts.iter().enumerate() {
        if !review.assignments.iter().any(|a| a.expert == e) {
            continue;
        }
        let mut pack = match kczg_form::review::pack::pack(defs, &review, &secret, e, date) {
            Ok(p) => p,
            Err(err) => return fail(err),
        };
        // Two experts of one name: the second's files are told apart by their e-mail.
        if names.contains(&pack.zip_name) {
            let user = expert.email.split('@').next().unwrap_or("");
            pack.zip_name = pack
                .zip_name
                .replace("-评审包.zip", &format!("-{user}-评审包.zip"));
            pack.eml_name = pack
                .eml_name
                .replace("-评审包.eml", &format!("-{user}-评审包.eml"));
        }
        names.push(pack.zip_name.clone());
        for m in &pack.missing {
            eprintln!("{}：{m}", expert.name);
            problems += 1;
        }
        for (name, bytes) in [(&pack.zip_name, &pack.zip), (&pack.eml_name, &pack.eml)] {
            if let Err(err) = files::write_atomic(&output.join(name), bytes) {
                return fail(err);
            }
        }
        if let Err(err) = store.packed(expert, pack.apps) {
            return fail(err);
        }
        written += 1;
    }
    println!(
        "已生成 {written} 位专家的评审包和邮件草稿，在 {}。用邮件程序打开各 .eml 即可发送。",
        output.display()
    );
    if problems > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The 评分表 in a file: the .xlsx itself, or each .xlsx attached to an e-mail.
fn sheets_in(path: &Path) -> Result<Vec<(String, Vec<u8>)>, String> {
    let bytes = kczg_form::files::read_bounded(path, kczg_form::limits::PREVIOUS_BYTES)
        .map_err(|e| e.to_string())?;
    let shown = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if bytes.starts_with(b"PK\x03\x04") {
        return Ok(vec![(shown, bytes)]);
    }
    let Some(message) = mail_parser::MessageParser::default().parse(&bytes) else {
        return Err(format!("{shown}：不是评分表（.xlsx）也不是邮件（.eml）"));
    };
    use mail_parser::MimeHeaders;
    let found: Vec<(String, Vec<u8>)> = message
        .attachments()
        .filter_map(|a| {
            let name = a.attachment_name()?.to_owned();
            name.to_lowercase()
                .ends_with(".xlsx")
                .then(|| (format!("{shown} 中的「{name}」"), a.contents().to_vec()))
        })
        .collect();
    if found.is_empty() {
        return Err(format!("{shown}：邮件中没有 .xlsx 评分表附件"));
    }
    Ok(found)
}

fn collect_cmd(defs: &Definitions, dir: &Path, paths: &[PathBuf]) -> ExitCode {
    let (mut store, review) = match open_review(dir) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let secret = match store.secret() {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let mut findings = 0;
    let mut unusable = 0;
    let expected = kczg_form::review::collect::Expected::new(defs, &review, &secret);
    for path in paths {
        let sheets = match sheets_in(path) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("错误：{e}");
                unusable += 1;
                continue;
            }
        };
        for (shown, bytes) in sheets {
            let returned = match kczg_form::review::collect::read_returned_with(
                defs, &review, &expected, &shown, &bytes,
            ) {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("错误：{e}");
                    unusable += 1;
                    continue;
                }
            };
            for f in &returned.findings {
                println!("  {f}");
            }
            findings += returned.findings.len();
            let Some(e) = returned.expert else {
                unusable += 1;
                continue;
            };
            match store.record_return(&review, &returned, &shown) {
                Ok(replaced) => println!(
                    "已收回{}的评分表（{shown}）：采用 {} 行，{} 处问题{}",
                    review.experts[e].name,
                    returned.taken.len(),
                    returned.findings.len(),
                    if replaced {
                        "；替换了之前收回的评分表"
                    } else {
                        ""
                    }
                ),
                Err(err) => return fail(err),
            }
        }
    }
    if unusable > 0 {
        ExitCode::from(2)
    } else if findings > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn rank_cmd(
    defs: &Definitions,
    dir: &Path,
    output: &Path,
    docx: Option<&Path>,
    normalised: bool,
) -> ExitCode {
    let (store, review) = match open_review(dir) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let mut outs = vec![output];
    outs.extend(docx);
    if let Err(code) = refuse_overlap(&[&dir.join(kczg_form::review::store::DB_NAME)], &outs) {
        return code;
    }
    let scored = match store.scores(&review) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    if scored.is_empty() {
        return fail(format!(
            "还没有收回任何评分表：请先运行 kczg-form review collect {} 评分表.xlsx",
            dir.display()
        ));
    }
    let groups = kczg_form::review::rank::rank(defs, &review, &scored, normalised);
    let bytes = match kczg_form::review::results::results_xlsx(defs, &review, &groups, normalised) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let print = match docx
        .map(|_| kczg_form::review::print::results_docx(defs, &review, &groups, normalised))
        .transpose()
    {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    if let Err(e) = files::write_atomic(output, &bytes) {
        return fail(e);
    }
    if let (Some(path), Some(print)) = (docx, print) {
        if let Err(e) = files::write_atomic(path, &print) {
            return fail(e);
        }
        println!("已写出打印用的评审结果汇总表：{}", path.display());
    }
    let unscored = groups
        .iter()
        .flat_map(|g| &g.placed)
        .filter(|p| p.mean.is_none())
        .count();
    let disagreements = groups
        .iter()
        .flat_map(|g| &g.placed)
        .filter(|p| p.disagreement)
        .count();
    println!("已写出评审结果汇总表：{}", output.display());
    for g in &groups {
        let proposed = g.placed.iter().filter(|p| p.proposed).count();
        println!(
            "  {}：{} 份，建议推荐 {proposed} 份",
            g.name,
            g.placed.len()
        );
    }
    if disagreements > 0 {
        println!("  {disagreements} 份申报的专家评分分歧较大（见「意见分歧」一栏）");
    }
    if unscored > 0 {
        println!("  {unscored} 份申报还没有收回评分，未排名");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

/// The application whose key (or id) starts with `key`; several or none is an error.
fn find_app(review: &Review, key: &str) -> Result<usize, String> {
    let key = key.trim().to_lowercase();
    let found: Vec<usize> = (0..review.apps.len())
        .filter(|&i| !key.is_empty() && review.apps[i].id.starts_with(&key))
        .collect();
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!(
            "没有申报编号为「{key}」的申报（见评分表或 review status --json）"
        )),
        _ => Err(format!("申报编号「{key}」对应多份申报，请多写几位")),
    }
}

fn find_expert(review: &Review, email: &str) -> Result<usize, String> {
    let email = email.trim().to_lowercase();
    review
        .experts
        .iter()
        .position(|e| e.email == email)
        .ok_or_else(|| format!("专家名单中没有邮箱为「{email}」的专家"))
}

/// `assign --add/--remove`: assignments by hand, each at once; a conflicted expert is refused.
fn by_hand(dir: &Path, add: &[String], remove: &[String]) -> ExitCode {
    let (mut store, review) = match open_review(dir) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let mut refused = 0;
    for (pair, on) in add
        .iter()
        .map(|p| (p, true))
        .chain(remove.iter().map(|p| (p, false)))
    {
        let Some((app, email)) = pair.split_once('=') else {
            eprintln!("错误：「{pair}」应写作 申报编号=专家邮箱");
            refused += 1;
            continue;
        };
        let (a, e) = match (find_app(&review, app), find_expert(&review, email)) {
            (Ok(a), Ok(e)) => (a, e),
            (Err(why), _) | (_, Err(why)) => {
                eprintln!("错误：{why}");
                refused += 1;
                continue;
            }
        };
        let (app, expert) = (&review.apps[a], &review.experts[e]);
        if on && let Some(why) = kczg_form::review::conflict(expert, app) {
            eprintln!(
                "错误：不能把「{}」分给{}：需回避——{why}",
                app.name, expert.name
            );
            refused += 1;
            continue;
        }
        if let Err(err) = store.set_by_hand(app, expert, on) {
            return fail(err);
        }
        println!(
            "已{}：{} 评审「{}」",
            if on { "手工指定" } else { "取消" },
            expert.name,
            app.name
        );
    }
    if refused > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

fn explain_cmd(defs: &Definitions, dir: &Path, app: &str, expert: Option<&str>) -> ExitCode {
    let (_, review) = match open_review(dir) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let a = match find_app(&review, app) {
        Ok(a) => a,
        Err(e) => return fail(e),
    };
    let experts: Vec<usize> = match expert {
        Some(email) => match find_expert(&review, email) {
            Ok(e) => vec![e],
            Err(err) => return fail(err),
        },
        None => (0..review.experts.len()).collect(),
    };
    let app_ = &review.apps[a];
    println!(
        "「{}」（{}，{}）",
        app_.name,
        app_.unit,
        app_.list_text(defs)
    );
    for e in experts {
        println!(
            "  {}",
            kczg_form::review::assign::explain(
                defs,
                &review.apps,
                &review.experts,
                &review.assignments,
                a,
                e
            )
        );
    }
    ExitCode::SUCCESS
}
