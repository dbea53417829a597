//! The form definitions: the call, the four forms, shared blocks and reference tables.
//!
//! They are data (TOML under `assets/`), embedded at build time and replaceable file by file
//! from an override folder (see [`load`]). The types here are the *resolved* definitions: blocks
//! are expanded into sections, option lists filled in, `{year}`-style placeholders replaced and
//! `call:` date references looked up, so the rule engine never sees the raw files.

mod load;
mod raw;
mod resolve;
pub mod review;
pub mod search;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use chrono::NaiveDate;
use serde::Deserialize;

pub use load::{DefinitionError, EMBEDDED_FILES};

/// Everything the app knows about one call: the call itself, reference tables and the forms.
#[derive(Debug, Clone)]
pub struct Definitions {
    pub call: Call,
    pub regions: Regions,
    pub sme: SmeTable,
    pub forms: Vec<Form>,
    /// The expert review's plans (`review.toml`).
    pub review: review::ReviewPlans,
    /// Where these definitions came from.
    pub origin: Origin,
    /// A hash of every definition file's text: caches keyed by it notice any change.
    pub fingerprint: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Embedded,
    /// An override folder: its files replaced the embedded ones of the same name.
    Override(PathBuf),
}

impl Definitions {
    /// The definitions built into the binary.
    pub fn embedded() -> Definitions {
        load::load_embedded()
    }

    /// Loads an override folder on top of the embedded definitions.
    ///
    /// Every `.toml` file in the folder replaces the embedded file of the same path
    /// (`forms/leading_tech.toml`, `blocks.toml`, …); a `call-*.toml` replaces the embedded call.
    pub fn with_override(dir: &std::path::Path) -> Result<Definitions, DefinitionError> {
        load::load_override(dir)
    }

    /// The override folder if it loads, else the embedded definitions and the reason it did not.
    pub fn load_or_embedded(
        dir: Option<&std::path::Path>,
    ) -> (Definitions, Option<DefinitionError>) {
        match dir {
            None => (Self::embedded(), None),
            Some(dir) => match Self::with_override(dir) {
                Ok(defs) => (defs, None),
                Err(err) => (Self::embedded(), Some(err)),
            },
        }
    }

    pub fn form(&self, list: &str) -> Option<&Form> {
        self.forms.iter().find(|f| f.id == list)
    }

    /// The 31 provinces, then 港澳台, as (code, name).
    pub fn region_code(&self, name: &str) -> Option<&str> {
        self.regions
            .province
            .iter()
            .chain(&self.regions.outside)
            .find(|r| r.name == name)
            .map(|r| r.code.as_str())
    }

    pub fn region_name(&self, code: &str) -> Option<&str> {
        self.regions
            .province
            .iter()
            .chain(&self.regions.outside)
            .find(|r| r.code == code)
            .map(|r| r.name.as_str())
    }
}

/// One year's call (`assets/call-YYYY.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Call {
    pub year: i32,
    pub title: String,
    /// Template of a form's title, with `{list}`.
    pub form_title: String,
    pub submission_email: String,
    /// Default 推荐单位 in the recommendation block.
    pub recommender: String,
    pub window: Window,
    pub contact: Contact,
    #[serde(default)]
    pub stages: Vec<Stage>,
    /// Dates that rules refer to as `call:NAME`.
    #[serde(default)]
    pub dates: BTreeMap<String, NaiveDate>,
    /// How large the files an applicant sends with the form may be (`[attachments]`).
    #[serde(default)]
    pub attachments: AttachmentLimits,
}

/// The sizes of what an applicant sends (`[attachments]` of the call file, in MB).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentLimits {
    /// One attachment or sealed scan.
    pub file_mb: u64,
    /// Everything sent together: the form, its attachments and the sealed scan.
    pub total_mb: u64,
    /// The largest message the submission mailbox takes; a larger .eml is warned about.
    pub mailbox_mb: u64,
}

