//! Live state snapshots on disk (JSON), for offline plans (`plan --state`).

use std::path::{Path, PathBuf};

use super::model::{LiveState, STATE_FORMAT_VERSION};

/// Reading or writing a live-state file failed.
#[derive(Debug, thiserror::Error)]
pub enum StateFileError {
    #[error("cannot read live state `{path}`: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write live state `{path}`: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{path}` is not a linkctl live state: {source}")]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("`{path}` has live-state format version {found}; this linkctl reads version {STATE_FORMAT_VERSION}")]
    Version { path: PathBuf, found: u32 },
}

/// Parses a live state from JSON text.
pub fn from_json(text: &str) -> Result<LiveState, serde_json::Error> {
    serde_json::from_str(text)
}

/// Pretty JSON of a live state (maps sorted, so stable).
pub fn to_json(state: &LiveState) -> String {
    // LiveState holds only strings, numbers and maps with string keys.
    serde_json::to_string_pretty(state).unwrap_or_default()
}

/// Loads a live state file.
pub fn load(path: &Path) -> Result<LiveState, StateFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| StateFileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let state = from_json(&text).map_err(|source| StateFileError::Parse {
        path: path.to_path_buf(),
        source,
    })?;
    if state.format_version != STATE_FORMAT_VERSION {
        return Err(StateFileError::Version {
            path: path.to_path_buf(),
            found: state.format_version,
        });
    }
    Ok(state)
}

/// Saves a live state file (private, atomic, redacted: [`crate::files`]).
/// The caller strips secrets first ([`LiveState::without_secrets`]).
pub fn save(path: &Path, state: &LiveState) -> Result<(), StateFileError> {
    crate::files::write_private(path, &(to_json(state) + "\n")).map_err(|source| {
        StateFileError::Write {
            path: path.to_path_buf(),
            source,
        }
    })
}
