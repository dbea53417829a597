//! The secretariat's whole inbox through one intake: exports, the same corrected in Word and
//! resaved by LibreOffice 25.2, filled templates, version-1 exports, e-mails built with
//! Python's `email` package (GBK names as Foxmail and Outlook write them, a forwarded message),
//! .zip packages (one with `../` and absolute entry names, one with an .exe), foreign and
//! broken files, loose files and duplicates. The summary must have exactly the expected rows,
//! origins, values, attachments and rows 「需人工处理」.
#![allow(clippy::disallowed_methods)] // tests set up their files directly

mod common;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::editors::{fill, require_libreoffice, resave};
use common::{defs, exported_fixture, fixture, foreign_docx, today};
use kczg_form::consolidate::{self, Container, Desk, Origin, ProblemKind};
use kczg_form::intake::{self, FileType};
use serde_json::{Value, json};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
const EXE: &[u8] = b"MZ\x90\x00\x03\x00\x00\x00this program cannot be run";

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// A .zip of `(entry name, bytes)`, written as given (names that leave the package included).
fn zip(path: &Path, entries: &[(&str, &[u8])]) {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        out.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(bytes).unwrap();
    }
    write(path, &out.finish().unwrap().into_inner());
}

fn python() -> bool {
    Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// E-mails from a spec (see `tests/python/make_mail.py`).
fn mails(dir: &Path, spec: &Value) {
    let spec_path = dir.join("mails.json");
    std::fs::write(&spec_path, spec.to_string()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/make_mail.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(&spec_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "make_mail.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What a row must be.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Expected {
    container: Container,
    origin: Origin,
    /// (list, name) for a form; None for a row 「需人工处理」.
    form: Option<(String, String)>,
    manual: Option<ProblemKind>,
    attachments: Vec<String>,
}

fn form_row(container: Container, origin: Origin, fixture_name: &str) -> Expected {
    let draft = fixture(fixture_name);
    let defs = defs();
    let form = defs.form(&draft.list).unwrap();
    let name = draft.text(&form.name_field).unwrap().trim().to_owned();
    Expected {
        container,
        origin,
        form: Some((draft.list.clone(), name)),
        manual: None,
        attachments: Vec::new(),
    }
}

fn manual_row(container: Container, kind: ProblemKind) -> Expected {
    Expected {
        container,
        origin: Origin::Manual,
        form: None,
        manual: Some(kind),
        attachments: Vec::new(),
    }
}

fn with_attachments(mut e: Expected, names: &[&str]) -> Expected {
    e.attachments = names.iter().map(|n| (*n).to_owned()).collect();
    e
}

#[test]
fn the_whole_inbox_gives_exactly_the_expected_rows() {
    if !common::external(
        "the_whole_inbox",
        python(),
        "python3 (tests/python/make_mail.py)",
    ) {
        return;
    }
    let soffice = require_libreoffice("the_whole_inbox (Word-corrected copies)");
    let defs = defs();
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    let inbox = dir.path().join("收件箱");
    std::fs::create_dir_all(&work).unwrap();
    let mut plan: BTreeMap<PathBuf, Expected> = BTreeMap::new();
    let mut duplicates: Vec<PathBuf> = Vec::new();

    // Our exports, and the same file again under another name.
    let p = inbox.join("导出/装备.docx");
    write(&p, &exported_fixture("leading_tech-equipment"));
    plan.insert(
        p.clone(),
        form_row(Container::Docx, Origin::Export, "leading_tech-equipment"),
    );
    let again = inbox.join("导出/装备（重发）.DOCX");
    write(&again, &std::fs::read(&p).unwrap());
    duplicates.push(again);

    // Corrected in Word (lxml, as Word writes a value), then resaved by LibreOffice.
    let exported = work.join("企业.docx");
    write(&exported, &exported_fixture("emerging_enterprise"));
    let edited = work.join("企业-改.docx");
    fill(
        &exported,
        &edited,
        &json!([{"op": "set", "tag": "ent_name", "text": "合肥晶叠新能源科技有限公司"}]),
    );
    let edited = match soffice {
        Some(soffice) => resave(soffice, &[edited], &work).remove(0),
        None => edited,
    };
    let p = inbox.join("Word改过/企业.docx");
    write(&p, &std::fs::read(&edited).unwrap());
    let mut e = form_row(Container::Docx, Origin::Edited, "emerging_enterprise");
    e.form.as_mut().unwrap().1 = "合肥晶叠新能源科技有限公司".into();
    plan.insert(p, e);

    // A blank template filled by hand.
    let form = defs.form("innovation_org").unwrap();
    let blank = work.join("模板.docx");
    write(
        &blank,
        &kczg_form::docx::template(&defs, form, None).unwrap(),
    );
    let filled = work.join("模板-填.docx");
    fill(
        &blank,
        &filled,
        &json!([{"op": "set", "tag": "org_name", "text": "长三角先进制造协同创新中心"}]),
    );
    let p = inbox.join("模板/组织.docx");
    write(&p, &std::fs::read(&filled).unwrap());
    plan.insert(
        p,
        Expected {
            container: Container::Docx,
            origin: Origin::Template,
            form: Some(("innovation_org".into(), "长三角先进制造协同创新中心".into())),
            manual: None,
            attachments: Vec::new(),
        },
    );

    // Every version-1 export (`../shared/v1-exports/`, kept in tests/fixtures/v1), as people
    // still hold them.
    let v1 = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v1");
    for name in common::fixture_names() {
        let p = inbox.join(format!("旧版/{name}.docx"));
        write(&p, &std::fs::read(v1.join(format!("{name}.docx"))).unwrap());
        plan.insert(p, form_row(Container::Docx, Origin::Older, &name));
    }

    // E-mails: a form with attachments named in GBK (RFC 2047) and GB18030 (RFC 2231), an
    // .exe among them; the same e-mail saved twice; one without a form; a forwarded one.
    let attach = |name: &str, bytes: &[u8]| {
        let path = work.join(format!("att-{}", name.replace('/', "_")));
        write(&path, bytes);
        path
    };
    let form_docx = attach("bio.docx", &exported_fixture("leading_tech-biomedicine"));
    let cert = attach("cert.pdf", PDF);
    let report = attach("report.pdf", b"%PDF-1.7\nreport\n%%EOF\n");
    let sealed = attach("sealed.pdf", b"%PDF-1.5\nsealed\n%%EOF\n");
    let exe = attach("setup.exe", EXE);
    let green = attach(
        "green.docx",
        &exported_fixture("leading_tech-green_low_carbon"),
    );
    let mail_dir = inbox.join("邮件");
    std::fs::create_dir_all(&mail_dir).unwrap();
    let original = work.join("原邮件.eml");
    let spec = json!([
        {
            "out": mail_dir.join("张三.eml"),
            "from": "张三 <zs@example.cn>",
            "date": "Thu, 01 Jun 2023 10:20:00 +0800",
            "message_id": "<bio-1@example.cn>",
            "html": "<p>您好</p><img src=\"http://tracker.example/x.png\">",
            "attachments": [
                {"path": form_docx, "name": "申报表-生物医药.docx", "names": "gbk-2047"},
                {"path": cert, "name": "发明专利证书复印件.pdf", "names": "gb18030-2231"},
                {"path": report, "name": "临床性能评价报告摘要.pdf", "names": "gbk-2047"},
                {"path": sealed, "name": "盖章扫描件.pdf", "names": "gbk-2047"},
                {"path": exe, "name": "setup.exe", "names": "utf8"}
            ]
        },
        {
            "out": mail_dir.join("张三（另存）.eml"),
            "from": "张三 <zs@example.cn>",
            "subject": "申报材料（另存）",
            "message_id": "<bio-1@example.cn>",
            "attachments": [{"path": form_docx, "name": "申报表-生物医药.docx"}]
        },
        {
            "out": mail_dir.join("只有附件.eml"),
            "from": "李四 <ls@example.cn>",
            "message_id": "<only-pdf@example.cn>",
            "attachments": [{"path": cert, "name": "营业执照.pdf", "names": "gbk-2047"}]
        },
        {
            "out": original,
            "from": "王五 <ww@example.cn>",
            "message_id": "<green-original@example.cn>",
            "attachments": [
                {"path": green, "name": "绿色低碳申报表.docx", "names": "gbk-2047"},
                {"path": sealed, "name": "盖章扫描件.pdf", "names": "gbk-2047"}
            ]
        }
    ]);
    mails(&work, &spec);
    mails(
        &work,
        &json!([{
            "out": mail_dir.join("转发.eml"),
            "from": "赵六 <zl@example.cn>",
            "message_id": "<green-forward@example.cn>",
            "forward": original
        }]),
    );
    plan.insert(
        mail_dir.join("张三.eml"),
        with_attachments(
            form_row(Container::Eml, Origin::Export, "leading_tech-biomedicine"),
            &[
                "发明专利证书复印件.pdf",
                "临床性能评价报告摘要.pdf",
                "盖章扫描件.pdf",
                "setup.exe",
            ],
        ),
    );
    duplicates.push(mail_dir.join("张三（另存）.eml"));
    plan.insert(
        mail_dir.join("只有附件.eml"),
        with_attachments(
            manual_row(Container::Eml, ProblemKind::NoForm),
            &["营业执照.pdf"],
        ),
    );
    plan.insert(
        mail_dir.join("转发.eml"),
        with_attachments(
            form_row(
                Container::Eml,
                Origin::Export,
                "leading_tech-green_low_carbon",
            ),
            &["盖章扫描件.pdf"],
        ),
    );

    // Packages.
    let pkg = inbox.join("材料包");
    let p = pkg.join("电子信息.zip");
    zip(
        &p,
        &[
            (
                "申报表.docx",
                &exported_fixture("leading_tech-electronic_info"),
            ),
            ("附件/营业执照副本复印件.pdf", PDF),
            ("盖章扫描件.pdf", PDF),
        ],
    );
    plan.insert(
        p,
        with_attachments(
            form_row(
                Container::Zip,
                Origin::Export,
                "leading_tech-electronic_info",
            ),
            &["营业执照副本复印件.pdf", "盖章扫描件.pdf"],
        ),
    );
    let p = pkg.join("不安全.zip");
    zip(
        &p,
        &[
            (
                "申报草稿.json",
                fixture("leading_tech-advanced_materials")
                    .to_json()
                    .as_bytes(),
            ),
            ("../../evil.pdf", PDF),
            ("/etc/abs.pdf", PDF),
            ("盖章扫描件.pdf", PDF),
        ],
    );
    plan.insert(
        p,
        with_attachments(
            form_row(
                Container::Zip,
                Origin::Draft,
                "leading_tech-advanced_materials",
            ),
            &["evil.pdf", "abs.pdf", "盖章扫描件.pdf"],
        ),
    );
    let p = pkg.join("带程序.zip");
    zip(
        &p,
        &[
            (
                "申报表.docx",
                &exported_fixture("leading_tech-industrial_foundation"),
            ),
            ("工具/setup.exe", EXE),
            ("盖章扫描件.pdf", PDF),
        ],
    );
    plan.insert(
        p,
        with_attachments(
            form_row(
                Container::Zip,
                Origin::Export,
                "leading_tech-industrial_foundation",
            ),
            &["setup.exe", "盖章扫描件.pdf"],
        ),
    );
    let p = pkg.join("一个文件夹.zip");
    zip(
        &p,
        &[
            (
                "申报材料/申报表.docx",
                &exported_fixture("innovation_org-union"),
            ),
            ("申报材料/附件/证书.pdf", PDF),
            ("__MACOSX/申报材料/._申报表.docx", b"mac"),
        ],
    );
    plan.insert(
        p,
        with_attachments(
            form_row(Container::Zip, Origin::Export, "innovation_org-union"),
            &["证书.pdf"],
        ),
    );
    let p = pkg.join("两份.zip");
    let two = [
        ("甲.docx", exported_fixture("tech_manager")),
        (
            "乙.json",
            fixture("emerging_enterprise").to_json().into_bytes(),
        ),
    ];
    zip(&p, &[(two[0].0, &two[0].1), (two[1].0, &two[1].1)]);
    plan.insert(p, manual_row(Container::Zip, ProblemKind::SeveralForms));
    let p = pkg.join("没有申报表.zip");
    zip(&p, &[("证书.pdf", PDF)]);
    // A row 「需人工处理」 still lists what came, for the clerk to look at.
    plan.insert(
        p,
        with_attachments(
            manual_row(Container::Zip, ProblemKind::NoForm),
            &["证书.pdf"],
        ),
    );

    // Foreign, broken and loose files; the system's clutter.
    let p = inbox.join("其他/别人的文档.docx");
    write(&p, &foreign_docx());
    plan.insert(p, manual_row(Container::Docx, ProblemKind::NotOurs));
    let whole = exported_fixture("tech_manager");
    let p = inbox.join("其他/坏了.docx");
    write(&p, &whole[..whole.len() / 2]);
    plan.insert(p, manual_row(Container::Docx, ProblemKind::Unreadable));
    let p = inbox.join("其他/说明.pdf");
    write(&p, PDF);
    plan.insert(p, manual_row(Container::Other, ProblemKind::NotAForm));
    write(&inbox.join("其他/.DS_Store"), b"\0\0\0\x01Bud1");

    // One scan of the whole inbox.
    let batch = consolidate::scan_on(&defs, std::slice::from_ref(&inbox), today(), &|_, _| {});
    assert_eq!(batch.skipped, 1, ".DS_Store");
    let got: BTreeMap<PathBuf, Expected> = batch
        .submissions
        .iter()
        .map(|s| {
            let form = defs.form(&s.draft.list);
            (
                s.source.clone(),
                Expected {
                    container: s.container,
                    origin: s.origin(),
                    form: form.map(|f| {
                        (
                            f.id.clone(),
                            s.draft.text(&f.name_field).unwrap_or("").trim().to_owned(),
                        )
                    }),
                    manual: s.manual.as_ref().map(|m| m.kind.clone()),
                    attachments: s.attachments.iter().map(|a| a.name.clone()).collect(),
                },
            )
        })
        .collect();
    assert_eq!(got.len(), batch.submissions.len(), "a file twice");
    for (path, expected) in &plan {
        assert_eq!(got.get(path), Some(expected), "{}", path.display());
    }
    assert_eq!(got.len(), plan.len(), "{:#?}", got.keys());
    // Each duplicate once in the notices, naming what it repeats.
    for d in &duplicates {
        assert!(
            batch
                .problems
                .iter()
                .any(|p| &p.path == d && matches!(p.kind, ProblemKind::DuplicateFile { .. })),
            "{} not reported as a duplicate: {:#?}",
            d.display(),
            batch.problems
        );
    }

    // The e-mail: sender, date, the form inside, findings about what came with it.
    let by_path = |p: &Path| batch.submissions.iter().find(|s| s.source == p).unwrap();
    let bio = by_path(&mail_dir.join("张三.eml"));
    assert_eq!(bio.sender.as_deref(), Some("张三 <zs@example.cn>"));
    assert_eq!(bio.sent.as_deref(), Some("2023-06-01 10:20"));
    assert_eq!(bio.member.as_deref(), Some("申报表-生物医药.docx"));
    let messages: Vec<&str> = bio.findings.iter().map(|f| f.message.as_str()).collect();
    let has = |needle: &str| messages.iter().any(|m| m.contains(needle));
    assert!(
        has("附件清单列出「民办非企业单位登记证书复印件」"),
        "{messages:#?}"
    );
    assert!(!has("附件清单列出「发明专利证书复印件」"), "{messages:#?}");
    assert!(
        has("收到附件「setup.exe」，但附件清单中没有列出"),
        "{messages:#?}"
    );
    assert!(has("「setup.exe」是可执行程序"), "{messages:#?}");
    assert!(!has("盖章扫描件（名为"), "the scan came: {messages:#?}");
    assert_eq!(bio.errors(), 0, "{messages:#?}");
    let exe = bio
        .attachments
        .iter()
        .find(|a| a.name == "setup.exe")
        .unwrap();
    assert_eq!(exe.kind, FileType::Program);
    assert!(bio.attachments.iter().any(|a| a.sealed));

    // The unsafe package: its names are listed by their last part, with a note, and nothing
    // was written anywhere.
    let unsafe_pkg = by_path(&pkg.join("不安全.zip"));
    let notes: Vec<&str> = unsafe_pkg
        .notes
        .iter()
        .map(|n| n.message.as_str())
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("../../evil.pdf") && n.contains("路径不安全")),
        "{notes:#?}"
    );
    for p in [
        dir.path().join("evil.pdf"),
        inbox.join("evil.pdf"),
        pkg.join("evil.pdf"),
    ] {
        assert!(!p.exists(), "{} written", p.display());
    }
    let manual = by_path(&pkg.join("两份.zip"));
    assert!(
        manual
            .manual
            .as_ref()
            .unwrap()
            .reason
            .contains("甲.docx、乙.json"),
        "{:?}",
        manual.manual
    );

    // Opening: a copy under the hash's name in the desk's folder, the content as sent; the
    // .exe never.
    let view = dir.path().join("desk-files");
    let n = |s: &consolidate::Submission, name: &str| {
        s.attachments.iter().position(|a| a.name == name).unwrap()
    };
    let copy = intake::copy_attachment(bio, n(bio, "发明专利证书复印件.pdf"), &view).unwrap();
    assert_eq!(std::fs::read(&copy).unwrap(), PDF);
    assert_eq!(copy.parent(), Some(view.as_path()));
    let err = intake::copy_attachment(bio, n(bio, "setup.exe"), &view).unwrap_err();
    assert!(err.contains("不会打开"), "{err}");
    let zipped = by_path(&pkg.join("电子信息.zip"));
    let copy = intake::copy_attachment(zipped, n(zipped, "营业执照副本复印件.pdf"), &view).unwrap();
    assert_eq!(std::fs::read(&copy).unwrap(), PDF);
    let names: Vec<String> = std::fs::read_dir(&view)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| n.len() == 20 && n.ends_with(".pdf")),
        "{names:?}"
    );

    // The summary: 来源 and 附件 columns, a row 「需人工处理」 for every file that needs one,
    // saved and loaded with the desk.
    let mut desk = Desk::from_batch(batch);
    let saved = dir.path().join("desk.json");
    desk.save(&saved).unwrap();
    let desk = Desk::load_on(&saved, &defs, today()).unwrap();
    let rows = consolidate::rows(&defs, &desk);
    assert_eq!(rows.len(), plan.len());
    let row = rows
        .iter()
        .find(|r| r.source.ends_with("张三.eml › 申报表-生物医药.docx"))
        .unwrap();
    assert_eq!(row.origin, "邮件 · 导出件");
    assert_eq!(
        row.attachments,
        "4 个：发明专利证书复印件.pdf、临床性能评价报告摘要.pdf、盖章扫描件.pdf、setup.exe"
    );
    let edited_row = rows
        .iter()
        .find(|r| r.source.ends_with("Word改过/企业.docx"))
        .unwrap();
    assert_eq!(edited_row.origin, "Word 文档 · Word 中修改过");
    assert_eq!(edited_row.name, "合肥晶叠新能源科技有限公司");
    let manual_rows = plan.values().filter(|e| e.manual.is_some()).count();
    assert_eq!(
        rows.iter().filter(|r| !r.manual.is_empty()).count(),
        manual_rows
    );
    let xlsx = consolidate::xlsx(&defs, &desk, &rows).unwrap().bytes;
    use calamine::Reader as _;
    let mut book: calamine::Xlsx<_> = calamine::Xlsx::new(std::io::Cursor::new(xlsx)).unwrap();
    let sheet = book.worksheet_range("需人工处理").unwrap();
    assert_eq!(sheet.height(), manual_rows + 2);
    let overview = book.worksheet_range("汇总").unwrap();
    let keys: Vec<String> = overview
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert!(keys.contains(&"origin".to_owned()) && keys.contains(&"attachments".to_owned()));
}

