//! The first worksheet of a previous-winners .xlsx, streamed within limits. A spreadsheet from
//! outside may be sparse (one cell at A1, one at XFD1048576) or inflate a megabyte into a
//! gigabyte: cells are read one by one and kept sparse, every part is inflated within
//! [`PREVIOUS_INFLATE_BYTES`], a sheet of more than [`PREVIOUS_CELLS`] cells (or shared strings)
//! is refused, and the text kept from the cells together stays bounded (a
//! shared string is copied for each cell that uses it, so one long string used a million times
//! must not become a million copies): no more than a list file may hold, [`PREVIOUS_BYTES`].

use quick_xml::events::Event;

use crate::archive::Archive;
use crate::docx::import::resolve;
use crate::limits::{PREVIOUS_BYTES, PREVIOUS_CELLS, PREVIOUS_INFLATE_BYTES, PREVIOUS_NAMES};

/// One row: (column from 0, text) for its non-empty cells, in the order written.
pub type SparseRow = Vec<(usize, String)>;

/// The rows of the workbook's first sheet (at most [`PREVIOUS_NAMES`] + 1 of them).
pub fn first_sheet_rows(bytes: &[u8]) -> Result<Vec<SparseRow>, String> {
    let mut zip = Archive::open(bytes, PREVIOUS_INFLATE_BYTES)
        .map_err(|e| format!("{e}：文件已损坏或不是 .xlsx"))?;
    let part = |zip: &mut Archive, name: &str| {
        zip.read(name, PREVIOUS_INFLATE_BYTES)
            .map_err(|e| format!("{e}，不是可以读取的名单"))
    };
    let workbook = part(&mut zip, "xl/workbook.xml")?
        .ok_or("文件已损坏或不是 .xlsx（缺少 xl/workbook.xml）")?;
    let rels = part(&mut zip, "xl/_rels/workbook.xml.rels")?.unwrap_or_default();
    let sheet = first_sheet_path(&workbook, &rels)?;
    let strings = match part(&mut zip, "xl/sharedStrings.xml")? {
        Some(xml) => shared_strings(&xml)?,
        None => Vec::new(),
    };
    let xml = part(&mut zip, &sheet)?.ok_or("文件中没有工作表")?;
    rows(&xml, &strings)
}

/// Every worksheet of a workbook, by name, in the workbook's order (at most 64, each read
/// within the same limits as [`first_sheet_rows`]).
pub fn all_sheets(bytes: &[u8]) -> Result<Vec<(String, Vec<SparseRow>)>, String> {
    let mut zip = Archive::open(bytes, PREVIOUS_INFLATE_BYTES)
        .map_err(|e| format!("{e}：文件已损坏或不是 .xlsx"))?;
    let part = |zip: &mut Archive, name: &str| {
        zip.read(name, PREVIOUS_INFLATE_BYTES)
            .map_err(|e| format!("{e}，不是可以读取的表格"))
    };
    let workbook = part(&mut zip, "xl/workbook.xml")?
        .ok_or("文件已损坏或不是 .xlsx（缺少 xl/workbook.xml）")?;
    let rels = part(&mut zip, "xl/_rels/workbook.xml.rels")?.unwrap_or_default();
    let strings = match part(&mut zip, "xl/sharedStrings.xml")? {
        Some(xml) => shared_strings(&xml)?,
        None => Vec::new(),
    };
    let mut out = Vec::new();
    let mut cells = 0usize;
    for (name, path) in sheet_paths(&workbook, &rels)?.into_iter().take(64) {
        let Some(xml) = part(&mut zip, &path)? else {
            continue;
        };
        let rows = rows(&xml, &strings)?;
        cells += rows.iter().map(Vec::len).sum::<usize>();
        if cells > PREVIOUS_CELLS {
            return Err(too_many_cells());
        }
        out.push((name, rows));
    }
    Ok(out)
}

