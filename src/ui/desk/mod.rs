//! 秘书处汇总: the secretariat's desk. Import many files (dialog or drag-and-drop) in the
//! background, see every submission with its flags, sort and filter, decide 推荐/排序/备注,
//! fill the 推荐单位意见, look at the counts, and export the 推荐汇总表.

mod work;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use egui::RichText;

use super::Action;
use crate::consolidate::store::{Change, DeskStore, DeskWriter};
use crate::consolidate::{Batch, Decision, Desk, Row};
use crate::docx::present::field_text;
use crate::rules::{field_visible, section_visible};
use crate::schema::Definitions;

/// A scan running on another thread.
#[derive(Default)]
pub struct ImportJob {
    pub done: AtomicUsize,
    pub total: AtomicUsize,
    /// Files found so far while the folders are walked (before `total` is known).
    pub found: AtomicUsize,
    /// Set by 「取消导入」: the scan stops and what it read is taken in.
    pub cancel: std::sync::atomic::AtomicBool,
    pub result: Mutex<Option<Batch>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    All,
    Errors,
    NoErrors,
    Recommended,
    Flagged,
    /// Rows 「需人工处理」.
    Manual,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    Seq,
    List,
    Name,
    Unit,
    Errors,
    Rank,
}

/// Which summary file to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SummaryKind {
    Xlsx,
    Csv,
    Docx,
}

pub struct DeskState {
    /// Shared with an export running off the frame; a change made meanwhile copies it.
    pub desk: Arc<Desk>,
    /// Where the desk is kept between sessions.
    pub path: Option<PathBuf>,
    /// Derived from the desk: recomputed when it changes.
    pub rows: Vec<Row>,
    pub search: String,
    pub list_filter: Option<String>,
    pub status: StatusFilter,
    pub sort: (SortBy, bool),
    pub selected: Option<String>,
    pub job: Option<Arc<ImportJob>>,
    pub show_chart: bool,
    /// The 评审 page instead of the table.
    pub show_review: bool,
    pub review: crate::ui::review::ReviewPanel,
    /// Writes every change to the desk's database off the frame; None when the database could
    /// not be opened (the desk then works in memory only, and says so).
    pub writer: Option<DeskWriter>,
    /// The 推荐单位 as typed (the desk's setting).
    pub recommender: String,
    /// The 排序 being typed (submission id, text) while its box has focus: a text that is not
    /// a whole number is kept on screen with a word, never taken as a rank or as none.
    pub rank_typing: Option<(String, String)>,
    /// Bumped whenever a row changes: the order on show is made again only then, or when
    /// the search, a filter or the sort changes, not every frame.
    generation: u64,
    order: std::cell::RefCell<Option<(ViewKey, Vec<usize>)>>,
}

/// What the rows on show depend on.
#[derive(Clone, PartialEq)]
struct ViewKey {
    generation: u64,
    search: String,
    list: Option<String>,
    status: StatusFilter,
    sort: (SortBy, bool),
}

/// What a confirmed ranking does to the desk, worked out off the frame against the desk at one
/// generation ([`DeskState::snapshot`]) and put in place by [`DeskState::apply_ranking`].
pub struct Ranking {
    generation: u64,
    /// (submission id, 推荐, 排序) as confirmed.
    places: Vec<(String, bool, Option<u32>)>,
    /// The desk's decisions with the ranking's in place.
    decisions: std::collections::BTreeMap<String, Decision>,
    /// (row index, submission id, decision) of those it changes: each keeps its 备注.
    changed: Vec<(usize, String, Decision)>,
    /// How many on the desk are 推荐 by it.
    recommended: usize,
}

impl Ranking {
    /// Ids not on the desk are skipped, and so are places that change nothing.
    pub fn prepare(
        desk: &Desk,
        generation: u64,
        places: Vec<(String, bool, Option<u32>)>,
    ) -> Ranking {
        let at: std::collections::HashMap<&str, usize> = desk
            .submissions
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), i))
            .collect();
        let mut decisions = desk.decisions.clone();
        let mut changed = Vec::new();
        let mut recommended = 0;
        for (id, recommend, rank) in &places {
            let Some(&i) = at.get(id.as_str()) else {
                continue;
            };
            recommended += usize::from(*recommend);
            let before = desk.decision(id);
            let decision = Decision {
                recommend: *recommend,
                rank: *rank,
                ..before.clone()
            };
            if decision == before {
                continue;
            }
            if decision == Decision::default() {
                decisions.remove(id);
            } else {
                decisions.insert(id.clone(), decision.clone());
            }
            changed.push((i, id.clone(), decision));
        }
        Ranking {
            generation,
            places,
            decisions,
            changed,
            recommended,
        }
    }
}

impl DeskState {
    pub fn new(defs: &Definitions, desk: Desk, store: Option<DeskStore>) -> DeskState {
        let path = store.as_ref().map(|s| s.path().to_owned());
        let recommender = desk.recommender.clone().unwrap_or_default();
        let mut state = DeskState {
            rows: Vec::new(),
            desk: Arc::new(desk),
            path,
            search: String::new(),
            list_filter: None,
            status: StatusFilter::All,
            sort: (SortBy::Seq, true),
            selected: None,
            job: None,
            show_chart: true,
            show_review: false,
            review: Default::default(),
            writer: store.map(DeskWriter::new),
            recommender,
            rank_typing: None,
            generation: 0,
            order: Default::default(),
        };
        state.refresh(defs);
        state
    }

