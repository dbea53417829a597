//! The expert review's plans (`review.toml`, beside the forms): per list — and per domain of
//! 先导技术榜 — the criteria an expert scores, with their weights, score ranges and what each
//! means, drawn from the call's conditions. Resolved here and checked against the forms, with
//! the file and line of anything wrong.

use serde::Deserialize;
use toml::Spanned;

use super::Form;
use super::load::{DefinitionError, Source};

/// Every plan, and the review's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewPlans {
    pub settings: ReviewSettings,
    pub plans: Vec<ReviewPlan>,
}

#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewSettings {
    /// Reviewers per application.
    pub reviewers: usize,
    /// A spread of the weighted totals (out of 100) beyond this is a disagreement.
    pub disagreement: f64,
    /// From this many reviews on, a trimmed mean (the highest and lowest left out) too.
    pub trim_from: usize,
}

/// The criteria of one list (and some of its domains).
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewPlan {
    pub list: String,
    /// The domains it is for; empty: the list has none.
    pub domains: Vec<String>,
    /// Words matched against an expert's 领域 (any one found: the fields match).
    pub fields: Vec<String>,
    /// Fields naming a party an expert must not review (besides the form's unit): a field id,
    /// or `table.column` for each row (「成员单位」).
    pub parties: Vec<String>,
    pub criteria: Vec<Criterion>,
}

/// One score an expert gives.
#[derive(Debug, Clone, PartialEq)]
pub struct Criterion {
    pub id: String,
    pub label: String,
    /// Out of 100 over the plan.
    pub weight: f64,
    /// Scores run from 0 to `max` in steps of `step` (1: whole points, 0.5: half points).
    pub max: f64,
    pub step: f64,
    pub means: String,
    pub conditions: Vec<String>,
}

impl ReviewPlans {
    /// The plan for an application of `list` (in `domain`).
    pub fn plan_for(&self, list: &str, domain: Option<&str>) -> Option<&ReviewPlan> {
        self.plans.iter().find(|p| {
            p.list == list
                && (p.domains.is_empty()
                    || domain.is_some_and(|d| p.domains.iter().any(|x| x == d)))
        })
    }
}

impl ReviewPlan {
    /// The weighted total out of 100 of one expert's scores (in the criteria's order).
    pub fn total(&self, scores: &[f64]) -> f64 {
        self.criteria
            .iter()
            .zip(scores)
            .map(|(c, s)| c.weight * s / c.max)
            .sum()
    }
}

impl Criterion {
    /// Whether `score` is one an expert may give: within 0..=max, on a step.
    pub fn accepts(&self, score: f64) -> bool {
        let steps = score / self.step;
        score.is_finite()
            && (0.0..=self.max).contains(&score)
            && (steps - steps.round()).abs() < 1e-9
    }

