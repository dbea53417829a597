//! Drafts filled to the limits of a form, for benchmarks and stress tests: every text at its
//! maximum length, every table with a given number of rows.

use serde_json::{Map, Value};

use crate::draft::Draft;
use crate::schema::{Definitions, Field, Form, Format, Kind};

/// A draft of `form` with every field filled at its limit and `rows` rows in every table.
/// For 先导技术榜 pass the domain; all domain-specific fields are filled whatever it is.
pub fn maximal(defs: &Definitions, form: &Form, domain: Option<&str>, rows: usize) -> Draft {
    let mut draft = Draft::new(
        defs.call.year.to_string(),
        form.id.clone(),
        domain.map(str::to_owned),
    );
    for (_, field) in form.fields() {
        // The domain is the one given; computed values are not typed.
        if field.kind == Kind::Computed || draft.value(&field.id).is_some() {
            continue;
        }
        draft
            .values
            .insert(field.id.clone(), value_for(field, rows));
    }
    draft
}

fn value_for(field: &Field, rows: usize) -> Value {
    match field.kind {
        Kind::Text => match field.format {
            Some(format) => sample_format(format).into(),
            None => "字".repeat(field.max_chars.unwrap_or(50)).into(),
        },
        Kind::Textarea => "字".repeat(field.max_chars.unwrap_or(1500)).into(),
        Kind::Choice => field
            .options
            .first()
            .map(|o| o.value.clone())
            .unwrap_or_default()
            .into(),
        Kind::Multichoice => {
            let n = field.max.map_or(field.options.len(), |m| m as usize);
            Value::Array(
                field
                    .options
                    .iter()
                    .take(n)
                    .map(|o| o.value.clone().into())
                    .collect(),
            )
        }
        Kind::Date => "2020-01-01".into(),
        Kind::Month => "1990-03".into(), // agrees with the sample ID number
        Kind::Integer | Kind::Decimal => field.max.or(field.min).unwrap_or(1.0).into(),
        Kind::Pledge => true.into(),
        Kind::Table => Value::Array(
            (0..rows)
                .map(|_| {
                    let row: Map<String, Value> = field
                        .columns
                        .iter()
                        .map(|c| (c.id.clone(), value_for(c, 0)))
                        .collect();
                    Value::Object(row)
                })
                .collect(),
        ),
        Kind::Computed => Value::Null,
    }
}

/// A valid value of each format (public examples).
fn sample_format(format: Format) -> &'static str {
    match format {
        Format::Uscc => "914403001922038216",
        Format::IdCard => "11010119900307803X", // born 1990-03, male
        Format::Mobile => "13800138000",
        Format::Phone => "0371-65998099",
        Format::Email => "gxtdzxh@126.com",
        Format::Postcode => "450000",
        Format::PatentNo => "ZL200310100002.X",
    }
}
