//! The Word hand-off: `export`, `import` and `mail`.

use super::*;

pub(super) fn mail(
    defs: &Definitions,
    path: &Path,
    output: &Path,
    attach: &[PathBuf],
    sealed: &[PathBuf],
) -> ExitCode {
    if !path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("docx"))
    {
        eprintln!(
            "错误：{} 不是 .docx：邮件附件应为导出的申报表",
            path.display()
        );
        return ExitCode::from(2);
    }
    let mut inputs: Vec<&Path> = vec![path];
    inputs.extend(attach.iter().chain(sealed).map(PathBuf::as_path));
    if let Err(code) = refuse_overlap(&inputs, &[output]) {
        return code;
    }
    let (opened, form) = match open_draft(defs, path) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let now = chrono::Local::now().fixed_offset();
    let errors = kczg_form::intake::check(defs, &opened.submission, now.date_naive()).errors;
    if errors > 0 {
        eprintln!(
            "注意：{} 尚有 {errors} 个错误（是预览稿），不能作为正式申报材料。请改正后重新导出，再生成邮件。",
            path.display()
        );
    }
    let sources = kczg_form::bundle::Sources {
        folder: None,
        attach,
        sealed,
    };
    let limits = defs.call.attachments;
    let bundle = match kczg_form::bundle::gather(
        form,
        &opened.draft,
        name,
        opened.bytes.clone(),
        &sources,
        &limits,
    ) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("错误：{e}");
            return ExitCode::from(2);
        }
    };
    let message = kczg_form::mail::eml_with(defs, form, &opened.draft, &bundle.parts, now);
    if !write_output(output, &message) {
        return ExitCode::from(2);
    }
    if let Some(w) = kczg_form::mail::too_large_for_the_mailbox(defs, message.len() as u64) {
        eprintln!("注意：{w}");
    }
    println!(
        "已生成邮件草稿：{}（收件人 {}，主题：{}）",
        output.display(),
        defs.call.submission_email,
        kczg_form::mail::subject(defs, form, &opened.draft)
    );
    println!("用邮件程序打开后，核对附件并点“发送”。");
    ExitCode::SUCCESS
}

/// `kczg-form package DRAFT [--attach F]... [--sealed S]... -o 申报材料包.zip`: the form
/// exported (refused while it has errors), its stored attachments named as the 附件清单 says,
/// the files given and the sealed scan, in the layout the secretariat's intake reads.
pub(super) fn package(
    defs: &Definitions,
    data_dir: Option<&Path>,
    draft: &str,
    attach: &[PathBuf],
    sealed: &[PathBuf],
    output: &Path,
) -> ExitCode {
    use kczg_form::store::Store;
    // A store id names a draft of the store (with its attachments); anything else a file.
    let as_path = Path::new(draft);
    let stored = (!as_path.exists() && !draft.contains(['/', '\\']))
        .then(|| Store::open(data_dir).ok())
        .flatten();
    let (opened_draft, folder, input) = match &stored {
        Some(store) => match store.load(defs, draft) {
            Ok(opened) => (
                opened.draft,
                Some(store.attachments(draft)),
                store.path_of(draft),
            ),
            Err(e) => {
                eprintln!("错误：{e}");
                return ExitCode::from(2);
            }
        },
        None => match kczg_form::store::read_draft_file(as_path) {
            Ok(d) => (d, None, as_path.to_path_buf()),
            Err(e) => {
                eprintln!("错误：{e}");
                return ExitCode::from(2);
            }
        },
    };
    let mut inputs: Vec<&Path> = vec![input.as_path()];
    inputs.extend(attach.iter().chain(sealed).map(PathBuf::as_path));
    if let Some(f) = &folder {
        inputs.push(f.dir());
    }
    if let Err(code) = refuse_overlap(&inputs, &[output]) {
        return code;
    }
    let Some(form) = defs.form(&opened_draft.list) else {
        eprintln!("错误：{draft}：榜单「{}」不认识", opened_draft.list);
        return ExitCode::from(2);
    };
    let bytes = match export_or_say(defs, form, &opened_draft, false, |n| {
        format!("未生成材料包：{draft} 尚有 {n} 个错误，请改正后再试：")
    }) {
        Ok(bytes) => bytes,
        Err(code) => return code,
    };
    let name = kczg_form::naming::docx_file_name(defs, form, &opened_draft);
    let sources = kczg_form::bundle::Sources {
        folder: folder.as_ref(),
        attach,
        sealed,
    };
    let bundle = match kczg_form::bundle::gather(
        form,
        &opened_draft,
        &name,
        bytes,
        &sources,
        &defs.call.attachments,
    ) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("错误：{e}");
            return ExitCode::from(2);
        }
    };
    let zip = match bundle.zip() {
        Ok(z) => z,
        Err(e) => {
            eprintln!("错误：{e}");
            return ExitCode::from(2);
        }
    };
    if !write_output(output, &zip) {
        return ExitCode::from(2);
    }
    for n in &bundle.notes {
        eprintln!("注意：{n}");
    }
    if !bundle.has_sealed() {
        eprintln!(
            "注意：材料包中没有盖章扫描件。打印申报表、盖章签字并扫描后，用 --sealed 扫描件 加入。"
        );
    }
    println!(
        "已生成申报材料包：{}（{} 个文件，共 {}）",
        output.display(),
        bundle.parts.len(),
        kczg_form::files::size_text(zip.len() as u64)
    );
    for p in &bundle.parts {
        println!("  {}", p.name);
    }
    ExitCode::SUCCESS
}

