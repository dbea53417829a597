//! A .zip package: exactly one form (.docx or .json) at its top (or at the top of the one folder
//! that holds everything, as Windows' 「发送到压缩文件夹」 makes it), its attachments anywhere else,
//! the sealed scan as 「盖章扫描件.*」. Nothing is ever extracted to disk: the form is inflated to
//! be read, every other entry is streamed through its hash and dropped.

use std::path::Path;

use super::attachment::{Attachment, FileType, Step, safe_name};
use super::{Container, FormKind, Note, ProblemKind, Submission};
use crate::Definitions;
use crate::archive::{Archive, Entry};
use crate::limits;
use crate::rules::Finding;
use crate::schema::Form;

/// A form found in a package or an e-mail, not yet read.
pub(super) struct Candidate {
    /// As shown ([`safe_name`]).
    pub name: String,
    pub kind: FormKind,
    pub bytes: Result<Vec<u8>, String>,
    /// Where it is in the source file.
    pub at: Vec<Step>,
}

/// What a package holds.
#[derive(Default)]
pub(super) struct Contents {
    pub forms: Vec<Candidate>,
    pub attachments: Vec<Attachment>,
    /// What the clerk should know (an entry with an unsafe path, a link left out).
    pub notes: Vec<String>,
}

/// Reads a package file into its submission.
pub(super) fn read(defs: &Definitions, path: &Path, bytes: &[u8], hash: &str) -> Submission {
    let manual = |kind, reason| {
        Submission::manual(defs, path, Container::Zip, hash.to_owned(), kind, reason)
    };
    let contents = match open(bytes, &[]) {
        Ok(c) => c,
        Err(e) => {
            return manual(
                ProblemKind::Unreadable,
                format!("压缩包无法读取：{e}。请申报人重新打包后发送"),
            );
        }
    };
    let Contents {
        mut forms,
        attachments,
        notes,
    } = contents;
    match forms.len() {
        0 => manual(
            ProblemKind::NoForm,
            format!(
                "压缩包中没有申报表（顶层应有一份申报表 .docx 或申报草稿 .json），内有 {} 个其他文件。请申报人补发申报表",
                attachments.len()
            ),
        ),
        1 => {
            let candidate = forms.remove(0);
            let mut s = match candidate
                .bytes
                .map_err(|e| (ProblemKind::Unreadable, e))
                .and_then(|b| super::form(defs, path, &b, candidate.kind, Container::Zip))
            {
                Ok(s) => s,
                Err((kind, reason)) => {
                    let mut s = manual(kind, format!("压缩包中的「{}」：{reason}", candidate.name));
                    s.attachments = attachments;
                    return s;
                }
            };
            s.member = Some(candidate.name);
            s.attachments = attachments;
            s.notes.extend(notes.into_iter().map(|message| Note {
                field: String::new(),
                message,
            }));
            s
        }
        n => {
            let names: Vec<&str> = forms.iter().map(|f| f.name.as_str()).collect();
            manual(
                ProblemKind::SeveralForms,
                format!(
                    "压缩包顶层有 {n} 份申报表（{}），一个申报材料包只能有一份。请分别打包，或逐份导入",
                    names.join("、")
                ),
            )
        }
    }
}

/// Files that are no one's: the Mac's and Windows' bookkeeping, Word's lock files.
fn is_clutter(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or(path);
    path.starts_with("__MACOSX/")
        || last.starts_with("._")
        || last.starts_with("~$")
        || matches!(last, ".DS_Store" | "Thumbs.db" | "desktop.ini")
}

/// An entry name as a relative path with `/` between its parts; None when it is not one (it
/// climbs with `..`, is absolute or has a drive).
fn relative(name: &str) -> Option<String> {
    let name = name.replace('\\', "/");
    if name.starts_with('/') || name.as_bytes().get(1) == Some(&b':') {
        return None;
    }
    let parts: Vec<&str> = name
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if parts.contains(&"..") {
        return None;
    }
    Some(parts.join("/"))
}

