//! Resolving a parsed form: blocks expanded into sections, options filled, placeholders and
//! `call:` dates replaced, and every reference between fields, conditions and rules checked.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use toml::Spanned;

use super::load::{DefinitionError, Source, line_of};
use super::raw::{RawBlock, RawChoice, RawField, RawForm, RawRule, RuleKind};
use super::{
    Call, Check, Choice, Field, FieldPos, FieldRole, Form, Kind, Regions, Role, Rule, Section,
    Severity, SmeTable,
};

const ONE_OPERATOR: &str = "条件须写成 { field = \"…\", equals = \"…\" }，且 equals、not_equals、in、not_in 只能用其中一个";

pub(super) struct Refs<'a> {
    pub(super) call: &'a Call,
    pub(super) regions: &'a Regions,
    pub(super) sme: &'a SmeTable,
    pub(super) blocks: &'a [Spanned<RawBlock>],
    pub(super) blocks_src: &'a Source,
}

/// Fields of a section with the file they were written in (blocks live in `blocks.toml`).
type SourcedFields<'a> = Vec<(&'a Source, &'a Spanned<RawField>)>;

pub(super) fn resolve_form(src: &Source, refs: &Refs) -> Result<Form, DefinitionError> {
    let raw: RawForm = src.parse()?;
    let fill = |text: &str| {
        refs.call
            .fill(text)
            .replace("{list}", &raw.name)
            .replace("{not_listed}", &raw.not_listed)
    };
    let mut seen_conditions = HashSet::new();
    for c in &raw.conditions {
        if !seen_conditions.insert(c.id.as_str()) {
            return Err(src.error(None, format!("条件 id 重复：{}", c.id)));
        }
        for d in &c.domains {
            if !raw.domains.iter().any(|x| &x.id == d) {
                return Err(src.error(None, format!("条件 {} 引用了不存在的领域 {d}", c.id)));
            }
        }
    }

    let mut sections = Vec::new();
    for spanned in &raw.sections {
        let s = spanned.get_ref();
        let line_err = |reason: String| src.error(Some(spanned.span()), reason);
        let mut fields: SourcedFields = s.fields.iter().map(|f| (src, f)).collect();
        let (id, title, hint, role) = match &s.block {
            Some(block_id) => {
                let Some(block) = refs
                    .blocks
                    .iter()
                    .map(|b| b.get_ref())
                    .find(|b| &b.id == block_id)
                else {
                    let known: Vec<_> = refs
                        .blocks
                        .iter()
                        .map(|b| b.get_ref().id.as_str())
                        .collect();
                    return Err(line_err(format!(
                        "引用了不存在的信息块「{block_id}」（blocks.toml 中有：{}）",
                        known.join("、")
                    )));
                };
                fields.extend(block.fields.iter().map(|f| (refs.blocks_src, f)));
                (
                    s.id.clone().unwrap_or_else(|| block.id.clone()),
                    s.title.clone().unwrap_or_else(|| block.title.clone()),
                    s.hint.clone().or_else(|| block.hint.clone()),
                    s.role.or(block.role).unwrap_or_default(),
                )
            }
            None => {
                let (Some(id), Some(title)) = (&s.id, &s.title) else {
                    return Err(line_err(
                        "段落须有 id 和 title，或用 block 引用共用信息块".into(),
                    ));
                };
                (
                    id.clone(),
                    title.clone(),
                    s.hint.clone(),
                    s.role.unwrap_or_default(),
                )
            }
        };
        let fields = fields
            .into_iter()
            .map(|(fsrc, f)| resolve_field(fsrc, f, role, &raw, refs, &fill))
            .collect::<Result<Vec<_>, _>>()?;
        sections.push(Section {
            id,
            title: fill(&title),
            hint: hint.map(|h| fill(&h)),
            role,
            visible_if: s.visible_if.clone(),
            fields,
        });
    }

    let mut index = HashMap::new();
    let mut section_ids = HashSet::new();
    for (si, section) in sections.iter().enumerate() {
        if !section_ids.insert(section.id.as_str()) {
            return Err(src.error(None, format!("段落 id 重复：{}", section.id)));
        }
        for (fi, field) in section.fields.iter().enumerate() {
            if index
                .insert(
                    field.id.clone(),
                    FieldPos {
                        section: si,
                        field: fi,
                    },
                )
                .is_some()
            {
                return Err(DefinitionError {
                    file: src.shown.clone(),
                    line: Some(field.line),
                    reason: format!(
                        "字段 id 重复：{}（一张表中每个字段的 id 须唯一，包括共用信息块中的字段）",
                        field.id
                    ),
                });
            }
        }
    }

    let mut form = Form {
        id: raw.id.clone(),
        name: raw.name.clone(),
        not_listed: raw.not_listed.clone(),
        name_field: raw.name_field.clone(),
        unit_field: raw.unit_field.clone(),
        roles: super::Roles {
            contact: raw.contact_field.clone(),
            mobile: raw.mobile_field.clone(),
            code: raw.code_field.clone(),
            attachments: raw.attachments_field.clone(),
            rec_opinion: raw
                .recommendation_fields
                .as_ref()
                .map(|r| r.opinion.clone()),
            rec_org: raw.recommendation_fields.as_ref().map(|r| r.org.clone()),
            rec_date: raw.recommendation_fields.as_ref().map(|r| r.date.clone()),
        },
        duplicates: raw.duplicates,
        summary: fill(&raw.summary),
        signatures: raw.signatures.clone(),
        domains: raw.domains.clone(),
        conditions: raw
            .conditions
            .iter()
            .map(|c| super::Condition {
                text: fill(&c.text),
                label: fill(&c.label),
                ..c.clone()
            })
            .collect(),
        sections,
        rules: Vec::new(),
        file: src.shown.clone(),
        index,
    };
    check_references(&form, src)?;
    for role in [
        FieldRole::Contact,
        FieldRole::Mobile,
        FieldRole::Code,
        FieldRole::Attachments,
        FieldRole::RecOpinion,
        FieldRole::RecOrg,
        FieldRole::RecDate,
    ] {
        if let Some(pos) = form
            .roles
            .get(role)
            .and_then(|id| form.index.get(id))
            .copied()
        {
            form.sections[pos.section].fields[pos.field].purpose = Some(role);
        }
    }
    form.rules = raw
        .rules
        .iter()
        .map(|r| resolve_rule(src, r, &form, refs, &fill))
        .collect::<Result<_, _>>()?;
    Ok(form)
}

