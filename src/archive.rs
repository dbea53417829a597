//! Reading zip archives from outside (.docx, .xlsx) within limits: the end record and central
//! directory are checked before the zip reader sees them (a single disk, no ZIP64, at most
//! [`ZIP_ENTRIES`](crate::limits::ZIP_ENTRIES) entries, nothing after the end record), every
//! part is inflated within its own limit and a budget for the whole archive, and a declared
//! size that lies is caught. Only the parts asked for are ever inflated.

use std::io::{Cursor, Read};

use crate::limits::{BOMB_RATIO, ZIP_ENTRIES};

/// Why an archive or one of its parts cannot be read. Messages are Chinese, without the file's
/// name (the caller names the file).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArchiveError {
    /// Not a zip archive at all, or cut short.
    #[error("{0}")]
    NotZip(String),
    /// A zip archive, but damaged or unsafe.
    #[error("{0}")]
    Damaged(String),
}

/// One entry of an archive as listed in its directory. The name is the archive's, to show (after
/// [`crate::intake::attachment::safe_name`]) and never to use as a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub index: usize,
    pub name: String,
    /// The declared inflated size.
    pub size: u64,
    pub dir: bool,
    /// A symbolic link (Unix mode in the archive): never followed, never listed as a file.
    pub link: bool,
}

/// An archive being read, with how much has been inflated from it so far.
pub struct Archive<'a> {
    zip: zip::ZipArchive<Cursor<&'a [u8]>>,
    inflated: u64,
    budget: u64,
}

impl<'a> Archive<'a> {
    /// Opens an archive whose parts together may inflate to at most `budget` bytes.
    pub fn open(bytes: &'a [u8], budget: u64) -> Result<Archive<'a>, ArchiveError> {
        check_directory(bytes)?;
        let zip = zip::ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| ArchiveError::NotZip(zip_reason(&e)))?;
        Ok(Archive {
            zip,
            inflated: 0,
            budget,
        })
    }

    /// How much has been inflated from it so far (failed reads included).
    pub fn inflated(&self) -> u64 {
        self.inflated
    }

