//! Issue 9: nothing a person typed is lost, no input stops the work. A full disk never replaces a
//! good file, an output that is an input is refused, a FIFO or `/dev/zero` where a file is
//! expected is skipped at once, hostile spreadsheets are read within bounds, a cell over Excel's
//! limit is cut with a marker, what export writes import reads, numbers come back exactly, the
//! store touches only its own files — and every message is Chinese.
#![allow(clippy::disallowed_methods)] // tests set up their files directly

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use common::measured::{cli_within, measurable};
use common::{defs, fixture, today};
use kczg_form::Draft;
use kczg_form::consolidate::{CUT_MARK, PreviousWinners};
use kczg_form::docx::{ExportOptions, export};
use kczg_form::store::{Entry, Store};
use serde_json::json;

fn cmd() -> Command {
    let mut c = Command::cargo_bin("kczg-form").unwrap();
    c.timeout(Duration::from_secs(60));
    c
}

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run<I, S>(args: I) -> Out
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let out = cmd().args(args).output().unwrap();
    Out {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn exported(name: &str) -> Vec<u8> {
    let defs = defs();
    let draft = fixture(name);
    let form = defs.form(&draft.list).unwrap();
    let options = ExportOptions {
        preview: true,
        today: today(),
    };
    export(&defs, form, &draft, options).unwrap()
}

/// No English text of the OS, a library or a temp path in a message for people.
fn assert_chinese_only(what: &str, text: &str) {
    for leak in [
        "os error",
        "No space",
        "Is a directory",
        "File name too long",
        "Zip error",
        "EOCD",
        "ill-formed",
        "error:",
        "Usage:",
        ".kczg-",
        "panicked",
    ] {
        assert!(!text.contains(leak), "{what}: {leak:?} in {text}");
    }
    // A temporary file's name ends in `.tmp` (a temporary folder's starts with it).
    let temp_name = text
        .match_indices(".tmp")
        .any(|(i, _)| !text[i + 4..].starts_with(|c: char| c.is_ascii_alphanumeric()));
    assert!(!temp_name, "{what}: a temporary file named in {text}");
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

// ---------------------------------------------------------------------------------------------
// A full disk
// ---------------------------------------------------------------------------------------------

/// A 200 KB tmpfs, unmounted when dropped; None (with the reason printed) where mounting is not
/// allowed.
struct TinyDisk {
    dir: tempfile::TempDir,
}

impl TinyDisk {
    fn mount() -> Option<TinyDisk> {
        let dir = tempfile::tempdir().unwrap();
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=200k", "tmpfs"])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status();
        match status {
            Ok(s) if s.success() => Some(TinyDisk { dir }),
            // CI sets KCZG_REQUIRE_TMPFS: there the cases must run, never be skipped.
            _ if std::env::var_os("KCZG_REQUIRE_TMPFS").is_some() => {
                panic!("KCZG_REQUIRE_TMPFS is set but a tmpfs cannot be mounted")
            }
            _ => {
                eprintln!(
                    "SKIPPED: cannot mount a tmpfs here (needs root); the disk-full cases did not run"
                );
                None
            }
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Takes all the space that is left.
    fn fill(&self) {
        let _ = std::fs::write(self.path().join("填满.bin"), vec![0u8; 400 * 1024]);
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg(self.dir.path())
            .status();
    }
}

#[test]
fn a_full_disk_leaves_every_earlier_file_intact_and_no_temp_file() {
    let Some(disk) = TinyDisk::mount() else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let draft = work.path().join("草稿.json");
    std::fs::write(&draft, fixture("leading_tech-equipment").to_json()).unwrap();
    let docx = work.path().join("申报表.docx");
    std::fs::write(&docx, exported("leading_tech-equipment")).unwrap();

    // Good earlier outputs on the tiny disk, then the disk is filled.
    let good_docx = disk.path().join("申报表.docx");
    let good_bytes = exported("tech_manager");
    std::fs::write(&good_docx, &good_bytes).unwrap();
    let good_json = disk.path().join("取回.json");
    std::fs::write(&good_json, "{\"earlier\": true}").unwrap();
    disk.fill();
    let before = names_in(disk.path());

    let cases: Vec<(&str, Vec<&std::ffi::OsStr>, &Path)> = vec![
        (
            "export",
            vec![
                "export".as_ref(),
                draft.as_os_str(),
                "-o".as_ref(),
                good_docx.as_os_str(),
            ],
            &good_docx,
        ),
        (
            "import",
            vec![
                "import".as_ref(),
                docx.as_os_str(),
                "-o".as_ref(),
                good_json.as_os_str(),
            ],
            &good_json,
        ),
    ];
    for (what, args, target) in cases {
        let before_bytes = std::fs::read(target).unwrap();
        let out = run(&args);
        assert_eq!(out.code, Some(2), "{what}: {}", out.stderr);
        assert!(out.stderr.contains("磁盘已满"), "{what}: {}", out.stderr);
        assert!(
            out.stderr.contains(&target.display().to_string()),
            "{what} names the file: {}",
            out.stderr
        );
        assert_chinese_only(what, &out.stderr);
        assert_eq!(
            std::fs::read(target).unwrap(),
            before_bytes,
            "{what} kept the old file"
        );
        assert_eq!(names_in(disk.path()), before, "{what} left no temp file");
    }
    // mail and consolidate to new files: nothing is left behind, not even an empty file.
    let eml = disk.path().join("邮件.eml");
    let out = run([
        "mail".as_ref(),
        docx.as_os_str(),
        "-o".as_ref(),
        eml.as_os_str(),
    ]);
    assert_eq!(out.code, Some(2), "mail: {}", out.stderr);
    assert!(out.stderr.contains("磁盘已满"), "{}", out.stderr);
    assert!(!eml.exists(), "mail left a file behind");
    let xlsx = disk.path().join("汇总.xlsx");
    let out = run([
        "consolidate".as_ref(),
        work.path().as_os_str(),
        "-o".as_ref(),
        xlsx.as_os_str(),
    ]);
    assert_eq!(out.code, Some(2), "consolidate: {}", out.stderr);
    assert!(out.stderr.contains("磁盘已满"), "{}", out.stderr);
    assert_eq!(
        names_in(disk.path()),
        before,
        "consolidate left a file behind"
    );
    assert_eq!(std::fs::read(&good_docx).unwrap(), good_bytes);
}

#[test]
fn a_full_disk_keeps_the_stored_draft_and_the_desk() {
    let Some(disk) = TinyDisk::mount() else {
        return;
    };
    let store = Store::at(disk.path()).unwrap();
    let first = fixture("emerging_enterprise");
    let id = store.create(&first).unwrap();
    let on_disk = std::fs::read(store.path_of(&id)).unwrap();
    let mut desk = kczg_form::consolidate::Desk::default();
    let desk_path = disk.path().join("desk.json");
    desk.save(&desk_path).unwrap();
    let desk_bytes = std::fs::read(&desk_path).unwrap();
    disk.fill();

    let mut bigger = first.clone();
    bigger
        .values
        .insert("core_tech".into(), json!("很长的介绍。".repeat(20_000)));
    let err = store.save(&id, &bigger).unwrap_err().to_string();
    assert!(err.contains("磁盘已满"), "{err}");
    assert_chinese_only("store", &err);
    assert_eq!(std::fs::read(store.path_of(&id)).unwrap(), on_disk);
    assert!(store.load(&defs(), &id).is_ok());
    let drafts = names_in(store.drafts_dir());
    assert_eq!(drafts, vec![format!("{id}.json")], "no temp file left");

    desk.meta.insert("note".into(), json!("x".repeat(300_000)));
    let err = desk.save(&desk_path).unwrap_err().to_string();
    assert!(err.contains("磁盘已满"), "{err}");
    assert_eq!(std::fs::read(&desk_path).unwrap(), desk_bytes);
}

// ---------------------------------------------------------------------------------------------
// An output that is also an input
// ---------------------------------------------------------------------------------------------

#[test]
fn an_output_that_is_an_input_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let docx = d.join("a.docx");
    std::fs::write(&docx, exported("tech_manager")).unwrap();
    let json = d.join("D.json");
    std::fs::write(&json, fixture("tech_manager").to_json()).unwrap();
    let inbox = d.join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    std::fs::write(inbox.join("x.docx"), exported("emerging_enterprise")).unwrap();
    let prev = d.join("prev.txt");
    std::fs::write(&prev, "某某公司\n").unwrap();
    // The same file by another spelling of its path.
    let sub = d.join("sub");
    std::fs::create_dir(&sub).unwrap();
    let roundabout = sub.join("..").join("a.docx");

    let s = |p: &Path| p.display().to_string();
    let cases: Vec<(&str, Vec<String>, PathBuf)> = vec![
        (
            "import a.docx -o a.docx",
            vec!["import".into(), s(&docx), "-o".into(), s(&docx)],
            docx.clone(),
        ),
        (
            "import a.docx -o sub/../a.docx",
            vec!["import".into(), s(&docx), "-o".into(), s(&roundabout)],
            docx.clone(),
        ),
        (
            "export D.json -o D.json",
            vec!["export".into(), s(&json), "-o".into(), s(&json)],
            json.clone(),
        ),
        (
            "mail a.docx -o a.docx",
            vec!["mail".into(), s(&docx), "-o".into(), s(&docx)],
            docx.clone(),
        ),
        (
            "consolidate inbox -o inbox/x.docx",
            vec![
                "consolidate".into(),
                s(&inbox),
                "-o".into(),
                s(&inbox.join("x.docx")),
            ],
            inbox.join("x.docx"),
        ),
        (
            "consolidate inbox -o inbox/new.xlsx",
            vec![
                "consolidate".into(),
                s(&inbox),
                "-o".into(),
                s(&inbox.join("new.xlsx")),
            ],
            inbox.join("x.docx"),
        ),
        (
            "--csv prev.txt --previous prev.txt",
            vec![
                "consolidate".into(),
                s(&inbox),
                "-o".into(),
                s(&d.join("t.xlsx")),
                "--csv".into(),
                s(&prev),
                "--previous".into(),
                s(&prev),
            ],
            prev.clone(),
        ),
        (
            "-o t.xlsx --csv t.xlsx",
            vec![
                "consolidate".into(),
                s(&inbox),
                "-o".into(),
                s(&d.join("t.xlsx")),
                "--csv".into(),
                s(&d.join("t.xlsx")),
            ],
            prev.clone(),
        ),
    ];
    for (what, args, kept) in cases {
        let before = names_in(d);
        let inbox_before = names_in(&inbox);
        let kept_bytes = std::fs::read(&kept).unwrap();
        let out = run(&args);
        assert_eq!(out.code, Some(2), "{what}: {}{}", out.stdout, out.stderr);
        assert!(
            out.stderr.contains("同一个文件")
                || out.stderr.contains("输入文件夹")
                || out.stderr.contains("两个输出"),
            "{what}: {}",
            out.stderr
        );
        assert_chinese_only(what, &out.stderr);
        assert_eq!(std::fs::read(&kept).unwrap(), kept_bytes, "{what}");
        assert_eq!(names_in(d), before, "{what} wrote nothing");
        assert_eq!(
            names_in(&inbox),
            inbox_before,
            "{what} wrote nothing in the inbox"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// FIFOs and devices where a file is expected
// ---------------------------------------------------------------------------------------------

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

#[cfg(unix)]
#[test]
fn a_fifo_or_dev_zero_in_the_store_is_listed_with_the_reason_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path()).unwrap();
    store.create(&fixture("tech_manager")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", store.drafts_dir().join("zero.json")).unwrap();
    mkfifo(&store.drafts_dir().join("fifo.json"));
    let started = Instant::now();
    let out = run([
        "--data-dir".as_ref(),
        dir.path().as_os_str(),
        "drafts".as_ref(),
        "list".as_ref(),
    ]);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        out.stdout
            .lines()
            .any(|l| l.contains("zero.json") && l.contains("这是一个设备")),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .lines()
            .any(|l| l.contains("fifo.json") && l.contains("这是一个管道")),
        "{}",
        out.stdout
    );
    let entries = store.list(&defs(), today());
    assert_eq!(
        entries.iter().filter(|e| matches!(e, Entry::Ok(_))).count(),
        1
    );
    // Opening them is refused at once as well.
    for id in ["zero", "fifo"] {
        let err = store.load(&defs(), id).unwrap_err().to_string();
        assert!(err.contains("不是普通文件"), "{err}");
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_or_dev_zero_in_an_inbox_is_skipped_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("收件");
    std::fs::create_dir(&inbox).unwrap();
    std::fs::write(inbox.join("好.docx"), exported("emerging_enterprise")).unwrap();
    mkfifo(&inbox.join("x.docx"));
    mkfifo(&inbox.join("y.json"));
    std::os::unix::fs::symlink("/dev/zero", inbox.join("zero.json")).unwrap();
    let out_file = dir.path().join("汇总.xlsx");
    let started = Instant::now();
    let out = run([
        "consolidate".as_ref(),
        inbox.as_os_str(),
        "-o".as_ref(),
        out_file.as_os_str(),
    ]);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    for name in ["x.docx", "y.json"] {
        assert!(
            out.stderr
                .lines()
                .any(|l| l.contains(name) && l.contains("管道")),
            "{name}: {}",
            out.stderr
        );
    }
    assert!(
        out.stderr
            .lines()
            .any(|l| l.contains("zero.json") && l.contains("符号链接") && l.contains("未跟随")),
        "{}",
        out.stderr
    );
    assert!(out.stdout.contains("共汇总 1 份申报"), "{}", out.stdout);
    // validate and import of a FIFO end at once, exit 2.
    let lists: [Vec<std::ffi::OsString>; 2] = [
        vec!["validate".into(), inbox.join("x.docx").into_os_string()],
        vec![
            "import".into(),
            inbox.join("x.docx").into_os_string(),
            "-o".into(),
            dir.path().join("o.json").into_os_string(),
        ],
    ];
    for args in lists {
        let out = run(&args);
        assert_eq!(out.code, Some(2), "{}", out.stderr);
        assert!(out.stderr.contains("管道"), "{}", out.stderr);
        assert_chinese_only("fifo", &out.stderr);
    }
}

// ---------------------------------------------------------------------------------------------
// Hostile previous-winner spreadsheets
// ---------------------------------------------------------------------------------------------

/// An .xlsx from parts: the workbook, its relationships, shared strings and the first sheet.
fn xlsx_of(sheet: &str, shared: &str) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9));
    let parts = [
        (
            "xl/workbook.xml",
            r#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="名单" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_owned(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_owned(),
        ),
        ("xl/sharedStrings.xml", shared.to_owned()),
        ("xl/worksheets/sheet1.xml", sheet.to_owned()),
    ];
    for (name, text) in parts {
        zip.start_file(name, options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

const SST: &str = r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;
const WS: &str =
    r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#;

#[test]
fn a_sparse_previous_winners_xlsx_is_read_without_a_grid() {
    // Cells only at A1 and XFD1048576: a grid would be 17 billion cells.
    let sheet = format!(
        r#"{WS}<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="1048576"><c r="XFD1048576" t="s"><v>1</v></c></row></sheetData></worksheet>"#
    );
    let shared =
        format!("{SST}<si><t>合肥晶叠光能科技有限责任公司</t></si><si><t>远处</t></si></sst>");
    let bytes = xlsx_of(&sheet, &shared);
    assert!(bytes.len() < 4096, "{} bytes", bytes.len());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("历年.xlsx");
    std::fs::write(&path, &bytes).unwrap();
    let started = Instant::now();
    let list = PreviousWinners::load(&path).unwrap();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(list.names, vec!["合肥晶叠光能科技有限责任公司".to_owned()]);

    // The same through the command line, measured.
    let run = previous_list_is_sound("sparse previous-winners .xlsx", "历年.xlsx", &bytes);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    if measurable() {
        assert!(run.peak_kb.is_some());
    }
}

/// A shared-strings part of `inflated` bytes of one repeated name, deflated.
fn inflating_xlsx(inflated: usize) -> Vec<u8> {
    let unit = "<si><t>某某科技有限公司</t></si>";
    let body = unit.repeat(inflated / unit.len());
    let shared = format!("{SST}{body}</sst>");
    let sheet =
        format!(r#"{WS}<row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>"#);
    xlsx_of(&sheet, &shared)
}

#[test]
fn an_inflating_previous_winners_xlsx_is_refused_within_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = inflating_xlsx(80 << 20);
    assert!(bytes.len() < 2 << 20, "{} bytes", bytes.len());
    let path = dir.path().join("炸弹.xlsx");
    std::fs::write(&path, &bytes).unwrap();
    let err = PreviousWinners::load(&path).unwrap_err().to_string();
    assert!(err.contains("炸弹.xlsx"), "{err}");
    assert!(err.contains("疑似压缩炸弹"), "{err}");
    assert_chinese_only("bomb", &err);

    // Lying about its size: the declared sizes say 1 KB; inflating stops at the budget.
    let lying = lie_about_sizes(&bytes, "xl/sharedStrings.xml", 1024);
    std::fs::write(&path, &lying).unwrap();
    let err = PreviousWinners::load(&path).unwrap_err().to_string();
    assert!(err.contains("炸弹"), "{err}");

    for (what, file) in [("honest", &bytes), ("lying", &lying)] {
        let run = previous_list_is_sound(
            &format!("inflating previous-winners .xlsx ({what})"),
            "炸弹.xlsx",
            file,
        );
        assert_eq!(run.code, Some(2), "{what}: {}", run.stderr);
    }
}

/// The archive with the declared uncompressed size of one entry set to `size`, in its local
/// header and in the central directory.
fn lie_about_sizes(zip: &[u8], name: &str, size: u32) -> Vec<u8> {
    let mut out = zip.to_vec();
    let needle = name.as_bytes();
    let mut at = 0;
    while let Some(p) = out[at..].windows(needle.len()).position(|w| w == needle) {
        let p = at + p;
        // Local header: name at 30, size at 22. Central directory: name at 46, size at 24.
        if p >= 30 && out[p - 30..p - 26] == *b"PK\x03\x04" {
            out[p - 8..p - 4].copy_from_slice(&size.to_le_bytes());
        } else if p >= 46 && out[p - 46..p - 42] == *b"PK\x01\x02" {
            out[p - 22..p - 18].copy_from_slice(&size.to_le_bytes());
        }
        at = p + needle.len();
    }
    out
}

// ---------------------------------------------------------------------------------------------
// A field over Excel's limit; what export writes, import reads; exact numbers
// ---------------------------------------------------------------------------------------------

#[test]
fn a_40000_character_field_is_cut_in_the_summary_with_a_marker_and_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("收件");
    std::fs::create_dir(&inbox).unwrap();
    let mut long = fixture("leading_tech-equipment");
    long.values
        .insert("tech_name".into(), json!("长".repeat(40_000)));
    std::fs::write(inbox.join("长.json"), long.to_json()).unwrap();
    std::fs::write(inbox.join("b.docx"), exported("tech_manager")).unwrap();
    let out = dir.path().join("汇总.xlsx");
    let run = run([
        "consolidate".as_ref(),
        inbox.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stderr
            .lines()
            .any(|l| l.contains("长.json") && l.contains("已截断")),
        "{}",
        run.stderr
    );

    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(std::fs::read(&out).unwrap())).unwrap();
    let overview = book.worksheet_range_at(0).unwrap().unwrap();
    let cut: Vec<String> = overview
        .rows()
        .flat_map(|r| r.iter())
        .filter_map(|c| match c {
            Data::String(s) if s.ends_with(CUT_MARK) => Some(s.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(cut.len(), 1, "one cell cut on the overview");
    assert_eq!(cut[0].chars().count(), 32_767);
    assert!(cut[0].starts_with("长长长"));
    assert_eq!(
        overview.rows().count(),
        4,
        "keys, headings and both submissions"
    );
}

/// `export DRAFT.json -o X.docx --preview`, then `import X.docx -o back.json`, in `dir`: the
/// import's output and the draft text it wrote. Both commands must succeed.
fn export_then_import(dir: &Path, name: &str, json: &str) -> (Out, String) {
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, json).unwrap();
    let out = dir.join(format!("{name}.docx"));
    let r = run([
        "export".as_ref(),
        path.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
        "--preview".as_ref(),
    ]);
    assert_eq!(r.code, Some(0), "export: {}", r.stderr);
    let back = dir.join(format!("{name}-取回.json"));
    let r = run([
        "import".as_ref(),
        out.as_os_str(),
        "-o".as_ref(),
        back.as_os_str(),
    ]);
    assert_eq!(r.code, Some(0), "import: {}", r.stderr);
    let text = std::fs::read_to_string(&back).unwrap();
    (r, text)
}

#[test]
fn a_large_accepted_draft_exports_to_a_docx_that_import_and_consolidate_read_back() {
    // Well under the draft limit, but text that deflates more than 200 to 1.
    let mut draft = fixture("leading_tech-equipment");
    draft
        .values
        .insert("summary".into(), json!("中".repeat(900_000)));
    let json = draft.to_json();
    assert!(json.len() < kczg_form::limits::DRAFT_BYTES as usize);
    let dir = tempfile::tempdir().unwrap();
    let (r, back) = export_then_import(dir.path(), "大", &json);
    assert!(!r.stderr.contains("炸弹"), "{}", r.stderr);
    let again = Draft::from_json(&back).unwrap();
    let out = dir.path().join("大.docx");
    assert_eq!(again.values["summary"], draft.values["summary"]);
    let xlsx = dir.path().join("汇总.xlsx");
    let inbox = dir.path().join("收件");
    std::fs::create_dir(&inbox).unwrap();
    std::fs::rename(&out, inbox.join("大.docx")).unwrap();
    let r = run([
        "consolidate".as_ref(),
        inbox.as_os_str(),
        "-o".as_ref(),
        xlsx.as_os_str(),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.contains("共汇总 1 份申报"), "{}", r.stdout);
}

#[test]
fn a_draft_whose_document_would_be_too_large_to_import_is_not_exported() {
    // 60,000 rows of one character each: a small draft, a document past the import's limit.
    let mut draft = fixture("leading_tech-equipment");
    let rows: Vec<_> = (0..60_000)
        .map(|_| json!({"title": "甲", "number": "1"}))
        .collect();
    draft.values.insert("ip".into(), json!(rows));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("多.json");
    std::fs::write(&path, draft.to_json()).unwrap();
    let out = dir.path().join("多.docx");
    let started = Instant::now();
    let r = run([
        "export".as_ref(),
        path.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
        "--preview".as_ref(),
    ]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("内容过多"), "{}", r.stderr);
    assert!(!out.exists());
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn numbers_under_unknown_keys_round_trip_exactly_through_export_and_import() {
    let mut draft = fixture("tech_manager");
    let text = draft.to_json();
    // Unknown keys with numbers a 64-bit float cannot hold, and a decimal written with a zero.
    let text = text.replacen(
        "\"values\": {",
        "\"values\": {\n    \"big\": 123000000000000000000000000001,\n    \"nested\": {\"x\": [1.10, 18446744073709551617]},\n    \"dec\": 3000.50,",
        1,
    );
    draft = Draft::from_json(&text).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (r, back_text) = export_then_import(dir.path(), "数", &text);
    for exact in [
        "123000000000000000000000000001",
        "18446744073709551617",
        "1.10",
        "3000.50",
    ] {
        assert!(back_text.contains(exact), "{exact} lost: {back_text}");
    }
    // No false edit is reported for them, and the draft compares equal.
    assert!(!r.stdout.contains("改动"), "{}", r.stdout);
    assert_eq!(Draft::from_json(&back_text).unwrap(), draft);
    // The store keeps them too.
    let store = Store::at(&dir.path().join("store")).unwrap();
    let id = store.create(&draft).unwrap();
    let stored = std::fs::read_to_string(store.path_of(&id)).unwrap();
    assert!(
        stored.contains("123000000000000000000000000001"),
        "{stored}"
    );
    // An edited value is written as it now is.
    let mut edited = store.load(&defs(), &id).unwrap().draft;
    edited.values.insert("dec".into(), json!(12.5));
    store.save(&id, &edited).unwrap();
    let stored = std::fs::read_to_string(store.path_of(&id)).unwrap();
    assert!(stored.contains("\"dec\": 12.5"), "{stored}");
    assert!(
        stored.contains("123000000000000000000000000001"),
        "{stored}"
    );
}

// ---------------------------------------------------------------------------------------------
// The store touches only its own files
// ---------------------------------------------------------------------------------------------

#[test]
fn the_store_removes_only_its_own_stale_temp_files_and_lists_what_it_cannot_use() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path()).unwrap();
    store.create(&fixture("tech_manager")).unwrap();
    let drafts = store.drafts_dir().to_path_buf();
    let theirs = drafts.join(".someone-else.tmp");
    let ours = drafts.join(".kczg-abc123.tmp");
    std::fs::write(&theirs, "not ours").unwrap();
    std::fs::write(&ours, "partial").unwrap();
    let old = std::time::SystemTime::now() - Duration::from_secs(3600);
    for p in [&theirs, &ours] {
        std::fs::File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(old)
            .unwrap();
    }
    std::fs::write(drafts.join("UPPER.JSON"), fixture("tech_manager").to_json()).unwrap();
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"\xff\xfe.json");
        std::fs::write(drafts.join(name), "{}").unwrap();
    }
    let store = Store::at(dir.path()).unwrap();
    assert!(theirs.exists(), "another program's temp file is left alone");
    assert!(!ours.exists(), "our own stale temp file is removed");
    let entries = store.list(&defs(), today());
    let unusable: Vec<(String, String)> = entries
        .iter()
        .filter_map(|e| match e {
            Entry::Unusable { file, reason } => Some((file.clone(), reason.clone())),
            _ => None,
        })
        .collect();
    assert!(
        unusable
            .iter()
            .any(|(f, r)| f.ends_with("UPPER.JSON") && r.contains("UPPER.json")),
        "{unusable:#?}"
    );
    assert!(
        unusable
            .iter()
            .any(|(f, _)| f.ends_with(".someone-else.tmp")),
        "{unusable:#?}"
    );
    #[cfg(target_os = "linux")]
    assert!(
        unusable.iter().any(|(_, r)| r.contains("无法识别的字符")),
        "{unusable:#?}"
    );
}

#[test]
fn draft_ids_are_names_never_paths() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("x.json");
    std::fs::write(&secret, fixture("tech_manager").to_json()).unwrap();
    let store = Store::at(dir.path()).unwrap();
    let abs = outside.path().join("x").display().to_string();
    for id in [abs.as_str(), "../x", "..", "a/b", "a\\b", ".hidden"] {
        assert!(store.load(&defs(), id).is_err(), "{id}");
        assert!(store.save(id, &fixture("tech_manager")).is_err(), "{id}");
    }
    let out = run([
        "--data-dir".as_ref(),
        dir.path().as_os_str(),
        "drafts".as_ref(),
        "show".as_ref(),
        abs.as_ref(),
    ]);
    assert_eq!(out.code, Some(2), "{}", out.stdout);
    assert!(out.stdout.is_empty(), "nothing outside the store is shown");
    assert!(out.stderr.contains("找不到草稿"), "{}", out.stderr);
}

#[test]
fn a_draft_typed_larger_than_the_store_reads_is_refused_with_a_reason_not_written() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path()).unwrap();
    let mut draft = fixture("tech_manager");
    let id = store.create(&draft).unwrap();
    let before = std::fs::read(store.path_of(&id)).unwrap();
    draft
        .values
        .insert("competence".into(), json!("字".repeat(2_000_000)));
    let err = store.save(&id, &draft).unwrap_err().to_string();
    assert!(err.contains("草稿内容过多"), "{err}");
    assert_eq!(std::fs::read(store.path_of(&id)).unwrap(), before);
}

// ---------------------------------------------------------------------------------------------
// Messages in Chinese, said once
// ---------------------------------------------------------------------------------------------

#[test]
fn os_and_library_errors_reach_people_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let draft = d.join("草稿.json");
    std::fs::write(&draft, fixture("tech_manager").to_json()).unwrap();
    let long = d.join(format!("{}.docx", "长".repeat(100)));
    let folder = d.join("文件夹.docx");
    std::fs::create_dir(&folder).unwrap();
    let not_zip = d.join("坏.docx");
    std::fs::write(&not_zip, b"PK\x03\x04 not really a zip").unwrap();
    let broken_json = d.join("坏.json");
    std::fs::write(&broken_json, "{\"format\": ").unwrap();
    let s = |p: &Path| p.display().to_string();
    let cases: Vec<(&str, Vec<String>, &str)> = vec![
        (
            "file name too long",
            vec![
                "export".into(),
                s(&draft),
                "-o".into(),
                s(&long),
                "--preview".into(),
            ],
            "文件名过长",
        ),
        (
            "output is a folder",
            vec![
                "export".into(),
                s(&draft),
                "-o".into(),
                s(&folder),
                "--preview".into(),
            ],
            "文件夹",
        ),
        (
            "input is a folder",
            vec!["validate".into(), s(&folder)],
            "文件夹",
        ),
        ("not a zip", vec!["validate".into(), s(&not_zip)], "坏.docx"),
        (
            "broken json",
            vec!["validate".into(), s(&broken_json)],
            "不是有效的 JSON",
        ),
        (
            "unknown command",
            vec!["frobnicate".into()],
            "没有名为「frobnicate」的命令",
        ),
        (
            "unknown option",
            vec!["validate".into(), "--bogus".into()],
            "不认识的选项",
        ),
    ];
    for (what, args, words) in cases {
        let out = run(&args);
        assert_eq!(out.code, Some(2), "{what}: {}", out.stderr);
        assert!(out.stderr.contains(words), "{what}: {}", out.stderr);
        assert_chinese_only(what, &out.stderr);
        let hint = out
            .stderr
            .matches("请确认选择的是本程序保存的申报草稿")
            .count();
        let expected = usize::from(what == "broken json");
        assert_eq!(
            hint, expected,
            "{what}: the hint said {hint} times: {}",
            out.stderr
        );
    }
    let help = run(["--help"]).stdout;
    assert!(
        help.lines()
            .any(|l| l.trim_start().starts_with("consolidate") && l.contains("秘书处汇总")),
        "{help}"
    );
    let desk_line = help
        .lines()
        .find(|l| l.trim_start().starts_with("desk"))
        .unwrap_or_default();
    assert!(!desk_line.contains("批量导入申报表"), "{desk_line}");
}

