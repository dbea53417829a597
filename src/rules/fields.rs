//! Checks of one field's value by its kind, limits and format (forms.md §2).

use chrono::NaiveDate;
use serde_json::{Map, Value};

use super::{Ctx, char_count, formats, number};
use crate::schema::{Field, Format, Kind, Severity};

/// A field's place for messages and paths: top level, or a cell of a table row. Paths and
/// labels are only formatted when a finding is made, which keeps 200-row tables cheap.
struct Place<'a> {
    field: &'a Field,
    /// The table, row number and row of a cell.
    cell: Option<(&'a Place<'a>, usize, &'a Map<String, Value>)>,
    /// Conditions to cite: the field's own, else its table's.
    conditions: &'a [String],
}

impl Place<'_> {
    /// `field` or `table[row].column`.
    fn path(&self) -> String {
        match self.cell {
            None => self.field.id.clone(),
            Some((table, row, _)) => format!("{}[{row}].{}", table.path(), self.field.id),
        }
    }
}

/// 「技术名称」 or 「知识产权情况」第 2 行的「号码」.
impl std::fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.cell {
            None => write!(f, "「{}」", self.field.label),
            Some((table, row, _)) => {
                write!(f, "{table}第 {} 行的「{}」", row + 1, self.field.label)
            }
        }
    }
}

pub(super) fn check_top(ctx: &mut Ctx, field: &Field) {
    let value = ctx.draft.value(&field.id);
    let value = value.as_deref();
    let place = Place {
        field,
        cell: None,
        conditions: &field.conditions,
    };
    check_value(ctx, field, value, &place);
}

fn check_value(ctx: &mut Ctx, field: &Field, value: Option<&Value>, place: &Place) {
    let q = place;
    let report = |ctx: &mut Ctx, severity: Severity, message: String| {
        ctx.push(place.path(), severity, message, place.conditions);
    };
    let error = Severity::Error;
    if field.kind == Kind::Computed {
        return;
    }
    if field.kind == Kind::Table {
        return check_table(ctx, field, value, place);
    }
    let Some(value) = value.filter(|v| !is_empty(field, v)) else {
        if field.required {
            let message = match field.kind {
                Kind::Choice => format!("请选择{q}"),
                Kind::Multichoice => format!("请在{q}中至少选择 {} 项", min_selected(field)),
                Kind::Pledge => format!("请阅读并勾选承诺：{q}"),
                _ => format!("请填写{q}"),
            };
            ctx.push_missing(place.path(), message, place.conditions);
        }
        return;
    };
    let wrong_type = |expected: &str| format!("{q}的内容类型不对（应为{expected}），请重新填写");
    match field.kind {
        Kind::Text | Kind::Textarea => {
            let Some(text) = value.as_str() else {
                return report(ctx, error, wrong_type("文字"));
            };
            let n = char_count(field, text);
            let spaces = if field.kind == Kind::Textarea {
                "（不含空格）"
            } else {
                ""
            };
            if let Some(min) = field.min_chars
                && n < min
            {
                report(
                    ctx,
                    error,
                    format!("{q}不少于 {min} 字{spaces}，现有 {n} 字"),
                );
            }
            let format_issue = field
                .format
                .filter(|_| format_applies(ctx, field, place))
                .and_then(|format| check_format(format, text.trim(), ctx.today).err());
            // A code of 19 characters is said once, by its format's error (「应为18位，现为19位」);
            // a format that only warns leaves the length's error standing.
            let format_error = format_issue
                .as_ref()
                .is_some_and(|i| i.severity == Severity::Error);
            if let Some(max) = field.max_chars
                && n > max
                && !format_error
            {
                report(
                    ctx,
                    error,
                    format!("{q}不超过 {max} 字{spaces}，现有 {n} 字"),
                );
            }
            if let Some(issue) = format_issue {
                report(ctx, issue.severity, format!("{q}：{}", issue.message));
            }
        }
        Kind::Choice => {
            let Some(v) = value.as_str() else {
                return report(ctx, error, wrong_type("一个选项"));
            };
            if field.option(v).is_none() {
                report(
                    ctx,
                    error,
                    format!("{q}的选项「{v}」不在可选范围内，请重新选择"),
                );
            }
        }
        Kind::Multichoice => {
            let Some(items) = value.as_array() else {
                return report(ctx, error, wrong_type("选项列表"));
            };
            let mut seen: Vec<&str> = Vec::with_capacity(items.len());
            for item in items {
                let Some(v) = item.as_str() else {
                    return report(ctx, error, wrong_type("选项列表"));
                };
                if field.option(v).is_none() {
                    report(
                        ctx,
                        error,
                        format!("{q}的选项「{v}」不在可选范围内，请重新选择"),
                    );
                } else if seen.contains(&v) {
                    report(ctx, error, format!("{q}中「{v}」选了两次"));
                }
                seen.push(v);
            }
            let n = items.len() as f64;
            if let Some(min) = field.min
                && n < min
            {
                report(ctx, error, format!("请在{q}中至少选择 {min} 项"));
            }
            if let Some(max) = field.max
                && n > max
            {
                report(ctx, error, format!("{q}最多选择 {max} 项"));
            }
        }
        Kind::Date => {
            let Some(date) = value.as_str().and_then(parse_date) else {
                return report(
                    ctx,
                    error,
                    format!("{q}应为有效日期，格式为 YYYY-MM-DD，如 2015-06-18"),
                );
            };
            if field.not_after_today && date > ctx.today {
                report(ctx, error, format!("{q}不能晚于今天（{}）", ctx.today));
            }
        }
        Kind::Month => {
            if value.as_str().and_then(parse_month).is_none() {
                report(
                    ctx,
                    error,
                    format!("{q}应为有效年月，格式为 YYYY-MM，如 1980-05"),
                );
            }
        }
        Kind::Integer | Kind::Decimal => {
            let integer = field.kind == Kind::Integer;
            let parsed = number(value).filter(|x| !integer || x.fract() == 0.0);
            let Some(x) = parsed else {
                let expected = if integer { "整数" } else { "数字" };
                return report(ctx, error, format!("{q}应为{expected}，请只填写数字"));
            };
            if let Some(min) = field.min
                && x < min
            {
                report(ctx, error, format!("{q}不能小于 {min}"));
            }
            if let Some(max) = field.max
                && x > max
            {
                report(ctx, error, format!("{q}不能大于 {max}"));
            }
        }
        Kind::Pledge => {
            if !value.is_boolean() {
                report(ctx, error, wrong_type("勾选"));
            }
        }
        Kind::Table | Kind::Computed => {}
    }
}

