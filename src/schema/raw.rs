//! The TOML files as written by hand, before resolution. Unknown keys are refused so that a
//! misspelt key is reported with its line instead of being silently ignored.

use serde::{Deserialize, Deserializer};
use toml::Spanned;

use super::{Computed, Condition, Domain, Format, Kind, Role, Severity, When};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawForm {
    pub id: String,
    pub name: String,
    pub not_listed: String,
    pub name_field: String,
    pub unit_field: String,
    /// The other field roles (see [`super::Roles`]); each optional, so an older definitions
    /// folder still loads (without the columns the role feeds).
    #[serde(default)]
    pub contact_field: Option<String>,
    #[serde(default)]
    pub mobile_field: Option<String>,
    #[serde(default)]
    pub code_field: Option<String>,
    #[serde(default)]
    pub attachments_field: Option<String>,
    #[serde(default)]
    pub recommendation_fields: Option<RawRecommendation>,
    /// What makes two submissions one (see [`super::Duplicates`]).
    #[serde(default)]
    pub duplicates: super::Duplicates,
    #[serde(default)]
    pub summary: String,
    /// Signature lines under the pledges.
    #[serde(default = "default_signatures")]
    pub signatures: Vec<String>,
    #[serde(default)]
    pub domains: Vec<Domain>,
    #[serde(default)]
    pub conditions: Vec<Condition>,
    pub sections: Vec<Spanned<RawSection>>,
    #[serde(default)]
    pub rules: Vec<Spanned<RawRule>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRecommendation {
    pub opinion: String,
    pub org: String,
    pub date: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSection {
    pub id: Option<String>,
    pub title: Option<String>,
    /// Include a shared block from `blocks.toml`; own `fields` come before the block's.
    pub block: Option<String>,
    pub hint: Option<String>,
    pub role: Option<Role>,
    pub visible_if: Option<When>,
    #[serde(default)]
    pub fields: Vec<Spanned<RawField>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBlocks {
    pub blocks: Vec<Spanned<RawBlock>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBlock {
    pub id: String,
    pub title: String,
    pub hint: Option<String>,
    pub role: Option<Role>,
    pub fields: Vec<Spanned<RawField>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawField {
    pub id: String,
    pub label: String,
    pub kind: Kind,
    #[serde(default)]
    pub required: bool,
    pub hint: Option<String>,
    pub unit: Option<String>,
    pub min_chars: Option<usize>,
    pub max_chars: Option<usize>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    #[serde(default)]
    pub options: Vec<RawChoice>,
    pub options_from: Option<String>,
    pub min_rows: Option<usize>,
    pub max_rows: Option<usize>,
    #[serde(default)]
    pub columns: Vec<Spanned<RawField>>,
    pub format: Option<Format>,
    pub format_when: Option<When>,
    pub visible_if: Option<When>,
    #[serde(default)]
    pub not_after_today: bool,
    #[serde(default, deserialize_with = "one_or_many")]
    pub condition: Vec<String>,
    pub default: Option<String>,
    pub computed: Option<Computed>,
}

/// `"企业"` or `{ value = "1", label = "1级：…" }`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum RawChoice {
    Plain(String),
    Full { value: String, label: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum RuleKind {
    OptionIn,
    DateLimit,
    RegionMatchesUscc,
    IdCardMatches,
    NotGreater,
    SmeSize,
    AllZero,
    TableEmpty,
    ColumnMatches,
}

impl RuleKind {
    /// As written in the files.
    pub fn name(self) -> &'static str {
        match self {
            RuleKind::OptionIn => "option_in",
            RuleKind::DateLimit => "date_limit",
            RuleKind::RegionMatchesUscc => "region_matches_uscc",
            RuleKind::IdCardMatches => "id_card_matches",
            RuleKind::NotGreater => "not_greater",
            RuleKind::SmeSize => "sme_size",
            RuleKind::AllZero => "all_zero",
            RuleKind::TableEmpty => "table_empty",
            RuleKind::ColumnMatches => "column_matches",
        }
    }
}

/// A rule as written: which keys a kind needs is checked during resolution, so that a missing
/// key gets a message naming the rule kind and the key.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRule {
    pub kind: RuleKind,
    pub severity: Option<Severity>,
    pub message: Option<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub condition: Vec<String>,
    pub when: Option<When>,
    pub field: Option<String>,
    pub options: Option<Vec<String>>,
    pub before: Option<String>,
    pub not_before: Option<String>,
    pub region: Option<String>,
    pub uscc: Option<String>,
    pub id: Option<String>,
    pub birth: Option<String>,
    pub gender: Option<String>,
    pub than: Option<String>,
    pub sector: Option<String>,
    pub employees: Option<String>,
    pub revenue: Option<String>,
    pub fields: Option<Vec<String>>,
    pub table: Option<String>,
    pub column: Option<String>,
}

fn default_signatures() -> Vec<String> {
    vec!["申报单位（盖章）：".to_owned()]
}

/// `condition = "c1"` or `condition = ["c3", "if4"]`.
fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}
