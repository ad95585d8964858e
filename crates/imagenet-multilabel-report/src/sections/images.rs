//! Section 6 — Images: thumbnails of the ImageNet-M images, of the most frequent confusions and of a
//! sample of unreviewed predictions, each captioned with every label; a click enlarges it.

use std::collections::{BTreeSet, HashSet};
use std::fmt::Write as _;

use base64::Engine as _;
use imagenet_multilabel::{Annotations, ImageId, LabelStatus};

use crate::html::esc;
use crate::sections::imagenet_m::accepted_labels;
use crate::sections::mistakes::confusions;
use crate::sections::{class_label, class_text, compare, graded_mistakes};
use crate::{Model, Page};

/// Confusions shown with images, per model, and images per confusion.
const CONFUSIONS_SHOWN: usize = 8;
const PER_CONFUSION: usize = 3;
/// Unreviewed predictions shown, per model.
const UNREVIEWED: usize = 16;

/// Up to `n` images of the unreviewed graded mistakes, spread evenly over them (the same
/// sample on every run).
pub fn unreviewed_sample(model: &Model, n: usize) -> Vec<ImageId> {
    let all: Vec<ImageId> = graded_mistakes(&model.report.mistakes)
        .filter(|m| m.status == LabelStatus::Unreviewed)
        .map(|m| m.image)
        .collect();
    let step = all.len().div_ceil(n).max(1);
    all.into_iter().step_by(step).take(n).collect()
}

/// The images of the most frequent confusions of `model`, a few per confusion.
pub fn confusion_images(model: &Model) -> Vec<Vec<ImageId>> {
    confusions(&model.report.mistakes)
        .iter()
        .take(CONFUSIONS_SHOWN)
        .map(|(_, images)| images.iter().take(PER_CONFUSION).map(|m| m.image).collect())
        .collect()
}

/// Every image the page shows a thumbnail of (what to decode and resize), most important
/// first: ImageNet-M, the confusions, the unreviewed sample, the disagreements.
pub fn wanted_images(annotations: &Annotations, models: &[Model]) -> Vec<ImageId> {
    let mut seen = BTreeSet::new();
    let mut wanted = Vec::new();
    let mut add = |images: Vec<ImageId>| {
        wanted.extend(images.into_iter().filter(|&i| seen.insert(i)));
    };
    add(annotations.imagenet_m().to_vec());
    for model in models {
        add(confusion_images(model).into_iter().flatten().collect());
    }
    for model in models {
        add(unreviewed_sample(model, UNREVIEWED));
    }
    let mut disagree = compare::disagreements(models);
    disagree.truncate(compare::SHOWN);
    add(disagree);
    wanted
}

/// Bytes of JPEG the page embeds at most (base64 adds a third, tiles shown twice a little
/// more): keeps the page under 3 MB whatever the images.
pub const JPEG_BUDGET: usize = 1_900_000;

/// The thumbnails the page embeds: the wanted ones, most important first, within
/// [`JPEG_BUDGET`].
pub fn embedded(page: &Page) -> HashSet<ImageId> {
    let Some(images) = &page.images else {
        return HashSet::new();
    };
    let mut total = 0;
    wanted_images(page.annotations, page.models)
        .into_iter()
        .filter(|i| {
            let Some(t) = images.thumbnails.get(i) else {
                return false;
            };
            total += t.jpeg.len();
            total <= JPEG_BUDGET
        })
        .collect()
}

