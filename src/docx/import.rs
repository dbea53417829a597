//! Reading one .docx of ours back — exported by the app, corrected in Word, WPS or LibreOffice,
//! a blank template filled by hand, or an export of version 1 — into a draft.
//!
//! The content controls are the truth ([`super::fill`]): they are what was signed and sealed.
//! The embedded draft keeps what the document does not show and tells what changed after
//! export. A version-1 export (no controls) is its embedded draft, compared with the visible
//! tables by label ([`super::v1`]).
//!
//! The file comes from outside, so it is read defensively: a size limit before anything is read,
//! limits on the number of zip entries, on each part's size and on its compression ratio (zip
//! bombs), and XML that declares a DTD is refused outright (entity-expansion attacks). Only the
//! parts we need are ever decompressed; docx-rs's own reader is never used on these files.

use quick_xml::events::Event;

use super::embed::{MARKER_NAMESPACE, Marker, NAMESPACE};
use super::present::shorten;
use super::read::{self, Body};
use crate::archive::{Archive, ArchiveError};
use crate::draft::{Draft, DraftError};
use crate::limits;
use crate::rules::Finding;
use crate::schema::{Definitions, Form, Kind};

/// A .docx larger than this is refused before reading (see [`limits::DOCX_BYTES`]).
pub const MAX_DOCX_BYTES: u64 = limits::DOCX_BYTES;
/// Custom XML parts looked at (an export has two).
const MAX_CUSTOM_PARTS: usize = 16;
/// How much of a custom XML part is read to see whether its root element is ours.
const ROOT_PEEK_BYTES: u64 = 4096;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ImportError {
    #[error("文件过大（{0} 字节，上限 {limit} MB），不是本程序导出的申报表", limit = MAX_DOCX_BYTES / 1024 / 1024)]
    TooLarge(u64),
    #[error("不是 Word 文档（.docx），或文件不完整：{0}")]
    NotDocx(String),
    #[error("文档已损坏或不安全，拒绝读取：{0}")]
    Damaged(String),
    #[error(
        "不是本程序的申报表：文档中既没有申报表的内容控件，也没有内嵌的申报草稿。请申报人用“科创中国榜单申报助手”导出申报表，或在空白申报表（Word 版）中填写后再发送"
    )]
    NotOurs,
    #[error("文档中内嵌的申报草稿无法读取：{0}")]
    Draft(DraftError),
}

/// A field whose visible text in the document differs from the embedded draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisibleEdit {
    /// `field` or `table[row].column`.
    pub field: String,
    pub label: String,
    /// What the export printed.
    pub exported: String,
    /// What the document shows now; None when the field's row was not found.
    pub visible: Option<String>,
}

impl VisibleEdit {
    /// One line for people: 「技术名称」导出时为「…」，现在为「…」.
    pub fn describe(&self) -> String {
        let shown = |s: &str| {
            if s.is_empty() {
                "（空）".to_owned()
            } else {
                shorten(s)
            }
        };
        match &self.visible {
            Some(v) => format!(
                "「{}」导出时为「{}」，现在为「{}」",
                self.label,
                shown(&self.exported),
                shown(v)
            ),
            None => format!(
                "「{}」在 Word 文档中找不到（可能被删除或改了标题），保留导出时的内容「{}」",
                self.label,
                shown(&self.exported)
            ),
        }
    }
}

/// What a document is, as read: [`Origin::Export`], [`Origin::Edited`], [`Origin::Template`],
/// [`Origin::Older`] or [`Origin::Stripped`] (the intake's origins; a draft file and a row
/// 「需人工处理」 are the others).
pub use crate::intake::Origin;

/// The draft, what changed after export, and what the reading noticed.
#[derive(Debug, Clone)]
pub struct Imported {
    pub draft: Draft,
    pub origin: Origin,
    /// Against the embedded draft: what changed after export (for [`Origin::Older`]: where
    /// the visible text differs from the draft, which is kept).
    pub edits: Vec<VisibleEdit>,
    /// Warnings about reading, on fields (a date whose text and picker disagree).
    pub notes: Vec<Finding>,
}

