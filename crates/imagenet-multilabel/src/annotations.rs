//! Loading `human_accuracy_v3.0.0.json` into the index (in progress).
