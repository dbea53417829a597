//! The document's blocks, driven by the form definitions: title, section headings, field rows,
//! table fields, pledges with the signature block, the recommendation block, header and footer.

use docx_rs::{
    AlignmentType, BreakType, FieldCharType, Footer, Header, InstrNUMPAGES, InstrPAGE, InstrText,
    LineSpacing, Paragraph, Run, StructuredDataTag, Table, TableCell, TableRow, VAlignType,
};
use serde_json::Value;

use super::controls::{Control, ControlKind, Controls, NO_CHOICE, PLACEHOLDER_STYLE};
use super::layout::*;
use super::present::{TICKED, UNTICKED, control_text, options_one_per_line};
use crate::Draft;
use crate::schema::{Definitions, Field, FieldRole, Form, Format, Kind, Role};

/// One top-level element of the body, in order. A document has a few dozen: boxing the
/// larger variant would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum Block {
    Paragraph(Paragraph),
    Table(Table),
}

/// Label and value widths of the four-column field grid: label | value | label | value.
const LABEL_W: usize = 2150;
const VALUE_W: usize = CONTENT_WIDTH / 2 - LABEL_W;
/// What a wide row's label gains when it is too long for [`LABEL_W`] (「统一社会信用代码（创新
/// 联合体填牵头单位）」): six characters.
const EXTRA_W: usize = 6 * CHAR_W;
/// Label | value | label | value, the first value split so that a wide row's label can take
/// its first part.
const GRID: [usize; 5] = [
    LABEL_W,
    EXTRA_W,
    VALUE_W - EXTRA_W,
    LABEL_W,
    CONTENT_WIDTH - 2 * LABEL_W - VALUE_W,
];
/// A wide value spans the last three columns.
const WIDE_W: usize = CONTENT_WIDTH - LABEL_W;

/// 「2023年“科创中国”先导技术榜申报表」, with the 草稿 mark in a preview.
pub fn title(defs: &Definitions, form: &Form, preview: Option<usize>) -> Vec<Block> {
    let mut text = defs.call.form_title(form);
    if preview.is_some() {
        text.push_str("（草稿）");
    }
    let heading = Paragraph::new()
        .page_break_before(true)
        .align(AlignmentType::Center)
        .line_spacing(LineSpacing::new().before(0).after(240))
        .add_run(
            Run::new()
                .add_text(text)
                .fonts(fonts(HEADING_FONT))
                .size(TITLE_SIZE),
        );
    let mut blocks = vec![Block::Paragraph(heading)];
    if let Some(problems) = preview {
        blocks.push(Block::Paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .line_spacing(LineSpacing::new().before(0).after(240))
                .add_run(run(&draft_notice(problems)).color("C00000").bold()),
        ));
    }
    blocks
}

pub fn draft_notice(problems: usize) -> String {
    format!("草稿：尚有 {problems} 个问题未解决，不能作为正式申报材料提交")
}

/// 「一、基本信息」
fn heading(number: usize, title: &str) -> Paragraph {
    Paragraph::new()
        .keep_next(true)
        .line_spacing(LineSpacing::new().before(240).after(120))
        .add_run(
            Run::new()
                .add_text(format!("{}、{title}", chinese_ordinal(number)))
                .fonts(fonts(HEADING_FONT))
                .size(HEADING_SIZE),
        )
}

/// The paragraph a document must end with after a final table (Word adds one, at full
/// height, which can spill onto an empty last page counted in 「共 N 页」): one point high and
/// hidden, its mark too, so that it takes no room even when the table fills the last page.
pub fn end_paragraph() -> Paragraph {
    Paragraph::new()
        .line_spacing(
            LineSpacing::new()
                .before(0)
                .after(0)
                .line(20)
                .line_rule(docx_rs::LineSpacingType::Exact),
        )
        .run_property(docx_rs::RunProperty::new().size(2).vanish())
        .add_run(Run::new().size(2).vanish())
}

/// A small gap between two tables, so Word and LibreOffice keep them apart.
fn spacer() -> Paragraph {
    Paragraph::new()
        .line_spacing(LineSpacing::new().before(0).after(0).line(120))
        .add_run(Run::new().size(4))
}

