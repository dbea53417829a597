//! An e-mail saved from the mail client (.eml): the form attached to it (a .docx or .json, or
//! inside an attached .zip package), every other attachment, the sender and the date. Names
//! come out right in the encodings Foxmail and Outlook write (RFC 2047 `=?GBK?B?…?=`, RFC 2231
//! `filename*=gb18030''…`): mail-parser decodes them through encoding_rs. Bodies are never
//! rendered; forwarded e-mails attached are opened [`limits::MAIL_DEPTH`] levels deep.

use std::path::Path;

use mail_parser::{Message, MessageParser, MimeHeaders};

use super::attachment::{Attachment, FileType, Step, safe_name};
use super::package::{self, Candidate, Resolved};
use super::{Container, FormKind, Note, ProblemKind, Submission};
use crate::Definitions;
use crate::limits;

/// Whether `bytes` begin like an e-mail: two header lines of names mail clients always write
/// among the first lines (a note beginning 「To: 秘书处」 is not one).
pub(super) fn looks_like_mail(bytes: &[u8]) -> bool {
    const HEADERS: [&str; 12] = [
        "from:",
        "to:",
        "subject:",
        "date:",
        "received:",
        "return-path:",
        "message-id:",
        "mime-version:",
        "delivered-to:",
        "x-",
        "content-type:",
        "reply-to:",
    ];
    let head = &bytes[..bytes.len().min(1024)];
    let known = head
        .split(|&b| b == b'\n')
        .take(20)
        .map(|line| String::from_utf8_lossy(line).to_ascii_lowercase())
        .filter(|line| HEADERS.iter().any(|h| line.starts_with(h)))
        .count();
    known >= 2
}

/// Why an e-mail is not given to mail-parser at all (see [`limits::MAIL_NESTED`] and
/// [`limits::MAIL_HEADER_LINES`]): one pass over the lines, before anything is built.
fn too_complex(bytes: &[u8]) -> Option<String> {
    let (mut nested, mut headers) = (0usize, 0usize);
    for line in bytes.split(|&b| b == b'\n') {
        let name_len = line
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
            .count();
        if name_len == 0 || line.get(name_len) != Some(&b':') {
            continue;
        }
        headers += 1;
        if line[..name_len].eq_ignore_ascii_case(b"content-type") {
            let value = line[name_len + 1..].trim_ascii_start();
            if value.len() >= 8 && value[..8].eq_ignore_ascii_case(b"message/") {
                nested += 1;
            }
        }
        if nested > limits::MAIL_NESTED {
            return Some(format!(
                "邮件中附带的邮件超过 {} 封（转发套转发），未读取。请与发件人联系，直接发送申报表",
                limits::MAIL_NESTED
            ));
        }
        if headers > limits::MAIL_HEADER_LINES {
            return Some(format!(
                "邮件的信头超过 {} 行，不像是正常的邮件，未读取。请与发件人联系，重新发送",
                limits::MAIL_HEADER_LINES
            ));
        }
    }
    None
}

/// What an e-mail holds.
#[derive(Default)]
struct Found {
    forms: Vec<Candidate>,
    attachments: Vec<Attachment>,
    notes: Vec<String>,
}

