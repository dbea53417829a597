//! The form page: sections with their status on the left, the current section's fields in the
//! middle, every problem on the right; validation runs only when a value changes.

use super::notices::Kind;

use super::dialogs::save;
use super::handoff::HandoffState;

use super::app::{KczgApp, Screen};
use super::dialogs::WORD;
use crate::docx::{self, ExportError, ExportOptions};

use std::collections::HashMap;

use chrono::NaiveDate;

use super::Action;
use super::{eligibility, fields};
use crate::Draft;
use crate::rules::{Finding, Severity, section_visible};
use crate::schema::{Definitions, Form};
use crate::store::autosave::SaveStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Fields,
    Eligibility,
}

/// Everything the form page shows that is not in the draft itself.
pub struct FormState {
    pub id: String,
    pub draft: Draft,
    pub findings: Vec<Finding>,
    /// Each finding as people read it (with its condition's label), made in `revalidate`.
    pub shown: Vec<String>,
    /// Index into `form.sections`.
    pub section: usize,
    pub page: Page,
    /// Whether the problems panel is shown: None follows the window (shown when there is
    /// room, folded away on a small screen), Some once the applicant has chosen.
    pub show_problems: Option<bool>,
    /// A field path to scroll to and focus on the next frame.
    pub focus: Option<String>,
    /// The field with focus (its path) and its text exactly as typed; once focus leaves, the
    /// field shows the stored value's text instead.
    pub typing: Option<(String, String)>,
    /// Findings by field path, and the section of each finding: derived in `revalidate`.
    pub by_path: HashMap<String, Vec<usize>>,
    section_of: Vec<Option<usize>>,
    /// Text cleaned of control characters on the way in, said once.
    pub cleaning: Vec<Finding>,
    /// Whether the draft has a file yet (a new form is written on its first edit).
    pub on_disk: bool,
    /// The files in the draft's attachment folder, listed when the form opens and after
    /// each change made through the app.
    pub files: Vec<crate::attachments::Stored>,
    /// What the fields asked for this frame (choose a file …), handed to the app.
    pub requests: Vec<Action>,
    /// The fields' widgets in the order drawn this frame: Tab goes from one to the next and
    /// stays among them (not into the navigation or the problems panel).
    pub tab_order: Vec<egui::Id>,
    /// Field paths the applicant has been in and left, or changed: a finding about an empty
    /// field is said beside it only then (a new form is not a page of 「请填写」).
    pub touched: std::collections::HashSet<String>,
    /// Every finding said beside its field, touched or not: once export has been asked for,
    /// or 「逐项列出」 pressed.
    pub show_all: bool,
    /// What 撤销 (and Ctrl+Z outside a text box) puts back, newest last: a table as it was
    /// before a row was deleted or moved, a long text before it was cleared.
    undo: Vec<Undo>,
}

/// A field's value before a change that loses or moves much at once.
#[derive(Debug, Clone)]
struct Undo {
    field: String,
    before: Option<serde_json::Value>,
    /// 「删除「投资情况」第 2 行」: what was done, for 「已删除……」 and 「已撤销：删除……」.
    said: String,
}

/// The changes kept for undo (each a whole field's value).
const UNDO_DEPTH: usize = 50;

impl FormState {
    pub fn new(defs: &Definitions, id: String, mut draft: Draft, today: NaiveDate) -> FormState {
        let cleaning = defs
            .form(&draft.list)
            .map(|f| crate::intake::clean(f, &mut draft))
            .unwrap_or_default()
            .iter()
            .map(crate::intake::note_finding)
            .collect();
        let mut state = FormState {
            id,
            draft,
            findings: Vec::new(),
            shown: Vec::new(),
            section: 0,
            page: Page::Fields,
            show_problems: None,
            focus: None,
            typing: None,
            by_path: HashMap::new(),
            section_of: Vec::new(),
            cleaning,
            on_disk: true,
            files: Vec::new(),
            requests: Vec::new(),
            tab_order: Vec::new(),
            touched: Default::default(),
            show_all: false,
            undo: Vec::new(),
        };
        state.revalidate(defs, today);
        state
    }

