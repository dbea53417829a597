//! Field widgets, rendered from the definitions. Every input is labelled (`labelled_by`) and its
//! id is salted with the field path, never with its position, so hiding a field shifts nothing.
//! Single-line fields follow one rule: while a field has focus it shows exactly the keystrokes
//! (kept in [`FormState::typing`]); once focus leaves, it shows the stored value's text
//! (`1200`, `3000.5`, `2015-06-18`). What is stored comes from [`crate::input`]: the value when
//! the text reads as one, else the text as typed — never nothing.

use egui::{Align, Id, RichText, TextEdit};
use serde_json::{Map, Value};

use super::form::FormState;
use crate::input::{text_of_value, value_from_text};
use crate::rules::{char_count, computed_value, field_visible};
use crate::schema::{Definitions, Field, Form, Kind, Role, Section};

/// Shows a section's fields; true when a value changed.
pub fn section_ui(
    ui: &mut egui::Ui,
    defs: &Definitions,
    form: &Form,
    section: &Section,
    state: &mut FormState,
) -> bool {
    let _ = defs;
    // The 附件清单, whose rows take files: as the form's definition says.
    let files_field = form.roles.attachments.as_deref();
    let mut changed = false;
    let read_only = section.role == Role::Secretariat;
    if read_only {
        ui.label(RichText::new("此栏由推荐单位（学会秘书处）填写，申报人无需填写。").weak());
    }
    for field in &section.fields {
        if !field_visible(&state.draft, field) {
            continue;
        }
        ui.add_enabled_ui(!read_only, |ui| {
            let with_files = files_field == Some(field.id.as_str());
            changed |= field_ui(ui, field, with_files, state);
        });
        ui.add_space(10.0);
    }
    changed
}

fn field_ui(ui: &mut egui::Ui, field: &Field, with_files: bool, state: &mut FormState) -> bool {
    let path = field.id.clone();
    let mut label_text = field.label.clone();
    if field.required && field.kind != Kind::Pledge {
        label_text.push_str(" *");
    }
    if let Some(unit) = field.unit.as_ref().filter(|_| field.kind == Kind::Table) {
        label_text.push_str(&format!("（{unit}）"));
    }
    match field.kind {
        Kind::Table => table_ui(ui, field, &label_text, with_files, state),
        Kind::Pledge => {
            let mut ticked = state.draft.values.get(&field.id) == Some(&Value::Bool(true));
            // The finding stands on the box's own line: ticking never moves the boxes below.
            let response = ui
                .horizontal(|ui| {
                    let r = ui.checkbox(&mut ticked, RichText::new(&field.label));
                    findings_inline(ui, state, &path, false);
                    r
                })
                .inner;
            focus_if_asked(state, &path, &response);
            if response.changed() {
                state.touched.insert(path.clone());
                state
                    .draft
                    .values
                    .insert(field.id.clone(), Value::Bool(ticked));
            }
            response.changed()
        }
        _ => {
            // What is wrong stands on the label's line, so that it coming and going never
            // moves the fields below under the pointer.
            let label = ui
                .horizontal(|ui| {
                    let label = ui.label(RichText::new(&label_text).strong());
                    findings_inline(ui, state, &path, false);
                    label
                })
                .inner;
            if let Some(hint) = &field.hint {
                ui.label(RichText::new(hint).weak().small());
            }
            let draft = &mut state.draft;
            let value = draft.value(&field.id).map(std::borrow::Cow::into_owned);
            let slot = Slot {
                path: &path,
                label: label.id,
                compact: false,
                width: 0.0,
            };
            let (new_value, response) = value_ui(
                ui,
                field,
                &slot,
                value.as_ref(),
                &mut state.typing,
                &state.draft,
            );
            if let Some(r) = &response {
                focus_if_asked(state, &path, r);
                if r.lost_focus() {
                    state.touched.insert(path.clone());
                }
            }
            match new_value {
                Some(Edit(v)) => {
                    state.touched.insert(path.clone());
                    // A long text emptied at once (selected and deleted, or cut) can come back.
                    let before = value.as_ref().and_then(Value::as_str).unwrap_or("");
                    let now = v.as_ref().and_then(Value::as_str).unwrap_or("");
                    if field.kind == Kind::Textarea
                        && now.trim().is_empty()
                        && before.trim().chars().count() > 1
                    {
                        state.keep_for_undo(
                            &field.id,
                            value.clone(),
                            format!("清空「{}」", field.label),
                        );
                    }
                    set_top(state, field, v);
                    true
                }
                None => false,
            }
        }
    }
}

