//! Parquet and WebDataset writers (in progress).
