//! The e-mail hand-off (product spec §2.5, §6 `mail`): the subject and body of the message to
//! the secretariat, a `mailto:` link that opens the mail client with them filled in, and an
//! unsent message (.eml) with the exported .docx attached.
//!
//! Everything here is a pure function of the definitions, the draft and its arguments; writing
//! files and opening the mail client are the caller's business.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, FixedOffset};
use mail_builder::MessageBuilder;
use mail_builder::headers::content_type::ContentType;
use mail_builder::headers::message_id::MessageId;
use mail_builder::headers::raw::Raw;
use mail_builder::mime::{BodyPart, MimePart, make_boundary};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::naming::{application_name, application_unit, docx_file_name, domain_name, join_parts};
use crate::schema::FieldRole;
use crate::{Definitions, Draft, Form};

/// The MIME type of a Word .docx.
pub const DOCX_CONTENT_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// Line break of the body: CRLF, as both RFC 6068 (`%0D%0A` in a `mailto:` body) and RFC 5322
/// want it, so the same text serves the link and the message.
const CRLF: &str = "\r\n";

/// Characters written as themselves in a `mailto:` header value: RFC 3986 `unreserved` only.
/// RFC 6068 would also allow a few delimiters, but encoding them is always correct and some
/// mail clients mishandle a literal `&`, `+` or `;`.
const MAILTO_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The address part of a `mailto:` link additionally keeps its `@`.
const MAILTO_ADDRESS: &AsciiSet = &MAILTO_VALUE.remove(b'@');

/// 「2023年科创中国榜单申报-<榜单>-<名称>-<单位>」: empty parts left out, 名称 once when it
/// is also the 单位. One line: line breaks and runs of white space in the values become one
/// space, control characters are dropped.
pub fn subject(defs: &Definitions, form: &Form, draft: &Draft) -> String {
    let prefix = [
        format!("{}年科创中国榜单申报", defs.call.year),
        one_line(&form.name),
    ];
    join_parts(
        &prefix,
        one_line(&application_name(form, draft)),
        one_line(&application_unit(form, draft)),
    )
}

/// The message to the secretariat (`defs.call.contact.unit`, 学会秘书处): what is submitted
/// (榜单, 领域 when any, 名称, 单位), that the filled form `attachment_name` is attached and the
/// attachments the form lists are sent along, and who to contact.
///
/// Plain text with CRLF line breaks throughout (no bare CR or LF: values from the draft are
/// made one line each), ending in a line break. The contact is 联系人 and 手机 from the
/// contact block, or 姓名 and 手机 for 技术经理人先锋榜 whose applicant is the contact.
pub fn body(defs: &Definitions, form: &Form, draft: &Draft, attachment_name: &str) -> String {
    body_with(defs, form, draft, attachment_name, None)
}

/// [`body`], saying also that the sealed scan (its first file's name) is attached.
pub fn body_with(
    defs: &Definitions,
    form: &Form,
    draft: &Draft,
    attachment_name: &str,
    sealed: Option<&str>,
) -> String {
    let name = one_line(&application_name(form, draft));
    let unit = one_line(&application_unit(form, draft));
    let name_label = field_label(form, &form.name_field, "名称");
    let unit_label = field_label(form, &form.unit_field, "单位");
    let (contact, mobile) = contact(form, draft);
    let attachment = one_line(attachment_name);

    let mut lines: Vec<String> = Vec::new();
    lines.push(format!("{}：", one_line(&defs.call.contact.unit)));
    lines.push(String::new());
    lines.push(format!(
        "您好！现报送{}，请查收。",
        one_line(&defs.call.form_title(form))
    ));
    lines.push(String::new());
    lines.push(format!("榜单：{}", one_line(&form.name)));
    if let Some(domain) = domain_name(form, draft) {
        lines.push(format!("领域：{}", one_line(domain)));
    }
    if !name.is_empty() {
        lines.push(format!("{name_label}：{name}"));
    }
    if !unit.is_empty() && unit != name {
        lines.push(format!("{unit_label}：{unit}"));
    }
    lines.push(String::new());
    if attachment.is_empty() {
        lines.push("填写完成的申报表见附件。".to_owned());
    } else {
        lines.push(format!("填写完成的申报表见附件「{attachment}」。"));
    }
    let listed: Vec<String> = form
        .listed_attachments(draft)
        .into_iter()
        .map(|(_, name)| one_line(&name))
        .collect();
    if !listed.is_empty() {
        lines.push(format!(
            "申报表所列附件随本邮件一并发送：{}。",
            listed.join("；")
        ));
    }
    if let Some(sealed) = sealed {
        lines.push(format!(
            "盖章签字后的申报表扫描件见附件「{}」。",
            one_line(sealed)
        ));
    }
    match (contact.is_empty(), mobile.is_empty()) {
        (false, false) => lines.push(format!("联系人：{contact}，手机：{mobile}")),
        (false, true) => lines.push(format!("联系人：{contact}")),
        (true, false) => lines.push(format!("联系电话：{mobile}")),
        (true, true) => {}
    }
    lines.push(String::new());
    lines.push("此致".to_owned());
    lines.push("敬礼！".to_owned());
    let signature: Vec<&String> = [&unit, &contact]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    if !signature.is_empty() {
        lines.push(String::new());
        lines.extend(signature.into_iter().cloned());
    }
    let mut text = lines.join(CRLF);
    text.push_str(CRLF);
    text
}

