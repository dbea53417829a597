//! The desk's 评审 page: the expert review of the desk's own submissions, as the `review`
//! commands do it — start with an expert list, assign, write the packs, collect the sheets,
//! rank, and confirm the proposed 推荐 and 排序 into the desk. The review lives in 「评审」 beside
//! the desk's database; every step runs off the frame (the desk stays responsive) and the page
//! shows the review as the database holds it: how many sheets are out, back, with problems.

use std::path::{Path, PathBuf};

use egui::RichText;

use super::Action;
use super::app::{KczgApp, Screen};
use super::desk::Ranking;
use super::dialogs::Picking;
use crate::review::collect::{Expected, read_returned_with};
use crate::review::rank::Group;
use crate::review::store::{Confirmed, ConfirmedPlace, Review, ReviewStore, SheetState};
use crate::review::{Application, AssignPlan, assign, read_experts};
use crate::schema::Definitions;

/// The review as loaded from its database, with the ranking when asked for.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub review: Review,
    pub sheets: SheetState,
    pub ranking: Option<(Vec<Group>, bool)>,
    /// The ranking last confirmed, as the database keeps it.
    pub confirmed: Option<Confirmed>,
    /// Per application, the names of its experts (made once per load).
    experts_of: Vec<String>,
}

impl Loaded {
    fn new(review: Review, sheets: SheetState, ranking: Option<(Vec<Group>, bool)>) -> Loaded {
        let mut experts_of = vec![Vec::new(); review.apps.len()];
        for a in &review.assignments {
            if let (Some(list), Some(e)) = (experts_of.get_mut(a.app), review.experts.get(a.expert))
            {
                list.push(e.name.clone());
            }
        }
        Loaded {
            experts_of: experts_of.into_iter().map(|l| l.join("、")).collect(),
            review,
            sheets,
            ranking,
            confirmed: None,
        }
    }

    /// The review's summary of one submission, for its detail on the desk.
    pub fn summary_of(&self, id: &str) -> Option<Vec<String>> {
        let app = self.review.apps.iter().position(|a| a.id == id)?;
        let mut lines = vec![format!("评审专家：{}", self.experts_of[app])];
        if let Some((groups, _)) = &self.ranking
            && let Some(p) = groups.iter().flat_map(|g| &g.placed).find(|p| p.app == app)
        {
            let place = p
                .place
                .map_or("未排名".to_owned(), |n| format!("第 {n} 名"));
            let mean = p.mean.map_or(String::new(), |m| format!("，平均分 {m:.2}"));
            lines.push(format!("{place}{mean}，推荐票 {}/{}", p.recommend, p.voted));
            for r in &p.reviews {
                let who = &self.review.experts[r.expert].name;
                lines.push(match r.total {
                    Some(t) => format!("{who}：{t:.2} 分，{}。{}", r.verdict.text(), r.comment),
                    None => format!("{who}：回避。{}", r.comment),
                });
            }
        }
        Some(lines)
    }
}

/// The 评审 page's state (part of the desk's).
#[derive(Debug, Default)]
pub struct ReviewPanel {
    /// Where the review is kept: 「评审」 beside the desk's database.
    pub folder: Option<PathBuf>,
    pub loaded: Option<Loaded>,
    /// Loaded once when the page is first shown.
    pub asked: bool,
    /// Rank by per-expert z-scores.
    pub normalised: bool,
}

impl ReviewPanel {
    /// Shows a review loaded afresh. The one it replaces (at 10,000 applications some 100,000
    /// allocations) is freed on another thread: freeing it here took a frame's budget.
    pub fn replace(&mut self, loaded: Option<Loaded>) {
        let old = std::mem::replace(&mut self.loaded, loaded);
        if old.is_some() {
            let freed = std::thread::Builder::new()
                .name("review-free".into())
                .spawn(move || drop(old));
            // No thread to be had: freed here, a slow frame rather than none.
            drop(freed);
        }
    }
}