impl Default for AttachmentLimits {
    fn default() -> AttachmentLimits {
        AttachmentLimits {
            file_mb: 20,
            total_mb: 100,
            mailbox_mb: 50,
        }
    }
}

impl AttachmentLimits {
    const MB: u64 = 1024 * 1024;

    pub fn file_bytes(&self) -> u64 {
        self.file_mb.saturating_mul(Self::MB)
    }

    pub fn total_bytes(&self) -> u64 {
        self.total_mb.saturating_mul(Self::MB)
    }

    pub fn mailbox_bytes(&self) -> u64 {
        self.mailbox_mb.saturating_mul(Self::MB)
    }
}

impl Call {
    /// Replaces `{year}`, `{prev_year}` and `{recommender}` in a text from the definitions.
    pub fn fill(&self, text: &str) -> String {
        if !text.contains('{') {
            return text.to_owned();
        }
        text.replace("{year}", &self.year.to_string())
            .replace("{prev_year}", &(self.year - 1).to_string())
            .replace("{recommender}", &self.recommender)
    }

    /// 「2023年“科创中国”先导技术榜申报表」
    pub fn form_title(&self, form: &Form) -> String {
        self.fill(&self.form_title.replace("{list}", &form.name))
    }

    /// Whether the collection window has closed on `today`.
    pub fn is_closed(&self, today: NaiveDate) -> bool {
        today > self.window.end
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub closed_notice: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub unit: String,
    pub person: String,
    pub phone: String,
    pub email: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    pub name: String,
    pub when: String,
}

/// Provincial-level divisions (GB/T 2260) for region choices and the USCC region check.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Regions {
    /// USCC chars 3–8 of a national-level registration authority (no province check).
    pub national_authority: String,
    pub province: Vec<Region>,
    /// 港澳台: offered only where a field must be able to exclude them explicitly.
    #[serde(default)]
    pub outside: Vec<Region>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    pub code: String,
    pub name: String,
}

/// SME size thresholds: a firm reaching both numbers of its sector is large.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmeTable {
    pub source: String,
    pub sector: Vec<SmeSector>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmeSector {
    pub name: String,
    pub employees: f64,
    /// 营业收入, 万元.
    pub revenue: f64,
}

/// One list's declaration form, fully resolved.
#[derive(Debug, Clone)]
pub struct Form {
    pub id: String,
    pub name: String,
    /// The list's name as printed in the 「未入选历年…」 pledge.
    pub not_listed: String,
    /// Field holding the application's name (技术/企业/机构/姓名).
    pub name_field: String,
    /// Field holding the applicant's unit.
    pub unit_field: String,
    /// The fields the summary, the cover, the e-mail and the desk read by what they mean.
    pub roles: Roles,
    /// What makes two submissions of this list one.
    pub duplicates: Duplicates,
    pub summary: String,
    /// Signature lines printed under the pledges (申报单位（盖章）：…).
    pub signatures: Vec<String>,
    /// Only 先导技术榜 has domains.
    pub domains: Vec<Domain>,
    pub conditions: Vec<Condition>,
    pub sections: Vec<Section>,
    pub rules: Vec<Rule>,
    /// The file it was read from, for messages.
    pub file: String,
    index: HashMap<String, FieldPos>,
}

/// What a field means to the parts of the program that read it by meaning rather than by id
/// (the form's TOML names them: `contact_field`, `mobile_field`, `code_field`,
/// `attachments_field`, `recommendation_fields`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roles {
    /// 联系人 (技术经理人先锋榜: the person).
    pub contact: Option<String>,
    /// 手机 of the contact.
    pub mobile: Option<String>,
    /// 统一社会信用代码 or 身份证号码: what an applicant is identified by.
    pub code: Option<String>,
    /// The 附件清单 table.
    pub attachments: Option<String>,
    /// 推荐单位意见: opinion, 推荐单位, date.
    pub rec_opinion: Option<String>,
    pub rec_org: Option<String>,
    pub rec_date: Option<String>,
}

