//! The exported .docx: lossless round trip through import, what the document holds, preview
//! marking, refusal while errors remain, and the CLI's export / import / mail.
#![allow(clippy::disallowed_methods)] // tests set up their files directly

mod common;

use std::io::Read;

use assert_cmd::Command;
use common::*;
use kczg_form::docx::import::{import, read_draft};
use kczg_form::docx::{ExportError, ExportOptions, export};
use serde_json::json;

fn options(preview: bool) -> ExportOptions {
    ExportOptions {
        preview,
        today: today(),
    }
}

fn exported(draft: &kczg_form::Draft, preview: bool) -> Vec<u8> {
    let defs = defs();
    let form = defs.form(&draft.list).unwrap();
    export(&defs, form, draft, options(preview)).unwrap()
}

/// One part of the package as text.
fn part(docx: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
    let mut text = String::new();
    zip.by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// The visible text of the body: every w:t, concatenated.
fn body_text(docx: &[u8]) -> String {
    let xml = part(docx, "word/document.xml");
    xml.split("<w:t xml:space=\"preserve\">")
        .skip(1)
        .filter_map(|s| s.split("</w:t>").next())
        .collect()
}

#[test]
fn every_fixture_round_trips_through_the_docx_exactly() {
    let defs = defs();
    for name in fixture_names() {
        let draft = fixture(&name);
        let bytes = exported(&draft, false);
        let back = import(&defs, &bytes).unwrap();
        assert_eq!(back.draft, draft, "{name}");
        assert!(back.edits.is_empty(), "{name}: {:#?}", back.edits);
    }
}

#[test]
fn unknown_keys_and_awkward_text_survive_the_docx() {
    let mut draft = fixture("emerging_enterprise");
    draft.extra.insert(
        "plugin".into(),
        json!({"a": "<b>&amp;</b>", "n": [1, 2.5, null]}),
    );
    draft
        .meta
        .insert("note".into(), json!("]]> </kczg> \"quoted\" 'single'"));
    draft.values.insert(
        "future_field".into(),
        json!("未来字段 <script>alert(1)</script> & 😀"),
    );
    draft.values.insert(
        "products".into(),
        json!(format!(
            "{}\n第二段 <&> 🚀\n\n{}",
            "产".repeat(150),
            "品".repeat(20)
        )),
    );
    let bytes = exported(&draft, false);
    assert_eq!(read_draft(&bytes).unwrap(), draft);
    let text = body_text(&bytes);
    assert!(
        text.contains("第二段 &lt;&amp;&gt; 🚀"),
        "escaped in the visible text"
    );
}

/// A value that is not an option (a hand-edited draft, an older form) cannot be shown in the
/// document — no box or drop-down entry stands for it — but the embedded draft keeps it:
/// export → import brings it back, it is no edit, and it is still an error.
#[test]
fn values_that_are_not_options_survive_export_and_import() {
    let defs = defs();
    let mut draft = fixture("emerging_enterprise");
    draft
        .values
        .insert("honors".into(), json!(["高新技术企业", "省级瞪羚企业"]));
    draft.values.insert("ent_region".into(), json!("火星"));
    let findings = check(&draft);
    assert!(findings.iter().any(|f| f.field == "honors" && f.is_error()));
    assert!(
        findings
            .iter()
            .any(|f| f.field == "ent_region" && f.is_error())
    );
    let bytes = exported(&draft, true);
    let back = import(&defs, &bytes).unwrap();
    assert_eq!(back.draft.values["honors"], draft.values["honors"]);
    assert_eq!(back.draft.values["ent_region"], "火星");
    assert!(back.edits.is_empty(), "{:#?}", back.edits);
    assert!(
        check(&back.draft)
            .iter()
            .any(|f| f.field == "honors" && f.is_error())
    );
}

#[test]
fn export_is_refused_while_errors_remain_and_preview_is_marked_draft() {
    let defs = defs();
    let draft = with(fixture("leading_tech-equipment"), "tech_name", json!(""));
    let form = defs.form(&draft.list).unwrap();
    match export(&defs, form, &draft, options(false)) {
        Err(ExportError::Refused { errors }) => {
            assert_eq!(errors.len(), 1);
            assert_eq!(errors[0].field, "tech_name");
        }
        other => panic!("expected a refusal, got {:?}", other.map(|b| b.len())),
    }
    let bytes = exported(&draft, true);
    let text = body_text(&bytes);
    assert!(
        text.contains("2023年“科创中国”先导技术榜申报表（草稿）"),
        "{text}"
    );
    assert!(text.contains("草稿：尚有 1 个问题未解决"), "{text}");
    let header = part(&bytes, "word/header1.xml");
    assert!(
        header.contains("草稿：尚有 1 个问题未解决，不能作为正式申报材料提交"),
        "{header}"
    );
    // The final export has neither mark.
    let final_text = body_text(&exported(&fixture("leading_tech-equipment"), false));
    assert!(!final_text.contains("草稿"), "{final_text}");
}

#[test]
fn the_document_prints_values_options_pledges_and_signature_lines() {
    let draft = fixture("leading_tech-green_low_carbon");
    let text = body_text(&exported(&draft, false));
    // The cover, the 填表说明, then the form under its title.
    let cover = text.find("2023年“科创中国”先导技术榜申报表榜单领域：先导技术榜 · 绿色低碳");
    let notes = text.find("填表说明");
    let title = text.find("2023年“科创中国”先导技术榜申报表一、基本信息");
    assert!(cover.is_some() && notes > cover && title > notes, "{text}");
    assert!(
        text.contains("申报单位（盖章）：南京碳衡环境科技有限公司"),
        "{text}"
    );
    // The domain in its drop-down, offering the others; multichoices as boxes ticked or not.
    assert!(text.contains("所属领域绿色低碳"), "{text}");
    let doc = part(&exported(&draft, false), "word/document.xml");
    assert!(
        doc.contains(r#"<w:listItem w:displayText="电子信息" w:value="electronic_info" />"#),
        "{doc}"
    );
    // Word joiners inside each option: a line never breaks inside 「□能源」.
    assert!(text.contains("■\u{2060}工\u{2060}业"), "{text}");
    assert!(text.contains("□\u{2060}能\u{2060}源"), "{text}");
    // Every section heading, numbered.
    for heading in [
        "一、基本信息",
        "绿色低碳领域",
        "申报承诺",
        "附件清单",
        "推荐单位意见",
    ] {
        assert!(text.contains(heading), "{heading}");
    }
    assert!(!text.contains("产业基础专项领域"), "hidden section printed");
    // Pledges with their full text; signature and date lines; the empty recommendation block.
    assert!(text.contains("■ 未入选历年“科创中国”先导技术榜"), "{text}");
    assert!(text.contains("申报单位（盖章）："));
    assert!(text.contains("推荐单位（盖章）："));
    assert!(text.matches("年　　月　　日").count() >= 2);
    // Table fields as tables with a header row.
    assert!(
        text.contains("与国内外同类技术对比序号指标本技术国内先进国际先进"),
        "{text}"
    );
}

#[test]
fn hidden_fields_are_not_printed_but_stay_in_the_draft() {
    let defs = defs();
    let draft = with(
        fixture("leading_tech-electronic_info"),
        "gl_synergy",
        json!("隐藏的绿色低碳说明文字"),
    );
    let bytes = exported(&draft, false);
    assert!(!body_text(&bytes).contains("隐藏的绿色低碳说明文字"));
    assert_eq!(
        import(&defs, &bytes).unwrap().draft.values["gl_synergy"],
        "隐藏的绿色低碳说明文字"
    );
}

#[test]
fn the_package_sets_page_fonts_widths_header_rows_and_page_numbers() {
    let bytes = exported(&fixture("tech_manager"), false);
    let doc = part(&bytes, "word/document.xml");
    assert!(
        doc.contains(r#"<w:pgSz w:w="11906" w:h="16838""#),
        "A4 portrait"
    );
    assert!(doc.contains(r#"w:eastAsia="宋体""#) && doc.contains(r#"w:eastAsia="黑体""#));
    assert!(doc.contains(r#"w:hint="eastAsia""#));
    assert!(doc.contains(r#"<w:tblLayout w:type="fixed" />"#));
    assert!(doc.contains("<w:tblHeader />"), "repeated header rows");
    assert!(doc.contains("<w:cantSplit />"));
    let footer = part(&bytes, "word/footer1.xml");
    for needle in [
        "第 ",
        " 页 共 ",
        "PAGE",
        "NUMPAGES",
        r#"w:fldCharType="begin""#,
        r#"w:fldCharType="end""#,
    ] {
        assert!(footer.contains(needle), "{needle} in {footer}");
    }
    // The draft travels in a custom XML part with nothing left unescaped.
    let custom = part(&bytes, "customXml/item1.xml");
    assert!(
        custom.starts_with(r#"<kczg xmlns="urn:kczg-form:draft""#),
        "{custom}"
    );
}

fn cli() -> Command {
    Command::cargo_bin("kczg-form").unwrap()
}

#[test]
fn cli_export_import_and_mail() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("草稿.json");
    std::fs::copy(fixture_path("innovation_org.json"), &src).unwrap();

    // No -o: the file name from the spec, beside the draft.
    let out = cli()
        .args(["export", src.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let docx = dir
        .path()
        .join("融通创新组织榜-深圳湾创智能硬件专业孵化器.docx");
    assert!(docx.exists(), "{}", String::from_utf8_lossy(&out.stdout));

    let back = dir.path().join("back.json");
    let out = cli()
        .args([
            "import",
            docx.to_str().unwrap(),
            "-o",
            back.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        kczg_form::Draft::from_slice(&std::fs::read(&back).unwrap()).unwrap(),
        fixture("innovation_org")
    );

    let out = cli()
        .args(["validate", docx.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let eml = dir.path().join("m.eml");
    let out = cli()
        .args(["mail", docx.to_str().unwrap(), "-o", eml.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let message = std::fs::read_to_string(&eml).unwrap();
    assert!(message.starts_with("To: <gxtdzxh@126.com>"));
    assert!(message.contains("X-Unsent: 1"));
}

#[test]
fn cli_export_refuses_with_exit_1_and_lists_the_errors() {
    let dir = tempfile::tempdir().unwrap();
    let draft = with(
        fixture("emerging_enterprise"),
        "ent_founded",
        json!("2012-12-31"),
    );
    let src = dir.path().join("d.json");
    std::fs::write(&src, draft.to_json()).unwrap();
    let out_path = dir.path().join("o.docx");
    let out = cli()
        .args([
            "export",
            src.to_str().unwrap(),
            "-o",
            out_path.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("尚有 1 个错误"), "{stderr}");
    assert!(stderr.contains("ent_founded  成立年限超过10年"), "{stderr}");
    assert!(!out_path.exists());
    let out = cli()
        .args([
            "export",
            src.to_str().unwrap(),
            "-o",
            out_path.to_str().unwrap(),
            "--preview",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out_path.exists());
}

/// Exports of version 1 (no content controls, `tests/fixtures/v1/`) import as before: their
/// embedded draft, exactly; an edit made in Word is listed, the draft kept.
#[test]
fn version_one_exports_still_import_as_their_embedded_draft() {
    let defs = defs();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v1");
    let names = common::fixture_names();
    for name in &names {
        let bytes = std::fs::read(dir.join(format!("{name}.docx"))).unwrap();
        let xml = part(&bytes, "word/document.xml");
        assert!(!xml.contains("<w:sdt>"), "{name}: not a version-1 export");
        let imported = import(&defs, &bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            imported.origin,
            kczg_form::docx::import::Origin::Older,
            "{name}"
        );
        assert_eq!(imported.draft, fixture(name), "{name}");
        assert!(imported.edits.is_empty(), "{name}: {:?}", imported.edits);
    }
    // Edited in Word: listed, and (no controls to read) the embedded draft stays.
    let bytes = std::fs::read(dir.join("emerging_enterprise.docx")).unwrap();
    let draft = fixture("emerging_enterprise");
    let name = draft.text("ent_name").unwrap().to_owned();
    let edited = rezip(&bytes, "word/document.xml", |xml| {
        xml.replacen(&name, "改名后的公司", 1)
    });
    let imported = import(&defs, &edited).unwrap();
    assert_eq!(imported.draft, draft);
    assert_eq!(imported.edits.len(), 1, "{:?}", imported.edits);
    assert_eq!(imported.edits[0].field, "ent_name");
    assert_eq!(imported.edits[0].visible.as_deref(), Some("改名后的公司"));
}

/// The package with one text part rewritten.
fn rezip(zip: &[u8], name: &str, edit: impl FnOnce(String) -> String) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mut edit = Some(edit);
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        if entry.name() == name
            && let Some(edit) = edit.take()
        {
            data = edit(String::from_utf8(data).unwrap()).into_bytes();
        }
        out.start_file(entry.name(), zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// A table entry with nothing in it prints as an empty row, which reads as no entry: that is
/// no change, and the draft comes back as it was (empty entry included).
#[test]
fn an_empty_table_entry_is_no_change_after_export() {
    let defs = defs();
    let mut draft = fixture("leading_tech-equipment");
    let rows = draft.values["attachments"].as_array_mut().unwrap();
    rows.insert(1, json!({}));
    let bytes = exported(&draft, true);
    let imported = import(&defs, &bytes).unwrap();
    assert_eq!(
        imported.origin,
        kczg_form::docx::import::Origin::Export,
        "{:#?}",
        imported.edits
    );
    assert_eq!(imported.draft, draft);
}

/// A clean package: no directory entries, no parts nothing refers to, a theme, a font table
/// that lets Word substitute 宋体 and 黑体, Chinese as the East Asian language, and core
/// properties with the title, the applicant unit and the real time.
#[test]
fn the_package_is_clean_and_names_its_fonts_language_and_author() {
    let draft = fixture("emerging_enterprise");
    let bytes = exported(&draft, false);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
    let names: Vec<String> = (0..archive.len())
        .map(|i| archive.by_index(i).unwrap().name().to_owned())
        .collect();
    assert!(!names.iter().any(|n| n.ends_with('/')), "{names:?}");
    for unused in ["comments", "commentsExtended", "footnotes", "numbering"] {
        let part = format!("word/{unused}.xml");
        assert!(!names.contains(&part), "{part} is still there");
        assert!(!part_of(&bytes, "[Content_Types].xml").contains(&format!("/{part}\"")));
        assert!(
            !part_of(&bytes, "word/_rels/document.xml.rels").contains(&format!("\"{unused}.xml\""))
        );
    }
    assert!(names.contains(&"word/theme/theme1.xml".to_owned()));
    assert!(part_of(&bytes, "word/_rels/document.xml.rels").contains("relationships/theme"));
    let fonts = part_of(&bytes, "word/fontTable.xml");
    for (name, alt) in [("宋体", "SimSun"), ("黑体", "SimHei")] {
        let at = fonts
            .find(&format!(r#"<w:font w:name="{name}">"#))
            .expect(name);
        let font = &fonts[at..at + fonts[at..].find("</w:font>").unwrap()];
        assert!(
            font.contains(&format!(r#"<w:altName w:val="{alt}"/>"#)),
            "{font}"
        );
        assert!(font.contains(r#"<w:charset w:val="86"/>"#), "{font}");
    }
    assert!(part_of(&bytes, "word/styles.xml").contains(r#"w:eastAsia="zh-CN""#));
    let core = part_of(&bytes, "docProps/core.xml");
    assert!(
        core.contains("<dc:title>2023年“科创中国”新锐企业榜申报表</dc:title>"),
        "{core}"
    );
    assert!(
        core.contains("<dc:creator>合肥晶叠光能科技有限公司</dc:creator>"),
        "{core}"
    );
    assert!(
        !core.contains("1970-01-01") && !core.contains("unknown"),
        "{core}"
    );
    let year = chrono::Utc::now().format("%Y").to_string();
    assert!(
        core.contains(&format!(
            "<dcterms:created xsi:type=\"dcterms:W3CDTF\">{year}-"
        )),
        "{core}"
    );
}

fn part_of(docx: &[u8], name: &str) -> String {
    part(docx, name)
}

/// The applicant's export prints 推荐单位意见 empty, whatever the draft holds (and the draft
/// keeps it); the secretariat's re-export prints it, and what is printed reads back.
#[test]
fn only_the_secretariat_re_export_prints_the_recommendation() {
    let defs = defs();
    let draft = with(
        with(
            fixture("emerging_enterprise"),
            "rec_opinion",
            json!("同意推荐，该企业成长性突出。"),
        ),
        "rec_org",
        json!("安徽省科学技术协会"),
    );
    let applicant = exported(&draft, false);
    let text = body_text(&applicant);
    assert!(
        !text.contains("同意推荐") && !text.contains("安徽省科学技术协会"),
        "{text}"
    );
    let imported = import(&defs, &applicant).unwrap();
    assert_eq!(imported.draft, draft, "the draft keeps the recommendation");
    assert!(imported.edits.is_empty(), "{:?}", imported.edits);

    let decision = kczg_form::consolidate::Decision {
        rec_opinion: "同意推荐。".into(),
        rec_org: "安徽省科学技术协会".into(),
        rec_date: "2023-11-20".into(),
        ..Default::default()
    };
    let secretariat =
        kczg_form::consolidate::reexport(&defs, &draft, &decision, &defs.call.recommender, today())
            .unwrap();
    let text = body_text(&secretariat);
    assert!(
        text.contains("同意推荐。") && text.contains("2023年11月20日"),
        "{text}"
    );
    let imported = import(&defs, &secretariat).unwrap();
    assert_eq!(imported.draft.values["rec_opinion"], json!("同意推荐。"));
    assert_eq!(imported.draft.values["rec_date"], json!("2023-11-20"));
}

/// A whole number stored as a float (`3200.0`, as some tools write it) prints as 3200.
#[test]
fn whole_numbers_print_without_a_decimal_point() {
    let draft = with(fixture("emerging_enterprise"), "ent_capital", json!(3200.0));
    let text = body_text(&exported(&draft, false));
    assert!(text.contains("注册资本（万元）3200"), "{text}");
    assert!(!text.contains("3200.0"), "{text}");
}
