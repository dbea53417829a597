//! The window: with no subcommand, and `desk PATH...` (秘书处汇总 with files imported).

use super::*;

/// Files given to open that are not there: said (a bare word as a mistyped command), exit 2.
fn refuse_missing(files: &[PathBuf]) -> Option<ExitCode> {
    let missing = files
        .iter()
        .find(|p| std::fs::symlink_metadata(p).is_err())?;
    // A bare word is more likely a command mistyped than a file.
    let word = missing.components().count() == 1 && missing.extension().is_none();
    if word {
        say_failure(&format!(
            "错误：没有名为「{}」的命令，也没有这个文件。可用的命令请用 kczg-form --help 查看。",
            missing.display()
        ));
    } else {
        say_failure(&format!(
            "错误：找不到文件「{}」（可能已被移动、改名或删除）。请确认文件所在的位置后重新打开；如要使用命令，请用 kczg-form --help 查看可用的命令。",
            missing.display()
        ));
    }
    Some(ExitCode::from(2))
}

/// With no subcommand: the window, on the files given (`kczg-form 申报表.docx`, which is
/// also what a file manager's 「打开方式」 runs). A path that is not there is refused before
/// any window opens: it is more likely a mistyped command.
#[cfg(feature = "gui")]
pub(super) fn gui(
    forms: Option<&Path>,
    data_dir: Option<PathBuf>,
    files: Vec<PathBuf>,
) -> ExitCode {
    if let Some(code) = refuse_missing(&files) {
        return code;
    }
    let first = if files.is_empty() {
        Vec::new()
    } else {
        vec![kczg_form::ui::Action::OpenFiles(files)]
    };
    open_window(forms, data_dir, first)
}

/// Built without the GUI: say so and show what the command line can do.
#[cfg(not(feature = "gui"))]
pub(super) fn gui(
    _forms: Option<&Path>,
    _data_dir: Option<PathBuf>,
    files: Vec<PathBuf>,
) -> ExitCode {
    if let Some(code) = refuse_missing(&files) {
        return code;
    }
    if !files.is_empty() {
        eprintln!(
            "错误：此版本未包含图形界面（编译时关闭了 gui 特性），无法在窗口中打开文件；可用 validate、import 等命令处理它们（kczg-form --help）。"
        );
        return ExitCode::from(2);
    }
    println!("此版本未包含图形界面（编译时关闭了 gui 特性），可使用下列命令：\n");
    let _ = <Args as clap::CommandFactory>::command().print_help();
    ExitCode::SUCCESS
}

/// `desk PATH...`: the window on 秘书处汇总, importing the paths.
#[cfg(feature = "gui")]
pub(super) fn desk(
    forms: Option<&Path>,
    data_dir: Option<PathBuf>,
    paths: Vec<PathBuf>,
) -> ExitCode {
    use kczg_form::ui::Action;
    let mut first = vec![Action::OpenDesk];
    if !paths.is_empty() {
        first.push(Action::DeskImport(paths));
    }
    open_window(forms, data_dir, first)
}

#[cfg(not(feature = "gui"))]
pub(super) fn desk(
    forms: Option<&Path>,
    data_dir: Option<PathBuf>,
    _paths: Vec<PathBuf>,
) -> ExitCode {
    gui(forms, data_dir, Vec::new())
}

/// Why the window did not open on Windows, and the ways out: a driver, the VM's 3D setting,
/// or the Word template and the command line, which need no OpenGL.
#[cfg(feature = "gui")]
const NO_OPENGL: &str = "无法打开窗口：需要 OpenGL 2.0 以上的显卡驱动，这台电脑目前只有 Windows 自带的 OpenGL 1.1。\n\n\
请安装或更新显卡驱动（Intel、AMD、NVIDIA 官网，或 Windows 更新中的“可选更新”）后再打开。\n\
在虚拟机中请打开 3D 加速；通过远程桌面连接时，请在这台电脑本机上打开。\n\n\
不用本程序也可以申报：用 Word 或 WPS 填写空白申报表（命令 kczg-form.exe template 生成），或使用命令行（kczg-form.exe --help）。";

#[cfg(feature = "gui")]
pub(super) fn open_window(
    forms: Option<&Path>,
    data_dir: Option<PathBuf>,
    first: Vec<kczg_form::ui::Action>,
) -> ExitCode {
    let (defs, problem) = Definitions::load_or_embedded(forms);
    let notice = problem.map(|e| format!("{e}。已改用内置的表单定义。"));
    match kczg_form::ui::run(defs, data_dir, notice, first) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => {
            // eframe's error text is English; what a person can do is the same whatever it
            // says. On Windows there is always a display: what fails is OpenGL.
            say_failure(if cfg!(windows) {
                NO_OPENGL
            } else {
                "错误：无法打开窗口（找不到可用的显示器或图形驱动）。如在没有图形界面的环境中，请使用命令行子命令（kczg-form --help）。"
            });
            ExitCode::from(2)
        }
    }
}