/// The page (the desk's central panel while 评审 is on).
pub fn ui(ui: &mut egui::Ui, defs: &Definitions, panel: &mut ReviewPanel) -> Vec<Action> {
    let mut actions = Vec::new();
    if !panel.asked {
        panel.asked = true;
        actions.push(Action::ReviewLoad);
    }
    ui.heading("专家评审（择优推荐）");
    let Some(folder) = panel.folder.clone() else {
        ui.label("秘书处汇总没有数据文件夹，无法保存评审。");
        return actions;
    };
    let Some(loaded) = &panel.loaded else {
        ui.label(format!(
            "还没有评审。先选择专家名单（.xlsx 或 .csv，表头：姓名、单位、单位代码、领域、邮箱，可加回避单位），\
             再为汇总中的 {} 开始评审；评审记录保存在 {}。",
            "申报",
            folder.display()
        ));
        if ui.button("开始评审：选择专家名单…").clicked() {
            actions.push(Action::ReviewPickExperts);
        }
        return actions;
    };
    let r = &loaded.review;
    let s = &loaded.sheets;
    let short = {
        let mut per = vec![0usize; r.apps.len()];
        for a in &r.assignments {
            per[a.app] += 1;
        }
        per.iter().filter(|&&n| n < r.per).count()
    };
    ui.label(format!(
        "申报 {} 份，专家 {} 位，每份 {} 位；已分配 {} 项，{short} 份未分满。评分表：发出 {}，收回 {}（{} 份有问题），未收回 {}；已采用评分 {} 项。",
        r.apps.len(),
        r.experts.len(),
        r.per,
        r.assignments.len(),
        s.packed,
        s.returned,
        s.with_findings,
        s.missing,
        s.scores
    ));
    if let Some(c) = &loaded.confirmed {
        ui.label(format!("已确认排名：{}。", c.summary()));
    }
    ui.horizontal_wrapped(|ui| {
        if ui
            .button("分配专家")
            .on_hover_text(
                "回避同单位、同单位代码和申明回避的专家，均衡工作量，领域相符的优先；已分配的保留",
            )
            .clicked()
        {
            actions.push(Action::ReviewAssign);
        }
        if ui
            .button("生成评审包…")
            .on_hover_text("每位专家一个 .zip 和一封 .eml")
            .clicked()
        {
            actions.push(Action::ReviewPickPackFolder);
        }
        if ui
            .button("收回评分表…")
            .on_hover_text(".xlsx，或带评分表附件的 .eml；也可拖到窗口中")
            .clicked()
        {
            actions.push(Action::ReviewPickSheets);
        }
        ui.separator();
        ui.checkbox(&mut panel.normalised, "按标准化分排名")
            .on_hover_text(
                "按每位专家自己的平均分和标准差换算成 z 分数再平均，消除打分偏严或偏松的差异",
            );
        if ui.button("汇总排名").clicked() {
            actions.push(Action::ReviewRank {
                normalised: panel.normalised,
            });
        }
        if loaded.ranking.is_some()
            && ui
                .button("确认建议的推荐与排序")
                .on_hover_text(
                    "把建议推荐的标为推荐并填入排序；其余的推荐取消。之后仍可在汇总表中逐项修改",
                )
                .clicked()
        {
            actions.push(Action::ReviewConfirm);
        }
    });
    ui.separator();
    match &loaded.ranking {
        Some((groups, normalised)) => ranking(ui, r, groups, *normalised),
        None => assignments(ui, defs, loaded, &mut actions),
    }
    actions
}

