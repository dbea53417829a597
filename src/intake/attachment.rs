//! The files that come with a submission (from an e-mail or a package): what they are called,
//! what they are, and the one way the desk opens one.
//!
//! Mail from strangers is hostile input. A name from an archive or a MIME header is shown, never
//! used as a path: [`safe_name`] keeps its last component without control or direction
//! characters. A file is opened only when its type is one the applicant's side allows and its
//! first bytes agree ([`FileType::openable`]); it is opened by the system viewer from a copy
//! under a name made of its hash, in `desk-files/` of the data folder, readable by the user only
//! ([`copy_for_viewing`]). Nothing is ever executed.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The longest name shown, in characters (longer ones keep their start and extension).
pub const MAX_NAME_CHARS: usize = 120;

/// Where in its container an attachment sits: the steps from the file down to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The n-th attachment of an e-mail (counted as mail-parser lists them).
    Part(usize),
    /// The entry at this index of a zip archive.
    Entry(usize),
}

/// One file that came with a submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// The name to show ([`safe_name`] of what the sender called it).
    pub name: String,
    pub size: u64,
    pub kind: FileType,
    /// Whether the content agrees with the kind (a .pdf that starts with `%PDF`).
    pub content_matches: bool,
    /// xxh3-128 of the content, hex; empty when it was not read (over the package's budget).
    pub hash: String,
    /// The sealed, signed scan (a file named 「盖章扫描件.*」).
    #[serde(default)]
    pub sealed: bool,
    /// Where it is in the source file.
    pub at: Vec<Step>,
    /// The file it came in, when that is not its submission's (the same form received twice,
    /// the second time with attachments).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<crate::intake::Container>,
}

impl Attachment {
    /// An attachment named `raw` (by its sender) with this content.
    pub fn new(raw: &str, bytes: &[u8], at: Vec<Step>) -> Attachment {
        Attachment::streamed(
            raw,
            crate::intake::content_id(bytes),
            bytes.len() as u64,
            bytes,
            at,
        )
    }

    /// An attachment known by its hash, size and first bytes (streamed from an archive).
    pub fn streamed(raw: &str, hash: String, size: u64, head: &[u8], at: Vec<Step>) -> Attachment {
        let name = safe_name(raw);
        let kind = FileType::of_name(&name);
        let content_matches = kind.content_matches(head);
        Attachment {
            // A scan is a PDF or a picture that is what it says.
            sealed: is_sealed_scan(&name)
                && content_matches
                && matches!(
                    kind,
                    FileType::Pdf | FileType::Jpeg | FileType::Png | FileType::Ofd
                ),
            content_matches,
            size,
            hash,
            kind,
            name,
            at,
            source: None,
            container: None,
        }
    }

    /// An attachment that could not be read (over its limit, damaged): listed, never opened.
    pub fn unread(raw: &str, at: Vec<Step>) -> Attachment {
        let name = safe_name(raw);
        Attachment {
            sealed: false,
            content_matches: false,
            size: 0,
            hash: String::new(),
            kind: FileType::of_name(&name),
            name,
            at,
            source: None,
            container: None,
        }
    }

    /// Why the desk will not open it, in Chinese; None when it may.
    pub fn refusal(&self) -> Option<String> {
        if !self.kind.openable() {
            return Some(match self.kind {
                FileType::Program => format!(
                    "「{}」是可执行程序或脚本，为安全起见不会打开。请与申报人核实后改用 PDF 或图片",
                    self.name
                ),
                _ => format!(
                    "「{}」的类型（{}）不在可打开的范围内（PDF、JPG、PNG、OFD、Word、Excel），为安全起见不会打开",
                    self.name,
                    self.kind.label()
                ),
            });
        }
        if self.hash.is_empty() {
            return Some(format!(
                "「{}」未能读取（过大或已损坏），无法打开。请申报人单独发送该文件",
                self.name
            ));
        }
        if !self.content_matches {
            return Some(format!(
                "「{}」的内容与扩展名（{}）不符，可能是改了扩展名的其他文件，为安全起见不会打开",
                self.name,
                self.kind.label()
            ));
        }
        None
    }

