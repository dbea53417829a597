//! The 推荐汇总表 as .xlsx (rust_xlsxwriter).
//!
//! - Sheet 「汇总」: every row, the columns of [`OVERVIEW`].
//! - One sheet per list that has submissions, named after the list (「先导技术榜」, …): 序号, then
//!   that list's fields in form order — every field except long texts (textarea) and pledges;
//!   table fields flattened to 「n 项：第一列；第一列…」; choices as their labels, several joined
//!   with 「、」; numbers as numbers — then 错误数, 提醒数, 推荐, 排序, 备注, the 推荐单位意见
//!   (rec_opinion, rec_org, rec_date), 疑似重复, 历年入选, 来源, 附件 and 来源文件.
//! - Sheet 「需人工处理」 when there are such rows: 序号, 来源文件, 来源, 原因, 发件人, 发送时间,
//!   附件, 备注 — every file the desk could not read as a form, so none is forgotten.
//!
//! Every sheet has two header rows: row 1, hidden, holds the stable column keys (field ids for
//! form fields; `seq`, `errors`, `warnings`, `recommend`, `rank`, `note`, `duplicates`,
//! `previous`, `source` for the others, as in [`OVERVIEW`]); row 2 the Chinese headings. The
//! panes are frozen below row 2, row 2 has an autofilter, and column widths follow the content
//! (CJK characters counted double, 6 to 50 wide).
//!
//! A text longer than Excel's cell limit (32,767 characters) is cut, ending in
//! [`CUT_MARK`], and said in [`Xlsx::cut`]: one long field never costs the whole summary.

use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook, Worksheet, XlsxError};
use serde_json::Value;

use super::summary::{OVERVIEW, Row, yes_no};
use super::{Decision, Desk};
use crate::docx::present::plain_text_of;
use crate::limits::XLSX_CELL_CHARS;
use crate::schema::{Definitions, Field, FieldRole, Form, Kind, Role};

#[derive(Debug, thiserror::Error)]
pub enum SummaryError {
    /// The detail is for developers; people get what to do.
    #[error(
        "生成汇总表（.xlsx）失败（程序内部错误）。请重试；如仍失败，请把汇总进度文件发给技术支持"
    )]
    Xlsx(String),
    #[error(
        "生成汇总表（Word）失败（程序内部错误）。请重试；如仍失败，请把汇总进度文件发给技术支持"
    )]
    Docx(String),
}

impl From<XlsxError> for SummaryError {
    fn from(e: XlsxError) -> SummaryError {
        SummaryError::Xlsx(e.to_string())
    }
}

/// The name of the overview sheet.
pub const OVERVIEW_SHEET: &str = "汇总";
/// The sheet of the rows 「需人工处理」.
const MANUAL_SHEET: &str = "需人工处理";

/// The end of a text cut to Excel's cell limit.
pub const CUT_MARK: &str = "（超长，已截断，见原件）";

/// The workbook, and a warning for each cell cut to Excel's limit.
#[derive(Debug, Clone)]
pub struct Xlsx {
    pub bytes: Vec<u8>,
    /// 「来源文件：「列」有 n 个字符，…已截断」, one per cell cut.
    pub cut: Vec<String>,
}

/// Cuts a text cell to Excel's limit; returns its length in characters when it was cut.
fn fit(cell: &mut Cell) -> Option<usize> {
    let Cell::Text(text) = cell else { return None };
    let n = text.chars().count();
    if n <= XLSX_CELL_CHARS {
        return None;
    }
    let keep = XLSX_CELL_CHARS - CUT_MARK.chars().count();
    let end = text.char_indices().nth(keep).map_or(text.len(), |(i, _)| i);
    text.truncate(end);
    text.push_str(CUT_MARK);
    Some(n)
}

