//! Hostile .docx input (product.md §7): garbage, truncated exports, zip bombs, entity attacks,
//! enormous files, Word documents that are not ours, tampered embedded drafts, and an export
//! edited in Word. Each input goes to the library (`docx::import::import`) and to the command line
//! (`import` and `validate`): a clear Chinese message, exit code 2, never a panic, bounded time,
//! and — where the command line runs under GNU `time -v` — bounded peak memory. A few inputs
//! (a bomb in a part never read, a cut-down document) may be accepted, the embedded draft being
//! intact; those must still stay within the same limits.
//!
//! Inputs are generated here, never stored. Run with `--nocapture` to see the measured times and
//! peak memory of every case.
#![allow(clippy::disallowed_methods)] // tests set up their files directly

mod common;

use common::measured::{Run, cli, cli_within, measurable};

use std::ffi::OsStr;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use kczg_form::Definitions;
use kczg_form::docx::import::{self, ImportError, Imported, MAX_DOCX_BYTES};
use kczg_form::docx::{ExportOptions, export};
use kczg_form::draft::{DraftError, VERSION};
use tempfile::TempDir;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use common::measured::{TIME_LIMIT, WATCHDOG};
/// The fixture most cases start from: a complete 先导技术榜 application.
const FIXTURE: &str = "leading_tech-equipment";
const TECH_NAME: &str = "煤矿巷道智能掘锚一体化成套装备及远程集控技术";
const ITEM: &str = "customXml/item1.xml";
const DOCUMENT: &str = "word/document.xml";
const MIB: usize = 1 << 20;

// ---------------------------------------------------------------------------------------------
// Running the library and the command line
// ---------------------------------------------------------------------------------------------

fn defs() -> &'static Definitions {
    static DEFS: OnceLock<Definitions> = OnceLock::new();
    DEFS.get_or_init(common::defs)
}

/// `import` on `bytes` in a watched thread: its result and how long it took. A panic or a hang
/// fails the test with a message saying so.
fn lib(bytes: &[u8]) -> (Result<Imported, ImportError>, Duration) {
    lib_within(bytes, WATCHDOG)
}

/// [`lib`] with its own watchdog, for a case that is known to be able to run for very long.
fn lib_within(bytes: &[u8], watchdog: Duration) -> (Result<Imported, ImportError>, Duration) {
    let bytes = bytes.to_vec();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let start = Instant::now();
        let result = import::import(defs(), &bytes);
        let _ = tx.send((result, start.elapsed()));
    });
    match rx.recv_timeout(watchdog) {
        Ok(done) => done,
        Err(RecvTimeoutError::Timeout) => panic!("import did not end within {watchdog:?}"),
        Err(RecvTimeoutError::Disconnected) => panic!("import panicked (message above)"),
    }
}

/// The library refuses `bytes` within the time limit; returns the error.
fn lib_refuses(what: &str, bytes: &[u8]) -> ImportError {
    let (result, took) = lib(bytes);
    let err = match result {
        Ok(imported) => panic!("{what}: accepted as a draft of {}", imported.draft.list),
        Err(e) => e,
    };
    eprintln!("[{what}] library: {took:.2?}: {err}");
    assert!(took < TIME_LIMIT, "{what}: import took {took:?}");
    let message = err.to_string();
    assert!(
        message
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{what}: message is not Chinese: {message}"
    );
    err
}

/// `import FILE -o OUT`, `validate FILE` and `validate FILE --json` all end in exit 2 with a
/// Chinese message naming the file and containing `keys`; nothing is written. Returns the runs.
fn cli_refuses(what: &str, file: &Path, keys: &[&str]) -> Vec<Run> {
    let out = file.with_extension("imported.json");
    let name = file.file_name().unwrap().to_str().unwrap();
    let runs = [
        (
            "import",
            cli(&[
                OsStr::new("import"),
                file.as_os_str(),
                "-o".as_ref(),
                out.as_os_str(),
            ]),
        ),
        ("validate", cli(&[OsStr::new("validate"), file.as_os_str()])),
        (
            "validate --json",
            cli(&[OsStr::new("validate"), file.as_os_str(), "--json".as_ref()]),
        ),
    ];
    for (command, run) in &runs {
        run.log(what, command);
        run.assert_sound(&format!("{what}: {command}"));
        assert_eq!(
            run.code,
            Some(2),
            "{what}: {command}: stdout {} stderr {}",
            run.stdout,
            run.stderr
        );
        assert!(
            run.stderr.starts_with("错误："),
            "{what}: {command}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains(name),
            "{what}: {command}: {}",
            run.stderr
        );
        for key in keys {
            assert!(
                run.stderr.contains(key),
                "{what}: {command}: no 「{key}」 in {}",
                run.stderr
            );
        }
        assert!(run.stdout.is_empty(), "{what}: {command}: {}", run.stdout);
    }
    assert!(!out.exists(), "{what}: import wrote {}", out.display());
    runs.into_iter().map(|(_, r)| r).collect()
}

/// Library and command line refuse `bytes` written as `name`; both messages contain `keys`.
fn refused(what: &str, name: &str, bytes: &[u8], keys: &[&str]) -> ImportError {
    let err = lib_refuses(what, bytes);
    let message = err.to_string();
    for key in keys {
        assert!(message.contains(key), "{what}: no 「{key}」 in {message}");
    }
    let dir = TempDir::new().unwrap();
    let path = write(dir.path(), name, bytes);
    cli_refuses(what, &path, keys);
    err
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

// ---------------------------------------------------------------------------------------------
// Building archives
// ---------------------------------------------------------------------------------------------

/// The fixture's real export.
fn exported(name: &str) -> Vec<u8> {
    let draft = common::fixture(name);
    let form = defs().form(&draft.list).unwrap();
    let options = ExportOptions {
        preview: false,
        today: common::today(),
    };
    export(defs(), form, &draft, options).unwrap()
}

fn deflated() -> SimpleFileOptions {
    SimpleFileOptions::default().compression_method(CompressionMethod::Deflated)
}

/// Every entry of an archive, in order.
fn parts(zip: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = ZipArchive::new(Cursor::new(zip)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let mut data = Vec::new();
            file.read_to_end(&mut data).unwrap();
            (file.name().to_owned(), data)
        })
        .collect()
}

