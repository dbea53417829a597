//! The e-mail hand-off and the export file name (product spec §2.5, §4, §6 `mail`), through
//! the public API: subjects and file names of every fixture, the `mailto:` link decoded back,
//! and the .eml read by an independent MIME reader (Python's `email` package).
#![allow(clippy::disallowed_methods)] // tests set up their files directly

mod common;

use std::path::Path;
use std::process::Command;

use chrono::{DateTime, FixedOffset};
use kczg_form::mail::{self, DOCX_CONTENT_TYPE};
use kczg_form::naming::{self, MAX_FILE_NAME_CHARS};
use percent_encoding::percent_decode_str;

/// (fixture, expected file name, expected subject)
const EXPECTED: &[(&str, &str, &str)] = &[
    (
        "emerging_enterprise",
        "新锐企业榜-合肥晶叠光能科技有限公司.docx",
        "2023年科创中国榜单申报-新锐企业榜-合肥晶叠光能科技有限公司",
    ),
    (
        "innovation_org-union",
        "融通创新组织榜-河南高端精密轴承创新联合体.docx",
        "2023年科创中国榜单申报-融通创新组织榜-河南高端精密轴承创新联合体",
    ),
    (
        "innovation_org",
        "融通创新组织榜-深圳湾创智能硬件专业孵化器.docx",
        "2023年科创中国榜单申报-融通创新组织榜-深圳湾创智能硬件专业孵化器",
    ),
    (
        "leading_tech-advanced_materials",
        "先导技术榜-先进材料-高导热氮化铝陶瓷基板低成本流延成型制备技术-宁波东海先进陶瓷研究所.docx",
        "2023年科创中国榜单申报-先导技术榜-高导热氮化铝陶瓷基板低成本流延成型制备技术-宁波东海先进陶瓷研究所",
    ),
    (
        "leading_tech-biomedicine",
        "先导技术榜-生物医药-微流控多重呼吸道病原体核酸即时检测系统-武汉光谷精准诊断技术研究院.docx",
        "2023年科创中国榜单申报-先导技术榜-微流控多重呼吸道病原体核酸即时检测系统-武汉光谷精准诊断技术研究院",
    ),
    (
        // The "/" Windows forbids goes from the file name, not from the subject.
        "leading_tech-electronic_info",
        "先导技术榜-电子信息-北斗惯导深组合厘米级高可靠定位模组技术-郑州星衡导航科技有限公司.docx",
        "2023年科创中国榜单申报-先导技术榜-北斗/惯导深组合厘米级高可靠定位模组技术-郑州星衡导航科技有限公司",
    ),
    (
        "leading_tech-equipment",
        "先导技术榜-装备制造-煤矿巷道智能掘锚一体化成套装备及远程集控技术-洛阳嵩岳智能矿山装备有限公司.docx",
        "2023年科创中国榜单申报-先导技术榜-煤矿巷道智能掘锚一体化成套装备及远程集控技术-洛阳嵩岳智能矿山装备有限公司",
    ),
    (
        "leading_tech-green_low_carbon",
        "先导技术榜-绿色低碳-水泥窑烟气二氧化碳捕集与矿化养护建材利用技术-南京碳衡环境科技有限公司.docx",
        "2023年科创中国榜单申报-先导技术榜-水泥窑烟气二氧化碳捕集与矿化养护建材利用技术-南京碳衡环境科技有限公司",
    ),
    (
        "leading_tech-industrial_foundation",
        "先导技术榜-产业基础-超高压大流量电液伺服阀设计与精密制造技术-新乡豫北精密液压股份有限公司.docx",
        "2023年科创中国榜单申报-先导技术榜-超高压大流量电液伺服阀设计与精密制造技术-新乡豫北精密液压股份有限公司",
    ),
    (
        "tech_manager",
        "技术经理人先锋榜-孙雅婷-济南泉城先进技术研究院.docx",
        "2023年科创中国榜单申报-技术经理人先锋榜-孙雅婷-济南泉城先进技术研究院",
    ),
];

fn date() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2023-11-15T10:30:00+08:00").unwrap()
}

#[test]
fn every_fixture_has_an_expected_subject_and_file_name() {
    let mut listed: Vec<&str> = EXPECTED.iter().map(|e| e.0).collect();
    listed.sort();
    assert_eq!(listed, common::fixture_names());
}

#[test]
fn file_names_of_the_fixtures() {
    let defs = common::defs();
    for (fixture, file_name, _) in EXPECTED {
        let draft = common::fixture(fixture);
        let form = defs.form(&draft.list).unwrap();
        assert_eq!(
            naming::docx_file_name(&defs, form, &draft),
            *file_name,
            "{fixture}"
        );
        assert!(file_name.chars().count() <= MAX_FILE_NAME_CHARS);
    }
}

