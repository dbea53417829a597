//! The draft JSON (forms.md §10): one applicant's values for one list, the exchange format
//! between the app, its draft store and the secretariat.
//!
//! Reading is all-or-nothing: a file of another format, a newer version or malformed JSON is
//! refused with a reason, never half-read. Unknown keys (top level, in `values`, in `meta`) are
//! kept and written back unchanged.

use serde_json::{Map, Value};

/// `format` of every draft.
pub const FORMAT: &str = "kczg-form/draft";
/// The newest draft version this build reads and the one it writes.
pub const VERSION: u64 = 1;
/// A draft file larger than this is refused: a maximal form (every text at its limit, 200 rows
/// in every table) is under 0.5 MB. The limit also bounds the memory a hostile file can take.
pub const MAX_DRAFT_BYTES: usize = 4 * 1024 * 1024;

/// One application in progress.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    /// The call's year it was made for, as text ("2023").
    pub call: String,
    /// List id (`leading_tech`, …).
    pub list: String,
    /// Domain id, only for `leading_tech`.
    pub domain: Option<String>,
    /// Field id → value; tables are arrays of row objects.
    pub values: Map<String, Value>,
    /// created / updated timestamps and anything else a tool put there.
    pub meta: Map<String, Value>,
    /// Top-level keys this version does not know, kept as they were.
    pub extra: Map<String, Value>,
}

/// Why a file is not a draft we can read. Messages are for people, in Chinese.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DraftError {
    #[error("文件过大（{size} 字节，上限 {limit} 字节），不是申报草稿")]
    TooLarge { size: usize, limit: usize },
    #[error(
        "不是有效的 JSON（第 {line} 行第 {column} 列：{problem}）。请确认选择的是本程序保存的申报草稿 .json 文件"
    )]
    Json {
        line: usize,
        column: usize,
        problem: String,
    },
    #[error("不是申报草稿：format 应为「{FORMAT}」，这里是「{0}」")]
    WrongFormat(String),
    #[error(
        "该草稿的格式版本为 {0}，本程序只能读取版本 {VERSION} 及以前的草稿。请升级本程序后再打开"
    )]
    NewerVersion(u64),
    #[error("草稿中的 {key} 不正确：{expected}")]
    BadKey {
        key: &'static str,
        expected: &'static str,
    },
}

/// A field whose text had characters removed on reading (see [`Draft::strip_control_chars`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cleaned {
    /// `field` or `table[row].column`.
    pub path: String,
    pub removed: usize,
}

impl Draft {
    /// An empty draft for a list (and domain) of the call `year`.
    pub fn new(call: impl Into<String>, list: impl Into<String>, domain: Option<String>) -> Draft {
        Draft {
            call: call.into(),
            list: list.into(),
            domain,
            values: Map::new(),
            meta: Map::new(),
            extra: Map::new(),
        }
    }

    /// Parses a draft from the bytes of a file.
    pub fn from_slice(bytes: &[u8]) -> Result<Draft, DraftError> {
        if bytes.len() > MAX_DRAFT_BYTES {
            return Err(DraftError::TooLarge {
                size: bytes.len(),
                limit: MAX_DRAFT_BYTES,
            });
        }
        let value: Value = serde_json::from_slice(bytes).map_err(json_error)?;
        Draft::from_value(value)
    }

    pub fn from_json(text: &str) -> Result<Draft, DraftError> {
        Draft::from_slice(text.as_bytes())
    }

