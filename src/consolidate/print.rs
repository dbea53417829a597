//! The 推荐汇总表 as a landscape A4 .docx (docx-rs), for printing and sealing: the title, the
//! overview's columns a person needs on paper (序号, 榜单, 领域, 名称, 单位, 联系人, 手机, 推荐,
//! 排序, 备注) in the rows' order, the counts, and the 推荐单位（盖章） / 日期 line.
//!
//! It follows the conventions of the declaration form (`src/docx/layout.rs`): 宋体 body and 黑体
//! title set explicitly for East Asian text with Times New Roman for Latin, fixed table layout
//! with tblW, gridCol and tcW agreeing, shaded bold header cells, a header row repeated on every
//! page, 「第 X 页 共 Y 页」 in the footer — and it reuses that module's fonts, footer and the
//! package fix-up (schema order, repeated header rows, deflate).

use std::io::Cursor;

use docx_rs::{
    AlignmentType, Docx, LineSpacing, LineSpacingType, PageMargin, PageOrientationType, Paragraph,
    Run, Shading, ShdType, Table, TableCell, TableLayoutType, TableRow, VAlignType, WidthType,
};

use super::SummaryError;
use super::summary::{Row, yes_no};
use crate::docx::layout::{
    BODY_FONT, BODY_SIZE, HEADER_ROW_HEIGHT, HEADING_FONT, LABEL_FILL, TITLE_SIZE, fonts,
};
use crate::schema::Definitions;

/// A4 landscape, in twips.
pub(crate) const PAGE_WIDTH: u32 = 16838;
pub(crate) const PAGE_HEIGHT: u32 = 11906;
/// 2.5 cm all round; the left one as wide as the declaration form's binding margin.
pub(crate) const MARGIN: i32 = 1418;
pub(crate) const MARGIN_LEFT: i32 = 1701;
pub(crate) const CONTENT_WIDTH: usize =
    PAGE_WIDTH as usize - MARGIN as usize - MARGIN_LEFT as usize;

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

pub(crate) fn run(text: &str) -> Run {
    Run::new()
        .add_text(text)
        .fonts(fonts(BODY_FONT))
        .size(BODY_SIZE)
}

pub(crate) fn para() -> Paragraph {
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

pub(crate) fn cell(text: &str, width: usize, header: bool, centred: bool) -> TableCell {
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

/// The recommended submissions as a landscape .docx for printing and sealing, by list (in the
/// definitions' order) and 排序 (unranked last, then 序号), signed by `recommender` (the desk's
/// 推荐单位). What was not recommended and rows 「需人工处理」 are counted, not printed.
pub fn docx(defs: &Definitions, rows: &[Row], recommender: &str) -> Result<Vec<u8>, SummaryError> {
    let manual = rows.iter().filter(|r| !r.manual.is_empty()).count();
    let received = rows.len() - manual;
    let list_order = |list: &str| {
        defs.forms
            .iter()
            .position(|f| f.id == list)
            .unwrap_or(usize::MAX)
    };
    let mut rows: Vec<&Row> = rows
        .iter()
        .filter(|r| r.manual.is_empty() && r.recommend)
        .collect();
    rows.sort_by_key(|r| (list_order(&r.list), r.rank.unwrap_or(u32::MAX), r.seq));
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
        .footer(crate::docx::blocks::footer())
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
                    clean(recommender)
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
    for r in &rows {
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
    let recommended = rows.len();
    doc = doc
        .add_table(table)
        .add_paragraph(
            para()
                .line_spacing(LineSpacing::new().before(240).after(0))
                .add_run(run(&if manual > 0 {
                    format!(
                        "共收到申报 {received} 项，推荐 {recommended} 项（列于上表）。另有 {manual} 个文件需人工处理，未列入本表。"
                    )
                } else {
                    format!("共收到申报 {received} 项，推荐 {recommended} 项（列于上表）。")
                })),
        )
        .add_paragraph(
            para()
                .align(AlignmentType::Right)
                .line_spacing(LineSpacing::new().before(480).after(0))
                .add_run(run(&format!(
                    "推荐单位（盖章）：{}　　　　　　年　　月　　日",
                    clean(recommender)
                ))),
        );
    let mut stored = Cursor::new(Vec::new());
    doc.build()
        .pack(&mut stored)
        .map_err(|e| SummaryError::Docx(e.to_string()))?;
    // A printout, never imported: no import limits apply.
    let meta = crate::docx::package::Metadata::now(title, recommender.to_owned());
    crate::docx::package::finish(stored.get_ref(), false, &Default::default(), &meta)
        .map_err(SummaryError::Docx)?
        .map_err(|t| SummaryError::Docx(format!("{} 过大", t.part)))
}

/// Characters XML 1.0 forbids would make the document unreadable.
pub(crate) fn clean(text: &str) -> String {
    text.chars()
        .filter(|c| !crate::draft::is_xml_forbidden(*c))
        .collect()
}
