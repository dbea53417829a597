//! Documents of version 1 (before content controls, `../shared/v1-exports/`): the embedded draft
//! is the content, and the visible tables are compared with it by their labels to tell the
//! secretariat which fields were edited in Word after export.

use serde_json::Value;

use super::import::VisibleEdit;
use super::present::{cell_text, field_text, norm};
use super::read::Body;
use crate::Draft;
use crate::rules::{field_visible, section_visible};
use crate::schema::{Field, Form, Kind, Role};

/// The fields whose visible text differs from the embedded draft.
pub fn edits(form: &Form, draft: &Draft, body: &Body) -> Vec<VisibleEdit> {
    let rows: Vec<Vec<String>> = body
        .tables
        .iter()
        .flat_map(|t| &t.rows)
        .map(|r| r.iter().map(|c| c.shown.clone()).collect())
        .collect();
    compare(form, draft, &rows)
}

/// Where each field's text should be, compared with what is there.
fn compare(form: &Form, draft: &Draft, rows: &[Vec<String>]) -> Vec<VisibleEdit> {
    let mut edits = Vec::new();
    let mut cursor = 0;
    let normed: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| norm(c)).collect())
        .collect();
    // The first row at or after `from` (else anywhere) with a cell equal to `label`.
    let find = |label: &str, from: usize| -> Option<(usize, usize)> {
        let label = norm(label);
        let hit =
            |(i, row): (usize, &Vec<String>)| row.iter().position(|c| *c == label).map(|j| (i, j));
        normed
            .iter()
            .enumerate()
            .skip(from)
            .find_map(hit)
            .or_else(|| normed.iter().enumerate().find_map(hit))
    };
    for section in form.sections.iter().filter(|s| section_visible(draft, s)) {
        if section.role == Role::Secretariat {
            continue; // the secretariat's own block: filled after export, printed differently
        }
        for field in section.fields.iter().filter(|f| field_visible(draft, f)) {
            let label = super::blocks::label_text(field);
            match field.kind {
                Kind::Table => {
                    let Some((at, _)) = find(&label, cursor) else {
                        edits.push(missing(&field.id, &field.label, ""));
                        continue;
                    };
                    cursor = compare_table(
                        field,
                        draft.get(&field.id),
                        rows.get(at + 2..).unwrap_or(&[]),
                        &mut edits,
                    ) + at
                        + 2;
                }
                Kind::Pledge => {
                    let expected = field_text(field, draft.get(&field.id), draft);
                    let found = normed
                        .iter()
                        .position(|r| r.len() == 1 && r[0].ends_with(&norm(&field.label)));
                    match found {
                        Some(i) if normed[i][0] == norm(&expected) => {}
                        Some(i) => {
                            edits.push(edit(&field.id, &field.label, &expected, &rows[i][0]))
                        }
                        None => edits.push(missing(&field.id, &field.label, &expected)),
                    }
                }
                _ => {
                    let value = draft.value(&field.id);
                    let expected = field_text(field, value.as_deref(), draft);
                    let Some((i, j)) = find(&label, cursor) else {
                        edits.push(missing(&field.id, &field.label, &expected));
                        continue;
                    };
                    cursor = i;
                    // label | value in the same row, or a label row over a full-width value row.
                    let visible = match rows[i].get(j + 1) {
                        Some(v) => Some(v.as_str()),
                        None => rows.get(i + 1).and_then(|r| r.first()).map(String::as_str),
                    };
                    match visible {
                        Some(v) if norm(v) == norm(&expected) => {}
                        Some(v) => edits.push(edit(&field.id, &field.label, &expected, v)),
                        None => edits.push(missing(&field.id, &field.label, &expected)),
                    }
                }
            }
        }
    }
    edits
}

/// Compares a table field's entries with the rows after its header; returns rows consumed.
fn compare_table(
    field: &Field,
    value: Option<&Value>,
    rows: &[Vec<String>],
    edits: &mut Vec<VisibleEdit>,
) -> usize {
    let entries: &[Value] = value.and_then(Value::as_array).map_or(&[], Vec::as_slice);
    let (long, short): (Vec<&Field>, Vec<&Field>) =
        field.columns.iter().partition(|c| c.kind == Kind::Textarea);
    let mut at = 0;
    for (i, entry) in entries.iter().enumerate() {
        let Some(row) = rows
            .get(at)
            .filter(|r| r.first().map(|c| norm(c)) == Some((i + 1).to_string()))
        else {
            edits.push(missing(
                &format!("{}[{i}]", field.id),
                &format!("{}第 {} 行", field.label, i + 1),
                "",
            ));
            return at;
        };
        for (k, column) in short.iter().enumerate() {
            let expected = cell_text(column, entry.get(&column.id));
            let visible = row.get(k + 1).map(String::as_str).unwrap_or("");
            if norm(visible) != norm(&expected) {
                let label = format!("{}第 {} 行的「{}」", field.label, i + 1, column.label);
                edits.push(edit(
                    &format!("{}[{i}].{}", field.id, column.id),
                    &label,
                    &expected,
                    visible,
                ));
            }
        }
        at += 1;
        for column in &long {
            let expected = format!(
                "{}：{}",
                column.label,
                cell_text(column, entry.get(&column.id))
            );
            let visible = rows
                .get(at)
                .and_then(|r| r.first())
                .map(String::as_str)
                .unwrap_or("");
            if norm(visible) != norm(&expected) {
                let label = format!("{}第 {} 行的「{}」", field.label, i + 1, column.label);
                edits.push(edit(
                    &format!("{}[{i}].{}", field.id, column.id),
                    &label,
                    &expected,
                    visible,
                ));
            }
            at += 1;
        }
    }
    // An entry added in Word: a numbered row right after the last one.
    if let Some(row) = rows.get(at)
        && row.first().map(|c| norm(c)) == Some((entries.len() + 1).to_string())
    {
        edits.push(VisibleEdit {
            field: field.id.clone(),
            label: field.label.clone(),
            exported: format!("{} 行", entries.len()),
            visible: Some("在 Word 中增加了行".into()),
        });
    }
    at.max(usize::from(entries.is_empty()))
}

fn edit(field: &str, label: &str, exported: &str, visible: &str) -> VisibleEdit {
    VisibleEdit {
        field: field.to_owned(),
        label: label
            .trim_start_matches('「')
            .trim_end_matches('」')
            .to_owned(),
        exported: exported.to_owned(),
        visible: Some(visible.to_owned()),
    }
}

fn missing(field: &str, label: &str, exported: &str) -> VisibleEdit {
    VisibleEdit {
        field: field.to_owned(),
        label: label.to_owned(),
        exported: exported.to_owned(),
        visible: None,
    }
}