    pub fn form<'d>(&self, defs: &'d Definitions) -> Option<&'d Form> {
        defs.form(&self.draft.list)
    }

    /// Findings about where the draft came from (a filled template's reminders, what was
    /// changed in Word) said with the rules' while the form is open.
    pub fn carry(&mut self, defs: &Definitions, notes: Vec<Finding>, today: NaiveDate) {
        self.cleaning.extend(notes);
        self.revalidate(defs, today);
    }

    /// Runs the rules again (after a change) and indexes the findings.
    pub fn revalidate(&mut self, defs: &Definitions, today: NaiveDate) {
        let Some(form) = defs.form(&self.draft.list) else {
            return;
        };
        let findings =
            crate::intake::check_draft(defs, form, &self.draft, self.cleaning.clone(), today)
                .findings;
        self.shown = findings.iter().map(|f| f.shown(form)).collect();
        self.by_path.clear();
        for (i, f) in findings.iter().enumerate() {
            self.by_path.entry(f.field.clone()).or_default().push(i);
        }
        self.section_of = findings
            .iter()
            .map(|f| form.position(f.field_id()).map(|p| p.section))
            .collect();
        self.findings = findings;
    }

    /// Keeps `field`'s value from before a change for 撤销, and asks the app to offer it.
    pub fn keep_for_undo(&mut self, field: &str, before: Option<serde_json::Value>, said: String) {
        if self.undo.len() == UNDO_DEPTH {
            self.undo.remove(0);
        }
        self.undo.push(Undo {
            field: field.to_owned(),
            before,
            said: said.clone(),
        });
        self.requests.push(Action::OfferUndo(said));
    }

    /// Puts back the newest change kept for undo: the field's value exactly as it was, the
    /// field shown. Gives what was undone.
    pub fn undo(&mut self, defs: &Definitions) -> Option<String> {
        let undo = self.undo.pop()?;
        self.draft.set(&undo.field, undo.before);
        // Keystrokes kept for a path of this field no longer stand for its value.
        if self
            .typing
            .as_ref()
            .is_some_and(|(p, _)| p.split(['[', '.']).next() == Some(undo.field.as_str()))
        {
            self.typing = None;
        }
        self.jump_to(defs, &undo.field);
        Some(undo.said)
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    /// Whether a finding waits, said calmly as 「待填」 and not beside its field: a required
    /// field still empty (as the rule engine marks it) that the applicant has not been in
    /// and left yet, before export was asked for.
    pub fn quiet(&self, f: &Finding) -> bool {
        !self.show_all && f.missing && !self.touched.contains(&f.field)
    }

    /// The counts the section list, the problems panel and the export button say, for the
    /// whole form (`None`) or one section.
    pub fn counts(&self, section: Option<usize>) -> Counts {
        let mut c = Counts::default();
        for (f, s) in self.findings.iter().zip(&self.section_of) {
            if section.is_some() && *s != section {
                continue;
            }
            if self.quiet(f) {
                c.waiting += 1;
            } else if f.is_error() {
                c.errors += 1;
            } else {
                c.warnings += 1;
            }
        }
        c
    }

    pub fn errors(&self) -> usize {
        self.findings.iter().filter(|f| f.is_error()).count()
    }

    /// 「先导技术榜·电子信息：某某技术」
    pub fn title(&self, defs: &Definitions) -> String {
        let Some(form) = self.form(defs) else {
            return self.id.clone();
        };
        let name = crate::naming::application_name(form, &self.draft);
        let name = if name.is_empty() {
            "未命名"
        } else {
            name.as_str()
        };
        let title = match crate::naming::domain_name(form, &self.draft) {
            Some(d) => format!("{}·{d}：{name}", form.name),
            None => format!("{}：{name}", form.name),
        };
        // Opened from a file: said, so that it is not taken for the draft it came from.
        match crate::store::provenance(&self.draft) {
            Some(from) => format!("{title}（{from}）"),
            None => title,
        }
    }

    /// Shows the field behind a finding: its section, scrolled to and focused.
    pub fn jump_to(&mut self, defs: &Definitions, path: &str) {
        let Some(form) = self.form(defs) else { return };
        let id = path.split(['[', '.']).next().unwrap_or(path);
        if let Some(pos) = form.position(id) {
            self.section = pos.section;
        }
        self.page = Page::Fields;
        self.focus = Some(path.to_owned());
    }
}