fn set_top(state: &mut FormState, field: &Field, value: Option<Value>) {
    state.draft.set(&field.id, value);
}

/// The id of the widget of a field path (salted with the path, never with a position).
fn widget_id(path: &str) -> Id {
    Id::unique(("field", path))
}

/// Keystrokes are kept only while their field has focus: once focus is elsewhere (another
/// field, another section), the field shows its stored value again when next drawn.
pub fn forget_typing_without_focus(ui: &egui::Ui, state: &mut FormState) {
    if let Some((path, _)) = &state.typing
        && ui.memory(|m| m.focused()) != Some(widget_id(path))
    {
        state.typing = None;
    }
}

/// A change made in a widget: the new value (None: emptied).
struct Edit(Option<Value>);

/// The text a single-line field shows: the keystrokes while it has focus, else the stored
/// value's text. Keeps [`FormState::typing`] for the field with focus only.
fn shown_text(
    ui: &egui::Ui,
    id: Id,
    path: &str,
    value: Option<&Value>,
    typing: &mut Option<(String, String)>,
) -> String {
    let focused = ui.memory(|m| m.has_focus(id));
    match typing {
        Some((p, text)) if p == path && focused => text.clone(),
        Some((p, _)) if p == path => {
            // Focus has left: from now on the stored value speaks.
            *typing = None;
            text_of_value(value)
        }
        _ => text_of_value(value),
    }
}

/// After a single-line edit: remembers the keystrokes and gives the value to store.
fn typed(field: &Field, path: &str, text: String, typing: &mut Option<(String, String)>) -> Edit {
    let value = value_from_text(field, &text);
    *typing = Some((path.to_owned(), text));
    Edit(value)
}

/// Where a value widget sits: its path (for its id), the label that names it, and whether it
/// is a table cell (compact).
struct Slot<'a> {
    path: &'a str,
    label: Id,
    compact: bool,
    /// A table cell's width (see [`cell_width`]).
    width: f32,
}