/// A thumbnail with every label: the file name, the original label, the experts' correct
/// and unclear labels, and each model's top-1 marked hit or miss. Without an image (none
/// given, not in the source, or over the budget) the caption stands alone.
pub fn tile(page: &Page, shown: &HashSet<ImageId>, image: ImageId) -> String {
    let mut s = String::from("<figure>");
    let thumbnail = page.images.as_ref().and_then(|i| i.thumbnails.get(&image));
    if let Some(t) = thumbnail.filter(|_| shown.contains(&image)) {
        let _ = write!(
            s,
            "<img src=\"data:image/jpeg;base64,{}\" width=\"{}\" height=\"{}\" alt=\"{}\">",
            base64::engine::general_purpose::STANDARD.encode(&t.jpeg),
            t.width,
            t.height,
            esc(&format!(
                "{}, original label {}",
                image.file_name(),
                class_text(Some(image.original_label()))
            ))
        );
    }
    let _ = write!(
        s,
        "<figcaption><b>{}</b><br>original: {}<br><span class=\"labels\">correct: {}</span>",
        esc(&image.file_name()),
        class_label(Some(image.original_label())),
        accepted_labels(page, image)
    );
    for model in page.models {
        let Some(ranking) = model.predictions.ranking(image) else {
            continue;
        };
        let top1 = ranking.top1();
        let hit = page
            .annotations
            .get(image)
            .is_some_and(|r| top1.is_some_and(|c| r.status(c).is_hit()));
        let status = page
            .annotations
            .get(image)
            .zip(top1)
            .map(|(r, c)| r.status(c));
        let word = match status {
            Some(LabelStatus::Unreviewed) => "unreviewed",
            _ if hit => "hit",
            _ => "miss",
        };
        let _ = write!(
            s,
            "<br>{}{}: <span class=\"{}\">{word}</span> {}",
            if page.models.len() > 1 { "" } else { "top-1" },
            if page.models.len() > 1 {
                esc(&model.name)
            } else {
                String::new()
            },
            if hit { "hit" } else { "miss" },
            class_label(top1)
        );
    }
    s.push_str("</figcaption></figure>");
    s
}

/// A grid of tiles.
pub fn grid(page: &Page, shown: &HashSet<ImageId>, images: &[ImageId]) -> String {
    let mut s = String::from("<div class=\"grid-images\">");
    for &image in images {
        s.push_str(&tile(page, shown, image));
    }
    s.push_str("</div>");
    s
}

pub fn section(page: &Page) -> String {
    let Some(images) = &page.images else {
        return "<p class=\"note\">No images in this report: give <code>--dataset DIR</code> \
                (a built dataset) or <code>--images ILSVRC2012_img_val.tar</code> to \
                <code>eval</code> to see the images behind the figures.</p>"
            .to_string();
    };
    let mut s = String::new();
    let wanted = wanted_images(page.annotations, page.models);
    let shown = embedded(page);
    let missing = wanted
        .iter()
        .filter(|i| !images.thumbnails.contains_key(i))
        .count();
    let over = wanted
        .iter()
        .filter(|i| images.thumbnails.contains_key(i) && !shown.contains(i))
        .count();
    let _ = write!(
        s,
        "<p class=\"note\">From <code>{}</code>: {} thumbnails (about 160 pixels, JPEG, in the \
         page). Click one to enlarge it. Labels in captions: the original label, the experts' \
         correct (and unclear) labels, and the top-1 of each model.</p>",
        esc(&images.source),
        shown.len()
    );
    if over > 0 {
        let _ = write!(
            s,
            "<p class=\"warn\">{over} thumbnails left out to keep the page under 3 MB; \
             their captions stand alone.</p>"
        );
    }
    if missing > 0 {
        let _ = write!(
            s,
            "<p class=\"warn\">{missing} of the {} images to show were not in the source; \
             their captions stand alone.</p>",
            wanted.len()
        );
    }
    let _ = write!(
        s,
        "<h3>ImageNet-M ({} images)</h3>",
        page.annotations.imagenet_m().len()
    );
    s.push_str(&grid(page, &shown, page.annotations.imagenet_m()));
    for model in page.models {
        let suffix = if page.models.len() > 1 {
            format!(": {}", esc(&model.name))
        } else {
            String::new()
        };
        let _ = write!(s, "<h3>The most frequent confusions{suffix}</h3>");
        for ((original, predicted), images) in confusions(&model.report.mistakes)
            .iter()
            .take(CONFUSIONS_SHOWN)
            .map(|(pair, list)| {
                (
                    pair,
                    list.iter()
                        .take(PER_CONFUSION)
                        .map(|x| x.image)
                        .collect::<Vec<_>>(),
                )
            })
        {
            let _ = write!(
                s,
                "<p>{} → {}</p>",
                class_label(Some(*original)),
                class_label(*predicted)
            );
            s.push_str(&grid(page, &shown, &images));
        }
        let sample = unreviewed_sample(model, UNREVIEWED);
        let _ = write!(
            s,
            "<h3>Unreviewed predictions{suffix} ({} of {})</h3><p class=\"note\">No expert \
             judged these top-1 labels; some may be right.</p>",
            sample.len(),
            model.report.counts.unreviewed
        );
        s.push_str(&grid(page, &shown, &sample));
    }
    s
}
