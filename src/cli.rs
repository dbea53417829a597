//! The command line (product.md §6). Exit codes: 0 fine, 1 findings with errors, 2 unreadable
//! input or bad usage. Messages are Chinese; `--json` keys are English.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kczg_form::docx::import::MAX_DOCX_BYTES;
use kczg_form::draft::{Draft, MAX_DRAFT_BYTES};
use kczg_form::rules::{self, Finding, Severity};
use kczg_form::schema::{Definitions, Form, Kind, Origin};

#[derive(Debug, Parser)]
#[command(
    name = "kczg-form",
    version,
    about = "科创中国榜单申报助手：2023年“科创中国”系列榜单的申报表填写、校验与汇总",
    long_about = None,
    help_template = HELP_TEMPLATE,
    subcommand_help_heading = "命令",
    next_help_heading = "选项",
    disable_help_flag = true,
    disable_version_flag = true,
    disable_help_subcommand = true,
)]
pub struct Args {
    /// 显示帮助
    #[arg(short = 'h', long, action = clap::ArgAction::Help, global = true)]
    help: Option<bool>,
    /// 显示版本
    #[arg(short = 'V', long, action = clap::ArgAction::Version)]
    version: Option<bool>,
    /// 表单定义覆盖目录：其中的 .toml 文件替换内置的同名定义
    #[arg(long, global = true, value_name = "DIR")]
    forms: Option<PathBuf>,
    /// 草稿库所在文件夹（默认为系统的应用数据文件夹；也可用环境变量 KCZG_FORM_DATA_DIR）
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// 校验申报草稿（.json）或导出的申报表（.docx），列出错误与提醒
    Validate {
        /// 草稿文件
        file: PathBuf,
        /// 以 JSON 输出（键为英文）
        #[arg(long)]
        json: bool,
    },
    /// 列出已加载的榜单、领域、段落与字段；可用来检查覆盖目录
    Forms,
    /// 从本程序导出的 Word 申报表中取回申报草稿，并报告导出后在 Word 中改动过的内容
    Import {
        /// 导出的申报表（.docx）
        file: PathBuf,
        /// 写出的草稿文件（.json）
        #[arg(short = 'o', long = "output", value_name = "DRAFT.json")]
        output: PathBuf,
    },
    /// 本机草稿库：列出、查看、导入草稿，批量导出申报表
    Drafts {
        #[command(subcommand)]
        action: DraftsAction,
    },
    /// 生成发往征集邮箱的邮件草稿（.eml，附带申报表），可用 Outlook、Foxmail 等打开后发送
    Mail {
        /// 导出的申报表（.docx）
        file: PathBuf,
        /// 写出的邮件文件（.eml）
        #[arg(short = 'o', long = "output", value_name = "MESSAGE.eml")]
        output: PathBuf,
    },
    /// 秘书处汇总：批量导入申报表（.docx）与草稿（.json），校验、查重、核对历年入选名单，写出推荐汇总表
    /// 打开图形界面的“秘书处汇总”，并导入给出的申报表、草稿或文件夹（可把文件拖到程序图标上）
    Desk {
        /// 申报表（.docx）、草稿（.json）或文件夹
        paths: Vec<PathBuf>,
    },
    Consolidate {
        /// 申报材料：文件或文件夹（在文件夹中递归查找 .docx 与 .json）
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// 写出的推荐汇总表（.xlsx：汇总页与每个榜单一页）
        #[arg(short = 'o', long = "output", value_name = "SUMMARY.xlsx")]
        output: PathBuf,
        /// 另写一份汇总表 CSV（UTF-8，Excel 可直接打开）
        #[arg(long, value_name = "F")]
        csv: Option<PathBuf>,
        /// 另写一份横向 A4 的 Word 汇总表（.docx），供打印盖章
        #[arg(long, value_name = "F")]
        docx: Option<PathBuf>,
        /// 历年入选名单（.txt 每行一个名称，或 .csv / .xlsx 的“名称”列或第一列）
        #[arg(long, value_name = "F")]
        previous: Option<PathBuf>,
    },
    /// 把申报草稿导出为 Word 申报表（.docx）；有错误时拒绝，除非 --preview
    Export {
        /// 草稿文件（.json）
        draft: PathBuf,
        /// 输出的 .docx 文件（省略时按“榜单-领域-名称-单位.docx”存在草稿旁边）
        #[arg(short = 'o', long = "output", value_name = "OUT.docx")]
        output: Option<PathBuf>,
        /// 有错误也导出，文档标明“草稿”与问题数
        #[arg(long)]
        preview: bool,
    },
}

