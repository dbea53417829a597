//! The 推荐汇总表's rows, its .csv, and the re-export of one submission with its recommendation.
//!
//! The overview's columns have stable keys (English, for scripts) and Chinese headings
//! ([`OVERVIEW`]); the .xlsx writes the keys in a hidden first row, the .csv has the headings
//! only (it is for Excel).

use serde::Serialize;
use serde_json::Value;

use super::checks::{self, Duplicate, PreviousHit};
use super::{Decision, Desk};
use crate::docx::{ExportError, ExportOptions};
use crate::naming;
use crate::schema::{Definitions, FieldRole};

/// The overview's columns: (key, heading).
pub const OVERVIEW: [(&str, &str); 18] = [
    ("seq", "序号"),
    ("list", "榜单"),
    ("domain", "领域"),
    ("name", "名称"),
    ("unit", "单位"),
    ("contact", "联系人"),
    ("mobile", "手机"),
    ("errors", "错误数"),
    ("warnings", "提醒数"),
    ("origin", "来源"),
    ("attachments", "附件"),
    ("manual", "需人工处理原因"),
    ("source", "来源文件"),
    ("recommend", "推荐"),
    ("rank", "排序"),
    ("note", "备注"),
    ("duplicates", "疑似重复"),
    ("previous", "历年入选"),
];

/// One submission in the summary.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// 序号, from 1, in the desk's order.
    pub seq: usize,
    /// The submission's id (content hash of its file).
    pub id: String,
    /// List id and name.
    pub list: String,
    pub list_name: String,
    /// The domain's name (先导技术榜), else empty.
    pub domain: String,
    /// 名称 (技术/企业/机构/姓名) and 单位.
    pub name: String,
    pub unit: String,
    /// 联系人 and 手机 (技术经理人先锋榜: the person and their mobile).
    pub contact: String,
    pub mobile: String,
    /// 统一社会信用代码 or 身份证号码 (the form's `code_field`), for search.
    pub code: String,
    /// Keys that sort the name, the unit and the list by pinyin.
    #[serde(skip)]
    pub sort_keys: [String; 3],
    /// Every searchable column, lower-cased, one per line: made once with the row, so a
    /// search over ten thousand rows does not lower-case them every frame.
    #[serde(skip)]
    pub search_text: String,
    pub errors: usize,
    pub warnings: usize,
    /// The source file as found.
    pub source: String,
    /// 「邮件 · Word 中修改过」 ([`crate::intake::Submission::source_text`]).
    pub origin: String,
    /// 「3 个：a.pdf、b.pdf、盖章扫描件.pdf」.
    pub attachments: String,
    /// Why the row is 「需人工处理」; empty for a form read.
    pub manual: String,
    pub recommend: bool,
    pub rank: Option<u32>,
    pub note: String,
    /// Other submissions of the same list that look the same.
    pub duplicates: Vec<Duplicate>,
    /// A match against the previous-winners list.
    pub previous: Option<PreviousHit>,
    /// The flags as text: 「与第 3 行重复（同一统一社会信用代码）」.
    pub duplicates_text: String,
    pub previous_text: String,
}

impl Row {
    /// Whether any column holds `needle` (already lower-cased: letters compare without case):
    /// name, unit, contact, mobile, code (信用代码 or 身份证), list, domain, source, origin,
    /// attachments, note, flags; or the 序号.
    pub fn matches(&self, needle: &str) -> bool {
        self.search_text.contains(needle) || self.seq.to_string() == needle
    }

    /// [`Row::search_text`] of the columns as they are now.
    fn searchable(&self) -> String {
        [
            &self.name,
            &self.unit,
            &self.contact,
            &self.mobile,
            &self.code,
            &self.list_name,
            &self.domain,
            &self.source,
            &self.origin,
            &self.attachments,
            &self.manual,
            &self.note,
            &self.duplicates_text,
            &self.previous_text,
        ]
        .iter()
        .map(|t| t.to_lowercase())
        .collect::<Vec<_>>()
        .join("\n")
    }

    /// After the decision's note changed.
    pub fn set_note(&mut self, note: String) {
        self.note = note;
        self.search_text = self.searchable();
    }

    /// A cell of the overview by its key.
    pub fn cell(&self, key: &str) -> String {
        match key {
            "seq" => self.seq.to_string(),
            "list" => self.list_name.clone(),
            "domain" => self.domain.clone(),
            "name" => self.name.clone(),
            "unit" => self.unit.clone(),
            "contact" => self.contact.clone(),
            "mobile" => self.mobile.clone(),
            "errors" => self.errors.to_string(),
            "warnings" => self.warnings.to_string(),
            "source" => self.source.clone(),
            "origin" => self.origin.clone(),
            "attachments" => self.attachments.clone(),
            "manual" => self.manual.clone(),
            "recommend" => yes_no(self.recommend).into(),
            "rank" => self.rank.map(|r| r.to_string()).unwrap_or_default(),
            "note" => self.note.clone(),
            "duplicates" => self.duplicates_text.clone(),
            "previous" => self.previous_text.clone(),
            _ => String::new(),
        }
    }
}

pub(super) fn yes_no(b: bool) -> &'static str {
    if b { "是" } else { "否" }
}

