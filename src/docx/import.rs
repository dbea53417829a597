//! Reading an exported .docx back: the embedded draft (lossless), and a comparison of the visible
//! tables with it, to tell the secretariat which fields were edited in Word after export.
//!
//! The file comes from outside, so it is read defensively: a size limit before anything is read,
//! limits on the number of zip entries, on each part's size and on its compression ratio (zip
//! bombs), and XML that declares a DTD is refused outright (entity-expansion attacks). Only the
//! two parts we need are ever decompressed; docx-rs's own reader is never used on these files.

use quick_xml::events::Event;
use serde_json::Value;

use super::embed::NAMESPACE;
use super::present::{cell_text, field_text};
use crate::archive::{Archive, ArchiveError};
use crate::draft::{Draft, DraftError};
use crate::limits;
use crate::rules::{field_visible, section_visible};
use crate::schema::{Definitions, Field, Form, Kind, Role};

/// A .docx larger than this is refused before reading (see [`limits::DOCX_BYTES`]).
pub const MAX_DOCX_BYTES: u64 = limits::DOCX_BYTES;
/// Table rows and cells read from the visible document. The document is at most
/// [`limits::DOCUMENT_XML_BYTES`] and our export spends more than 200 bytes on a row and 100 on
/// a cell, so every export fits; a hostile document of empty rows is bounded by the same count.
const MAX_ROWS: usize = (limits::DOCUMENT_XML_BYTES / 200) as usize;
const MAX_CELLS: usize = (limits::DOCUMENT_XML_BYTES / 100) as usize;
/// Custom XML parts looked at (ours is the only one an export has).
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
        "不是本程序导出的申报表：文档中没有内嵌的申报草稿。请申报人用“科创中国榜单申报助手”导出申报表后再发送，或直接发送草稿 .json 文件"
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
    /// One line for people: 「技术名称」在 Word 中被改为「…」.
    pub fn describe(&self) -> String {
        match &self.visible {
            Some(v) => format!(
                "「{}」在 Word 中显示为「{}」，内嵌草稿中为「{}」",
                self.label,
                shorten(v),
                shorten(&self.exported)
            ),
            None => format!(
                "「{}」在 Word 文档中找不到（可能被删除或改了标题）",
                self.label
            ),
        }
    }
}

fn shorten(s: &str) -> String {
    let one_line = s.replace('\n', " ");
    if one_line.chars().count() > 40 {
        format!("{}…", one_line.chars().take(40).collect::<String>())
    } else {
        one_line
    }
}

/// The draft and what was edited in Word.
#[derive(Debug, Clone)]
pub struct Imported {
    pub draft: Draft,
    pub edits: Vec<VisibleEdit>,
}

/// Reads an exported .docx: the embedded draft, compared with the visible tables when the
/// draft's list is known to `defs`.
pub fn import(defs: &Definitions, bytes: &[u8]) -> Result<Imported, ImportError> {
    let mut zip = open(bytes)?;
    let draft = embedded_draft(&mut zip)?;
    let edits = match (
        defs.form(&draft.list),
        zip.read("word/document.xml", limits::DOCUMENT_XML_BYTES)?,
    ) {
        (Some(form), Some(xml)) => compare(form, &draft, &document_rows(&xml)?),
        _ => Vec::new(),
    };
    Ok(Imported { draft, edits })
}