fn resolve_field(
    src: &Source,
    spanned: &Spanned<RawField>,
    role: Role,
    form: &RawForm,
    refs: &Refs,
    fill: &dyn Fn(&str) -> String,
) -> Result<Field, DefinitionError> {
    let f = spanned.get_ref();
    let line = line_of(&src.text, spanned.span().start);
    let err = |reason: String| DefinitionError {
        file: src.shown.clone(),
        line: Some(line),
        reason: format!("字段 {}：{reason}", f.id),
    };
    if f.id.is_empty()
        || !f
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(err("id 只能由小写英文字母、数字和下划线组成".into()));
    }
    let mut options: Vec<Choice> = f
        .options
        .iter()
        .map(|o| match o {
            RawChoice::Plain(s) => Choice {
                value: s.clone(),
                label: s.clone(),
            },
            RawChoice::Full { value, label } => Choice {
                value: value.clone(),
                label: fill(label),
            },
        })
        .collect();
    if let Some(from) = &f.options_from {
        let named = |r: &super::Region| Choice {
            value: r.name.clone(),
            label: r.name.clone(),
        };
        let extra: Vec<Choice> = match from.as_str() {
            "domains" => form
                .domains
                .iter()
                .map(|d| Choice {
                    value: d.id.clone(),
                    label: d.name.clone(),
                })
                .collect(),
            "provinces" => refs.regions.province.iter().map(named).collect(),
            "provinces_and_outside" => refs
                .regions
                .province
                .iter()
                .chain(&refs.regions.outside)
                .map(named)
                .collect(),
            other => {
                return Err(err(format!(
                    "options_from = \"{other}\" 不认识（可用：domains、provinces、provinces_and_outside）"
                )));
            }
        };
        options.extend(extra);
    }
    for w in [&f.visible_if, &f.format_when].into_iter().flatten() {
        if w.operators() != 1 {
            return Err(err(ONE_OPERATOR.into()));
        }
    }
    let choice_kind = matches!(f.kind, Kind::Choice | Kind::Multichoice);
    if choice_kind && options.is_empty() {
        return Err(err("选择题须有 options 或 options_from".into()));
    }
    if !choice_kind && (!options.is_empty() || f.options_from.is_some()) {
        return Err(err(format!("{} 类字段不能有选项", f.kind.name())));
    }
    let mut values = HashSet::new();
    if let Some(dup) = options.iter().find(|o| !values.insert(o.value.as_str())) {
        return Err(err(format!("选项重复：{}", dup.value)));
    }
    if f.format.is_some() && f.kind != Kind::Text {
        return Err(err("format 只能用于 text 类字段".into()));
    }
    if f.kind == Kind::Computed && f.computed.is_none() {
        return Err(err(
            "computed 类字段须写明 computed = { ratio = [\"分子字段\", \"分母字段\"] }".into(),
        ));
    }
    if let (Some(lo), Some(hi)) = (f.min_chars, f.max_chars)
        && lo > hi
    {
        return Err(err(format!("min_chars（{lo}）大于 max_chars（{hi}）")));
    }
    if let (Some(lo), Some(hi)) = (f.min, f.max)
        && lo > hi
    {
        return Err(err(format!("min（{lo}）大于 max（{hi}）")));
    }
    let columns = if f.kind == Kind::Table {
        if f.columns.is_empty() {
            return Err(err("表格须至少有一列（columns）".into()));
        }
        let cols = f
            .columns
            .iter()
            .map(|c| resolve_field(src, c, role, form, refs, fill))
            .collect::<Result<Vec<_>, _>>()?;
        let mut ids = HashSet::new();
        for c in &cols {
            if matches!(c.kind, Kind::Table | Kind::Computed) {
                return Err(err(format!(
                    "表格的列 {} 不能是 {} 类",
                    c.id,
                    c.kind.name()
                )));
            }
            if !ids.insert(c.id.as_str()) {
                return Err(err(format!("表格的列 id 重复：{}", c.id)));
            }
            if c.visible_if.is_some() {
                return Err(err(format!("表格的列 {} 不支持 visible_if", c.id)));
            }
            if let Some(w) = &c.format_when
                && !cols.iter().any(|x| x.id == w.field)
            {
                return Err(err(format!(
                    "列 {} 的 format_when 引用了不存在的列 {}",
                    c.id, w.field
                )));
            }
        }
        cols
    } else {
        if !f.columns.is_empty() {
            return Err(err("只有 table 类字段可以有 columns".into()));
        }
        Vec::new()
    };
    if let (Some(lo), Some(hi)) = (f.min_rows, f.max_rows)
        && lo > hi
    {
        return Err(err(format!("min_rows（{lo}）大于 max_rows（{hi}）")));
    }
    Ok(Field {
        id: f.id.clone(),
        label: fill(&f.label),
        kind: f.kind,
        required: f.required,
        hint: f.hint.as_deref().map(fill),
        unit: f.unit.clone(),
        min_chars: f.min_chars,
        max_chars: f.max_chars.or((f.kind == Kind::Text).then_some(50)),
        min: f.min,
        max: f.max,
        options,
        min_rows: f.min_rows.unwrap_or(0),
        max_rows: f.max_rows,
        columns,
        format: f.format,
        format_when: f.format_when.clone(),
        visible_if: f.visible_if.clone(),
        not_after_today: f.not_after_today,
        conditions: f.condition.clone(),
        default: f.default.as_deref().map(fill),
        computed: f.computed.clone(),
        role,
        purpose: None,
        line,
    })
}