pub(super) fn import(defs: &Definitions, path: &Path, output: &Path) -> ExitCode {
    if let Err(code) = refuse_overlap(&[path], &[output]) {
        return code;
    }
    let (opened, form) = match open_draft(defs, path) {
        Ok(found) => found,
        Err(code) => return code,
    };
    if !write_output(output, opened.draft.to_file_json().as_bytes()) {
        return ExitCode::from(2);
    }
    let origin = opened
        .origin
        .map(|o| format!("（{}）", o.label()))
        .unwrap_or_default();
    println!("已取回{}申报草稿{origin}：{}", form.name, output.display());
    if !opened.edits.is_empty() {
        let counted = if opened.visible_values {
            "草稿以文档中显示的内容为准"
        } else {
            "草稿以导出时内嵌的内容为准"
        };
        println!(
            "注意：以下 {} 处在导出后被改动过（{counted}）：",
            opened.edits.len()
        );
        for e in &opened.edits {
            println!("  {}  {}", e.field, e.describe());
        }
    }
    for n in &opened.submission.notes {
        match n.field.as_str() {
            "" => println!("提醒：{}", n.message),
            field => println!("提醒：{field}  {}", n.message),
        }
    }
    ExitCode::SUCCESS
}

pub(super) fn export(
    defs: &Definitions,
    path: &Path,
    output: Option<&Path>,
    preview: bool,
) -> ExitCode {
    if let Some(output) = output
        && let Err(code) = refuse_overlap(&[path], &[output])
    {
        return code;
    }
    let (Opened { draft, .. }, form) = match open_draft(defs, path) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let bytes = match export_or_say(defs, form, &draft, preview, |n| {
        format!(
            "未导出：{} 尚有 {n} 个错误，请改正后再导出（或加 --preview 导出预览稿）：",
            path.display()
        )
    }) {
        Ok(bytes) => bytes,
        Err(code) => return code,
    };
    let output = match output {
        Some(o) => o.to_path_buf(),
        None => path.with_file_name(kczg_form::naming::docx_file_name(defs, form, &draft)),
    };
    // The default name is beside the draft; it can only be the draft itself if the draft is
    // named like an export, and then it is refused too.
    if let Err(code) = refuse_overlap(&[path], &[&output]) {
        return code;
    }
    if !write_output(&output, &bytes) {
        return ExitCode::from(2);
    }
    let kind = if preview {
        "预览稿（草稿）"
    } else {
        "申报表"
    };
    println!("已导出{kind}：{}", output.display());
    ExitCode::SUCCESS
}

/// `kczg-form template LIST [--domain D] -o FILE.docx`: the blank form for Word and WPS.
pub(super) fn template(
    defs: &Definitions,
    list: &str,
    domain: Option<&str>,
    output: &Path,
) -> ExitCode {
    let Some(form) = defs.forms.iter().find(|f| f.id == list || f.name == list) else {
        let known: Vec<String> = defs
            .forms
            .iter()
            .map(|f| format!("{}（{}）", f.name, f.id))
            .collect();
        eprintln!(
            "错误：榜单「{list}」不认识，可用的榜单：{}",
            known.join("、")
        );
        return ExitCode::from(2);
    };
    let domains = || {
        form.domains
            .iter()
            .map(|d| format!("{}（{}）", d.name, d.id))
            .collect::<Vec<_>>()
            .join("、")
    };
    let domain = match (domain, form.domains.is_empty()) {
        (None, true) => None,
        (Some(d), true) => {
            eprintln!("错误：{}没有领域，请去掉 --domain {d}", form.name);
            return ExitCode::from(2);
        }
        (None, false) => {
            eprintln!(
                "错误：{}须用 --domain 选择领域，可选：{}",
                form.name,
                domains()
            );
            return ExitCode::from(2);
        }
        (Some(d), false) => match form.domains.iter().find(|x| x.id == d || x.name == d) {
            Some(found) => Some(found.id.as_str()),
            None => {
                eprintln!("错误：{}没有领域「{d}」，可选：{}", form.name, domains());
                return ExitCode::from(2);
            }
        },
    };
    let bytes = match kczg_form::docx::template(defs, form, domain) {
        Ok(bytes) => bytes,
        Err(e) => {
            eprintln!("错误：{e}");
            return ExitCode::from(2);
        }
    };
    if !write_output(output, &bytes) {
        return ExitCode::from(2);
    }
    println!(
        "已写出空白申报表：{}（可在 Word、WPS 中填写；填好后用本程序导入或校验）",
        output.display()
    );
    ExitCode::SUCCESS
}

/// The Word form of `draft`, or what stops it said on standard error: refused while it has
/// errors (`refused` says so, given their count; each follows; exit 1), or why it could not be
/// made (exit 2).
fn export_or_say(
    defs: &Definitions,
    form: &Form,
    draft: &Draft,
    preview: bool,
    refused: impl FnOnce(usize) -> String,
) -> Result<Vec<u8>, ExitCode> {
    let options = kczg_form::docx::ExportOptions {
        preview,
        today: chrono::Local::now().date_naive(),
    };
    match kczg_form::docx::export(defs, form, draft, options) {
        Ok(bytes) => Ok(bytes),
        Err(kczg_form::docx::ExportError::Refused { errors }) => {
            eprintln!("{}", refused(errors.len()));
            for f in &errors {
                eprintln!("  错误  {}  {}", f.field, f.message);
            }
            Err(ExitCode::from(1))
        }
        Err(e) => {
            eprintln!("错误：{e}");
            Err(ExitCode::from(2))
        }
    }
}
