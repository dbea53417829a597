//! The draft JSON (forms.md §10): one applicant's values for one list, the exchange format
//! between the app, its draft store and the secretariat.
//!
//! Reading is all-or-nothing: a file of another format, a newer version or malformed JSON is
//! refused with a reason, never half-read. Unknown keys (top level, in `values`, in `meta`) are
//! kept and written back unchanged — numbers included: a value holding a number that a 64-bit
//! float does not carry exactly (`123000000000000000000000000001`, `3000.50`) keeps its text
//! and is written back as it came, for as long as it is not edited. Numbers still compare by
//! value (`3000.50` equals `3000.5`), so no false edits are reported.

use std::collections::HashMap;

use serde::Serialize;
use serde::ser::SerializeMap;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// `format` of every draft.
pub const FORMAT: &str = "kczg-form/draft";
/// The newest draft version this build reads and the one it writes.
pub const VERSION: u64 = 1;
/// The field whose value the file keeps at its top level, beside `list` (forms.md §10).
pub const DOMAIN: &str = "domain";
/// A draft file larger than this is refused (see [`crate::limits::DRAFT_BYTES`]).
pub const MAX_DRAFT_BYTES: usize = crate::limits::DRAFT_BYTES as usize;

/// One application in progress.
#[derive(Debug, Clone)]
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
    /// The text of values that hold inexact numbers, as read, with the value it was read as:
    /// written back as it came while the value is unchanged.
    exact: HashMap<(Scope, String), ExactText>,
}

/// Drafts are equal when their values are; how a number was written does not matter.
impl PartialEq for Draft {
    fn eq(&self, other: &Draft) -> bool {
        self.call == other.call
            && self.list == other.list
            && self.domain == other.domain
            && self.values == other.values
            && self.meta == other.meta
            && self.extra == other.extra
    }
}

/// Where a kept text belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Scope {
    Values,
    Meta,
    Top,
}

#[derive(Debug, Clone)]
struct ExactText {
    /// The value the text was read as; the text is used only while the value is still this.
    read_as: Value,
    text: Box<RawValue>,
}