const HELP_TEMPLATE: &str = "{about}\n\n用法：{usage}\n\n{all-args}";

/// Parses the command line with Chinese help headings; usage errors exit 2 with a Chinese line
/// before clap's own explanation.
pub fn parse() -> Result<Args, ExitCode> {
    use clap::{CommandFactory, FromArgMatches};
    let command = Args::command().mut_subcommands(|sub| {
        sub.help_template(HELP_TEMPLATE)
            .disable_help_flag(true)
            .mut_args(|a| {
                let heading = if a.is_positional() {
                    "参数"
                } else {
                    "选项"
                };
                a.help_heading(heading)
            })
    });
    let parsed = command
        .try_get_matches()
        .and_then(|m| Args::from_arg_matches(&m));
    parsed.map_err(|e| {
        use clap::error::ErrorKind;
        if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        eprintln!("错误：命令行参数不正确，运行 kczg-form --help 查看用法。");
        let _ = e.print();
        ExitCode::from(2)
    })
}

#[derive(Debug, Subcommand)]
enum DraftsAction {
    /// 列出全部草稿：编号、榜单、名称、保存时间、错误与提醒数；损坏的文件注明原因
    List {
        /// 以 JSON 输出（键为英文）
        #[arg(long)]
        json: bool,
    },
    /// 输出一份草稿的 JSON
    Show {
        /// 草稿编号（见 drafts list）
        id: String,
    },
    /// 把草稿文件（.json）复制进草稿库
    Import {
        /// 草稿文件
        file: PathBuf,
    },
    /// 把草稿库中没有错误的草稿全部导出为申报表（.docx）
    ExportAll {
        /// 输出文件夹
        dir: PathBuf,
        /// 有错误的草稿也导出为预览稿（标明“草稿”）
        #[arg(long)]
        preview: bool,
    },
    /// 显示草稿库所在的文件夹
    Path,
}

pub fn run(args: Args) -> ExitCode {
    let Some(command) = args.command else {
        return gui(args.forms.as_deref(), args.data_dir);
    };
    match command {
        Command::Forms => forms(args.forms.as_deref()),
        Command::Validate { file, json } => {
            let defs = definitions(args.forms.as_deref());
            validate(&defs, &file, json)
        }
        Command::Drafts { action } => {
            let defs = definitions(args.forms.as_deref());
            drafts(&defs, args.data_dir.as_deref(), action)
        }
        Command::Mail { file, output } => {
            let defs = definitions(args.forms.as_deref());
            mail(&defs, &file, &output)
        }
        Command::Import { file, output } => {
            let defs = definitions(args.forms.as_deref());
            import(&defs, &file, &output)
        }
        Command::Export {
            draft,
            output,
            preview,
        } => {
            let defs = definitions(args.forms.as_deref());
            export(&defs, &draft, output.as_deref(), preview)
        }
        Command::Desk { paths } => desk(args.forms.as_deref(), args.data_dir, paths),
        Command::Consolidate {
            paths,
            output,
            csv,
            docx,
            previous,
        } => {
            let defs = definitions(args.forms.as_deref());
            let outputs = SummaryOutputs {
                xlsx: output,
                csv,
                docx,
            };
            consolidate(&defs, &paths, &outputs, previous.as_deref())
        }
    }
}

/// With no subcommand: the window.
#[cfg(feature = "gui")]
fn gui(forms: Option<&Path>, data_dir: Option<PathBuf>) -> ExitCode {
    open_window(forms, data_dir, Vec::new())
}

/// `desk PATH...`: the window on 秘书处汇总, importing the paths.
#[cfg(feature = "gui")]
fn desk(forms: Option<&Path>, data_dir: Option<PathBuf>, paths: Vec<PathBuf>) -> ExitCode {
    use kczg_form::ui::Action;
    let mut first = vec![Action::OpenDesk];
    if !paths.is_empty() {
        first.push(Action::DeskImport(paths));
    }
    open_window(forms, data_dir, first)
}

