//! The one way files come in and go out (style.md: one writer, one reader).
//!
//! - [`write_atomic`]: a temporary file in the same folder, written, synced, renamed over the
//!   target, the folder synced. A crash or a full disk leaves the old file as it was and no
//!   temporary file behind. `clippy.toml` forbids `std::fs::write`, `File::create` and the like
//!   everywhere else, so no writer can forget.
//! - [`read_bounded`]: the file type and size are checked before the first byte is read (a FIFO
//!   or `/dev/zero` named `x.json` is refused at once, never read), then at most `limit` bytes.
//! - [`FileError`]: what went wrong, said once in Chinese with the path the person gave and what
//!   to do; no English text of the OS reaches a person.
//! - [`refuse_overlap`]: an output that is also an input (or lies inside an input folder) is
//!   refused before anything is written.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Temporary files of [`write_atomic`] are named `.kczg-<random>.tmp`: short (a long target
/// name must not make the temporary name too long) and recognisably ours, so that stale ones
/// are the only files the store ever removes on its own.
pub const TEMP_PREFIX: &str = ".kczg-";
pub const TEMP_SUFFIX: &str = ".tmp";

/// What was being done to a file when it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Doing {
    Reading,
    Writing,
}

/// A file could not be read or written. The message names the file and says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("{}{}：{reason}", doing_text(*doing), path.display())]
    Io {
        path: PathBuf,
        doing: Doing,
        reason: String,
    },
    #[error("{}：{what}，不是普通文件，未读取。请选择一个文件", path.display())]
    NotAFile { path: PathBuf, what: &'static str },
    #[error(
        "{}：文件过大（{}，上限 {}），未读取。请确认是否选错了文件",
        path.display(),
        size_text(*size),
        size_text(*limit)
    )]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
}

fn doing_text(doing: Doing) -> &'static str {
    match doing {
        Doing::Reading => "无法读取 ",
        Doing::Writing => "无法写入 ",
    }
}

/// `1.5 MB`, `300 KB`, `12 字节`.
pub fn size_text(bytes: u64) -> String {
    match bytes {
        0..1024 => format!("{bytes} 字节"),
        1024..1_048_576 => format!("{} KB", bytes / 1024),
        _ => {
            let mb = bytes as f64 / 1_048_576.0;
            if mb.fract() == 0.0 {
                format!("{mb:.0} MB")
            } else {
                format!("{mb:.1} MB")
            }
        }
    }
}

impl FileError {
    pub fn io(path: &Path, doing: Doing, e: &std::io::Error) -> FileError {
        FileError::Io {
            path: path.to_path_buf(),
            doing,
            reason: reason(e, doing).to_owned(),
        }
    }

    /// The path the error is about.
    pub fn path(&self) -> &Path {
        match self {
            FileError::Io { path, .. }
            | FileError::NotAFile { path, .. }
            | FileError::TooLarge { path, .. } => path,
        }
    }

    /// Only the reason, without the path (for messages that name the file themselves).
    pub fn reason(&self) -> String {
        match self {
            FileError::Io { reason, .. } => reason.clone(),
            FileError::NotAFile { what, .. } => format!("{what}，不是普通文件"),
            FileError::TooLarge { size, limit, .. } => {
                format!(
                    "文件过大（{}，上限 {}）",
                    size_text(*size),
                    size_text(*limit)
                )
            }
        }
    }
}

/// Creates `dir` (and its parents) if missing; a folder this creates is readable by the user
/// only (0700 on Unix). An existing folder is left as it is.
pub fn create_private_dir(dir: &Path) -> Result<(), FileError> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|e| FileError::io(dir, Doing::Writing, &e))
}

