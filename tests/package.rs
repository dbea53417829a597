//! What an applicant sends, from the command line: `package` (the 申报材料包) and `mail` with
//! attachments, read back with Python's `zipfile` and `email` (every file's bytes, the names
//! in Chinese) and by our own intake (one form, its attachments, the sealed scan); `drafts
//! trash` and `drafts restore`.
#![allow(clippy::disallowed_methods)] // tests set up their files directly

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use common::*;
use kczg_form::store::Store;

fn cli(data: &Path) -> Command {
    let mut c = Command::cargo_bin("kczg-form").unwrap();
    c.arg("--data-dir").arg(data);
    c
}

/// (exit code, stdout, stderr)
fn run(data: &Path, args: &[&str]) -> (i32, String, String) {
    let out = cli(data).args(args).output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        stderr,
    )
}

fn check_with_python(target: &Path, expected: &[(&str, &Path)]) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/check_bundle.py");
    let mut c = std::process::Command::new("python3");
    c.arg(&script).arg(target);
    for (name, path) in expected {
        c.arg(format!("{name}={}", path.display()));
    }
    let out = c
        .output()
        .unwrap_or_else(|e| panic!("python3 is needed to read the package back: {e}"));
    assert!(
        out.status.success(),
        "check_bundle.py: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A draft of the store whose first two 附件清单 rows have files, one file added and left
/// out of the list, and the sealed scan; plus files outside to add from the command line.
struct Setup {
    _dir: tempfile::TempDir,
    data: PathBuf,
    id: String,
    licence: PathBuf,
    statute: PathBuf,
    scan: PathBuf,
    extra: PathBuf,
    page2: PathBuf,
    out: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let files = dir.path().join("我的文件");
    let out = dir.path().join("输出");
    std::fs::create_dir_all(&files).unwrap();
    std::fs::create_dir_all(&out).unwrap();
    let store = Store::at(&data).unwrap();
    let defs = defs();
    let limits = defs.call.attachments;
    let write = |name: &str, bytes: &[u8]| {
        let p = files.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let licence = write("营业执照 扫描.pdf", b"%PDF-1.7\n licence \xE4\xB8\xAD");
    let statute = write("认定文件.jpg", b"\xFF\xD8\xFF\xE0 statute");
    let unlisted = write("旧版说明.pdf", b"%PDF-1.4\n old");
    let scan = write("IMG_0001.PNG", b"\x89PNG\r\n\x1A\n page one");
    let extra = write("补充材料.xlsx", b"PK\x03\x04 extra");
    let page2 = write("IMG_0002.jpg", b"\xFF\xD8\xFF page two");

    let mut draft = fixture("innovation_org");
    let id = store.create(&draft).unwrap();
    let folder = store.attachments(&id);
    let a = folder.add(&licence, &limits, false).unwrap();
    let b = folder.add(&statute, &limits, false).unwrap();
    folder.add(&unlisted, &limits, false).unwrap();
    folder.add(&scan, &limits, true).unwrap();
    let rows = draft.values.get_mut("attachments").unwrap();
    rows[0]["file"] = a.name.into();
    rows[1]["file"] = b.name.into();
    store.save(&id, &draft).unwrap();
    Setup {
        _dir: dir,
        data,
        id,
        licence,
        statute,
        scan,
        extra,
        page2,
        out,
    }
}

#[test]
fn a_package_holds_the_form_the_listed_files_and_the_sealed_scan_as_the_intake_reads_it() {
    let s = setup();
    let zip = s.out.join("申报材料包.zip");
    let (code, stdout, stderr) = run(
        &s.data,
        &[
            "package",
            &s.id,
            "--attach",
            s.extra.to_str().unwrap(),
            "--sealed",
            s.page2.to_str().unwrap(),
            "-o",
            zip.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("已生成申报材料包"), "{stdout}");
    assert!(
        stderr.contains("「旧版说明.pdf」没有列入附件清单"),
        "the unlisted file is said: {stderr}"
    );

    // Python's zipfile: the names in Chinese, the bytes of each file.
    let form_name = "融通创新组织榜-深圳湾创智能硬件专业孵化器.docx";
    let docx = s.out.join("form.docx");
    {
        let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip).unwrap()).unwrap();
        let mut entry = archive.by_name(form_name).unwrap();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
        std::fs::write(&docx, bytes).unwrap();
    }
    check_with_python(
        &zip,
        &[
            (form_name, &docx),
            ("运营主体营业执照副本复印件.pdf", &s.licence),
            ("科技企业孵化器认定文件复印件.jpg", &s.statute),
            ("补充材料.xlsx", &s.extra),
            ("盖章扫描件.png", &s.scan),
            ("盖章扫描件-2.jpg", &s.page2),
        ],
    );

    // Our own intake: one form, exported by us, its attachments and the scan, nothing manual.
    let defs = defs();
    let bytes = std::fs::read(&zip).unwrap();
    let received = kczg_form::intake::read(&defs, &zip, &bytes, today());
    assert_eq!(received.submissions.len(), 1);
    let submission = &received.submissions[0];
    assert!(submission.manual.is_none(), "{:?}", submission.manual);
    assert_eq!(submission.draft.list, "innovation_org");
    let names: Vec<&str> = submission
        .attachments
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "运营主体营业执照副本复印件.pdf",
            "科技企业孵化器认定文件复印件.jpg",
            "补充材料.xlsx",
            "盖章扫描件.png",
            "盖章扫描件-2.jpg"
        ]
    );
    assert!(submission.attachments.iter().any(|a| a.sealed));
    let report = kczg_form::intake::check(&defs, submission, today());
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.message.contains("盖章扫描件")),
        "the scan is there: {:#?}",
        report.findings
    );
}

