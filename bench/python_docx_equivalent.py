#!/usr/bin/env python3
"""Builds with python-docx the document kczg-form exports for a draft, and times it.

    python3 bench/python_docx_equivalent.py DRAFT_JSON FORM_JSON RUNS [OUT.docx]

The reference side of product.md §8 (「at least 10× faster than the same document built with
python-docx」). benches/export.rs writes DRAFT_JSON (sample::maximal, 200 rows per table) and
FORM_JSON (the visible sections and fields of the form with labels, kinds, options and table
columns, the title, header text and signature lines — what the Rust side reads from its
definitions), then runs this script in the same bench run.

The document mirrors src/docx/blocks.rs closely, using python-docx's public API plus the
usual oxml helpers for what it has no API for (East Asian fonts, shading, repeated header
rows, rows that cannot split, PAGE/NUMPAGES fields, the custom XML part):

- A4 portrait with the same margins; 宋体 body 五号, 黑体 headings; header and footer
  「第 X 页 共 Y 页」 with PAGE and NUMPAGES fields;
- the title (and the 草稿 notice), a heading per section 「一、…」;
- per section a fixed-layout 4-column label | value | label | value table: short fields two
  to a row, wide fields spanning three columns, long texts as a label row and a full-width
  value row (one paragraph per line, first-line indent), label cells shaded E7E6E6 and bold;
- option fields as the option list with □ / ■, dates as 2019年5月16日, numbers as written;
- table fields as their own table: a caption row and a header row (both repeated on every
  page), one numbered row per entry, long-text columns in a full-width row under their entry;
- pledges with their full text and the signature block, the 推荐单位意见 block;
- every value in an inline content control (w:sdt with alias, tag, id and w:text), built with
  lxml elements since python-docx has no API for them (the Rust side also writes drop-downs,
  dates and one checkbox per option; here every control is plain text);
- the draft JSON as a custom XML part.

Each run builds the whole document in memory and saves it to a BytesIO (the Rust export
returns bytes too); loading the JSON happens once, outside the timing. Prints one JSON line:
{"runs": N, "median_ms": …, "min_ms": …, "bytes": …}.
"""

import io
import json
import statistics
import sys
import time

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT, WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.part import Part
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor, Twips

PAGE_W, PAGE_H = 11906, 16838
MARGIN_TOP = MARGIN_BOTTOM = 1418
MARGIN_LEFT, MARGIN_RIGHT = 1701, 1418
CONTENT_W = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT
LABEL_W = 2150
VALUE_W = CONTENT_W // 2 - LABEL_W
GRID = [LABEL_W, VALUE_W, LABEL_W, CONTENT_W - 2 * LABEL_W - VALUE_W]
WIDE_W = CONTENT_W - LABEL_W
BODY_FONT, HEADING_FONT, LATIN_FONT = "宋体", "黑体", "Times New Roman"
LABEL_FILL = "E7E6E6"
TICKED, UNTICKED = "■", "□"
DIGITS = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"]