/// An e-mail with these parts: (headers after Content-Type, bytes), base64.
fn raw_mail(message_id: &str, parts: &[(&str, &[u8])]) -> Vec<u8> {
    use base64::Engine as _;
    let mut out = format!(
        "From: a@example.cn\r\nTo: gxtdzxh@126.com\r\nSubject: x\r\nMessage-ID: {message_id}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n"
    )
    .into_bytes();
    for (headers, bytes) in parts {
        let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
        out.extend_from_slice(
            format!("--B\r\n{headers}\r\nContent-Transfer-Encoding: base64\r\n\r\n").as_bytes(),
        );
        for line in encoded.as_bytes().chunks(76) {
            out.extend_from_slice(line);
            out.extend_from_slice(b"\r\n");
        }
    }
    out.extend_from_slice(b"--B--\r\n");
    out
}

fn named(name: &str) -> String {
    format!(
        "Content-Type: application/octet-stream; name=\"{name}\"\r\nContent-Disposition: attachment; filename=\"{name}\""
    )
}

#[test]
fn packages_and_mail_as_people_really_send_them() {
    let defs = defs();
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("收件");
    let form = exported_fixture("tech_manager");
    let other = exported_fixture("emerging_enterprise");
    let org = exported_fixture("innovation_org");
    let equipment = exported_fixture("leading_tech-equipment");
    let (bio, info) = (
        exported_fixture("leading_tech-biomedicine"),
        exported_fixture("leading_tech-electronic_info"),
    );

    // A covering letter beside the form at the top of a package: an attachment, not a second
    // form. Two folders deep: still found. Forms in two folders: said where they are.
    let letter = inbox.join("包/推荐函在旁.zip");
    zip(
        &letter,
        &[
            ("申报表.docx", &org),
            ("推荐函.docx", &foreign_docx()),
            ("盖章扫描件.exe", EXE),
        ],
    );
    let deep = inbox.join("包/两层.zip");
    zip(
        &deep,
        &[
            ("外层/内层/申报表.docx", &equipment),
            ("外层/内层/证书.pdf", PDF),
        ],
    );
    let split = inbox.join("包/两个单位.zip");
    zip(
        &split,
        &[("甲单位/申报表.docx", &bio), ("乙单位/申报表.docx", &info)],
    );

    // Two different e-mails with one Message-ID: both forms count. A form attached without a
    // name, and a long GB18030 name split over RFC 2231 continuations; an inline logo.
    let gb = encoding_rs::GB18030.encode("盖章扫描件.pdf").0;
    let pct: String = gb.iter().map(|b| format!("%{b:02X}")).collect();
    let (a, b) = pct.split_at(3 * 5);
    let continued = format!(
        "Content-Type: application/pdf\r\nContent-Disposition: attachment;\r\n filename*0*=gb18030''{a};\r\n filename*1*={b}"
    );
    let mail_a = inbox.join("信/甲.eml");
    write(
        &mail_a,
        &raw_mail(
            "<same@x>",
            &[
                (
                    "Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    &form,
                ),
                (&continued, PDF),
                (
                    "Content-Type: image/png\r\nContent-ID: <logo@x>\r\nContent-Disposition: inline",
                    b"\x89PNG\r\n\x1A\n",
                ),
            ],
        ),
    );
    let mail_b = inbox.join("信/乙.eml");
    write(
        &mail_b,
        &raw_mail("<same@x>", &[(&named("申报表.docx"), &other)]),
    );

    let batch = consolidate::scan_on(&defs, std::slice::from_ref(&inbox), today(), &|_, _| {});
    let row = |p: &Path| {
        batch
            .submissions
            .iter()
            .filter(|s| s.source == p)
            .collect::<Vec<_>>()
    };
    let names = |s: &consolidate::Submission| -> Vec<String> {
        s.attachments.iter().map(|a| a.name.clone()).collect()
    };

    let [s] = row(&letter)[..] else {
        panic!("{:#?}", batch.submissions)
    };
    assert_eq!(s.origin(), Origin::Export);
    assert_eq!(names(s), ["推荐函.docx", "盖章扫描件.exe"]);
    assert!(
        !s.attachments.iter().any(|a| a.sealed),
        "an .exe is no scan"
    );
    assert!(
        s.findings
            .iter()
            .any(|f| f.message.contains("没有盖章扫描件"))
    );

    let [s] = row(&deep)[..] else { panic!() };
    assert_eq!(
        (s.origin(), names(s)),
        (Origin::Export, vec!["证书.pdf".to_owned()])
    );

    let [s] = row(&split)[..] else { panic!() };
    let reason = &s.manual.as_ref().unwrap().reason;
    assert!(
        reason.contains("在文件夹中") && reason.contains("甲单位/申报表.docx"),
        "{reason}"
    );

    let [s] = row(&mail_a)[..] else {
        panic!("{:#?}", batch.submissions)
    };
    assert_eq!(s.origin(), Origin::Export, "found by its content");
    assert_eq!(
        names(s),
        ["盖章扫描件.pdf"],
        "joined continuations; no logo"
    );
    assert!(s.attachments[0].sealed);
    let [s] = row(&mail_b)[..] else {
        panic!("a Message-ID hid a form: {:#?}", batch.problems)
    };
    assert_eq!(s.draft.list, "emerging_enterprise");
    assert!(
        batch
            .problems
            .iter()
            .any(|p| (p.path == mail_a || p.path == mail_b)
                && p.message.contains("Message-ID 相同，但其中的申报表不同")),
        "{:#?}",
        batch.problems
    );
}

