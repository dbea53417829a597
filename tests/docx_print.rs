//! The printed pages, as LibreOffice 25.2 lays them out (`soffice --convert-to pdf`, then
//! `pdftotext` page by page): a reviewer queries a seal on a page without the commitment it
//! seals, and an empty page counted in 「共 N 页」. `.ci/run` installs LibreOffice and
//! poppler-utils (`.ci/libreoffice.sh`); elsewhere, without them, the test says how to get
//! them and passes (under CI=true their absence fails).
#![allow(clippy::disallowed_methods)] // tests set up their files directly

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{defs, fixture, fixture_names};

fn tools() -> bool {
    let ok = |program: &str, arg: &str| {
        Command::new(program)
            .arg(arg)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let found = ok("soffice", "--version") && ok("pdftotext", "-v");
    let how = "LibreOffice 25.2 and poppler-utils (bash .ci/libreoffice.sh on Debian 12)";
    common::external("print", found, how)
}

/// Every page's text, in order.
fn pages(pdf: &Path) -> Vec<String> {
    let out = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    assert!(
        out.status.success(),
        "pdftotext failed on {}",
        pdf.display()
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut pages: Vec<String> = text.split('\u{c}').map(str::to_owned).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop(); // after the last form feed
    }
    pages
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The body text of a page: without the page header (the list's name) and footer.
fn body_of(page: &str, header: &str) -> String {
    page.lines()
        .filter(|l| {
            let l = squash(l);
            let footer = l.starts_with('第') && l.contains("页共");
            !(footer || l.starts_with(&squash(header)))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn signatures_share_their_page_with_the_pledges_and_no_page_is_empty() {
    if !tools() {
        return;
    }
    let defs = defs();
    let dir = tempfile::tempdir().unwrap();
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    for name in fixture_names() {
        let path = dir.path().join(format!("{name}.docx"));
        std::fs::write(&path, common::exported_fixture(&name)).unwrap();
        files.push((name, path));
    }
    let profile = format!(
        "-env:UserInstallation=file://{}",
        dir.path().join("profile").display()
    );
    let out = Command::new("soffice")
        .args([&profile, "--headless", "--convert-to", "pdf", "--outdir"])
        .arg(dir.path())
        .args(files.iter().map(|(_, p)| p))
        .output()
        .expect("soffice runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut problems = Vec::new();
    for (name, path) in &files {
        let draft = fixture(name);
        let form = defs.form(&draft.list).unwrap();
        let pages = pages(&path.with_extension("pdf"));
        // The signature block: all its lines (the cover and 填表说明 name 申报单位（盖章） too).
        let signature = squash(&form.signatures.concat());
        let pledges: Vec<String> = form
            .fields()
            .filter(|(_, f)| f.kind == kczg_form::schema::Kind::Pledge)
            .map(|(_, f)| squash(&defs.call.fill(&f.label)).chars().take(12).collect())
            .collect();
        // Labels printed in a row of their own above a long text.
        let labels: Vec<String> = form
            .fields()
            .filter(|(_, f)| f.kind == kczg_form::schema::Kind::Textarea)
            .map(|(_, f)| squash(&f.label))
            .collect();
        for (i, page) in pages.iter().enumerate() {
            // The last two lines (a long label wraps), as one text.
            let body_lines: Vec<String> = body_of(page, &form.name)
                .lines()
                .map(squash)
                .filter(|l| !l.is_empty())
                .collect();
            let last_line = body_lines[body_lines.len().saturating_sub(2)..].concat();
            if i + 1 < pages.len() && labels.iter().any(|l| last_line.ends_with(l.as_str())) {
                problems.push(format!(
                    "{name}: page {} ends with the label 「{last_line}」, its text on the next page",
                    i + 1
                ));
            }
            let body = squash(&body_of(page, &form.name));
            if body.is_empty() {
                problems.push(format!(
                    "{name}: page {} of {} is empty",
                    i + 1,
                    pages.len()
                ));
            }
            // The seal's page holds the commitment it seals, under its heading.
            let signed = form.signatures.iter().all(|l| body.contains(&squash(l)));
            if signed
                && !(pledges.iter().all(|p| body.contains(p.as_str())) && body.contains("申报承诺"))
            {
                problems.push(format!(
                    "{name}: page {} has 「{signature}」 without all the pledges under 申报承诺",
                    i + 1
                ));
            }
        }
        eprintln!("{name}: {} pages", pages.len());
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
