//! The command line (product.md §6). Exit codes: 0 fine, 1 findings with errors, 2 unreadable
//! input or bad usage. Messages are Chinese; `--json` keys are English.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
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
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// 校验申报草稿（.json），列出错误与提醒
    Validate {
        /// 草稿文件
        file: PathBuf,
        /// 以 JSON 输出（键为英文）
        #[arg(long)]
        json: bool,
    },
    /// 列出已加载的榜单、领域、段落与字段；可用来检查覆盖目录
    Forms,
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

pub fn run(args: Args) -> ExitCode {
    let Some(command) = args.command else {
        // The GUI is not part of this build yet: say so and show what the command line can do.
        println!("图形界面尚未包含在此版本中，目前可使用下列命令：\n");
        let _ = <Args as clap::CommandFactory>::command().print_help();
        return ExitCode::SUCCESS;
    };
    match command {
        Command::Forms => forms(args.forms.as_deref()),
        Command::Validate { file, json } => {
            let defs = definitions(args.forms.as_deref());
            validate(&defs, &file, json)
        }
    }
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

/// Why a file could not be read as a draft; the caller prints it and exits 2.
fn read_draft(path: &Path) -> Result<Draft, String> {
    let shown = path.display();
    let file =
        std::fs::File::open(path).map_err(|e| format!("无法打开 {shown}：{}", io_reason(&e)))?;
    let mut bytes = Vec::new();
    file.take(MAX_DRAFT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("无法读取 {shown}：{}", io_reason(&e)))?;
    if bytes.starts_with(b"PK\x03\x04")
        || path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("docx"))
    {
        return Err(format!(
            "{shown} 是 Word 文档：本版本暂不支持校验 .docx，请改为校验申报草稿 .json"
        ));
    }
    if bytes.len() > MAX_DRAFT_BYTES {
        return Err(format!(
            "{shown} 过大（超过 {} MB），不是申报草稿",
            MAX_DRAFT_BYTES / 1024 / 1024
        ));
    }
    Draft::from_slice(&bytes).map_err(|e| format!("{shown}：{e}"))
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
    let mut draft = match read_draft(path) {
        Ok(d) => d,
        Err(message) => {
            eprintln!("错误：{message}");
            return ExitCode::from(2);
        }
    };
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
        return ExitCode::from(2);
    };
    let cleaned = draft.strip_control_chars();
    let mut findings = rules::cleaning_findings(form, &cleaned);
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