#[test]
fn subjects_of_the_fixtures() {
    let defs = common::defs();
    for (fixture, _, subject) in EXPECTED {
        let draft = common::fixture(fixture);
        let form = defs.form(&draft.list).unwrap();
        assert_eq!(mail::subject(&defs, form, &draft), *subject, "{fixture}");
    }
}

#[test]
fn name_and_unit_of_the_fixtures() {
    let defs = common::defs();
    let draft = common::fixture("leading_tech-equipment");
    let form = defs.form(&draft.list).unwrap();
    assert_eq!(
        naming::application_name(form, &draft),
        "煤矿巷道智能掘锚一体化成套装备及远程集控技术"
    );
    assert_eq!(
        naming::application_unit(form, &draft),
        "洛阳嵩岳智能矿山装备有限公司"
    );
    let draft = common::fixture("emerging_enterprise");
    let form = defs.form(&draft.list).unwrap();
    assert_eq!(
        naming::application_name(form, &draft),
        naming::application_unit(form, &draft)
    );
}

#[test]
fn windows_forbidden_characters_and_device_names_in_a_draft() {
    let defs = common::defs();
    let draft = common::with(
        common::with(
            common::fixture("leading_tech-equipment"),
            "tech_name",
            r#" <掘锚>:"一体机"/\|?*  技术... "#.into(),
        ),
        "holder_name",
        "某某\t装备\r\n有限公司\u{7}".into(),
    );
    let form = defs.form(&draft.list).unwrap();
    assert_eq!(
        naming::docx_file_name(&defs, form, &draft),
        "先导技术榜-装备制造-掘锚一体机 技术-某某 装备 有限公司.docx"
    );
    // Only a list name could make the whole stem a device name: an override could.
    let mut form = defs.form("emerging_enterprise").unwrap().clone();
    form.name = "lpt1".into();
    let draft = common::without(common::fixture("emerging_enterprise"), "ent_name");
    assert_eq!(naming::docx_file_name(&defs, &form, &draft), "lpt1_.docx");
}

#[test]
fn a_200_character_name_is_capped_at_120() {
    let defs = common::defs();
    let long = "N".repeat(200);
    let draft = common::with(common::fixture("tech_manager"), "person_name", long.into());
    let form = defs.form(&draft.list).unwrap();
    let name = naming::docx_file_name(&defs, form, &draft);
    assert_eq!(name.chars().count(), 120, "{name}");
    assert_eq!(name, format!("技术经理人先锋榜-{}.docx", "N".repeat(106)));

    // Chinese: at most 120 characters and, for Linux and macOS, 255 bytes.
    let long = "技".repeat(200);
    let draft = common::with(common::fixture("tech_manager"), "person_name", long.into());
    let name = naming::docx_file_name(&defs, form, &draft);
    assert!(name.chars().count() <= 120, "{name}");
    assert!(name.len() <= 255, "{} bytes: {name}", name.len());
    assert!(name.starts_with("技术经理人先锋榜-技技") && name.ends_with("技.docx"));
}

/// Splits a `mailto:` link into its address and percent-decoded header fields.
fn parse_mailto(url: &str) -> (String, Vec<(String, String)>) {
    let rest = url.strip_prefix("mailto:").expect("mailto: scheme");
    let (to, query) = rest.split_once('?').expect("a query");
    let decode = |s: &str| percent_decode_str(s).decode_utf8().unwrap().into_owned();
    let fields = query
        .split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').expect("name=value");
            (k.to_owned(), decode(v))
        })
        .collect();
    (decode(to), fields)
}

#[test]
fn mailto_decodes_back_to_subject_and_body() {
    let defs = common::defs();
    for (fixture, file_name, subject) in EXPECTED {
        let draft = common::fixture(fixture);
        let form = defs.form(&draft.list).unwrap();
        let url = mail::mailto_url(&defs, form, &draft, file_name);
        assert!(url.is_ascii(), "{url}");
        assert!(
            !url.contains(' ') && !url.contains('\r') && !url.contains('\n'),
            "{url}"
        );
        let (to, fields) = parse_mailto(&url);
        assert_eq!(to, "gxtdzxh@126.com");
        let body = mail::mailto_body(&defs, form, file_name);
        assert_eq!(
            fields,
            vec![
                ("subject".to_owned(), subject.to_string()),
                ("body".to_owned(), body.clone())
            ],
            "{fixture}"
        );
        assert!(url.contains("%0D%0A"));
        assert!(body.contains(file_name), "{fixture}: {body}");
        assert!(body.contains(".eml") && body.contains(".zip"), "{body}");
        assert!(url.len() <= mail::MAILTO_LIMIT, "{fixture}: {}", url.len());
    }
}

