//! The last step of export: fixing what docx-rs writes before it leaves the program.
//!
//! - docx-rs writes the children of property elements (`w:rPr`, `w:pPr`, `w:tcPr`, …) in an
//!   order the WordprocessingML schema does not allow — `w:rFonts` after `w:sz`, `w:rStyle`
//!   last. Word is known to ignore out-of-order `w:rFonts`, which would lose the explicit
//!   宋体/黑体. Each such element's children are put back into schema order here.
//! - Rows made by `layout::header_row` get `<w:tblHeader/>`, which docx-rs cannot write.
//! - docx-rs stores every part uncompressed; the package is written again with deflate, which
//!   makes the e-mail attachment about five times smaller (level 1: the size barely differs
//!   from level 6, the time does).

use std::io::{Cursor, Read, Write};

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, Writer};

/// Schema order (ECMA-376 Part 1, §17) of the children of the property elements we write.
fn rank(parent: &[u8], child: &[u8]) -> usize {
    let order: &[&[u8]] = match parent {
        b"rPr" => &[
            b"rStyle",
            b"rFonts",
            b"b",
            b"bCs",
            b"i",
            b"iCs",
            b"caps",
            b"smallCaps",
            b"strike",
            b"dstrike",
            b"outline",
            b"shadow",
            b"emboss",
            b"imprint",
            b"noProof",
            b"snapToGrid",
            b"vanish",
            b"webHidden",
            b"color",
            b"spacing",
            b"w",
            b"kern",
            b"position",
            b"sz",
            b"szCs",
            b"highlight",
            b"u",
            b"effect",
            b"bdr",
            b"shd",
            b"fitText",
            b"vertAlign",
            b"rtl",
            b"cs",
            b"em",
            b"lang",
            b"eastAsianLayout",
            b"specVanish",
            b"oMath",
            b"ins",
            b"del",
            b"rPrChange",
        ],
        b"pPr" => &[
            b"pStyle",
            b"keepNext",
            b"keepLines",
            b"pageBreakBefore",
            b"framePr",
            b"widowControl",
            b"numPr",
            b"suppressLineNumbers",
            b"pBdr",
            b"shd",
            b"tabs",
            b"suppressAutoHyphens",
            b"kinsoku",
            b"wordWrap",
            b"overflowPunct",
            b"topLinePunct",
            b"autoSpaceDE",
            b"autoSpaceDN",
            b"bidi",
            b"adjustRightInd",
            b"snapToGrid",
            b"spacing",
            b"ind",
            b"contextualSpacing",
            b"mirrorIndents",
            b"suppressOverlap",
            b"jc",
            b"textDirection",
            b"textAlignment",
            b"textboxTightWrap",
            b"outlineLvl",
            b"divId",
            b"cnfStyle",
            b"rPr",
            b"sectPr",
            b"pPrChange",
        ],
        b"tcPr" => &[
            b"cnfStyle",
            b"tcW",
            b"gridSpan",
            b"hMerge",
            b"vMerge",
            b"tcBorders",
            b"shd",
            b"noWrap",
            b"tcMar",
            b"textDirection",
            b"tcFitText",
            b"vAlign",
            b"hideMark",
            b"headers",
            b"cellIns",
            b"cellDel",
            b"cellMerge",
            b"tcPrChange",
        ],
        b"trPr" => &[
            b"cnfStyle",
            b"divId",
            b"gridBefore",
            b"gridAfter",
            b"wBefore",
            b"wAfter",
            b"cantSplit",
            b"trHeight",
            b"tblHeader",
            b"tblCellSpacing",
            b"jc",
            b"hidden",
            b"ins",
            b"del",
            b"trPrChange",
        ],
        b"tblPr" => &[
            b"tblStyle",
            b"tblpPr",
            b"tblOverlap",
            b"bidiVisual",
            b"tblStyleRowBandSize",
            b"tblStyleColBandSize",
            b"tblW",
            b"jc",
            b"tblCellSpacing",
            b"tblInd",
            b"tblBorders",
            b"shd",
            b"tblLayout",
            b"tblCellMar",
            b"tblLook",
            b"tblCaption",
            b"tblDescription",
            b"tblPrChange",
        ],
        b"sectPr" => &[
            b"headerReference",
            b"footerReference",
            b"footnotePr",
            b"endnotePr",
            b"type",
            b"pgSz",
            b"pgMar",
            b"paperSrc",
            b"pgBorders",
            b"lnNumType",
            b"pgNumType",
            b"cols",
            b"formProt",
            b"vAlign",
            b"noEndnote",
            b"titlePg",
            b"textDirection",
            b"bidi",
            b"rtlGutter",
            b"docGrid",
            b"printerSettings",
            b"sectPrChange",
        ],
        b"style" => &[
            b"name",
            b"aliases",
            b"basedOn",
            b"next",
            b"link",
            b"autoRedefine",
            b"hidden",
            b"uiPriority",
            b"semiHidden",
            b"unhideWhenUsed",
            b"qFormat",
            b"locked",
            b"personal",
            b"personalCompose",
            b"personalReply",
            b"rsid",
            b"pPr",
            b"rPr",
            b"tblPr",
            b"trPr",
            b"tcPr",
            b"tblStylePr",
        ],
        _ => return 0,
    };
    // Header and footer references may interleave: give them one rank.
    let child = if child == b"footerReference" {
        &b"headerReference"[..]
    } else {
        child
    };
    order
        .iter()
        .position(|c| *c == child)
        .unwrap_or(order.len())
}

