#!/usr/bin/env bash
# Renders the document pictures of the README (docs/images/docx-*.png) with LibreOffice:
# exports of four fixtures and one blank template, converted to PDF, one page each to PNG.
# Needs soffice (LibreOffice 25.2: bash .ci/libreoffice.sh) and pdftoppm (poppler-utils).
#     bash docs/render.sh [path/to/kczg-form]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/kczg-form}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" export tests/fixtures/leading_tech-green_low_carbon.json -o "$work/leading_tech.docx" >/dev/null
"$bin" export tests/fixtures/emerging_enterprise.json -o "$work/emerging_enterprise.docx" >/dev/null
"$bin" export tests/fixtures/innovation_org-union.json -o "$work/innovation_org.docx" >/dev/null
"$bin" export tests/fixtures/tech_manager.json -o "$work/tech_manager.docx" >/dev/null
"$bin" template 新锐企业榜 -o "$work/template.docx" >/dev/null
soffice "-env:UserInstallation=file://$work/profile" --headless --convert-to pdf \
    --outdir "$work" "$work"/*.docx >/dev/null
page() { # name page
    pdftoppm -r 60 -png -f "$2" -l "$2" -singlefile "$work/$1.pdf" "docs/images/docx-$1"
}
page leading_tech 1
page emerging_enterprise 1
page innovation_org 2
page tech_manager 2
page template 1
ls -l docs/images/docx-*.png