/// Every text field of every form at its longest (four-byte characters, the longest UTF-8
/// there is, 12 percent-encoded characters each) and the longest file name: the link stays
/// within [`mail::MAILTO_LIMIT`], keeps its address and body, and its subject is the whole
/// subject's beginning ending in 「…」.
#[test]
fn mailto_stays_short_at_the_longest_names() {
    let defs = common::defs();
    let mut shortened = 0;
    for fixture in common::fixture_names() {
        let mut draft = common::fixture(&fixture);
        let form = defs.form(&draft.list).unwrap();
        for (_, field) in form.fields() {
            if let Some(max) = field.max_chars
                && draft.values.get(&field.id).is_some_and(|v| v.is_string())
            {
                draft
                    .values
                    .insert(field.id.clone(), "𠀀".repeat(max).into());
            }
        }
        let file_name = format!("{}.docx", "𠀀".repeat(MAX_FILE_NAME_CHARS));
        let url = mail::mailto_url(&defs, form, &draft, &file_name);
        assert!(
            url.len() <= mail::MAILTO_LIMIT,
            "{fixture}: {} characters",
            url.len()
        );
        let (to, fields) = parse_mailto(&url);
        assert_eq!(to, "gxtdzxh@126.com");
        assert_eq!(fields[0].0, "subject");
        let whole = mail::subject(&defs, form, &draft);
        match fields[0].1.strip_suffix('…') {
            Some(start) => {
                shortened += 1;
                assert!(start.chars().count() > 20, "{fixture}: {start}");
                assert!(whole.starts_with(start), "{fixture}");
            }
            None => assert_eq!(fields[0].1, whole, "{fixture}"),
        }
        assert_eq!(
            fields[1],
            ("body".to_owned(), mail::mailto_body(&defs, form, ""))
        );
    }
    assert!(
        shortened > 0,
        "no fixture's subject was long enough to shorten"
    );
}

#[test]
fn body_of_a_fixture_reads_as_a_letter() {
    let defs = common::defs();
    let draft = common::fixture("leading_tech-equipment");
    let form = defs.form(&draft.list).unwrap();
    let file_name = naming::docx_file_name(&defs, form, &draft);
    let body = mail::body(&defs, form, &draft, &file_name);
    let expected = "学会秘书处：\r\n\
        \r\n\
        您好！现报送2023年“科创中国”先导技术榜申报表，请查收。\r\n\
        \r\n\
        榜单：先导技术榜\r\n\
        领域：装备制造\r\n\
        技术名称：煤矿巷道智能掘锚一体化成套装备及远程集控技术\r\n\
        技术持有单位：洛阳嵩岳智能矿山装备有限公司\r\n\
        \r\n\
        填写完成的申报表见附件「先导技术榜-装备制造-煤矿巷道智能掘锚一体化成套装备及远程集控技术-洛阳嵩岳智能矿山装备有限公司.docx」。\r\n\
        申报表所列附件随本邮件一并发送：营业执照副本复印件；矿用产品安全标志证书复印件；工业性试验报告及用户使用证明。\r\n\
        联系人：李婷，手机：13698815372\r\n\
        \r\n\
        此致\r\n\
        敬礼！\r\n\
        \r\n\
        洛阳嵩岳智能矿山装备有限公司\r\n\
        李婷\r\n";
    assert_eq!(body, expected);

    let draft = common::fixture("tech_manager");
    let form = defs.form(&draft.list).unwrap();
    let body = mail::body(&defs, form, &draft, "x.docx");
    assert!(body.contains("姓名：孙雅婷\r\n工作单位：济南泉城先进技术研究院\r\n"));
    assert!(body.contains("联系人：孙雅婷，手机：15806612378\r\n"));
    assert!(!body.contains("领域"));
}

/// 50 KB of pseudo-random bytes (xorshift), so base64 line splitting and every byte value are
/// exercised.
fn attachment_bytes() -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..50 * 1024)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

fn check_with_python(eml: &Path, attachment: &Path, subject: &str, file_name: &str) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/check_eml.py");
    let output = Command::new("python3")
        .arg(&script)
        .arg(eml)
        .arg(attachment)
        .arg(subject)
        .arg(file_name)
        .output()
        .unwrap_or_else(|e| {
            panic!("python3 is needed to check the .eml with an independent reader: {e}")
        });
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "check_eml.py failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(stdout.contains("all checks passed"), "{stdout}");
}

