//! Word content controls (`w:sdt`): every value of the document sits in one, tagged with its
//! field id, so a copy filled or corrected in Word, WPS or LibreOffice reads back exactly.
//!
//! The tags are a contract like the field ids (product.md §4): `FIELD`; `FIELD=OPTION` for
//! each option of a multichoice; `TABLE` around the caption of a table field and
//! `TABLE.COLUMN` for its cells. All controls are inline (inside a paragraph): LibreOffice
//! turns block-level controls into something else on save.
//!
//! docx-rs 0.4.22 writes only `w:alias` in `w:sdtPr`. Each control is registered here and its
//! alias set to a sentinel (`kczg-ctl:N`); the package fix-up ([`render_properties`], called
//! from [`super::package::finish`]) replaces the sentinel's `w:sdtPr` with the real one: the
//! label as alias, the tag, an id, the placeholder state and the kind's own properties.

use chrono::{Datelike, NaiveDate};
use docx_rs::{Run, StructuredDataTag};

use super::layout::{BODY_FONT, BODY_SIZE, LATIN_FONT};
use super::present::{TICKED, UNTICKED};

/// The character style of placeholder text (grey), as Word names it.
pub const PLACEHOLDER_STYLE: &str = "PlaceholderText";
/// The first item of every drop-down: choosing it empties the control.
pub const NO_CHOICE: &str = "请选择";
/// How date controls print their date (Word's picture, zh-CN).
pub const DATE_FORMAT: &str = "yyyy年M月d日";
/// The sentinel alias docx-rs writes; see the module documentation.
const SENTINEL: &str = "kczg-ctl:";

/// What kind of control, with what it needs to be written.
#[derive(Debug, Clone, PartialEq)]
pub enum ControlKind {
    /// Plain text; `multi_line` lets it hold `w:br` line breaks (long texts).
    Text { multi_line: bool },
    /// A drop-down list of (display text, value), after the [`NO_CHOICE`] item.
    DropDown { items: Vec<(String, String)> },
    /// A date picker; `full` is the date shown, when it is one.
    Date { full: Option<NaiveDate> },
    /// A checkbox printing ■ or □.
    Checkbox { checked: bool },
    /// A value the program computes: shown, not typed (content locked).
    Computed,
    /// The caption of a table field: marks which table holds which field (content locked).
    Caption,
}

/// One control of the document.
#[derive(Debug, Clone, PartialEq)]
pub struct Control {
    pub tag: String,
    /// The label Word shows on the control's handle.
    pub alias: String,
    pub kind: ControlKind,
    /// Empty: the content is the grey hint and `w:showingPlcHdr` is set.
    pub placeholder: bool,
}

/// Every control of one document, in the order they were made; the index is the sentinel's.
#[derive(Debug, Default)]
pub struct Controls {
    list: Vec<Control>,
}

