//! A validating JSON scanner over a byte slice, made for one job: read a few keys of a
//! 200 MB object and skip the rest fast, without materialising it.
//!
//! Why not serde_json with `IgnoredAny`: it took 0.54–0.73 s on 195 MB, and skipping is where
//! the time goes. This scanner skips strings eight bytes at a time (SWAR: one 64-bit word
//! tests eight bytes for `"`, `\`, a control character or a non-ASCII byte), and everything
//! else with a small iterative state machine, so nesting depth costs heap, not stack.
//!
//! It still validates everything it skips — structure, escapes, numbers, literals, UTF-8 —
//! and every error names the byte offset, line and column. It accepts what Python's
//! `json.load` accepts (the real file is written and read by Python): `NaN`, `Infinity` and
//! `-Infinity` as numbers and lone `\uD800`-style surrogate escapes; decoded strings carry
//! U+FFFD for the latter.

use std::borrow::Cow;
use std::path::Path;

use crate::error::Error;

/// Deeper nesting than this is rejected (the real file nests about five levels).
const MAX_DEPTH: usize = 10_000;

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// High bit set in each byte of `w` that ends the fast path inside a string: `"`, `\`, a
/// control character (< 0x20) or a non-ASCII byte (≥ 0x80). Borrows only propagate upwards
/// from a flagged byte, so the lowest flagged byte is always exact.
#[inline]
fn special(w: u64) -> u64 {
    let q = w ^ (LO * b'"' as u64);
    let b = w ^ (LO * b'\\' as u64);
    ((q.wrapping_sub(LO) & !q) | (b.wrapping_sub(LO) & !b) | w.wrapping_sub(LO * 0x20) | w) & HI
}

/// A cursor over JSON bytes. `progress` (if any) is called with the position roughly every
/// `PROGRESS_STEP` bytes, so the caller can release pages it no longer needs.
pub(crate) struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
    path: &'a Path,
    stack: Vec<u8>,
    progress: Option<&'a (dyn Fn(usize) + Sync)>,
    next_mark: usize,
}

/// How often `progress` is called, in bytes.
pub(crate) const PROGRESS_STEP: usize = 4 << 20;