/// An OS error in words a person can act on. Never the OS's English text.
///
/// The platform's own error code is asked first (a Windows sharing violation has no
/// `ErrorKind` of its own), then the kind std gives it.
pub fn reason(e: &std::io::Error, doing: Doing) -> &'static str {
    use std::io::ErrorKind as K;
    if let Some(said) = e
        .raw_os_error()
        .and_then(|code| os_code_reason(code, doing))
    {
        return said;
    }
    match e.kind() {
        K::NotFound if doing == Doing::Writing => "文件夹不存在，请先创建文件夹或另选位置",
        K::NotFound => "文件不存在，请检查路径",
        K::PermissionDenied if doing == Doing::Writing => {
            "没有写入权限（文件夹可能是只读的，或文件正在 Word / Excel 中打开），请另选位置或关闭该文件后重试"
        }
        K::PermissionDenied => "没有读取权限，请检查文件的权限",
        K::StorageFull | K::QuotaExceeded | K::FileTooLarge => DISK_FULL,
        K::ReadOnlyFilesystem => "磁盘是只读的，请另选可写入的位置",
        K::IsADirectory => "这是一个文件夹，请指定文件",
        K::NotADirectory => "路径中有一段不是文件夹，请检查路径",
        K::InvalidFilename => "文件名过长或含有不允许的字符，请换一个较短的文件名",
        K::AlreadyExists => "同名文件已存在",
        K::ResourceBusy | K::ExecutableFileBusy => "文件正被其他程序使用，请关闭后重试",
        K::CrossesDevices => "不能跨磁盘移动，请另选位置",
        K::UnexpectedEof | K::InvalidData => "文件不完整或已损坏",
        K::OutOfMemory => "内存不足，请关闭其他程序后重试",
        K::Interrupted | K::TimedOut | K::WouldBlock => "读写被中断，请重试",
        _ if doing == Doing::Writing => "写入失败，请检查磁盘和文件夹后重试",
        _ => "读取失败，请检查文件后重试",
    }
}

const DISK_FULL: &str = "磁盘已满，请清理磁盘空间后重试";
const NAME_TOO_LONG: &str = "文件名过长，请换一个较短的文件名";
/// A file another program holds open without sharing it: Word, WPS and Excel do so with every
/// document they show.
pub const HELD_OPEN: &str =
    "文件正在其他程序中打开（如 Word、WPS、Excel），请在那个程序中关闭该文件后重试";

/// The platform's own error codes that say more than their `ErrorKind`.
fn os_code_reason(code: i32, doing: Doing) -> Option<&'static str> {
    if cfg!(windows) {
        windows_code_reason(code, doing)
    } else {
        unix_code_reason(code)
    }
}

/// Windows' system error codes (winerror.h), whatever platform this is built for, so that
/// both tables are tested everywhere.
fn windows_code_reason(code: i32, doing: Doing) -> Option<&'static str> {
    Some(match code {
        // ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION, ERROR_USER_MAPPED_FILE
        32 | 33 | 1224 => HELD_OPEN,
        // ERROR_HANDLE_DISK_FULL, ERROR_DISK_FULL, ERROR_DISK_QUOTA_EXCEEDED
        39 | 112 | 1295 => DISK_FULL,
        // ERROR_BUFFER_OVERFLOW, ERROR_FILENAME_EXCED_RANGE
        111 | 206 => NAME_TOO_LONG,
        // ERROR_INVALID_NAME: 「\ / : * ? " < > |」 or a name Windows keeps for itself
        123 => "文件名含有 Windows 不允许的字符（\\ / : * ? \" < > |），请换一个文件名",
        // ERROR_WRITE_PROTECT
        19 => "磁盘有写保护，请另选可写入的位置",
        // ERROR_NOT_READY, ERROR_DEVICE_NOT_CONNECTED, ERROR_NO_MEDIA_IN_DRIVE
        21 | 1167 | 1112 => "磁盘未就绪（U 盘或移动硬盘可能已拔出），请插好后重试",
        // ERROR_BAD_NETPATH, ERROR_NETNAME_DELETED, ERROR_BAD_NET_NAME, ERROR_UNEXP_NET_ERR
        53 | 64 | 67 | 59 => "网络位置无法访问，请检查网络连接或把文件复制到本机后重试",
        // ERROR_PATH_NOT_FOUND
        3 if doing == Doing::Writing => "文件夹不存在，请先创建文件夹或另选位置",
        3 => "文件不存在，请检查路径",
        // ERROR_DIRECTORY (a folder name that is not one)
        267 => "路径中有一段不是文件夹，请检查路径",
        // ERROR_CANT_ACCESS_FILE, ERROR_VIRUS_INFECTED, ERROR_VIRUS_DELETED
        1920 | 225 | 226 => "文件被安全软件拦截或无法访问，请检查杀毒软件的隔离区后重试",
        _ => return None,
    })
}