fn assignments(ui: &mut egui::Ui, defs: &Definitions, loaded: &Loaded, actions: &mut Vec<Action>) {
    let r = &loaded.review;
    let height = ui.text_style_height(&egui::TextStyle::Body) + 6.0;
    egui::ScrollArea::vertical()
        .id_salt("review_assignments")
        .auto_shrink(false)
        // The header is the first row, scrolled with the rest.
        .show_rows(ui, height, r.apps.len() + 1, |ui, range| {
            egui::Grid::new("review_assignments_grid")
                .striped(true)
                .num_columns(4)
                .show(ui, |ui| {
                    for row in range {
                        if row == 0 {
                            for h in [
                                "申报编号",
                                "榜单",
                                "名称",
                                "评审专家（指向可看分配理由）",
                                "",
                            ] {
                                ui.strong(h);
                            }
                            ui.end_row();
                            continue;
                        }
                        let i = row - 1;
                        let app = &r.apps[i];
                        ui.label(crate::review::sheet::key(app));
                        ui.label(app.list_text(defs));
                        ui.label(&app.name);
                        let names = &loaded.experts_of[i];
                        let shown = if names.is_empty() {
                            "（未分配）"
                        } else {
                            names.as_str()
                        };
                        ui.label(shown).on_hover_ui(|ui| {
                            for e in 0..r.experts.len().min(30) {
                                ui.label(crate::review::assign::explain(
                                    defs,
                                    &r.apps,
                                    &r.experts,
                                    &r.assignments,
                                    i,
                                    e,
                                ));
                            }
                        });
                        // By hand: each expert on or off; one who must abstain cannot be chosen.
                        ui.menu_button("调整", |ui| {
                            egui::ScrollArea::vertical()
                                .max_height(320.0)
                                .show(ui, |ui| {
                                    // Once per frame, not once per expert (30,000 assignments).
                                    let mine: Vec<usize> = r
                                        .assignments
                                        .iter()
                                        .filter(|a| a.app == i)
                                        .map(|a| a.expert)
                                        .collect();
                                    for (e, expert) in r.experts.iter().enumerate() {
                                        let mut on = mine.contains(&e);
                                        let conflict = crate::review::conflict(expert, app);
                                        let label = format!("{}（{}）", expert.name, expert.unit);
                                        let response = ui.add_enabled(
                                            conflict.is_none() || on,
                                            egui::Checkbox::new(&mut on, label),
                                        );
                                        let response = match &conflict {
                                            Some(why) => response
                                                .on_disabled_hover_text(format!("需回避：{why}")),
                                            None => response,
                                        };
                                        if response.changed() {
                                            actions.push(Action::ReviewByHand {
                                                app: app.id.clone(),
                                                expert: expert.email.clone(),
                                                on,
                                            });
                                        }
                                    }
                                });
                        });
                        ui.end_row();
                    }
                });
        });
}

/// One line of the ranking as shown: a list's heading, its column heads, a place, a gap.
#[derive(Clone, Copy)]
enum RankRow {
    Heading(usize),
    Columns,
    Placed(usize, usize),
    Gap,
}

