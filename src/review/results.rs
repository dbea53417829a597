//! 评审结果汇总表 (.xlsx): per list (and domain) a sheet with the ranking — place, the numbers
//! behind it (reviews, mean, trimmed mean, z-score mean, spread and disagreement, 推荐 votes),
//! each expert's total, the proposed 推荐 and 排序 — and signature lines for the 评审组; then a
//! sheet 「评审意见」 with every review: its scores, verdict and comment.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};

use super::rank::Group;
use super::store::Review;
use crate::schema::Definitions;

/// The summary's bytes; `normalised`: the ranking went by z-scores (said on each sheet).
pub fn results_xlsx(
    defs: &Definitions,
    review: &Review,
    groups: &[Group],
    normalised: bool,
) -> Result<Vec<u8>, String> {
    write(defs, review, groups, normalised).map_err(|e| format!("评审结果汇总表无法生成：{e}"))
}

fn write(
    defs: &Definitions,
    review: &Review,
    groups: &[Group],
    normalised: bool,
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let title = Format::new().set_bold().set_font_size(14);
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_background_color("D9E1F2")
        .set_border(FormatBorder::Thin);
    let cell = Format::new()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_border(FormatBorder::Thin);
    let number = cell.clone().set_num_format("0.00");
    let flag = cell.clone().set_font_color("C00000");
    let how = if normalised {
        "排名依据：各专家标准化分（z 分数）的平均，消除打分偏严或偏松的差异"
    } else {
        "排名依据：去掉一个最高分和一个最低分后的平均分（评审不少于设定份数时），否则为平均分"
    };
    let per = review.per.max(
        groups
            .iter()
            .flat_map(|g| &g.placed)
            .map(|p| p.reviews.len())
            .max()
            .unwrap_or(0),
    );
    for group in groups {
        let sheet = book.add_worksheet();
        let name: String = group
            .name
            .chars()
            .filter(|c| !"[]:*?/\\".contains(*c))
            .take(31)
            .collect();
        sheet.set_name(name)?;
        sheet.write_string_with_format(
            0,
            0,
            format!("{}评审结果汇总表——{}", defs.call.title, group.name),
            &title,
        )?;
        sheet.write_string(1, 0, how)?;
        let mut headers: Vec<String> = [
            "排名",
            "申报编号",
            "名称",
            "单位",
            "评审份数",
            "平均分",
            "去极值平均分",
            "标准化分",
            "分差",
            "意见分歧",
            "推荐票数",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        for k in 1..=per {
            headers.push(format!("评审{k}（专家：总分）"));
        }
        headers.extend(["建议推荐".to_owned(), "建议排序".to_owned()]);
        for (c, h) in headers.iter().enumerate() {
            sheet.write_string_with_format(3, c as u16, h, &head)?;
        }
        sheet.set_row_height(3, 36)?;
        let mut r = 4;
        for p in &group.placed {
            let app = &review.apps[p.app];
            let opt = |v: Option<f64>| v.map(|x| format!("{x:.2}")).unwrap_or_default();
            sheet.write_string_with_format(
                r,
                0,
                p.place.map(|x| x.to_string()).unwrap_or_else(|| "—".into()),
                &cell,
            )?;
            sheet.write_string_with_format(r, 1, super::sheet::key(app), &cell)?;
            sheet.write_string_with_format(r, 2, &app.name, &cell)?;
            sheet.write_string_with_format(r, 3, &app.unit, &cell)?;
            sheet.write_number_with_format(
                r,
                4,
                p.reviews.iter().filter(|x| x.total.is_some()).count() as f64,
                &cell,
            )?;
            match p.mean {
                Some(m) => sheet.write_number_with_format(r, 5, m, &number)?,
                None => sheet.write_string_with_format(r, 5, "", &cell)?,
            };
            sheet.write_string_with_format(r, 6, opt(p.trimmed), &cell)?;
            sheet.write_string_with_format(
                r,
                7,
                p.z_mean.map(|z| format!("{z:.3}")).unwrap_or_default(),
                &cell,
            )?;
            sheet.write_number_with_format(r, 8, p.spread, &number)?;
            if p.disagreement {
                sheet.write_string_with_format(r, 9, "是", &flag)?;
            } else {
                sheet.write_string_with_format(r, 9, "", &cell)?;
            }
            sheet.write_string_with_format(r, 10, format!("{}/{}", p.recommend, p.voted), &cell)?;
            for k in 0..per {
                let text = p
                    .reviews
                    .get(k)
                    .map(|x| {
                        let who = &review.experts[x.expert].name;
                        match x.total {
                            Some(t) => format!("{who}：{t:.2}（{}）", x.verdict.text()),
                            None => format!("{who}：回避"),
                        }
                    })
                    .unwrap_or_default();
                sheet.write_string_with_format(r, 11 + k as u16, text, &cell)?;
            }
            let c = 11 + per as u16;
            sheet.write_string_with_format(r, c, if p.proposed { "推荐" } else { "" }, &cell)?;
            sheet.write_string_with_format(
                r,
                c + 1,
                p.order.map(|o| o.to_string()).unwrap_or_default(),
                &cell,
            )?;
            r += 1;
        }
        r += 2;
        sheet.write_string(r, 0, "评审组组长（签字）：____________    评审组成员（签字）：________________________________    日期：______年____月____日")?;
        sheet.set_column_width(0, 6)?;
        sheet.set_column_width(1, 14)?;
        sheet.set_column_width(2, 30)?;
        sheet.set_column_width(3, 26)?;
        for k in 0..per as u16 {
            sheet.set_column_width(11 + k, 22)?;
        }
        sheet.set_landscape();
        sheet.set_print_fit_to_pages(1, 0);
        sheet.set_repeat_rows(3, 3)?;
    }
    // Every review with its scores and comment.
    let sheet = book.add_worksheet();
    sheet.set_name("评审意见")?;
    for (c, h) in [
        "榜单",
        "申报编号",
        "名称",
        "专家",
        "单位",
        "各项得分",
        "加权总分",
        "推荐意见",
        "评审意见",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string_with_format(0, c as u16, *h, &head)?;
    }
    let mut r = 1;
    for group in groups {
        for p in &group.placed {
            let app = &review.apps[p.app];
            let plan = defs.review.plan_for(&app.list, app.domain.as_deref());
            for x in &p.reviews {
                let expert = &review.experts[x.expert];
                let scores = plan
                    .map(|plan| {
                        plan.criteria
                            .iter()
                            .zip(&x.scores)
                            .map(|(c, s)| format!("{} {s}", c.label))
                            .collect::<Vec<_>>()
                            .join("；")
                    })
                    .unwrap_or_default();
                sheet.write_string_with_format(r, 0, &group.name, &cell)?;
                sheet.write_string_with_format(r, 1, super::sheet::key(app), &cell)?;
                sheet.write_string_with_format(r, 2, &app.name, &cell)?;
                sheet.write_string_with_format(r, 3, &expert.name, &cell)?;
                sheet.write_string_with_format(r, 4, &expert.unit, &cell)?;
                sheet.write_string_with_format(r, 5, scores, &cell)?;
                match x.total {
                    Some(t) => sheet.write_number_with_format(r, 6, t, &number)?,
                    None => sheet.write_string_with_format(r, 6, "", &cell)?,
                };
                sheet.write_string_with_format(r, 7, x.verdict.text(), &cell)?;
                sheet.write_string_with_format(r, 8, &x.comment, &cell)?;
                r += 1;
            }
        }
    }
    sheet.set_column_width(2, 28)?;
    sheet.set_column_width(5, 50)?;
    sheet.set_column_width(8, 50)?;
    sheet.set_landscape();
    sheet.set_print_fit_to_pages(1, 0);
    book.save_to_buffer()
}
