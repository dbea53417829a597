//! Reading the definition files (embedded or from an override folder); [`super::resolve`]
//! turns each form file into a [`Form`].

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use serde::de::DeserializeOwned;

use super::raw::RawBlocks;
use super::resolve::{Refs, resolve_form};
use super::{Call, Definitions, Origin, Regions, SmeTable};

/// The default definitions, embedded at build time: (path under `assets/`, contents).
pub static EMBEDDED_FILES: &[(&str, &str)] = &[
    (
        "call-2023.toml",
        include_str!("../../assets/call-2023.toml"),
    ),
    ("regions.toml", include_str!("../../assets/regions.toml")),
    (
        "sme-thresholds.toml",
        include_str!("../../assets/sme-thresholds.toml"),
    ),
    ("blocks.toml", include_str!("../../assets/blocks.toml")),
    ("review.toml", include_str!("../../assets/review.toml")),
    (
        "forms/leading_tech.toml",
        include_str!("../../assets/forms/leading_tech.toml"),
    ),
    (
        "forms/emerging_enterprise.toml",
        include_str!("../../assets/forms/emerging_enterprise.toml"),
    ),
    (
        "forms/innovation_org.toml",
        include_str!("../../assets/forms/innovation_org.toml"),
    ),
    (
        "forms/tech_manager.toml",
        include_str!("../../assets/forms/tech_manager.toml"),
    ),
];

/// A definition file larger than this is refused (the real ones are about 15 KB).
const MAX_FILE_BYTES: u64 = crate::limits::DEFINITION_BYTES;

/// A definition file that cannot be used, with where and why, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("表单定义文件 {file}{}：{reason}", line.map(|l| format!(" 第 {l} 行")).unwrap_or_default())]
pub struct DefinitionError {
    /// The file as a person would find it (the override folder's path, or `内置/…`).
    pub file: String,
    pub line: Option<usize>,
    pub reason: String,
}

pub(super) fn load_embedded() -> Definitions {
    let files = EMBEDDED_FILES
        .iter()
        .map(|(path, text)| (path.to_string(), Source::embedded(path, text)))
        .collect();
    // The embedded files are ours and a test loads them; failing here is a build defect.
    build(files, Origin::Embedded).unwrap_or_else(|e| panic!("内置表单定义有误：{e}"))
}

pub(super) fn load_override(dir: &Path) -> Result<Definitions, DefinitionError> {
    let whole = |reason: String| DefinitionError {
        file: dir.display().to_string(),
        line: None,
        reason,
    };
    if !dir.is_dir() {
        return Err(whole(
            "不是一个文件夹，或无法访问。请检查 --forms 后面的路径".into(),
        ));
    }
    let mut files: BTreeMap<String, Source> = EMBEDDED_FILES
        .iter()
        .map(|(path, text)| (path.to_string(), Source::embedded(path, text)))
        .collect();
    let mut found = Vec::new();
    for sub in ["", "forms"] {
        let folder = dir.join(sub);
        if !folder.is_dir() {
            continue;
        }
        let entries = std::fs::read_dir(&folder)
            .map_err(|e| whole(format!("无法读取文件夹：{}", read_reason(&e))))?;
        for entry in entries {
            let entry = entry.map_err(|e| whole(format!("无法读取文件夹：{}", read_reason(&e))))?;
            let path = entry.path();
            // A .toml that is not a regular file (a FIFO, a folder) is read below and refused
            // with its reason, never skipped in silence nor waited on.
            if path.extension().and_then(|e| e.to_str()) != Some("toml") {
                continue;
            }
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            let rel = if sub.is_empty() {
                name.to_owned()
            } else {
                format!("forms/{name}")
            };
            found.push((rel, path));
        }
    }
    found.sort();
    if found.is_empty() {
        return Err(whole(
            "其中没有任何 .toml 表单定义文件（应为 call-2023.toml、blocks.toml、forms/*.toml 等）"
                .into(),
        ));
    }
    if found.iter().any(|(rel, _)| is_call_file(rel)) {
        files.retain(|rel, _| !is_call_file(rel));
    }
    for (rel, path) in found {
        let known = is_call_file(&rel)
            || matches!(
                rel.as_str(),
                "regions.toml" | "sme-thresholds.toml" | "blocks.toml" | "review.toml"
            )
            || rel.starts_with("forms/");
        let shown = path.display().to_string();
        if !known {
            return Err(DefinitionError {
                file: shown,
                line: None,
                reason: "不认识的文件名。可用的文件：call-<年份>.toml、regions.toml、sme-thresholds.toml、blocks.toml、review.toml、forms/<榜单>.toml".into(),
            });
        }
        let text = read_limited(&path).map_err(|reason| DefinitionError {
            file: shown.clone(),
            line: None,
            reason,
        })?;
        files.insert(rel, Source { shown, text });
    }
    build(files, Origin::Override(dir.to_path_buf()))
}

fn is_call_file(rel: &str) -> bool {
    rel.starts_with("call-") && !rel.contains('/')
}

fn read_reason(e: &std::io::Error) -> &'static str {
    crate::files::reason(e, crate::files::Doing::Reading)
}

fn read_limited(path: &Path) -> Result<String, String> {
    crate::files::read_text(path, MAX_FILE_BYTES).map_err(|e| e.reason())
}

/// One definition file's text and how to name it in messages.
pub struct Source {
    pub(super) shown: String,
    pub(super) text: String,
}

impl Source {
    fn embedded(path: &str, text: &str) -> Source {
        Source {
            shown: format!("内置/{path}"),
            text: text.to_owned(),
        }
    }

