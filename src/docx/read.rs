//! Reading `word/document.xml` as a person sees it: the content controls with their tags, kinds
//! and shown text, and every table's rows and cells with the controls inside them.
//!
//! Written for documents from anywhere — ours, resaved by Word, WPS or LibreOffice, or filled by
//! hand — so it reads what those write: text split over many runs, tracked deletions (not shown,
//! not read), Word's compatibility fallbacks (read once), line breaks as `w:br` or `w:cr`, nested
//! tables. Counts are bounded; XML declaring a DTD is refused.

use quick_xml::events::{BytesStart, Event};

use super::import::{ImportError, resolve};
use crate::limits;

/// Table rows and cells read. The document is at most [`limits::DOCUMENT_XML_BYTES`] and any
/// writer spends more than 200 bytes on a row and 100 on a cell, so every real document fits;
/// a hostile one of empty rows is bounded by the same count.
pub const MAX_ROWS: usize = (limits::DOCUMENT_XML_BYTES / 200) as usize;
pub const MAX_CELLS: usize = (limits::DOCUMENT_XML_BYTES / 100) as usize;
/// Content controls read (ours take more than 300 bytes each).
const MAX_CONTROLS: usize = (limits::DOCUMENT_XML_BYTES / 300) as usize;
/// Items of one drop-down list kept (ours have at most a few dozen).
const MAX_ITEMS: usize = 1000;
/// A tag longer than this is not one of ours: cut, so it matches nothing.
const MAX_TAG_CHARS: usize = 200;

/// What kind of control Word, WPS or LibreOffice says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    DropDown,
    Date,
    Checkbox,
    /// Rich text, pictures and whatever else: read as text.
    Other,
}

/// One content control as found.
#[derive(Debug, Clone)]
pub struct Found {
    pub tag: String,
    pub kind: Kind,
    /// `w:showingPlcHdr`: the content is the hint, the control is empty.
    pub placeholder: bool,
    /// The shown text: runs joined, `\t` for tabs, `\n` for line breaks and paragraphs.
    pub text: String,
    /// A checkbox's state (`w14:checked`), when written.
    pub checked: Option<bool>,
    /// A date control's `w:fullDate`, when written.
    pub full_date: Option<String>,
    /// A drop-down's items as (display text, value).
    pub items: Vec<(String, String)>,
    /// Where it sits: (table, row, cell), when in a table.
    pub place: Option<(usize, usize, usize)>,
}

/// One table cell: its text and the controls in it (indexes into [`Body::controls`]).
#[derive(Debug, Clone, Default)]
pub struct Cell {
    /// What the cell shows without the hints of empty controls: the controls' values and any
    /// text typed beside them; `\n` between paragraphs.
    pub shown: String,
    pub controls: Vec<usize>,
}

#[derive(Debug, Clone, Default)]
pub struct Table {
    pub rows: Vec<Vec<Cell>>,
}

/// The document body as read.
#[derive(Debug, Clone, Default)]
pub struct Body {
    pub controls: Vec<Found>,
    pub tables: Vec<Table>,
}

impl Body {
    /// The first control tagged `tag`.
    pub fn control(&self, tag: &str) -> Option<&Found> {
        self.controls.iter().find(|c| c.tag == tag)
    }
}

/// A control being read.
struct Open {
    index: usize,
    in_properties: bool,
    /// Elements open inside `w:sdtPr` (its own end is the one at depth 0).
    depth: usize,
    in_content: bool,
}

/// A table being read: its index and the open row and cell.
struct OpenTable {
    index: usize,
    row: Option<usize>,
    cell: Option<usize>,
}

fn attribute(e: &BytesStart, local: &[u8]) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        (a.key.local_name().as_ref() == local)
            .then(|| {
                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .ok()
                    .map(|v| v.into_owned())
            })
            .flatten()
    })
}

/// `w:val` of an on/off property: absent, `1`, `true`, `on` are on.
fn on(e: &BytesStart) -> bool {
    attribute(e, b"val").is_none_or(|v| matches!(v.as_str(), "1" | "true" | "on"))
}