    /// 「名称（1.2 MB）」.
    pub fn describe(&self) -> String {
        format!("{}（{}）", self.name, crate::files::size_text(self.size))
    }
}

/// What a file is, by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileType {
    Pdf,
    Jpeg,
    Png,
    Ofd,
    Doc,
    Docx,
    Xls,
    Xlsx,
    Zip,
    /// Executables and scripts: .exe, .bat, .js, .vbs, .ps1, .msi, .lnk, .scr, .sh …
    Program,
    Other,
}

impl FileType {
    pub fn of_name(name: &str) -> FileType {
        let ext = name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "pdf" => FileType::Pdf,
            "jpg" | "jpeg" => FileType::Jpeg,
            "png" => FileType::Png,
            "ofd" => FileType::Ofd,
            "doc" | "wps" => FileType::Doc,
            "docx" => FileType::Docx,
            "xls" | "et" => FileType::Xls,
            "xlsx" => FileType::Xlsx,
            "zip" => FileType::Zip,
            "exe" | "com" | "bat" | "cmd" | "msi" | "msp" | "scr" | "pif" | "lnk" | "js"
            | "jse" | "vbs" | "vbe" | "wsf" | "wsh" | "hta" | "ps1" | "psm1" | "jar" | "sh"
            | "bash" | "app" | "dmg" | "pkg" | "deb" | "rpm" | "apk" | "reg" | "cpl" | "dll"
            | "sys" | "docm" | "xlsm" | "pptm" | "chm" | "iso" | "img" | "url" | "desktop" => {
                FileType::Program
            }
            _ => FileType::Other,
        }
    }

    /// PDF, JPG, PNG, OFD, Word and Excel: the types the applicant's side allows and a viewer
    /// shows. A .zip is listed but not opened (it would be unpacked by whatever handles it).
    pub fn openable(self) -> bool {
        matches!(
            self,
            FileType::Pdf
                | FileType::Jpeg
                | FileType::Png
                | FileType::Ofd
                | FileType::Doc
                | FileType::Docx
                | FileType::Xls
                | FileType::Xlsx
        )
    }

    /// Whether the first bytes are those of this type.
    pub fn content_matches(self, bytes: &[u8]) -> bool {
        const OLE: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
        match self {
            FileType::Pdf => {
                bytes.len() >= 5
                    && memchr::memmem::find(&bytes[..bytes.len().min(1024)], b"%PDF-").is_some()
            }
            FileType::Jpeg => bytes.starts_with(b"\xFF\xD8\xFF"),
            FileType::Png => bytes.starts_with(b"\x89PNG\r\n\x1A\n"),
            FileType::Ofd | FileType::Docx | FileType::Xlsx | FileType::Zip => {
                bytes.starts_with(b"PK\x03\x04")
            }
            FileType::Doc | FileType::Xls => bytes.starts_with(OLE),
            FileType::Program | FileType::Other => false,
        }
    }

    /// For people: PDF, JPG, …, 可执行程序, 其他.
    pub fn label(self) -> &'static str {
        match self {
            FileType::Pdf => "PDF",
            FileType::Jpeg => "JPG",
            FileType::Png => "PNG",
            FileType::Ofd => "OFD",
            FileType::Doc => "Word（.doc）",
            FileType::Docx => "Word（.docx）",
            FileType::Xls => "Excel（.xls）",
            FileType::Xlsx => "Excel（.xlsx）",
            FileType::Zip => "压缩包",
            FileType::Program => "可执行程序",
            FileType::Other => "其他",
        }
    }

    /// The extension of the copy made for viewing.
    fn extension(self) -> &'static str {
        match self {
            FileType::Pdf => "pdf",
            FileType::Jpeg => "jpg",
            FileType::Png => "png",
            FileType::Ofd => "ofd",
            FileType::Doc => "doc",
            FileType::Docx => "docx",
            FileType::Xls => "xls",
            FileType::Xlsx => "xlsx",
            FileType::Zip => "zip",
            FileType::Program | FileType::Other => "bin",
        }
    }
}