def ordinal(n):
    if n <= 9:
        return DIGITS[n]
    if n < 20:
        return "十" + DIGITS[n - 10]
    return DIGITS[n // 10] + "十" + DIGITS[n % 10]


# --- text of values, as src/docx/present.rs prints them ---------------------------------------


def plain(kind, value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return TICKED if value else UNTICKED
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, str):
        if kind == "date" and len(value) == 10:
            return f"{int(value[:4])}年{int(value[5:7])}月{int(value[8:])}日"
        if kind == "month" and len(value) == 7:
            return f"{int(value[:4])}年{int(value[5:])}月"
        return value.rstrip() if kind == "textarea" else value.strip()
    return json.dumps(value, ensure_ascii=False)


def option_list(field, chosen):
    items = [
        f"{TICKED if chosen(o['value']) else UNTICKED}\u2060{o['label']}" for o in field["options"]
    ]
    length = sum(len(o["label"]) + 2 for o in field["options"])
    return "\n".join(items) if length > 60 else "　".join(items)


def field_text(field, value):
    kind = field["kind"]
    if kind == "choice":
        if len(field["options"]) > 8:
            labels = {o["value"]: o["label"] for o in field["options"]}
            return labels.get(value, value or "")
        return option_list(field, lambda v: v == value)
    if kind == "multichoice":
        chosen = value if isinstance(value, list) else []
        return option_list(field, lambda v: v in chosen)
    if kind == "pledge":
        return f"{TICKED if value is True else UNTICKED} {field['label']}"
    return plain(kind, value)


def cell_text(column, value):
    if column["kind"] == "choice" and isinstance(value, str):
        labels = {o["value"]: o["label"] for o in column["options"]}
        return labels.get(value, value)
    return plain(column["kind"], value)


def label_text(field):
    return f"{field['label']}（{field['unit']}）" if field.get("unit") else field["label"]


# --- formatting helpers -----------------------------------------------------------------------


def set_fonts(run, east_asia, size_pt, bold=False, color=None):
    run.font.name = LATIN_FONT
    run.font.size = Pt(size_pt)
    if bold:
        run.bold = True
    if color:
        run.font.color.rgb = RGBColor.from_string(color)
    rfonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    rfonts.set(qn("w:eastAsia"), east_asia)
    rfonts.set(qn("w:hint"), "eastAsia")


def tight(paragraph, align=None):
    fmt = paragraph.paragraph_format
    fmt.space_before = 0
    fmt.space_after = 0
    fmt.line_spacing = 1.25
    if align is not None:
        paragraph.alignment = align


def shade(cell):
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), LABEL_FILL)
    cell._tc.get_or_add_tcPr().append(shd)


def row_flags(row, header=False):
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))
    if header:
        tr_pr.append(OxmlElement("w:tblHeader"))


def fill_label(cell, text):
    p = cell.paragraphs[0]
    tight(p, WD_ALIGN_PARAGRAPH.CENTER)
    set_fonts(p.add_run(text), BODY_FONT, 10.5, bold=True)
    shade(cell)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


CONTROL_IDS = [0]


def control(paragraph, tag, alias):
    """Moves the paragraph's runs into an inline content control (w:sdt) tagged `tag`, as the
    Rust export puts every value in one: python-docx has no API for content controls."""
    sdt = OxmlElement("w:sdt")
    pr = OxmlElement("w:sdtPr")
    rpr = OxmlElement("w:rPr")
    fonts = OxmlElement("w:rFonts")
    for key in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(key), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), BODY_FONT)
    rpr.append(fonts)
    pr.append(rpr)
    CONTROL_IDS[0] += 1
    for name, value in (("w:alias", alias), ("w:tag", tag), ("w:id", str(CONTROL_IDS[0]))):
        el = OxmlElement(name)
        el.set(qn("w:val"), value)
        pr.append(el)
    pr.append(OxmlElement("w:text"))
    content = OxmlElement("w:sdtContent")
    for r in paragraph._p.findall(qn("w:r")):
        content.append(r)
    sdt.append(pr)
    sdt.append(content)
    paragraph._p.append(sdt)


def fill_value(cell, text, long=False, tag=None, alias=""):
    lines = text.split("\n")
    for i, line in enumerate(lines):
        p = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        tight(p, WD_ALIGN_PARAGRAPH.JUSTIFY if long else None)
        if long:
            p.paragraph_format.first_line_indent = Pt(21)
        set_fonts(p.add_run(line.rstrip("\r")), BODY_FONT, 10.5)
        if tag is not None:
            control(p, tag, alias)
    cell.vertical_alignment = (
        WD_CELL_VERTICAL_ALIGNMENT.TOP if long else WD_CELL_VERTICAL_ALIGNMENT.CENTER
    )