impl Controls {
    /// An inline content control holding `runs`.
    pub fn sdt(&mut self, control: Control, runs: Vec<Run>) -> StructuredDataTag {
        let alias = format!("{SENTINEL}{}", self.list.len());
        self.list.push(control);
        runs.into_iter().fold(
            StructuredDataTag::new().alias(alias),
            StructuredDataTag::add_run,
        )
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn get(&self, index: usize) -> Option<&Control> {
        self.list.get(index)
    }
}

/// XML attribute (and text) content: `& < > " '` escaped.
pub(crate) fn attr(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

/// The run properties typed text takes (宋体, 五号), in schema order.
fn run_properties() -> String {
    format!(
        r#"<w:rPr><w:rFonts w:ascii="{LATIN_FONT}" w:hAnsi="{LATIN_FONT}" w:eastAsia="{BODY_FONT}" w:cs="{LATIN_FONT}" w:hint="eastAsia" /><w:sz w:val="{BODY_SIZE}" /><w:szCs w:val="{BODY_SIZE}" /></w:rPr>"#
    )
}

/// The `w:sdtPr` of control `id` (ids count from 1 in the document), in the schema's order:
/// rPr, alias, tag, id, lock, showingPlcHdr, the kind's element, then w14:checkbox.
pub fn sdt_properties(control: &Control, id: usize) -> String {
    let mut out = String::with_capacity(256);
    out.push_str("<w:sdtPr>");
    // What text typed over the hint takes (宋体, 五号): only an empty control needs it, the
    // text of a filled one keeps the formatting of its runs.
    if control.placeholder {
        out.push_str(&run_properties());
    }
    out.push_str(&format!(r#"<w:alias w:val="{}" />"#, attr(&control.alias)));
    out.push_str(&format!(r#"<w:tag w:val="{}" />"#, attr(&control.tag)));
    out.push_str(&format!(r#"<w:id w:val="{}" />"#, 0x4B5A_0000 + id));
    // A caption or a computed value cannot be changed; a field's box cannot be deleted by
    // selecting its cell and typing (the value would then sit outside any box). Cells of
    // tables stay unlocked: Word will not delete a row holding a locked control.
    match control.kind {
        ControlKind::Computed | ControlKind::Caption => {
            out.push_str(r#"<w:lock w:val="sdtContentLocked" />"#)
        }
        _ if !control.tag.contains('.') => out.push_str(r#"<w:lock w:val="sdtLocked" />"#),
        _ => {}
    }
    if control.placeholder {
        out.push_str("<w:showingPlcHdr />");
    }
    match &control.kind {
        ControlKind::Text { multi_line: true } => out.push_str(r#"<w:text w:multiLine="1" />"#),
        ControlKind::Text { multi_line: false } | ControlKind::Computed | ControlKind::Caption => {
            out.push_str("<w:text />")
        }
        ControlKind::DropDown { items } => {
            out.push_str("<w:dropDownList>");
            out.push_str(&format!(
                r#"<w:listItem w:displayText="{NO_CHOICE}" w:value="" />"#
            ));
            for (display, value) in items {
                out.push_str(&format!(
                    r#"<w:listItem w:displayText="{}" w:value="{}" />"#,
                    attr(display),
                    attr(value)
                ));
            }
            out.push_str("</w:dropDownList>");
        }
        ControlKind::Date { full } => {
            match full {
                Some(d) => out.push_str(&format!(
                    r#"<w:date w:fullDate="{:04}-{:02}-{:02}T00:00:00Z">"#,
                    d.year(),
                    d.month(),
                    d.day()
                )),
                None => out.push_str("<w:date>"),
            }
            out.push_str(&format!(
                r#"<w:dateFormat w:val="{DATE_FORMAT}" /><w:lid w:val="zh-CN" /><w:storeMappedDataAs w:val="dateTime" /><w:calendar w:val="gregorian" /></w:date>"#
            ));
        }
        ControlKind::Checkbox { checked } => {
            out.push_str(&format!(
                r#"<w14:checkbox><w14:checked w14:val="{}" /><w14:checkedState w14:val="{:04X}" w14:font="{BODY_FONT}" /><w14:uncheckedState w14:val="{:04X}" w14:font="{BODY_FONT}" /></w14:checkbox>"#,
                u8::from(*checked),
                TICKED as u32,
                UNTICKED as u32
            ));
        }
    }
    out.push_str("</w:sdtPr>");
    out
}

/// Replaces every sentinel `w:sdtPr` docx-rs wrote in `document.xml` with the control's real
/// properties. A sentinel whose number is unknown is left as it is (it cannot happen: the
/// numbers are ours).
pub fn render_properties(xml: &[u8], controls: &Controls) -> Vec<u8> {
    const OPEN: &[u8] = b"<w:sdtPr>";
    const CLOSE: &[u8] = b"</w:sdtPr>";
    let needle = format!(r#"<w:alias w:val="{SENTINEL}"#);
    let aliases = memchr::memmem::Finder::new(needle.as_bytes());
    let opens = memchr::memmem::FinderRev::new(OPEN);
    let closes = memchr::memmem::Finder::new(CLOSE);
    let mut out = Vec::with_capacity(xml.len() + controls.len() * 400);
    let mut copied = 0;
    let mut at = 0;
    let mut id = 0;
    while let Some(off) = aliases.find(&xml[at..]) {
        let alias_at = at + off;
        let digits_at = alias_at + needle.len();
        let digits = xml[digits_at..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        at = digits_at + digits;
        let index: Option<usize> = std::str::from_utf8(&xml[digits_at..at])
            .ok()
            .and_then(|s| s.parse().ok());
        // The sdtPr around the alias.
        let Some(start) = opens.rfind(&xml[copied..alias_at]).map(|s| copied + s) else {
            continue;
        };
        let Some(end) = closes.find(&xml[at..]).map(|e| at + e + CLOSE.len()) else {
            break;
        };
        let Some(control) = index.and_then(|i| controls.get(i)) else {
            continue;
        };
        id += 1;
        out.extend_from_slice(&xml[copied..start]);
        out.extend_from_slice(sdt_properties(control, id).as_bytes());
        copied = end;
        at = end;
    }
    out.extend_from_slice(&xml[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentinels_become_tags_and_labels() {
        let mut controls = Controls::default();
        let sdt = controls.sdt(
            Control {
                tag: "tech_name".into(),
                alias: "技术名称 & <名>".into(),
                kind: ControlKind::Text { multi_line: false },
                placeholder: true,
            },
            vec![Run::new().add_text("请填写")],
        );
        let p = docx_rs::Paragraph::new().add_structured_data_tag(sdt);
        let xml = docx_rs::BuildXML::build(&p);
        let out = String::from_utf8(render_properties(&xml, &controls)).unwrap();
        assert!(!out.contains(SENTINEL), "{out}");
        assert!(out.contains(r#"<w:tag w:val="tech_name" />"#), "{out}");
        assert!(
            out.contains(r#"<w:alias w:val="技术名称 &amp; &lt;名&gt;" />"#),
            "{out}"
        );
        assert!(out.contains("<w:showingPlcHdr />"), "{out}");
        assert!(out.contains("<w:sdtContent>"), "{out}");
    }

    #[test]
    fn checkbox_states_print_as_the_boxes_of_the_printout() {
        let c = Control {
            tag: "honors=gazelle".into(),
            alias: "资质荣誉".into(),
            kind: ControlKind::Checkbox { checked: true },
            placeholder: false,
        };
        let xml = sdt_properties(&c, 1);
        assert!(xml.contains(r#"<w14:checked w14:val="1" />"#), "{xml}");
        assert!(xml.contains(r#"w14:val="25A0""#) && xml.contains(r#"w14:val="25A1""#));
    }
}
