//! Escaping and the marked-up figures every section writes.
//!
//! A figure the page shows that is also in `eval --json` is written by [`pct`] or [`count`],
//! which put the exact JSON value and its key beside the rounded text
//! (`data-m`, `data-k`, `data-v`): the tests read them back and compare them with the JSON
//! report, so the page cannot drift from it.

use std::fmt::Write as _;

/// `s` with `& < > " '` escaped: safe in text and in quoted attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A fraction of model `m`'s report at JSON key path `key`, shown in percent (2 decimals).
pub fn pct(m: usize, key: &str, value: f64) -> String {
    format!(
        "<span class=\"fig\" data-m=\"{m}\" data-k=\"{key}\" data-v=\"{value:?}\">{:.2}</span>",
        100.0 * value
    )
}

/// A plain number of model `m`'s report at JSON key path `key` (2 decimals).
pub fn number(m: usize, key: &str, value: f64) -> String {
    format!(
        "<span class=\"fig\" data-m=\"{m}\" data-k=\"{key}\" data-v=\"{value:?}\" data-f=\"num\">{value:.2}</span>"
    )
}

/// A count of model `m`'s report at JSON key path `key`.
pub fn count(m: usize, key: &str, value: usize) -> String {
    format!("<span class=\"fig\" data-m=\"{m}\" data-k=\"{key}\" data-v=\"{value}\">{value}</span>")
}

/// `value [low, high]` in percent for an estimate at `key` (`key.value`, `key.ci95.0`, …).
pub fn estimate(m: usize, key: &str, e: &imagenet_multilabel::metrics::Estimate) -> String {
    format!(
        "{} <span class=\"ci\">[{}, {}]</span>",
        pct(m, &format!("{key}.value"), e.value),
        pct(m, &format!("{key}.ci95.0"), e.ci95[0]),
        pct(m, &format!("{key}.ci95.1"), e.ci95[1])
    )
}

/// A plain percentage with 2 decimals (figures that are not in the JSON report).
pub fn percent(value: f64) -> String {
    format!("{:.2}", 100.0 * value)
}

/// A table: `head` cells, then rows of already-escaped cells.
pub fn table(class: &str, head: &[&str], rows: &[Vec<String>]) -> String {
    let mut s = format!("<div class=\"scroll\"><table class=\"{class}\"><thead><tr>");
    for h in head {
        let _ = write!(s, "<th>{h}</th>");
    }
    s.push_str("</tr></thead><tbody>");
    for row in rows {
        debug_assert_eq!(row.len(), head.len(), "table {class}");
        s.push_str("<tr>");
        for cell in row {
            let _ = write!(s, "<td>{cell}</td>");
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table></div>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn figures_carry_the_exact_value() {
        assert_eq!(
            pct(1, "multilabel_accuracy.value", 0.123456789),
            "<span class=\"fig\" data-m=\"1\" data-k=\"multilabel_accuracy.value\" \
             data-v=\"0.123456789\">12.35</span>"
        );
    }
}
