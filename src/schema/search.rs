//! Finding an option by what is typed: its characters (「广东」), or its reading in pinyin by
//! whole syllables and their initials (「guangdong」, 「gd」, 「guangd」, 「hen」 for 河南省 =
//! he + n), as people type into a Chinese drop-down. Options whose reading starts with what
//! was typed come first, then those that contain the characters typed; within each, the
//! list's own order. A reading is matched from the label's start only: 「sx」 is 山西省 and
//! 陕西省, not also 江苏省 (su + xing, 省's other reading).
//!
//! A letter never matches across syllables (「hen」 does not find 河北省, he-bei-sheng), and a
//! character with several readings (重庆: chong/zhong) is found by any of them.

use super::Choice;

/// How well an option's label matches: lower is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rank {
    /// The label begins with what was typed, as characters or as its reading.
    Prefix,
    /// The characters appear later in the label (「东」 in 广东省).
    Contains,
}

/// The options that match `typed`, best first (the list's order within a rank). Nothing
/// typed (or only spaces): every option, in order.
pub fn find<'a>(options: &'a [Choice], typed: &str) -> Vec<&'a Choice> {
    let mut found: Vec<(Rank, usize, &Choice)> = options
        .iter()
        .enumerate()
        .filter_map(|(i, o)| rank(&o.label, typed).map(|r| (r, i, o)))
        .collect();
    found.sort_by_key(|&(r, i, _)| (r, i));
    found.into_iter().map(|(_, _, o)| o).collect()
}

/// Whether `label` matches `typed`, and how well; `None` when it does not. Nothing typed
/// matches everything as a prefix.
pub fn rank(label: &str, typed: &str) -> Option<Rank> {
    let typed: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\'')
        .flat_map(char::to_lowercase)
        .collect();
    if typed.is_empty() {
        return Some(Rank::Prefix);
    }
    let lower = label.to_lowercase();
    if lower.starts_with(&typed) {
        return Some(Rank::Prefix);
    }
    if typed.chars().all(|c| c.is_ascii_alphanumeric()) {
        let tokens = tokens(label);
        let typed = typed.as_bytes();
        let mut seen = vec![false; (typed.len() + 1) * (tokens.len() + 1)];
        if matches_from(&tokens, 0, typed, 0, &mut seen) {
            return Some(Rank::Prefix);
        }
    }
    lower.contains(&typed).then_some(Rank::Contains)
}

/// A label read as syllables: each Chinese character its readings (several for 重, 长, 厦),
/// each run of Latin letters and digits one token spelled as itself. Punctuation and spaces
/// are no tokens.
fn tokens(label: &str) -> Vec<Vec<String>> {
    use pinyin::ToPinyinMulti;
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut run = String::new();
    for c in label.chars() {
        if c.is_ascii_alphanumeric() {
            run.push(c.to_ascii_lowercase());
            continue;
        }
        if !run.is_empty() {
            out.push(vec![std::mem::take(&mut run)]);
        }
        if let Some(multi) = c.to_pinyin_multi() {
            // ü is typed v (lvse) or u (luse), as input methods take it.
            let mut readings: Vec<String> = multi
                .into_iter()
                .flat_map(|p| {
                    let plain = p.plain();
                    if plain.contains('ü') {
                        vec![plain.replace('ü', "v"), plain.replace('ü', "u")]
                    } else {
                        vec![plain.to_owned()]
                    }
                })
                .collect();
            readings.sort();
            readings.dedup();
            out.push(readings);
        }
    }
    if !run.is_empty() {
        out.push(vec![run]);
    }
    out
}

/// Whether `typed[at..]` is spelled by the tokens from `token` on: each token by its whole
/// reading or its first letter, the last one also by the beginning of its reading (typing in
/// progress). `seen` remembers the (token, at) pairs already tried, so this is linear.
fn matches_from(
    tokens: &[Vec<String>],
    token: usize,
    typed: &[u8],
    at: usize,
    seen: &mut [bool],
) -> bool {
    if at == typed.len() {
        return true;
    }
    if token == tokens.len() {
        return false;
    }
    let key = token * (typed.len() + 1) + at;
    if seen[key] {
        return false;
    }
    seen[key] = true;
    let rest = &typed[at..];
    tokens[token].iter().any(|reading| {
        let reading = reading.as_bytes();
        if reading.starts_with(rest) {
            return true;
        }
        (rest.starts_with(reading)
            && matches_from(tokens, token + 1, typed, at + reading.len(), seen))
            || (reading.first() == rest.first()
                && matches_from(tokens, token + 1, typed, at + 1, seen))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choices(labels: &[&str]) -> Vec<Choice> {
        labels
            .iter()
            .map(|l| Choice {
                value: (*l).to_owned(),
                label: (*l).to_owned(),
            })
            .collect()
    }

    fn found(options: &[Choice], typed: &str) -> Vec<String> {
        find(options, typed)
            .into_iter()
            .map(|c| c.label.clone())
            .collect()
    }

    #[test]
    fn syllables_and_initials_match_and_letters_do_not_cross_syllables() {
        assert_eq!(rank("河南省", "hen"), Some(Rank::Prefix));
        assert_eq!(rank("河北省", "hen"), None);
        assert_eq!(rank("广东省", "guangd"), Some(Rank::Prefix));
        assert_eq!(rank("广东省", "gdong"), Some(Rank::Prefix));
        assert_eq!(rank("广东省", "dong"), None);
        assert_eq!(rank("江苏省", "sx"), None);
        assert_eq!(rank("广东省", "东"), Some(Rank::Contains));
        assert_eq!(rank("广东省", "广"), Some(Rank::Prefix));
        assert_eq!(rank("广东省", "gx"), None);
        assert_eq!(rank("重庆市", "cq"), Some(Rank::Prefix));
        assert_eq!(rank("重庆市", "zhongqing"), Some(Rank::Prefix));
        assert_eq!(rank("5G 通信", "5gtx"), Some(Rank::Prefix));
        assert_eq!(rank("Xi'an", "xian"), Some(Rank::Prefix));
        assert_eq!(rank("绿色低碳", "lvse"), Some(Rank::Prefix));
        assert_eq!(rank("绿色低碳", "luse"), Some(Rank::Prefix));
        assert_eq!(rank("任意", ""), Some(Rank::Prefix));
    }

    #[test]
    fn prefix_matches_come_first_in_the_lists_order() {
        let provinces = choices(&[
            "河北省",
            "山西省",
            "内蒙古自治区",
            "黑龙江省",
            "河南省",
            "湖北省",
            "湖南省",
            "江苏省",
            "广东省",
            "海南省",
            "陕西省",
            "甘肃省",
        ]);
        assert_eq!(found(&provinces, "hen")[0], "河南省");
        assert_eq!(found(&provinces, "hn"), ["河南省", "湖南省", "海南省"]);
        assert_eq!(found(&provinces, "sx"), ["山西省", "陕西省"]);
        assert_eq!(found(&provinces, "nmg"), ["内蒙古自治区"]);
        assert_eq!(found(&provinces, "  "), found(&provinces, ""));
        assert!(found(&provinces, "qq").is_empty());
    }

    #[test]
    fn a_long_label_and_long_typing_stay_fast() {
        // Every syllable could be spelt whole or by its letter: without remembering what was
        // tried this would take 2^60 steps.
        let label = "安".repeat(60);
        let typed = "a".repeat(59) + "x";
        assert_eq!(rank(&label, &typed), None);
    }
}