/// Each `<sheet>`'s name and part, through the workbook's relationships.
fn sheet_paths(workbook: &[u8], rels: &[u8]) -> Result<Vec<(String, String)>, String> {
    let mut r = reader(workbook);
    let mut sheets: Vec<(String, String)> = Vec::new();
    loop {
        match r.read_event().map_err(|_| xml_error())? {
            Event::DocType(_) => return Err(xml_error()),
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"sheet" => {
                let id = e
                    .attributes()
                    .flatten()
                    .find(|a| a.key.local_name().as_ref() == b"id")
                    .map(|a| attr_text(&a.value))
                    .unwrap_or_default();
                sheets.push((attr(&e, b"name").unwrap_or_default(), id));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut targets: Vec<(String, String)> = Vec::new();
    let mut r = reader(rels);
    loop {
        match r.read_event().map_err(|_| xml_error())? {
            Event::DocType(_) => return Err(xml_error()),
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"Relationship" => {
                if let (Some(id), Some(target)) = (attr(&e, b"Id"), attr(&e, b"Target")) {
                    let path = match target.strip_prefix('/') {
                        Some(absolute) => absolute.to_owned(),
                        None => format!("xl/{target}"),
                    };
                    targets.push((id, path));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(sheets
        .into_iter()
        .enumerate()
        .map(|(i, (name, id))| {
            let path = targets
                .iter()
                .find(|(t, _)| *t == id)
                .map(|(_, p)| p.clone())
                .unwrap_or_else(|| format!("xl/worksheets/sheet{}.xml", i + 1));
            (name, path)
        })
        .collect())
}

fn too_many_cells() -> String {
    format!("工作表的单元格超过 {PREVIOUS_CELLS} 个，不像是名单。请只保留名称一列后另存")
}

fn reader(xml: &[u8]) -> quick_xml::Reader<&[u8]> {
    // DTDs are refused below; entities other than the five XML ones are never expanded.
    quick_xml::Reader::from_reader(xml)
}

fn xml_error() -> String {
    "文件内容不是有效的 XML，文件已损坏或不是 .xlsx".into()
}

fn attr(e: &quick_xml::events::BytesStart, key: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key || a.key.local_name().as_ref() == key)
        .map(|a| attr_text(&a.value))
}

fn attr_text(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    quick_xml::escape::unescape(&text)
        .map(|t| t.into_owned())
        .unwrap_or_else(|_| text.into_owned())
}

/// The path of the first `<sheet>`'s part, through the workbook's relationships.
fn first_sheet_path(workbook: &[u8], rels: &[u8]) -> Result<String, String> {
    let mut r = reader(workbook);
    let mut id = None;
    loop {
        match r.read_event().map_err(|_| xml_error())? {
            Event::DocType(_) => return Err(xml_error()),
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"sheet" => {
                id = e
                    .attributes()
                    .flatten()
                    .find(|a| a.key.local_name().as_ref() == b"id")
                    .map(|a| attr_text(&a.value));
                break;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let id = id.ok_or("文件中没有工作表")?;
    let mut r = reader(rels);
    loop {
        match r.read_event().map_err(|_| xml_error())? {
            Event::DocType(_) => return Err(xml_error()),
            Event::Start(e) | Event::Empty(e)
                if e.local_name().as_ref() == b"Relationship"
                    && attr(&e, b"Id").as_deref() == Some(id.as_str()) =>
            {
                let target = attr(&e, b"Target").ok_or("文件中没有工作表")?;
                return Ok(match target.strip_prefix('/') {
                    Some(absolute) => absolute.to_owned(),
                    None => format!("xl/{target}"),
                });
            }
            Event::Eof => break,
            _ => {}
        }
    }
    // Without relationships, the customary name.
    Ok("xl/worksheets/sheet1.xml".into())
}

/// The shared strings, each the text of its `<t>` elements (phonetic runs left out).
fn shared_strings(xml: &[u8]) -> Result<Vec<String>, String> {
    let mut r = reader(xml);
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    let (mut in_t, mut in_phonetic) = (false, false);
    loop {
        match r.read_event().map_err(|_| xml_error())? {
            Event::DocType(_) => return Err(xml_error()),
            Event::Start(e) => match e.local_name().as_ref() {
                b"si" => current = Some(String::new()),
                b"t" => in_t = true,
                b"rPh" => in_phonetic = true,
                _ => {}
            },
            Event::Empty(e) if e.local_name().as_ref() == b"si" => {
                out.push(String::new());
                if out.len() > PREVIOUS_CELLS {
                    return Err(too_many_cells());
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                b"si" => {
                    out.extend(current.take());
                    if out.len() > PREVIOUS_CELLS {
                        return Err(too_many_cells());
                    }
                }
                b"t" => in_t = false,
                b"rPh" => in_phonetic = false,
                _ => {}
            },
            Event::Text(t) if in_t && !in_phonetic => {
                if let Some(c) = &mut current {
                    c.push_str(&t.decode().map_err(|_| xml_error())?);
                }
            }
            Event::GeneralRef(g) if in_t && !in_phonetic => {
                if let (Some(c), Some(ch)) = (&mut current, resolve(&g)) {
                    c.push(ch);
                }
            }
            Event::Eof => return Ok(out),
            _ => {}
        }
    }
}

/// Column (from 0) of a cell reference like `B7`; None when it has no letters.
fn column_of(reference: &str) -> Option<usize> {
    let letters: Vec<u8> = reference
        .bytes()
        .take_while(u8::is_ascii_alphabetic)
        .collect();
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let n = letters.iter().fold(0usize, |n, b| {
        n * 26 + usize::from(b.to_ascii_uppercase() - b'A' + 1)
    });
    Some(n - 1)
}

/// The sheet's rows, sparse.
fn rows(xml: &[u8], strings: &[String]) -> Result<Vec<SparseRow>, String> {
    let mut r = reader(xml);
    let mut rows: Vec<SparseRow> = Vec::new();
    let mut row: SparseRow = Vec::new();
    let mut cells = 0usize;
    // Bytes of text kept from the cells (shared strings are copied per cell).
    let mut kept = 0u64;
    // The cell being read: column, type, text.
    let mut cell: Option<(usize, String, String)> = None;
    let mut next_column = 0usize;
    let mut in_value = false;
    loop {
        match r.read_event().map_err(|_| xml_error())? {
            Event::DocType(_) => return Err(xml_error()),
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"row" => {
                row = Vec::new();
                next_column = 0;
                if e.is_empty() {
                    rows.push(Vec::new());
                    if rows.len() > PREVIOUS_NAMES {
                        return Ok(rows);
                    }
                }
            }
            Event::End(e) if e.local_name().as_ref() == b"row" => {
                rows.push(std::mem::take(&mut row));
                if rows.len() > PREVIOUS_NAMES {
                    return Ok(rows);
                }
            }
            Event::Start(e) if e.local_name().as_ref() == b"c" => {
                let column = next_cell(&e, &mut cells, &mut next_column)?;
                let kind = attr(&e, b"t").unwrap_or_default();
                cell = Some((column, kind, String::new()));
            }
            Event::Empty(e) if e.local_name().as_ref() == b"c" => {
                next_cell(&e, &mut cells, &mut next_column)?;
            }
            Event::Start(e) if matches!(e.local_name().as_ref(), b"v" | b"t") => in_value = true,
            Event::End(e) if matches!(e.local_name().as_ref(), b"v" | b"t") => in_value = false,
            Event::Text(t) if in_value => {
                if let Some((_, _, text)) = &mut cell {
                    text.push_str(&t.decode().map_err(|_| xml_error())?);
                }
            }
            Event::GeneralRef(g) if in_value => {
                if let (Some((_, _, text)), Some(ch)) = (&mut cell, resolve(&g)) {
                    text.push(ch);
                }
            }
            Event::End(e) if e.local_name().as_ref() == b"c" => {
                if let Some((column, kind, text)) = cell.take() {
                    let value = match kind.as_str() {
                        "s" => text
                            .trim()
                            .parse::<usize>()
                            .ok()
                            .and_then(|i| strings.get(i).cloned())
                            .unwrap_or_default(),
                        "n" | "" => number_text(&text),
                        _ => text,
                    };
                    kept += value.len() as u64;
                    if kept > PREVIOUS_BYTES {
                        return Err("名单的文字过多，不像是名单。请只保留名称一列后另存".into());
                    }
                    if !value.is_empty() {
                        row.push((column, value));
                    }
                }
            }
            Event::Eof => {
                if !row.is_empty() {
                    rows.push(row);
                }
                return Ok(rows);
            }
            _ => {}
        }
    }
}

/// Counts a cell (refusing too many) and gives its column: from its reference, else the one
/// after the previous cell.
fn next_cell(
    e: &quick_xml::events::BytesStart,
    cells: &mut usize,
    next_column: &mut usize,
) -> Result<usize, String> {
    *cells += 1;
    if *cells > PREVIOUS_CELLS {
        return Err(too_many_cells());
    }
    let column = attr(e, b"r")
        .and_then(|c| column_of(&c))
        .unwrap_or(*next_column);
    *next_column = column + 1;
    Ok(column)
}

/// A number as a person reads it: `20230001` rather than `2.0230001E7`.
fn number_text(raw: &str) -> String {
    match raw.trim().parse::<f64>() {
        Ok(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        _ => raw.trim().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_references_give_columns() {
        assert_eq!(column_of("A1"), Some(0));
        assert_eq!(column_of("B7"), Some(1));
        assert_eq!(column_of("Z3"), Some(25));
        assert_eq!(column_of("AA3"), Some(26));
        assert_eq!(column_of("XFD1048576"), Some(16383));
        assert_eq!(column_of("17"), None);
    }

    #[test]
    fn numbers_print_without_exponent() {
        assert_eq!(number_text("20230001"), "20230001");
        assert_eq!(number_text("2.0230001E7"), "20230001");
        assert_eq!(number_text("1.5"), "1.5");
    }
}
