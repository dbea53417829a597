#!/usr/bin/env python3
"""Edits the content controls of a .docx the way Word does, for tests/docx_editors.rs.

    fill_docx.py IN.docx OUT.docx PLAN.json

PLAN is a list of operations, applied in order:

- {"op": "set", "tag": T, "nth": N, "text": S}: the N-th control tagged T (from 0) shows S,
  as Word writes a value: the content replaced by one run (the control's own run properties,
  w:br for line breaks, w:tab for tabs) and w:showingPlcHdr removed. A drop-down gets S as its
  display text; a date control gets S and, with "full_date", its w:fullDate.
- {"op": "check", "tag": T, "nth": N, "checked": B}: a checkbox's w14:checked and its glyph.
- {"op": "add_row", "table": T, "cells": [S...], "long": [S...]}: Tab in the last cell of
  table T: a copy of the last entry's rows (the data row and the full-width rows under it)
  *without their content controls*, filled with plain text: the data row's cells after 序号 get
  "cells", the full-width rows keep their label paragraph and get "long" in the next one.
- {"op": "remove_row", "table": T, "entry": N}: the N-th entry's rows deleted (from 0).
- {"op": "move_row", "table": T, "entry": N}: the N-th entry's rows moved under the next entry.

What people also do, on purpose or not:

- {"op": "after", "tag": T, "text": S}: S typed just after the control, outside it (End, then
  typing), in the same paragraph.
- {"op": "paragraph_after", "tag": T, "text": S}: Enter after the control, then S typed in the
  new paragraph of the same cell.
- "set" with "keep_placeholder": true: the text replaced but w:showingPlcHdr left on (an
  editor that forgets to clear it); {"op": "unflag", "tag": T}: w:showingPlcHdr removed and
  the hint left as the text (an editor that drops the flag).
- {"op": "join_after", "table": T}: the small paragraph between table T and the next table
  deleted, so Word joins the two tables: the next table's rows become rows of T.
- {"op": "unwrap_all"}: every content control replaced by its content (a converter that drops
  controls, as Google Docs does).

Only lxml and the standard library are used; the other parts of the package are copied as
they are.
"""

import copy
import json
import sys
import zipfile

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
XML = "http://www.w3.org/XML/1998/namespace"


def w(name):
    return "{%s}%s" % (W, name)


def w14(name):
    return "{%s}%s" % (W14, name)


def tag_of(sdt):
    tag = sdt.find(w("sdtPr") + "/" + w("tag"))
    return None if tag is None else tag.get(w("val"))


def controls(root, tag):
    return [s for s in root.iter(w("sdt")) if tag_of(s) == tag]


def nth_control(root, tag, nth):
    found = controls(root, tag)
    if nth >= len(found):
        raise SystemExit("no control %r number %d (%d found)" % (tag, nth, len(found)))
    return found[nth]


def text_runs(text, rpr):
    """One run showing `text`: w:t pieces, w:tab for tabs, w:br for line breaks."""
    run = etree.Element(w("r"))
    if rpr is not None:
        run.append(copy.deepcopy(rpr))
    for i, line in enumerate(text.split("\n")):
        if i > 0:
            etree.SubElement(run, w("br"))
        for j, piece in enumerate(line.split("\t")):
            if j > 0:
                etree.SubElement(run, w("tab"))
            if piece:
                t = etree.SubElement(run, w("t"))
                t.text = piece
                t.set("{%s}space" % XML, "preserve")
    return run


def set_text(sdt, text, full_date=None, keep_placeholder=False):
    pr = sdt.find(w("sdtPr"))
    for placeholder in pr.findall(w("showingPlcHdr")):
        if not keep_placeholder:
            pr.remove(placeholder)
    if keep_placeholder and pr.find(w("showingPlcHdr")) is None:
        pr.append(etree.Element(w("showingPlcHdr")))
    date = pr.find(w("date"))
    if date is not None and full_date:
        date.set(w("fullDate"), full_date + "T00:00:00Z")
    content = sdt.find(w("sdtContent"))
    for child in list(content):
        content.remove(child)
    content.append(text_runs(text, pr.find(w("rPr"))))


def set_checked(sdt, checked):
    pr = sdt.find(w("sdtPr"))
    box = pr.find(w14("checkbox"))
    if box is None:
        raise SystemExit("control %r is not a checkbox" % tag_of(sdt))
    box.find(w14("checked")).set(w14("val"), "1" if checked else "0")
    state = box.find(w14("checkedState" if checked else "uncheckedState"))
    glyph = chr(int(state.get(w14("val")), 16))
    content = sdt.find(w("sdtContent"))
    for child in list(content):
        content.remove(child)
    content.append(text_runs(glyph, pr.find(w("rPr"))))


def table_of(root, table):
    """The w:tbl whose caption control is tagged `table`, and the index of its caption row."""
    for sdt in controls(root, table):
        tr = next((a for a in sdt.iterancestors(w("tr"))), None)
        tbl = next((a for a in sdt.iterancestors(w("tbl"))), None)
        if tr is not None and tbl is not None:
            rows = tbl.findall(w("tr"))
            return tbl, rows.index(tr)
    raise SystemExit("no table %r" % table)


