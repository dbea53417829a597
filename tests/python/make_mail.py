#!/usr/bin/env python3
"""Writes e-mails (.eml) as mail clients save them, for tests/intake.rs.

    make_mail.py SPEC.json

SPEC is a list of messages:

    {"out": PATH, "from": "张三 <zs@example.cn>", "date": "Thu, 01 Jun 2023 10:20:00 +0800",
     "message_id": "<id@example.cn>", "subject": S, "body": S, "html": S,
     "attachments": [{"path": FILE, "name": NAME, "names": "gbk-2047" | "gb18030-2231" | "utf8"}],
     "forward": EML}

Attachment names are written as the clients do: "gbk-2047" as Foxmail and Outlook (an RFC 2047
encoded word in GBK, quoted, in both Content-Type name= and Content-Disposition filename=),
"gb18030-2231" as RFC 2231 (filename*=gb18030''%..), "utf8" as Python's default. "forward"
attaches another .eml as message/rfc822. Only the standard library's email package is used.
"""

import base64
import json
import sys
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email import message_from_bytes
from email.utils import formataddr, parseaddr


def attachment(spec):
    with open(spec["path"], "rb") as f:
        data = f.read()
    part = MIMEApplication(data)
    name = spec["name"]
    how = spec.get("names", "utf8")
    if how == "gbk-2047":
        word = "=?GBK?B?%s?=" % base64.b64encode(name.encode("gbk")).decode("ascii")
        part.set_param("name", word)
        part.add_header("Content-Disposition", "attachment", filename=word)
    elif how == "gb18030-2231":
        part.set_param("name", ("gb18030", "", name))
        part.add_header("Content-Disposition", "attachment", filename=("gb18030", "", name))
    else:
        part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", name))
    return part


def message(spec):
    msg = MIMEMultipart("mixed")
    name, addr = parseaddr(spec.get("from", "申报人 <sender@example.cn>"))
    msg["From"] = formataddr((str(Header(name, "gbk")), addr))
    msg["To"] = "gxtdzxh@126.com"
    msg["Subject"] = Header(spec.get("subject", "申报材料"), "gbk")
    msg["Date"] = spec.get("date", "Thu, 01 Jun 2023 10:20:00 +0800")
    msg["Message-ID"] = spec.get("message_id", "<x@example.cn>")
    msg["MIME-Version"] = "1.0"
    body = MIMEMultipart("alternative")
    body.attach(MIMEText(spec.get("body", "您好，申报材料见附件。"), "plain", "gbk"))
    if "html" in spec:
        body.attach(MIMEText(spec["html"], "html", "utf-8"))
    msg.attach(body)
    for a in spec.get("attachments", []):
        msg.attach(attachment(a))
    if "forward" in spec:
        with open(spec["forward"], "rb") as f:
            msg.attach(MIMEMessage(message_from_bytes(f.read())))
    return msg


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        specs = json.load(f)
    for spec in specs:
        with open(spec["out"], "wb") as f:
            f.write(message(spec).as_bytes())


if __name__ == "__main__":
    main()