/// Fits every cell of a sheet, saying which were cut and where from.
fn fit_all(
    body: &mut [Vec<Cell>],
    headings: &[String],
    sources: &[&str],
    sheet: &str,
    cut: &mut Vec<String>,
) {
    for (cells, source) in body.iter_mut().zip(sources) {
        for (cell, heading) in cells.iter_mut().zip(headings) {
            if let Some(n) = fit(cell) {
                cut.push(format!(
                    "{source}：「{heading}」有 {n} 个字符，超过 Excel 单元格的上限 {XLSX_CELL_CHARS}，在汇总表「{sheet}」页中已截断（见原件）"
                ));
            }
        }
    }
}

/// A cell to write.
enum Cell {
    Text(String),
    Number(f64),
}

impl Cell {
    fn width(&self) -> usize {
        match self {
            Cell::Text(s) => display_width(s),
            Cell::Number(n) => n.to_string().len(),
        }
    }
}

fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| if (c as u32) >= 0x2E80 { 2 } else { 1 })
        .sum()
}

/// Builds the workbook: the overview and one sheet per list with submissions.
pub fn xlsx(defs: &Definitions, desk: &Desk, rows: &[Row]) -> Result<Xlsx, SummaryError> {
    let mut book = Workbook::new();
    let mut cut = Vec::new();
    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xE7E6E6))
        .set_border(FormatBorder::Thin);

    let keys: Vec<&str> = OVERVIEW.iter().map(|(k, _)| *k).collect();
    let headings: Vec<String> = OVERVIEW.iter().map(|(_, h)| (*h).to_owned()).collect();
    let mut body: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            OVERVIEW
                .iter()
                .map(|(k, _)| match *k {
                    "seq" => Cell::Number(r.seq as f64),
                    "errors" => Cell::Number(r.errors as f64),
                    "warnings" => Cell::Number(r.warnings as f64),
                    "rank" => r
                        .rank
                        .map_or(Cell::Text(String::new()), |n| Cell::Number(f64::from(n))),
                    k => Cell::Text(r.cell(k)),
                })
                .collect()
        })
        .collect();
    let sources: Vec<&str> = rows.iter().map(|r| r.source.as_str()).collect();
    fit_all(&mut body, &headings, &sources, OVERVIEW_SHEET, &mut cut);
    let sheet = book.add_worksheet();
    sheet.set_name(OVERVIEW_SHEET)?;
    fill(sheet, &keys, &headings, &body, &header)?;

    let mut used_names = vec![OVERVIEW_SHEET.to_owned()];
    for form in &defs.forms {
        let list_rows: Vec<&Row> = rows.iter().filter(|r| r.list == form.id).collect();
        if list_rows.is_empty() {
            continue;
        }
        let columns = list_columns(form);
        let keys: Vec<&str> = columns.iter().map(|c| c.key()).collect();
        let headings: Vec<String> = columns.iter().map(|c| c.heading()).collect();
        let mut body: Vec<Vec<Cell>> = list_rows
            .iter()
            .map(|row| {
                let s = &desk.submissions[row.seq - 1];
                let decision = desk.decision(&s.id);
                columns
                    .iter()
                    .map(|c| c.cell(row, form, &s.draft, &decision))
                    .collect()
            })
            .collect();
        let name = sheet_name(&form.name, &mut used_names);
        let sources: Vec<&str> = list_rows.iter().map(|r| r.source.as_str()).collect();
        fit_all(&mut body, &headings, &sources, &name, &mut cut);
        let sheet = book.add_worksheet();
        sheet.set_name(name)?;
        fill(sheet, &keys, &headings, &body, &header)?;
    }
    let manual: Vec<&Row> = rows.iter().filter(|r| !r.manual.is_empty()).collect();
    if !manual.is_empty() {
        let columns: [(&str, &str); 8] = [
            ("seq", "序号"),
            ("source", "来源文件"),
            ("origin", "来源"),
            ("manual", "原因"),
            ("sender", "发件人"),
            ("sent", "发送时间"),
            ("attachments", "附件"),
            ("note", "备注"),
        ];
        let keys: Vec<&str> = columns.iter().map(|(k, _)| *k).collect();
        let headings: Vec<String> = columns.iter().map(|(_, h)| (*h).to_owned()).collect();
        let mut body: Vec<Vec<Cell>> = manual
            .iter()
            .map(|row| {
                let s = &desk.submissions[row.seq - 1];
                columns
                    .iter()
                    .map(|(k, _)| match *k {
                        "seq" => Cell::Number(row.seq as f64),
                        "sender" => Cell::Text(s.sender.clone().unwrap_or_default()),
                        "sent" => Cell::Text(s.sent.clone().unwrap_or_default()),
                        k => Cell::Text(row.cell(k)),
                    })
                    .collect()
            })
            .collect();
        let name = sheet_name(MANUAL_SHEET, &mut used_names);
        let sources: Vec<&str> = manual.iter().map(|r| r.source.as_str()).collect();
        fit_all(&mut body, &headings, &sources, &name, &mut cut);
        let sheet = book.add_worksheet();
        sheet.set_name(name)?;
        fill(sheet, &keys, &headings, &body, &header)?;
    }
    Ok(Xlsx {
        bytes: book.save_to_buffer()?,
        cut,
    })
}

