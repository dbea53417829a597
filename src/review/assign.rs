//! Who reviews what. Each application gets `per` experts:
//!
//! 1. never one with a conflict of interest ([`super::conflict`]: the same unit or unit code as
//!    the applicant or a party of it, or a conflict the expert declared);
//! 2. the workload balanced: no expert gets more than the even share (rounded up) while another
//!    eligible one has less;
//! 3. within that, experts whose 领域 match the list and domain first, then the least loaded;
//! 4. what is already assigned (by hand, or sent out) is kept.
//!
//! The applications with the fewest eligible experts are served first, so that a crowded
//! field does not take the only experts a small one has. Every assignment says why it was
//! made; [`explain`] says why any expert was or was not chosen for an application.

use serde::{Deserialize, Serialize};

use super::{Application, Expert, Prepared, conflict, conflict_prepared};
use crate::schema::Definitions;

/// How many reviewers each application gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub per: usize,
}

/// One expert reviewing one application (indices into the review's lists).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub app: usize,
    pub expert: usize,
    /// Why, for people: 「领域相符（生物医药）；分配前已有 4 份」, 「手工指定」.
    pub why: String,
    /// Made or kept by hand: never moved by a new run.
    pub manual: bool,
}

/// What a run made.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Every assignment: those kept, then the new ones.
    pub assignments: Vec<Assignment>,
    /// Applications that got fewer reviewers than asked: (application, how many, why).
    pub short: Vec<(usize, usize, String)>,
}

/// Shares the applications out (see the module's head). `kept`: assignments to keep as they
/// are (those by hand, those already sent); an assignment to a conflicted expert is not kept.
pub fn assign(
    defs: &Definitions,
    apps: &[Application],
    experts: &[Expert],
    plan: Plan,
    kept: &[Assignment],
) -> Outcome {
    let prepared: Vec<Prepared> = experts.iter().map(Prepared::of).collect();
    let n = experts.len();
    let mut out = Outcome::default();
    let mut load = vec![0usize; n];
    let mut taken: Vec<Vec<usize>> = vec![Vec::new(); apps.len()];
    // Who may review what: the conflicts, each pair looked at once.
    let conflicted: Vec<Vec<bool>> = apps
        .iter()
        .map(|a| {
            experts
                .iter()
                .zip(&prepared)
                .map(|(e, p)| conflict_prepared(e, p, a).is_some())
                .collect()
        })
        .collect();
    for k in kept {
        if k.app < apps.len()
            && k.expert < n
            && !conflicted[k.app][k.expert]
            && !taken[k.app].contains(&k.expert)
        {
            taken[k.app].push(k.expert);
            load[k.expert] += 1;
            out.assignments.push(k.clone());
        }
    }
    // The fields of each list and domain, matched once per expert.
    let mut matching: std::collections::HashMap<(String, Option<String>), Vec<Option<String>>> =
        Default::default();
    for a in apps {
        matching
            .entry((a.list.clone(), a.domain.clone()))
            .or_insert_with(|| {
                experts
                    .iter()
                    .map(|e| super::fields_match(defs, e, a))
                    .collect()
            });
    }
    let total = apps.len() * plan.per;
    let share = if n == 0 { 0 } else { total.div_ceil(n) };
    let mut order: Vec<usize> = (0..apps.len()).collect();
    let eligible: Vec<usize> = conflicted
        .iter()
        .map(|c| c.iter().filter(|x| !**x).count())
        .collect();
    order.sort_by_key(|&i| (eligible[i], i));
    for i in order {
        let a = &apps[i];
        let fields = &matching[&(a.list.clone(), a.domain.clone())];
        while taken[i].len() < plan.per {
            let best = (0..n)
                .filter(|&e| !conflicted[i][e] && !taken[i].contains(&e))
                .min_by_key(|&e| (load[e] >= share, fields[e].is_none(), load[e], e));
            let Some(e) = best else { break };
            let why = match &fields[e] {
                Some(w) => format!("领域相符（{w}）；分配前已有 {} 份", load[e]),
                None => format!(
                    "领域不完全相符，为均衡工作量选入；分配前已有 {} 份",
                    load[e]
                ),
            };
            taken[i].push(e);
            load[e] += 1;
            out.assignments.push(Assignment {
                app: i,
                expert: e,
                why,
                manual: false,
            });
        }
        if taken[i].len() < plan.per {
            let why = if eligible[i] < plan.per {
                format!(
                    "可分配的专家只有 {} 位（其余 {} 位需回避），请补充专家名单",
                    eligible[i],
                    n - eligible[i]
                )
            } else {
                "专家不足".to_owned()
            };
            out.short.push((i, taken[i].len(), why));
        }
    }
    out
}

/// Why `expert` reviews `app`, or why not, for people (the assignment view's tooltip).
pub fn explain(
    defs: &Definitions,
    apps: &[Application],
    experts: &[Expert],
    assignments: &[Assignment],
    app: usize,
    expert: usize,
) -> String {
    let (Some(a), Some(e)) = (apps.get(app), experts.get(expert)) else {
        return String::new();
    };
    if let Some(found) = assignments
        .iter()
        .find(|x| x.app == app && x.expert == expert)
    {
        let by = if found.manual {
            "（手工指定）"
        } else {
            ""
        };
        return format!("{}评审「{}」：{}{by}", e.name, a.name, found.why);
    }
    if let Some(why) = conflict(e, a) {
        return format!("{}不评审「{}」：需回避——{why}", e.name, a.name);
    }
    let load = assignments.iter().filter(|x| x.expert == expert).count();
    let mean = if experts.is_empty() {
        0.0
    } else {
        assignments.len() as f64 / experts.len() as f64
    };
    let fields = match super::fields_match(defs, e, a) {
        Some(w) => format!("领域相符（{w}）"),
        None => "领域不相符".to_owned(),
    };
    format!(
        "{}未分配「{}」：{fields}；已有 {load} 份（平均 {mean:.1} 份），已由工作量更少或领域更相符的专家评审",
        e.name, a.name
    )
}