    /// The names of the entries, in the archive's order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.zip.file_names()
    }

    /// Every entry's name and kind, in the archive's order, without inflating anything. A name
    /// not marked UTF-8 is read as GB18030 when it is not valid UTF-8 (Windows' 「发送到压缩文件夹」
    /// writes the system code page), never as the zip default CP437.
    pub fn entries(&mut self) -> Vec<Entry> {
        (0..self.zip.len())
            .filter_map(|index| {
                let file = self.zip.by_index_raw(index).ok()?;
                Some(Entry {
                    index,
                    name: decoded_name(file.name_raw()),
                    size: file.size(),
                    dir: file.is_dir(),
                    link: file.is_symlink(),
                })
            })
            .collect()
    }

    /// The entry at `index` (from [`Archive::entries`]), inflated whole within `limit`.
    pub fn read_entry(&mut self, index: usize, limit: u64) -> Result<Vec<u8>, ArchiveError> {
        let mut out = Vec::new();
        self.stream_entry(index, limit, |chunk| out.extend_from_slice(chunk))?;
        Ok(out)
    }

    /// The entry at `index` streamed through the content hash ([`crate::intake::content_id`])
    /// within `limit`, never held whole: its hash, its size and its first `head` bytes.
    pub fn hash_entry(
        &mut self,
        index: usize,
        limit: u64,
        head: usize,
    ) -> Result<(String, u64, Vec<u8>), ArchiveError> {
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        let mut first = Vec::with_capacity(head);
        let total = self.stream_entry(index, limit, |chunk| {
            let room = head.saturating_sub(first.len()).min(chunk.len());
            first.extend_from_slice(&chunk[..room]);
            hasher.update(chunk);
        })?;
        Ok((format!("{:032x}", hasher.digest128()), total, first))
    }

    /// Inflates the entry at `index` chunk by chunk into `sink`, within `limit` and the
    /// archive's budget, stopping where the declared size is passed; returns the size.
    fn stream_entry(
        &mut self,
        index: usize,
        limit: u64,
        mut sink: impl FnMut(&[u8]),
    ) -> Result<u64, ArchiveError> {
        let budget = self.budget.saturating_sub(self.inflated);
        let mut file = self.zip.by_index(index).map_err(|e| {
            ArchiveError::Damaged(format!("第 {} 项：{}", index + 1, zip_reason(&e)))
        })?;
        let name = decoded_name(file.name_raw());
        let (size, packed) = (file.size(), file.compressed_size());
        if size > limit.min(budget) {
            return Err(too_large(&name, size, packed, limit.min(budget)));
        }
        let mut buf = vec![0u8; 64 * 1024];
        let mut total = 0u64;
        loop {
            // Charged as it is inflated: an entry that fails half-way has cost its share.
            let read = file.read(&mut buf);
            let n = match read {
                Ok(n) => n,
                Err(_) => {
                    self.inflated += total;
                    return Err(ArchiveError::Damaged(format!(
                        "{name}：解压失败（数据损坏或校验不符）"
                    )));
                }
            };
            if n == 0 {
                break;
            }
            total += n as u64;
            if total > size {
                self.inflated += total;
                return Err(ArchiveError::Damaged(format!(
                    "{name}：实际解压大小与声明不符，疑似压缩炸弹"
                )));
            }
            sink(&buf[..n]);
        }
        self.inflated += total;
        Ok(total)
    }

    /// One part, inflated whole within `limit`; None when it is not there.
    pub fn read(&mut self, name: &str, limit: u64) -> Result<Option<Vec<u8>>, ArchiveError> {
        self.read_up_to(name, limit, false)
    }

    /// The first `limit` bytes of a part (to look at its root element, say).
    pub fn peek(&mut self, name: &str, limit: u64) -> Result<Option<Vec<u8>>, ArchiveError> {
        self.read_up_to(name, limit, true)
    }

    fn read_up_to(
        &mut self,
        name: &str,
        limit: u64,
        peek: bool,
    ) -> Result<Option<Vec<u8>>, ArchiveError> {
        let budget = self.budget.saturating_sub(self.inflated);
        let file = match self.zip.by_name(name) {
            Ok(f) => f,
            Err(zip::result::ZipError::FileNotFound) => return Ok(None),
            Err(e) => return Err(ArchiveError::Damaged(format!("{name}：{}", zip_reason(&e)))),
        };
        let (size, packed) = (file.size(), file.compressed_size());
        if !peek && size > limit.min(budget) {
            return Err(too_large(name, size, packed, limit.min(budget)));
        }
        // The declared size can lie: never inflate more than it says, nor past the budget.
        let cap = if peek { limit } else { size }.min(budget);
        let mut out = Vec::with_capacity(cap.min(1 << 20) as usize);
        file.take(cap + 1).read_to_end(&mut out).map_err(|_| {
            ArchiveError::Damaged(format!("{name}：解压失败（数据损坏或校验不符）"))
        })?;
        self.inflated += out.len() as u64;
        if peek {
            out.truncate(limit as usize);
        } else if out.len() as u64 > cap {
            return Err(ArchiveError::Damaged(if out.len() as u64 > size {
                format!("{name}：实际解压大小与声明不符，疑似压缩炸弹")
            } else {
                format!("{name}：解压后的内容超过总量上限")
            }));
        }
        Ok(Some(out))
    }
}

/// An entry's name: UTF-8 when it is, else GB18030 (Windows' code page for Chinese).
fn decoded_name(raw: &[u8]) -> String {
    let name = match std::str::from_utf8(raw) {
        Ok(name) => std::borrow::Cow::Borrowed(name),
        Err(_) => encoding_rs::GB18030.decode(raw).0,
    };
    // Shown in messages: without control and direction characters.
    crate::intake::attachment::shown_text(&name)
}

/// A part over its limit: a bomb when it inflates far beyond its compressed size, else simply
/// too much content.
fn too_large(name: &str, size: u64, packed: u64, limit: u64) -> ArchiveError {
    let mb = |b: u64| crate::files::size_text(b);
    if size > packed.saturating_mul(BOMB_RATIO) {
        ArchiveError::Damaged(format!(
            "{name} 解压后为 {}（压缩时 {}），超过上限 {}，疑似压缩炸弹",
            mb(size),
            mb(packed),
            mb(limit)
        ))
    } else {
        ArchiveError::Damaged(format!(
            "{name} 内容过多（解压后 {}，上限 {}）",
            mb(size),
            mb(limit)
        ))
    }
}

