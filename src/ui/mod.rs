//! The applicant's GUI (eframe/egui): a thin layer over the library. Screens are functions of
//! their own state that return [`Action`]s; [`KczgApp`] applies them in one place per frame.

mod app;
mod attach;
mod desk;
mod dialogs;
mod eligibility;
mod fields;
pub mod fonts;
mod form;
mod handoff;
mod notices;
pub mod opener;
mod perf;
mod pickers;
mod place;
mod review;
mod start;
mod tasks;

use std::path::PathBuf;

pub use app::{Action, KczgApp, Screen};
pub use desk::{DeskState, SortBy, StatusFilter, SummaryKind};
pub use fonts::install_fonts;
pub use form::{FormState, Page};
pub use notices::{Kind as NoticeKind, Notice, Notices};
pub use tasks::{Asking, SaveDialog};

use crate::Definitions;

/// The zoom the app offers (Ctrl+= and Ctrl+- step by 0.1 between these): every control
/// stays reachable at 1024×600 across the range.
pub const ZOOM_RANGE: std::ops::RangeInclusive<f32> = 0.7..=1.5;

/// Set to 1 to print frame statistics to stderr (start-up time, frames and CPU per second).
pub const PERF_ENV: &str = "KCZG_FORM_PERF";

/// Exports go straight into this folder instead of asking with a dialog.
pub const EXPORT_DIR_ENV: &str = "KCZG_FORM_EXPORT_DIR";

/// The files dropped onto the window this frame (the paths eframe gives; none from the web).
fn dropped_paths(ctx: &egui::Context) -> Vec<PathBuf> {
    ctx.input(|i| {
        i.raw
            .dropped_files
            .iter()
            .map(|f| f.path().to_path_buf())
            .filter(|p| !p.as_os_str().is_empty())
            .collect()
    })
}

/// The app's id: the Wayland app_id, the name of the .desktop entry, the AppStream id, and
/// the qualifier of the data folder on macOS.
pub const APP_ID: &str = "cn.kczg.kczg-form";

/// The window's icon (`assets/icon/`, drawn by `make_icon.py`).
fn icon() -> egui::IconData {
    eframe::icon_data::from_png_bytes(include_bytes!("../../assets/icon/kczg-form-256.png"))
        .unwrap_or_default()
}

/// Opens the main window. `data_dir` overrides where drafts are kept.
/// `first` are applied on the first frame (e.g. open the desk and import files).
pub fn run(
    defs: Definitions,
    data_dir: Option<PathBuf>,
    notice: Option<String>,
    first: Vec<Action>,
) -> eframe::Result {
    let launched = std::time::Instant::now();
    // Read before the store is opened (by the app, once): only the folder is needed.
    let place = crate::store::Store::root_for(data_dir.as_deref())
        .map(|root| place::Place::load(&root))
        .unwrap_or_default();
    let options = eframe::NativeOptions {
        viewport: place.viewport(
            egui::ViewportBuilder::default()
                .with_title("科创中国榜单申报助手")
                // The id of the .desktop entry and the AppStream metainfo (Wayland matches them).
                .with_app_id(APP_ID)
                .with_icon(icon()),
        ),
        ..Default::default()
    };
    eframe::run_native(
        APP_ID,
        options,
        Box::new(move |cc| {
            install_fonts(&cc.egui_ctx);
            let mut app =
                KczgApp::new(defs, data_dir.as_deref(), chrono::Local::now().date_naive());
            app.place = place;
            // Scripted runs and kiosks: export into a fixed folder without a dialog.
            app.export_dir = std::env::var_os(EXPORT_DIR_ENV).map(PathBuf::from);
            if std::env::var_os(PERF_ENV).is_some_and(|v| v == "1") {
                app.perf = Some(perf::Perf::new(launched));
            }
            let ctx = cc.egui_ctx.clone();
            app.set_repaint(Box::new(move || ctx.request_repaint()));
            if let Some(n) = notice {
                app.notices.refusal(n);
            }
            for action in first {
                app.apply(&cc.egui_ctx, action);
            }
            Ok(Box::new(app))
        }),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_window_icon_is_the_256_pixel_png() {
        let icon = super::icon();
        assert_eq!((icon.width, icon.height), (256, 256));
        assert_eq!(icon.rgba.len(), 256 * 256 * 4);
    }
}
