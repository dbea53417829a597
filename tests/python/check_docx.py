#!/usr/bin/env python3
"""Checks a .docx exported by kczg-form with independent readers: python-docx for the text,
zipfile + xml.etree.ElementTree for the package and its XML.

    python3 tests/python/check_docx.py DOCX DRAFT_JSON EXPECT_JSON

DRAFT_JSON is the draft that was exported. EXPECT_JSON says what the form definitions decide
and this script does not re-implement; the Rust test (tests/docx_python.rs) computes it with
the library:

    {"visible": ["field_id", ...],                  # top-level fields shown for this draft
     "kinds":   {"field_id": "text", ...},          # kind of every top-level field
     "columns": {"table_id": {"col_id": "date", ...}, ...}}   # kinds of table columns

What is checked:

1. Package: every *.xml and *.rels part of the zip parses strictly with ElementTree (a parse
   error in any part is a failure).
2. Marker and embedded draft: exactly one customXml/item*.xml part has the root
   {urn:kczg-form:document}kczg-form with the draft's list, domain and call and kind="export";
   exactly one has the root {urn:kczg-form:draft}kczg;
   its text, read with json.loads after XML parsing, equals the draft, once the characters
   XML 1.0 forbids are removed from the strings of the draft's `values` (the export removes
   them, product.md §4).
3. Page: every w:sectPr has w:pgSz w:w="11906" w:h="16838" (A4 portrait); python-docx agrees.
4. Footer: every default footer a w:sectPr refers to holds a PAGE and a NUMPAGES field
   (w:instrText or w:fldSimple) and the text 第 … 页 共 … 页; a first-page footer (the cover,
   with w:titlePg) carries no page number.
5. Tables (document, headers, footers, nested ones too): each has w:tblW (type dxa),
   w:tblLayout type="fixed" and a w:tblGrid whose w:gridCol widths add up to the tblW; in every
   row each cell has a w:tcW equal to the sum of the grid columns it spans (w:gridSpan), and
   the row's cells cover the whole grid, so each row's tcW add up to the tblW.
6. Text: all text python-docx reads (body paragraphs, every table cell's paragraphs including
   nested tables, every header and footer; a paragraph's text includes the runs of the inline
   content controls in it, which python-docx's Paragraph.text leaves out) must contain each value the document is expected
   to print. The rules, kept simple:
   - only keys of `values` that are listed in `visible`; keys starting with `rec_` (the
     secretariat's 推荐单位意见 block) and keys the form does not know are skipped;
   - kinds choice, multichoice and pledge print as option labels with □ / ■, so their values
     are not looked for; but when a visible pledge is true or a visible multichoice has a
     selection, '■' must appear. Choice columns of tables are skipped the same way;
   - kind computed prints a value derived from other fields: skipped;
   - date values `YYYY-MM-DD` are looked for as 2019年5月16日 and month values `YYYY-MM` as
     2019年5月 (no leading zeros); any other text of a date or month field as it is;
   - numbers: str(n) for integers; other numbers as their shortest decimal text without an
     exponent (3000.50 prints 3000.5, 1.0 prints 1, 1e-7 prints 0.0000001);
   - every other string, top-level or in a table row: characters XML 1.0 forbids are removed,
     it is split on line breaks, each line stripped, and each non-empty line must occur
     within one paragraph of the document, comparing with all white space removed on both
     sides (so wrapping, indents and the 「标签：」 prefix of long table texts do not matter);
   - null and empty values are skipped.

7. Content controls (product.md §4): every w:sdt of word/document.xml is inline (its parent a
   w:p), has a w:tag, a w:alias and a w:id unique in the document; every visible top-level
   field has a control tagged with its id (a multichoice: `FIELD=OPTION` for each of its
   options, at least one; a table: its caption tagged `TABLE` and every column's cells tagged
   `TABLE.COLUMN`); a control marked w:showingPlcHdr is empty, so it holds no value of the draft.

Also, as notes that do not fail unless --strict-order is given: the children of w:rPr, w:pPr,
w:tcPr, w:tblPr, w:sectPr, w:r, w:p, w:tc and w:tbl in the order the ECMA-376 schema
sequences require (Word may ignore properties written out of order, e.g. w:rFonts after w:sz;
LibreOffice and python-docx do not mind).

    python3 tests/python/check_docx.py [--strict-order] [--template] DOCX DRAFT_JSON EXPECT_JSON

With --template the document is a blank template of DRAFT_JSON's list and domain (a draft
with no values): its marker part says kind="template" and no draft is embedded.

Prints a short summary; exits 1 with every failure found (one per line, up to 40), 2 on bad
usage.
"""