/// What is still to do: required fields still empty and not yet left (「待填」), errors
/// said, warnings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub waiting: usize,
    pub errors: usize,
    pub warnings: usize,
}

impl Counts {
    /// What blocks export, as the export button says it: 「待填 24 项」, 「待填 3 项，2 个错误」.
    pub fn blocking(&self) -> Option<String> {
        match (self.waiting, self.errors) {
            (0, 0) => None,
            (w, 0) => Some(format!("待填 {w} 项")),
            (0, e) => Some(format!("{e} 个错误")),
            (w, e) => Some(format!("待填 {w} 项，{e} 个错误")),
        }
    }
}

/// The window width from which the problems panel is shown by itself.
const PROBLEMS_PANEL_ROOM: f32 = 1100.0;

/// The widths of the section list and the problems panel, margins included.
const SECTIONS_WIDTH: f32 = 220.0;
const PROBLEMS_WIDTH: f32 = 300.0;

pub fn ui(
    ui: &mut egui::Ui,
    defs: &Definitions,
    state: &mut FormState,
    saved: Option<&SaveStatus>,
) -> Vec<Action> {
    let mut actions = Vec::new();
    let Some(form) = state.form(defs) else {
        return actions;
    };
    super::fields::forget_typing_without_focus(ui, state);
    // Tab from a field goes to the next field (the order drawn last frame), round the
    // section: decided before any widget of this frame takes the focus egui would move.
    let order = std::mem::take(&mut state.tab_order);
    keep_tab_in_fields(ui.ctx(), &order);
    // Files dropped onto the form are attachments: each gets a row of the 附件清单 (the scan,
    // named 「盖章扫描件」, its slot), and the section is shown.
    let dropped = super::dropped_paths(ui.ctx());
    if !dropped.is_empty()
        && let Some(pos) = form
            .roles
            .attachments
            .as_deref()
            .and_then(|id| form.position(id))
    {
        state.section = pos.section;
        state.page = Page::Fields;
        actions.push(Action::AddAttachments {
            row: None,
            sealed: false,
            paths: dropped,
        });
    }
    // Ctrl+Z in a text box undoes typing there (egui's own); elsewhere, the last row deleted
    // or moved, or long text cleared.
    if !ui.ctx().egui_wants_keyboard_input()
        && state.can_undo()
        && ui.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::Z))
    {
        actions.push(Action::Undo);
    }
    top_bar(ui, defs, state, saved, &mut actions);
    sections_nav(ui, form, state);
    // Under 1100 px (a 1024×600 laptop) the fields need the room: the panel folds away
    // unless asked for.
    let shown = state
        .show_problems
        .unwrap_or(ui.ctx().content_rect().width() >= PROBLEMS_PANEL_ROOM);
    if shown {
        problems_panel(ui, defs, state);
    }
    egui::CentralPanel::default_margins().show(ui, |ui| match state.page {
        Page::Eligibility => {
            if let Some(path) = eligibility::ui(ui, form, state) {
                state.jump_to(defs, &path);
            }
        }
        Page::Fields => {
            let section = &form.sections[state.section.min(form.sections.len() - 1)];
            egui::ScrollArea::vertical()
                .auto_shrink(false)
                .show(ui, |ui| {
                    ui.heading(&section.title);
                    if let Some(hint) = &section.hint {
                        ui.label(egui::RichText::new(hint).weak());
                    }
                    ui.add_space(8.0);
                    if fields::section_ui(ui, defs, form, section, state) {
                        actions.push(Action::Edited);
                    }
                    actions.append(&mut state.requests);
                    ui.add_space(16.0);
                    next_previous(ui, form, state);
                });
        }
    });
    actions
}