// ---------------------------------------------------------------------------------------------
// Amplification: small files that would become large in memory
// ---------------------------------------------------------------------------------------------

/// `consolidate --previous FILE` under the watchdog and GNU time: refused or accepted, it stays
/// within the time and memory limits and says why in Chinese.
fn previous_list_is_sound(what: &str, name: &str, bytes: &[u8]) -> common::measured::Run {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let inbox = dir.path().join("收件");
    std::fs::create_dir(&inbox).unwrap();
    std::fs::write(inbox.join("a.docx"), exported("emerging_enterprise")).unwrap();
    let out = dir.path().join("汇总.xlsx");
    let run = cli_within(
        &[
            "consolidate".as_ref(),
            inbox.as_os_str(),
            "-o".as_ref(),
            out.as_os_str(),
            "--previous".as_ref(),
            path.as_os_str(),
        ],
        Duration::from_secs(120),
    );
    run.log(what, "consolidate --previous");
    run.assert_sound(what);
    assert_chinese_only(what, &run.stderr);
    run
}

#[test]
fn previous_winner_lists_that_would_amplify_in_memory_stay_within_bounds() {
    // One 10 MB shared string used by a million cells: a million copies would be 10 TB.
    let long = "名".repeat((10 << 20) / 3);
    let shared = format!("{SST}<si><t>{long}</t></si></sst>");
    let cells = r#"<c t="s"><v>0</v></c>"#.repeat(1_000_000);
    let sheet = format!(r#"{WS}<row r="1">{cells}</row></sheetData></worksheet>"#);
    let run = previous_list_is_sound(
        "one long string in every cell",
        "长.xlsx",
        &xlsx_of(&sheet, &shared),
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("文字过多"), "{}", run.stderr);

    // Five million empty shared strings, and five million empty rows.
    let shared = format!("{SST}{}</sst>", "<si/>".repeat(5_000_000));
    let sheet =
        format!(r#"{WS}<row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>"#);
    let run = previous_list_is_sound(
        "five million empty strings",
        "空.xlsx",
        &xlsx_of(&sheet, &shared),
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("单元格超过"), "{}", run.stderr);
    let sheet = format!("{WS}{}</sheetData></worksheet>", "<row/>".repeat(5_000_000));
    let shared = format!("{SST}</sst>");
    let run = previous_list_is_sound(
        "five million empty rows",
        "行.xlsx",
        &xlsx_of(&sheet, &shared),
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("没有任何名称"), "{}", run.stderr);

    // 20 MB of line breaks, and a CSV row of ten million fields.
    let run = previous_list_is_sound("20 MB of line breaks", "换行.txt", &vec![b'\n'; 20 << 20]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let row = format!("名称,{}\n某某公司\n", "a,".repeat(9_000_000));
    let run = previous_list_is_sound("a CSV row of nine million fields", "宽.csv", row.as_bytes());
    assert_eq!(run.code, Some(0), "{}", run.stderr);
}

/// Our export with its draft part replaced by `json` (escaped as the export escapes).
fn with_embedded_json(json: &str) -> Vec<u8> {
    use std::io::{Read, Write};
    let docx = exported("tech_manager");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&docx)).unwrap();
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9));
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        let name = f.name().to_owned();
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        if name == "customXml/item1.xml" {
            bytes = format!(
                r#"<kczg xmlns="{}" format="kczg-form/draft" version="1">{}</kczg>"#,
                kczg_form::docx::embed::NAMESPACE,
                kczg_form::docx::embed::xml_safe_json(json)
            )
            .into_bytes();
        }
        zip.start_file(name, options).unwrap();
        zip.write_all(&bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

#[test]
fn an_embedded_draft_larger_than_a_draft_file_is_refused_within_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let base = fixture("tech_manager").to_compact_json();
    // Nine million zeros (a 18 MB array) in an unknown key.
    let zeros = base.replacen(
        "\"values\":{",
        &format!("\"values\":{{\"z\":[{}0],", "0,".repeat(9_000_000)),
        1,
    );
    let path = dir.path().join("零.docx");
    std::fs::write(&path, with_embedded_json(&zeros)).unwrap();
    let run = cli_within(
        &["validate".as_ref(), path.as_os_str()],
        Duration::from_secs(120),
    );
    run.log("18 MB embedded draft", "validate");
    run.assert_sound("18 MB embedded draft");
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("文件过大"), "{}", run.stderr);
    // Escaped `&` count as the one byte they stand for: 3.5 MB of them are fine.
    let ampersands = base.replacen(
        "\"values\":{",
        &format!("\"values\":{{\"amp\":\"{}\",", "&".repeat(3_500_000)),
        1,
    );
    std::fs::write(&path, with_embedded_json(&ampersands)).unwrap();
    let run = cli_within(
        &["validate".as_ref(), path.as_os_str()],
        Duration::from_secs(120),
    );
    run.assert_sound("3.5 MB of escaped ampersands");
    assert_eq!(run.code, Some(0), "{}", run.stderr);
}