/// The ranking, every list one after another, drawn a screenful at a time (10,000 places would
/// otherwise be laid out on every frame).
fn ranking(ui: &mut egui::Ui, r: &Review, groups: &[Group], normalised: bool) {
    ui.label(
        RichText::new(if normalised {
            "排名依据：各专家标准化分的平均"
        } else {
            "排名依据：去极值平均分（评审不少于 5 份时），否则平均分"
        })
        .weak(),
    );
    let mut rows = Vec::with_capacity(groups.iter().map(|g| g.placed.len() + 3).sum());
    for (gi, g) in groups.iter().enumerate() {
        rows.push(RankRow::Heading(gi));
        rows.push(RankRow::Columns);
        rows.extend((0..g.placed.len()).map(|pi| RankRow::Placed(gi, pi)));
        rows.push(RankRow::Gap);
    }
    let height = ui.text_style_height(&egui::TextStyle::Body) + 6.0;
    // Fixed column widths: the visible rows change as one scrolls, the columns must not. The
    // name takes what the window leaves (from 260 to 560 px).
    let mut widths = [48.0, 260.0, 64.0, 64.0, 56.0, 64.0, 300.0, 90.0];
    let spacing = ui.spacing().item_spacing.x * (widths.len() as f32 - 1.0);
    let others: f32 = widths.iter().sum::<f32>() - widths[1];
    widths[1] = (ui.available_width() - others - spacing - 16.0).clamp(260.0, 560.0);
    // Names and experts read from the left; numbers stand in the middle of their column.
    let text_columns = [1, 6];
    let cell = |ui: &mut egui::Ui, column: usize, text: RichText| {
        let layout = if text_columns.contains(&column) {
            egui::Layout::left_to_right(egui::Align::Center)
        } else {
            egui::Layout::centered_and_justified(egui::Direction::LeftToRight)
        };
        ui.allocate_ui_with_layout(egui::vec2(widths[column], height - 4.0), layout, |ui| {
            ui.set_min_size(egui::vec2(widths[column], height - 4.0));
            ui.add(egui::Label::new(text).truncate())
        })
        .inner
    };
    egui::ScrollArea::both()
        .id_salt("review_ranking")
        .auto_shrink(false)
        .show_rows(ui, height, rows.len(), |ui, range| {
            for row in &rows[range] {
                match *row {
                    RankRow::Heading(gi) => {
                        ui.strong(&groups[gi].name);
                    }
                    RankRow::Columns => {
                        ui.horizontal(|ui| {
                            for (column, h) in [
                                "排名",
                                "名称",
                                "平均分",
                                "去极值",
                                "分差",
                                "推荐票",
                                "专家",
                                "建议",
                            ]
                            .into_iter()
                            .enumerate()
                            {
                                cell(ui, column, RichText::new(h).strong());
                            }
                        });
                    }
                    RankRow::Placed(gi, pi) => {
                        let p = &groups[gi].placed[pi];
                        let two = |v: Option<f64>| v.map(|x| format!("{x:.2}")).unwrap_or_default();
                        let experts: Vec<String> = p
                            .reviews
                            .iter()
                            .map(|x| {
                                let who = &r.experts[x.expert].name;
                                x.total
                                    .map_or(format!("{who} 回避"), |t| format!("{who} {t:.1}"))
                            })
                            .collect();
                        ui.horizontal(|ui| {
                            cell(
                                ui,
                                0,
                                RichText::new(p.place.map_or("—".to_owned(), |n| n.to_string())),
                            );
                            cell(ui, 1, RichText::new(&r.apps[p.app].name));
                            cell(ui, 2, RichText::new(two(p.mean)));
                            cell(ui, 3, RichText::new(two(p.trimmed)));
                            let spread = RichText::new(format!("{:.2}", p.spread));
                            if p.disagreement {
                                cell(ui, 4, spread.color(ui.visuals().warn_fg_color))
                                    .on_hover_text("专家评分分歧较大");
                            } else {
                                cell(ui, 4, spread);
                            }
                            cell(ui, 5, RichText::new(format!("{}/{}", p.recommend, p.voted)));
                            cell(ui, 6, RichText::new(experts.join("、")));
                            cell(
                                ui,
                                7,
                                RichText::new(match p.order {
                                    Some(o) => format!("推荐（{o}）"),
                                    None => String::new(),
                                }),
                            );
                        });
                    }
                    RankRow::Gap => {
                        ui.add_space(height - ui.spacing().item_spacing.y);
                    }
                }
            }
        });
}

/// The review's database, loaded with its sheet counts (and the ranking when asked).
fn load(folder: &Path, defs: &Definitions, rank: Option<bool>) -> Result<Option<Loaded>, String> {
    if !folder.join(crate::review::store::DB_NAME).is_file() {
        return Ok(None);
    }
    let store = ReviewStore::open(folder).map_err(|e| e.to_string())?;
    let review = store.load().map_err(|e| e.to_string())?;
    let sheets = store.sheet_state(&review).map_err(|e| e.to_string())?;
    let ranking = match rank {
        Some(normalised) => {
            let scored = store.scores(&review).map_err(|e| e.to_string())?;
            Some((
                crate::review::rank::rank(defs, &review, &scored, normalised),
                normalised,
            ))
        }
        None => None,
    };
    let mut loaded = Loaded::new(review, sheets, ranking);
    loaded.confirmed = store.confirmed().map_err(|e| e.to_string())?;
    Ok(Some(loaded))
}

impl KczgApp {
    fn review_folder(&self) -> Option<PathBuf> {
        match &self.screen {
            Screen::Desk(d) => d.review.folder.clone(),
            _ => None,
        }
    }

