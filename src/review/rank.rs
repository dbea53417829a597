//! Bringing the scores together: each review's weighted total (out of 100, recomputed from the
//! criteria — the sheet's own formula is not trusted), per application the mean, the trimmed
//! mean once there are `trim_from` reviews or more (the highest and the lowest left out), and,
//! when asked, the mean of per-expert z-scores (a harsh and a lenient expert weigh alike); the
//! spread of the totals, flagged past the plan's margin; a ranking per list (and domain) with
//! a proposed 推荐 (a majority of 推荐 among the verdicts) and 排序, for the clerk to confirm.

use serde::Serialize;

use super::collect::{Scored, Verdict};
use super::store::Review;
use crate::schema::Definitions;

/// One review of an application, as ranked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OneReview {
    pub expert: usize,
    /// The weighted total out of 100; None for 回避.
    pub total: Option<f64>,
    /// This total as the expert's z-score (None when the expert's totals do not vary).
    pub z: Option<f64>,
    pub scores: Vec<f64>,
    pub verdict: Verdict,
    pub comment: String,
}

/// One application's place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Placed {
    pub app: usize,
    /// From 1, within its group; None while it has no scored review.
    pub place: Option<usize>,
    pub reviews: Vec<OneReview>,
    pub mean: Option<f64>,
    pub trimmed: Option<f64>,
    pub z_mean: Option<f64>,
    /// Highest total less lowest.
    pub spread: f64,
    pub disagreement: bool,
    /// 推荐 among the verdicts, and the verdicts that were not 回避.
    pub recommend: usize,
    pub voted: usize,
    /// Proposed for 推荐 (a majority of 推荐), and its 排序 among those proposed.
    pub proposed: bool,
    pub order: Option<usize>,
}

impl Placed {
    /// The number the ranking goes by: the z-score mean when normalised, else the trimmed
    /// mean when there is one, else the mean.
    pub fn key(&self, normalised: bool) -> Option<f64> {
        if normalised {
            self.z_mean
        } else {
            self.trimmed.or(self.mean)
        }
    }
}

/// One list (and domain)'s ranking.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// 「先导技术榜·电子信息」
    pub name: String,
    pub placed: Vec<Placed>,
}

/// The ranking of everything scored (see the module's head).
pub fn rank(
    defs: &Definitions,
    review: &Review,
    scored: &[Scored],
    normalised: bool,
) -> Vec<Group> {
    let settings = defs.review.settings;
    // Each scored review's total.
    let total_of = |s: &Scored| -> Option<f64> {
        if s.verdict == Verdict::Abstain {
            return None;
        }
        let app = &review.apps[s.app];
        let plan = defs.review.plan_for(&app.list, app.domain.as_deref())?;
        (s.scores.len() == plan.criteria.len()).then(|| plan.total(&s.scores))
    };
    // Each expert's mean and standard deviation over all their totals.
    let mut per_expert: Vec<Vec<f64>> = vec![Vec::new(); review.experts.len()];
    for s in scored {
        if let Some(t) = total_of(s)
            && s.expert < per_expert.len()
        {
            per_expert[s.expert].push(t);
        }
    }
    let stats: Vec<Option<(f64, f64)>> = per_expert
        .iter()
        .map(|v| {
            if v.len() < 2 {
                return None;
            }
            let mean = v.iter().sum::<f64>() / v.len() as f64;
            let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64;
            (var.sqrt() > 1e-9).then_some((mean, var.sqrt()))
        })
        .collect();
    let mut placed: Vec<Placed> = (0..review.apps.len())
        .map(|app| Placed {
            app,
            place: None,
            reviews: Vec::new(),
            mean: None,
            trimmed: None,
            z_mean: None,
            spread: 0.0,
            disagreement: false,
            recommend: 0,
            voted: 0,
            proposed: false,
            order: None,
        })
        .collect();
    for s in scored {
        let Some(p) = placed.get_mut(s.app) else {
            continue;
        };
        let total = total_of(s);
        let z = total.and_then(|t| {
            stats
                .get(s.expert)
                .copied()
                .flatten()
                .map(|(m, sd)| (t - m) / sd)
        });
        p.reviews.push(OneReview {
            expert: s.expert,
            total,
            z,
            scores: s.scores.clone(),
            verdict: s.verdict,
            comment: s.comment.clone(),
        });
    }
    for p in &mut placed {
        let mut totals: Vec<f64> = p.reviews.iter().filter_map(|r| r.total).collect();
        p.voted = p
            .reviews
            .iter()
            .filter(|r| r.verdict != Verdict::Abstain)
            .count();
        p.recommend = p
            .reviews
            .iter()
            .filter(|r| r.verdict == Verdict::Recommend)
            .count();
        if totals.is_empty() {
            continue;
        }
        totals.sort_by(f64::total_cmp);
        let n = totals.len() as f64;
        p.mean = Some(round(totals.iter().sum::<f64>() / n));
        if totals.len() >= settings.trim_from {
            let inner = &totals[1..totals.len() - 1];
            p.trimmed = Some(round(inner.iter().sum::<f64>() / inner.len() as f64));
        }
        let zs: Vec<f64> = p.reviews.iter().filter_map(|r| r.z).collect();
        if !zs.is_empty() {
            p.z_mean = Some((zs.iter().sum::<f64>() / zs.len() as f64 * 1000.0).round() / 1000.0);
        }
        p.spread = round(totals[totals.len() - 1] - totals[0]);
        p.disagreement = p.spread > settings.disagreement;
        p.proposed = p.recommend * 2 > p.voted;
    }
    // Groups in the definitions' order: each list, each domain.
    let mut groups: Vec<(String, Vec<Placed>)> = Vec::new();
    for p in placed {
        let name = review.apps[p.app].list_text(defs);
        match groups.iter_mut().find(|(n, _)| *n == name) {
            Some((_, list)) => list.push(p),
            None => groups.push((name, vec![p])),
        }
    }
    let order_of = |name: &str| {
        let mut i = 0;
        for f in &defs.forms {
            if f.domains.is_empty() {
                if name == f.name {
                    return i;
                }
                i += 1;
            }
            for d in &f.domains {
                if name == format!("{}·{}", f.name, d.name) {
                    return i;
                }
                i += 1;
            }
        }
        i
    };
    groups.sort_by_key(|(n, _)| order_of(n));
    groups
        .into_iter()
        .map(|(name, mut list)| {
            list.sort_by(|a, b| {
                let (ka, kb) = (a.key(normalised), b.key(normalised));
                kb.partial_cmp(&ka)
                    .unwrap_or(std::cmp::Ordering::Equal)
                    .then(
                        b.mean
                            .partial_cmp(&a.mean)
                            .unwrap_or(std::cmp::Ordering::Equal),
                    )
                    .then(b.recommend.cmp(&a.recommend))
                    .then(a.app.cmp(&b.app))
            });
            let mut place = 0;
            let mut order = 0;
            for p in &mut list {
                if p.key(normalised).is_some() {
                    place += 1;
                    p.place = Some(place);
                }
                if p.proposed {
                    order += 1;
                    p.order = Some(order);
                }
            }
            Group { name, placed: list }
        })
        .collect()
}

fn round(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}