/// Builds the body of one document, registering a content control for every value.
pub struct Builder<'a> {
    form: &'a Form,
    draft: &'a Draft,
    /// A blank template: every field is shown whatever the other fields say (only the domain,
    /// chosen when the template is made, decides), and tables get empty rows to fill.
    template: bool,
    /// The secretariat's re-export: 推荐单位意见 prints the recommendation. The applicant's
    /// export prints the block empty, to be filled by the recommending unit.
    recommendation: bool,
    pub controls: Controls,
}

/// Empty rows a blank template gives a table without a minimum number of rows.
const TEMPLATE_ROWS: usize = 3;

impl<'a> Builder<'a> {
    pub fn new(form: &'a Form, draft: &'a Draft, template: bool) -> Builder<'a> {
        Builder {
            form,
            draft,
            template,
            recommendation: false,
            controls: Controls::default(),
        }
    }

    /// The secretariat's re-export: the recommendation block prints its values.
    pub fn with_recommendation(mut self) -> Builder<'a> {
        self.recommendation = true;
        self
    }

    /// A value of the recommendation block, when this document prints it.
    fn recommended(&self, id: &str) -> Option<Value> {
        self.recommendation
            .then(|| self.draft.get(id).cloned())
            .flatten()
    }

    fn shows(&self, when: Option<&crate::schema::When>) -> bool {
        match when {
            None => true,
            // A blank template fixes only what it was made for (the domain): a condition on
            // any other field may go either way, so its fields are printed.
            Some(w) if self.template && self.draft.value(&w.field).is_none() => true,
            Some(w) => w.holds(self.draft.text(&w.field)),
        }
    }

    fn shows_section(&self, section: &crate::schema::Section) -> bool {
        self.shows(section.visible_if.as_ref())
    }

    fn shows_field(&self, field: &Field) -> bool {
        self.shows(field.visible_if.as_ref())
    }

    /// Every visible section of the form, numbered.
    pub fn sections(&mut self) -> Vec<Block> {
        let mut blocks = Vec::new();
        let form = self.form;
        let visible: Vec<_> = form
            .sections
            .iter()
            .filter(|s| self.shows_section(s))
            .collect();
        for (i, section) in visible.into_iter().enumerate() {
            blocks.push(Block::Paragraph(heading(i + 1, &section.title)));
            let fields: Vec<&Field> = section
                .fields
                .iter()
                .filter(|f| self.shows_field(f))
                .collect();
            if section.role == Role::Secretariat {
                blocks.push(Block::Table(self.recommendation(&fields)));
            } else if !fields.is_empty() && fields.iter().all(|f| f.kind == Kind::Pledge) {
                blocks.push(Block::Table(self.pledges(&fields)));
            } else {
                self.section_body(&fields, &mut blocks);
            }
        }
        blocks
    }

    fn section_body(&mut self, fields: &[&Field], blocks: &mut Vec<Block>) {
        let mut rows: Vec<TableRow> = Vec::new();
        let mut pending: Option<&Field> = None;
        fn flush_table(rows: &mut Vec<TableRow>, blocks: &mut Vec<Block>) {
            if !rows.is_empty() {
                if matches!(blocks.last(), Some(Block::Table(_))) {
                    blocks.push(Block::Paragraph(spacer()));
                }
                blocks.push(Block::Table(table(std::mem::take(rows), &GRID)));
            }
        }
        for &field in fields {
            match fit(field) {
                Fit::Half => match pending.take() {
                    Some(left) => {
                        let cells = vec![
                            label_cell(&label_text(left), GRID[0], 1),
                            self.field_cell(left, GRID[1] + GRID[2], 2),
                            label_cell(&label_text(field), GRID[3], 1),
                            self.field_cell(field, GRID[4], 1),
                        ];
                        rows.push(keep_row(cells));
                    }
                    None => pending = Some(field),
                },
                Fit::Wide => {
                    self.flush_half(&mut rows, &mut pending);
                    let label = label_text(field);
                    let cells = if fits_in(&label, LABEL_W) {
                        vec![
                            label_cell(&label, LABEL_W, 1),
                            self.field_cell(field, WIDE_W, 4),
                        ]
                    } else {
                        vec![
                            label_cell(&label, LABEL_W + EXTRA_W, 2),
                            self.field_cell(field, WIDE_W - EXTRA_W, 3),
                        ]
                    };
                    rows.push(keep_row(cells));
                }
                Fit::Full => {
                    self.flush_half(&mut rows, &mut pending);
                    rows.push(keep_row(vec![label_cell_kept(
                        &label_text(field),
                        CONTENT_WIDTH,
                        5,
                    )]));
                    // Long texts may break across pages.
                    let value = self.draft.get(&field.id).cloned();
                    let body =
                        self.paragraphs(field, value.as_ref(), field.id.clone(), &field.label);
                    let mut c = cell(CONTENT_WIDTH, 5).vertical_align(VAlignType::Top);
                    for p in body {
                        c = c.add_paragraph(p);
                    }
                    rows.push(TableRow::new(vec![c]));
                }
                Fit::Table => {
                    self.flush_half(&mut rows, &mut pending);
                    flush_table(&mut rows, blocks);
                    if matches!(blocks.last(), Some(Block::Table(_))) {
                        blocks.push(Block::Paragraph(spacer()));
                    }
                    let t = self.repeat_table(field);
                    blocks.push(Block::Table(t));
                }
            }
        }
        self.flush_half(&mut rows, &mut pending);
        flush_table(&mut rows, blocks);
    }

    /// A half-row field left over: label | value across the rest of the row.
    fn flush_half(&mut self, rows: &mut Vec<TableRow>, pending: &mut Option<&Field>) {
        if let Some(f) = pending.take() {
            let cells = vec![
                label_cell(&label_text(f), GRID[0], 1),
                self.field_cell(f, CONTENT_WIDTH - GRID[0], 4),
            ];
            rows.push(keep_row(cells));
        }
    }

    /// A value cell holding a top-level field's control(s).
    fn field_cell(&mut self, field: &Field, width: usize, span: usize) -> TableCell {
        let value = value_of(self.draft, field);
        let ps = self.paragraphs(field, value.as_ref(), field.id.clone(), &field.label);
        ps.into_iter()
            .fold(cell(width, span), |c, p| c.add_paragraph(p))
    }

    /// The paragraph(s) showing one value in its control(s), tagged `tag` (a table cell's tag
    /// is `TABLE.COLUMN`).
    fn paragraphs(
        &mut self,
        field: &Field,
        value: Option<&Value>,
        tag: String,
        alias: &str,
    ) -> Vec<Paragraph> {
        // Half a row is narrow: the short hint there, as in table cells.
        let in_table = tag.contains('.') || matches!(fit(field), Fit::Half);
        match field.kind {
            Kind::Multichoice => {
                let chosen: Vec<&str> = value
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let one_per_line = options_one_per_line(field);
                let mut out = Vec::new();
                let mut p = para();
                for (i, option) in field.options.iter().enumerate() {
                    if i > 0 && !one_per_line {
                        p = p.add_run(run("　"));
                    }
                    let checked = chosen.contains(&option.value.as_str());
                    let sdt = self.checkbox(
                        format!("{tag}={}", option.value),
                        format!("{alias}：{}", option.label),
                        checked,
                    );
                    // Word joiners keep the box and its option's words on one line: a line
                    // breaks between options (「□批发业」), never inside one.
                    p = p
                        .add_structured_data_tag(sdt)
                        .add_run(run(&unbreakable(&option.label)));
                    if one_per_line {
                        out.push(std::mem::replace(&mut p, para()));
                    }
                }
                if !one_per_line || out.is_empty() {
                    out.push(p);
                }
                out
            }
            Kind::Pledge => {
                let checked = value == Some(&Value::Bool(true));
                let sdt = self.checkbox(tag, field.label.clone(), checked);
                vec![
                    para()
                        .add_structured_data_tag(sdt)
                        .add_run(run(&format!(" {}", field.label))),
                ]
            }
            Kind::Textarea => {
                let text = control_text(field, value);
                let (runs, placeholder) = if text.trim().is_empty() {
                    (placeholder_runs(&hint(field, in_table)), true)
                } else {
                    let lines: Vec<String> = text
                        .split('\n')
                        .map(|l| format!("{INDENT}{}", l.trim_end_matches('\r')))
                        .collect();
                    (line_runs(&lines), false)
                };
                let control = Control {
                    tag,
                    alias: alias.to_owned(),
                    kind: ControlKind::Text { multi_line: true },
                    placeholder,
                };
                let sdt = self.controls.sdt(control, runs);
                vec![
                    para()
                        .align(AlignmentType::Both)
                        .add_structured_data_tag(sdt),
                ]
            }
            _ => {
                let text = match field.kind {
                    Kind::Computed => {
                        crate::rules::computed_value(self.draft, field).unwrap_or_default()
                    }
                    _ => control_text(field, value),
                };
                let kind = match field.kind {
                    Kind::Choice => ControlKind::DropDown {
                        items: field
                            .options
                            .iter()
                            .map(|o| (o.label.clone(), o.value.clone()))
                            .collect(),
                    },
                    Kind::Date => ControlKind::Date {
                        full: value
                            .and_then(Value::as_str)
                            .and_then(crate::rules::parse_date),
                    },
                    Kind::Computed => ControlKind::Computed,
                    _ => ControlKind::Text {
                        multi_line: text.contains('\n'),
                    },
                };
                let placeholder = text.trim().is_empty();
                let runs = if placeholder {
                    placeholder_runs(&hint(field, in_table))
                } else {
                    let lines: Vec<&str> = text.split('\n').collect();
                    line_runs(&lines)
                };
                let control = Control {
                    tag,
                    alias: alias.to_owned(),
                    kind,
                    placeholder,
                };
                vec![para().add_structured_data_tag(self.controls.sdt(control, runs))]
            }
        }
    }

    fn checkbox(&mut self, tag: String, alias: String, checked: bool) -> StructuredDataTag {
        let mark = if checked { TICKED } else { UNTICKED };
        let control = Control {
            tag,
            alias,
            kind: ControlKind::Checkbox { checked },
            placeholder: false,
        };
        self.controls.sdt(control, vec![run(&mark.to_string())])
    }

    /// A table field as its own table: a caption row (its text in the `TABLE` control) and a
    /// header row with the column labels (both repeated on every page), then one row per
    /// entry, numbered. Long-text columns do not fit beside the others on A4: each gets a
    /// full-width row under its entry instead. A table with no entries gets empty rows to fill
    /// in Word (Tab in the last cell adds more).
    fn repeat_table(&mut self, field: &Field) -> Table {
        let value = self.draft.get(&field.id);
        let (long, short): (Vec<&Field>, Vec<&Field>) =
            field.columns.iter().partition(|c| c.kind == Kind::Textarea);
        let grid = column_widths(&short);
        let span = grid.len();
        let caption = self.controls.sdt(
            Control {
                tag: field.id.clone(),
                alias: field.label.clone(),
                kind: ControlKind::Caption,
                placeholder: false,
            },
            vec![bold_run(&label_text(field))],
        );
        let caption = shaded(cell(CONTENT_WIDTH, span)).add_paragraph(
            para()
                .align(AlignmentType::Center)
                .add_structured_data_tag(caption),
        );
        let mut rows = vec![header_row(vec![caption])];
        let mut header = vec![label_cell("序号", grid[0], 1)];
        header.extend(
            short
                .iter()
                .zip(&grid[1..])
                .map(|(c, w)| label_cell(&label_text(c), *w, 1)),
        );
        rows.push(header_row(header));
        let entries: Vec<Value> = match value.and_then(Value::as_array) {
            Some(a) if !a.is_empty() => a.clone(),
            _ => {
                let blank = if self.template {
                    field.min_rows.max(TEMPLATE_ROWS)
                } else {
                    field.min_rows.max(1)
                };
                vec![Value::Object(Default::default()); blank]
            }
        };
        for (i, entry) in entries.iter().enumerate() {
            let number = cell(grid[0], 1).add_paragraph(
                para()
                    .align(AlignmentType::Center)
                    .add_run(run(&(i + 1).to_string())),
            );
            let mut cells = vec![number];
            for (column, width) in short.iter().zip(&grid[1..]) {
                let tag = format!("{}.{}", field.id, column.id);
                let ps = self.paragraphs(column, entry.get(&column.id), tag, &column.label);
                cells.push(
                    ps.into_iter()
                        .fold(cell(*width, 1), |c, p| c.add_paragraph(p)),
                );
            }
            rows.push(keep_row(cells));
            for column in &long {
                let tag = format!("{}.{}", field.id, column.id);
                let mut c = cell(CONTENT_WIDTH, span).vertical_align(VAlignType::Top);
                c = c.add_paragraph(
                    para()
                        .keep_next(true)
                        .add_run(bold_run(&format!("{}：", column.label))),
                );
                for p in self.paragraphs(column, entry.get(&column.id), tag, &column.label) {
                    c = c.add_paragraph(p);
                }
                // Long texts may break across pages.
                rows.push(TableRow::new(vec![c]));
            }
        }
        table(rows, &grid)
    }

    /// Pledges with their full text, then the signature block: all in one row that cannot
    /// break across pages, so the seal is never on a page without the commitment it seals
    /// (a reviewer queries exactly that).
    fn pledges(&mut self, fields: &[&Field]) -> Table {
        let mut c = cell(CONTENT_WIDTH, 1).vertical_align(VAlignType::Top);
        for f in fields {
            let value = self.draft.get(&f.id).cloned();
            for p in self.paragraphs(f, value.as_ref(), f.id.clone(), &f.label) {
                c = c.add_paragraph(
                    p.line_spacing(
                        LineSpacing::new()
                            .before(60)
                            .after(60)
                            .line(300)
                            .line_rule(docx_rs::LineSpacingType::Auto),
                    ),
                );
            }
        }
        c = c.add_paragraph(para().line_spacing(LineSpacing::new().before(360).after(0)));
        for line in &self.form.signatures {
            c = c.add_paragraph(
                para()
                    .line_spacing(LineSpacing::new().before(240).after(0))
                    .align(AlignmentType::Left)
                    .indent(Some(4200), None, None, None)
                    .add_run(run(line)),
            );
        }
        c = c.add_paragraph(
            para()
                .line_spacing(LineSpacing::new().before(240).after(120))
                .align(AlignmentType::Right)
                .add_run(run("年　　月　　日　　")),
        );
        table(vec![keep_row(vec![c])], &[CONTENT_WIDTH])
    }

    /// 推荐单位意见: filled by the secretariat (in the app or in Word).
    fn recommendation(&mut self, fields: &[&Field]) -> Table {
        let find = |role: FieldRole| fields.iter().copied().find(|f| f.purpose == Some(role));
        let mut body = cell(WIDE_W, 1).vertical_align(VAlignType::Top);
        if let Some(f) = find(FieldRole::RecOpinion) {
            let value = self.recommended(&f.id);
            for p in self.paragraphs(f, value.as_ref(), f.id.clone(), &f.label) {
                body = body.add_paragraph(p);
            }
        }
        body = body.add_paragraph(para().line_spacing(LineSpacing::new().before(480).after(0)));
        let mut org = para()
            .line_spacing(LineSpacing::new().before(240).after(0))
            .indent(Some(2600), None, None, None)
            .add_run(run("推荐单位（盖章）："));
        if let Some(f) = find(FieldRole::RecOrg) {
            let value = self.recommended(&f.id);
            if let Some(p) = self
                .paragraphs(f, value.as_ref(), f.id.clone(), &f.label)
                .into_iter()
                .next()
            {
                org = append(org, p);
            }
        }
        body = body.add_paragraph(org);
        let mut date = para()
            .line_spacing(LineSpacing::new().before(240).after(120))
            .align(AlignmentType::Right);
        if let Some(f) = find(FieldRole::RecDate) {
            let value = self.recommended(&f.id);
            if let Some(p) = self
                .paragraphs(f, value.as_ref(), f.id.clone(), &f.label)
                .into_iter()
                .next()
            {
                date = append(date, p);
            }
        }
        body = body.add_paragraph(date.add_run(run("　　")));
        let label = label_cell("推荐单位意见", LABEL_W, 1);
        table(
            vec![keep_row(vec![label, body]).row_height(3000.0)],
            &[LABEL_W, WIDE_W],
        )
    }
}