#[test]
fn a_known_decimal_written_with_a_trailing_zero_round_trips_without_a_false_edit() {
    let text = fixture("emerging_enterprise").to_json().replacen(
        "\"ent_capital\": 3200",
        "\"ent_capital\": 3000.50",
        1,
    );
    assert!(text.contains("3000.50"));
    let dir = tempfile::tempdir().unwrap();
    let (r, back) = export_then_import(dir.path(), "企业", &text);
    assert!(!r.stdout.contains("改动"), "a false edit: {}", r.stdout);
    assert!(back.contains("\"ent_capital\": 3000.50"), "{back}");

    // Through the desk: saved, loaded and saved again, the text stays.
    let inbox = dir.path().join("收件");
    std::fs::create_dir(&inbox).unwrap();
    std::fs::write(
        inbox.join("企业.json"),
        text.replacen(
            "\"values\": {",
            "\"values\": {\n    \"big\": 123000000000000000000000000001,",
            1,
        ),
    )
    .unwrap();
    let batch = kczg_form::consolidate::scan_on(&defs(), &[inbox], today(), &|_, _| {});
    let mut desk = kczg_form::consolidate::Desk::from_batch(batch);
    let saved = dir.path().join("desk.json");
    desk.save(&saved).unwrap();
    let mut loaded = kczg_form::consolidate::Desk::load_on(&saved, &defs(), today()).unwrap();
    loaded.save(&saved).unwrap();
    let desk_text = std::fs::read_to_string(&saved).unwrap();
    assert!(
        desk_text.contains("123000000000000000000000000001"),
        "the desk rounded a number"
    );
    assert!(desk_text.contains("3000.50"), "the desk rewrote a number");
}