    /// A decision made: kept in memory and written as one row.
    /// Its row follows in place (the rows are not derived again).
    pub fn decide(&mut self, id: &str, decision: Decision) {
        self.bump();
        if let Some(row) = self.rows.iter_mut().find(|r| r.id == id) {
            row.recommend = decision.recommend;
            row.rank = decision.rank;
            if row.note != decision.note {
                row.set_note(decision.note.clone());
            }
        }
        Arc::make_mut(&mut self.desk).decide(id, decision.clone());
        if let Some(w) = &self.writer {
            w.send(Change::Decide(id.to_owned(), decision));
        }
    }

    /// The desk as it is now and the generation it is at, for work off the frame whose result
    /// is applied later ([`DeskState::apply_ranking`]). Drop the desk there before coming back:
    /// while it is held, a change on the frame copies the desk.
    pub fn snapshot(&self) -> (Arc<Desk>, u64) {
        (self.desk.clone(), self.generation)
    }

    /// A confirmed ranking's 推荐 and 排序 applied to the desk in one pass: what it changes,
    /// worked out off the frame by [`Ranking::prepare`], is put in place by one swap when the
    /// desk has not changed since; otherwise it is worked out again here against the desk as
    /// it now is (a 备注 typed meanwhile is kept). Written to the database in one transaction;
    /// gives how many on the desk are now 推荐.
    pub fn apply_ranking(&mut self, ranking: Ranking) -> usize {
        if ranking.generation != self.generation {
            let again = Ranking::prepare(&self.desk, self.generation, ranking.places);
            return self.apply_ranking(again);
        }
        let Ranking {
            decisions,
            changed,
            recommended,
            ..
        } = ranking;
        if changed.is_empty() {
            return recommended;
        }
        self.bump();
        for (i, id, decision) in &changed {
            let row = if self.rows.get(*i).is_some_and(|r| &r.id == id) {
                self.rows.get_mut(*i)
            } else {
                self.rows.iter_mut().find(|r| &r.id == id)
            };
            if let Some(row) = row {
                row.recommend = decision.recommend;
                row.rank = decision.rank;
            }
        }
        Arc::make_mut(&mut self.desk).decisions = decisions;
        if let Some(w) = &self.writer {
            w.send(Change::DecideMany(
                changed.into_iter().map(|(_, id, d)| (id, d)).collect(),
            ));
        }
        recommended
    }

    /// Takes in an import: what is new goes to the desk and its database.
    pub fn add(
        &mut self,
        defs: &Definitions,
        batch: crate::consolidate::Batch,
    ) -> crate::consolidate::Added {
        let (submissions, problems) = (self.desk.submissions.len(), self.desk.problems.len());
        let added = Arc::make_mut(&mut self.desk).add(batch);
        if let Some(w) = &self.writer {
            w.send(Change::Add {
                submissions: self.desk.submissions[submissions..].to_vec(),
                problems: self.desk.problems[problems..].to_vec(),
            });
        }
        self.refresh(defs);
        added
    }

    /// The previous-winners list loaded (or None to drop it).
    pub fn set_previous(
        &mut self,
        defs: &Definitions,
        list: Option<crate::consolidate::PreviousWinners>,
    ) {
        if let Some(w) = &self.writer {
            let json = list.as_ref().and_then(|l| serde_json::to_string(l).ok());
            w.send(Change::Setting("previous".into(), json));
        }
        Arc::make_mut(&mut self.desk).previous = list;
        self.refresh(defs);
    }

    /// A new generation, never used before by any desk (a desk closed and opened again while a
    /// ranking was being worked out is not taken for the one it was worked out against).
    fn bump(&mut self) {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        self.generation = NEXT.fetch_add(1, Ordering::Relaxed);
    }

    pub fn refresh(&mut self, defs: &Definitions) {
        self.rows = crate::consolidate::rows(defs, &self.desk);
        self.bump();
    }

    /// Whether a row passes the filters and the search.
    fn shown(&self, r: &Row, needle: &str) -> bool {
        self.list_filter.as_ref().is_none_or(|l| &r.list == l)
            && match self.status {
                StatusFilter::All => true,
                StatusFilter::Errors => r.errors > 0 && r.manual.is_empty(),
                StatusFilter::NoErrors => r.errors == 0,
                StatusFilter::Recommended => r.recommend,
                StatusFilter::Flagged => !r.duplicates.is_empty() || r.previous.is_some(),
                StatusFilter::Manual => !r.manual.is_empty(),
            }
            && (needle.is_empty() || r.matches(needle))
    }

    /// How many rows pass the filters and the search.
    pub fn shown_count(&self) -> usize {
        self.with_order(|order| order.len())
    }

    /// The rows on show, filtered and sorted.
    pub fn visible(&self) -> Vec<&Row> {
        self.with_order(|order| order.iter().map(|&i| &self.rows[i]).collect())
    }

    /// `f` of the indices of the rows on show, in order; made again only when what they
    /// depend on has changed.
    fn with_order<T>(&self, f: impl FnOnce(&[usize]) -> T) -> T {
        let key = ViewKey {
            generation: self.generation,
            search: self.search.clone(),
            list: self.list_filter.clone(),
            status: self.status,
            sort: self.sort,
        };
        let mut cache = self.order.borrow_mut();
        match &*cache {
            Some((k, order)) if *k == key => f(order),
            _ => {
                let order = self.make_order();
                let result = f(&order);
                *cache = Some((key, order));
                result
            }
        }
    }