/// `p` with the children of `more` after its own.
fn append(mut p: Paragraph, more: Paragraph) -> Paragraph {
    p.children.extend(more.children);
    p
}

/// `text` with a word joiner (U+2060) before every character: no line break inside it.
fn unbreakable(text: &str) -> String {
    text.chars().flat_map(|c| ['\u{2060}', c]).collect()
}

/// Two ideographic spaces: the customary first-line indent, begun on every line of a long text
/// and stripped (exactly these) on import.
pub const INDENT: &str = "\u{3000}\u{3000}";

/// Runs for lines separated by line breaks (`w:br`).
fn line_runs<S: AsRef<str>>(lines: &[S]) -> Vec<Run> {
    let last = lines.len().saturating_sub(1);
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let r = run(line.as_ref());
            if i < last {
                r.add_break(BreakType::TextWrapping)
            } else {
                r
            }
        })
        .collect()
}

/// The grey hint of an empty control.
fn placeholder_runs(hint: &str) -> Vec<Run> {
    vec![
        Run::new()
            .style(PLACEHOLDER_STYLE)
            .fonts(fonts(BODY_FONT))
            .add_text(hint),
    ]
}

/// What an empty control says: 「请填写，不超过 40 字」, 「请选择」. Table cells are narrow:
/// there only 「请填写」/「请选择」. The recommendation block prints blanks to write on.
pub fn hint(field: &Field, in_table: bool) -> String {
    match field.purpose {
        Some(FieldRole::RecOrg) => return "\u{3000}".repeat(12),
        Some(FieldRole::RecDate) => return "年　　月　　日".to_owned(),
        Some(FieldRole::RecOpinion) => return "（由推荐单位填写）".to_owned(),
        _ => {}
    }
    match field.kind {
        Kind::Choice => NO_CHOICE.to_owned(),
        Kind::Computed => "自动计算".to_owned(),
        _ if in_table => "请填写".to_owned(),
        Kind::Date => "请选择日期".to_owned(),
        Kind::Month => "请填写，如 2020年5月".to_owned(),
        Kind::Integer => "请填写整数".to_owned(),
        Kind::Decimal => "请填写数字".to_owned(),
        _ => match field.max_chars {
            Some(n) => format!("请填写，不超过 {n} 字"),
            None => "请填写".to_owned(),
        },
    }
}

