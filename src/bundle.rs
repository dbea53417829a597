//! What an applicant sends: the exported form, the files of the 附件清单 and the sealed scan,
//! gathered once and written either as a 申报材料包 (.zip, in the layout the intake reads: the
//! form at the top, the attachments beside it, the scan as 「盖章扫描件.*」) or carried by the
//! e-mail draft (.eml).

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use crate::Draft;
use crate::attachments::{FILE_KEY, Folder};
use crate::files::size_text;
use crate::intake::attachment::FileType;
use crate::naming::safe_file_name;
use crate::schema::{AttachmentLimits, FieldRole, Form};

/// One file sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// Its name in the package and the e-mail.
    pub name: String,
    pub bytes: Vec<u8>,
}

impl Part {
    pub fn content_type(&self) -> &'static str {
        content_type(FileType::of_name(&self.name))
    }
}

/// The MIME type of a file the applicant's side sends.
pub fn content_type(kind: FileType) -> &'static str {
    match kind {
        FileType::Pdf => "application/pdf",
        FileType::Jpeg => "image/jpeg",
        FileType::Png => "image/png",
        FileType::Ofd => "application/ofd",
        FileType::Doc => "application/msword",
        FileType::Docx => crate::mail::DOCX_CONTENT_TYPE,
        FileType::Xls => "application/vnd.ms-excel",
        FileType::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        FileType::Zip => "application/zip",
        FileType::Program | FileType::Other => "application/octet-stream",
    }
}

/// Everything sent, in order: the form, the attachments as the 附件清单 lists them, then
/// files added besides, then the pages of the sealed scan.
#[derive(Debug, Clone, Default)]
pub struct Bundle {
    pub parts: Vec<Part>,
    /// What the applicant should know: a listed row without a file, a file of the folder no
    /// row names (left out).
    pub notes: Vec<String>,
}

impl Bundle {
    pub fn total(&self) -> u64 {
        self.parts.iter().map(|p| p.bytes.len() as u64).sum()
    }

    /// Whether the sealed scan is among the parts.
    pub fn has_sealed(&self) -> bool {
        self.parts
            .iter()
            .any(|p| crate::intake::attachment::is_sealed_scan(&p.name))
    }

    /// The 申报材料包: every part at the top of the archive, names in UTF-8 (flagged as such,
    /// which Windows' own 解压, WPS, 7-Zip and Bandizip read).
    pub fn zip(&self) -> Result<Vec<u8>, String> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let now = chrono::Local::now().naive_local();
        use chrono::{Datelike, Timelike};
        let stamp = zip::DateTime::from_date_and_time(
            now.year().clamp(1980, 2107) as u16,
            now.month() as u8,
            now.day() as u8,
            now.hour() as u8,
            now.minute() as u8,
            now.second() as u8,
        )
        .unwrap_or_default();
        for part in &self.parts {
            // Pictures and PDFs hardly shrink: stored as they are; the rest deflated.
            let method = match FileType::of_name(&part.name) {
                FileType::Jpeg | FileType::Png | FileType::Zip => zip::CompressionMethod::Stored,
                _ => zip::CompressionMethod::Deflated,
            };
            // Made by Unix, whatever builds it: the zip crate otherwise marks entries made
            // on Windows as MS-DOS, and Info-ZIP's `unzip` (UOS, Kylin) then reads their
            // UTF-8 names as code page 437. Non-ASCII names carry the UTF-8 flag (bit 11).
            let options = zip::write::SimpleFileOptions::default()
                .system(zip::System::Unix)
                .compression_method(method)
                .last_modified_time(stamp)
                .unix_permissions(0o644)
                .large_file(part.bytes.len() as u64 >= u32::MAX as u64);
            zip.start_file(part.name.as_str(), options)
                .map_err(|e| format!("无法写入材料包中的「{}」：{e}", part.name))?;
            zip.write_all(&part.bytes)
                .map_err(|e| format!("无法写入材料包中的「{}」：{e}", part.name))?;
        }
        zip.finish()
            .map(Cursor::into_inner)
            .map_err(|e| format!("无法写完材料包：{e}"))
    }
}

/// Where the files come from: the draft's attachment folder (when it is a draft of the
/// store), and files named on the command line.
#[derive(Debug, Default)]
pub struct Sources<'a> {
    pub folder: Option<&'a Folder>,
    pub attach: &'a [PathBuf],
    pub sealed: &'a [PathBuf],
}

