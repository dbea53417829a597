//! A form's values from the content controls of a document: what was signed and sealed is what
//! counts. The embedded draft, when there is one, keeps what the document does not show (hidden
//! fields, unknown keys, `meta`) and tells what changed after export.
//!
//! A value whose control still shows what the export printed keeps the embedded value exactly
//! (its number text, its spaces); a control that shows something else gives the value read from
//! what it shows — through [`crate::input`], the same reading as typing in the app.

use serde_json::{Map, Value};

use super::blocks::{INDENT, hint, label_text};
use super::controls::NO_CHOICE;
use super::import::VisibleEdit;
use super::present::{TICKED, UNTICKED, control_text, norm, shorten};
use super::read::{Body, Cell, Found, Kind as Shown};
use crate::Draft;
use crate::rules::{Finding, Severity, is_visible};
use crate::schema::{Field, Form, Kind, Role};

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
///
/// `recommendation`: the 推荐单位意见 block printed its values (the secretariat's re-export);
/// else its boxes were printed empty, and an empty one keeps what the draft holds.
pub fn from_controls(
    form: &Form,
    body: &Body,
    base: Draft,
    embedded: bool,
    recommendation: bool,
) -> Filled {
    let exported = embedded.then(|| base.clone());
    let mut filled = Filled {
        draft: base,
        edits: Vec::new(),
        notes: Vec::new(),
        listing: embedded,
    };
    for (section, field) in form.fields() {
        // 推荐单位意见 is filled after export, in the app or in Word, by the recommending unit:
        // read, never listed as a change made by the applicant.
        filled.listing = embedded && section.role != Role::Secretariat;
        let before = exported
            .as_ref()
            .and_then(|d| d.value(&field.id).map(std::borrow::Cow::into_owned));
        let shown_at_export = exported
            .as_ref()
            .is_some_and(|d| is_visible(form, d, &field.id));
        if section.role == Role::Secretariat && !recommendation {
            let read = body
                .control(&field.id)
                .map(|found| read_control(field, found, &field.id, &mut filled.notes));
            if let Some(Read { value: Some(v), .. }) = read {
                filled.draft.set(&field.id, Some(v));
            }
            continue;
        }
        let found = match field.kind {
            Kind::Computed => continue,
            Kind::Table => table(field, body, before.as_ref(), &mut filled),
            Kind::Multichoice => multichoice(field, body, before.as_ref(), &mut filled),
            _ => scalar(field, body, before.as_ref(), &mut filled),
        };
        if !found && shown_at_export && before.is_some() && filled.listing {
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

/// The hints Word itself shows in a control emptied by hand (zh-CN and English, Word 2010 to
/// 365): no value.
const WORD_HINTS: [&str; 10] = [
    "单击或点击此处输入文字。",
    "单击此处输入文字。",
    "选择一项。",
    "单击或点击以输入日期。",
    "单击此处输入日期。",
    "Click or tap here to enter text.",
    "Click here to enter text.",
    "Choose an item.",
    "Click or tap to enter a date.",
    "Click here to enter a date.",
];

/// Whether `text` is a hint (ours, or Word's), not something typed.
fn is_hint(field: &Field, text: &str) -> bool {
    let text = text.trim();
    text == hint(field, false)
        || text == hint(field, true)
        || text == NO_CHOICE
        || WORD_HINTS.contains(&text)
}

/// A control's text as the field reads it: a long text without the indent begun on each line;
/// nothing for a hint. A control marked empty (`w:showingPlcHdr`) that shows something else
/// than a hint is read, with a note: what a person typed is never dropped on a flag.
fn text_of(field: &Field, found: &Found, path: &str, notes: &mut Vec<Finding>) -> String {
    if found.text.trim().is_empty() || is_hint(field, &found.text) {
        return String::new();
    }
    let text = long_or_short(field, &found.text);
    if found.placeholder {
        notes.push(note(
            path,
            format!(
                "「{}」的填写框标为“未填写”，却显示了「{}」；已按显示的读取，请核对",
                field.label,
                shorten(&text)
            ),
        ));
    }
    text
}

fn note(path: &str, message: String) -> Finding {
    Finding {
        field: path.to_owned(),
        severity: Severity::Warning,
        message,
        condition: None,
        missing: false,
    }
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
    let text = text_of(field, found, path, notes);
    let read = value_of_text(field, &text);
    if field.kind == Kind::Date
        && let (Some(Value::String(shown)), Some(full)) = (&read.value, &found.full_date)
        && crate::rules::parse_date(shown).is_some()
        && full.get(..10).is_some_and(|d| d != shown)
    {
        notes.push(note(
            path,
            format!(
                "「{}」显示为「{}」，日期控件中记录的是 {}；已按显示的日期读取，请核对",
                field.label,
                text,
                full.get(..10).unwrap_or(full)
            ),
        ));
    }
    read
}

/// A control's value with what is typed beside it in its cell (after the box, or in a new
/// paragraph under it): that is part of what the cell shows, so it is read too, with a note.
/// Only for a cell holding this one control (a label written before a long text, `prefix`, is
/// not text beside it); boxes and computed values are read as they are.
fn read_in_cell(
    field: &Field,
    found: &Found,
    body: &Body,
    prefix: Option<&str>,
    path: &str,
    notes: &mut Vec<Finding>,
) -> Read {
    let read = read_control(field, found, path, notes);
    if matches!(
        field.kind,
        Kind::Pledge | Kind::Multichoice | Kind::Computed
    ) || found.kind == Shown::Checkbox
    {
        return read;
    }
    let Some(cell) = found
        .place
        .map(|(t, r, c)| &body.tables[t].rows[r][c])
        .filter(|cell| cell.controls.len() == 1)
    else {
        return read;
    };
    let mut shown = cell.shown.as_str();
    if let Some(prefix) = prefix {
        let rest = shown.trim_start();
        if let Some(rest) = rest.strip_prefix(prefix) {
            shown = rest.strip_prefix('\n').unwrap_or(rest);
        }
    }
    let inside = if found.placeholder {
        ""
    } else {
        found.text.as_str()
    };
    if norm(shown) == norm(inside) {
        return read;
    }
    let text = long_or_short(field, shown);
    notes.push(note(
        path,
        format!(
            "「{}」在填写框外还写了文字，已一并读取为「{}」，请核对",
            field.label,
            shorten(&text)
        ),
    ));
    value_of_text(field, &text)
}

/// Whether a value read differs from the exported one (by what it shows, and by value).
fn unchanged(field: &Field, read: &Read, before: Option<&Value>) -> bool {
    read.text == shown(field, before) || read.value.as_ref() == before
}

fn scalar(field: &Field, body: &Body, before: Option<&Value>, filled: &mut Filled) -> bool {
    let Some(found) = body.control(&field.id) else {
        return false;
    };
    let read = read_in_cell(field, found, body, None, &field.id, &mut filled.notes);
    let differing = body
        .controls
        .iter()
        .filter(|c| c.tag == field.id)
        .skip(1)
        .any(|c| norm(&c.text) != norm(&found.text));
    if differing {
        filled.notes.push(note(
            &field.id,
            format!(
                "「{}」在文档中有多处，内容不同；已读取第一处「{}」，请核对",
                field.label,
                shorten(&read.text)
            ),
        ));
    }
    if !unchanged(field, &read, before) || before.is_none() && read.value.is_some() {
        if filled.listing {
            filled.edits.push(VisibleEdit {
                field: field.id.clone(),
                label: field.label.clone(),
                exported: shown(field, before),
                visible: Some(read.text.clone()),
            });
        }
        filled.draft.set(&field.id, read.value);
    }
    true
}

/// Ticked options a multichoice keeps that the definitions do not know.
const MAX_UNKNOWN_OPTIONS: usize = 100;

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
    // Options these definitions do not know (an older or newer form), as they are; a few.
    let mut unknown: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for c in &boxes {
        let value = &c.tag[prefix.len()..];
        if unknown.len() < MAX_UNKNOWN_OPTIONS
            && field.option(value).is_none()
            && ticked(c)
            && unknown.insert(value)
        {
            chosen.push(Value::String(value.to_owned()));
        }
    }
    // What the draft chose that no box stands for (a value that is not an option, kept by
    // the embedded draft): the document cannot show it, so it cannot have been unticked.
    for kept in strings(before) {
        let has_box = boxes.iter().any(|c| c.tag[prefix.len()..] == kept);
        if !has_box && field.option(&kept).is_none() && !chosen.iter().any(|v| v == &kept) {
            chosen.push(Value::String(kept));
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
        filled.draft.set(&field.id, value);
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
            let text = norm(&cell.shown);
            short
                .iter()
                .copied()
                .find(|c| norm(&label_text(c)) == text)
                .or_else(|| short.get(k - 1).copied())
        })
        .collect();
    let mut entries: Vec<Entry> = Vec::new();
    let own = format!("{}.", field.id);
    let mut foreign = false;
    for row in rows.iter().skip(caption_row + 2) {
        // A row holding another field's controls: two tables joined in Word (the gap between
        // them deleted). This table ends there; further rows count only with its own controls.
        let tags = row
            .iter()
            .flat_map(|c| &c.controls)
            .map(|&i| body.controls[i].tag.as_str());
        let (mine, others) = tags.fold((false, false), |(m, o), t| {
            let m2 = t.starts_with(&own);
            (m || m2, o || !m2)
        });
        if others {
            foreign = true;
            continue;
        }
        if foreign && !mine {
            continue;
        }
        if row.len() == 1 {
            let cell = &row[0];
            if norm(&cell.shown) == "（无）" {
                continue;
            }
            let entry = entries.len().saturating_sub(1);
            let hit = long_cell(field, &long, cell, body, entry, &mut filled.notes);
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
                        let text = long_or_short(column, &cell.shown);
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
        Some(found) => read_in_cell(column, found, body, None, path, notes),
        None => value_of_text(column, &long_or_short(column, &cell.shown)),
    }
}

/// A full-width row under an entry: which long column it holds, and its value.
fn long_cell<'f>(
    table: &Field,
    long: &[&'f Field],
    cell: &Cell,
    body: &Body,
    entry: usize,
    notes: &mut Vec<Finding>,
) -> Option<(&'f Field, Read)> {
    for &column in long {
        let tag = format!("{}.{}", table.id, column.id);
        let path = format!("{}[{entry}].{}", table.id, column.id);
        let prefix = format!("{}：", column.label);
        if let Some(found) = cell
            .controls
            .iter()
            .map(|&i| &body.controls[i])
            .find(|c| c.tag == tag)
        {
            let read = read_in_cell(column, found, body, Some(&prefix), &path, notes);
            return Some((column, read));
        }
        if let Some(rest) = cell.shown.trim_start().strip_prefix(&prefix) {
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

/// Rows of a table compared for moves at most.
const MAX_MOVES_LOOKED_FOR: usize = 2000;

/// How one row of the document relates to the exported rows.
enum Step {
    /// The same row (old index).
    Same(usize),
    /// Changed in place.
    Changed(usize, usize),
    Added(usize),
    Removed(usize),
    /// The same row at another place (old, new): its entry is kept whole.
    Moved(usize, usize),
    /// A removed row found again as moved.
    Gone,
}

/// The new rows against the exported ones: rows unchanged keep their entry exactly; rows
/// changed in place are listed cell by cell; rows moved keep their entry and are listed as
/// moved; the rest as added or removed. Exported rows that print as nothing (an entry with no
/// values) are not rows of the document: their absence is no change.
fn merge_table(field: &Field, read: Vec<Entry>, before: Option<&Value>, filled: &mut Filled) {
    let old_all: &[Value] = before.and_then(Value::as_array).map_or(&[], Vec::as_slice);
    let old_texts_all: Vec<Vec<String>> = old_all.iter().map(|e| row_texts(field, e)).collect();
    // Indexes into `old_all` of the rows the export printed with something in them.
    let shown: Vec<usize> = (0..old_all.len())
        .filter(|&o| old_texts_all[o].iter().any(|t| !t.is_empty()))
        .collect();
    let old_texts: Vec<&Vec<String>> = shown.iter().map(|&o| &old_texts_all[o]).collect();
    let new_texts: Vec<Vec<String>> = read.iter().map(|e| read_texts(field, e)).collect();
    let pairs = common_rows(&old_texts, &new_texts);
    // The walk: pairs of the common rows, and between them rows changed in place (side by
    // side), added or removed.
    let mut steps = Vec::new();
    let (mut i, mut j) = (0, 0);
    for &(po, pn) in pairs
        .iter()
        .chain(std::iter::once(&(shown.len(), read.len())))
    {
        let paired = (po - i).min(pn - j);
        steps.extend((0..paired).map(|k| Step::Changed(i + k, j + k)));
        steps.extend((i + paired..po).map(Step::Removed));
        steps.extend((j + paired..pn).map(Step::Added));
        if po < shown.len() && pn < read.len() {
            steps.push(Step::Same(po));
        }
        i = po + 1;
        j = pn + 1;
    }
    // A row removed here and added there unchanged was moved (looked for in tables of the
    // size people write, not in a hostile one of a hundred thousand rows).
    if steps.len() <= MAX_MOVES_LOOKED_FOR {
        for a in 0..steps.len() {
            let Step::Added(n) = steps[a] else { continue };
            let gone = steps
                .iter()
                .position(|s| matches!(s, Step::Removed(o) if *old_texts[*o] == new_texts[n]));
            if let Some(r) = gone
                && let Step::Removed(o) = steps[r]
            {
                steps[a] = Step::Moved(o, n);
                steps[r] = Step::Gone;
            }
        }
        steps.retain(|s| !matches!(s, Step::Gone));
    }
    if steps.iter().all(|s| matches!(s, Step::Same(_))) {
        return; // nothing changed: the exported entries stay exactly as they were
    }
    let mut rows: Vec<Value> = Vec::with_capacity(read.len());
    let mut edits = Vec::new();
    for step in steps {
        match step {
            Step::Same(o) => rows.push(old_all[shown[o]].clone()),
            Step::Moved(o, n) => {
                edits.push(VisibleEdit {
                    field: format!("{}[{}]", field.id, rows.len()),
                    label: format!("{}第 {} 行", field.label, rows.len() + 1),
                    exported: format!("导出时的第 {} 行", shown[o] + 1),
                    visible: Some(format!(
                        "移到第 {} 行：{}",
                        rows.len() + 1,
                        summary(&new_texts[n])
                    )),
                });
                rows.push(old_all[shown[o]].clone());
            }
            Step::Changed(o, n) => {
                // The old entry (unknown keys kept) with the changed cells.
                let mut entry = old_all[shown[o]].as_object().cloned().unwrap_or_default();
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
            Step::Added(n) => {
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
            Step::Gone => {}
            Step::Removed(o) => edits.push(VisibleEdit {
                field: format!("{}[{}]", field.id, shown[o]),
                label: format!("{}导出时的第 {} 行", field.label, shown[o] + 1),
                exported: summary(old_texts[o]),
                visible: Some("（已删除）".into()),
            }),
        }
    }
    if filled.listing {
        filled.edits.extend(edits);
    }
    let value = (!rows.is_empty()).then(|| Value::Array(rows));
    filled.draft.set(&field.id, value);
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
fn common_rows(old: &[&Vec<String>], new: &[Vec<String>]) -> Vec<(usize, usize)> {
    let (n, m) = (old.len(), new.len());
    if n.saturating_mul(m) > MAX_COMPARED {
        return Vec::new();
    }
    let mut len = vec![vec![0u32; m + 1]; n + 1];
    for a in (0..n).rev() {
        for b in (0..m).rev() {
            len[a][b] = if *old[a] == new[b] {
                len[a + 1][b + 1] + 1
            } else {
                len[a + 1][b].max(len[a][b + 1])
            };
        }
    }
    let (mut a, mut b) = (0, 0);
    let mut pairs = Vec::new();
    while a < n && b < m {
        if *old[a] == new[b] {
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