/// The widget for one value (also used for table cells).
fn value_ui(
    ui: &mut egui::Ui,
    field: &Field,
    slot: &Slot,
    value: Option<&Value>,
    typing: &mut Option<(String, String)>,
    draft: &crate::Draft,
) -> (Option<Edit>, Option<egui::Response>) {
    let Slot {
        path,
        label,
        compact,
        width: cell,
    } = *slot;
    let id = widget_id(path);
    match field.kind {
        Kind::Text | Kind::Date | Kind::Month => {
            let mut text = shown_text(ui, id, path, value, typing);
            // A cell's hint is short enough to be read whole in it.
            let hint = match (field.kind, compact) {
                (Kind::Date, false) => "如 2015-06-18 或 2015年6月18日",
                (Kind::Date, true) => "如 2015-06-18",
                (Kind::Month, false) => "如 1985-07 或 1985年7月",
                (Kind::Month, true) => "如 1985-07",
                _ => "",
            };
            let width = match (field.kind, field.max_chars) {
                // The calendar button stands beside a date.
                (Kind::Date | Kind::Month, _) if compact => (cell - 80.0).max(90.0),
                _ if compact => cell,
                // Room kept for the counter beside it, so nothing runs under the panel.
                (Kind::Text, Some(n)) if n > 30 => {
                    (ui.available_width() - 70.0).clamp(200.0, 640.0)
                }
                _ => 260.0,
            };
            let response = ui
                .horizontal(|ui| {
                    // A text cell wraps onto as many lines as its text needs: all of what
                    // was typed is in sight. Enter adds no line; a pasted one is a space.
                    let edit = if compact && field.kind == Kind::Text {
                        TextEdit::multiline(&mut text)
                            .return_key(None)
                            .desired_rows(1)
                    } else {
                        TextEdit::singleline(&mut text)
                    };
                    let r = ui
                        .add(edit.id(id).hint_text(hint).desired_width(width))
                        .labelled_by(label);
                    if r.changed() && text.contains(['\n', '\r']) {
                        text = text.replace("\r\n", " ").replace(['\n', '\r'], " ");
                    }
                    if field.kind == Kind::Text
                        && !compact
                        && let Some(max) = field.max_chars
                    {
                        counter(ui, field, &text, max);
                    }
                    let picked = matches!(field.kind, Kind::Date | Kind::Month)
                        .then(|| {
                            super::pickers::date_button(
                                ui,
                                id,
                                value.and_then(Value::as_str),
                                field.kind == Kind::Month,
                                chrono::Local::now().date_naive(),
                            )
                        })
                        .flatten();
                    (r, picked)
                })
                .inner;
            let (response, picked) = response;
            if let Some(date) = picked {
                // Chosen on the calendar: stored as it is, shown as stored.
                *typing = None;
                return (Some(Edit(Some(Value::String(date)))), Some(response));
            }
            let edit = response.changed().then(|| typed(field, path, text, typing));
            (edit, Some(response))
        }
        Kind::Textarea => {
            let mut text = text_of_value(value);
            let response = ui
                .add(
                    TextEdit::multiline(&mut text)
                        .id(id)
                        .desired_rows(if field.max_chars.unwrap_or(0) > 300 {
                            8
                        } else {
                            4
                        })
                        .desired_width(ui.available_width().min(820.0)),
                )
                .labelled_by(label);
            let max = field.max_chars.unwrap_or(0);
            counter(ui, field, &text, max);
            let edit = response
                .changed()
                .then(|| Edit((!text.is_empty()).then(|| Value::String(text))));
            (edit, Some(response))
        }
        Kind::Integer | Kind::Decimal => {
            let mut text = shown_text(ui, id, path, value, typing);
            let response = ui
                .horizontal(|ui| {
                    let r = ui
                        .add(
                            TextEdit::singleline(&mut text)
                                .id(id)
                                .desired_width(if compact { cell } else { 160.0 }),
                        )
                        .labelled_by(label);
                    if let Some(unit) = &field.unit {
                        ui.label(unit);
                    }
                    r
                })
                .inner;
            let edit = response.changed().then(|| typed(field, path, text, typing));
            (edit, Some(response))
        }
        Kind::Choice => choice_ui(ui, field, id, value.and_then(Value::as_str), label, compact),
        Kind::Multichoice => {
            let chosen: Vec<String> = value
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            let mut edit = None;
            let mut first = None;
            ui.horizontal_wrapped(|ui| {
                for option in &field.options {
                    let mut on = chosen.contains(&option.value);
                    let r = ui.checkbox(&mut on, &option.label);
                    if r.changed() {
                        // Keep the options' order.
                        let next: Vec<Value> = field
                            .options
                            .iter()
                            .filter(|o| {
                                if o.value == option.value {
                                    on
                                } else {
                                    chosen.contains(&o.value)
                                }
                            })
                            .map(|o| Value::String(o.value.clone()))
                            .collect();
                        edit = Some(Edit((!next.is_empty()).then_some(Value::Array(next))));
                    }
                    first.get_or_insert(r);
                }
            });
            (edit, first)
        }
        Kind::Computed => {
            let text =
                computed_value(draft, field).unwrap_or_else(|| "（填写后自动计算）".to_owned());
            ui.label(RichText::new(text).monospace());
            (None, None)
        }
        Kind::Table | Kind::Pledge => (None, None),
    }
}

