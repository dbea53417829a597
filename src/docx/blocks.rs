//! The document's blocks, driven by the form definitions: title, section headings, field rows,
//! table fields, pledges with the signature block, the recommendation block, header and footer.

use docx_rs::{
    AlignmentType, FieldCharType, Footer, Header, InstrNUMPAGES, InstrPAGE, InstrText, LineSpacing,
    Paragraph, Run, Table, TableRow, VAlignType,
};
use serde_json::Value;

use super::layout::*;
use super::present::{cell_text, field_text};
use crate::Draft;
use crate::rules::{field_visible, section_visible};
use crate::schema::{Definitions, Field, Form, Format, Kind, Role};

/// One top-level element of the body, in order. A document has a few dozen: boxing the
/// larger variant would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum Block {
    Paragraph(Paragraph),
    Table(Table),
}

/// Label and value widths of the four-column field grid: label | value | label | value.
const LABEL_W: usize = 2150;
const VALUE_W: usize = CONTENT_WIDTH / 2 - LABEL_W;
const GRID: [usize; 4] = [
    LABEL_W,
    VALUE_W,
    LABEL_W,
    CONTENT_WIDTH - 2 * LABEL_W - VALUE_W,
];
/// A wide value spans the last three columns.
const WIDE_W: usize = CONTENT_WIDTH - LABEL_W;

/// 「2023年“科创中国”先导技术榜申报表」, with the 草稿 mark in a preview.
pub fn title(defs: &Definitions, form: &Form, preview: Option<usize>) -> Vec<Block> {
    let mut text = defs.call.form_title(form);
    if preview.is_some() {
        text.push_str("（草稿）");
    }
    let heading = Paragraph::new()
        .align(AlignmentType::Center)
        .line_spacing(LineSpacing::new().before(0).after(240))
        .add_run(
            Run::new()
                .add_text(text)
                .fonts(fonts(HEADING_FONT))
                .size(TITLE_SIZE),
        );
    let mut blocks = vec![Block::Paragraph(heading)];
    if let Some(problems) = preview {
        blocks.push(Block::Paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .line_spacing(LineSpacing::new().before(0).after(240))
                .add_run(run(&draft_notice(problems)).color("C00000").bold()),
        ));
    }
    blocks
}

pub fn draft_notice(problems: usize) -> String {
    format!("草稿：尚有 {problems} 个问题未解决，不能作为正式申报材料提交")
}

/// 「一、基本信息」
fn heading(number: usize, title: &str) -> Paragraph {
    Paragraph::new()
        .keep_next(true)
        .line_spacing(LineSpacing::new().before(240).after(120))
        .add_run(
            Run::new()
                .add_text(format!("{}、{title}", chinese_ordinal(number)))
                .fonts(fonts(HEADING_FONT))
                .size(HEADING_SIZE),
        )
}

/// A small gap between two tables, so Word and LibreOffice keep them apart.
fn spacer() -> Paragraph {
    Paragraph::new()
        .line_spacing(LineSpacing::new().before(0).after(0).line(120))
        .add_run(Run::new().size(4))
}

/// Every visible section of the form, numbered.
pub fn sections(form: &Form, draft: &Draft) -> Vec<Block> {
    let mut blocks = Vec::new();
    let visible = form.sections.iter().filter(|s| section_visible(draft, s));
    for (i, section) in visible.enumerate() {
        blocks.push(Block::Paragraph(heading(i + 1, &section.title)));
        let fields: Vec<&Field> = section
            .fields
            .iter()
            .filter(|f| field_visible(draft, f))
            .collect();
        if section.role == Role::Secretariat {
            blocks.push(Block::Table(recommendation(draft, &fields)));
        } else if !fields.is_empty() && fields.iter().all(|f| f.kind == Kind::Pledge) {
            blocks.push(Block::Table(pledges(form, draft, &fields)));
        } else {
            section_body(draft, &fields, &mut blocks);
        }
    }
    blocks
}

