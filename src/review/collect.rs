//! A returned 评分表, checked row by row before anything is taken: the check codes say whose it
//! is and which application each row is; a row added, removed, moved or whose key was altered,
//! a score out of range or missing, a missing 推荐意见 or 评审意见, a 回避 — each is a finding in
//! Chinese naming the row, and only rows that pass are taken (nothing silently).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::sheet::{
    CODE_HEADER, COMMENT_HEADER, KEY_HEADER, VERDICT_HEADER, by_plan, key, row_code,
};
use super::store::Review;
use crate::schema::Definitions;

/// An expert's verdict on an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    Recommend,
    NotRecommend,
    /// The expert declares a conflict: no scores, another expert is needed.
    Abstain,
}

impl Verdict {
    pub fn parse(text: &str) -> Option<Verdict> {
        match text.trim() {
            "推荐" => Some(Verdict::Recommend),
            "不推荐" => Some(Verdict::NotRecommend),
            "回避" => Some(Verdict::Abstain),
            _ => None,
        }
    }

    pub fn text(self) -> &'static str {
        match self {
            Verdict::Recommend => "推荐",
            Verdict::NotRecommend => "不推荐",
            Verdict::Abstain => "回避",
        }
    }
}

/// One expert's scores of one application, as taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scored {
    /// Indices into the review's applications and experts.
    pub app: usize,
    pub expert: usize,
    /// In the plan's criteria order; empty for 回避.
    pub scores: Vec<f64>,
    pub verdict: Verdict,
    pub comment: String,
}

/// What a returned sheet gave.
#[derive(Debug, Clone, Default)]
pub struct Returned {
    /// The expert it belongs to (by its check codes); None when no row could be matched.
    pub expert: Option<usize>,
    pub taken: Vec<Scored>,
    /// Each problem, naming the sheet and row.
    pub findings: Vec<String>,
}

/// What the returned sheets are checked against, made once for a collection of any number of
/// sheets: where each expected row is (check code → expert, application, row on its sheet from
/// 1) and each expert's applications.
pub struct Expected {
    codes: HashMap<String, (usize, usize, usize)>,
    by_expert: Vec<Vec<usize>>,
}

impl Expected {
    pub fn new(defs: &Definitions, review: &Review, secret: &str) -> Expected {
        let mut by_expert: Vec<Vec<usize>> = vec![Vec::new(); review.experts.len()];
        for a in &review.assignments {
            if let Some(list) = by_expert.get_mut(a.expert) {
                list.push(a.app);
            }
        }
        for list in &mut by_expert {
            list.sort_unstable();
            list.dedup();
        }
        let index = app_index(review);
        let mut codes = HashMap::new();
        for (e, expert) in review.experts.iter().enumerate() {
            let apps: Vec<&super::Application> =
                by_expert[e].iter().map(|&a| &review.apps[a]).collect();
            for (_, group) in by_plan(defs, &apps) {
                for (row, app) in group.iter().enumerate() {
                    let a = index[app.id.as_str()];
                    codes.insert(row_code(secret, expert, app, row + 1), (e, a, row + 1));
                }
            }
        }
        Expected { codes, by_expert }
    }
}

/// Each application's index by its id.
pub fn app_index(review: &Review) -> HashMap<&str, usize> {
    review
        .apps
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id.as_str(), i))
        .collect()
}

/// The applications assigned to expert `e`, in the review's order.
pub fn assigned(review: &Review, e: usize) -> Vec<&super::Application> {
    let mut apps: Vec<usize> = review
        .assignments
        .iter()
        .filter(|a| a.expert == e)
        .map(|a| a.app)
        .collect();
    apps.sort_unstable();
    apps.dedup();
    apps.iter().map(|&a| &review.apps[a]).collect()
}

/// Reads and checks one returned workbook (`shown`: its name for the findings).
pub fn read_returned(
    defs: &Definitions,
    review: &Review,
    secret: &str,
    shown: &str,
    bytes: &[u8],
) -> Result<Returned, String> {
    read_returned_with(
        defs,
        review,
        &Expected::new(defs, review, secret),
        shown,
        bytes,
    )
}