/// The longest `mailto:` link [`mailto_url`] makes, in characters (all ASCII). Windows hands
/// ShellExecute's link to the mail program through the registry's command line, and mail
/// programs and browsers cut links at about 2,000 characters; Wine's shell32 crashes past
/// about 1,000. Percent-encoded Chinese takes 9 characters a character, so a link this short
/// holds the subject and a few lines, not the letter: the form and its attachments travel in
/// the .eml or the package, which the body names.
pub const MAILTO_LIMIT: usize = 1800;

/// `mailto:<submission e-mail>?subject=…&body=…`, subject and body as UTF-8 percent-encoded
/// per RFC 6068 (a space is `%20`, a line break `%0D%0A`; only unreserved characters are
/// left as they are), never longer than [`MAILTO_LIMIT`].
///
/// A `mailto:` link cannot carry attachments: the body ([`mailto_body`]) is short and says
/// to attach the form `attachment_name` (or to send the .eml draft or the package, which
/// carry it). When the link would be too long the file's name is left out of the body, then
/// the subject is shortened with 「…」 (the .eml carries it whole).
pub fn mailto_url(defs: &Definitions, form: &Form, draft: &Draft, attachment_name: &str) -> String {
    let address =
        utf8_percent_encode(defs.call.submission_email.trim(), MAILTO_ADDRESS).to_string();
    let subject = subject(defs, form, draft);
    let whole_subject = utf8_percent_encode(&subject, MAILTO_VALUE)
        .to_string()
        .len();
    let encoded = |text: String| utf8_percent_encode(&text, MAILTO_VALUE).to_string();
    let named = encoded(mailto_body(defs, form, attachment_name));
    let fixed = |body: &str| format!("mailto:{address}?subject=&body={body}").len();
    // The file's name goes when the subject would not fit whole beside it.
    let body = if fixed(&named) + whole_subject <= MAILTO_LIMIT {
        named
    } else {
        encoded(mailto_body(defs, form, ""))
    };
    let subject = fit_encoded(&subject, MAILTO_LIMIT.saturating_sub(fixed(&body)));
    let url = format!("mailto:{address}?subject={subject}&body={body}");
    if url.len() <= MAILTO_LIMIT {
        url
    } else {
        // Only an address too long for any link gets here: the link opens with the address.
        format!("mailto:{address}")
    }
}