#[test]
fn an_email_carries_the_form_every_attachment_and_the_scan_and_warns_past_the_mailbox_limit() {
    let s = setup();
    let docx = s.out.join("申报表.docx");
    std::fs::write(&docx, exported_fixture("innovation_org")).unwrap();
    let eml = s.out.join("申报.eml");
    let (code, stdout, stderr) = run(
        &s.data,
        &[
            "mail",
            docx.to_str().unwrap(),
            "--attach",
            s.licence.to_str().unwrap(),
            "--attach",
            s.extra.to_str().unwrap(),
            "--sealed",
            s.scan.to_str().unwrap(),
            "-o",
            eml.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(!stderr.contains("超过征集邮箱"), "small: {stderr}");
    check_with_python(
        &eml,
        &[
            ("申报表.docx", &docx),
            ("营业执照 扫描.pdf", &s.licence),
            ("补充材料.xlsx", &s.extra),
            ("盖章扫描件.png", &s.scan),
        ],
    );
    let text = String::from_utf8_lossy(&std::fs::read(&eml).unwrap()).into_owned();
    assert!(text.contains("X-Unsent: 1"));

    // Past the mailbox's limit (a call file saying 1 MB): written, and warned with the size.
    let forms = tempfile::tempdir().unwrap();
    let call = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/call-2023.toml"),
    )
    .unwrap()
    .replace("mailbox_mb = 50", "mailbox_mb = 1");
    std::fs::write(forms.path().join("call-2023.toml"), call).unwrap();
    let big = s.out.join("大附件.pdf");
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.resize(900 * 1024, b'x');
    std::fs::write(&big, &bytes).unwrap();
    let (code, _, stderr) = run(
        &s.data,
        &[
            "--forms",
            forms.path().to_str().unwrap(),
            "mail",
            docx.to_str().unwrap(),
            "--attach",
            big.to_str().unwrap(),
            "-o",
            eml.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("超过征集邮箱单封 1 MB 的限制") && stderr.contains("邮件共 1."),
        "{stderr}"
    );
}

#[test]
fn what_cannot_go_is_refused_and_nothing_is_written() {
    let s = setup();
    let zip = s.out.join("包.zip");
    let exe = s.out.join("setup.exe");
    std::fs::write(&exe, b"MZ\x90\x00").unwrap();
    let fake = s.out.join("伪装.pdf");
    std::fs::write(&fake, b"MZ\x90\x00").unwrap();
    for (args, said) in [
        (vec!["--attach", exe.to_str().unwrap()], "可执行程序"),
        (vec!["--attach", fake.to_str().unwrap()], "内容不是 PDF"),
        (
            vec!["--sealed", s.extra.to_str().unwrap()],
            "扫描件须为 PDF、JPG、PNG 或 OFD",
        ),
    ] {
        let mut all = vec!["package", s.id.as_str()];
        all.extend(args);
        all.extend(["-o", zip.to_str().unwrap()]);
        let (code, _, stderr) = run(&s.data, &all);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains(said), "{stderr}");
        assert!(!zip.exists());
    }
    // The output may not be one of the inputs.
    let (code, _, stderr) = run(
        &s.data,
        &[
            "package",
            &s.id,
            "--attach",
            s.extra.to_str().unwrap(),
            "-o",
            s.extra.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(&std::fs::read(&s.extra).unwrap()[..4], b"PK\x03\x04");
    // A draft with errors: no package.
    let draft_file = s.out.join("空白.json");
    let empty = kczg_form::Draft::new("2023".to_owned(), "tech_manager".to_owned(), None);
    std::fs::write(&draft_file, empty.to_file_json()).unwrap();
    let (code, _, stderr) = run(
        &s.data,
        &[
            "package",
            draft_file.to_str().unwrap(),
            "-o",
            zip.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("个错误"), "{stderr}");
    assert!(!zip.exists());
}

#[test]
fn a_deleted_draft_is_listed_in_the_trash_and_restored_with_its_attachments() {
    let s = setup();
    let store = Store::at(&s.data).unwrap();
    store.delete(&s.id).unwrap();
    let (code, stdout, _) = run(&s.data, &["drafts", "trash"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains(&s.id) && stdout.contains("深圳湾创智能硬件专业孵化器"),
        "{stdout}"
    );
    let (code, stdout, _) = run(&s.data, &["drafts", "restore", &s.id]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("已恢复草稿"), "{stdout}");
    assert_eq!(store.attachments(&s.id).list().len(), 4);
    let (code, _, stderr) = run(&s.data, &["drafts", "restore", &s.id]);
    assert_eq!(code, 2);
    assert!(stderr.contains("找不到草稿"), "{stderr}");
}

/// `drafts import` takes what people hold, not only draft files: an exported form becomes a
/// new draft and says what it was.
#[test]
fn drafts_import_takes_an_exported_form_too() {
    let dir = tempfile::tempdir().unwrap();
    let docx = dir.path().join("申报表.docx");
    std::fs::write(&docx, exported_fixture("tech_manager")).unwrap();
    let (code, stdout, stderr) = run(
        &dir.path().join("data"),
        &["drafts", "import", docx.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("（Word 文档 · 导出件）"), "{stdout}");
    let store = Store::at(&dir.path().join("data")).unwrap();
    let listed = store.list(&defs(), today());
    assert_eq!(listed.len(), 1);
    let pdf = dir.path().join("说明.pdf");
    std::fs::write(&pdf, b"%PDF-1.7\n").unwrap();
    let (code, _, stderr) = run(
        &dir.path().join("data"),
        &["drafts", "import", pdf.to_str().unwrap()],
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("说明.pdf"), "{stderr}");
}
