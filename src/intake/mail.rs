//! An e-mail saved from the mail client (.eml): the form attached to it (a .docx or .json, or
//! inside an attached .zip package), every other attachment, the sender and the date. Names
//! come out right in the encodings Foxmail and Outlook write (RFC 2047 `=?GBK?B?…?=`, RFC 2231
//! `filename*=gb18030''…`): mail-parser decodes them through encoding_rs. Bodies are never
//! rendered; forwarded e-mails attached are opened [`limits::MAIL_DEPTH`] levels deep.

use std::path::Path;

use mail_parser::{Message, MessageParser, MimeHeaders};

use super::attachment::{Attachment, FileType, Step, safe_name};
use super::package::{self, Candidate};
use super::{Container, FormKind, Note, ProblemKind, Submission};
use crate::Definitions;
use crate::limits;

/// Whether `bytes` begin like an e-mail: a header line of a name mail clients always write.
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
    let head = &bytes[..bytes.len().min(256)];
    let line = head.split(|&b| b == b'\n').next().unwrap_or(head);
    let line = String::from_utf8_lossy(line).to_ascii_lowercase();
    HEADERS.iter().any(|h| line.starts_with(h))
}

/// What an e-mail holds.
#[derive(Default)]
struct Found {
    forms: Vec<Candidate>,
    attachments: Vec<Attachment>,
    notes: Vec<String>,
    parts: usize,
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
    let Some(message) = MessageParser::default().parse(bytes) else {
        return (
            None,
            vec![manual(
                ProblemKind::Unreadable,
                "无法识别为邮件（.eml）。请在邮件程序中把邮件另存为 .eml 后再导入".to_owned(),
            )],
        );
    };
    let message_id = message.message_id().map(|id| clean(id, 200));
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
    let sent = message.date().map(|d| {
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}",
            d.year, d.month, d.day, d.hour, d.minute
        )
    });
    let mut found = Found::default();
    walk(&message, &[], 0, &mut found);

    let mut submissions = Vec::new();
    let mut failures: Vec<(ProblemKind, String)> = Vec::new();
    let mut not_forms: Vec<Attachment> = Vec::new();
    for candidate in found.forms {
        let read = candidate
            .bytes
            .as_ref()
            .map_err(|e| (ProblemKind::Unreadable, e.clone()))
            .and_then(|b| super::form(defs, path, b, candidate.kind, Container::Eml));
        match read {
            Ok(mut s) => {
                s.member = Some(candidate.name);
                submissions.push(s);
            }
            // A Word document that is not a form (a letter, a certificate): an attachment.
            Err((ProblemKind::NotOurs, _)) if candidate.kind == FormKind::Docx => {
                if let Ok(b) = &candidate.bytes {
                    not_forms.push(Attachment::new(&candidate.name, b, candidate.at.clone()));
                }
            }
            Err((kind, reason)) => {
                failures.push((kind, format!("邮件附件「{}」：{reason}", candidate.name)));
            }
        }
    }
    let mut attachments = not_forms;
    attachments.append(&mut found.attachments);
    if submissions.len() > 1 {
        found.notes.push(format!(
            "同一封邮件中有 {} 份申报表，附件无法区分归属，已列在每一份之下",
            submissions.len()
        ));
    }
    if submissions.is_empty() {
        let (kind, reason) = failures.into_iter().next().unwrap_or_else(|| {
            let names: Vec<&str> = attachments.iter().map(|a| a.name.as_str()).collect();
            (
                ProblemKind::NoForm,
                if names.is_empty() {
                    "邮件中没有找到附件，也就没有申报表（转发多次的邮件，里层的附件可能读不到）。请与发件人联系，直接发送申报表".to_owned()
                } else {
                    format!(
                        "邮件中没有申报表（附件：{}）。请与发件人联系补发申报表 .docx",
                        names.join("、")
                    )
                },
            )
        });
        let mut s = manual(kind, reason);
        s.attachments = attachments;
        s.sender = sender;
        s.sent = sent;
        return (message_id, vec![s]);
    }
    for s in &mut submissions {
        s.attachments = attachments.clone();
        s.sender = sender.clone();
        s.sent = sent.clone();
        s.notes.extend(found.notes.iter().map(|m| Note {
            field: String::new(),
            message: m.clone(),
        }));
        for (_, reason) in &failures {
            s.notes.push(Note {
                field: String::new(),
                message: reason.clone(),
            });
        }
    }
    (message_id, submissions)
}

/// One line of at most `max` characters, without control characters.
fn clean(text: &str, max: usize) -> String {
    text.chars()
        .filter(|c| !c.is_control())
        .take(max)
        .collect::<String>()
        .trim()
        .to_owned()
}

fn walk(message: &Message, at: &[Step], depth: usize, found: &mut Found) {
    for (i, part) in message.attachments().enumerate() {
        if found.parts >= limits::MAIL_PARTS {
            found.notes.push(format!(
                "邮件附件超过 {} 个，其余未列出",
                limits::MAIL_PARTS
            ));
            return;
        }
        found.parts += 1;
        let mut steps = at.to_vec();
        steps.push(Step::Part(i));
        if let Some(inner) = part.message() {
            if depth + 1 < limits::MAIL_DEPTH {
                walk(inner, &steps, depth + 1, found);
            } else {
                found
                    .notes
                    .push("转发的邮件层数过多，最里层的附件未列出".to_owned());
            }
            continue;
        }
        let raw = part
            .attachment_name()
            .map(str::to_owned)
            .unwrap_or_else(|| format!("附件{}", found.parts));
        let name = safe_name(&raw);
        let bytes = part.contents();
        let kind = FileType::of_name(&name);
        let form = match kind {
            FileType::Docx => Some(FormKind::Docx),
            _ if name.to_ascii_lowercase().ends_with(".json") => Some(FormKind::Json),
            _ => None,
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
            match package::open(bytes, &steps) {
                Ok(inner) => {
                    found.forms.extend(inner.forms);
                    found.attachments.extend(inner.attachments);
                    found.notes.extend(inner.notes);
                    continue;
                }
                Err(e) => found
                    .notes
                    .push(format!("邮件附件「{name}」是无法打开的压缩包（{e}）")),
            }
        }
        found.attachments.push(Attachment::new(&raw, bytes, steps));
    }
}

/// The bytes at `at` in an e-mail (for opening an attachment from the desk).
pub(super) fn extract(bytes: &[u8], at: &[Step]) -> Option<Vec<u8>> {
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
