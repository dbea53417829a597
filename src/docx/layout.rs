//! Page geometry, fonts and the small builders every block uses: runs with explicit East Asian
//! fonts, label and value cells, fixed-layout tables whose tblW, gridCol and tcW agree.

use docx_rs::{
    AlignmentType, HeightRule, LineSpacing, LineSpacingType, Paragraph, Run, RunFonts, Shading,
    ShdType, Table, TableCell, TableLayoutType, TableRow, VAlignType, WidthType,
};

/// A4 portrait, in twips (1/20 pt).
pub const PAGE_WIDTH: u32 = 11906;
pub const PAGE_HEIGHT: u32 = 16838;
/// Margins: 2.5 cm top and bottom, 3 cm left (binding, seals), 2.5 cm right.
pub const MARGIN_TOP: i32 = 1418;
pub const MARGIN_BOTTOM: i32 = 1418;
pub const MARGIN_LEFT: i32 = 1701;
pub const MARGIN_RIGHT: i32 = 1418;
/// The width every table spans.
pub const CONTENT_WIDTH: usize = (PAGE_WIDTH as i32 - MARGIN_LEFT - MARGIN_RIGHT) as usize;

/// 宋体 for body text, 黑体 for headings; Latin text in Times New Roman.
pub const BODY_FONT: &str = "宋体";
pub const HEADING_FONT: &str = "黑体";
pub const LATIN_FONT: &str = "Times New Roman";

/// Font sizes in half-points: 小二 18 pt, 四号 14 pt, 五号 10.5 pt, 小五 9 pt.
pub const TITLE_SIZE: usize = 36;
pub const HEADING_SIZE: usize = 28;
pub const BODY_SIZE: usize = 21;
pub const SMALL_SIZE: usize = 18;

/// Label cells are shaded light grey.
pub const LABEL_FILL: &str = "E7E6E6";

/// The row height header rows are marked with; [`super::mark_header_rows`] turns it into
/// `<w:tblHeader/>`, which docx-rs cannot write itself.
pub const HEADER_ROW_HEIGHT: f32 = 397.0;

pub fn fonts(east_asia: &str) -> RunFonts {
    RunFonts::new()
        .east_asia(east_asia)
        .ascii(LATIN_FONT)
        .hi_ansi(LATIN_FONT)
        .cs(LATIN_FONT)
        .hint("eastAsia")
}

/// A run of body text; tabs become real tab characters (`w:tab`), not text.
///
/// The size is the document's default (五号, `docDefaults`), so it is not repeated on every run:
/// a run with only its fonts (and bold) is written in schema order already, and the maximal
/// form's document is 10% smaller.
pub fn run(text: &str) -> Run {
    let mut r = Run::new().fonts(RunFonts::new().east_asia(BODY_FONT).hint("eastAsia"));
    for (i, piece) in text.split('\t').enumerate() {
        if i > 0 {
            r = r.add_tab();
        }
        if !piece.is_empty() {
            r = r.add_text(piece);
        }
    }
    r
}

pub fn bold_run(text: &str) -> Run {
    run(text).bold()
}

/// A paragraph with tight spacing, as in a form cell.
pub fn para() -> Paragraph {
    Paragraph::new().line_spacing(
        LineSpacing::new()
            .before(0)
            .after(0)
            .line(300)
            .line_rule(LineSpacingType::Auto),
    )
}

/// A cell spanning `span` grid columns of `width` twips in all.
pub fn cell(width: usize, span: usize) -> TableCell {
    let c = TableCell::new()
        .width(width, WidthType::Dxa)
        .vertical_align(VAlignType::Center);
    if span > 1 { c.grid_span(span) } else { c }
}

/// A cell with the labels' grey shading.
pub fn shaded(cell: TableCell) -> TableCell {
    cell.shading(
        Shading::new()
            .shd_type(ShdType::Clear)
            .color("auto")
            .fill(LABEL_FILL),
    )
}

