//! How a value reads on paper: option lists with □ / ■, dates in Chinese, numbers as typed.
//! Export prints this text and import compares the visible text against it.

use chrono::Datelike;
use serde_json::Value;

use crate::rules::computed_value;
use crate::schema::{Field, Kind};
use crate::{Draft, rules};

pub const TICKED: char = '■';
pub const UNTICKED: char = '□';

/// Single choices with more options than this print only the chosen one.
const LISTED_OPTIONS: usize = 8;

/// Option lists longer than this (in characters, about two lines of a wide cell) print one
/// option per line.
const ONE_LINE_OPTIONS: usize = 60;

/// The printed text of a field's value; `\n` separates paragraphs.
pub fn field_text(field: &Field, value: Option<&Value>, draft: &Draft) -> String {
    match field.kind {
        Kind::Choice => {
            let chosen = value.and_then(Value::as_str);
            if field.options.len() > LISTED_OPTIONS {
                // 31 provinces or 9 maturity levels: the choice alone reads better.
                return chosen.map_or(String::new(), |v| {
                    field.option(v).map_or(v.to_owned(), |o| o.label.clone())
                });
            }
            option_list(field, |v| chosen == Some(v))
        }
        Kind::Multichoice => {
            let chosen: Vec<&str> = value
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            option_list(field, |v| chosen.contains(&v))
        }
        Kind::Pledge => {
            let mark = if value == Some(&Value::Bool(true)) {
                TICKED
            } else {
                UNTICKED
            };
            format!("{mark} {}", field.label)
        }
        Kind::Computed => computed_value(draft, field).unwrap_or_default(),
        _ => value.map(plain_text_of(field)).unwrap_or_default(),
    }
}

/// At most 40 characters on one line, for messages: 「…」 in a list of changes or a note.
pub fn shorten(s: &str) -> String {
    let one_line = s.replace('\n', " ");
    if one_line.chars().count() > 40 {
        format!("{}…", one_line.chars().take(40).collect::<String>())
    } else {
        one_line
    }
}

/// Text compared loosely: no white space, no word joiners, no line breaks.
pub fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{2060}')
        .collect()
}

/// Text of a scalar value for text, date and number kinds (also for table cells).
pub fn plain_text_of(field: &Field) -> impl Fn(&Value) -> String + '_ {
    move |value| match value {
        Value::Null => String::new(),
        Value::String(s) => match field.kind {
            Kind::Date => rules::parse_date(s)
                .map(|d| format!("{}年{}月{}日", d.year(), d.month(), d.day()))
                .unwrap_or_else(|| s.trim().to_owned()),
            Kind::Month => rules::parse_month(s)
                .map(|(y, m)| format!("{y}年{m}月"))
                .unwrap_or_else(|| s.trim().to_owned()),
            Kind::Textarea => s.trim_end().to_owned(),
            _ => s.trim().to_owned(),
        },
        Value::Number(_) => crate::input::text_of_value(Some(value)),
        Value::Bool(true) => TICKED.to_string(),
        Value::Bool(false) => UNTICKED.to_string(),
        other => other.to_string(),
    }
}

/// Text of a table cell: choices print their chosen label only (the header says what it is).
pub fn cell_text(column: &Field, value: Option<&Value>) -> String {
    match (column.kind, value) {
        (Kind::Choice, Some(Value::String(v))) => {
            column.option(v).map_or(v.clone(), |o| o.label.clone())
        }
        (_, Some(v)) => plain_text_of(column)(v),
        (_, None) => String::new(),
    }
}

/// The text a content control shows for a value: a choice's label, a date in Chinese, a
/// number as stored, a text as typed (trimmed; long texts only at the end). Import compares
/// what a control shows with this text of the embedded value to tell an edit from a copy.
pub fn control_text(field: &Field, value: Option<&Value>) -> String {
    cell_text(field, value)
}

/// Whether an option list prints one option per line (it would be long on one).
pub fn options_one_per_line(field: &Field) -> bool {
    let length: usize = field
        .options
        .iter()
        .map(|o| o.label.chars().count() + 2)
        .sum();
    length > ONE_LINE_OPTIONS
}

/// 「■企业　□高等院校　□科研院所」, or one option per line when that would be long.
pub fn option_list(field: &Field, chosen: impl Fn(&str) -> bool) -> String {
    let items: Vec<String> = field
        .options
        .iter()
        .map(|o| {
            let mark = if chosen(&o.value) { TICKED } else { UNTICKED };
            // A word joiner keeps the box on the same line as its option.
            format!("{mark}\u{2060}{}", o.label)
        })
        .collect();
    if options_one_per_line(field) {
        items.join("\n")
    } else {
        items.join("　")
    }
}
