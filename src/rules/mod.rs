//! The rule engine: a pure function from (definitions, form, draft, today) to findings.
//!
//! Field rules (kinds, limits, formats) live in [`fields`], cross-field rules in [`cross`],
//! the format validators in [`formats`]. Hidden fields are neither validated nor required.

mod cross;
mod fields;
pub mod formats;

pub use fields::{parse_date, parse_month};

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;

use crate::draft::{Cleaned, Draft};
use crate::schema::{Definitions, Field, Form, Section};

pub use crate::schema::Severity;

/// One validation result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// A field id, or `table[row].column` with rows counted from 0.
    pub field: String,
    pub severity: Severity,
    /// For people, in Chinese.
    pub message: String,
    /// The id of the condition of the notice it comes from (`c1`; its label, 「新锐企业榜
    /// 条件1」, is [`Finding::shown`]'s), if any.
    pub condition: Option<String>,
    /// A required field (or cell) still empty — 「请填写……」, 「请选择……」: an error, but one a
    /// fresh form is full of, said calmly (「待填」) until the field has been left.
    #[serde(skip)]
    pub missing: bool,
}

impl Finding {
    /// The message for people, with the label of its condition: 「……（新锐企业榜 条件1）」.
    pub fn shown(&self, form: &Form) -> String {
        match self.condition.as_deref().and_then(|c| form.condition(c)) {
            Some(c) => format!("{}（{}）", self.message, c.label),
            None => self.message.clone(),
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// An error that is not only a required field still empty.
    pub fn is_wrong(&self) -> bool {
        self.is_error() && !self.missing
    }

    /// The top-level field id of the path (`ip` for `ip[3].number`).
    pub fn field_id(&self) -> &str {
        self.field.split(['[', '.']).next().unwrap_or(&self.field)
    }
}

/// Everything one validation run reads.
struct Ctx<'a> {
    defs: &'a Definitions,
    form: &'a Form,
    draft: &'a Draft,
    today: NaiveDate,
    out: Vec<Finding>,
}

impl Ctx<'_> {
    fn domain(&self) -> Option<&str> {
        self.draft.domain.as_deref()
    }

    /// The condition to cite (its id) for these condition ids in the current domain.
    fn condition(&self, ids: &[String]) -> Option<String> {
        self.form
            .applicable_condition(ids, self.domain())
            .map(|c| c.id.clone())
    }

    fn push(&mut self, field: String, severity: Severity, message: String, conditions: &[String]) {
        let condition = self.condition(conditions);
        self.out.push(Finding {
            field,
            severity,
            message,
            condition,
            missing: false,
        });
    }

    /// A required field or cell still empty: an error marked [`Finding::missing`].
    fn push_missing(&mut self, field: String, message: String, conditions: &[String]) {
        self.push(field, Severity::Error, message, conditions);
        if let Some(f) = self.out.last_mut() {
            f.missing = true;
        }
    }
}

/// Validates a draft against its form. `today` bounds dates that must not lie in the future.
///
/// Findings come in form order; within a field, its own checks before cross-field rules.
pub fn validate(defs: &Definitions, form: &Form, draft: &Draft, today: NaiveDate) -> Vec<Finding> {
    let mut ctx = Ctx {
        defs,
        form,
        draft,
        today,
        out: Vec::new(),
    };
    if draft.call != defs.call.year.to_string() {
        ctx.out.push(Finding {
            field: "call".into(),
            severity: Severity::Warning,
            message: format!(
                "此草稿按 {} 年征集填写，当前表单定义为 {} 年征集，请核对各项要求是否有变",
                draft.call, defs.call.year
            ),
            condition: None,
            missing: false,
        });
    }
    for section in &form.sections {
        if !section_visible(draft, section) {
            continue;
        }
        for field in &section.fields {
            if field_visible(draft, field) {
                fields::check_top(&mut ctx, field);
            }
        }
    }
    cross::check_rules(&mut ctx);
    let order = |f: &Finding| match f.field_id() {
        "call" => (0, 0),
        id => form
            .position(id)
            .map_or((usize::MAX, 0), |p| (p.section + 1, p.field)),
    };
    ctx.out.sort_by_key(order);
    ctx.out
}

/// Validates a draft of any list: looks its form up first. None when the list is unknown.
pub fn validate_draft(defs: &Definitions, draft: &Draft, today: NaiveDate) -> Option<Vec<Finding>> {
    let form = defs.form(&draft.list)?;
    Some(validate(defs, form, draft, today))
}

/// Findings telling the person which fields had invisible control characters removed.
pub fn cleaning_findings(form: &Form, cleaned: &[Cleaned]) -> Vec<Finding> {
    cleaned
        .iter()
        .map(|c| {
            let id = c.path.split(['[', '.']).next().unwrap_or(&c.path);
            let label = form.field(id).map_or(id, |f| f.label.as_str());
            Finding {
                field: c.path.clone(),
                severity: Severity::Warning,
                message: format!(
                    "「{label}」中有 {} 个不可见的控制字符（Word 文档不能保存），已删除，请检查该处文字",
                    c.removed
                ),
                condition: None,
                missing: false,
            }
        })
        .collect()
}

/// Whether a section is shown for this draft.
pub fn section_visible(draft: &Draft, section: &Section) -> bool {
    section
        .visible_if
        .as_ref()
        .is_none_or(|w| w.holds(draft.text(&w.field)))
}

/// Whether a field is shown (its own `visible_if`; the section is checked separately).
pub fn field_visible(draft: &Draft, field: &Field) -> bool {
    field
        .visible_if
        .as_ref()
        .is_none_or(|w| w.holds(draft.text(&w.field)))
}

/// Whether a top-level field is shown, its section included.
pub fn is_visible(form: &Form, draft: &Draft, id: &str) -> bool {
    let Some(pos) = form.position(id) else {
        return false;
    };
    let section = &form.sections[pos.section];
    section_visible(draft, section) && field_visible(draft, &section.fields[pos.field])
}

/// Characters counted against a limit: for long texts, those that are not white space
/// (「不含空格字数」); for short texts, all characters of the trimmed text.
pub fn char_count(field: &Field, text: &str) -> usize {
    match field.kind {
        crate::schema::Kind::Textarea => text.chars().filter(|c| !c.is_whitespace()).count(),
        _ => text.trim().chars().count(),
    }
}

/// A number from a JSON number or from text a person typed (「1,200」 is not accepted).
pub fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|x| x.is_finite()),
        _ => None,
    }
}

/// The value of a computed field, already formatted (研发投入强度 「4.25%」), or None when its
/// inputs are missing or the denominator is zero.
pub fn computed_value(draft: &Draft, field: &Field) -> Option<String> {
    let computed = field.computed.as_ref()?;
    let [num, den] = &computed.ratio;
    let n = number(draft.get(num)?)?;
    let d = number(draft.get(den)?)?;
    if d == 0.0 {
        return None;
    }
    let ratio = n / d;
    Some(if computed.percent {
        format!("{:.2}%", ratio * 100.0)
    } else {
        format!("{ratio:.4}")
    })
}
