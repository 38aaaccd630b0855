//! Files linkctl writes (saved plans, live-state snapshots, exports):
//! through the redaction layer, readable by their owner only (mode 0600),
//! and atomically: the text goes to a temporary file in the target's
//! directory, which is then renamed over the target. A rename replaces a
//! symbolic link at the target instead of writing through it, and a reader
//! never sees half a file.
//!
//! A leaf module, like [`crate::redact`], which it uses.

use std::io::Write;
use std::path::Path;

/// Writes `text` to `path` (see the module documentation).
pub fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // `tempfile` creates the file with mode 0600 on Unix.
    let mut tmp = tempfile::Builder::new()
        .prefix(".linkctl-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(crate::redact::text(text).as_bytes())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn private_atomic_and_never_through_a_symlink() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere.txt");
        std::fs::write(&elsewhere, "untouched").unwrap();
        let target = dir.path().join("plan.json");
        std::os::unix::fs::symlink(&elsewhere, &target).unwrap();
        write_private(&target, "the plan\n").unwrap();
        assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "untouched");
        let meta = std::fs::symlink_metadata(&target).unwrap();
        assert!(meta.file_type().is_file(), "the link was replaced");
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "the plan\n");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 2, "no temporary file is left behind");
    }
}