impl<'a> Scanner<'a> {
    pub(crate) fn new(bytes: &'a [u8], path: &'a Path) -> Scanner<'a> {
        Scanner {
            bytes,
            pos: 0,
            path,
            stack: Vec::new(),
            progress: None,
            next_mark: usize::MAX,
        }
    }

    pub(crate) fn with_progress(mut self, progress: &'a (dyn Fn(usize) + Sync)) -> Scanner<'a> {
        self.progress = Some(progress);
        self.next_mark = PROGRESS_STEP;
        self
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn path(&self) -> &'a Path {
        self.path
    }

    #[inline]
    fn mark(&mut self) {
        if self.pos >= self.next_mark {
            if let Some(progress) = self.progress {
                progress(self.pos);
            }
            self.next_mark = self.pos + PROGRESS_STEP;
        }
    }

    /// `line L, column C (byte B)` of `offset`: for messages only (it counts from the start).
    pub(crate) fn place(&self, offset: usize) -> String {
        let (line, column) = line_column(self.bytes, offset);
        format!("line {line}, column {column} (byte {offset})")
    }

    /// A malformed-JSON error at `offset`.
    pub(crate) fn error_at(&self, offset: usize, message: impl Into<String>) -> Error {
        let (line, column) = line_column(self.bytes, offset);
        Error::Json {
            path: self.path.to_path_buf(),
            line,
            column,
            offset: offset as u64,
            message: message.into(),
        }
    }

    /// What is at `pos`, for messages: `` `x` `` or `the end of the file`.
    fn found(&self) -> String {
        match self.bytes.get(self.pos) {
            None => "the end of the file".to_string(),
            Some(&c) if c.is_ascii_graphic() || c == b' ' => format!("`{}`", c as char),
            Some(&c) => format!("byte 0x{c:02x}"),
        }
    }

    /// An error at the current position: expected `what`, found whatever is there.
    pub(crate) fn expected(&self, what: &str) -> Error {
        self.error_at(self.pos, format!("expected {what}, found {}", self.found()))
    }

    #[inline]
    pub(crate) fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    /// Skips whitespace and returns the next byte without consuming it.
    #[inline]
    pub(crate) fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.bytes.get(self.pos).copied()
    }

    /// Whether only whitespace remains.
    pub(crate) fn at_end(&mut self) -> bool {
        self.peek().is_none()
    }

    /// Consumes `{` (after whitespace), or fails expecting `what()`.
    pub(crate) fn begin_object(&mut self, what: impl FnOnce() -> String) -> Result<(), Error> {
        if self.peek() == Some(b'{') {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.expected(&what()))
        }
    }

    /// Consumes `[` (after whitespace), or fails expecting `what()`.
    pub(crate) fn begin_array(&mut self, what: impl FnOnce() -> String) -> Result<(), Error> {
        if self.peek() == Some(b'[') {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.expected(&what()))
        }
    }

    /// The next key of an object opened by `begin_object` (with its byte offset), positioned
    /// at its value; `None` after the closing `}`. `first` tracks whether a `,` is due.
    pub(crate) fn next_key(
        &mut self,
        first: &mut bool,
    ) -> Result<Option<(usize, Cow<'a, str>)>, Error> {
        self.mark();
        match self.peek() {
            Some(b'}') => {
                self.pos += 1;
                return Ok(None);
            }
            Some(b',') if !*first => {
                self.pos += 1;
                self.ws();
            }
            _ if !*first => return Err(self.expected("`,` or `}`")),
            _ => {}
        }
        *first = false;
        if self.bytes.get(self.pos) != Some(&b'"') {
            return Err(self.expected("a key (a string)"));
        }
        let at = self.pos;
        let key = self.string()?;
        if self.peek() != Some(b':') {
            return Err(self.expected("`:`"));
        }
        self.pos += 1;
        Ok(Some((at, key)))
    }

    /// Whether another item follows in an array opened by `begin_array` (positioned at it);
    /// false after the closing `]`.
    pub(crate) fn next_item(&mut self, first: &mut bool) -> Result<bool, Error> {
        match self.peek() {
            Some(b']') => {
                self.pos += 1;
                return Ok(false);
            }
            Some(b',') if !*first => {
                self.pos += 1;
                self.ws();
            }
            _ if !*first => return Err(self.expected("`,` or `]`")),
            _ => {}
        }
        *first = false;
        Ok(true)
    }

    /// A string value (after whitespace), decoded; borrowed when it holds no escape.
    pub(crate) fn string(&mut self) -> Result<Cow<'a, str>, Error> {
        if self.peek() != Some(b'"') {
            return Err(self.expected("a string"));
        }
        let start = self.pos + 1;
        let (end, escaped) = self.scan_string(start)?;
        self.pos = end;
        let raw = &self.bytes[start..end - 1];
        if !escaped {
            // Validated by `scan_string`; checked again rather than trusted with `unsafe`.
            return std::str::from_utf8(raw)
                .map(Cow::Borrowed)
                .map_err(|_| self.error_at(start, "invalid UTF-8 in a string"));
        }
        Ok(Cow::Owned(decode_escaped(raw)))
    }

    /// Scans a string whose opening quote is just before `i`; returns the position after the
    /// closing quote and whether it held escapes.
    #[inline]
    fn scan_string(&self, mut i: usize) -> Result<(usize, bool), Error> {
        let b = self.bytes;
        let mut escaped = false;
        loop {
            while let Some(chunk) = b.get(i..).and_then(|s| s.first_chunk::<8>()) {
                let m = special(u64::from_le_bytes(*chunk));
                if m != 0 {
                    i += (m.trailing_zeros() / 8) as usize;
                    break;
                }
                i += 8;
            }
            match b.get(i) {
                Some(b'"') => return Ok((i + 1, escaped)),
                Some(b'\\') => {
                    escaped = true;
                    i = self.escape(i)?;
                }
                Some(&c) if c < 0x20 => {
                    return Err(self.error_at(
                        i,
                        format!("control character 0x{c:02x} inside a string (it must be escaped)"),
                    ))
                }
                Some(&c) if c >= 0x80 => i = self.utf8(i)?,
                Some(_) => i += 1,
                None => return Err(self.error_at(b.len(), "unterminated string")),
            }
        }
    }

    /// Validates the escape at `i` (a `\`); returns the position after it.
    fn escape(&self, i: usize) -> Result<usize, Error> {
        match self.bytes.get(i + 1) {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Ok(i + 2),
            Some(b'u') => match self.bytes.get(i + 2..i + 6) {
                Some(hex) if hex.iter().all(u8::is_ascii_hexdigit) => Ok(i + 6),
                _ => Err(self.error_at(i, "expected four hex digits after `\\u`")),
            },
            _ => Err(self.error_at(
                i,
                "invalid escape: expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX",
            )),
        }
    }

    /// Validates the multi-byte UTF-8 sequence at `i`; returns the position after it.
    fn utf8(&self, i: usize) -> Result<usize, Error> {
        let width = match self.bytes[i] {
            0xc2..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf4 => 4,
            _ => 0,
        };
        match self.bytes.get(i..i + width) {
            Some(seq) if width > 0 && std::str::from_utf8(seq).is_ok() => Ok(i + width),
            _ => Err(self.error_at(i, "invalid UTF-8")),
        }
    }

    /// Skips one value of any kind (after whitespace), validating it.
    pub(crate) fn skip_value(&mut self) -> Result<(), Error> {
        self.stack.clear();
        'value: loop {
            self.mark();
            match self.peek() {
                Some(b'"') => {
                    let (end, _) = self.scan_string(self.pos + 1)?;
                    self.pos = end;
                }
                Some(open @ (b'{' | b'[')) => {
                    self.pos += 1;
                    let close = if open == b'{' { b'}' } else { b']' };
                    if self.peek() == Some(close) {
                        self.pos += 1;
                    } else {
                        if self.stack.len() >= MAX_DEPTH {
                            return Err(self.error_at(
                                self.pos,
                                format!("nesting deeper than {MAX_DEPTH} levels"),
                            ));
                        }
                        self.stack.push(open);
                        if open == b'{' {
                            self.key_colon()?;
                        }
                        continue 'value;
                    }
                }
                Some(b'-' | b'0'..=b'9') => self.number()?,
                Some(b't') => self.literal("true")?,
                Some(b'f') => self.literal("false")?,
                Some(b'n') => self.literal("null")?,
                Some(b'N') => self.literal("NaN")?,
                Some(b'I') => self.literal("Infinity")?,
                _ => return Err(self.expected("a value")),
            }
            // After a value: close containers until one continues with `,`.
            while let Some(&open) = self.stack.last() {
                match (self.peek(), open) {
                    (Some(b','), b'{') => {
                        self.pos += 1;
                        self.ws();
                        self.key_colon()?;
                        continue 'value;
                    }
                    (Some(b','), _) => {
                        self.pos += 1;
                        continue 'value;
                    }
                    (Some(b'}'), b'{') | (Some(b']'), b'[') => {
                        self.pos += 1;
                        self.stack.pop();
                    }
                    (_, b'{') => return Err(self.expected("`,` or `}`")),
                    _ => return Err(self.expected("`,` or `]`")),
                }
            }
            return Ok(());
        }
    }

    /// Inside an object being skipped: a key and its colon.
    fn key_colon(&mut self) -> Result<(), Error> {
        if self.peek() != Some(b'"') {
            return Err(self.expected("a key (a string)"));
        }
        let (end, _) = self.scan_string(self.pos + 1)?;
        self.pos = end;
        if self.peek() != Some(b':') {
            return Err(self.expected("`:`"));
        }
        self.pos += 1;
        Ok(())
    }

    fn literal(&mut self, word: &str) -> Result<(), Error> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(self.expected("a value"))
        }
    }

    /// `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`, or Python's `-Infinity`.
    fn number(&mut self) -> Result<(), Error> {
        let b = self.bytes;
        let mut i = self.pos;
        if b.get(i) == Some(&b'-') {
            i += 1;
            if b.get(i) == Some(&b'I') {
                self.pos = i;
                return self.literal("Infinity");
            }
        }
        let digits = |mut i: usize| {
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            i
        };
        match b.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => i = digits(i + 1),
            _ => return Err(self.error_at(i, "expected a digit in a number")),
        }
        if b.get(i) == Some(&b'.') {
            let end = digits(i + 1);
            if end == i + 1 {
                return Err(self.error_at(end, "expected a digit after `.` in a number"));
            }
            i = end;
        }
        if let Some(b'e' | b'E') = b.get(i) {
            i += 1;
            if let Some(b'+' | b'-') = b.get(i) {
                i += 1;
            }
            let end = digits(i);
            if end == i {
                return Err(self.error_at(end, "expected a digit in a number's exponent"));
            }
            i = end;
        }
        self.pos = i;
        Ok(())
    }
}

