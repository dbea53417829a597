//! Two small pickers in Chinese: a calendar beside date and month fields (weeks begin on
//! Monday, 一 … 日), and a drop-down that takes what is typed (「广东」, 「guangdong」 or 「gd」)
//! and opens at the selected item.

use chrono::{Datelike, NaiveDate};
use egui::{Id, RichText};

use crate::schema::Field;

/// The calendar button beside a date (or, `month_only`, a month) field: the date chosen, as
/// stored (`2015-06-08`, `2015-06`), when a day (a month) is clicked.
pub fn date_button(
    ui: &mut egui::Ui,
    id: Id,
    current: Option<&str>,
    month_only: bool,
    today: NaiveDate,
) -> Option<String> {
    let mut chosen = None;
    let start = current
        .and_then(|c| {
            NaiveDate::parse_from_str(c, "%Y-%m-%d")
                .or_else(|_| NaiveDate::parse_from_str(&format!("{c}-01"), "%Y-%m-%d"))
                .ok()
        })
        .unwrap_or(today);
    let shown_id = id.with("shown");
    // Stays open while the month is turned (上月/下月); a day clicked closes it.
    let config = egui::containers::menu::MenuConfig::new()
        .close_behavior(egui::PopupCloseBehavior::CloseOnClickOutside);
    egui::containers::menu::MenuButton::new(if month_only {
        "选择月份"
    } else {
        "选择日期"
    })
    .config(config)
    .ui(ui, |ui| {
        // The month on show, kept while the calendar is open.
        let (mut year, mut month) = ui
            .data(|d| d.get_temp::<(i32, u32)>(shown_id))
            .unwrap_or((start.year(), start.month()));
        ui.horizontal(|ui| {
            if !month_only && ui.small_button("上月").clicked() {
                (year, month) = if month == 1 {
                    (year - 1, 12)
                } else {
                    (year, month - 1)
                };
            }
            // The year by its arrows too (a birth year is decades back).
            if ui.small_button("上一年").clicked() {
                year = (year - 1).max(1900);
            }
            ui.add(
                egui::DragValue::new(&mut year)
                    .range(1900..=2100)
                    .suffix("年"),
            );
            if ui.small_button("下一年").clicked() {
                year = (year + 1).min(2100);
            }
            if !month_only {
                ui.label(format!("{month}月"));
                if ui.small_button("下月").clicked() {
                    (year, month) = if month == 12 {
                        (year + 1, 1)
                    } else {
                        (year, month + 1)
                    };
                }
            }
        });
        if month_only {
            egui::Grid::new(id.with("months")).show(ui, |ui| {
                for m in 1..=12u32 {
                    let on = current == Some(format!("{year}-{m:02}").as_str());
                    if ui.selectable_label(on, format!("{m}月")).clicked() {
                        chosen = Some(format!("{year}-{m:02}"));
                    }
                    if m % 4 == 0 {
                        ui.end_row();
                    }
                }
            });
        } else if let Some(first) = NaiveDate::from_ymd_opt(year, month, 1) {
            egui::Grid::new(id.with("days")).show(ui, |ui| {
                for w in ["一", "二", "三", "四", "五", "六", "日"] {
                    ui.label(RichText::new(w).weak());
                }
                ui.end_row();
                let offset = first.weekday().num_days_from_monday();
                for _ in 0..offset {
                    ui.label("");
                }
                let mut day = first;
                let mut column = offset;
                while day.month() == month {
                    let text = day.format("%Y-%m-%d").to_string();
                    let on = current == Some(text.as_str());
                    let mut label = RichText::new(day.day().to_string());
                    if day == today {
                        label = label.strong();
                    }
                    if ui
                        .selectable_label(on, label)
                        .on_hover_text(format!("{}年{}月{}日", year, month, day.day()))
                        .clicked()
                    {
                        chosen = Some(text);
                    }
                    column += 1;
                    if column % 7 == 0 {
                        ui.end_row();
                    }
                    match day.succ_opt() {
                        Some(next) => day = next,
                        None => break,
                    }
                }
            });
        }
        ui.data_mut(|d| d.insert_temp(shown_id, (year, month)));
        if chosen.is_some() {
            ui.data_mut(|d| d.remove::<(i32, u32)>(shown_id));
            ui.close();
        }
    });
    chosen
}