/// Tab (Shift+Tab) from a field moves to the next (previous) field of the section, round to
/// the first, instead of into the buttons of the panels around.
fn keep_tab_in_fields(ctx: &egui::Context, order: &[egui::Id]) {
    let (tab, back) = ctx.input(|i| {
        (
            i.key_pressed(egui::Key::Tab) && !i.modifiers.ctrl && !i.modifiers.alt,
            i.modifiers.shift,
        )
    });
    if !tab || order.is_empty() {
        return;
    }
    let Some(at) = ctx
        .memory(|m| m.focused())
        .and_then(|f| order.iter().position(|&id| id == f))
    else {
        return;
    };
    let next = if back {
        (at + order.len() - 1) % order.len()
    } else {
        (at + 1) % order.len()
    };
    ctx.memory_mut(|m| {
        m.move_focus(egui::FocusDirection::None);
        m.request_focus(order[next]);
    });
}

fn top_bar(
    ui: &mut egui::Ui,
    defs: &Definitions,
    state: &mut FormState,
    saved: Option<&SaveStatus>,
    actions: &mut Vec<Action>,
) {
    egui::Panel::top("form_top").show(ui, |ui| {
        ui.horizontal_wrapped(|ui| {
            if ui.button("← 返回首页").clicked() {
                actions.push(Action::Home);
            }
            ui.separator();
            ui.strong(state.title(defs));
            let status = match saved {
                Some(SaveStatus::Pending) => "未保存".to_owned(),
                Some(SaveStatus::Saved(at)) => format!("已保存 {}", at.format("%H:%M:%S")),
                Some(SaveStatus::Failed(e)) => {
                    format!("保存失败：{e}。已填写的内容仍在程序中，会自动再试")
                }
                None if state.on_disk => "已保存".to_owned(),
                None => "尚未保存（填写后自动保存）".to_owned(),
            };
            ui.label(egui::RichText::new(status).weak());
            ui.separator();
            if ui.button("保存 (Ctrl+S)").clicked() {
                actions.push(Action::SaveNow);
            }
            let errors = state.errors();
            let export = match state.counts(None).blocking() {
                None => "导出申报表".to_owned(),
                Some(left) => format!("导出申报表（{left}）"),
            };
            let response = ui.button(export);
            if response.clicked() {
                // Asked for export: every problem is said where it is.
                state.show_all = true;
                if errors == 0 {
                    actions.push(Action::Export { preview: false });
                } else if let Some(first) = state
                    .findings
                    .iter()
                    .find(|f| f.is_error())
                    .map(|f| f.field.clone())
                {
                    state.jump_to(defs, &first);
                }
            }
            if ui
                .button("导出预览稿")
                .on_hover_text("有错误也可导出，文档标明“草稿”")
                .clicked()
            {
                state.show_all = true;
                actions.push(Action::Export { preview: true });
            }
            let label = problems_label(&state.counts(None));
            let mut shown = state
                .show_problems
                .unwrap_or(ui.ctx().content_rect().width() >= PROBLEMS_PANEL_ROOM);
            if ui.toggle_value(&mut shown, label).clicked() {
                state.show_problems = Some(shown);
            }
        });
    });
}

fn sections_nav(ui: &mut egui::Ui, form: &Form, state: &mut FormState) {
    // One width whatever the counts say: the fields beside it never re-wrap.
    egui::Panel::left("sections")
        .exact_size(SECTIONS_WIDTH)
        .resizable(false)
        .show(ui, |ui| {
            ui.add_space(6.0);
            for (i, section) in form.sections.iter().enumerate() {
                if !section_visible(&state.draft, section) {
                    continue;
                }
                // An error said is red, a warning orange; fields still to fill in a
                // fresh form are neutral: 「待填 5」.
                let c = state.counts(Some(i));
                let (status, color) = match c {
                    Counts {
                        errors: e @ 1.., ..
                    } => (format!("×{e}"), Some(ui.visuals().error_fg_color)),
                    Counts {
                        warnings: w @ 1.., ..
                    } => (format!("⚠{w}"), Some(ui.visuals().warn_fg_color)),
                    Counts {
                        waiting: n @ 1.., ..
                    } => (format!("待填 {n}"), Some(ui.visuals().weak_text_color())),
                    _ => ("✓".to_owned(), None),
                };
                let selected = state.page == Page::Fields && state.section == i;
                let text = format!("{status}  {}", section.title);
                // On the selection's own colour the text keeps the theme's (red on blue cannot
                // be read); the mark before it still says ×, ⚠ or 待填.
                let rich = match color.filter(|_| !selected) {
                    Some(c) => egui::RichText::new(text).color(c),
                    None => egui::RichText::new(text),
                };
                if ui.selectable_label(selected, rich).clicked() {
                    state.section = i;
                    state.page = Page::Fields;
                }
            }
            ui.separator();
            if ui
                .selectable_label(state.page == Page::Eligibility, "申报条件核对")
                .clicked()
            {
                state.page = Page::Eligibility;
            }
        });
}