/// What makes two submissions of a list look like one application (`duplicates` in the form's
/// TOML).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Duplicates {
    /// The same code (`code_field`), or the same normalised name.
    #[default]
    CodeOrName,
    /// The same normalised name from the same holder (code); the same name from another
    /// holder is a weaker flag. For 先导技术榜, where a university puts forward many
    /// technologies under one code.
    HolderAndName,
}

/// One of [`Roles`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldRole {
    Contact,
    Mobile,
    Code,
    Attachments,
    RecOpinion,
    RecOrg,
    RecDate,
}

impl Roles {
    pub fn get(&self, role: FieldRole) -> Option<&str> {
        match role {
            FieldRole::Contact => self.contact.as_deref(),
            FieldRole::Mobile => self.mobile.as_deref(),
            FieldRole::Code => self.code.as_deref(),
            FieldRole::Attachments => self.attachments.as_deref(),
            FieldRole::RecOpinion => self.rec_opinion.as_deref(),
            FieldRole::RecOrg => self.rec_org.as_deref(),
            FieldRole::RecDate => self.rec_date.as_deref(),
        }
    }

    /// The recommendation role of a field id, if it has one.
    pub fn recommendation_role(&self, id: &str) -> Option<FieldRole> {
        [FieldRole::RecOpinion, FieldRole::RecOrg, FieldRole::RecDate]
            .into_iter()
            .find(|&r| self.get(r) == Some(id))
    }

    /// Every role with its field, for checking the references.
    pub fn all(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            ("contact_field", self.contact.as_deref()),
            ("mobile_field", self.mobile.as_deref()),
            ("code_field", self.code.as_deref()),
            ("attachments_field", self.attachments.as_deref()),
            ("recommendation_fields.opinion", self.rec_opinion.as_deref()),
            ("recommendation_fields.org", self.rec_org.as_deref()),
            ("recommendation_fields.date", self.rec_date.as_deref()),
        ]
        .into_iter()
        .filter_map(|(k, v)| Some((k, v?)))
    }
}

/// Where a top-level field sits: section and position within it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct FieldPos {
    pub section: usize,
    pub field: usize,
}

impl Form {
    /// The field that has `role` in this form.
    pub fn role_field(&self, role: FieldRole) -> Option<&Field> {
        self.field(self.roles.get(role)?)
    }

    /// The trimmed text of the field that has `role` in `draft`; empty when none.
    pub fn role_text(&self, role: FieldRole, draft: &crate::Draft) -> String {
        self.roles
            .get(role)
            .and_then(|id| draft.text(id))
            .map(|t| t.trim().to_owned())
            .unwrap_or_default()
    }

    /// The names in the 附件清单 (`attachments_field`, its first column) with their row, blank
    /// rows skipped.
    pub fn listed_attachments(&self, draft: &crate::Draft) -> Vec<(usize, String)> {
        let Some(field) = self.role_field(FieldRole::Attachments) else {
            return Vec::new();
        };
        let Some(column) = field.columns.first() else {
            return Vec::new();
        };
        let Some(rows) = draft.get(&field.id).and_then(|v| v.as_array()) else {
            return Vec::new();
        };
        rows.iter()
            .enumerate()
            .filter_map(|(i, row)| Some((i, row.get(&column.id)?.as_str()?.trim().to_owned())))
            .filter(|(_, name)| !name.is_empty())
            .collect()
    }

    pub fn field(&self, id: &str) -> Option<&Field> {
        self.index
            .get(id)
            .map(|p| &self.sections[p.section].fields[p.field])
    }

    pub fn position(&self, id: &str) -> Option<FieldPos> {
        self.index.get(id).copied()
    }

    /// Every top-level field in form order, with its section.
    pub fn fields(&self) -> impl Iterator<Item = (&Section, &Field)> {
        self.sections
            .iter()
            .flat_map(|s| s.fields.iter().map(move |f| (s, f)))
    }

    pub fn domain(&self, id: &str) -> Option<&Domain> {
        self.domains.iter().find(|d| d.id == id)
    }