    pub(super) fn error(
        &self,
        span: Option<Range<usize>>,
        reason: impl Into<String>,
    ) -> DefinitionError {
        DefinitionError {
            file: self.shown.clone(),
            line: span.map(|s| line_of(&self.text, s.start)),
            reason: reason.into(),
        }
    }

    pub(super) fn parse<T: DeserializeOwned>(&self) -> Result<T, DefinitionError> {
        toml::from_str(&self.text).map_err(|e| self.error(e.span(), explain_toml(e.message())))
    }
}

pub(super) fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The TOML reader's English message, said in Chinese where we recognise it.
fn explain_toml(message: &str) -> String {
    let quoted = |m: &str| m.split('`').nth(1).unwrap_or_default().to_owned();
    let tail = |m: &str| m.split_once(", expected").map(|(_, t)| t.trim().to_owned());
    if message.starts_with("missing field") {
        format!("缺少必需的键 {}", quoted(message))
    } else if message.starts_with("unknown field") {
        format!(
            "不认识的键 {}（可用的键：{}）",
            quoted(message),
            tail(message).unwrap_or_default()
        )
    } else if message.starts_with("unknown variant") {
        format!(
            "不认识的取值 {}（可用的取值：{}）",
            quoted(message),
            tail(message).unwrap_or_default()
        )
    } else if message.starts_with("invalid type") {
        // 「invalid type: integer `1`, expected a string」: the two kinds, in Chinese.
        let kind = |m: &str| {
            let m = m.trim();
            if m.contains("string") {
                "文字（带引号）"
            } else if m.contains("integer") || m.contains("float") {
                "数字"
            } else if m.contains("boolean") {
                "true 或 false"
            } else if m.contains("sequence") || m.contains("array") {
                "列表 [ … ]"
            } else if m.contains("map") || m.contains("table") || m.contains("struct") {
                "表 { … }"
            } else {
                "另一种写法"
            }
        };
        match message.split_once(", expected") {
            Some((found, wanted)) => format!(
                "取值的类型不对：这里应为{}，写成了{}",
                kind(wanted),
                kind(found.trim_start_matches("invalid type:"))
            ),
            None => "取值的类型不对".into(),
        }
    } else if message.starts_with("input contains invalid characters")
        || message.contains("premature end of input")
    {
        "日期格式不对，应写成带引号的 \"YYYY-MM-DD\"".into()
    } else if message.contains("did not match any variant") {
        "取值的写法不对：选项应写成 \"文字\" 或 { value = \"…\", label = \"…\" }，condition 应写成 \"c1\" 或 [\"c1\", \"c2\"]".into()
    } else if message.contains("duplicate key") {
        format!("键 {} 重复", quoted(message))
    } else if message.contains("recurse") || message.contains("recursion") {
        "嵌套层数过多".into()
    } else {
        // The reader's own words are English: the line (in the message's prefix) says where.
        "TOML 格式错误：请检查这一行的括号、引号、逗号和等号是否成对、完整".into()
    }
}

fn build(files: BTreeMap<String, Source>, origin: Origin) -> Result<Definitions, DefinitionError> {
    let calls: Vec<&Source> = files
        .iter()
        .filter(|(rel, _)| is_call_file(rel))
        .map(|(_, s)| s)
        .collect();
    let [call_src] = calls.as_slice() else {
        let file = calls
            .iter()
            .map(|s| s.shown.as_str())
            .collect::<Vec<_>>()
            .join("、");
        return Err(DefinitionError {
            file: if file.is_empty() {
                "call-*.toml".into()
            } else {
                file
            },
            line: None,
            reason: "应当有且只有一个征集文件 call-<年份>.toml".into(),
        });
    };
    let call: Call = call_src.parse()?;
    let required = |name: &str| {
        files.get(name).ok_or_else(|| DefinitionError {
            file: name.into(),
            line: None,
            reason: "缺少此文件".into(),
        })
    };
    let regions: Regions = required("regions.toml")?.parse()?;
    let sme: SmeTable = required("sme-thresholds.toml")?.parse()?;
    let blocks_src = required("blocks.toml")?;
    let blocks: RawBlocks = blocks_src.parse()?;

    let refs = Refs {
        call: &call,
        regions: &regions,
        sme: &sme,
        blocks: &blocks.blocks,
        blocks_src,
    };
    let mut forms = Vec::new();
    for (rel, src) in files.iter().filter(|(rel, _)| rel.starts_with("forms/")) {
        let form = resolve_form(src, &refs)?;
        let expected = rel.trim_start_matches("forms/").trim_end_matches(".toml");
        if form.id != expected {
            return Err(src.error(
                None,
                format!("id 为「{}」，应与文件名一致（{expected}）", form.id),
            ));
        }
        forms.push(form);
    }
    if forms.is_empty() {
        return Err(DefinitionError {
            file: "forms/".into(),
            line: None,
            reason: "没有任何申报表定义".into(),
        });
    }
    // Keep the order of the notice: the embedded lists first, in their order, then any others.
    let order = |id: &str| {
        EMBEDDED_FILES
            .iter()
            .position(|(p, _)| p.trim_start_matches("forms/").trim_end_matches(".toml") == id)
            .unwrap_or(usize::MAX)
    };
    forms.sort_by_key(|f| order(&f.id));
    let review = super::review::resolve(required("review.toml")?, &forms)?;
    let fingerprint = {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for (rel, src) in &files {
            rel.hash(&mut h);
            src.text.hash(&mut h);
        }
        h.finish()
    };
    Ok(Definitions {
        fingerprint,
        call,
        regions,
        sme,
        forms,
        review,
        origin,
    })
}