fn problems_panel(ui: &mut egui::Ui, defs: &Definitions, state: &mut FormState) {
    let mut jump = None;
    // One width whatever it holds (every line in it wraps): the centre never re-wraps when
    // findings come and go.
    egui::Panel::right("problems")
        .exact_size(PROBLEMS_WIDTH)
        .resizable(false)
        .show(ui, |ui| {
            let counts = state.counts(None);
            ui.heading(problems_label(&counts));
            if state.findings.is_empty() {
                ui.label("✓ 没有发现问题，可以导出申报表。");
            }
            let waiting = counts.waiting;
            if waiting > 0 {
                ui.label(
                    egui::RichText::new(format!(
                        "待填 {waiting} 项必填内容：离开该栏或导出时在栏旁提示。"
                    ))
                    .weak(),
                );
                if ui.small_button("逐项列出").clicked() {
                    state.show_all = true;
                }
                ui.separator();
            }
            egui::ScrollArea::vertical().show(ui, |ui| {
                for (f, shown) in state.findings.iter().zip(&state.shown) {
                    if state.quiet(f) {
                        continue;
                    }
                    let (mark, color) = match f.severity {
                        Severity::Error => ("×", ui.visuals().error_fg_color),
                        Severity::Warning => ("⚠", ui.visuals().warn_fg_color),
                    };
                    let text = format!("{mark} {shown}");
                    let response = ui.add(
                        egui::Button::new(egui::RichText::new(text).color(color))
                            .frame(false)
                            .wrap(),
                    );
                    if response.on_hover_text("转到该项").clicked() {
                        jump = Some(f.field.clone());
                    }
                }
            });
        });
    if let Some(path) = jump {
        state.jump_to(defs, &path);
    }
}

/// 「问题（3 个错误，1 个提醒）」 over the panel and on its button; 「问题（待填 24 项）」 on a
/// fresh form.
fn problems_label(c: &Counts) -> String {
    let mut parts = Vec::new();
    if c.waiting > 0 {
        parts.push(format!("待填 {} 项", c.waiting));
    }
    if c.errors > 0 {
        parts.push(format!("{} 个错误", c.errors));
    }
    if c.warnings > 0 {
        parts.push(format!("{} 个提醒", c.warnings));
    }
    if parts.is_empty() {
        "问题（无）".to_owned()
    } else {
        format!("问题（{}）", parts.join("，"))
    }
}

fn next_previous(ui: &mut egui::Ui, form: &Form, state: &mut FormState) {
    let visible: Vec<usize> = (0..form.sections.len())
        .filter(|&i| section_visible(&state.draft, &form.sections[i]))
        .collect();
    let at = visible.iter().position(|&i| i == state.section);
    ui.horizontal(|ui| {
        if let Some(prev) = at.and_then(|a| a.checked_sub(1)).map(|a| visible[a])
            && ui
                .button(format!("← {}", form.sections[prev].title))
                .clicked()
        {
            state.section = prev;
        }
        match at.and_then(|a| visible.get(a + 1)) {
            Some(&next) => {
                if ui
                    .button(format!("{} →", form.sections[next].title))
                    .clicked()
                {
                    state.section = next;
                }
            }
            None => {
                if ui.button("申报条件核对 →").clicked() {
                    state.page = Page::Eligibility;
                }
            }
        }
    });
}

// ---- The form's work: export ----