    pub fn condition(&self, id: &str) -> Option<&Condition> {
        self.conditions.iter().find(|c| c.id == id)
    }

    /// The first of `ids` that applies to `domain`, for the finding's condition text.
    pub fn applicable_condition(&self, ids: &[String], domain: Option<&str>) -> Option<&Condition> {
        ids.iter()
            .filter_map(|id| self.condition(id))
            .find(|c| c.applies_to(domain))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Domain {
    pub id: String,
    pub name: String,
    /// 产业领域 or 专项领域.
    pub group: String,
}

/// One condition of the notice (附件1), which findings and the eligibility page cite.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub id: String,
    /// How findings cite it: 「新锐企业榜 条件1」.
    pub label: String,
    /// The notice's wording.
    pub text: String,
    /// Domains it applies to; empty = all.
    #[serde(default)]
    pub domains: Vec<String>,
}

impl Condition {
    pub fn applies_to(&self, domain: Option<&str>) -> bool {
        self.domains.is_empty() || domain.is_some_and(|d| self.domains.iter().any(|x| x == d))
    }
}

/// Who fills a section: the applicant, or the secretariat (推荐单位意见).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    #[default]
    Applicant,
    Secretariat,
}

#[derive(Debug, Clone)]
pub struct Section {
    pub id: String,
    pub title: String,
    pub hint: Option<String>,
    pub role: Role,
    pub visible_if: Option<When>,
    pub fields: Vec<Field>,
}

/// The kinds of forms.md §2, plus `computed` (read-only, derived from other fields).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Text,
    Textarea,
    Choice,
    Multichoice,
    Date,
    Month,
    Integer,
    Decimal,
    Pledge,
    Table,
    Computed,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Textarea => "textarea",
            Kind::Choice => "choice",
            Kind::Multichoice => "multichoice",
            Kind::Date => "date",
            Kind::Month => "month",
            Kind::Integer => "integer",
            Kind::Decimal => "decimal",
            Kind::Pledge => "pledge",
            Kind::Table => "table",
            Kind::Computed => "computed",
        }
    }
}

/// Named format validators (forms.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Uscc,
    IdCard,
    Mobile,
    Phone,
    Email,
    Postcode,
    PatentNo,
}

/// A condition on another field's value: `{ field = "org_type", equals = "创新联合体" }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    pub field: String,
    pub equals: Option<String>,
    pub not_equals: Option<String>,
    #[serde(rename = "in")]
    pub any_of: Option<Vec<String>>,
    pub not_in: Option<Vec<String>>,
}

impl When {
    /// How many of equals / not_equals / in / not_in are given: the definitions need exactly one.
    pub fn operators(&self) -> usize {
        usize::from(self.equals.is_some())
            + usize::from(self.not_equals.is_some())
            + usize::from(self.any_of.is_some())
            + usize::from(self.not_in.is_some())
    }

    /// Whether it holds, given the other field's value as text (None when empty).
    ///
    /// An unanswered field satisfies no condition, not even `not_equals`: a rule that depends
    /// on 机构类型 waits until 机构类型 is chosen.
    pub fn holds(&self, value: Option<&str>) -> bool {
        let Some(value) = value else { return false };
        if let Some(x) = &self.equals {
            return value == x;
        }
        if let Some(x) = &self.not_equals {
            return value != x;
        }
        if let Some(xs) = &self.any_of {
            return xs.iter().any(|x| x == value);
        }
        if let Some(xs) = &self.not_in {
            return !xs.iter().any(|x| x == value);
        }
        true
    }
}

/// One option of a choice: the stored value and what is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// A derived, read-only value.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Computed {
    /// numerator, denominator
    pub ratio: [String; 2],
    #[serde(default)]
    pub percent: bool,
}