/// A drop-down: a box to type in at its top (focused when it opens), the options that match
/// below, best first (see [`crate::schema::search`]), the selected one scrolled to when it
/// opens. Typing while the closed drop-down has the focus opens it with what was typed; ↑ ↓
/// move among the matches and Enter takes the one marked — with nothing typed and nothing
/// marked, or nothing matching, Enter chooses nothing. Gives the value of the option taken.
pub fn searchable_choice(
    ui: &mut egui::Ui,
    field: &Field,
    id: Id,
    chosen: Option<&str>,
    selected_text: String,
    width: f32,
) -> (Option<String>, egui::Response) {
    let mut picked = None;
    let typed_id = id.with("typed");
    let was_open_id = id.with("open");
    let marked_id = id.with("marked");
    // As the ComboBox makes its own.
    let button_id = ui.make_persistent_id(egui::IdSalt::new(id));
    let popup_id = button_id.with("popup");
    // Letters typed onto the closed drop-down open it, with them in its search box.
    if ui.memory(|m| m.has_focus(button_id)) && !egui::Popup::is_id_open(ui.ctx(), popup_id) {
        let text: String = ui.input_mut(|i| {
            let mut text = String::new();
            i.events.retain(|e| match e {
                egui::Event::Text(t) if !t.trim().is_empty() => {
                    text.push_str(t);
                    false
                }
                _ => true,
            });
            text
        });
        if !text.is_empty() {
            ui.data_mut(|d| d.insert_temp(typed_id, text));
            egui::Popup::open_id(ui.ctx(), popup_id);
        }
    }
    let response = egui::ComboBox::from_id_salt(id)
        .selected_text(selected_text)
        .width(width)
        .height(320.0)
        // Clicking into the search box does not close it.
        .close_behavior(egui::PopupCloseBehavior::CloseOnClickOutside)
        .show_ui(ui, |ui| {
            let opening = !ui.data(|d| d.get_temp::<bool>(was_open_id).unwrap_or(false));
            ui.data_mut(|d| d.insert_temp(was_open_id, true));
            let mut typed: String = ui.data(|d| d.get_temp(typed_id).unwrap_or_default());
            let before = typed.clone();
            let search = ui
                .horizontal(|ui| {
                    let label = ui.label("查找：");
                    let output = egui::TextEdit::singleline(&mut typed)
                        .hint_text("名称、拼音或首字母")
                        .desired_width(width - 60.0)
                        .show(ui);
                    if opening && !typed.is_empty() {
                        // What was typed onto the button goes on from its end.
                        let mut state = output.state.clone();
                        let end = egui::text::CCursor::new(typed.chars().count());
                        state
                            .cursor
                            .set_char_range(Some(egui::text::CCursorRange::one(end)));
                        state.store(ui.ctx(), output.response.id);
                    }
                    output.response.response.clone().labelled_by(label.id)
                })
                .inner;
            if opening {
                search.request_focus();
            }
            let matches = crate::schema::search::find(&field.options, &typed);
            // The marked option: moved by the arrows, back to the first when the typing changes.
            let mut marked: Option<usize> = if typed != before || opening {
                (!typed.trim().is_empty() && !matches.is_empty()).then_some(0)
            } else {
                ui.data(|d| d.get_temp::<Option<usize>>(marked_id).flatten())
            };
            let (down, up, enter) = ui.input(|i| {
                (
                    i.key_pressed(egui::Key::ArrowDown),
                    i.key_pressed(egui::Key::ArrowUp),
                    i.key_pressed(egui::Key::Enter),
                )
            });
            if !matches.is_empty() && !opening {
                let last = matches.len() - 1;
                if down {
                    marked = Some(marked.map_or_else(
                        || {
                            matches
                                .iter()
                                .position(|o| chosen == Some(o.value.as_str()))
                                .unwrap_or(0)
                        },
                        |m| (m + 1).min(last),
                    ));
                }
                if up {
                    marked = Some(marked.map_or(0, |m| m.saturating_sub(1)));
                }
            }
            for (n, option) in matches.iter().enumerate() {
                let on = chosen == Some(option.value.as_str());
                let mut r = ui.selectable_label(on, &option.label);
                if marked == Some(n) {
                    r = r.highlight();
                    if down || up || typed != before {
                        r.scroll_to_me(None);
                    }
                } else if on && opening {
                    r.scroll_to_me(Some(egui::Align::Center));
                }
                if r.clicked() {
                    picked = Some(option.value.clone());
                }
            }
            if matches.is_empty() {
                ui.label(RichText::new(format!("没有与「{typed}」相符的选项")).weak());
            }
            // Enter takes the marked option, and only that: never the first by default.
            if enter && !opening && (search.has_focus() || search.lost_focus()) {
                match marked.and_then(|m| matches.get(m)) {
                    Some(option) => picked = Some(option.value.clone()),
                    None if typed.trim().is_empty() => ui.close(),
                    None => {}
                }
            }
            ui.data_mut(|d| {
                d.insert_temp(typed_id, typed);
                d.insert_temp(marked_id, marked);
            });
            if picked.is_some() {
                ui.close();
            }
        });
    // Taken: the focus back on the drop-down, so that Tab goes on from here.
    if picked.is_some() {
        ui.memory_mut(|m| m.request_focus(button_id));
    }
    // Closed: the next opening starts afresh.
    if response.inner.is_none() {
        ui.data_mut(|d| {
            d.remove::<bool>(was_open_id);
            d.remove::<String>(typed_id);
            d.remove::<Option<usize>>(marked_id);
        });
    }
    (picked, response.response)
}
