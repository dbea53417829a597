//! The last step of export: fixing what docx-rs writes before it leaves the program.
//!
//! - docx-rs writes the children of property elements (`w:rPr`, `w:pPr`, `w:tcPr`, …) in an
//!   order the WordprocessingML schema does not allow — `w:rFonts` after `w:sz`, `w:rStyle`
//!   last. Word is known to ignore out-of-order `w:rFonts`, which would lose the explicit
//!   宋体/黑体. Each such element's children are put back into schema order here.
//! - Rows made by `layout::header_row` get `<w:tblHeader/>`, which docx-rs cannot write.
//! - The content controls get their real properties ([`super::controls`]).
//! - What a strict reader (Word, the Open XML SDK's schemas) refuses is mended: `w:gridCol`
//!   without `w:type`, `w:zoom` before `w:defaultTabStop`, styles without an empty `w:pPr`;
//!   parts nothing refers to (comments, footnotes, numbering) and zip directory entries are
//!   left out; a theme is added (the schema requires one), and the font table names 宋体 and
//!   黑体 with their alternative names SimSun and SimHei and the GB 2312 charset, so that Word
//!   substitutes correctly where they are missing. East Asian text is marked zh-CN, and the
//!   core properties carry the title, the author and the real time.
//! - docx-rs stores every part uncompressed; the package is written again with deflate, which
//!   makes the e-mail attachment about five times smaller (level 1: the size barely differs
//!   from level 6, the time does).

use std::io::{Cursor, Read, Write};

use quick_xml::Reader;
use quick_xml::events::Event;

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
    PROPERTIES.contains(&local)
}

/// Rewrites an XML part with the children of property elements in schema order.
///
/// Only the property elements are parsed; everything between them is copied as bytes, and so
/// are their children: a child is moved as the bytes it was written as, never re-serialised.
/// That keeps this to a few milliseconds on a 4 MB document. It relies on what docx-rs writes:
/// the `w:` prefix, and no property element nested in another of the same name.
pub fn reorder(xml: &[u8]) -> Result<Vec<u8>, quick_xml::Error> {
    let mut out = Vec::with_capacity(xml.len() + 64);
    let mut copied = 0;
    let mut at = 0;
    let tags = memchr::memmem::Finder::new(b"<w:");
    let ends: Vec<(&[u8], memchr::memmem::Finder)> = PROPERTIES
        .iter()
        .map(|name| {
            let tag = [b"</w:".as_slice(), name, b">"].concat();
            (*name, memchr::memmem::Finder::new(&tag).into_owned())
        })
        .collect();
    while let Some((start, name)) = next_property(xml, at, &tags) {
        let Some((_, end_tag)) = ends.iter().find(|(n, _)| *n == name) else {
            break;
        };
        let Some(len) = end_tag.find(&xml[start..]) else {
            break;
        };
        let end = start + len + end_tag.needle().len();
        out.extend_from_slice(&xml[copied..start]);
        sorted_element(&xml[start..end], &mut out)?;
        copied = end;
        at = end;
    }
    out.extend_from_slice(&xml[copied..]);
    Ok(out)
}

/// The property elements whose children are put in order.
const PROPERTIES: [&[u8]; 7] = [
    b"rPr", b"pPr", b"tcPr", b"trPr", b"tblPr", b"sectPr", b"style",
];

