//! The pages before the form: a cover (榜单 and domain, 申报名称, 申报单位（盖章）, 推荐单位,
//! 联系人 and 手机, 填报日期), as a government declaration form begins, and a 填表说明 page
//! generated from the definitions (what is required, the limits, how to fill the Word form,
//! printing, signatures and the seal, where to send it).

use chrono::{Datelike, NaiveDate};
use docx_rs::{
    AlignmentType, BorderType, HeightRule, LineSpacing, Paragraph, Run, Table, TableAlignmentType,
    TableCellBorder, TableCellBorderPosition, TableRow,
};

use super::blocks::Block;
use super::layout::*;
use crate::Draft;
use crate::rules::is_visible;
use crate::schema::{Definitions, FieldRole, Form, Kind, Role};

/// Font sizes in half-points: 一号 26 pt, 三号 16 pt, 小四 12 pt.
const COVER_TITLE_SIZE: usize = 52;
const COVER_LINE_SIZE: usize = 32;
const NOTE_SIZE: usize = 22;

/// What the cover shows.
pub struct Cover<'a> {
    pub defs: &'a Definitions,
    pub form: &'a Form,
    pub draft: &'a Draft,
    /// 填报日期: the export's day; None on a blank template (written by hand).
    pub date: Option<NaiveDate>,
    /// The secretariat's re-export: 推荐单位 printed.
    pub recommendation: bool,
    /// A preview: marked 草稿 with its number of problems.
    pub preview: Option<usize>,
}

