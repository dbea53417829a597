//! The secretariat's consolidation over a generated corpus: hundreds of exported .docx across
//! every list and domain, plus exact and renamed copies, a second file with the same USCC, one
//! with the same name written differently, an edited-after-export form, broken and foreign
//! files, draft .json files good and bad, and files to skip. The batch, the rows, the flags and
//! the per-file problems must be exactly as planned; the .xlsx, .csv and .docx are read back.
#![allow(clippy::disallowed_methods)] // tests set up their files directly

mod common;

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{defs, fixture, fixture_names, foreign_docx, today};
use kczg_form::consolidate::checks::DuplicateReason;
use kczg_form::consolidate::{
    self, Batch, Decision, Desk, Origin, PreviousWinners, ProblemKind, Row,
};
use kczg_form::docx::{ExportOptions, export};
use kczg_form::{Definitions, Draft};
use rayon::prelude::*;
use serde_json::{Value, json};

/// Exported variants of each fixture.
const VARIANTS: u32 = 25;

/// A valid USCC: the fixture's first 8 characters (registration authority and region), then
/// an organisation code from `n` with its GB 11714 check, then the GB 32100 check character.
fn uscc(prefix8: &str, n: u32) -> String {
    const ALPHA: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    let body = format!("{n:08}");
    let sum: u32 = body
        .chars()
        .zip([3, 7, 9, 10, 5, 8, 4, 2])
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    let org_check = match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        d => char::from_digit(d, 10).unwrap(),
    };
    let first17 = format!("{prefix8}{body}{org_check}");
    let weights = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let sum: u32 = first17
        .chars()
        .zip(weights)
        .map(|(c, w)| ALPHA.find(c).unwrap() as u32 * w)
        .sum();
    let check = ALPHA.chars().nth(((31 - sum % 31) % 31) as usize).unwrap();
    format!("{first17}{check}")
}

/// The field holding the USCC of a list, if any.
fn uscc_field(list: &str) -> Option<&'static str> {
    match list {
        "leading_tech" => Some("holder_uscc"),
        "emerging_enterprise" => Some("ent_uscc"),
        "innovation_org" => Some("org_uscc"),
        _ => None,
    }
}

/// Characters that tell variants apart: three of the same, so that two variants differ in three
/// characters and are never *close* names (edit distance ≤ 2) of each other.
const MARKS: &str =
    "东南西北春夏秋冬金木水火土天地玄黄宇宙洪荒日月盈昃辰宿列张寒来暑往收藏闰余成岁";

fn mark(k: u32) -> String {
    let c = MARKS.chars().nth(k as usize).expect("enough marks");
    [c, c, c].iter().collect()
}

/// Fixture `f` (by index) made distinct as variant `k` (< 40): a marked name (the mark before a
/// company suffix, so it stays a plausible name) and its own USCC; 技术经理人 without an ID
/// number.
fn variant(defs: &Definitions, base: &Draft, f: usize, k: u32) -> Draft {
    let form = defs.form(&base.list).unwrap();
    let mut d = base.clone();
    let name = d.text(&form.name_field).unwrap().to_owned();
    let numbered = match name.strip_suffix("有限公司") {
        Some(stem) => format!("{stem}{}有限公司", mark(k)),
        None => format!("{name}{}", mark(k)),
    };
    d.values.insert(form.name_field.clone(), numbered.into());
    if let Some(field) = uscc_field(&d.list) {
        let old = d.text(field).unwrap().to_owned();
        let code = uscc(&old[..8], 10_000_000 + f as u32 * 10_000 + k);
        d.values.insert(field.into(), code.into());
    } else {
        d.values.shift_remove("id_number");
    }
    d
}

fn export_docx(defs: &Definitions, draft: &Draft) -> Vec<u8> {
    let form = defs.form(&draft.list).unwrap();
    let options = ExportOptions {
        preview: true,
        today: today(),
    };
    export(defs, form, draft, options).unwrap()
}

