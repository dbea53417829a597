#!/usr/bin/env bash
# Renders the document pictures of the README with LibreOffice (soffice 25.2: bash
# .ci/libreoffice.sh; pdftoppm and pdftotext: poppler-utils; ImageMagick's convert):
#   docs/images/docx-<list>.png   the cover, the 填表说明, a page with a long text and the page
#                                 with the 申报承诺 of one fixture of each list, side by side;
#   docs/images/docx-template.png the first form page of a blank template.
#     bash docs/render.sh [path/to/kczg-form]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/kczg-form}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
declare -A fixture=(
    [leading_tech]=leading_tech-green_low_carbon
    [emerging_enterprise]=emerging_enterprise
    [innovation_org]=innovation_org-union
    [tech_manager]=tech_manager
)
# A long text each list has, to find its page.
declare -A long=(
    [leading_tech]=技术简介
    [emerging_enterprise]=前沿技术与核心竞争力
    [innovation_org]=机构简介
    [tech_manager]=个人简介
)
for list in "${!fixture[@]}"; do
    "$bin" export "tests/fixtures/${fixture[$list]}.json" -o "$work/$list.docx" >/dev/null
done
"$bin" template 新锐企业榜 -o "$work/template.docx" >/dev/null
soffice "-env:UserInstallation=file://$work/profile" --headless --convert-to pdf \
    --outdir "$work" "$work"/*.docx >/dev/null 2>&1
# The first page (from 3, after the cover and 填表说明) whose text holds $2.
page_with() {
    local pages
    pages=$(pdfinfo "$1" | awk '/^Pages:/ {print $2}')
    for ((p = 3; p <= pages; p++)); do
        if pdftotext -f "$p" -l "$p" "$1" - | tr -d ' \n' | grep -q "$2"; then
            echo "$p"
            return
        fi
    done
    echo 3
}
for list in "${!fixture[@]}"; do
    pdf="$work/$list.pdf"
    pages=(1 2 "$(page_with "$pdf" "${long[$list]}")" "$(page_with "$pdf" 申报承诺)")
    shots=()
    for p in "${pages[@]}"; do
        pdftoppm -r 45 -png -f "$p" -l "$p" -singlefile "$pdf" "$work/$list-$p"
        shots+=("$work/$list-$p.png")
    done
    /usr/bin/convert "${shots[@]}" -bordercolor '#999999' -border 1 +append "docs/images/docx-$list.png"
done
pdftoppm -r 60 -png -f 3 -l 3 -singlefile "$work/template.pdf" docs/images/docx-template
ls -l docs/images/docx-*.png