/// errno values as some Unix platforms report them without a kind of their own.
fn unix_code_reason(code: i32) -> Option<&'static str> {
    Some(match code {
        // ENOSPC, EDQUOT (Linux 122, macOS 69)
        28 | 122 | 69 => DISK_FULL,
        // ENAMETOOLONG (Linux 36, macOS 63)
        36 | 63 => NAME_TOO_LONG,
        // ETXTBSY
        26 => "文件正被其他程序使用，请关闭后重试",
        _ => return None,
    })
}

/// Whether another program holds `path` open without sharing it (Windows: opening it for
/// reading fails with a sharing or lock violation).
#[allow(clippy::disallowed_methods)] // opened to ask, never read
fn held_open(path: &Path) -> bool {
    match std::fs::File::open(path) {
        Ok(_) => false,
        Err(e) => matches!(e.raw_os_error(), Some(32 | 33)),
    }
}

/// Names Windows keeps for devices, with any extension (`CON.docx`, `com1.txt`, `LPT¹.zip`):
/// such a file cannot be made or opened there, and writing one on another system gives the
/// secretariat a file it cannot save. Returns the reason when `name` is one.
pub fn reserved_name(name: &std::ffi::OsStr) -> Option<String> {
    let name = name.to_str()?;
    // Windows ignores trailing dots and spaces, and what follows the first dot.
    let stem = name
        .split('.')
        .next()
        .unwrap_or(name)
        .trim_end_matches([' ', '.']);
    let upper = stem.to_ascii_uppercase();
    let reserved = matches!(
        upper.as_str(),
        "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$"
    ) || ["COM", "LPT"].iter().any(|prefix| {
        upper.strip_prefix(prefix).is_some_and(|n| {
            matches!(
                n,
                "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" | "¹" | "²" | "³"
            )
        })
    });
    reserved.then(|| {
        format!("「{stem}」是 Windows 保留给设备的名称，不能用作文件名（扩展名也不例外），请换一个文件名")
    })
}

/// Writes `bytes` to `path` atomically. On failure the old file (if any) is intact and the
/// temporary file is gone. A file replaced keeps its permissions; a new one gets the usual
/// `rw-r--r--` on Unix. A link is followed (the file it points to is replaced, the link stays);
/// a read-only file is not replaced.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    write_file(path, bytes, false)
}

/// [`write_atomic`] for the person's own data (drafts, the desk): readable by the user only
/// where the platform allows (product.md §3).
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    write_file(path, bytes, true)
}

fn write_file(given: &Path, bytes: &[u8], private: bool) -> Result<(), FileError> {
    prepare(given, bytes, private)?.commit()
}

/// Writes several files as one: every temporary file is written and synced first, and only
/// when all of them are do they replace their targets. A failure (a full disk) leaves every
/// target as it was — a summary's .xlsx, .csv and .docx never disagree.
pub fn write_all_atomic(files: &[(&Path, &[u8])]) -> Result<(), FileError> {
    let prepared = files
        .iter()
        .map(|(path, bytes)| prepare(path, bytes, false))
        .collect::<Result<Vec<_>, _>>()?;
    for p in prepared {
        p.commit()?;
    }
    Ok(())
}

/// A file written and synced under a temporary name beside its target, not yet in place.
struct Prepared {
    temp: tempfile::NamedTempFile,
    target: PathBuf,
    /// The path as given, for messages.
    given: PathBuf,
    replacing: bool,
}

impl Prepared {
    #[allow(clippy::disallowed_methods)] // the one place that persists temporary files
    fn commit(self) -> Result<(), FileError> {
        let Prepared {
            temp,
            target,
            given,
            replacing,
        } = self;
        temp.persist(&target)
            .map_err(|e| write_error(&given, replacing, &e.error))?;
        sync_dir(target.parent().unwrap_or(Path::new(".")));
        Ok(())
    }
}

