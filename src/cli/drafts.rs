//! `drafts`: the local draft store, headless.

use super::*;

pub(super) fn drafts(
    defs: &Definitions,
    data_dir: Option<&Path>,
    action: DraftsAction,
) -> ExitCode {
    use kczg_form::store::{Entry, Store};
    let store = match Store::open(data_dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("错误：{e}");
            return ExitCode::from(2);
        }
    };
    let today = chrono::Local::now().date_naive();
    match action {
        DraftsAction::Path => println!("{}", store.drafts_dir().display()),
        DraftsAction::Trash { empty: true, yes } => {
            let trashed = store.trash_list(defs, today);
            if trashed.is_empty() {
                println!("回收站是空的。");
                return ExitCode::SUCCESS;
            }
            if !yes {
                use std::io::{BufRead, IsTerminal, Write};
                if !std::io::stdin().is_terminal() {
                    eprintln!(
                        "错误：清空回收站会永久删除其中的 {} 份草稿及其附件。确认要清空，请加 --yes。",
                        trashed.len()
                    );
                    return ExitCode::from(2);
                }
                print!(
                    "确定永久删除回收站中的 {} 份草稿及其附件？输入 y 确认：",
                    trashed.len()
                );
                let _ = std::io::stdout().flush();
                let mut answer = String::new();
                let _ = std::io::stdin().lock().read_line(&mut answer);
                if !matches!(answer.trim(), "y" | "Y" | "是") {
                    println!("未清空回收站。");
                    return ExitCode::SUCCESS;
                }
            }
            match store.empty_trash() {
                Ok(n) => println!("已清空回收站：永久删除了 {n} 份草稿及其附件。"),
                Err(e) => {
                    eprintln!("错误：{e}");
                    return ExitCode::from(2);
                }
            }
        }
        DraftsAction::Trash { .. } => {
            let trashed = store.trash_list(defs, today);
            if trashed.is_empty() {
                println!("回收站是空的。");
            }
            for s in &trashed {
                println!("{}  {}  {}  保存于 {}", s.id, s.list_name, s.name, s.saved);
            }
        }
        DraftsAction::Restore { id } => match store.restore(&id) {
            Ok(back) if back == id => println!("已恢复草稿 {id}"),
            Ok(back) => println!("已恢复草稿 {id}，编号 {id} 已被占用，现为 {back}"),
            Err(e) => {
                eprintln!("错误：{e}");
                return ExitCode::from(2);
            }
        },
        DraftsAction::List { json } => {
            let entries = store.list(defs, today);
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&entries).unwrap_or_default()
                );
                return ExitCode::SUCCESS;
            }
            if entries.is_empty() {
                println!("草稿库（{}）中还没有草稿。", store.drafts_dir().display());
            }
            for entry in &entries {
                match entry {
                    Entry::Ok(s) => {
                        let domain = s
                            .domain_name
                            .as_deref()
                            .map(|d| format!("·{d}"))
                            .unwrap_or_default();
                        println!(
                            "{}  {}{}  {}  保存于 {}  {} 个错误、{} 个提醒",
                            s.id, s.list_name, domain, s.name, s.saved, s.errors, s.warnings
                        );
                    }
                    Entry::Damaged { id, reason, .. } => println!("{id}  已损坏：{reason}"),
                    Entry::Unusable { file, reason } => println!("{file}  未使用：{reason}"),
                }
            }
        }
        DraftsAction::Show { id } => match store.load(defs, &id) {
            Ok(opened) => {
                print!("{}", opened.draft.to_json());
                for m in &opened.misfits {
                    eprintln!("注意：{m}");
                }
            }
            Err(e) => {
                eprintln!("错误：{e}");
                return ExitCode::from(2);
            }
        },
        DraftsAction::Import { file } => {
            // A draft file as it is; anything else (an exported or filled .docx, a package,
            // an e-mail) through the intake, as the window opens it.
            let is_json = file
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"));
            let imported = if is_json {
                store.import_file(&file).map_err(|e| e.to_string())
            } else {
                kczg_form::intake::open(defs, &file, today).and_then(|opened| {
                    let count = opened.submissions.len();
                    let s = opened
                        .submissions
                        .into_iter()
                        .next()
                        .ok_or_else(|| format!("{}：没有申报表", file.display()))?;
                    if count > 1 {
                        eprintln!(
                            "注意：{} 中有 {count} 份申报表，只导入了第一份；其余请用 consolidate 或秘书处汇总查看。",
                            file.display()
                        );
                    }
                    if !s.attachments.is_empty() {
                        eprintln!(
                            "注意：随附的 {} 个文件没有复制进草稿库；打开草稿后请在「附件清单」中重新选择。",
                            s.attachments.len()
                        );
                    }
                    let said = format!("（{} · {}）", s.container.label(), s.origin().label());
                    store
                        .create(&s.draft)
                        .map(|id| format!("{id}{said}"))
                        .map_err(|e| e.to_string())
                })
            };
            match imported {
                Ok(id) => println!("已导入为草稿 {id}"),
                Err(e) => {
                    eprintln!("错误：{e}");
                    return ExitCode::from(2);
                }
            }
        }
        DraftsAction::ExportAll { dir, preview } => {
            if let Err(code) = refuse_overlap(&[store.drafts_dir(), store.trash_dir()], &[&dir]) {
                return code;
            }
            if let Err(e) = std::fs::create_dir_all(&dir) {
                let e = files::FileError::io(&dir, files::Doing::Writing, &e);
                eprintln!("错误：{e}");
                return ExitCode::from(2);
            }
            let (mut written, mut skipped) = (0, 0);
            // Two drafts of the same name and unit (a copy, say) must not write one file twice.
            let mut used = std::collections::HashSet::new();
            for entry in store.list(defs, today) {
                let Entry::Ok(summary) = entry else { continue };
                let Ok(opened) = store.load(defs, &summary.id) else {
                    continue;
                };
                let Some(form) = defs.form(&opened.draft.list) else {
                    continue;
                };
                let options = kczg_form::docx::ExportOptions { preview, today };
                match kczg_form::docx::export(defs, form, &opened.draft, options) {
                    Ok(bytes) => {
                        let base = kczg_form::naming::docx_file_name(defs, form, &opened.draft);
                        let mut name = base.clone();
                        for n in 2.. {
                            if used.insert(name.clone()) {
                                break;
                            }
                            name = base.replacen(".docx", &format!("（{n}）.docx"), 1);
                        }
                        let path = dir.join(name);
                        if !write_output(&path, &bytes) {
                            return ExitCode::from(2);
                        }
                        println!("已导出 {}", path.display());
                        written += 1;
                    }
                    Err(e) => {
                        eprintln!("跳过 {}（{}）：{e}", summary.id, summary.name);
                        skipped += 1;
                    }
                }
            }
            println!("共导出 {written} 份，跳过 {skipped} 份。");
        }
    }
    ExitCode::SUCCESS
}
