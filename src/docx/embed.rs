//! The draft inside the document: a custom XML part holding the draft JSON.
//!
//! docx-rs writes custom XML text without escaping, so the JSON is made XML-safe first:
//! `&`, `<`, `>` (which can only occur inside JSON strings) become `\u0026`, `\u003c`, `\u003e`,
//! and the two non-characters XML forbids become JSON escapes too. The result is still the same
//! JSON value.

use docx_rs::Docx;

use crate::Draft;

/// Namespace of our custom XML part; import looks for it.
pub const NAMESPACE: &str = "urn:kczg-form:draft";
/// The part's item id (a fixed GUID: one draft per document).
const ITEM_ID: &str = "7E3C2A15-2023-4B1D-9C8E-4B5A6F7D8E9F";

pub fn attach(doc: Docx, draft: &Draft) -> Docx {
    doc.add_custom_item(ITEM_ID, &xml(draft))
}

/// The custom XML part's text.
pub fn xml(draft: &Draft) -> String {
    let json = draft.to_compact_json();
    format!(
        r#"<kczg xmlns="{NAMESPACE}" format="{}" version="{}">{}</kczg>"#,
        crate::draft::FORMAT,
        crate::draft::VERSION,
        xml_safe_json(&json)
    )
}

/// JSON text with nothing in it that XML text must escape or cannot hold.
pub fn xml_safe_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '&' => out.push_str("\\u0026"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '\u{FFFE}' => out.push_str("\\ufffe"),
            '\u{FFFF}' => out.push_str("\\uffff"),
            c => out.push(c),
        }
    }
    out
}
