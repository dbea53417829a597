#!/usr/bin/env bash
# The Windows lane, on this Linux machine: cross-builds both programs for
# x86_64-pc-windows-gnu (Debian's MinGW), builds the installer (NSIS, amd64 stub) and runs,
# under Debian's Wine 8, what .ci/windows_lane.py checks: the imported DLLs, the command line
# against the Linux binary, Windows' own errors, the window under Xvfb, the installer. The
# lane's Wine prefix gets a stand-in bcryptprimitives.dll built from .ci/wine/ (Wine 8 has
# no ProcessPrng, which Rust's standard library imports): for the lane only, never shipped.
#
#   bash .ci/windows-lane.sh      # as root (apt-get), with Rust and Python 3
#
# Leaves dist/kczg-form-VERSION-setup.exe, the programs tested, for the release workflow.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
fail() { echo "windows-lane.sh: $*" >&2; exit 1; }
TARGET=x86_64-pc-windows-gnu
LANE=target/windows-lane
mkdir -p "$LANE/tools"

echo "== windows lane: MinGW, Wine 8, NSIS, Xvfb, xdotool, ImageMagick, unzip"
need=()
command -v x86_64-w64-mingw32-gcc >/dev/null || need+=(gcc-mingw-w64-x86-64)
command -v x86_64-w64-mingw32-objdump >/dev/null || need+=(binutils-mingw-w64-x86-64)
command -v wine >/dev/null || need+=(wine wine64)
command -v makensis >/dev/null || need+=(nsis)
command -v Xvfb >/dev/null || need+=(xvfb)
command -v xdotool >/dev/null || need+=(xdotool)
[ -x /usr/bin/import ] || need+=(imagemagick)
command -v unzip >/dev/null || need+=(unzip)
if [ ${#need[@]} -gt 0 ]; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"; } \
        > "$LANE/apt.log" 2>&1 || { tail -20 "$LANE/apt.log" >&2; fail "installing ${need[*]} with apt-get failed"; }
fi
wine --version || fail "wine does not run"
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "python-xlib==0.33" \
    || fail "installing python-xlib with pip failed"
rustup target list --installed | grep -qx "$TARGET" || rustup target add "$TARGET" \
    || fail "rustup target add $TARGET failed"

echo "== windows lane: the lane's own Windows helpers (never shipped)"
x86_64-w64-mingw32-gcc -shared -O2 -o "$LANE/tools/bcryptprimitives.dll" \
    .ci/wine/bcryptprimitives.c .ci/wine/bcryptprimitives.def -lbcrypt \
    || fail "building the stand-in bcryptprimitives.dll failed"
x86_64-w64-mingw32-gcc -O2 -municode -o "$LANE/tools/hold.exe" .ci/wine/hold.c \
    || fail "building hold.exe failed"
x86_64-w64-mingw32-gcc -O2 -o "$LANE/tools/paint_spin.exe" .ci/wine/paint_spin.c \
    || fail "building paint_spin.exe failed"

echo "== windows lane: the release build for $TARGET (as shipped)"
cargo build --release --locked --target "$TARGET" || fail "the cross build for $TARGET failed"
WIN="target/$TARGET/release"
cargo build --locked --bin kczg-form || fail "the Linux kczg-form to compare with did not build"
# The library's unit tests, built for Windows (Windows' error codes and names among them).
UNIT=$(cargo test --release --locked --target "$TARGET" --lib --no-run --message-format=json 2>"$LANE/unit-build.log" \
    | python3 -c 'import json,sys; print(next(m["executable"] for m in map(json.loads, sys.stdin) if m.get("reason") == "compiler-artifact" and m.get("executable") and m["profile"]["test"]))') \
    || { tail -20 "$LANE/unit-build.log" >&2; fail "the unit tests for $TARGET did not build"; }

echo "== windows lane: the installer (NSIS, amd64 stub)"
VERSION=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
(cd packaging/windows && makensis -V2 -XTarget\ amd64-unicode "-DVERSION=$VERSION" "-DBINDIR=$WIN" kczg-form.nsi) \
    || fail "makensis failed"
mkdir -p dist
mv "packaging/windows/kczg-form-$VERSION-setup.exe" dist/
SETUP="dist/kczg-form-$VERSION-setup.exe"

echo "== windows lane: under Wine"
python3 .ci/windows_lane.py target/debug/kczg-form "$WIN" "$SETUP" "$UNIT" \
    || fail "a check under Wine failed (target/windows-lane/report.txt, screenshots beside it)"
cp "$WIN/kczg-form.exe" "$WIN/kczg-form-gui.exe" dist/
echo "windows-lane.sh: $SETUP and the programs it carries passed"
