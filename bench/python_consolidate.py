#!/usr/bin/env python3
"""The consolidation of benches/consolidate.rs done with python-docx + openpyxl, for the
side-by-side comparison (product.md §8: ours at least 5x faster).

    python3 bench/python_consolidate.py FOLDER OUT.xlsx

What it does, per file (folders walked recursively, .docx only, sorted like ours):
- opens the .docx with python-docx (``docx.Document``);
- reads the draft from our custom XML part (the part whose root is in the namespace
  ``urn:kczg-form:draft``) and parses its JSON;
- reads the text of every cell of every visible table (what our import compares with the
  draft to find edits after export; here the text is only collected, not compared);
- a file that fails is counted as a problem and skipped.
Then it flags duplicates within a list (same USCC or same NFKC-normalised name, without the
company-suffix rule) and writes the workbook with openpyxl: an overview sheet with the same 15
columns as ours (a hidden key row, a heading row, frozen panes, an autofilter, widths) and one
sheet per list with the draft's values as columns (tables as "n 项", long texts left out).

It does NOT validate the drafts or compare the visible text with them, and matches no
previous-winners list: it does less work than our side, so the ratio is conservative.
"""

import json
import os
import sys
import unicodedata

import docx
import openpyxl
from lxml import etree
from openpyxl.styles import Font, PatternFill

NAMESPACE = "urn:kczg-form:draft"
LISTS = {
    # list: (name, unit, contact, mobile, code, sheet)
    "leading_tech": ("tech_name", "holder_name", "contact_name", "contact_mobile", "holder_uscc", "先导技术榜"),
    "emerging_enterprise": ("ent_name", "ent_name", "contact_name", "contact_mobile", "ent_uscc", "新锐企业榜"),
    "innovation_org": ("org_name", "org_name", "contact_name", "contact_mobile", "org_uscc", "融通创新组织榜"),
    "tech_manager": ("person_name", "employer", "person_name", "mobile", "id_number", "技术经理人先锋榜"),
}
DOMAINS = {
    "electronic_info": "电子信息", "biomedicine": "生物医药", "equipment": "装备制造",
    "advanced_materials": "先进材料", "green_low_carbon": "绿色低碳", "industrial_foundation": "产业基础",
}
OVERVIEW = [
    ("seq", "序号"), ("list", "榜单"), ("domain", "领域"), ("name", "名称"), ("unit", "单位"),
    ("contact", "联系人"), ("mobile", "手机"), ("errors", "错误数"), ("warnings", "提醒数"),
    ("source", "来源文件"), ("recommend", "推荐"), ("rank", "排序"), ("note", "备注"),
    ("duplicates", "疑似重复"), ("previous", "历年入选"),
]
LONG_TEXT = 100  # values longer than this are treated as long texts and left out


def files(root):
    out = []
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for n in sorted(names):
            if n.lower().endswith(".docx") and not n.startswith("~$"):
                out.append(os.path.join(folder, n))
    return sorted(out)


def embedded_draft(document):
    for part in document.part.package.iter_parts():
        if not str(part.partname).startswith("/customXml/item"):
            continue
        blob = part.blob
        if NAMESPACE.encode() not in blob[:512]:
            continue
        root = etree.fromstring(blob)
        return json.loads(root.text)
    raise ValueError("not ours")


def visible_text(document):
    cells = []
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                cells.append(cell.text)
    return cells


def norm(text):
    return "".join(unicodedata.normalize("NFKC", text or "").split()).lower()


def cell_value(value):
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return f"{len(value)} 项"
        return "、".join(str(v) for v in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def main():
    root, out = sys.argv[1], sys.argv[2]
    rows, problems = [], 0
    for path in files(root):
        try:
            document = docx.Document(path)
            draft = embedded_draft(document)
            visible_text(document)
        except Exception:
            problems += 1
            continue
        rows.append((path, draft))

    by_key = {}
    for i, (_, d) in enumerate(rows):
        spec = LISTS.get(d["list"])
        if not spec:
            continue
        v = d["values"]
        for key in (("code", norm(v.get(spec[4], ""))), ("name", norm(v.get(spec[0], "")))):
            if key[1]:
                by_key.setdefault((d["list"],) + key, []).append(i)
    dups = [[] for _ in rows]
    for group in by_key.values():
        for a in group:
            dups[a].extend(f"与第 {b + 1} 行重复" for b in group if b != a)

    book = openpyxl.Workbook()
    header_font, fill = Font(bold=True), PatternFill("solid", fgColor="E7E6E6")

    def fill_sheet(sheet, keys, headings, body):
        sheet.append(keys)
        sheet.append(headings)
        for cell in sheet[2]:
            cell.font, cell.fill = header_font, fill
        widths = [len(h) * 2 for h in headings]
        for values in body:
            sheet.append(values)
            for c, v in enumerate(values):
                widths[c] = max(widths[c], len(str(v)) * 2 if v is not None else 0)
        for c, w in enumerate(widths):
            sheet.column_dimensions[openpyxl.utils.get_column_letter(c + 1)].width = min(max(w, 6), 50) + 1
        sheet.row_dimensions[1].hidden = True
        sheet.freeze_panes = "A3"
        sheet.auto_filter.ref = f"A2:{openpyxl.utils.get_column_letter(len(keys))}{len(body) + 2}"

    overview = book.active
    overview.title = "汇总"
    body = []
    for i, (path, d) in enumerate(rows):
        spec, v = LISTS[d["list"]], d["values"]
        body.append([
            i + 1, spec[5], DOMAINS.get(d.get("domain"), ""), v.get(spec[0], ""), v.get(spec[1], ""),
            v.get(spec[2], ""), v.get(spec[3], ""), 0, 0, path, "否", None, "", "；".join(dups[i]), "",
        ])
    fill_sheet(overview, [k for k, _ in OVERVIEW], [h for _, h in OVERVIEW], body)

    for list_id, spec in LISTS.items():
        mine = [(i, d) for i, (_, d) in enumerate(rows) if d["list"] == list_id]
        if not mine:
            continue
        keys = []
        for _, d in mine:
            for k, value in d["values"].items():
                if k not in keys and not (isinstance(value, str) and len(value) > LONG_TEXT):
                    keys.append(k)
        sheet = book.create_sheet(spec[5])
        body = [[i + 1] + [cell_value(d["values"].get(k)) for k in keys] for i, d in mine]
        fill_sheet(sheet, ["seq"] + keys, ["序号"] + keys, body)

    book.save(out)
    print(f"{len(rows)} rows, {problems} problems")


if __name__ == "__main__":
    main()