#[test]
fn eml_reads_back_with_python_email() {
    let defs = common::defs();
    let dir = tempfile::tempdir().unwrap();
    let bytes = attachment_bytes();
    let attachment = dir.path().join("attachment.bin");
    std::fs::write(&attachment, &bytes).unwrap();

    for fixture in [
        "leading_tech-equipment",
        "emerging_enterprise",
        "tech_manager",
    ] {
        let (_, file_name, subject) = EXPECTED.iter().find(|e| e.0 == fixture).unwrap();
        let draft = common::fixture(fixture);
        let form = defs.form(&draft.list).unwrap();
        let eml = mail::eml(&defs, form, &draft, file_name, &bytes, date());
        let path = dir.path().join(format!("{fixture}.eml"));
        std::fs::write(&path, &eml).unwrap();
        check_with_python(&path, &attachment, subject, file_name);
    }
}

#[test]
fn eml_headers_and_line_lengths() {
    let defs = common::defs();
    let draft = common::fixture("leading_tech-equipment");
    let form = defs.form(&draft.list).unwrap();
    let file_name = naming::docx_file_name(&defs, form, &draft);
    let eml = mail::eml(&defs, form, &draft, &file_name, &attachment_bytes(), date());
    let text = String::from_utf8(eml).expect("an .eml is 7-bit text");
    assert!(text.is_ascii());

    let (head, _) = text.split_once("\r\n\r\n").unwrap();
    assert!(
        head.starts_with("To: <gxtdzxh@126.com>\r\n")
            || head.starts_with("To: gxtdzxh@126.com\r\n"),
        "{head}"
    );
    assert!(
        head.contains("\r\nDate: Wed, 15 Nov 2023 10:30:00 +0800\r\n"),
        "{head}"
    );
    assert!(head.contains("\r\nX-Unsent: 1\r\n"), "{head}");
    assert!(head.contains("\r\nMIME-Version: 1.0\r\n"), "{head}");
    assert!(head.contains("\r\nMessage-ID: <20231115103000."), "{head}");
    assert!(
        head.contains("\r\nSubject: =?utf-8?B?") || head.contains("\r\nSubject: =?UTF-8?B?"),
        "{head}"
    );
    assert!(
        !head.contains("\r\nFrom:"),
        "a draft leaves the sender to the mail client"
    );
    assert!(text.contains(&format!("Content-Type: {DOCX_CONTENT_TYPE};")));
    assert!(text.contains("filename*0*=UTF-8''%E5%85%88"), "RFC 2231");
    assert!(text.contains("name=\"=?UTF-8?B?"), "RFC 2047 fallback");

    // Lines end in CRLF; at most 78 characters, except the one unfoldable Content-Type token.
    let unfoldable = format!("Content-Type: {DOCX_CONTENT_TYPE};");
    for line in text.split("\r\n") {
        assert!(
            !line.contains('\n') && !line.contains('\r'),
            "bare line break"
        );
        if line != unfoldable {
            assert!(line.len() <= 78, "{} characters: {line}", line.len());
        }
    }
}

#[test]
fn eml_without_a_name_uses_the_export_file_name() {
    let defs = common::defs();
    let draft = common::fixture("innovation_org");
    let form = defs.form(&draft.list).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bytes = b"PK\x03\x04 not really a docx".to_vec();
    let attachment = dir.path().join("a.docx");
    std::fs::write(&attachment, &bytes).unwrap();
    let path = dir.path().join("m.eml");
    std::fs::write(&path, mail::eml(&defs, form, &draft, "  ", &bytes, date())).unwrap();
    let (_, file_name, subject) = EXPECTED.iter().find(|e| e.0 == "innovation_org").unwrap();
    check_with_python(&path, &attachment, subject, file_name);
}

#[test]
fn eml_attachment_name_with_spaces_quotes_and_emoji() {
    let defs = common::defs();
    let draft = common::fixture("leading_tech-biomedicine");
    let form = defs.form(&draft.list).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bytes = attachment_bytes();
    let attachment = dir.path().join("a.docx");
    std::fs::write(&attachment, &bytes).unwrap();
    for name in [
        "申报表 'v2' 100% (终稿)🙂.docx",
        "plain name.docx",
        "a \"quoted\" name.docx",
    ] {
        let path = dir.path().join("m.eml");
        std::fs::write(&path, mail::eml(&defs, form, &draft, name, &bytes, date())).unwrap();
        let subject = mail::subject(&defs, form, &draft);
        check_with_python(&path, &attachment, &subject, name);
    }
}