import datetime
import json
import posixpath
import re
import sys
import zipfile
import xml.etree.ElementTree as ET

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
DRAFT_NS = "urn:kczg-form:draft"
MARKER_NS = "urn:kczg-form:document"
A4 = ("11906", "16838")
TICKED = "■"
MAX_REPORTED = 40

# Characters XML 1.0 forbids (C0 controls other than tab, LF, CR; U+FFFE, U+FFFF).
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class JsonFloat(float):
    """A JSON number with a fraction or exponent that remembers how it was written."""

    def __new__(cls, text):
        obj = super().__new__(cls, text)
        obj.text = text
        return obj


failures = []


def fail(message):
    failures.append(message)


def ok(since, message):
    """Prints `message` when no failure was recorded since `since` (a len(failures))."""
    if len(failures) == since:
        print(f"ok  {message}")


def squash(text):
    """The text with every white space character removed."""
    return "".join(text.split())


def short(text, limit=60):
    return repr(text if len(text) <= limit else text[:limit] + "…")


# ---------------------------------------------------------------------------------------------
# 1. the package


def parse_parts(zf):
    """Parses every .xml and .rels part strictly; returns {name: root element}."""
    roots = {}
    for name in zf.namelist():
        if not (name.endswith(".xml") or name.endswith(".rels")):
            continue
        try:
            roots[name] = ET.fromstring(zf.read(name))
        except ET.ParseError as e:
            fail(f"{name}: not well-formed XML: {e}")
    return roots


def relationships(roots, part):
    """{rId: target part name} of a part, from its .rels."""
    folder, base = posixpath.split(part)
    rels = roots.get(posixpath.join(folder, "_rels", base + ".rels"))
    out = {}
    if rels is None:
        return out
    for rel in rels.iter(PKG_REL + "Relationship"):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        if target.startswith("/"):
            out[rel.get("Id")] = target.lstrip("/")
        else:
            out[rel.get("Id")] = posixpath.normpath(posixpath.join(folder, target))
    return out


# ---------------------------------------------------------------------------------------------
# 2. the embedded draft


def cleaned(value):
    """A draft value with the characters XML forbids removed from every string in it."""
    if isinstance(value, str):
        return FORBIDDEN.sub("", value)
    if isinstance(value, list):
        return [cleaned(v) for v in value]
    if isinstance(value, dict):
        return {k: cleaned(v) for k, v in value.items()}
    return value


def check_marker(roots, draft, template):
    """The marker part: which form the document is, a template or an export."""
    markers = [
        (name, root) for name, root in roots.items()
        if name.startswith("customXml/") and root.tag == "{%s}kczg-form" % MARKER_NS
    ]
    if len(markers) != 1:
        fail(f"expected one custom XML part with the root {{{MARKER_NS}}}kczg-form, "
             f"found {[m[0] for m in markers]}")
        return
    name, root = markers[0]
    want = {"kind": "template" if template else "export", "list": draft.get("list"),
            "domain": draft.get("domain") or "", "call": draft.get("call")}
    for key, value in want.items():
        if root.get(key) != value:
            fail(f"{name}: {key}={root.get(key)!r}, expected {value!r}")
    if not re.fullmatch(r"[0-9a-f]{16}", root.get("definitions") or ""):
        fail(f"{name}: definitions={root.get('definitions')!r} is not a 64-bit fingerprint")