/// The package with `word/document.xml` passed through `edit`.
fn edit_document(docx: &[u8], edit: impl Fn(String) -> String) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(docx)).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().to_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if name == "word/document.xml" {
            bytes = edit(String::from_utf8(bytes).unwrap()).into_bytes();
        }
        out.start_file(name, options).unwrap();
        out.write_all(&bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// What the corpus holds, to check the batch against.
struct Plan {
    /// Files that must become rows, with their expected (list, name).
    rows: BTreeMap<PathBuf, (String, String)>,
    /// Files that must be reported, with the kind.
    problems: BTreeMap<PathBuf, ProblemKind>,
    skipped: usize,
    /// Pairs of files flagged as duplicates of each other: (a, b, same_code, same_name).
    duplicate_pairs: Vec<(PathBuf, PathBuf, bool, bool)>,
    /// The edited form.
    edited: PathBuf,
}

fn build_corpus(defs: &Definitions, root: &Path) -> Plan {
    let names = fixture_names();
    let bases: Vec<Draft> = names.iter().map(|n| fixture(n)).collect();
    let mut plan = Plan {
        rows: BTreeMap::new(),
        problems: BTreeMap::new(),
        skipped: 0,
        duplicate_pairs: Vec::new(),
        edited: PathBuf::new(),
    };
    let name_of = |d: &Draft| {
        let form = defs.form(&d.list).unwrap();
        d.text(&form.name_field).unwrap().to_owned()
    };

    // Hundreds of exported forms, one folder per list (generated in parallel).
    let jobs: Vec<(usize, u32)> = (0..bases.len())
        .flat_map(|f| (0..VARIANTS).map(move |k| (f, k)))
        .collect();
    let made: Vec<(PathBuf, Draft)> = jobs
        .par_iter()
        .map(|&(f, k)| {
            let d = variant(defs, &bases[f], f, k);
            let path = root
                .join("收件")
                .join(&d.list)
                .join(format!("{}-{k:02}.docx", names[f]));
            write(&path, &export_docx(defs, &d));
            (path, d)
        })
        .collect();
    for (path, d) in &made {
        plan.rows.insert(path.clone(), (d.list.clone(), name_of(d)));
    }
    let path_of = |fixture: &str, k: u32| {
        let f = names.iter().position(|n| n == fixture).unwrap();
        made[f * VARIANTS as usize + k as usize].0.clone()
    };
    let draft_of = |fixture: &str, k: u32| {
        let f = names.iter().position(|n| n == fixture).unwrap();
        made[f * VARIANTS as usize + k as usize].1.clone()
    };

    // The same file twice: once as is, once renamed (upper-case extension, another folder).
    let original = path_of("leading_tech-equipment", 0);
    let same = root.join("重复/same.docx");
    write(&same, &std::fs::read(&original).unwrap());
    plan.problems.insert(
        same,
        ProblemKind::DuplicateFile {
            first: original.clone(),
        },
    );
    let original = path_of("emerging_enterprise", 3);
    let renamed = root.join("重复/企业申报表（重发）.DOCX");
    write(&renamed, &std::fs::read(&original).unwrap());
    plan.problems.insert(
        renamed,
        ProblemKind::DuplicateFile {
            first: original.clone(),
        },
    );

    // Another file with the same USCC as emerging_enterprise-05 (a different name).
    let mut same_code = draft_of("emerging_enterprise", 5);
    same_code
        .values
        .insert("ent_name".into(), "皖江新能源材料有限公司".into());
    let p = root.join("其他/同一代码.docx");
    write(&p, &export_docx(defs, &same_code));
    plan.rows.insert(
        p.clone(),
        (
            "emerging_enterprise".into(),
            "皖江新能源材料有限公司".into(),
        ),
    );
    plan.duplicate_pairs
        .push((path_of("emerging_enterprise", 5), p, true, false));

    // The same name as emerging_enterprise-08 written differently (spaces, another company
    // suffix), with its own USCC.
    let mut same_name = draft_of("emerging_enterprise", 8);
    let written = format!("合肥晶叠光能科技 {}　有限责任公司", mark(8));
    let written = written.as_str();
    same_name.values.insert("ent_name".into(), written.into());
    same_name
        .values
        .insert("ent_uscc".into(), uscc("91340100", 20_000_001).into());
    let p = root.join("其他/同名.docx");
    write(&p, &export_docx(defs, &same_name));
    plan.rows
        .insert(p.clone(), ("emerging_enterprise".into(), written.into()));
    plan.duplicate_pairs
        .push((path_of("emerging_enterprise", 8), p, false, true));

    // Edited in Word after export: the visible 技术名称 no longer matches the embedded draft,
    // and the visible one counts.
    let edited_draft = variant(
        defs,
        &bases[names
            .iter()
            .position(|n| n == "leading_tech-biomedicine")
            .unwrap()],
        99,
        30,
    );
    let name = name_of(&edited_draft);
    // In its box (the cover prints the name too, as plain text).
    let docx = edit_document(&export_docx(defs, &edited_draft), |xml| {
        xml.replacen(
            &format!(">{name}</w:t></w:r></w:sdtContent>"),
            ">改过的技术名称</w:t></w:r></w:sdtContent>",
            1,
        )
    });
    let p = root.join("其他/改过.docx");
    write(&p, &docx);
    plan.rows
        .insert(p.clone(), ("leading_tech".into(), "改过的技术名称".into()));
    plan.problems
        .insert(p.clone(), ProblemKind::EditedAfterExport);
    plan.edited = p;

    // Broken and foreign files.
    let whole = std::fs::read(path_of("innovation_org", 1)).unwrap();
    let p = root.join("坏文件/truncated.docx");
    write(&p, &whole[..whole.len() / 2]);
    plan.problems.insert(p, ProblemKind::Unreadable);
    let p = root.join("坏文件/random.docx");
    let noise: Vec<u8> = (0..5000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    write(&p, &noise);
    plan.problems.insert(p, ProblemKind::Unreadable);
    let p = root.join("坏文件/别人的文档.docx");
    write(&p, &foreign_docx());
    plan.problems.insert(p, ProblemKind::NotOurs);

    // Draft .json files: five good ones, a newer version, another format, an unknown list,
    // one too large.
    for (i, fixture_name) in names.iter().take(5).enumerate() {
        let f = names.iter().position(|n| n == fixture_name).unwrap();
        let d = variant(defs, &bases[f], f, 25 + i as u32);
        let p = root.join(format!("草稿/{fixture_name}.json"));
        write(&p, d.to_json().as_bytes());
        plan.rows.insert(p, (d.list.clone(), name_of(&d)));
    }
    let mut newer = bases[0].to_value();
    newer["version"] = json!(99);
    let p = root.join("草稿/newer.json");
    write(&p, newer.to_string().as_bytes());
    plan.problems.insert(p, ProblemKind::NewerVersion);
    let p = root.join("草稿/other.json");
    write(&p, br#"{"format": "something/else", "version": 1}"#);
    plan.problems.insert(p, ProblemKind::NotOurs);
    let mut unknown = bases[0].to_value();
    unknown["list"] = json!("no_such_list");
    let p = root.join("草稿/unknown.json");
    write(&p, unknown.to_string().as_bytes());
    plan.problems.insert(p, ProblemKind::UnknownList);
    let p = root.join("草稿/huge.json");
    write(&p, &vec![b' '; 5 * 1024 * 1024]);
    plan.problems.insert(p, ProblemKind::TooLarge);

    // Loose files that are not forms: rows 「需人工处理」, never dropped.
    let p = root.join("收件/说明.txt");
    write(&p, "附件说明".as_bytes());
    plan.problems.insert(p, ProblemKind::NotAForm);
    let p = root.join("收件/照片.png");
    write(&p, b"\x89PNG\r\n");
    plan.problems.insert(p, ProblemKind::NotAForm);
    // Skipped without a word: Word's lock file and the system's bookkeeping.
    write(
        &root.join("收件/leading_tech/~$导技术榜.docx"),
        b"owner file",
    );
    write(&root.join("收件/Thumbs.db"), b"cache");
    plan.skipped = 2;
    plan
}

fn row_of<'a>(rows: &'a [Row], path: &Path) -> &'a Row {
    let shown = path.display().to_string();
    rows.iter()
        .find(|r| r.source == shown)
        .unwrap_or_else(|| panic!("no row for {shown}"))
}

#[test]
fn corpus_gives_exactly_the_planned_rows_flags_problems_and_files() {
    let defs = defs();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let plan = build_corpus(&defs, root);
    assert!(plan.rows.len() > 250, "{}", plan.rows.len());

    // Scan the two top folders given separately plus one file given twice (counted once).
    let calls = AtomicUsize::new(0);
    let last = AtomicUsize::new(0);
    let progress = |done: usize, total: usize| {
        calls.fetch_add(1, Ordering::Relaxed);
        last.fetch_max(done, Ordering::Relaxed);
        assert!(done <= total);
    };
    let inputs: Vec<PathBuf> = ["收件", "其他", "重复", "坏文件", "草稿"]
        .iter()
        .map(|d| root.join(d))
        .collect();
    let batch: Batch = consolidate::scan_on(&defs, &inputs, today(), &progress);
    let expected_files = plan.rows.len() + plan.problems.len() - 1; // the edited one is both
    assert_eq!(batch.files, expected_files);
    assert_eq!(calls.load(Ordering::Relaxed), expected_files + 1);
    assert_eq!(last.load(Ordering::Relaxed), expected_files);
    assert_eq!(batch.skipped, plan.skipped);

    // Exactly the planned submissions, from the planned files, with their names; every file
    // left out but a duplicate is a row 「需人工处理」 with its reason.
    let manual: BTreeMap<PathBuf, ProblemKind> = batch
        .submissions
        .iter()
        .filter_map(|s| Some((s.source.clone(), s.manual.as_ref()?.kind.clone())))
        .collect();
    let expected_manual: BTreeMap<PathBuf, ProblemKind> = plan
        .problems
        .iter()
        .filter(|(_, k)| {
            !matches!(
                k,
                ProblemKind::DuplicateFile { .. } | ProblemKind::EditedAfterExport
            )
        })
        .map(|(p, k)| (p.clone(), k.clone()))
        .collect();
    assert_eq!(manual, expected_manual);
    for s in batch.submissions.iter().filter(|s| s.manual.is_some()) {
        assert_eq!(s.origin(), Origin::Manual);
        assert_eq!(s.errors(), 1, "{:#?}", s.findings);
        assert!(s.findings[0].message.starts_with("需人工处理："));
    }
    let got: BTreeMap<PathBuf, (String, String)> = batch
        .submissions
        .iter()
        .filter(|s| s.manual.is_none())
        .map(|s| {
            let form = defs.form(&s.draft.list).unwrap();
            let name = s.draft.text(&form.name_field).unwrap().to_owned();
            (s.source.clone(), (s.draft.list.clone(), name))
        })
        .collect();
    assert_eq!(
        got.len() + manual.len(),
        batch.submissions.len(),
        "a source twice"
    );
    assert_eq!(got, plan.rows);
    let json_rows = batch
        .submissions
        .iter()
        .filter(|s| s.origin() == Origin::Draft)
        .count();
    assert_eq!(json_rows, 5);

    // Exactly the planned problems, each naming its file in Chinese.
    let problems: BTreeMap<PathBuf, ProblemKind> = batch
        .problems
        .iter()
        .map(|p| (p.path.clone(), p.kind.clone()))
        .collect();
    assert_eq!(
        problems.len(),
        batch.problems.len(),
        "a file reported twice"
    );
    assert_eq!(problems, plan.problems);
    for p in &batch.problems {
        assert!(
            p.message.starts_with(&p.path.display().to_string()),
            "{}",
            p.message
        );
        assert!(p.message.ends_with('。'), "{}", p.message);
        assert_eq!(p.left_out(), p.kind != ProblemKind::EditedAfterExport);
    }
    let edited = batch
        .problems
        .iter()
        .find(|p| p.path == plan.edited)
        .unwrap();
    assert!(
        edited.message.contains("改过的技术名称") && edited.message.contains("以显示的为准"),
        "{}",
        edited.message
    );

    // Every submission is valid but the edited one, which has one warning per edit.
    for s in batch.submissions.iter().filter(|s| s.manual.is_none()) {
        if s.source == plan.edited {
            assert_eq!(s.errors(), 0, "{:#?}", s.findings);
            assert_eq!(s.warnings(), s.edits.len());
            assert!(!s.edits.is_empty());
        } else {
            assert!(
                s.findings.is_empty(),
                "{}: {:#?}",
                s.source.display(),
                s.findings
            );
        }
    }

    // The desk, a previous-winners list and the rows.
    let mut desk = Desk::from_batch(batch);
    // emerging_enterprise-12's name written otherwise (ideographic space, another suffix), and
    // a name that contains biomedicine-07's.
    let exact_winner = format!("合肥晶叠光能科技　{}股份有限公司", mark(12));
    let close_winner = format!("微流控多重呼吸道病原体核酸即时检测系统{}型", mark(7));
    desk.previous = Some(PreviousWinners::from_names(
        root.join("历年.txt"),
        [
            exact_winner.clone(),
            close_winner.clone(),
            "无关的名称".to_owned(),
        ],
    ));
    let rows = consolidate::rows(&defs, &desk);
    assert_eq!(rows.len(), plan.rows.len() + expected_manual.len());
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r.seq, i + 1);
    }

    // Duplicates: exactly the planned pairs, both ways, with the right reason.
    let flagged: Vec<&Row> = rows.iter().filter(|r| !r.duplicates.is_empty()).collect();
    assert_eq!(
        flagged.len(),
        2 * plan.duplicate_pairs.len(),
        "{flagged:#?}"
    );
    for (a, b, code, name) in &plan.duplicate_pairs {
        let (ra, rb) = (row_of(&rows, a), row_of(&rows, b));
        assert_eq!(ra.duplicates.len(), 1);
        assert_eq!(ra.duplicates[0].others, [rb.seq - 1]);
        assert_eq!(rb.duplicates[0].others, [ra.seq - 1]);
        assert_eq!(ra.duplicates[0].count, 1);
        let expected = match (*code, *name) {
            (true, false) => DuplicateReason::Code,
            (false, true) => DuplicateReason::Name,
            other => panic!("no such plan: {other:?}"),
        };
        assert_eq!(ra.duplicates[0].reason, expected);
        let reason = if *code {
            "同一统一社会信用代码"
        } else {
            "同名"
        };
        assert_eq!(
            ra.duplicates_text,
            format!("与第 {} 行重复（{reason}）", rb.seq)
        );
    }

    // Previous winners: one exact, one close, nothing else.
    let exact: Vec<&Row> = rows
        .iter()
        .filter(|r| r.previous.as_ref().is_some_and(|p| p.exact))
        .collect();
    let close: Vec<&Row> = rows
        .iter()
        .filter(|r| r.previous.as_ref().is_some_and(|p| !p.exact))
        .collect();
    assert_eq!(exact.len(), 1, "{exact:#?}");
    assert_eq!(
        exact[0].name,
        format!("合肥晶叠光能科技{}有限公司", mark(12))
    );
    assert!(
        exact[0]
            .previous_text
            .contains("入选历年“科创中国”新锐企业榜的不再纳入候选")
    );
    assert_eq!(close.len(), 1, "{close:#?}");
    assert_eq!(
        close[0].name,
        format!("微流控多重呼吸道病原体核酸即时检测系统{}", mark(7))
    );
    assert!(close[0].previous_text.starts_with("疑似历年入选"));

    // Decisions show in the rows and the files.
    let first = rows[0].id.clone();
    desk.decide(
        &first,
        Decision {
            recommend: true,
            rank: Some(1),
            note: "材料齐全".into(),
            rec_opinion: "同意推荐".into(),
            ..Decision::default()
        },
    );
    // Three of 新锐企业榜 recommended, ranked out of desk order.
    let enterprises: Vec<String> = consolidate::rows(&defs, &desk)
        .iter()
        .filter(|r| r.list == "emerging_enterprise" && r.id != first)
        .take(3)
        .map(|r| r.id.clone())
        .collect();
    for (id, rank) in enterprises.iter().zip([3, 1, 2]) {
        desk.decide(
            id,
            Decision {
                recommend: true,
                rank: Some(rank),
                ..Decision::default()
            },
        );
    }
    let rows = consolidate::rows(&defs, &desk);
    assert!(rows[0].recommend);
    assert_eq!(rows[0].rank, Some(1));

    check_xlsx(&defs, &desk, &rows);
    check_csv(&rows);
    check_docx(&defs, &rows);
}