/// Why a file is not a draft we can read. Messages are for people, in Chinese.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DraftError {
    #[error("文件过大（{size} 字节，上限 {limit} 字节），不是申报草稿")]
    TooLarge { size: usize, limit: usize },
    #[error("不是有效的 JSON（第 {line} 行第 {column} 列：{problem}）")]
    Json {
        line: usize,
        column: usize,
        problem: String,
    },
    #[error(
        "键「{0}」在同一处出现了两次，无法确定以哪个为准。请用文本编辑器删去多余的一个后再打开"
    )]
    DuplicateKey(String),
    #[error("文件是 UTF-16 编码的文本。请用记事本等另存为 UTF-8 编码后再打开")]
    Utf16,
    #[error("草稿中的数据项过多（约 {count} 项，上限 {limit} 项），不是本程序保存的申报草稿")]
    TooManyItems { count: usize, limit: usize },
    #[error("不是申报草稿：format 应为「{FORMAT}」，这里是「{0}」")]
    WrongFormat(String),
    #[error(
        "该草稿的格式版本为 {0}，本程序只能读取版本 {VERSION} 及以前的草稿。请升级本程序后再打开"
    )]
    NewerVersion(u64),
    #[error("「{key}」不正确：{expected}")]
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
            exact: HashMap::new(),
        }
    }

    /// Parses a draft from the bytes of a file.
    pub fn from_slice(bytes: &[u8]) -> Result<Draft, DraftError> {
        Draft::from_slice_within(bytes, MAX_DRAFT_BYTES)
    }

    /// Parses a draft of at most `limit` bytes (the draft inside a .docx is written with `&`,
    /// `<` and `>` escaped, so its JSON may be longer than the file it came from).
    pub fn from_slice_within(bytes: &[u8], limit: usize) -> Result<Draft, DraftError> {
        if bytes.len() > limit {
            return Err(DraftError::TooLarge {
                size: bytes.len(),
                limit,
            });
        }
        if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
            return Err(DraftError::Utf16);
        }
        // Windows Notepad begins UTF-8 with a byte-order mark: the same text.
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        // Counted before parsing: memory follows the number of values, not the bytes.
        let count = json_items(bytes);
        if count > crate::limits::DRAFT_ITEMS {
            return Err(DraftError::TooManyItems {
                count,
                limit: crate::limits::DRAFT_ITEMS,
            });
        }
        // A key given twice would lose one of its values in silence: refused, named.
        if let Some(key) = duplicate_key(bytes) {
            return Err(DraftError::DuplicateKey(key));
        }
        let value: Value = serde_json::from_slice(bytes).map_err(json_error)?;
        let mut draft = Draft::from_value(value)?;
        draft.keep_exact_texts(bytes);
        Ok(draft)
    }

    /// Remembers the text of every value holding a number that `f64` may not carry exactly.
    fn keep_exact_texts(&mut self, bytes: &[u8]) {
        let inexact = |v: &Value| holds_float(v);
        if !self.values.values().any(inexact)
            && !self.meta.values().any(inexact)
            && !self.extra.values().any(inexact)
        {
            return;
        }
        let Ok(top) = serde_json::from_slice::<RawMap>(bytes) else {
            return;
        };
        let nested = |key: &str| {
            top.get(key)
                .and_then(|raw| serde_json::from_str::<RawMap>(raw.get()).ok())
                .unwrap_or_default()
        };
        let (values, meta) = (nested("values"), nested("meta"));
        let mut exact = HashMap::new();
        let sources = [
            (Scope::Values, &self.values, &values),
            (Scope::Meta, &self.meta, &meta),
            (Scope::Top, &self.extra, &top),
        ];
        for (scope, map, raws) in sources {
            for (key, value) in map.iter().filter(|(_, v)| inexact(v)) {
                if let Some(text) = raws.get(key) {
                    let kept = ExactText {
                        read_as: value.clone(),
                        text: text.clone(),
                    };
                    exact.insert((scope, key.clone()), kept);
                }
            }
        }
        self.exact = exact;
    }

    /// The kept text of a value, when it is still the value it was read as.
    fn exact_text(&self, scope: Scope, key: &str, value: &Value) -> Option<&RawValue> {
        // Only drafts read with inexact numbers keep texts; the others skip the lookup.
        if self.exact.is_empty() {
            return None;
        }
        self.exact
            .get(&(scope, key.to_owned()))
            .filter(|e| &e.read_as == value)
            .map(|e| e.text.as_ref())
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
            exact: HashMap::new(),
        })
    }

    /// The draft as a JSON value, known keys first, unknown keys after them. Numbers beyond
    /// `f64` are rounded in a `Value`: to write a draft, serialise the draft itself.
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
        // Serialising maps with string keys cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// JSON on one line (inside a .docx).
    pub fn to_compact_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The JSON to save in a file: pretty when that fits in [`MAX_DRAFT_BYTES`], else compact
    /// (indentation must not make a draft too large to open again). A draft read from a file
    /// always fits compactly; one typed larger does not, which the writer checks.
    pub fn to_file_json(&self) -> String {
        let pretty = self.to_json();
        if pretty.len() <= MAX_DRAFT_BYTES {
            return pretty;
        }
        self.to_compact_json() + "\n"
    }

    /// Any field's value, `domain` included: the one place that knows the domain is kept at
    /// the top level of the file (forms.md §10) rather than among the values.
    pub fn value(&self, id: &str) -> Option<std::borrow::Cow<'_, Value>> {
        if id == DOMAIN {
            return self
                .domain
                .clone()
                .map(|d| std::borrow::Cow::Owned(Value::String(d)));
        }
        self.values.get(id).map(std::borrow::Cow::Borrowed)
    }

    /// Sets (or with None removes) any field's value, `domain` included (see [`Draft::value`]).
    pub fn set(&mut self, id: &str, value: Option<Value>) {
        if id == DOMAIN {
            self.domain = value.map(|v| match v {
                Value::String(s) => s,
                other => other.to_string(),
            });
            return;
        }
        match value {
            Some(v) => {
                self.values.insert(id.to_owned(), v);
            }
            None => {
                self.values.shift_remove(id);
            }
        }
    }

    /// A value among `values` (not `domain`, which [`Draft::value`] answers).
    pub fn get(&self, id: &str) -> Option<&Value> {
        if id == DOMAIN {
            return None;
        }
        self.values.get(id)
    }

    /// A field's value as text, for choices and conditions. `domain` is answered from the top level.
    pub fn text(&self, id: &str) -> Option<&str> {
        if id == DOMAIN {
            return self.domain.as_deref();
        }
        self.values.get(id).and_then(Value::as_str)
    }

    /// Whether some string in `values` holds a character XML 1.0 forbids (cheap: no copy).
    pub fn has_control_chars(&self) -> bool {
        fn any(v: &Value) -> bool {
            match v {
                Value::String(s) => s.chars().any(is_xml_forbidden),
                Value::Array(items) => items.iter().any(any),
                Value::Object(map) => map.values().any(any),
                _ => false,
            }
        }
        self.values.values().any(any)
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

/// Serialises as the draft JSON, with kept number texts written as they came.
impl Serialize for Draft {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut top = s.serialize_map(None)?;
        top.serialize_entry("format", FORMAT)?;
        top.serialize_entry("version", &VERSION)?;
        top.serialize_entry("call", &self.call)?;
        top.serialize_entry("list", &self.list)?;
        if let Some(d) = &self.domain {
            top.serialize_entry("domain", d)?;
        }
        top.serialize_entry("values", &Exact(self, Scope::Values, &self.values))?;
        top.serialize_entry("meta", &Exact(self, Scope::Meta, &self.meta))?;
        for (k, v) in &self.extra {
            match self.exact_text(Scope::Top, k, v) {
                Some(raw) => top.serialize_entry(k, raw)?,
                None => top.serialize_entry(k, v)?,
            }
        }
        top.end()
    }
}

