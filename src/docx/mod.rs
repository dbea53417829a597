//! The exported .docx (product.md §4): what the applicant e-mails and the secretariat receives.
//!
//! The layout is driven by the form definitions ([`blocks`]); the complete draft travels inside
//! the document as a custom XML part ([`embed`]) so that import is lossless.

pub(crate) mod blocks;
pub mod controls;
pub mod embed;
mod fill;
mod front;
pub mod import;
pub(crate) mod layout;
pub(crate) mod package;
pub mod present;
pub(crate) mod read;
mod v1;

use chrono::NaiveDate;
use docx_rs::{Docx, PageMargin, Style, StyleType};

use crate::Draft;
use crate::rules::Finding;
use crate::schema::{Definitions, Form};

/// How to export.
#[derive(Debug, Clone, Copy)]
pub struct ExportOptions {
    /// Export even with errors; the document is then marked 草稿 with the number of problems.
    pub preview: bool,
    /// The day validation runs on.
    pub today: NaiveDate,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The draft has errors and this is not a preview.
    #[error("申报表尚有 {} 个错误，改正后才能导出正式申报表（可先导出预览稿）", errors.len())]
    Refused { errors: Vec<Finding> },
    /// The document would be larger than the import reads back (a draft with tens of thousands
    /// of table rows, say): not exported.
    #[error(
        "申报表内容过多（{}，上限 {}），导出后将无法再导入，因此未导出。请删减表格的行数或过长的文字",
        crate::files::size_text(*size),
        crate::files::size_text(*limit)
    )]
    TooLarge { size: u64, limit: u64 },
    #[error("榜单「{0}」在当前表单定义中不存在，无法导出。请确认表单定义与申报人所用的版本一致")]
    UnknownList(String),
    /// Should never happen; the detail is for developers, not shown.
    #[error(
        "生成 Word 文档失败（程序内部错误）。请保存草稿后重试；如仍失败，请把草稿文件发给技术支持"
    )]
    Write(String),
}

/// Builds the .docx of a draft: the applicant's, with the 推荐单位意见 block empty (its values,
/// if the draft has any, stay in the embedded draft). Refuses while errors remain unless
/// `preview`.
pub fn export(
    defs: &Definitions,
    form: &Form,
    draft: &Draft,
    options: ExportOptions,
) -> Result<Vec<u8>, ExportError> {
    export_as(defs, form, draft, options, false)
}

/// The secretariat's re-export: the same document with the recommendation printed.
pub fn export_recommended(
    defs: &Definitions,
    form: &Form,
    draft: &Draft,
    options: ExportOptions,
) -> Result<Vec<u8>, ExportError> {
    export_as(defs, form, draft, options, true)
}

fn export_as(
    defs: &Definitions,
    form: &Form,
    draft: &Draft,
    options: ExportOptions,
    recommendation: bool,
) -> Result<Vec<u8>, ExportError> {
    // Never trust the caller to have cleaned the text: the document must be well-formed XML.
    // A copy only when there is something to clean (a draft may be megabytes).
    let mut owned;
    let mut cleaned = Vec::new();
    let draft = if draft.has_control_chars() {
        owned = draft.clone();
        cleaned = crate::intake::clean(form, &mut owned);
        &owned
    } else {
        draft
    };
    let json = within_limits(form, draft)?;
    // Validating and laying out the body are independent: on two cores, side by side.
    let (findings, body) = std::thread::scope(|scope| {
        let checking = scope.spawn(|| {
            let said = cleaned.iter().map(crate::intake::note_finding).collect();
            crate::intake::check_draft(defs, form, draft, said, options.today).findings
        });
        let body = Body::new(form, draft, false, recommendation);
        let findings = checking
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (findings, body)
    });
    let errors: Vec<Finding> = findings.iter().filter(|f| f.is_error()).cloned().collect();
    if !errors.is_empty() && !options.preview {
        return Err(ExportError::Refused { errors });
    }
    let preview = options.preview.then_some(findings.len());
    assemble(
        defs,
        form,
        draft,
        preview,
        body,
        Some(&json),
        Some(options.today),
    )
}

/// The blank template of a list (and domain): the same document with empty controls, a marker
/// saying which form it is, and no draft.
pub fn template(
    defs: &Definitions,
    form: &Form,
    domain: Option<&str>,
) -> Result<Vec<u8>, ExportError> {
    let draft = Draft::new(
        defs.call.year.to_string(),
        form.id.clone(),
        domain.map(str::to_owned),
    );
    let body = Body::new(form, &draft, true, false);
    assemble(defs, form, &draft, None, body, None, None)
}

/// Every table cell of our document takes more than this in `word/document.xml` (measured:
/// 437 bytes at least, 470 typically).
const MIN_CELL_BYTES: u64 = 400;

/// A lower bound of the size of `word/document.xml`, from the tables' rows and the texts: a
/// draft whose bound is already past the import's limit is refused before building anything
/// (60,000 one-letter rows would take seconds to build, only to be refused).
fn least_document_bytes(form: &Form, draft: &Draft) -> u64 {
    let mut bytes = 0u64;
    for (_, field) in form.fields() {
        match (field.kind, draft.values.get(&field.id)) {
            (crate::schema::Kind::Table, Some(serde_json::Value::Array(rows))) => {
                let cells = rows.len() as u64 * (field.columns.len() as u64 + 1);
                bytes += cells * MIN_CELL_BYTES;
            }
            (_, Some(serde_json::Value::String(s))) => bytes += s.len() as u64,
            _ => {}
        }
    }
    bytes
}

