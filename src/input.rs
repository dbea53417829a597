//! What a person types, turned into the value stored — and the stored value back into text.
//!
//! The GUI and (with the fillable .docx) the Word import both go through here, so `1,200`
//! typed in the app and `1,200` typed in Word store the same number. The rule (issue 9): what is
//! stored is the value whenever the text reads as one — `1,200`, `1 200`, full-width `１２００`,
//! `3000.50`; `2015/6/18`, `2015年6月18日` — an empty text stores nothing, and text that does
//! not read as a value is stored as typed (the rules then report it), never dropped.

use serde_json::{Number, Value};
use unicode_normalization::UnicodeNormalization;

use crate::rules::{parse_date, parse_month};
use crate::schema::{Field, Format, Kind};

/// The value to store for `text` typed into `field`; None when the text is empty.
pub fn value_from_text(field: &Field, text: &str) -> Option<Value> {
    if text.trim().is_empty() {
        return None;
    }
    let typed = || Value::String(text.to_owned());
    Some(match field.kind {
        Kind::Integer | Kind::Decimal => number(text, field.kind == Kind::Integer)
            .map(Value::Number)
            .unwrap_or_else(typed),
        Kind::Date => date(text).map(Value::String).unwrap_or_else(typed),
        Kind::Month => month(text).map(Value::String).unwrap_or_else(typed),
        // 统一社会信用代码 is written in capitals.
        Kind::Text if field.format == Some(Format::Uscc) => Value::String(text.to_uppercase()),
        _ => typed(),
    })
}

/// The text that shows a stored value: numbers in their plain form (`1200`, `3000.5`), text
/// as it is.
pub fn text_of_value(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.clone(),
        // Rust's own float formatting never uses an exponent (`0.0000001`, not `1e-7`), so
        // the text shown is one the field reads back.
        Some(Value::Number(n)) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (_, Some(u), _) => u.to_string(),
            (_, _, Some(f)) => f.to_string(),
            _ => n.to_string(),
        },
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// Full-width forms to ASCII, ideographic spaces to spaces, trimmed.
fn folded(text: &str) -> String {
    text.nfkc().collect::<String>().trim().to_owned()
}

/// A number as people write it: digit groups separated by commas or spaces (`1,200`, `1 200`,
/// `１，２００`), a decimal point (`3000.50`, `.5`, `3000.`), a sign. No exponents, no units.
pub fn number(text: &str, integer: bool) -> Option<Number> {
    let text = folded(text);
    let (sign, body) = match text.strip_prefix(['-', '+']) {
        Some(rest) => (
            if text.starts_with('-') { "-" } else { "" },
            rest.trim_start(),
        ),
        None => ("", text.as_str()),
    };
    let (whole, fraction) = match body.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (body, None),
    };
    let digits: String = whole.chars().filter(|c| !matches!(c, ',' | ' ')).collect();
    if !grouped_well(whole) || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let fraction = fraction.unwrap_or("");
    if !fraction.chars().all(|c| c.is_ascii_digit()) || digits.is_empty() && fraction.is_empty() {
        return None;
    }
    let fraction = fraction.trim_end_matches('0');
    let digits = if digits.is_empty() {
        "0"
    } else {
        digits.as_str()
    };
    if integer || fraction.is_empty() {
        if !fraction.is_empty() {
            return None;
        }
        let whole = format!("{sign}{digits}")
            .parse::<i64>()
            .ok()
            .map(Number::from);
        // A decimal field also takes whole numbers beyond 64 bits, as a float.
        return match whole {
            None if !integer => format!("{sign}{digits}")
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .and_then(Number::from_f64),
            whole => whole,
        };
    }
    let x: f64 = format!("{sign}{digits}.{fraction}").parse().ok()?;
    Number::from_f64(x).filter(|_| x.is_finite())
}

/// Separators only between groups of three digits (`1,200`, `12 345 678`), or none at all.
fn grouped_well(whole: &str) -> bool {
    let groups: Vec<&str> = whole.split([',', ' ']).collect();
    if groups.len() == 1 {
        return true;
    }
    let first = groups[0].len();
    (1..=3).contains(&first) && groups[1..].iter().all(|g| g.len() == 3)
}