/// The body of the `mailto:` link: to whom, what is sent, and that the form (`attachment_name`,
/// left out when empty) and the files its 附件清单 lists are to be attached — or that the .eml
/// draft or the 申报材料包 the app makes carry them. CRLF line breaks, as [`body`].
pub fn mailto_body(defs: &Definitions, form: &Form, attachment_name: &str) -> String {
    let attachment = one_line(attachment_name);
    let file = if attachment.is_empty() {
        "填写完成的申报表".to_owned()
    } else {
        format!("申报表「{attachment}」")
    };
    let lines = [
        format!("{}：", one_line(&defs.call.contact.unit)),
        String::new(),
        format!(
            "您好！现报送{}，请查收。",
            one_line(&defs.call.form_title(form))
        ),
        format!(
            "{file}、附件和盖章扫描件请添加为本邮件的附件；也可改为发送申报助手生成的邮件草稿(.eml)或申报材料包(.zip)，其中已含全部文件。"
        ),
    ];
    let mut text = lines.join(CRLF);
    text.push_str(CRLF);
    text
}

/// `text` percent-encoded for a `mailto:` value in at most `budget` characters: whole
/// characters from its start, ending in 「…」 when any were left out.
fn fit_encoded(text: &str, budget: usize) -> String {
    let whole = utf8_percent_encode(text, MAILTO_VALUE).to_string();
    if whole.len() <= budget {
        return whole;
    }
    let ellipsis = utf8_percent_encode("…", MAILTO_VALUE).to_string();
    let mut out = String::new();
    let mut buf = [0u8; 4];
    for c in text.chars() {
        let piece = utf8_percent_encode(c.encode_utf8(&mut buf), MAILTO_VALUE).to_string();
        if out.len() + piece.len() + ellipsis.len() > budget {
            break;
        }
        out.push_str(&piece);
    }
    if out.len() + ellipsis.len() <= budget {
        out.push_str(&ellipsis);
    }
    out
}

/// An unsent e-mail (RFC 5322, MIME) to the submission address with the exported form
/// attached, for 「生成邮件草稿(.eml)」 and `kczg-form mail`.
///
/// - `To`: `defs.call.submission_email`; `Subject`: [`subject`], RFC 2047 encoded (UTF-8);
///   `Date`: `date` with its offset; a `Message-ID`; `MIME-Version: 1.0`.
/// - `X-Unsent: 1`, so Outlook opens the file as a draft ready to send (Thunderbird offers
///   「编辑为新消息」 on it; Foxmail opens it for sending too).
/// - `multipart/mixed`: the [`body`] as `text/plain; charset=utf-8`, then `attachment` as
///   [`DOCX_CONTENT_TYPE`] in base64, named `attachment_name` (when empty,
///   [`docx_file_name`]). The name is given the way Thunderbird gives it, for the widest
///   reach: RFC 2231 `filename*=UTF-8''…` (split into `filename*0*`, `filename*1*`, … when
///   long) in `Content-Disposition`, and RFC 2047 encoded words in the `Content-Type`'s
///   `name=` for clients that do not read RFC 2231 (older Outlook).
///
/// **No `From` header.** The message is a draft: the mail client that opens it fills the
/// sender from the account that sends it, and Outlook, Thunderbird and Foxmail all accept a
/// draft without one. Writing a made-up or empty sender would instead risk being sent as is.
/// `mail-builder` does not insist on a `From`, so none is written.
///
/// Header lines are folded to at most 78 characters and base64 lines are 76, with one
/// exception RFC 5322 allows (the 78 is a "SHOULD"): the attachment's
/// `Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document;`
/// is a single token of 86 characters that cannot be folded (every mailer writes it so).
pub fn eml(
    defs: &Definitions,
    form: &Form,
    draft: &Draft,
    attachment_name: &str,
    attachment: &[u8],
    date: DateTime<FixedOffset>,
) -> Vec<u8> {
    let parts = [crate::bundle::Part {
        name: attachment_name.to_owned(),
        bytes: attachment.to_vec(),
    }];
    eml_with(defs, form, draft, &parts, date)
}