/// Whether a file is named as the sealed, signed scan: 「盖章扫描件」, or a copy of it
/// (「盖章扫描件(1)」「盖章扫描件（2）」「盖章扫描件-1」「盖章扫描件 2」).
pub fn is_sealed_scan(name: &str) -> bool {
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    let Some(rest) = stem.trim().strip_prefix("盖章扫描件") else {
        return false;
    };
    let copy = rest
        .trim()
        .trim_start_matches(['(', '（', '-', '_'])
        .trim_end_matches([')', '）']);
    copy.chars().all(|c| c.is_ascii_digit())
}

/// A text from outside (a name, a sender) as it may be shown: without control, format,
/// direction and line-separator characters.
pub fn shown_text(raw: &str) -> String {
    raw.chars()
        .filter(|&c| !c.is_control() && !is_format_char(c))
        .collect()
}

/// The name to show for a file an archive or an e-mail calls `raw`: its last path component
/// (after `/` or `\`, so `../../x.pdf` and `C:\x.pdf` are `x.pdf`), without control, format and
/// direction characters (U+202E would show `gpj.exe` as `exe.jpg`), trimmed of dots and
/// spaces at the ends, at most [`MAX_NAME_CHARS`] characters; 「未命名附件」 when nothing is
/// left.
pub fn safe_name(raw: &str) -> String {
    let last = raw
        .rsplit(['/', '\\'])
        .find(|part| !part.trim().is_empty())
        .unwrap_or("");
    let last = last.rsplit_once(':').map_or(last, |(_, after)| after);
    let cleaned = shown_text(last);
    let cleaned = cleaned.trim_matches(|c: char| c.is_whitespace() || c == '.');
    if cleaned.is_empty() {
        return "未命名附件".into();
    }
    if cleaned.chars().count() <= MAX_NAME_CHARS {
        return cleaned.to_owned();
    }
    let (stem, ext) = match cleaned.rsplit_once('.') {
        Some((s, e)) if e.chars().count() <= 8 => (s, format!(".{e}")),
        _ => (cleaned, String::new()),
    };
    let keep = MAX_NAME_CHARS - ext.chars().count() - 1;
    format!("{}…{ext}", stem.chars().take(keep).collect::<String>())
}

/// Format characters (Unicode Cf: zero-width, direction, tags …) and the line and paragraph
/// separators: they change how a name looks, or break it, without being seen.
fn is_format_char(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{0600}'..='\u{0605}' | '\u{061C}' | '\u{06DD}' | '\u{070F}'
        | '\u{0890}'..='\u{0891}' | '\u{08E2}' | '\u{180E}' | '\u{200B}'..='\u{200F}'
        | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}'
        | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}' | '\u{110BD}' | '\u{110CD}'
        | '\u{13430}'..='\u{1343F}' | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0001}' | '\u{E0020}'..='\u{E007F}')
}

/// Writes `bytes` (the content of `attachment`, checked against its hash) to `dir` under a name
/// made of its hash and its type's extension, readable by the user only, and returns the path
/// to hand to the system viewer. Refuses what [`Attachment::refusal`] refuses.
pub fn copy_for_viewing(
    dir: &Path,
    attachment: &Attachment,
    bytes: &[u8],
) -> Result<PathBuf, String> {
    if let Some(why) = attachment.refusal() {
        return Err(why);
    }
    // The desk's own file says what the attachment is; its bytes are checked again.
    if !attachment.kind.content_matches(bytes) {
        return Err(format!(
            "「{}」的内容与扩展名不符，为安全起见不会打开",
            attachment.name
        ));
    }
    if has_macros(attachment.kind, bytes) {
        return Err(format!(
            "「{}」含有宏（可执行的代码），为安全起见不会打开。请申报人另存为不含宏的文件或 PDF 后发送",
            attachment.name
        ));
    }
    if attachment.hash.is_empty() || crate::intake::content_id(bytes) != attachment.hash {
        return Err(format!(
            "「{}」与导入时的内容不同（来源文件已被改动或替换），请重新导入后再打开",
            attachment.name
        ));
    }
    crate::files::create_private_dir(dir).map_err(|e| e.to_string())?;
    let hash = &attachment.hash[..attachment.hash.len().min(16)];
    let path = dir.join(format!("{hash}.{}", attachment.kind.extension()));
    crate::files::write_private(&path, bytes).map_err(|e| e.to_string())?;
    mark_from_internet(&path);
    Ok(path)
}