    fn make_order(&self) -> Vec<usize> {
        let needle = self.search.trim().to_lowercase();
        let mut order: Vec<usize> = (0..self.rows.len())
            .filter(|&i| self.shown(&self.rows[i], &needle))
            .collect();
        let (by, ascending) = self.sort;
        order.sort_by(|&a, &b| {
            let (a, b) = (&self.rows[a], &self.rows[b]);
            let o = match by {
                SortBy::Seq => a.seq.cmp(&b.seq),
                // By pinyin, as people read a list of Chinese names.
                SortBy::List => a.sort_keys[2].cmp(&b.sort_keys[2]),
                SortBy::Name => a.sort_keys[0].cmp(&b.sort_keys[0]),
                SortBy::Unit => a.sort_keys[1].cmp(&b.sort_keys[1]),
                SortBy::Errors => a.errors.cmp(&b.errors),
                SortBy::Rank => a.rank.unwrap_or(u32::MAX).cmp(&b.rank.unwrap_or(u32::MAX)),
            };
            if ascending { o } else { o.reverse() }
        });
        order
    }
}

pub fn ui(ui: &mut egui::Ui, defs: &Definitions, state: &mut DeskState) -> Vec<Action> {
    let mut actions = Vec::new();
    // Files dropped onto the window.
    let dropped = super::dropped_paths(ui.ctx());
    if !dropped.is_empty() {
        // On the 评审 page what is dropped is a returned 评分表.
        actions.push(if state.show_review {
            Action::ReviewCollect(dropped)
        } else {
            Action::DeskImport(dropped)
        });
    }
    egui::Panel::top("desk_top").show(ui, |ui| {
        ui.horizontal_wrapped(|ui| {
            if ui.button("← 返回首页").clicked() {
                actions.push(Action::Home);
            }
            ui.separator();
            ui.strong("秘书处汇总");
            ui.separator();
            if ui.button("导入文件…").clicked() {
                actions.push(Action::DeskPick { folder: false });
            }
            if ui.button("导入文件夹…").clicked() {
                actions.push(Action::DeskPick { folder: true });
            }
            if ui
                .button("载入历年入选名单…")
                .on_hover_text(".txt 每行一个名称，或 .csv / .xlsx")
                .clicked()
            {
                actions.push(Action::DeskPickPrevious);
            }
            ui.separator();
            if ui.button("导出汇总表 (.xlsx)").clicked() {
                actions.push(Action::DeskExport(SummaryKind::Xlsx));
            }
            if ui.button("导出 .csv").clicked() {
                actions.push(Action::DeskExport(SummaryKind::Csv));
            }
            if ui.button("导出打印表 (.docx)").clicked() {
                actions.push(Action::DeskExport(SummaryKind::Docx));
            }
            ui.toggle_value(&mut state.show_chart, "统计图");
            ui.toggle_value(&mut state.show_review, "专家评审")
                .on_hover_text("择优推荐：分配专家、发评分表、收回、汇总排名");
            // The label and its box wrap together (a group is not wrapped by the row it is
            // in: it would run off the window's edge).
            if ui.available_size_before_wrap().x < 290.0 {
                ui.end_row();
            } else {
                ui.separator();
            }
            let edit = ui
                .horizontal(|ui| {
                    let label = ui.label("推荐单位：");
                    ui.add(
                        egui::TextEdit::singleline(&mut state.recommender)
                            .hint_text(defs.call.recommender.as_str())
                            .desired_width(180.0),
                    )
                    .labelled_by(label.id)
                    .on_hover_text("设一次即可：打印的汇总表由它签章；单份申报的推荐单位未填时用它")
                })
                .inner;
            if edit.changed() {
                let value = state.recommender.trim().to_owned();
                Arc::make_mut(&mut state.desk).recommender =
                    (!value.is_empty()).then(|| value.clone());
                if let Some(w) = &state.writer {
                    w.send(Change::Setting(
                        "recommender".into(),
                        (!value.is_empty()).then_some(value),
                    ));
                }
            }
        });
        if let Some(job) = &state.job {
            let (done, total, found) = (
                job.done.load(Ordering::Relaxed),
                job.total.load(Ordering::Relaxed),
                job.found.load(Ordering::Relaxed),
            );
            let cancelling = job.cancel.load(Ordering::Relaxed);
            ui.horizontal(|ui| {
                let bar = if total == 0 {
                    // Still walking the folders: how many files so far, not a fraction.
                    egui::ProgressBar::new(0.0)
                        .animate(!cancelling)
                        .text(format!("正在查找文件：已找到 {found} 个"))
                } else {
                    egui::ProgressBar::new(done as f32 / total as f32)
                        .text(format!("正在导入 {done}/{total}"))
                };
                ui.add(bar.desired_width(ui.available_width() - 120.0));
                if cancelling {
                    ui.label("正在取消……");
                } else if ui
                    .button("取消导入")
                    .on_hover_text("停止导入；已读入的申报材料保留在汇总中")
                    .clicked()
                {
                    job.cancel.store(true, Ordering::Relaxed);
                }
            });
        }
        filters(ui, defs, state);
    });
    if !state.desk.problems.is_empty() {
        egui::Panel::bottom("desk_problems")
            .default_size(120.0)
            .show(ui, |ui| {
                // One line that says what there is; the list when asked for.
                let problems = &state.desk.problems;
                let count = |pred: fn(&crate::consolidate::ProblemKind) -> bool| {
                    problems.iter().filter(|p| pred(&p.kind)).count()
                };
                use crate::consolidate::ProblemKind as K;
                let duplicates = count(|k| matches!(k, K::DuplicateFile { .. }));
                let edited = count(|k| matches!(k, K::EditedAfterExport));
                let manual = problems.len() - duplicates - edited;
                let mut parts = Vec::new();
                if manual > 0 {
                    parts.push(format!("{manual} 个需人工处理"));
                }
                if edited > 0 {
                    parts.push(format!("{edited} 个导出后改动过"));
                }
                if duplicates > 0 {
                    parts.push(format!("{duplicates} 个重复收到（只计一次）"));
                }
                egui::CollapsingHeader::new(format!(
                    "文件问题（{}）：{}",
                    problems.len(),
                    parts.join("，")
                ))
                .id_salt("desk_problems_list")
                .default_open(problems.len() <= 3)
                .show(ui, |ui| {
                    egui::ScrollArea::vertical().show(ui, |ui| {
                        for p in problems {
                            ui.label(RichText::new(&p.message).color(ui.visuals().warn_fg_color));
                        }
                    });
                });
            });
    }
    egui::CentralPanel::default_margins().show(ui, |ui| {
        // One submission in full, or the table of all of them.
        if let Some(id) = state.selected.clone() {
            detail(ui, defs, state, &id, &mut actions);
            return;
        }
        if state.show_review {
            actions.extend(crate::ui::review::ui(ui, defs, &mut state.review));
            return;
        }
        // The chart (about 200 px) only where the table keeps room for ten rows below it.
        if state.show_chart && !state.rows.is_empty() {
            if ui.available_height() >= 480.0 {
                chart(ui, defs, state);
            } else {
                ui.label(RichText::new("窗口较矮，统计图暂不显示；把窗口拉高即可看到。").weak());
            }
        }
        table(ui, state);
    });
    actions
}