fn is_property(local: &[u8]) -> bool {
    matches!(
        local,
        b"rPr" | b"pPr" | b"tcPr" | b"trPr" | b"tblPr" | b"sectPr" | b"style"
    )
}

/// One element with everything inside it, as events.
struct Subtree {
    rank: usize,
    events: Vec<Event<'static>>,
}

/// Rewrites an XML part with the children of property elements in schema order.
///
/// Only the property elements are parsed; everything between them is copied as bytes, which
/// keeps this to a few milliseconds on a 2 MB document. It relies on what docx-rs writes: the
/// `w:` prefix, and no property element nested in another of the same name.
pub fn reorder(xml: &[u8]) -> Result<Vec<u8>, quick_xml::Error> {
    let mut out = Vec::with_capacity(xml.len() + 64);
    let mut copied = 0;
    let mut at = 0;
    while let Some((start, name)) = next_property(xml, at) {
        let end_tag = [b"</w:".as_slice(), name, b">"].concat();
        let Some(len) = find(&xml[start..], &end_tag) else {
            break;
        };
        let end = start + len + end_tag.len();
        out.extend_from_slice(&xml[copied..start]);
        let mut reader = Reader::from_reader(&xml[start..end]);
        let mut writer = Writer::new(&mut out);
        if let Event::Start(e) = reader.read_event()? {
            for ev in property_element(&mut reader, e.into_owned())? {
                writer.write_event(ev)?;
            }
        }
        copied = end;
        at = end;
    }
    out.extend_from_slice(&xml[copied..]);
    Ok(out)
}

/// The next start tag (not empty-element tag) of a property element at or after `from`.
fn next_property(xml: &[u8], from: usize) -> Option<(usize, &'static [u8])> {
    const NAMES: [&[u8]; 7] = [
        b"rPr", b"pPr", b"tcPr", b"trPr", b"tblPr", b"sectPr", b"style",
    ];
    let mut i = from;
    while let Some(off) = find(&xml[i..], b"<w:") {
        let start = i + off;
        let rest = &xml[start + 3..];
        for name in NAMES {
            if rest.starts_with(name)
                && rest
                    .get(name.len())
                    .is_some_and(|&c| c == b'>' || c == b' ')
            {
                // Skip `<w:rPr />`: nothing to order.
                let close = rest.iter().position(|&c| c == b'>').unwrap_or(0);
                if rest[..close].ends_with(b"/") {
                    break;
                }
                return Some((start, name));
            }
        }
        i = start + 3;
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

/// Reads a property element whose start tag was just read, sorting its children (and those of
/// property elements nested in it, like `w:rPr` in `w:pPr`).
fn property_element(
    reader: &mut Reader<&[u8]>,
    start: BytesStart<'static>,
) -> Result<Vec<Event<'static>>, quick_xml::Error> {
    let parent = start.local_name().as_ref().to_vec();
    let mut children: Vec<Subtree> = Vec::new();
    loop {
        match reader.read_event()? {
            Event::End(end) => {
                // Stable: elements of equal rank keep their order.
                children.sort_by_key(|c| c.rank);
                let mut out = vec![Event::Start(start)];
                out.extend(children.into_iter().flat_map(|c| c.events));
                out.push(Event::End(end.into_owned()));
                return Ok(out);
            }
            Event::Empty(e) => {
                let rank = rank(&parent, e.local_name().as_ref());
                children.push(Subtree {
                    rank,
                    events: vec![Event::Empty(e.into_owned())],
                });
            }
            Event::Start(e) => {
                let rank = rank(&parent, e.local_name().as_ref());
                let events = if is_property(e.local_name().as_ref()) {
                    property_element(reader, e.into_owned())?
                } else {
                    plain_element(reader, e.into_owned())?
                };
                children.push(Subtree { rank, events });
            }
            Event::Eof => {
                return Err(quick_xml::Error::Syntax(
                    quick_xml::errors::SyntaxError::UnclosedTag,
                ));
            }
            // Text between property children (none is written) stays with the element before it.
            other => match children.last_mut() {
                Some(last) => last.events.push(other.into_owned()),
                None => children.push(Subtree {
                    rank: 0,
                    events: vec![other.into_owned()],
                }),
            },
        }
    }
}

/// An element copied as it is.
fn plain_element(
    reader: &mut Reader<&[u8]>,
    start: BytesStart<'static>,
) -> Result<Vec<Event<'static>>, quick_xml::Error> {
    let mut out = vec![Event::Start(start)];
    let mut depth = 1;
    while depth > 0 {
        let ev = reader.read_event()?.into_owned();
        match &ev {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth -= 1,
            Event::Eof => {
                return Err(quick_xml::Error::Syntax(
                    quick_xml::errors::SyntaxError::UnclosedTag,
                ));
            }
            _ => {}
        }
        out.push(ev);
    }
    Ok(out)
}

