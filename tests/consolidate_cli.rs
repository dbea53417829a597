//! `kczg-form consolidate`: exit 0 when it wrote the summary, 2 otherwise; per-file problems on
//! stderr naming the file.
#![allow(clippy::disallowed_methods)] // tests set up their files directly

mod common;

use assert_cmd::Command;
use common::{defs, fixture, today};
use kczg_form::docx::{ExportOptions, export};

fn cmd() -> Command {
    Command::cargo_bin("kczg-form").unwrap()
}

fn corpus(dir: &std::path::Path) {
    let defs = defs();
    let options = ExportOptions {
        preview: true,
        today: today(),
    };
    for name in [
        "leading_tech-equipment",
        "emerging_enterprise",
        "tech_manager",
    ] {
        let draft = fixture(name);
        let form = defs.form(&draft.list).unwrap();
        std::fs::write(
            dir.join(format!("{name}.docx")),
            export(&defs, form, &draft, options).unwrap(),
        )
        .unwrap();
    }
    std::fs::write(
        dir.join("innovation_org.json"),
        fixture("innovation_org").to_json(),
    )
    .unwrap();
    std::fs::write(dir.join("坏.docx"), b"PK\x03\x04 broken").unwrap();
    std::fs::write(dir.join("说明.txt"), "附件").unwrap();
}

#[test]
fn writes_the_summary_and_reports_problems_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("收件");
    std::fs::create_dir(&input).unwrap();
    corpus(&input);
    let previous = dir.path().join("历年.txt");
    std::fs::write(&previous, "合肥晶叠光能科技有限责任公司\n").unwrap();
    let out = dir.path().join("汇总.xlsx");
    let csv = dir.path().join("汇总.csv");
    let docx = dir.path().join("汇总.docx");
    let output = cmd()
        .arg("consolidate")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .arg("--csv")
        .arg(&csv)
        .arg("--docx")
        .arg(&docx)
        .arg("--previous")
        .arg(&previous)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(out.exists() && csv.exists() && docx.exists());
    assert!(
        stderr
            .lines()
            .any(|l| l.contains("坏.docx") && l.contains("需人工处理")),
        "{stderr}"
    );
    assert!(
        stderr
            .lines()
            .any(|l| l.contains("说明.txt") && l.contains("需人工处理")),
        "other files are rows 需人工处理, never dropped: {stderr}"
    );
    assert!(stdout.contains("共汇总 4 份申报"), "{stdout}");
    assert!(stdout.contains("另有 2 个文件需人工处理"), "{stdout}");
    assert!(stdout.contains("1 份与历年入选名单相同"), "{stdout}");
    assert!(std::fs::read(&csv).unwrap().starts_with(b"\xEF\xBB\xBF"));
}

#[test]
fn exit_2_without_submissions_with_an_unreadable_previous_list_or_an_unwritable_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("收件");
    std::fs::create_dir(&input).unwrap();
    corpus(&input);
    let out = dir.path().join("汇总.xlsx");

    // Nothing to consolidate.
    let empty = dir.path().join("空");
    std::fs::create_dir(&empty).unwrap();
    let output = cmd()
        .args(["consolidate"])
        .arg(&empty)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("没有可汇总的申报表"));
    assert!(!out.exists());

    // A previous-winners list that cannot be read.
    let output = cmd()
        .arg("consolidate")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .arg("--previous")
        .arg(dir.path().join("没有.xlsx"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("没有.xlsx"));
    assert!(!out.exists());

    // An output folder that does not exist.
    let output = cmd()
        .arg("consolidate")
        .arg(&input)
        .arg("-o")
        .arg(dir.path().join("不存在/汇总.xlsx"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("无法写入")
            && stderr.contains("汇总.xlsx")
            && stderr.contains("文件夹不存在"),
        "{stderr}"
    );
    assert!(stderr.contains("未写出任何汇总表"), "{stderr}");

    // Missing -o is a usage error.
    let output = cmd().arg("consolidate").arg(&input).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}