/// A label cell kept on the page of the row under it (the label of a long text: never alone
/// at a page foot with its text on the next page).
pub fn label_cell_kept(text: &str, width: usize, span: usize) -> TableCell {
    shaded(cell(width, span)).add_paragraph(
        label_paragraph(text, width)
            .keep_next(true)
            .keep_lines(true),
    )
}

/// One CJK character of body text (五号, 10.5 pt), in twips.
pub const CHAR_W: usize = 210;
/// A cell's left and right margins together, in twips.
pub const CELL_PADDING: usize = 216;

/// Display width in CJK characters (an ASCII character is half of one).
pub fn text_width(s: &str) -> usize {
    s.chars()
        .map(|c| if c.is_ascii() { 1 } else { 2 })
        .sum::<usize>()
        .div_ceil(2)
}

/// Characters of body text a cell of `width` holds on one line.
fn per_line(width: usize) -> usize {
    width.saturating_sub(CELL_PADDING) / CHAR_W
}

/// A label in lines that break where people break it: before its parenthesis
/// (「上年度营业收入」/「（万元）」), never inside a word — when that fits the cell.
pub fn label_lines(text: &str, width: usize) -> Vec<String> {
    let cap = per_line(width);
    if text_width(text) <= cap {
        return vec![text.to_owned()];
    }
    if let Some(at) = text.find('（') {
        let (base, rest) = text.split_at(at);
        if !base.is_empty() && text_width(base) <= cap && text_width(rest) <= cap {
            return vec![base.to_owned(), rest.to_owned()];
        }
    }
    vec![text.to_owned()]
}

/// Whether a label prints in `width` on at most two lines broken where people break them.
pub fn fits_in(text: &str, width: usize) -> bool {
    label_lines(text, width)
        .iter()
        .all(|l| text_width(l) <= per_line(width))
}

/// A label, bold and centred; a long one in two lines broken before its parenthesis.
fn label_paragraph(text: &str, width: usize) -> Paragraph {
    let lines = label_lines(text, width);
    let last = lines.len() - 1;
    let mut p = para().align(AlignmentType::Center);
    for (i, line) in lines.iter().enumerate() {
        let r = bold_run(line);
        p = p.add_run(if i < last {
            r.add_break(docx_rs::BreakType::TextWrapping)
        } else {
            r
        });
    }
    p
}

/// A shaded label cell.
pub fn label_cell(text: &str, width: usize, span: usize) -> TableCell {
    shaded(cell(width, span)).add_paragraph(label_paragraph(text, width))
}

/// A fixed-layout table spanning the content width with the given column widths.
pub fn table(rows: Vec<TableRow>, grid: &[usize]) -> Table {
    Table::new(rows)
        .set_grid(grid.to_vec())
        .width(grid.iter().sum(), WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
}

/// A row that must not break across pages.
pub fn keep_row(cells: Vec<TableCell>) -> TableRow {
    TableRow::new(cells).cant_split()
}

/// A header row: bold, shaded, repeated at the top of each page, never split.
pub fn header_row(cells: Vec<TableCell>) -> TableRow {
    TableRow::new(cells)
        .cant_split()
        .row_height(HEADER_ROW_HEIGHT)
        .height_rule(HeightRule::AtLeast)
}

/// Splits `total` twips into columns proportional to `weights`, the last column taking the
/// rounding remainder so the grid always adds up to `total`.
pub fn split_width(total: usize, weights: &[usize]) -> Vec<usize> {
    let sum: usize = weights.iter().sum::<usize>().max(1);
    let mut widths: Vec<usize> = weights.iter().map(|w| total * w / sum).collect();
    let used: usize = widths.iter().sum();
    if let Some(last) = widths.last_mut() {
        *last += total - used;
    }
    widths
}

/// 一、二、三… for section headings.
pub fn chinese_ordinal(n: usize) -> String {
    const DIGITS: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        1..=9 => DIGITS[n].to_owned(),
        10 => "十".to_owned(),
        11..=19 => format!("十{}", DIGITS[n - 10]),
        20..=99 => format!("{}十{}", DIGITS[n / 10], DIGITS[n % 10]),
        _ => n.to_string(),
    }
}
