//! The expert list: a sheet (.xlsx, its first worksheet) or a .csv (UTF-8, or GB18030 as Excel
//! saves it in China) with a header row naming its columns — 姓名, 单位, 单位代码, 领域, 邮箱,
//! and optionally 回避单位 (units the expert declares a conflict with, separated by 、 or ；).
//! Columns may come in any order; a row without a name or a usable e-mail is not taken and
//! says why; two rows with one e-mail are one expert too many.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// One expert, as the list gives them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expert {
    pub name: String,
    pub unit: String,
    /// 统一社会信用代码 of the unit, when known.
    pub unit_code: String,
    /// 领域, as written (「电子信息；集成电路」).
    pub fields: String,
    pub email: String,
    /// Units (or applications) the expert declares a conflict with.
    pub declared: Vec<String>,
}

/// What was read from an expert list.
#[derive(Debug, Clone, Default)]
pub struct ExpertList {
    pub experts: Vec<Expert>,
    /// Rows not taken, each with its row number and why, in Chinese.
    pub refused: Vec<String>,
}

/// The most experts a list may hold (a committee is tens to hundreds).
pub const MAX_EXPERTS: usize = 10_000;

const COLUMNS: [(&str, &[&str]); 6] = [
    ("姓名", &["姓名", "专家姓名", "名字"]),
    ("单位", &["单位", "工作单位", "所在单位"]),
    (
        "单位代码",
        &["单位代码", "统一社会信用代码", "单位统一社会信用代码"],
    ),
    ("领域", &["领域", "专业领域", "研究领域", "擅长领域"]),
    ("邮箱", &["邮箱", "电子邮箱", "email", "e-mail", "邮件"]),
    ("回避单位", &["回避单位", "回避", "申明回避"]),
];

/// Reads an expert list (.xlsx or .csv). The error names the file and says what to do.
pub fn read_experts(path: &Path) -> Result<ExpertList, String> {
    let shown = path.display();
    let bytes = crate::files::read_bounded(path, crate::limits::PREVIOUS_BYTES)
        .map_err(|e| e.to_string())?;
    let is_xlsx = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    let rows: Vec<Vec<String>> = if is_xlsx || bytes.starts_with(b"PK\x03\x04") {
        crate::consolidate::sheet::first_sheet_rows(&bytes)
            .map_err(|e| format!("专家名单 {shown}：{e}"))?
            .into_iter()
            .map(|row| {
                let width = row.iter().map(|(c, _)| c + 1).max().unwrap_or(0).min(64);
                let mut cells = vec![String::new(); width];
                for (c, text) in row {
                    if c < width {
                        cells[c] = text;
                    }
                }
                cells
            })
            .collect()
    } else {
        csv_rows(&bytes).map_err(|e| format!("专家名单 {shown}：{e}"))?
    };
    from_rows(&rows).map_err(|e| format!("专家名单 {shown}：{e}"))
}

fn csv_rows(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.to_owned(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|_| "不是可以读取的 CSV（引号不成对？）".to_owned())?;
        if rows.len() > MAX_EXPERTS + 1 {
            return Err(format!("超过 {MAX_EXPERTS} 行，不像专家名单"));
        }
        rows.push(record.iter().take(64).map(str::to_owned).collect());
    }
    Ok(rows)
}

