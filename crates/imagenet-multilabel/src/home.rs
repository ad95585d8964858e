//! Where the tool keeps its files: the downloaded annotations and the parse cache.

use std::path::PathBuf;

/// Environment variable that overrides the home directory.
pub const HOME_ENV: &str = "IMAGENET_MULTILABEL_HOME";

/// `$IMAGENET_MULTILABEL_HOME`, else the platform cache directory
/// (`~/.cache/imagenet-multilabel` on Linux). `None` only when neither can be determined.
pub fn home_dir() -> Option<PathBuf> {
    match std::env::var_os(HOME_ENV) {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
        _ => dirs::cache_dir().map(|d| d.join("imagenet-multilabel")),
    }
}

/// Where `fetch` stores the v3.0.0 annotations, and where commands look for them by default.
pub fn default_annotations_path() -> Option<PathBuf> {
    home_dir().map(|d| d.join(crate::index::V3_FILE_NAME))
}
