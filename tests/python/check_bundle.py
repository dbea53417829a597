#!/usr/bin/env python3
"""Reads what kczg-form sends with Python's own `zipfile` and `email`, independent readers.

    python3 tests/python/check_bundle.py PACKAGE.zip|MESSAGE.eml NAME=PATH...

For a .zip: every entry is at the top (no folders), its name is flagged UTF-8, and the
entries are exactly the NAMEs, in that order, each holding the bytes of its PATH. For an
.eml: the attachments (RFC 2231 / RFC 2047 names decoded) are exactly the NAMEs, in order,
each decoding to the bytes of its PATH; the message has no defects. Exits 1 with a message on
the first mismatch, 2 on bad usage.
"""

import email
import email.policy
import sys
import zipfile


def fail(message):
    print(f"check_bundle: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def main(argv):
    if len(argv) < 3 or any("=" not in a for a in argv[2:]):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    expected = []
    for pair in argv[2:]:
        name, path = pair.split("=", 1)
        with open(path, "rb") as f:
            expected.append((name, f.read()))
    target = argv[1]
    found = []
    if target.endswith(".zip"):
        with zipfile.ZipFile(target) as z:
            if z.testzip() is not None:
                fail(f"bad CRC in {z.testzip()}")
            for info in z.infolist():
                if "/" in info.filename or "\\" in info.filename:
                    fail(f"entry in a folder: {info.filename!r}")
                if any(ord(c) > 127 for c in info.filename) and not info.flag_bits & 0x800:
                    fail(f"name not flagged UTF-8: {info.filename!r}")
                found.append((info.filename, z.read(info)))
    else:
        with open(target, "rb") as f:
            msg = email.message_from_binary_file(f, policy=email.policy.default)
        if msg.defects:
            fail(f"message defects: {msg.defects}")
        for part in msg.iter_attachments():
            if part.defects:
                fail(f"part defects: {part.defects}")
            found.append((part.get_filename(), part.get_content()))
    names = [n for n, _ in found]
    want = [n for n, _ in expected]
    if names != want:
        fail(f"names: expected {want!r}, got {names!r}")
    for (name, got), (_, wanted) in zip(found, expected):
        if isinstance(got, str):
            got = got.encode()
        if got != wanted:
            fail(f"{name}: {len(got)} bytes differ from the {len(wanted)} expected")
        print(f"ok  {name}: {len(got)} bytes")


if __name__ == "__main__":
    main(sys.argv)
