#!/usr/bin/env bash
# LibreOffice 25.2 from Debian bookworm-backports: the third-party editor of tests/docx_editors.rs
# and the renderer of tests/docx_print.rs (with poppler-utils' pdftotext and the Noto CJK fonts);
# its Calc resaves the expert's 评分表 in tests/review.rs.
# (Bookworm's own 7.4 drops w:tag from content controls and duplicates their text on save.)
set -euo pipefail
want=25
if command -v soffice >/dev/null && soffice --version 2>/dev/null | grep -q "LibreOffice ${want}\." \
    && command -v pdftotext >/dev/null && command -v pdftoppm >/dev/null \
    && dpkg -s libreoffice-calc-nogui >/dev/null 2>&1 \
    && fc-list | grep -qi "Noto Sans CJK"; then
    soffice --version
    exit 0
fi
src=/etc/apt/sources.list.d/kczg-backports.sources
if ! grep -rqs "bookworm-backports" /etc/apt/sources.list.d/ /etc/apt/sources.list; then
    uris=$(awk '/^URIs:/ && /debian\/?$/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    uris=${uris:-http://deb.debian.org/debian}
    cat >"$src" <<SRC
Types: deb
URIs: $uris
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t bookworm-backports --no-install-recommends \
    libreoffice-writer-nogui libreoffice-calc-nogui fonts-noto-cjk poppler-utils
soffice --version | grep -q "LibreOffice ${want}\." \
    || { echo "CI: LibreOffice ${want} was not installed: $(soffice --version)" >&2; exit 1; }
soffice --version