def new_table(doc, grid):
    table = doc.add_table(rows=0, cols=len(grid))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False  # fixed layout
    tbl_pr = table._tbl.tblPr
    tbl_w = tbl_pr.find(qn("w:tblW"))
    if tbl_w is None:
        tbl_w = OxmlElement("w:tblW")
        tbl_pr.append(tbl_w)
    tbl_w.set(qn("w:w"), str(sum(grid)))
    tbl_w.set(qn("w:type"), "dxa")
    for col, width in zip(table.columns, grid):
        col.width = Twips(width)
    return table


def add_row(table, grid, spans):
    """A row whose cells span `spans` grid columns; returns its cells, widths set."""
    row = table.add_row()
    cells = list(row.cells)
    out = []
    column = 0
    for span in spans:
        cell = cells[column]
        if span > 1:
            cell = cell.merge(cells[column + span - 1])
        cell.width = Twips(sum(grid[column:column + span]))
        out.append(cell)
        column += span
    return row, out


def spacer(doc):
    p = doc.add_paragraph()
    tight(p)
    p.paragraph_format.line_spacing = Pt(6)


# --- the document -----------------------------------------------------------------------------


def column_widths(columns):
    char, padding = 210, 216

    def minimum(label):
        n = len(label)
        return (n if n <= 4 else (n + 1) // 2) * char + padding

    mins = [minimum("序号")] + [minimum(label_text(c)) for c in columns]
    weights = [0]
    for c in columns:
        if c["kind"] == "text":
            weights.append(min(max(c.get("max_chars") or 50, 8), 20))
        elif c["kind"] == "choice":
            weights.append(4)
        elif c["kind"] in ("date", "month"):
            weights.append(5)
        else:
            weights.append(3)
    spare = max(CONTENT_W - sum(mins), 0)
    total_w = max(sum(weights), 1)
    extra = [spare * w // total_w for w in weights]
    extra[-1] += spare - sum(extra)
    widths = [m + e for m, e in zip(mins, extra)]
    if sum(widths) != CONTENT_W:
        widths[-1] = max(widths[-1] + CONTENT_W - sum(widths), padding)
    return widths


def fit(field):
    short_label = len(field["label"]) <= 10
    kind = field["kind"]
    if kind == "table":
        return "table"
    if kind == "textarea":
        return "full"
    if kind in ("date", "month", "integer", "decimal", "computed") and short_label:
        return "half"
    if (kind == "text" and short_label and (field.get("max_chars") or 50) <= 30
            and field.get("format") not in ("Uscc", "IdCard", "Email")):
        return "half"
    if kind == "choice" and short_label and sum(len(o["label"]) + 2 for o in field["options"]) <= 10:
        return "half"
    return "wide"


def repeat_table(doc, field, entries):
    long = [c for c in field["columns"] if c["kind"] == "textarea"]
    short = [c for c in field["columns"] if c["kind"] != "textarea"]
    grid = column_widths(short)
    span = len(grid)
    table = new_table(doc, grid)
    row, (caption,) = add_row(table, grid, [span])
    row_flags(row, header=True)
    fill_label(caption, label_text(field))
    row, cells = add_row(table, grid, [1] * span)
    row_flags(row, header=True)
    for cell, text in zip(cells, ["序号"] + [label_text(c) for c in short]):
        fill_label(cell, text)
    for i, entry in enumerate(entries):
        row, cells = add_row(table, grid, [1] * span)
        row_flags(row)
        fill_value(cells[0], str(i + 1))
        cells[0].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        for cell, column in zip(cells[1:], short):
            fill_value(cell, cell_text(column, entry.get(column["id"])),
                       tag=f"{field['id']}.{column['id']}", alias=column["label"])
        for column in long:
            _, (cell,) = add_row(table, grid, [span])
            text = cell_text(column, entry.get(column["id"]))
            for j, line in enumerate(text.split("\n")):
                p = cell.paragraphs[0] if j == 0 else cell.add_paragraph()
                tight(p, WD_ALIGN_PARAGRAPH.JUSTIFY)
                if j == 0:
                    set_fonts(p.add_run(f"{column['label']}："), BODY_FONT, 10.5, bold=True)
                else:
                    p.paragraph_format.first_line_indent = Pt(21)
                set_fonts(p.add_run(line), BODY_FONT, 10.5)
                control(p, f"{field['id']}.{column['id']}", column["label"])
    if not entries:
        _, (cell,) = add_row(table, grid, [span])
        fill_value(cell, "（无）")


def section_body(doc, fields, values):
    state = {"table": None, "pending": None, "last_table": False}

    def grid_table():
        if state["table"] is None:
            if state["last_table"]:
                spacer(doc)
            state["table"] = new_table(doc, GRID)
            state["last_table"] = True
        return state["table"]

    def text(f):
        return field_text(f, values.get(f["id"]))

    def flush_half():
        f = state["pending"]
        if f is not None:
            state["pending"] = None
            row, (label, value) = add_row(grid_table(), GRID, [1, 3])
            row_flags(row)
            fill_label(label, label_text(f))
            fill_value(value, text(f), tag=f["id"], alias=f["label"])

    for f in fields:
        how = fit(f)
        if how == "half":
            if state["pending"] is None:
                state["pending"] = f
                continue
            left, state["pending"] = state["pending"], None
            row, cells = add_row(grid_table(), GRID, [1, 1, 1, 1])
            row_flags(row)
            fill_label(cells[0], label_text(left))
            fill_value(cells[1], text(left), tag=left["id"], alias=left["label"])
            fill_label(cells[2], label_text(f))
            fill_value(cells[3], text(f), tag=f["id"], alias=f["label"])
        elif how == "wide":
            flush_half()
            row, (label, value) = add_row(grid_table(), GRID, [1, 3])
            row_flags(row)
            fill_label(label, label_text(f))
            fill_value(value, text(f), tag=f["id"], alias=f["label"])
        elif how == "full":
            flush_half()
            table = grid_table()
            row, (label,) = add_row(table, GRID, [4])
            row_flags(row)
            fill_label(label, label_text(f))
            _, (value,) = add_row(table, GRID, [4])
            fill_value(value, text(f), long=True, tag=f["id"], alias=f["label"])
        else:
            flush_half()
            state["table"] = None
            if state["last_table"]:
                spacer(doc)
            entries = values.get(f["id"])
            repeat_table(doc, f, entries if isinstance(entries, list) else [])
            state["last_table"] = True
    flush_half()


def pledges(doc, form, fields, values):
    table = new_table(doc, [CONTENT_W])
    for f in fields:
        row, (cell,) = add_row(table, [CONTENT_W], [1])
        row_flags(row)
        fill_value(cell, field_text(f, values.get(f["id"])))
    row, (sign,) = add_row(table, [CONTENT_W], [1])
    row_flags(row)
    row.height = Twips(2400)
    sign.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.BOTTOM
    tight(sign.paragraphs[0])
    for line in form["signatures"]:
        p = sign.add_paragraph()
        tight(p)
        p.paragraph_format.space_before = Pt(12)
        p.paragraph_format.left_indent = Twips(4200)
        set_fonts(p.add_run(line), BODY_FONT, 10.5)
    p = sign.add_paragraph()
    tight(p, WD_ALIGN_PARAGRAPH.RIGHT)
    set_fonts(p.add_run("年　　月　　日　　"), BODY_FONT, 10.5)


def recommendation(doc, fields, values):
    by_id = {f["id"]: f for f in fields}

    def text(fid):
        f = by_id.get(fid)
        return field_text(f, values.get(fid)) if f else ""

    table = new_table(doc, [LABEL_W, WIDE_W])
    row, (label, body) = add_row(table, [LABEL_W, WIDE_W], [1, 1])
    row_flags(row)
    row.height = Twips(3000)
    fill_label(label, "推荐单位意见")
    fill_value(body, text("rec_opinion"), long=True)
    p = body.add_paragraph()
    tight(p)
    p.paragraph_format.space_before = Pt(24)
    p = body.add_paragraph()
    tight(p)
    p.paragraph_format.left_indent = Twips(2600)
    set_fonts(p.add_run(f"推荐单位（盖章）：{text('rec_org')}"), BODY_FONT, 10.5)
    p = body.add_paragraph()
    tight(p, WD_ALIGN_PARAGRAPH.RIGHT)
    date = text("rec_date")
    set_fonts(p.add_run(f"{date}　　" if date else "年　　月　　日　　"), BODY_FONT, 10.5)


def add_field(paragraph, instr):
    def run_with(element):
        r = paragraph.add_run()
        set_fonts(r, BODY_FONT, 9)
        r._element.append(element)
        return r

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    text = OxmlElement("w:instrText")
    text.text = instr
    run_with(text)
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    run_with(sep)
    set_fonts(paragraph.add_run("1"), BODY_FONT, 9)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def build(form, draft, draft_xml):
    values = draft["values"]
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Twips(PAGE_W), Twips(PAGE_H)
    section.top_margin, section.bottom_margin = Twips(MARGIN_TOP), Twips(MARGIN_BOTTOM)
    section.left_margin, section.right_margin = Twips(MARGIN_LEFT), Twips(MARGIN_RIGHT)
    section.header_distance, section.footer_distance = Twips(851), Twips(992)
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(10.5)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)

    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    set_fonts(header.add_run(form["header"]), BODY_FONT, 9, bold=True, color="C00000")
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_fonts(footer.add_run("第 "), BODY_FONT, 9)
    add_field(footer, "PAGE")
    set_fonts(footer.add_run(" 页 共 "), BODY_FONT, 9)
    add_field(footer, "NUMPAGES")
    set_fonts(footer.add_run(" 页"), BODY_FONT, 9)

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(12)
    set_fonts(title.add_run(form["title"]), HEADING_FONT, 18)
    if form.get("notice"):
        notice = doc.add_paragraph()
        notice.alignment = WD_ALIGN_PARAGRAPH.CENTER
        set_fonts(notice.add_run(form["notice"]), BODY_FONT, 10.5, bold=True, color="C00000")

    for n, sec in enumerate(form["sections"], start=1):
        heading = doc.add_paragraph()
        heading.paragraph_format.keep_with_next = True
        heading.paragraph_format.space_before = Pt(12)
        heading.paragraph_format.space_after = Pt(6)
        set_fonts(heading.add_run(f"{ordinal(n)}、{sec['title']}"), HEADING_FONT, 14)
        fields = sec["fields"]
        if sec["role"] == "secretariat":
            recommendation(doc, fields, values)
        elif fields and all(f["kind"] == "pledge" for f in fields):
            pledges(doc, form, fields, values)
        else:
            section_body(doc, fields, values)

    package = doc.part.package
    name = package.next_partname("/customXml/item%d.xml")
    part = Part(name, "application/xml", draft_xml, package)
    doc.part.relate_to(part, RT.CUSTOM_XML)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def main(argv):
    if len(argv) not in (4, 5):
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        draft_text = f.read()
    draft = json.loads(draft_text)
    with open(argv[2], encoding="utf-8") as f:
        form = json.load(f)
    runs = int(argv[3])
    safe = draft_text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    draft_xml = f'<kczg xmlns="urn:kczg-form:draft">{safe}</kczg>'.encode("utf-8")
    times = []
    blob = b""
    for _ in range(runs):
        start = time.perf_counter()
        blob = build(form, draft, draft_xml)
        times.append((time.perf_counter() - start) * 1000)
    if len(argv) == 5:
        with open(argv[4], "wb") as f:
            f.write(blob)
    print(json.dumps({
        "runs": runs,
        "median_ms": statistics.median(times),
        "min_ms": min(times),
        "bytes": len(blob),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
