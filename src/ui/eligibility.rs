//! The eligibility summary: each condition of the notice for this list (and domain), met ✓,
//! not met × or needing attention ⚠, with the fields behind it as links.

use egui::RichText;

use super::form::FormState;
use crate::rules::Severity;
use crate::schema::Form;

/// Shows the summary; returns a field path when the person clicks one.
pub fn ui(ui: &mut egui::Ui, form: &Form, state: &FormState) -> Option<String> {
    let mut jump = None;
    let domain = state.draft.domain.as_deref();
    egui::ScrollArea::vertical().auto_shrink(false).show(ui, |ui| {
        ui.heading("申报条件核对");
        ui.label(RichText::new("逐条对照《2023年“科创中国”系列榜单申报条件》。✓ 已满足；× 未满足（有错误）；⚠ 需要注意（有提醒）。").weak());
        ui.add_space(8.0);
        for condition in form.conditions.iter().filter(|c| c.applies_to(domain)) {
            let related: Vec<_> = state
                .findings
                .iter()
                .filter(|f| f.condition.as_deref() == Some(condition.id.as_str()))
                .collect();
            let (mark, color) = if related.iter().any(|f| f.severity == Severity::Error) {
                ("× 未满足", ui.visuals().error_fg_color)
            } else if related.is_empty() {
                ("✓ 满足", ui.visuals().text_color())
            } else {
                ("⚠ 需注意", ui.visuals().warn_fg_color)
            };
            egui::Frame::group(ui.style()).show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.horizontal_wrapped(|ui| {
                    ui.label(RichText::new(mark).color(color).strong());
                    ui.label(RichText::new(&condition.label).strong());
                });
                ui.label(&condition.text);
                for f in &related {
                    ui.label(RichText::new(format!("· {}", f.message)).color(color));
                }
                let fields: Vec<_> = form
                    .fields()
                    .filter(|(_, f)| f.conditions.contains(&condition.id))
                    .filter(|(_, f)| crate::rules::is_visible(form, &state.draft, &f.id))
                    .collect();
                if !fields.is_empty() {
                    ui.horizontal_wrapped(|ui| {
                        ui.label("相关填写项：");
                        for (_, f) in fields {
                            if ui.link(&f.label).clicked() {
                                jump = Some(f.id.clone());
                            }
                        }
                    });
                }
            });
            ui.add_space(6.0);
        }
    });
    jump
}