    /// Runs `work` on the review's folder off the frame; its message is said, and the page
    /// shows the review as the database then holds it.
    fn review_task(
        &mut self,
        label: &str,
        rank: Option<bool>,
        work: impl FnOnce(&Path, &Definitions) -> Result<Option<String>, String> + Send + 'static,
    ) {
        let Some(folder) = self.review_folder() else {
            return;
        };
        if self.refuse_while_busy() {
            return;
        }
        let defs = self.defs.clone();
        self.tasks
            .run(label.to_owned(), self.repaint.clone(), move || {
                let said = work(&folder, &defs);
                let loaded = load(&folder, &defs, rank);
                Box::new(move |app: &mut KczgApp| {
                    match said {
                        Ok(Some(text)) => app.notices.done(text),
                        Ok(None) => {}
                        Err(e) => app.notices.refusal(e),
                    }
                    match loaded {
                        Ok(loaded) => {
                            if let Screen::Desk(d) = &mut app.screen {
                                d.review.replace(loaded);
                            }
                        }
                        Err(e) => app.notices.refusal(e),
                    }
                })
            });
    }

    /// Applies one of the 评审 page's actions.
    pub(super) fn review_action(&mut self, action: Action) {
        match action {
            Action::ReviewLoad => {
                self.review_task("正在读取评审……", None, |_, _| Ok(None))
            }
            Action::ReviewPickExperts => {
                let dialog = self
                    .dialog("选择专家名单")
                    .add_filter("专家名单", &["xlsx", "csv"])
                    .pick_file();
                let picking: Picking = Box::pin(async move { dialog.await.map(|f| vec![f]) });
                self.when_picked("等待选择专家名单……", picking, |app, paths| {
                    if let Some(p) = paths.into_iter().next() {
                        app.review_action(Action::ReviewStart(p));
                    }
                });
            }
            Action::ReviewStart(experts) => {
                let Screen::Desk(d) = &self.screen else {
                    return;
                };
                let apps: Vec<Application> = d
                    .desk
                    .submissions
                    .iter()
                    .filter_map(|s| Application::of(&self.defs, s))
                    .collect();
                self.review_task("正在开始评审……", None, move |folder, defs| {
                    if apps.is_empty() {
                        return Err("汇总中还没有可评审的申报：请先导入申报材料".into());
                    }
                    let list = read_experts(&experts)?;
                    ReviewStore::create(
                        folder,
                        &list.experts,
                        &apps,
                        defs.review.settings.reviewers,
                    )
                    .map_err(|e| e.to_string())?;
                    let mut said = format!(
                        "已开始评审：{} 位专家，{} 份申报。",
                        list.experts.len(),
                        apps.len()
                    );
                    if !list.refused.is_empty() {
                        said.push_str(&format!(
                            "专家名单中 {} 行未采用：{}",
                            list.refused.len(),
                            list.refused.join("；")
                        ));
                    }
                    Ok(Some(said))
                });
            }
            Action::ReviewAssign => {
                self.review_task("正在分配专家……", None, |folder, defs| {
                    let mut store = ReviewStore::open(folder).map_err(|e| e.to_string())?;
                    let review = store.load().map_err(|e| e.to_string())?;
                    let out = assign(
                        defs,
                        &review.apps,
                        &review.experts,
                        AssignPlan { per: review.per },
                        &review.assignments,
                    );
                    let before = review.assignments.len();
                    store
                        .save_assignments(&review, &out.assignments, review.per)
                        .map_err(|e| e.to_string())?;
                    let mut said = format!(
                        "已分配：新增 {} 项，保留原有 {before} 项。",
                        out.assignments.len() - before
                    );
                    if !out.short.is_empty() {
                        said.push_str(&format!(
                            "{} 份未分满（{}）。",
                            out.short.len(),
                            out.short[0].2
                        ));
                    }
                    Ok(Some(said))
                })
            }
            Action::ReviewPickPackFolder => {
                let dialog = self.dialog("评审包存放的文件夹").pick_folder();
                let picking: Picking = Box::pin(async move { dialog.await.map(|f| vec![f]) });
                self.when_picked("等待选择文件夹……", picking, |app, paths| {
                    if let Some(p) = paths.into_iter().next() {
                        app.review_action(Action::ReviewPack(p));
                    }
                });
            }
            Action::ReviewPack(out) => {
                self.review_task("正在生成评审包……", None, move |folder, defs| {
                    let mut store = ReviewStore::open(folder).map_err(|e| e.to_string())?;
                    let review = store.load().map_err(|e| e.to_string())?;
                    let secret = store.secret().map_err(|e| e.to_string())?;
                    crate::files::create_private_dir(&out).map_err(|e| e.to_string())?;
                    let date = chrono::Local::now().fixed_offset();
                    let mut n = 0;
                    for e in 0..review.experts.len() {
                        if !review.assignments.iter().any(|a| a.expert == e) {
                            continue;
                        }
                        let pack = crate::review::pack::pack(defs, &review, &secret, e, date)?;
                        crate::files::write_atomic(&out.join(&pack.zip_name), &pack.zip)
                            .map_err(|e| e.to_string())?;
                        crate::files::write_atomic(&out.join(&pack.eml_name), &pack.eml)
                            .map_err(|e| e.to_string())?;
                        store
                            .packed(&review.experts[e], pack.apps)
                            .map_err(|e| e.to_string())?;
                        n += 1;
                    }
                    Ok(Some(format!(
                        "已生成 {n} 位专家的评审包和邮件草稿：{}",
                        out.display()
                    )))
                })
            }
            Action::ReviewPickSheets => {
                let dialog = self
                    .dialog("选择收回的评分表")
                    .add_filter("评分表或邮件", &["xlsx", "eml"])
                    .pick_files();
                let picking: Picking = Box::pin(dialog);
                self.when_picked("等待选择评分表……", picking, |app, paths| {
                    app.review_action(Action::ReviewCollect(paths));
                });
            }
            Action::ReviewCollect(paths) => {
                self.review_task("正在收回评分表……", None, move |folder, defs| {
                    let mut store = ReviewStore::open(folder).map_err(|e| e.to_string())?;
                    let review = store.load().map_err(|e| e.to_string())?;
                    let secret = store.secret().map_err(|e| e.to_string())?;
                    let expected = Expected::new(defs, &review, &secret);
                    // Said in a few lines whatever the number of sheets: the problems first.
                    let (mut rows, mut replaced, mut fine) = (0, 0, 0);
                    let mut problems = Vec::new();
                    for path in &paths {
                        let shown = path
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default();
                        let bytes = crate::files::read_bounded(path, crate::limits::PREVIOUS_BYTES)
                            .map_err(|e| e.to_string())?;
                        let back = read_returned_with(defs, &review, &expected, &shown, &bytes)?;
                        replaced += usize::from(
                            store
                                .record_return(&review, &back, &shown)
                                .map_err(|e| e.to_string())?,
                        );
                        rows += back.taken.len();
                        if back.findings.is_empty() {
                            fine += 1;
                            continue;
                        }
                        let who = back.expert.map_or("（无法对应专家）".to_owned(), |e| {
                            review.experts[e].name.clone()
                        });
                        let mut findings = back.findings.clone();
                        if findings.len() > 3 {
                            let more = findings.len() - 3;
                            findings.truncate(3);
                            findings.push(format!("另有 {more} 处"));
                        }
                        problems.push(format!(
                            "{who}（{shown}）：采用 {} 行，{} 处问题：{}",
                            back.taken.len(),
                            back.findings.len(),
                            findings.join("；")
                        ));
                    }
                    let mut text = format!(
                        "已收回 {} 张评分表，采用 {rows} 行；{fine} 张没有问题",
                        paths.len()
                    );
                    if replaced > 0 {
                        text.push_str(&format!("，{replaced} 张替换了之前收回的"));
                    }
                    if !problems.is_empty() {
                        text.push_str(&format!("，{} 张有问题：", problems.len()));
                        let more = problems.len().saturating_sub(10);
                        problems.truncate(10);
                        if more > 0 {
                            problems.push(format!(
                                "另有 {more} 张有问题（用 kczg-form review collect 逐张查看）"
                            ));
                        }
                        text.push('\n');
                        text.push_str(&problems.join("\n"));
                    } else {
                        text.push('。');
                    }
                    Ok(Some(text))
                })
            }
            Action::ReviewRank { normalised } => {
                self.review_task("正在汇总排名……", Some(normalised), |_, _| {
                    Ok(None)
                })
            }
            Action::ReviewConfirm => self.review_confirm(),
            Action::ReviewByHand { app, expert, on } => {
                self.review_task("正在保存分配……", None, move |folder, _| {
                    let mut store = ReviewStore::open(folder).map_err(|e| e.to_string())?;
                    let review = store.load().map_err(|e| e.to_string())?;
                    let (Some(a), Some(e)) = (
                        review.apps.iter().find(|x| x.id == app),
                        review.experts.iter().find(|x| x.email == expert),
                    ) else {
                        return Err("这份申报或这位专家已不在评审中".into());
                    };
                    if on && let Some(why) = crate::review::conflict(e, a) {
                        return Err(format!("不能把「{}」分给{}：需回避——{why}", a.name, e.name));
                    }
                    store.set_by_hand(a, e, on).map_err(|e| e.to_string())?;
                    Ok(Some(format!(
                        "已{}：{} 评审「{}」",
                        if on { "手工指定" } else { "取消" },
                        e.name,
                        a.name
                    )))
                });
            }
            _ => {}
        }
    }

