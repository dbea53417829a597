//! Named format validators (forms.md §2): pure functions with public test vectors in the tests.

use chrono::NaiveDate;

use crate::schema::Severity;

/// Why a value does not have its format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatIssue {
    pub severity: Severity,
    pub message: String,
}

fn error(message: impl Into<String>) -> FormatIssue {
    FormatIssue {
        severity: Severity::Error,
        message: message.into(),
    }
}

fn warning(message: impl Into<String>) -> FormatIssue {
    FormatIssue {
        severity: Severity::Warning,
        message: message.into(),
    }
}

/// GB 32100-2015 alphabet: digits and upper-case letters without I, O, Z, S, V.
const USCC_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// 统一社会信用代码 (GB 32100-2015), including the GB 11714 organisation-code check in chars 9–17.
///
/// Shape errors are errors; a check character that does not match is only a warning, because
/// some early codes were issued before the standard settled.
pub fn uscc(code: &str) -> Result<(), FormatIssue> {
    let chars: Vec<char> = code.chars().collect();
    if chars.len() != 18 {
        return Err(error(format!("应为18位，现为{}位", chars.len())));
    }
    if chars.iter().any(|c| c.is_ascii_lowercase()) {
        return Err(error("含有小写字母，请按营业执照用大写字母填写"));
    }
    let mut values = [0u32; 18];
    for (i, c) in chars.iter().enumerate() {
        let Some(v) = USCC_ALPHABET.find(*c) else {
            return Err(error(format!(
                "第{}位「{c}」不是有效字符（只能是数字和除 I、O、Z、S、V 以外的大写字母）",
                i + 1
            )));
        };
        values[i] = v as u32;
    }
    let sum: u32 = values[..17]
        .iter()
        .zip(USCC_WEIGHTS)
        .map(|(v, w)| v * w)
        .sum();
    let check = (31 - sum % 31) % 31;
    if values[17] != check {
        return Err(warning("校验位不符，请对照营业执照核对"));
    }
    if !org_code_ok(&chars[8..17]) {
        return Err(warning(
            "第9—17位（组织机构代码）校验位不符，请对照营业执照核对",
        ));
    }
    Ok(())
}

/// GB 11714 organisation code: 8 body characters and a check character.
fn org_code_ok(chars: &[char]) -> bool {
    let value = |c: char| c.to_digit(36);
    let mut sum = 0;
    for (c, w) in chars[..8].iter().zip(ORG_WEIGHTS) {
        let Some(v) = value(*c) else { return false };
        sum += v * w;
    }
    let expected = match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        n => char::from_digit(n, 10).unwrap_or('?'),
    };
    chars[8] == expected
}

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECKS: &[u8; 11] = b"10X98765432";

