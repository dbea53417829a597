//! The exported .docx (product.md §4): what the applicant e-mails and the secretariat receives.
//!
//! The layout is driven by the form definitions ([`blocks`]); the complete draft travels inside
//! the document as a custom XML part ([`embed`]) so that import is lossless.

pub(crate) mod blocks;
pub mod embed;
pub mod import;
pub(crate) mod layout;
pub(crate) mod package;
pub mod present;

use chrono::NaiveDate;
use docx_rs::{Docx, PageMargin};

use crate::Draft;
use crate::rules::{self, Finding};
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
    #[error("生成 Word 文档失败：{0}")]
    Write(String),
}

/// Builds the .docx of a draft. Refuses while errors remain unless `preview`.
pub fn export(
    defs: &Definitions,
    form: &Form,
    draft: &Draft,
    options: ExportOptions,
) -> Result<Vec<u8>, ExportError> {
    // Never trust the caller to have cleaned the text: the document must be well-formed XML.
    let mut draft = draft.clone();
    let cleaned = draft.strip_control_chars();
    let mut findings = rules::cleaning_findings(form, &cleaned);
    findings.extend(rules::validate(defs, form, &draft, options.today));
    let errors: Vec<Finding> = findings.iter().filter(|f| f.is_error()).cloned().collect();
    if !errors.is_empty() && !options.preview {
        return Err(ExportError::Refused { errors });
    }
    let preview = options.preview.then_some(findings.len());
    build(defs, form, &draft, preview)
}

fn build(
    defs: &Definitions,
    form: &Form,
    draft: &Draft,
    preview: Option<usize>,
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
        .header(blocks::header(form, draft, preview))
        .footer(blocks::footer());
    let body = blocks::title(defs, form, preview)
        .into_iter()
        .chain(blocks::sections(form, draft));
    for block in body {
        doc = match block {
            blocks::Block::Paragraph(p) => doc.add_paragraph(p),
            blocks::Block::Table(t) => doc.add_table(t),
        };
    }
    doc = embed::attach(doc, draft);
    let mut stored = std::io::Cursor::new(Vec::new());
    doc.build()
        .pack(&mut stored)
        .map_err(|e| ExportError::Write(e.to_string()))?;
    package::finish(stored.get_ref()).map_err(ExportError::Write)
}

/// docx-rs cannot mark a row as a repeating header: rows built by [`layout::header_row`] carry
/// a sentinel height, next to which `<w:tblHeader/>` is added (schema order is restored later).
fn mark_header_rows(document: &[u8]) -> Vec<u8> {
    let Ok(text) = std::str::from_utf8(document) else {
        return document.to_vec();
    };
    let sentinel = format!(
        r#"<w:trHeight w:val="{}" w:hRule="atLeast" />"#,
        layout::HEADER_ROW_HEIGHT
    );
    text.replace(&sentinel, &format!("<w:tblHeader />{sentinel}"))
        .into_bytes()
}
