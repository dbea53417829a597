#!/usr/bin/env python3
"""The Windows lane's checks, under Wine (called by .ci/windows-lane.sh, which builds what
this needs). Each check prints what it measured; the first failure ends the run with a
reason and exit 1. Nothing here is skipped quietly: a step that cannot run fails.

    python3 .ci/windows_lane.py LINUX_BIN WIN_DIR SETUP_EXE UNIT_TESTS_EXE

LINUX_BIN: the Linux kczg-form the Windows CLI is compared with; WIN_DIR: the cross-built
kczg-form.exe and kczg-form-gui.exe; SETUP_EXE: the installer built from them.
Work folder: target/windows-lane (the Wine prefix, the outputs, the screenshots, report.txt).
"""

import email
import email.policy
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANE = ROOT / "target" / "windows-lane"
PREFIX = LANE / "prefix"
FIXTURES = ROOT / "tests" / "fixtures"
DISPLAY = ":93"
TITLE = "科创中国榜单申报助手"
REPORT = []

# Windows 10's own DLLs (as imported by name; compared in lower case). Anything else — the
# MinGW runtime (libgcc_s_seh-1.dll, libwinpthread-1.dll), the MSVC runtime
# (vcruntime140.dll) — would have to be shipped, and is refused.
WINDOWS_10_DLLS = {
    "advapi32.dll", "bcrypt.dll", "bcryptprimitives.dll", "combase.dll", "comctl32.dll",
    "comdlg32.dll", "crypt32.dll", "d3d11.dll", "d3d12.dll", "dwmapi.dll", "dwrite.dll",
    "dxgi.dll", "gdi32.dll", "imm32.dll", "kernel32.dll", "msvcrt.dll", "ntdll.dll",
    "ole32.dll", "oleaut32.dll", "opengl32.dll", "propsys.dll", "rpcrt4.dll", "secur32.dll",
    "setupapi.dll", "shell32.dll", "shlwapi.dll", "uiautomationcore.dll", "user32.dll",
    "userenv.dll", "uxtheme.dll", "version.dll", "winmm.dll", "ws2_32.dll",
    "api-ms-win-core-path-l1-1-0.dll", "api-ms-win-core-synch-l1-2-0.dll",
    "api-ms-win-core-winrt-error-l1-1-0.dll", "api-ms-win-core-winrt-l1-1-0.dll",
    "api-ms-win-core-winrt-string-l1-1-0.dll",
}


def say(line):
    print(f"windows lane: {line}", flush=True)
    REPORT.append(line)


def fail(reason):
    print(f"windows lane: FAILED: {reason}", file=sys.stderr, flush=True)
    write_report()
    sys.exit(1)


def check(ok, reason):
    if not ok:
        fail(reason)


def write_report():
    LANE.mkdir(parents=True, exist_ok=True)
    (LANE / "report.txt").write_text("\n".join(REPORT) + "\n", encoding="utf-8")


def wine_env(**extra):
    env = dict(os.environ)
    env.update(
        WINEPREFIX=str(PREFIX),
        WINEDEBUG="-all",
        WINEDLLOVERRIDES="mscoree,mshtml=",
        DISPLAY=DISPLAY,
        LC_ALL="C.UTF-8",
    )
    env.update(extra)
    return env


def winpath(path):
    """A Unix path as Wine's Z: drive shows it."""
    return "Z:" + str(Path(path).resolve()).replace("/", "\\")