fn filters(ui: &mut egui::Ui, defs: &Definitions, state: &mut DeskState) {
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("搜索：");
        ui.add(egui::TextEdit::singleline(&mut state.search).desired_width(180.0))
            .labelled_by(label.id);
        ui.label("榜单：");
        if ui
            .selectable_label(state.list_filter.is_none(), "全部")
            .clicked()
        {
            state.list_filter = None;
        }
        for form in &defs.forms {
            let on = state.list_filter.as_deref() == Some(form.id.as_str());
            if ui.selectable_label(on, &form.name).clicked() {
                state.list_filter = Some(form.id.clone());
            }
        }
        ui.separator();
        ui.label("状态：");
        for (s, text) in [
            (StatusFilter::All, "全部"),
            (StatusFilter::Errors, "有错误"),
            (StatusFilter::NoErrors, "无错误"),
            (StatusFilter::Recommended, "已推荐"),
            (StatusFilter::Flagged, "重复或已入选"),
            (StatusFilter::Manual, "需人工处理"),
        ] {
            if ui.selectable_label(state.status == s, text).clicked() {
                state.status = s;
            }
        }
        let shown = state.shown_count();
        if shown == state.rows.len() {
            ui.label(format!("共 {} 份", state.rows.len()));
        } else {
            ui.label(format!("显示 {shown} 份（共 {} 份）", state.rows.len()));
        }
    });
}

