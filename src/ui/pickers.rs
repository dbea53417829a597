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
            ui.add(
                egui::DragValue::new(&mut year)
                    .range(1900..=2100)
                    .suffix("年"),
            );
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

/// Whether an option's label matches what was typed: its characters, or its reading in
/// pinyin, whole (「guangdong」) or by initials (「gd」), without regard to case.
pub fn option_matches(label: &str, typed: &str) -> bool {
    use pinyin::ToPinyin;
    let typed = typed.trim().to_lowercase();
    if typed.is_empty() || label.to_lowercase().contains(&typed) {
        return true;
    }
    let mut whole = String::new();
    let mut initials = String::new();
    for c in label.chars() {
        match c.to_pinyin() {
            Some(p) => {
                whole.push_str(p.plain());
                initials.push_str(p.first_letter());
            }
            None => {
                whole.extend(c.to_lowercase());
                initials.extend(c.to_lowercase());
            }
        }
    }
    whole.contains(&typed) || initials.starts_with(&typed)
}

/// A drop-down of many options: a box to type in at its top (focused when it opens), the
/// options that match below, the selected one scrolled to when it opens. Gives the value of
/// the option clicked.
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
            let search = ui
                .horizontal(|ui| {
                    let label = ui.label("查找：");
                    ui.add(
                        egui::TextEdit::singleline(&mut typed)
                            .hint_text("名称或拼音")
                            .desired_width(width - 60.0),
                    )
                    .labelled_by(label.id)
                })
                .inner;
            if opening {
                search.request_focus();
            }
            let mut first_match = None;
            for option in field
                .options
                .iter()
                .filter(|o| option_matches(&o.label, &typed))
            {
                let on = chosen == Some(option.value.as_str());
                let r = ui.selectable_label(on, &option.label);
                if on && opening {
                    r.scroll_to_me(Some(egui::Align::Center));
                }
                if r.clicked() {
                    picked = Some(option.value.clone());
                }
                first_match.get_or_insert(option.value.clone());
            }
            if first_match.is_none() {
                ui.label(RichText::new(format!("没有含「{typed}」的选项")).weak());
            }
            // Enter takes the first that matches.
            if (search.has_focus() || search.lost_focus())
                && ui.input(|i| i.key_pressed(egui::Key::Enter))
            {
                picked = first_match;
            }
            ui.data_mut(|d| d.insert_temp(typed_id, typed));
            if picked.is_some() {
                ui.close();
            }
        });
    // Closed: the next opening starts afresh.
    if response.inner.is_none() {
        ui.data_mut(|d| {
            d.remove::<bool>(was_open_id);
            d.remove::<String>(typed_id);
        });
    }
    (picked, response.response)
}

#[cfg(test)]
mod tests {
    use super::option_matches;

    #[test]
    fn options_are_found_by_characters_pinyin_and_initials() {
        for typed in ["广东", "guangdong", "GuangDong", "gd", "东"] {
            assert!(option_matches("广东省", typed), "{typed}");
        }
        assert!(!option_matches("广东省", "gx"));
        assert!(!option_matches("广西壮族自治区", "广东"));
        assert!(option_matches("广西壮族自治区", "gx"));
    }
}