/// The experts of rows whose first non-empty row is the header.
pub fn from_rows(rows: &[Vec<String>]) -> Result<ExpertList, String> {
    let Some((head_at, head)) = rows
        .iter()
        .enumerate()
        .find(|(_, r)| r.iter().any(|c| !c.trim().is_empty()))
    else {
        return Err("是空的：第一行应为表头（姓名、单位、单位代码、领域、邮箱）".into());
    };
    let find = |names: &[&str]| {
        head.iter().position(|h| {
            let h = h.trim().to_lowercase();
            names.iter().any(|n| h == *n)
        })
    };
    let at: Vec<Option<usize>> = COLUMNS.iter().map(|(_, names)| find(names)).collect();
    let missing: Vec<&str> = COLUMNS
        .iter()
        .zip(&at)
        .take(5)
        .filter(|((name, _), at)| at.is_none() && *name != "单位代码")
        .map(|((name, _), _)| *name)
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "表头缺少「{}」一栏（表头应有：姓名、单位、单位代码、领域、邮箱，可加回避单位）",
            missing.join("」「")
        ));
    }
    let mut list = ExpertList::default();
    for (i, row) in rows.iter().enumerate().skip(head_at + 1) {
        let cell = |k: usize| {
            at[k]
                .and_then(|c| row.get(c))
                .map(|s| s.trim().to_owned())
                .unwrap_or_default()
        };
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let line = i + 1;
        let expert = Expert {
            name: cell(0),
            unit: cell(1),
            unit_code: cell(2),
            fields: cell(3),
            email: cell(4).to_lowercase(),
            declared: cell(5)
                .split(['、', '；', ';', '，', ','])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        };
        if expert.name.is_empty() {
            list.refused.push(format!("第 {line} 行没有姓名，未采用"));
            continue;
        }
        if crate::rules::formats::email(&expert.email).is_err() {
            list.refused.push(format!(
                "第 {line} 行（{}）的邮箱「{}」不是可用的电子邮箱，未采用",
                expert.name, expert.email
            ));
            continue;
        }
        if let Some(other) = list.experts.iter().find(|e| e.email == expert.email) {
            list.refused.push(format!(
                "第 {line} 行（{}）与{}的邮箱相同（{}），同一位专家只列一次，未采用",
                expert.name, other.name, expert.email
            ));
            continue;
        }
        if expert.unit.is_empty() {
            list.refused.push(format!(
                "第 {line} 行（{}）没有单位：无法核对回避，未采用；请补上单位",
                expert.name
            ));
            continue;
        }
        if list.experts.len() == MAX_EXPERTS {
            return Err(format!("超过 {MAX_EXPERTS} 位专家，不像专家名单"));
        }
        list.experts.push(expert);
    }
    if list.experts.is_empty() {
        return Err(format!(
            "没有可用的专家（{}）",
            list.refused
                .first()
                .map_or("表头下没有内容", String::as_str)
        ));
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> Vec<Vec<String>> {
        csv_rows(text.as_bytes()).unwrap()
    }

    #[test]
    fn columns_in_any_order_with_bad_rows_named() {
        let list = from_rows(&rows(
            "邮箱,姓名,领域,单位,单位代码,回避单位\n\
             a@x.cn,张三,电子信息；集成电路,清华大学,,北京某某科技有限公司、某研究院\n\
             b@x.cn,,生物医药,北京大学,,\n\
             not-an-email,李四,生物医药,北京大学,,\n\
             A@X.CN,王五,装备制造,某大学,,\n\
             c@x.cn,赵六,装备制造,,,\n",
        ))
        .unwrap();
        assert_eq!(list.experts.len(), 1);
        let e = &list.experts[0];
        assert_eq!((e.name.as_str(), e.unit.as_str()), ("张三", "清华大学"));
        assert_eq!(e.declared, ["北京某某科技有限公司", "某研究院"]);
        assert_eq!(list.refused.len(), 4, "{:?}", list.refused);
        assert!(list.refused[0].starts_with("第 3 行没有姓名"));
        assert!(list.refused[2].contains("邮箱相同"));
        assert!(list.refused[3].contains("没有单位"));
    }

    #[test]
    fn a_header_without_a_name_column_is_refused_and_gbk_is_read() {
        assert!(
            from_rows(&rows("单位,邮箱\n清华,a@x.cn\n"))
                .unwrap_err()
                .contains("姓名")
        );
        let (gbk, _, _) =
            encoding_rs::GB18030.encode("姓名,单位,领域,邮箱\n张三,清华大学,电子信息,a@x.cn\n");
        let list = from_rows(&csv_rows(&gbk).unwrap()).unwrap();
        assert_eq!(list.experts[0].name, "张三");
    }
}
