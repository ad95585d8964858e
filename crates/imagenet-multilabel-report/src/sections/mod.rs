//! The page and its sections, one module each, in the order the page shows them.

pub mod breakdown;
pub mod compare;
pub mod field;
pub mod imagenet_m;
pub mod images;
pub mod mistakes;
pub mod summary;

use std::fmt::Write as _;

use imagenet_multilabel::metrics::Mistake;
use imagenet_multilabel::{ClassId, ImageId};

use crate::html::esc;
use crate::Page;

const STYLE: &str = include_str!("../style.css");
const VIEWER: &str = include_str!("../viewer.js");

/// The sections: (id, heading), for the navigation and the tests.
pub const SECTIONS: [(&str, &str); 7] = [
    ("summary", "Summary"),
    ("field", "Among the published models"),
    ("breakdown", "Breakdown by class"),
    ("mistakes", "Mistakes"),
    ("imagenet-m", "ImageNet-M"),
    ("images", "Images"),
    ("comparison", "Several models"),
];

/// The whole page.
pub fn page(page: &Page) -> String {
    let names: Vec<String> = page.models.iter().map(|m| m.name.clone()).collect();
    let title = format!("ImageNet multi-label report: {}", names.join(", "));
    let mut s = String::with_capacity(1 << 20);
    let _ = write!(
        s,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"color-scheme\" content=\"light dark\">\
         <title>{}</title><style>{STYLE}</style></head><body>\
         <header><h1>ImageNet multi-label report</h1><p class=\"muted\">{}</p><nav>",
        esc(&title),
        names
            .iter()
            .enumerate()
            .map(|(i, n)| format!("<span class=\"key{}\">■</span> <b>{}</b>", i % 4, esc(n)))
            .collect::<Vec<_>>()
            .join(" &nbsp; ")
    );
    for (id, heading) in SECTIONS {
        let _ = write!(s, "<a href=\"#{id}\">{heading}</a>");
    }
    s.push_str("</nav></header><main>");
    let bodies = [
        summary::section(page),
        field::section(page),
        breakdown::section(page),
        mistakes::section(page),
        imagenet_m::section(page),
        images::section(page),
        compare::section(page),
    ];
    for ((id, heading), body) in SECTIONS.iter().zip(bodies) {
        let _ = write!(s, "<section id=\"{id}\"><h2>{heading}</h2>{body}</section>");
    }
    let _ = write!(
        s,
        "</main><footer>Written by imagenet-multilabel {} (<code>eval --report</code>). Every \
         figure is the one <code>eval --json</code> prints for the same run. The page is self-contained: no \
         network, no external file; JavaScript only enlarges the images.</footer>\
         <div id=\"viewer\" role=\"dialog\" aria-label=\"image viewer\"><figure><img alt=\"\">\
         <figcaption></figcaption></figure></div><script>{VIEWER}</script></body></html>",
        esc(page.tool_version)
    );
    s
}

/// `tench (0)`; `background` for a 1001-output model's class 0.
pub fn class_label(class: Option<ClassId>) -> String {
    match class {
        Some(c) => format!("{} <span class=\"muted\">({})</span>", esc(c.name()), c),
        None => "background".to_string(),
    }
}

/// The plain-text name of a class (for SVG titles and alt texts).
pub fn class_text(class: Option<ClassId>) -> String {
    class.map_or_else(
        || "background".to_string(),
        |c| format!("{} ({c})", c.name()),
    )
}

/// A model's mistakes among the graded (non-problematic) images.
pub fn graded_mistakes(mistakes: &[Mistake]) -> impl Iterator<Item = &Mistake> {
    mistakes.iter().filter(|m| !m.problematic)
}

/// The heading above one model's part of a section, when the page shows several models.
pub fn model_heading(page: &Page, m: usize) -> String {
    if page.models.len() > 1 {
        format!(
            "<h3><span class=\"key{}\">■</span> {}</h3>",
            m % 4,
            esc(&page.models[m].name)
        )
    } else {
        String::new()
    }
}

/// The image's file name, as text.
pub fn image_name(image: ImageId) -> String {
    esc(&image.file_name())
}
