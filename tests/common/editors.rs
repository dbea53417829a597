//! Editing a .docx as other programs do: Word-like control edits by
//! `tests/python/fill_docx.py` (lxml), and a resave by LibreOffice 25.2.
#![allow(clippy::disallowed_methods)] // tests set up their files directly

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/fill_docx.py")
}

/// Applies a plan of Word-like edits to `input`, writing `output`.
pub fn fill(input: &Path, output: &Path, plan: &Value) {
    let plan_path = output.with_extension("plan.json");
    std::fs::write(&plan_path, plan.to_string()).unwrap();
    let out = Command::new("python3")
        .arg(script())
        .args([input, output, &plan_path])
        .output()
        .unwrap_or_else(|e| panic!("python3 is needed to edit the .docx like Word does: {e}"));
    assert!(
        out.status.success(),
        "fill_docx.py failed on {}:\n{}",
        input.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// LibreOffice 25 or later (the 7.4 of Debian 12 drops w:tag from content controls).
pub fn soffice() -> Option<&'static str> {
    let out = Command::new("soffice").arg("--version").output().ok()?;
    let version = String::from_utf8_lossy(&out.stdout).to_string();
    let major: u32 = version
        .split_whitespace()
        .nth(1)?
        .split('.')
        .next()?
        .parse()
        .ok()?;
    (major >= 25).then_some("soffice")
}

/// LibreOffice, or None (and a note) outside CI; under CI its absence fails the test.
pub fn require_libreoffice(test: &str) -> Option<&'static str> {
    let how =
        "LibreOffice 25 or later as the third-party editor (bash .ci/libreoffice.sh on Debian 12)";
    super::external(test, soffice().is_some(), how).then_some("soffice")
}

/// Resaves every file through LibreOffice in one run; returns the resaved paths in order.
pub fn resave(soffice: &str, files: &[PathBuf], dir: &Path) -> Vec<PathBuf> {
    let out_dir = dir.join("resaved");
    std::fs::create_dir_all(&out_dir).unwrap();
    // Its own profile: a test never touches (or waits for) the user's LibreOffice.
    let profile = format!(
        "-env:UserInstallation=file://{}",
        dir.join("profile").display()
    );
    let out = Command::new(soffice)
        .args([&profile, "--headless", "--convert-to", "docx", "--outdir"])
        .arg(&out_dir)
        .args(files)
        .output()
        .expect("soffice runs");
    assert!(
        out.status.success(),
        "soffice failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    files
        .iter()
        .map(|f| {
            let resaved = out_dir.join(f.file_name().unwrap());
            assert!(
                resaved.exists(),
                "LibreOffice did not write {}: {}",
                resaved.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            resaved
        })
        .collect()
}