/// The next start tag (not empty-element tag) of a property element at or after `from`.
fn next_property(
    xml: &[u8],
    from: usize,
    tags: &memchr::memmem::Finder,
) -> Option<(usize, &'static [u8])> {
    let mut i = from;
    while let Some(off) = tags.find(&xml[i..]) {
        let start = i + off;
        let rest = &xml[start + 3..];
        for name in PROPERTIES {
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

/// One child of a property element: its schema rank and its bytes (with the text after it).
struct Child {
    rank: usize,
    bytes: std::ops::Range<usize>,
    /// A nested property element (`w:rPr` in `w:pPr`): sorted in turn.
    property: bool,
}

/// Writes the property element `xml` (its start tag to its end tag) with its children, and
/// those of property elements nested in it, in schema order.
fn sorted_element(xml: &[u8], out: &mut Vec<u8>) -> Result<(), quick_xml::Error> {
    let unclosed = || quick_xml::Error::Syntax(quick_xml::errors::SyntaxError::UnclosedTag);
    let mut reader = Reader::from_reader(xml);
    let Event::Start(start) = reader.read_event()? else {
        out.extend_from_slice(xml);
        return Ok(());
    };
    let parent = start.local_name();
    let parent = parent.as_ref();
    let open_end = reader.buffer_position() as usize;
    let mut children: Vec<Child> = Vec::with_capacity(8);
    let close_start;
    loop {
        let before = reader.buffer_position() as usize;
        match reader.read_event()? {
            Event::End(_) => {
                close_start = before;
                break;
            }
            Event::Empty(e) => children.push(Child {
                rank: rank(parent, e.local_name().as_ref()),
                bytes: before..reader.buffer_position() as usize,
                property: false,
            }),
            Event::Start(e) => {
                let local = e.local_name();
                let (rank, property) = (rank(parent, local.as_ref()), is_property(local.as_ref()));
                reader.read_to_end(e.name())?;
                children.push(Child {
                    rank,
                    bytes: before..reader.buffer_position() as usize,
                    property,
                });
            }
            Event::Eof => return Err(unclosed()),
            // Text between property children (none is written) stays with the element before it.
            _ => match children.last_mut() {
                Some(last) => last.bytes.end = reader.buffer_position() as usize,
                None => children.push(Child {
                    rank: 0,
                    bytes: before..reader.buffer_position() as usize,
                    property: false,
                }),
            },
        }
    }
    // Already in order with nothing nested to sort: as it is.
    if children.is_sorted_by_key(|c| c.rank) && !children.iter().any(|c| c.property) {
        out.extend_from_slice(xml);
        return Ok(());
    }
    // Stable: elements of equal rank keep their order.
    children.sort_by_key(|c| c.rank);
    out.extend_from_slice(&xml[..open_end]);
    for child in &children {
        let bytes = &xml[child.bytes.clone()];
        if child.property {
            sorted_element(bytes, out)?;
        } else {
            out.extend_from_slice(bytes);
        }
    }
    out.extend_from_slice(&xml[close_start..]);
    Ok(())
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

/// What the package says about itself (`docProps/core.xml`).
#[derive(Debug, Clone, Default)]
pub struct Metadata {
    pub title: String,
    /// The applicant unit (or the secretariat for a summary).
    pub creator: String,
    /// When it was made, `YYYY-MM-DDTHH:MM:SSZ`.
    pub time: String,
}

impl Metadata {
    /// Made now, by `creator`.
    pub fn now(title: impl Into<String>, creator: impl Into<String>) -> Metadata {
        Metadata {
            title: title.into(),
            creator: creator.into(),
            time: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        }
    }
}

/// Parts docx-rs always writes that nothing in our documents refers to: left out, with their
/// content types and relationships.
const UNUSED_PARTS: [&str; 4] = [
    "word/comments.xml",
    "word/commentsExtended.xml",
    "word/footnotes.xml",
    "word/numbering.xml",
];

/// The theme and font table our documents carry instead of docx-rs's (none, and one without
/// the Chinese fonts' alternative names and charset).
const THEME: &str = include_str!("../../assets/docx/theme1.xml");
const FONT_TABLE: &str = include_str!("../../assets/docx/fontTable.xml");
const THEME_PART: &str = "word/theme/theme1.xml";

/// `docProps/core.xml` with the title, the creator and the time (docx-rs writes 「unknown」 and
/// 1970-01-01).
fn core_properties(meta: &Metadata) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>{}</dc:title><dc:creator>{}</dc:creator><cp:lastModifiedBy>{}</cp:lastModifiedBy><cp:revision>1</cp:revision><dcterms:created xsi:type="dcterms:W3CDTF">{}</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">{}</dcterms:modified></cp:coreProperties>"#,
        super::controls::attr(&meta.title),
        super::controls::attr(&meta.creator),
        super::controls::attr(&meta.creator),
        meta.time,
        meta.time
    )
}

/// `[Content_Types].xml` without the unused parts, with the theme.
fn content_types(xml: &[u8]) -> Vec<u8> {
    let mut out = xml.to_vec();
    for part in UNUSED_PARTS {
        out = without_element(&out, format!(r#"<Override PartName="/{part}""#).as_bytes());
    }
    insert_before(
        &out,
        b"</Types>",
        format!(r#"<Override PartName="/{THEME_PART}" ContentType="application/vnd.openxmlformats-officedocument.theme+xml" />"#).as_bytes(),
    )
}

/// `word/_rels/document.xml.rels` without relationships to the unused parts, with the theme.
fn document_relationships(xml: &[u8]) -> Vec<u8> {
    let mut out = xml.to_vec();
    for part in UNUSED_PARTS {
        let target = part.trim_start_matches("word/");
        out = without_element_holding(
            &out,
            b"<Relationship ",
            format!(r#"Target="{target}""#).as_bytes(),
        );
    }
    insert_before(
        &out,
        b"</Relationships>",
        br#"<Relationship Id="rIdKczgTheme1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme" Target="theme/theme1.xml" />"#,
    )
}

/// `xml` without the empty elements (`<… />`) that start with `start`.
fn without_element(xml: &[u8], start: &[u8]) -> Vec<u8> {
    without_element_holding(xml, start, b"")
}

/// `xml` without the empty elements starting with `start` whose tag holds `holding`.
fn without_element_holding(xml: &[u8], start: &[u8], holding: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(xml.len());
    let mut at = 0;
    let mut from = 0;
    while let Some(hit) = memchr::memmem::find(&xml[from..], start).map(|h| from + h) {
        let Some(end) = memchr::memmem::find(&xml[hit..], b"/>").map(|e| hit + e + 2) else {
            break;
        };
        if memchr::memmem::find(&xml[hit..end], holding).is_some() {
            out.extend_from_slice(&xml[at..hit]);
            at = end;
        }
        from = end;
    }
    out.extend_from_slice(&xml[at..]);
    out
}

/// `xml` with `what` inserted before the first `before` (or unchanged without one).
fn insert_before(xml: &[u8], before: &[u8], what: &[u8]) -> Vec<u8> {
    match memchr::memmem::find(xml, before) {
        Some(at) => [&xml[..at], what, &xml[at..]].concat(),
        None => xml.to_vec(),
    }
}

/// `w:gridCol` has no `w:type` (docx-rs writes one): removed from every grid column.
fn grid_columns_without_type(xml: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(xml.len());
    let mut at = 0;
    let mut from = 0;
    let columns = memchr::memmem::Finder::new(b"<w:gridCol ");
    while let Some(hit) = columns.find(&xml[from..]).map(|h| from + h) {
        let Some(end) = memchr::memchr(b'>', &xml[hit..]).map(|e| hit + e) else {
            break;
        };
        if let Some(t) = memchr::memmem::find(&xml[hit..end], br#" w:type="dxa""#) {
            out.extend_from_slice(&xml[at..hit + t]);
            at = hit + t + br#" w:type="dxa""#.len();
        }
        from = end;
    }
    out.extend_from_slice(&xml[at..]);
    out
}

/// `w:zoom` comes before `w:defaultTabStop` in the settings (docx-rs writes it after).
fn settings_in_order(xml: &[u8]) -> Vec<u8> {
    let zoom = br#"<w:zoom w:percent="100" />"#;
    if memchr::memmem::find(xml, zoom).is_none() {
        return xml.to_vec();
    }
    insert_before(&without(xml, zoom), b"<w:defaultTabStop", zoom)
}

/// docx-rs's stored package → the same parts, fixed and deflated. With `importable`, a part
/// larger than the import reads is refused, so that whatever is exported can be imported.
pub fn finish(
    stored: &[u8],
    importable: bool,
    controls: &super::controls::Controls,
    meta: &Metadata,
) -> Result<Result<Vec<u8>, TooLarge>, String> {
    let mut zin = zip::ZipArchive::new(Cursor::new(stored)).map_err(|e| e.to_string())?;
    let mut zout = zip::ZipWriter::new(Cursor::new(Vec::with_capacity(stored.len() / 4)));
    let options = zip::write::SimpleFileOptions::default()
        .system(zip::System::Unix)
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1));
    for i in 0..zin.len() {
        let mut entry = zin.by_index(i).map_err(|e| e.to_string())?;
        let name = entry.name().to_owned();
        // No directory entries, no parts nothing refers to.
        if name.ends_with('/') || UNUSED_PARTS.contains(&name.as_str()) {
            continue;
        }
        let mut bytes = Vec::with_capacity(entry.size() as usize);
        entry.read_to_end(&mut bytes).map_err(|e| e.to_string())?;
        match name.as_str() {
            "[Content_Types].xml" => bytes = content_types(&bytes),
            "word/_rels/document.xml.rels" => bytes = document_relationships(&bytes),
            "word/fontTable.xml" => bytes = FONT_TABLE.as_bytes().to_vec(),
            "docProps/core.xml" => bytes = core_properties(meta).into_bytes(),
            "word/settings.xml" => bytes = settings_in_order(&bytes),
            _ => {}
        }
        if name.ends_with(".xml") {
            if name == "word/styles.xml" {
                // docx-rs gives every style an empty `w:pPr` holding an empty `w:rPr`, which
                // the schema does not allow there: it says nothing, so it goes. East Asian text
                // is Chinese (spell checking, line breaking).
                bytes = without(&bytes, b"<w:pPr><w:rPr /></w:pPr>");
                bytes = insert_before(
                    &bytes,
                    b"</w:rPr></w:rPrDefault>",
                    br#"<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA" />"#,
                );
            }
            if name.starts_with("word/") {
                bytes = grid_columns_without_type(&bytes);
            }
            if name == "word/document.xml" {
                bytes = super::mark_header_rows(&bytes);
            }
            bytes = reorder(&bytes).map_err(|e| format!("{name}: {e}"))?;
            if name == "word/document.xml" {
                // After the reordering: the properties written here are in order already.
                bytes = super::controls::render_properties(&bytes, controls);
            }
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
    zout.start_file(THEME_PART, options)
        .map_err(|e| e.to_string())?;
    zout.write_all(THEME.as_bytes())
        .map_err(|e| e.to_string())?;
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
