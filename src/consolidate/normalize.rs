//! How names and codes are compared: the secretariat's duplicate check and the previous-winners
//! match both look at the *normalised* form, never at the text as typed.
//!
//! [`name`] does exactly this, in order:
//!
//! 1. Unicode NFKC: full-width letters, digits and punctuation become their ASCII forms
//!    (`ＡＢＣ１２３` → `ABC123`, `（` → `(`, `，` → `,`), the ideographic space U+3000 becomes a
//!    space, and other compatibility characters (`㈱`, circled digits) their plain forms;
//! 2. ASCII letters to lower case;
//! 3. every white-space character removed (spaces, tabs, line breaks);
//! 4. brackets unified: `[` `]` `【` `】` `〔` `〕` `［` `］` become `(` `)` (NFKC already
//!    made `（` `）` into `(` `)`);
//! 5. at the end of the name, one company suffix removed: `股份有限公司`, `有限责任公司`,
//!    `有限公司`, `股份公司` — so `某某科技有限公司`, `某某科技有限责任公司` and
//!    `某某科技股份有限公司` all become `某某科技`. A name that is nothing but a suffix is kept
//!    whole.
//!
//! [`code`] normalises a USCC or ID number: NFKC, white space and `-` removed, upper case.

use unicode_normalization::UnicodeNormalization;

/// Company suffixes removed at the end of a name, longest first.
pub const COMPANY_SUFFIXES: [&str; 4] = ["股份有限公司", "有限责任公司", "有限公司", "股份公司"];

/// The normalised form of a name (see the module documentation for the exact steps).
pub fn name(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfkc() {
        if c.is_whitespace() {
            continue;
        }
        let c = match c {
            '[' | '【' | '〔' | '［' => '(',
            ']' | '】' | '〕' | '］' => ')',
            c => c.to_ascii_lowercase(),
        };
        out.push(c);
    }
    for suffix in COMPANY_SUFFIXES {
        if let Some(stem) = out.strip_suffix(suffix) {
            if !stem.is_empty() {
                out.truncate(stem.len());
            }
            break;
        }
    }
    out
}

/// The normalised form of a USCC or an ID card number.
pub fn code(text: &str) -> String {
    text.nfkc()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn width_spaces_and_brackets() {
        assert_eq!(name("ＡＢＣ科技　（北京） 有限公司"), "abc科技(北京)");
        assert_eq!(name("abc科技(北京)有限公司"), "abc科技(北京)");
        assert_eq!(name("某某【上海】研究院"), "某某(上海)研究院");
        assert_eq!(name(" 新型\t储能\n技术 "), "新型储能技术");
    }

    #[test]
    fn company_suffixes_compare_equal() {
        let forms = [
            "某某科技有限公司",
            "某某科技有限责任公司",
            "某某科技股份有限公司",
            "某某科技股份公司",
            "某某科技",
        ];
        for f in forms {
            assert_eq!(name(f), "某某科技", "{f}");
        }
        // Only at the end, only once, and never down to nothing.
        assert_eq!(name("有限公司"), "有限公司");
        assert_eq!(name("有限公司研究院"), "有限公司研究院");
    }

    #[test]
    fn codes() {
        assert_eq!(code(" ９１３４０１００ma2n12345x "), "91340100MA2N12345X");
        assert_eq!(code("3701-0219 8507120481"), "370102198507120481");
    }
}

/// A key that sorts Chinese text by pinyin (「安徽」 before 「北京」 before 「长沙」), as people
/// expect a list of names to be ordered; characters without pinyin (Latin letters, digits)
/// sort by themselves, lower-cased. Ties between characters of one reading keep their code
/// point order.
pub fn pinyin_key(text: &str) -> String {
    use pinyin::ToPinyin;
    let mut key = String::with_capacity(text.len() * 3);
    for c in text.chars() {
        match c.to_pinyin() {
            Some(p) => key.push_str(p.plain()),
            None => key.extend(c.to_lowercase()),
        }
        // The character itself after its reading: 「章」 and 「张」 keep an order.
        key.push('\u{1}');
        key.push(c);
    }
    key
}

#[cfg(test)]
mod pinyin_tests {
    use super::pinyin_key;

    #[test]
    fn chinese_sorts_by_pinyin() {
        // (Characters of several readings take their first: 长 as zhang, 重 as zhong.)
        let mut names = vec![
            "武汉理工",
            "北京大学",
            "安徽科技",
            "Zeta 公司",
            "湖南大学",
            "合肥工大",
        ];
        names.sort_by_key(|n| pinyin_key(n));
        assert_eq!(
            names,
            [
                "安徽科技",
                "北京大学",
                "合肥工大",
                "湖南大学",
                "武汉理工",
                "Zeta 公司"
            ]
        );
    }
}
