//! The command line (product.md §6). Exit codes: 0 fine, 1 findings with errors, 2 unreadable
//! input or bad usage. Messages are Chinese; `--json` keys are English.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod check;
mod consolidate;
mod drafts;
mod review;
mod window;
mod word;

use check::{forms, validate};
use consolidate::{SummaryOutputs, consolidate};
use drafts::drafts;
use window::{desk, gui};
use word::{export, import, mail, package, template};

use clap::{Parser, Subcommand};
use kczg_form::draft::Draft;
use kczg_form::files;
use kczg_form::rules::{Finding, Severity};
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
    /// 在窗口中打开的文件：一份申报表、草稿或申报材料包打开到填写页；几份，或文件夹，打开到秘书处汇总
    #[arg(value_name = "文件")]
    files: Vec<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// 校验申报草稿（.json）、申报表（.docx），或邮件（.eml）、申报材料包（.zip）中的申报表，列出错误与提醒
    Validate {
        /// 草稿文件
        file: PathBuf,
        /// 以 JSON 输出（键为英文）
        #[arg(long)]
        json: bool,
    },
    /// 列出已加载的榜单、领域、段落与字段；可用来检查覆盖目录
    Forms,
    /// The window's helper that opens a link or file with the system's program (Windows).
    #[cfg(feature = "gui")]
    #[command(name = "shell-open", hide = true)]
    ShellOpen { target: std::ffi::OsString },
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
    /// 专家评审（择优推荐）：开始评审、分配专家、查看进度
    Review {
        #[command(subcommand)]
        action: ReviewAction,
    },
    /// 生成发往征集邮箱的邮件草稿（.eml，附带申报表），可用 Outlook、Foxmail 等打开后发送
    Mail {
        /// 导出的申报表（.docx）
        file: PathBuf,
        /// 写出的邮件文件（.eml）
        #[arg(short = 'o', long = "output", value_name = "MESSAGE.eml")]
        output: PathBuf,
        /// 随邮件发送的附件（可多次给出）
        #[arg(long = "attach", value_name = "文件")]
        attach: Vec<PathBuf>,
        /// 盖章签字后的申报表扫描件（PDF 或图片，可多次给出：多页图片）
        #[arg(long = "sealed", value_name = "扫描件")]
        sealed: Vec<PathBuf>,
    },
    /// 生成申报材料包（.zip）：申报表、附件清单中的附件与盖章扫描件，按秘书处读取的格式放在一起
    Package {
        /// 草稿库中的草稿编号（带上其附件），或草稿文件（.json）
        draft: String,
        /// 另外放入的附件（可多次给出）
        #[arg(long = "attach", value_name = "文件")]
        attach: Vec<PathBuf>,
        /// 盖章签字后的申报表扫描件（PDF 或图片，可多次给出：多页图片）
        #[arg(long = "sealed", value_name = "扫描件")]
        sealed: Vec<PathBuf>,
        /// 写出的申报材料包
        #[arg(short = 'o', long = "output", value_name = "申报材料包.zip")]
        output: PathBuf,
    },
    /// 打开图形界面的“秘书处汇总”，并导入给出的申报表、草稿、邮件、材料包或文件夹（可把文件拖到程序图标上）
    Desk {
        /// 申报表（.docx）、草稿（.json）、邮件（.eml）、申报材料包（.zip）或文件夹
        paths: Vec<PathBuf>,
    },
    /// 秘书处汇总：批量导入申报表（.docx）、草稿（.json）、邮件（.eml）与申报材料包（.zip），校验、查重、核对历年入选名单，写出推荐汇总表
    Consolidate {
        /// 申报材料：文件或文件夹（在文件夹中递归读取 .docx、.json、.eml、.zip 及其他文件）
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
    /// 写出空白申报表（Word 版，.docx）：可在 Word、WPS 中直接填写，本程序可读回
    Template {
        /// 榜单：名称或代号（先导技术榜 / leading_tech、新锐企业榜、融通创新组织榜、技术经理人先锋榜）
        list: String,
        /// 领域：名称或代号（先导技术榜必填）
        #[arg(long, value_name = "D")]
        domain: Option<String>,
        /// 写出的空白申报表（.docx）
        #[arg(short = 'o', long = "output", value_name = "FILE.docx")]
        output: PathBuf,
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
    let command = Args::command()
        .override_usage("kczg-form [选项] [命令]")
        .mut_subcommands(|sub| in_chinese(sub, "kczg-form"));
    let parsed = command
        .try_get_matches()
        .and_then(|m| Args::from_arg_matches(&m));
    parsed.map_err(|e| {
        use clap::error::ErrorKind;
        if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        say_failure(&format!(
            "错误：{}\n运行 kczg-form --help（或 kczg-form 命令 --help）查看用法。",
            usage_error(&e)
        ));
        ExitCode::from(2)
    })
}

/// A subcommand's help in Chinese, and its subcommands' (`drafts trash`): headings, usage.
fn in_chinese(sub: clap::Command, parent: &str) -> clap::Command {
    let usage = chinese_usage(&sub, parent);
    let path = format!("{parent} {}", sub.get_name());
    sub.help_template(HELP_TEMPLATE)
        .override_usage(usage)
        .disable_help_flag(true)
        .subcommand_help_heading("命令")
        .mut_args(|a| {
            let heading = if a.is_positional() {
                "参数"
            } else {
                "选项"
            };
            a.help_heading(heading)
        })
        .mut_subcommands(move |s| in_chinese(s, &path))
}

/// A subcommand's usage line with Chinese placeholders: `kczg-form validate [选项] <FILE>`.
fn chinese_usage(sub: &clap::Command, parent: &str) -> String {
    let mut sub = sub.clone();
    let rendered = sub.render_usage().to_string();
    let line = rendered.trim().trim_start_matches("Usage:").trim();
    format!("{parent} {line}")
        .replace("[OPTIONS]", "[选项]")
        .replace("<COMMAND>", "<命令>")
        .replace("[COMMAND]", "[命令]")
}

/// What clap found wrong with the command line, in Chinese (clap's own text is English).
fn usage_error(e: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let get = |kind: ContextKind| match e.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        Some(ContextValue::Strings(v)) => Some(v.join("、")),
        Some(ContextValue::StyledStr(s)) => Some(s.to_string()),
        Some(ContextValue::StyledStrs(v)) => Some(
            v.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("、"),
        ),
        Some(ContextValue::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let arg = get(ContextKind::InvalidArg).unwrap_or_default();
    let suggestion = get(ContextKind::SuggestedSubcommand)
        .or_else(|| get(ContextKind::SuggestedArg))
        .map(|s| format!("；是否想用「{s}」？"))
        .unwrap_or_default();
    match e.kind() {
        ErrorKind::InvalidSubcommand => format!(
            "没有名为「{}」的命令{suggestion}",
            get(ContextKind::InvalidSubcommand).unwrap_or_default()
        ),
        ErrorKind::UnknownArgument => format!("不认识的选项或参数「{arg}」{suggestion}"),
        ErrorKind::MissingRequiredArgument => format!("缺少必需的参数 {arg}"),
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            "缺少命令".to_owned()
        }
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => format!(
            "{arg} 的值「{}」不正确",
            get(ContextKind::InvalidValue).unwrap_or_default()
        ),
        ErrorKind::NoEquals => format!("{arg} 需要用“=”给出值"),
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues | ErrorKind::TooFewValues => {
            format!("{arg} 的值的个数不对")
        }
        ErrorKind::ArgumentConflict => format!(
            "{arg} 不能与 {} 同时使用",
            get(ContextKind::PriorArg).unwrap_or_default()
        ),
        _ => "命令行参数不正确".to_owned(),
    }
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
    /// 把草稿文件（.json），或申报表（.docx）、申报材料包（.zip）、邮件（.eml）中的申报表作为新草稿放进草稿库
    Import {
        /// 草稿（.json）、申报表（.docx）、申报材料包（.zip）或邮件（.eml）
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
    /// 列出回收站中的草稿（删除的草稿及其附件在此，可恢复）；--empty 清空回收站
    Trash {
        /// 清空回收站：永久删除其中的草稿及其附件（先询问；--yes 不再询问）
        #[arg(long)]
        empty: bool,
        /// 与 --empty 同用：不询问，直接清空
        #[arg(long, requires = "empty")]
        yes: bool,
    },
    /// 从回收站恢复草稿及其附件
    Restore {
        /// 草稿编号（见 drafts trash）
        id: String,
    },
}

#[derive(Debug, Subcommand)]
enum ReviewAction {
    /// 在文件夹 DIR 中开始一次评审：读入专家名单和收到的申报材料（与秘书处汇总的读取相同）
    Init {
        /// 评审文件夹（评审的全部记录存放在其中的 review.sqlite）
        dir: PathBuf,
        /// 专家名单（.xlsx 或 .csv，表头：姓名、单位、单位代码、领域、邮箱，可加回避单位）
        #[arg(long, value_name = "专家名单")]
        experts: PathBuf,
        /// 收到的申报材料：文件或文件夹（.docx、.json、.eml、.zip）
        #[arg(required = true, value_name = "收件箱")]
        inbox: Vec<PathBuf>,
    },
    /// 为每份申报分配评审专家：回避同单位、同单位代码和申明回避的专家，均衡工作量，优先领域相符；已分配的保留
    Assign {
        /// 评审文件夹
        dir: PathBuf,
        /// 每份申报的评审专家人数（默认取评审方案的设置，为 3）
        #[arg(long, value_name = "人数")]
        per: Option<usize>,
        /// 手工指定：申报编号=专家邮箱（可多次；需回避的不能指定）
        #[arg(long, value_name = "申报编号=专家邮箱")]
        add: Vec<String>,
        /// 手工取消：申报编号=专家邮箱（可多次）
        #[arg(long, value_name = "申报编号=专家邮箱")]
        remove: Vec<String>,
    },
    /// 说明一份申报为什么分给（或不分给）某位专家；不写专家时逐位说明
    Explain {
        /// 评审文件夹
        dir: PathBuf,
        /// 申报编号（评分表上的 12 位，或其开头几位）
        app: String,
        /// 专家邮箱
        expert: Option<String>,
    },
    /// 为每位专家生成评审包（<姓名>-评审包.zip：评分表和分给他的申报材料）和发给他的邮件草稿（.eml）
    Pack {
        /// 评审文件夹
        dir: PathBuf,
        /// 评审包存放的文件夹
        #[arg(short = 'o', long = "output", value_name = "文件夹")]
        output: PathBuf,
    },
    /// 收回专家填好的评分表（.xlsx，或带评分表附件的邮件 .eml）：逐行核对后采用，同一位专家再次发回的替换之前的
    Collect {
        /// 评审文件夹
        dir: PathBuf,
        /// 评分表（.xlsx）或邮件（.eml）
        #[arg(required = true, value_name = "文件")]
        files: Vec<PathBuf>,
    },
    /// 汇总评分并排名：加权总分、平均分、去极值平均分、分歧提示、建议推荐与排序，写成评审结果汇总表
    Rank {
        /// 评审文件夹
        dir: PathBuf,
        /// 评审结果汇总表（.xlsx）
        #[arg(short = 'o', long = "output", value_name = "评审结果汇总表.xlsx")]
        output: PathBuf,
        /// 同时写出打印用的评审结果汇总表（.docx，横向 A4，含评审意见和评审组签字栏）
        #[arg(long, value_name = "评审结果汇总表.docx")]
        docx: Option<PathBuf>,
        /// 按各专家的标准化分（z 分数）排名，消除打分偏严或偏松的差异
        #[arg(long)]
        normalise: bool,
    },
    /// 评审进度：申报、专家、分配，以及每位专家的工作量
    Status {
        /// 评审文件夹
        dir: PathBuf,
        /// 以 JSON 输出（键为英文）
        #[arg(long)]
        json: bool,
    },
}

pub fn run(args: Args) -> ExitCode {
    let Some(command) = args.command else {
        return gui(args.forms.as_deref(), args.data_dir, args.files);
    };
    match command {
        Command::Forms => forms(args.forms.as_deref()),
        #[cfg(feature = "gui")]
        Command::ShellOpen { target } => {
            ExitCode::from(kczg_form::ui::opener::shell_open_here(&target))
        }
        Command::Validate { file, json } => {
            let defs = definitions(args.forms.as_deref());
            validate(&defs, &file, json)
        }
        Command::Drafts { action } => {
            let defs = definitions(args.forms.as_deref());
            drafts(&defs, args.data_dir.as_deref(), action)
        }
        Command::Review { action } => {
            let defs = definitions(args.forms.as_deref());
            review::review(&defs, action)
        }
        Command::Mail {
            file,
            output,
            attach,
            sealed,
        } => {
            let defs = definitions(args.forms.as_deref());
            mail(&defs, &file, &output, &attach, &sealed)
        }
        Command::Package {
            draft,
            attach,
            sealed,
            output,
        } => {
            let defs = definitions(args.forms.as_deref());
            package(
                &defs,
                args.data_dir.as_deref(),
                &draft,
                &attach,
                &sealed,
                &output,
            )
        }
        Command::Import { file, output } => {
            let defs = definitions(args.forms.as_deref());
            import(&defs, &file, &output)
        }
        Command::Template {
            list,
            domain,
            output,
        } => {
            let defs = definitions(args.forms.as_deref());
            template(&defs, &list, domain.as_deref(), &output)
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

/// Loads the definitions; a broken override is reported and the embedded ones are used.
fn definitions(dir: Option<&Path>) -> Definitions {
    let (defs, problem) = Definitions::load_or_embedded(dir);
    if let Some(e) = problem {
        eprintln!("警告：{e}");
        eprintln!("已改用内置的表单定义。");
    }
    defs
}

/// A draft read from a file, with what the reader noticed on the way.
struct Opened {
    draft: Draft,
    /// The file as read (a .docx is attached to the mail as it is).
    bytes: Vec<u8>,
    /// Fields edited in Word after export (only for .docx).
    edits: Vec<kczg_form::intake::Edit>,
    /// The values are those the document shows (else the embedded draft's: a version-1 export).
    visible_values: bool,
    /// What the .docx was (导出件, 模板填写, …); None for a draft file.
    origin: Option<kczg_form::intake::Origin>,
    /// The submission as read, for the one report ([`kczg_form::intake::check`]).
    submission: kczg_form::intake::Submission,
}

/// Reads a draft .json, a .docx of ours, an e-mail or a package holding one form, through the
/// intake the desk uses; the error is a message for people (exit 2).
fn read_input(defs: &Definitions, path: &Path) -> Result<Opened, String> {
    let today = chrono::Local::now().date_naive();
    let opened = kczg_form::intake::open(defs, path, today)?;
    let count = opened.submissions.len();
    let Some(s) = opened.submissions.into_iter().next() else {
        return Err(format!("{}：没有找到申报表。", path.display()));
    };
    if count > 1 {
        return Err(format!(
            "{}：其中有 {count} 份申报表。请把每一份单独保存后再逐份处理（秘书处汇总可以一次导入）。",
            path.display()
        ));
    }
    Ok(Opened {
        draft: s.draft.clone(),
        bytes: opened.bytes,
        edits: s.edits.clone(),
        visible_values: s.visible_values,
        origin: (s.origin() != kczg_form::intake::Origin::Draft).then(|| s.origin()),
        submission: s,
    })
}

/// Writes an output through the one atomic writer; false (after saying why) when it failed.
fn write_output(path: &Path, bytes: &[u8]) -> bool {
    match files::write_atomic(path, bytes) {
        Ok(()) => true,
        Err(e) => {
            eprintln!("错误：{e}");
            false
        }
    }
}

/// Refuses (exit 2) outputs that are an input, lie in an input folder, or are given twice.
fn refuse_overlap(inputs: &[&Path], outputs: &[&Path]) -> Result<(), ExitCode> {
    files::refuse_overlap(inputs, outputs).map_err(|e| {
        eprintln!("错误：{e}");
        ExitCode::from(2)
    })
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

/// Set by `kczg-form-gui`, the program without a console: what goes wrong before the window
/// opens is shown in a message box too, since its standard error reaches no one.
static WINDOWED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// [`main`] for `kczg-form-gui`: errors that end it are also said in a message box.
#[allow(dead_code)] // only kczg-form-gui calls it
pub fn main_windowed() -> ExitCode {
    WINDOWED.store(true, std::sync::atomic::Ordering::Relaxed);
    main()
}

/// Says a failure that ends the program: on standard error, and for `kczg-form-gui` on
/// Windows in a message box titled with the program's name (it has no console).
pub(crate) fn say_failure(text: &str) {
    eprintln!("{text}");
    if WINDOWED.load(std::sync::atomic::Ordering::Relaxed) {
        message_box(text);
    }
}

#[cfg(windows)]
fn message_box(text: &str) {
    use std::os::windows::ffi::OsStrExt;
    use windows_sys::Win32::UI::WindowsAndMessaging::{
        MB_ICONERROR, MB_OK, MB_SETFOREGROUND, MessageBoxW,
    };
    let wide = |s: &str| -> Vec<u16> {
        std::ffi::OsStr::new(s)
            .encode_wide()
            .chain(std::iter::once(0))
            .collect()
    };
    let (text, caption) = (wide(text), wide("科创中国榜单申报助手"));
    // SAFETY: both strings are NUL-terminated UTF-16 that live across the call; no owner
    // window (a null HWND) is allowed.
    unsafe {
        MessageBoxW(
            std::ptr::null_mut(),
            text.as_ptr(),
            caption.as_ptr(),
            MB_OK | MB_ICONERROR | MB_SETFOREGROUND,
        );
    }
}

#[cfg(not(windows))]
fn message_box(_text: &str) {}

/// The whole program: the panic hook that says a failed write to standard output in Chinese,
/// the allocator's tuning, then the command line.
pub fn main() -> ExitCode {
    say_output_failures_in_chinese();
    few_malloc_arenas();
    match parse() {
        Ok(args) => run(args),
        Err(code) => code,
    }
}

/// `println!` panics when standard output cannot be written (`> /dev/full`, a full disk): that
/// one failure is said in Chinese and ends the program with exit 2, instead of an English panic
/// with a backtrace. Every other panic keeps the default report.
fn say_output_failures_in_chinese() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") {
            eprintln!(
                "错误：无法写出到标准输出（磁盘已满，或输出被重定向到了无法写入的位置）。请检查输出的去向后重试。"
            );
            std::process::exit(2);
        }
        default(info);
    }));
}

/// glibc gives each thread its own malloc arena and keeps what was freed in it: with one
/// worker per core, a few large files read in turn would hold their peak once per core.
/// Two arenas keep memory near what the files read at once need (see `consolidate::scan`).
fn few_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a tuning parameter; it is called before any other thread starts.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}