/// How a field sits in the four-column grid.
enum Fit {
    /// label | value, two to a row
    Half,
    /// label | value across three columns
    Wide,
    /// a label row, then the value across the whole width
    Full,
    /// its own table
    Table,
}

fn fit(field: &Field) -> Fit {
    let short_label = field.label.chars().count() <= 10;
    match field.kind {
        Kind::Table => Fit::Table,
        Kind::Textarea => Fit::Full,
        Kind::Date | Kind::Month | Kind::Integer | Kind::Decimal | Kind::Computed
            if short_label =>
        {
            Fit::Half
        }
        Kind::Text if short_label && field.max_chars.unwrap_or(50) <= 30 && !long_format(field) => {
            Fit::Half
        }
        Kind::Choice if short_label && option_chars(field) <= 10 => Fit::Half,
        _ => Fit::Wide,
    }
}

/// Codes and addresses that need more than half a row.
fn long_format(field: &Field) -> bool {
    matches!(
        field.format,
        Some(Format::Uscc | Format::IdCard | Format::Email)
    )
}

fn option_chars(field: &Field) -> usize {
    field
        .options
        .iter()
        .map(|o| o.label.chars().count() + 2)
        .sum()
}

/// The label as printed: with its unit, 「从业人员（人）」.
pub(super) fn label_text(field: &Field) -> String {
    match &field.unit {
        Some(unit) => format!("{}（{unit}）", field.label),
        None => field.label.clone(),
    }
}

