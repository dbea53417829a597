//! Names derived from a draft: the application's 名称 and 单位, and the exported file's name.
//!
//! The file name (product spec §4) is `<榜单>-<领域>-<名称>-<单位>.docx`: empty parts are left
//! out, 名称 is given once when it is also the 单位 (新锐企业榜, 融通创新组织榜), and the result
//! is made safe for Windows (and for the 255-byte limit of Linux and macOS file systems).

use crate::{Definitions, Draft, Form};

/// The extension of an exported declaration form.
pub const DOCX_EXTENSION: &str = "docx";

/// At most this many characters in an exported file name, extension included (spec §4).
pub const MAX_FILE_NAME_CHARS: usize = 120;

/// At most this many bytes of UTF-8 in a file name: what ext4, APFS and most other file
/// systems allow. 120 Chinese characters are 360 bytes, so without this cap a long name could
/// be written on Windows (which counts UTF-16 units, up to 255) but not on Linux or macOS.
pub const MAX_FILE_NAME_BYTES: usize = 255;

/// The application's 名称 (技术名称 / 企业名称 / 机构名称 / 姓名): the value of
/// `form.name_field`, trimmed; empty when it is missing or not text.
pub fn application_name(form: &Form, draft: &Draft) -> String {
    field_text(draft, &form.name_field)
}

/// The applicant's 单位 (技术持有单位 / 企业名称 / 机构名称 / 工作单位): the value of
/// `form.unit_field`, trimmed; empty when it is missing or not text.
pub fn application_unit(form: &Form, draft: &Draft) -> String {
    field_text(draft, &form.unit_field)
}

/// The domain's name (「装备制造」) when the draft names a domain the form knows.
pub fn domain_name<'a>(form: &'a Form, draft: &Draft) -> Option<&'a str> {
    let id = draft.domain.as_deref()?;
    form.domain(id).map(|d| d.name.as_str())
}