/// A deflated archive of `parts`.
fn zip_of<N: AsRef<str>, D: AsRef<[u8]>>(parts: &[(N, D)]) -> Vec<u8> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in parts {
        writer.start_file(name.as_ref(), deflated()).unwrap();
        writer.write_all(data.as_ref()).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// The archive with one text part rewritten (re-zipped as Word or a zip tool would).
fn edit_part(zip: &[u8], name: &str, edit: impl FnOnce(String) -> String) -> Vec<u8> {
    let mut parts = parts(zip);
    let part = parts.iter_mut().find(|(n, _)| n == name).expect(name);
    let text = String::from_utf8(std::mem::take(&mut part.1)).unwrap();
    part.1 = edit(text).into_bytes();
    zip_of(&parts)
}

/// Replaces `from` (which must occur) in one part.
fn replace_in(zip: &[u8], name: &str, from: &str, to: &str) -> Vec<u8> {
    edit_part(zip, name, |text| {
        assert!(text.contains(from), "{name} has no {from}");
        text.replacen(from, to, 1)
    })
}

/// `base` without the parts named in `raw`, plus those entries copied still compressed from
/// `source` (entry `source_name`), so a 1 GiB bomb is compressed once and reused.
fn with_raw(base: &[u8], raw: &[&str], source: &[u8], source_name: &str) -> Vec<u8> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in parts(base) {
        if !raw.contains(&name.as_str()) {
            writer.start_file(name, deflated()).unwrap();
            writer.write_all(&data).unwrap();
        }
    }
    let mut archive = ZipArchive::new(Cursor::new(source)).unwrap();
    for name in raw {
        let file = archive.by_name(source_name).unwrap();
        writer.raw_copy_file_rename(file, *name).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// One entry of the central directory, located by hand.
#[derive(Debug)]
struct Entry {
    name: String,
    central: usize,
    local: usize,
    packed: u32,
    size: u32,
}

fn u16_at(b: &[u8], at: usize) -> usize {
    u16::from_le_bytes([b[at], b[at + 1]]) as usize
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

/// The central directory of an archive without comment or zip64 records.
fn central_directory(zip: &[u8]) -> Vec<Entry> {
    let eocd = zip.len() - 22;
    assert_eq!(&zip[eocd..eocd + 4], b"PK\x05\x06", "plain EOCD at the end");
    let count = u16_at(zip, eocd + 10);
    let mut at = u32_at(zip, eocd + 16) as usize;
    (0..count)
        .map(|_| {
            assert_eq!(&zip[at..at + 4], b"PK\x01\x02");
            let (n, e, c) = (
                u16_at(zip, at + 28),
                u16_at(zip, at + 30),
                u16_at(zip, at + 32),
            );
            let entry = Entry {
                name: String::from_utf8(zip[at + 46..at + 46 + n].to_vec()).unwrap(),
                central: at,
                local: u32_at(zip, at + 42) as usize,
                packed: u32_at(zip, at + 20),
                size: u32_at(zip, at + 24),
            };
            at += 46 + n + e + c;
            entry
        })
        .collect()
}

/// Makes the entry `name` declare `size` as its uncompressed size, in both headers.
fn lie_about_size(zip: &mut [u8], name: &str, size: u32) {
    let entries = central_directory(zip);
    let entry = entries.iter().find(|e| e.name == name).expect(name);
    assert_eq!(&zip[entry.local..entry.local + 4], b"PK\x03\x04");
    assert_eq!(u32_at(zip, entry.local + 22), entry.size, "local size");
    zip[entry.central + 24..entry.central + 28].copy_from_slice(&size.to_le_bytes());
    zip[entry.local + 22..entry.local + 26].copy_from_slice(&size.to_le_bytes());
}

/// A reproducible pseudo-random byte stream (xorshift).
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect()
}

/// A minimal valid Word document (as Word would write it, no custom XML) whose table holds our
/// labels, plus any `extra` parts.
fn word_document(extra: &[(&str, &str)]) -> Vec<u8> {
    let content_types = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;
    let rels = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;
    let row = |label: &str, value: &str| {
        format!(
            "<w:tr><w:tc><w:p><w:r><w:t>{label}</w:t></w:r></w:p></w:tc>\
             <w:tc><w:p><w:r><w:t>{value}</w:t></w:r></w:p></w:tc></w:tr>"
        )
    };
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>2023年“科创中国”先导技术榜申报表</w:t></w:r></w:p><w:tbl>{}{}{}</w:tbl><w:sectPr/></w:body></w:document>"#,
        row("技术名称", "手工填写的技术名称"),
        row("持有单位名称", "某某有限公司"),
        row("统一社会信用代码", "91410300767659951U"),
    );
    let mut parts = vec![
        ("[Content_Types].xml", content_types.to_owned()),
        ("_rels/.rels", rels.to_owned()),
        (DOCUMENT, document),
    ];
    parts.extend(extra.iter().map(|(n, d)| (*n, (*d).to_owned())));
    zip_of(&parts)
}

// ---------------------------------------------------------------------------------------------
// 1. Not a zip at all
// ---------------------------------------------------------------------------------------------

#[test]
fn random_bytes_empty_file_and_renamed_text_are_not_word_documents() {
    let text = "这是一个文本文件，被改名为 .docx。\n技术名称：某某技术\n".repeat(200);
    let cases: [(&str, Vec<u8>); 4] = [
        ("random bytes", noise(64 * 1024, 0x9E37_79B9_7F4A_7C15)),
        ("empty file", Vec::new()),
        ("renamed text", text.into_bytes()),
        // Starts like a zip, then nothing a zip reader can use.
        ("zip magic only", b"PK\x03\x04\x14\x00\x00\x00".repeat(100)),
    ];
    for (what, bytes) in cases {
        let err = refused(
            what,
            "申报表.docx",
            &bytes,
            &["不是 Word 文档（.docx）", "不完整"],
        );
        assert!(matches!(err, ImportError::NotDocx(_)), "{what}: {err:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// 2. A truncated or damaged export
// ---------------------------------------------------------------------------------------------

#[test]
fn truncated_export_is_incomplete() {
    let whole = exported(FIXTURE);
    for percent in [50, 90] {
        let cut = &whole[..whole.len() * percent / 100];
        let what = format!("export cut at {percent}%");
        let err = refused(&what, "截断.docx", cut, &["不是 Word 文档", "不完整"]);
        assert!(matches!(err, ImportError::NotDocx(_)), "{what}: {err:?}");
    }
    // Every other cut point, and a download that stopped half-way into a preallocated file.
    for percent in 1..100 {
        let cut = &whole[..whole.len() * percent / 100];
        let (result, _) = lib(cut);
        assert!(result.is_err(), "cut at {percent}% accepted");
    }
    let mut padded = whole.clone();
    padded[whole.len() / 2..].fill(0);
    refused("zero-filled second half", "半截.docx", &padded, &["不完整"]);
}

#[test]
fn export_damaged_inside_the_draft_part_is_refused() {
    let mut zip = exported(FIXTURE);
    let entry = central_directory(&zip)
        .into_iter()
        .find(|e| e.name == ITEM)
        .unwrap();
    let data = entry.local + 30 + u16_at(&zip, entry.local + 26) + u16_at(&zip, entry.local + 28);
    // Overwrite the middle of the compressed draft: a bad deflate stream or a CRC mismatch.
    let middle = data + entry.packed as usize / 2;
    zip[middle..middle + 64].copy_from_slice(&noise(64, 7));
    let err = refused(
        "damaged draft part",
        "损坏.docx",
        &zip,
        &["文档已损坏或不安全", ITEM],
    );
    assert!(matches!(err, ImportError::Damaged(_)), "{err:?}");
}

#[test]
fn draft_part_with_an_unsupported_method_or_encryption_is_refused() {
    let export = exported(FIXTURE);
    let entry = central_directory(&export)
        .into_iter()
        .find(|e| e.name == ITEM)
        .unwrap();
    // (what, offset in both headers, value): bzip2 (12), LZMA (14), AES (99), encrypted flag.
    let cases: [(&str, usize, usize, u8); 4] = [
        ("bzip2", 10, 8, 12),
        ("LZMA", 10, 8, 14),
        ("AES", 10, 8, 99),
        ("encrypted", 8, 6, 1),
    ];
    for (what, central, local, value) in cases {
        let mut zip = export.clone();
        zip[entry.central + central] = value;
        zip[entry.local + local] = value;
        let what = format!("draft part: {what}");
        // AES without its extra field already fails to open as a zip: either message will do.
        let err = refused(&what, "加密.docx", &zip, &[]);
        assert!(
            matches!(err, ImportError::Damaged(_) | ImportError::NotDocx(_)),
            "{what}: {err:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Zip bombs and archives with too many entries
// ---------------------------------------------------------------------------------------------

/// Bits written least significant first, as deflate wants them.
#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    acc: u64,
    len: u32,
}

impl Bits {
    fn put(&mut self, value: u64, count: u32) {
        self.acc |= value << self.len;
        self.len += count;
        while self.len >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.len -= 8;
        }
    }

    /// A Huffman code: most significant bit first.
    fn code(&mut self, code: u64, count: u32) {
        for i in (0..count).rev() {
            self.put((code >> i) & 1, 1);
        }
    }

    fn stored(&mut self, last: bool, data: &[u8]) {
        self.put(u64::from(last), 1);
        self.put(0, 2);
        if self.len > 0 {
            self.put(0, 8 - self.len);
        }
        let len = u16::try_from(data.len()).unwrap();
        self.out.extend_from_slice(&len.to_le_bytes());
        self.out.extend_from_slice(&(!len).to_le_bytes());
        self.out.extend_from_slice(data);
    }
}

/// A raw deflate stream of `head`, `copies` times `unit` and `tail`, built by hand in
/// milliseconds whatever its inflated size: `head` and the first `unit` in a stored block, then
/// one dynamic-Huffman block whose only symbols are length 258 (code "1"), end of block ("0")
/// and the one distance `unit.len()` ("0" and its extra bits), then the rest and `tail` stored.
/// Every 258 bytes cost 2 bits plus the distance's extra bits (1:1032 for spaces).
fn deflate_repeat(head: &[u8], unit: &[u8], copies: u64, tail: &[u8]) -> Vec<u8> {
    assert!(copies >= 1 && !unit.is_empty() && unit.len() <= 32768);
    let period = unit.len() as u64;
    // Distance code, its base and number of extra bits (RFC 1951 §3.2.5).
    let (dcode, dbase, dextra) = (0u32..30)
        .map(|c| {
            let extra = if c < 4 { 0 } else { c / 2 - 1 };
            let base = if c < 4 {
                u64::from(c) + 1
            } else {
                ((2 | u64::from(c & 1)) << extra) + 1
            };
            (c, base, extra)
        })
        .find(|&(_, base, extra)| base <= period && period < base + (1 << extra))
        .unwrap();
    let mut b = Bits::default();
    b.stored(false, &[head, unit].concat());
    b.put(0, 1); // not last
    b.put(2, 2); // dynamic Huffman
    b.put(286 - 257, 5); // HLIT: literal/length codes up to 285
    b.put(u64::from(dcode), 5); // HDIST: distance codes up to dcode
    b.put(18 - 4, 4); // HCLEN: code length codes up to the 18th in the order below
    for symbol in [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1] {
        // Code length alphabet: 0 → "00", 1 → "01", 17 → "10", 18 → "11".
        b.put(
            if matches!(symbol, 0 | 1 | 17 | 18) {
                2
            } else {
                0
            },
            3,
        );
    }
    let mut lengths = vec![0u8; 286 + dcode as usize + 1];
    lengths[256] = 1; // end of block
    lengths[285] = 1; // length 258
    lengths[286 + dcode as usize] = 1;
    let mut i = 0;
    while i < lengths.len() {
        let zeros = lengths[i..].iter().take_while(|&&l| l == 0).count();
        match zeros {
            0 => {
                b.code(0b01, 2);
                i += 1;
            }
            1..=2 => {
                b.code(0b00, 2);
                i += 1;
            }
            3..=10 => {
                b.code(0b10, 2);
                b.put(zeros as u64 - 3, 3);
                i += zeros;
            }
            _ => {
                let run = zeros.min(138);
                b.code(0b11, 2);
                b.put(run as u64 - 11, 7);
                i += run;
            }
        }
    }
    let rest = period * (copies - 1);
    for _ in 0..rest / 258 {
        b.code(1, 1); // length 258
        b.code(0, 1); // the distance
        b.put(period - dbase, dextra);
    }
    b.code(0, 1); // end of block
    let done = period + rest / 258 * 258;
    let mut last: Vec<u8> = (done..period * copies)
        .map(|j| unit[(j % period) as usize])
        .collect();
    last.extend_from_slice(tail);
    b.stored(true, &last);
    b.out
}

fn crc32_update(crc: u32, bytes: &[u8]) -> u32 {
    let mut crc = !crc;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn gf2_times(matrix: &[u32; 32], mut vector: u32) -> u32 {
    let mut sum = 0;
    let mut row = 0;
    while vector != 0 {
        if vector & 1 == 1 {
            sum ^= matrix[row];
        }
        vector >>= 1;
        row += 1;
    }
    sum
}

fn gf2_square(matrix: &[u32; 32]) -> [u32; 32] {
    std::array::from_fn(|n| gf2_times(matrix, matrix[n]))
}

/// CRC-32 of A followed by B from the CRCs of both and B's length (zlib's crc32_combine).
fn crc32_combine(mut crc1: u32, crc2: u32, mut len2: u64) -> u32 {
    let mut odd = [0u32; 32];
    odd[0] = 0xEDB8_8320;
    for (n, row) in odd.iter_mut().enumerate().skip(1) {
        *row = 1 << (n - 1);
    }
    let mut even = gf2_square(&odd);
    odd = gf2_square(&even);
    while len2 != 0 {
        even = gf2_square(&odd);
        if len2 & 1 == 1 {
            crc1 = gf2_times(&even, crc1);
        }
        len2 >>= 1;
        if len2 == 0 {
            break;
        }
        odd = gf2_square(&even);
        if len2 & 1 == 1 {
            crc1 = gf2_times(&odd, crc1);
        }
        len2 >>= 1;
    }
    crc1 ^ crc2
}

/// An archive of one deflated entry `name`: `head`, `copies` times `unit`, `tail`, with true
/// sizes and CRC in its headers.
fn repeat_zip(name: &str, head: &[u8], unit: &[u8], copies: u64, tail: &[u8]) -> Vec<u8> {
    let data = deflate_repeat(head, unit, copies, tail);
    let period = unit.len() as u64;
    let (mut block, mut block_len, mut run) = (crc32_update(0, unit), period, 0u32);
    let mut n = copies;
    while n != 0 {
        if n & 1 == 1 {
            run = crc32_combine(run, block, block_len);
        }
        block = crc32_combine(block, block, block_len);
        block_len *= 2;
        n >>= 1;
    }
    let crc = crc32_combine(
        crc32_combine(crc32_update(0, head), run, period * copies),
        crc32_update(0, tail),
        tail.len() as u64,
    );
    let size = u32::try_from(head.len() as u64 + period * copies + tail.len() as u64).unwrap();
    let packed = u32::try_from(data.len()).unwrap();
    let name_len = u16::try_from(name.len()).unwrap();
    // version 20, no flags, deflate, 1980-01-01 00:00
    let common = |z: &mut Vec<u8>| {
        z.extend_from_slice(&[20, 0, 0, 0, 8, 0, 0, 0, 0x21, 0]);
        z.extend_from_slice(&crc.to_le_bytes());
        z.extend_from_slice(&packed.to_le_bytes());
        z.extend_from_slice(&size.to_le_bytes());
        z.extend_from_slice(&name_len.to_le_bytes());
    };
    let mut z = b"PK\x03\x04".to_vec();
    common(&mut z);
    z.extend_from_slice(&[0, 0]);
    z.extend_from_slice(name.as_bytes());
    z.extend_from_slice(&data);
    let cd_start = u32::try_from(z.len()).unwrap();
    z.extend_from_slice(b"PK\x01\x02\x14\x00");
    common(&mut z);
    z.extend_from_slice(&[0; 16]); // extra, comment, disk, attributes, local header at 0
    z.extend_from_slice(name.as_bytes());
    let cd_size = u32::try_from(z.len()).unwrap() - cd_start;
    z.extend_from_slice(b"PK\x05\x06\x00\x00\x00\x00\x01\x00\x01\x00");
    z.extend_from_slice(&cd_size.to_le_bytes());
    z.extend_from_slice(&cd_start.to_le_bytes());
    z.extend_from_slice(&[0, 0]);
    z
}

#[test]
fn hand_built_deflate_inflates_to_what_its_headers_say() {
    // The builder the bombs rely on, checked by the zip reader (which verifies the CRC).
    let units: [&[u8]; 4] = [b" ", b"0,", b"<w:tc/>", b"<w:tr><w:tc/></w:tr>"];
    for unit in units {
        for copies in [1, 2, 129, 130, 259, 1000, 100_003] {
            let zip = repeat_zip("x.xml", b"<a>", unit, copies, b"</a>");
            let mut archive = ZipArchive::new(Cursor::new(&zip)).unwrap();
            let mut file = archive.by_name("x.xml").unwrap();
            let mut text = Vec::new();
            file.read_to_end(&mut text).unwrap();
            let expected = [
                b"<a>".to_vec(),
                unit.repeat(copies as usize),
                b"</a>".to_vec(),
            ];
            assert!(text == expected.concat(), "{copies} × {unit:?}");
        }
    }
}

const BOMB_HEAD: &str =
    r#"<kczg xmlns="urn:kczg-form:draft" format="kczg-form/draft" version="1">"#;
const BOMB_TAIL: &str = "</kczg>";

/// An archive with one entry `bomb`: our root element around 1 GiB of spaces, deflated 1:1032
/// (about 1 MB). Built once per test process, then copied still compressed into each case.
fn bomb_source() -> &'static [u8] {
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    BOMB.get_or_init(|| {
        let start = Instant::now();
        let zip = repeat_zip(
            "bomb",
            BOMB_HEAD.as_bytes(),
            b" ",
            1 << 30,
            BOMB_TAIL.as_bytes(),
        );
        let entry = &central_directory(&zip)[0];
        eprintln!(
            "bomb: {} bytes inflate to {} bytes (1:{}), built in {:.1?}",
            entry.packed,
            entry.size,
            entry.size / entry.packed,
            start.elapsed()
        );
        zip
    })
}

/// Our export with the 1 GiB bomb in place of `parts` (declaring its real size).
fn bomb_in(parts: &[&str]) -> Vec<u8> {
    with_raw(&exported(FIXTURE), parts, bomb_source(), "bomb")
}

#[test]
fn zip_bomb_declaring_its_size_is_refused_before_inflating() {
    let cases: [(&str, &[&str], &str); 3] = [
        ("bomb as the draft part", &[ITEM], ITEM),
        ("bomb as the document", &[DOCUMENT], DOCUMENT),
        ("bomb as both parts", &[ITEM, DOCUMENT], ITEM),
    ];
    for (what, parts, named) in cases {
        let zip = bomb_in(parts);
        assert!(zip.len() < 2 * MIB, "{what}: {} bytes", zip.len());
        let err = refused(
            what,
            "炸弹.docx",
            &zip,
            &["文档已损坏或不安全", named, "疑似压缩炸弹"],
        );
        assert!(matches!(err, ImportError::Damaged(_)), "{what}: {err:?}");
    }
}

#[test]
fn zip_bomb_lying_about_its_size_stops_at_the_part_limit() {
    // The headers say 4 KB; the stream inflates to 1 GiB. Reading stops just past the
    // declared size and the lie is named.
    let cases: [(&str, &str); 2] = [
        ("lying bomb as the draft part", ITEM),
        ("lying bomb as the document", DOCUMENT),
    ];
    for (what, part) in cases {
        let mut zip = bomb_in(&[part]);
        lie_about_size(&mut zip, part, 4096);
        let err = refused(
            what,
            "撒谎的炸弹.docx",
            &zip,
            &["文档已损坏或不安全", part, "实际解压大小与声明不符"],
        );
        assert!(matches!(err, ImportError::Damaged(_)), "{what}: {err:?}");
    }
}

#[test]
fn zip_bomb_in_a_part_we_never_read_is_harmless() {
    // Only the draft part and the document are ever inflated; a bomb elsewhere costs nothing.
    let zip = bomb_in(&["word/media/image1.png"]);
    let (result, took) = lib(&zip);
    eprintln!("[bomb in an unread part] library: {took:.2?}");
    let imported = result.unwrap();
    assert_eq!(imported.draft, common::fixture(FIXTURE));
    assert!(took < TIME_LIMIT);
    let dir = TempDir::new().unwrap();
    let path = write(dir.path(), "带图片.docx", &zip);
    let run = cli(&[OsStr::new("validate"), path.as_os_str()]);
    run.log("bomb in an unread part", "validate");
    run.assert_sound("bomb in an unread part");
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
}

#[test]
fn five_thousand_entries_are_refused() {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    for i in 0..5000 {
        writer
            .start_file(format!("word/media/{i}.xml"), stored)
            .unwrap();
        writer.write_all(b"<a/>").unwrap();
    }
    let zip = writer.finish().unwrap().into_inner();
    let err = refused(
        "5000 entries",
        "很多条目.docx",
        &zip,
        &["文档已损坏或不安全", "5000 个条目", "超过上限 1000"],
    );
    assert!(matches!(err, ImportError::Damaged(_)), "{err:?}");
}

/// A stored empty entry and `count` central-directory records pointing at it, with a zip64 end
/// record, so the count is not limited to 65,535 (~52 bytes per entry).
fn many_entries_zip64(count: u64) -> Vec<u8> {
    let mut z = Vec::new();
    // Local header of "a": stored, empty.
    z.extend_from_slice(b"PK\x03\x04");
    z.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0x21, 0]); // version, flags, method, time, date
    z.extend_from_slice(&[0; 12]); // crc, sizes
    z.extend_from_slice(&[1, 0, 0, 0]); // name length, extra length
    z.push(b'a');
    let cd_start = z.len() as u64;
    for i in 0..count {
        let name = format!("{i:06x}");
        z.extend_from_slice(b"PK\x01\x02");
        z.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0x21, 0]);
        z.extend_from_slice(&[0; 12]); // crc, sizes
        z.extend_from_slice(&(name.len() as u16).to_le_bytes());
        z.extend_from_slice(&[0; 12]); // extra, comment, disk, attributes
        z.extend_from_slice(&0u32.to_le_bytes()); // local header at 0
        z.extend_from_slice(name.as_bytes());
    }
    let cd_size = z.len() as u64 - cd_start;
    let eocd64 = z.len() as u64;
    z.extend_from_slice(b"PK\x06\x06");
    z.extend_from_slice(&44u64.to_le_bytes());
    z.extend_from_slice(&[45, 0, 45, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    z.extend_from_slice(&count.to_le_bytes());
    z.extend_from_slice(&count.to_le_bytes());
    z.extend_from_slice(&cd_size.to_le_bytes());
    z.extend_from_slice(&cd_start.to_le_bytes());
    z.extend_from_slice(b"PK\x06\x07");
    z.extend_from_slice(&0u32.to_le_bytes());
    z.extend_from_slice(&eocd64.to_le_bytes());
    z.extend_from_slice(&1u32.to_le_bytes());
    z.extend_from_slice(b"PK\x05\x06");
    z.extend_from_slice(&[0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
    z.extend_from_slice(&[0xff; 8]);
    z.extend_from_slice(&[0, 0]);
    z
}

#[test]
fn a_million_entries_just_under_the_size_limit_are_refused_within_limits() {
    // The entry limit is checked after the zip reader has parsed the whole central directory:
    // the largest directory that fits in 50 MB must still be cheap to refuse.
    let count = (MAX_DOCX_BYTES - 4096) / 52;
    let zip = many_entries_zip64(count);
    assert!(zip.len() as u64 <= MAX_DOCX_BYTES, "{} bytes", zip.len());
    let err = refused(
        "~1M entries (zip64)",
        "百万条目.docx",
        &zip,
        &["文档已损坏或不安全"],
    );
    assert!(matches!(err, ImportError::Damaged(_)), "{err:?}");
    // The count said is the archive's, not a sentinel.
    assert!(!err.to_string().contains(&usize::MAX.to_string()), "{err}");
}

/// `parts` entries named `customXml/item{N}.xml` that are not ours, each inflating to `size`
/// bytes of another product's XML but declaring 60,000 bytes (under the ratio check's floor),
/// followed by our own export's parts.
fn many_foreign_parts(parts: usize, size: usize) -> Vec<u8> {
    let head = br#"<root xmlns="urn:other">"#;
    let tail = b"</root>";
    let spaces = (size - head.len() - tail.len()) as u64;
    let source = repeat_zip("part", head, b" ", spaces, tail);
    let names: Vec<String> = (0..parts)
        .map(|i| format!("customXml/item0{i:03}.xml"))
        .collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut zip = with_raw(&exported(FIXTURE), &refs, &source, "part");
    for name in &names {
        lie_about_size(&mut zip, name, 60_000);
    }
    zip
}

#[test]
fn many_lying_foreign_parts_are_bounded_in_total() {
    // 100 parts × 30 MB, each declaring 60 KB: each part is within the per-part limit, but the
    // total inflated must be bounded too (3 GB here; ~990 such parts, 31 GB, fit in 50 MB).
    // Whether our draft after them is still found or the file is refused is not prescribed.
    let what = "100 lying foreign parts";
    let zip = many_foreign_parts(100, 30 * MIB);
    let dir = TempDir::new().unwrap();
    let path = write(dir.path(), "很多部分.docx", &zip);
    let watchdog = Duration::from_secs(60);
    let run = cli_within(&[OsStr::new("validate"), path.as_os_str()], watchdog);
    run.log(what, "validate");
    let (result, took) = lib_within(&zip, watchdog);
    eprintln!(
        "[{what}] {} bytes; library: {took:.2?}: {:?}",
        zip.len(),
        result.as_ref().map(|i| &i.draft.list)
    );
    assert!(took < TIME_LIMIT, "{what}: import took {took:?}");
    run.assert_sound(&format!("{what}: validate"));
    assert!(matches!(run.code, Some(0 | 2)), "{}", run.stderr);
}

/// `entries` stored central-directory records (no local headers needed to parse them) followed
/// by `candidates` end-of-central-directory records, each claiming one entry more than there
/// is: a zip reader that tries every candidate parses the directory once per candidate.
fn many_end_records(entries: u16, candidates: usize) -> Vec<u8> {
    let mut z = Vec::new();
    for _ in 0..entries {
        z.extend_from_slice(b"PK\x01\x02");
        z.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0x21, 0]);
        z.extend_from_slice(&[0; 12]); // crc, sizes
        z.extend_from_slice(&[1, 0]); // name length
        z.extend_from_slice(&[0; 16]); // extra, comment, disk, attributes, local header at 0
        z.push(b'a');
    }
    let cd_size = u32::try_from(z.len()).unwrap();
    for _ in 0..candidates {
        z.extend_from_slice(b"PK\x05\x06\x00\x00\x00\x00");
        z.extend_from_slice(&(entries + 1).to_le_bytes());
        z.extend_from_slice(&(entries + 1).to_le_bytes());
        z.extend_from_slice(&cd_size.to_le_bytes());
        z.extend_from_slice(&[0, 0, 0, 0, 0, 0]); // directory at 0, no comment
    }
    z
}

#[test]
fn many_end_records_do_not_make_opening_quadratic() {
    // 3 MB: 65,533 directory records and 2,000 end records. The zip reader falls back from one
    // end record to the one before it and re-parses the whole directory each time; 50 MB hold
    // two million such end records.
    let what = "2000 end-of-directory records";
    let zip = many_end_records(65_533, 2000);
    let dir = TempDir::new().unwrap();
    let path = write(dir.path(), "很多结尾.docx", &zip);
    let watchdog = Duration::from_secs(30);
    let run = cli_within(&[OsStr::new("validate"), path.as_os_str()], watchdog);
    run.log(what, "validate");
    // A killed child leaves nothing behind; a library call in a thread would keep a core busy
    // until the test process ends. The library runs only when the command line ended.
    run.assert_sound(&format!("{what}: validate"));
    let (result, took) = lib_within(&zip, watchdog);
    eprintln!("[{what}] {} bytes; library: {took:.2?}", zip.len());
    assert!(result.is_err(), "{what}: accepted");
    assert!(took < TIME_LIMIT, "{what}: import took {took:?}");
    assert_eq!(run.code, Some(2), "{}", run.stderr);
}

#[test]
fn many_end_records_each_within_the_entry_limit_do_not_make_opening_quadratic() {
    // The same with 999 directory records and end records claiming 1,000 entries each: every
    // end record is within the entry limit, so counting the entries of the last one does not
    // help; 50 MB hold two million of them.
    let what = "20000 end records of 1000 entries";
    let zip = many_end_records(999, 20_000);
    let dir = TempDir::new().unwrap();
    let path = write(dir.path(), "很多小结尾.docx", &zip);
    let watchdog = Duration::from_secs(30);
    let run = cli_within(&[OsStr::new("validate"), path.as_os_str()], watchdog);
    run.log(what, "validate");
    run.assert_sound(&format!("{what}: validate"));
    let (result, took) = lib_within(&zip, watchdog);
    eprintln!("[{what}] {} bytes; library: {took:.2?}", zip.len());
    assert!(result.is_err(), "{what}: accepted");
    assert!(took < TIME_LIMIT, "{what}: import took {took:?}");
    assert_eq!(run.code, Some(2), "{}", run.stderr);
}

#[test]
fn zip64_directory_behind_a_small_plain_entry_count_is_refused_within_limits() {
    // The plain end record says 5 entries but marks its offset as ZIP64 (0xFFFFFFFF), so the
    // zip reader takes the count from the ZIP64 record: a million entries.
    let count = (MAX_DOCX_BYTES - 4096) / 52;
    let mut zip = many_entries_zip64(count);
    let plain = zip.len() - 22;
    zip[plain + 8..plain + 12].copy_from_slice(&[5, 0, 5, 0]);
    let err = refused(
        "zip64 count behind a plain count of 5",
        "隐藏的百万条目.docx",
        &zip,
        &["文档已损坏或不安全"],
    );
    assert!(matches!(err, ImportError::Damaged(_)), "{err:?}");
}

/// Our export with `part` replaced by `head`, `copies` × `unit`, `tail`, declaring 60,000 bytes
/// (under the floor of the ratio check) whatever it inflates to.
fn lying_part(part: &str, head: &str, unit: &str, copies: u64, tail: &str) -> Vec<u8> {
    let source = repeat_zip(
        "part",
        head.as_bytes(),
        unit.as_bytes(),
        copies,
        tail.as_bytes(),
    );
    let mut zip = with_raw(&exported(FIXTURE), &[part], &source, "part");
    lie_about_size(&mut zip, part, 60_000);
    zip
}

/// Import and validate on `zip` end within the time and memory limits, whatever they decide.
fn bounded(what: &str, name: &str, zip: &[u8]) {
    let dir = TempDir::new().unwrap();
    let path = write(dir.path(), name, zip);
    let out = dir.path().join("out.json");
    let watchdog = Duration::from_secs(60);
    let runs = [
        (
            "import",
            cli_within(
                &[
                    OsStr::new("import"),
                    path.as_os_str(),
                    "-o".as_ref(),
                    out.as_os_str(),
                ],
                watchdog,
            ),
        ),
        (
            "validate",
            cli_within(&[OsStr::new("validate"), path.as_os_str()], watchdog),
        ),
    ];
    for (command, run) in &runs {
        run.log(what, command);
    }
    let (result, took) = lib_within(zip, watchdog);
    eprintln!(
        "[{what}] {} bytes; library: {took:.2?}: {}",
        zip.len(),
        match &result {
            Ok(i) => format!("accepted, {} edits", i.edits.len()),
            Err(e) => e.to_string(),
        }
    );
    for (command, run) in &runs {
        run.assert_sound(&format!("{what}: {command}"));
        assert!(
            matches!(run.code, Some(0..=2)),
            "{what}: {command}: {}",
            run.stderr
        );
    }
    assert!(took < TIME_LIMIT, "{what}: import took {took:?}");
}

const DOCUMENT_HEAD: &str = r#"<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:tbl>"#;
const DOCUMENT_TAIL: &str = "</w:tbl></w:body></w:document>";

#[test]
fn lying_document_of_millions_of_empty_cells_is_bounded() {
    // 32 MB of <w:tc/> in one row (4.8 million cells) from a ~40 KB file: the part limit holds,
    // but every cell becomes a String, twice (as read and normalised), and every label is
    // searched for among all of them.
    let unit = "<w:tc/>";
    let copies = (32 * MIB - 1024) as u64 / unit.len() as u64;
    let zip = lying_part(
        DOCUMENT,
        &format!("{DOCUMENT_HEAD}<w:tr>"),
        unit,
        copies,
        &format!("</w:tr>{DOCUMENT_TAIL}"),
    );
    bounded("4.8M empty cells", "空单元格.docx", &zip);
}

#[test]
fn lying_document_of_millions_of_empty_rows_is_bounded() {
    // 32 MB of <w:tr><w:tc/></w:tr>: 1.7 million rows of one cell.
    let unit = "<w:tr><w:tc/></w:tr>";
    let copies = (32 * MIB - 1024) as u64 / unit.len() as u64;
    let zip = lying_part(DOCUMENT, DOCUMENT_HEAD, unit, copies, DOCUMENT_TAIL);
    bounded("1.7M empty rows", "空行.docx", &zip);
}

#[test]
fn lying_draft_part_of_a_huge_json_array_is_bounded() {
    // Just under the 16 MB draft limit of JSON: "values":{"x":[0,0,0,…]} — 8 million numbers.
    let head = format!(
        r#"{BOMB_HEAD}{{"format":"kczg-form/draft","version":{VERSION},"call":"2023","list":"leading_tech","domain":"equipment","values":{{"x":["#
    );
    let copies = (16 * MIB - 4096) as u64 / 2;
    let zip = lying_part(ITEM, &head, "0,", copies, &format!("0]}}}}{BOMB_TAIL}"));
    bounded("8M-number JSON array", "大数组.docx", &zip);
}

// ---------------------------------------------------------------------------------------------
// 4. Entity expansion and external entities
// ---------------------------------------------------------------------------------------------

fn billion_laughs() -> String {
    let mut dtd = String::from("<!ENTITY lol0 \"lol\">\n");
    for i in 1..=9 {
        let refs = format!("&lol{};", i - 1).repeat(10);
        dtd.push_str(&format!("<!ENTITY lol{i} \"{refs}\">\n"));
    }
    dtd
}

#[test]
fn entity_expansion_in_the_draft_part_is_refused() {
    let export = exported(FIXTURE);
    let laughs = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE kczg [\n{}]>\n{BOMB_HEAD}&lol9;{BOMB_TAIL}",
        billion_laughs()
    );
    let zip = edit_part(&export, ITEM, |_| laughs);
    let err = refused(
        "billion laughs in the draft part",
        "实体炸弹.docx",
        &zip,
        &["文档已损坏或不安全", ITEM, "DTD"],
    );
    assert!(matches!(err, ImportError::Damaged(_)), "{err:?}");
}

#[test]
fn entity_expansion_in_the_document_is_refused() {
    let export = exported(FIXTURE);
    let zip = edit_part(&export, DOCUMENT, |text| {
        // Keep the real document, add a DTD before its root and a reference in its first text.
        let root = text.find("<w:document").unwrap();
        let laughs = format!("<!DOCTYPE w:document [\n{}]>\n", billion_laughs());
        let text = format!("{}{laughs}{}", &text[..root], &text[root..]);
        text.replacen(&format!(">{TECH_NAME}<"), ">&lol9;<", 1)
    });
    let err = refused(
        "billion laughs in the document",
        "实体炸弹正文.docx",
        &zip,
        &["文档已损坏或不安全", DOCUMENT, "DTD"],
    );
    assert!(matches!(err, ImportError::Damaged(_)), "{err:?}");
}

#[test]
fn external_entities_are_refused_and_never_read() {
    let export = exported(FIXTURE);
    let draft_json = common::fixture(FIXTURE).to_json();
    let with_xxe = draft_json.replacen(TECH_NAME, "&xxe;", 1);
    let cases = [
        (
            "external entity in the draft part",
            ITEM,
            format!(
                "<?xml version=\"1.0\"?>\n<!DOCTYPE kczg [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n{BOMB_HEAD}{with_xxe}{BOMB_TAIL}"
            ),
        ),
        (
            "parameter entity in the draft part",
            ITEM,
            format!(
                "<!DOCTYPE kczg [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]>{BOMB_HEAD}{draft_json}{BOMB_TAIL}"
            ),
        ),
        (
            "DTD hidden inside the root element",
            ITEM,
            format!(
                "{BOMB_HEAD}<!DOCTYPE kczg [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>{with_xxe}{BOMB_TAIL}"
            ),
        ),
        (
            "entity reference without a DTD",
            ITEM,
            format!("{BOMB_HEAD}{with_xxe}{BOMB_TAIL}"),
        ),
    ];
    for (what, part, xml) in cases {
        let zip = edit_part(&export, part, |_| xml);
        let err = refused(what, "外部实体.docx", &zip, &["文档已损坏或不安全", part]);
        assert!(matches!(err, ImportError::Damaged(_)), "{what}: {err:?}");
        assert!(!err.to_string().contains("root:"), "{what}: {err}");
    }
    let zip = edit_part(&export, DOCUMENT, |text| {
        let root = text.find("<w:document").unwrap();
        let dtd = "<!DOCTYPE w:document [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>";
        let text = format!("{}{dtd}{}", &text[..root], &text[root..]);
        text.replacen(&format!(">{TECH_NAME}<"), ">&xxe;<", 1)
    });
    let err = refused(
        "external entity in the document",
        "外部实体正文.docx",
        &zip,
        &["文档已损坏或不安全", DOCUMENT, "DTD"],
    );
    assert!(!err.to_string().contains("root:"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// 5. An enormous file
// ---------------------------------------------------------------------------------------------

#[test]
fn a_200_mb_file_is_refused_by_its_size_without_being_read() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("巨大.docx");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(200 * MIB as u64).unwrap(); // sparse: no disk, no time
    drop(file);
    let runs = cli_refuses("200 MB sparse file", &path, &["过大", "200 MB"]);
    for run in &runs {
        assert!(run.took < Duration::from_secs(2), "took {:?}", run.took);
        if let Some(kb) = run.peak_kb {
            // Nothing near the file's size is ever read into memory.
            assert!(kb < 50 * 1024, "peak RSS {kb} KB");
        }
    }
    // The library's own limit, on bytes already in memory (calloc'd, never touched).
    let huge = vec![0u8; MAX_DOCX_BYTES as usize + 1];
    let start = Instant::now();
    let err = import::import(defs(), &huge).unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(1));
    assert_eq!(err, ImportError::TooLarge(MAX_DOCX_BYTES + 1));
    assert!(err.to_string().contains("文件过大"), "{err}");
    assert!(import::read_draft(&huge).is_err());
}

// ---------------------------------------------------------------------------------------------
// 6. A Word document that is not ours
// ---------------------------------------------------------------------------------------------

const NOT_OURS: [&str; 3] = ["不是本程序的申报表", "导出申报表", "空白申报表（Word 版）"];

#[test]
fn a_word_document_without_our_draft_is_not_ours() {
    let other_json = common::fixture(FIXTURE).to_json();
    let cases = [
        ("Word document with our labels", word_document(&[])),
        (
            "another product's custom XML",
            word_document(&[(ITEM, r#"<root xmlns="urn:other">x</root>"#)]),
        ),
        (
            "our element in another namespace",
            word_document(&[(
                ITEM,
                &format!(r#"<kczg xmlns="urn:other">{other_json}</kczg>"#),
            )]),
        ),
        (
            "our element without namespace",
            word_document(&[(ITEM, &format!("<kczg>{other_json}</kczg>"))]),
        ),
        (
            "custom XML that is not XML",
            word_document(&[(ITEM, "这不是 XML，只是一段文字")]),
        ),
    ];
    for (what, zip) in cases {
        let err = refused(what, "别人的文档.docx", &zip, &NOT_OURS);
        assert_eq!(err, ImportError::NotOurs, "{what}");
        assert!(matches!(
            import::read_draft(&zip),
            Err(ImportError::NotOurs)
        ));
    }
}

#[test]
fn our_draft_is_found_among_other_custom_xml_parts() {
    // Word adds custom XML of its own (bibliography, cover-page properties) when it saves.
    let export = exported(FIXTURE);
    let mut parts = parts(&export);
    parts.push((
        "customXml/item0.xml".into(),
        br#"<b:Sources xmlns:b="http://schemas.openxmlformats.org/officeDocument/2006/bibliography"/>"#.to_vec(),
    ));
    parts.push((
        "customXml/item3.xml".into(),
        br#"<root xmlns="urn:other">x</root>"#.to_vec(),
    ));
    let zip = zip_of(&parts);
    let (result, took) = lib(&zip);
    let imported = result.unwrap();
    assert!(took < TIME_LIMIT);
    assert_eq!(imported.draft, common::fixture(FIXTURE));
    assert!(imported.edits.is_empty(), "{:?}", imported.edits);
}

// ---------------------------------------------------------------------------------------------
// 7. Our export with a tampered embedded draft
// ---------------------------------------------------------------------------------------------

#[test]
fn embedded_draft_of_a_newer_version_asks_to_upgrade() {
    let from = format!("\"version\":{VERSION},");
    let zip = replace_in(&exported(FIXTURE), ITEM, &from, "\"version\":99,");
    let err = refused(
        "newer draft version",
        "新版本.docx",
        &zip,
        &["内嵌的申报草稿无法读取", "99", "升级"],
    );
    assert_eq!(err, ImportError::Draft(DraftError::NewerVersion(99)));
}

#[test]
fn embedded_draft_that_is_not_json_is_refused() {
    let export = exported(FIXTURE);
    let cases = [
        (
            "JSON cut short",
            replace_in(&export, ITEM, "}}</kczg>", "</kczg>"),
        ),
        (
            "JSON with a stray brace",
            replace_in(&export, ITEM, "\"values\":{", "\"values\":{{"),
        ),
        (
            "empty draft",
            edit_part(&export, ITEM, |_| format!("{BOMB_HEAD}{BOMB_TAIL}")),
        ),
    ];
    for (what, zip) in cases {
        let err = refused(
            what,
            "坏草稿.docx",
            &zip,
            &["内嵌的申报草稿无法读取", "JSON"],
        );
        assert!(
            matches!(err, ImportError::Draft(DraftError::Json { .. })),
            "{what}: {err:?}"
        );
    }
}

#[test]
fn embedded_draft_of_another_format_is_refused() {
    let zip = replace_in(
        &exported(FIXTURE),
        ITEM,
        "{\"format\":\"kczg-form/draft\"",
        "{\"format\":\"other-app/form\"",
    );
    let err = refused(
        "another format",
        "别的格式.docx",
        &zip,
        &["内嵌的申报草稿无法读取", "不是申报草稿", "other-app/form"],
    );
    assert_eq!(
        err,
        ImportError::Draft(DraftError::WrongFormat("other-app/form".into()))
    );
}

// ---------------------------------------------------------------------------------------------
// 8. Our export, edited in Word
// ---------------------------------------------------------------------------------------------

#[test]
fn export_edited_in_word_takes_the_visible_value_and_names_the_field() {
    let export = exported(FIXTURE);
    let original = common::fixture(FIXTURE);
    // Unedited: the same draft and no edits.
    let (result, _) = lib(&export);
    let clean = result.unwrap();
    assert_eq!(clean.draft, original);
    assert!(clean.edits.is_empty(), "{:#?}", clean.edits);

    let new_name = "煤矿巷道智能掘进成套装备";
    // In its box (the cover prints the name too, as plain text).
    let zip = replace_in(
        &export,
        DOCUMENT,
        &format!(">{TECH_NAME}</w:t></w:r></w:sdtContent>"),
        &format!(">{new_name}</w:t></w:r></w:sdtContent>"),
    );
    let (result, took) = lib(&zip);
    let imported = result.unwrap();
    eprintln!("[edited in Word] library: {took:.2?}");
    let mut edited = original.clone();
    edited.values.insert("tech_name".into(), new_name.into());
    assert_eq!(imported.draft, edited, "the visible value wins");
    assert_eq!(imported.edits.len(), 1, "{:#?}", imported.edits);
    let edit = &imported.edits[0];
    assert_eq!(edit.field, "tech_name");
    assert_eq!(edit.visible.as_deref(), Some(new_name));
    assert_eq!(edit.exported, TECH_NAME);
    assert!(
        edit.describe().contains("导出时为") && edit.describe().contains(new_name),
        "{}",
        edit.describe()
    );

    let dir = TempDir::new().unwrap();
    let path = write(dir.path(), "改过的申报表.docx", &zip);
    let out = dir.path().join("取回.json");
    let run = cli(&[
        OsStr::new("import"),
        path.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    run.log("edited in Word", "import");
    run.assert_sound("edited in Word: import");
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("已取回"), "{}", run.stdout);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.contains("tech_name") && l.contains(new_name)),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("以文档中显示的内容为准"),
        "{}",
        run.stdout
    );
    let recovered = kczg_form::Draft::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(recovered, edited);

    let run = cli(&[OsStr::new("validate"), path.as_os_str()]);
    run.log("edited in Word", "validate");
    run.assert_sound("edited in Word: validate");
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let reminders: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("提醒"))
        .collect();
    assert_eq!(reminders.len(), 1, "{}", run.stdout);
    assert!(
        reminders[0].contains("tech_name") && reminders[0].contains("以文档中显示的为准"),
        "{}",
        reminders[0]
    );
}

#[test]
fn export_whose_document_ends_at_a_table_label_does_not_panic() {
    // A document cut down in Word so that its last row is the label of a table field (技术对标
    // and the like): the comparison must not index past the end of the rows.
    let export = exported(FIXTURE);
    let draft = common::fixture(FIXTURE);
    let form = defs().form(&draft.list).unwrap();
    let table = form
        .sections
        .iter()
        .flat_map(|s| &s.fields)
        .find(|f| f.kind == kczg_form::schema::Kind::Table && f.unit.is_none())
        .expect("a table field");
    let zip = edit_part(&export, DOCUMENT, |_| {
        format!(
            r#"<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:tbl><w:tr><w:tc><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:body></w:document>"#,
            table.label
        )
    });
    let what = format!("document ending at the label of {}", table.id);
    let dir = TempDir::new().unwrap();
    let path = write(dir.path(), "删减过的申报表.docx", &zip);
    let run = cli(&[OsStr::new("validate"), path.as_os_str()]);
    run.log(&what, "validate");
    run.assert_sound(&format!("{what}: validate"));
    // The draft is intact: its findings, with a 提醒 for every field not found in the document.
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("提醒"), "{}", run.stdout);
    let (result, took) = lib(&zip);
    assert!(took < TIME_LIMIT);
    let imported = result.unwrap();
    assert_eq!(imported.draft, draft);
    // Our marker is there but no control: the draft, with a note that nothing was compared.
    assert_eq!(imported.origin, import::Origin::Stripped);
    assert!(imported.edits.is_empty() && imported.notes.len() == 1);
    // Without the marker it reads as a version-1 export, compared by label: one edit per
    // field not found, and no index past the end of the rows.
    let v1: Vec<(String, Vec<u8>)> = parts(&zip)
        .into_iter()
        .filter(|(_, data)| !String::from_utf8_lossy(data).contains("urn:kczg-form:document"))
        .collect();
    let (result, took) = lib(&zip_of(&v1));
    assert!(took < TIME_LIMIT);
    let imported = result.unwrap();
    assert_eq!(imported.origin, import::Origin::Older);
    assert_eq!(imported.draft, draft);
    assert!(!imported.edits.is_empty());
}

// ---------------------------------------------------------------------------------------------
// 9. Memory: the baseline the bomb cases are compared with
// ---------------------------------------------------------------------------------------------

#[test]
fn baseline_memory_of_validating_a_real_export() {
    let dir = TempDir::new().unwrap();
    let path = write(dir.path(), "申报表.docx", &exported(FIXTURE));
    let run = cli(&[OsStr::new("validate"), path.as_os_str()]);
    run.log("baseline: a real export", "validate");
    run.assert_sound("baseline");
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    if !measurable() {
        eprintln!("GNU time -v not available: peak memory is not measured, only time");
    }
}

// ---------------------------------------------------------------------------------------------
// 10. Content controls from anywhere
// ---------------------------------------------------------------------------------------------

const W_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

/// A package whose body is `body` (no marker, no draft): a form filled in some other program.
fn filled_elsewhere(body: &str) -> Vec<u8> {
    let base = word_document(&[]);
    edit_part(&base, DOCUMENT, |_| {
        format!(
            r#"<w:document xmlns:w="{W_NS}" xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml"><w:body>{body}</w:body></w:document>"#
        )
    })
}

fn control(tag: &str, text: &str) -> String {
    format!(
        r#"<w:p><w:sdt><w:sdtPr><w:tag w:val="{tag}"/><w:text/></w:sdtPr><w:sdtContent><w:r><w:t>{text}</w:t></w:r></w:sdtContent></w:sdt></w:p>"#
    )
}

#[test]
fn a_form_filled_elsewhere_without_marker_or_draft_is_known_by_its_tags() {
    // What WPS might leave of a template: the controls, their tags, nothing else of ours.
    let body = [
        control("tech_name", "手工填写的技术名称"),
        control("holder_name", "某某有限公司"),
        control("lead_mobile", "13800138000"),
        control("not_a_field", "别的内容"),
    ]
    .concat();
    let (result, took) = lib(&filled_elsewhere(&body));
    assert!(took < TIME_LIMIT);
    let imported = result.unwrap();
    assert_eq!(imported.origin, import::Origin::Template);
    assert_eq!(imported.draft.list, "leading_tech");
    assert_eq!(imported.draft.values["tech_name"], "手工填写的技术名称");
    assert_eq!(imported.draft.values["holder_name"], "某某有限公司");
    assert_eq!(
        imported.draft.values.len(),
        3,
        "{:?}",
        imported.draft.values
    );
    // A Word document with controls none of whose tags are ours is not ours.
    let foreign = filled_elsewhere(&control("Title", "年度报告"));
    assert_eq!(lib(&foreign).0.unwrap_err(), ImportError::NotOurs);
}

#[test]
fn controls_of_the_wrong_kind_or_place_are_read_as_text_never_a_panic() {
    let checkbox = |tag: &str| {
        format!(
            r#"<w:p><w:sdt><w:sdtPr><w:tag w:val="{tag}"/><w14:checkbox><w14:checked w14:val="1"/></w14:checkbox></w:sdtPr><w:sdtContent><w:r><w:t>■</w:t></w:r></w:sdtContent></w:sdt></w:p>"#
        )
    };
    let body = [
        // A checkbox where a text goes, a text where a checkbox goes.
        checkbox("tech_name"),
        control("pledge_public", "是"),
        // A table's caption outside any table; a table column's control outside its table.
        control("benchmark", "与国内外同类技术对比"),
        control("ip.title", "孤立的单元格"),
        // A caption in the last row of a table: no header row, no rows under it.
        format!("<w:tbl><w:tr><w:tc>{}</w:tc></w:tr></w:tbl>", control("ip", "知识产权情况")),
        // A control nested in the properties of another, and one with a 20,000-character tag.
        r#"<w:p><w:sdt><w:sdtPr><w:tag w:val="holder_name"/><w:sdt><w:sdtPr><w:tag w:val="x"/></w:sdtPr></w:sdt></w:sdtPr><w:sdtContent><w:r><w:t>持有单位</w:t></w:r></w:sdtContent></w:sdt></w:p>"#.to_owned(),
        control(&"t".repeat(20_000), "长标签"),
        // A date whose picker date is garbage; a drop-down showing a label it does not list.
        r#"<w:p><w:sdt><w:sdtPr><w:tag w:val="domain"/><w:dropDownList><w:listItem w:displayText="甲" w:value="a"/></w:dropDownList></w:sdtPr><w:sdtContent><w:r><w:t>不存在的领域</w:t></w:r></w:sdtContent></w:sdt></w:p>"#.to_owned(),
    ]
    .concat();
    let (result, took) = lib(&filled_elsewhere(&body));
    assert!(took < TIME_LIMIT);
    let imported = result.unwrap();
    let v = &imported.draft.values;
    assert_eq!(
        v["tech_name"], true,
        "a ticked box in a text field is kept for the rules"
    );
    assert!(!v.contains_key("pledge_public"), "「是」 is no tick: {v:?}");
    assert_eq!(v["holder_name"], "持有单位");
    assert_eq!(imported.draft.domain.as_deref(), Some("不存在的领域"));
    assert!(
        !v.contains_key("ip") && !v.contains_key("benchmark"),
        "{v:?}"
    );
    let defs = defs();
    let form = defs.form("leading_tech").unwrap();
    let findings = kczg_form::rules::validate(defs, form, &imported.draft, common::today());
    assert!(
        findings
            .iter()
            .any(|f| f.field == "tech_name" && f.is_error())
    );
}

#[test]
fn hostile_controls_stay_within_time_and_memory() {
    // 1. Controls nested 100,000 deep around 8 MB of text: text is never copied into every one.
    let depth = 100_000;
    let open = r#"<w:sdt><w:sdtPr><w:tag w:val="tech_name"/></w:sdtPr><w:sdtContent>"#;
    let close = "</w:sdtContent></w:sdt>";
    let text = "深".repeat(8 * MIB / 3);
    let nested = format!(
        "<w:p>{}<w:r><w:t>{text}</w:t></w:r>{}</w:p>",
        open.repeat(depth),
        close.repeat(depth)
    );
    bounded(
        "100,000 nested controls",
        "嵌套控件.docx",
        &filled_elsewhere(&nested),
    );
    // 2. Two hundred thousand empty controls in one paragraph (past the count read).
    let empty = r#"<w:sdt><w:sdtPr><w:tag w:val="ip.title"/></w:sdtPr></w:sdt>"#;
    let many = format!("<w:p>{}</w:p>", empty.repeat(200_000));
    let zip = filled_elsewhere(&many);
    bounded("200,000 empty controls", "空控件.docx", &zip);
    // 3. A drop-down listing 600,000 items.
    let item = r#"<w:listItem w:displayText="甲" w:value="a"/>"#;
    let list = format!(
        r#"<w:p><w:sdt><w:sdtPr><w:tag w:val="holder_kind"/><w:dropDownList>{}</w:dropDownList></w:sdtPr><w:sdtContent><w:r><w:t>甲</w:t></w:r></w:sdtContent></w:sdt></w:p>"#,
        item.repeat(600_000)
    );
    bounded(
        "600,000 drop-down items",
        "下拉项.docx",
        &filled_elsewhere(&list),
    );
    // 4. A table of 3,000 rows under our caption, each cell a control: rows compared as rows.
    let row = format!(
        "<w:tr><w:tc><w:p/></w:tc><w:tc>{}</w:tc><w:tc>{}</w:tc></w:tr>",
        control("ip.title", "名称"),
        control("ip.number", "ZL2020")
    );
    let table = format!(
        "<w:tbl><w:tr><w:tc>{}</w:tc></w:tr><w:tr><w:tc/><w:tc/><w:tc/></w:tr>{}</w:tbl>",
        control("ip", "知识产权情况"),
        row.repeat(3_000)
    );
    bounded("3,000 table rows", "长表格.docx", &filled_elsewhere(&table));
}

#[test]
fn a_hundred_thousand_unknown_ticked_options_are_bounded() {
    // Ticked boxes for options no definition has: a few are kept as they are, not all.
    let tick = |i: usize| {
        format!(
            r#"<w:sdt><w:sdtPr><w:tag w:val="transfer_modes=x{i}"/><w14:checkbox><w14:checked w14:val="1"/></w14:checkbox></w:sdtPr><w:sdtContent><w:r><w:t>■</w:t></w:r></w:sdtContent></w:sdt>"#
        )
    };
    let body = format!(
        "{}<w:p>{}</w:p>",
        control("tech_name", "某技术"),
        (0..100_000).map(tick).collect::<String>()
    );
    let zip = filled_elsewhere(&body);
    bounded("100,000 unknown ticked options", "未知选项.docx", &zip);
    let imported = lib(&zip).0.unwrap();
    let kept = imported.draft.values["transfer_modes"]
        .as_array()
        .unwrap()
        .len();
    assert!(kept <= 100, "{kept} unknown options kept");
}