fn form_kind(name: &str) -> Option<FormKind> {
    match FileType::of_name(name) {
        FileType::Docx => Some(FormKind::Docx),
        _ if name.to_ascii_lowercase().ends_with(".json") => Some(FormKind::Json),
        _ => None,
    }
}

/// Lists a package (`at`: where it is, for one attached to an e-mail). The error is why it
/// cannot be read at all.
pub(super) fn open(bytes: &[u8], at: &[Step]) -> Result<Contents, String> {
    let mut archive =
        Archive::open(bytes, limits::PACKAGE_INFLATE_BYTES).map_err(|e| e.to_string())?;
    let entries = archive.entries();
    let mut contents = Contents::default();
    // (entry, its relative path, or None when unsafe)
    let mut files: Vec<(&Entry, Option<String>)> = Vec::new();
    for entry in &entries {
        if entry.link {
            contents.notes.push(format!(
                "压缩包中的「{}」是符号链接，已忽略",
                safe_name(&entry.name)
            ));
            continue;
        }
        let rel = relative(&entry.name);
        if entry.dir || entry.name.ends_with('/') || rel.as_deref().is_some_and(is_clutter) {
            continue;
        }
        if rel.is_none() {
            contents.notes.push(format!(
                "压缩包中的条目「{}」路径不安全（含 ../、绝对路径或盘符），只按文件名「{}」列为附件，未解压到任何位置",
                entry.name.chars().filter(|c| !c.is_control()).collect::<String>(),
                safe_name(&entry.name)
            ));
        }
        files.push((entry, rel));
    }
    // The top: the package's root, or the one folder everything is in.
    let top_level = |rel: &str| !rel.contains('/');
    let mut prefix = String::new();
    if !files.iter().any(|(_, rel)| {
        rel.as_deref()
            .is_some_and(|r| top_level(r) && form_kind(r).is_some())
    }) {
        let firsts: std::collections::BTreeSet<&str> = files
            .iter()
            .map(|(_, rel)| {
                rel.as_deref()
                    .and_then(|r| r.split_once('/'))
                    .map(|(f, _)| f)
            })
            .map(|f| f.unwrap_or(""))
            .collect();
        if firsts.len() == 1
            && let Some(&only) = firsts.iter().next()
            && !only.is_empty()
        {
            prefix = format!("{only}/");
        }
    }
    for (entry, rel) in files {
        let mut steps = at.to_vec();
        steps.push(Step::Entry(entry.index));
        let at_top = rel
            .as_deref()
            .and_then(|r| r.strip_prefix(prefix.as_str()))
            .is_some_and(top_level);
        match (at_top, form_kind(&entry.name)) {
            (true, Some(kind)) => {
                let limit = match kind {
                    FormKind::Docx => limits::DOCX_BYTES,
                    FormKind::Json => limits::DRAFT_BYTES,
                };
                contents.forms.push(Candidate {
                    name: safe_name(&entry.name),
                    kind,
                    bytes: archive
                        .read_entry(entry.index, limit)
                        .map_err(|e| e.to_string()),
                    at: steps,
                });
            }
            _ => match archive.hash_entry(entry.index, limits::ATTACHMENT_BYTES, 1024) {
                Ok((hash, size, head)) => contents.attachments.push(Attachment::streamed(
                    &entry.name,
                    hash,
                    size,
                    &head,
                    steps,
                )),
                Err(e) => {
                    contents.notes.push(format!(
                        "压缩包中的「{}」无法读取（{e}），未列为附件",
                        safe_name(&entry.name)
                    ));
                }
            },
        }
    }
    Ok(contents)
}