/// Reads an e-mail into its submissions (one per form attached; one 「需人工处理」 when there is
/// none), with its Message-ID.
pub(super) fn read(
    defs: &Definitions,
    path: &Path,
    bytes: &[u8],
    hash: &str,
) -> (Option<String>, Vec<Submission>) {
    let manual = |kind, reason| {
        Submission::manual(defs, path, Container::Eml, hash.to_owned(), kind, reason)
    };
    if let Some(reason) = too_complex(bytes) {
        return (None, vec![manual(ProblemKind::TooLarge, reason)]);
    }
    let Some(message) = MessageParser::default().parse(bytes) else {
        return (
            None,
            vec![manual(
                ProblemKind::Unreadable,
                "无法识别为邮件（.eml）。请在邮件程序中把邮件另存为 .eml 后再导入".to_owned(),
            )],
        );
    };
    // The raw ID as a key (an empty one is none); only ever a hint that a file repeats.
    let message_id = message
        .message_id()
        .map(str::trim)
        .filter(|id| !id.trim_matches(['<', '>']).trim().is_empty())
        .map(str::to_owned);
    let sender = message.from().and_then(|a| a.first()).map(|a| {
        match (
            a.name().map(|n| clean(n, 60)),
            a.address().map(|n| clean(n, 120)),
        ) {
            (Some(name), Some(addr)) if !name.is_empty() => format!("{name} <{addr}>"),
            (_, Some(addr)) => addr,
            (Some(name), None) => name,
            (None, None) => String::new(),
        }
    });
    let sent = message.date().and_then(beijing_time);
    let mut found = Found::default();
    let mut allowance = package::Allowance::for_file();
    walk(&message, &[], 0, &mut found, &mut allowance);

    let Resolved {
        forms: mut submissions,
        attachments: not_forms,
        failures,
    } = package::resolve(defs, path, Container::Eml, found.forms);
    let mut attachments = not_forms;
    attachments.append(&mut found.attachments);
    let mut notes: Vec<Note> = found
        .notes
        .iter()
        .chain(failures.iter().map(|(_, m)| m))
        .map(|m| Note {
            field: String::new(),
            message: format!("邮件附件{m}"),
        })
        .collect();
    if submissions.len() > 1 {
        notes.push(Note {
            field: String::new(),
            message: format!(
                "同一封邮件中有 {} 份申报表，附件无法区分归属，已列在每一份之下；请核对每一份的附件与盖章扫描件",
                submissions.len()
            ),
        });
    }
    if submissions.is_empty() {
        let (kind, reason) = match failures.first() {
            Some((kind, reason)) => (kind.clone(), format!("邮件附件{reason}")),
            None => {
                let names: Vec<String> = attachments.iter().map(|a| a.name.clone()).collect();
                (
                    ProblemKind::NoForm,
                    if names.is_empty() {
                        "邮件中没有找到附件，也就没有申报表（转发多次的邮件，里层的附件可能读不到）。请与发件人联系，直接发送申报表".to_owned()
                    } else {
                        format!(
                            "邮件中没有申报表（附件：{}）。请与发件人联系补发申报表 .docx",
                            super::shorten_list(&names)
                        )
                    },
                )
            }
        };
        let mut s = manual(kind, reason);
        s.attachments = attachments;
        s.sender = sender;
        s.sent = sent;
        s.notes = notes;
        return (message_id, vec![s]);
    }
    for s in &mut submissions {
        s.attachments = attachments.clone();
        s.sender = sender.clone();
        s.sent = sent.clone();
        s.notes.extend(notes.iter().cloned());
    }
    (message_id, submissions)
}

/// The date an e-mail says it was sent, in Beijing time (the call's deadlines are): 「2023-06-01
/// 10:20」; the sender's own zone when it was not +08:00 is said after it.
fn beijing_time(d: &mail_parser::DateTime) -> Option<String> {
    use chrono::{FixedOffset, TimeZone};
    let offset = (i32::from(d.tz_hour) * 60 + i32::from(d.tz_minute)) * 60;
    let offset = if d.tz_before_gmt { -offset } else { offset };
    let zone = FixedOffset::east_opt(offset)?;
    let local = zone
        .with_ymd_and_hms(
            i32::from(d.year),
            u32::from(d.month),
            u32::from(d.day),
            u32::from(d.hour),
            u32::from(d.minute),
            u32::from(d.second),
        )
        .single()?;
    let beijing = local.with_timezone(&FixedOffset::east_opt(8 * 3600)?);
    let mut text = beijing.format("%Y-%m-%d %H:%M").to_string();
    if offset != 8 * 3600 {
        text.push_str(&format!("（北京时间；发件人时区 {}）", local.format("%:z")));
    }
    Some(text)
}

/// One line of at most `max` characters, without control or format characters.
fn clean(text: &str, max: usize) -> String {
    super::attachment::shown_text(text)
        .chars()
        .take(max)
        .collect::<String>()
        .trim()
        .to_owned()
}