/// Reads one .docx of ours (see the module documentation).
pub fn import(defs: &Definitions, bytes: &[u8]) -> Result<Imported, ImportError> {
    let mut zip = open(bytes)?;
    let (embedded, marker) = custom_parts(&mut zip)?;
    let body = match zip.read("word/document.xml", limits::DOCUMENT_XML_BYTES)? {
        Some(xml) => read::body(&xml)?,
        None => Body::default(),
    };
    let list = embedded
        .as_ref()
        .map(|d| d.list.clone())
        .or_else(|| marker.as_ref().map(|m| m.list.clone()))
        .or_else(|| infer_list(defs, &body));
    let form = list.as_deref().and_then(|l| defs.form(l));
    let controlled = form.is_some_and(|f| has_controls(f, &body));
    match (form, embedded) {
        (Some(form), embedded) if controlled => {
            let from_export = embedded.is_some();
            let base = embedded.unwrap_or_else(|| {
                let m = marker.as_ref();
                Draft::new(
                    m.map_or_else(|| defs.call.year.to_string(), |m| m.call.clone()),
                    form.id.clone(),
                    m.and_then(|m| m.domain.clone()),
                )
            });
            // An applicant's export prints the recommendation block empty: an empty box there
            // keeps what the draft holds (a version without the marker's word: the same).
            let printed = marker.as_ref().is_some_and(|m| m.recommendation);
            let filled = super::fill::from_controls(form, &body, base, from_export, printed);
            let origin = match (from_export, filled.edits.is_empty()) {
                (false, _) => Origin::Template,
                (true, true) => Origin::Export,
                (true, false) => Origin::Edited,
            };
            Ok(Imported {
                draft: filled.draft,
                origin,
                edits: filled.edits,
                notes: filled.notes,
            })
        }
        // Ours, but no control is left (Google Docs and some converters drop them): the
        // layout is not version 1's, so comparing labels would only mislead.
        (_, Some(draft)) if marker.is_some() => Ok(Imported {
            draft,
            origin: Origin::Stripped,
            edits: Vec::new(),
            notes: vec![Finding {
                field: String::new(),
                severity: crate::Severity::Warning,
                message: "文档中的填写框（内容控件）已被其他软件去掉，无法读取文档中显示的内容；已按导出时内嵌的草稿导入，请与申报人核对文档中是否有改动".into(),
                condition: None,
                missing: false,
            }],
        }),
        (form, Some(draft)) => Ok(Imported {
            edits: form.map_or_else(Vec::new, |f| super::v1::edits(f, &draft, &body)),
            draft,
            origin: Origin::Older,
            notes: Vec::new(),
        }),
        (_, None) => Err(ImportError::NotOurs),
    }
}

/// Whether the document holds any control tagged for a field of `form`.
fn has_controls(form: &Form, body: &Body) -> bool {
    body.controls.iter().any(|c| tag_field(form, &c.tag))
}

/// Whether `tag` is one of `form`'s: `FIELD`, `FIELD=OPTION` or `TABLE.COLUMN`.
fn tag_field(form: &Form, tag: &str) -> bool {
    let id = tag.split(['=', '.']).next().unwrap_or(tag);
    form.field(id)
        .is_some_and(|f| match tag[id.len()..].chars().next() {
            None => true,
            Some('=') => f.kind == Kind::Multichoice,
            Some(_) => f.column(&tag[id.len() + 1..]).is_some(),
        })
}

/// A filled form whose marker was lost: the list whose fields most tags name.
fn infer_list(defs: &Definitions, body: &Body) -> Option<String> {
    defs.forms
        .iter()
        .map(|f| {
            let hits = body
                .controls
                .iter()
                .filter(|c| tag_field(f, &c.tag))
                .count();
            (hits, f)
        })
        .filter(|(hits, _)| *hits > 0)
        .max_by_key(|(hits, _)| *hits)
        .map(|(_, f)| f.id.clone())
}

/// Only the embedded draft.
pub fn read_draft(bytes: &[u8]) -> Result<Draft, ImportError> {
    custom_parts(&mut open(bytes)?)?
        .0
        .ok_or(ImportError::NotOurs)
}

fn open(bytes: &[u8]) -> Result<Archive<'_>, ImportError> {
    if bytes.len() as u64 > MAX_DOCX_BYTES {
        return Err(ImportError::TooLarge(bytes.len() as u64));
    }
    Archive::open(bytes, limits::DOCX_INFLATE_BYTES).map_err(ImportError::from)
}

impl From<ArchiveError> for ImportError {
    fn from(e: ArchiveError) -> ImportError {
        match e {
            ArchiveError::NotZip(why) => ImportError::NotDocx(why),
            ArchiveError::Damaged(why) => ImportError::Damaged(why),
        }
    }
}