/// Checks the zip's end record and central directory before the zip reader sees them, so that
/// it succeeds on its first attempt within our limits or is never asked.
fn check_directory(bytes: &[u8]) -> Result<(), ArchiveError> {
    let incomplete = || ArchiveError::NotZip("找不到完整的压缩目录".into());
    let damaged = |what: &str| ArchiveError::Damaged(format!("压缩目录{what}"));
    let u16_at = |p: usize| {
        bytes
            .get(p..p + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    let u32_at = |p: usize| {
        bytes
            .get(p..p + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let tail_start = bytes.len().saturating_sub(22 + usize::from(u16::MAX));
    let end = bytes[tail_start..]
        .windows(4)
        .rposition(|w| w == b"PK\x05\x06")
        .map(|p| tail_start + p)
        .ok_or_else(incomplete)?;
    let field = |off: usize| u16_at(end + off).ok_or_else(incomplete);
    let (disk, dir_disk, here, total) = (field(4)?, field(6)?, field(8)?, field(10)?);
    let comment = field(20)?;
    let dir_size = u32_at(end + 12).ok_or_else(incomplete)?;
    let dir_at = u32_at(end + 16).ok_or_else(incomplete)?;
    if [here, total].contains(&u16::MAX) || [dir_size, dir_at].contains(&u32::MAX) {
        return Err(damaged("为 ZIP64 格式"));
    }
    if disk != 0 || dir_disk != 0 || here != total {
        return Err(damaged("分卷"));
    }
    if usize::from(total) > ZIP_ENTRIES {
        return Err(ArchiveError::Damaged(format!(
            "包含 {total} 个条目，超过上限 {ZIP_ENTRIES}"
        )));
    }
    if end + 22 + usize::from(comment) != bytes.len() {
        return Err(damaged("结尾有多余或缺少的数据"));
    }
    let (dir_at, dir_end) = (dir_at as usize, dir_at as usize + dir_size as usize);
    if dir_end != end {
        return Err(damaged("位置与大小不符"));
    }
    let mut p = dir_at;
    // (local header offset, compressed size) of every entry: their data may not overlap, or
    // one small stream could be inflated once per entry pointing at it.
    let mut spans: Vec<(u64, u64)> = Vec::with_capacity(usize::from(total));
    for _ in 0..total {
        if bytes.get(p..p + 4) != Some(b"PK\x01\x02".as_slice()) {
            return Err(damaged("中的条目不完整"));
        }
        let at = u32_at(p + 42).ok_or_else(incomplete)?;
        let packed = u32_at(p + 20).ok_or_else(incomplete)?;
        spans.push((u64::from(at), u64::from(packed)));
        let lengths = [28, 30, 32].map(|o| u16_at(p + o).map_or(0, usize::from));
        p += 46 + lengths.iter().sum::<usize>();
        if p > dir_end {
            return Err(damaged("中的条目越界"));
        }
    }
    if p != dir_end {
        return Err(damaged("中的条目数与大小不符"));
    }
    spans.sort_unstable();
    if spans.windows(2).any(|w| w[0].0 + 30 + w[0].1 > w[1].0) {
        return Err(damaged(
            "中的条目相互重叠（多个条目共用同一段数据），疑似压缩炸弹",
        ));
    }
    Ok(())
}

fn zip_reason(e: &zip::result::ZipError) -> String {
    match e {
        zip::result::ZipError::InvalidArchive(_) => "无法识别压缩结构".into(),
        zip::result::ZipError::UnsupportedArchive(_) => {
            "使用了不支持的压缩方式，或设有密码（请申报人去掉密码、用普通的 .zip 重新打包）".into()
        }
        zip::result::ZipError::FileNotFound => "缺少必要的部分".into(),
        _ => "压缩数据损坏".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A zip as other tools write it: entries marked MS-DOS, one name in GBK without the
    /// UTF-8 flag (Windows' 「发送到压缩文件夹」), one in UTF-8 with it.
    fn dos_zip() -> Vec<u8> {
        let gbk = encoding_rs::GBK.encode("营业执照.pdf").0.into_owned();
        let placeholder = "x".repeat(gbk.len() - 4) + ".pdf";
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .system(zip::System::Dos)
            .compression_method(zip::CompressionMethod::Stored);
        zip.start_file(placeholder.as_str(), options).unwrap();
        zip.write_all(b"%PDF-1.4").unwrap();
        zip.start_file("申报表.docx", options).unwrap();
        zip.write_all(b"form").unwrap();
        let mut bytes = zip.finish().unwrap().into_inner();
        let mut at = 0;
        while let Some(i) = bytes[at..]
            .windows(placeholder.len())
            .position(|w| w == placeholder.as_bytes())
        {
            bytes[at + i..at + i + gbk.len()].copy_from_slice(&gbk);
            at += i + gbk.len();
        }
        assert!(at > 0);
        bytes
    }

    #[test]
    fn ms_dos_marked_entries_with_gbk_or_utf8_names_read_as_chinese() {
        let bytes = dos_zip();
        let mut archive = Archive::open(&bytes, 1 << 20).unwrap();
        let names: Vec<String> = archive.entries().into_iter().map(|e| e.name).collect();
        assert_eq!(names, ["营业执照.pdf", "申报表.docx"]);
        assert_eq!(
            archive.read_entry(0, 1 << 10).unwrap(),
            b"%PDF-1.4".to_vec()
        );
    }
}
