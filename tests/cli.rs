//! The command line: `validate` and `forms`, their output shapes and exit codes (0/1/2), and
//! hostile inputs that must end in exit 2 or findings, never a panic.
#![allow(clippy::disallowed_methods)] // tests set up their files directly

mod common;

use std::io::Write;
use std::path::Path;

use assert_cmd::Command;
use common::*;
use serde_json::{Value, json};

fn cli() -> Command {
    Command::cargo_bin("kczg-form").unwrap()
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Run {
    let out = cli().args(args).output().unwrap();
    let run = Run {
        code: out.status.code().expect("exited, not killed by a signal"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    };
    assert!(!run.stderr.contains("panicked"), "panic: {}", run.stderr);
    run
}

fn write_temp(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn validate_a_valid_draft_exits_0() {
    for name in fixture_names() {
        let path = fixture_path(&format!("{name}.json"));
        let r = run(&["validate", path.to_str().unwrap()]);
        assert_eq!(r.code, 0, "{name}: {}{}", r.stdout, r.stderr);
        assert!(r.stdout.contains("共 0 个错误、0 个提醒"), "{}", r.stdout);
    }
}

#[test]
fn validate_json_output_has_the_documented_shape() {
    let dir = tempfile::tempdir().unwrap();
    let mut draft = fixture("leading_tech-electronic_info");
    draft.values["ip"][0]["number"] = json!("ZL201710601862.4");
    draft.values.insert("tech_name".into(), json!(""));
    let path = write_temp(dir.path(), "d.json", draft.to_json().as_bytes());
    let r = run(&["validate", &path, "--json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(report["file"], path);
    assert_eq!(report["list"], "leading_tech");
    assert_eq!(report["domain"], "electronic_info");
    assert_eq!(report["errors"], 1);
    assert_eq!(report["warnings"], 1);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings[0]["field"], "tech_name");
    assert_eq!(findings[0]["severity"], "error");
    assert_eq!(findings[0]["condition"], Value::Null);
    assert_eq!(findings[1]["field"], "ip[0].number");
    assert_eq!(findings[1]["severity"], "warning");
    // The condition by its stable id, and its label for people.
    assert_eq!(findings[1]["condition"], "c2");
    assert_eq!(findings[1]["condition_label"], "先导技术榜 条件2");
    assert_eq!(findings[0]["condition_label"], Value::Null);
    let keys: Vec<&String> = findings[1].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "field",
            "severity",
            "message",
            "condition",
            "condition_label"
        ]
    );
}

#[test]
fn validate_text_output_names_field_condition_and_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let draft = with(fixture("emerging_enterprise"), "stage", json!("成熟期"));
    let path = write_temp(dir.path(), "d.json", draft.to_json().as_bytes());
    let r = run(&["validate", &path]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("错误  stage  发展潜力和培育价值须处于初期或成长期（新锐企业榜 遴选要求）"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("共 1 个错误、0 个提醒：请先改正错误。"),
        "{}",
        r.stdout
    );
}

#[test]
fn warnings_alone_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    let draft = with(fixture("leading_tech-equipment"), "trl", json!("2"));
    let path = write_temp(dir.path(), "d.json", draft.to_json().as_bytes());
    let r = run(&["validate", &path]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.contains("提醒  trl"), "{}", r.stdout);
}

#[test]
fn control_characters_are_reported_by_field() {
    let dir = tempfile::tempdir().unwrap();
    let draft = with(
        fixture("tech_manager"),
        "employer",
        json!("济南泉城先进技术研究院\u{1}"),
    );
    let path = write_temp(dir.path(), "d.json", draft.to_json().as_bytes());
    let r = run(&["validate", &path, "--json"]);
    assert_eq!(r.code, 0);
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(report["findings"][0]["field"], "employer");
    assert!(
        report["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("「工作单位」中有 1 个不可见的控制字符")
    );
}

#[test]
fn hostile_inputs_exit_2_with_a_chinese_reason() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut random = vec![0u8; 64 * 1024];
    let mut x: u32 = 12345;
    for b in &mut random {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        *b = (x >> 16) as u8;
    }
    let cases: Vec<(String, &str)> = vec![
        (write_temp(d, "empty.json", b""), "不是有效的 JSON"),
        (write_temp(d, "random.json", &random), "不是有效的 JSON"),
        (write_temp(d, "nested.json", format!("{}{}", "[".repeat(50_000), "]".repeat(50_000)).as_bytes()), "嵌套层数过多"),
        (write_temp(d, "array.json", b"[1,2,3]"), "应为一个 JSON 对象"),
        (write_temp(d, "other.json", br#"{"format":"x","version":1}"#), "不是申报草稿"),
        (
            write_temp(d, "newer.json", br#"{"format":"kczg-form/draft","version":9,"call":"2023","list":"tech_manager","values":{}}"#),
            "请升级本程序",
        ),
        (
            write_temp(d, "list.json", br#"{"format":"kczg-form/draft","version":1,"call":"2023","list":"best_list","values":{}}"#),
            "榜单「best_list」不认识",
        ),
        (write_temp(d, "form.docx", b"PK\x03\x04rest"), "不是 Word 文档"),
        (d.join("missing.json").to_str().unwrap().to_owned(), "文件不存在"),
        (d.to_str().unwrap().to_owned(), "文件夹"),
    ];
    for (path, words) in cases {
        let r = run(&["validate", &path]);
        assert_eq!(r.code, 2, "{path}: {}{}", r.stdout, r.stderr);
        assert!(r.stderr.contains(words), "{path}: {}", r.stderr);
        assert!(r.stderr.starts_with("错误："), "{}", r.stderr);
    }
}

#[test]
fn a_50_megabyte_file_is_refused_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.json");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(50 * 1024 * 1024).unwrap();
    let r = run(&["validate", path.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("过大"), "{}", r.stderr);
}

#[test]
fn wrong_types_in_every_field_give_findings_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let defs = defs();
    for form in &defs.forms {
        let mut values = serde_json::Map::new();
        for (i, (_, field)) in form.fields().enumerate() {
            let v = [
                json!({"x": 1}),
                json!([[[]]]),
                json!(1e308),
                json!("\u{0}"),
                json!(false),
            ][i % 5]
                .clone();
            values.insert(field.id.clone(), v);
        }
        let draft = json!({"format": "kczg-form/draft", "version": 1, "call": "2023", "list": form.id, "domain": 17, "values": values});
        // domain of the wrong type: refused as a whole (exit 2) …
        let path = write_temp(dir.path(), "w.json", draft.to_string().as_bytes());
        assert_eq!(run(&["validate", &path]).code, 2);
        // … every value of the wrong type: findings (exit 1).
        let mut draft = draft;
        draft.as_object_mut().unwrap().remove("domain");
        let path = write_temp(dir.path(), "w.json", draft.to_string().as_bytes());
        let r = run(&["validate", &path, "--json"]);
        assert_eq!(r.code, 1, "{}: {}", form.id, r.stderr);
        let report: Value = serde_json::from_str(&r.stdout).unwrap();
        assert!(report["errors"].as_u64().unwrap() > 5);
    }
}

#[test]
fn bad_usage_exits_2() {
    assert_eq!(run(&["validate"]).code, 2);
    // Not a command, nor a file to open in the window: no window opens.
    let r = run(&["no-such-command"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("没有名为「no-such-command」的命令"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("kczg-form --help"), "{}", r.stderr);
    let r = run(&["不存在的申报表.docx"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("找不到文件「不存在的申报表.docx」"),
        "{}",
        r.stderr
    );
    // Subcommands after the global options.
    let data = tempfile::tempdir().unwrap();
    let r = run(&[
        "--data-dir",
        data.path().to_str().unwrap(),
        "drafts",
        "list",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn forms_lists_lists_domains_sections_and_field_ids() {
    let r = run(&["forms"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("表单定义：内置"), "{}", r.stdout);
    for words in [
        "先导技术榜 [leading_tech]  2023年“科创中国”先导技术榜申报表",
        "industrial_foundation 产业基础",
        "[foundation] 产业基础专项领域",
        "if_dependence_detail",
        "新锐企业榜 [emerging_enterprise]",
        "融通创新组织榜 [innovation_org]",
        "技术经理人先锋榜 [tech_manager]",
        ".number",
    ] {
        assert!(r.stdout.contains(words), "missing {words}");
    }
    let defs = defs();
    for (_, field) in defs.forms.iter().flat_map(|f| f.fields()) {
        assert!(
            r.stdout.contains(&format!("    {}", field.id)),
            "{}",
            field.id
        );
    }
}

fn override_dir(edit: impl Fn(&str) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("forms")).unwrap();
    let (_, text) = kczg_form::schema::EMBEDDED_FILES
        .iter()
        .find(|(p, _)| *p == "forms/leading_tech.toml")
        .unwrap();
    std::fs::write(dir.path().join("forms/leading_tech.toml"), edit(text)).unwrap();
    dir
}

#[test]
fn an_override_changes_forms_and_validate_output() {
    let dir = override_dir(|t| {
        t.replacen(
            "label = \"技术名称\"\nkind = \"text\"\nmax_chars = 40",
            "label = \"技术成果名称\"\nkind = \"text\"\nmax_chars = 30",
            1,
        )
    });
    let forms_dir = dir.path().to_str().unwrap();
    let r = run(&["forms", "--forms", forms_dir]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("覆盖目录"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("tech_name                技术成果名称  text ≤30字 必填"),
        "{}",
        r.stdout
    );

    let draft = with(
        fixture("leading_tech-equipment"),
        "tech_name",
        json!("名".repeat(35)),
    );
    let path = write_temp(dir.path(), "d.json", draft.to_json().as_bytes());
    let r = run(&["--forms", forms_dir, "validate", &path]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("「技术成果名称」不超过 30 字，现有 35 字"),
        "{}",
        r.stdout
    );
    assert_eq!(
        run(&["validate", &path]).code,
        0,
        "the embedded limit is 40"
    );
}

#[test]
fn a_broken_override_is_refused_with_file_and_line() {
    let dir = override_dir(|t| t.replacen("kind = \"textarea\"", "kind = \"essay\"", 1));
    let forms_dir = dir.path().to_str().unwrap();
    let r = run(&["forms", "--forms", forms_dir]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("leading_tech.toml 第 "), "{}", r.stderr);
    assert!(r.stderr.contains("不认识的取值 essay"), "{}", r.stderr);
    // validate goes on with the embedded definitions and says so.
    let path = fixture_path("leading_tech-equipment.json");
    let r = run(&["validate", path.to_str().unwrap(), "--forms", forms_dir]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("警告：表单定义文件"), "{}", r.stderr);
    assert!(r.stderr.contains("已改用内置的表单定义"), "{}", r.stderr);
}

#[test]
fn template_writes_the_blank_form_and_asks_for_a_domain_where_one_is_needed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("空白.docx");
    let out_s = out.to_str().unwrap();
    // 先导技术榜 without a domain: exit 2, the domains listed, nothing written.
    let r = run(&["template", "先导技术榜", "-o", out_s]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("--domain") && r.stderr.contains("产业基础（industrial_foundation）"),
        "{}",
        r.stderr
    );
    assert!(!out.exists());
    // An unknown list or domain, a domain where there are none: exit 2, in Chinese.
    for args in [
        vec!["template", "某某榜", "-o", out_s],
        vec!["template", "leading_tech", "--domain", "太空", "-o", out_s],
        vec![
            "template",
            "新锐企业榜",
            "--domain",
            "equipment",
            "-o",
            out_s,
        ],
    ] {
        let r = run(&args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.starts_with("错误："), "{args:?}: {}", r.stderr);
        assert!(!out.exists());
    }
    // By name or id: the blank form, which imports as an empty draft of that list and domain.
    for (args, list, domain) in [
        (
            vec![
                "template",
                "先导技术榜",
                "--domain",
                "产业基础",
                "-o",
                out_s,
            ],
            "leading_tech",
            Some("industrial_foundation"),
        ),
        (
            vec!["template", "tech_manager", "-o", out_s],
            "tech_manager",
            None,
        ),
    ] {
        let r = run(&args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert!(r.stdout.contains("已写出空白申报表"), "{}", r.stdout);
        let draft_path = dir.path().join("读回.json");
        let r = run(&["import", out_s, "-o", draft_path.to_str().unwrap()]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(r.stdout.contains("模板填写"), "{}", r.stdout);
        let draft: Value = serde_json::from_slice(&std::fs::read(&draft_path).unwrap()).unwrap();
        assert_eq!(draft["list"], list);
        assert_eq!(draft.get("domain").and_then(Value::as_str), domain);
        assert_eq!(draft["values"], json!({}));
    }
}

/// Every `--help`, of every command and of the commands under them (`drafts trash`), has
/// Chinese headings: no 「Commands:」, 「Options:」, 「Usage:」 or 「Arguments:」.
#[test]
fn every_help_is_in_chinese_at_every_level() {
    let top = run(&["--help"]).stdout;
    let names = |help: &str| -> Vec<String> {
        help.split("命令:")
            .nth(1)
            .unwrap_or("")
            .lines()
            .skip(1)
            .take_while(|l| l.starts_with("  "))
            .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
            .collect()
    };
    let mut seen = 0;
    let mut paths: Vec<Vec<String>> = names(&top).into_iter().map(|n| vec![n]).collect();
    while let Some(path) = paths.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let help = run(&args).stdout;
        seen += 1;
        for english in [
            "Commands:",
            "Options:",
            "Usage:",
            "Arguments:",
            "Print help",
        ] {
            assert!(!help.contains(english), "{path:?}: {help}");
        }
        assert!(help.contains("用法："), "{path:?}: {help}");
        for sub in names(&help) {
            let mut deeper = path.clone();
            deeper.push(sub);
            paths.push(deeper);
        }
    }
    assert!(seen >= 15, "{seen} helps read");
}

/// `drafts trash --empty` empties the trash only when confirmed: with --yes, or 「y」 typed at a
/// terminal; piped without --yes it refuses (exit 2) and deletes nothing.
#[test]
fn drafts_trash_empty_asks_before_deleting_for_good() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let store = kczg_form::store::Store::at(dir.path()).unwrap();
    let id = store.create(&fixture("tech_manager")).unwrap();
    store.delete(&id).unwrap();
    let r = run(&["drafts", "trash", "--empty", "--data-dir", data]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("请加 --yes"), "{}", r.stderr);
    assert_eq!(store.trashed().len(), 1, "nothing deleted");
    let r = run(&["drafts", "trash", "--empty", "--yes", "--data-dir", data]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("永久删除了 1 份"), "{}", r.stdout);
    assert!(store.trashed().is_empty());
    let r = run(&["drafts", "trash", "--empty", "--yes", "--data-dir", data]);
    assert!(r.stdout.contains("回收站是空的"), "{}", r.stdout);
}
