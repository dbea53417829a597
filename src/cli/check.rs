//! `validate` and `forms`: findings for people or as JSON, and the loaded definitions.

use super::*;

pub(super) fn forms(dir: Option<&Path>) -> ExitCode {
    let defs = match dir {
        None => Definitions::embedded(),
        Some(dir) => match Definitions::with_override(dir) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("错误：{e}");
                eprintln!(
                    "覆盖目录未被采用：请修改该文件后重试（其他命令在此期间使用内置的表单定义）。"
                );
                return ExitCode::from(2);
            }
        },
    };
    print!("{}", describe(&defs));
    ExitCode::SUCCESS
}

/// The `forms` listing: the call, then every list with its domains, sections and field ids.
pub(super) fn describe(defs: &Definitions) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let origin = match &defs.origin {
        Origin::Embedded => "内置".to_owned(),
        Origin::Override(dir) => format!("覆盖目录 {}", dir.display()),
    };
    let call = &defs.call;
    let _ = writeln!(out, "表单定义：{origin}");
    let _ = writeln!(
        out,
        "征集：{}（{} 至 {}），提交邮箱 {}",
        call.title, call.window.start, call.window.end, call.submission_email
    );
    for form in &defs.forms {
        let _ = writeln!(
            out,
            "\n{} [{}]  {}",
            form.name,
            form.id,
            call.form_title(form)
        );
        if !form.domains.is_empty() {
            let domains: Vec<String> = form
                .domains
                .iter()
                .map(|d| format!("{} {}", d.id, d.name))
                .collect();
            let _ = writeln!(out, "  领域：{}", domains.join(" · "));
        }
        for section in &form.sections {
            let _ = writeln!(out, "  [{}] {}", section.id, section.title);
            for field in &section.fields {
                let _ = writeln!(
                    out,
                    "    {:<24} {}  {}",
                    field.id,
                    field.label,
                    limits(field)
                );
                for column in &field.columns {
                    let _ = writeln!(
                        out,
                        "      .{:<21} {}  {}",
                        column.id,
                        column.label,
                        limits(column)
                    );
                }
            }
        }
    }
    out
}

pub(super) fn limits(field: &kczg_form::schema::Field) -> String {
    let mut parts = vec![field.kind.name().to_owned()];
    if let Some(f) = field.format {
        parts.push(format!("{f:?}").to_lowercase());
    }
    match (field.min_chars, field.max_chars) {
        (Some(lo), Some(hi)) => parts.push(format!("{lo}–{hi}字")),
        (None, Some(hi)) => parts.push(format!("≤{hi}字")),
        _ => {}
    }
    if field.kind == Kind::Table {
        let hi = field.max_rows.map_or(String::new(), |m| m.to_string());
        parts.push(format!("{}–{hi}行", field.min_rows));
    }
    if let Some(u) = &field.unit {
        parts.push(u.clone());
    }
    if field.required {
        parts.push("必填".into());
    }
    if field.visible_if.is_some() {
        parts.push("按条件显示".into());
    }
    parts.join(" ")
}

pub(super) fn validate(defs: &Definitions, path: &Path, json: bool) -> ExitCode {
    let (Opened { submission, .. }, form) = match open_draft(defs, path) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let report = kczg_form::intake::check(defs, &submission, chrono::Local::now().date_naive());
    let (draft, findings) = (&submission.draft, &report.findings);
    if json {
        println!("{}", report_json(path, form, draft, findings));
    } else {
        print!("{}", report_text(path, form, draft, findings));
    }
    if report.errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The report as JSON: each finding's `condition` is the condition's id, `condition_label`
/// its label.
pub(super) fn report_json(path: &Path, form: &Form, draft: &Draft, findings: &[Finding]) -> String {
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let findings: Vec<serde_json::Value> = findings
        .iter()
        .map(|f| {
            serde_json::json!({
                "field": f.field,
                "severity": f.severity,
                "message": f.message,
                "condition": f.condition,
                "condition_label": f.condition.as_deref().and_then(|c| form.condition(c)).map(|c| &c.label),
            })
        })
        .collect();
    let report = serde_json::json!({
        "file": path.display().to_string(),
        "list": draft.list,
        "domain": draft.domain,
        "errors": count(Severity::Error),
        "warnings": count(Severity::Warning),
        "findings": findings,
    });
    serde_json::to_string_pretty(&report).unwrap_or_default()
}

pub(super) fn report_text(path: &Path, form: &Form, draft: &Draft, findings: &[Finding]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let domain = draft
        .domain
        .as_deref()
        .map(|d| {
            form.domain(d)
                .map_or(d.to_owned(), |x| format!("·{}", x.name))
        })
        .unwrap_or_default();
    let _ = writeln!(out, "{}：{}{}", path.display(), form.name, domain);
    for f in findings {
        let level = match f.severity {
            Severity::Error => "错误",
            Severity::Warning => "提醒",
        };
        let condition = f
            .condition
            .as_deref()
            .and_then(|c| form.condition(c))
            .map(|c| format!("（{}）", c.label))
            .unwrap_or_default();
        // A note about the whole document has no field.
        let field = if f.field.is_empty() {
            "整份文档"
        } else {
            &f.field
        };
        let _ = writeln!(out, "  {level}  {field}  {}{condition}", f.message);
    }
    let errors = findings.iter().filter(|f| f.is_error()).count();
    let warnings = findings.len() - errors;
    let verdict = if errors == 0 {
        "可以导出"
    } else {
        "请先改正错误"
    };
    let _ = writeln!(out, "共 {errors} 个错误、{warnings} 个提醒：{verdict}。");
    out
}