fn chart(ui: &mut egui::Ui, defs: &Definitions, state: &DeskState) {
    use egui_plot::{Bar, BarChart, Legend, Plot};
    let lists: Vec<&str> = defs.forms.iter().map(|f| f.id.as_str()).collect();
    let count = |pred: &dyn Fn(&Row) -> bool| state.rows.iter().filter(|r| pred(r)).count() as f64;
    let mut bars_total = Vec::new();
    let mut bars_ok = Vec::new();
    let mut bars_rec = Vec::new();
    for (i, list) in lists.iter().enumerate() {
        let x = i as f64;
        bars_total.push(Bar::new(x - 0.25, count(&|r| r.list == *list)).width(0.25));
        bars_ok.push(Bar::new(x, count(&|r| r.list == *list && r.errors == 0)).width(0.25));
        bars_rec.push(Bar::new(x + 0.25, count(&|r| r.list == *list && r.recommend)).width(0.25));
    }
    let mut names: Vec<String> = defs.forms.iter().map(|f| f.name.clone()).collect();
    // The files that are no list's, counted beside the lists.
    let manual = count(&|r| !r.manual.is_empty());
    if manual > 0.0 {
        bars_total.push(Bar::new(lists.len() as f64 - 0.25, manual).width(0.25));
        names.push("需人工处理".to_owned());
    }
    let highest = bars_total.iter().map(|b| b.value).fold(0.0, f64::max);
    let step = count_step(highest);
    let labels: Vec<(f64, f64)> = bars_total
        .iter()
        .chain(&bars_ok)
        .chain(&bars_rec)
        .map(|b| (b.argument, b.value))
        .collect();
    // The counts in words too, under the chart: what the bars say, to read and to copy.
    let said: Vec<String> = defs
        .forms
        .iter()
        .map(|f| {
            let id = f.id.as_str();
            format!(
                "{}：申报 {}，无错误 {}，已推荐 {}",
                f.name,
                count(&|r| r.list == id),
                count(&|r| r.list == id && r.errors == 0),
                count(&|r| r.list == id && r.recommend)
            )
        })
        .chain((manual > 0.0).then(|| format!("需人工处理：{manual}")))
        .collect();
    Plot::new("desk_chart")
        .height(160.0)
        .legend(Legend::default())
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        // A scale of whole numbers from 0, with room above the highest bar for its count.
        .include_y(0.0)
        .include_y((highest + step).max(1.0))
        .y_axis_label("份数")
        .y_axis_min_width(28.0)
        .y_grid_spacer(move |input| {
            let (_, top) = input.bounds;
            let mut marks = Vec::new();
            let mut v = 0.0;
            while v <= top + 1e-9 && marks.len() < 50 {
                marks.push(egui_plot::GridMark {
                    value: v,
                    step_size: step,
                });
                v += step;
            }
            marks
        })
        .y_axis_formatter(|mark, _| {
            if mark.value >= 0.0 && mark.value.fract().abs() < 1e-9 {
                format!("{}", mark.value as u64)
            } else {
                String::new()
            }
        })
        .x_axis_formatter(move |mark, _| {
            let i = mark.value.round();
            if (mark.value - i).abs() < 1e-6 && i >= 0.0 {
                names.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .show(ui, |plot| {
            plot.bar_chart(BarChart::new("申报数", bars_total));
            plot.bar_chart(BarChart::new("无错误", bars_ok));
            plot.bar_chart(BarChart::new("已推荐", bars_rec));
            // Each bar's count above it.
            for (x, y) in labels {
                plot.text(egui_plot::Text::new(
                    "",
                    egui_plot::PlotPoint::new(x, y + step * 0.35),
                    format!("{y}"),
                ));
            }
        });
    ui.horizontal_wrapped(|ui| {
        for line in said {
            ui.label(egui::RichText::new(line).small());
            ui.separator();
        }
    });
}

/// The step of the chart's scale: 1, 2 or 5 times a power of ten, about five steps to the
/// highest count (1 for small counts).
fn count_step(highest: f64) -> f64 {
    let rough = (highest / 5.0).max(1.0);
    let power = 10f64.powi(rough.log10().floor() as i32);
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * power)
}

#[cfg(test)]
mod chart_tests {
    use super::count_step;

    #[test]
    fn the_scale_steps_by_whole_round_numbers() {
        for (highest, step) in [
            (0.0, 1.0),
            (3.0, 1.0),
            (12.0, 5.0),
            (40.0, 10.0),
            (9999.0, 2000.0),
        ] {
            assert_eq!(count_step(highest), step, "{highest}");
        }
    }
}

const COLUMNS: [(&str, Option<SortBy>); 14] = [
    ("序号", Some(SortBy::Seq)),
    ("榜单", Some(SortBy::List)),
    ("领域", None),
    ("名称", Some(SortBy::Name)),
    ("单位", Some(SortBy::Unit)),
    ("联系人", None),
    ("手机", None),
    ("错误/提醒", Some(SortBy::Errors)),
    ("来源", None),
    ("附件", None),
    ("标记", None),
    ("推荐", None),
    ("排序", Some(SortBy::Rank)),
    ("备注", None),
];

fn table(ui: &mut egui::Ui, state: &mut DeskState) {
    if state.rows.is_empty() {
        ui.add_space(40.0);
        ui.vertical_centered(|ui| {
            ui.label("把收到的申报表（.docx）、草稿（.json）、邮件（.eml）、申报材料包（.zip）或整个文件夹拖到这里，或用上方的“导入”按钮。");
            ui.label(RichText::new("导入在后台进行；同一文件或同一封邮件只计一次，读不了的文件列为「需人工处理」并说明原因。").weak());
        });
        return;
    }
    let mut typing = state.rank_typing.take();
    // Borrowed, not cloned: this runs every frame, and decisions are applied after the grid.
    let rows: Vec<&Row> = state.visible();
    if rows.is_empty() {
        ui.add_space(40.0);
        ui.vertical_centered(|ui| {
            ui.label(if state.search.trim().is_empty() {
                "没有符合筛选条件的申报。".to_owned()
            } else {
                format!("没有找到含「{}」的申报。", state.search.trim())
            });
            ui.label(RichText::new("可清空搜索框，或在上方选择“全部”。").weak());
        });
        return;
    }
    let mut decisions: Vec<(String, Decision)> = Vec::new();
    let mut select = None;
    let mut sort = None;
    // Only the rows in view are laid out: a desk of a thousand submissions stays quick.
    let row_height = ui.spacing().interact_size.y + ui.spacing().item_spacing.y;
    let total = rows.len() + 1; // the header row scrolls with the rest
    egui::ScrollArea::both()
        .auto_shrink(false)
        .show_rows(ui, row_height, total, |ui, range| {
            egui::Grid::new("desk_rows")
                .striped(true)
                .min_row_height(ui.spacing().interact_size.y)
                .num_columns(COLUMNS.len())
                .start_row(range.start)
                .show(ui, |ui| {
                    for (title, by) in COLUMNS {
                        match by {
                            Some(by) => {
                                let arrow = match state.sort {
                                    (b, true) if b == by => " ▲",
                                    (b, false) if b == by => " ▼",
                                    _ => "",
                                };
                                if ui.button(format!("{title}{arrow}")).clicked() {
                                    sort = Some(by);
                                }
                            }
                            None => {
                                ui.strong(title);
                            }
                        }
                    }
                    ui.end_row();
                    // The header takes the first slot in view, so it stays visible as a sticky header;
                    // row j belongs in slot j + 1.
                    let first = range.start.min(rows.len());
                    let last = range.end.saturating_sub(1).clamp(first, rows.len());
                    for &row in &rows[first..last] {
                        let selected = state.selected.as_deref() == Some(row.id.as_str());
                        if ui.selectable_label(selected, row.seq.to_string()).clicked() {
                            select = Some(row.id.clone());
                        }
                        ui.label(&row.list_name);
                        ui.label(&row.domain);
                        if ui
                            .link(&row.name)
                            .on_hover_text("查看全文与推荐意见")
                            .clicked()
                        {
                            select = Some(row.id.clone());
                        }
                        ui.label(&row.unit);
                        ui.label(&row.contact);
                        ui.label(&row.mobile);
                        let counts = format!("{}/{}", row.errors, row.warnings);
                        if row.errors > 0 {
                            ui.colored_label(ui.visuals().error_fg_color, counts);
                        } else {
                            ui.label(counts);
                        }
                        if row.manual.is_empty() {
                            ui.label(&row.origin);
                        } else {
                            ui.colored_label(ui.visuals().error_fg_color, &row.origin)
                                .on_hover_text(&row.manual);
                        }
                        match row.attachments.split_once('：') {
                            Some((count, names)) => {
                                ui.label(count).on_hover_text(names);
                            }
                            None => {
                                ui.label("");
                            }
                        }
                        let mut flags = Vec::new();
                        if row.duplicates.iter().any(|d| !d.weak()) {
                            flags.push("疑似重复".to_owned());
                        } else if !row.duplicates.is_empty() {
                            flags.push("名称相同".to_owned());
                        }
                        if let Some(p) = &row.previous {
                            flags.push(if p.exact {
                                "历年已入选".to_owned()
                            } else {
                                "疑似历年入选".to_owned()
                            });
                        }
                        ui.colored_label(ui.visuals().warn_fg_color, flags.join("、"));
                        let mut decision = state.desk.decision(&row.id);
                        let before = decision.clone();
                        let name = &row.name;
                        let recommend = decision.recommend;
                        ui.checkbox(&mut decision.recommend, "").widget_info(|| {
                            egui::WidgetInfo::selected(
                                egui::Role::CheckBox,
                                true,
                                recommend,
                                format!("推荐：{name}"),
                            )
                        });
                        let mine = typing.as_ref().filter(|(id, _)| id == &row.id);
                        let mut rank = match mine {
                            Some((_, text)) => text.clone(),
                            None => decision.rank.map(|r| r.to_string()).unwrap_or_default(),
                        };
                        ui.horizontal(|ui| {
                            let rank_edit = egui::TextEdit::singleline(&mut rank)
                                .id_salt(("rank", &row.id))
                                .desired_width(40.0);
                            let response = ui.add(rank_edit);
                            response.widget_info(|| {
                                egui::WidgetInfo::labeled(
                                    egui::Role::TextInput,
                                    true,
                                    format!("排序：{name}"),
                                )
                            });
                            if response.changed() {
                                if let Ok(r) = parse_rank(&rank) {
                                    decision.rank = r;
                                }
                                typing = Some((row.id.clone(), rank.clone()));
                            }
                            let typed_here = typing.as_ref().is_some_and(|(id, _)| id == &row.id);
                            if typed_here && response.lost_focus() {
                                typing = None;
                            } else if typed_here && parse_rank(&rank).is_err() {
                                ui.colored_label(ui.visuals().error_fg_color, "须为正整数");
                            }
                        });
                        ui.add(
                            egui::TextEdit::singleline(&mut decision.note)
                                .id_salt(("note", &row.id))
                                .desired_width(160.0),
                        )
                        .widget_info(|| {
                            egui::WidgetInfo::labeled(
                                egui::Role::TextInput,
                                true,
                                format!("备注：{name}"),
                            )
                        });
                        if decision != before {
                            decisions.push((row.id.clone(), decision));
                        }
                        ui.end_row();
                    }
                });
        });
    state.rank_typing = typing;
    if let Some(by) = sort {
        state.sort = if state.sort.0 == by {
            (by, !state.sort.1)
        } else {
            (by, true)
        };
    }
    if let Some(id) = select {
        state.selected = Some(id);
    }
    if !decisions.is_empty() {
        for (id, d) in decisions {
            state.decide(&id, d);
        }
    }
}

/// Where a submission came from (container, origin, sender, date; for a row 「需人工处理」 the
/// reason) and what came with it, each attachment with 「打开」 when the desk may open it.
fn origin(ui: &mut egui::Ui, s: &crate::consolidate::Submission, actions: &mut Vec<Action>) {
    let mut line = format!("来源：{}", s.source_text());
    if let Some(member) = &s.member {
        line.push_str(&format!("（{member}）"));
    }
    if let Some(sender) = &s.sender {
        line.push_str(&format!("　发件人：{sender}"));
    }
    if let Some(sent) = &s.sent {
        line.push_str(&format!("　发送时间：{sent}"));
    }
    ui.label(line);
    if let Some(manual) = &s.manual {
        ui.colored_label(
            ui.visuals().error_fg_color,
            format!("需人工处理：{}", manual.reason),
        );
    }
    if s.attachments.is_empty() {
        return;
    }
    ui.strong(format!("附件（{} 个）", s.attachments.len()));
    egui::Grid::new(("attachments", &s.id))
        .num_columns(3)
        .striped(true)
        .show(ui, |ui| {
            for (i, a) in s.attachments.iter().enumerate() {
                let name = if a.sealed {
                    format!("{}（盖章扫描件）", a.name)
                } else {
                    a.name.clone()
                };
                ui.label(name);
                ui.label(format!(
                    "{} · {}",
                    a.kind.label(),
                    crate::files::size_text(a.size)
                ));
                match a.refusal() {
                    None => {
                        if ui
                            .button("打开")
                            .on_hover_text("用系统的查看程序打开（打开的是数据文件夹 desk-files 中以内容命名的副本）")
                            .clicked()
                        {
                            actions.push(Action::DeskOpenAttachment(s.id.clone(), i));
                        }
                    }
                    Some(why) => {
                        ui.colored_label(ui.visuals().warn_fg_color, "不打开")
                            .on_hover_text(why);
                    }
                }
                ui.end_row();
            }
        });
}

/// The whole submission read-only, its findings, and the 推荐单位意见 to fill.
fn detail(
    ui: &mut egui::Ui,
    defs: &Definitions,
    state: &mut DeskState,
    id: &str,
    actions: &mut Vec<Action>,
) {
    let Some(index) = state.desk.submissions.iter().position(|s| s.id == id) else {
        state.selected = None;
        return;
    };
    let mut close = false;
    let mut go_to: Option<String> = None;
    let mut decision = state.desk.decision(id);
    let before = decision.clone();
    let recommender = state.desk.recommender(defs).to_owned();
    let row = state.rows.iter().find(|r| r.id == id).cloned();
    let mut body = |ui: &mut egui::Ui| {
        let submission = &state.desk.submissions[index];
        let draft = &submission.draft;
        let form = defs.form(&draft.list);
        ui.horizontal(|ui| {
            ui.heading(match form {
                Some(form) => crate::naming::application_name(form, draft),
                None => submission.file_name(),
            });
            if ui.button("← 返回列表").clicked() {
                close = true;
            }
        });
        ui.label(
            RichText::new(submission.source.display().to_string())
                .weak()
                .small(),
        );
        origin(ui, submission, actions);
        // What the expert review says of it, when there is one.
        if let Some(lines) = state
            .review
            .loaded
            .as_ref()
            .and_then(|l| l.summary_of(&submission.id))
        {
            egui::Frame::group(ui.style()).show(ui, |ui| {
                ui.strong("专家评审");
                for line in lines {
                    ui.label(line);
                }
            });
        }
        // The other submissions of its duplicate groups, each a link.
        if let Some(row) = &row
            && let Some(form) = form
        {
            let code_label =
                crate::consolidate::checks::code_field(form).map_or("代码", |f| f.label.as_str());
            for d in &row.duplicates {
                ui.horizontal_wrapped(|ui| {
                    let color = if d.weak() {
                        ui.visuals().warn_fg_color
                    } else {
                        ui.visuals().error_fg_color
                    };
                    ui.colored_label(
                        color,
                        if d.weak() {
                            "名称相同："
                        } else {
                            "疑似重复："
                        },
                    );
                    for &i in &d.others {
                        let Some(other) = state.desk.submissions.get(i) else {
                            continue;
                        };
                        let name = crate::naming::application_name(form, &other.draft);
                        if ui
                            .link(format!("第 {} 行 {name}", i + 1))
                            .on_hover_text("查看这一份")
                            .clicked()
                        {
                            go_to = Some(other.id.clone());
                        }
                    }
                    if d.count > d.others.len() {
                        ui.label(format!("等 {} 份", d.count));
                    }
                    ui.label(RichText::new(d.describe(code_label)).weak().small());
                });
            }
        }
        let Some(form) = form else {
            return;
        };
        egui::ScrollArea::both().show(ui, |ui| {
            ui.strong("推荐单位意见");
            let label = ui.label("推荐意见");
            ui.add(
                egui::TextEdit::multiline(&mut decision.rec_opinion)
                    .desired_rows(4)
                    .desired_width(400.0),
            )
            .labelled_by(label.id);
            ui.horizontal(|ui| {
                let label = ui.label("推荐单位");
                ui.add(
                    egui::TextEdit::singleline(&mut decision.rec_org)
                        .hint_text(recommender.as_str())
                        .desired_width(160.0),
                )
                .labelled_by(label.id);
                let label = ui.label("日期");
                ui.add(
                    egui::TextEdit::singleline(&mut decision.rec_date)
                        .hint_text("YYYY-MM-DD")
                        .desired_width(100.0),
                )
                .labelled_by(label.id);
            });
            if ui.button("导出此份申报表（含推荐意见）").clicked() {
                actions.push(Action::DeskReexport(submission.id.clone()));
            }
            ui.separator();
            ui.strong(format!(
                "校验结果（{} 个错误，{} 个提醒）",
                submission.errors(),
                submission.warnings()
            ));
            for f in &submission.findings {
                let color = if f.is_error() {
                    ui.visuals().error_fg_color
                } else {
                    ui.visuals().warn_fg_color
                };
                ui.label(
                    RichText::new(format!(
                        "{} {}",
                        if f.is_error() { "×" } else { "⚠" },
                        f.shown(form)
                    ))
                    .color(color),
                );
            }
            ui.separator();
            for section in form.sections.iter().filter(|s| section_visible(draft, s)) {
                ui.strong(&section.title);
                egui::Grid::new(("detail", &section.id))
                    .num_columns(2)
                    .striped(true)
                    .show(ui, |ui| {
                        for field in section.fields.iter().filter(|f| field_visible(draft, f)) {
                            ui.label(&field.label);
                            if field.kind == crate::schema::Kind::Table {
                                table_in_full(ui, field, draft);
                            } else {
                                let value = draft.value(&field.id);
                                let text = field_text(field, value.as_deref(), draft);
                                // Long texts wrap at a readable width.
                                ui.scope(|ui| {
                                    ui.set_max_width(640.0);
                                    ui.add(
                                        egui::Label::new(text.replace('\u{2060}', ""))
                                            .wrap_mode(egui::TextWrapMode::Wrap),
                                    );
                                });
                            }
                            ui.end_row();
                        }
                    });
            }
        });
    };
    body(ui);
    if decision != before {
        state.decide(id, decision);
    }
    if close {
        state.selected = None;
    }
    if let Some(other) = go_to {
        state.selected = Some(other);
    }
}

/// A table field shown whole: a header of its columns and every row (the first
/// [`SHOWN_ROWS`], then a count).
fn table_in_full(ui: &mut egui::Ui, field: &crate::schema::Field, draft: &crate::Draft) {
    let rows = draft
        .get(&field.id)
        .and_then(|v| v.as_array())
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    if rows.is_empty() {
        ui.label(RichText::new("（未填）").weak());
        return;
    }
    ui.vertical(|ui| {
        egui::Grid::new(("table", &field.id))
            .num_columns(field.columns.len() + 1)
            .striped(true)
            .show(ui, |ui| {
                ui.strong("序号");
                for c in &field.columns {
                    ui.strong(&c.label);
                }
                ui.end_row();
                for (i, row) in rows.iter().take(SHOWN_ROWS).enumerate() {
                    ui.label((i + 1).to_string());
                    for c in &field.columns {
                        let text = crate::docx::present::cell_text(c, row.get(&c.id))
                            .replace('\u{2060}', "");
                        // Short cells on one line; long ones wrap in a column of their own.
                        if text.chars().count() <= 24 {
                            ui.add(egui::Label::new(text).wrap_mode(egui::TextWrapMode::Extend));
                        } else {
                            ui.scope(|ui| {
                                ui.set_max_width(320.0);
                                ui.add(egui::Label::new(text).wrap_mode(egui::TextWrapMode::Wrap));
                            });
                        }
                    }
                    ui.end_row();
                }
            });
        if rows.len() > SHOWN_ROWS {
            ui.label(format!(
                "另有 {} 行，见导出的汇总表或原件",
                rows.len() - SHOWN_ROWS
            ));
        }
    });
}

/// Rows of a table shown in the detail view.
const SHOWN_ROWS: usize = 200;

/// 排序 as typed: empty is none; a whole number from 1 (full-width digits too); anything else
/// (「1.5」「第一」「0」) is not a rank.
fn parse_rank(text: &str) -> Result<Option<u32>, ()> {
    let digits: String = text
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            c => c,
        })
        .collect();
    if digits.is_empty() {
        return Ok(None);
    }
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(());
    }
    match digits.parse::<u32>() {
        Ok(n) if n >= 1 => Ok(Some(n)),
        _ => Err(()),
    }
}

