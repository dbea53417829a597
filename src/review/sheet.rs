//! The 评分表 an expert fills in Excel or WPS: a first sheet 「说明」 (who, by when, how, and every
//! criterion with its weight, range and meaning), then one sheet per review plan the expert
//! has applications of, one row per application. Score cells take only what the plan allows
//! (data validation: the range, whole or half points), 推荐意见 is a drop-down of 推荐 / 不推荐 /
//! 回避, 评审意见 takes text; everything else is locked (the sheet is protected without a
//! password). A hidden last column holds each row's check code: it binds the row to its expert,
//! its application and its place, so that a returned sheet is matched to both and a row added,
//! removed, moved or altered is found ([`super::collect`]).

use rust_xlsxwriter::{
    DataValidation, DataValidationRule, Format, FormatAlign, FormatBorder, Formula,
    ProtectionOptions, Workbook, Worksheet, XlsxError,
};

use super::{Application, Expert};
use crate::schema::Definitions;
use crate::schema::review::ReviewPlan;

/// The drop-down of 推荐意见.
pub const VERDICTS: [&str; 3] = ["推荐", "不推荐", "回避"];

/// The header of the check-code column (hidden).
pub const CODE_HEADER: &str = "校验码";
/// The header of the application's key column.
pub const KEY_HEADER: &str = "申报编号";
pub const VERDICT_HEADER: &str = "推荐意见";
pub const COMMENT_HEADER: &str = "评审意见";

/// The most characters a 评审意见 may have.
pub const COMMENT_CHARS: u32 = 1000;

/// An application's key as printed on the sheet: the first 12 hex digits of its id.
pub fn key(app: &Application) -> String {
    app.id.chars().take(12).collect()
}

/// A row's check code: a keyed hash of the review's secret, the expert's e-mail, the
/// application's id and the row's place (from 1), 12 hex digits.
pub fn row_code(secret: &str, expert: &Expert, app: &Application, row: usize) -> String {
    let text = format!("{secret}\u{1f}{}\u{1f}{}\u{1f}{row}", expert.email, app.id);
    let h = xxhash_rust::xxh3::xxh3_64(text.as_bytes());
    format!("{h:016x}")[..12].to_owned()
}

/// The header of a criterion's column: 「创新性、战略性、引领性、突破性（30%，0–10 分，可打半分）」;
/// collect finds the column by the label before the bracket.
pub fn criterion_header(c: &crate::schema::review::Criterion) -> String {
    format!(
        "{}（{}%，{}）",
        c.label,
        trim_number(c.weight),
        c.range_text()
    )
}