/// Every id a field or section mentions must exist.
fn check_references(form: &Form, src: &Source) -> Result<(), DefinitionError> {
    let at = |line: usize, reason: String| DefinitionError {
        file: src.shown.clone(),
        line: Some(line),
        reason,
    };
    for key in [&form.name_field, &form.unit_field] {
        if form.field(key).is_none() {
            return Err(src.error(
                None,
                format!("name_field/unit_field 引用了不存在的字段 {key}"),
            ));
        }
    }
    for (key, id) in form.roles.all() {
        if form.field(id).is_none() {
            return Err(src.error(None, format!("{key} 引用了不存在的字段 {id}")));
        }
    }
    if let Some(id) = &form.roles.attachments
        && form.field(id).is_some_and(|f| f.kind != Kind::Table)
    {
        return Err(src.error(
            None,
            format!("attachments_field 须是表格字段（附件清单），{id} 不是"),
        ));
    }
    for section in &form.sections {
        if section
            .visible_if
            .as_ref()
            .is_some_and(|w| w.operators() != 1)
        {
            return Err(src.error(
                None,
                format!("段落 {} 的 visible_if：{ONE_OPERATOR}", section.id),
            ));
        }
        if let Some(w) = &section.visible_if
            && form.field(&w.field).is_none()
        {
            return Err(src.error(
                None,
                format!(
                    "段落 {} 的 visible_if 引用了不存在的字段 {}",
                    section.id, w.field
                ),
            ));
        }
        for field in &section.fields {
            if let Some(w) = &field.visible_if
                && form.field(&w.field).is_none()
            {
                return Err(at(
                    field.line,
                    format!(
                        "字段 {} 的 visible_if 引用了不存在的字段 {}",
                        field.id, w.field
                    ),
                ));
            }
            if let Some(w) = &field.format_when
                && field.kind != Kind::Table
                && form.field(&w.field).is_none()
            {
                return Err(at(
                    field.line,
                    format!(
                        "字段 {} 的 format_when 引用了不存在的字段 {}",
                        field.id, w.field
                    ),
                ));
            }
            for c in field
                .conditions
                .iter()
                .chain(field.columns.iter().flat_map(|c| &c.conditions))
            {
                if form.condition(c).is_none() {
                    return Err(at(
                        field.line,
                        format!(
                            "字段 {} 引用了不存在的条件 {c}（见文件中的 [[conditions]]）",
                            field.id
                        ),
                    ));
                }
            }
            if let Some(computed) = &field.computed {
                for id in &computed.ratio {
                    if !form
                        .field(id)
                        .is_some_and(|f| matches!(f.kind, Kind::Integer | Kind::Decimal))
                    {
                        return Err(at(
                            field.line,
                            format!(
                                "字段 {} 的计算引用了 {id}，它不是本表中的数字字段",
                                field.id
                            ),
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

fn resolve_rule(
    src: &Source,
    spanned: &Spanned<RawRule>,
    form: &Form,
    refs: &Refs,
    fill: &dyn Fn(&str) -> String,
) -> Result<Rule, DefinitionError> {
    let r = spanned.get_ref();
    let line = line_of(&src.text, spanned.span().start);
    let err = |reason: String| DefinitionError {
        file: src.shown.clone(),
        line: Some(line),
        reason: format!("规则 {}：{reason}", r.kind.name()),
    };
    let need = |value: &Option<String>, key: &str| -> Result<String, DefinitionError> {
        value.clone().ok_or_else(|| err(format!("缺少 {key}")))
    };
    let field_of =
        |value: &Option<String>, key: &str, kinds: &[Kind]| -> Result<String, DefinitionError> {
            let id = need(value, key)?;
            match form.field(&id) {
                None => Err(err(format!("{key} = \"{id}\" 不是本表中的字段"))),
                Some(f) if !kinds.is_empty() && !kinds.contains(&f.kind) => Err(err(format!(
                    "{key} = \"{id}\" 是 {} 类字段，此规则需要 {}",
                    f.kind.name(),
                    kinds
                        .iter()
                        .map(|k| k.name())
                        .collect::<Vec<_>>()
                        .join(" 或 ")
                ))),
                Some(_) => Ok(id),
            }
        };
    let date = |value: &Option<String>| -> Result<Option<NaiveDate>, DefinitionError> {
        let Some(text) = value else { return Ok(None) };
        if let Some(name) = text.strip_prefix("call:") {
            return refs
                .call
                .dates
                .get(name)
                .copied()
                .map(Some)
                .ok_or_else(|| err(format!("征集文件的 [dates] 中没有 {name}")));
        }
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| err(format!("日期「{text}」应写成 YYYY-MM-DD，或 call:名称")))
    };
    const NUMBERS: &[Kind] = &[Kind::Integer, Kind::Decimal];
    let check = match r.kind {
        RuleKind::OptionIn => {
            let field = field_of(&r.field, "field", &[Kind::Choice])?;
            let options = r
                .options
                .clone()
                .ok_or_else(|| err("缺少 options".into()))?;
            let f = form.field(&field).expect("checked above");
            if let Some(bad) = options.iter().find(|o| f.option(o).is_none()) {
                return Err(err(format!("选项「{bad}」不是字段 {field} 的选项")));
            }
            Check::OptionIn { field, options }
        }
        RuleKind::DateLimit => {
            let field = field_of(&r.field, "field", &[Kind::Date])?;
            let (before, not_before) = (date(&r.before)?, date(&r.not_before)?);
            if before.is_none() && not_before.is_none() {
                return Err(err("须有 before 或 not_before".into()));
            }
            Check::DateLimit {
                field,
                before,
                not_before,
            }
        }
        RuleKind::RegionMatchesUscc => Check::RegionMatchesUscc {
            region: field_of(&r.region, "region", &[Kind::Choice])?,
            uscc: field_of(&r.uscc, "uscc", &[Kind::Text])?,
        },
        RuleKind::IdCardMatches => Check::IdCardMatches {
            id: field_of(&r.id, "id", &[Kind::Text])?,
            birth: field_of(&r.birth, "birth", &[Kind::Month, Kind::Date])?,
            gender: field_of(&r.gender, "gender", &[Kind::Choice])?,
        },
        RuleKind::NotGreater => Check::NotGreater {
            field: field_of(&r.field, "field", NUMBERS)?,
            than: field_of(&r.than, "than", NUMBERS)?,
        },
        RuleKind::SmeSize => {
            let sector = field_of(&r.sector, "sector", &[Kind::Choice])?;
            let f = form.field(&sector).expect("checked above");
            if let Some(missing) = f.options.iter().find(|o| !refs_has_sector(refs, &o.value)) {
                // Without a threshold the rule would silently never fire for that sector.
                return Err(err(format!(
                    "行业「{}」在 sme-thresholds.toml 中没有划型标准",
                    missing.value
                )));
            }
            Check::SmeSize {
                sector,
                employees: field_of(&r.employees, "employees", NUMBERS)?,
                revenue: field_of(&r.revenue, "revenue", NUMBERS)?,
            }
        }
        RuleKind::AllZero => {
            let fields = r.fields.clone().unwrap_or_default();
            if fields.is_empty() {
                return Err(err("缺少 fields".into()));
            }
            for id in &fields {
                field_of(&Some(id.clone()), "fields", NUMBERS)?;
            }
            Check::AllZero { fields }
        }
        RuleKind::TableEmpty => Check::TableEmpty {
            field: field_of(&r.field, "field", &[Kind::Table])?,
        },
        RuleKind::ColumnMatches => {
            let table = field_of(&r.table, "table", &[Kind::Table])?;
            let column = need(&r.column, "column")?;
            if form.field(&table).and_then(|t| t.column(&column)).is_none() {
                return Err(err(format!("表格 {table} 没有列 {column}")));
            }
            Check::ColumnMatches {
                table,
                column,
                field: field_of(&r.field, "field", &[Kind::Text])?,
            }
        }
    };
    for c in &r.condition {
        if form.condition(c).is_none() {
            return Err(err(format!("引用了不存在的条件 {c}")));
        }
    }
    if let Some(w) = &r.when {
        if form.field(&w.field).is_none() {
            return Err(err(format!("when 引用了不存在的字段 {}", w.field)));
        }
        if w.operators() != 1 {
            return Err(err(ONE_OPERATOR.into()));
        }
    }
    let default_severity = match r.kind {
        RuleKind::OptionIn
        | RuleKind::DateLimit
        | RuleKind::IdCardMatches
        | RuleKind::NotGreater => Severity::Error,
        _ => Severity::Warning,
    };
    if r.message.is_none()
        && !matches!(
            r.kind,
            RuleKind::RegionMatchesUscc | RuleKind::IdCardMatches
        )
    {
        return Err(err("缺少 message（提示给申报人的文字）".into()));
    }
    Ok(Rule {
        check,
        severity: r.severity.unwrap_or(default_severity),
        message: r.message.as_deref().map(fill),
        conditions: r.condition.clone(),
        when: r.when.clone(),
        line,
    })
}

fn refs_has_sector(refs: &Refs, name: &str) -> bool {
    refs.sme.sector.iter().any(|s| s.name == name)
}