fn choice_ui(
    ui: &mut egui::Ui,
    field: &Field,
    id: Id,
    chosen: Option<&str>,
    label: Id,
    compact: bool,
) -> (Option<Edit>, Option<egui::Response>) {
    let mut edit = None;
    let short = !compact
        && field.options.len() <= 6
        && field
            .options
            .iter()
            .map(|o| o.label.chars().count())
            .sum::<usize>()
            <= 40;
    if short {
        let response = ui
            .horizontal_wrapped(|ui| {
                let mut first: Option<egui::Response> = None;
                for option in &field.options {
                    let r = ui.radio(chosen == Some(option.value.as_str()), &option.label);
                    if r.clicked() {
                        edit = Some(Edit(Some(Value::String(option.value.clone()))));
                    }
                    first.get_or_insert(r);
                }
                first
            })
            .inner;
        return (edit, response.map(|r| r.labelled_by(label)));
    }
    let selected = chosen
        .map(|v| {
            field
                .option(v)
                .map_or(format!("{v}（不在可选范围内）"), |o| {
                    o.label.clone()
                })
        })
        .unwrap_or_else(|| "请选择…".to_owned());
    let width = if compact { 130.0 } else { 320.0 };
    // Every drop-down takes typing (「gd」 → 广东省) and the arrows, short or long.
    let (picked, response) =
        super::pickers::searchable_choice(ui, field, id, chosen, selected, width);
    let edit = picked.map(|v| Edit(Some(Value::String(v))));
    (edit, Some(response.labelled_by(label)))
}

/// 「不含空格字数 123/800」 beside long texts, 「12/40」 beside short ones.
fn counter(ui: &mut egui::Ui, field: &Field, text: &str, max: usize) {
    let n = char_count(field, text);
    let words = if field.kind == Kind::Textarea {
        match field.min_chars {
            Some(min) => format!("不含空格字数 {n}/{max}（不少于 {min}）"),
            None => format!("不含空格字数 {n}/{max}"),
        }
    } else {
        format!("{n}/{max}")
    };
    let over = max > 0 && n > max;
    let short = field.min_chars.is_some_and(|m| n > 0 && n < m);
    let color = if over {
        ui.visuals().error_fg_color
    } else if short {
        ui.visuals().warn_fg_color
    } else {
        ui.visuals().weak_text_color()
    };
    ui.label(RichText::new(words).small().color(color));
}

fn focus_if_asked(state: &mut FormState, path: &str, response: &egui::Response) {
    // In the order drawn: where Tab goes next.
    state.tab_order.push(response.id);
    if state.focus.as_deref() == Some(path) {
        response.scroll_to_me(Some(Align::Center));
        response.request_focus();
        state.focus = None;
    }
}

/// The findings of one path (and, with `rows`, of all its rows and cells) on one line, in
/// the theme's colours: those of an empty field not yet left wait (see [`FormState::quiet`]).
/// More than two are counted, the details in the problems panel.
fn findings_inline(ui: &mut egui::Ui, state: &FormState, path: &str, rows: bool) {
    let prefix = format!("{path}[");
    let mut indices: Vec<usize> = state.by_path.get(path).cloned().unwrap_or_default();
    if rows {
        for (p, list) in &state.by_path {
            if p.starts_with(&prefix) {
                indices.extend(list);
            }
        }
        indices.sort_unstable();
    }
    indices.retain(|&i| !state.quiet(&state.findings[i]));
    if indices.is_empty() {
        return;
    }
    let any_error = indices.iter().any(|&i| state.findings[i].is_error());
    let (mark, color) = if any_error {
        ("×", ui.visuals().error_fg_color)
    } else {
        ("⚠", ui.visuals().warn_fg_color)
    };
    let all: Vec<&str> = indices.iter().map(|&i| state.shown[i].as_str()).collect();
    let text = if all.len() <= 2 {
        format!("{mark} {}", all.join("；"))
    } else {
        let (errors, warnings) = indices.iter().fold((0, 0), |(e, w), &i| {
            if state.findings[i].is_error() {
                (e + 1, w)
            } else {
                (e, w + 1)
            }
        });
        let counted = match (errors, warnings) {
            (0, w) => format!("{w} 个提醒"),
            (e, 0) => format!("{e} 个错误"),
            (e, w) => format!("{e} 个错误、{w} 个提醒"),
        };
        format!("{mark} 这里有 {counted}，详见右侧「问题」列表")
    };
    ui.add(egui::Label::new(RichText::new(text).color(color)).truncate())
        .on_hover_text(all.join("\n"));
}

