//! A review pack per expert: `<姓名>-评审包.zip` holding the expert's 评分表 and, in
//! 「申报材料/<序号>-<名称>/」, each assigned application as it was received (the .docx or draft,
//! or the e-mail or package it came in, with the files that came with it) — nothing of any
//! other application; and `<姓名>-评审包.eml`, an unsent message to the expert carrying it.

use chrono::{DateTime, FixedOffset};
use mail_builder::MessageBuilder;
use mail_builder::headers::raw::Raw;
use mail_builder::mime::MimePart;

use super::collect::assigned;
use super::store::Review;
use super::{Application, Expert};
use crate::bundle::{Bundle, Part};
use crate::intake::Container;
use crate::schema::Definitions;

/// One expert's pack and message.
#[derive(Debug)]
pub struct Pack {
    pub zip_name: String,
    pub zip: Vec<u8>,
    pub eml_name: String,
    pub eml: Vec<u8>,
    pub apps: usize,
    /// Files that could not be put in (gone, changed since init), each said.
    pub missing: Vec<String>,
}

/// The files of an application as received: the form, and the files that came with it. A form
/// read on its own is the file itself; from an e-mail or a package the form and each of its
/// attachments are taken out (the message may carry other applications, which this expert must
/// not see), each checked against the hash the intake saw. A file that cannot be put in (gone,
/// changed since the review began, or a type no reviewer should be sent, such as a program) is
/// said, not dropped in silence.
fn received(app: &Application) -> (Vec<Part>, Vec<String>) {
    let source = std::path::Path::new(&app.source);
    let file_name = || {
        source
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "申报表".to_owned())
    };
    let read = |path: &std::path::Path| {
        crate::files::read_bounded(path, crate::intake::size_limit(path)).map_err(|e| {
            format!(
                "「{}」的来源文件「{}」无法读取（{e}），未放入评审包",
                app.name,
                path.display()
            )
        })
    };
    let bytes = match read(source) {
        Ok(b) => b,
        Err(why) => return (Vec::new(), vec![why]),
    };
    let container = match app.container {
        Some(c @ (Container::Eml | Container::Zip)) if !app.member_at.is_empty() => c,
        // A form on its own, or a review begun before the form's place was kept.
        Some(Container::Docx | Container::Json) if crate::intake::content_id(&bytes) != app.id => {
            return (
                Vec::new(),
                vec![format!(
                    "「{}」的申报表「{}」在评审开始后已被改动或替换，未放入评审包。请重新导入后再开始评审",
                    app.name,
                    file_name()
                )],
            );
        }
        _ => {
            return (
                vec![Part {
                    name: file_name(),
                    bytes,
                }],
                Vec::new(),
            );
        }
    };
    let mut parts = Vec::new();
    let mut missing = Vec::new();
    match crate::intake::extract(container, &bytes, &app.member_at)
        .filter(|form| crate::intake::content_id(form) == app.id)
    {
        Some(form) => {
            let shown = app.member.as_deref().unwrap_or("申报表.docx");
            let last = shown.rsplit(" › ").next().unwrap_or(shown);
            parts.push(Part {
                name: crate::intake::attachment::safe_name(last),
                bytes: form,
            });
        }
        None => missing.push(format!(
            "「{}」的申报表在「{}」中已找不到（来源文件在评审开始后被改动或替换），未放入评审包。请重新导入后再开始评审",
            app.name,
            file_name()
        )),
    }
    for a in &app.attachments {
        if !a.kind.openable() || a.hash.is_empty() || !a.content_matches {
            missing.push(format!(
                "「{}」的附件「{}」未放入评审包：{}",
                app.name,
                a.name,
                a.refusal().unwrap_or_default()
            ));
            continue;
        }
        let content = match &a.source {
            Some(other) => read(other)
                .ok()
                .and_then(|b| crate::intake::extract(a.container.unwrap_or(container), &b, &a.at)),
            None => crate::intake::extract(container, &bytes, &a.at),
        };
        match content.filter(|c| crate::intake::content_id(c) == a.hash) {
            Some(bytes) => parts.push(Part {
                name: a.name.clone(),
                bytes,
            }),
            None => missing.push(format!(
                "「{}」的附件「{}」在来源文件中已找不到或已被改动，未放入评审包",
                app.name, a.name
            )),
        }
    }
    unique_names(&mut parts);
    (parts, missing)
}

