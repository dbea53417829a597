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
    /// Forms below the top (in folders), by path: a package made of several.
    pub below_top: Vec<String>,
}

/// What one file may still cost while it is read: inflated bytes and attachments listed, shared
/// by everything inside it (every package attached to one e-mail draws on the same allowance).
pub(super) struct Allowance {
    pub bytes: u64,
    pub parts: usize,
}

impl Allowance {
    pub fn for_file() -> Allowance {
        Allowance {
            bytes: limits::PACKAGE_INFLATE_BYTES,
            parts: limits::MAIL_PARTS,
        }
    }

    /// One more attachment listed; when none is left, what to say (「超过 500 个…」, to follow
    /// 「附件」 or 「邮件附件」).
    pub fn take_part(&mut self) -> Result<(), String> {
        if self.parts == 0 {
            return Err(format!(
                "超过 {} 个，其余未列出。请与申报人联系，只发送附件清单所列的文件",
                limits::MAIL_PARTS
            ));
        }
        self.parts -= 1;
        Ok(())
    }
}

/// The candidates of a package or an e-mail read: the forms, and every other file as an
/// attachment — a candidate that is not a form of ours (a 推荐函.docx, a .json of something
/// else, a damaged file) is listed as an attachment, never dropped.
pub(super) struct Resolved {
    pub forms: Vec<Submission>,
    pub attachments: Vec<Attachment>,
    /// Why candidates were not forms (not for a foreign Word document, which is simply an
    /// attachment): (kind, 「name」：reason).
    pub failures: Vec<(ProblemKind, String)>,
}

pub(super) fn resolve(
    defs: &Definitions,
    source: &Path,
    container: Container,
    candidates: Vec<Candidate>,
) -> Resolved {
    let mut out = Resolved {
        forms: Vec::new(),
        attachments: Vec::new(),
        failures: Vec::new(),
    };
    for c in candidates {
        let read = c
            .bytes
            .as_ref()
            .map_err(|e| (ProblemKind::Unreadable, e.clone()))
            .and_then(|b| super::form(defs, source, b, c.kind, container));
        match read {
            Ok(mut s) => {
                s.member = Some(c.name);
                s.member_at = c.at;
                out.forms.push(s);
            }
            Err((kind, reason)) => {
                if !(kind == ProblemKind::NotOurs && c.kind == FormKind::Docx) {
                    out.failures
                        .push((kind, format!("「{}」：{reason}", c.name)));
                }
                match &c.bytes {
                    Ok(b) => out.attachments.push(Attachment::new(&c.name, b, c.at)),
                    Err(_) => out.attachments.push(Attachment::unread(&c.name, c.at)),
                }
            }
        }
    }
    out
}