def entries(root, table, long_count):
    """The entries of a table as lists of rows: a data row and `long_count` rows under it."""
    tbl, caption = table_of(root, table)
    rows = tbl.findall(w("tr"))[caption + 2:]
    group = 1 + long_count
    return tbl, [rows[i:i + group] for i in range(0, len(rows), group)]


def cell_paragraph_text(tc, index, text):
    """The `index`-th paragraph of a cell shows `text` (plain runs, as typed)."""
    paragraphs = tc.findall(w("p"))
    while len(paragraphs) <= index:
        paragraphs.append(etree.SubElement(tc, w("p")))
    p = paragraphs[index]
    runs = p.findall(w("r"))
    rpr = runs[0].find(w("rPr")) if runs else None
    for child in list(p):
        if child.tag != w("pPr"):
            p.remove(child)
    p.append(text_runs(text, rpr))


def strip_controls(element):
    """Word's copied row: the same cells and paragraphs, no controls, no text in them."""
    for sdt in list(element.iter(w("sdt"))):
        parent = sdt.getparent()
        if parent is not None:
            parent.remove(sdt)


def add_row(root, op):
    long_texts = op.get("long", [])
    tbl, groups = entries(root, op["table"], len(long_texts))
    last = groups[-1]
    copies = [copy.deepcopy(r) for r in last]
    for r in copies:
        strip_controls(r)
    data = copies[0]
    cells = data.findall(w("tc"))
    cell_paragraph_text(cells[0], 0, str(len(groups) + 1))
    for tc, text in zip(cells[1:], op["cells"]):
        cell_paragraph_text(tc, 0, text)
    for row, text in zip(copies[1:], long_texts):
        cell_paragraph_text(row.findall(w("tc"))[0], 1, text)
    anchor = last[-1]
    for r in copies:
        anchor.addnext(r)
        anchor = r


def move_row(root, op):
    tbl, groups = entries(root, op["table"], op.get("long_count", 0))
    n = op["entry"]
    anchor = groups[n + 1][-1]
    for r in groups[n]:
        tbl.remove(r)
    for r in groups[n]:
        anchor.addnext(r)
        anchor = r


def paragraph_of(sdt):
    return next(a for a in sdt.iterancestors(w("p")))


def after(root, op):
    sdt = nth_control(root, op["tag"], op.get("nth", 0))
    rpr = sdt.find(w("sdtPr") + "/" + w("rPr"))
    sdt.addnext(text_runs(op["text"], rpr))


def paragraph_after(root, op):
    sdt = nth_control(root, op["tag"], op.get("nth", 0))
    p = paragraph_of(sdt)
    new = etree.Element(w("p"))
    ppr = p.find(w("pPr"))
    if ppr is not None:
        new.append(copy.deepcopy(ppr))
    new.append(text_runs(op["text"], None))
    p.addnext(new)


def unflag(root, op):
    sdt = nth_control(root, op["tag"], op.get("nth", 0))
    pr = sdt.find(w("sdtPr"))
    for placeholder in pr.findall(w("showingPlcHdr")):
        pr.remove(placeholder)


def join_after(root, op):
    tbl, _ = table_of(root, op["table"])
    gap = tbl.getnext()
    following = gap.getnext() if gap is not None else None
    if gap is None or gap.tag != w("p") or following is None or following.tag != w("tbl"):
        raise SystemExit("table %r is not followed by a paragraph and a table" % op["table"])
    for r in following.findall(w("tr")):
        tbl.append(r)
    gap.getparent().remove(gap)
    following.getparent().remove(following)


def unwrap_all(root):
    for sdt in list(root.iter(w("sdt"))):
        content = sdt.find(w("sdtContent"))
        parent = sdt.getparent()
        at = parent.index(sdt)
        for child in list(content) if content is not None else []:
            parent.insert(at, child)
            at += 1
        parent.remove(sdt)


def remove_row(root, op):
    tbl, groups = entries(root, op["table"], op.get("long_count", 0))
    for r in groups[op["entry"]]:
        tbl.remove(r)


OPERATIONS = {
    "set": lambda root, op: set_text(nth_control(root, op["tag"], op.get("nth", 0)), op["text"],
                                     op.get("full_date"), op.get("keep_placeholder", False)),
    "check": lambda root, op: set_checked(nth_control(root, op["tag"], op.get("nth", 0)),
                                          op["checked"]),
    "add_row": add_row,
    "remove_row": remove_row,
    "move_row": move_row,
    "after": after,
    "paragraph_after": paragraph_after,
    "unflag": unflag,
    "join_after": join_after,
    "unwrap_all": lambda root, op: unwrap_all(root),
}


def main():
    src, dst, plan_path = sys.argv[1:4]
    with open(plan_path, encoding="utf-8") as f:
        plan = json.load(f)
    with zipfile.ZipFile(src) as zin:
        parts = [(i, zin.read(i.filename)) for i in zin.infolist()]
    out = []
    for info, data in parts:
        if info.filename == "word/document.xml":
            root = etree.fromstring(data)
            for op in plan:
                if op["op"] not in OPERATIONS:
                    raise SystemExit("unknown operation %r" % op["op"])
                OPERATIONS[op["op"]](root, op)
            data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        out.append((info, data))
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in out:
            zout.writestr(info, data)


if __name__ == "__main__":
    main()