    /// 确认建议的推荐与排序: the confirmed ranking is kept in the review's database first (off the
    /// frame); once it is, each ranked submission's 推荐 and 排序 on the desk is set from it
    /// (written through the desk's writer like any decision), its 备注 kept. When the review's
    /// file cannot be written, the desk is left as it was and that is said.
    fn review_confirm(&mut self) {
        let Screen::Desk(d) = &self.screen else {
            return;
        };
        let Some(Loaded {
            review,
            ranking: Some((groups, normalised)),
            ..
        }) = &d.review.loaded
        else {
            return;
        };
        let normalised = *normalised;
        let (desk, generation) = d.snapshot();
        let places: Vec<ConfirmedPlace> = groups
            .iter()
            .flat_map(|g| &g.placed)
            .filter(|p| p.mean.is_some())
            .map(|p| ConfirmedPlace {
                app: review.apps[p.app].id.clone(),
                recommend: p.proposed,
                place: p.order.and_then(|o| u32::try_from(o).ok()),
                score: p.key(normalised),
            })
            .collect();
        let Some(folder) = self.review_folder() else {
            return;
        };
        if self.refuse_while_busy() {
            return;
        }
        let defs = self.defs.clone();
        self.tasks.run(
            "正在确认排名……".to_owned(),
            self.repaint.clone(),
            move || {
                let kept = ReviewStore::open(&folder)
                    .and_then(|mut store| store.confirm(&places, normalised))
                    .map_err(|e| e.to_string());
                let loaded = load(&folder, &defs, Some(normalised));
                // What it does to the desk, worked out here against the desk as it was (only
                // once it is kept); the desk is let go before the frame puts it in place.
                let ranking = kept.map(|()| {
                    Ranking::prepare(
                        &desk,
                        generation,
                        places
                            .into_iter()
                            .map(|p| (p.app, p.recommend, p.place))
                            .collect(),
                    )
                });
                drop(desk);
                Box::new(move |app: &mut KczgApp| {
                    let ranking = match ranking {
                        Ok(ranking) => ranking,
                        Err(e) => {
                            app.notices.refusal(format!("{e}。桌面上的推荐与排序未改动"));
                            return;
                        }
                    };
                    let Screen::Desk(d) = &mut app.screen else {
                        return;
                    };
                    if let Ok(loaded) = loaded {
                        d.review.replace(loaded);
                    }
                    let n = d.apply_ranking(ranking);
                    app.notices.done(format!(
                        "已按评审结果标出推荐 {n} 份并填入排序（评审记录中已保存这次确认）；可在汇总表中逐项修改。"
                    ));
                })
            },
        );
    }
}