/// The widths of a table's cells: what each column takes (about a character's width per
/// character allowed, up to 260 px; numbers 100 px), shared out so that the table fits the
/// page when it can, never narrower than 100 px (a wider table scrolls sideways).
fn cell_widths(field: &Field, available: f32, with_files: bool) -> Vec<f32> {
    let wanted: Vec<f32> = field
        .columns
        .iter()
        .map(|c| match c.kind {
            Kind::Text => (c.max_chars.unwrap_or(20) as f32 * 14.0).clamp(100.0, 260.0),
            Kind::Integer | Kind::Decimal => 100.0,
            Kind::Date | Kind::Month => 180.0,
            _ => 130.0,
        })
        .collect();
    // 序号, the row buttons, the file and the spacing between cells.
    let fixed = 40.0 + 160.0 + if with_files { 230.0 } else { 0.0 } + 12.0 * wanted.len() as f32;
    let room = (available - fixed).max(0.0);
    let total: f32 = wanted.iter().sum();
    if total <= room || total <= 0.0 {
        return wanted;
    }
    let scale = room / total;
    wanted.iter().map(|w| (w * scale).max(100.0)).collect()
}

/// A table field: one grid row per entry with add, move and delete.
fn table_ui(
    ui: &mut egui::Ui,
    field: &Field,
    label_text: &str,
    with_files: bool,
    state: &mut FormState,
) -> bool {
    let label = ui
        .horizontal(|ui| {
            let label = ui.label(RichText::new(label_text).strong());
            findings_inline(ui, state, &field.id, true);
            label
        })
        .inner;
    if let Some(hint) = &field.hint {
        ui.label(RichText::new(hint).weak().small());
    }
    let mut rows: Vec<Value> = state
        .draft
        .values
        .get(&field.id)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut changed = false;
    let mut row_action: Option<(usize, RowOp)> = None;
    // The 附件清单 takes a file per row.
    let widths = cell_widths(field, ui.available_width(), with_files);
    // A table wider than the page scrolls sideways, its cells keeping their widths.
    egui::ScrollArea::horizontal()
        .id_salt(("table_scroll", &field.id))
        .auto_shrink([false, true])
        .show(ui, |ui| {
            egui::Grid::new(("table", &field.id))
                .striped(true)
                .num_columns(field.columns.len() + 2 + usize::from(with_files))
                .show(ui, |ui| {
                    ui.label("序号");
                    ui.label("");
                    for c in &field.columns {
                        ui.strong(&c.label);
                    }
                    if with_files {
                        ui.strong("文件");
                    }
                    ui.end_row();
                    for (i, row) in rows.iter_mut().enumerate() {
                        ui.label((i + 1).to_string());
                        // At the row's start, in sight however wide the table.
                        ui.horizontal(|ui| {
                            if ui.small_button("上移").clicked() {
                                row_action = Some((i, RowOp::Up));
                            }
                            if ui.small_button("下移").clicked() {
                                row_action = Some((i, RowOp::Down));
                            }
                            if ui.small_button("删除").clicked() {
                                row_action = Some((i, RowOp::Delete));
                            }
                        });
                        if !row.is_object() {
                            *row = Value::Object(Map::new());
                        }
                        for (column, &width) in field.columns.iter().zip(&widths) {
                            let path = format!("{}[{i}].{}", field.id, column.id);
                            let current = row.get(&column.id).cloned();
                            let (edit, response) = ui
                                .vertical(|ui| {
                                    // As wide as what the column takes, not what the grid left over.
                                    ui.set_min_width(width);
                                    let slot = Slot {
                                        path: &path,
                                        label: label.id,
                                        compact: true,
                                        width,
                                    };
                                    value_ui(
                                        ui,
                                        column,
                                        &slot,
                                        current.as_ref(),
                                        &mut state.typing,
                                        &state.draft,
                                    )
                                })
                                .inner;
                            if let Some(r) = &response {
                                focus_if_asked(state, &path, r);
                                if r.lost_focus() {
                                    state.touched.insert(path.clone());
                                }
                            }
                            if edit.is_some() {
                                state.touched.insert(path.clone());
                            }
                            let cells = row.as_object_mut().expect("made an object above");
                            match edit {
                                Some(Edit(Some(v))) => {
                                    cells.insert(column.id.clone(), v);
                                    changed = true;
                                }
                                Some(Edit(None)) => {
                                    cells.shift_remove(&column.id);
                                    changed = true;
                                }
                                None => {}
                            }
                        }
                        if with_files {
                            let file = row
                                .get(crate::attachments::FILE_KEY)
                                .and_then(Value::as_str)
                                .filter(|s| !s.is_empty());
                            super::attach::file_cell(
                                ui,
                                i,
                                file,
                                &state.files,
                                &mut state.requests,
                            );
                        }
                        ui.end_row();
                    }
                });
        });
    let full = field.max_rows.is_some_and(|m| rows.len() >= m);
    let add = ui
        .add_enabled(
            !full,
            egui::Button::new(format!("添加一行（{}）", field.label)),
        )
        .on_disabled_hover_text("已达到最多行数");
    if state.focus.as_deref() == Some(field.id.as_str()) {
        add.scroll_to_me(Some(Align::Center));
        state.focus = None;
    }
    if add.clicked() {
        rows.push(Value::Object(Map::new()));
        changed = true;
    }
    if with_files {
        if ui
            .add_enabled(!full, egui::Button::new("添加附件文件…"))
            .on_hover_text("选一个或几个文件，每个文件添加一行；也可把文件拖到本页")
            .clicked()
        {
            state.requests.push(super::Action::PickAttachment {
                row: None,
                sealed: false,
            });
        }
        let named: Vec<String> = rows
            .iter()
            .filter_map(|r| {
                r.get(crate::attachments::FILE_KEY)?
                    .as_str()
                    .map(str::to_owned)
            })
            .collect();
        super::attach::unlisted(ui, &named, &state.files, &mut state.requests);
        ui.add_space(8.0);
        super::attach::sealed_slot(ui, &state.files, &mut state.requests);
    }
    if let Some((i, op)) = row_action {
        let before = state.draft.values.get(&field.id).cloned();
        let said = match op {
            RowOp::Up if i > 0 => {
                rows.swap(i, i - 1);
                Some(format!("把「{}」第 {} 行上移", field.label, i + 1))
            }
            RowOp::Down if i + 1 < rows.len() => {
                rows.swap(i, i + 1);
                Some(format!("把「{}」第 {} 行下移", field.label, i + 1))
            }
            RowOp::Delete => {
                rows.remove(i);
                Some(format!("删除「{}」第 {} 行", field.label, i + 1))
            }
            _ => None,
        };
        if let Some(said) = said {
            state.keep_for_undo(&field.id, before, said);
        }
        // The keystrokes are kept by path, which names a row: after a move they belong elsewhere.
        if state
            .typing
            .as_ref()
            .is_some_and(|(p, _)| p.starts_with(&format!("{}[", field.id)))
        {
            state.typing = None;
        }
        changed = true;
    }
    if changed {
        if rows.is_empty() {
            state.draft.values.shift_remove(&field.id);
        } else {
            state
                .draft
                .values
                .insert(field.id.clone(), Value::Array(rows));
        }
    }
    changed
}

#[derive(Clone, Copy)]
enum RowOp {
    Up,
    Down,
    Delete,
}
