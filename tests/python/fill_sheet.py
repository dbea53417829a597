"""Fills a 评分表 as an expert would, with openpyxl (an independent writer of .xlsx).

usage: fill_sheet.py IN.xlsx OUT.xlsx PLAN.json

PLAN.json: {"rows": {"<申报编号>": {"scores": [..], "verdict": "推荐", "comment": "…"}},
            "tamper": [["swap", r1, r2] | ["delete", r] | ["add"] | ["key", r, "new"] ...]}
Rows are found by the 申报编号 column; tampering is applied after filling, on the first
score sheet (rows counted from the header, 1 = first data row). Prints, as JSON, the data
validations and the protection it found, so the caller can check they were there.
"""
import json
import sys

import openpyxl


def main():
    src, dst, plan_path = sys.argv[1:4]
    plan = json.load(open(plan_path, encoding="utf-8"))
    book = openpyxl.load_workbook(src)
    report = {"sheets": [], "validations": 0, "protected": []}
    first = None
    for ws in book.worksheets:
        report["sheets"].append(ws.title)
        report["validations"] += len(ws.data_validations.dataValidation)
        if ws.protection.sheet:
            report["protected"].append(ws.title)
        head = [c.value for c in ws[1]]
        if "校验码" not in head:
            continue
        first = first or ws
        key_col = head.index("申报编号") + 1
        verdict_col = head.index("推荐意见") + 1
        comment_col = head.index("评审意见") + 1
        score_cols = [i + 1 for i, h in enumerate(head) if h and "%" in str(h) and "（" in str(h)]
        for r in range(2, ws.max_row + 1):
            key = ws.cell(r, key_col).value
            row = plan["rows"].get(key)
            if row is None:
                continue
            for col, score in zip(score_cols, row.get("scores", [])):
                ws.cell(r, col).value = score
            if "verdict" in row:
                ws.cell(r, verdict_col).value = row["verdict"]
            if "comment" in row:
                ws.cell(r, comment_col).value = row["comment"]
    for t in plan.get("tamper", []):
        ws = first
        if t[0] == "swap":
            a, b = t[1] + 1, t[2] + 1
            for c in range(1, ws.max_column + 1):
                x, y = ws.cell(a, c), ws.cell(b, c)
                x.value, y.value = y.value, x.value
        elif t[0] == "delete":
            ws.delete_rows(t[1] + 1)
        elif t[0] == "add":
            r = ws.max_row + 1
            ws.cell(r, 1).value = r - 1
            ws.cell(r, 2).value = "ffffffffffff"
            ws.cell(r, 4).value = "自己加的一行"
        elif t[0] == "key":
            head = [c.value for c in ws[1]]
            ws.cell(t[1] + 1, head.index("申报编号") + 1).value = t[2]
    book.save(dst)
    print(json.dumps(report, ensure_ascii=False))


main()