fn walk(
    message: &Message,
    at: &[Step],
    depth: usize,
    found: &mut Found,
    allowance: &mut package::Allowance,
) {
    for (i, part) in message.attachments().enumerate() {
        if let Err(why) = allowance.take_part() {
            found.notes.push(why);
            return;
        }
        let mut steps = at.to_vec();
        steps.push(Step::Part(i));
        if let Some(inner) = part.message() {
            if depth + 1 < limits::MAIL_DEPTH {
                walk(inner, &steps, depth + 1, found, allowance);
            } else {
                found.notes.push(
                    "中转发的邮件层数过多，最里层的附件未列出。请发件人直接发送原件".to_owned(),
                );
            }
            continue;
        }
        let bytes = part.contents();
        // A picture inside the body (a signature logo): not something sent along.
        if part.content_id().is_some()
            && part
                .content_type()
                .is_some_and(|ct| ct.c_type.eq_ignore_ascii_case("image"))
            && part
                .content_disposition()
                .is_none_or(|d| !d.is_attachment())
        {
            continue;
        }
        let header = message
            .raw_message()
            .get(part.offset_header as usize..part.offset_body as usize)
            .unwrap_or_default();
        let raw = raw_name(header)
            .or_else(|| part.attachment_name().map(str::to_owned))
            .unwrap_or_else(|| format!("附件{}", i + 1));
        let name = safe_name(&raw);
        let kind = FileType::of_name(&name);
        // A form is known by its content as well as its name (an attachment without a usable
        // name, or one Outlook renamed).
        let form = match kind {
            FileType::Docx => Some(FormKind::Docx),
            _ if name.to_ascii_lowercase().ends_with(".json") => Some(FormKind::Json),
            _ => super::form_kind_of(bytes),
        };
        if let Some(kind) = form {
            found.forms.push(Candidate {
                name,
                kind,
                bytes: Ok(bytes.to_vec()),
                at: steps,
            });
            continue;
        }
        if kind == FileType::Zip && bytes.starts_with(b"PK") {
            match package::open(bytes, &steps, allowance) {
                Ok(inner) => {
                    found.forms.extend(inner.forms.into_iter().map(|mut c| {
                        c.name = format!("{name} › {}", c.name);
                        c
                    }));
                    found.attachments.extend(inner.attachments);
                    found.notes.extend(
                        inner
                            .notes
                            .into_iter()
                            .map(|n| format!("「{name}」中：{n}")),
                    );
                    continue;
                }
                Err(e) => found.notes.push(format!(
                    "「{name}」无法打开（{e}），已列为附件。请申报人重新打包后发送"
                )),
            }
        }
        found.attachments.push(Attachment::new(&raw, bytes, steps));
    }
}

/// The file name a part's raw header gives where mail-parser reads it wrong: RFC 2231
/// continuations (`filename*0*=gb18030''%BC%BC; filename*1*=%CA%F5…`, as Outlook and
/// Thunderbird split long names) joined before they are decoded with the first one's charset,
/// and 8-bit names that are not UTF-8 read as GB18030 (Chinese Windows mailers). None when the
/// header has neither: mail-parser's reading stands.
fn raw_name(header: &[u8]) -> Option<String> {
    use std::sync::LazyLock;
    static SEGMENT: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
        regex::bytes::Regex::new(
            r#"(?i)(?:^|[;\s])(file)?name\*(\d{1,3})(\*)?=(?:"((?-u:[^"])*)"|((?-u:[^;\s])*))"#,
        )
        .expect("a valid pattern")
    });
    static PLAIN: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
        regex::bytes::Regex::new(
            r#"(?i)(?:^|[;\s])(file)?name=(?:"((?-u:[^"])*)"|((?-u:[^;\s])*))"#,
        )
        .expect("a valid pattern")
    });
    // Unfolded: a line break followed by white space continues the header.
    let mut text = Vec::with_capacity(header.len());
    let mut i = 0;
    while i < header.len() {
        let line_break = if header[i..].starts_with(b"\r\n") {
            2
        } else {
            usize::from(header[i] == b'\n')
        };
        if line_break > 0
            && header
                .get(i + line_break)
                .is_some_and(|b| matches!(b, b' ' | b'\t'))
        {
            i += line_break;
            continue;
        }
        text.push(header[i]);
        i += 1;
    }
    // Continuations: filename's before name's.
    for want_file in [true, false] {
        let mut segments: Vec<(u32, bool, Vec<u8>)> = SEGMENT
            .captures_iter(&text)
            .filter(|c| c.get(1).is_some() == want_file)
            .filter_map(|c| {
                let n = std::str::from_utf8(c.get(2)?.as_bytes())
                    .ok()?
                    .parse()
                    .ok()?;
                let value = c.get(4).or_else(|| c.get(5))?.as_bytes().to_vec();
                Some((n, c.get(3).is_some(), value))
            })
            .collect();
        if segments.len() < 2 {
            continue;
        }
        segments.sort_by_key(|s| s.0);
        segments.dedup_by_key(|s| s.0);
        let mut charset = "utf-8".to_owned();
        let mut bytes = Vec::new();
        for (k, (_, extended, value)) in segments.iter().enumerate() {
            let mut value = value.as_slice();
            if k == 0 && *extended {
                let mut parts = value.splitn(3, |&b| b == b'\'');
                if let (Some(cs), Some(_lang), Some(rest)) =
                    (parts.next(), parts.next(), parts.next())
                {
                    charset = String::from_utf8_lossy(cs).into_owned();
                    value = rest;
                }
            }
            if *extended {
                bytes.extend(percent_encoding::percent_decode(value));
            } else {
                bytes.extend_from_slice(value);
            }
        }
        return Some(decode_name(&charset, &bytes));
    }
    let plain = PLAIN
        .captures_iter(&text)
        .filter_map(|c| c.get(2).or_else(|| c.get(3)).map(|m| m.as_bytes().to_vec()))
        .find(|v| !v.is_ascii() && std::str::from_utf8(v).is_err())?;
    Some(decode_name("gb18030", &plain))
}