fn check_xlsx(defs: &Definitions, desk: &Desk, rows: &[Row]) {
    use calamine::{Data, Reader, Xlsx};
    let bytes = consolidate::xlsx(defs, desk, rows).unwrap().bytes;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    let sheets = book.sheet_names();
    assert_eq!(
        sheets,
        [
            "汇总",
            "先导技术榜",
            "新锐企业榜",
            "融通创新组织榜",
            "技术经理人先锋榜",
            "需人工处理"
        ]
    );
    let text = |d: &Data| match d {
        Data::Empty => String::new(),
        Data::Float(f) if f.fract() == 0.0 => format!("{f:.0}"),
        other => other.to_string(),
    };
    let overview = book.worksheet_range("汇总").unwrap();
    assert_eq!(overview.height(), rows.len() + 2);
    let keys: Vec<String> = overview.rows().next().unwrap().iter().map(text).collect();
    assert_eq!(
        keys,
        [
            "seq",
            "list",
            "domain",
            "name",
            "unit",
            "contact",
            "mobile",
            "errors",
            "warnings",
            "origin",
            "attachments",
            "manual",
            "source",
            "recommend",
            "rank",
            "note",
            "duplicates",
            "previous"
        ]
    );
    let headings: Vec<String> = overview.rows().nth(1).unwrap().iter().map(text).collect();
    assert_eq!(
        headings,
        [
            "序号",
            "榜单",
            "领域",
            "名称",
            "单位",
            "联系人",
            "手机",
            "错误数",
            "提醒数",
            "来源",
            "附件",
            "需人工处理原因",
            "来源文件",
            "推荐",
            "排序",
            "备注",
            "疑似重复",
            "历年入选"
        ]
    );
    for (r, row) in overview.rows().skip(2).zip(rows) {
        let cells: Vec<String> = r.iter().map(text).collect();
        let expected: Vec<String> = keys.iter().map(|k| row.cell(k)).collect();
        assert_eq!(cells, expected);
    }
    assert_eq!(
        overview.get((2, 0)),
        Some(&Data::Float(1.0)),
        "序号 is a number"
    );
    assert_eq!(text(overview.get((2, 13)).unwrap()), "是");
    assert_eq!(text(overview.get((2, 15)).unwrap()), "材料齐全");

    // 新锐企业榜's sheet: field ids as keys, the values of each row.
    let sheet = book.worksheet_range("新锐企业榜").unwrap();
    let keys: Vec<String> = sheet.rows().next().unwrap().iter().map(text).collect();
    for key in [
        "seq",
        "ent_name",
        "ent_uscc",
        "ent_region",
        "employees",
        "funding_rounds",
        "rec_opinion",
        "source",
    ] {
        assert!(keys.iter().any(|k| k == key), "{key} in {keys:?}");
    }
    assert!(
        !keys.iter().any(|k| k == "core_tech"),
        "long texts stay out"
    );
    let headings: Vec<String> = sheet.rows().nth(1).unwrap().iter().map(text).collect();
    let col = |k: &str| keys.iter().position(|x| x == k).unwrap();
    assert_eq!(headings[col("employees")], "从业人员（人）");
    let listed: Vec<&Row> = rows
        .iter()
        .filter(|r| r.list == "emerging_enterprise")
        .collect();
    assert_eq!(sheet.height(), listed.len() + 2);
    for (r, row) in sheet.rows().skip(2).zip(&listed) {
        let s = &desk.submissions[row.seq - 1];
        assert_eq!(text(&r[col("seq")]), row.seq.to_string());
        assert_eq!(
            text(&r[col("ent_name")]),
            s.draft.text("ent_name").unwrap().trim()
        );
        assert_eq!(text(&r[col("ent_uscc")]), s.draft.text("ent_uscc").unwrap());
        assert_eq!(
            r[col("employees")],
            Data::Float(s.draft.values["employees"].as_f64().unwrap())
        );
    }
}