/// The bytes at `at` in a package (for opening an attachment from the desk).
pub(super) fn extract(bytes: &[u8], at: &[Step]) -> Option<Vec<u8>> {
    let [Step::Entry(index)] = at else {
        return None;
    };
    let mut archive = Archive::open(bytes, limits::ATTACHMENT_BYTES).ok()?;
    archive.read_entry(*index, limits::ATTACHMENT_BYTES).ok()
}

/// Warnings about what came with a form: files the 附件清单 lists but that did not come, files
/// that came but are not listed, a missing sealed scan, and files the desk will not open.
pub(super) fn attachment_findings(form: &Form, s: &Submission) -> Vec<Finding> {
    let warn = |field: String, message: String| Finding {
        field,
        severity: crate::Severity::Warning,
        message,
        condition: None,
    };
    let mut out = Vec::new();
    let came: Vec<&Attachment> = s.attachments.iter().filter(|a| !a.sealed).collect();
    let mut matched = vec![false; came.len()];
    if let Some(field) = form.role_field(crate::schema::FieldRole::Attachments) {
        let column = field.columns.first().map_or("name", |c| c.id.as_str());
        for (i, listed) in form.listed_attachments(&s.draft) {
            let want = comparable(&listed);
            let found = came.iter().position(|a| {
                let have = comparable(&a.name);
                !want.is_empty()
                    && !have.is_empty()
                    && (have.contains(&want) || want.contains(&have))
            });
            match found {
                Some(j) => matched[j] = true,
                None => out.push(warn(
                    format!("{}[{i}].{column}", field.id),
                    format!(
                        "附件清单列出「{listed}」，但{}中没有名称相符的文件。请与申报人核实是否漏发",
                        s.container.label()
                    ),
                )),
            }
        }
        for (a, matched) in came.iter().zip(&matched) {
            if !matched {
                out.push(warn(
                    field.id.clone(),
                    format!(
                        "收到附件「{}」，但附件清单中没有列出。请核对附件清单",
                        a.name
                    ),
                ));
            }
        }
    }
    if !s.attachments.iter().any(|a| a.sealed) {
        out.push(warn(
            String::new(),
            format!(
                "{}中没有盖章扫描件（名为「盖章扫描件」的 PDF 或图片）。请与申报人核实",
                s.container.label()
            ),
        ));
    }
    for a in &s.attachments {
        if (a.kind == FileType::Program || (a.kind.openable() && !a.content_matches))
            && let Some(why) = a.refusal()
        {
            out.push(warn(String::new(), why));
        }
    }
    out
}

/// A name as compared with the 附件清单: without extension, 「附件3」-style numbering, spaces
/// and punctuation; width-folded, lower case.
fn comparable(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let stem = match name.rsplit_once('.') {
        Some((stem, ext)) if !ext.is_empty() && ext.len() <= 5 && ext.is_ascii() => stem,
        _ => name,
    };
    let folded: String = stem.nfkc().flat_map(char::to_lowercase).collect();
    let without_number = folded
        .strip_prefix("附件")
        .map(|rest| rest.trim_start_matches(|c: char| c.is_ascii_digit()))
        .unwrap_or(&folded);
    without_number
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names_that_leave_the_package_are_not_paths() {
        assert_eq!(relative("a/b.pdf").as_deref(), Some("a/b.pdf"));
        assert_eq!(relative("./a//b.pdf").as_deref(), Some("a/b.pdf"));
        assert_eq!(relative("a\\b.pdf").as_deref(), Some("a/b.pdf"));
        assert_eq!(relative("../b.pdf"), None);
        assert_eq!(relative("a/../../b.pdf"), None);
        assert_eq!(relative("/etc/passwd"), None);
        assert_eq!(relative("C:/x.pdf"), None);
    }

    #[test]
    fn listed_names_compare_loosely() {
        assert_eq!(comparable("附件1-营业执照.pdf"), "营业执照");
        assert_eq!(comparable("营业执照（副本）.PDF"), "营业执照副本");
        assert_eq!(comparable("ＡＢＣ 证书"), "abc证书");
    }
}