/// The value a field prints.
fn value_of(draft: &Draft, field: &Field) -> Option<Value> {
    draft.value(&field.id).map(std::borrow::Cow::into_owned)
}

/// Widths of 序号 and the short columns: each wide enough for its header on at most two lines,
/// the rest shared out by what the columns hold.
fn column_widths(columns: &[&Field]) -> Vec<usize> {
    let min = |label: &str| {
        let chars = label.chars().count();
        let per_line = if chars <= 4 { chars } else { chars.div_ceil(2) };
        per_line * CHAR_W + CELL_PADDING
    };
    let mut mins = vec![min("序号")];
    let mut weights = vec![0];
    for c in columns {
        mins.push(min(&label_text(c)));
        weights.push(match c.kind {
            Kind::Text => c.max_chars.unwrap_or(50).clamp(8, 20),
            Kind::Choice => 4,
            Kind::Date | Kind::Month => 5,
            _ => 3,
        });
    }
    let spare = CONTENT_WIDTH.saturating_sub(mins.iter().sum());
    let mut widths: Vec<usize> = mins
        .iter()
        .zip(split_width(spare, &weights))
        .map(|(m, e)| m + e)
        .collect();
    // Overfull headers: make the grid add up to the content width exactly.
    let total: usize = widths.iter().sum();
    if total != CONTENT_WIDTH
        && let Some(last) = widths.last_mut()
    {
        *last = (*last + CONTENT_WIDTH)
            .saturating_sub(total)
            .max(CELL_PADDING);
    }
    widths
}