/// One field (or table column), resolved.
#[derive(Debug, Clone)]
pub struct Field {
    pub id: String,
    pub label: String,
    pub kind: Kind,
    pub required: bool,
    pub hint: Option<String>,
    pub unit: Option<String>,
    pub min_chars: Option<usize>,
    /// For `text` always set (default 50).
    pub max_chars: Option<usize>,
    /// Numbers: value bounds. Multichoice: how many selected.
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub options: Vec<Choice>,
    pub min_rows: usize,
    pub max_rows: Option<usize>,
    pub columns: Vec<Field>,
    pub format: Option<Format>,
    /// The format applies only when this holds (for columns: a sibling column).
    pub format_when: Option<When>,
    pub visible_if: Option<When>,
    pub not_after_today: bool,
    /// Conditions of the notice this field serves (ids into [`Form::conditions`]).
    pub conditions: Vec<String>,
    pub default: Option<String>,
    pub computed: Option<Computed>,
    pub role: Role,
    /// What the field means, when the form names it in [`Roles`] (set from the form's roles).
    pub purpose: Option<FieldRole>,
    /// Line in its definition file, for messages about the definitions.
    pub line: usize,
}

impl Field {
    pub fn option(&self, value: &str) -> Option<&Choice> {
        self.options.iter().find(|c| c.value == value)
    }

    pub fn column(&self, id: &str) -> Option<&Field> {
        self.columns.iter().find(|c| c.id == id)
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A cross-field rule, resolved.
#[derive(Debug, Clone)]
pub struct Rule {
    pub check: Check,
    pub severity: Severity,
    /// None: the engine's own wording (region and ID-card checks).
    pub message: Option<String>,
    pub conditions: Vec<String>,
    pub when: Option<When>,
    pub line: usize,
}

/// What a cross-field rule checks. Field names are ids in the same form.
#[derive(Debug, Clone)]
pub enum Check {
    /// The choice `field` is one of `options`.
    OptionIn { field: String, options: Vec<String> },
    /// The date `field` must be before `before` / not before `not_before`.
    DateLimit {
        field: String,
        before: Option<NaiveDate>,
        not_before: Option<NaiveDate>,
    },
    /// The chosen province agrees with USCC chars 3–4.
    RegionMatchesUscc { region: String, uscc: String },
    /// The ID number's birth date and gender digit agree with the fields.
    IdCardMatches {
        id: String,
        birth: String,
        gender: String,
    },
    /// `field` ≤ `than`.
    NotGreater { field: String, than: String },
    /// SME size by sector thresholds.
    SmeSize {
        sector: String,
        employees: String,
        revenue: String,
    },
    /// All of `fields` are zero.
    AllZero { fields: Vec<String> },
    /// The table `field` has no rows.
    TableEmpty { field: String },
    /// Each row's `column` equals the value of `field` (e.g. IP owner = holder).
    ColumnMatches {
        table: String,
        column: String,
        field: String,
    },
}

impl Check {
    /// The field a finding of this rule is attached to.
    pub fn subject(&self) -> &str {
        match self {
            Check::OptionIn { field, .. }
            | Check::DateLimit { field, .. }
            | Check::NotGreater { field, .. }
            | Check::TableEmpty { field } => field,
            Check::RegionMatchesUscc { region, .. } => region,
            Check::IdCardMatches { id, .. } => id,
            Check::SmeSize { employees, .. } => employees,
            Check::AllZero { fields } => fields.first().map(String::as_str).unwrap_or(""),
            Check::ColumnMatches { table, .. } => table,
        }
    }

    /// Every field the rule reads.
    pub fn fields(&self) -> Vec<&str> {
        match self {
            Check::OptionIn { field, .. }
            | Check::DateLimit { field, .. }
            | Check::TableEmpty { field } => vec![field],
            Check::NotGreater { field, than } => vec![field, than],
            Check::RegionMatchesUscc { region, uscc } => vec![region, uscc],
            Check::IdCardMatches { id, birth, gender } => vec![id, birth, gender],
            Check::SmeSize {
                sector,
                employees,
                revenue,
            } => vec![sector, employees, revenue],
            Check::AllZero { fields } => fields.iter().map(String::as_str).collect(),
            Check::ColumnMatches { table, field, .. } => vec![table, field],
        }
    }
}