def run(args, cwd, timeout=180, env=None):
    try:
        p = subprocess.run(args, cwd=cwd, env=env, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        fail(f"{' '.join(map(str, args))} did not finish within {timeout} s")
    return p.returncode, p.stdout.decode("utf-8", "replace"), clean_stderr(p.stderr)


def clean_stderr(raw):
    """Wine's own lines (its loader and debugger) are not the program's."""
    text = raw.decode("utf-8", "replace")
    return "".join(
        l for l in text.splitlines(keepends=True)
        if not re.match(r"^(wine:|\d+:fixme:|\d+:err:|\d+:warn:|fixme:|err:)", l)
    )


# ---------------------------------------------------------------------------------------
# The programs' imports


def imports_check(win_dir):
    for exe in ("kczg-form.exe", "kczg-form-gui.exe"):
        out = subprocess.run(
            ["x86_64-w64-mingw32-objdump", "-p", str(win_dir / exe)],
            capture_output=True, text=True, check=True,
        ).stdout
        dlls = sorted({m.lower() for m in re.findall(r"DLL Name: (\S+)", out)})
        check(dlls, f"{exe}: objdump listed no imported DLLs")
        foreign = [d for d in dlls if d not in WINDOWS_10_DLLS]
        check(not foreign, f"{exe} imports DLLs Windows 10 does not have: {foreign}")
        say(f"{exe}: {len(dlls)} imported DLLs, all Windows 10's own: {', '.join(dlls)}")
        size = (win_dir / exe).stat().st_size
        say(f"{exe}: {size / 1048576:.1f} MB")


# ---------------------------------------------------------------------------------------
# The prefix


def prepare_prefix(dll):
    if not (PREFIX / "system.reg").exists():
        code, _, err = run(["wineboot", "-i"], LANE, timeout=300, env=wine_env())
        check(code == 0, f"wineboot -i failed ({code}): {err[-500:]}")
    # Windows 10, as the installer requires (a new Wine 8 prefix says Windows 7).
    run(["wine", "winecfg", "/v", "win10"], LANE, env=wine_env())
    # A program that crashes (Wine's shell32 with a long mailto: link, in the helper) ends
    # without Wine's crash dialog over the window being checked.
    run(["wine", "reg", "add", "HKCU\\Software\\Wine\\WineDbg", "/v", "ShowCrashDialog",
         "/t", "REG_DWORD", "/d", "0", "/f"], LANE, env=wine_env())
    system32 = PREFIX / "drive_c" / "windows" / "system32"
    check(system32.is_dir(), f"the prefix has no {system32}")
    shutil.copy(dll, system32 / "bcryptprimitives.dll")
    code, out, _ = run(["wine", "cmd", "/c", "ver"], LANE, env=wine_env())
    say(f"Wine prefix {PREFIX}: {out.strip()}; bcryptprimitives.dll stand-in installed")


# ---------------------------------------------------------------------------------------
# The command line, compared with the Linux binary's


def cli_compare(linux_bin, win_dir):
    work = LANE / "cli"
    shutil.rmtree(work, ignore_errors=True)
    sides = {"linux": work / "linux", "wine": work / "wine"}
    for side in sides.values():
        shutil.copytree(FIXTURES, side / "fixtures", ignore=shutil.ignore_patterns("v1"))
        (side / "out").mkdir(parents=True)
        (side / "fixtures" / "营业执照副本.pdf").write_bytes(b"%PDF-1.4\n% licence\n%%EOF\n")
        (side / "fixtures" / "盖章扫描件.pdf").write_bytes(b"%PDF-1.4\n% sealed\n%%EOF\n")
        # A path of 343 characters (beyond Windows' old MAX_PATH of 260).
        deep = side / "fixtures" / "长路径"
        while len(str(deep.relative_to(side))) < 320:
            deep = deep / "申报材料文件夹第几层"
        deep.mkdir(parents=True)
        shutil.copy(FIXTURES / "tech_manager.json", deep / "技术经理人.json")
    deep_rel = str(deep.relative_to(sides["wine"]) / "技术经理人.json")

    def both(args, timeout=180):
        linux = run([str(linux_bin), *args], sides["linux"], timeout)
        wine = run(["wine", str(win_dir / "kczg-form.exe"), *args], sides["wine"], timeout,
                   env=wine_env())
        return linux, wine

    def same(args, what=None):
        linux, wine = both(args)
        label = what or " ".join(args)
        check(linux[0] == wine[0], f"{label}: exit {linux[0]} on Linux, {wine[0]} under Wine\n"
              f"Linux: {linux[2]}\nWine: {wine[2]}")
        # Windows joins the folder and the file found in it with its own separator.
        wine = (wine[0], wine[1].replace("\\", "/"), wine[2].replace("\\", "/"))
        check(linux[1] == wine[1], f"{label}: standard output differs\nLinux:\n{linux[1]}\nWine:\n{wine[1]}")
        check(linux[2] == wine[2], f"{label}: messages differ\nLinux:\n{linux[2]}\nWine:\n{wine[2]}")
        return linux, wine

    compared = 0
    fixtures = sorted(p.name for p in FIXTURES.glob("*.json"))
    for name in fixtures:
        stem = name[:-5]
        same(["validate", f"fixtures/{name}"])
        same(["validate", "--json", f"fixtures/{name}"])
        same(["export", f"fixtures/{name}", "-o", f"out/{stem}.docx"])
        for side in sides.values():
            check((side / "out" / f"{stem}.docx").exists(), f"export of {name} wrote nothing")
        check(same_docx(*(s / "out" / f"{stem}.docx" for s in sides.values())),
              f"the .docx exported from {name} differs between Linux and Wine beyond its times")
        same(["validate", f"out/{stem}.docx"])
        same(["import", f"out/{stem}.docx", "-o", f"out/{stem}.back.json"])
        values = [json.loads((s / "out" / f"{stem}.back.json").read_text("utf-8"))["values"]
                  for s in sides.values()]
        check(values[0] == values[1], f"import of {stem}.docx: values differ")
        check(values[1] == json.loads((FIXTURES / name).read_text("utf-8"))["values"],
              f"import of {stem}.docx under Wine did not give back the draft's values")
        same(["mail", f"out/{stem}.docx", "-o", f"out/{stem}.eml",
              "--attach", "fixtures/营业执照副本.pdf", "--sealed", "fixtures/盖章扫描件.pdf"])
        names = [eml_attachments(s / "out" / f"{stem}.eml") for s in sides.values()]
        check(names[0] == names[1] and len(names[1]) == 3, f"{stem}.eml attachments: {names}")
        zip_name = f"out/申报材料包-{stem}.zip"
        same(["package", f"fixtures/{name}", "-o", zip_name,
              "--attach", "fixtures/营业执照副本.pdf", "--sealed", "fixtures/盖章扫描件.pdf"])
        entries = [zip_entries(s / zip_name) for s in sides.values()]
        check(entries[0] == entries[1], f"{zip_name}: entries differ: {entries}")
        compared += 1
    say(f"CLI: {compared} fixtures validated (text and --json), exported, imported back "
        f"(values equal to the draft), mailed and packaged: exit codes, output and messages "
        f"identical to the Linux binary's; .docx parts identical but for their times")

    # Blank templates, every list and domain: the same parts.
    templates = [("新锐企业榜", None), ("融通创新组织榜", None), ("技术经理人先锋榜", None)] + [
        ("先导技术榜", d) for d in ("电子信息", "生物医药", "装备制造", "先进材料", "绿色低碳", "产业基础")]
    for i, (lst, domain) in enumerate(templates):
        args = ["template", lst, "-o", f"out/template-{i}.docx"] + (["--domain", domain] if domain else [])
        same(args)
        check(same_docx(*(s / "out" / f"template-{i}.docx" for s in sides.values())),
              f"template {lst} {domain or ''}: parts differ between Linux and Wine")
    say(f"CLI: {len(templates)} blank templates byte-identical part by part (docProps times aside)")

    # The packages made under Wine, read by Debian's unzip and Python's zipfile.
    pkg = sides["wine"] / "out" / "申报材料包-tech_manager.zip"
    listing = subprocess.run(["unzip", "-Z", str(pkg)], capture_output=True).stdout.decode("utf-8", "replace")
    check(" unx " in listing and "fat" not in listing.split("\n", 2)[-1],
          f"entries of a package made on Windows are not marked as made by Unix:\n{listing}")
    names_unzip = subprocess.run(["unzip", "-Z1", str(pkg)], capture_output=True).stdout.decode("utf-8")
    names_py = zip_entries(pkg)
    check(names_unzip.split() == names_py, f"unzip -Z1 reads {names_unzip.split()}, zipfile {names_py}")
    check(any("技术经理人" in n for n in names_py) and "营业执照副本.pdf" in names_py,
          f"the Chinese names do not read back: {names_py}")
    extract = LANE / "cli" / "unzipped"
    shutil.rmtree(extract, ignore_errors=True)
    subprocess.run(["unzip", "-q", str(pkg), "-d", str(extract)], check=True)
    check(sorted(p.name for p in extract.iterdir()) == sorted(names_py),
          f"unzip extracted other names: {sorted(p.name for p in extract.iterdir())}")
    say(f"package made under Wine: entries made by Unix (unzip -Z: unx), UTF-8 names read "
        f"back alike by unzip and zipfile and extracted as: {', '.join(names_py)}")

    # Consolidation over every export.
    same(["consolidate", "out", "-o", "汇总.xlsx", "--csv", "汇总.csv"])
    csvs = [(s / "汇总.csv").read_bytes() for s in sides.values()]
    # The 来源 column holds the file's path, with Windows' separator there.
    check(csvs[0] == csvs[1].replace(b"\\", b"/"), "consolidate: the CSV differs between Linux and Wine")
    say(f"consolidate over every output above: identical CSV ({len(csvs[1])} bytes)")

    # Bad input, said the same way: a missing file, a folder, a reserved name, a long path.
    same(["validate", "fixtures/不存在.json"])
    same(["validate", "fixtures"])
    linux, wine = same(["export", "fixtures/tech_manager.json", "-o", "out/CON.docx"])
    check(wine[0] == 2 and "保留给设备" in wine[2], f"CON.docx: {wine}")
    same(["export", "fixtures/tech_manager.json", "-o", "out/com1.json.docx"])
    linux, wine = same(["validate", deep_rel])
    check(wine[0] == 0, f"a {len(deep_rel)}-character path: {wine}")
    say(f"bad input alike: missing file, a folder, CON.docx and com1.json.docx refused "
        f"before writing, a {len(deep_rel)}-character Chinese path read")


def same_docx(a, b):
    """The same parts, but for docProps/core.xml's creation and modification times."""
    za, zb = zipfile.ZipFile(a), zipfile.ZipFile(b)
    if za.namelist() != zb.namelist():
        return False
    times = re.compile(rb"<dcterms:(created|modified)[^>]*>[^<]*<")
    for n in za.namelist():
        x, y = za.read(n), zb.read(n)
        if n == "docProps/core.xml":
            x, y = times.sub(b"", x), times.sub(b"", y)
        if x != y:
            return False
    return True


def eml_attachments(path):
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    return [p.get_filename() for p in msg.iter_attachments()]


def zip_entries(path):
    with zipfile.ZipFile(path) as z:
        return [i.filename for i in z.infolist()]


# ---------------------------------------------------------------------------------------
# Windows' own errors


def windows_errors(win_dir, hold_exe):
    work = LANE / "held"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    shutil.copy(FIXTURES / "tech_manager.json", work / "draft.json")
    held = work / "held.docx"
    code, _, err = run(["wine", str(win_dir / "kczg-form.exe"), "export", "draft.json", "-o",
                        "held.docx"], work, env=wine_env())
    check(code == 0, f"export before holding: {err}")
    before = held.read_bytes()
    holder = subprocess.Popen(["wine", str(hold_exe), "held.docx", "30"], cwd=work,
                              env=wine_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = holder.stdout.readline().decode().strip()
    check(line == "held", f"hold.exe did not hold the file: {line!r}")
    try:
        code, _, err = run(["wine", str(win_dir / "kczg-form.exe"), "validate", "held.docx"],
                           work, env=wine_env())
        check(code == 2 and "Word、WPS、Excel" in err and "held.docx" in err,
              f"reading a file held open: exit {code}: {err}")
        read_message = err.strip()
        code, _, err = run(["wine", str(win_dir / "kczg-form.exe"), "export", "draft.json", "-o",
                            "held.docx"], work, env=wine_env())
        check(code == 2 and "Word、WPS、Excel" in err and "原有文件未受影响" in err,
              f"writing over a file held open: exit {code}: {err}")
        write_message = err.strip()
    finally:
        holder.kill()
        holder.wait()
    check(held.read_bytes() == before, "the file held open was changed")
    say(f"a file held open (sharing violation): reading says 「{read_message}」; "
        f"writing says 「{write_message}」 and leaves it as it was")


# ---------------------------------------------------------------------------------------
# The window, under Xvfb


class Display:
    def __init__(self):
        self.xvfb = subprocess.Popen(
            ["Xvfb", DISPLAY, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.5)
        check(self.xvfb.poll() is None, "Xvfb did not start")
        from Xlib import display  # python-xlib, installed by windows-lane.sh
        self.x = display.Display(DISPLAY)

    def close(self):
        self.xvfb.terminate()
        self.xvfb.wait()

    def windows(self):
        """(id, title, x, y, width, height) of the mapped top-level windows."""
        from Xlib import X
        root = self.x.screen().root
        net_name = self.x.intern_atom("_NET_WM_NAME")
        utf8 = self.x.intern_atom("UTF8_STRING")
        found = []
        for w in root.query_tree().children:
            try:
                attrs = w.get_attributes()
                if attrs.map_state != X.IsViewable:
                    continue
                prop = w.get_full_property(net_name, utf8)
                title = prop.value.decode("utf-8", "replace") if prop else (w.get_wm_name() or "")
                g = w.get_geometry()
                found.append((w.id, title, g.x, g.y, g.width, g.height))
            except Exception:
                continue
        return found

    def wait_window(self, pred, timeout, what):
        end = time.time() + timeout
        while time.time() < end:
            for w in self.windows():
                if pred(w):
                    return w
            time.sleep(0.3)
        fail(f"{what}: no such window within {timeout} s; windows: {self.windows()}")

    def close_window(self, wid):
        """WM_DELETE_WINDOW, as a window manager's close button sends it."""
        from Xlib import X
        from Xlib.protocol import event
        w = self.x.create_resource_object("window", wid)
        protocols = self.x.intern_atom("WM_PROTOCOLS")
        delete = self.x.intern_atom("WM_DELETE_WINDOW")
        ev = event.ClientMessage(window=w, client_type=protocols,
                                 data=(32, [delete, X.CurrentTime, 0, 0, 0]))
        w.send_event(ev, event_mask=X.NoEventMask)
        self.x.flush()

    def xdo(self, *args):
        subprocess.run(["xdotool", *map(str, args)], env=wine_env(), check=True)

    def shot(self, path, geometry=None):
        subprocess.run(["/usr/bin/import", "-display", DISPLAY, "-window", "root", str(path)],
                       check=True)
        if geometry:
            _, _, x, y, w, h = geometry
            subprocess.run(["/usr/bin/convert", str(path), "-crop", f"{w}x{h}+{x}+{y}", "+repage",
                            str(path)], check=True)
        colours = int(subprocess.run(["/usr/bin/convert", str(path), "-format", "%k", "info:"],
                                     capture_output=True, text=True, check=True).stdout)
        return colours


def close_and_wait(d, win, proc, what):
    """Closes the window as a window manager would and waits for its program: exit 0."""
    d.close_window(win[0])
    try:
        code = proc.wait(30)
    except subprocess.TimeoutExpired:
        fail(f"the window did not close {what} within 30 s")
    check(code == 0, f"closing the window {what}: exit {code}")


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def pid_of(pattern):
    out = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True).stdout.split()
    return int(out[0]) if out else None


def idle_cpu(pattern, seconds=10):
    pid = pid_of(pattern)
    check(pid, f"no process {pattern} to measure")
    hz = os.sysconf("SC_CLK_TCK")
    a = cpu_ticks(pid)
    time.sleep(seconds)
    b = cpu_ticks(pid)
    return 100.0 * (b - a) / hz / seconds


def gui(win_dir, d):
    work = LANE / "gui"
    shutil.rmtree(work, ignore_errors=True)
    data, exports = work / "data", work / "exports"
    data.mkdir(parents=True)
    exports.mkdir()
    gui_exe = str(win_dir / "kczg-form-gui.exe")

    # A file to open that is not there: said in a message box, exit 2.
    proc = subprocess.Popen(["wine", gui_exe, "--data-dir", winpath(data), "Z:\\没有这个文件.docx"],
                            env=wine_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    box = d.wait_window(lambda w: w[1] == TITLE and w[4] < 900, 60, "the message box of a missing file")
    d.shot(LANE / "missing-file-box.png", box)
    d.xdo("windowfocus", box[0])
    d.xdo("key", "Return")
    try:
        code = proc.wait(30)
    except subprocess.TimeoutExpired:
        fail("the window program did not end after its message box was answered")
    err = clean_stderr(proc.stderr.read())
    check(code == 2 and "找不到文件" in err, f"missing file: exit {code}: {err}")
    say(f"kczg-form-gui.exe on a missing file: a message box ({box[4]}×{box[5]}, "
        f"missing-file-box.png), exit 2 once answered")

    # The start page: drawn, and idle.
    proc = subprocess.Popen(["wine", gui_exe, "--data-dir", winpath(data)],
                            env=wine_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = time.time()
    win = d.wait_window(lambda w: TITLE in w[1] and w[4] >= 800, 90, "the start page")
    time.sleep(3)
    colours = d.shot(LANE / "start.png", win)
    check(colours >= 50, f"the start page looks blank: {colours} colours (start.png)")
    check(win[4] <= 1280 and win[5] + 80 <= 720, f"the first window ({win[4]}×{win[5]}) does not fit a 1280×720 work area")
    cpu_start = idle_cpu("kczg-form-gui.exe")
    say(f"window: start page after {time.time() - started:.1f} s, {win[4]}×{win[5]}, "
        f"{colours} colours (start.png); idle CPU {cpu_start:.1f} % of a core over 10 s")
    close_and_wait(d, win, proc, "on WM_DELETE_WINDOW")
    place = json.loads((data / "window.json").read_text("utf-8"))
    check(place.get("size") == [float(win[4]), float(win[5])], f"window.json: {place}")
    say(f"closed: exit 0, window.json keeps size {place['size']}")

    # Typing: a field of an opened draft takes typed text, and the draft on disk holds it.
    proc = subprocess.Popen(["wine", gui_exe, "--data-dir", winpath(data),
                             winpath(FIXTURES / "tech_manager.json")],
                            env=wine_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    win = d.wait_window(lambda w: "技术经理人先锋榜" in w[1], 90, "the form of tech_manager.json")
    time.sleep(3)
    d.shot(LANE / "form.png", win)
    # 职称, the sixth field of 个人基本信息, in the 1120×640 window.
    d.xdo("windowfocus", win[0])
    d.xdo("mousemove", win[2] + 337, win[3] + 412, "click", "1")
    time.sleep(0.5)
    d.xdo("key", "ctrl+a")
    d.xdo("type", "--delay", "40", "WineLane42")
    end = time.time() + 15
    saved = None
    while time.time() < end and not saved:
        for f in (data / "drafts").glob("*.json"):
            if "WineLane42" in f.read_text("utf-8", "replace"):
                saved = f
        time.sleep(0.5)
    d.shot(LANE / "typed.png", win)
    check(saved, "typed text did not reach the draft on disk within 15 s (typed.png)")
    value = json.loads(saved.read_text("utf-8"))["values"].get("pro_title")
    close_and_wait(d, win, proc, "after typing")
    say(f"typing: 「WineLane42」 typed into 职称 is in {saved.name} on disk (职称 = {value!r})")

    # A draft with the longest names: export, then 发送邮件.
    draft = json.loads((FIXTURES / "leading_tech-equipment.json").read_text("utf-8"))
    draft["values"]["tech_name"] = ("煤矿巷道智能掘锚一体化成套装备及远程集控技术研究与产业化" * 2)[:40]
    draft["values"]["holder_name"] = ("洛阳嵩岳智能矿山装备有限公司河南省郑州市高新技术产业开发区分公司" * 2)[:60]
    (work / "最长名称.json").write_text(json.dumps(draft, ensure_ascii=False), "utf-8")
    proc = subprocess.Popen(["wine", gui_exe, "--data-dir", winpath(data), winpath(work / "最长名称.json")],
                            env=wine_env(KCZG_FORM_EXPORT_DIR=winpath(exports)),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    win = d.wait_window(lambda w: "先导技术榜" in w[1], 90, "the form of the longest names")
    time.sleep(3)
    d.xdo("windowfocus", win[0])
    # 导出申报表 is the third control of the top bar (返回首页, 保存, 导出申报表).
    for _ in range(3):
        d.xdo("key", "Tab")
        time.sleep(0.2)
    d.xdo("key", "Return")
    end = time.time() + 30
    while time.time() < end and not list(exports.glob("*.docx")):
        time.sleep(0.5)
    docx = list(exports.glob("*.docx"))
    d.shot(LANE / "handoff.png", win)
    check(docx, "导出申报表 wrote nothing within 30 s (handoff.png)")
    # 发送邮件: the eighth control of the hand-off page (返回修改, 返回首页, 打开所在文件夹,
    # 添加盖章扫描件, 复制邮箱地址, 生成邮件草稿, 生成申报材料包, 发送邮件).
    time.sleep(1)
    for _ in range(8):
        d.xdo("key", "Tab")
        time.sleep(0.2)
    d.shot(LANE / "mail-focused.png", win)
    d.xdo("key", "Return")
    helper = None
    end = time.time() + 10
    while time.time() < end and helper is None:
        helper = pid_of(r"kczg-form-gui\.exe.? shell-open")
        time.sleep(0.1)
    check(helper, "发送邮件 started no helper (mail-focused.png shows what had the focus)")
    time.sleep(12)
    check(proc.poll() is None, f"the window program ended after 发送邮件 (exit {proc.poll()})")
    check(pid_of(r"kczg-form-gui\.exe.? shell-open") is None, "the helper of 发送邮件 is still running after 12 s")
    check(not list(exports.glob("*.eml")) and not list(exports.glob("*.zip")),
          "Tab × 8 reached another button than 发送邮件 (an .eml or .zip was written)")
    colours = d.shot(LANE / "mail.png", win)
    # Still answering: a click on 返回修改 goes back to the form.
    d.xdo("mousemove", win[2] + 50, win[3] + 19, "click", "1")
    time.sleep(2)
    d.shot(LANE / "after-mail.png", win)
    cpu_form = idle_cpu("kczg-form-gui.exe", 10)
    close_and_wait(d, win, proc, "after 发送邮件")
    say(f"发送邮件 with the longest names: the helper ran and ended, the window stayed "
        f"(mail.png, {colours} colours) and closed with exit 0; idle CPU on the form "
        f"{cpu_form:.1f} % of a core")
    return cpu_start, cpu_form


# ---------------------------------------------------------------------------------------
# The installer


def installer(setup, d):
    user = subprocess.run(["whoami"], capture_output=True, text=True).stdout.strip()
    home = PREFIX / "drive_c" / "users" / user
    inst = home / "AppData" / "Local" / "Programs" / "kczg-form"
    link = home / "AppData" / "Roaming" / "Microsoft" / "Windows" / "Start Menu" / "Programs" / f"{TITLE}.lnk"
    code, _, err = run(["wine", str(setup), "/S"], LANE, env=wine_env())
    check(code == 0, f"silent install: exit {code} {err}")
    files = sorted(p.name for p in inst.iterdir())
    check({"kczg-form.exe", "kczg-form-gui.exe", "uninstall.exe"} <= set(files), f"installed: {files}")
    check(link.exists(), f"no Start-menu shortcut at {link}")
    say(f"installer /S: exit 0, {inst.relative_to(PREFIX)} holds {', '.join(files)}; Start-menu entry {link.name}")

    proc = subprocess.Popen(["wine", "start", "/wait", "/unix", str(link)], cwd=LANE, env=wine_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    win = d.wait_window(lambda w: TITLE in w[1] and w[4] >= 800, 90, "the program started from the Start menu")
    check(pid_of(r"AppData\\Local\\Programs\\kczg-form\\kczg-form-gui.exe"),
          "the window is not the installed program's")
    # Reinstall while it runs: refused, nothing replaced.
    # NSIS keeps the source's modification time: a file put in place is told by its inode.
    stamps = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in inst.iterdir()}
    time.sleep(1.1)
    code, _, _ = run(["wine", str(setup), "/S"], LANE, env=wine_env())
    check(code == 2, f"a silent reinstall while the program runs: exit {code}, not 2")
    now = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in inst.iterdir()}
    check(now == stamps, f"a refused reinstall changed files: {stamps} → {now}")
    say("reinstall while running: exit 2 (asked to close it), no file replaced")
    d.close_window(win[0])
    end = time.time() + 30
    while time.time() < end and pid_of(r"AppData\\Local\\Programs\\kczg-form\\kczg-form-gui.exe"):
        time.sleep(0.5)
    check(not pid_of(r"AppData\\Local\\Programs\\kczg-form\\kczg-form-gui.exe"),
          "the installed program did not close within 30 s")
    proc.kill()
    time.sleep(1)
    code, _, _ = run(["wine", str(setup), "/S"], LANE, env=wine_env())
    check(code == 0, f"reinstall once closed: exit {code}")
    after = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in inst.iterdir()}
    check(after["kczg-form.exe"] != stamps["kczg-form.exe"] and
          after["kczg-form-gui.exe"] != stamps["kczg-form-gui.exe"],
          "a reinstall did not replace both programs")
    check(not [n for n in after if n.endswith(".new")], f"left behind: {sorted(after)}")
    say("reinstall once closed: exit 0, both programs replaced together")
    code, _, _ = run(["wine", str(inst / "uninstall.exe"), "/S"], LANE, env=wine_env())
    # The uninstaller copies itself to a temporary folder and returns at once: wait for it.
    end = time.time() + 30
    while time.time() < end and (inst.exists() or link.exists()):
        time.sleep(0.5)
    check(not link.exists(), "the Start-menu entry is left after uninstalling")
    left = sorted(p.name for p in inst.iterdir()) if inst.exists() else []
    check(not left, f"left after uninstalling: {left}")
    say("uninstall /S: the programs and the Start-menu entry are gone")


# ---------------------------------------------------------------------------------------


def unit_tests(exe):
    """The library's unit tests, built for Windows, run under Wine."""
    work = LANE / "unit"
    work.mkdir(parents=True, exist_ok=True)
    code, out, err = run(["wine", str(exe), "--test-threads=2"], work, timeout=600, env=wine_env())
    summary = [l for l in out.splitlines() if l.startswith("test result:")]
    check(code == 0 and summary, f"unit tests under Wine: exit {code}\n{out[-4000:]}\n{err[-2000:]}")
    say(f"unit tests built for Windows, under Wine: {summary[-1]}")


def main():
    linux_bin, win_dir, setup, unit = (Path(a).resolve() for a in sys.argv[1:5])
    tools = LANE / "tools"
    LANE.mkdir(parents=True, exist_ok=True)
    imports_check(win_dir)
    prepare_prefix(tools / "bcryptprimitives.dll")
    unit_tests(unit)
    cli_compare(linux_bin, win_dir)
    windows_errors(win_dir, tools / "hold.exe")
    d = Display()
    try:
        cpu = gui(win_dir, d)
        installer(setup, d)
    finally:
        d.close()
        subprocess.run(["wineserver", "-k"], env=wine_env())
    say(f"idle CPU of the Windows build under Wine: start page {cpu[0]:.1f} %, form {cpu[1]:.1f} % "
        f"of a core")
    plain = run(["wine", str(tools / "paint_spin.exe")], LANE, env=wine_env())[1].strip()
    target = run(["wine", str(tools / "paint_spin.exe"), "target"], LANE, env=wine_env())[1].strip()
    say(f"why: a Win32 loop waits {plain} times in 5 s alone, {target} times beside a window "
        f"made as winit's thread event target (RDW_INTERNALPAINT that Wine 8 never delivers: "
        f"QS_PAINT stays set, MWMO_INPUTAVAILABLE returns at once); .ci/wine/paint_spin.c")
    write_report()
    say(f"all checks passed; report in {LANE / 'report.txt'}")


if __name__ == "__main__":
    main()