/// Decodes a string body that `scan_string` validated and found escapes in.
fn decode_escaped(raw: &[u8]) -> String {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    let hex = |i: usize| -> u32 {
        raw.get(i..i + 4)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .unwrap_or(0xfffd)
    };
    while i < raw.len() {
        if raw[i] != b'\\' {
            out.push(raw[i]);
            i += 1;
            continue;
        }
        let c = match raw.get(i + 1) {
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let hi = hex(i + 2);
                i += 6;
                let c = if (0xd800..0xdc00).contains(&hi) && raw.get(i..i + 2) == Some(b"\\u") {
                    let lo = hex(i + 2);
                    if (0xdc00..0xe000).contains(&lo) {
                        i += 6;
                        char::from_u32(0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00))
                    } else {
                        None
                    }
                } else {
                    char::from_u32(hi)
                };
                let mut buf = [0; 4];
                out.extend_from_slice(c.unwrap_or('\u{fffd}').encode_utf8(&mut buf).as_bytes());
                continue;
            }
            Some(&c) => c as char,
            None => '\u{fffd}',
        };
        out.push(c as u8);
        i += 2;
    }
    // The input was valid UTF-8 and only whole characters were added.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// 1-based line and column (in characters) of `offset`.
fn line_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    let column = 1 + before[line_start..]
        .iter()
        .filter(|&&b| b & 0xc0 != 0x80)
        .count();
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skip(text: &str) -> Result<usize, Error> {
        let mut s = Scanner::new(text.as_bytes(), Path::new("t.json"));
        s.skip_value()?;
        if !s.at_end() {
            return Err(s.expected("the end"));
        }
        Ok(s.pos())
    }

    fn skip_err(text: &str) -> String {
        skip(text).unwrap_err().to_string()
    }

    #[test]
    fn special_flags_exactly_the_first_special_byte() {
        for (i, c) in [b'"', b'\\', 0x1f, 0x00, 0x80, 0xff]
            .into_iter()
            .enumerate()
        {
            for at in 0..8 {
                let mut w = *b"abcdefgh";
                w[at] = c;
                if at < 7 {
                    w[7] = c; // a later special byte must not move the first
                }
                let m = special(u64::from_le_bytes(w));
                assert_eq!((m.trailing_zeros() / 8) as usize, at, "case {i} at {at}");
            }
        }
        assert_eq!(special(u64::from_le_bytes(*b" ~!#[]{}")), 0);
    }

    #[test]
    fn skips_valid_json_of_every_kind() {
        let cases = [
            r#""""#,
            r#""a \" \\ \/ \b \f \n \r \t \u00e9 \uD83D\uDE00 \ud800""#,
            "\"caf\u{e9} \u{1f600} \u{65e5}\"",
            "0",
            "-0",
            "12.5e-3",
            "-1E+21",
            "1e5",
            "true",
            "false",
            "null",
            "NaN",
            "Infinity",
            "-Infinity",
            "[]",
            "{}",
            " [ 1 , [ ] , { } , { \"a\" : [ \"}\" , \"]\" ] } ] ",
            "{\"a\":{\"b\":{\"c\":[[[\"d\"]]]}},\"e\":null}",
            "\"a long string that crosses several eight-byte words, twice or more\"",
        ];
        for case in cases {
            assert_eq!(skip(case).unwrap(), case.len(), "{case}");
        }
    }

    #[test]
    fn rejects_malformed_json_with_its_place() {
        let cases = [
            ("", "expected a value, found the end of the file"),
            ("[1,]", "expected a value, found `]`"),
            ("[1 2]", "expected `,` or `]`, found `2`"),
            ("{\"a\" 1}", "expected `:`, found `1`"),
            ("{\"a\":1,}", "expected a key (a string), found `}`"),
            ("{1:2}", "expected a key (a string), found `1`"),
            ("{\"a\":1]", "expected `,` or `}`, found `]`"),
            ("\"abc", "unterminated string"),
            ("\"a\\x\"", "invalid escape"),
            ("\"a\\u12G4\"", "four hex digits"),
            ("\"a\tb\"", "control character 0x09"),
            ("\"a\u{1}b\"", "control character 0x01"),
            ("01", "expected the end, found `1`"),
            ("1.", "digit after `.`"),
            ("1e", "exponent"),
            ("-", "expected a digit"),
            ("tru", "expected a value, found `t`"),
            ("nan", "expected a value, found `n`"),
            ("[1", "expected `,` or `]`, found the end of the file"),
        ];
        for (text, message) in cases {
            let err = skip_err(text);
            assert!(err.contains(message), "{text:?}: {err}");
            assert!(err.starts_with("t.json: malformed JSON at line 1"), "{err}");
        }
        let err = skip(&format!(
            "{}1{}",
            "[".repeat(MAX_DEPTH + 1),
            "]".repeat(MAX_DEPTH + 1)
        ));
        assert!(err.unwrap_err().to_string().contains("nesting deeper than"));
    }

    #[test]
    fn rejects_invalid_utf8_inside_strings() {
        for bytes in [
            &b"\"a\xffb\""[..],
            b"\"\xc3\"",
            b"\"\xc0\xaf\"",
            b"\"\xed\xa0\x80\"",
            b"\"abcdefgh\xe6\x97\"",
        ] {
            let mut s = Scanner::new(bytes, Path::new("t.json"));
            let err = s.skip_value().unwrap_err().to_string();
            assert!(err.contains("invalid UTF-8"), "{bytes:?}: {err}");
        }
    }

    #[test]
    fn errors_name_line_column_and_byte() {
        let text = "{\n  \"caf\u{e9}\": [1,\n   2 3]}";
        let err = skip_err(text);
        let at = text.find(" 3").unwrap() + 1;
        assert!(
            err.contains(&format!("line 3, column 6 (byte {at})")),
            "{err}"
        );
        let text = "{\"\u{e9}\u{e9}\": x}";
        assert!(
            skip_err(text).contains("line 1, column 8 (byte 9)"),
            "{}",
            skip_err(text)
        );
    }

    #[test]
    fn decodes_strings_and_iterates() {
        let text = r#"{"plain": "ab", "esc\u0041\n": "\ud83d\ude00 \ud800 \u00e9 \"q\" \\", "list": ["x", "y"]}"#;
        let mut s = Scanner::new(text.as_bytes(), Path::new("t.json"));
        s.begin_object(|| "an object".into()).unwrap();
        let mut first = true;
        let (at, key) = s.next_key(&mut first).unwrap().unwrap();
        assert_eq!((at, &*key), (1, "plain"));
        assert!(matches!(s.string().unwrap(), Cow::Borrowed("ab")));
        let (_, key) = s.next_key(&mut first).unwrap().unwrap();
        assert_eq!(key, "escA\n");
        assert_eq!(s.string().unwrap(), "\u{1f600} \u{fffd} \u{e9} \"q\" \\");
        let (_, key) = s.next_key(&mut first).unwrap().unwrap();
        assert_eq!(key, "list");
        s.begin_array(|| "a list".into()).unwrap();
        let mut items = Vec::new();
        let mut first_item = true;
        while s.next_item(&mut first_item).unwrap() {
            items.push(s.string().unwrap().into_owned());
        }
        assert_eq!(items, ["x", "y"]);
        assert!(s.next_key(&mut first).unwrap().is_none());
        assert!(s.at_end());
    }

    #[test]
    fn progress_is_reported_while_skipping() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let text = format!(
            "[{}1]",
            "\"abcdefghijklmnopqrstuvwxyz\", ".repeat(PROGRESS_STEP / 20)
        );
        let calls = AtomicUsize::new(0);
        let seen = |_: usize| {
            calls.fetch_add(1, Ordering::Relaxed);
        };
        let mut s = Scanner::new(text.as_bytes(), Path::new("t.json")).with_progress(&seen);
        s.skip_value().unwrap();
        assert_eq!(calls.load(Ordering::Relaxed), text.len() / PROGRESS_STEP);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        const TOKENS: [&str; 22] = [
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            " ",
            "\"a\"",
            "\"",
            "1",
            "-",
            "0",
            ".",
            "e",
            "+",
            "true",
            "null",
            "\\n",
            "\\",
            "x",
            "\u{e9}",
            "\"\\u00e9\"",
        ];

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            /// On standard JSON (no NaN/Infinity, which Python accepts and serde_json does
            /// not), the scanner accepts exactly what serde_json accepts.
            #[test]
            fn agrees_with_serde_json_on_validity(picks in proptest::collection::vec(0..TOKENS.len(), 0..24)) {
                let text: String = picks.iter().map(|&i| TOKENS[i]).collect();
                let ours = skip(&text).is_ok();
                let theirs = serde_json::from_str::<serde::de::IgnoredAny>(&text).is_ok();
                prop_assert_eq!(ours, theirs, "{:?}", text);
            }

            /// Arbitrary bytes never panic, and an error names a place inside the input.
            #[test]
            fn never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
                let mut s = Scanner::new(&bytes, Path::new("t.json"));
                if let Err(Error::Json { offset, .. }) = s.skip_value() {
                    prop_assert!(offset as usize <= bytes.len());
                }
            }
        }
    }
}
