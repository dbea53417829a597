//! A form's values from the content controls of a document: what was signed and sealed is what
//! counts. The embedded draft, when there is one, keeps what the document does not show (hidden
//! fields, unknown keys, `meta`) and tells what changed after export.
//!
//! A value whose control still shows what the export printed keeps the embedded value exactly
//! (its number text, its spaces); a control that shows something else gives the value read from
//! what it shows — through [`crate::input`], the same reading as typing in the app.

use serde_json::{Map, Value};

use super::blocks::{INDENT, label_text};
use super::controls::NO_CHOICE;
use super::import::VisibleEdit;
use super::present::{TICKED, UNTICKED, control_text};
use super::read::{Body, Cell, Found, Kind as Shown};
use crate::Draft;
use crate::rules::{Finding, Severity, is_visible};
use crate::schema::{Field, Form, Kind};

/// The values read, what changed against the embedded draft, and what the reading noticed.
pub struct Filled {
    pub draft: Draft,
    pub edits: Vec<VisibleEdit>,
    pub notes: Vec<Finding>,
    /// Edits are listed only against an embedded draft (a template has nothing to differ from).
    listing: bool,
}

/// One value as a control shows it: the text compared with the export's, and the value.
#[derive(Debug, Clone, PartialEq)]
struct Read {
    text: String,
    value: Option<Value>,
}

/// Reads every field of `form` from `body` onto `base` (the embedded draft, or an empty one).
pub fn from_controls(form: &Form, body: &Body, base: Draft, embedded: bool) -> Filled {
    let exported = embedded.then(|| base.clone());
    let mut filled = Filled {
        draft: base,
        edits: Vec::new(),
        notes: Vec::new(),
        listing: embedded,
    };
    for (_, field) in form.fields() {
        let before = exported.as_ref().and_then(|d| get(d, &field.id));
        let shown_at_export = exported
            .as_ref()
            .is_some_and(|d| is_visible(form, d, &field.id));
        let found = match field.kind {
            Kind::Computed => continue,
            Kind::Table => table(field, body, before.as_ref(), &mut filled),
            Kind::Multichoice => multichoice(field, body, before.as_ref(), &mut filled),
            _ => scalar(field, body, before.as_ref(), &mut filled),
        };
        if !found && shown_at_export && before.is_some() {
            filled.edits.push(VisibleEdit {
                field: field.id.clone(),
                label: field.label.clone(),
                exported: shown(field, before.as_ref()),
                visible: None,
            });
        }
    }
    filled
}

/// A field's value; `domain` is kept at the draft's top level.
fn get(draft: &Draft, id: &str) -> Option<Value> {
    if id == "domain" {
        return draft.domain.clone().map(Value::String);
    }
    draft.get(id).cloned()
}

fn set(draft: &mut Draft, id: &str, value: Option<Value>) {
    if id == "domain" {
        draft.domain = value.map(|v| match v {
            Value::String(s) => s,
            other => other.to_string(),
        });
        return;
    }
    match value {
        Some(v) => {
            draft.values.insert(id.to_owned(), v);
        }
        None => {
            draft.values.shift_remove(id);
        }
    }
}

/// The text a control shows for a stored value, as [`read_control`] reads it back.
fn shown(field: &Field, value: Option<&Value>) -> String {
    match field.kind {
        Kind::Pledge => mark(value == Some(&Value::Bool(true))).to_string(),
        Kind::Multichoice => {
            let chosen = strings(value);
            field
                .options
                .iter()
                .filter(|o| chosen.contains(&o.value))
                .map(|o| o.label.clone())
                .collect::<Vec<_>>()
                .join("、")
        }
        Kind::Textarea => control_text(field, value)
            .split('\n')
            .map(|l| l.trim_end_matches('\r'))
            .collect::<Vec<_>>()
            .join("\n")
            .trim_end()
            .to_owned(),
        _ => control_text(field, value).trim().to_owned(),
    }
}

