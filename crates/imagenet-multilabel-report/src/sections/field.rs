//! Section 2 — Among the published models: multi-label accuracy against top-1 for the 962 models of
//! Peychev et al. (2023), the user's models highlighted, with the trend, the percentile and
//! the nearest published neighbours; the same for ImageNet-M.

use std::fmt::Write as _;

use crate::anchors::{self, IMAGENET_M_TOTAL};
use crate::html::{esc, table};
use crate::svg::{figure, Plot};
use crate::Page;

const SOURCE: &str = "Published models: Peychev et al. 2023, \"Automated Classification of \
    Model Errors on ImageNet\" (962 models, eth-sri/automated-error-analysis, Apache-2.0), \
    graded with the same protocol on the same labels.";

/// Where a model sits on the x axis: top-1 on all 50,000 when it covers them, else top-1 on
/// the graded images (and the page says so).
fn top1(page: &Page, m: usize) -> (f64, bool) {
    let r = page.models[m].report;
    match &r.top1_original_all {
        Some(e) => (100.0 * e.value, true),
        None => (100.0 * r.top1_original_annotated.value, false),
    }
}

pub fn section(page: &Page) -> String {
    let mut s = String::new();
    let published = anchors::all();
    let (a, b) = anchors::trend();
    let users: Vec<(f64, f64, bool)> = (0..page.models.len())
        .map(|m| {
            let (x, all) = top1(page, m);
            (
                x,
                100.0 * page.models[m].report.multilabel_accuracy.value,
                all,
            )
        })
        .collect();

    // Ranges: every point inside, rounded out to 5 points.
    let xs = published
        .iter()
        .map(|p| p.top1)
        .chain(users.iter().map(|u| u.0));
    let ys = published
        .iter()
        .map(|p| p.mla)
        .chain(users.iter().map(|u| u.1));
    let round = |lo: f64, hi: f64| {
        (
            (lo / 5.0).floor() * 5.0,
            ((hi / 5.0).ceil() * 5.0).min(100.0),
        )
    };
    let (x0, x1) = round(xs.clone().fold(100.0, f64::min), xs.fold(0.0, f64::max));
    let (y0, y1) = round(ys.clone().fold(100.0, f64::min), ys.fold(0.0, f64::max));
    let mut plot = Plot::new((x0, x1), (y0, y1));
    for p in published {
        plot.dot(
            p.top1,
            p.mla,
            2.2,
            "pub",
            &format!(
                "{}: top-1 {:.2}%, multi-label {:.2}%",
                p.model, p.top1, p.mla
            ),
        );
    }
    plot.line((x0, a + b * x0), (x1, a + b * x1), "trend");
    for (m, &(x, y, _)) in users.iter().enumerate() {
        let name = &page.models[m].name;
        plot.dot(
            x,
            y,
            6.0,
            &format!("you{}", m % 4),
            &format!("{name}: top-1 {x:.2}%, multi-label {y:.2}%"),
        );
        let right = x > (x0 + x1) / 2.0;
        let (dx, anchor) = if right { (-9.0, "end") } else { (9.0, "start") };
        plot.label(x, y, dx, 4.0 + 14.0 * m as f64, anchor, "youlabel", name);
    }
    let partial = users.iter().any(|u| !u.2);
    let svg = plot.finish(
        "Multi-label accuracy against top-1",
        if partial {
            "top-1 on the original labels (%) — yours on the graded images only"
        } else {
            "top-1 on the original labels, 50,000 images (%)"
        },
        "multi-label accuracy (%)",
        5.0,
        5.0,
        |v| format!("{v:.0}"),
        |v| format!("{v:.0}"),
    );
    let _ = write!(
        s,
        "{}",
        figure(
            &svg,
            &format!(
                "Grey: the 962 published models; dashed: their least-squares line \
                 (multi-label = {a:.2} + {b:.3} × top-1); coloured: yours. {SOURCE}"
            )
        )
    );
    if partial {
        s.push_str(
            "<p class=\"warn\">The predictions do not cover all 50,000 validation images, so \
             your models are placed at their top-1 on the graded (annotated, not problematic) \
             images, which are not the 50,000 the published top-1 figures are taken on: the \
             horizontal position is indicative only.</p>",
        );
    }

    let mut rows = Vec::new();
    for (m, &(x, y, _)) in users.iter().enumerate() {
        let near = anchors::nearest(y, 5)
            .iter()
            .map(|p| {
                format!(
                    "{} <span class=\"muted\">({:.2}%, top-1 {:.2}%, {})</span>",
                    esc(p.model),
                    p.mla,
                    p.top1,
                    esc(p.training_data)
                )
            })
            .collect::<Vec<_>>()
            .join("<br>");
        rows.push(vec![
            format!(
                "<span class=\"key{}\">■</span> {}",
                m % 4,
                esc(&page.models[m].name)
            ),
            format!("{y:.2}"),
            format!("{:.1}", anchors::percentile(y)),
            format!("{:+.2}", y - (a + b * x)),
            format!("<div class=\"l\">{near}</div>"),
        ]);
    }
    s.push_str(&table(
        "field",
        &[
            "model",
            "multi-label %",
            "percentile among the 962",
            "above the trend (points)",
            "nearest published models (multi-label %)",
        ],
        &rows,
    ));
    s.push_str(
        "<p class=\"note\">Percentile: the share of the published models with a lower \
         multi-label accuracy. Above the trend: your multi-label accuracy minus the line's at \
         your top-1 — positive means fewer of your top-1 mistakes are real mistakes than is \
         usual for your top-1.</p>",
    );

    // ImageNet-M: how many published models get each count right.
    let mut hist = vec![0u32; IMAGENET_M_TOTAL as usize + 1];
    for p in published {
        hist[p.imagenet_m_correct as usize] += 1;
    }
    let user_m: Vec<(usize, usize)> = page
        .models
        .iter()
        .map(|m| (m.report.imagenet_m.correct, m.report.imagenet_m.total))
        .collect();
    let lo = published
        .iter()
        .map(|p| p.imagenet_m_correct as usize)
        .chain(user_m.iter().map(|u| u.0))
        .min()
        .unwrap_or(0);
    let hi = published
        .iter()
        .map(|p| p.imagenet_m_correct as usize)
        .chain(user_m.iter().map(|u| u.0))
        .max()
        .unwrap_or(IMAGENET_M_TOTAL as usize);
    let top = f64::from(*hist.iter().max().unwrap_or(&1)).max(1.0);
    let ymax = (top / 20.0).ceil() * 20.0;
    let mut plot = Plot::new((lo as f64 - 1.0, hi as f64 + 1.0), (0.0, ymax));
    for (n, &k) in hist.iter().enumerate().filter(|(_, &k)| k > 0) {
        plot.bar(
            n as f64 - 0.5,
            n as f64 + 0.5,
            f64::from(k),
            "bar pubbar",
            &format!("{k} published models get {n}/68 right"),
        );
    }
    for (m, &(correct, total)) in user_m.iter().enumerate() {
        let x = correct as f64;
        plot.line((x, 0.0), (x, ymax), &format!("mark{}", m % 4));
        // Labels lean inwards so that none leaves the frame.
        let right = x > (lo + hi) as f64 / 2.0;
        plot.label(
            x,
            ymax,
            if right { -4.0 } else { 4.0 },
            14.0 + 14.0 * m as f64,
            if right { "end" } else { "start" },
            "youlabel",
            &format!("{}: {correct}/{total}", page.models[m].name),
        );
    }
    let svg = plot.finish(
        "ImageNet-M: images right, published models and yours",
        "ImageNet-M images with a correct top-1 (of 68)",
        "published models (count)",
        if hi - lo > 30 { 5.0 } else { 2.0 },
        (ymax / 4.0).max(1.0),
        |v| format!("{v:.0}"),
        |v| format!("{v:.0}"),
    );
    s.push_str(&figure(
        &svg,
        &format!(
            "Bars: how many of the 962 published models get that many of the 68 ImageNet-M \
             images right; lines: yours. {SOURCE}"
        ),
    ));
    for (m, model) in page.models.iter().enumerate() {
        let (correct, total) = user_m[m];
        if total as u32 == IMAGENET_M_TOTAL {
            let better = published
                .iter()
                .filter(|p| (p.imagenet_m_correct as usize) < correct)
                .count();
            let _ = write!(
                s,
                "<p>{}: {correct}/68 right, more than {better} of the 962 published models \
                 ({:.1}%).</p>",
                esc(&model.name),
                100.0 * better as f64 / published.len() as f64
            );
        } else {
            let _ = write!(
                s,
                "<p class=\"warn\">{}: only {total} of the 68 ImageNet-M images have a \
                 prediction; the count is not comparable with the published ones.</p>",
                esc(&model.name)
            );
        }
    }
    s
}