/// `xml` with every occurrence of `what` removed.
fn without(xml: &[u8], what: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(xml.len());
    let mut at = 0;
    for hit in memchr::memmem::find_iter(xml, what) {
        out.extend_from_slice(&xml[at..hit]);
        at = hit + what.len();
    }
    out.extend_from_slice(&xml[at..]);
    out
}

/// A finished package that the import would refuse: never written.
#[derive(Debug)]
pub struct TooLarge {
    pub part: String,
    pub size: u64,
    pub limit: u64,
}

/// The limit the import applies to a part we write, if any (see [`crate::limits`]).
fn import_limit(name: &str) -> Option<u64> {
    if name == "word/document.xml" {
        Some(crate::limits::DOCUMENT_XML_BYTES)
    } else if name.starts_with("customXml/item") && !name.contains("Props") {
        Some(crate::limits::DRAFT_PART_BYTES)
    } else {
        None
    }
}

/// docx-rs's stored package → the same parts, fixed and deflated. With `importable`, a part
/// larger than the import reads is refused, so that whatever is exported can be imported.
pub fn finish(
    stored: &[u8],
    importable: bool,
    controls: &super::controls::Controls,
) -> Result<Result<Vec<u8>, TooLarge>, String> {
    let mut zin = zip::ZipArchive::new(Cursor::new(stored)).map_err(|e| e.to_string())?;
    let mut zout = zip::ZipWriter::new(Cursor::new(Vec::with_capacity(stored.len() / 4)));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1));
    for i in 0..zin.len() {
        let mut entry = zin.by_index(i).map_err(|e| e.to_string())?;
        let name = entry.name().to_owned();
        let mut bytes = Vec::with_capacity(entry.size() as usize);
        entry.read_to_end(&mut bytes).map_err(|e| e.to_string())?;
        if name.ends_with(".xml") {
            if name == "word/styles.xml" {
                // docx-rs gives every style an empty `w:pPr` holding an empty `w:rPr`, which
                // the schema does not allow there: it says nothing, so it goes.
                bytes = without(&bytes, b"<w:pPr><w:rPr /></w:pPr>");
            }
            if name == "word/document.xml" {
                bytes = super::mark_header_rows(&bytes);
                bytes = super::controls::render_properties(&bytes, controls);
            }
            bytes = reorder(&bytes).map_err(|e| format!("{name}: {e}"))?;
        }
        if importable
            && let Some(limit) = import_limit(&name)
            && bytes.len() as u64 > limit
        {
            return Ok(Err(TooLarge {
                part: name,
                size: bytes.len() as u64,
                limit,
            }));
        }
        zout.start_file(name, options).map_err(|e| e.to_string())?;
        zout.write_all(&bytes).map_err(|e| e.to_string())?;
    }
    let packed = zout.finish().map_err(|e| e.to_string())?.into_inner();
    if importable && packed.len() as u64 > crate::limits::DOCX_BYTES {
        return Ok(Err(TooLarge {
            part: "申报表文件".into(),
            size: packed.len() as u64,
            limit: crate::limits::DOCX_BYTES,
        }));
    }
    Ok(Ok(packed))
}

#[cfg(test)]
mod tests {
    use super::reorder;

    #[test]
    fn run_properties_come_back_in_schema_order() {
        let xml = br#"<w:r><w:rPr><w:sz w:val="21" /><w:b /><w:rFonts w:eastAsia="x" /><w:rStyle w:val="s" /></w:rPr><w:t>a</w:t></w:r>"#;
        let out = String::from_utf8(reorder(xml).unwrap()).unwrap();
        assert_eq!(
            out,
            r#"<w:r><w:rPr><w:rStyle w:val="s" /><w:rFonts w:eastAsia="x" /><w:b /><w:sz w:val="21" /></w:rPr><w:t>a</w:t></w:r>"#
        );
    }

    #[test]
    fn nested_and_unknown_children_keep_a_stable_place() {
        let xml = br#"<w:pPr><w:rPr><w:szCs w:val="1"/><w:rFonts/></w:rPr><w:jc w:val="center"/><w:x/><w:keepNext/></w:pPr>"#;
        let out = String::from_utf8(reorder(xml).unwrap()).unwrap();
        assert_eq!(
            out,
            r#"<w:pPr><w:keepNext/><w:jc w:val="center"/><w:rPr><w:rFonts/><w:szCs w:val="1"/></w:rPr><w:x/></w:pPr>"#
        );
    }

    #[test]
    fn header_row_mark_goes_after_the_row_height() {
        let xml = br#"<w:trPr><w:cantSplit /><w:tblHeader /><w:trHeight w:val="397" /></w:trPr>"#;
        let out = String::from_utf8(reorder(xml).unwrap()).unwrap();
        assert_eq!(
            out,
            r#"<w:trPr><w:cantSplit /><w:trHeight w:val="397" /><w:tblHeader /></w:trPr>"#
        );
    }
}
