//! Previous winners: the list read from .txt, .csv (UTF-8 with or without BOM, GB 18030) and
//! .xlsx, exact matches after normalising and close matches flagged separately.
#![allow(clippy::disallowed_methods)] // tests set up their files directly

use std::path::Path;

use kczg_form::consolidate::checks::allowed_distance;
use kczg_form::consolidate::{PreviousError, PreviousWinners};

fn load(dir: &Path, name: &str, bytes: &[u8]) -> Result<PreviousWinners, PreviousError> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    PreviousWinners::load(&path)
}

const NAMES: [&str; 3] = [
    "合肥晶叠光能科技股份有限公司",
    "煤矿巷道智能掘锚一体化成套装备及远程集控技术",
    "孙雅婷",
];

#[test]
fn txt_one_name_a_line_blank_lines_and_spaces_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "\u{feff}{}\r\n\r\n  {}  \n{}\n",
        NAMES[0], NAMES[1], NAMES[2]
    );
    let list = load(dir.path(), "历年.txt", text.as_bytes()).unwrap();
    assert_eq!(list.names, NAMES);
}

#[test]
fn csv_takes_the_column_headed_名称_else_the_first_column() {
    let dir = tempfile::tempdir().unwrap();
    let headed = format!(
        "年份,名称,榜单\n2022,{},新锐企业榜\n2021,\"{}\",先导技术榜\n2022,{},技术经理人先锋榜\n",
        NAMES[0], NAMES[1], NAMES[2]
    );
    let list = load(dir.path(), "headed.csv", headed.as_bytes()).unwrap();
    assert_eq!(list.names, NAMES);
    let plain = format!("{},2022\n{},2021\n{}\n", NAMES[0], NAMES[1], NAMES[2]);
    let list = load(dir.path(), "plain.CSV", plain.as_bytes()).unwrap();
    assert_eq!(list.names, NAMES);
    // Saved by Excel on Chinese Windows: GB 18030 (“ANSI”).
    let (gbk, _, _) = encoding_rs::GB18030.encode(&headed);
    let list = load(dir.path(), "gbk.csv", &gbk).unwrap();
    assert_eq!(list.names, NAMES);
}

#[test]
fn xlsx_first_sheet_column_headed_名称_else_first_column() {
    use rust_xlsxwriter::Workbook;
    let dir = tempfile::tempdir().unwrap();

    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "序号").unwrap();
    sheet.write_string(0, 1, "名称").unwrap();
    for (i, n) in NAMES.iter().enumerate() {
        sheet.write_number(i as u32 + 1, 0, i as f64 + 1.0).unwrap();
        sheet.write_string(i as u32 + 1, 1, *n).unwrap();
    }
    // A second sheet is not read.
    book.add_worksheet().write_string(0, 0, "别的").unwrap();
    let list = load(dir.path(), "headed.xlsx", &book.save_to_buffer().unwrap()).unwrap();
    assert_eq!(list.names, NAMES);

    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (i, n) in NAMES.iter().enumerate() {
        sheet.write_string(i as u32, 0, *n).unwrap();
        sheet.write_string(i as u32, 1, "备注").unwrap();
    }
    let list = load(dir.path(), "plain.xlsx", &book.save_to_buffer().unwrap()).unwrap();
    assert_eq!(list.names, NAMES);
}

#[test]
fn unreadable_lists_say_which_file_and_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let err = load(dir.path(), "名单.doc", b"x").unwrap_err().to_string();
    assert!(err.contains("名单.doc") && err.contains(".txt"), "{err}");
    let err = load(dir.path(), "坏.xlsx", b"not a zip")
        .unwrap_err()
        .to_string();
    assert!(err.contains("坏.xlsx") && err.contains("另存为"), "{err}");
    let err = load(dir.path(), "空.txt", b"\n  \n")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("空.txt") && err.contains("没有任何名称"),
        "{err}"
    );
    let err = PreviousWinners::load(&dir.path().join("无.txt"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("无.txt") && err.contains("不存在"), "{err}");
}

fn list(names: &[&str]) -> PreviousWinners {
    PreviousWinners::from_names("历年.txt".into(), names.iter().map(|n| n.to_string()))
}

#[test]
fn exact_after_normalising_width_spaces_brackets_and_company_suffixes() {
    let winners = list(&["ＡＢＣ智能科技（深圳）有限责任公司", "孙雅婷"]);
    let m = winners.matcher();
    for written in [
        "abc智能科技(深圳)有限公司",
        "ABC 智能科技（深圳）股份有限公司",
        "ＡＢＣ智能科技　(深圳)",
    ] {
        let hit = m.find(written).unwrap_or_else(|| panic!("{written}"));
        assert!(hit.exact, "{written}");
        assert_eq!(hit.name, "ＡＢＣ智能科技（深圳）有限责任公司");
    }
    let hit = m.find(" 孙 雅婷").unwrap();
    assert!(hit.exact);
    assert_eq!(m.find("某某科技有限公司"), None);
}

#[test]
fn close_matches_are_flagged_separately_and_short_names_match_exactly_only() {
    let winners = list(&[
        "煤矿巷道智能掘锚一体化成套装备及远程集控技术",
        "深圳湾创智能硬件专业孵化器",
        "孙雅婷",
        "星衡导航",
    ]);
    let m = winners.matcher();
    let close = |name: &str| {
        let hit = m.find(name);
        assert!(hit.as_ref().is_some_and(|h| !h.exact), "{name}: {hit:?}");
        hit.unwrap().name
    };
    // Two characters changed in a long name.
    assert_eq!(
        close("煤矿巷道智能掘锚一体化成套设备及远程监控技术"),
        "煤矿巷道智能掘锚一体化成套装备及远程集控技术"
    );
    // One contains the other.
    assert_eq!(
        close("深圳湾创智能硬件专业孵化器（二期）"),
        "深圳湾创智能硬件专业孵化器"
    );
    assert_eq!(close("星衡导航科技"), "星衡导航");
    // One character off in a 4–7 character name, but not two.
    assert_eq!(close("星恒导航"), "星衡导航");
    assert_eq!(m.find("星恒导行"), None);
    // Three changes in a long name are not close.
    assert_eq!(m.find("煤矿巷道智能掘锚一体化成套设备及远端监控技术"), None);
    // A person's name (under 4 characters) matches exactly or not at all.
    assert_eq!(m.find("孙雅琴"), None);
    assert_eq!(m.find("孙雅婷婷"), None);
    assert_eq!(allowed_distance(3), 0);
    assert_eq!(allowed_distance(4), 1);
    assert_eq!(allowed_distance(8), 2);
}