/// Gathers what is sent with the exported form (`form_name`, `form_bytes`). The files of
/// the 附件清单 are named after their rows (「营业执照复印件.pdf」); a row whose file is not
/// in the folder, and a file of the folder no row names, are noted. Files given besides are
/// checked as the form page checks them. Refused when the whole passes the call's limit.
pub fn gather(
    form: &Form,
    draft: &Draft,
    form_name: &str,
    form_bytes: Vec<u8>,
    sources: &Sources,
    limits: &AttachmentLimits,
) -> Result<Bundle, String> {
    let mut bundle = Bundle::default();
    bundle.parts.push(Part {
        name: form_name.to_owned(),
        bytes: form_bytes,
    });
    let mut used_from_folder: Vec<String> = Vec::new();
    for (row, listed, file) in listed_files(form, draft) {
        let Some(file) = file else { continue };
        let Some(path) = sources.folder.and_then(|f| f.path(&file)) else {
            bundle.notes.push(format!(
                "附件清单第 {} 行「{listed}」的文件「{file}」不在本机的附件文件夹中，未放入；请重新选择该文件。",
                row + 1
            ));
            continue;
        };
        let bytes = read(&path, &file, limits)?;
        let ext = file
            .rsplit_once('.')
            .map(|(_, e)| e.to_lowercase())
            .unwrap_or_default();
        let stem = if listed.is_empty() {
            file.rsplit_once('.')
                .map_or(file.as_str(), |(s, _)| s)
                .to_owned()
        } else {
            listed
        };
        // A name Windows can extract: no `<>:"/\\|?*`, at most 120 characters.
        // The label as written (「身份证（正/反面）」 keeps both halves, its slash made safe).
        let name = unique(&bundle.parts, &safe_file_name(&stem, &ext));
        used_from_folder.push(file);
        bundle.parts.push(Part { name, bytes });
    }
    if let Some(folder) = sources.folder {
        for stored in folder.list() {
            let sealed = crate::intake::attachment::is_sealed_scan(&stored.name);
            if !sealed && !used_from_folder.contains(&stored.name) {
                bundle.notes.push(format!(
                    "附件文件夹中的「{}」没有列入附件清单，未放入；如需发送，请在附件清单中为它添加一行。",
                    stored.name
                ));
            }
        }
    }
    let scratch = tempfile::tempdir().map_err(|e| {
        format!(
            "无法检查附件：{}",
            crate::files::reason(&e, crate::files::Doing::Writing)
        )
    })?;
    // Files given besides go through the same checks as on the form page.
    let checked = Folder::new(scratch.path().join("checked"));
    for path in sources.attach {
        let stored = checked.add(path, limits, false)?;
        let bytes = read(&checked.dir().join(&stored.name), &stored.name, limits)?;
        let name = unique(&bundle.parts, &stored.name);
        bundle.parts.push(Part { name, bytes });
    }
    // The scan: the folder's pages, then those given, numbered on.
    let scan = Folder::new(scratch.path().join("sealed"));
    let mut pages: Vec<PathBuf> = sources
        .folder
        .map(|f| f.sealed().iter().filter_map(|s| f.path(&s.name)).collect())
        .unwrap_or_default();
    pages.extend(sources.sealed.iter().cloned());
    for path in &pages {
        scan.add(path, limits, true)?;
    }
    for page in scan.sealed() {
        let bytes = read(&scan.dir().join(&page.name), &page.name, limits)?;
        bundle.parts.push(Part {
            name: unique(&bundle.parts, &page.name),
            bytes,
        });
    }
    let total = bundle.total();
    if total > limits.total_bytes() {
        return Err(format!(
            "申报表与附件合计 {}，超过 {} MB 的上限。请压缩较大的附件（如降低扫描分辨率）后再试。",
            size_text(total),
            limits.total_mb
        ));
    }
    Ok(bundle)
}

/// The rows of the 附件清单: (index, 附件名称, the stored file the row names).
pub fn listed_files(form: &Form, draft: &Draft) -> Vec<(usize, String, Option<String>)> {
    let Some(field) = form.role_field(FieldRole::Attachments) else {
        return Vec::new();
    };
    let name_column = field
        .columns
        .first()
        .map(|c| c.id.as_str())
        .unwrap_or("name");
    let Some(rows) = draft.get(&field.id).and_then(|v| v.as_array()) else {
        return Vec::new();
    };
    rows.iter()
        .enumerate()
        .map(|(i, row)| {
            let text = |key: &str| {
                row.get(key)
                    .and_then(|v| v.as_str())
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
            };
            (i, text(name_column).unwrap_or_default(), text(FILE_KEY))
        })
        .collect()
}

fn read(path: &Path, shown: &str, limits: &AttachmentLimits) -> Result<Vec<u8>, String> {
    crate::files::read_bounded(path, limits.file_bytes())
        .map_err(|e| format!("无法读取附件「{shown}」：{e}"))
}

/// `name`, or 「name (2).ext」 … when a part already has it (names compared as Windows does,
/// without regard to case).
fn unique(parts: &[Part], name: &str) -> String {
    let taken = |n: &str| {
        parts
            .iter()
            .any(|p| p.name.to_lowercase() == n.to_lowercase())
    };
    if !taken(name) {
        return name.to_owned();
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) => (s.to_owned(), format!(".{e}")),
        None => (name.to_owned(), String::new()),
    };
    (2..)
        .map(|n| format!("{stem} ({n}){ext}"))
        .find(|n| !taken(n))
        .unwrap_or_else(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each central-directory record's "version made by" host byte and general-purpose flags.
    fn made_by_and_flags(zip: &[u8]) -> Vec<(u8, u16)> {
        zip.windows(4)
            .enumerate()
            .filter(|(_, w)| *w == b"PK\x01\x02")
            .map(|(i, _)| (zip[i + 5], u16::from_le_bytes([zip[i + 8], zip[i + 9]])))
            .collect()
    }

    #[test]
    fn entries_are_made_by_unix_with_utf8_names_on_every_platform() {
        let bundle = Bundle {
            parts: vec![
                Part {
                    name: "申报表-新锐企业榜.docx".into(),
                    bytes: b"form".to_vec(),
                },
                Part {
                    name: "scan.pdf".into(),
                    bytes: b"%PDF-1.4".to_vec(),
                },
            ],
            notes: vec![],
        };
        let zip = bundle.zip().unwrap();
        let records = made_by_and_flags(&zip);
        assert_eq!(records.len(), 2);
        // 3 = Unix (0 would be MS-DOS, which `unzip` reads as code page 437).
        assert!(records.iter().all(|(host, _)| *host == 3), "{records:?}");
        assert_ne!(
            records[0].1 & 0x0800,
            0,
            "the Chinese name carries the UTF-8 flag"
        );
    }
}