/// How a field sits in the four-column grid.
enum Fit {
    /// label | value, two to a row
    Half,
    /// label | value across three columns
    Wide,
    /// a label row, then the value across the whole width
    Full,
    /// its own table
    Table,
}

fn fit(field: &Field) -> Fit {
    let short_label = field.label.chars().count() <= 10;
    match field.kind {
        Kind::Table => Fit::Table,
        Kind::Textarea => Fit::Full,
        Kind::Date | Kind::Month | Kind::Integer | Kind::Decimal | Kind::Computed
            if short_label =>
        {
            Fit::Half
        }
        Kind::Text if short_label && field.max_chars.unwrap_or(50) <= 30 && !long_format(field) => {
            Fit::Half
        }
        Kind::Choice if short_label && option_chars(field) <= 10 => Fit::Half,
        _ => Fit::Wide,
    }
}

/// Codes and addresses that need more than half a row.
fn long_format(field: &Field) -> bool {
    matches!(
        field.format,
        Some(Format::Uscc | Format::IdCard | Format::Email)
    )
}

fn option_chars(field: &Field) -> usize {
    field
        .options
        .iter()
        .map(|o| o.label.chars().count() + 2)
        .sum()
}

/// The label as printed: with its unit, 「从业人员（人）」.
pub(super) fn label_text(field: &Field) -> String {
    match &field.unit {
        Some(unit) => format!("{}（{unit}）", field.label),
        None => field.label.clone(),
    }
}

fn section_body(draft: &Draft, fields: &[&Field], blocks: &mut Vec<Block>) {
    let mut rows: Vec<TableRow> = Vec::new();
    let mut pending: Option<&Field> = None;
    let text = |f: &Field| field_text(f, value_of(draft, f).as_ref(), draft);
    let flush_half = |rows: &mut Vec<TableRow>, pending: &mut Option<&Field>| {
        if let Some(f) = pending.take() {
            rows.push(keep_row(vec![
                label_cell(&label_text(f), GRID[0], 1),
                value_cell(&text(f), GRID[1] + GRID[2] + GRID[3], 3),
            ]));
        }
    };
    let flush_table = |rows: &mut Vec<TableRow>, blocks: &mut Vec<Block>| {
        if !rows.is_empty() {
            if matches!(blocks.last(), Some(Block::Table(_))) {
                blocks.push(Block::Paragraph(spacer()));
            }
            blocks.push(Block::Table(table(std::mem::take(rows), &GRID)));
        }
    };
    for &field in fields {
        match fit(field) {
            Fit::Half => match pending.take() {
                Some(left) => rows.push(keep_row(vec![
                    label_cell(&label_text(left), GRID[0], 1),
                    value_cell(&text(left), GRID[1], 1),
                    label_cell(&label_text(field), GRID[2], 1),
                    value_cell(&text(field), GRID[3], 1),
                ])),
                None => pending = Some(field),
            },
            Fit::Wide => {
                flush_half(&mut rows, &mut pending);
                rows.push(keep_row(vec![
                    label_cell(&label_text(field), LABEL_W, 1),
                    value_cell(&text(field), WIDE_W, 3),
                ]));
            }
            Fit::Full => {
                flush_half(&mut rows, &mut pending);
                rows.push(keep_row(vec![label_cell(
                    &label_text(field),
                    CONTENT_WIDTH,
                    4,
                )]));
                // Long texts may break across pages.
                rows.push(TableRow::new(vec![long_text_cell(
                    &text(field),
                    CONTENT_WIDTH,
                    4,
                )]));
            }
            Fit::Table => {
                flush_half(&mut rows, &mut pending);
                flush_table(&mut rows, blocks);
                if matches!(blocks.last(), Some(Block::Table(_))) {
                    blocks.push(Block::Paragraph(spacer()));
                }
                blocks.push(Block::Table(repeat_table(field, draft.get(&field.id))));
            }
        }
    }
    flush_half(&mut rows, &mut pending);
    flush_table(&mut rows, blocks);
}

