//! Cross-field rules declared in the forms' `[[rules]]` (forms.md §4–§8).

use chrono::{Datelike, NaiveDate};
use serde_json::Value;

use super::fields::{parse_date, parse_month};
use super::{Ctx, formats, is_visible, number};
use crate::schema::{Check, Rule};

pub(super) fn check_rules(ctx: &mut Ctx) {
    let form = ctx.form;
    for rule in &form.rules {
        // A rule about a hidden field does not apply (e.g. members when not 创新联合体).
        if !rule
            .check
            .fields()
            .iter()
            .all(|f| is_visible(form, ctx.draft, f))
        {
            continue;
        }
        if let Some(when) = &rule.when
            && !when.holds(ctx.draft.text(&when.field))
        {
            continue;
        }
        check_rule(ctx, rule);
    }
}

fn check_rule(ctx: &mut Ctx, rule: &Rule) {
    let draft = ctx.draft;
    let message = |date: Option<NaiveDate>| {
        let text = rule.message.clone().unwrap_or_default();
        match date {
            Some(d) => text.replace(
                "{date}",
                &format!("{}年{}月{}日", d.year(), d.month(), d.day()),
            ),
            None => text,
        }
    };
    let push = |ctx: &mut Ctx, field: &str, text: String| {
        ctx.push(field.to_owned(), rule.severity, text, &rule.conditions);
    };
    let num = |id: &str| draft.get(id).and_then(number);
    match &rule.check {
        Check::OptionIn { field, options } => {
            if draft
                .text(field)
                .is_some_and(|v| options.iter().any(|o| o == v))
            {
                push(ctx, field, message(None));
            }
        }
        Check::DateLimit {
            field,
            before,
            not_before,
        } => {
            let Some(date) = draft.text(field).and_then(parse_date) else {
                return;
            };
            if let Some(limit) = before
                && date >= *limit
            {
                push(ctx, field, message(Some(*limit)));
            }
            if let Some(limit) = not_before
                && date < *limit
            {
                push(ctx, field, message(Some(*limit)));
            }
        }
        Check::RegionMatchesUscc { region, uscc } => {
            if let Some(text) = region_mismatch(ctx, region, uscc) {
                push(ctx, region, rule.message.clone().unwrap_or(text));
            }
        }
        Check::IdCardMatches { id, birth, gender } => {
            for text in id_card_mismatches(ctx, id, birth, gender) {
                push(ctx, id, rule.message.clone().unwrap_or(text));
            }
        }
        Check::NotGreater { field, than } => {
            if let (Some(a), Some(b)) = (num(field), num(than))
                && a > b
            {
                push(ctx, field, message(None));
            }
        }
        Check::SmeSize {
            sector,
            employees,
            revenue,
        } => {
            let Some(name) = draft.text(sector) else {
                return;
            };
            let Some(limits) = ctx.defs.sme.sector.iter().find(|s| s.name == name) else {
                return;
            };
            if let (Some(e), Some(r)) = (num(employees), num(revenue))
                && e >= limits.employees
                && r >= limits.revenue
            {
                push(ctx, employees, message(None));
            }
        }
        Check::AllZero { fields } => {
            let values: Vec<Option<f64>> = fields.iter().map(|f| num(f)).collect();
            if values.iter().all(|v| *v == Some(0.0)) {
                push(ctx, &fields[0], message(None));
            }
        }
        Check::TableEmpty { field } => {
            let empty = match draft.get(field) {
                None | Some(Value::Null) => true,
                Some(Value::Array(rows)) => rows.is_empty(),
                Some(_) => false,
            };
            if empty {
                push(ctx, field, message(None));
            }
        }
        Check::ColumnMatches {
            table,
            column,
            field,
        } => {
            let Some(expected) = draft.text(field).map(normalise).filter(|s| !s.is_empty()) else {
                return;
            };
            let Some(rows) = draft.get(table).and_then(Value::as_array) else {
                return;
            };
            for (i, row) in rows.iter().enumerate() {
                let cell = row.get(column).and_then(Value::as_str).map(normalise);
                if cell.is_some_and(|c| !c.is_empty() && c != expected) {
                    push(ctx, &format!("{table}[{i}].{column}"), message(None));
                }
            }
        }
    }
}

/// Names compared loosely: without white space, with full-width brackets made half-width.
fn normalise(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c,
        })
        .collect()
}

/// The province chosen disagrees with USCC chars 3–4 (or they name no province).
fn region_mismatch(ctx: &Ctx, region: &str, uscc: &str) -> Option<String> {
    let code = ctx.draft.text(uscc)?.trim();
    // Only a code of the right shape says anything about its region.
    if formats::uscc(code).is_err_and(|e| e.severity == crate::Severity::Error) {
        return None;
    }
    let chosen = ctx.draft.text(region)?;
    // 港澳台 are refused by their own rule where they are offered; compare provinces only.
    let chosen_code = ctx
        .defs
        .regions
        .province
        .iter()
        .find(|r| r.name == chosen)?
        .code
        .as_str();
    if code[2..8] == ctx.defs.regions.national_authority {
        return None;
    }
    let prefix = &code[2..4];
    if prefix == chosen_code {
        return None;
    }
    let label = ctx.form.field(region).map_or(region, |f| f.label.as_str());
    Some(match ctx.defs.region_name(prefix) {
        Some(name) => format!(
            "「{label}」为{chosen}，但统一社会信用代码第3—4位为 {prefix}（{name}），请核对；如单位已迁址可忽略"
        ),
        None => {
            format!("统一社会信用代码第3—4位「{prefix}」不是省级行政区划代码，请对照营业执照核对")
        }
    })
}

/// The ID number's birth month and gender digit against the form's fields.
fn id_card_mismatches(ctx: &Ctx, id: &str, birth: &str, gender: &str) -> Vec<String> {
    let mut out = Vec::new();
    let Some(number) = ctx.draft.text(id).map(str::trim) else {
        return out;
    };
    if formats::id_card(number, ctx.today).is_err() {
        return out; // the format finding already says what is wrong
    }
    let birth_label = ctx.form.field(birth).map_or(birth, |f| f.label.as_str());
    if let (Some(from_id), Some(month)) = (
        formats::id_birth_date(number),
        ctx.draft
            .text(birth)
            .and_then(|b| parse_month(b.get(..7).unwrap_or(b))),
    ) && (from_id.year(), from_id.month()) != month
    {
        out.push(format!(
            "身份证号码中的出生年月（{}-{:02}）与所填「{birth_label}」（{}-{:02}）不一致",
            from_id.year(),
            from_id.month(),
            month.0,
            month.1
        ));
    }
    if let (Some(male), Some(chosen)) = (formats::id_is_male(number), ctx.draft.text(gender))
        && (chosen == "男" || chosen == "女")
        && male != (chosen == "男")
    {
        let said = if male { "男" } else { "女" };
        out.push(format!(
            "身份证号码第17位表示性别为{said}，与所填性别「{chosen}」不一致"
        ));
    }
    out
}