#[cfg(not(feature = "gui"))]
fn desk(forms: Option<&Path>, data_dir: Option<PathBuf>, _paths: Vec<PathBuf>) -> ExitCode {
    gui(forms, data_dir)
}

#[cfg(feature = "gui")]
fn open_window(
    forms: Option<&Path>,
    data_dir: Option<PathBuf>,
    first: Vec<kczg_form::ui::Action>,
) -> ExitCode {
    let (defs, problem) = Definitions::load_or_embedded(forms);
    let notice = problem.map(|e| format!("{e}。已改用内置的表单定义。"));
    match kczg_form::ui::run(defs, data_dir, notice, first) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "错误：无法打开窗口：{e}。如在没有图形界面的环境中，请使用命令行子命令（kczg-form --help）。"
            );
            ExitCode::from(2)
        }
    }
}

/// Built without the GUI: say so and show what the command line can do.
#[cfg(not(feature = "gui"))]
fn gui(_forms: Option<&Path>, _data_dir: Option<PathBuf>) -> ExitCode {
    println!("此版本未包含图形界面（编译时关闭了 gui 特性），可使用下列命令：\n");
    let _ = <Args as clap::CommandFactory>::command().print_help();
    ExitCode::SUCCESS
}

/// Loads the definitions; a broken override is reported and the embedded ones are used.
fn definitions(dir: Option<&Path>) -> Definitions {
    let (defs, problem) = Definitions::load_or_embedded(dir);
    if let Some(e) = problem {
        eprintln!("警告：{e}");
        eprintln!("已改用内置的表单定义。");
    }
    defs
}

fn forms(dir: Option<&Path>) -> ExitCode {
    let defs = match dir {
        None => Definitions::embedded(),
        Some(dir) => match Definitions::with_override(dir) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("错误：{e}");
                eprintln!("请修改该文件后重试；在此之前程序使用内置的表单定义。");
                return ExitCode::from(2);
            }
        },
    };
    print!("{}", describe(&defs));
    ExitCode::SUCCESS
}

/// The `forms` listing: the call, then every list with its domains, sections and field ids.
fn describe(defs: &Definitions) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let origin = match &defs.origin {
        Origin::Embedded => "内置".to_owned(),
        Origin::Override(dir) => format!("覆盖目录 {}", dir.display()),
    };
    let call = &defs.call;
    let _ = writeln!(out, "表单定义：{origin}");
    let _ = writeln!(
        out,
        "征集：{}（{} 至 {}），提交邮箱 {}",
        call.title, call.window.start, call.window.end, call.submission_email
    );
    for form in &defs.forms {
        let _ = writeln!(
            out,
            "\n{} [{}]  {}",
            form.name,
            form.id,
            call.form_title(form)
        );
        if !form.domains.is_empty() {
            let domains: Vec<String> = form
                .domains
                .iter()
                .map(|d| format!("{} {}", d.id, d.name))
                .collect();
            let _ = writeln!(out, "  领域：{}", domains.join(" · "));
        }
        for section in &form.sections {
            let _ = writeln!(out, "  [{}] {}", section.id, section.title);
            for field in &section.fields {
                let _ = writeln!(
                    out,
                    "    {:<24} {}  {}",
                    field.id,
                    field.label,
                    limits(field)
                );
                for column in &field.columns {
                    let _ = writeln!(
                        out,
                        "      .{:<21} {}  {}",
                        column.id,
                        column.label,
                        limits(column)
                    );
                }
            }
        }
    }
    out
}

fn limits(field: &kczg_form::schema::Field) -> String {
    let mut parts = vec![field.kind.name().to_owned()];
    if let Some(f) = field.format {
        parts.push(format!("{f:?}").to_lowercase());
    }
    match (field.min_chars, field.max_chars) {
        (Some(lo), Some(hi)) => parts.push(format!("{lo}–{hi}字")),
        (None, Some(hi)) => parts.push(format!("≤{hi}字")),
        _ => {}
    }
    if field.kind == Kind::Table {
        let hi = field.max_rows.map_or(String::new(), |m| m.to_string());
        parts.push(format!("{}–{hi}行", field.min_rows));
    }
    if let Some(u) = &field.unit {
        parts.push(u.clone());
    }
    if field.required {
        parts.push("必填".into());
    }
    if field.visible_if.is_some() {
        parts.push("按条件显示".into());
    }
    parts.join(" ")
}