fn write_error(given: &Path, replacing: bool, e: &std::io::Error) -> FileError {
    // Windows refuses to replace a file another program holds open with ERROR_ACCESS_DENIED,
    // not a sharing violation: the file itself is asked whether it is held.
    if cfg!(windows)
        && replacing
        && e.kind() == std::io::ErrorKind::PermissionDenied
        && held_open(given)
    {
        return FileError::Io {
            path: given.to_path_buf(),
            doing: Doing::Writing,
            reason: format!("{HELD_OPEN}（原有文件未受影响）"),
        };
    }
    match FileError::io(given, Doing::Writing, e) {
        // Said only when there was a file to keep.
        FileError::Io {
            path,
            doing,
            reason,
        } if replacing => FileError::Io {
            path,
            doing,
            reason: format!("{reason}（原有文件未受影响）"),
        },
        other => other,
    }
}

#[allow(clippy::disallowed_methods)] // the one place that writes files
fn prepare(given: &Path, bytes: &[u8], private: bool) -> Result<Prepared, FileError> {
    let replacing = given.exists();
    let failed = |e: std::io::Error| write_error(given, replacing, &e);
    let refuse = |reason: &str| FileError::Io {
        path: given.to_path_buf(),
        doing: Doing::Writing,
        reason: reason.into(),
    };
    if given.is_dir() {
        return Err(refuse("这是一个文件夹，请指定文件名"));
    }
    if let Some(why) = given.file_name().and_then(reserved_name) {
        return Err(refuse(&why));
    }
    // Through a link to the file it names, so the link is not replaced by a copy.
    let target = match std::fs::symlink_metadata(given) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(given).map_err(failed)?,
        _ => given.to_path_buf(),
    };
    let path = target.as_path();
    let existing = std::fs::metadata(path).ok();
    if let Some(meta) = &existing {
        if let Some(what) = not_a_file(meta) {
            return Err(refuse(&format!("{what}，不能写入；请另选文件名")));
        }
        if meta.permissions().readonly() {
            return Err(refuse(
                "文件是只读的，未覆盖；如确要替换，请先取消只读或另选文件名",
            ));
        }
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // tempfile creates the file with mode 0600 on Unix, under a name no one else uses, and
    // removes it when dropped — also when a write below fails.
    let mut temp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
        .map_err(failed)?;
    temp.write_all(bytes).map_err(failed)?;
    if !private {
        let permissions = match &existing {
            Some(meta) => meta.permissions(),
            None => default_permissions(temp.as_file()).map_err(failed)?,
        };
        temp.as_file()
            .set_permissions(permissions)
            .map_err(failed)?;
    }
    temp.as_file().sync_all().map_err(failed)?;
    Ok(Prepared {
        temp,
        target: path.to_path_buf(),
        given: given.to_path_buf(),
        replacing,
    })
}

/// A new file's permissions: `rw-r--r--` on Unix (tempfile made it `rw-------`).
fn default_permissions(file: &std::fs::File) -> std::io::Result<std::fs::Permissions> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = file;
        Ok(std::fs::Permissions::from_mode(0o644))
    }
    #[cfg(not(unix))]
    {
        file.metadata().map(|m| m.permissions())
    }
}

/// Whether a file name is one of [`write_atomic`]'s temporary files.
pub fn is_temp_name(name: &str) -> bool {
    name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX)
}

/// Makes the rename durable. Best effort: not every platform can open a folder for syncing.
#[allow(clippy::disallowed_methods)] // opening a folder to sync it reads nothing
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// What a path is when it is not a regular file, in words; None for a regular file.
pub fn not_a_file(meta: &std::fs::Metadata) -> Option<&'static str> {
    let t = meta.file_type();
    if t.is_file() {
        return None;
    }
    if t.is_dir() {
        return Some("这是一个文件夹");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("这是一个管道（FIFO）");
        }
        if t.is_char_device() || t.is_block_device() {
            return Some("这是一个设备");
        }
        if t.is_socket() {
            return Some("这是一个套接字");
        }
    }
    Some("这不是普通文件")
}

