//! The 评审结果汇总表 for printing and signing (.docx, landscape A4, in the conventions of the
//! 推荐汇总表's print: `crate::consolidate::print`): per list (and domain) the ranking with the
//! numbers behind each place and each expert's total, then the 评审意见 collected, and the
//! signature lines of the 评审组.

use std::io::Cursor;

use docx_rs::{
    AlignmentType, Docx, LineSpacing, PageMargin, PageOrientationType, Paragraph, Run, Table,
    TableLayoutType, TableRow, WidthType,
};

use super::rank::Group;
use super::store::Review;
use crate::consolidate::print::{
    CONTENT_WIDTH, MARGIN, MARGIN_LEFT, PAGE_HEIGHT, PAGE_WIDTH, cell, clean, para, run,
};
use crate::docx::layout::{
    BODY_FONT, BODY_SIZE, HEADER_ROW_HEIGHT, HEADING_FONT, TITLE_SIZE, fonts,
};
use crate::schema::Definitions;

fn table(headers: &[(&str, usize)], rows: Vec<Vec<String>>, centred: &[usize]) -> Table {
    let fixed: usize = headers.iter().map(|(_, w)| w).sum();
    let widths: Vec<usize> = headers
        .iter()
        .map(|(_, w)| if *w == 0 { CONTENT_WIDTH - fixed } else { *w })
        .collect();
    let head = TableRow::new(
        headers
            .iter()
            .zip(&widths)
            .map(|((h, _), w)| cell(h, *w, true, true))
            .collect(),
    )
    .cant_split()
    .row_height(HEADER_ROW_HEIGHT)
    .height_rule(docx_rs::HeightRule::AtLeast);
    let mut all = vec![head];
    for r in rows {
        all.push(
            TableRow::new(
                r.iter()
                    .zip(&widths)
                    .enumerate()
                    .map(|(i, (t, w))| cell(&clean(t), *w, false, centred.contains(&i)))
                    .collect(),
            )
            .cant_split(),
        );
    }
    Table::new(all)
        .set_grid(widths.clone())
        .width(widths.iter().sum(), WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
}

fn heading(text: &str, size: usize) -> Paragraph {
    // Kept with the table it heads, never alone at a page's foot.
    Paragraph::new()
        .align(AlignmentType::Left)
        .keep_next(true)
        .line_spacing(LineSpacing::new().before(240).after(120))
        .add_run(
            Run::new()
                .add_text(text)
                .fonts(fonts(HEADING_FONT))
                .size(size),
        )
}

/// The print .docx of the review's results.
pub fn results_docx(
    defs: &Definitions,
    review: &Review,
    groups: &[Group],
    normalised: bool,
) -> Result<Vec<u8>, String> {
    let title = format!("{}评审结果汇总表", defs.call.title);
    let mut doc = Docx::new()
        .page_size(PAGE_WIDTH, PAGE_HEIGHT)
        .page_orient(PageOrientationType::Landscape)
        .page_margin(
            PageMargin::new()
                .top(MARGIN)
                .bottom(MARGIN)
                .left(MARGIN_LEFT)
                .right(MARGIN)
                .header(851)
                .footer(851),
        )
        .default_fonts(fonts(BODY_FONT))
        .default_size(BODY_SIZE)
        .footer(crate::docx::blocks::footer())
        .add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .line_spacing(LineSpacing::new().before(0).after(240))
                .add_run(Run::new().add_text(&title).fonts(fonts(HEADING_FONT)).size(TITLE_SIZE)),
        )
        .add_paragraph(para().add_run(run(if normalised {
            "排名依据：各专家标准化分（z 分数）的平均。"
        } else {
            "排名依据：评审不少于设定份数时为去掉一个最高分、一个最低分后的平均分，否则为平均分；加权总分为百分制。"
        })));
    for g in groups {
        doc = doc.add_paragraph(heading(&g.name, 28));
        let rows: Vec<Vec<String>> = g
            .placed
            .iter()
            .map(|p| {
                let app = &review.apps[p.app];
                let two = |v: Option<f64>| v.map(|x| format!("{x:.2}")).unwrap_or_default();
                let experts = p
                    .reviews
                    .iter()
                    .map(|r| {
                        let who = &review.experts[r.expert].name;
                        match r.total {
                            Some(t) => format!("{who} {t:.2}（{}）", r.verdict.text()),
                            None => format!("{who} 回避"),
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("\n");
                vec![
                    p.place.map(|x| x.to_string()).unwrap_or_else(|| "—".into()),
                    app.name.clone(),
                    app.unit.clone(),
                    two(p.mean),
                    two(p.trimmed),
                    format!("{:.2}", p.spread),
                    if p.disagreement {
                        "是".into()
                    } else {
                        String::new()
                    },
                    format!("{}/{}", p.recommend, p.voted),
                    experts,
                    if p.proposed {
                        "推荐".into()
                    } else {
                        String::new()
                    },
                    p.order.map(|o| o.to_string()).unwrap_or_default(),
                ]
            })
            .collect();
        doc = doc.add_table(table(
            &[
                ("排名", 720),
                ("名称", 2400),
                ("单位", 2000),
                ("平均分", 850),
                ("去极值", 850),
                ("分差", 800),
                ("分歧", 720),
                ("推荐票", 850),
                ("专家（总分、推荐意见）", 0),
                ("建议推荐", 1000),
                ("排序", 720),
            ],
            rows,
            &[0, 3, 4, 5, 6, 7, 9, 10],
        ));
        let comments: Vec<Vec<String>> = g
            .placed
            .iter()
            .flat_map(|p| {
                let app = &review.apps[p.app];
                p.reviews.iter().map(move |r| {
                    vec![
                        app.name.clone(),
                        review.experts[r.expert].name.clone(),
                        r.verdict.text().to_owned(),
                        r.comment.clone(),
                    ]
                })
            })
            .collect();
        if !comments.is_empty() {
            doc = doc.add_paragraph(heading("评审意见", 24));
            doc = doc.add_table(table(
                &[
                    ("名称", 2800),
                    ("专家", 1200),
                    ("推荐意见", 1000),
                    ("评审意见", 0),
                ],
                comments,
                &[2],
            ));
        }
    }
    doc = doc.add_paragraph(
        para()
            .line_spacing(LineSpacing::new().before(600).after(0))
            .add_run(run(
                "评审组组长（签字）：　　　　　　　　评审组成员（签字）：　　　　　　　　　　　　　　　　　　　　日期：　　　　年　　月　　日",
            )),
    );
    let mut stored = Cursor::new(Vec::new());
    doc.build()
        .pack(&mut stored)
        .map_err(|e| format!("评审结果汇总表（.docx）无法生成：{e}"))?;
    let meta = crate::docx::package::Metadata::now(title, String::new());
    crate::docx::package::finish(stored.get_ref(), false, &Default::default(), &meta)
        .map_err(|e| format!("评审结果汇总表（.docx）无法生成：{e}"))?
        .map_err(|t| format!("评审结果汇总表（.docx）过大：{}", t.part))
}