/// The draft's JSON to embed, when the document would be one the import reads back: the
/// visible part and the embedded draft within the import's limits.
fn within_limits(form: &Form, draft: &Draft) -> Result<String, ExportError> {
    let least = least_document_bytes(form, draft);
    if least > crate::limits::DOCUMENT_XML_BYTES {
        return Err(ExportError::TooLarge {
            size: least,
            limit: crate::limits::DOCUMENT_XML_BYTES,
        });
    }
    // The embedded draft must be one the import (and the store) reads.
    let json = draft.to_compact_json();
    if json.len() as u64 > crate::limits::DRAFT_BYTES {
        return Err(ExportError::TooLarge {
            size: json.len() as u64,
            limit: crate::limits::DRAFT_BYTES,
        });
    }
    Ok(json)
}

/// The sections of the document with their content controls.
struct Body {
    blocks: Vec<blocks::Block>,
    controls: controls::Controls,
    /// Whether the recommendation block prints its values (the secretariat's re-export).
    recommendation: bool,
}

impl Body {
    fn new(form: &Form, draft: &Draft, template: bool, recommendation: bool) -> Body {
        let mut builder = blocks::Builder::new(form, draft, template);
        if recommendation {
            builder = builder.with_recommendation();
        }
        let blocks = builder.sections();
        Body {
            blocks,
            controls: builder.controls,
            recommendation,
        }
    }
}

/// The package: page, styles, header and footer, the cover and 填表说明 pages, the title,
/// `body`, the marker and (for an export) the draft's JSON. `date`: the 填报日期 on the cover
/// (None on a blank template).
fn assemble(
    defs: &Definitions,
    form: &Form,
    draft: &Draft,
    preview: Option<usize>,
    body: Body,
    json: Option<&str>,
    date: Option<NaiveDate>,
) -> Result<Vec<u8>, ExportError> {
    let mut doc = Docx::new()
        .page_size(layout::PAGE_WIDTH, layout::PAGE_HEIGHT)
        .page_margin(
            PageMargin::new()
                .top(layout::MARGIN_TOP)
                .bottom(layout::MARGIN_BOTTOM)
                .left(layout::MARGIN_LEFT)
                .right(layout::MARGIN_RIGHT)
                .header(851)
                .footer(992),
        )
        .default_fonts(layout::fonts(layout::BODY_FONT))
        .default_size(layout::BODY_SIZE)
        .add_style(
            Style::new(controls::PLACEHOLDER_STYLE, StyleType::Character)
                .name("Placeholder Text")
                .color("808080"),
        )
        .header(blocks::header(form, draft, preview))
        .footer(blocks::footer())
        // The cover has neither header nor page number.
        .first_header(docx_rs::Header::new())
        .first_footer(docx_rs::Footer::new())
        .title_pg();
    let cover = front::Cover {
        defs,
        form,
        draft,
        date,
        recommendation: body.recommendation,
        preview,
    };
    let blocks = front::cover(&cover)
        .into_iter()
        .chain(front::instructions(defs, form, draft))
        .chain(blocks::title(defs, form, preview))
        .chain(body.blocks);
    let mut last_is_table = false;
    for block in blocks {
        last_is_table = matches!(block, blocks::Block::Table(_));
        doc = match block {
            blocks::Block::Paragraph(p) => doc.add_paragraph(p),
            blocks::Block::Table(t) => doc.add_table(t),
        };
    }
    if last_is_table {
        doc = doc.add_paragraph(blocks::end_paragraph());
    }
    let marker = embed::Marker {
        template: json.is_none(),
        recommendation: body.recommendation,
        list: form.id.clone(),
        domain: draft.domain.clone(),
        call: defs.call.year.to_string(),
        definitions: defs.fingerprint,
    };
    if let Some(json) = json {
        doc = embed::attach(doc, json);
    }
    doc = embed::mark(doc, &marker);
    let mut stored = std::io::Cursor::new(Vec::new());
    doc.build()
        .pack(&mut stored)
        .map_err(|e| ExportError::Write(e.to_string()))?;
    let unit = crate::naming::application_unit(form, draft);
    let meta = package::Metadata::now(
        defs.call.form_title(form),
        if unit.is_empty() {
            defs.call.contact.unit.clone()
        } else {
            unit
        },
    );
    package::finish(stored.get_ref(), true, &body.controls, &meta)
        .map_err(ExportError::Write)?
        .map_err(|t| ExportError::TooLarge {
            size: t.size,
            limit: t.limit,
        })
}

/// docx-rs cannot mark a row as a repeating header: rows built by [`layout::header_row`] carry
/// a sentinel height, next to which `<w:tblHeader/>` is added (schema order is restored later).
fn mark_header_rows(document: &[u8]) -> Vec<u8> {
    let sentinel = format!(
        r#"<w:trHeight w:val="{}" w:hRule="atLeast" />"#,
        layout::HEADER_ROW_HEIGHT
    );
    let mut out = Vec::with_capacity(document.len() + 1024);
    let mut at = 0;
    for hit in memchr::memmem::find_iter(document, sentinel.as_bytes()) {
        out.extend_from_slice(&document[at..hit]);
        out.extend_from_slice(b"<w:tblHeader />");
        at = hit;
    }
    out.extend_from_slice(&document[at..]);
    out
}