fn field_text(draft: &Draft, id: &str) -> String {
    draft
        .values
        .get(id)
        .and_then(serde_json::Value::as_str)
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

/// Joins the non-empty parts with `-`, giving 名称 once when 单位 is the same.
///
/// `parts` is the fixed prefix (榜单, 领域, …); `name` and `unit` follow it. Callers clean the
/// parts first, so that a part that cleans to nothing leaves no double hyphen.
pub(crate) fn join_parts(prefix: &[String], name: String, unit: String) -> String {
    let unit = if unit == name { String::new() } else { unit };
    prefix
        .iter()
        .cloned()
        .chain([name, unit])
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// The exported .docx's file name: `<榜单>-<领域>-<名称>-<单位>.docx`, Windows-safe, at most
/// [`MAX_FILE_NAME_CHARS`] characters (see [`safe_file_name`]).
///
/// The 领域 is included only when the draft names a domain of the form; 名称 and 单位 only
/// when filled, and 名称 once when it is also the 单位.
pub fn docx_file_name(defs: &Definitions, form: &Form, draft: &Draft) -> String {
    // The call does not appear in the name; `defs` is taken so that callers need not change
    // if a later call's naming rule does (e.g. a year prefix).
    let _ = defs;
    let mut prefix = vec![clean_part(&form.name)];
    if let Some(domain) = domain_name(form, draft) {
        prefix.push(clean_part(domain));
    }
    let stem = join_parts(
        &prefix,
        clean_part(&application_name(form, draft)),
        clean_part(&application_unit(form, draft)),
    );
    safe_file_name(&stem, DOCX_EXTENSION)
}

/// Characters Windows forbids in a file name (besides control characters).
const FORBIDDEN: &[char] = &['<', '>', ':', '"', '/', '\\', '|', '?', '*'];

/// One part of a name: forbidden and control characters removed, runs of white space made
/// one space, trimmed, and dots at its end dropped.
fn clean_part(text: &str) -> String {
    clean_part_keep_dots(text)
        .trim_end_matches(['.', ' '])
        .to_owned()
}

/// `先导技术榜-电子信息-空白申报表.docx`: the blank template's file name.
pub fn template_file_name(form: &Form, domain: Option<&str>) -> String {
    let domain = domain.and_then(|d| form.domain(d)).map(|d| d.name.as_str());
    let stem = match domain {
        Some(d) => format!("{}-{d}-空白申报表", form.name),
        None => format!("{}-空白申报表", form.name),
    };
    safe_file_name(&stem, "docx")
}

/// Makes `stem.extension` a file name Windows (and Linux and macOS) accept:
///
/// - removes `<>:"/\|?*` and control characters; turns runs of white space into one space;
/// - trims spaces and dots at the end of the stem (Windows drops them, which would change
///   the name) and spaces at its start;
/// - appends `_` to a reserved device name (CON, PRN, AUX, NUL, COM0–9, LPT0–9 and the
///   superscript COM¹²³ / LPT¹²³ that current Windows also reserves), compared
///   case-insensitively on the part before the first dot, since `NUL.txt` is reserved too;
/// - cuts the stem so the whole name is at most [`MAX_FILE_NAME_CHARS`] characters and
///   [`MAX_FILE_NAME_BYTES`] bytes of UTF-8, keeping the extension;
/// - an empty stem becomes `_`.
///
/// `extension` is given without the dot and is trusted (it is ours, e.g. `docx`).
pub fn safe_file_name(stem: &str, extension: &str) -> String {
    let ext = if extension.is_empty() {
        String::new()
    } else {
        format!(".{extension}")
    };
    let mut stem = tidy_stem(&clean_part_keep_dots(stem));
    if stem.is_empty() {
        stem.push('_');
    }
    if let Some(at) = reserved_device_len(&stem) {
        stem.insert(at, '_');
    }

    let max_chars = MAX_FILE_NAME_CHARS.saturating_sub(ext.chars().count());
    let max_bytes = MAX_FILE_NAME_BYTES.saturating_sub(ext.len());
    if stem.chars().count() > max_chars || stem.len() > max_bytes {
        let mut cut = String::new();
        for (n, c) in stem.chars().enumerate() {
            if n >= max_chars || cut.len() + c.len_utf8() > max_bytes {
                break;
            }
            cut.push(c);
        }
        // A cut may end in the middle of a part: drop a dangling separator as well.
        stem = tidy_stem(cut.trim_end_matches(['-', ' ', '.']));
        if stem.is_empty() {
            stem.push('_');
        }
    }
    stem + &ext
}

/// Like [`clean_part`] but keeps dots at the end (the stem's are handled by [`tidy_stem`]):
/// forbidden characters and control characters other than white space removed; white space
/// (tabs, line breaks, the ideographic space U+3000, …) collapsed to one space; trimmed.
fn clean_part_keep_dots(text: &str) -> String {
    let kept: String = text
        .chars()
        .filter(|c| !FORBIDDEN.contains(c) && (c.is_whitespace() || !c.is_control()))
        .collect();
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Trims spaces at the start and spaces and dots at the end.
fn tidy_stem(stem: &str) -> String {
    stem.trim_start_matches(' ')
        .trim_end_matches(['.', ' '])
        .to_owned()
}

/// When Windows reserves `stem` as a device name, judged on the part before the first dot
/// with trailing spaces ignored (`NUL.txt` and `CON .txt` are reserved too): that part's length.
fn reserved_device_len(stem: &str) -> Option<usize> {
    let base = stem.split('.').next().unwrap_or(stem).trim_end_matches(' ');
    let upper = base.to_ascii_uppercase();
    let reserved = match upper.as_str() {
        "CON" | "PRN" | "AUX" | "NUL" => true,
        _ => match (upper.get(..3), upper.get(3..)) {
            (Some("COM" | "LPT"), Some(rest)) => {
                let mut rest = rest.chars();
                matches!(
                    (rest.next(), rest.next()),
                    (Some('0'..='9' | '¹' | '²' | '³'), None)
                )
            }
            _ => false,
        },
    };
    reserved.then_some(base.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defs() -> Definitions {
        Definitions::embedded()
    }

    fn draft(list: &str, domain: Option<&str>, values: serde_json::Value) -> Draft {
        let mut d = Draft::new("2023", list, domain.map(str::to_owned));
        if let serde_json::Value::Object(m) = values {
            d.values = m;
        }
        d
    }

    fn name_of(list: &str, domain: Option<&str>, values: serde_json::Value) -> String {
        let defs = defs();
        let form = defs.form(list).unwrap();
        docx_file_name(&defs, form, &draft(list, domain, values))
    }

    #[test]
    fn name_and_unit_are_trimmed_text_or_empty() {
        let defs = defs();
        let form = defs.form("leading_tech").unwrap();
        let d = draft(
            "leading_tech",
            None,
            serde_json::json!({"tech_name": "  智能掘进 \n", "holder_name": 42}),
        );
        assert_eq!(application_name(form, &d), "智能掘进");
        assert_eq!(application_unit(form, &d), "");
        let empty = draft("leading_tech", None, serde_json::json!({}));
        assert_eq!(application_name(form, &empty), "");
        assert_eq!(application_unit(form, &empty), "");
    }

    #[test]
    fn all_parts_in_order() {
        let name = name_of(
            "leading_tech",
            Some("equipment"),
            serde_json::json!({"tech_name": "掘锚一体机", "holder_name": "某某装备有限公司"}),
        );
        assert_eq!(name, "先导技术榜-装备制造-掘锚一体机-某某装备有限公司.docx");
    }

    #[test]
    fn empty_parts_leave_no_double_hyphen() {
        let only_unit = name_of(
            "leading_tech",
            Some("equipment"),
            serde_json::json!({"holder_name": "某某装备有限公司"}),
        );
        assert_eq!(only_unit, "先导技术榜-装备制造-某某装备有限公司.docx");
        let nothing = name_of("leading_tech", None, serde_json::json!({"tech_name": "  "}));
        assert_eq!(nothing, "先导技术榜.docx");
        // A name made only of forbidden characters cleans to nothing: no empty part either.
        let forbidden = name_of(
            "leading_tech",
            None,
            serde_json::json!({"tech_name": "???", "holder_name": "单位"}),
        );
        assert_eq!(forbidden, "先导技术榜-单位.docx");
    }

    #[test]
    fn unknown_or_missing_domain_is_left_out() {
        let values = serde_json::json!({"tech_name": "甲", "holder_name": "乙"});
        assert_eq!(
            name_of("leading_tech", Some("no_such_domain"), values.clone()),
            "先导技术榜-甲-乙.docx"
        );
        assert_eq!(
            name_of("leading_tech", None, values),
            "先导技术榜-甲-乙.docx"
        );
    }

    #[test]
    fn name_equal_to_unit_is_given_once() {
        let name = name_of(
            "emerging_enterprise",
            None,
            serde_json::json!({"ent_name": "合肥晶叠光能科技有限公司"}),
        );
        assert_eq!(name, "新锐企业榜-合肥晶叠光能科技有限公司.docx");
        // Equal after trimming counts as equal.
        let mut d = draft(
            "tech_manager",
            None,
            serde_json::json!({"person_name": "张三 ", "employer": " 张三"}),
        );
        let defs = defs();
        let form = defs.form("tech_manager").unwrap();
        assert_eq!(
            docx_file_name(&defs, form, &d),
            "技术经理人先锋榜-张三.docx"
        );
        d.values.insert("employer".into(), "某研究院".into());
        assert_eq!(
            docx_file_name(&defs, form, &d),
            "技术经理人先锋榜-张三-某研究院.docx"
        );
    }

    #[test]
    fn windows_forbidden_characters_are_removed() {
        assert_eq!(
            safe_file_name(r#"a<b>c:d"e/f\g|h?i*j"#, "docx"),
            "abcdefghij.docx"
        );
        let name = name_of(
            "leading_tech",
            None,
            serde_json::json!({"tech_name": "5G/6G 融合：“空天地”一体化？", "holder_name": "A|B公司"}),
        );
        // Full-width punctuation is allowed on Windows and kept.
        assert_eq!(name, "先导技术榜-5G6G 融合：“空天地”一体化？-AB公司.docx");
    }

    #[test]
    fn control_characters_are_removed() {
        assert_eq!(
            safe_file_name("a\u{0}b\u{7}c\u{1b}d\u{7f}e", "docx"),
            "abcde.docx"
        );
        // Line breaks and tabs between words leave one space.
        assert_eq!(
            safe_file_name("上海\r\n某某\t公司", "docx"),
            "上海 某某 公司.docx"
        );
    }

    #[test]
    fn white_space_runs_become_one_space() {
        assert_eq!(safe_file_name("a   b \u{3000} c", "docx"), "a b c.docx");
        assert_eq!(safe_file_name("  leading", "docx"), "leading.docx");
    }

    #[test]
    fn trailing_dots_and_spaces_are_trimmed() {
        assert_eq!(safe_file_name("报告. . ..", "docx"), "报告.docx");
        assert_eq!(safe_file_name("v1.2 final.  ", "docx"), "v1.2 final.docx");
        let name = name_of(
            "leading_tech",
            None,
            serde_json::json!({"tech_name": "某技术...", "holder_name": "某公司 。"}),
        );
        assert_eq!(name, "先导技术榜-某技术-某公司 。.docx");
    }

    #[test]
    fn reserved_device_names_get_an_underscore() {
        for reserved in [
            "CON", "con", "Prn", "AUX", "nul", "COM1", "com9", "LPT1", "lpt9", "COM0", "LPT³",
        ] {
            assert_eq!(
                safe_file_name(reserved, "docx"),
                format!("{reserved}_.docx"),
                "{reserved}"
            );
        }
        // With an extension of its own, the device name is still reserved.
        assert_eq!(safe_file_name("nul.tar", "docx"), "nul_.tar.docx");
        assert_eq!(safe_file_name("CON .txt", "docx"), "CON_ .txt.docx");
        // Names that merely start like one are fine.
        for fine in ["CONSOLE", "COM10", "LPT", "AUXILIARY", "NUL-1", "COMA"] {
            assert_eq!(
                safe_file_name(fine, "docx"),
                format!("{fine}.docx"),
                "{fine}"
            );
        }
    }

    #[test]
    fn reserved_list_name_from_an_override_is_escaped() {
        let defs = defs();
        let mut form = defs.form("emerging_enterprise").unwrap().clone();
        form.name = "Con".into();
        let d = draft("emerging_enterprise", None, serde_json::json!({}));
        assert_eq!(docx_file_name(&defs, &form, &d), "Con_.docx");
    }

    #[test]
    fn empty_stem_becomes_underscore() {
        assert_eq!(safe_file_name("", "docx"), "_.docx");
        assert_eq!(safe_file_name(" ?* ..", "docx"), "_.docx");
    }

    #[test]
    fn long_names_are_cut_to_120_characters_keeping_the_extension() {
        let long = "x".repeat(200);
        let name = safe_file_name(&long, "docx");
        assert_eq!(name.chars().count(), MAX_FILE_NAME_CHARS);
        assert_eq!(name, format!("{}.docx", "x".repeat(115)));
        // Exactly at the limit: unchanged.
        let fits = "y".repeat(115);
        assert_eq!(safe_file_name(&fits, "docx"), format!("{fits}.docx"));
    }

    #[test]
    fn long_chinese_names_also_fit_in_255_bytes() {
        let long = "技".repeat(200);
        let name = safe_file_name(&long, "docx");
        assert!(name.chars().count() <= MAX_FILE_NAME_CHARS, "{name}");
        assert!(name.len() <= MAX_FILE_NAME_BYTES, "{} bytes", name.len());
        assert!(name.ends_with(".docx"));
        // 250 bytes of stem = 83 characters of three bytes each.
        assert_eq!(name, format!("{}.docx", "技".repeat(83)));
    }

    #[test]
    fn a_cut_leaves_no_dangling_separator() {
        let stem = format!("{}-{}", "a".repeat(114), "b".repeat(20));
        assert_eq!(
            safe_file_name(&stem, "docx"),
            format!("{}.docx", "a".repeat(114))
        );
        let stem = format!("{}. b", "a".repeat(113));
        assert_eq!(
            safe_file_name(&stem, "docx"),
            format!("{}.docx", "a".repeat(113))
        );
    }
}
