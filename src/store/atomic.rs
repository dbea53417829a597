//! Atomic file writes: a temporary file in the same folder, flushed and synced, then renamed over
//! the target, then the folder synced. A crash leaves either the old file or the new one.

use std::io::Write;
use std::path::Path;

/// Suffix of temporary files; they are never listed as drafts and stale ones are removed.
pub const TEMP_SUFFIX: &str = ".tmp";

/// Writes `bytes` to `path` atomically. On Unix the file is readable by the user only.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("draft");
    // tempfile creates the file with mode 0600 on Unix and a name no one else uses.
    let mut temp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    sync_dir(dir);
    Ok(())
}

/// Makes the rename durable. Best effort: not every platform can open a folder for syncing.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}
