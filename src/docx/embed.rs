//! The draft inside the document: a custom XML part holding the draft JSON.
//!
//! docx-rs writes custom XML text without escaping, so the JSON is made XML-safe first:
//! `&`, `<`, `>` (which can only occur inside JSON strings) become `\u0026`, `\u003c`, `\u003e`,
//! and the two non-characters XML forbids become JSON escapes too. The result is still the same
//! JSON value.

use docx_rs::Docx;

/// Namespace of our custom XML part; import looks for it.
pub const NAMESPACE: &str = "urn:kczg-form:draft";
/// The part's item id (a fixed GUID: one draft per document).
const ITEM_ID: &str = "7E3C2A15-2023-4B1D-9C8E-4B5A6F7D8E9F";

/// Namespace of the marker part: which form a document is, with or without a draft.
pub const MARKER_NAMESPACE: &str = "urn:kczg-form:document";
/// The marker part's item id.
const MARKER_ID: &str = "7E3C2A15-2023-4B1D-9C8E-4B5A6F7D8EA0";

/// What every document of ours says about itself: a blank template (no draft) or an export,
/// the list and domain, the call's year and the definitions' fingerprint it was made with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    pub template: bool,
    /// The 推荐单位意见 block prints the recommendation (the secretariat's re-export); in the
    /// applicant's export it is empty, whatever the draft holds.
    pub recommendation: bool,
    pub list: String,
    pub domain: Option<String>,
    pub call: String,
    pub definitions: u64,
}

impl Marker {
    pub fn xml(&self) -> String {
        use super::controls::attr;
        format!(
            r#"<kczg-form xmlns="{MARKER_NAMESPACE}" kind="{}" list="{}" domain="{}" call="{}" definitions="{:016x}" recommendation="{}" />"#,
            if self.template { "template" } else { "export" },
            attr(&self.list),
            attr(self.domain.as_deref().unwrap_or("")),
            attr(&self.call),
            self.definitions,
            u8::from(self.recommendation)
        )
    }
}

pub fn mark(doc: Docx, marker: &Marker) -> Docx {
    doc.add_custom_item(MARKER_ID, &marker.xml())
}

/// Embeds a draft's compact JSON ([`crate::Draft::to_compact_json`]).
pub fn attach(doc: Docx, json: &str) -> Docx {
    doc.add_custom_item(ITEM_ID, &xml(json))
}

/// The custom XML part's text for a draft's compact JSON.
fn xml(json: &str) -> String {
    format!(
        r#"<kczg xmlns="{NAMESPACE}" format="{}" version="{}">{}</kczg>"#,
        crate::draft::FORMAT,
        crate::draft::VERSION,
        xml_safe_json(json)
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