/// Only the embedded draft.
pub fn read_draft(bytes: &[u8]) -> Result<Draft, ImportError> {
    embedded_draft(&mut open(bytes)?)
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

fn embedded_draft(zip: &mut Archive) -> Result<Draft, ImportError> {
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
        if !root_is_ours(&head) {
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
            return Draft::from_slice_within(json.as_bytes(), limits::DRAFT_PART_BYTES as usize)
                .map_err(ImportError::Draft);
        }
    }
    Err(ImportError::NotOurs)
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

/// Every table row of the document body, as cell texts (paragraphs joined by `\n`), in order.
fn document_rows(xml: &[u8]) -> Result<Vec<Vec<String>>, ImportError> {
    let damaged = |what: String| ImportError::Damaged(format!("word/document.xml：{what}"));
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut rows: Vec<Vec<String>> = Vec::new();
    // Open rows and cells; nested tables simply start rows of their own.
    let mut row_stack: Vec<Vec<String>> = Vec::new();
    let mut cell_stack: Vec<String> = Vec::new();
    let mut in_text = false;
    let (mut row_count, mut cell_count) = (0usize, 0usize);
    let too_many = || {
        damaged(format!(
            "表格超过 {MAX_ROWS} 行或 {MAX_CELLS} 格，不像是申报表"
        ))
    };
    loop {
        let event = reader
            .read_event()
            .map_err(|_| damaged(xml_broken(&reader)))?;
        if let Event::Start(e) | Event::Empty(e) = &event {
            match e.local_name().as_ref() {
                b"tr" => row_count += 1,
                b"tc" => cell_count += 1,
                _ => {}
            }
            if row_count > MAX_ROWS || cell_count > MAX_CELLS {
                return Err(too_many());
            }
        }
        match &event {
            Event::DocType(_) => return Err(damaged("含有 DTD 声明".into())),
            Event::Start(e) => match e.local_name().as_ref() {
                b"tr" => row_stack.push(Vec::new()),
                b"tc" => cell_stack.push(String::new()),
                b"p" => {
                    if let Some(cell) = cell_stack.last_mut()
                        && !cell.is_empty()
                    {
                        cell.push('\n');
                    }
                }
                b"t" => in_text = true,
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                b"tab" => cell_stack.last_mut().into_iter().for_each(|c| c.push('\t')),
                b"br" | b"cr" => cell_stack.last_mut().into_iter().for_each(|c| c.push('\n')),
                b"tc" => row_stack
                    .last_mut()
                    .into_iter()
                    .for_each(|r| r.push(String::new())),
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                b"t" => in_text = false,
                b"tc" => {
                    if let (Some(cell), Some(row)) = (cell_stack.pop(), row_stack.last_mut()) {
                        row.push(cell);
                    }
                }
                b"tr" => rows.extend(row_stack.pop()),
                _ => {}
            },
            Event::Text(t) if in_text => {
                if let Some(cell) = cell_stack.last_mut() {
                    cell.push_str(&t.decode().map_err(|_| damaged(xml_broken(&reader)))?);
                }
            }
            Event::GeneralRef(r) if in_text => {
                if let (Some(cell), Some(c)) = (cell_stack.last_mut(), resolve(r)) {
                    cell.push(c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(rows)
}

/// Text compared loosely: no white space, no word joiners, no line breaks.
fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{2060}')
        .collect()
}

/// Where each field's text should be, compared with what is there.
fn compare(form: &Form, draft: &Draft, rows: &[Vec<String>]) -> Vec<VisibleEdit> {
    let mut edits = Vec::new();
    let mut cursor = 0;
    let normed: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| norm(c)).collect())
        .collect();
    // The first row at or after `from` (else anywhere) with a cell equal to `label`.
    let find = |label: &str, from: usize| -> Option<(usize, usize)> {
        let label = norm(label);
        let hit =
            |(i, row): (usize, &Vec<String>)| row.iter().position(|c| *c == label).map(|j| (i, j));
        normed
            .iter()
            .enumerate()
            .skip(from)
            .find_map(hit)
            .or_else(|| normed.iter().enumerate().find_map(hit))
    };
    for section in form.sections.iter().filter(|s| section_visible(draft, s)) {
        if section.role == Role::Secretariat {
            continue; // the secretariat's own block: filled after export, printed differently
        }
        for field in section.fields.iter().filter(|f| field_visible(draft, f)) {
            let label = super::blocks::label_text(field);
            match field.kind {
                Kind::Table => {
                    let Some((at, _)) = find(&label, cursor) else {
                        edits.push(missing(&field.id, &field.label, ""));
                        continue;
                    };
                    cursor = compare_table(
                        field,
                        draft.get(&field.id),
                        rows.get(at + 2..).unwrap_or(&[]),
                        &mut edits,
                    ) + at
                        + 2;
                }
                Kind::Pledge => {
                    let expected = field_text(field, draft.get(&field.id), draft);
                    let found = normed
                        .iter()
                        .position(|r| r.len() == 1 && r[0].ends_with(&norm(&field.label)));
                    match found {
                        Some(i) if normed[i][0] == norm(&expected) => {}
                        Some(i) => {
                            edits.push(edit(&field.id, &field.label, &expected, &rows[i][0]))
                        }
                        None => edits.push(missing(&field.id, &field.label, &expected)),
                    }
                }
                _ => {
                    let value = if field.id == "domain" {
                        draft.domain.clone().map(Value::String)
                    } else {
                        draft.get(&field.id).cloned()
                    };
                    let expected = field_text(field, value.as_ref(), draft);
                    let Some((i, j)) = find(&label, cursor) else {
                        edits.push(missing(&field.id, &field.label, &expected));
                        continue;
                    };
                    cursor = i;
                    // label | value in the same row, or a label row over a full-width value row.
                    let visible = match rows[i].get(j + 1) {
                        Some(v) => Some(v.as_str()),
                        None => rows.get(i + 1).and_then(|r| r.first()).map(String::as_str),
                    };
                    match visible {
                        Some(v) if norm(v) == norm(&expected) => {}
                        Some(v) => edits.push(edit(&field.id, &field.label, &expected, v)),
                        None => edits.push(missing(&field.id, &field.label, &expected)),
                    }
                }
            }
        }
    }
    edits
}

/// Compares a table field's entries with the rows after its header; returns rows consumed.
fn compare_table(
    field: &Field,
    value: Option<&Value>,
    rows: &[Vec<String>],
    edits: &mut Vec<VisibleEdit>,
) -> usize {
    let entries: &[Value] = value.and_then(Value::as_array).map_or(&[], Vec::as_slice);
    let (long, short): (Vec<&Field>, Vec<&Field>) =
        field.columns.iter().partition(|c| c.kind == Kind::Textarea);
    let mut at = 0;
    for (i, entry) in entries.iter().enumerate() {
        let Some(row) = rows
            .get(at)
            .filter(|r| r.first().map(|c| norm(c)) == Some((i + 1).to_string()))
        else {
            edits.push(missing(
                &format!("{}[{i}]", field.id),
                &format!("{}第 {} 行", field.label, i + 1),
                "",
            ));
            return at;
        };
        for (k, column) in short.iter().enumerate() {
            let expected = cell_text(column, entry.get(&column.id));
            let visible = row.get(k + 1).map(String::as_str).unwrap_or("");
            if norm(visible) != norm(&expected) {
                let label = format!("{}第 {} 行的「{}」", field.label, i + 1, column.label);
                edits.push(edit(
                    &format!("{}[{i}].{}", field.id, column.id),
                    &label,
                    &expected,
                    visible,
                ));
            }
        }
        at += 1;
        for column in &long {
            let expected = format!(
                "{}：{}",
                column.label,
                cell_text(column, entry.get(&column.id))
            );
            let visible = rows
                .get(at)
                .and_then(|r| r.first())
                .map(String::as_str)
                .unwrap_or("");
            if norm(visible) != norm(&expected) {
                let label = format!("{}第 {} 行的「{}」", field.label, i + 1, column.label);
                edits.push(edit(
                    &format!("{}[{i}].{}", field.id, column.id),
                    &label,
                    &expected,
                    visible,
                ));
            }
            at += 1;
        }
    }
    // An entry added in Word: a numbered row right after the last one.
    if let Some(row) = rows.get(at)
        && row.first().map(|c| norm(c)) == Some((entries.len() + 1).to_string())
    {
        edits.push(VisibleEdit {
            field: field.id.clone(),
            label: field.label.clone(),
            exported: format!("{} 行", entries.len()),
            visible: Some("在 Word 中增加了行".into()),
        });
    }
    at.max(usize::from(entries.is_empty()))
}

fn edit(field: &str, label: &str, exported: &str, visible: &str) -> VisibleEdit {
    VisibleEdit {
        field: field.to_owned(),
        label: label
            .trim_start_matches('「')
            .trim_end_matches('」')
            .to_owned(),
        exported: exported.to_owned(),
        visible: Some(visible.to_owned()),
    }
}

fn missing(field: &str, label: &str, exported: &str) -> VisibleEdit {
    VisibleEdit {
        field: field.to_owned(),
        label: label.to_owned(),
        exported: exported.to_owned(),
        visible: None,
    }
}