/// Bytes of a name in `charset` (GB2312 and GBK read as GB18030, their superset); anything
/// unknown as GB18030 when it is not UTF-8.
fn decode_name(charset: &str, bytes: &[u8]) -> String {
    let encoding =
        encoding_rs::Encoding::for_label(charset.trim().as_bytes()).unwrap_or(encoding_rs::UTF_8);
    let encoding = if encoding == encoding_rs::GBK {
        encoding_rs::GB18030
    } else {
        encoding
    };
    let (text, _, bad) = encoding.decode(bytes);
    if bad && encoding == encoding_rs::UTF_8 {
        return encoding_rs::GB18030.decode(bytes).0.into_owned();
    }
    text.into_owned()
}

/// The bytes at `at` in an e-mail (for opening an attachment from the desk).
pub(super) fn extract(bytes: &[u8], at: &[Step]) -> Option<Vec<u8>> {
    if too_complex(bytes).is_some() {
        return None;
    }
    let message = MessageParser::default().parse(bytes)?;
    extract_from(&message, at)
}

fn extract_from(message: &Message, at: &[Step]) -> Option<Vec<u8>> {
    let (&first, rest) = at.split_first()?;
    let Step::Part(i) = first else {
        return None;
    };
    let part = message.attachments().nth(i)?;
    match (part.message(), rest.first()) {
        (Some(inner), Some(_)) => extract_from(inner, rest),
        (_, None) => Some(part.contents().to_vec()),
        (None, Some(Step::Entry(_))) => super::package::extract(part.contents(), rest),
        (None, Some(Step::Part(_))) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_over_rfc2231_continuations_are_joined_before_decoding() {
        let name = "技术经理人先锋榜申报表（张三）.docx";
        let gb = encoding_rs::GB18030.encode(name).0;
        let pct: String = gb.iter().map(|b| format!("%{b:02X}")).collect();
        // Split inside a character: the first segment ends with half of one.
        let (a, b) = pct.split_at(3 * 7);
        let header = format!(
            "Content-Type: application/octet-stream\r\nContent-Disposition: attachment;\r\n filename*0*=gb18030''{a};\r\n filename*1*={b}\r\n\r\n"
        );
        assert_eq!(raw_name(header.as_bytes()).as_deref(), Some(name));
    }

    #[test]
    fn raw_gbk_names_are_read_as_gb18030_and_ascii_ones_left_to_the_parser() {
        let mut header = b"Content-Disposition: attachment; filename=\"".to_vec();
        header.extend_from_slice(&encoding_rs::GBK.encode("身份证复印件.pdf").0);
        header.extend_from_slice(b"\"\r\n");
        assert_eq!(raw_name(&header).as_deref(), Some("身份证复印件.pdf"));
        let encoded = b"Content-Disposition: attachment; filename=\"=?GBK?B?tqjKpLrPyes=?=\"\r\n";
        assert_eq!(raw_name(encoded), None);
    }

    #[test]
    fn an_email_deeper_than_mail_parser_can_drop_is_refused_before_parsing() {
        let mut m = Vec::new();
        for _ in 0..=limits::MAIL_NESTED {
            m.extend_from_slice(b"Content-Type: message/rfc822\r\n\r\n");
        }
        assert!(too_complex(&m).unwrap().contains("转发套转发"));
        assert!(too_complex(b"From: a\r\nContent-Type: message/rfc822\r\n").is_none());
    }
}