    /// 「0–10 分，可打半分」
    pub fn range_text(&self) -> String {
        let whole = |v: f64| {
            if v.fract() == 0.0 {
                format!("{v:.0}")
            } else {
                format!("{v}")
            }
        };
        let steps = if self.step == 1.0 {
            "整数分".to_owned()
        } else if self.step == 0.5 {
            "可打半分".to_owned()
        } else {
            format!("以 {} 分为单位", whole(self.step))
        };
        format!("0–{} 分，{steps}", whole(self.max))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReview {
    settings: Spanned<ReviewSettings>,
    plans: Vec<Spanned<RawPlan>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlan {
    list: Spanned<String>,
    #[serde(default)]
    domains: Vec<Spanned<String>>,
    #[serde(default)]
    fields: Vec<String>,
    #[serde(default)]
    parties: Vec<Spanned<String>>,
    criteria: Vec<Spanned<RawCriterion>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCriterion {
    id: Spanned<String>,
    label: String,
    weight: Spanned<f64>,
    max: Spanned<f64>,
    step: Spanned<f64>,
    means: String,
    #[serde(default)]
    conditions: Vec<Spanned<String>>,
}

/// Reads `review.toml` and checks it against the forms: every list (every domain) has one
/// plan, weights add up to 100, ranges and steps are sound, conditions exist.
pub(super) fn resolve(src: &Source, forms: &[Form]) -> Result<ReviewPlans, DefinitionError> {
    let raw: RawReview = src.parse()?;
    let at = |span: std::ops::Range<usize>, reason: String| src.error(Some(span), reason);
    let s = raw.settings.get_ref();
    if !(1..=10).contains(&s.reviewers) {
        return Err(at(
            raw.settings.span(),
            format!("reviewers 应为 1–10 人，现为 {}", s.reviewers),
        ));
    }
    if !(s.disagreement > 0.0 && s.disagreement <= 100.0) {
        return Err(at(
            raw.settings.span(),
            "disagreement 应在 0–100 之间（百分制）".into(),
        ));
    }
    if s.trim_from < 3 {
        return Err(at(
            raw.settings.span(),
            "trim_from 至少为 3（去掉最高、最低分后还要有分数）".into(),
        ));
    }
    let mut plans: Vec<ReviewPlan> = Vec::new();
    for plan in &raw.plans {
        let p = plan.get_ref();
        let Some(form) = forms.iter().find(|f| f.id == *p.list.get_ref()) else {
            return Err(at(
                p.list.span(),
                format!("没有「{}」这个榜单", p.list.get_ref()),
            ));
        };
        let mut domains = Vec::new();
        for d in &p.domains {
            if form.domain(d.get_ref()).is_none() {
                return Err(at(
                    d.span(),
                    format!("{}没有「{}」这个领域", form.name, d.get_ref()),
                ));
            }
            let taken = plans
                .iter()
                .any(|q| q.list == form.id && q.domains.iter().any(|x| x == d.get_ref()));
            if taken || domains.contains(d.get_ref()) {
                return Err(at(d.span(), format!("领域「{}」已有评审方案", d.get_ref())));
            }
            domains.push(d.get_ref().clone());
        }
        if domains.is_empty() && !form.domains.is_empty() {
            return Err(at(
                plan.span(),
                format!("{}分领域评审：请用 domains 写明本方案适用的领域", form.name),
            ));
        }
        if domains.is_empty() && plans.iter().any(|q| q.list == form.id) {
            return Err(at(plan.span(), format!("{}已有评审方案", form.name)));
        }
        let mut parties = Vec::new();
        for party in &p.parties {
            let path = party.get_ref();
            let known = match path.split_once('.') {
                Some((table, column)) => form
                    .field(table)
                    .is_some_and(|t| t.column(column).is_some()),
                None => form.field(path).is_some(),
            };
            if !known {
                return Err(at(party.span(), format!("{}没有字段「{path}」", form.name)));
            }
            parties.push(path.clone());
        }
        if p.criteria.is_empty() {
            return Err(at(
                plan.span(),
                "评审方案至少要有一个评分项（criteria）".into(),
            ));
        }
        let mut criteria: Vec<Criterion> = Vec::new();
        for c in &p.criteria {
            let r = c.get_ref();
            let id = r.id.get_ref();
            if id.is_empty() || !id.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_') {
                return Err(at(
                    r.id.span(),
                    format!("评分项 id「{id}」只能用英文字母、数字和下划线"),
                ));
            }
            if criteria.iter().any(|x| x.id == *id) {
                return Err(at(r.id.span(), format!("评分项 id「{id}」重复")));
            }
            let (weight, max, step) = (*r.weight.get_ref(), *r.max.get_ref(), *r.step.get_ref());
            if !(weight > 0.0 && weight <= 100.0) {
                return Err(at(
                    r.weight.span(),
                    format!("权重应大于 0、不超过 100，现为 {weight}"),
                ));
            }
            if !(max > 0.0 && max <= 1000.0) {
                return Err(at(r.max.span(), format!("满分应大于 0，现为 {max}")));
            }
            let steps = max / step;
            if !(step > 0.0 && step <= max && (steps - steps.round()).abs() < 1e-9) {
                return Err(at(
                    r.step.span(),
                    format!(
                        "step 应大于 0 且能整除满分 {max}（1 为整数分，0.5 可打半分），现为 {step}"
                    ),
                ));
            }
            for cond in &r.conditions {
                if form.condition(cond.get_ref()).is_none() {
                    return Err(at(
                        cond.span(),
                        format!("{}没有申报条件「{}」", form.name, cond.get_ref()),
                    ));
                }
            }
            criteria.push(Criterion {
                id: id.clone(),
                label: r.label.clone(),
                weight,
                max,
                step,
                means: r.means.clone(),
                conditions: r.conditions.iter().map(|c| c.get_ref().clone()).collect(),
            });
        }
        let sum: f64 = criteria.iter().map(|c| c.weight).sum();
        if (sum - 100.0).abs() > 1e-6 {
            return Err(at(
                plan.span(),
                format!("{}评分项的权重合计应为 100，现为 {sum}", form.name),
            ));
        }
        plans.push(ReviewPlan {
            list: form.id.clone(),
            domains,
            fields: p.fields.clone(),
            parties,
            criteria,
        });
    }
    for form in forms {
        let covered = |d: Option<&str>| {
            plans.iter().any(|p| {
                p.list == form.id
                    && (p.domains.is_empty() || d.is_some_and(|d| p.domains.iter().any(|x| x == d)))
            })
        };
        if form.domains.is_empty() {
            if !covered(None) {
                return Err(src.error(None, format!("缺少{}的评审方案", form.name)));
            }
        } else if let Some(d) = form.domains.iter().find(|d| !covered(Some(&d.id))) {
            return Err(src.error(
                None,
                format!("缺少{}「{}」领域的评审方案", form.name, d.name),
            ));
        }
    }
    Ok(ReviewPlans {
        settings: *s,
        plans,
    })
}
