//! The 推荐汇总表 as a landscape A4 .docx (docx-rs), for printing and sealing: the title, the
//! overview's columns a person needs on paper (序号, 榜单, 领域, 名称, 单位, 联系人, 手机, 推荐,
//! 排序, 备注) in the rows' order, the counts, and the 推荐单位（盖章） / 日期 line.
//!
//! It follows the conventions of the declaration form (`src/docx/layout.rs`): 宋体 body and 黑体
//! title set explicitly for East Asian text with Times New Roman for Latin, fixed table layout
//! with tblW, gridCol and tcW agreeing, shaded bold header cells, a header row repeated on every
//! page, 「第 X 页 共 Y 页」 in the footer. docx-rs writes run properties out of schema order and
//! cannot mark a repeated header row, so the package is fixed up and deflated afterwards.

use std::io::{Cursor, Read, Write};

use docx_rs::{
    AlignmentType, Docx, FieldCharType, Footer, InstrNUMPAGES, InstrPAGE, InstrText, LineSpacing,
    LineSpacingType, PageMargin, PageOrientationType, Paragraph, Run, RunFonts, Shading, ShdType,
    Table, TableCell, TableLayoutType, TableRow, VAlignType, WidthType,
};

use super::SummaryError;
use super::summary::{Row, yes_no};
use crate::schema::Definitions;

/// A4 landscape, in twips.
const PAGE_WIDTH: u32 = 16838;
const PAGE_HEIGHT: u32 = 11906;
/// 2.5 cm all round; the left one as wide as the declaration form's binding margin.
const MARGIN: i32 = 1418;
const MARGIN_LEFT: i32 = 1701;
const CONTENT_WIDTH: usize = PAGE_WIDTH as usize - MARGIN as usize - MARGIN_LEFT as usize;

const BODY_FONT: &str = "宋体";
const HEADING_FONT: &str = "黑体";
const LATIN_FONT: &str = "Times New Roman";
/// Half-points: 小二 for the title, 五号 for the table, 小五 for the footer.
const TITLE_SIZE: usize = 36;
const BODY_SIZE: usize = 21;
const SMALL_SIZE: usize = 18;
const LABEL_FILL: &str = "E7E6E6";
/// Marks header rows; replaced by `<w:tblHeader/>` (as `src/docx` does).
const HEADER_ROW_HEIGHT: f32 = 401.0;

/// (heading, width in twips); 备注 takes what is left.
const COLUMNS: [(&str, usize); 10] = [
    ("序号", 700),
    ("榜单", 1800),
    ("领域", 1000),
    ("名称", 2600),
    ("单位", 2500),
    ("联系人", 1000),
    ("手机", 1400),
    ("推荐", 700),
    ("排序", 700),
    ("备注", 0),
];

fn widths() -> Vec<usize> {
    let fixed: usize = COLUMNS.iter().map(|(_, w)| w).sum();
    COLUMNS
        .iter()
        .map(|(_, w)| if *w == 0 { CONTENT_WIDTH - fixed } else { *w })
        .collect()
}

fn fonts(east_asia: &str) -> RunFonts {
    RunFonts::new()
        .east_asia(east_asia)
        .ascii(LATIN_FONT)
        .hi_ansi(LATIN_FONT)
        .cs(LATIN_FONT)
        .hint("eastAsia")
}

fn run(text: &str) -> Run {
    Run::new()
        .add_text(text)
        .fonts(fonts(BODY_FONT))
        .size(BODY_SIZE)
}

fn para() -> Paragraph {
    Paragraph::new().line_spacing(
        LineSpacing::new()
            .before(0)
            .after(0)
            .line(280)
            .line_rule(LineSpacingType::Auto),
    )
}

/// Columns printed centred: 序号, 推荐, 排序.
const CENTRED: [usize; 3] = [0, 7, 8];

fn cell(text: &str, width: usize, header: bool, centred: bool) -> TableCell {
    let c = TableCell::new()
        .width(width, WidthType::Dxa)
        .vertical_align(VAlignType::Center);
    if header {
        c.shading(
            Shading::new()
                .shd_type(ShdType::Clear)
                .color("auto")
                .fill(LABEL_FILL),
        )
        .add_paragraph(
            para()
                .align(AlignmentType::Center)
                .add_run(run(text).bold()),
        )
    } else {
        let align = if centred {
            AlignmentType::Center
        } else {
            AlignmentType::Left
        };
        let mut c = c;
        for line in text.split('\n') {
            c = c.add_paragraph(para().align(align).add_run(run(line)));
        }
        c
    }
}