fn check_table(ctx: &mut Ctx, field: &Field, value: Option<&Value>, place: &Place) {
    let q = place;
    let rows: &[Value] = match value {
        None | Some(Value::Null) => &[],
        Some(Value::Array(rows)) => rows,
        Some(_) => {
            let message = format!("{q}的内容类型不对（应为表格），请重新填写");
            return ctx.push(place.path(), Severity::Error, message, place.conditions);
        }
    };
    let min = field.min_rows.max(usize::from(field.required));
    if rows.len() < min {
        let message = format!("{q}至少填写 {min} 行，现有 {} 行", rows.len());
        if rows.is_empty() {
            ctx.push_missing(place.path(), message, place.conditions);
        } else {
            ctx.push(place.path(), Severity::Error, message, place.conditions);
        }
    }
    if let Some(max) = field.max_rows
        && rows.len() > max
    {
        let message = format!("{q}最多 {max} 行，现有 {} 行，请删去多余的行", rows.len());
        ctx.push(place.path(), Severity::Error, message, place.conditions);
    }
    for (i, row) in rows.iter().enumerate() {
        let Some(cells) = row.as_object() else {
            let message = format!("{q}第 {} 行的内容类型不对，请删除该行后重新填写", i + 1);
            ctx.push(
                format!("{}[{i}]", place.path()),
                Severity::Error,
                message,
                place.conditions,
            );
            continue;
        };
        for column in &field.columns {
            let cell = Place {
                field: column,
                cell: Some((place, i, cells)),
                conditions: if column.conditions.is_empty() {
                    place.conditions
                } else {
                    &column.conditions
                },
            };
            check_value(ctx, column, cells.get(&column.id), &cell);
        }
    }
}

/// Whether a value counts as not filled in.
fn is_empty(field: &Field, value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Bool(b) => field.kind == Kind::Pledge && !b,
        _ => false,
    }
}

fn min_selected(field: &Field) -> f64 {
    field.min.unwrap_or(1.0).max(1.0)
}

fn format_applies(ctx: &Ctx, field: &Field, place: &Place) -> bool {
    let Some(when) = &field.format_when else {
        return true;
    };
    let other = match place.cell {
        Some((_, _, row)) => row.get(&when.field).and_then(Value::as_str),
        None => ctx.draft.text(&when.field),
    };
    when.holds(other)
}

fn check_format(format: Format, text: &str, today: NaiveDate) -> Result<(), formats::FormatIssue> {
    match format {
        Format::Uscc => formats::uscc(text),
        Format::IdCard => formats::id_card(text, today),
        Format::Mobile => formats::mobile(text),
        Format::Phone => formats::phone(text),
        Format::Email => formats::email(text),
        Format::Postcode => formats::postcode(text),
        Format::PatentNo => formats::patent_no(text),
    }
}

/// `YYYY-MM-DD`, exactly, a real calendar date between 1900 and 2100.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    let date = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    (1900..=2100)
        .contains(&chrono::Datelike::year(&date))
        .then_some(date)
}

/// `YYYY-MM`, exactly, a real month between 1900 and 2100. Returns (year, month).
pub fn parse_month(s: &str) -> Option<(i32, u32)> {
    let b = s.as_bytes();
    if b.len() != 7
        || b[4] != b'-'
        || !b
            .iter()
            .enumerate()
            .all(|(i, c)| i == 4 || c.is_ascii_digit())
    {
        return None;
    }
    let year: i32 = s[..4].parse().ok()?;
    let month: u32 = s[5..].parse().ok()?;
    ((1900..=2100).contains(&year) && (1..=12).contains(&month)).then_some((year, month))
}