/// [`eml`] carrying everything gathered to send (see [`crate::bundle`]): the form first, then
/// the attachments and the pages of the sealed scan, each with its own type and its name in
/// RFC 2231 and RFC 2047 form.
pub fn eml_with(
    defs: &Definitions,
    form: &Form,
    draft: &Draft,
    parts: &[crate::bundle::Part],
    date: DateTime<FixedOffset>,
) -> Vec<u8> {
    let file_name = match parts.first().map(|p| one_line(&p.name)) {
        Some(name) if !name.is_empty() => name,
        _ => docx_file_name(defs, form, draft),
    };
    let sealed = parts
        .iter()
        .find(|p| crate::intake::attachment::is_sealed_scan(&p.name))
        .map(|p| p.name.as_str());
    let text = MimePart::new(
        "text/plain",
        body_with(defs, form, draft, &file_name, sealed),
    );
    let mut mime = vec![text];
    for (i, part) in parts.iter().enumerate() {
        let name = if i == 0 {
            file_name.clone()
        } else {
            one_line(&part.name)
        };
        let kind = if i == 0 {
            DOCX_CONTENT_TYPE
        } else {
            part.content_type()
        };
        mime.push(attachment_part(kind, &name, &part.bytes));
    }
    // Unique enough for a draft (the clock in nanoseconds and a per-process counter, from
    // mail-builder's boundary generator); the client that sends it may assign its own.
    let unique = make_boundary(".");
    let unique: Vec<&str> = unique.split('.').take(2).collect();
    let message_id = format!(
        "{}.{}@kczg-form",
        date.format("%Y%m%d%H%M%S"),
        unique.join(".")
    );

    let mut out = Vec::new();
    MessageBuilder::new()
        .to(defs.call.submission_email.trim())
        .subject(subject(defs, form, draft))
        .header("Date", Raw::new(date.to_rfc2822()))
        .message_id(MessageId::new(message_id))
        .header("X-Unsent", Raw::new("1"))
        .body(MimePart::new("multipart/mixed", mime))
        .serialize(&mut out);
    out
}

/// The warning when a message of `size` bytes passes what the submission mailbox takes
/// (`mailbox_mb` of the call file).
pub fn too_large_for_the_mailbox(defs: &Definitions, size: u64) -> Option<String> {
    let limits = defs.call.attachments;
    (size > limits.mailbox_bytes()).then(|| {
        format!(
            "邮件共 {}（附件编码后约为原文件的 1.37 倍），超过征集邮箱单封 {} MB 的限制，可能无法送达。请压缩附件，或把附件分几封邮件发送（每封注明申报名称）。",
            crate::files::size_text(size),
            limits.mailbox_mb
        )
    })
}

/// One attached file: its type with the name for old clients, and the disposition with the
/// name as RFC 2231 (mail-builder encodes it).
fn attachment_part(kind: &str, name: &str, bytes: &[u8]) -> MimePart<'static> {
    MimePart {
        headers: vec![
            (
                "Content-Type".into(),
                Raw::new(format!("{kind}; name={}", quoted_encoded_words(name))).into(),
            ),
            (
                "Content-Disposition".into(),
                ContentType::new("attachment")
                    .attribute("filename", name.to_owned())
                    .into(),
            ),
        ],
        contents: BodyPart::Binary(bytes.to_vec().into()),
    }
}

/// The value as one line: control characters (line breaks, tabs, …) and runs of white space
/// become one space; trimmed.
fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn field_label<'a>(form: &'a Form, id: &str, fallback: &'a str) -> &'a str {
    form.field(id)
        .map(|f| f.label.as_str())
        .filter(|l| !l.trim().is_empty())
        .unwrap_or(fallback)
}

/// The contact person and mobile (the form's `contact_field` and `mobile_field`: the contact
/// block's 联系人 / 手机, or 技术经理人先锋榜's own 姓名 / 手机).
fn contact(form: &Form, draft: &Draft) -> (String, String) {
    (
        one_line(&form.role_text(FieldRole::Contact, draft)),
        one_line(&form.role_text(FieldRole::Mobile, draft)),
    )
}

/// At most this many bytes of UTF-8 in one RFC 2047 encoded word of the `name=` parameter:
/// 42 bytes are 56 base64 characters, a 68-character word, so the folded line
/// ` name="=?UTF-8?B?…?=` is 76 characters long.
const WORD_PAYLOAD: usize = 42;