fn footer() -> Footer {
    let small = |t: &str| {
        Run::new()
            .add_text(t)
            .fonts(fonts(BODY_FONT))
            .size(SMALL_SIZE)
    };
    let field = |instr: InstrText| {
        vec![
            Run::new()
                .size(SMALL_SIZE)
                .add_field_char(FieldCharType::Begin, false),
            Run::new().size(SMALL_SIZE).add_instr_text(instr),
            Run::new()
                .size(SMALL_SIZE)
                .add_field_char(FieldCharType::Separate, false),
            small("1"),
            Run::new()
                .size(SMALL_SIZE)
                .add_field_char(FieldCharType::End, false),
        ]
    };
    let mut p = Paragraph::new()
        .align(AlignmentType::Center)
        .add_run(small("第 "));
    for r in field(InstrText::PAGE(InstrPAGE::new())) {
        p = p.add_run(r);
    }
    p = p.add_run(small(" 页 共 "));
    for r in field(InstrText::NUMPAGES(InstrNUMPAGES::new())) {
        p = p.add_run(r);
    }
    Footer::new().add_paragraph(p.add_run(small(" 页")))
}

/// The overview as a landscape .docx for printing and sealing.
pub fn docx(defs: &Definitions, rows: &[Row]) -> Result<Vec<u8>, SummaryError> {
    let widths = widths();
    let title = format!("{}推荐汇总表", defs.call.title);
    let mut doc = Docx::new()
        .page_size(PAGE_WIDTH, PAGE_HEIGHT)
        .page_orient(PageOrientationType::Landscape)
        .page_margin(
            PageMargin::new()
                .top(MARGIN)
                .bottom(MARGIN)
                .left(MARGIN_LEFT)
                .right(MARGIN)
                .header(851)
                .footer(851),
        )
        .default_fonts(fonts(BODY_FONT))
        .default_size(BODY_SIZE)
        .footer(footer())
        .add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .line_spacing(LineSpacing::new().before(0).after(240))
                .add_run(
                    Run::new()
                        .add_text(&title)
                        .fonts(fonts(HEADING_FONT))
                        .size(TITLE_SIZE),
                ),
        )
        .add_paragraph(
            para()
                .line_spacing(LineSpacing::new().before(0).after(120))
                .add_run(run(&format!(
                    "推荐单位：{}（盖章）\t\t\t\t\t\t填报日期：　　　　年　　月　　日",
                    defs.call.recommender
                ))),
        );

    let header = TableRow::new(
        COLUMNS
            .iter()
            .zip(&widths)
            .map(|((h, _), w)| cell(h, *w, true, true))
            .collect(),
    )
    .cant_split()
    .row_height(HEADER_ROW_HEIGHT)
    .height_rule(docx_rs::HeightRule::AtLeast);
    let mut table_rows = vec![header];
    for r in rows {
        let texts = [
            r.seq.to_string(),
            r.list_name.clone(),
            r.domain.clone(),
            r.name.clone(),
            r.unit.clone(),
            r.contact.clone(),
            r.mobile.clone(),
            yes_no(r.recommend).to_owned(),
            r.rank.map(|n| n.to_string()).unwrap_or_default(),
            r.note.clone(),
        ];
        table_rows.push(
            TableRow::new(
                texts
                    .iter()
                    .zip(&widths)
                    .enumerate()
                    .map(|(i, (t, w))| cell(&clean(t), *w, false, CENTRED.contains(&i)))
                    .collect(),
            )
            .cant_split(),
        );
    }
    let table = Table::new(table_rows)
        .set_grid(widths.clone())
        .width(widths.iter().sum(), WidthType::Dxa)
        .layout(TableLayoutType::Fixed);
    let recommended = rows.iter().filter(|r| r.recommend).count();
    doc = doc
        .add_table(table)
        .add_paragraph(
            para()
                .line_spacing(LineSpacing::new().before(240).after(0))
                .add_run(run(&format!(
                    "共 {} 项，其中推荐 {recommended} 项。",
                    rows.len()
                ))),
        )
        .add_paragraph(
            para()
                .align(AlignmentType::Right)
                .line_spacing(LineSpacing::new().before(480).after(0))
                .add_run(run(
                    "推荐单位（盖章）：　　　　　　　　　　　　　年　　月　　日",
                )),
        );
    let mut stored = Cursor::new(Vec::new());
    doc.build()
        .pack(&mut stored)
        .map_err(|e| SummaryError::Docx(e.to_string()))?;
    finish(stored.get_ref()).map_err(SummaryError::Docx)
}

