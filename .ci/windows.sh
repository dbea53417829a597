#!/usr/bin/env bash
# Windows (Git Bash on the release workflow's windows runner): builds both programs, runs the
# tests that need no tmpfs, FIFO or LibreOffice (those say why they skip there), and builds
# the per-user installer with NSIS.
#
#   bash .ci/windows.sh        # needs Rust, Python 3 and NSIS (makensis) on PATH
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
fail() { echo "windows.sh: $*" >&2; exit 1; }

python -m pip install --quiet --disable-pip-version-check \
    "python-docx==1.2.0" "lxml>=5" "openxml-audit==0.8.0" \
    || fail "installing python-docx, lxml and openxml-audit with pip failed"
cargo build --release --locked
[ -f target/release/kczg-form.exe ] && [ -f target/release/kczg-form-gui.exe ] \
    || fail "the two programs were not built"
# The console program keeps its output and exit codes.
target/release/kczg-form.exe --version
target/release/kczg-form.exe validate tests/fixtures/tech_manager.json
cargo test --locked
VERSION=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
command -v makensis >/dev/null || fail "makensis (NSIS 3) is not on PATH"
(cd packaging/windows && makensis -V2 "-DVERSION=$VERSION" '-DBINDIR=target\release' kczg-form.nsi) \
    || fail "makensis failed"
mkdir -p dist
mv "packaging/windows/kczg-form-$VERSION-setup.exe" dist/
cp target/release/kczg-form.exe target/release/kczg-form-gui.exe dist/
echo "windows.sh: dist/kczg-form-$VERSION-setup.exe"