fn check_csv(rows: &[Row]) {
    let bytes = consolidate::csv(rows);
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 byte-order mark");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(&bytes[3..]);
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(headers[0], "序号");
    assert_eq!(headers[3], "名称");
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), rows.len());
    for (rec, row) in records.iter().zip(rows) {
        assert_eq!(&rec[0], row.seq.to_string());
        assert_eq!(&rec[3], row.name);
        assert_eq!(&rec[16], row.duplicates_text);
        assert_eq!(&rec[9], row.origin);
    }
}

fn check_docx(defs: &Definitions, rows: &[Row]) {
    let bytes = consolidate::summary_docx(defs, rows, "安徽省某某学会").unwrap();
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    archive
        .by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    assert!(xml.contains(r#"w:orient="landscape""#), "landscape");
    assert!(
        xml.contains("<w:tblHeader />"),
        "header row repeats on every page"
    );
    // Only the recommended, by list and 排序, signed by the desk's 推荐单位; rows
    // 「需人工处理」 and the rest are counted, not printed for sealing.
    let manual = rows.iter().filter(|r| !r.manual.is_empty()).count();
    assert!(manual > 0);
    let recommended: Vec<&Row> = rows.iter().filter(|r| r.recommend).collect();
    assert_eq!(recommended.len(), 4);
    assert_eq!(
        xml.matches("<w:tr>").count() + xml.matches("<w:tr ").count(),
        recommended.len() + 1
    );
    assert!(xml.contains(&format!("另有 {manual} 个文件需人工处理")));
    assert!(xml.contains(&format!("推荐 {} 项", recommended.len())));
    assert!(xml.contains("推荐汇总表"));
    assert!(
        xml.contains("推荐单位（盖章）：安徽省某某学会"),
        "signed by the desk's 推荐单位"
    );
    for r in rows
        .iter()
        .filter(|r| !r.recommend && r.manual.is_empty())
        .take(20)
    {
        assert!(
            !xml.contains(&r.name),
            "{} printed though not recommended",
            r.name
        );
    }
    let mut enterprises: Vec<&&Row> = recommended
        .iter()
        .filter(|r| r.list == "emerging_enterprise")
        .collect();
    enterprises.sort_by_key(|r| r.rank);
    let at: Vec<usize> = enterprises
        .iter()
        .map(|r| xml.find(&r.name).expect("printed"))
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "in 排序 order");
    // Run properties in schema order: rFonts never after sz.
    for rpr in xml.split("<w:rPr>").skip(1) {
        let rpr = &rpr[..rpr.find("</w:rPr>").unwrap()];
        if let (Some(f), Some(s)) = (rpr.find("<w:rFonts"), rpr.find("<w:sz ")) {
            assert!(f < s, "{rpr}");
        }
    }
}

#[test]
fn the_same_file_given_twice_counts_once_and_a_missing_path_is_a_problem() {
    let defs = defs();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.json");
    std::fs::write(&p, fixture("tech_manager").to_json()).unwrap();
    let missing = dir.path().join("没有这个文件夹");
    let batch = consolidate::scan_on(
        &defs,
        &[p.clone(), p.clone(), missing.clone()],
        today(),
        &|_, _| {},
    );
    assert_eq!(batch.submissions.len(), 1);
    let kinds: Vec<(&Path, &ProblemKind)> = batch
        .problems
        .iter()
        .map(|p| (p.path.as_path(), &p.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            (missing.as_path(), &ProblemKind::Unreadable),
            (
                p.as_path(),
                &ProblemKind::DuplicateFile { first: p.clone() }
            ),
        ]
    );
    assert!(
        batch.problems[0].message.contains("不存在"),
        "{}",
        batch.problems[0]
    );
}

#[test]
fn a_desk_saves_and_loads_with_its_decisions_and_refuses_newer_versions() {
    let defs = defs();
    let dir = tempfile::tempdir().unwrap();
    let draft_path = dir.path().join("d.json");
    std::fs::write(&draft_path, fixture("innovation_org").to_json()).unwrap();
    let batch = consolidate::scan_on(&defs, &[draft_path], today(), &|_, _| {});
    let mut desk = Desk::from_batch(batch);
    let id = desk.submissions[0].id.clone();
    let decision = Decision {
        recommend: true,
        rank: Some(2),
        note: "备注".into(),
        rec_opinion: "同意推荐。".into(),
        rec_org: "某学会".into(),
        rec_date: "2023-11-20".into(),
    };
    desk.decide(&id, decision.clone());
    desk.previous = Some(PreviousWinners::from_names(
        "p.txt".into(),
        ["甲".to_owned()],
    ));
    let saved = dir.path().join("desk.json");
    desk.save(&saved).unwrap();

    let loaded = Desk::load_on(&saved, &defs, today()).unwrap();
    assert_eq!(loaded.decision(&id), decision);
    assert_eq!(loaded.submissions.len(), 1);
    assert_eq!(loaded.submissions[0].draft, desk.submissions[0].draft);
    assert_eq!(loaded.previous, desk.previous);
    assert!(loaded.meta.contains_key("updated"));

    let mut newer: Value = serde_json::from_slice(&std::fs::read(&saved).unwrap()).unwrap();
    newer["version"] = json!(7);
    std::fs::write(&saved, newer.to_string()).unwrap();
    let err = Desk::load_on(&saved, &defs, today())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("版本为 7") && err.contains("desk.json"),
        "{err}"
    );
    std::fs::write(&saved, fixture("innovation_org").to_json()).unwrap();
    let err = Desk::load_on(&saved, &defs, today())
        .unwrap_err()
        .to_string();
    assert!(err.contains("不是本程序保存的汇总进度文件"), "{err}");
}