/// Characters XML 1.0 forbids would make the document unreadable.
fn clean(text: &str) -> String {
    text.chars()
        .filter(|c| !crate::draft::is_xml_forbidden(*c))
        .collect()
}

/// Puts the children of every `<w:rPr>` in schema order (ECMA-376 §17.3.2: rFonts before b
/// before color before sz), marks header rows, and deflates the package.
fn finish(stored: &[u8]) -> Result<Vec<u8>, String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(stored)).map_err(|e| e.to_string())?;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1));
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| e.to_string())?;
        let name = entry.name().to_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).map_err(|e| e.to_string())?;
        if name.ends_with(".xml")
            && let Ok(text) = String::from_utf8(bytes.clone())
        {
            let mut text = reorder_run_properties(&text);
            if name == "word/document.xml" {
                let sentinel = format!(
                    r#"<w:trHeight w:val="{}" w:hRule="atLeast" />"#,
                    HEADER_ROW_HEIGHT
                );
                text = text.replace(&sentinel, &format!("<w:tblHeader />{sentinel}"));
                text = reorder_row_properties(&text);
            }
            bytes = text.into_bytes();
        }
        out.start_file(name, options).map_err(|e| e.to_string())?;
        out.write_all(&bytes).map_err(|e| e.to_string())?;
    }
    out.finish()
        .map(Cursor::into_inner)
        .map_err(|e| e.to_string())
}

/// Schema order of the run properties we write.
const RUN_ORDER: [&str; 8] = [
    "rStyle", "rFonts", "b", "bCs", "color", "sz", "szCs", "lang",
];
/// Schema order of the row properties we write.
const ROW_ORDER: [&str; 3] = ["cantSplit", "trHeight", "tblHeader"];

fn reorder_run_properties(xml: &str) -> String {
    reorder(xml, "w:rPr", &RUN_ORDER)
}

fn reorder_row_properties(xml: &str) -> String {
    reorder(xml, "w:trPr", &ROW_ORDER)
}

/// Sorts the children of every `<tag>…</tag>` by `order` (stable; unknown children last). The
/// children docx-rs writes there are empty elements (`<w:x … />`), which is all this handles;
/// an element with content is left as it is.
fn reorder(xml: &str, tag: &str, order: &[&str]) -> String {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let body_start = start + open.len();
        let Some(len) = rest[body_start..].find(&close) else {
            break;
        };
        out.push_str(&rest[..body_start]);
        let body = &rest[body_start..body_start + len];
        let children: Option<Vec<&str>> = split_empty_elements(body);
        match children {
            Some(mut children) => {
                children.sort_by_key(|c| {
                    let name = c[1..]
                        .split([' ', '/', '>'])
                        .next()
                        .unwrap_or("")
                        .trim_start_matches("w:");
                    order.iter().position(|o| *o == name).unwrap_or(order.len())
                });
                children.iter().for_each(|c| out.push_str(c));
            }
            None => out.push_str(body),
        }
        rest = &rest[body_start + len..];
    }
    out.push_str(rest);
    out
}

/// `<a />  <b x="1" />` → its elements, or None when anything is not an empty element.
fn split_empty_elements(body: &str) -> Option<Vec<&str>> {
    let mut out = Vec::new();
    let mut rest = body.trim_start();
    while !rest.is_empty() {
        if !rest.starts_with('<') {
            return None;
        }
        let end = rest.find("/>")? + 2;
        let element = &rest[..end];
        if element[1..].contains('<') {
            return None;
        }
        out.push(element);
        rest = rest[end..].trim_start();
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_properties_in_schema_order() {
        let xml = r#"<w:r><w:rPr><w:sz w:val="36" /><w:szCs w:val="36" /><w:b /><w:bCs /><w:rFonts w:eastAsia="黑体" /></w:rPr></w:r>"#;
        assert_eq!(
            reorder_run_properties(xml),
            r#"<w:r><w:rPr><w:rFonts w:eastAsia="黑体" /><w:b /><w:bCs /><w:sz w:val="36" /><w:szCs w:val="36" /></w:rPr></w:r>"#
        );
        // Content it does not understand is left alone.
        let odd = "<w:rPr><w:ins><w:x/></w:ins></w:rPr>";
        assert_eq!(reorder_run_properties(odd), odd);
    }
}
