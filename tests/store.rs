//! The local draft store: saving, listing, the trash, damaged files, other definitions,
//! write failures and autosave.
#![allow(clippy::disallowed_methods)] // tests set up their files directly

mod common;

use std::time::Duration;

use common::*;
use kczg_form::store::autosave::{Autosaver, SaveStatus};
use kczg_form::store::{Entry, Store, StoreError};
use serde_json::json;

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path()).unwrap();
    (dir, store)
}

fn ok_entries(entries: &[Entry]) -> Vec<&kczg_form::store::Summary> {
    entries
        .iter()
        .filter_map(|e| match e {
            Entry::Ok(s) => Some(s),
            Entry::Damaged { .. } | Entry::Unusable { .. } => None,
        })
        .collect()
}

#[test]
fn create_list_and_load_keep_every_value() {
    let (_dir, store) = store();
    let defs = defs();
    let mut draft = fixture("leading_tech-biomedicine");
    draft
        .values
        .insert("future_field".into(), json!({"kept": true}));
    draft.extra.insert("tool".into(), json!("x"));
    let id = store.create(&draft).unwrap();
    let opened = store.load(&defs, &id).unwrap();
    let mut expected = draft.clone();
    expected.meta = opened.draft.meta.clone(); // save stamps `updated`
    assert_eq!(opened.draft, expected);
    assert!(opened.draft.meta.contains_key("updated"));
    assert_eq!(
        opened.misfits,
        ["「future_field」在当前表单定义中没有对应的字段（值已保留）"]
    );

    let entries = store.list(&defs, today());
    let s = ok_entries(&entries);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].id, id);
    assert_eq!(s[0].name, draft.values["tech_name"].as_str().unwrap());
    assert_eq!(s[0].list_name, "先导技术榜");
    assert_eq!(s[0].domain_name.as_deref(), Some("生物医药"));
    // As the form page counts it: the value without a field is a warning.
    assert_eq!((s[0].errors, s[0].warnings), (0, 1));
}

