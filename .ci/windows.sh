#!/usr/bin/env bash
# On a real Windows (Git Bash on the release workflow's windows runner): the programs and the
# installer that .ci/run's Windows lane cross-built and tested under Wine, run where Wine
# cannot stand in — Windows' own loader, console, file locking and installer. Nothing is
# built here: what ships is what the lane tested.
#
#   bash .ci/windows.sh DIST    # DIST holds kczg-form.exe, kczg-form-gui.exe, *-setup.exe
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { echo "windows.sh: $*" >&2; exit 1; }
DIST=${1:?give the folder that holds the programs of the lane}
EXE="$DIST/kczg-form.exe"
[ -f "$EXE" ] && [ -f "$DIST/kczg-form-gui.exe" ] || fail "$DIST lacks the programs"
OUT=$(mktemp -d)

"$EXE" --version || fail "kczg-form.exe does not start"
for f in tests/fixtures/*.json; do
    name=$(basename "$f" .json)
    "$EXE" validate "$f" > "$OUT/$name.txt" || fail "validate $f: exit $?"
    "$EXE" export "$f" -o "$OUT/$name.docx" || fail "export $f"
    "$EXE" import "$OUT/$name.docx" -o "$OUT/$name.back.json" || fail "import $name.docx"
    "$EXE" package "$f" -o "$OUT/$name.zip" || fail "package $f"
done
"$EXE" consolidate "$OUT" -o "$OUT/汇总.xlsx" || [ $? -eq 1 ] || fail "consolidate"
# A reserved device name is refused before writing, in Chinese.
if "$EXE" export tests/fixtures/tech_manager.json -o "$OUT/CON.docx" 2> "$OUT/con.txt"; then
    fail "CON.docx was not refused"
fi
grep -q "保留给设备" "$OUT/con.txt" || fail "CON.docx: $(cat "$OUT/con.txt")"

SETUP=$(ls "$DIST"/*-setup.exe | head -1)
"$SETUP" //S || fail "the silent install failed: exit $?"
INST="$LOCALAPPDATA/Programs/kczg-form"
[ -f "$INST/kczg-form.exe" ] && [ -f "$INST/kczg-form-gui.exe" ] || fail "nothing installed in $INST"
"$INST/kczg-form.exe" --version || fail "the installed kczg-form.exe does not start"
"$INST/uninstall.exe" //S || fail "the silent uninstall failed"
echo "windows.sh: the lane's programs and installer ran on $(cmd //c ver | tr -d '\r')"
