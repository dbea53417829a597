//! Table-driven tests of the named format validators with public test vectors and broken ones.
#![allow(clippy::disallowed_methods)] // tests set up their files directly

use chrono::NaiveDate;
use kczg_form::Severity::{self, Error, Warning};
use kczg_form::rules::formats;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 11, 15).unwrap()
}

fn severity<T>(r: Result<T, formats::FormatIssue>) -> Option<Severity> {
    r.err().map(|e| e.severity)
}

#[test]
fn uscc_accepts_real_companies_codes() {
    for code in [
        "914403001922038216", // 华为技术有限公司
        "9144030071526726XG", // 深圳市腾讯计算机系统有限公司
        "91330100716105852F", // 阿里巴巴（中国）有限公司
        "91110108551385082Q", // 北京小米科技有限责任公司
    ] {
        assert_eq!(formats::uscc(code), Ok(()), "{code}");
    }
}

#[test]
fn uscc_refuses_broken_codes() {
    let cases: &[(&str, Severity, &str)] = &[
        // one character changed: the GB 32100 check fails
        ("914403001922038217", Warning, "校验位不符"),
        ("924403001922038216", Warning, "校验位不符"),
        ("91440300192203821A", Warning, "校验位不符"),
        ("91440300192203821", Error, "应为18位，现为17位"),
        ("9144030019220382160", Error, "应为18位，现为19位"),
        ("", Error, "应为18位，现为0位"),
        ("91440300I92203821X", Error, "第9位「I」"),
        ("91440300O92203821X", Error, "「O」"),
        ("91440300Z92203821X", Error, "「Z」"),
        ("91440300S92203821X", Error, "「S」"),
        ("91440300V92203821X", Error, "「V」"),
        ("9144030071526726xg", Error, "小写"),
        ("9144030071526726X—", Error, "不是有效字符"),
    ];
    for (code, expected, words) in cases {
        let issue = formats::uscc(code).expect_err(code);
        assert_eq!(issue.severity, *expected, "{code}: {issue:?}");
        assert!(issue.message.contains(words), "{code}: {issue:?}");
    }
}

#[test]
fn uscc_organisation_code_check_is_gb11714() {
    // A code whose GB 32100 check matches but whose chars 9–17 fail GB 11714.
    // Built by changing the organisation-code check char and recomputing char 18.
    let alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    let weights = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let body = "91440300192203822"; // org check '1' → '2'
    let sum: usize = body
        .chars()
        .zip(weights)
        .map(|(c, w)| alphabet.find(c).unwrap() * w)
        .sum();
    let check = alphabet.as_bytes()[(31 - sum % 31) % 31] as char;
    let code = format!("{body}{check}");
    let issue = formats::uscc(&code).unwrap_err();
    assert_eq!(issue.severity, Warning);
    assert!(issue.message.contains("组织机构代码"), "{issue:?}");
}

#[test]
fn id_card_accepts_the_standards_examples() {
    for id in [
        "11010519491231002X",
        "440524188001010014",
        "11010119900307803X",
    ] {
        assert_eq!(formats::id_card(id, today()), Ok(()), "{id}");
    }
}

#[test]
fn id_card_refuses_broken_numbers() {
    let cases: &[(&str, &str)] = &[
        ("110105194912310021", "校验码不符"), // check changed
        ("11010519491231003X", "校验码不符"), // one digit changed
        ("11010519491231002", "应为18位"),
        ("11010519491231002XX", "应为18位"),
        ("11010519491231002x", "大写 X"),
        ("1101051949123100AX", "前17位应为数字"),
        ("110105194913310024", "出生日期"), // month 13
        ("110105202512310028", "晚于今天"),
    ];
    for (id, words) in cases {
        let issue = formats::id_card(id, today()).expect_err(id);
        assert_eq!(issue.severity, Error);
        assert!(issue.message.contains(words), "{id}: {issue:?}");
    }
}

#[test]
fn id_card_birth_and_gender_helpers() {
    let id = "11010519491231002X";
    assert_eq!(
        formats::id_birth_date(id),
        NaiveDate::from_ymd_opt(1949, 12, 31)
    );
    assert_eq!(formats::id_is_male(id), Some(false)); // 17th digit 2: female
    assert_eq!(formats::id_is_male("440524188001010014"), Some(true));
}

#[test]
fn mobile_numbers() {
    for ok in [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+8613812345678",
        "8619912345678",
    ] {
        assert_eq!(formats::mobile(ok), Ok(()), "{ok}");
    }
    for bad in [
        "12812345678",
        "1381234567",
        "138123456789",
        "1381234567a",
        "+85213812345678",
        "",
    ] {
        assert_eq!(severity(formats::mobile(bad)), Some(Error), "{bad}");
    }
}

#[test]
fn phone_numbers() {
    for ok in [
        "0371-65998099",
        "037165998099",
        "010-12345678",
        "(0371)65998099",
        "（0371）65998099",
        "0371-65998099-802",
        "0371-65998099转802",
        "13812345678",
    ] {
        assert_eq!(formats::phone(ok), Ok(()), "{ok}");
    }
    for bad in [
        "65998099",
        "371-65998099",
        "0371-659980",
        "0371-659980991",
        "电话",
        "",
    ] {
        assert_eq!(severity(formats::phone(bad)), Some(Error), "{bad}");
    }
}

#[test]
fn email_addresses() {
    for ok in ["gxtdzxh@126.com", "a.b+c@mail.example.org.cn"] {
        assert_eq!(formats::email(ok), Ok(()), "{ok}");
    }
    for bad in [
        "gxtdzxh126.com",
        "@126.com",
        "gxtdzxh@126",
        "a@@126.com",
        "a@b@126.com",
        "a b@126.com",
        "a@126..com",
        "a@.com",
    ] {
        assert_eq!(severity(formats::email(bad)), Some(Error), "{bad}");
    }
}

#[test]
fn postcodes() {
    assert_eq!(formats::postcode("450000"), Ok(()));
    for bad in ["45000", "4500000", "45000a", "４５００００"] {
        assert_eq!(severity(formats::postcode(bad)), Some(Error), "{bad}");
    }
}

#[test]
fn patent_numbers() {
    // Public worked examples of the CNIPA check: 201710601862.3; before 2003: 97101765.4, 95115608.X.
    for ok in [
        "ZL201710601862.3",
        "201710601862.3",
        "ZL 201710601862.3",
        "ZL97101765.4",
        "ZL95115608.X",
        "95115608.x",
    ] {
        assert_eq!(formats::patent_no(ok), Ok(()), "{ok}");
    }
    let cases: &[(&str, &str)] = &[
        ("ZL201710601862.4", "校验位不符"),
        ("ZL201710601863.3", "校验位不符"),
        ("ZL2017106018623", "ZL201710601862.3 的形式"),
        ("ZL20171060186.3", "12位"),
        ("ZL201750601862.3", "第5位"),
        ("2022SR0123456", "形式"),
    ];
    for (bad, words) in cases {
        let issue = formats::patent_no(bad).expect_err(bad);
        assert_eq!(issue.severity, Warning, "{bad}");
        assert!(issue.message.contains(words), "{bad}: {issue:?}");
    }
}