/// Whether an Office file carries macros: a VBA project in a Word/Excel 97 file (its stream
/// names, UTF-16) or a `vbaProject.bin` part in an OOXML one.
pub(crate) fn has_macros(kind: FileType, bytes: &[u8]) -> bool {
    let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    match kind {
        // `_VBA_PROJECT` (Word) and `_VBA_PROJECT_CUR` (Excel) are the VBA storages' names.
        FileType::Doc | FileType::Xls => {
            memchr::memmem::find(bytes, &utf16("_VBA_PROJECT")).is_some()
        }
        FileType::Docx | FileType::Xlsx => memchr::memmem::find(bytes, b"vbaProject.bin").is_some(),
        _ => false,
    }
}

/// On Windows the copy is marked as coming from the internet (Mark of the Web), so Office opens
/// it in Protected View as it would the e-mail's attachment.
#[cfg(windows)]
#[allow(clippy::disallowed_methods)] // an alternate data stream beside the file just written
fn mark_from_internet(path: &Path) {
    let mut stream = path.as_os_str().to_owned();
    stream.push(":Zone.Identifier");
    let _ = std::fs::write(
        std::path::PathBuf::from(stream),
        "[ZoneTransfer]\r\nZoneId=3\r\n",
    );
}

#[cfg(not(windows))]
fn mark_from_internet(_path: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_outside_are_never_paths() {
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_name("/abs/x.pdf"), "x.pdf");
        assert_eq!(safe_name("C:\\Windows\\x.pdf"), "x.pdf");
        assert_eq!(safe_name("C:x.pdf"), "x.pdf");
        assert_eq!(safe_name("dir/"), "dir");
        assert_eq!(safe_name(".."), "未命名附件");
        assert_eq!(safe_name(""), "未命名附件");
        assert_eq!(safe_name("报告\u{202E}fdp.exe"), "报告fdp.exe");
        assert_eq!(safe_name("a\u{0}b\r\n.pdf"), "ab.pdf");
        let long = format!("{}.pdf", "长".repeat(300));
        let short = safe_name(&long);
        assert_eq!(short.chars().count(), MAX_NAME_CHARS);
        assert!(short.ends_with("….pdf"), "{short}");
    }

    #[test]
    fn types_and_their_contents() {
        assert_eq!(FileType::of_name("证书.PDF"), FileType::Pdf);
        assert_eq!(FileType::of_name("setup.exe"), FileType::Program);
        assert_eq!(FileType::of_name("noext"), FileType::Other);
        assert!(FileType::Pdf.content_matches(b"%PDF-1.7\n"));
        assert!(!FileType::Pdf.content_matches(b"MZ\x90\x00"));
        assert!(FileType::Png.content_matches(b"\x89PNG\r\n\x1A\n...."));
        let exe = Attachment::new("setup.exe", b"MZ\x90\x00", vec![]);
        assert!(exe.refusal().unwrap().contains("可执行程序"));
        let fake = Attachment::new("证书.pdf", b"MZ\x90\x00", vec![]);
        assert!(fake.refusal().unwrap().contains("不符"));
        let pdf = Attachment::new("盖章扫描件.pdf", b"%PDF-1.4\n", vec![]);
        assert!(pdf.refusal().is_none() && pdf.sealed);
    }

    #[test]
    fn a_copy_for_viewing_is_named_by_its_hash_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let pdf = Attachment::new("../../证书.pdf", b"%PDF-1.4\n", vec![]);
        let path = copy_for_viewing(dir.path(), &pdf, b"%PDF-1.4\n").unwrap();
        assert_eq!(path.parent(), Some(dir.path()));
        assert!(
            path.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .ends_with(".pdf")
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let err = copy_for_viewing(dir.path(), &pdf, b"%PDF-1.5\n").unwrap_err();
        assert!(err.contains("内容不同"), "{err}");
    }
}
