//! Notices: what the app tells the person, as toasts in the lower right corner over the page
//! (which does not move). Each says what kind it is — done, for information, or a refusal —
//! and that, not its wording, decides its colour and whether it goes by itself. A notice's
//! button may belong to one page (生成邮件草稿 needs the hand-off page's draft): it goes when
//! that page is left, so that no button does nothing.

use std::time::{Duration, Instant};

use egui::{Color32, RichText};

use super::Action;

/// What a notice is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Something was done (「已保存：…」): goes by itself, in green.
    Done,
    /// Worth knowing, nothing refused (「已打开第一份…」): goes by itself, in the text colour.
    Info,
    /// Something could not be done: stays until dismissed, in the warning colour, so that
    /// nothing is missed while the person was in another window.
    Refusal,
}

/// The pages a notice's button may be bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Start,
    /// The form of one draft (its id).
    Form,
    Handoff,
    Desk,
}

#[derive(Debug, Clone)]
struct Button {
    label: String,
    action: Action,
    /// The page the action works on; None: it works from anywhere.
    only_on: Option<(Page, String)>,
}

#[derive(Debug, Clone)]
pub struct Notice {
    pub text: String,
    pub kind: Kind,
    since: Instant,
    button: Option<Button>,
}

impl Notice {
    /// The label of its button, if it has one.
    pub fn button(&self) -> Option<&str> {
        self.button.as_ref().map(|b| b.label.as_str())
    }

    /// How long it stays when it goes by itself: longer for a longer text, and for one with
    /// a button to press.
    fn lifetime(&self) -> Duration {
        let base = if self.button.is_some() { 10.0 } else { 6.0 };
        Duration::from_secs_f32((base + 0.12 * self.text.chars().count() as f32).min(30.0))
    }

    fn passing(&self) -> bool {
        self.kind != Kind::Refusal
    }
}

/// The notices on show, oldest first.
#[derive(Debug, Default)]
pub struct Notices {
    list: Vec<Notice>,
}

impl Notices {
    pub fn done(&mut self, text: impl Into<String>) {
        self.push(Kind::Done, text.into(), None);
    }

    pub fn info(&mut self, text: impl Into<String>) {
        self.push(Kind::Info, text.into(), None);
    }

    pub fn refusal(&mut self, text: impl Into<String>) {
        self.push(Kind::Refusal, text.into(), None);
    }

    /// A notice with a button that does `action` (「撤销」 after 删除). `only_on`: the page (and
    /// the id of what it shows) where the action works; the button goes when it is left.
    pub fn with_button(
        &mut self,
        kind: Kind,
        text: impl Into<String>,
        label: &str,
        action: Action,
        only_on: Option<(Page, String)>,
    ) {
        let button = Button {
            label: label.to_owned(),
            action,
            only_on,
        };
        self.push(kind, text.into(), Some(button));
    }

    pub fn say(&mut self, kind: Kind, text: impl Into<String>) {
        self.push(kind, text.into(), None);
    }

    fn push(&mut self, kind: Kind, text: String, button: Option<Button>) {
        self.list.push(Notice {
            text,
            kind,
            since: Instant::now(),
            button,
        });
    }

    /// Notices whose button does `action` go (a newer one takes their place).
    pub fn forget(&mut self, action: &Action) {
        self.list
            .retain(|n| n.button.as_ref().is_none_or(|b| &b.action != action));
    }