fn mark(checked: bool) -> char {
    if checked { TICKED } else { UNTICKED }
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a checkbox is ticked: the glyph it shows, else its `w14:checked`.
fn ticked(found: &Found) -> bool {
    let text = found.text.trim();
    if text.contains(['■', '☒', '☑', '✓', '✔', '√', '\u{F0FE}']) {
        return true;
    }
    if text.contains(['□', '☐']) {
        return false;
    }
    found.checked.unwrap_or(false)
}

/// A control's text as the field reads it: a long text without the indent begun on each line.
fn text_of(field: &Field, found: &Found) -> String {
    if found.placeholder {
        return String::new();
    }
    long_or_short(field, &found.text)
}

fn long_or_short(field: &Field, text: &str) -> String {
    if field.kind == Kind::Textarea {
        text.split('\n')
            .map(|l| l.strip_prefix(INDENT).unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
            .trim_end()
            .to_owned()
    } else {
        text.trim().to_owned()
    }
}

/// The value shown by a text: a choice's label is its value; 「请选择」 is nothing.
fn value_of_text(field: &Field, text: &str) -> Read {
    match field.kind {
        Kind::Choice => {
            let t = text.trim();
            if t.is_empty() || t == NO_CHOICE {
                return Read {
                    text: String::new(),
                    value: None,
                };
            }
            let value = field
                .options
                .iter()
                .find(|o| o.label == t || o.value == t)
                .map_or_else(|| t.to_owned(), |o| o.value.clone());
            Read {
                text: t.to_owned(),
                value: Some(Value::String(value)),
            }
        }
        Kind::Pledge => {
            let checked = text.contains(['■', '☒', '☑', '✓', '✔', '√']);
            Read {
                text: mark(checked).to_string(),
                value: checked.then_some(Value::Bool(true)),
            }
        }
        _ => Read {
            text: text.to_owned(),
            value: crate::input::value_from_text(field, text),
        },
    }
}

/// One control read as `field`'s value; `path` names it in a note.
fn read_control(field: &Field, found: &Found, path: &str, notes: &mut Vec<Finding>) -> Read {
    if field.kind == Kind::Pledge || found.kind == Shown::Checkbox {
        let checked = ticked(found);
        return Read {
            text: mark(checked).to_string(),
            value: checked.then_some(Value::Bool(true)),
        };
    }
    let text = text_of(field, found);
    let read = value_of_text(field, &text);
    if field.kind == Kind::Date
        && let (Some(Value::String(shown)), Some(full)) = (&read.value, &found.full_date)
        && crate::rules::parse_date(shown).is_some()
        && full.get(..10).is_some_and(|d| d != shown)
    {
        notes.push(Finding {
            field: path.to_owned(),
            severity: Severity::Warning,
            message: format!(
                "「{}」显示为「{}」，日期控件中记录的是 {}；已按显示的日期读取，请核对",
                field.label,
                text,
                full.get(..10).unwrap_or(full)
            ),
            condition: None,
        });
    }
    read
}

/// Whether a value read differs from the exported one (by what it shows, and by value).
fn unchanged(field: &Field, read: &Read, before: Option<&Value>) -> bool {
    read.text == shown(field, before) || read.value.as_ref() == before
}

fn scalar(field: &Field, body: &Body, before: Option<&Value>, filled: &mut Filled) -> bool {
    let Some(found) = body.control(&field.id) else {
        return false;
    };
    let read = read_control(field, found, &field.id, &mut filled.notes);
    if !unchanged(field, &read, before) || before.is_none() && read.value.is_some() {
        if filled.listing {
            filled.edits.push(VisibleEdit {
                field: field.id.clone(),
                label: field.label.clone(),
                exported: shown(field, before),
                visible: Some(read.text.clone()),
            });
        }
        set(&mut filled.draft, &field.id, read.value);
    }
    true
}

fn multichoice(field: &Field, body: &Body, before: Option<&Value>, filled: &mut Filled) -> bool {
    let prefix = format!("{}=", field.id);
    let boxes: Vec<&Found> = body
        .controls
        .iter()
        .filter(|c| c.tag.starts_with(&prefix))
        .collect();
    if boxes.is_empty() {
        return false;
    }
    let ticked_value = |value: &str| {
        boxes
            .iter()
            .find(|c| &c.tag[prefix.len()..] == value)
            .is_some_and(|c| ticked(c))
    };
    let mut chosen: Vec<Value> = field
        .options
        .iter()
        .filter(|o| ticked_value(&o.value))
        .map(|o| Value::String(o.value.clone()))
        .collect();
    // Options these definitions do not know (an older or newer form), as they are.
    for c in &boxes {
        let value = &c.tag[prefix.len()..];
        if field.option(value).is_none()
            && ticked(c)
            && !chosen.iter().any(|v| v.as_str() == Some(value))
        {
            chosen.push(Value::String(value.to_owned()));
        }
    }
    let mut old = strings(before);
    let mut new: Vec<String> = chosen
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    old.sort();
    new.sort();
    if old != new {
        let value = (!chosen.is_empty()).then(|| Value::Array(chosen));
        if filled.listing {
            filled.edits.push(VisibleEdit {
                field: field.id.clone(),
                label: field.label.clone(),
                exported: shown(field, before),
                visible: Some(shown(field, value.as_ref())),
            });
        }
        set(&mut filled.draft, &field.id, value);
    }
    true
}

/// One entry of a table as read: per column, what it shows and its value.
type Entry = Vec<(String, Read)>;

fn table(field: &Field, body: &Body, before: Option<&Value>, filled: &mut Filled) -> bool {
    let Some((t, caption_row)) = body
        .controls
        .iter()
        .filter(|c| c.tag == field.id)
        .find_map(|c| c.place.map(|(t, r, _)| (t, r)))
    else {
        return false;
    };
    let rows = &body.tables[t].rows;
    let (long, short): (Vec<&Field>, Vec<&Field>) =
        field.columns.iter().partition(|c| c.kind == Kind::Textarea);
    // Columns by their header cells (序号 first), by label where it is found.
    let header = rows.get(caption_row + 1).map_or(&[][..], Vec::as_slice);
    let columns: Vec<Option<&Field>> = header
        .iter()
        .enumerate()
        .map(|(k, cell)| {
            if k == 0 {
                return None;
            }
            let text = norm(&cell.text);
            short
                .iter()
                .copied()
                .find(|c| norm(&label_text(c)) == text)
                .or_else(|| short.get(k - 1).copied())
        })
        .collect();
    let mut entries: Vec<Entry> = Vec::new();
    for (r, row) in rows.iter().enumerate().skip(caption_row + 2) {
        if row.len() == 1 {
            let cell = &row[0];
            if norm(&cell.text) == "（无）" {
                continue;
            }
            let hit = long_cell(field, &long, cell, body, r, &mut filled.notes);
            match (hit, entries.last_mut()) {
                (Some((column, read)), Some(entry)) => {
                    set_column(entry, &column.id, read);
                }
                (Some((column, read)), None) => {
                    let mut entry = Entry::new();
                    set_column(&mut entry, &column.id, read);
                    entries.push(entry);
                }
                (None, Some(entry)) => {
                    // A row added in Word under a long text: the first long column still empty.
                    let free = long.iter().find(|c| {
                        entry
                            .iter()
                            .find(|(id, _)| *id == c.id)
                            .is_none_or(|(_, r)| r.text.is_empty())
                    });
                    if let Some(column) = free {
                        let text = long_or_short(column, &cell.text);
                        set_column(entry, &column.id, value_of_text(column, &text));
                    }
                }
                (None, None) => {}
            }
            continue;
        }
        let mut entry = Entry::new();
        for (k, cell) in row.iter().enumerate() {
            let Some(Some(column)) = columns.get(k) else {
                continue;
            };
            let path = format!("{}[{}].{}", field.id, entries.len(), column.id);
            let read = cell_value(field, column, cell, body, &path, &mut filled.notes);
            set_column(&mut entry, &column.id, read);
        }
        entries.push(entry);
    }
    // Rows left empty (a template's spare rows, or one added and not filled) are not entries.
    entries.retain(|e| e.iter().any(|(_, r)| !r.text.is_empty()));
    merge_table(field, entries, before, filled);
    true
}

fn set_column(entry: &mut Entry, id: &str, read: Read) {
    match entry.iter_mut().find(|(c, _)| c == id) {
        Some(slot) => slot.1 = read,
        None => entry.push((id.to_owned(), read)),
    }
}

/// A cell's value: its control tagged `TABLE.COLUMN`, else its text (a row added in Word has
/// no controls).
fn cell_value(
    table: &Field,
    column: &Field,
    cell: &Cell,
    body: &Body,
    path: &str,
    notes: &mut Vec<Finding>,
) -> Read {
    let tag = format!("{}.{}", table.id, column.id);
    match cell
        .controls
        .iter()
        .map(|&i| &body.controls[i])
        .find(|c| c.tag == tag)
    {
        Some(found) => read_control(column, found, path, notes),
        None => value_of_text(column, &long_or_short(column, &cell.text)),
    }
}

/// A full-width row under an entry: which long column it holds, and its value.
fn long_cell<'f>(
    table: &Field,
    long: &[&'f Field],
    cell: &Cell,
    body: &Body,
    row: usize,
    notes: &mut Vec<Finding>,
) -> Option<(&'f Field, Read)> {
    for &column in long {
        let tag = format!("{}.{}", table.id, column.id);
        let path = format!("{}[{row}].{}", table.id, column.id);
        if let Some(found) = cell
            .controls
            .iter()
            .map(|&i| &body.controls[i])
            .find(|c| c.tag == tag)
        {
            return Some((column, read_control(column, found, &path, notes)));
        }
        let prefix = format!("{}：", column.label);
        if let Some(rest) = cell.text.trim_start().strip_prefix(&prefix) {
            let rest = rest.strip_prefix('\n').unwrap_or(rest);
            let text = long_or_short(column, rest);
            return Some((column, value_of_text(column, &text)));
        }
    }
    None
}

/// What a row shows, column by column (every column of the table, in definition order).
fn row_texts(field: &Field, entry: &Value) -> Vec<String> {
    field
        .columns
        .iter()
        .map(|c| shown(c, entry.get(&c.id)))
        .collect()
}

fn read_texts(field: &Field, entry: &Entry) -> Vec<String> {
    field
        .columns
        .iter()
        .map(|c| {
            entry
                .iter()
                .find(|(id, _)| *id == c.id)
                .map(|(_, r)| r.text.clone())
                .unwrap_or_default()
        })
        .collect()
}

/// The new rows against the exported ones: rows unchanged keep their entry exactly; rows
/// changed in place are listed cell by cell; the rest as added or removed.
fn merge_table(field: &Field, read: Vec<Entry>, before: Option<&Value>, filled: &mut Filled) {
    let old: &[Value] = before.and_then(Value::as_array).map_or(&[], Vec::as_slice);
    let old_texts: Vec<Vec<String>> = old.iter().map(|e| row_texts(field, e)).collect();
    let new_texts: Vec<Vec<String>> = read.iter().map(|e| read_texts(field, e)).collect();
    let pairs = common_rows(&old_texts, &new_texts);
    let listing = filled.listing;
    let mut rows: Vec<Value> = Vec::with_capacity(read.len());
    let mut edits = Vec::new();
    let (mut i, mut j) = (0, 0);
    let mut step = |oi: Option<usize>, nj: Option<usize>, rows: &mut Vec<Value>| match (oi, nj) {
        (Some(o), Some(n)) => {
            // Changed in place: the old entry (unknown keys kept) with the changed cells.
            let mut entry = old[o].as_object().cloned().unwrap_or_default();
            for (k, column) in field.columns.iter().enumerate() {
                if old_texts[o][k] == new_texts[n][k] {
                    continue;
                }
                let value = read[n]
                    .iter()
                    .find(|(id, _)| *id == column.id)
                    .and_then(|(_, r)| r.value.clone());
                if value.as_ref() == entry.get(&column.id) {
                    continue;
                }
                edits.push(VisibleEdit {
                    field: format!("{}[{}].{}", field.id, rows.len(), column.id),
                    label: format!(
                        "{}第 {} 行的「{}」",
                        field.label,
                        rows.len() + 1,
                        column.label
                    ),
                    exported: old_texts[o][k].clone(),
                    visible: Some(new_texts[n][k].clone()),
                });
                match value {
                    Some(v) => {
                        entry.insert(column.id.clone(), v);
                    }
                    None => {
                        entry.shift_remove(&column.id);
                    }
                }
            }
            rows.push(Value::Object(entry));
        }
        (None, Some(n)) => {
            let entry: Map<String, Value> = read[n]
                .iter()
                .filter_map(|(id, r)| r.value.clone().map(|v| (id.clone(), v)))
                .collect();
            edits.push(VisibleEdit {
                field: format!("{}[{}]", field.id, rows.len()),
                label: format!("{}第 {} 行", field.label, rows.len() + 1),
                exported: "（无此行）".into(),
                visible: Some(summary(&new_texts[n])),
            });
            rows.push(Value::Object(entry));
        }
        (Some(o), None) => edits.push(VisibleEdit {
            field: format!("{}[{o}]", field.id),
            label: format!("{}导出时的第 {} 行", field.label, o + 1),
            exported: summary(&old_texts[o]),
            visible: Some("（已删除）".into()),
        }),
        (None, None) => {}
    };
    for &(po, pn) in pairs
        .iter()
        .chain(std::iter::once(&(old.len(), read.len())))
    {
        // The gap before this pair: changed in place side by side, the rest added or removed.
        let (gap_old, gap_new) = (po - i, pn - j);
        let paired = gap_old.min(gap_new);
        for k in 0..paired {
            step(Some(i + k), Some(j + k), &mut rows);
        }
        for k in paired..gap_old {
            step(Some(i + k), None, &mut rows);
        }
        for k in paired..gap_new {
            step(None, Some(j + k), &mut rows);
        }
        if po < old.len() && pn < read.len() {
            rows.push(old[po].clone());
        }
        i = po + 1;
        j = pn + 1;
    }
    let unchanged = edits.is_empty() && rows.len() == old.len();
    if unchanged {
        return;
    }
    if listing {
        filled.edits.extend(edits);
    }
    let value = (!rows.is_empty()).then(|| Value::Array(rows));
    set(&mut filled.draft, &field.id, value);
}

/// 「名称｜类型｜2020年5月」: a row in one line.
fn summary(texts: &[String]) -> String {
    texts
        .iter()
        .filter(|t| !t.is_empty())
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join("｜")
}

/// Row pairs compared at most (a table of ours has a few hundred rows at most).
const MAX_COMPARED: usize = 1_000_000;

/// Index pairs of a longest common subsequence of equal rows (at most a few hundred rows).
/// Past [`MAX_COMPARED`] cells compared, rows are paired by position instead.
fn common_rows(old: &[Vec<String>], new: &[Vec<String>]) -> Vec<(usize, usize)> {
    let (n, m) = (old.len(), new.len());
    if n.saturating_mul(m) > MAX_COMPARED {
        return Vec::new();
    }
    let mut len = vec![vec![0u32; m + 1]; n + 1];
    for a in (0..n).rev() {
        for b in (0..m).rev() {
            len[a][b] = if old[a] == new[b] {
                len[a + 1][b + 1] + 1
            } else {
                len[a + 1][b].max(len[a][b + 1])
            };
        }
    }
    let (mut a, mut b) = (0, 0);
    let mut pairs = Vec::new();
    while a < n && b < m {
        if old[a] == new[b] {
            pairs.push((a, b));
            a += 1;
            b += 1;
        } else if len[a + 1][b] >= len[a][b + 1] {
            a += 1;
        } else {
            b += 1;
        }
    }
    pairs
}

/// Text compared loosely: no white space, no word joiners.
pub fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{2060}')
        .collect()
}