def check_embedded(roots, draft, template=False):
    since = len(failures)
    check_marker(roots, draft, template)
    if template:
        drafts = [n for n, r in roots.items() if r.tag == "{%s}kczg" % DRAFT_NS]
        if drafts:
            fail(f"a blank template carries a draft: {drafts}")
        ok(since, "blank template: its marker, and no draft")
        return
    parts = [
        name
        for name, root in roots.items()
        if name.startswith("customXml/") and root.tag == "{%s}kczg" % DRAFT_NS
    ]
    if len(parts) != 1:
        fail(f"expected one custom XML part with the root {{{DRAFT_NS}}}kczg, found {parts}")
        return
    root = roots[parts[0]]
    try:
        embedded = json.loads(root.text or "")
    except json.JSONDecodeError as e:
        fail(f"{parts[0]}: the text is not JSON: {e}")
        return
    expected = dict(draft)
    expected["values"] = cleaned(draft.get("values", {}))
    if embedded != expected:
        for key in sorted(set(embedded) | set(expected)):
            if key == "values":
                continue
            if embedded.get(key) != expected.get(key):
                fail(f"{parts[0]}: key {key!r} is {embedded.get(key)!r}, "
                     f"the draft has {expected.get(key)!r}")
        ev, dv = embedded.get("values", {}), expected["values"]
        for key in sorted(set(ev) | set(dv)):
            if ev.get(key) != dv.get(key):
                fail(f"{parts[0]}: values.{key} does not round-trip: "
                     f"embedded {short(json.dumps(ev.get(key), ensure_ascii=False))}, "
                     f"draft {short(json.dumps(dv.get(key), ensure_ascii=False))}")
        if len(failures) == since:
            fail(f"{parts[0]}: the embedded JSON differs from the draft")
    ok(since, f"embedded draft in {parts[0]} round-trips ({len(expected['values'])} values)")


# ---------------------------------------------------------------------------------------------
# 3.–5. page, footer, tables


def check_sections(roots, doc):
    since = len(failures)
    document = roots.get("word/document.xml")
    if document is None:
        fail("word/document.xml is missing or unreadable")
        return
    rels = relationships(roots, "word/document.xml")
    sects = list(document.iter(W + "sectPr"))
    if not sects:
        fail("word/document.xml has no w:sectPr")
    footers_checked = 0
    for i, sect in enumerate(sects):
        size = sect.find(W + "pgSz")
        got = None if size is None else (size.get(W + "w"), size.get(W + "h"))
        if got != A4:
            fail(f"section {i + 1}: page size {got}, expected A4 {A4}")
        if size is not None and size.get(W + "orient") not in (None, "portrait"):
            fail(f"section {i + 1}: orientation {size.get(W + 'orient')}, expected portrait")
        refs = sect.findall(W + "footerReference")
        if not refs:
            fail(f"section {i + 1}: no footer")
        if refs and not any(r.get(W + "type") in (None, "default") for r in refs):
            fail(f"section {i + 1}: no default footer")
        for ref in refs:
            part = rels.get(ref.get(R + "id"))
            root = roots.get(part)
            if root is None:
                fail(f"section {i + 1}: footer {ref.get(R + 'id')} → {part} is missing")
                continue
            if ref.get(W + "type") == "first":
                # The cover's footer: no page number on a cover (w:titlePg).
                if sect.find(W + "titlePg") is None:
                    fail(f"section {i + 1}: a first-page footer without w:titlePg")
                continue
            instrs = [t.text or "" for t in root.iter(W + "instrText")]
            instrs += [f.get(W + "instr", "") for f in root.iter(W + "fldSimple")]
            words = {w for instr in instrs for w in instr.split()}
            for field in ("PAGE", "NUMPAGES"):
                if field not in words:
                    fail(f"{part}: no {field} field (instructions: {instrs})")
            text = "".join(t.text or "" for t in root.iter(W + "t"))
            if not re.search(r"第.*页.*共.*页", text):
                fail(f"{part}: footer text {text!r} is not 第 X 页 共 Y 页")
            footers_checked += 1
    for i, section in enumerate(doc.sections):
        got = (section.page_width.twips, section.page_height.twips)
        if got != (int(A4[0]), int(A4[1])):
            fail(f"python-docx: section {i + 1} page size {got} twips, expected A4")
    ok(since, f"{len(sects)} section(s) A4 portrait, {footers_checked} footer(s) with PAGE "
       "and NUMPAGES")