/// `"…"`: the value as a quoted string, as RFC 2047 encoded words separated by spaces (where
/// the header may be folded) unless it is short printable ASCII without quotes or backslashes.
///
/// Encoded words inside a quoted string are not strictly RFC 2047, but it is what Thunderbird
/// and Gmail write for `name=` and what every client reads; it exists only as a fallback for
/// clients that ignore the RFC 2231 `filename*` of the `Content-Disposition`.
fn quoted_encoded_words(value: &str) -> String {
    let plain = value.len() <= 60
        && value
            .bytes()
            .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\');
    if plain {
        return format!("\"{value}\"");
    }
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in value.chars() {
        if !chunk.is_empty() && chunk.len() + c.len_utf8() > WORD_PAYLOAD {
            words.push(format!("=?UTF-8?B?{}?=", BASE64.encode(&chunk)));
            chunk.clear();
        }
        chunk.push(c);
    }
    if !chunk.is_empty() {
        words.push(format!("=?UTF-8?B?{}?=", BASE64.encode(&chunk)));
    }
    format!("\"{}\"", words.join(" "))
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

    #[test]
    fn subject_has_year_list_name_and_unit() {
        let defs = defs();
        let form = defs.form("leading_tech").unwrap();
        let d = draft(
            "leading_tech",
            Some("equipment"),
            serde_json::json!({"tech_name": "掘锚一体机", "holder_name": "某某装备有限公司"}),
        );
        // The domain is not part of the subject.
        assert_eq!(
            subject(&defs, form, &d),
            "2023年科创中国榜单申报-先导技术榜-掘锚一体机-某某装备有限公司"
        );
    }

    #[test]
    fn subject_leaves_out_empty_parts_and_repeats_nothing() {
        let defs = defs();
        let form = defs.form("emerging_enterprise").unwrap();
        let d = draft(
            "emerging_enterprise",
            None,
            serde_json::json!({"ent_name": "某某科技有限公司"}),
        );
        assert_eq!(
            subject(&defs, form, &d),
            "2023年科创中国榜单申报-新锐企业榜-某某科技有限公司"
        );
        let empty = draft("emerging_enterprise", None, serde_json::json!({}));
        assert_eq!(
            subject(&defs, form, &empty),
            "2023年科创中国榜单申报-新锐企业榜"
        );
        let form = defs.form("leading_tech").unwrap();
        let only_unit = draft(
            "leading_tech",
            None,
            serde_json::json!({"tech_name": "", "holder_name": "单位"}),
        );
        assert_eq!(
            subject(&defs, form, &only_unit),
            "2023年科创中国榜单申报-先导技术榜-单位"
        );
    }

    #[test]
    fn subject_year_comes_from_the_call() {
        let mut defs = defs();
        defs.call.year = 2024;
        let form = defs.form("tech_manager").unwrap().clone();
        let d = draft(
            "tech_manager",
            None,
            serde_json::json!({"person_name": "张三", "employer": "某研究院"}),
        );
        assert_eq!(
            subject(&defs, &form, &d),
            "2024年科创中国榜单申报-技术经理人先锋榜-张三-某研究院"
        );
    }

    #[test]
    fn subject_is_one_line() {
        let defs = defs();
        let form = defs.form("leading_tech").unwrap();
        let d = draft(
            "leading_tech",
            None,
            serde_json::json!({"tech_name": "甲\r\n乙\t丙", "holder_name": "丁\u{7}"}),
        );
        assert_eq!(
            subject(&defs, form, &d),
            "2023年科创中国榜单申报-先导技术榜-甲 乙 丙-丁"
        );
    }

    #[test]
    fn body_names_everything_and_uses_crlf_only() {
        let defs = defs();
        let form = defs.form("leading_tech").unwrap();
        let d = draft(
            "leading_tech",
            Some("green_low_carbon"),
            serde_json::json!({
                "tech_name": "碳捕集\n技术",
                "holder_name": "某某建材有限公司",
                "contact_name": "王五",
                "contact_mobile": "13800000000",
                "attachments": [{"name": "营业执照"}, {"name": " "}, {"name": "检测报告"}],
            }),
        );
        let text = body(
            &defs,
            form,
            &d,
            "先导技术榜-绿色低碳-碳捕集 技术-某某建材有限公司.docx",
        );
        for expected in [
            "学会秘书处：\r\n",
            "2023年“科创中国”先导技术榜申报表",
            "榜单：先导技术榜\r\n",
            "领域：绿色低碳\r\n",
            "技术名称：碳捕集 技术\r\n",
            "技术持有单位：某某建材有限公司\r\n",
            "「先导技术榜-绿色低碳-碳捕集 技术-某某建材有限公司.docx」",
            "随本邮件一并发送：营业执照；检测报告。",
            "联系人：王五，手机：13800000000",
        ] {
            assert!(text.contains(expected), "{expected:?} not in {text}");
        }
        assert!(text.ends_with("某某建材有限公司\r\n王五\r\n"), "{text}");
        assert_eq!(text.matches('\n').count(), text.matches("\r\n").count());
        assert_eq!(text.matches('\r').count(), text.matches("\r\n").count());
    }

    #[test]
    fn body_without_domain_attachments_or_contact() {
        let defs = defs();
        let form = defs.form("emerging_enterprise").unwrap();
        let d = draft(
            "emerging_enterprise",
            None,
            serde_json::json!({"ent_name": "某某科技有限公司"}),
        );
        let text = body(&defs, form, &d, "");
        assert!(!text.contains("领域"), "{text}");
        assert!(!text.contains("联系"), "{text}");
        assert!(!text.contains("一并发送"), "{text}");
        assert!(text.contains("填写完成的申报表见附件。"), "{text}");
        // 企业名称 once: it is also the unit.
        assert_eq!(text.matches("某某科技有限公司").count(), 2, "{text}"); // line + signature
        assert!(text.contains("企业名称：某某科技有限公司\r\n"), "{text}");
    }

    #[test]
    fn tech_manager_contact_is_the_applicant() {
        let defs = defs();
        let form = defs.form("tech_manager").unwrap();
        let d = draft(
            "tech_manager",
            None,
            serde_json::json!({"person_name": "张三", "employer": "某研究院", "mobile": "13900000000"}),
        );
        let text = body(&defs, form, &d, "x.docx");
        assert!(
            text.contains("姓名：张三\r\n工作单位：某研究院\r\n"),
            "{text}"
        );
        assert!(text.contains("联系人：张三，手机：13900000000"), "{text}");
    }

    #[test]
    fn mailto_encodes_per_rfc_6068() {
        let defs = defs();
        let form = defs.form("emerging_enterprise").unwrap();
        let d = draft(
            "emerging_enterprise",
            None,
            serde_json::json!({"ent_name": "A&B 公司+1"}),
        );
        let url = mailto_url(&defs, form, &d, "a b.docx");
        assert!(
            url.starts_with("mailto:gxtdzxh@126.com?subject=2023%E5%B9%B4"),
            "{url}"
        );
        assert!(url.contains("A%26B%20%E5%85%AC%E5%8F%B8%2B1"), "{url}");
        assert!(url.contains("%0D%0A"), "{url}");
        assert!(!url.contains(' ') && !url.contains('+') && !url.contains('\n'));
        assert_eq!(url.matches('&').count(), 1, "only the separator: {url}");
        assert_eq!(url.matches('?').count(), 1, "{url}");
    }

    #[test]
    fn encoded_words_fit_a_folded_line() {
        let name = "先导技术榜-装备制造-煤矿巷道智能掘锚一体化成套装备及远程集控技术-洛阳嵩岳智能矿山装备有限公司.docx";
        let quoted = quoted_encoded_words(name);
        assert!(quoted.starts_with("\"=?UTF-8?B?") && quoted.ends_with("?=\""));
        for word in quoted.trim_matches('"').split(' ') {
            assert!(word.len() <= 75, "{word}");
            assert!(" name=\"".len() + word.len() <= 76, "{word}");
        }
        let decoded: String = quoted
            .trim_matches('"')
            .split(' ')
            .map(|w| {
                let b64 = w.trim_start_matches("=?UTF-8?B?").trim_end_matches("?=");
                String::from_utf8(BASE64.decode(b64).unwrap()).unwrap()
            })
            .collect();
        assert_eq!(decoded, name);
        assert_eq!(quoted_encoded_words("form.docx"), "\"form.docx\"");
        assert!(quoted_encoded_words("a\"b.docx").starts_with("\"=?UTF-8?B?"));
    }
}