/// A draft read from a file, with what the reader noticed on the way.
struct Opened {
    draft: Draft,
    /// Fields edited in Word after export (only for .docx).
    edits: Vec<kczg_form::docx::import::VisibleEdit>,
}

/// Reads a draft .json or an exported .docx; the error is a message for people (exit 2).
fn read_input(defs: &Definitions, path: &Path) -> Result<Opened, String> {
    let shown = path.display();
    let file =
        std::fs::File::open(path).map_err(|e| format!("无法打开 {shown}：{}", io_reason(&e)))?;
    let limit = MAX_DRAFT_BYTES.max(MAX_DOCX_BYTES as usize) as u64;
    if let Ok(meta) = file.metadata()
        && meta.len() > limit
    {
        return Err(format!(
            "{shown} 过大（{} MB），不是申报草稿或申报表",
            meta.len() / 1024 / 1024
        ));
    }
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("无法读取 {shown}：{}", io_reason(&e)))?;
    if bytes.starts_with(b"PK\x03\x04")
        || path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("docx"))
    {
        let imported =
            kczg_form::docx::import::import(defs, &bytes).map_err(|e| format!("{shown}：{e}"))?;
        return Ok(Opened {
            draft: imported.draft,
            edits: imported.edits,
        });
    }
    if bytes.len() > MAX_DRAFT_BYTES {
        return Err(format!(
            "{shown} 过大（超过 {} MB），不是申报草稿",
            MAX_DRAFT_BYTES / 1024 / 1024
        ));
    }
    let draft = Draft::from_slice(&bytes).map_err(|e| match e {
        kczg_form::draft::DraftError::Json { .. } => {
            format!("{shown}：{e}。请确认选择的是本程序保存的申报草稿 .json 文件")
        }
        e => format!("{shown}：{e}"),
    })?;
    Ok(Opened {
        draft,
        edits: Vec::new(),
    })
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "文件不存在，请检查路径".into(),
        std::io::ErrorKind::PermissionDenied => "没有读取权限".into(),
        std::io::ErrorKind::IsADirectory => "这是一个文件夹，请指定文件".into(),
        _ => e.to_string(),
    }
}

fn validate(defs: &Definitions, path: &Path, json: bool) -> ExitCode {
    let (Opened { mut draft, edits }, form) = match open_draft(defs, path) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let cleaned = draft.strip_control_chars();
    let mut findings = rules::cleaning_findings(form, &cleaned);
    findings.extend(edits.iter().map(|e| Finding {
        field: e.field.clone(),
        severity: Severity::Warning,
        message: format!(
            "{}（导出后在 Word 中改动过？校验以内嵌草稿为准）",
            e.describe()
        ),
        condition: None,
    }));
    findings.extend(rules::validate(
        defs,
        form,
        &draft,
        chrono::Local::now().date_naive(),
    ));
    let errors = findings.iter().filter(|f| f.is_error()).count();
    if json {
        println!("{}", report_json(path, &draft, &findings));
    } else {
        print!("{}", report_text(path, form, &draft, &findings));
    }
    if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Reads a draft and finds its form, or says why not (exit 2).
fn open_draft<'d>(defs: &'d Definitions, path: &Path) -> Result<(Opened, &'d Form), ExitCode> {
    let opened = read_input(defs, path).map_err(|message| {
        eprintln!("错误：{message}");
        ExitCode::from(2)
    })?;
    let draft = &opened.draft;
    let Some(form) = defs.form(&draft.list) else {
        let known: Vec<String> = defs
            .forms
            .iter()
            .map(|f| format!("{}（{}）", f.id, f.name))
            .collect();
        eprintln!(
            "错误：{}：榜单「{}」不认识，可用的榜单：{}",
            path.display(),
            draft.list,
            known.join("、")
        );
        return Err(ExitCode::from(2));
    };
    Ok((opened, form))
}

