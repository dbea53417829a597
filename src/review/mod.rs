//! 择优推荐: the expert review of the secretariat — the applications received (read through the
//! intake), the experts (a list from .xlsx or .csv), who reviews what (conflicts of interest
//! never assigned, workload balanced, fields matched, every choice explained), kept in a
//! review folder's SQLite database so that nothing decided is lost.
//!
//! - [`experts`] reads the expert list: 姓名, 单位, 单位代码, 领域, 邮箱 (and 回避单位).
//! - [`Application`] is what the review needs of a submission: its plan, its parties.
//! - [`conflict`] says why an expert must not review an application; [`assign`] shares the
//!   applications out.
//! - [`store`] is the review folder (`review.sqlite`).

pub mod assign;
pub mod collect;
pub mod experts;
pub mod pack;
pub mod print;
pub mod rank;
pub mod results;
pub mod sheet;
pub mod store;

use serde::{Deserialize, Serialize};

use crate::consolidate::normalize;
use crate::intake::{Attachment, Container, Step, Submission};
use crate::schema::{Definitions, Format};

pub use assign::{Assignment, Plan as AssignPlan, assign};
pub use experts::{Expert, ExpertList, read_experts};

/// What the review needs of an application.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Application {
    /// The submission's id (the content hash of its form): sheets and decisions are keyed by it.
    pub id: String,
    pub list: String,
    pub domain: Option<String>,
    /// 名称 (技术、企业、机构、姓名) and 单位, as written.
    pub name: String,
    pub unit: String,
    /// The unit's 统一社会信用代码, normalised (empty when the form has none: a person's ID
    /// number is no unit's code).
    pub code: String,
    /// The parties an expert must not belong to, normalised: the unit and the plan's parties
    /// (牵头单位, 成员单位 …).
    pub parties: Vec<String>,
    /// The file it came in.
    pub source: String,
    /// What that file is, and where the form sits in it when it is an e-mail or a package
    /// (its name there and its steps): a pack carries the form and its attachments taken out,
    /// not the whole message (which may hold other applications). Empty in a review started
    /// before these were kept: the pack then carries the file as received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<Container>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub member_at: Vec<Step>,
    /// The files that came with the form.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
}

impl Application {
    /// The review's view of a submission; None for a row 「需人工处理」 (no form to review) or a
    /// list the definitions do not know.
    pub fn of(defs: &Definitions, s: &Submission) -> Option<Application> {
        if s.manual.is_some() {
            return None;
        }
        let form = defs.form(&s.draft.list)?;
        let text = |id: &str| s.draft.text(id).map(str::trim).unwrap_or("").to_owned();
        let name = text(&form.name_field);
        let unit = text(&form.unit_field);
        let code = form
            .roles
            .code
            .as_deref()
            .and_then(|id| form.field(id))
            .filter(|f| f.format == Some(Format::Uscc))
            .map(|f| normalize::code(&text(&f.id)))
            .unwrap_or_default();
        let mut parties = vec![normalize::name(&unit)];
        if let Some(plan) = defs.review.plan_for(&form.id, s.draft.domain.as_deref()) {
            for path in &plan.parties {
                match path.split_once('.') {
                    Some((table, column)) => {
                        let rows = s.draft.values.get(table).and_then(|v| v.as_array());
                        for row in rows.into_iter().flatten() {
                            if let Some(t) = row.get(column).and_then(|v| v.as_str()) {
                                parties.push(normalize::name(t));
                            }
                        }
                    }
                    None => parties.push(normalize::name(&text(path))),
                }
            }
        }
        parties.retain(|p| !p.is_empty());
        parties.sort();
        parties.dedup();
        Some(Application {
            id: s.id.clone(),
            list: form.id.clone(),
            domain: s.draft.domain.clone(),
            name,
            unit,
            code,
            parties,
            source: s.source.display().to_string(),
            container: Some(s.container),
            member: s.member.clone(),
            member_at: s.member_at.clone(),
            attachments: s.attachments.clone(),
        })
    }

    /// 「先导技术榜·生物医药」
    pub fn list_text(&self, defs: &Definitions) -> String {
        let Some(form) = defs.form(&self.list) else {
            return self.list.clone();
        };
        match self.domain.as_deref().and_then(|d| form.domain(d)) {
            Some(d) => format!("{}·{}", form.name, d.name),
            None => form.name.clone(),
        }
    }
}

/// An expert's unit, unit code and declared conflicts, normalised once (conflicts are looked
/// at for every pair of expert and application).
#[derive(Debug, Clone)]
pub struct Prepared {
    unit: String,
    code: String,
    declared: Vec<(String, String)>,
}

impl Prepared {
    pub fn of(expert: &Expert) -> Prepared {
        Prepared {
            unit: normalize::name(&expert.unit),
            code: normalize::code(&expert.unit_code),
            declared: expert
                .declared
                .iter()
                .map(|d| (normalize::name(d), d.clone()))
                .collect(),
        }
    }
}

/// Why an expert must not review an application, said for people; None: no conflict found.
pub fn conflict(expert: &Expert, app: &Application) -> Option<String> {
    conflict_prepared(expert, &Prepared::of(expert), app)
}

/// The same unit, or one inside the other (清华大学, 清华大学深圳国际研究生院): a short name is no
/// proof, so the one inside must have four characters or more.
fn close(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    !short.is_empty() && (short == long || (short.chars().count() >= 4 && long.contains(short)))
}

/// [`conflict`] with the expert's facts normalised beforehand.
pub fn conflict_prepared(expert: &Expert, p: &Prepared, app: &Application) -> Option<String> {
    if app.parties.iter().any(|party| close(&p.unit, party)) {
        let own = normalize::name(&app.unit);
        let whom = if close(&p.unit, &own) {
            format!("申报单位「{}」", app.unit)
        } else {
            "合作或成员单位".to_owned()
        };
        return Some(format!("与{whom}同单位（专家单位「{}」）", expert.unit));
    }
    if !p.code.is_empty() && p.code == app.code {
        return Some(format!("单位代码与申报单位相同（{}）", expert.unit_code));
    }
    for (d, shown) in &p.declared {
        if app.parties.iter().any(|party| close(d, party)) || close(d, &normalize::name(&app.name))
        {
            return Some(format!("专家申明回避「{shown}」"));
        }
    }
    None
}

/// Whether an expert's fields match an application's plan: one of the plan's words, or (先导技术榜)
/// the domain's name, appears in the expert's 领域.
pub fn fields_match(defs: &Definitions, expert: &Expert, app: &Application) -> Option<String> {
    let form = defs.form(&app.list)?;
    let plan = defs.review.plan_for(&app.list, app.domain.as_deref())?;
    let domain = app
        .domain
        .as_deref()
        .and_then(|d| form.domain(d))
        .map(|d| d.name.clone());
    domain
        .into_iter()
        .chain(plan.fields.iter().cloned())
        .find(|w| !w.is_empty() && expert.fields.contains(w.as_str()))
}
