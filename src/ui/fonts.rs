//! One font setup for the app and every GUI test: the bundled Noto Sans CJK SC subset first for
//! text, after egui's own font for monospace (so Latin keeps its fixed width). Characters outside
//! the subset come from system fonts through eframe's `system_fonts` fallback.

use std::sync::Arc;

use egui::{FontData, FontDefinitions, FontFamily};

/// Noto Sans CJK SC, subset (see `fonts/README.md`), under the SIL Open Font License.
pub static CJK_FONT: &[u8] = include_bytes!("../../fonts/NotoSansCJKsc-Subset.otf");

const NAME: &str = "noto_sans_cjk_sc";

pub fn install_fonts(ctx: &egui::Context) {
    ctx.set_fonts(definitions());
}

pub fn definitions() -> FontDefinitions {
    let mut fonts = FontDefinitions::default();
    fonts
        .font_data
        .insert(NAME.to_owned(), Arc::new(FontData::from_static(CJK_FONT)));
    fonts
        .families
        .entry(FontFamily::Proportional)
        .or_default()
        .insert(0, NAME.to_owned());
    fonts
        .families
        .entry(FontFamily::Monospace)
        .or_default()
        .push(NAME.to_owned());
    fonts
}