/// 「第 X 页 共 Y 页」, with PAGE and NUMPAGES as separate field runs so that the size holds
/// in LibreOffice too.
pub fn footer() -> Footer {
    let small = |t: &str| {
        Run::new()
            .add_text(t)
            .fonts(fonts(BODY_FONT))
            .size(SMALL_SIZE)
    };
    let field = |instr: InstrText| {
        vec![
            Run::new()
                .size(SMALL_SIZE)
                .add_field_char(FieldCharType::Begin, false),
            Run::new().size(SMALL_SIZE).add_instr_text(instr),
            Run::new()
                .size(SMALL_SIZE)
                .add_field_char(FieldCharType::Separate, false),
            small("1"),
            Run::new()
                .size(SMALL_SIZE)
                .add_field_char(FieldCharType::End, false),
        ]
    };
    let mut p = Paragraph::new()
        .align(AlignmentType::Center)
        .add_run(small("第 "));
    for r in field(InstrText::PAGE(InstrPAGE::new())) {
        p = p.add_run(r);
    }
    p = p.add_run(small(" 页 共 "));
    for r in field(InstrText::NUMPAGES(InstrNUMPAGES::new())) {
        p = p.add_run(r);
    }
    p = p.add_run(small(" 页"));
    Footer::new().add_paragraph(p)
}

/// The page header: the list (and domain) in small grey type, or the 草稿 warning in a preview.
pub fn header(form: &Form, draft: &Draft, preview: Option<usize>) -> Header {
    let p = Paragraph::new().align(AlignmentType::Right);
    let p = match preview {
        Some(problems) => p.add_run(
            Run::new()
                .add_text(draft_notice(problems))
                .fonts(fonts(BODY_FONT))
                .size(SMALL_SIZE)
                .color("C00000")
                .bold(),
        ),
        None => {
            let domain = draft
                .domain
                .as_deref()
                .and_then(|d| form.domain(d))
                .map(|d| format!(" · {}", d.name));
            p.add_run(
                Run::new()
                    .add_text(format!("{}{}", form.name, domain.unwrap_or_default()))
                    .fonts(fonts(BODY_FONT))
                    .size(SMALL_SIZE)
                    .color("7F7F7F"),
            )
        }
    };
    Header::new().add_paragraph(p)
}