/// Reads a package file into its submission.
pub(super) fn read(defs: &Definitions, path: &Path, bytes: &[u8], hash: &str) -> Submission {
    let manual = |kind, reason| {
        Submission::manual(defs, path, Container::Zip, hash.to_owned(), kind, reason)
    };
    let contents = match open(bytes, &[], &mut Allowance::for_file()) {
        Ok(c) => c,
        Err(e) => {
            return manual(
                ProblemKind::Unreadable,
                format!("{e}。请申报人重新打包后发送"),
            );
        }
    };
    let Contents {
        forms,
        mut attachments,
        notes,
        below_top,
    } = contents;
    let Resolved {
        forms: mut read,
        attachments: not_forms,
        failures,
    } = resolve(defs, path, Container::Zip, forms);
    attachments.splice(0..0, not_forms);
    let notes: Vec<Note> = notes
        .into_iter()
        .chain(failures.iter().map(|(_, m)| m.clone()))
        .map(|message| Note {
            field: String::new(),
            message,
        })
        .collect();
    let mut s = match read.len() {
        1 => read.remove(0),
        0 => {
            let (kind, reason) = if !below_top.is_empty() {
                (
                    ProblemKind::NoForm,
                    format!(
                        "压缩包顶层没有申报表，申报表在文件夹中（{}）。一个申报材料包的顶层应有一份申报表：请分别打包，或解压后逐份导入",
                        super::shorten_list(&below_top)
                    ),
                )
            } else if let Some((kind, reason)) = failures.first() {
                (kind.clone(), format!("压缩包中的{reason}"))
            } else {
                (
                    ProblemKind::NoForm,
                    format!(
                        "压缩包中没有申报表（顶层应有一份申报表 .docx 或申报草稿 .json），内有 {} 个其他文件。请申报人补发申报表",
                        attachments.len()
                    ),
                )
            };
            manual(kind, reason)
        }
        n => {
            let names: Vec<String> = read.iter().filter_map(|f| f.member.clone()).collect();
            manual(
                ProblemKind::SeveralForms,
                format!(
                    "压缩包顶层有 {n} 份申报表（{}），一个申报材料包只能有一份。请分别打包，或逐份导入",
                    super::shorten_list(&names)
                ),
            )
        }
    };
    s.attachments = attachments;
    s.notes.extend(notes);
    s
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

/// Lists a package (`at`: where it is, for one attached to an e-mail), within `allowance`. The
/// error is why it cannot be read at all.
pub(super) fn open(
    bytes: &[u8],
    at: &[Step],
    allowance: &mut Allowance,
) -> Result<Contents, String> {
    let mut archive = Archive::open(bytes, allowance.bytes).map_err(|e| match e {
        crate::archive::ArchiveError::NotZip(_) => format!("压缩包无法读取：{e}"),
        e => format!("压缩包已损坏或不安全：{e}"),
    })?;
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
                super::attachment::shown_text(&entry.name),
                safe_name(&entry.name)
            ));
        }
        files.push((entry, rel));
    }
    let prefix = wrapping_folders(&files);
    let top = |rel: &Option<String>| -> Option<String> {
        rel.as_deref()?
            .strip_prefix(prefix.as_str())
            .map(str::to_owned)
    };
    for (entry, rel) in files {
        if let Err(why) = allowance.take_part() {
            contents.notes.push(format!("附件{why}"));
            break;
        }
        let mut steps = at.to_vec();
        steps.push(Step::Entry(entry.index));
        let inside = top(&rel);
        let at_top = inside.as_deref().is_some_and(|r| !r.contains('/'));
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
                continue;
            }
            (false, Some(_)) => contents.below_top.push(super::attachment::shown_text(
                rel.as_deref().unwrap_or(&entry.name),
            )),
            _ => {}
        }
        match archive.hash_entry(entry.index, limits::ATTACHMENT_BYTES, 1024) {
            Ok((hash, size, head)) => contents.attachments.push(Attachment::streamed(
                &entry.name,
                hash,
                size,
                &head,
                steps,
            )),
            Err(e) => {
                contents.notes.push(format!(
                    "压缩包中的「{}」未能读取（{e}），已列为附件但无法核对和打开。请申报人单独发送该文件",
                    safe_name(&entry.name)
                ));
                let mut unread = Attachment::unread(&entry.name, steps);
                unread.size = entry.size;
                contents.attachments.push(unread);
            }
        }
    }
    allowance.bytes = allowance.bytes.saturating_sub(archive.inflated());
    // Forms in folders only count as misplaced when none is at the top.
    if !contents.forms.is_empty() {
        contents.below_top.clear();
    }
    Ok(contents)
}

