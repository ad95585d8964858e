//! Synthetic inputs in the real formats, with known answers (in progress).
