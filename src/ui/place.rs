//! Where the window was and which folder files were last saved to or opened from: kept in
//! `window.json` in the data folder, read before the window opens and written when it closes
//! (and when a dialog has chosen a folder), so the next start looks the same.
//!
//! The first window fits a 1280×720 work area less a taskbar and a title bar (a 1920×1080
//! screen at 150 % is 1280×720): [`FIRST_SIZE`].

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The inner size of the first window: 1280×720 less a 48-pixel taskbar and a 32-pixel title
/// bar leaves 640 in height.
pub const FIRST_SIZE: [f32; 2] = [1120.0, 640.0];
/// The smallest window the pages are laid out for.
pub const MIN_SIZE: [f32; 2] = [800.0, 520.0];
/// What is read of `window.json` at most: it holds a few numbers and a path.
const LIMIT: u64 = 64 * 1024;
const FILE: &str = "window.json";

/// The window's last size and place, and the last folder a file dialog was in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Place {
    /// Inner size in points.
    pub size: Option<[f32; 2]>,
    /// Outer top-left corner in points.
    pub position: Option<[f32; 2]>,
    pub maximized: bool,
    /// The folder of the last file saved or opened through a dialog.
    pub folder: Option<PathBuf>,
}

impl Place {
    /// What `root/window.json` holds; the defaults when it is missing or unreadable (it is only
    /// a convenience: a broken one is ignored and replaced at the next close).
    pub fn load(root: &Path) -> Place {
        crate::files::read_bounded(&root.join(FILE), LIMIT)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Place>(&bytes).ok())
            .map(Place::sane)
            .unwrap_or_default()
    }

    /// Writes it to `root/window.json` (atomically; readable by the user only).
    pub fn save(&self, root: &Path) -> Result<(), crate::files::FileError> {
        let bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        crate::files::write_private(&root.join(FILE), &bytes)
    }

    /// Sizes and places a hand-edited or stale file could make unusable, made usable: a size
    /// between [`MIN_SIZE`] and 16,384, a position no further than a screen away.
    fn sane(mut self) -> Place {
        let finite = |v: [f32; 2]| v.iter().all(|x| x.is_finite());
        self.size = self.size.filter(|s| finite(*s)).map(|[w, h]| {
            [
                w.clamp(MIN_SIZE[0], 16_384.0),
                h.clamp(MIN_SIZE[1], 16_384.0),
            ]
        });
        self.position = self
            .position
            .filter(|p| finite(*p) && p.iter().all(|x| (-16_384.0..=16_384.0).contains(x)));
        self
    }

    /// The first viewport: the last size and place, else [`FIRST_SIZE`] wherever the system
    /// puts it.
    pub fn viewport(&self, builder: egui::ViewportBuilder) -> egui::ViewportBuilder {
        let builder = builder
            .with_inner_size(self.size.unwrap_or(FIRST_SIZE))
            .with_min_inner_size(MIN_SIZE)
            .with_maximized(self.maximized);
        match self.position {
            Some(p) => builder.with_position(p),
            None => builder,
        }
    }

    /// Reads the window's size and place from this frame's viewport info. Not while minimized
    /// or maximized: the size to come back to is the one before.
    pub fn follow(&mut self, info: &egui::ViewportInfo) {
        self.maximized = info.maximized.unwrap_or(false);
        if self.maximized || info.minimized == Some(true) {
            return;
        }
        if let Some(inner) = info.inner_rect {
            self.size = Some([inner.width(), inner.height()]);
        }
        if let Some(outer) = info.outer_rect {
            self.position = Some([outer.min.x, outer.min.y]);
        }
    }

    /// Where a file dialog starts: the last folder when it is still there, else 文档 (then the
    /// home folder).
    pub fn dialog_folder(&self) -> Option<PathBuf> {
        self.folder
            .clone()
            .filter(|f| f.is_dir())
            .or_else(documents_folder)
    }

    /// Remembers the folder of `file`, chosen in a dialog.
    pub fn chose(&mut self, file: &Path) {
        if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
            self.folder = Some(dir.to_path_buf());
        }
    }
}

/// 文档 (Documents), else the home folder.
pub fn documents_folder() -> Option<PathBuf> {
    let dirs = directories::UserDirs::new()?;
    Some(dirs.document_dir().unwrap_or(dirs.home_dir()).to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_window_fits_a_1280_by_720_work_area() {
        let v = Place::default().viewport(egui::ViewportBuilder::default());
        let size = v.inner_size.unwrap();
        // Less a 48-pixel taskbar and a 32-pixel title bar.
        assert!(
            size.x <= 1280.0 && size.y + 48.0 + 32.0 <= 720.0,
            "{size:?}"
        );
        assert!(size.x >= MIN_SIZE[0] && size.y >= MIN_SIZE[1]);
    }

    #[test]
    fn the_last_size_place_and_folder_come_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut place = Place::default();
        let info = egui::ViewportInfo {
            inner_rect: Some(egui::Rect::from_min_size(
                egui::pos2(110.0, 150.0),
                egui::vec2(1000.0, 600.0),
            )),
            outer_rect: Some(egui::Rect::from_min_size(
                egui::pos2(100.0, 120.0),
                egui::vec2(1010.0, 630.0),
            )),
            maximized: Some(false),
            ..Default::default()
        };
        place.follow(&info);
        place.chose(&dir.path().join("申报表.docx"));
        place.save(dir.path()).unwrap();
        let back = Place::load(dir.path());
        assert_eq!(back, place);
        let v = back.viewport(egui::ViewportBuilder::default());
        assert_eq!(v.inner_size, Some(egui::vec2(1000.0, 600.0)));
        assert_eq!(v.position, Some(egui::pos2(100.0, 120.0)));
        assert_eq!(back.dialog_folder(), Some(dir.path().to_path_buf()));

        // Maximized: the size to come back to is kept.
        let mut maxed = back.clone();
        maxed.follow(&egui::ViewportInfo {
            inner_rect: Some(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                egui::vec2(1920.0, 1040.0),
            )),
            maximized: Some(true),
            ..Default::default()
        });
        assert!(maxed.maximized);
        assert_eq!(maxed.size, back.size);
    }

    #[test]
    fn a_broken_or_hostile_file_gives_the_first_window() {
        let dir = tempfile::tempdir().unwrap();
        for text in [
            "{",
            "[]",
            r#"{"size": "big"}"#,
            r#"{"size": [1e30, -5], "position": [1e9, 0]}"#,
        ] {
            crate::files::write_atomic(&dir.path().join(FILE), text.as_bytes()).unwrap();
            let place = Place::load(dir.path());
            let v = place.viewport(egui::ViewportBuilder::default());
            let size = v.inner_size.unwrap();
            assert!(
                size.x <= 16_384.0 && size.y >= MIN_SIZE[1],
                "{text}: {size:?}"
            );
            assert_eq!(v.position, None, "{text}");
        }
        // A folder gone since: 文档 instead.
        let gone = Place {
            folder: Some(dir.path().join("没有了")),
            ..Place::default()
        };
        assert_eq!(gone.dialog_folder(), documents_folder());
    }
}