fn fill(
    sheet: &mut Worksheet,
    keys: &[&str],
    headings: &[String],
    body: &[Vec<Cell>],
    header: &Format,
) -> Result<(), XlsxError> {
    sheet.set_landscape();
    sheet.set_paper_size(9); // A4
    let mut widths: Vec<usize> = headings.iter().map(|h| display_width(h)).collect();
    for (c, (key, heading)) in keys.iter().zip(headings).enumerate() {
        let c = c as u16;
        sheet.write_string(0, c, *key)?;
        sheet.write_string_with_format(1, c, heading, header)?;
    }
    for (r, cells) in body.iter().enumerate() {
        let r = r as u32 + 2;
        for (c, cell) in cells.iter().enumerate() {
            widths[c] = widths[c].max(cell.width());
            match cell {
                Cell::Text(t) if t.is_empty() => {}
                Cell::Text(t) => {
                    sheet.write_string(r, c as u16, t)?;
                }
                Cell::Number(n) => {
                    sheet.write_number(r, c as u16, *n)?;
                }
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        sheet.set_column_width(c as u16, (*w).clamp(6, 50) as f64 + 1.0)?;
    }
    sheet.set_row_hidden(0)?;
    sheet.set_freeze_panes(2, 0)?;
    let last_row = (body.len() as u32 + 1).max(1);
    sheet.autofilter(1, 0, last_row, (keys.len() as u16).saturating_sub(1))?;
    Ok(())
}

/// A sheet name Excel accepts (at most 31 characters, none of `[]:*?/\`), unique in the book.
fn sheet_name(wanted: &str, used: &mut Vec<String>) -> String {
    let clean: String = wanted
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .collect();
    let clean = clean.trim_matches('\'');
    let base: String = clean.chars().take(28).collect();
    let base = if base.is_empty() {
        "榜单".to_owned()
    } else {
        base
    };
    let mut name = base.clone();
    let mut n = 2;
    while used.iter().any(|u| u.eq_ignore_ascii_case(&name)) {
        name = format!("{base}{n}");
        n += 1;
    }
    used.push(name.clone());
    name
}

/// A column of a list's sheet.
enum Column<'f> {
    Fixed(&'static str, &'static str),
    Field(&'f Field),
}

/// The columns of a list's sheet (see the module documentation).
fn list_columns(form: &Form) -> Vec<Column<'_>> {
    let mut cols = vec![Column::Fixed("seq", "序号")];
    for (section, field) in form.fields() {
        if section.role == Role::Secretariat || field.role == Role::Secretariat {
            continue;
        }
        if matches!(field.kind, Kind::Textarea | Kind::Pledge) {
            continue;
        }
        cols.push(Column::Field(field));
    }
    cols.extend([
        Column::Fixed("errors", "错误数"),
        Column::Fixed("warnings", "提醒数"),
        Column::Fixed("recommend", "推荐"),
        Column::Fixed("rank", "排序"),
        Column::Fixed("note", "备注"),
        Column::Fixed("rec_opinion", "推荐意见"),
        Column::Fixed("rec_org", "推荐单位"),
        Column::Fixed("rec_date", "推荐日期"),
        Column::Fixed("duplicates", "疑似重复"),
        Column::Fixed("previous", "历年入选"),
        Column::Fixed("origin", "来源"),
        Column::Fixed("attachments", "附件"),
        Column::Fixed("source", "来源文件"),
    ]);
    cols
}

impl Column<'_> {
    fn key(&self) -> &str {
        match self {
            Column::Fixed(k, _) => k,
            Column::Field(f) => &f.id,
        }
    }

    fn heading(&self) -> String {
        match self {
            Column::Fixed(_, h) => (*h).to_owned(),
            Column::Field(f) => match &f.unit {
                Some(u) => format!("{}（{u}）", f.label),
                None => f.label.clone(),
            },
        }
    }

    fn cell(&self, row: &Row, form: &Form, draft: &crate::Draft, decision: &Decision) -> Cell {
        let or_draft = |mine: &str, role: FieldRole| {
            if mine.trim().is_empty() {
                form.role_text(role, draft)
            } else {
                mine.trim().to_owned()
            }
        };
        match self {
            Column::Fixed(key, _) => match *key {
                "seq" => Cell::Number(row.seq as f64),
                "errors" => Cell::Number(row.errors as f64),
                "warnings" => Cell::Number(row.warnings as f64),
                "recommend" => Cell::Text(yes_no(row.recommend).into()),
                "rank" => row
                    .rank
                    .map_or(Cell::Text(String::new()), |n| Cell::Number(f64::from(n))),
                "rec_opinion" => Cell::Text(or_draft(&decision.rec_opinion, FieldRole::RecOpinion)),
                "rec_org" => Cell::Text(or_draft(&decision.rec_org, FieldRole::RecOrg)),
                "rec_date" => Cell::Text(or_draft(&decision.rec_date, FieldRole::RecDate)),
                k => Cell::Text(row.cell(k)),
            },
            Column::Field(field) => field_cell(field, draft),
        }
    }
}

