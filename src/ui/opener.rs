//! Opening a folder, a file or a `mailto:` link with the system's own program, and knowing
//! whether it worked: from the opener's exit status (`xdg-open` exits 3 or 4 when nothing
//! handles the link, macOS `open` 1) or, on Windows, from what ShellExecute returns (no
//! association) — never from a program merely having started.

use std::ffi::OsStr;
use std::path::Path;
use std::time::{Duration, Instant};

/// Why something could not be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenError {
    /// The system's opener itself is missing (no `xdg-open`).
    NoOpener,
    /// Nothing on the machine handles it (no mail program for `mailto:`).
    NoHandler,
    /// The opener tried and failed.
    Failed,
}

/// How long the opener is waited for: `xdg-open` returns once the program is started, but a
/// handler run in its place may keep it; past this it is taken as started.
const WAIT: Duration = Duration::from_secs(8);

/// Opens `target` with the system's program (`opener` instead of `xdg-open`/`open`, for
/// tests). Blocks until the opener has answered: call it off the frame.
pub fn open(target: &OsStr, opener: Option<&Path>) -> Result<(), OpenError> {
    #[cfg(target_os = "macos")]
    let default = "open";
    #[cfg(not(target_os = "macos"))]
    let default = "xdg-open";
    let mut command = match opener {
        Some(program) => std::process::Command::new(program),
        // On Windows ShellExecute runs in a helper process, this same program with
        // `shell-open`: a shell extension or URL handler that crashes or never returns
        // (Wine's shell32 does both with a `mailto:` link of 1,000 characters) takes the
        // helper, not the form being filled. It exits as xdg-open does.
        None if cfg!(windows) => {
            let Ok(me) = std::env::current_exe() else {
                return Err(OpenError::NoOpener);
            };
            let mut c = std::process::Command::new(me);
            c.arg(SHELL_OPEN);
            #[cfg(windows)]
            {
                use std::os::windows::process::CommandExt;
                const CREATE_NO_WINDOW: u32 = 0x0800_0000;
                c.creation_flags(CREATE_NO_WINDOW);
            }
            c
        }
        None => std::process::Command::new(default),
    };
    let helper = opener.is_none() && cfg!(windows);
    let mut child = command
        .arg(target)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied => {
                OpenError::NoOpener
            }
            _ => OpenError::Failed,
        })?;
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                return match status.code() {
                    Some(0) => Ok(()),
                    // xdg-open: 3 a required tool is missing, 4 the action failed (no
                    // handler); macOS open: 1 no application.
                    Some(3) | Some(4) => Err(OpenError::NoHandler),
                    Some(1) if cfg!(target_os = "macos") => Err(OpenError::NoHandler),
                    _ => Err(OpenError::Failed),
                };
            }
            Ok(None) if started.elapsed() < WAIT => std::thread::sleep(Duration::from_millis(20)),
            // ShellExecute returns once the program is started: a helper still waiting on it
            // is stuck, and is ended.
            Ok(None) if helper => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(OpenError::Failed);
            }
            // Still running: the program it started is showing.
            Ok(None) => return Ok(()),
            Err(_) => return Err(OpenError::Failed),
        }
    }
}

/// The hidden command of the helper process that opens a target with ShellExecute
/// (`kczg-form shell-open TARGET`).
pub const SHELL_OPEN: &str = "shell-open";

/// The helper's work: ShellExecute on `target`, said as xdg-open's exit status (0 opened,
/// 4 nothing handles it, 1 failed). Elsewhere than Windows: 1.
pub fn shell_open_here(target: &OsStr) -> u8 {
    #[cfg(windows)]
    {
        match shell_execute(target) {
            Ok(()) => 0,
            Err(OpenError::NoHandler) => 4,
            Err(_) => 1,
        }
    }
    #[cfg(not(windows))]
    {
        let _ = target;
        1
    }
}

#[cfg(windows)]
fn shell_execute(target: &OsStr) -> Result<(), OpenError> {
    use std::os::windows::ffi::OsStrExt;
    use windows_sys::Win32::System::Com::{
        COINIT_APARTMENTTHREADED, COINIT_DISABLE_OLE1DDE, CoInitializeEx,
    };
    use windows_sys::Win32::UI::Shell::ShellExecuteW;
    use windows_sys::Win32::UI::WindowsAndMessaging::SW_SHOWNORMAL;
    // ShellExecute may hand the work to a shell extension over COM: the thread is made a
    // single-threaded apartment first, as Microsoft asks. (A second call on the same
    // thread returns S_FALSE, which is fine.)
    // SAFETY: a null reserved pointer and valid flags.
    unsafe {
        CoInitializeEx(
            std::ptr::null(),
            (COINIT_APARTMENTTHREADED | COINIT_DISABLE_OLE1DDE) as u32,
        );
    }
    let wide: Vec<u16> = target.encode_wide().chain(std::iter::once(0)).collect();
    let verb: Vec<u16> = "open".encode_utf16().chain(std::iter::once(0)).collect();
    // SAFETY: both strings are NUL-terminated UTF-16 that outlive the call; the other
    // pointers may be null.
    let result = unsafe {
        ShellExecuteW(
            std::ptr::null_mut(),
            verb.as_ptr(),
            wide.as_ptr(),
            std::ptr::null(),
            std::ptr::null(),
            SW_SHOWNORMAL,
        )
    } as isize;
    // Above 32 is success; SE_ERR_NOASSOC (31) and SE_ERR_ASSOCINCOMPLETE (27): nothing
    // handles it.
    match result {
        r if r > 32 => Ok(()),
        27 | 31 => Err(OpenError::NoHandler),
        2 | 3 => Err(OpenError::Failed),
        _ => Err(OpenError::Failed),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn script(dir: &Path, exit: i32) -> std::path::PathBuf {
        let path = dir.join(format!("opener-{exit}"));
        crate::files::write_atomic(&path, format!("#!/bin/sh\nexit {exit}\n").as_bytes()).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[test]
    fn the_openers_exit_status_says_whether_it_worked() {
        let dir = tempfile::tempdir().unwrap();
        let target = OsStr::new("mailto:gxtdzxh@126.com");
        assert_eq!(open(target, Some(&script(dir.path(), 0))), Ok(()));
        assert_eq!(
            open(target, Some(&script(dir.path(), 3))),
            Err(OpenError::NoHandler)
        );
        assert_eq!(
            open(target, Some(&script(dir.path(), 4))),
            Err(OpenError::NoHandler)
        );
        assert_eq!(
            open(target, Some(&script(dir.path(), 2))),
            Err(OpenError::Failed)
        );
        assert_eq!(
            open(target, Some(&dir.path().join("no-such-opener"))),
            Err(OpenError::NoOpener)
        );
    }
}