#[test]
fn reexport_fills_the_recommendation_and_marks_only_drafts_with_errors() {
    let defs = defs();
    let decision = Decision {
        recommend: true,
        rec_opinion: "该技术创新性强，同意推荐。".into(),
        rec_date: "2023-11-20".into(),
        ..Decision::default()
    };
    let draft = fixture("leading_tech-equipment");
    let bytes =
        consolidate::reexport(&defs, &draft, &decision, &defs.call.recommender, today()).unwrap();
    let back = kczg_form::docx::import::import(&defs, &bytes).unwrap();
    assert!(back.edits.is_empty(), "{:#?}", back.edits);
    assert_eq!(
        back.draft.text("rec_opinion"),
        Some("该技术创新性强，同意推荐。")
    );
    assert_eq!(
        back.draft.text("rec_org"),
        Some(defs.call.recommender.as_str())
    );
    assert_eq!(back.draft.text("rec_date"), Some("2023-11-20"));
    let xml = document_xml(&bytes);
    assert!(xml.contains("该技术创新性强，同意推荐。"));
    assert!(!xml.contains("草稿"), "a valid form is not a draft");

    // With errors it still exports, marked 草稿.
    let broken = common::without(draft, "tech_name");
    let bytes =
        consolidate::reexport(&defs, &broken, &decision, &defs.call.recommender, today()).unwrap();
    assert!(document_xml(&bytes).contains("草稿"));
}