/// The heaviest draft a file may hold for its size: two million one-digit numbers (4 MB) would
/// take 170 MB as values; it is refused at once by its count. Just under the count, validating
/// and exporting stay well within memory.
#[test]
fn a_draft_of_millions_of_tiny_values_is_refused_and_one_just_under_the_count_is_light() {
    let base = fixture("tech_manager").to_compact_json();
    let zeros = |n: usize| {
        base.replacen(
            "\"values\":{",
            &format!("\"values\":{{\"z\":[{}0],", "0,".repeat(n - 1)),
            1,
        )
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("零.json");
    let n = (kczg_form::limits::DRAFT_BYTES as usize - base.len() - 64) / 2;
    std::fs::write(&path, zeros(n)).unwrap();
    let run = cli_within(
        &["validate".as_ref(), path.as_os_str()],
        Duration::from_secs(120),
    );
    run.log("two million tiny values", "validate");
    run.assert_sound("two million tiny values");
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("数据项过多"), "{}", run.stderr);

    std::fs::write(&path, zeros(kczg_form::limits::DRAFT_ITEMS - 1000)).unwrap();
    let out = dir.path().join("零.docx");
    // Measured against the same program validating the ordinary draft (about 29 MB in a debug
    // build): the values themselves add about 30 MB; a fixed 60 MB in all was within 1 MB of
    // what a debug build's start-up varies by under a full parallel `cargo test`.
    let small = common::fixture_path("tech_manager.json");
    let base = cli_within(
        &["validate".as_ref(), small.as_os_str()],
        Duration::from_secs(120),
    );
    base.log("the ordinary draft", "validate");
    for (what, args) in [
        ("validate", vec!["validate".as_ref(), path.as_os_str()]),
        (
            "export --preview",
            vec![
                "export".as_ref(),
                path.as_os_str(),
                "-o".as_ref(),
                out.as_os_str(),
                "--preview".as_ref(),
            ],
        ),
        (
            "validate the export",
            vec!["validate".as_ref(), out.as_os_str()],
        ),
    ] {
        let run = cli_within(&args, Duration::from_secs(120));
        run.log(&format!("199,000 tiny values ({what})"), what);
        run.assert_sound(what);
        assert_eq!(run.code, Some(0), "{what}: {}", run.stderr);
        if let (Some(kb), Some(base)) = (run.peak_kb, base.peak_kb) {
            assert!(
                kb.saturating_sub(base) < 40 * 1024,
                "{what}: {kb} KB, {base} KB for the ordinary draft"
            );
        }
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_in_a_definitions_override_is_refused_with_its_reason_not_waited_on() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("forms")).unwrap();
    mkfifo(&dir.path().join("forms").join("tech_manager.toml"));
    let started = Instant::now();
    let out = run(["--forms".as_ref(), dir.path().as_os_str(), "forms".as_ref()]);
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(out.code, Some(2), "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("tech_manager.toml"), "{}", out.stderr);
    assert!(out.stderr.contains("管道"), "{}", out.stderr);
    assert_chinese_only("fifo override", &out.stderr);
}

// ---------------------------------------------------------------------------------------------
// Found by trying the program as a new user would
// ---------------------------------------------------------------------------------------------

#[test]
fn a_key_given_twice_is_refused_and_named_never_half_read() {
    let text = fixture("emerging_enterprise").to_json().replacen(
        "\"employees\": 186,",
        "\"employees\": 186,\n    \"employees\": 999,",
        1,
    );
    let err = Draft::from_json(&text).unwrap_err().to_string();
    assert!(
        err.contains("「employees」") && err.contains("两次"),
        "{err}"
    );
    // A second `values` would drop the whole first one.
    let text = fixture("emerging_enterprise").to_json().replacen(
        "\"meta\": {",
        "\"values\": {\"ent_name\": \"x\"},\n  \"meta\": {",
        1,
    );
    let err = Draft::from_json(&text).unwrap_err().to_string();
    assert!(err.contains("「values」"), "{err}");
    // The same inside a .docx: refused, not imported without values.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("重复.docx");
    let doubled = fixture("tech_manager").to_compact_json().replacen(
        "\"values\":{",
        "\"values\":{\"person_name\":\"甲\",",
        1,
    );
    std::fs::write(&path, with_embedded_json(&doubled)).unwrap();
    let out = run(["validate".as_ref(), path.as_os_str()]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(out.stderr.contains("「person_name」"), "{}", out.stderr);
}

#[test]
fn a_byte_order_mark_is_accepted_and_utf16_is_named() {
    let text = fixture("tech_manager").to_json();
    let with_bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
    assert_eq!(
        Draft::from_slice(&with_bom).unwrap(),
        fixture("tech_manager")
    );
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let err = Draft::from_slice(&utf16).unwrap_err().to_string();
    assert!(err.contains("UTF-16") && err.contains("UTF-8"), "{err}");
    let out_of_range = text.replacen("\"values\": {", "\"values\": {\n    \"x\": 1e400,", 1);
    let err = Draft::from_json(&out_of_range).unwrap_err().to_string();
    assert!(err.contains("超出可以表示的范围"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_hard_link_to_the_input_is_refused_as_an_output() {
    let dir = tempfile::tempdir().unwrap();
    let docx = dir.path().join("e.docx");
    std::fs::write(&docx, exported("tech_manager")).unwrap();
    let link = dir.path().join("hard.docx");
    std::fs::hard_link(&docx, &link).unwrap();
    let before = std::fs::read(&docx).unwrap();
    for command in ["import", "mail"] {
        let out = run([
            command.as_ref(),
            link.as_os_str(),
            "-o".as_ref(),
            docx.as_os_str(),
        ]);
        assert_eq!(out.code, Some(2), "{command}: {}", out.stderr);
        assert!(out.stderr.contains("同一个文件"), "{}", out.stderr);
    }
    assert_eq!(std::fs::read(&docx).unwrap(), before);
    // An output in a folder of the input that does not exist yet is refused before reading.
    let inbox = dir.path().join("收件");
    std::fs::create_dir(&inbox).unwrap();
    std::fs::copy(&docx, inbox.join("a.docx")).unwrap();
    let nested = inbox.join("子").join("汇总.xlsx");
    let out = run([
        "consolidate".as_ref(),
        inbox.as_os_str(),
        "-o".as_ref(),
        nested.as_os_str(),
    ]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(out.stderr.contains("输入文件夹"), "{}", out.stderr);
    assert!(
        !out.stdout.contains("共汇总"),
        "refused before reading: {}",
        out.stdout
    );
}

#[test]
fn standard_output_that_cannot_be_written_is_said_in_chinese() {
    let Ok(full) = std::fs::File::options().write(true).open("/dev/full") else {
        eprintln!("SKIPPED: no /dev/full here");
        return;
    };
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kczg-form"))
        .args(["validate"])
        .arg(common::fixture_path("tech_manager.json"))
        .stdout(full)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("无法写出到标准输出"), "{stderr}");
    assert_chinese_only("stdout", &stderr);
}

#[test]
fn importing_a_docx_into_the_store_reads_its_form_and_mail_warns_on_a_preview() {
    let dir = tempfile::tempdir().unwrap();
    let docx = dir.path().join("e.docx");
    let bytes = exported("tech_manager");
    std::fs::write(&docx, &bytes).unwrap();
    let data = dir.path().join("data");
    // An exported form is taken through the intake, as the window opens it; the file itself
    // is left as it was.
    let out = run([
        "--data-dir".as_ref(),
        data.as_os_str(),
        "drafts".as_ref(),
        "import".as_ref(),
        docx.as_os_str(),
    ]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        out.stdout.contains("（Word 文档 · 导出件）"),
        "{}",
        out.stdout
    );
    assert!(std::fs::read(&docx).unwrap() == bytes);
    // A .docx that holds no form is refused with the reason, nothing written.
    let foreign = dir.path().join("外来.docx");
    std::fs::write(&foreign, common::foreign_docx()).unwrap();
    let out = run([
        "--data-dir".as_ref(),
        data.as_os_str(),
        "drafts".as_ref(),
        "import".as_ref(),
        foreign.as_os_str(),
    ]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(out.stderr.contains("外来.docx"), "{}", out.stderr);
    assert_chinese_only("drafts import", &out.stderr);

    // A preview with errors: mail still writes the message, but says so.
    let mut draft = fixture("tech_manager");
    draft.values.shift_remove("person_name");
    let path = dir.path().join("缺.json");
    std::fs::write(&path, draft.to_json()).unwrap();
    let preview = dir.path().join("缺.docx");
    let r = run([
        "export".as_ref(),
        path.as_os_str(),
        "-o".as_ref(),
        preview.as_os_str(),
        "--preview".as_ref(),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let eml = dir.path().join("缺.eml");
    let r = run([
        "mail".as_ref(),
        preview.as_os_str(),
        "-o".as_ref(),
        eml.as_os_str(),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stderr.contains("预览稿") && r.stderr.contains("个错误"),
        "{}",
        r.stderr
    );
}

#[test]
fn the_summaries_are_written_together_or_not_at_all() {
    let Some(disk) = TinyDisk::mount() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("收件");
    std::fs::create_dir(&inbox).unwrap();
    std::fs::write(inbox.join("a.docx"), exported("tech_manager")).unwrap();
    let (xlsx, csv) = (disk.path().join("s.xlsx"), disk.path().join("s.csv"));
    let first = run([
        "consolidate".as_ref(),
        inbox.as_os_str(),
        "-o".as_ref(),
        xlsx.as_os_str(),
        "--csv".as_ref(),
        csv.as_os_str(),
    ]);
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    let before = (std::fs::read(&xlsx).unwrap(), std::fs::read(&csv).unwrap());
    // More submissions, and a disk too full for the new .xlsx but not for the small .csv.
    for name in [
        "emerging_enterprise",
        "innovation_org",
        "leading_tech-equipment",
    ] {
        std::fs::write(inbox.join(format!("{name}.docx")), exported(name)).unwrap();
    }
    let free = 4096 * 3;
    let used: u64 = names_in(disk.path())
        .iter()
        .map(|n| std::fs::metadata(disk.path().join(n)).unwrap().len())
        .sum();
    let filler = (200 * 1024u64).saturating_sub(used + free);
    let _ = std::fs::write(disk.path().join("填满.bin"), vec![0u8; filler as usize]);
    let second = run([
        "consolidate".as_ref(),
        inbox.as_os_str(),
        "-o".as_ref(),
        xlsx.as_os_str(),
        "--csv".as_ref(),
        csv.as_os_str(),
    ]);
    assert_eq!(second.code, Some(2), "{}", second.stderr);
    assert!(second.stderr.contains("磁盘已满"), "{}", second.stderr);
    assert_eq!(
        (std::fs::read(&xlsx).unwrap(), std::fs::read(&csv).unwrap()),
        before,
        "both summaries are the earlier ones"
    );
}

/// The desk's database on a full disk: a decision that cannot be written is said in Chinese
/// (磁盘已满), and the database still opens with every decision written before.
#[test]
fn a_full_disk_keeps_the_desk_database() {
    use kczg_form::consolidate::Decision;
    use kczg_form::consolidate::store::{Change, DeskStore};
    let Some(disk) = TinyDisk::mount() else {
        return;
    };
    let db = disk.path().join("desk.sqlite");
    let mut store = DeskStore::open(&db).unwrap();
    let kept = Decision {
        recommend: true,
        rank: Some(1),
        note: "材料齐全".into(),
        ..Decision::default()
    };
    store
        .apply(&Change::Decide("a".into(), kept.clone()))
        .unwrap();
    disk.fill();
    let big = Decision {
        note: "很长的备注。".repeat(100_000),
        ..Decision::default()
    };
    let err = store
        .apply(&Change::Decide("b".into(), big))
        .unwrap_err()
        .to_string();
    assert!(err.contains("磁盘已满"), "{err}");
    assert_chinese_only("desk database", &err);
    drop(store);
    let _ = std::fs::remove_file(disk.path().join("填满.bin"));
    let store = DeskStore::open(&db).unwrap();
    let desk = store.load(&defs(), today()).unwrap();
    assert_eq!(desk.decisions.get("a"), Some(&kept));
    assert!(!desk.decisions.contains_key("b"));
}