/// A field's value in one cell.
fn field_cell(field: &Field, draft: &crate::Draft) -> Cell {
    let value = draft.value(&field.id);
    match (field.kind, value.as_deref()) {
        (Kind::Computed, _) => {
            Cell::Text(crate::rules::computed_value(draft, field).unwrap_or_default())
        }
        (_, None | Some(Value::Null)) => Cell::Text(String::new()),
        (Kind::Integer | Kind::Decimal, Some(Value::Number(n))) => {
            n.as_f64().map_or(Cell::Text(n.to_string()), Cell::Number)
        }
        (Kind::Choice, Some(Value::String(v))) => {
            Cell::Text(field.option(v).map_or(v.clone(), |o| o.label.clone()))
        }
        (Kind::Multichoice, Some(Value::Array(items))) => Cell::Text(
            items
                .iter()
                .filter_map(Value::as_str)
                .map(|v| field.option(v).map_or(v, |o| o.label.as_str()))
                .collect::<Vec<_>>()
                .join("、"),
        ),
        (Kind::Table, Some(Value::Array(rows))) => Cell::Text(table_text(field, rows)),
        (_, Some(v)) => Cell::Text(plain_text_of(field)(v)),
    }
}

/// 「3 项：甲；乙；丙」: the count and the first column's text, at most 200 characters.
fn table_text(field: &Field, rows: &[Value]) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let Some(first) = field.columns.first() else {
        return format!("{} 项", rows.len());
    };
    let items: Vec<String> = rows
        .iter()
        .map(|r| crate::docx::present::cell_text(first, r.get(&first.id)))
        .filter(|t| !t.is_empty())
        .collect();
    let mut text = format!("{} 项：{}", rows.len(), items.join("；"));
    if text.chars().count() > 200 {
        text = text.chars().take(199).collect::<String>() + "…";
    }
    text
}