fn document_xml(docx: &[u8]) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(docx)).unwrap();
    let mut xml = String::new();
    archive
        .by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

/// 先导技术榜: one university, many technologies, one code — a duplicate is the same
/// technology from the same holder; the same name from another holder is only 名称相同. The
/// other lists: the code, or the name. Groups, never pairs: thousands behind one code cost a
/// row each.
#[test]
fn duplicates_are_groups_that_mean_the_same_application() {
    use kczg_form::consolidate::checks::{self, NAMED_DUPLICATES};
    use kczg_form::intake::{Container, Submission};
    let defs = defs();
    let base = fixture("leading_tech-electronic_info");
    let tech = |n: usize, code: &str, name: &str| {
        let mut d = base.clone();
        d.values.insert("holder_uscc".into(), json!(code));
        d.values.insert("tech_name".into(), json!(name));
        let mut s = Submission::new(
            Path::new(&format!("t{n}.json")),
            Container::Json,
            Origin::Draft,
            d,
        );
        s.id = format!("t{n}");
        s
    };
    let (x, y) = (uscc("91340100", 1), uscc("91340100", 2));
    let mut subs = vec![
        tech(0, &x, "北斗定位模组技术"),
        tech(1, &x, "北斗定位模组技术 "),
        tech(2, &y, "北斗　定位模组技术"),
        tech(3, &x, "另一项技术"),
    ];
    let ent = fixture("emerging_enterprise");
    for (n, (code, name)) in [
        (uscc("91340100", 7), "甲公司"),
        (uscc("91340100", 7), "乙公司"),
        (uscc("91340100", 8), "丙公司"),
        (uscc("91340100", 9), "丙公司"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut d = ent.clone();
        d.values.insert("ent_uscc".into(), json!(code));
        d.values.insert("ent_name".into(), json!(name));
        let mut s = Submission::new(Path::new("e.json"), Container::Json, Origin::Draft, d);
        s.id = format!("e{n}");
        subs.push(s);
    }
    let dups = checks::duplicates(&defs, &subs);
    let reasons = |i: usize| -> Vec<(DuplicateReason, Vec<usize>)> {
        dups[i]
            .iter()
            .map(|d| (d.reason, d.others.clone()))
            .collect()
    };
    use DuplicateReason::*;
    assert_eq!(reasons(0), [(SameTechnology, vec![1]), (NameOnly, vec![2])]);
    assert_eq!(reasons(2), [(NameOnly, vec![0, 1])]);
    assert!(dups[2].iter().all(|d| d.weak()));
    assert_eq!(reasons(3), [], "another technology of the same university");
    assert_eq!(reasons(4), [(Code, vec![5])]);
    assert_eq!(reasons(6), [(Name, vec![7])]);
    assert_eq!(
        dups[0][1].describe("统一社会信用代码"),
        "与第 3 行名称相同（统一社会信用代码不同，请核对是否为同一技术）"
    );

    // Five thousand technologies of one holder, and five thousand copies of one: a group each,
    // naming a few and counting the rest.
    let mut many: Vec<Submission> = (0..5000)
        .map(|n| tech(n, &x, &format!("技术{n}")))
        .collect();
    many.extend((0..5000).map(|n| tech(5000 + n, &x, "同一项技术")));
    let started = std::time::Instant::now();
    let dups = checks::duplicates(&defs, &many);
    assert!(dups[..5000].iter().all(Vec::is_empty));
    let d = &dups[7000][0];
    assert_eq!(
        (d.reason, d.count, d.others.len()),
        (SameTechnology, 4999, NAMED_DUPLICATES)
    );
    assert!(d.describe("统一社会信用代码").contains("等 4999 份"));
    eprintln!("10,000 submissions grouped in {:?}", started.elapsed());
}

/// Importing a user folder: a link inside it (to a folder outside, as a junction to 我的文档
/// or a link to `/` would be) is not followed but named; a hidden folder is skipped; the files
/// found are counted while the walk goes on; and a cancel keeps what was already read.
#[cfg(unix)]
#[test]
fn a_folder_import_follows_no_links_skips_hidden_folders_counts_and_cancels() {
    use std::sync::atomic::AtomicBool;
    let dir = tempfile::tempdir().unwrap();
    let outside = dir.path().join("外面");
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(
        outside.join("别处.docx"),
        common::exported_fixture("emerging_enterprise"),
    )
    .unwrap();
    let inbox = dir.path().join("收件");
    std::fs::create_dir_all(inbox.join(".git")).unwrap();
    std::fs::write(
        inbox.join(".git/藏.docx"),
        common::exported_fixture("innovation_org"),
    )
    .unwrap();
    for (i, name) in [
        "tech_manager",
        "innovation_org-union",
        "emerging_enterprise",
    ]
    .iter()
    .enumerate()
    {
        std::fs::write(
            inbox.join(format!("{i}.docx")),
            common::exported_fixture(name),
        )
        .unwrap();
    }
    std::os::unix::fs::symlink(&outside, inbox.join("链接到外面")).unwrap();
    std::os::unix::fs::symlink("/", inbox.join("整个磁盘")).unwrap();

    let found = AtomicUsize::new(0);
    let cancel = AtomicBool::new(false);
    let watch = consolidate::Watch {
        progress: &|_, _| {},
        found: &|n| {
            found.fetch_max(n, Ordering::Relaxed);
        },
        cancel: &cancel,
    };
    let batch = consolidate::scan_watched(&defs(), std::slice::from_ref(&inbox), today(), &watch);
    assert_eq!(batch.files, 3, "{:?}", batch.problems);
    assert_eq!(found.load(Ordering::Relaxed), 3);
    assert_eq!(batch.submissions.len(), 3);
    let mut links = batch.links.clone();
    links.sort();
    assert_eq!(links, [inbox.join("整个磁盘"), inbox.join("链接到外面")]);
    assert!(consolidate::link_notice(&links[0]).contains("未跟随"));
    assert_eq!(batch.skipped, 1, "the hidden folder");
    assert!(batch.cancelled.is_none());

    // A link given by name is followed: the person chose it.
    let given = consolidate::scan_on(&defs(), &[inbox.join("链接到外面")], today(), &|_, _| {});
    assert_eq!(given.submissions.len(), 1);

    // Cancelled after the first file read: that one is kept, the rest left and counted.
    let read = AtomicUsize::new(0);
    let cancel = AtomicBool::new(false);
    let progress = |done: usize, _total: usize| {
        if done >= 1 {
            read.fetch_add(1, Ordering::Relaxed);
            cancel.store(true, Ordering::Relaxed);
        }
    };
    let watch = consolidate::Watch {
        progress: &progress,
        found: &|_| {},
        cancel: &cancel,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let batch = pool.install(|| {
        consolidate::scan_watched(&defs(), std::slice::from_ref(&inbox), today(), &watch)
    });
    let c = batch.cancelled.expect("cancelled");
    assert_eq!((c.read, c.left), (1, 2));
    assert_eq!(batch.submissions.len(), 1);
}
