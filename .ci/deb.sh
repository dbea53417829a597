#!/usr/bin/env bash
# The Linux package, checked as a person would get it: builds the .deb with cargo-deb, validates
# its desktop entry and AppStream metainfo, installs it with apt in a fresh Debian 12 made by
# debootstrap from this machine's own Debian source (so nothing installed here by hand helps),
# runs the CLI there, opens the window there under Xvfb (screenshot and the window's icon read
# back), then removes the package and checks that no file of it is left.
#
#   bash .ci/deb.sh [OUT_DIR]      # needs root; OUT_DIR gets the .deb, screenshot and logs
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-target/deb-check}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
fail() { echo "deb.sh: $*" >&2; exit 1; }

need_apt=()
for tool in debootstrap:debootstrap desktop-file-validate:desktop-file-utils \
    appstreamcli:appstream; do
    command -v "${tool%%:*}" >/dev/null || need_apt+=("${tool##*:}")
done
if [ ${#need_apt[@]} -gt 0 ]; then
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need_apt[@]}" \
        || fail "installing ${need_apt[*]} with apt-get failed"
fi
CARGO_DEB_VERSION=3.8.0
if ! cargo deb --version 2>/dev/null | grep -q "$CARGO_DEB_VERSION"; then
    cargo install --locked --quiet cargo-deb --version "$CARGO_DEB_VERSION" \
        || fail "installing cargo-deb $CARGO_DEB_VERSION failed"
fi

echo "== desktop entry and metainfo"
desktop-file-validate packaging/linux/cn.kczg.kczg-form.desktop \
    || fail "desktop-file-validate refused the desktop entry"
appstreamcli validate --no-net packaging/linux/cn.kczg.kczg-form.metainfo.xml \
    || fail "appstreamcli refused the metainfo"

echo "== cargo deb"
cargo build --release --locked
rm -f target/debian/kczg-form_*.deb
cargo deb --no-build --locked
DEB=$(ls target/debian/kczg-form_*.deb)
cp "$DEB" "$OUT/"
dpkg-deb --info "$DEB" | tee "$OUT/deb-info.txt"
dpkg-deb --contents "$DEB" | tee "$OUT/deb-contents.txt"

echo "== a fresh Debian 12 from this machine's own source"
MIRROR=$(grep -rhoE '^URIs: *http[^ ]+/debian$' /etc/apt/sources.list.d/ 2>/dev/null | head -1 \
    | sed 's/^URIs: *//')
[ -n "$MIRROR" ] || MIRROR=$(grep -hoE '^deb +http[^ ]+/debian ' /etc/apt/sources.list 2>/dev/null \
    | head -1 | awk '{print $2}')
[ -n "$MIRROR" ] || fail "no Debian source found in /etc/apt"
ROOT=$(mktemp -d /var/tmp/kczg-deb-root.XXXXXX)
cleanup() {
    for m in dev/pts dev proc sys; do umount -l "$ROOT/$m" 2>/dev/null || true; done
    rm -rf "$ROOT"
}
trap cleanup EXIT
debootstrap --variant=minbase bookworm "$ROOT" "$MIRROR" > "$OUT/debootstrap.log" 2>&1 \
    || { tail -20 "$OUT/debootstrap.log" >&2; fail "debootstrap failed"; }
mount -t proc proc "$ROOT/proc"
mount -t sysfs sys "$ROOT/sys"
mount --bind /dev "$ROOT/dev"
mount --bind /dev/pts "$ROOT/dev/pts"
in_root() { chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }
cp "$DEB" "$ROOT/tmp/"
cp tests/fixtures/tech_manager.json "$ROOT/tmp/"

echo "== apt-get install ./kczg-form_*.deb"
in_root apt-get update -qq
in_root sh -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends /tmp/kczg-form_*.deb' \
    > "$OUT/install.log" 2>&1 || { tail -30 "$OUT/install.log" >&2; fail "apt-get install of the .deb failed"; }
in_root kczg-form --version | tee "$OUT/version.txt"
in_root kczg-form validate /tmp/tech_manager.json | tee "$OUT/validate.txt"
# Every library the binary opens with dlopen came with the package's Depends.
for lib in libEGL.so.1 libGL.so.1 libX11.so.6 libX11-xcb.so.1 libxcb.so.1 libXcursor.so.1 \
    libXi.so.6 libXrender.so.1 libxkbcommon.so.0 libxkbcommon-x11.so.0 \
    libwayland-client.so.0 libwayland-egl.so.1 libfontconfig.so.1 libdbus-1.so.3; do
    in_root sh -c "ldconfig -p | grep -q '$lib'" || fail "$lib is not installed by the package's Depends"
done
in_root sh -c 'ls /usr/share/glvnd/egl_vendor.d/*mesa*.json' >/dev/null \
    || fail "no EGL vendor (Mesa) came with the package"

echo "== the window, under Xvfb in the fresh system"
in_root sh -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends xvfb x11-utils x11-apps' \
    > "$OUT/xvfb-install.log" 2>&1 || fail "installing Xvfb in the fresh system failed"
in_root sh -c '
    Xvfb :77 -screen 0 1280x800x24 -nolisten tcp >/tmp/xvfb.log 2>&1 &
    XVFB=$!
    sleep 2
    DISPLAY=:77 KCZG_FORM_DATA_DIR=/tmp/data kczg-form >/tmp/app.log 2>&1 &
    APP=$!
    for i in $(seq 60); do
        WIN=$(DISPLAY=:77 xwininfo -root -children 2>/dev/null | awk "/\"科创中国榜单申报助手\"/ {print \$1; exit}")
        [ -n "$WIN" ] && break
        sleep 0.5
    done
    [ -n "$WIN" ] || { cat /tmp/app.log; kill $APP $XVFB; exit 1; }
    sleep 3
    # The icon'"'"'s width and height (the first two numbers of _NET_WM_ICON), and the class.
    DISPLAY=:77 xprop -id "$WIN" -f _NET_WM_ICON 32c "=\$0x\$1\n" _NET_WM_ICON > /tmp/xprop.txt
    DISPLAY=:77 xprop -id "$WIN" WM_CLASS >> /tmp/xprop.txt
    DISPLAY=:77 xwd -root -silent > /tmp/window.xwd
    kill $APP; sleep 1; kill $XVFB || true
' || fail "the window did not open in the fresh system"
cp "$ROOT/tmp/window.xwd" "$OUT/"
head -c 300 "$ROOT/tmp/xprop.txt" > "$OUT/xprop.txt"
grep -q '_NET_WM_ICON(CARDINAL)=256x256' "$ROOT/tmp/xprop.txt" \
    || fail "the window has no 256×256 icon: $(head -c 200 "$ROOT/tmp/xprop.txt")"
grep -q 'cn.kczg.kczg-form' "$ROOT/tmp/xprop.txt" || fail "WM_CLASS is not cn.kczg.kczg-form"
if [ -x /usr/bin/convert ]; then
    /usr/bin/convert "$OUT/window.xwd" "$OUT/window.png" && rm -f "$OUT/window.xwd"
fi

echo "== apt-get purge leaves no file of the package"
in_root dpkg -L kczg-form > "$OUT/package-files.txt"
in_root sh -c 'DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq kczg-form' > "$OUT/purge.log" 2>&1 \
    || fail "apt-get purge failed"
left=0
while read -r f; do
    [ -f "$ROOT$f" ] && { echo "left behind: $f" >&2; left=1; }
done < "$OUT/package-files.txt"
[ "$left" = 0 ] || fail "files of the package were left behind"
echo "deb.sh: $(basename "$DEB") installs, runs, opens its window and goes away cleanly"