def int_attr(element, name):
    if element is None:
        return None
    try:
        return int(element.get(W + name))
    except (TypeError, ValueError):
        return None


def check_tables(roots):
    since = len(failures)
    count = rows = 0
    for name, root in sorted(roots.items()):
        if not name.startswith("word/"):
            continue
        for n, tbl in enumerate(root.iter(W + "tbl")):
            where = f"{name} table {n + 1}"
            count += 1
            pr = tbl.find(W + "tblPr")
            width_el = None if pr is None else pr.find(W + "tblW")
            width = int_attr(width_el, "w")
            if width is None or width_el.get(W + "type") != "dxa":
                fail(f"{where}: no w:tblW in dxa")
            layout = None if pr is None else pr.find(W + "tblLayout")
            if layout is None or layout.get(W + "type") != "fixed":
                fail(f"{where}: no w:tblLayout w:type=\"fixed\"")
            grid_el = tbl.find(W + "tblGrid")
            grid = [] if grid_el is None else [int_attr(g, "w") for g in grid_el.findall(W + "gridCol")]
            if not grid or None in grid:
                fail(f"{where}: no w:tblGrid with widths")
                continue
            if width is not None and sum(grid) != width:
                fail(f"{where}: gridCol widths {grid} add up to {sum(grid)}, tblW is {width}")
            for r, tr in enumerate(tbl.findall(W + "tr")):
                rows += 1
                column = 0
                total = 0
                for c, tc in enumerate(tr.findall(W + "tc")):
                    tcpr = tc.find(W + "tcPr")
                    span_el = None if tcpr is None else tcpr.find(W + "gridSpan")
                    span = int_attr(span_el, "val") or 1
                    tcw_el = None if tcpr is None else tcpr.find(W + "tcW")
                    tcw = int_attr(tcw_el, "w")
                    spanned = grid[column:column + span]
                    if tcw is None:
                        fail(f"{where} row {r + 1} cell {c + 1}: no w:tcW")
                    elif len(spanned) == span and tcw != sum(spanned):
                        fail(f"{where} row {r + 1} cell {c + 1}: tcW {tcw} but it spans grid "
                             f"columns {column + 1}–{column + span} = {sum(spanned)}")
                    total += tcw or 0
                    column += span
                if column != len(grid):
                    fail(f"{where} row {r + 1}: cells span {column} grid columns of {len(grid)}")
                if width is not None and total != width:
                    fail(f"{where} row {r + 1}: tcW add up to {total}, tblW is {width}")
    ok(since, f"{count} tables, {rows} rows: tblW, fixed layout, tblGrid and tcW agree")


# ---------------------------------------------------------------------------------------------
# schema order of property elements (notes, or failures with --strict-order)