/// The value a field prints: `domain` comes from the draft's top level.
fn value_of(draft: &Draft, field: &Field) -> Option<Value> {
    if field.id == "domain" {
        return draft.domain.clone().map(Value::String);
    }
    draft.get(&field.id).cloned()
}

/// A table field as its own table: a caption row and a header row with the column labels
/// (both repeated on every page), then one row per entry, numbered. Long-text columns do not
/// fit beside the others on A4: each gets a full-width row under its entry instead.
fn repeat_table(field: &Field, value: Option<&Value>) -> Table {
    let (long, short): (Vec<&Field>, Vec<&Field>) =
        field.columns.iter().partition(|c| c.kind == Kind::Textarea);
    let grid = column_widths(&short);
    let span = grid.len();
    let mut rows = vec![header_row(vec![label_cell(
        &label_text(field),
        CONTENT_WIDTH,
        span,
    )])];
    let mut header = vec![label_cell("序号", grid[0], 1)];
    header.extend(
        short
            .iter()
            .zip(&grid[1..])
            .map(|(c, w)| label_cell(&label_text(c), *w, 1)),
    );
    rows.push(header_row(header));
    let entries: &[Value] = value.and_then(Value::as_array).map_or(&[], Vec::as_slice);
    for (i, entry) in entries.iter().enumerate() {
        let number = cell(grid[0], 1).add_paragraph(
            para()
                .align(AlignmentType::Center)
                .add_run(run(&(i + 1).to_string())),
        );
        let mut cells = vec![number];
        for (column, width) in short.iter().zip(&grid[1..]) {
            cells.push(value_cell(
                &cell_text(column, entry.get(&column.id)),
                *width,
                1,
            ));
        }
        rows.push(keep_row(cells));
        for column in &long {
            let text = cell_text(column, entry.get(&column.id));
            let mut c = cell(CONTENT_WIDTH, span);
            for (j, line) in text.split('\n').enumerate() {
                let p = para().align(AlignmentType::Both);
                let p = if j == 0 {
                    p.add_run(bold_run(&format!("{}：", column.label)))
                } else {
                    p.first_line_chars(200)
                };
                c = c.add_paragraph(p.add_run(run(line.trim_end_matches('\r'))));
            }
            // Long texts may break across pages.
            rows.push(TableRow::new(vec![c]));
        }
    }
    if entries.is_empty() {
        rows.push(keep_row(vec![cell(CONTENT_WIDTH, span).add_paragraph(
            para().align(AlignmentType::Center).add_run(run("（无）")),
        )]));
    }
    table(rows, &grid)
}

/// Widths of 序号 and the short columns: each wide enough for its header on at most two lines,
/// the rest shared out by what the columns hold.
fn column_widths(columns: &[&Field]) -> Vec<usize> {
    const CHAR: usize = 210; // one CJK character at 10.5 pt, in twips
    const PADDING: usize = 216; // left and right cell margins
    let min = |label: &str| {
        let chars = label.chars().count();
        let per_line = if chars <= 4 { chars } else { chars.div_ceil(2) };
        per_line * CHAR + PADDING
    };
    let mut mins = vec![min("序号")];
    let mut weights = vec![0];
    for c in columns {
        mins.push(min(&label_text(c)));
        weights.push(match c.kind {
            Kind::Text => c.max_chars.unwrap_or(50).clamp(8, 20),
            Kind::Choice => 4,
            Kind::Date | Kind::Month => 5,
            _ => 3,
        });
    }
    let spare = CONTENT_WIDTH.saturating_sub(mins.iter().sum());
    let mut widths: Vec<usize> = mins
        .iter()
        .zip(split_width(spare, &weights))
        .map(|(m, e)| m + e)
        .collect();
    // Overfull headers: make the grid add up to the content width exactly.
    let total: usize = widths.iter().sum();
    if total != CONTENT_WIDTH
        && let Some(last) = widths.last_mut()
    {
        *last = (*last + CONTENT_WIDTH).saturating_sub(total).max(PADDING);
    }
    widths
}

