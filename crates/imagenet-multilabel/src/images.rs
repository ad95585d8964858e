//! JPEG checks and decoding (in progress).
