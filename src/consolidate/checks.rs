//! Checks across submissions: duplicates, and matches against a list of previous winners.
//!
//! **Duplicates** are looked for within each list (an organisation may rightly appear on two
//! lists, e.g. a firm on 新锐企业榜 and its technology on 先导技术榜): two submissions of one
//! list are flagged when they have
//!
//! - the same identity code: the form's first field with the `uscc` format (holder_uscc,
//!   ent_uscc, org_uscc), or, for a form without one (技术经理人先锋榜), the first field with the
//!   `id_card` format (id_number) when given — compared after [`normalize::code`]; or
//! - the same name (the form's `name_field`) after [`normalize::name`].
//!
//! **Previous winners**: a list of names of earlier years' listed items, from a .txt (one name a
//! line), .csv (the column headed 名称, else the first column) or .xlsx (first sheet; the column
//! headed 名称, else the first column). Each submission's name is matched after
//! [`normalize::name`]:
//!
//! - *exact*: the normalised names are equal → 「入选历年“科创中国”…的不再纳入候选」;
//! - *close* (疑似), flagged separately for a person to judge: the shorter normalised name has
//!   at least 4 characters and either one contains the other, or their edit distance
//!   (Levenshtein, in characters) is at most 1 for names of 4–7 characters and at most 2 for
//!   names of 8 or more. Names shorter than 4 characters (a person's name) match exactly only.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::Submission;
use super::normalize;
use super::sheet::SparseRow;
use crate::schema::{Definitions, Form};

/// How many of a group's other submissions a row names (the rest are counted).
pub const NAMED_DUPLICATES: usize = 5;

/// Why submissions of one list look like one application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateReason {
    /// The same 统一社会信用代码 (or 身份证号码).
    Code,
    /// The same normalised name.
    Name,
    /// 先导技术榜: the same technology (normalised name) from the same holder (same code).
    SameTechnology,
    /// 先导技术榜: the same technology name from another holder — a weaker flag.
    NameOnly,
}

/// The group of submissions one row shares a reason with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Duplicate {
    pub reason: DuplicateReason,
    /// Some of the group's other submissions (indexes in the desk; 序号 is `index + 1`), at
    /// most [`NAMED_DUPLICATES`], in desk order.
    pub others: Vec<usize>,
    /// How many other submissions the group has in all.
    pub count: usize,
}

impl Duplicate {
    /// A weaker flag (名称相同), not 疑似重复.
    pub fn weak(&self) -> bool {
        self.reason == DuplicateReason::NameOnly
    }

    /// 「与第 3、7 行重复（同一统一社会信用代码）」, 「与第 5 行等 120 份名称相同（持有单位不同）」.
    pub fn describe(&self, code_label: &str) -> String {
        let rows: Vec<String> = self.others.iter().map(|i| (i + 1).to_string()).collect();
        let more = if self.count > self.others.len() {
            format!("等 {} 份", self.count)
        } else {
            String::new()
        };
        let rows = rows.join("、");
        match self.reason {
            DuplicateReason::Code => format!("与第 {rows} 行{more}重复（同一{code_label}）"),
            DuplicateReason::Name => format!("与第 {rows} 行{more}重复（同名）"),
            DuplicateReason::SameTechnology => {
                format!("与第 {rows} 行{more}重复（同一{code_label}的同名技术）")
            }
            DuplicateReason::NameOnly => {
                format!("与第 {rows} 行{more}名称相同（{code_label}不同，请核对是否为同一技术）")
            }
        }
    }
}

/// The field a form identifies an applicant by (its `code_field`: a USCC, or an ID number).
pub fn code_field(form: &Form) -> Option<&crate::schema::Field> {
    form.role_field(crate::schema::FieldRole::Code)
}

