//! Mail and packages from strangers, read within bounds: a MIME tree 20,000 levels deep,
//! thousands of attachments, an e-mail over the size limit, forwards inside forwards, noise
//! named .eml, and packages with an attachment that inflates to 64 MB or past the limit.
//! Each through `kczg-form validate` (the same intake as the desk), measured: no panic, under
//! 200 MB and the time limit, a Chinese message.
#![allow(clippy::disallowed_methods)] // tests set up their files directly

mod common;

use std::io::Write as _;
use std::path::Path;

use base64::Engine as _;
use common::exported_fixture;
use common::measured::cli;

fn validate(path: &Path) -> common::measured::Run {
    let run = cli(&["validate".as_ref(), path.as_os_str()]);
    let what = path.file_name().unwrap().to_string_lossy().into_owned();
    run.log(&what, "validate");
    run.assert_sound(&what);
    run
}

/// An e-mail with these (name, bytes) attached, base64 in 76-character lines.
fn mail(attachments: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = b"From: a@example.cn\r\nTo: gxtdzxh@126.com\r\nSubject: x\r\nMessage-ID: <h@x>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n".to_vec();
    for (name, bytes) in attachments {
        let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
        write!(
            out,
            "--B\r\nContent-Type: application/octet-stream; name=\"{name}\"\r\nContent-Disposition: attachment; filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        )
        .unwrap();
        for line in encoded.as_bytes().chunks(76) {
            out.extend_from_slice(line);
            out.extend_from_slice(b"\r\n");
        }
    }
    out.extend_from_slice(b"--B--\r\n");
    out
}

#[test]
fn a_mime_tree_twenty_thousand_levels_deep() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = b"From: a@example.cn\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n".to_vec();
    for i in 0..20_000 {
        write!(
            m,
            "--b{i}\r\nContent-Type: multipart/mixed; boundary=\"b{}\"\r\n\r\n",
            i + 1
        )
        .unwrap();
    }
    for i in (0..=20_000).rev() {
        write!(m, "--b{i}--\r\n").unwrap();
    }
    let path = dir.path().join("深.eml");
    std::fs::write(&path, m).unwrap();
    let run = validate(&path);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("没有找到附件"), "{}", run.stderr);
}

#[test]
fn thousands_of_attachments_are_listed_up_to_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let form = exported_fixture("tech_manager");
    let pdf = b"%PDF-1.4\n%%EOF\n".to_vec();
    let names: Vec<String> = (0..3000).map(|i| format!("p{i}.pdf")).collect();
    let mut attachments: Vec<(&str, &[u8])> = vec![("申报表.docx", &form)];
    attachments.extend(names.iter().map(|n| (n.as_str(), pdf.as_slice())));
    let path = dir.path().join("多.eml");
    std::fs::write(&path, mail(&attachments)).unwrap();
    let run = validate(&path);
    assert!(matches!(run.code, Some(0 | 1)), "{}", run.stderr);
    assert!(run.stdout.contains("邮件附件超过 500 个"), "{}", run.stdout);
}

#[test]
fn an_email_over_the_limit_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("大.eml");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(kczg_form::limits::MAIL_BYTES + 1).unwrap(); // sparse: nothing to write
    let run = validate(&path);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("文件过大"), "{}", run.stderr);
}

#[test]
fn forwards_inside_forwards_and_noise_named_eml() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = mail(&[("申报表.docx", &exported_fixture("emerging_enterprise"))]);
    for _ in 0..8 {
        let mut outer = b"From: f@example.cn\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"F\"\r\n\r\n--F\r\nContent-Type: message/rfc822\r\n\r\n".to_vec();
        outer.extend_from_slice(&m);
        outer.extend_from_slice(b"\r\n--F--\r\n");
        m = outer;
    }
    let path = dir.path().join("转发.eml");
    std::fs::write(&path, &m).unwrap();
    let run = validate(&path);
    assert_eq!(
        run.code,
        Some(2),
        "too deep to reach the form: {}",
        run.stdout
    );
    assert!(run.stderr.starts_with("错误："), "{}", run.stderr);

    let noise: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let path = dir.path().join("乱码.eml");
    std::fs::write(&path, noise).unwrap();
    let run = validate(&path);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.starts_with("错误："), "{}", run.stderr);
}

/// A package whose attachment inflates to `mb` MB of zeros.
fn package_with_zeros(path: &Path, mb: usize) {
    let mut out = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(false);
    out.start_file("申报表.docx", options).unwrap();
    out.write_all(&exported_fixture("innovation_org")).unwrap();
    out.start_file("附件/零.pdf", options).unwrap();
    let block = vec![0u8; 1 << 20];
    for _ in 0..mb {
        out.write_all(&block).unwrap();
    }
    out.finish().unwrap();
}

#[test]
fn a_package_attachment_is_streamed_never_held_and_refused_past_its_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("大附件.zip");
    package_with_zeros(&path, 64);
    let run = validate(&path);
    assert!(matches!(run.code, Some(0 | 1)), "{}", run.stderr);
    assert!(run.stdout.contains("innovation_org") || run.stdout.contains("融通创新组织榜"));

    let path = dir.path().join("炸弹.zip");
    package_with_zeros(&path, 201);
    let run = validate(&path);
    assert!(matches!(run.code, Some(0 | 1)), "{}", run.stderr);
    assert!(
        run.stdout.contains("零.pdf") && run.stdout.contains("未能读取"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_hundred_thousand_forwards_inside_each_other_are_refused_before_parsing() {
    // mail-parser frees nested e-mails recursively: parsed, this overflows the stack.
    let dir = tempfile::tempdir().unwrap();
    let mut m = Vec::new();
    for _ in 0..100_000 {
        m.extend_from_slice(b"Content-Type: message/rfc822\r\n\r\n");
    }
    m.extend_from_slice(b"From: a@example.cn\r\n\r\nx\r\n");
    let path = dir.path().join("套娃.eml");
    std::fs::write(&path, m).unwrap();
    let run = validate(&path);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("转发套转发"), "{}", run.stderr);
}

#[test]
fn entries_sharing_one_stream_are_refused() {
    // One deflated megabyte of zeros, then the central directory record repeated with other
    // names, all pointing at it: a small file that would inflate once per record.
    let dir = tempfile::tempdir().unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    out.start_file("a.pdf", zip::write::SimpleFileOptions::default())
        .unwrap();
    out.write_all(&vec![0u8; 1 << 20]).unwrap();
    let one = out.finish().unwrap().into_inner();
    let end = one.len() - 22;
    let dir_at = u32::from_le_bytes(one[end + 16..end + 20].try_into().unwrap()) as usize;
    let record = one[dir_at..end].to_vec();
    let mut bytes = one[..dir_at].to_vec();
    let copies = 20u16;
    for k in 0..copies {
        let mut r = record.clone();
        r[46] = b'a' + k as u8; // another name, the same offset
        bytes.extend_from_slice(&r);
    }
    let mut end_record = one[end..].to_vec();
    end_record[8..10].copy_from_slice(&copies.to_le_bytes());
    end_record[10..12].copy_from_slice(&copies.to_le_bytes());
    end_record[12..16].copy_from_slice(&((record.len() * copies as usize) as u32).to_le_bytes());
    bytes.extend_from_slice(&end_record);
    let path = dir.path().join("重叠.zip");
    std::fs::write(&path, bytes).unwrap();
    let run = validate(&path);
    assert_eq!(run.code, Some(2), "{}", run.stdout);
    assert!(run.stderr.contains("相互重叠"), "{}", run.stderr);
}