SEQUENCES = {
    "rPr": "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss "
           "imprint noProof snapToGrid vanish webHidden color spacing w kern position sz szCs "
           "highlight u effect bdr shd fitText vertAlign rtl cs em lang eastAsianLayout "
           "specVanish oMath rPrChange",
    "pPr": "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr "
           "suppressLineNumbers pBdr shd tabs suppressAutoHyphens kinsoku wordWrap "
           "overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi adjustRightInd snapToGrid "
           "spacing ind contextualSpacing mirrorIndents suppressOverlap jc textDirection "
           "textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange",
    "tcPr": "cnfStyle tcW gridSpan hMerge vMerge tcBorders shd noWrap tcMar textDirection "
            "tcFitText vAlign hideMark headers cellIns cellDel cellMerge tcPrChange",
    "tblPr": "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize "
             "tblW jc tblCellSpacing tblInd tblBorders shd tblLayout tblCellMar tblLook "
             "tblCaption tblDescription tblPrChange",
    # header and footer references come first, in any order among themselves
    "sectPr": "headerReference|footerReference footnotePr endnotePr type pgSz pgMar paperSrc "
              "pgBorders lnNumType pgNumType cols formProt vAlign noEndnote titlePg "
              "textDirection bidi rtlGutter docGrid printerSettings sectPrChange",
}
# Elements whose properties element must come first.
FIRST = {"r": "rPr", "p": "pPr", "tc": "tcPr", "tbl": "tblPr"}


def rank_table(sequence):
    ranks = {}
    for i, names in enumerate(sequence.split()):
        for name in names.split("|"):
            ranks[W + name] = i
    return ranks


RANKS = {W + parent: rank_table(seq) for parent, seq in SEQUENCES.items()}


def local(tag):
    return tag.rsplit("}", 1)[-1]


def check_order(roots):
    """{(part, what): (count, example)} of elements whose children are out of schema order."""
    found = {}

    def note(part, what):
        count = found.get((part, what), 0)
        found[(part, what)] = count + 1

    for name, root in sorted(roots.items()):
        if not name.startswith("word/"):
            continue
        for el in root.iter():
            ranks = RANKS.get(el.tag)
            if ranks is not None:
                last = None
                for child in el:
                    rank = ranks.get(child.tag)
                    if rank is None:
                        continue
                    if last is not None and rank < last[0]:
                        note(name, f"w:{local(el.tag)}: w:{local(child.tag)} after "
                                   f"w:{local(last[1])}")
                    if last is None or rank >= last[0]:
                        last = (rank, child.tag)
            first = FIRST.get(local(el.tag)) if el.tag.startswith(W) else None
            if first is not None:
                children = [c for c in el if c.tag.startswith(W)]
                for i, child in enumerate(children):
                    if local(child.tag) == first and i > 0:
                        note(name, f"w:{local(el.tag)}: w:{first} is not its first child")
    return found


def report_order(roots, strict):
    found = check_order(roots)
    if not found:
        print("ok  property elements in schema order")
        return
    for (part, what), count in sorted(found.items()):
        message = f"{part}: {what} ({count}×), against the ECMA-376 sequence"
        if strict:
            fail(message)
        else:
            print(f"note: {message}")


# ---------------------------------------------------------------------------------------------
# 6. the text


def paragraph_text(paragraph):
    """A paragraph's text as shown, the runs inside inline content controls (w:sdt) included:
    python-docx's Paragraph.text reads only the paragraph's own runs and hyperlinks."""
    out = []
    for el in paragraph._p.iter(W + "t", W + "tab", W + "br", W + "cr"):
        if el.tag == W + "t":
            out.append(el.text or "")
        elif el.tag == W + "tab":
            out.append("\t")
        else:
            out.append("\n")
    return "".join(out)


def paragraphs_of(container, seen):
    """Texts of the paragraphs of a document, cell, header or footer, with nested tables."""
    out = [paragraph_text(p) for p in container.paragraphs]
    for table in container.tables:
        for row in table.rows:
            for cell in row.cells:
                # A cell spanning several grid columns is returned once per column. `seen`
                # keeps each cell element alive so that its id() cannot be reused.
                if id(cell._tc) in seen:
                    continue
                seen[id(cell._tc)] = cell._tc
                out.extend(paragraphs_of(cell, seen))
    return out