/// For each submission (by index), the groups of its list it shares a reason with, in linear
/// time: submissions are grouped by key (list and code, list and name, or for a list whose
/// duplicates are by holder and name — 先导技术榜, where one university puts forward many
/// technologies under one code — list, code and name), never compared pair by pair.
pub fn duplicates(defs: &Definitions, submissions: &[Submission]) -> Vec<Vec<Duplicate>> {
    type Key<'a> = (&'a str, String);
    let mut by_code: HashMap<Key, Vec<usize>> = HashMap::new();
    let mut by_name: HashMap<Key, Vec<usize>> = HashMap::new();
    // Per row: its code (normalised) when it has one.
    let mut codes: Vec<Option<String>> = vec![None; submissions.len()];
    let mut by_holder = vec![false; submissions.len()];
    for (i, s) in submissions.iter().enumerate() {
        let Some(form) = defs.form(&s.draft.list) else {
            continue;
        };
        let list = form.id.as_str();
        by_holder[i] = form.duplicates == crate::schema::Duplicates::HolderAndName;
        let code = code_field(form)
            .and_then(|f| s.draft.text(&f.id))
            .map(normalize::code)
            .filter(|c| !c.is_empty());
        let name = normalize::name(&crate::naming::application_name(form, &s.draft));
        if !by_holder[i]
            && let Some(code) = &code
        {
            by_code.entry((list, code.clone())).or_default().push(i);
        }
        if !name.is_empty() {
            by_name.entry((list, name)).or_default().push(i);
        }
        codes[i] = code;
    }
    let mut out: Vec<Vec<Duplicate>> = vec![Vec::new(); submissions.len()];
    let named = |members: &mut dyn Iterator<Item = usize>| -> Vec<usize> {
        members.take(NAMED_DUPLICATES).collect()
    };
    for group in by_code.values().filter(|g| g.len() > 1) {
        for &a in group {
            out[a].push(Duplicate {
                reason: DuplicateReason::Code,
                others: named(&mut group.iter().copied().filter(|&b| b != a)),
                count: group.len() - 1,
            });
        }
    }
    for group in by_name.values().filter(|g| g.len() > 1) {
        if !by_holder[group[0]] {
            for &a in group {
                out[a].push(Duplicate {
                    reason: DuplicateReason::Name,
                    others: named(&mut group.iter().copied().filter(|&b| b != a)),
                    count: group.len() - 1,
                });
            }
            continue;
        }
        // By holder: the same name under the same code is the same technology; under another
        // code (or none) only the name is the same.
        let mut holders: Vec<(Option<&String>, Vec<usize>)> = Vec::new();
        let mut at: HashMap<Option<&String>, usize> = HashMap::new();
        for &i in group {
            let code = codes[i].as_ref();
            let k = *at.entry(code).or_insert_with(|| {
                holders.push((code, Vec::new()));
                holders.len() - 1
            });
            holders[k].1.push(i);
        }
        for (h, (code, members)) in holders.iter().enumerate() {
            // Without a code, every other of the name is elsewhere.
            let own = if code.is_some() { members.len() } else { 1 };
            let elsewhere = group.len() - own;
            for &a in members {
                if code.is_some() && members.len() > 1 {
                    out[a].push(Duplicate {
                        reason: DuplicateReason::SameTechnology,
                        others: named(&mut members.iter().copied().filter(|&b| b != a)),
                        count: members.len() - 1,
                    });
                }
                if elsewhere > 0 {
                    out[a].push(Duplicate {
                        reason: DuplicateReason::NameOnly,
                        others: named(
                            &mut holders
                                .iter()
                                .enumerate()
                                .filter(|(k, _)| *k != h || code.is_none())
                                .flat_map(|(_, (_, m))| m.iter().copied())
                                .filter(|&b| b != a),
                        ),
                        count: elsewhere,
                    });
                }
            }
        }
    }
    for dups in &mut out {
        for d in dups.iter_mut() {
            d.others.sort_unstable();
        }
        dups.sort_by_key(|d| (d.weak(), d.others.first().copied()));
    }
    out
}

/// Limits on a previous-winners file.
pub const MAX_PREVIOUS_BYTES: u64 = crate::limits::PREVIOUS_BYTES;
pub const MAX_PREVIOUS_NAMES: usize = crate::limits::PREVIOUS_NAMES;

/// Why a previous-winners file could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PreviousError {
    /// Reading failed, or the file is not a regular file or too large (the message names it).
    #[error("历年入选名单 {0}")]
    File(#[from] crate::files::FileError),
    #[error("{file}：不支持的名单格式。请使用 .txt（每行一个名称）、.csv 或 .xlsx")]
    Format { file: String },
    #[error(
        "{file}：无法读取 .xlsx 历年入选名单（{reason}）。请用 Excel 另存为 .xlsx 后重试，或改用 .txt / .csv"
    )]
    Xlsx { file: String, reason: String },
    #[error(
        "{file}：无法读取 .csv 历年入选名单（{reason}）。请另存为 UTF-8 编码的 CSV 或 .xlsx 后重试"
    )]
    Csv { file: String, reason: String },
    #[error("{file}：历年入选名单中没有任何名称。请检查文件内容（第一列或标题为“名称”的一列）")]
    Empty { file: String },
}

