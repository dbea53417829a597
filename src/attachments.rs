//! The applicant's attachments: the files that go with a form, copied into
//! `attachments/<draft id>/` in the data folder (beside `drafts/`).
//!
//! - A row of the 附件清单 names its file in the row's `file` key (so the file moves with the
//!   row and the draft says which file stands for which row).
//! - The sealed, signed scan of the printed form is `盖章扫描件.<ext>`; further pages as
//!   images are `盖章扫描件-2.jpg`, `盖章扫描件-3.jpg` ….
//!
//! The folder is the truth: what is in it is listed, what a row names but is not there is
//! said. Only PDF, JPG, PNG, OFD, Word, Excel and ZIP are taken, each checked by its content,
//! within the limits of the call file (`[attachments]`).

use std::path::{Path, PathBuf};

use crate::files::{self, size_text};
use crate::intake::attachment::{FileType, is_sealed_scan, safe_name};
use crate::schema::AttachmentLimits;

/// The key of a 附件清单 row that names its stored file.
pub const FILE_KEY: &str = "file";

/// The stem of the sealed scan.
pub const SEALED: &str = "盖章扫描件";

/// What the applicant's side takes, said to people.
pub const ALLOWED_TEXT: &str = "PDF、JPG、PNG、OFD、Word、Excel 或 ZIP";

/// A file in the folder.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub name: String,
    pub size: u64,
    pub kind: FileType,
}

impl Stored {
    /// 「营业执照.pdf（1.2 MB，PDF）」
    pub fn describe(&self) -> String {
        format!(
            "{}（{}，{}）",
            self.name,
            size_text(self.size),
            self.kind.label()
        )
    }
}

/// Whether the applicant's side takes a file of this type as an attachment.
pub fn allowed(kind: FileType, sealed: bool) -> bool {
    match kind {
        FileType::Pdf | FileType::Jpeg | FileType::Png | FileType::Ofd => true,
        FileType::Doc | FileType::Docx | FileType::Xls | FileType::Xlsx | FileType::Zip => !sealed,
        FileType::Program | FileType::Other => false,
    }
}

/// One draft's attachment folder.
#[derive(Debug, Clone)]
pub struct Folder {
    dir: PathBuf,
}