/// 居民身份证号码 (GB 11643-1999): 17 digits, a check character, a real birth date not after `today`.
pub fn id_card(id: &str, today: NaiveDate) -> Result<(), FormatIssue> {
    let bytes = id.as_bytes();
    if id.chars().count() != 18 {
        return Err(error(format!("应为18位，现为{}位", id.chars().count())));
    }
    if !bytes[..17].iter().all(u8::is_ascii_digit) {
        return Err(error("前17位应为数字"));
    }
    let last = bytes[17];
    if last == b'x' {
        return Err(error("末位校验码应为大写 X"));
    }
    if !(last.is_ascii_digit() || last == b'X') {
        return Err(error("末位应为数字或大写 X"));
    }
    let Some(birth) = id_birth_date(id) else {
        return Err(error("第7—14位不是有效的出生日期"));
    };
    if birth > today {
        return Err(error("第7—14位的出生日期晚于今天"));
    }
    let sum: u32 = bytes[..17]
        .iter()
        .zip(ID_WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    if last != ID_CHECKS[(sum % 11) as usize] {
        return Err(error("校验码不符，请核对身份证号码"));
    }
    Ok(())
}

/// The birth date in chars 7–14 of an 18-character ID number.
pub fn id_birth_date(id: &str) -> Option<NaiveDate> {
    let digits = id.get(6..14)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveDate::parse_from_str(digits, "%Y%m%d").ok()
}

/// Whether char 17 (odd = male) says 男; None when it is not a digit.
pub fn id_is_male(id: &str) -> Option<bool> {
    let d = id.as_bytes().get(16)?;
    d.is_ascii_digit().then_some((d - b'0') % 2 == 1)
}

/// Removes spaces, hyphens and a leading +86 / 86 from a mobile number.
fn mobile_digits(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    let cleaned = cleaned.strip_prefix('+').unwrap_or(&cleaned);
    match cleaned.strip_prefix("86") {
        Some(rest) if rest.len() == 11 => rest.to_owned(),
        _ => cleaned.to_owned(),
    }
}

fn is_mobile(s: &str) -> bool {
    let d = mobile_digits(s);
    let b = d.as_bytes();
    b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && b.iter().all(u8::is_ascii_digit)
}

/// 手机: mainland mobile number.
pub fn mobile(s: &str) -> Result<(), FormatIssue> {
    if is_mobile(s) {
        Ok(())
    } else {
        Err(error("应为11位中国大陆手机号码，如 13812345678"))
    }
}

static LANDLINE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    // 0 + 2–3 digit area code (optionally in brackets), optional hyphen, 7–8 digits,
    // optional extension written as -123, 转123, #123 or ext123.
    regex::Regex::new(r"^(?:0\d{2,3}|[(（]0\d{2,3}[)）])-?\d{7,8}(?:(?:-|转|#|ext\.?)\d{1,6})?$")
        .expect("static pattern")
});

/// 电话: a mobile, or a landline with area code.
pub fn phone(s: &str) -> Result<(), FormatIssue> {
    let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if is_mobile(s) || LANDLINE.is_match(&compact) {
        Ok(())
    } else {
        Err(error("应为带区号的固定电话（如 0371-65998099）或手机号码"))
    }
}

/// 电子邮箱: one @, a non-empty local part, a dotted domain, no spaces.
pub fn email(s: &str) -> Result<(), FormatIssue> {
    let bad = || Err(error("不是有效的电子邮箱地址，如 name@example.com"));
    if s.chars().any(char::is_whitespace) || s.matches('@').count() != 1 {
        return bad();
    }
    let (local, domain) = s.split_once('@').unwrap_or_default();
    let labels_ok = domain.split('.').all(|l| !l.is_empty());
    if local.is_empty() || !domain.contains('.') || !labels_ok {
        return bad();
    }
    Ok(())
}

/// 邮编: six digits.
pub fn postcode(s: &str) -> Result<(), FormatIssue> {
    if s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(error("应为6位数字"))
    }
}

const PATENT_WEIGHTS: [u32; 12] = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];

/// 专利号 (CNIPA application number): `ZL` optional, 12 digits (since 2003) or 8 digits (before),
/// a dot and the check character. A mismatch is a warning: numbers are copied by hand and the
/// applicant knows best.
pub fn patent_no(s: &str) -> Result<(), FormatIssue> {
    let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let body = compact
        .strip_prefix("ZL")
        .or_else(|| compact.strip_prefix("zl"))
        .unwrap_or(&compact);
    let Some((digits, check)) = body.split_once('.') else {
        return Err(warning(
            "专利号应写成 ZL201710601862.3 的形式（12位或8位数字、小数点、校验位）",
        ));
    };
    let len = digits.len();
    if !(len == 12 || len == 8) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(warning(
            "专利号小数点前应为12位（2003年起）或8位（2003年前）数字",
        ));
    }
    if len == 12 && !matches!(digits.as_bytes()[4], b'1' | b'2' | b'3' | b'8' | b'9') {
        return Err(warning("专利号第5位（专利类型）应为 1、2、3、8 或 9"));
    }
    let sum: u32 = digits
        .bytes()
        .zip(PATENT_WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    let expected = match sum % 11 {
        10 => "X".to_owned(),
        n => n.to_string(),
    };
    if check.to_uppercase() != expected {
        return Err(warning("专利号校验位不符，请对照专利证书核对"));
    }
    Ok(())
}