/// Two files of one application with the same name (two 「盖章扫描件.pdf」 from two e-mails)
/// become 「盖章扫描件.pdf」 and 「盖章扫描件（2）.pdf」: a zip holds each name once.
fn unique_names(parts: &mut [Part]) {
    let mut seen = std::collections::HashSet::new();
    for part in parts.iter_mut() {
        let mut n = 1;
        let original = part.name.clone();
        while !seen.insert(part.name.to_lowercase()) {
            n += 1;
            part.name = match original.rsplit_once('.') {
                Some((stem, ext)) if !stem.is_empty() => format!("{stem}（{n}）.{ext}"),
                _ => format!("{original}（{n}）"),
            };
        }
    }
}

/// Expert `e`'s pack (see the module's head).
pub fn pack(
    defs: &Definitions,
    review: &Review,
    secret: &str,
    e: usize,
    date: DateTime<FixedOffset>,
) -> Result<Pack, String> {
    let expert = &review.experts[e];
    let apps = assigned(review, e);
    let sheet = super::sheet::score_sheet(defs, secret, expert, &apps)?;
    let stem = crate::naming::safe_file_name(&expert.name, "")
        .trim_end_matches('.')
        .to_owned();
    let sheet_name = format!("{stem}-评分表.xlsx");
    let mut parts = vec![Part {
        name: sheet_name.clone(),
        bytes: sheet,
    }];
    let mut missing = Vec::new();
    // Numbered as on the sheets: each plan's sheet counts from 1.
    let mut n = 0;
    for (_, group) in super::sheet::by_plan(defs, &apps) {
        for app in group {
            n += 1;
            let folder = crate::naming::safe_file_name(&format!("{n:02}-{}", app.name), "");
            let folder = folder.trim_end_matches('.');
            let (files, lost) = received(app);
            missing.extend(lost);
            for f in files {
                parts.push(Part {
                    name: format!("申报材料/{folder}/{}", f.name),
                    bytes: f.bytes,
                });
            }
        }
    }
    let zip = Bundle {
        parts,
        notes: Vec::new(),
    }
    .zip()?;
    let zip_name = format!("{stem}-评审包.zip");
    let eml = message(defs, expert, apps.len(), &zip_name, &zip, date);
    Ok(Pack {
        eml_name: format!("{stem}-评审包.eml"),
        zip_name,
        zip,
        eml,
        apps: apps.len(),
        missing,
    })
}

/// The unsent message to the expert, carrying the pack.
fn message(
    defs: &Definitions,
    expert: &Expert,
    apps: usize,
    zip_name: &str,
    zip: &[u8],
    date: DateTime<FixedOffset>,
) -> Vec<u8> {
    let due = defs
        .call
        .stages
        .iter()
        .find(|s| s.name.contains("初评"))
        .map(|s| s.when.clone())
        .unwrap_or_default();
    let subject = format!(
        "{}初评评审：请{}专家评审 {apps} 份申报",
        defs.call.title, expert.name
    );
    let body = format!(
        "{}专家：\n\n您好！附件「{zip_name}」是请您评审的 {apps} 份申报材料和评分表。\n\n\
         请解压后打开「{}-评分表.xlsx」，先读「说明」一页，再在各评分工作表的黄色格中打分、选择推荐意见（推荐 / 不推荐 / 回避）并填写评审意见。\
         如与某份申报的单位有利害关系，请选「回避」。\n\n请在{due}将填好的评分表（仍为 .xlsx，文件名不要改动）回复本邮件发回。\n\n\
         谢谢！\n{} {}\n",
        expert.name, expert.name, defs.call.contact.unit, defs.call.contact.person,
    );
    let attachment = MimePart::new("application/zip", zip.to_vec()).attachment(zip_name.to_owned());
    let mut out = Vec::new();
    MessageBuilder::new()
        .to(expert.email.as_str())
        .subject(subject)
        .header("Date", Raw::new(date.to_rfc2822()))
        .header("X-Unsent", Raw::new("1"))
        .body(MimePart::new(
            "multipart/mixed",
            vec![MimePart::new("text/plain", body), attachment],
        ))
        .serialize(&mut out);
    out
}