/// Reads the body of `word/document.xml`.
pub fn body(xml: &[u8]) -> Result<Body, ImportError> {
    let damaged = |what: String| ImportError::Damaged(format!("word/document.xml：{what}"));
    let broken = |reader: &quick_xml::Reader<&[u8]>| {
        damaged(format!(
            "XML 结构有误（约第 {} 字节处），文件已损坏",
            reader.buffer_position()
        ))
    };
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut body = Body::default();
    let mut tables: Vec<OpenTable> = Vec::new();
    let mut open: Vec<Open> = Vec::new();
    let mut in_text = false;
    // Inside mc:Fallback (a copy of what mc:Choice holds) and inside a tracked move's old
    // place (w:moveFrom: not shown once the revision is accepted) nothing is read.
    let mut fallback = 0usize;
    let (mut rows, mut cells) = (0usize, 0usize);
    loop {
        let event = reader.read_event().map_err(|_| broken(&reader))?;
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            _ => (None, false),
        };
        if let Some(e) = start {
            let name = e.local_name();
            let local = name.as_ref();
            if matches!(local, b"Fallback" | b"moveFrom") {
                if !empty {
                    fallback += 1;
                }
                continue;
            }
            if fallback > 0 {
                continue;
            }
            // Properties of the innermost open control.
            if let Some(top) = open.last_mut()
                && top.in_properties
            {
                // 0: a child of w:sdtPr; 1: a grandchild (a list item, a checkbox's state).
                let level = top.depth;
                if !empty {
                    top.depth += 1;
                }
                let c = &mut body.controls[top.index];
                match (level, local) {
                    (0, b"tag") => {
                        c.tag = attribute(e, b"val")
                            .unwrap_or_default()
                            .chars()
                            .take(MAX_TAG_CHARS)
                            .collect()
                    }
                    (0, b"showingPlcHdr") => c.placeholder = on(e),
                    (0, b"text") => c.kind = Kind::Text,
                    (0, b"dropDownList" | b"comboBox") => c.kind = Kind::DropDown,
                    (1, b"listItem") if c.items.len() < MAX_ITEMS => {
                        let display = attribute(e, b"displayText");
                        let value = attribute(e, b"value");
                        let display = display.or_else(|| value.clone()).unwrap_or_default();
                        let value = value.unwrap_or_else(|| display.clone());
                        c.items.push((display, value));
                    }
                    (0, b"date") => {
                        c.kind = Kind::Date;
                        c.full_date = attribute(e, b"fullDate");
                    }
                    (0, b"checkbox") => c.kind = Kind::Checkbox,
                    (1, b"checked") => c.checked = Some(on(e)),
                    _ => {}
                }
                continue;
            }
            match local {
                b"sdt" if !empty => {
                    if body.controls.len() >= MAX_CONTROLS {
                        return Err(damaged(format!(
                            "内容控件超过 {MAX_CONTROLS} 个，不像是申报表"
                        )));
                    }
                    let place = tables.last().and_then(|t| Some((t.index, t.row?, t.cell?)));
                    body.controls.push(Found {
                        tag: String::new(),
                        kind: Kind::Other,
                        placeholder: false,
                        text: String::new(),
                        checked: None,
                        full_date: None,
                        items: Vec::new(),
                        place,
                    });
                    if let Some((t, r, c)) = place {
                        body.tables[t].rows[r][c]
                            .controls
                            .push(body.controls.len() - 1);
                    }
                    open.push(Open {
                        index: body.controls.len() - 1,
                        in_properties: false,
                        depth: 0,
                        in_content: false,
                    });
                }
                b"sdtPr" if !empty => {
                    if let Some(top) = open.last_mut() {
                        top.in_properties = true;
                        top.depth = 0;
                    }
                }
                b"sdtContent" if !empty => {
                    if let Some(top) = open.last_mut() {
                        top.in_content = true;
                    }
                }
                b"tbl" if !empty => {
                    body.tables.push(Table::default());
                    tables.push(OpenTable {
                        index: body.tables.len() - 1,
                        row: None,
                        cell: None,
                    });
                }
                b"tr" => {
                    rows += 1;
                    if rows > MAX_ROWS {
                        return Err(damaged(format!("表格超过 {MAX_ROWS} 行，不像是申报表")));
                    }
                    if let Some(t) = tables.last_mut() {
                        let table = &mut body.tables[t.index];
                        table.rows.push(Vec::new());
                        t.row = (!empty).then(|| table.rows.len() - 1);
                        t.cell = None;
                    }
                }
                b"tc" => {
                    cells += 1;
                    if cells > MAX_CELLS {
                        return Err(damaged(format!("表格超过 {MAX_CELLS} 格，不像是申报表")));
                    }
                    if let Some(t) = tables.last_mut()
                        && let Some(r) = t.row
                    {
                        let row = &mut body.tables[t.index].rows[r];
                        row.push(Cell::default());
                        t.cell = (!empty).then(|| row.len() - 1);
                    }
                }
                b"p" if !empty => {
                    // A new paragraph is a new line, in the cell and in a control around it.
                    if let Some(cell) = open_cell(&mut body, &tables)
                        && !cell.shown.is_empty()
                    {
                        cell.shown.push('\n');
                    }
                    if let Some(o) = open.last().filter(|o| o.in_content) {
                        let text = &mut body.controls[o.index].text;
                        if !text.is_empty() {
                            text.push('\n');
                        }
                    }
                }
                b"t" if !empty => in_text = true,
                b"tab" => push(&mut body, &tables, &open, "\t"),
                b"br" | b"cr" => push(&mut body, &tables, &open, "\n"),
                // Word's non-breaking hyphen (Ctrl+Shift+-) reads as the hyphen it shows.
                b"noBreakHyphen" => push(&mut body, &tables, &open, "-"),
                // A symbol from a symbol font (Word's ☒ in Wingdings is `w:char="F0FE"`).
                b"sym" => {
                    if let Some(c) = attribute(e, b"char")
                        .and_then(|h| u32::from_str_radix(&h, 16).ok())
                        .and_then(char::from_u32)
                    {
                        push(&mut body, &tables, &open, c.encode_utf8(&mut [0; 4]));
                    }
                }
                _ => {}
            }
            continue;
        }
        match &event {
            Event::End(e) => {
                let name = e.local_name();
                let local = name.as_ref();
                if matches!(local, b"Fallback" | b"moveFrom") {
                    fallback = fallback.saturating_sub(1);
                    continue;
                }
                if fallback > 0 {
                    continue;
                }
                if let Some(top) = open.last_mut()
                    && top.in_properties
                {
                    match top.depth {
                        0 => top.in_properties = false,
                        _ => top.depth -= 1,
                    }
                    continue;
                }
                match local {
                    b"sdtContent" => {
                        if let Some(top) = open.last_mut() {
                            top.in_content = false;
                        }
                    }
                    b"sdt" => {
                        open.pop();
                    }
                    b"tbl" => {
                        tables.pop();
                    }
                    b"tr" => {
                        if let Some(t) = tables.last_mut() {
                            t.row = None;
                            t.cell = None;
                        }
                    }
                    b"tc" => {
                        if let Some(t) = tables.last_mut() {
                            t.cell = None;
                        }
                    }
                    b"t" => in_text = false,
                    _ => {}
                }
            }
            Event::DocType(_) => return Err(damaged("含有 DTD 声明".into())),
            Event::Text(t) if in_text && fallback == 0 => {
                let text = t.decode().map_err(|_| broken(&reader))?;
                push(&mut body, &tables, &open, &text);
            }
            Event::CData(t) if in_text && fallback == 0 => {
                let text = t.decode().map_err(|_| broken(&reader))?;
                push(&mut body, &tables, &open, &text);
            }
            Event::GeneralRef(r) if in_text && fallback == 0 => {
                if let Some(c) = resolve(r) {
                    push(&mut body, &tables, &open, c.encode_utf8(&mut [0; 4]));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(body)
}

/// The open cell, if any.
fn open_cell<'b>(body: &'b mut Body, tables: &[OpenTable]) -> Option<&'b mut Cell> {
    let t = tables.last()?;
    let (r, c) = (t.row?, t.cell?);
    Some(&mut body.tables[t.index].rows[r][c])
}

/// Shown text: into the open cell and the innermost open control's content (only: text is
/// never copied into every control of a deep nesting, and the controls of our documents —
/// plain text, drop-down, date, checkbox — cannot hold other controls in Word).
fn push(body: &mut Body, tables: &[OpenTable], open: &[Open], text: &str) {
    let control = open.last().filter(|o| o.in_content).map(|o| o.index);
    let hint = control.is_some_and(|i| body.controls[i].placeholder);
    if !hint && let Some(cell) = open_cell(body, tables) {
        cell.shown.push_str(text);
    }
    if let Some(i) = control {
        body.controls[i].text.push_str(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_read_with_their_tags_text_and_place() {
        let xml = r#"<w:document xmlns:w="w" xmlns:w14="w14"><w:body><w:tbl><w:tr><w:tc><w:p>
            <w:sdt><w:sdtPr><w:tag w:val="a"/><w:showingPlcHdr/><w:text/></w:sdtPr>
            <w:sdtContent><w:r><w:t>请填写</w:t></w:r></w:sdtContent></w:sdt></w:p></w:tc>
            <w:tc><w:p><w:sdt><w:sdtPr><w:tag w:val="b=x"/><w14:checkbox><w14:checked w14:val="0"/></w14:checkbox></w:sdtPr>
            <w:sdtContent><w:r><w:t>□</w:t></w:r></w:sdtContent></w:sdt><w:r><w:t>选项</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
            <w:p><w:sdt><w:sdtPr><w:tag w:val="c"/><w:text w:multiLine="1"/></w:sdtPr><w:sdtContent>
            <w:r><w:t>一</w:t><w:br/><w:t>二&amp;</w:t></w:r><w:del><w:r><w:delText>删</w:delText></w:r></w:del>
            </w:sdtContent></w:sdt></w:p></w:body></w:document>"#;
        let body = body(xml.as_bytes()).unwrap();
        assert_eq!(body.controls.len(), 3);
        let a = body.control("a").unwrap();
        assert!(a.placeholder);
        assert_eq!(a.place, Some((0, 0, 0)));
        let b = body.control("b=x").unwrap();
        assert_eq!((b.kind, b.checked), (Kind::Checkbox, Some(false)));
        assert_eq!(body.tables[0].rows[0][1].shown, "□选项");
        assert_eq!(body.control("c").unwrap().text, "一\n二&");
    }

    #[test]
    fn tracked_moves_hyphens_symbols_and_hints_are_read_as_shown() {
        let xml = r#"<w:document xmlns:w="w"><w:body><w:tbl><w:tr><w:tc><w:p>
            <w:sdt><w:sdtPr><w:tag w:val="a"/></w:sdtPr><w:sdtContent>
            <w:moveFrom><w:r><w:t>旧处</w:t></w:r></w:moveFrom>
            <w:r><w:t>0551</w:t><w:noBreakHyphen/><w:t>6537</w:t><w:sym w:font="Wingdings" w:char="F0FE"/></w:r>
            <w:moveTo><w:r><w:t>新处</w:t></w:r></w:moveTo>
            </w:sdtContent></w:sdt>
            <w:sdt><w:sdtPr><w:tag w:val="b"/><w:showingPlcHdr/></w:sdtPr><w:sdtContent><w:r><w:t>请填写</w:t></w:r></w:sdtContent></w:sdt>
            <w:r><w:t><![CDATA[旁边]]></w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:body></w:document>"#;
        let body = body(xml.as_bytes()).unwrap();
        assert_eq!(body.control("a").unwrap().text, "0551-6537\u{F0FE}新处");
        let cell = &body.tables[0].rows[0][0];
        assert_eq!(
            cell.shown, "0551-6537\u{F0FE}新处旁边",
            "hints are not shown text"
        );
    }
}