#[test]
fn a_form_received_twice_keeps_the_attachments_of_both_and_opens_them_from_where_they_came() {
    let defs = defs();
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("收件");
    let form = exported_fixture("tech_manager");
    write(&inbox.join("a/申报表.docx"), &form);
    write(
        &inbox.join("b/邮件.eml"),
        &raw_mail(
            "<m@x>",
            &[
                (&named("申报表.docx"), &form),
                (&named("证书.pdf"), PDF),
                (&named("setup.exe"), EXE),
            ],
        ),
    );
    let batch = consolidate::scan_on(&defs, std::slice::from_ref(&inbox), today(), &|_, _| {});
    assert_eq!(batch.submissions.len(), 1);
    let s = &batch.submissions[0];
    assert_eq!(s.container, Container::Docx, "the first one kept");
    let names: Vec<&str> = s.attachments.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["证书.pdf", "setup.exe"]);
    // Checked again with what was merged in.
    assert!(
        s.findings
            .iter()
            .any(|f| f.message.contains("「setup.exe」是可执行程序")),
        "{:#?}",
        s.findings
    );
    let copy = intake::copy_attachment(s, 0, &dir.path().join("view")).unwrap();
    assert_eq!(std::fs::read(copy).unwrap(), PDF);
    assert!(
        batch
            .problems
            .iter()
            .any(|p| p.message.contains("其中的附件已并入")),
        "{:#?}",
        batch.problems
    );
}