    pub fn iter(&self) -> impl Iterator<Item = &Notice> {
        self.list.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Whether some notice says `text` (a part of it).
    pub fn says(&self, text: &str) -> bool {
        self.list.iter().any(|n| n.text.contains(text))
    }

    /// The page on show is `here` (showing the thing with this id): buttons bound to another
    /// page, or to another thing on this one, go; their notices stay, with 知道了.
    pub fn on_page(&mut self, here: Page, id: &str) {
        for n in &mut self.list {
            if n.button
                .as_ref()
                .and_then(|b| b.only_on.as_ref())
                .is_some_and(|(page, of)| *page != here || of != id)
            {
                n.button = None;
            }
        }
    }

    /// The toasts, with what is running off the frame above them. A button pressed pushes its
    /// action; its notice goes (as with 知道了) before the action is applied.
    pub fn ui(&mut self, ui: &mut egui::Ui, running: &[String], actions: &mut Vec<Action>) {
        let now = Instant::now();
        self.list
            .retain(|n| !n.passing() || now.duration_since(n.since) <= n.lifetime());
        if self.list.is_empty() && running.is_empty() {
            return;
        }
        let ctx = ui.ctx().clone();
        let next = self
            .list
            .iter()
            .filter(|n| n.passing())
            .map(|n| n.lifetime().saturating_sub(now.duration_since(n.since)))
            .min();
        if let Some(next) = next {
            ctx.request_repaint_after(next + Duration::from_millis(50));
        }
        let mut hovered = Vec::new();
        let mut gone = None;
        egui::Area::new(egui::Id::unique("toasts"))
            .anchor(egui::Align2::RIGHT_BOTTOM, [-12.0, -12.0])
            .order(egui::Order::Foreground)
            .show(&ctx, |ui| {
                ui.set_max_width(440.0);
                for running in running {
                    egui::Frame::popup(ui.style()).show(ui, |ui| {
                        ui.horizontal(|ui| {
                            ui.spinner();
                            ui.label(running);
                        });
                    });
                }
                for (i, n) in self.list.iter().enumerate() {
                    let color = colour(ui.visuals(), n.kind);
                    let frame = egui::Frame::popup(ui.style()).show(ui, |ui| {
                        ui.add(egui::Label::new(RichText::new(&n.text).color(color)).wrap());
                        ui.horizontal(|ui| {
                            if let Some(b) = &n.button
                                && ui.button(&b.label).clicked()
                            {
                                actions.push(b.action.clone());
                                gone = Some(i);
                            }
                            if ui.small_button("知道了").clicked() {
                                gone = Some(i);
                            }
                        });
                    });
                    if frame.response.contains_pointer() {
                        hovered.push(i);
                    }
                }
            });
        // Stays while the pointer is on it.
        for i in hovered {
            self.list[i].since = now;
        }
        if let Some(i) = gone {
            self.list.remove(i);
        }
    }
}

/// A kind's colour in the theme: done green, information the text's own, refusal the
/// theme's warning colour.
pub fn colour(visuals: &egui::Visuals, kind: Kind) -> Color32 {
    match kind {
        Kind::Done if visuals.dark_mode => Color32::from_rgb(0x7c, 0xd0, 0x8a),
        Kind::Done => Color32::from_rgb(0x1b, 0x7a, 0x3a),
        Kind::Info => visuals.text_color(),
        Kind::Refusal => visuals.warn_fg_color,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_button_bound_to_a_page_goes_when_the_page_is_left_and_its_notice_stays() {
        let mut n = Notices::default();
        n.with_button(
            Kind::Refusal,
            "没有可以发送邮件的程序",
            "生成邮件草稿",
            Action::WriteEml,
            Some((Page::Handoff, "d1".to_owned())),
        );
        n.with_button(
            Kind::Done,
            "已移到回收站",
            "撤销",
            Action::RestoreDraft("d2".into()),
            None,
        );
        n.on_page(Page::Handoff, "d1");
        assert_eq!(n.iter().filter_map(Notice::button).count(), 2);
        n.on_page(Page::Start, "");
        let buttons: Vec<_> = n.iter().filter_map(Notice::button).collect();
        assert_eq!(buttons, ["撤销"], "the restore works from anywhere");
        assert!(n.says("没有可以发送邮件的程序"), "the notice itself stays");
    }

    #[test]
    fn done_is_not_the_refusals_colour() {
        for visuals in [egui::Visuals::light(), egui::Visuals::dark()] {
            let done = colour(&visuals, Kind::Done);
            assert_ne!(done, colour(&visuals, Kind::Refusal));
            assert_ne!(done, visuals.error_fg_color);
        }
    }
}
