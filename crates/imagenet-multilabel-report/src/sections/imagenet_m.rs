//! Section 5 — ImageNet-M: the 68 images, each marked hit or miss, the prediction beside the correct
//! labels.

use std::collections::HashSet;

use imagenet_multilabel::ImageId;

use crate::html::{count, esc, table};
use crate::sections::{class_label, image_name};
use crate::{Model, Page};

/// The ImageNet-M images `model` misses, by the report's mistakes list.
pub fn misses(model: &Model) -> HashSet<ImageId> {
    model
        .report
        .mistakes
        .iter()
        .filter(|x| x.imagenet_m)
        .map(|x| x.image)
        .collect()
}

/// The image's correct labels, then its unclear ones marked with "(unclear)".
pub fn accepted_labels(page: &Page, image: ImageId) -> String {
    let Some(record) = page.annotations.get(image) else {
        return String::new();
    };
    let mut labels: Vec<String> = record
        .correct()
        .iter()
        .map(|&c| class_label(Some(c)))
        .collect();
    labels.extend(
        record
            .unclear()
            .iter()
            .map(|&c| format!("{} <i>(unclear)</i>", class_label(Some(c)))),
    );
    labels.join("; ")
}

pub fn section(page: &Page) -> String {
    let mut s = String::new();
    let misses: Vec<HashSet<ImageId>> = page.models.iter().map(misses).collect();
    let mut head = vec![
        "image".to_string(),
        "original label".to_string(),
        "correct labels (experts)".to_string(),
    ];
    for model in page.models {
        head.push(format!("{}: top-1", esc(&model.name)));
    }
    let head: Vec<&str> = head.iter().map(String::as_str).collect();
    let mut rows = Vec::new();
    for &image in page.annotations.imagenet_m() {
        let mut row = vec![
            image_name(image),
            format!(
                "<span class=\"l\">{}</span>",
                class_label(Some(image.original_label()))
            ),
            format!("<span class=\"l\">{}</span>", accepted_labels(page, image)),
        ];
        for (model, misses) in page.models.iter().zip(&misses) {
            let cell = match model.predictions.ranking(image) {
                None => "<span class=\"muted\">no prediction</span>".to_string(),
                Some(r) => {
                    let (class, word) = if misses.contains(&image) {
                        ("miss", "✗ miss")
                    } else {
                        ("hit", "✓ hit")
                    };
                    format!(
                        "<span class=\"{class}\">{word}</span> {}",
                        class_label(r.top1())
                    )
                }
            };
            row.push(format!("<span class=\"l\">{cell}</span>"));
        }
        rows.push(row);
    }
    s.push_str(
        "<p class=\"note\">ImageNet-M (Vasudevan et al. 2022): the 68 images on which \
         strong models still made major mistakes. A top-1 in the correct or unclear labels \
         is a hit; problematic images are not left out here, as in the reference.</p>",
    );
    for (m, model) in page.models.iter().enumerate() {
        let r = &model.report.imagenet_m;
        s.push_str(&format!(
            "<p><span class=\"key{}\">■</span> {}: <b>{}/{}</b> hits.</p>",
            m % 4,
            esc(&model.name),
            count(m, "imagenet_m.correct", r.correct),
            count(m, "imagenet_m.total", r.total)
        ));
    }
    s.push_str(&table("imagenet-m", &head, &rows));
    s
}