/// Pledges with their full text, then the signature block.
fn pledges(form: &Form, draft: &Draft, fields: &[&Field]) -> Table {
    let mut rows: Vec<TableRow> = fields
        .iter()
        .map(|f| {
            keep_row(vec![value_cell(
                &field_text(f, draft.get(&f.id), draft),
                CONTENT_WIDTH,
                1,
            )])
        })
        .collect();
    let mut sign = cell(CONTENT_WIDTH, 1).vertical_align(VAlignType::Bottom);
    sign = sign.add_paragraph(para());
    for line in &form.signatures {
        sign = sign.add_paragraph(
            para()
                .line_spacing(LineSpacing::new().before(240).after(0))
                .align(AlignmentType::Left)
                .indent(Some(4200), None, None, None)
                .add_run(run(line)),
        );
    }
    sign = sign.add_paragraph(
        para()
            .line_spacing(LineSpacing::new().before(240).after(120))
            .align(AlignmentType::Right)
            .add_run(run("年　　月　　日　　")),
    );
    rows.push(keep_row(vec![sign]).row_height(2400.0));
    table(rows, &[CONTENT_WIDTH])
}

/// 推荐单位意见: filled by the secretariat; empty lines for the applicant's copy.
fn recommendation(draft: &Draft, fields: &[&Field]) -> Table {
    let text = |id: &str| {
        fields
            .iter()
            .find(|f| f.id == id)
            .map(|f| field_text(f, draft.get(&f.id), draft))
            .unwrap_or_default()
    };
    let opinion = text("rec_opinion");
    let org = text("rec_org");
    let date = text("rec_date");
    let mut body = long_text_cell(&opinion, WIDE_W, 1).vertical_align(VAlignType::Top);
    body = body.add_paragraph(para().line_spacing(LineSpacing::new().before(480).after(0)));
    body = body.add_paragraph(
        para()
            .line_spacing(LineSpacing::new().before(240).after(0))
            .indent(Some(2600), None, None, None)
            .add_run(run(&format!("推荐单位（盖章）：{org}"))),
    );
    let date_line = if date.is_empty() {
        "年　　月　　日　　".to_owned()
    } else {
        format!("{date}　　")
    };
    body = body.add_paragraph(
        para()
            .line_spacing(LineSpacing::new().before(240).after(120))
            .align(AlignmentType::Right)
            .add_run(run(&date_line)),
    );
    let label = label_cell("推荐单位意见", LABEL_W, 1);
    table(
        vec![keep_row(vec![label, body]).row_height(3000.0)],
        &[LABEL_W, WIDE_W],
    )
}

/// 「第 X 页 共 Y 页」, with PAGE and NUMPAGES as separate field runs so that the size holds
/// in LibreOffice too.
pub fn footer() -> Footer {
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
    p = p.add_run(small(" 页"));
    Footer::new().add_paragraph(p)
}

/// The page header: the list (and domain) in small grey type, or the 草稿 warning in a preview.
pub fn header(form: &Form, draft: &Draft, preview: Option<usize>) -> Header {
    let p = Paragraph::new().align(AlignmentType::Right);
    let p = match preview {
        Some(problems) => p.add_run(
            Run::new()
                .add_text(draft_notice(problems))
                .fonts(fonts(BODY_FONT))
                .size(SMALL_SIZE)
                .color("C00000")
                .bold(),
        ),
        None => {
            let domain = draft
                .domain
                .as_deref()
                .and_then(|d| form.domain(d))
                .map(|d| format!(" · {}", d.name));
            p.add_run(
                Run::new()
                    .add_text(format!("{}{}", form.name, domain.unwrap_or_default()))
                    .fonts(fonts(BODY_FONT))
                    .size(SMALL_SIZE)
                    .color("7F7F7F"),
            )
        }
    };
    Header::new().add_paragraph(p)
}