/// The (year, month, day) numbers of a date or month written with `-`, `/`, `.`, `年月日` or
/// no separator at all.
fn parts(text: &str) -> Vec<String> {
    let text = folded(text);
    let text = text.trim_end_matches(['日', '号']);
    if text.chars().all(|c| c.is_ascii_digit()) {
        return match text.len() {
            8 => vec![text[..4].into(), text[4..6].into(), text[6..].into()],
            6 => vec![text[..4].into(), text[4..].into()],
            _ => vec![text.into()],
        };
    }
    text.split(['-', '/', '.', '年', '月', ' '])
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A date in the stored form `YYYY-MM-DD`, when the text is one.
pub fn date(text: &str) -> Option<String> {
    let p = parts(text);
    let [y, m, d] = p.as_slice() else { return None };
    if y.len() != 4 || m.len() > 2 || d.len() > 2 {
        return None;
    }
    let canonical = format!("{y}-{:0>2}-{:0>2}", m, d);
    parse_date(&canonical).map(|_| canonical)
}

/// A month in the stored form `YYYY-MM`, when the text is one.
pub fn month(text: &str) -> Option<String> {
    let p = parts(text);
    let [y, m] = p.as_slice() else { return None };
    if y.len() != 4 || m.len() > 2 {
        return None;
    }
    let canonical = format!("{y}-{:0>2}", m);
    parse_month(&canonical).map(|_| canonical)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str, integer: bool) -> Option<String> {
        number(text, integer).map(|n| n.to_string())
    }

    #[test]
    fn numbers_as_people_write_them() {
        for (typed, integer, stored) in [
            ("1200", true, Some("1200")),
            ("1,200", true, Some("1200")),
            ("1 200", true, Some("1200")),
            ("１２００", true, Some("1200")),
            ("１，２００", true, Some("1200")),
            (" 12 ", true, Some("12")),
            ("12.0", true, Some("12")),
            ("12.5", true, None),
            ("3000.50", false, Some("3000.5")),
            ("3000.", false, Some("3000")),
            (".5", false, Some("0.5")),
            ("-2.25", false, Some("-2.25")),
            ("1,2", true, None),
            ("12,00", true, None),
            ("1e5", false, None),
            ("约100", true, None),
            ("100万", true, None),
            ("", true, None),
            (".", false, None),
            ("99999999999999999999", true, None),
            ("99999999999999999999", false, Some("1e+20")),
        ] {
            assert_eq!(n(typed, integer).as_deref(), stored, "{typed:?}");
        }
    }

    #[test]
    fn stored_numbers_show_without_an_exponent() {
        for (value, shown) in [
            (serde_json::json!(0.0000001), "0.0000001"),
            (serde_json::json!(1e16), "10000000000000000"),
            (serde_json::json!(3000.5), "3000.5"),
            (serde_json::json!(1200), "1200"),
        ] {
            let text = text_of_value(Some(&value));
            assert_eq!(text, shown);
            assert_eq!(
                number(&text, false).map(|n| n.as_f64()),
                Some(value.as_f64()),
                "{shown} reads back"
            );
        }
    }

    #[test]
    fn dates_and_months_in_their_usual_spellings() {
        for typed in [
            "2015-06-18",
            "2015-6-18",
            "2015/6/18",
            "2015.06.18",
            "2015年6月18日",
            "20150618",
            "２０１５－０６－１８",
        ] {
            assert_eq!(date(typed).as_deref(), Some("2015-06-18"), "{typed}");
        }
        for typed in ["2015-02-30", "15-6-18", "2015-6", "明年"] {
            assert_eq!(date(typed), None, "{typed}");
        }
        for typed in ["1985-07", "1985-7", "1985/7", "1985年7月", "198507"] {
            assert_eq!(month(typed).as_deref(), Some("1985-07"), "{typed}");
        }
        assert_eq!(month("1985-13"), None);
    }
}
