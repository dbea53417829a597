#!/usr/bin/env bash
# macOS (the release workflow's macos runner): builds, runs the tests that need no tmpfs, FIFO
# or LibreOffice (those say why they skip there), and makes 科创中国榜单申报助手.app and its .dmg.
#
#   bash .ci/macos.sh          # needs Rust and Python 3; iconutil and hdiutil come with macOS
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
fail() { echo "macos.sh: $*" >&2; exit 1; }

python3 -m pip install --quiet --disable-pip-version-check --break-system-packages \
    "python-docx==1.2.0" "lxml>=5" "openxml-audit==0.8.0" \
    || fail "installing python-docx, lxml and openxml-audit with pip failed"
cargo build --release --locked
target/release/kczg-form --version
cargo test --locked
VERSION=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
APP="dist/科创中国榜单申报助手.app"
rm -rf dist && mkdir -p "$APP/Contents/MacOS" "$APP/Contents/Resources"
cp target/release/kczg-form "$APP/Contents/MacOS/kczg-form"
sed "s/@VERSION@/$VERSION/g" packaging/macos/Info.plist > "$APP/Contents/Info.plist"
ICONSET=$(mktemp -d)/kczg-form.iconset
mkdir -p "$ICONSET"
for s in 16 32 128 256 512; do
    cp "assets/icon/kczg-form-$s.png" "$ICONSET/icon_${s}x${s}.png"
done
for s in 16 128 256; do
    cp "assets/icon/kczg-form-$((s * 2)).png" "$ICONSET/icon_${s}x${s}@2x.png"
done
iconutil -c icns "$ICONSET" -o "$APP/Contents/Resources/kczg-form.icns" || fail "iconutil failed"
hdiutil create -volname "科创中国榜单申报助手" -srcfolder "$APP" -ov -format UDZO \
    "dist/kczg-form-$VERSION.dmg" || fail "hdiutil failed"
echo "macos.sh: dist/kczg-form-$VERSION.dmg"