fn trim_number(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

/// A sheet's name for a plan: 「评分-先导技术榜·电子信息」, within Excel's 31 characters.
pub fn sheet_name(defs: &Definitions, plan: &ReviewPlan) -> String {
    let form = defs.form(&plan.list);
    let list = form.map_or(plan.list.as_str(), |f| f.name.as_str());
    let domains: Vec<&str> = plan
        .domains
        .iter()
        .filter_map(|d| form.and_then(|f| f.domain(d)).map(|d| d.name.as_str()))
        .collect();
    let name = if domains.len() == 1 {
        format!("评分-{list}·{}", domains[0])
    } else {
        format!("评分-{list}")
    };
    name.chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect()
}

/// Applications grouped by their plan, the plans in the definitions' order, each group in the
/// order given: the sheets of a 评分表 and their rows (collect expects the same).
pub fn by_plan<'a, 'd>(
    defs: &'d Definitions,
    apps: &[&'a Application],
) -> Vec<(&'d ReviewPlan, Vec<&'a Application>)> {
    let mut groups: Vec<(&ReviewPlan, Vec<&Application>)> = Vec::new();
    for app in apps {
        let Some(plan) = defs.review.plan_for(&app.list, app.domain.as_deref()) else {
            continue;
        };
        match groups.iter_mut().find(|(p, _)| std::ptr::eq(*p, plan)) {
            Some((_, list)) => list.push(app),
            None => groups.push((plan, vec![app])),
        }
    }
    groups.sort_by_key(|(p, _)| defs.review.plans.iter().position(|q| std::ptr::eq(q, *p)));
    groups
}

/// One expert's 评分表: the applications assigned to them, in the order of the review.
pub fn score_sheet(
    defs: &Definitions,
    secret: &str,
    expert: &Expert,
    apps: &[&Application],
) -> Result<Vec<u8>, String> {
    write(defs, secret, expert, apps).map_err(|e| format!("评分表无法生成：{e}"))
}

fn write(
    defs: &Definitions,
    secret: &str,
    expert: &Expert,
    apps: &[&Application],
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let title = Format::new().set_bold().set_font_size(16);
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_background_color("D9E1F2")
        .set_border(FormatBorder::Thin);
    let locked = Format::new()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_border(FormatBorder::Thin)
        .set_background_color("F2F2F2");
    let open = Format::new()
        .set_unlocked()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Top)
        .set_background_color("FFF2CC");
    let open_text = open.clone().set_text_wrap();

    let groups = by_plan(defs, apps);

    // 说明.
    let intro = book.add_worksheet();
    intro.set_name("说明")?;
    intro.set_column_width(0, 28)?;
    intro.set_column_width(1, 12)?;
    intro.set_column_width(2, 22)?;
    intro.set_column_width(3, 70)?;
    let due = defs
        .call
        .stages
        .iter()
        .find(|s| s.name.contains("初评"))
        .map(|s| s.when.clone())
        .unwrap_or_default();
    intro.write_string_with_format(0, 0, format!("{}专家评分表", defs.call.title), &title)?;
    let lines = [
        format!("评审专家：{}（{}）", expert.name, expert.unit),
        format!("共 {} 份申报，请在{}完成评审。", apps.len(), due),
        "评分表在后面的工作表中，每个榜单（领域）一张，每份申报一行；申报材料在评审包的「申报材料」文件夹中，文件夹名以序号开头。".to_owned(),
        "请在黄色格中填写：各评分项的得分（只能填规定范围内的分数）、推荐意见（下拉选择 推荐 / 不推荐 / 回避）、评审意见（必填）。灰色格不能改动。".to_owned(),
        "如与申报单位或其合作单位有利害关系，请在推荐意见中选「回避」并在评审意见中简要说明，无需打分。".to_owned(),
        "加权总分由表格自动计算（百分制），仅供参考；秘书处按各项得分重新计算。".to_owned(),
        "填好后请直接保存（仍为 .xlsx 格式，不要另存为其他格式，不要增删行列、不要改动申报编号），发回秘书处。".to_owned(),
    ];
    for (i, line) in lines.iter().enumerate() {
        intro.merge_range(2 + i as u32, 0, 2 + i as u32, 3, line, &wrap)?;
        intro.set_row_height(2 + i as u32, 30)?;
    }
    let mut row = 3 + lines.len() as u32;
    for (plan, _) in &groups {
        intro.write_string_with_format(row, 0, sheet_name(defs, plan), &bold)?;
        row += 1;
        for (c, h) in ["评分项", "权重", "分值", "评分说明（依据申报条件）"]
            .iter()
            .enumerate()
        {
            intro.write_string_with_format(row, c as u16, *h, &head)?;
        }
        row += 1;
        for c in &plan.criteria {
            intro.write_string_with_format(row, 0, &c.label, &locked)?;
            intro.write_string_with_format(
                row,
                1,
                format!("{}%", trim_number(c.weight)),
                &locked,
            )?;
            intro.write_string_with_format(row, 2, c.range_text(), &locked)?;
            intro.write_string_with_format(row, 3, &c.means, &locked)?;
            intro.set_row_height(row, 45)?;
            row += 1;
        }
        row += 1;
    }
    intro.set_landscape();
    intro.set_print_fit_to_pages(1, 0);
    intro.protect();

    // 序号 runs on across the sheets, as the folders of 申报材料 are numbered.
    let mut first = 1;
    for (plan, list) in &groups {
        let sheet = book.add_worksheet();
        sheet.set_name(sheet_name(defs, plan))?;
        let formats = (&head, &locked, &open, &open_text);
        plan_sheet(sheet, defs, plan, secret, expert, list, first, formats)?;
        first += list.len();
    }
    book.save_to_buffer()
}

#[allow(clippy::too_many_arguments)]
fn plan_sheet(
    sheet: &mut Worksheet,
    defs: &Definitions,
    plan: &ReviewPlan,
    secret: &str,
    expert: &Expert,
    apps: &[&Application],
    first: usize,
    (head, locked, open, open_text): (&Format, &Format, &Format, &Format),
) -> Result<(), XlsxError> {
    let fixed = ["序号", KEY_HEADER, "榜单", "名称", "单位"];
    let first_score = fixed.len() as u16;
    let n = plan.criteria.len() as u16;
    let verdict_col = first_score + n;
    let comment_col = verdict_col + 1;
    let total_col = comment_col + 1;
    let code_col = total_col + 1;
    for (c, h) in fixed.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, head)?;
    }
    for (i, c) in plan.criteria.iter().enumerate() {
        sheet.write_string_with_format(0, first_score + i as u16, criterion_header(c), head)?;
        sheet.set_column_width(first_score + i as u16, 14)?;
    }
    sheet.write_string_with_format(0, verdict_col, VERDICT_HEADER, head)?;
    sheet.write_string_with_format(0, comment_col, COMMENT_HEADER, head)?;
    sheet.write_string_with_format(0, total_col, "加权总分（自动计算）", head)?;
    sheet.write_string_with_format(0, code_col, CODE_HEADER, head)?;
    sheet.set_row_height(0, 60)?;
    sheet.set_column_width(0, 5)?;
    sheet.set_column_width(1, 14)?;
    sheet.set_column_width(2, 18)?;
    sheet.set_column_width(3, 30)?;
    sheet.set_column_width(4, 26)?;
    sheet.set_column_width(verdict_col, 10)?;
    sheet.set_column_width(comment_col, 40)?;
    sheet.set_column_width(total_col, 12)?;
    sheet.set_column_hidden(code_col)?;
    for (i, app) in apps.iter().enumerate() {
        let r = 1 + i as u32;
        sheet.write_number_with_format(r, 0, (first + i) as f64, locked)?;
        sheet.write_string_with_format(r, 1, key(app), locked)?;
        sheet.write_string_with_format(r, 2, app.list_text(defs), locked)?;
        sheet.write_string_with_format(r, 3, &app.name, locked)?;
        sheet.write_string_with_format(r, 4, &app.unit, locked)?;
        for c in 0..n {
            sheet.write_blank(r, first_score + c, open)?;
        }
        sheet.write_blank(r, verdict_col, open)?;
        sheet.write_blank(r, comment_col, open_text)?;
        // Σ weight × score / max, once every score is there.
        let cell = |c: u16| rust_xlsxwriter::utility::row_col_to_cell(r, c);
        let terms: Vec<String> = plan
            .criteria
            .iter()
            .enumerate()
            .map(|(k, c)| {
                format!(
                    "{}*{}/{}",
                    cell(first_score + k as u16),
                    trim_number(c.weight),
                    trim_number(c.max)
                )
            })
            .collect();
        let range = format!("{}:{}", cell(first_score), cell(first_score + n - 1));
        let formula = format!("=IF(COUNT({range})={n},ROUND({},1),\"\")", terms.join("+"));
        // Its value until the sheet is calculated: empty, as the formula gives before scores.
        let formula = Formula::new(formula).set_result("");
        sheet.write_formula_with_format(r, total_col, formula, locked)?;
        sheet.write_string_with_format(
            r,
            code_col,
            row_code(secret, expert, app, i + 1),
            locked,
        )?;
        sheet.set_row_height(r, 48)?;
    }
    if !apps.is_empty() {
        let last = apps.len() as u32;
        for (k, c) in plan.criteria.iter().enumerate() {
            let col = first_score + k as u16;
            let first = rust_xlsxwriter::utility::row_col_to_cell(1, col);
            let rule = if c.step == 1.0 {
                DataValidation::new()
                    .allow_whole_number(DataValidationRule::Between(0, c.max as i32))
            } else {
                let per = 1.0 / c.step;
                DataValidation::new().allow_custom(Formula::new(format!(
                    "=AND(ISNUMBER({first}),{first}>=0,{first}<={},MOD({first}*{},1)=0)",
                    trim_number(c.max),
                    trim_number(per)
                )))
            };
            let rule = rule
                .set_error_title("分数不在范围内")?
                .set_error_message(format!("「{}」请填 {}。", c.label, c.range_text()))?
                .set_input_title(c.label.chars().take(32).collect::<String>())?
                .set_input_message(c.range_text())?;
            sheet.add_data_validation(1, col, last, col, &rule)?;
        }
        let verdicts = DataValidation::new()
            .allow_list_strings(&VERDICTS)?
            .set_error_title("请从下拉列表中选择")?
            .set_error_message("推荐意见只能是：推荐、不推荐、回避。")?;
        sheet.add_data_validation(1, verdict_col, last, verdict_col, &verdicts)?;
        let comments = DataValidation::new()
            .allow_text_length(DataValidationRule::LessThanOrEqualTo(COMMENT_CHARS))
            .set_error_title("评审意见过长")?
            .set_error_message(format!("评审意见请不超过 {COMMENT_CHARS} 字。"))?;
        sheet.add_data_validation(1, comment_col, last, comment_col, &comments)?;
    }
    sheet.set_freeze_panes(1, first_score)?;
    // Printed: landscape, one page wide, the header on every page.
    sheet.set_landscape();
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(0, 0)?;
    let options = ProtectionOptions {
        select_locked_cells: true,
        select_unlocked_cells: true,
        format_columns: true,
        format_rows: true,
        ..ProtectionOptions::default()
    };
    sheet.protect_with_options(&options);
    Ok(())
}