/// Checks that `path` is a regular file (following links) no larger than `limit`; returns its
/// size. Nothing is opened, so a FIFO cannot block.
pub fn check_file(path: &Path, limit: u64) -> Result<u64, FileError> {
    // On Windows `CON` (any folder, any extension) is the console: reading it would wait for
    // typing. Elsewhere it is an ordinary name.
    if cfg!(windows)
        && let Some(what) = path.file_name().and_then(reserved_name)
    {
        return Err(FileError::Io {
            path: path.to_path_buf(),
            doing: Doing::Reading,
            reason: what,
        });
    }
    let meta = std::fs::metadata(path).map_err(|e| FileError::io(path, Doing::Reading, &e))?;
    if let Some(what) = not_a_file(&meta) {
        return Err(FileError::NotAFile {
            path: path.to_path_buf(),
            what,
        });
    }
    if meta.len() > limit {
        return Err(FileError::TooLarge {
            path: path.to_path_buf(),
            size: meta.len(),
            limit,
        });
    }
    Ok(meta.len())
}

/// Reads a whole file of at most `limit` bytes: file type and size are checked first, and no
/// more than `limit` bytes are read even when the file grows meanwhile.
#[allow(clippy::disallowed_methods)] // the one place that opens files to read them
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, FileError> {
    let size = check_file(path, limit)?;
    let failed = |e: std::io::Error| FileError::io(path, Doing::Reading, &e);
    let file = open_regular(path).map_err(failed)?;
    // The file was checked by name; check what was opened too (it may have been swapped).
    let meta = file.metadata().map_err(failed)?;
    if let Some(what) = not_a_file(&meta) {
        return Err(FileError::NotAFile {
            path: path.to_path_buf(),
            what,
        });
    }
    let mut bytes = Vec::with_capacity(size.min(limit) as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(failed)?;
    if bytes.len() as u64 > limit {
        return Err(FileError::TooLarge {
            path: path.to_path_buf(),
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

/// Opens for reading without blocking on a FIFO swapped in after the check (Unix: O_NONBLOCK,
/// which regular files ignore).
#[allow(clippy::disallowed_methods)]
fn open_regular(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// Reads a UTF-8 text file of at most `limit` bytes.
pub fn read_text(path: &Path, limit: u64) -> Result<String, FileError> {
    let bytes = read_bounded(path, limit)?;
    String::from_utf8(bytes).map_err(|_| FileError::Io {
        path: path.to_path_buf(),
        doing: Doing::Reading,
        reason: "不是 UTF-8 编码的文本，请用 UTF-8 保存".into(),
    })
}

/// Two paths of a command that must not be the same file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct Overlap {
    pub output: PathBuf,
    pub other: PathBuf,
    /// The other path is an input folder that holds the output.
    pub inside: bool,
    /// The other path is another output, not an input.
    pub both_outputs: bool,
}

impl Overlap {
    fn message(&self) -> String {
        let (out, other) = (self.output.display(), self.other.display());
        if self.inside {
            format!(
                "输出文件 {out} 位于输入文件夹 {other} 之中：写在那里会在下次导入时被当作申报材料读入。请把输出写到输入文件夹以外的位置"
            )
        } else if self.both_outputs {
            format!("两个输出都指向 {out}：后写的会覆盖先写的。请为每个输出指定不同的文件")
        } else {
            format!(
                "输出文件 {out} 与输入 {other} 是同一个文件：写出会覆盖输入。请为输出另选文件名"
            )
        }
    }
}

/// Refuses outputs that are an input, lie inside an input folder, or are given twice. Paths are
/// compared canonically (links, `..`, case on case-insensitive systems as the OS resolves it);
/// an output that does not exist yet is compared through its folder.
pub fn refuse_overlap(inputs: &[&Path], outputs: &[&Path]) -> Result<(), Overlap> {
    let inputs: Vec<(&Path, Option<PathBuf>)> = inputs.iter().map(|p| (*p, canonical(p))).collect();
    let mut seen: Vec<(&Path, PathBuf)> = Vec::new();
    for out in outputs {
        let Some(c) = canonical(out) else { continue };
        for (input, ic) in &inputs {
            let Some(ic) = ic else { continue };
            let inside = input.is_dir() && c.starts_with(ic);
            if c == *ic || inside || same_file(out, input) {
                return Err(Overlap {
                    output: out.to_path_buf(),
                    other: input.to_path_buf(),
                    inside: inside && c != *ic,
                    both_outputs: false,
                });
            }
        }
        if let Some((first, _)) = seen.iter().find(|(_, sc)| *sc == c) {
            return Err(Overlap {
                output: out.to_path_buf(),
                other: first.to_path_buf(),
                inside: false,
                both_outputs: true,
            });
        }
        seen.push((out, c));
    }
    Ok(())
}

/// The canonical form of a path that may not exist yet: its nearest existing ancestor
/// canonicalised, the rest of the path kept.
fn canonical(path: &Path) -> Option<PathBuf> {
    if let Ok(c) = std::fs::canonicalize(path) {
        return Some(c);
    }
    let mut rest = Vec::new();
    let mut at = path;
    loop {
        rest.push(at.file_name()?);
        at = match at.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if let Ok(c) = std::fs::canonicalize(at) {
            return Some(rest.iter().rev().fold(c, |p, n| p.join(n)));
        }
    }
}

/// Two names of one file (a hard link): the same device and inode.
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(a), std::fs::metadata(b)) {
            (Ok(x), Ok(y)) => x.is_file() && x.dev() == y.dev() && x.ino() == y.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (a, b);
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size_text(12), "12 字节");
        assert_eq!(size_text(300 * 1024), "300 KB");
        assert_eq!(size_text(4 * 1024 * 1024), "4 MB");
        assert_eq!(size_text(1_572_864), "1.5 MB");
    }

    #[test]
    fn os_errors_are_said_in_chinese() {
        // errno values: the same numbers mean other things on Windows (tested below).
        if cfg!(unix) {
            let full = std::io::Error::from_raw_os_error(28);
            assert!(reason(&full, Doing::Writing).contains("磁盘已满"));
            let long = std::io::Error::from_raw_os_error(36);
            assert!(reason(&long, Doing::Writing).contains("文件名过长"));
            let dir = std::io::Error::from_raw_os_error(21);
            assert!(reason(&dir, Doing::Reading).contains("文件夹"));
        }
        let odd = std::io::Error::other("some English text");
        assert!(!reason(&odd, Doing::Reading).is_ascii());
    }

    /// The codes Windows gives: on a Windows build (the Wine lane runs these) through
    /// [`reason`] itself, elsewhere through the table.
    #[test]
    fn windows_errors_are_said_in_chinese() {
        for (code, words) in [
            (32, "Word、WPS、Excel"),
            (33, "关闭该文件"),
            (112, "磁盘已满"),
            (39, "磁盘已满"),
            (206, "文件名过长"),
            (123, "不允许的字符"),
            (21, "U 盘"),
        ] {
            let said = windows_code_reason(code, Doing::Writing).unwrap();
            assert!(said.contains(words), "{code}: {said}");
            if cfg!(windows) {
                let e = std::io::Error::from_raw_os_error(code);
                assert_eq!(reason(&e, Doing::Writing), said, "{code}");
                assert_eq!(reason(&e, Doing::Reading), said, "{code}");
            }
        }
        // 28 is ERROR_OUT_OF_PAPER on Windows, ENOSPC on Unix: never mixed up.
        assert_eq!(windows_code_reason(28, Doing::Writing), None);
        assert_eq!(unix_code_reason(28), Some(DISK_FULL));
        let e = std::io::Error::from_raw_os_error(28);
        assert_eq!(reason(&e, Doing::Writing) == DISK_FULL, cfg!(unix));
    }

    #[test]
    fn windows_reserved_device_names_are_refused_with_any_extension() {
        for name in [
            "CON.docx",
            "con",
            "Prn.zip",
            "AUX.json",
            "nul.eml",
            "COM1.docx",
            "lpt9.xlsx",
            "COM¹.txt",
            "CON .docx",
            "NUL.tar.gz",
        ] {
            let why = reserved_name(name.as_ref()).unwrap_or_else(|| panic!("{name}"));
            assert!(
                why.contains("保留") && why.contains("换一个文件名"),
                "{why}"
            );
        }
        for name in [
            "CONTACT.docx",
            "COM10.docx",
            "LPT0x.txt",
            "申报表.docx",
            "nul-report.docx",
            "ACON.docx",
        ] {
            assert_eq!(reserved_name(name.as_ref()), None, "{name}");
        }
    }

    #[test]
    fn a_reserved_name_is_refused_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("CON.docx");
        let e = write_atomic(&target, b"x").unwrap_err();
        assert!(
            e.to_string().contains("CON.docx") && e.to_string().contains("保留"),
            "{e}"
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "nothing written"
        );
    }
}