/// The names of earlier years' listed items.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviousWinners {
    /// The file they were read from.
    pub source: PathBuf,
    /// As written in the file, trimmed, empty lines left out.
    pub names: Vec<String>,
}

/// A submission whose name matches a previous winner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreviousHit {
    /// The previous winner's name as written in the list.
    pub name: String,
    /// Equal after normalising; otherwise a close match (疑似).
    pub exact: bool,
}

impl PreviousHit {
    /// The flag for people, with the list's wording of the rule (`Form::not_listed`).
    pub fn message(&self, form: &Form) -> String {
        if self.exact {
            format!(
                "与历年入选名单中的「{}」相同：入选历年“科创中国”{}的不再纳入候选（原则上不再推荐）",
                self.name, form.not_listed
            )
        } else {
            format!(
                "疑似历年入选：与名单中的「{}」相近，请核对是否为同一项（入选历年“科创中国”{}的不再纳入候选）",
                self.name, form.not_listed
            )
        }
    }
}

impl PreviousWinners {
    pub fn from_names(source: PathBuf, names: impl IntoIterator<Item = String>) -> PreviousWinners {
        PreviousWinners {
            source,
            names: names
                .into_iter()
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty())
                .collect(),
        }
    }

    /// Reads a .txt, .csv or .xlsx list (by the file's extension).
    pub fn load(path: &Path) -> Result<PreviousWinners, PreviousError> {
        let file = path.display().to_string();
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let bytes = crate::files::read_bounded(path, MAX_PREVIOUS_BYTES)?;
        let names = match ext.as_str() {
            // Streamed: 20 MB of empty lines must not become 20 million strings.
            "txt" => decode(&bytes)
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .take(MAX_PREVIOUS_NAMES)
                .map(str::to_owned)
                .collect(),
            "csv" => csv_names(&decode(&bytes)).map_err(|reason| PreviousError::Csv {
                file: file.clone(),
                reason,
            })?,
            "xlsx" => xlsx_names(&bytes).map_err(|reason| PreviousError::Xlsx {
                file: file.clone(),
                reason,
            })?,
            _ => return Err(PreviousError::Format { file }),
        };
        let mut list = PreviousWinners::from_names(path.to_owned(), names);
        list.names.truncate(MAX_PREVIOUS_NAMES);
        if list.names.is_empty() {
            return Err(PreviousError::Empty { file });
        }
        Ok(list)
    }

    /// The names prepared for matching.
    pub fn matcher(&self) -> Matcher<'_> {
        let entries: Vec<Entry<'_>> = self
            .names
            .iter()
            .map(|n| {
                let norm = normalize::name(n);
                Entry {
                    name: n.as_str(),
                    chars: norm.chars().collect(),
                    norm,
                }
            })
            .collect();
        let mut exact = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            exact.entry(e.norm.clone()).or_insert(i);
        }
        Matcher { entries, exact }
    }
}

/// Text of a .txt or .csv: UTF-8 (with or without BOM), else GB 18030 (what Excel and Notepad
/// on Chinese Windows save as “ANSI”).
fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

/// The column headed 名称 when the first row has one (the header row is then left out), else
/// the first column of every row. Rows are sparse: (column, text) of their non-empty cells.
fn column_names(rows: Vec<SparseRow>) -> Vec<String> {
    let header = rows
        .first()
        .and_then(|r| r.iter().find(|(_, c)| c.trim() == "名称").map(|(i, _)| *i));
    let (column, skip) = match header {
        Some(c) => (c, 1),
        None => (0, 0),
    };
    rows.into_iter()
        .skip(skip)
        .filter_map(|r| r.into_iter().find(|(i, _)| *i == column).map(|(_, t)| t))
        .collect()
}