/// [`read_returned`] against what is expected, made once for many sheets.
pub fn read_returned_with(
    defs: &Definitions,
    review: &Review,
    expected: &Expected,
    shown: &str,
    bytes: &[u8],
) -> Result<Returned, String> {
    let sheets =
        crate::consolidate::sheet::all_sheets(bytes).map_err(|e| format!("{shown}：{e}"))?;
    let codes = &expected.codes;
    let mut out = Returned::default();
    let mut seen: Vec<(usize, usize)> = Vec::new();
    let mut experts_found: Vec<usize> = Vec::new();
    let mut any_sheet = false;
    for (name, rows) in &sheets {
        let cell = |row: &[(usize, String)], col: Option<usize>| -> String {
            col.and_then(|c| row.iter().find(|(k, _)| *k == c))
                .map(|(_, t)| t.trim().to_owned())
                .unwrap_or_default()
        };
        let Some(head_at) = rows
            .iter()
            .position(|r| r.iter().any(|(_, t)| t.trim() == CODE_HEADER))
        else {
            continue;
        };
        any_sheet = true;
        let head = &rows[head_at];
        let col = |title: &str| {
            head.iter()
                .find(|(_, t)| t.trim() == title)
                .map(|(c, _)| *c)
        };
        let (code_col, key_col, verdict_col, comment_col) = (
            col(CODE_HEADER),
            col(KEY_HEADER),
            col(VERDICT_HEADER),
            col(COMMENT_HEADER),
        );
        let name_col = col("名称");
        for (i, row) in rows.iter().enumerate().skip(head_at + 1) {
            let line = i + 1;
            if row.iter().all(|(_, t)| t.trim().is_empty()) {
                continue;
            }
            let here = format!("{shown}「{name}」第 {line} 行");
            let code = cell(row, code_col);
            let Some(&(e, a, expected_row)) = codes.get(&code) else {
                out.findings.push(format!(
                    "{here}不是发给专家的评分表中的行（新增或改动过校验码），未采用"
                ));
                continue;
            };
            let app = &review.apps[a];
            let Some(plan) = defs.review.plan_for(&app.list, app.domain.as_deref()) else {
                continue;
            };
            if !experts_found.contains(&e) {
                experts_found.push(e);
            }
            if cell(row, key_col) != key(app)
                || (name_col.is_some() && cell(row, name_col) != app.name)
            {
                out.findings.push(format!(
                    "{here}的申报编号或名称被改动过（应为 {}「{}」），未采用",
                    key(app),
                    app.name
                ));
                continue;
            }
            if seen.contains(&(e, a)) {
                out.findings
                    .push(format!("{here}重复了「{}」，只采用第一行", app.name));
                continue;
            }
            let position = i - head_at;
            if position != expected_row {
                out.findings.push(format!(
                    "{here}被移动过（原为第 {} 行）：已按校验码对应到「{}」",
                    expected_row + head_at + 1,
                    app.name
                ));
            }
            let verdict_text = cell(row, verdict_col);
            let verdict = match Verdict::parse(&verdict_text) {
                Some(v) => v,
                None if verdict_text.is_empty() => {
                    out.findings
                        .push(format!("{here}「{}」没有选推荐意见，未采用", app.name));
                    continue;
                }
                None => {
                    out.findings.push(format!(
                        "{here}「{}」的推荐意见「{verdict_text}」不是 推荐、不推荐 或 回避，未采用",
                        app.name
                    ));
                    continue;
                }
            };
            let comment = cell(row, comment_col);
            if verdict == Verdict::Abstain {
                out.findings.push(format!(
                    "{here}：专家对「{}」选择回避{}，请另派一位专家",
                    app.name,
                    if comment.is_empty() {
                        String::new()
                    } else {
                        format!("（{comment}）")
                    }
                ));
                seen.push((e, a));
                out.taken.push(Scored {
                    app: a,
                    expert: e,
                    scores: Vec::new(),
                    verdict,
                    comment,
                });
                continue;
            }
            let mut scores = Vec::new();
            let mut bad = Vec::new();
            for c in &plan.criteria {
                let at = head
                    .iter()
                    .find(|(_, t)| {
                        let t = t.trim();
                        t == c.label
                            || t.strip_prefix(c.label.as_str())
                                .is_some_and(|r| r.starts_with('（'))
                    })
                    .map(|(k, _)| *k);
                let text = cell(row, at);
                match text.parse::<f64>() {
                    Ok(v) if c.accepts(v) => scores.push(v),
                    Ok(v) => bad.push(format!("「{}」{v} 分不在 {} 内", c.label, c.range_text())),
                    Err(_) if text.is_empty() => bad.push(format!("「{}」未打分", c.label)),
                    Err(_) => bad.push(format!("「{}」的「{text}」不是分数", c.label)),
                }
            }
            if !bad.is_empty() {
                out.findings.push(format!(
                    "{here}「{}」：{}，未采用",
                    app.name,
                    bad.join("；")
                ));
                continue;
            }
            if comment.is_empty() {
                out.findings.push(format!(
                    "{here}「{}」没有填写评审意见（必填），未采用",
                    app.name
                ));
                continue;
            }
            seen.push((e, a));
            out.taken.push(Scored {
                app: a,
                expert: e,
                scores,
                verdict,
                comment,
            });
        }
    }
    if !any_sheet {
        return Err(format!(
            "{shown}：不是本次评审的评分表（没有找到带校验码的评分工作表）"
        ));
    }
    match experts_found.as_slice() {
        [] => out.findings.push(format!(
            "{shown}：没有一行能对应到本次评审的专家和申报，未采用任何内容"
        )),
        [e] => {
            out.expert = Some(*e);
            // Rows sent but not returned.
            for &a in &expected.by_expert[*e] {
                let app = &review.apps[a];
                let present = seen.contains(&(*e, a))
                    || out
                        .findings
                        .iter()
                        .any(|f| f.contains(&format!("「{}」", app.name)));
                if !present {
                    out.findings.push(format!(
                        "{shown}：缺少「{}」（{}）这一行，请专家补评",
                        app.name,
                        key(app)
                    ));
                }
            }
        }
        several => {
            let names: Vec<&str> = several
                .iter()
                .map(|&e| review.experts[e].name.as_str())
                .collect();
            out.findings.push(format!(
                "{shown}：混有几位专家的评分行（{}），未采用；请每位专家各发回自己的评分表",
                names.join("、")
            ));
            out.taken.clear();
        }
    }
    Ok(out)
}