def document_text(doc):
    seen = {}
    texts = paragraphs_of(doc, seen)
    for section in doc.sections:
        for part in (section.header, section.footer, section.first_page_header,
                     section.first_page_footer, section.even_page_header,
                     section.even_page_footer):
            if not part.is_linked_to_previous:
                texts.extend(paragraphs_of(part, seen))
    return texts


def number_text(value):
    """A non-integer JSON number as the document prints it: the shortest text that reads back
    as the same float, without an exponent (3000.50 → 3000.5, 1.0 → 1, 1e-7 → 0.0000001)."""
    v = float(value)
    if v.is_integer():
        return str(int(v))
    text = repr(v)
    if "e" in text or "E" in text:
        import decimal
        text = format(decimal.Decimal(text), "f")
    return text


def expected_text(kind, value):
    """The lines a scalar value prints as, or None when it is not looked for."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, JsonFloat):
        return [number_text(value)]
    if isinstance(value, (int, float)):
        return [str(value)]
    if not isinstance(value, str):
        return None
    if kind == "date":
        m = DATE.match(value)
        if m:
            try:
                d = datetime.date(int(m[1]), int(m[2]), int(m[3]))
                return [f"{d.year}年{d.month}月{d.day}日"]
            except ValueError:
                pass
    if kind == "month":
        m = MONTH.match(value)
        if m and 1 <= int(m[2]) <= 12:
            return [f"{int(m[1])}年{int(m[2])}月"]
    return FORBIDDEN.sub("", value).replace("\r", "\n").split("\n")


def check_text(doc, draft, expect):
    since = len(failures)
    texts = document_text(doc)
    haystack = "\n".join(squash(t) for t in texts)
    visible = set(expect.get("visible", []))
    kinds = expect.get("kinds", {})
    columns = expect.get("columns", {})
    checked = 0
    ticks_expected = []
    skipped = {"rec_": 0, "hidden or unknown": 0, "options": 0, "computed": 0}

    def look_for(path, kind, value):
        nonlocal checked
        if kind in ("choice", "multichoice", "pledge"):
            skipped["options"] += 1
            return
        if kind == "computed":
            skipped["computed"] += 1
            return
        lines = expected_text(kind, value)
        if lines is None:
            return
        for i, line in enumerate(lines):
            needle = squash(line)
            if not needle:
                continue
            checked += 1
            if needle not in haystack:
                which = f" (line {i + 1} of {len(lines)})" if len(lines) > 1 else ""
                fail(f"value of {path}{which} not found in the document text: {short(line)}")

    for key, value in draft.get("values", {}).items():
        if key.startswith("rec_"):
            skipped["rec_"] += 1
            continue
        if key not in visible or key not in kinds:
            skipped["hidden or unknown"] += 1
            continue
        kind = kinds[key]
        if kind == "pledge" and value is True:
            ticks_expected.append(key)
        if kind == "multichoice" and isinstance(value, list) and value:
            ticks_expected.append(key)
        if kind == "table":
            for r, row in enumerate(value if isinstance(value, list) else []):
                if not isinstance(row, dict):
                    continue
                for col, cell in row.items():
                    col_kind = columns.get(key, {}).get(col)
                    if col_kind is None:
                        skipped["hidden or unknown"] += 1
                        continue
                    look_for(f"{key}[{r}].{col}", col_kind, cell)
        else:
            look_for(key, kind, value)
    if ticks_expected and TICKED not in haystack:
        fail(f"no {TICKED} in the document although {', '.join(ticks_expected)} are ticked")
    skips = ", ".join(f"{v} {k}" for k, v in skipped.items() if v)
    ok(since, f"{checked} expected texts found in {len(texts)} paragraphs "
       f"(not looked for: {skips or 'none'})")


# ---------------------------------------------------------------------------------------------


def check_controls(roots, expect):
    since = len(failures)
    root = roots.get("word/document.xml")
    if root is None:
        fail("no word/document.xml")
        return
    tags = set()
    ids = set()
    count = 0
    parents = {child: parent for parent in root.iter() for child in parent}
    for sdt in root.iter(W + "sdt"):
        count += 1
        pr = sdt.find(W + "sdtPr")
        tag = pr.find(W + "tag") if pr is not None else None
        alias = pr.find(W + "alias") if pr is not None else None
        ident = pr.find(W + "id") if pr is not None else None
        where = f"control {count}"
        if tag is None or not tag.get(W + "val"):
            fail(f"{where}: no w:tag")
            continue
        name = tag.get(W + "val")
        tags.add(name)
        if alias is None or not alias.get(W + "val"):
            fail(f"control {name}: no w:alias")
        if ident is None:
            fail(f"control {name}: no w:id")
        elif ident.get(W + "val") in ids:
            fail(f"control {name}: w:id {ident.get(W + 'val')} used twice")
        else:
            ids.add(ident.get(W + "val"))
        if parents.get(sdt) is None or parents[sdt].tag != W + "p":
            fail(f"control {name}: not inline (its parent is {local(parents[sdt].tag)})")
    kinds = expect.get("kinds", {})
    columns = expect.get("columns", {})
    for key in expect.get("visible", []):
        kind = kinds.get(key)
        if kind == "multichoice":
            if not any(t.startswith(key + "=") for t in tags):
                fail(f"no checkbox control tagged {key}=OPTION for {key}")
        elif key not in tags:
            fail(f"no control tagged {key}")
        if kind == "table":
            for col in columns.get(key, {}):
                if f"{key}.{col}" not in tags:
                    fail(f"no control tagged {key}.{col} in table {key}")
    ok(since, f"{count} inline content controls, each tagged; every visible field has its own")


def main(argv):
    strict_order = "--strict-order" in argv[1:]
    template = "--template" in argv[1:]
    args = [a for a in argv[1:] if a not in ("--strict-order", "--template")]
    if len(args) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    docx_path, draft_path, expect_path = args
    try:
        import docx  # python-docx
    except ImportError:
        print("check_docx: FAIL: python-docx is not installed; run `pip install python-docx`",
              file=sys.stderr)
        return 1
    with open(draft_path, encoding="utf-8") as f:
        draft_text = f.read()
    draft = json.loads(draft_text)
    draft_numbers = json.loads(draft_text, parse_float=JsonFloat)
    with open(expect_path, encoding="utf-8") as f:
        expect = json.load(f)

    try:
        zf = zipfile.ZipFile(docx_path)
    except zipfile.BadZipFile as e:
        print(f"check_docx: FAIL: {docx_path} is not a zip: {e}", file=sys.stderr)
        return 1
    with zf:
        bad = zf.testzip()
        if bad is not None:
            fail(f"zip member {bad} is corrupt")
        roots = parse_parts(zf)
    ok(0, f"{len(roots)} XML parts parse")
    check_embedded(roots, draft, template)
    check_tables(roots)
    check_controls(roots, expect)
    report_order(roots, strict_order)
    try:
        doc = docx.Document(docx_path)
    except Exception as e:  # python-docx raises many kinds; any of them is a failure
        fail(f"python-docx cannot open the document: {type(e).__name__}: {e}")
        doc = None
    if doc is not None:
        check_sections(roots, doc)
        check_text(doc, draft_numbers, expect)

    if failures:
        for message in failures[:MAX_REPORTED]:
            print(f"check_docx: FAIL: {message}", file=sys.stderr)
        if len(failures) > MAX_REPORTED:
            print(f"check_docx: … and {len(failures) - MAX_REPORTED} more", file=sys.stderr)
        return 1
    print(f"check_docx: {docx_path}: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