/// The 名称 column of a .csv (else its first column), field by field: only the fields of that
/// column are ever kept, however wide a row is.
fn csv_names(text: &str) -> Result<Vec<String>, String> {
    use csv_core::{ReadFieldResult, Reader};
    let mut reader = Reader::new();
    let mut input = text.as_bytes();
    let mut field = Vec::new();
    let mut buffer = [0u8; 4096];
    // (row, column) of the field being read; the wanted column once the first row is known.
    let (mut row, mut column) = (0usize, 0usize);
    let mut wanted: Option<usize> = None;
    let mut first_column = None;
    let mut names = Vec::new();
    loop {
        let (result, read, written) = reader.read_field(input, &mut buffer);
        input = &input[read..];
        // A field of the wanted column (or any field of the first row, to find the header).
        let keep = row == 0 || wanted == Some(column);
        if keep && field.len() < MAX_NAME_BYTES {
            field.extend_from_slice(&buffer[..written]);
        }
        match result {
            // With no input left, the next call ends the last field, then the text.
            ReadFieldResult::InputEmpty | ReadFieldResult::OutputFull => continue,
            ReadFieldResult::Field { record_end } => {
                let text = String::from_utf8_lossy(&field).into_owned();
                field.clear();
                if row == 0 {
                    if text.trim() == "名称" && wanted.is_none() {
                        wanted = Some(column);
                    }
                    if column == 0 {
                        first_column = Some(text);
                    }
                } else if wanted == Some(column) {
                    names.push(text);
                    if names.len() >= MAX_PREVIOUS_NAMES {
                        return Ok(names);
                    }
                }
                column += 1;
                if record_end {
                    if row == 0 && wanted.is_none() {
                        // No header: the first column, the first row included.
                        wanted = Some(0);
                        names.extend(first_column.take());
                    }
                    row += 1;
                    column = 0;
                }
            }
            ReadFieldResult::End => return Ok(names),
        }
    }
}

/// A longer field is cut: no name is this long.
const MAX_NAME_BYTES: usize = 4096;

fn xlsx_names(bytes: &[u8]) -> Result<Vec<String>, String> {
    super::sheet::first_sheet_rows(bytes).map(column_names)
}

/// Previous winners prepared for matching many names.
pub struct Matcher<'a> {
    entries: Vec<Entry<'a>>,
    /// normalised name → first entry
    exact: HashMap<String, usize>,
}

struct Entry<'a> {
    /// As written in the list.
    name: &'a str,
    norm: String,
    chars: Vec<char>,
}

/// Names shorter than this (in normalised characters) match exactly only.
pub const MIN_CLOSE_CHARS: usize = 4;

/// The edit distance allowed for a close match between names whose shorter one has `len`
/// normalised characters.
pub fn allowed_distance(len: usize) -> usize {
    match len {
        0..MIN_CLOSE_CHARS => 0,
        MIN_CLOSE_CHARS..8 => 1,
        _ => 2,
    }
}

impl Matcher<'_> {
    /// The best match for a name: exact if any, else the closest close match.
    pub fn find(&self, name: &str) -> Option<PreviousHit> {
        let norm = normalize::name(name);
        if norm.is_empty() {
            return None;
        }
        if let Some(&i) = self.exact.get(&norm) {
            return Some(PreviousHit {
                name: self.entries[i].name.to_owned(),
                exact: true,
            });
        }
        let chars: Vec<char> = norm.chars().collect();
        let mut best: Option<(usize, usize)> = None; // (score, entry)
        for (i, other) in self.entries.iter().enumerate() {
            if let Some(score) = closeness(&chars, &norm, &other.chars, &other.norm)
                && best.is_none_or(|(s, _)| score < s)
            {
                best = Some((score, i));
            }
        }
        best.map(|(_, i)| PreviousHit {
            name: self.entries[i].name.to_owned(),
            exact: false,
        })
    }

    /// [`Matcher::find`] for many names, in parallel.
    pub fn find_all(&self, names: &[String]) -> Vec<Option<PreviousHit>> {
        names.par_iter().map(|n| self.find(n)).collect()
    }
}

/// How close two normalised names are, when close enough: the edit distance (containment
/// scores as the length difference). None when not close.
fn closeness(a: &[char], a_text: &str, b: &[char], b_text: &str) -> Option<usize> {
    let shorter = a.len().min(b.len());
    if shorter < MIN_CLOSE_CHARS || b.is_empty() {
        return None;
    }
    let diff = a.len().abs_diff(b.len());
    let allowed = allowed_distance(shorter);
    if diff <= allowed {
        let d = strsim::levenshtein(a_text, b_text);
        if d <= allowed {
            return Some(d);
        }
    }
    // One contains the other.
    let contains = if a.len() >= b.len() {
        a_text.contains(b_text)
    } else {
        b_text.contains(a_text)
    };
    contains.then_some(diff.max(1))
}