#[cfg(test)]
mod tests {
    use super::{DeskState, Ranking, parse_rank};
    use crate::consolidate::{Decision, Desk};
    use crate::schema::Definitions;

    /// A desk of `n` submissions with ids s0, s1, …
    fn desk_of(defs: &Definitions, n: usize) -> DeskState {
        let draft = crate::draft::Draft::from_slice(include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/tech_manager.json"
        )))
        .unwrap();
        let mut desk = Desk::default();
        for i in 0..n {
            let mut s = crate::intake::Submission::new(
                std::path::Path::new(&format!("{i}.json")),
                crate::intake::Container::Json,
                crate::intake::Origin::Draft,
                draft.clone(),
            );
            s.id = format!("s{i}");
            desk.submissions.push(s);
        }
        DeskState::new(defs, desk, None)
    }

    #[test]
    fn a_confirmed_ranking_sets_recommend_and_rank_on_the_desk_and_its_rows() {
        let defs = Definitions::embedded();
        let mut d = desk_of(&defs, 4);
        d.decide(
            "s1",
            Decision {
                note: "材料齐全".into(),
                ..Decision::default()
            },
        );
        let (desk, generation) = d.snapshot();
        let ranking = Ranking::prepare(
            &desk,
            generation,
            vec![
                ("s1".into(), true, Some(1)),
                ("s2".into(), true, Some(2)),
                ("s3".into(), false, None),
                ("not-on-the-desk".into(), true, Some(3)),
            ],
        );
        drop(desk);
        assert_eq!(d.apply_ranking(ranking), 2);
        let s1 = d.desk.decision("s1");
        assert_eq!(
            (s1.recommend, s1.rank, s1.note.as_str()),
            (true, Some(1), "材料齐全")
        );
        assert_eq!(d.desk.decision("s2").rank, Some(2));
        assert!(
            !d.desk.decisions.contains_key("s3"),
            "nothing to keep for s3"
        );
        assert!(!d.desk.decisions.contains_key("not-on-the-desk"));
        let ranks: Vec<_> = d.rows.iter().map(|r| (r.recommend, r.rank)).collect();
        assert_eq!(
            ranks,
            [
                (false, None),
                (true, Some(1)),
                (true, Some(2)),
                (false, None)
            ]
        );
    }

    #[test]
    fn a_decision_made_while_the_ranking_was_worked_out_is_kept() {
        let defs = Definitions::embedded();
        let mut d = desk_of(&defs, 3);
        let (desk, generation) = d.snapshot();
        let ranking = Ranking::prepare(
            &desk,
            generation,
            vec![("s0".into(), true, Some(1)), ("s1".into(), true, Some(2))],
        );
        drop(desk);
        // Meanwhile, on the frame: a 备注 typed on s0, and s2 ticked by hand.
        d.decide(
            "s0",
            Decision {
                note: "需补盖章页".into(),
                ..Decision::default()
            },
        );
        d.decide(
            "s2",
            Decision {
                recommend: true,
                ..Decision::default()
            },
        );
        assert_eq!(d.apply_ranking(ranking), 2);
        let s0 = d.desk.decision("s0");
        assert_eq!(
            (s0.recommend, s0.rank, s0.note.as_str()),
            (true, Some(1), "需补盖章页")
        );
        assert_eq!(d.desk.decision("s1").rank, Some(2));
        assert!(d.desk.decision("s2").recommend, "the hand-made tick stays");
        assert_eq!(d.rows[0].note, "需补盖章页");
        assert_eq!((d.rows[0].recommend, d.rows[0].rank), (true, Some(1)));
    }

    #[test]
    fn a_rank_is_a_whole_number_from_one() {
        assert_eq!(parse_rank(""), Ok(None));
        assert_eq!(parse_rank(" 3 "), Ok(Some(3)));
        assert_eq!(parse_rank("１２"), Ok(Some(12)));
        for bad in ["1.5", "第一", "0", "-2", "3a", "99999999999"] {
            assert_eq!(parse_rank(bad), Err(()), "{bad}");
        }
    }
}