/// One of the draft's maps, with kept texts.
struct Exact<'a>(&'a Draft, Scope, &'a Map<String, Value>);

impl Serialize for Exact<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Exact(draft, scope, map) = *self;
        let mut out = s.serialize_map(Some(map.len()))?;
        for (k, v) in map {
            match draft.exact_text(scope, k, v) {
                Some(raw) => out.serialize_entry(k, raw)?,
                None => out.serialize_entry(k, v)?,
            }
        }
        out.end()
    }
}

/// The first key that appears twice in one object, if any (None also for text that is not
/// JSON: the parser then says what is wrong).
fn duplicate_key(bytes: &[u8]) -> Option<String> {
    use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
    use std::collections::HashSet;
    use std::fmt;

    /// Walks a value; fails with the duplicate key as its message.
    struct Walk;
    impl<'de> DeserializeSeed<'de> for Walk {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }
    impl<'de> Visitor<'de> for Walk {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("JSON")
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while seq.next_element_seed(Walk)?.is_some() {}
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut seen = HashSet::new();
            while let Some(key) = map.next_key::<String>()? {
                if !seen.insert(key.clone()) {
                    return Err(serde::de::Error::custom(format!("\u{0}{key}")));
                }
                map.next_value_seed(Walk)?;
            }
            Ok(())
        }
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match Walk.deserialize(&mut de) {
        Err(e) => {
            let text = e.to_string();
            let key = text.strip_prefix('\u{0}')?;
            // serde_json appends " at line L column C".
            let key = key.rsplit_once(" at line ").map_or(key, |(k, _)| k);
            Some(key.to_owned())
        }
        Ok(()) => None,
    }
}

/// About how many values a JSON text holds: separators and containers outside strings (an
/// upper bound of what parsing it would allocate, found without allocating).
fn json_items(bytes: &[u8]) -> usize {
    let (mut count, mut in_string, mut escaped) = (1usize, false, false);
    for &b in bytes {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
        } else {
            match b {
                b'"' => in_string = true,
                b',' | b'[' | b'{' => count += 1,
                _ => {}
            }
        }
    }
    count
}

/// Raw JSON texts by key (a later duplicate key wins, as in `Value`).
type RawMap = std::collections::HashMap<String, Box<RawValue>>;

/// Whether a value holds a number stored as `f64` (possibly rounded from its text).
fn holds_float(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.is_f64(),
        Value::Array(items) => items.iter().any(holds_float),
        Value::Object(map) => map.values().any(holds_float),
        _ => false,
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
    } else if text.contains("number out of range") {
        "数字超出可以表示的范围（如 1e400），请改为合理的数值".to_owned()
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