fn drafts(defs: &Definitions, data_dir: Option<&Path>, action: DraftsAction) -> ExitCode {
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
        DraftsAction::Import { file } => match store.import_file(&file) {
            Ok(id) => println!("已导入为草稿 {id}"),
            Err(e) => {
                eprintln!("错误：{e}");
                return ExitCode::from(2);
            }
        },
        DraftsAction::ExportAll { dir, preview } => {
            if let Err(e) = std::fs::create_dir_all(&dir) {
                eprintln!("错误：无法创建 {}：{}", dir.display(), io_reason(&e));
                return ExitCode::from(2);
            }
            let (mut written, mut skipped) = (0, 0);
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
                        let path =
                            dir.join(kczg_form::naming::docx_file_name(defs, form, &opened.draft));
                        if let Err(e) = std::fs::write(&path, bytes) {
                            eprintln!("错误：无法写入 {}：{}", path.display(), io_reason(&e));
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

fn mail(defs: &Definitions, path: &Path, output: &Path) -> ExitCode {
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
    let (opened, form) = match open_draft(defs, path) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("错误：无法读取 {}：{}", path.display(), io_reason(&e));
            return ExitCode::from(2);
        }
    };
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let now = chrono::Local::now().fixed_offset();
    let message = kczg_form::mail::eml(defs, form, &opened.draft, name, &bytes, now);
    if let Err(e) = std::fs::write(output, message) {
        eprintln!("错误：无法写入 {}：{}", output.display(), io_reason(&e));
        return ExitCode::from(2);
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

fn import(defs: &Definitions, path: &Path, output: &Path) -> ExitCode {
    let (opened, form) = match open_draft(defs, path) {
        Ok(found) => found,
        Err(code) => return code,
    };
    if let Err(e) = std::fs::write(output, opened.draft.to_json()) {
        eprintln!("错误：无法写入 {}：{}", output.display(), io_reason(&e));
        return ExitCode::from(2);
    }
    println!("已取回{}申报草稿：{}", form.name, output.display());
    if !opened.edits.is_empty() {
        println!(
            "注意：以下 {} 处在导出后被改动过（草稿以导出时内嵌的内容为准）：",
            opened.edits.len()
        );
        for e in &opened.edits {
            println!("  {}  {}", e.field, e.describe());
        }
    }
    ExitCode::SUCCESS
}

fn export(defs: &Definitions, path: &Path, output: Option<&Path>, preview: bool) -> ExitCode {
    let (Opened { draft, .. }, form) = match open_draft(defs, path) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let options = kczg_form::docx::ExportOptions {
        preview,
        today: chrono::Local::now().date_naive(),
    };
    let bytes = match kczg_form::docx::export(defs, form, &draft, options) {
        Ok(bytes) => bytes,
        Err(kczg_form::docx::ExportError::Refused { errors }) => {
            eprintln!(
                "未导出：{} 尚有 {} 个错误，请改正后再导出（或加 --preview 导出预览稿）：",
                path.display(),
                errors.len()
            );
            for f in &errors {
                eprintln!("  错误  {}  {}", f.field, f.message);
            }
            return ExitCode::from(1);
        }
        Err(e) => {
            eprintln!("错误：{e}");
            return ExitCode::from(2);
        }
    };
    let output = match output {
        Some(o) => o.to_path_buf(),
        None => path.with_file_name(kczg_form::naming::docx_file_name(defs, form, &draft)),
    };
    if let Err(e) = std::fs::write(&output, &bytes) {
        eprintln!("错误：无法写入 {}：{}", output.display(), io_reason(&e));
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

fn report_json(path: &Path, draft: &Draft, findings: &[Finding]) -> String {
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let report = serde_json::json!({
        "file": path.display().to_string(),
        "list": draft.list,
        "domain": draft.domain,
        "errors": count(Severity::Error),
        "warnings": count(Severity::Warning),
        "findings": findings,
    });
    serde_json::to_string_pretty(&report).unwrap_or_default()
}

fn report_text(path: &Path, form: &Form, draft: &Draft, findings: &[Finding]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let domain = draft
        .domain
        .as_deref()
        .map(|d| {
            form.domain(d)
                .map_or(d.to_owned(), |x| format!("·{}", x.name))
        })
        .unwrap_or_default();
    let _ = writeln!(out, "{}：{}{}", path.display(), form.name, domain);
    for f in findings {
        let level = match f.severity {
            Severity::Error => "错误",
            Severity::Warning => "提醒",
        };
        let condition = f
            .condition
            .as_deref()
            .map(|c| format!("（{c}）"))
            .unwrap_or_default();
        let _ = writeln!(out, "  {level}  {}  {}{condition}", f.field, f.message);
    }
    let errors = findings.iter().filter(|f| f.is_error()).count();
    let warnings = findings.len() - errors;
    let verdict = if errors == 0 {
        "可以导出"
    } else {
        "请先改正错误"
    };
    let _ = writeln!(out, "共 {errors} 个错误、{warnings} 个提醒：{verdict}。");
    out
}

/// Where `consolidate` writes.
struct SummaryOutputs {
    xlsx: PathBuf,
    csv: Option<PathBuf>,
    docx: Option<PathBuf>,
}

/// `consolidate`: scan, check, write the 推荐汇总表. Exit 0 when the summary was written, else 2.
fn consolidate(
    defs: &Definitions,
    paths: &[PathBuf],
    outputs: &SummaryOutputs,
    previous: Option<&Path>,
) -> ExitCode {
    use kczg_form::consolidate::{self, Desk, PreviousWinners};
    use std::io::{IsTerminal, Write};
    use std::sync::Mutex;
    use std::time::{Duration, Instant};

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
    let problems = batch.problems.len();
    let mut desk = Desk::from_batch(batch);
    desk.previous = previous;
    if desk.submissions.is_empty() {
        eprintln!(
            "错误：没有可汇总的申报材料（查看了 {files} 个 .docx / .json 文件）。请指定收到的申报表（.docx）或草稿（.json）所在的文件或文件夹。"
        );
        return ExitCode::from(2);
    }
    let rows = consolidate::rows(defs, &desk);

    let write = |path: &Path, what: &str, bytes: Result<Vec<u8>, String>| -> bool {
        let written =
            bytes.and_then(|b| kczg_form::store::write_atomic(path, &b).map_err(|e| io_reason(&e)));
        match written {
            Ok(()) => {
                println!("已写出{what}：{}", path.display());
                true
            }
            Err(reason) => {
                eprintln!(
                    "错误：无法写出{what} {}（{reason}）。请检查文件夹是否存在、是否有写入权限，或该文件是否正在 Excel / Word 中打开。",
                    path.display()
                );
                false
            }
        }
    };
    let mut ok = write(
        &outputs.xlsx,
        "推荐汇总表",
        consolidate::xlsx(defs, &desk, &rows).map_err(|e| e.to_string()),
    );
    if let Some(path) = &outputs.csv {
        ok &= write(path, "汇总表 CSV", Ok(consolidate::csv(&rows)));
    }
    if let Some(path) = &outputs.docx {
        ok &= write(
            path,
            "汇总表（Word，供打印盖章）",
            consolidate::summary_docx(defs, &rows).map_err(|e| e.to_string()),
        );
    }

    let mut per_list = Vec::new();
    for form in &defs.forms {
        let n = rows.iter().filter(|r| r.list == form.id).count();
        if n > 0 {
            per_list.push(format!("{} {n} 份", form.name));
        }
    }
    let with_errors = rows.iter().filter(|r| r.errors > 0).count();
    let duplicates = rows.iter().filter(|r| !r.duplicates.is_empty()).count();
    let exact = rows
        .iter()
        .filter(|r| r.previous.as_ref().is_some_and(|p| p.exact))
        .count();
    let close = rows
        .iter()
        .filter(|r| r.previous.as_ref().is_some_and(|p| !p.exact))
        .count();
    println!(
        "共汇总 {} 份申报（{}）；其中 {with_errors} 份有错误，{duplicates} 份疑似重复{}。",
        rows.len(),
        per_list.join("，"),
        if desk.previous.is_some() {
            format!("，{exact} 份与历年入选名单相同，{close} 份疑似历年入选")
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