#[test]
fn saving_the_same_content_twice_does_not_rewrite_the_file() {
    let (_dir, store) = store();
    let draft = fixture("tech_manager");
    let id = store.create(&draft).unwrap();
    let path = store.path_of(&id);
    let before = std::fs::read(&path).unwrap();
    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
    std::thread::sleep(Duration::from_millis(20));
    assert!(
        !store.save(&id, &draft).unwrap(),
        "unchanged content must not be written"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(
        std::fs::metadata(&path).unwrap().modified().unwrap(),
        modified
    );
    assert!(
        store
            .save(&id, &with(draft, "position", json!("主任")))
            .unwrap()
    );
}

#[cfg(unix)]
#[test]
fn draft_files_are_readable_by_the_user_only() {
    use std::os::unix::fs::PermissionsExt;
    let (_dir, store) = store();
    let id = store.create(&fixture("innovation_org")).unwrap();
    let mode = std::fs::metadata(store.path_of(&id))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn rename_duplicate_delete_restore_and_empty_the_trash() {
    let (_dir, store) = store();
    let defs = defs();
    let id = store.create(&fixture("innovation_org")).unwrap();
    store.rename(&id, "  孵化器 2023 申报  ").unwrap();
    let copy = store.duplicate(&defs, &id).unwrap();
    assert_ne!(copy, id);
    let names: Vec<String> = ok_entries(&store.list(&defs, today()))
        .iter()
        .map(|s| s.name.clone())
        .collect();
    assert!(names.contains(&"孵化器 2023 申报".to_owned()), "{names:?}");
    assert!(
        names.contains(&"孵化器 2023 申报（副本）".to_owned()),
        "{names:?}"
    );
    // The copy holds the same organisation details.
    assert_eq!(
        store.load(&defs, &copy).unwrap().draft.values,
        store.load(&defs, &id).unwrap().draft.values
    );

    store.delete(&id).unwrap();
    assert_eq!(store.list(&defs, today()).len(), 1);
    assert_eq!(store.trashed(), std::slice::from_ref(&id));
    store.restore(&id).unwrap();
    assert_eq!(store.list(&defs, today()).len(), 2);
    store.delete(&copy).unwrap();
    assert_eq!(store.empty_trash().unwrap(), 1);
    assert!(store.trashed().is_empty());
    assert!(matches!(store.restore(&copy), Err(StoreError::NotFound(_))));
    assert!(matches!(
        store.delete("../../etc/passwd"),
        Err(StoreError::NotFound(_))
    ));
}

/// Duplicate, trash and restore take a draft's attachments along; an unnamed draft's copy is
/// told apart until its own name changes.
#[test]
fn attachments_go_with_duplicate_trash_and_restore() {
    let (dir, store) = store();
    let defs = defs();
    let limits = defs.call.attachments;
    let id = store.create(&fixture("innovation_org")).unwrap();
    let scan = dir.path().join("扫描.pdf");
    std::fs::write(&scan, b"%PDF-1.7\n...").unwrap();
    store.attachments(&id).add(&scan, &limits, true).unwrap();
    let licence = dir.path().join("营业执照.jpg");
    std::fs::write(&licence, b"\xFF\xD8\xFF\xE0").unwrap();
    store
        .attachments(&id)
        .add(&licence, &limits, false)
        .unwrap();
    let names = |id: &str| -> Vec<String> {
        store
            .attachments(id)
            .list()
            .into_iter()
            .map(|s| s.name)
            .collect()
    };
    assert_eq!(names(&id), ["盖章扫描件.pdf", "营业执照.jpg"]);

    let copy = store.duplicate(&defs, &id).unwrap();
    assert_eq!(names(&copy), names(&id));
    let listed: Vec<String> = ok_entries(&store.list(&defs, today()))
        .iter()
        .map(|s| s.name.clone())
        .collect();
    let original = "深圳湾创智能硬件专业孵化器";
    assert!(listed.contains(&original.to_owned()), "{listed:?}");
    assert!(
        listed.contains(&format!("{original}（副本）")),
        "the unnamed copy is told apart: {listed:?}"
    );
    // Its own name given in the form: no longer a 「副本」.
    let mut changed = store.load(&defs, &copy).unwrap().draft;
    changed.set(
        &defs.form("innovation_org").unwrap().name_field,
        Some("另一个孵化器".into()),
    );
    store.save(&copy, &changed).unwrap();
    let listed: Vec<String> = ok_entries(&store.list(&defs, today()))
        .iter()
        .map(|s| s.name.clone())
        .collect();
    assert!(listed.contains(&"另一个孵化器".to_owned()), "{listed:?}");

    store.delete(&id).unwrap();
    assert!(names(&id).is_empty(), "gone with the draft");
    assert!(!store.attachments_dir(&id).exists());
    let back = store.restore(&id).unwrap();
    assert_eq!(back, id);
    assert_eq!(names(&id), ["盖章扫描件.pdf", "营业执照.jpg"]);

    // A draft of the same id made meanwhile: the restored one gets a new id, files and all.
    store.delete(&id).unwrap();
    std::fs::create_dir_all(store.attachments_dir(&id)).unwrap();
    let back = store.restore(&id).unwrap();
    assert_ne!(back, id);
    assert_eq!(names(&back), ["盖章扫描件.pdf", "营业执照.jpg"]);

    store.delete(&back).unwrap();
    assert_eq!(store.empty_trash().unwrap(), 1);
    assert!(!store.trash_dir().join("attachments").join(&back).exists());
}

#[test]
fn import_a_draft_file_and_save_a_copy_elsewhere() {
    let (dir, store) = store();
    let id = store
        .import_file(&fixture_path("emerging_enterprise.json"))
        .unwrap();
    let out = dir.path().join("copy.json");
    store.save_copy(&id, &out).unwrap();
    let copy = kczg_form::Draft::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(copy.values, fixture("emerging_enterprise").values);
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{ not json").unwrap();
    // Not a draft of the store: said as such, with no advice to move it aside.
    let err = store.import_file(&bad).unwrap_err();
    assert!(matches!(err, StoreError::NotADraft { .. }), "{err:?}");
    assert!(!err.to_string().contains("移到一旁"), "{err}");
}

#[test]
fn damaged_files_are_listed_with_the_reason_never_overwritten_and_can_be_moved_aside() {
    let (_dir, store) = store();
    let defs = defs();
    let good = store.create(&fixture("tech_manager")).unwrap();
    let full = fixture("tech_manager").to_json();
    let cases = [
        ("bad-json", "{\"format\": ".to_owned(), "不是有效的 JSON"),
        ("truncated", full[..full.len() / 3].to_owned(), "中途结束"),
        ("other-format", r#"{"format": "wps/other", "version": 1}"#.to_owned(), "不是申报草稿"),
        (
            "newer",
            r#"{"format": "kczg-form/draft", "version": 7, "call": "2023", "list": "tech_manager", "values": {}}"#.to_owned(),
            "请升级本程序",
        ),
    ];
    for (id, text, _) in &cases {
        std::fs::write(store.path_of(id), text).unwrap();
    }
    let entries = store.list(&defs, today());
    assert_eq!(
        ok_entries(&entries).len(),
        1,
        "the good draft is still listed"
    );
    for (id, text, words) in &cases {
        let reason = entries
            .iter()
            .find_map(|e| match e {
                Entry::Damaged { id: d, reason, .. } if d == id => Some(reason.clone()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{id} not listed as damaged: {entries:#?}"));
        assert!(reason.contains(words), "{id}: {reason}");
        // Opening and saving over it are refused; the bytes stay as they were.
        assert!(matches!(
            store.load(&defs, id),
            Err(StoreError::Damaged { .. })
        ));
        let err = store.save(id, &fixture("tech_manager")).unwrap_err();
        assert!(err.to_string().contains("为免覆盖"), "{err}");
        assert_eq!(&std::fs::read_to_string(store.path_of(id)).unwrap(), text);
    }
    let aside = store.move_aside("bad-json").unwrap();
    assert!(aside.to_string_lossy().ends_with("bad-json.json.corrupt"));
    assert_eq!(std::fs::read_to_string(&aside).unwrap(), "{\"format\": ");
    // The copy moved aside is still listed, as a file the store no longer uses.
    let entries = store.list(&defs, today());
    assert_eq!(entries.len(), 5);
    assert!(
        entries.iter().any(|e| matches!(e,
            Entry::Unusable { file, reason } if file.ends_with("bad-json.json.corrupt") && reason.contains("移到一旁"))),
        "{entries:#?}"
    );
    assert!(store.load(&defs, &good).is_ok());
}

#[test]
fn a_draft_made_with_other_definitions_opens_with_every_value_and_a_list_of_misfits() {
    let (_dir, store) = store();
    let defs = defs();
    let mut draft = with(
        fixture("emerging_enterprise"),
        "industry",
        json!("元宇宙产业"),
    );
    draft
        .values
        .insert("honors".into(), json!(["高新技术企业", "瞪羚企业"]));
    draft.values.insert("employees_2022".into(), json!(120));
    draft.call = "2022".into();
    let id = store.create(&draft).unwrap();
    let opened = store.load(&defs, &id).unwrap();
    assert_eq!(opened.draft.values, draft.values, "every value kept");
    let misfits = opened.misfits.join("\n");
    for words in [
        "2022 年征集",
        "「所属战略性新兴产业领域」的选项「元宇宙产业」",
        "「资质荣誉」的选项「瞪羚企业」",
        "「employees_2022」",
    ] {
        assert!(misfits.contains(words), "{words} in {misfits}");
    }
}

#[test]
fn the_index_is_a_cache_that_follows_the_files() {
    let (dir, store) = store();
    let defs = defs();
    let id = store.create(&fixture("tech_manager")).unwrap();
    assert_eq!(ok_entries(&store.list(&defs, today()))[0].errors, 0);
    assert!(dir.path().join("index.json").exists());
    // Edited behind the index's back: the new content is listed.
    let broken = with(fixture("tech_manager"), "competence", json!(""));
    std::fs::write(store.path_of(&id), broken.to_json()).unwrap();
    assert_eq!(ok_entries(&store.list(&defs, today()))[0].errors, 1);
    // A broken index is rebuilt.
    std::fs::write(dir.path().join("index.json"), "garbage").unwrap();
    assert_eq!(ok_entries(&store.list(&defs, today()))[0].errors, 1);
    std::fs::remove_file(store.path_of(&id)).unwrap();
    assert!(store.list(&defs, today()).is_empty());
}

#[test]
fn a_folder_that_cannot_be_created_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-folder");
    std::fs::write(&file, "x").unwrap();
    let err = Store::at(&file).unwrap_err();
    assert!(
        err.to_string().contains("无法创建或打开草稿文件夹"),
        "{err}"
    );
}

/// A write that fails (here: the target is a folder, which fails even for root) is reported
/// in Chinese, the content stays pending in the autosaver, and the next save succeeds.
#[test]
fn a_failed_write_keeps_the_values_and_the_next_save_retries() {
    let (_dir, store) = store();
    let draft = fixture("leading_tech-equipment");
    let id = store.create(&draft).unwrap();
    let path = store.path_of(&id);
    std::fs::remove_file(&path).unwrap();
    std::fs::create_dir(&path).unwrap();
    let err = store.save(&id, &draft).unwrap_err();
    // The store says what is wrong; it promises no retry (only the autosaver retries).
    assert!(err.to_string().contains("为免覆盖未作保存"), "{err}");
    assert!(!err.to_string().contains("稍后"), "{err}");

    let saver = Autosaver::new(store.clone(), Duration::from_millis(50));
    let edited = with(draft, "tech_name", json!("改过的技术名称"));
    saver.changed(&id, &edited);
    saver.flush();
    assert!(
        matches!(saver.status(&id), Some(SaveStatus::Failed(_))),
        "{:?}",
        saver.status(&id)
    );
    std::fs::remove_dir(&path).unwrap();
    saver.save_now();
    saver.flush();
    assert!(
        matches!(saver.status(&id), Some(SaveStatus::Saved(_))),
        "{:?}",
        saver.status(&id)
    );
    let on_disk = kczg_form::Draft::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(on_disk.values["tech_name"], "改过的技术名称");
}

#[test]
fn autosave_waits_for_a_pause_saves_now_on_demand_and_flushes_on_close() {
    let (_dir, store) = store();
    let draft = fixture("innovation_org-union");
    let id = store.create(&draft).unwrap();
    let path = store.path_of(&id);
    let saver = Autosaver::new(store.clone(), Duration::from_millis(400));
    let v1 = with(draft.clone(), "org_name", json!("第一次修改"));
    saver.changed(&id, &v1);
    assert_eq!(saver.status(&id), Some(SaveStatus::Pending));
    std::thread::sleep(Duration::from_millis(100));
    let on_disk =
        |p: &std::path::Path| kczg_form::Draft::from_slice(&std::fs::read(p).unwrap()).unwrap();
    assert_eq!(
        on_disk(&path).values["org_name"],
        draft.values["org_name"],
        "not yet"
    );
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(
        on_disk(&path).values["org_name"],
        "第一次修改",
        "written after the pause"
    );
    assert!(matches!(saver.status(&id), Some(SaveStatus::Saved(_))));

    let v2 = with(draft.clone(), "org_name", json!("第二次修改"));
    saver.changed(&id, &v2);
    saver.save_now();
    std::thread::sleep(Duration::from_millis(150));
    assert_eq!(
        on_disk(&path).values["org_name"],
        "第二次修改",
        "Ctrl+S writes at once"
    );

    let v3 = with(draft, "org_name", json!("关闭前的修改"));
    saver.changed(&id, &v3);
    drop(saver);
    assert_eq!(
        on_disk(&path).values["org_name"],
        "关闭前的修改",
        "closing flushes"
    );
}

/// An export opened again (the applicant's own file, on the machine where its draft is): the
/// new draft says where it came from in 我的草稿, keeps `meta.created`, and its 附件清单 finds
/// its files — copied from the original draft, the sealed scan too; a second opening of the
/// same export still takes them from the original.
#[test]
fn an_opened_export_says_where_it_came_from_and_finds_its_files_in_the_original_draft() {
    let (dir, store) = store();
    let defs = defs();
    let limits = defs.call.attachments;
    let form = defs.form("innovation_org").unwrap();
    let mut draft = fixture("innovation_org");
    let rows = form.roles.attachments.clone().unwrap();
    draft.values.insert(
        rows.clone(),
        json!([{"name": "营业执照副本", "file": "营业执照.jpg"}]),
    );
    let original = store.create(&draft).unwrap();
    let licence = dir.path().join("营业执照.jpg");
    std::fs::write(&licence, b"\xFF\xD8\xFF\xE0 jpeg").unwrap();
    store
        .attachments(&original)
        .add(&licence, &limits, false)
        .unwrap();
    let scan = dir.path().join("扫描.pdf");
    std::fs::write(&scan, b"%PDF-1.7\n...").unwrap();
    store
        .attachments(&original)
        .add(&scan, &limits, true)
        .unwrap();
    let saved = store.load(&defs, &original).unwrap().draft;
    let created = saved.meta["created"].clone();

    let bytes = kczg_form::docx::export(
        &defs,
        form,
        &saved,
        kczg_form::docx::ExportOptions {
            preview: true,
            today: today(),
        },
    )
    .unwrap();
    let path = dir.path().join("导出.docx");
    std::fs::write(&path, &bytes).unwrap();
    let names = |id: &str| -> Vec<String> {
        store
            .attachments(id)
            .list()
            .into_iter()
            .map(|s| s.name)
            .collect()
    };
    for time in 0..2 {
        let opened = kczg_form::intake::open(&defs, &path, today()).unwrap();
        let adopted = store
            .adopt(
                &defs,
                &opened.submissions[0],
                "导出.docx",
                &opened.bytes,
                today(),
            )
            .unwrap();
        assert_eq!(
            adopted.original.as_deref(),
            Some(original.as_str()),
            "{time}"
        );
        assert_eq!((adopted.from_file, adopted.from_original), (0, 2));
        assert!(adopted.missing.is_empty() && adopted.refused.is_empty());
        assert_eq!(names(&adopted.id), names(&original));
        let on_disk = store.load(&defs, &adopted.id).unwrap().draft;
        assert_eq!(on_disk.meta["created"], created, "meta.created is kept");
        assert_eq!(on_disk.values, saved.values);
    }
    let listed: Vec<String> = ok_entries(&store.list(&defs, today()))
        .iter()
        .map(|s| s.name.clone())
        .collect();
    let from = format!(
        "深圳湾创智能硬件专业孵化器（来自 导出.docx，{}）",
        today().format("%Y-%m-%d")
    );
    assert_eq!(
        listed.iter().filter(|n| **n == from).count(),
        2,
        "{listed:?}"
    );
    assert!(listed.contains(&"深圳湾创智能硬件专业孵化器".to_owned()));
}

/// `meta.created` is stamped once: a draft in hand that has none (a new form still open) does
/// not stamp it again on every save.
#[test]
fn meta_created_is_written_once() {
    let (_dir, store) = store();
    let defs = defs();
    let mut draft = fixture("tech_manager");
    draft.meta.remove("created");
    let id = store.create(&draft).unwrap();
    let first = store.load(&defs, &id).unwrap().draft.meta["created"].clone();
    std::thread::sleep(Duration::from_millis(1100));
    draft.set("person_name", Some("李四".into()));
    store.save(&id, &draft).unwrap();
    let again = store.load(&defs, &id).unwrap().draft;
    assert_eq!(again.meta["created"], first);
    assert_ne!(again.meta["updated"], first, "updated moves on");
}
