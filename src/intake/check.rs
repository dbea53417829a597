//! One report on a submission, the same wherever it is shown — the form page, the draft list,
//! `validate`, `export` and the desk: what cleaning the text said, what changed after export,
//! what reading the document noticed, what came (or did not come) with it, and the rules; in
//! that order, with counts, and the conditions of the notice by id.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::{Edit, Note, Submission};
use crate::Definitions;
use crate::draft::Draft;
use crate::rules::{self, Finding, Severity};
use crate::schema::Form;

/// What was found about one submission.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub errors: usize,
    pub warnings: usize,
}

impl Report {
    fn new(findings: Vec<Finding>) -> Report {
        let errors = findings.iter().filter(|f| f.is_error()).count();
        Report {
            warnings: findings.len() - errors,
            errors,
            findings,
        }
    }

    /// (errors, warnings) per condition of the notice, by condition id.
    pub fn by_condition(&self) -> BTreeMap<&str, (usize, usize)> {
        let mut out: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for f in &self.findings {
            if let Some(c) = f.condition.as_deref() {
                let counts = out.entry(c).or_default();
                match f.severity {
                    Severity::Error => counts.0 += 1,
                    Severity::Warning => counts.1 += 1,
                }
            }
        }
        out
    }
}

/// Removes what a Word document cannot hold (control characters) from `draft` as it comes in,
/// and says so once per field: the notes to keep with it.
pub fn clean(form: &Form, draft: &mut Draft) -> Vec<Note> {
    if !draft.has_control_chars() {
        return Vec::new();
    }
    let cleaned = draft.strip_control_chars();
    rules::cleaning_findings(form, &cleaned)
        .iter()
        .map(Note::from)
        .collect()
}

/// The report on a submission received (see the module documentation).
pub fn check(defs: &Definitions, s: &Submission, today: NaiveDate) -> Report {
    if let Some(manual) = &s.manual {
        return Report::new(vec![error(format!("需人工处理：{}", manual.reason))]);
    }
    let Some(form) = defs.form(&s.draft.list) else {
        return Report::new(vec![error(format!(
            "榜单「{}」不认识。请确认表单定义与申报人所用的版本一致",
            s.draft.list
        ))]);
    };
    let mut said: Vec<Finding> = s
        .edits
        .iter()
        .map(|e| edit_finding(e, s.visible_values))
        .collect();
    said.extend(s.notes.iter().map(note_finding));
    if !s.attachments.is_empty()
        || matches!(s.container, super::Container::Eml | super::Container::Zip)
    {
        said.extend(super::package::attachment_findings(form, s));
    }
    check_draft(defs, form, &s.draft, said, today)
}

/// The report on a draft being filled in (the form page, the draft list, export): what was
/// already said about it (its cleaning notes), then the rules, then the values the form has no
/// field for (kept, never dropped).
pub fn check_draft(
    defs: &Definitions,
    form: &Form,
    draft: &Draft,
    mut said: Vec<Finding>,
    today: NaiveDate,
) -> Report {
    said.extend(rules::validate(defs, form, draft, today));
    said.extend(unknown_fields(form, draft));
    Report::new(said)
}

/// A warning for each value the form has no field for (a draft made with other definitions):
/// the value is kept as it is.
pub fn unknown_fields(form: &Form, draft: &Draft) -> Vec<Finding> {
    draft
        .values
        .keys()
        .filter(|key| form.field(key).is_none())
        .map(|key| Finding {
            field: key.clone(),
            severity: Severity::Warning,
            message: format!("「{key}」在当前表单定义中没有对应的字段（值已保留）"),
            condition: None,
            missing: false,
        })
        .collect()
}

/// A note kept with a submission, as a finding.
pub fn note_finding(n: &Note) -> Finding {
    Finding {
        field: n.field.clone(),
        severity: Severity::Warning,
        message: n.message.clone(),
        condition: None,
        missing: false,
    }
}

/// An edit after export, as a finding: the values counted are the visible ones, or (a
/// version-1 export) the embedded draft's.
pub fn edit_finding(e: &Edit, visible_values: bool) -> Finding {
    let counted = if visible_values {
        "导出后改动过，以文档中显示的为准"
    } else {
        "导出后在 Word 中改动过？以内嵌草稿为准"
    };
    Finding {
        field: e.field.clone(),
        severity: Severity::Warning,
        message: format!("{}（{counted}）", e.describe()),
        condition: None,
        missing: false,
    }
}

fn error(message: String) -> Finding {
    Finding {
        field: String::new(),
        severity: Severity::Error,
        message,
        condition: None,
        missing: false,
    }
}
