#!/usr/bin/env python3
"""Checks an .eml written by kczg-form with Python's standard `email` package, an independent
MIME reader.

    python3 tests/python/check_eml.py MESSAGE.eml ATTACHMENT_PATH EXPECTED_SUBJECT EXPECTED_FILENAME

Checks: To is the submission address, the decoded Subject, X-Unsent: 1, a Date and a
Message-ID, multipart/mixed with a UTF-8 text/plain body, and exactly one attachment whose
file name (RFC 2231 in Content-Disposition, and the RFC 2047 name= of Content-Type) equals
EXPECTED_FILENAME and whose decoded bytes equal the file at ATTACHMENT_PATH. Prints what it
checked; exits 1 with a message on the first mismatch, 2 on bad usage.
"""

import email
import email.policy
import sys

SUBMISSION_EMAIL = "gxtdzxh@126.com"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def fail(message):
    print(f"check_eml: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def expect(what, actual, expected):
    if actual != expected:
        fail(f"{what}: expected {expected!r}, got {actual!r}")
    print(f"ok  {what}: {actual!r}" if len(repr(actual)) < 120 else f"ok  {what}")


def main(argv):
    if len(argv) != 5:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    eml_path, attachment_path, expected_subject, expected_filename = argv[1:]

    with open(eml_path, "rb") as f:
        raw = f.read()
    with open(eml_path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    with open(attachment_path, "rb") as f:
        attachment = f.read()

    if msg.defects:
        fail(f"message defects: {msg.defects}")
    expect("To", str(msg["To"]), SUBMISSION_EMAIL)
    expect("Subject", str(msg["Subject"]), expected_subject)
    expect("X-Unsent", str(msg["X-Unsent"]), "1")
    expect("MIME-Version", str(msg["MIME-Version"]), "1.0")
    if msg["Date"] is None or msg["Date"].datetime is None:
        fail("no valid Date header")
    print(f"ok  Date: {msg['Date'].datetime.isoformat()}")
    message_id = str(msg["Message-ID"] or "")
    if not (message_id.startswith("<") and message_id.endswith(">") and "@" in message_id):
        fail(f"no valid Message-ID: {message_id!r}")
    print(f"ok  Message-ID: {message_id}")
    expect("Content-Type", msg.get_content_type(), "multipart/mixed")

    body = msg.get_body(preferencelist=("plain",))
    if body is None:
        fail("no text/plain body")
    expect("body charset", body.get_content_charset(), "utf-8")
    text = body.get_content()
    if expected_filename not in text:
        fail(f"body does not name the attached file {expected_filename!r}:\n{text}")
    print(f"ok  body names the attachment ({len(text)} characters)")

    attachments = list(msg.iter_attachments())
    expect("number of attachments", len(attachments), 1)
    part = attachments[0]
    if part.defects:
        fail(f"attachment part defects: {part.defects}")
    expect("attachment content type", part.get_content_type(), DOCX_TYPE)
    expect("attachment disposition", part.get_content_disposition(), "attachment")
    expect("attachment filename (Content-Disposition)", part.get_filename(), expected_filename)
    # The fallback for clients without RFC 2231: name= of the Content-Type, RFC 2047 encoded.
    name = part["Content-Type"].params.get("name")
    expect("attachment name= (Content-Type)", name, expected_filename)
    expect("attachment transfer encoding", part["Content-Transfer-Encoding"].cte, "base64")
    payload = part.get_payload(decode=True)
    if payload != attachment:
        fail(f"attachment bytes differ: {len(payload)} decoded vs {len(attachment)} in the file")
    print(f"ok  attachment bytes: {len(payload)} bytes equal the file")

    # RFC 5322: lines end in CRLF and are at most 998 characters.
    lines = raw.split(b"\r\n")
    if any(b"\n" in line or b"\r" in line for line in lines):
        fail("a line ends in a bare CR or LF")
    longest = max(len(line) for line in lines)
    if longest > 998:
        fail(f"a line of {longest} characters")
    print(f"ok  CRLF line ends, longest line {longest} characters")
    print("check_eml: all checks passed")


if __name__ == "__main__":
    main(sys.argv)
