//! `consolidate`: the secretariat's summary, headless.

use super::*;

/// Where `consolidate` writes.
pub(super) struct SummaryOutputs {
    pub(super) xlsx: PathBuf,
    pub(super) csv: Option<PathBuf>,
    pub(super) docx: Option<PathBuf>,
}

/// `consolidate`: scan, check, write the 推荐汇总表. Exit 0 when the summary was written, else 2.
pub(super) fn consolidate(
    defs: &Definitions,
    paths: &[PathBuf],
    outputs: &SummaryOutputs,
    previous: Option<&Path>,
) -> ExitCode {
    use kczg_form::consolidate::{self, Desk, PreviousWinners};
    use std::io::{IsTerminal, Write};
    use std::sync::Mutex;
    use std::time::{Duration, Instant};

    // An output that is an input, lies in an input folder or is named twice: nothing is read.
    let mut inputs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    inputs.extend(previous);
    let mut outs: Vec<&Path> = vec![&outputs.xlsx];
    outs.extend(outputs.csv.as_deref());
    outs.extend(outputs.docx.as_deref());
    if let Err(code) = refuse_overlap(&inputs, &outs) {
        return code;
    }

    // The previous-winners list first: asked for and unreadable means no summary.
    let previous = match previous.map(PreviousWinners::load).transpose() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("错误：{e}");
            return ExitCode::from(2);
        }
    };

    // One line on stderr, rewritten at most ten times a second (on a terminal only).
    let terminal = std::io::stderr().is_terminal();
    let last = Mutex::new(None::<Instant>);
    let progress = |done: usize, total: usize| {
        if !terminal {
            return;
        }
        let Ok(mut last) = last.lock() else { return };
        if done < total && last.is_some_and(|t| t.elapsed() < Duration::from_millis(100)) {
            return;
        }
        *last = Some(Instant::now());
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r正在读取申报材料：{done}/{total}");
        let _ = err.flush();
    };
    let batch = consolidate::scan(defs, paths, &progress);
    if terminal {
        eprint!("\r\x1b[K");
    }
    let files = batch.files;
    for p in &batch.problems {
        eprintln!("问题：{}", p.message);
    }
    for link in &batch.links {
        eprintln!("注意：{}", consolidate::link_notice(link));
    }
    let problems = batch.problems.len();
    let mut desk = Desk::from_batch(batch);
    desk.previous = previous;
    if desk.submissions.iter().all(|s| s.manual.is_some()) {
        eprintln!(
            "错误：没有可汇总的申报表（查看了 {files} 个文件，没有一份能读成申报表）。请指定收到的申报表（.docx）、草稿（.json）、邮件（.eml）或申报材料包（.zip）所在的文件或文件夹。"
        );
        return ExitCode::from(2);
    }
    let rows = consolidate::rows(defs, &desk);

    // Every output is built first, then all are written as one: either all are replaced or
    // none is, so the .xlsx, .csv and .docx never disagree.
    let mut built: Vec<(&Path, &str, Vec<u8>)> = Vec::new();
    let mut failed = None;
    match consolidate::xlsx(defs, &desk, &rows) {
        Ok(x) => {
            for warning in &x.cut {
                eprintln!("注意：{warning}");
            }
            built.push((&outputs.xlsx, "推荐汇总表", x.bytes));
        }
        Err(e) => failed = Some(e.to_string()),
    }
    if let Some(path) = &outputs.csv {
        built.push((path, "汇总表 CSV", consolidate::csv(&rows)));
    }
    if let Some(path) = &outputs.docx {
        match consolidate::summary_docx(defs, &rows, desk.recommender(defs)) {
            Ok(bytes) => built.push((path, "汇总表（Word，供打印盖章）", bytes)),
            Err(e) => failed = Some(e.to_string()),
        }
    }
    let ok = match failed {
        Some(e) => {
            eprintln!("错误：{e}（未写出任何汇总表）");
            false
        }
        None => {
            let files: Vec<(&Path, &[u8])> =
                built.iter().map(|(p, _, b)| (*p, b.as_slice())).collect();
            match files::write_all_atomic(&files) {
                Ok(()) => {
                    for (path, what, _) in &built {
                        println!("已写出{what}：{}", path.display());
                    }
                    true
                }
                Err(e) => {
                    eprintln!("错误：{e}。未写出任何汇总表，原有的汇总表保持不变");
                    false
                }
            }
        }
    };

    let mut per_list = Vec::new();
    for form in &defs.forms {
        let n = rows.iter().filter(|r| r.list == form.id).count();
        if n > 0 {
            per_list.push(format!("{} {n} 份", form.name));
        }
    }
    let manual = rows.iter().filter(|r| !r.manual.is_empty()).count();
    let forms = rows.len() - manual;
    let with_errors = rows
        .iter()
        .filter(|r| r.errors > 0 && r.manual.is_empty())
        .count();
    let duplicates = rows
        .iter()
        .filter(|r| r.duplicates.iter().any(|d| !d.weak()))
        .count();
    let same_names = rows
        .iter()
        .filter(|r| !r.duplicates.is_empty() && r.duplicates.iter().all(|d| d.weak()))
        .count();
    let exact = rows
        .iter()
        .filter(|r| r.previous.as_ref().is_some_and(|p| p.exact))
        .count();
    let close = rows
        .iter()
        .filter(|r| r.previous.as_ref().is_some_and(|p| !p.exact))
        .count();
    println!(
        "共汇总 {forms} 份申报（{}）；其中 {with_errors} 份有错误，{duplicates} 份疑似重复{}{}。{}",
        per_list.join("，"),
        if same_names > 0 {
            format!("，{same_names} 份与其他单位的技术名称相同")
        } else {
            String::new()
        },
        if desk.previous.is_some() {
            format!("，{exact} 份与历年入选名单相同，{close} 份疑似历年入选")
        } else {
            String::new()
        },
        if manual > 0 {
            format!("另有 {manual} 个文件需人工处理（列在汇总表的「需人工处理」中）。")
        } else {
            String::new()
        }
    );
    if problems > 0 {
        println!("{problems} 个文件有问题（见上方“问题”），请逐一核对。");
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}