    /// Takes a draft apart from an already parsed JSON value.
    pub fn from_value(value: Value) -> Result<Draft, DraftError> {
        let Value::Object(mut top) = value else {
            return Err(DraftError::BadKey {
                key: "顶层",
                expected: "应为一个 JSON 对象 { … }",
            });
        };
        match top.remove("format") {
            Some(Value::String(f)) if f == FORMAT => {}
            Some(Value::String(f)) => return Err(DraftError::WrongFormat(f)),
            Some(other) => return Err(DraftError::WrongFormat(other.to_string())),
            None => return Err(DraftError::WrongFormat("（缺少 format）".into())),
        }
        match top.remove("version") {
            Some(Value::Number(n)) => match n.as_u64() {
                Some(v) if v > VERSION => return Err(DraftError::NewerVersion(v)),
                Some(v) if v >= 1 => {}
                _ => return bad("version", "应为正整数"),
            },
            _ => return bad("version", "应为正整数，如 1"),
        }
        let call = match top.remove("call") {
            Some(Value::String(s)) => s,
            // A year written as a number is unambiguous; accept it.
            Some(Value::Number(n)) if n.is_u64() => n.to_string(),
            _ => return bad("call", "应为征集年份，如 \"2023\""),
        };
        let Some(Value::String(list)) = top.remove("list") else {
            return bad("list", "应为榜单代号，如 \"leading_tech\"");
        };
        let domain = match top.remove("domain") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(_) => return bad("domain", "应为领域代号，如 \"electronic_info\""),
        };
        let values = match top.remove("values") {
            Some(Value::Object(m)) => m,
            _ => return bad("values", "应为一个对象 { 字段: 值 }"),
        };
        let meta = match top.remove("meta") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) => m,
            Some(_) => return bad("meta", "应为一个对象"),
        };
        Ok(Draft {
            call,
            list,
            domain,
            values,
            meta,
            extra: top,
        })
    }

    /// The draft as a JSON value, known keys first, unknown keys after them.
    pub fn to_value(&self) -> Value {
        let mut top = Map::new();
        top.insert("format".into(), FORMAT.into());
        top.insert("version".into(), VERSION.into());
        top.insert("call".into(), self.call.clone().into());
        top.insert("list".into(), self.list.clone().into());
        if let Some(d) = &self.domain {
            top.insert("domain".into(), d.clone().into());
        }
        top.insert("values".into(), Value::Object(self.values.clone()));
        top.insert("meta".into(), Value::Object(self.meta.clone()));
        for (k, v) in &self.extra {
            top.insert(k.clone(), v.clone());
        }
        Value::Object(top)
    }

    /// Pretty-printed JSON, as saved to disk.
    pub fn to_json(&self) -> String {
        // Serialising a Value with string keys cannot fail.
        serde_json::to_string_pretty(&self.to_value()).unwrap_or_default() + "\n"
    }

    /// A field's value; `domain` reads the top-level key (forms.md §10).
    pub fn get(&self, id: &str) -> Option<&Value> {
        if id == "domain" {
            return None;
        }
        self.values.get(id)
    }

    /// A field's value as text, for choices and conditions. `domain` is answered from the top level.
    pub fn text(&self, id: &str) -> Option<&str> {
        if id == "domain" {
            return self.domain.as_deref();
        }
        self.values.get(id).and_then(Value::as_str)
    }

    /// Removes characters that XML 1.0 forbids (C0 controls other than tab, line feed and carriage
    /// return; U+FFFE, U+FFFF) from every string in `values`, including unknown keys, and says where.
    pub fn strip_control_chars(&mut self) -> Vec<Cleaned> {
        let mut cleaned = Vec::new();
        for (key, value) in self.values.iter_mut() {
            strip_value(value, key.clone(), &mut cleaned);
        }
        cleaned
    }
}

fn bad<T>(key: &'static str, expected: &'static str) -> Result<T, DraftError> {
    Err(DraftError::BadKey { key, expected })
}

fn json_error(e: serde_json::Error) -> DraftError {
    use serde_json::error::Category;
    let text = e.to_string();
    let problem = if text.contains("recursion limit") {
        "嵌套层数过多".to_owned()
    } else {
        match e.classify() {
            Category::Eof => "文件在中途结束，可能在保存时被中断".to_owned(),
            Category::Syntax if text.contains("invalid unicode") || text.contains("UTF-8") => {
                "不是 UTF-8 编码的文本".to_owned()
            }
            Category::Syntax => "语法错误".to_owned(),
            Category::Data | Category::Io => "内容不符合 JSON 格式".to_owned(),
        }
    };
    DraftError::Json {
        line: e.line(),
        column: e.column(),
        problem,
    }
}

/// Whether XML 1.0 forbids this character.
pub fn is_xml_forbidden(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}')
}

fn strip_value(value: &mut Value, path: String, out: &mut Vec<Cleaned>) {
    match value {
        Value::String(s) => {
            let before = s.chars().count();
            if s.chars().any(is_xml_forbidden) {
                s.retain(|c| !is_xml_forbidden(c));
                out.push(Cleaned {
                    path,
                    removed: before - s.chars().count(),
                });
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                let sub = match item {
                    Value::Object(_) => format!("{path}[{i}]"),
                    _ => path.clone(),
                };
                strip_value(item, sub, out);
            }
        }
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                strip_value(v, format!("{path}.{k}"), out);
            }
        }
        _ => {}
    }
}
