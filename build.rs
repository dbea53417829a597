//! On Windows only: the icon (assets/icon/kczg-form.ico) and the version resource of
//! `kczg-form.exe` and `kczg-form-gui.exe` (File Explorer's 属性 → 详细信息, and the icon shown
//! for the program and its Start-menu entry). Elsewhere nothing is done.

fn main() {
    println!("cargo:rerun-if-changed=assets/icon/kczg-form.ico");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("windows") {
        return;
    }
    let mut res = winresource::WindowsResource::new();
    res.set_icon("assets/icon/kczg-form.ico")
        .set("ProductName", "科创中国榜单申报助手")
        .set("FileDescription", "科创中国榜单申报助手")
        .set("CompanyName", "kczg-form")
        .set("LegalCopyright", "MIT OR Apache-2.0")
        .set("OriginalFilename", "kczg-form.exe")
        .set_language(0x0804); // 中文（中国）
    if let Err(e) = res.compile() {
        // A Windows build without its icon still works; say why, do not fail the build.
        println!("cargo:warning=Windows resource not embedded: {e}");
    }
}