fn text_of(draft: &Draft, id: &str) -> String {
    draft
        .get(id)
        .map(|v| crate::input::text_of_value(Some(v)))
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// Widths of the cover's label and value columns, in twips.
const COVER_LABEL_W: usize = 3400;
const COVER_VALUE_W: usize = 5000;

/// The cover's lines: a borderless table, each value on a line of its own width (a bottom
/// border, as on a printed form), blank where nothing is known yet.
fn cover_table(lines: &[(&str, String)]) -> Table {
    let rows = lines
        .iter()
        .map(|(label, value)| {
            let label = cell(COVER_LABEL_W, 1).clear_all_border().add_paragraph(
                Paragraph::new().align(AlignmentType::Right).add_run(
                    Run::new()
                        .add_text(*label)
                        .fonts(fonts(HEADING_FONT))
                        .size(COVER_LINE_SIZE),
                ),
            );
            let value = cell(COVER_VALUE_W, 1)
                .clear_all_border()
                .set_border(
                    TableCellBorder::new(TableCellBorderPosition::Bottom)
                        .size(6)
                        .border_type(BorderType::Single),
                )
                .add_paragraph(
                    Paragraph::new().add_run(
                        Run::new()
                            .add_text(value.as_str())
                            .fonts(fonts(BODY_FONT))
                            .size(COVER_LINE_SIZE),
                    ),
                );
            TableRow::new(vec![label, value])
                .cant_split()
                .row_height(720.0)
                .height_rule(HeightRule::AtLeast)
        })
        .collect();
    table(rows, &[COVER_LABEL_W, COVER_VALUE_W])
        .clear_all_border()
        .align(TableAlignmentType::Center)
}

pub fn cover(c: &Cover) -> Vec<Block> {
    let (form, draft) = (c.form, c.draft);
    let mut out = vec![Block::Paragraph(
        Paragraph::new().align(AlignmentType::Right).add_run(run(
            "编号：\u{3000}\u{3000}\u{3000}\u{3000}\u{3000}\u{3000}（由秘书处填写）",
        )),
    )];
    let title = |text: String, before: u32| {
        Paragraph::new()
            .align(AlignmentType::Center)
            .line_spacing(LineSpacing::new().before(before).after(120))
            .add_run(
                Run::new()
                    .add_text(text)
                    .fonts(fonts(HEADING_FONT))
                    .size(COVER_TITLE_SIZE)
                    .bold(),
            )
    };
    out.push(Block::Paragraph(title(
        format!("{}年“科创中国”", c.defs.call.year),
        2400,
    )));
    out.push(Block::Paragraph(title(format!("{}申报表", form.name), 0)));
    if let Some(problems) = c.preview {
        out.push(Block::Paragraph(
            Paragraph::new().align(AlignmentType::Center).add_run(
                run(&super::blocks::draft_notice(problems))
                    .color("C00000")
                    .bold(),
            ),
        ));
    }
    out.push(Block::Paragraph(
        Paragraph::new().line_spacing(LineSpacing::new().before(2400).after(0)),
    ));
    let list = match draft.domain.as_deref().and_then(|d| form.domain(d)) {
        Some(d) => format!("{} · {}", form.name, d.name),
        None => form.name.clone(),
    };
    let recommender = if c.recommendation {
        form.role_text(FieldRole::RecOrg, draft)
    } else {
        String::new()
    };
    let date = c.date.map_or(
        "\u{3000}\u{3000}年\u{3000}\u{3000}月\u{3000}\u{3000}日".to_owned(),
        |d| format!("{}年{}月{}日", d.year(), d.month(), d.day()),
    );
    // The unit's line as the signature block names it (「所在单位（盖章）：」 for a person).
    let unit_label = form
        .signatures
        .iter()
        .find(|l| l.contains("盖章"))
        .cloned()
        .unwrap_or_else(|| "申报单位（盖章）：".to_owned());
    let contact = form.role_text(FieldRole::Contact, draft);
    let mobile = form.role_text(FieldRole::Mobile, draft);
    out.push(Block::Table(cover_table(&[
        ("榜单领域：", list),
        ("申报名称：", text_of(draft, &form.name_field)),
        (unit_label.as_str(), text_of(draft, &form.unit_field)),
        ("推荐单位：", recommender),
        ("联系人：", contact),
        ("手机：", mobile),
        ("填报日期：", date),
    ])));
    out
}

/// 「一、」 numbered paragraphs of the 填表说明, each with the two-character indent.
fn note(n: usize, text: &str) -> Paragraph {
    Paragraph::new()
        .align(AlignmentType::Both)
        .line_spacing(
            LineSpacing::new()
                .before(0)
                .after(60)
                .line(320)
                .line_rule(docx_rs::LineSpacingType::Auto),
        )
        .add_run(
            Run::new()
                .add_text(format!("\u{3000}\u{3000}{n}. {text}"))
                .fonts(fonts(BODY_FONT))
                .size(NOTE_SIZE),
        )
}

/// The 填表说明 page, from the definitions, on a page of its own.
pub fn instructions(defs: &Definitions, form: &Form, draft: &Draft) -> Vec<Block> {
    let call = &defs.call;
    let shown = |id: &str| is_visible(form, draft, id);
    let applicant = || {
        form.sections
            .iter()
            .filter(|s| s.role == Role::Applicant)
            .flat_map(|s| &s.fields)
    };
    let domain = draft
        .domain
        .as_deref()
        .and_then(|d| form.domain(d))
        .map(|d| format!("（{}领域）", d.name))
        .unwrap_or_default();
    let mut notes = vec![format!(
        "本表用于{}中{}{domain}的申报。申报条件见《关于征集遴选{}年“科创中国”系列榜单的通知》附件1。",
        call.title, form.name, call.year
    )];
    let required: Vec<String> = applicant()
        .filter(|f| f.required && f.kind != Kind::Pledge && shown(&f.id))
        .map(|f| format!("「{}」", f.label))
        .collect();
    if !required.is_empty() {
        notes.push(format!(
            "请逐项如实填写，以下各项不得空缺：{}；申报承诺须逐条勾选。",
            required.join("、")
        ));
    }
    let limits: Vec<String> = applicant()
        .filter(|f| f.kind == Kind::Textarea && shown(&f.id))
        .filter_map(|f| {
            let label = format!("「{}」", f.label);
            match (f.min_chars, f.max_chars) {
                (Some(min), Some(max)) => Some(format!("{label}{min}至{max}字")),
                (None, Some(max)) => Some(format!("{label}不超过{max}字")),
                (Some(min), None) => Some(format!("{label}不少于{min}字")),
                (None, None) => None,
            }
        })
        .collect();
    if !limits.is_empty() {
        notes.push(format!("字数（不含空格）：{}。", limits.join("；")));
    }
    let rows: Vec<String> = applicant()
        .filter(|f| f.kind == Kind::Table && shown(&f.id))
        .filter_map(|f| match (f.min_rows, f.max_rows) {
            (0, None) => None,
            (0, Some(max)) => Some(format!("「{}」最多{max}行", f.label)),
            (min, None) => Some(format!("「{}」至少{min}行", f.label)),
            (min, Some(max)) => Some(format!("「{}」{min}至{max}行", f.label)),
        })
        .collect();
    if !rows.is_empty() {
        notes.push(format!("表格：{}。", rows.join("；")));
    }
    notes.push(
        "数字只填阿拉伯数字，单位见各栏标题；日期写作“2015年6月18日”，年月写作“2020年5月”。".into(),
    );
    notes.push(
        "在 Word 或 WPS 中填写时：点击灰色提示文字即可输入；单选项点击后从下拉列表中选择；多选项和承诺点击方框勾选（■ 为选中）；表格行数不够时，在表格最后一格中按 Tab 键增加一行。也可使用“科创中国榜单申报助手”填写，随填随查，导出本表。".into(),
    );
    notes.push(
        "请用 A4 纸双面打印。签字处须由本人手写签名，不得打印；「申报单位（盖章）」处加盖单位公章。".into(),
    );
    let end = call.window.end;
    notes.push(format!(
        "请于{}年{}月{}日前将本表的 Word 版和签字盖章后的扫描件（PDF）发送至 {}。联系方式：{} {} {}。",
        end.year(),
        end.month(),
        end.day(),
        call.submission_email,
        call.contact.unit,
        call.contact.person,
        call.contact.phone
    ));
    let mut out = vec![Block::Paragraph(
        Paragraph::new()
            .page_break_before(true)
            .align(AlignmentType::Center)
            .line_spacing(LineSpacing::new().before(0).after(360))
            .add_run(
                Run::new()
                    .add_text("填表说明")
                    .fonts(fonts(HEADING_FONT))
                    .size(TITLE_SIZE),
            ),
    )];
    out.extend(
        notes
            .iter()
            .enumerate()
            .map(|(i, n)| Block::Paragraph(note(i + 1, n))),
    );
    out
}