/// Our custom XML parts: the embedded draft and the marker, each when present.
fn custom_parts(zip: &mut Archive) -> Result<(Option<Draft>, Option<Marker>), ImportError> {
    let mut draft = None;
    let mut marker = None;
    let mut names: Vec<String> = zip
        .names()
        .filter(|n| n.starts_with("customXml/item") && n.ends_with(".xml") && !n.contains("Props"))
        .map(str::to_owned)
        .collect();
    names.sort();
    for name in names.into_iter().take(MAX_CUSTOM_PARTS) {
        // Look at the root element before inflating a whole part that is not ours.
        let Some(head) = zip.peek(&name, ROOT_PEEK_BYTES)? else {
            continue;
        };
        if marker.is_none()
            && let Some(m) = read_marker(&head)
        {
            marker = Some(m);
            continue;
        }
        if draft.is_some() || !root_is_ours(&head) {
            continue;
        }
        let Some(xml) = zip.read(&name, limits::DRAFT_PART_BYTES)? else {
            continue;
        };
        let text = our_text(&xml, &name)?;
        // The part is done with: free it before the draft is parsed (it may be 20 MB).
        drop(xml);
        if let Some(json) = text {
            // The same limit as a draft file: `\u0026` and the like stand for one byte each.
            let escapes = ["\\u0026", "\\u003c", "\\u003e"]
                .iter()
                .map(|e| json.matches(e).count())
                .sum::<usize>();
            let size = json.len() - 5 * escapes;
            if size > crate::draft::MAX_DRAFT_BYTES {
                return Err(ImportError::Draft(DraftError::TooLarge {
                    size,
                    limit: crate::draft::MAX_DRAFT_BYTES,
                }));
            }
            draft = Some(
                Draft::from_slice_within(json.as_bytes(), limits::DRAFT_PART_BYTES as usize)
                    .map_err(ImportError::Draft)?,
            );
        }
    }
    Ok((draft, marker))
}

/// The marker part (`<kczg-form xmlns="urn:kczg-form:document" …/>`), if this is one.
fn read_marker(head: &[u8]) -> Option<Marker> {
    let mut reader = quick_xml::Reader::from_reader(head);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                let attr = |key: &[u8]| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == key)
                        .and_then(|a| {
                            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .ok()
                                .map(|v| v.into_owned())
                        })
                };
                if e.local_name().as_ref() != b"kczg-form"
                    || attr(b"xmlns").as_deref() != Some(MARKER_NAMESPACE)
                {
                    return None;
                }
                return Some(Marker {
                    template: attr(b"kind").as_deref() == Some("template"),
                    recommendation: attr(b"recommendation").as_deref() == Some("1"),
                    list: attr(b"list")?,
                    domain: attr(b"domain").filter(|d| !d.is_empty()),
                    call: attr(b"call").unwrap_or_default(),
                    definitions: attr(b"definitions")
                        .and_then(|d| u64::from_str_radix(&d, 16).ok())
                        .unwrap_or(0),
                });
            }
            Ok(Event::Eof) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

/// Whether the first element of this (possibly cut) XML is our `<kczg>` root.
fn root_is_ours(head: &[u8]) -> bool {
    let mut reader = quick_xml::Reader::from_reader(head);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                return e.local_name().as_ref() == b"kczg"
                    && e.attributes().flatten().any(|a| {
                        a.key.as_ref() == b"xmlns" && a.value.as_ref() == NAMESPACE.as_bytes()
                    });
            }
            Ok(Event::Eof) | Err(_) => return false,
            Ok(_) => {}
        }
    }
}

/// quick-xml's error in words: where the XML breaks, not its English text.
fn xml_broken(reader: &quick_xml::Reader<&[u8]>) -> String {
    format!(
        "XML 结构有误（约第 {} 字节处），文件已损坏",
        reader.buffer_position()
    )
}

/// The text of a custom XML part whose root is our `<kczg>` element, or None for other parts.
fn our_text(xml: &[u8], name: &str) -> Result<Option<String>, ImportError> {
    let damaged = |what: String| ImportError::Damaged(format!("{name}：{what}"));
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut depth = 0usize;
    let mut ours = false;
    // At most the part's length: no doubling past it.
    let mut text = String::with_capacity(xml.len());
    loop {
        match reader
            .read_event()
            .map_err(|_| damaged(xml_broken(&reader)))?
        {
            Event::DocType(_) => return Err(damaged("含有 DTD 声明".into())),
            Event::Start(e) | Event::Empty(e) if depth == 0 => {
                let namespace = e
                    .attributes()
                    .flatten()
                    .find(|a| a.key.as_ref() == b"xmlns")
                    .map(|a| a.value.into_owned());
                ours = e.local_name().as_ref() == b"kczg"
                    && namespace.as_deref() == Some(NAMESPACE.as_bytes());
                if !ours {
                    return Ok(None);
                }
                depth += 1;
            }
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Text(t) if ours && depth == 1 => {
                text.push_str(&t.decode().map_err(|_| damaged(xml_broken(&reader)))?)
            }
            Event::CData(t) if ours && depth == 1 => {
                text.push_str(&t.decode().map_err(|_| damaged(xml_broken(&reader)))?)
            }
            Event::GeneralRef(r) if ours && depth == 1 => {
                text.push(resolve(&r).ok_or_else(|| damaged("未知的实体引用".into()))?)
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(ours.then_some(text))
}

/// `&amp;`, `&#x4E2D;` and the other predefined references; nothing else.
pub(crate) fn resolve(r: &quick_xml::events::BytesRef) -> Option<char> {
    if r.is_char_ref() {
        return r.resolve_char_ref().ok().flatten();
    }
    let name = r.decode().ok()?;
    quick_xml::escape::resolve_xml_entity(&name).and_then(|s| s.chars().next())
}