impl Folder {
    pub fn new(dir: PathBuf) -> Folder {
        Folder { dir }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every file in the folder, by name (our temporary files and anything that is not a
    /// regular file are left out).
    pub fn list(&self) -> Vec<Stored> {
        let mut found: Vec<Stored> = std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| {
                let name = entry.file_name().into_string().ok()?;
                let meta = entry.metadata().ok()?;
                (meta.is_file() && !files::is_temp_name(&name)).then(|| Stored {
                    kind: FileType::of_name(&name),
                    size: meta.len(),
                    name,
                })
            })
            .collect();
        found.sort_by(|a, b| a.name.cmp(&b.name));
        found
    }

    /// The pages of the sealed scan, in order (「盖章扫描件」 is page 1, 「盖章扫描件-2」 page 2).
    pub fn sealed(&self) -> Vec<Stored> {
        let mut pages: Vec<Stored> = self
            .list()
            .into_iter()
            .filter(|s| is_sealed_scan(&s.name))
            .collect();
        pages.sort_by_key(|s| (page_number(&s.name), s.name.clone()));
        pages
    }

    /// The path of a file of the folder by its name; None for a name that is not a plain
    /// file name of the folder, or a file that is not there.
    pub fn path(&self, name: &str) -> Option<PathBuf> {
        let plain = !name.is_empty()
            && safe_name(name) == name
            && !name.starts_with('.')
            && !name.contains(['/', '\\', ':']);
        let path = self.dir.join(name);
        (plain && path.is_file()).then_some(path)
    }

    /// Bytes in the folder.
    pub fn total(&self) -> u64 {
        self.list().iter().map(|s| s.size).sum()
    }

    /// Copies `source` in, after checking it: a regular file of an allowed type whose content
    /// is that type, without macros, within the limits. The sealed scan is named
    /// 「盖章扫描件」 (the next page number when there is one already). The same content
    /// already in the folder is not copied twice. Returns the file as stored.
    pub fn add(
        &self,
        source: &Path,
        limits: &AttachmentLimits,
        sealed: bool,
    ) -> Result<Stored, String> {
        let original = source
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let shown = safe_name(&original);
        let kind = FileType::of_name(&shown);
        if !allowed(kind, sealed) {
            return Err(if sealed {
                format!("「{shown}」不能作为盖章扫描件：扫描件须为 PDF、JPG、PNG 或 OFD。")
            } else {
                let what = match kind {
                    FileType::Program => "是可执行程序或宏文件，",
                    _ => "",
                };
                format!("「{shown}」{what}不能作为附件：附件须为 {ALLOWED_TEXT} 文件。")
            });
        }
        let meta = std::fs::metadata(source).map_err(|e| {
            format!(
                "无法读取「{shown}」：{}",
                files::reason(&e, files::Doing::Reading)
            )
        })?;
        if let Some(what) = files::not_a_file(&meta) {
            return Err(format!("「{shown}」{what}，不是普通文件，不能作为附件。"));
        }
        if meta.len() > limits.file_bytes() {
            return Err(format!(
                "「{shown}」有 {}，超过单个附件 {} MB 的上限。请压缩或拆分后再添加（PDF 可降低扫描分辨率）。",
                size_text(meta.len()),
                limits.file_mb
            ));
        }
        let bytes = files::read_bounded(source, limits.file_bytes()).map_err(|e| e.to_string())?;
        self.put(&shown, &bytes, limits, sealed)
    }

    /// Puts a file's content in under its name (made safe; the scan as 「盖章扫描件」), after
    /// the checks of [`Folder::add`] that look at content: its type, no macros, the limits.
    /// The same content already in the folder is not put twice.
    pub fn put(
        &self,
        shown: &str,
        bytes: &[u8],
        limits: &AttachmentLimits,
        sealed: bool,
    ) -> Result<Stored, String> {
        let shown = safe_name(shown);
        let kind = FileType::of_name(&shown);
        if !allowed(kind, sealed) {
            return Err(format!(
                "「{shown}」不能作为附件：附件须为 {ALLOWED_TEXT} 文件。"
            ));
        }
        if bytes.len() as u64 > limits.file_bytes() {
            return Err(format!(
                "「{shown}」有 {}，超过单个附件 {} MB 的上限。",
                size_text(bytes.len() as u64),
                limits.file_mb
            ));
        }
        if !kind.content_matches(bytes) {
            return Err(format!(
                "「{shown}」的内容不是 {}（扩展名与内容不符）。请确认选对了文件。",
                kind.label()
            ));
        }
        if crate::intake::attachment::has_macros(kind, bytes) {
            return Err(format!(
                "「{shown}」含有宏，不能作为附件。请另存为不含宏的文档（.docx、.xlsx 或 PDF）后再添加。"
            ));
        }
        let existing = self.list();
        let hash = xxhash_rust::xxh3::xxh3_128(bytes);
        for s in &existing {
            let same_size = s.size == bytes.len() as u64;
            let same_kind = is_sealed_scan(&s.name) == sealed;
            if same_size
                && same_kind
                && files::read_bounded(&self.dir.join(&s.name), limits.file_bytes())
                    .is_ok_and(|b| xxhash_rust::xxh3::xxh3_128(&b) == hash)
            {
                return Ok(s.clone());
            }
        }
        let total: u64 = existing.iter().map(|s| s.size).sum::<u64>() + bytes.len() as u64;
        if total > limits.total_bytes() {
            return Err(format!(
                "加上「{shown}」，附件合计 {}，超过 {} MB 的上限。请先移除不需要的附件，或压缩后再添加。",
                size_text(total),
                limits.total_mb
            ));
        }
        let taken: Vec<&str> = existing.iter().map(|s| s.name.as_str()).collect();
        let name = if sealed {
            sealed_name(&taken, kind)
        } else {
            free_name(&taken, &shown)
        };
        std::fs::create_dir_all(&self.dir).map_err(|e| {
            format!(
                "无法创建附件文件夹 {}：{}",
                self.dir.display(),
                files::reason(&e, files::Doing::Writing)
            )
        })?;
        files::write_private(&self.dir.join(&name), bytes).map_err(|e| e.to_string())?;
        Ok(Stored {
            size: bytes.len() as u64,
            kind,
            name,
        })
    }

    /// Removes a copy from the folder (the person's original is wherever it was).
    pub fn remove(&self, name: &str) -> Result<(), String> {
        let Some(path) = self.path(name) else {
            return Ok(());
        };
        std::fs::remove_file(&path).map_err(|e| {
            format!(
                "无法移除附件 {}：{}",
                path.display(),
                files::reason(&e, files::Doing::Writing)
            )
        })
    }
}

/// The page of a sealed scan by its name: 「盖章扫描件.pdf」 1, 「盖章扫描件-2.jpg」 2.
fn page_number(name: &str) -> u32 {
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    let digits: String = stem.chars().filter(char::is_ascii_digit).collect();
    digits.parse().unwrap_or(1)
}

/// Whether a name is taken, compared as Windows and macOS compare file names (without
/// regard to case): 「营业执照.PDF」 and 「营业执照.pdf」 are one file there.
fn is_taken(taken: &[&str], name: &str) -> bool {
    let name = name.to_lowercase();
    taken.iter().any(|t| t.to_lowercase() == name)
}

/// 「营业执照.pdf」, else 「营业执照 (2).pdf」 ….
fn free_name(taken: &[&str], name: &str) -> String {
    if !is_taken(taken, name) {
        return name.to_owned();
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) => (s, format!(".{e}")),
        None => (name, String::new()),
    };
    (2..)
        .map(|n| format!("{stem} ({n}){ext}"))
        .find(|candidate| !is_taken(taken, candidate))
        .unwrap_or_else(|| name.to_owned())
}