/// The summary's rows, with duplicates and previous-winner matches checked.
pub fn rows(defs: &Definitions, desk: &Desk) -> Vec<Row> {
    let duplicates = checks::duplicates(defs, &desk.submissions);
    let names: Vec<String> = desk
        .submissions
        .iter()
        .map(|s| {
            defs.form(&s.draft.list)
                .map(|f| naming::application_name(f, &s.draft))
                .unwrap_or_default()
        })
        .collect();
    let previous: Vec<Option<PreviousHit>> = match &desk.previous {
        Some(list) => list.matcher().find_all(&names),
        None => vec![None; names.len()],
    };
    desk.submissions
        .iter()
        .zip(duplicates)
        .zip(previous)
        .zip(names)
        .enumerate()
        .map(|(i, (((s, dups), prev), name))| {
            let form = defs.form(&s.draft.list);
            let decision = desk.decision(&s.id);
            let code_label = form
                .and_then(checks::code_field)
                .map(|f| {
                    if f.format == Some(crate::schema::Format::IdCard) {
                        "身份证号码"
                    } else {
                        "统一社会信用代码"
                    }
                })
                .unwrap_or("代码");
            let duplicates_text = dups
                .iter()
                .map(|d| d.describe(code_label))
                .collect::<Vec<_>>()
                .join("；");
            let previous_text = match (&prev, form) {
                (Some(hit), Some(form)) => hit.message(form),
                _ => String::new(),
            };
            Row {
                seq: i + 1,
                id: s.id.clone(),
                list: s.draft.list.clone(),
                list_name: form.map_or(s.draft.list.clone(), |f| f.name.clone()),
                domain: form
                    .and_then(|f| naming::domain_name(f, &s.draft))
                    .unwrap_or_default()
                    .to_owned(),
                name: if s.manual.is_some() {
                    s.file_name()
                } else {
                    name
                },
                unit: form
                    .map(|f| naming::application_unit(f, &s.draft))
                    .unwrap_or_default(),
                contact: form
                    .map(|f| f.role_text(FieldRole::Contact, &s.draft))
                    .unwrap_or_default(),
                mobile: form
                    .map(|f| f.role_text(FieldRole::Mobile, &s.draft))
                    .unwrap_or_default(),
                code: form
                    .map(|f| f.role_text(FieldRole::Code, &s.draft))
                    .unwrap_or_default(),
                sort_keys: Default::default(),
                search_text: String::new(),
                errors: s.errors(),
                warnings: s.warnings(),
                source: match &s.member {
                    Some(member) => format!("{} › {member}", s.source.display()),
                    None => s.source.display().to_string(),
                },
                origin: s.source_text(),
                attachments: s.attachments_text(),
                manual: s
                    .manual
                    .as_ref()
                    .map(|m| m.reason.clone())
                    .unwrap_or_default(),
                recommend: decision.recommend,
                rank: decision.rank,
                note: decision.note,
                duplicates: dups,
                previous: prev,
                duplicates_text,
                previous_text,
            }
        })
        .map(|mut row: Row| {
            row.sort_keys = [
                super::normalize::pinyin_key(&row.name),
                super::normalize::pinyin_key(&row.unit),
                super::normalize::pinyin_key(&format!("{} {}", row.list_name, row.domain)),
            ];
            row.search_text = row.searchable();
            row
        })
        .collect()
}

/// The overview as CSV: UTF-8 with a byte-order mark (so Excel reads the Chinese correctly),
/// the Chinese headings in the first row, CRLF line ends.
pub fn csv(rows: &[Row]) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = ::csv::WriterBuilder::new()
            .terminator(::csv::Terminator::CRLF)
            .from_writer(&mut out);
        // Writing to a Vec cannot fail.
        let _ = w.write_record(OVERVIEW.iter().map(|(_, h)| *h));
        for row in rows {
            let _ = w.write_record(OVERVIEW.iter().map(|(k, _)| row.cell(k)));
        }
        let _ = w.flush();
    }
    out
}

/// Re-exports one submission as .docx with the 推荐单位意见 block filled from `decision`
/// (rec_org defaults to the call's recommender). A draft without errors is exported as the
/// final form; one with errors as a preview (marked 草稿 with the number of problems), so this
/// never refuses.
pub fn reexport(
    defs: &Definitions,
    draft: &crate::Draft,
    decision: &Decision,
    recommender: &str,
    today: chrono::NaiveDate,
) -> Result<Vec<u8>, ExportError> {
    let form = defs
        .form(&draft.list)
        .ok_or_else(|| ExportError::UnknownList(draft.list.clone()))?;
    let mut draft = draft.clone();
    let org = if decision.rec_org.trim().is_empty() {
        recommender.to_owned()
    } else {
        decision.rec_org.trim().to_owned()
    };
    let mut set = |id: &str, value: &str| {
        if value.is_empty() {
            draft.values.shift_remove(id);
        } else {
            draft
                .values
                .insert(id.to_owned(), Value::String(value.to_owned()));
        }
    };
    for (role, value) in [
        (FieldRole::RecOpinion, decision.rec_opinion.trim_end()),
        (FieldRole::RecOrg, org.as_str()),
        (FieldRole::RecDate, decision.rec_date.trim()),
    ] {
        if let Some(id) = form.roles.get(role) {
            set(id, value);
        }
    }
    let options = ExportOptions {
        preview: false,
        today,
    };
    match crate::docx::export_recommended(defs, form, &draft, options) {
        Err(ExportError::Refused { .. }) => crate::docx::export_recommended(
            defs,
            form,
            &draft,
            ExportOptions {
                preview: true,
                today,
            },
        ),
        other => other,
    }
}