/// The folders that wrap everything (Windows zips a folder as the folder; a download unpacked
/// into a folder and zipped again is two deep): `a/b/` when every file is below `a/b/`.
fn wrapping_folders(files: &[(&Entry, Option<String>)]) -> String {
    let mut prefix = String::new();
    for _ in 0..8 {
        let mut firsts = files.iter().map(|(_, rel)| {
            rel.as_deref()
                .and_then(|r| r.strip_prefix(prefix.as_str()))
                .and_then(|r| r.split_once('/'))
                .map(|(first, _)| first)
        });
        let Some(Some(first)) = firsts.next() else {
            break;
        };
        if !firsts.all(|f| f == Some(first)) {
            break;
        }
        prefix = format!("{prefix}{first}/");
    }
    prefix
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
/// that came but are not listed, a missing sealed scan, and files the desk will not open. Each
/// file answers one listed row (the best fitting first); at most [`MAX_SAID`] of each kind are
/// said one by one.
pub(super) fn attachment_findings(form: &Form, s: &Submission) -> Vec<Finding> {
    let warn = |field: String, message: String| Finding {
        field,
        severity: crate::Severity::Warning,
        message,
        condition: None,
        missing: false,
    };
    let place = match s.container {
        Container::Eml => "邮件",
        Container::Zip => "压缩包",
        _ => "收到的材料",
    };
    let mut out = Vec::new();
    let came: Vec<(&Attachment, String)> = s
        .attachments
        .iter()
        .filter(|a| !a.sealed)
        .map(|a| (a, comparable(&a.name)))
        .collect();
    let mut used = vec![false; came.len()];
    if let Some(field) = form.role_field(crate::schema::FieldRole::Attachments) {
        let column = field.columns.first().map_or("name", |c| c.id.as_str());
        let mut missing = Vec::new();
        for (i, listed) in form.listed_attachments(&s.draft) {
            let want = comparable(&listed);
            // The file's name holds the listed one; or the listed one holds a file's name that
            // is at least half of it (「营业执照.pdf」 for 「营业执照副本」, not 「件.pdf」).
            let fits = |have: &str| {
                !want.is_empty()
                    && !have.is_empty()
                    && (have.contains(&want)
                        || want.contains(have) && have.chars().count() * 2 >= want.chars().count())
            };
            let best = came
                .iter()
                .enumerate()
                .filter(|(j, (_, have))| !used[*j] && fits(have))
                .min_by_key(|(_, (_, have))| have.chars().count().abs_diff(want.chars().count()))
                .map(|(j, _)| j);
            match best {
                Some(j) => used[j] = true,
                None => missing.push((i, listed)),
            }
        }
        let said = missing
            .iter()
            .map(|(i, listed)| {
                warn(
                    format!("{}[{i}].{column}", field.id),
                    format!(
                        "附件清单列出「{listed}」，但{place}中没有名称相符的文件。请与申报人核实是否漏发"
                    ),
                )
            })
            .collect();
        capped(&mut out, said, |n| {
            warn(
                field.id.clone(),
                format!("附件清单中另有 {n} 项没有收到对应的文件"),
            )
        });
        let unlisted: Vec<&Attachment> = came
            .iter()
            .zip(&used)
            .filter(|(_, used)| !**used)
            .map(|((a, _), _)| *a)
            .collect();
        let said = unlisted
            .iter()
            .map(|a| {
                warn(
                    field.id.clone(),
                    format!(
                        "收到附件「{}」，但附件清单中没有列出。请核对附件清单",
                        a.name
                    ),
                )
            })
            .collect();
        capped(&mut out, said, |n| {
            warn(
                field.id.clone(),
                format!("另有 {n} 个附件附件清单中没有列出"),
            )
        });
    }
    if !s.attachments.iter().any(|a| a.sealed) {
        out.push(warn(
            String::new(),
            format!("{place}中没有盖章扫描件（名为「盖章扫描件」的 PDF 或图片）。请与申报人核实"),
        ));
    }
    let refused = s
        .attachments
        .iter()
        // (One that could not be read was said when it was listed.)
        .filter(|a| !a.hash.is_empty())
        .filter(|a| a.kind == FileType::Program || (a.kind.openable() && !a.content_matches))
        .filter_map(Attachment::refusal)
        .map(|why| warn(String::new(), why))
        .collect();
    capped(&mut out, refused, |n| {
        warn(
            String::new(),
            format!("另有 {n} 个附件不会打开（可执行程序或内容与扩展名不符）"),
        )
    });
    out
}

/// How many findings of one kind about attachments are said one by one.
const MAX_SAID: usize = 20;

/// The first [`MAX_SAID`] of `said`, then one finding (`rest`) counting the others.
fn capped(out: &mut Vec<Finding>, said: Vec<Finding>, rest: impl FnOnce(usize) -> Finding) {
    let n = said.len();
    out.extend(said.into_iter().take(MAX_SAID));
    if n > MAX_SAID {
        out.push(rest(n - MAX_SAID));
    }
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