/// 「盖章扫描件.pdf」, or the next page: 「盖章扫描件-2.jpg」 ….
fn sealed_name(taken: &[&str], kind: FileType) -> String {
    let ext = match kind {
        FileType::Jpeg => "jpg",
        FileType::Png => "png",
        FileType::Ofd => "ofd",
        _ => "pdf",
    };
    // After the last page there is (a page removed leaves a gap, never a second page of
    // the same number); page numbers compared without the extension.
    let last = taken
        .iter()
        .filter(|n| is_sealed_scan(n))
        .map(|n| page_number(n))
        .max()
        .unwrap_or(0);
    let stems: Vec<String> = taken
        .iter()
        .map(|n| n.rsplit_once('.').map_or(*n, |(s, _)| s).to_lowercase())
        .collect();
    (last + 1..)
        .map(|n| match n {
            1 => format!("{SEALED}.{ext}"),
            n => format!("{SEALED}-{n}.{ext}"),
        })
        .find(|candidate| {
            let stem = candidate
                .rsplit_once('.')
                .map_or(candidate.as_str(), |(s, _)| s);
            !stems.contains(&stem.to_lowercase())
        })
        .unwrap_or_else(|| format!("{SEALED}.{ext}"))
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // tests set up their files directly
mod tests {
    use super::*;

    fn limits() -> AttachmentLimits {
        AttachmentLimits {
            file_mb: 1,
            total_mb: 2,
            mailbox_mb: 1,
        }
    }

    fn pdf(extra: usize) -> Vec<u8> {
        let mut b = b"%PDF-1.4\n".to_vec();
        b.resize(9 + extra, b'x');
        b
    }

    #[test]
    fn a_file_is_copied_in_once_and_named_apart_from_another_of_the_same_name() {
        let dir = tempfile::tempdir().unwrap();
        let folder = Folder::new(dir.path().join("a"));
        let src = dir.path().join("营业执照.pdf");
        std::fs::write(&src, pdf(10)).unwrap();
        let first = folder.add(&src, &limits(), false).unwrap();
        assert_eq!(first.name, "营业执照.pdf");
        assert_eq!(
            folder.add(&src, &limits(), false).unwrap(),
            first,
            "same content"
        );
        std::fs::write(&src, pdf(20)).unwrap();
        assert_eq!(
            folder.add(&src, &limits(), false).unwrap().name,
            "营业执照 (2).pdf"
        );
        // The same name in other letters is the same file on Windows and macOS.
        let upper = dir.path().join("营业执照.PDF");
        std::fs::write(&upper, pdf(30)).unwrap();
        assert_eq!(
            folder.add(&upper, &limits(), false).unwrap().name,
            "营业执照 (3).PDF"
        );
        assert_eq!(folder.list().len(), 3);
    }

    #[test]
    fn what_is_not_an_allowed_file_is_refused_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let folder = Folder::new(dir.path().join("a"));
        let write = |name: &str, bytes: &[u8]| {
            let p = dir.path().join(name);
            std::fs::write(&p, bytes).unwrap();
            p
        };
        let cases = [
            (write("setup.exe", b"MZ"), "可执行程序"),
            (write("假的.pdf", b"MZ\x90"), "内容不是 PDF"),
            (write("大.pdf", &pdf(1024 * 1024)), "超过单个附件 1 MB"),
            (write("说明.txt", b"hello"), "附件须为 PDF"),
        ];
        for (path, said) in cases {
            let e = folder.add(&path, &limits(), false).unwrap_err();
            assert!(e.contains(said), "{}: {e}", path.display());
        }
        let e = folder
            .add(&write("扫描.docx", b"PK\x03\x04"), &limits(), true)
            .unwrap_err();
        assert!(e.contains("扫描件须为 PDF"), "{e}");
        assert!(folder.list().is_empty());
    }

    #[test]
    fn the_total_is_kept_within_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let folder = Folder::new(dir.path().join("a"));
        for n in 0..2 {
            let p = dir.path().join(format!("{n}.pdf"));
            std::fs::write(&p, pdf(900 * 1024 + n)).unwrap();
            folder.add(&p, &limits(), false).unwrap();
        }
        let p = dir.path().join("3.pdf");
        std::fs::write(&p, pdf(300 * 1024)).unwrap();
        let e = folder.add(&p, &limits(), false).unwrap_err();
        assert!(e.contains("超过 2 MB 的上限"), "{e}");
    }

    #[test]
    fn the_sealed_scan_is_named_as_the_intake_reads_it_page_by_page() {
        let dir = tempfile::tempdir().unwrap();
        let folder = Folder::new(dir.path().join("a"));
        let jpg = |n: u8| {
            let p = dir.path().join(format!("IMG_{n}.JPG"));
            std::fs::write(&p, [0xFF, 0xD8, 0xFF, n]).unwrap();
            p
        };
        assert_eq!(
            folder.add(&jpg(1), &limits(), true).unwrap().name,
            "盖章扫描件.jpg"
        );
        assert_eq!(
            folder.add(&jpg(2), &limits(), true).unwrap().name,
            "盖章扫描件-2.jpg"
        );
        let jpg3 = jpg(3);
        folder.add(&jpg3, &limits(), true).unwrap();
        let pages: Vec<String> = folder.sealed().into_iter().map(|s| s.name).collect();
        assert_eq!(
            pages,
            ["盖章扫描件.jpg", "盖章扫描件-2.jpg", "盖章扫描件-3.jpg"]
        );
        folder.remove("盖章扫描件.jpg").unwrap();
        assert_eq!(folder.sealed().len(), 2);
        // A page replaced after a removal comes after the last, never as a second page 3.
        let pdf = dir.path().join("封面.pdf");
        std::fs::write(&pdf, b"%PDF-1.7\n").unwrap();
        assert_eq!(
            folder.add(&pdf, &limits(), true).unwrap().name,
            "盖章扫描件-4.pdf"
        );
        assert!(folder.path("../a/盖章扫描件-2.jpg").is_none());
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_waiting_for_it() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("管道.pdf");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let folder = Folder::new(dir.path().join("a"));
        let e = folder.add(&fifo, &limits(), false).unwrap_err();
        assert!(e.contains("不是普通文件"), "{e}");
    }
}