impl KczgApp {
    /// 导出申报表: refused at once while there are errors (a preview is not); otherwise the
    /// form as it is now is written where the person says, and the hand-off page follows.
    pub(super) fn export(&mut self, preview: bool) {
        if self.refuse_while_busy() {
            return;
        }
        let Screen::Form(f) = &self.screen else {
            return;
        };
        let Some(form) = self.defs.form(&f.draft.list) else {
            return;
        };
        if !preview && f.errors() > 0 {
            let message = format!(
                "还有 {} 个错误，改正后才能导出正式申报表；可先导出预览稿。",
                f.errors()
            );
            self.notices.refusal(message);
            return;
        }
        let name = crate::naming::docx_file_name(&self.defs, form, &f.draft);
        let name = if preview {
            name.replacen(".docx", "（预览稿）.docx", 1)
        } else {
            name
        };
        let target = self.save_target("导出申报表", &name, WORD);
        let (defs, draft, id, today) =
            (self.defs.clone(), f.draft.clone(), f.id.clone(), self.today);
        self.tasks.run(
            "正在导出申报表……",
            self.repaint.clone(),
            move || {
                let (path, fallback) = target.wait();
                let Some(path) = path else {
                    return Box::new(move |app: &mut KczgApp| {
                        fallback.into_iter().for_each(|f| app.notices.info(f))
                    });
                };
                let options = ExportOptions { preview, today };
                let written = match defs.form(&draft.list) {
                    Some(form) => save(&[], &path, || {
                        match docx::export(&defs, form, &draft, options) {
                            Ok(bytes) => Ok((bytes, Vec::new())),
                            Err(ExportError::Refused { errors }) => Err(format!(
                                "还有 {} 个错误，改正后才能导出正式申报表；可先导出预览稿。",
                                errors.len()
                            )),
                            Err(e) => Err(e.to_string()),
                        }
                    }),
                    None => Err("未知榜单".to_owned()),
                };
                Box::new(move |app: &mut KczgApp| {
                    if let Err(e) = written {
                        app.notices.refusal(e);
                        return;
                    }
                    app.place.chose(&path);
                    fallback.into_iter().for_each(|f| app.notices.info(f));
                    // The person may have gone on to another page while the dialog was open.
                    let here = matches!(&app.screen, Screen::Form(f) if f.id == id);
                    if !here {
                        app.notices.done(format!("已导出：{}", path.display()));
                        return;
                    }
                    app.flush();
                    let mut state = HandoffState::new(id, path, draft, preview);
                    if let Ok(store) = &app.store {
                        state.files = store.attachments(&state.id).list();
                    }
                    app.screen = Screen::Handoff(Box::new(state));
                })
            },
        );
    }
}

impl KczgApp {
    /// A new form of a list (and domain): written on its first edit, so that a form opened and
    /// left blank leaves nothing behind.
    pub(super) fn new_draft(&mut self, list: String, domain: Option<String>) {
        let mut draft = Draft::new(self.defs.call.year.to_string(), list, domain);
        // Created now, in hand as on disk: an export of it is known as its own when
        // opened again on this machine.
        draft.meta.insert(
            "created".into(),
            chrono::Local::now()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
                .into(),
        );
        // Written on the first edit: a form opened and left blank leaves nothing behind.
        let id = match &self.store {
            Ok(store) => store.new_id(),
            Err(_) => "unsaved".to_owned(),
        };
        self.open(id, draft, Vec::new());
        if let Screen::Form(f) = &mut self.screen {
            f.on_disk = false;
        }
    }

    /// A change that can be undone was made: one 撤销 on show, for the newest (Ctrl+Z goes
    /// further back).
    pub(super) fn offer_undo(&mut self, said: String) {
        // One 撤销 on show, for the newest change (Ctrl+Z goes further back).
        self.notices.forget(&Action::Undo);
        let (page, id) = self.page_here();
        self.notices.with_button(
            Kind::Done,
            format!("已{said}。"),
            "撤销",
            Action::Undo,
            Some((page, id)),
        );
    }

    /// 撤销 (or Ctrl+Z outside a text box) on the open form.
    pub(super) fn undo(&mut self) {
        let Screen::Form(f) = &mut self.screen else {
            return;
        };
        if let Some(said) = f.undo(&self.defs) {
            self.notices.forget(&Action::Undo);
            self.notices.info(format!("已撤销：{said}。"));
            self.edited();
        }
    }
}
