//! Section 3 — Breakdown: dogs, other organisms and objects (per-class means with intervals), the
//! distribution of the 1000 per-class accuracies, and the worst classes.

use std::fmt::Write as _;

use imagenet_multilabel::metrics::{interval, ClassRow};

use crate::html::{esc, percent, table};
use crate::sections::model_heading;
use crate::svg::{figure, Plot};
use crate::Page;

/// The three groups of classes: (name, member test).
/// Whether a class belongs to a group.
type Member = fn(&ClassRow) -> bool;

const GROUPS: [(&str, Member); 3] = [
    ("dogs (118 classes)", |r| r.class.info().is_dog),
    ("other organisms (292)", |r| {
        r.class.info().is_organism && !r.class.info().is_dog
    }),
    ("objects (590)", |r| !r.class.info().is_organism),
];

/// The mean of the group's per-class accuracies, summed in class order as the headline is,
/// with the same stratified interval.
pub fn group_mean(rows: &[ClassRow], member: Member) -> (f64, [f64; 2], usize) {
    let rows: Vec<&ClassRow> = rows.iter().filter(|r| member(r)).collect();
    let mut sum = 0.0f64;
    for r in &rows {
        sum += r.accuracy();
    }
    let mean = sum / rows.len() as f64;
    let hits: Vec<u32> = rows.iter().map(|r| r.correct).collect();
    let graded: Vec<u32> = rows.iter().map(|r| r.graded).collect();
    (mean, interval::stratified(mean, &hits, &graded), rows.len())
}

const BINS: usize = 20;

pub fn section(page: &Page) -> String {
    let mut s = String::new();
    // Groups: a table and one plot with every model.
    let mut head = vec!["classes".to_string()];
    head.extend(
        page.models
            .iter()
            .map(|m| format!("{} % [95% CI]", esc(&m.name))),
    );
    let head: Vec<&str> = head.iter().map(String::as_str).collect();
    let means: Vec<Vec<(f64, [f64; 2], usize)>> = page
        .models
        .iter()
        .map(|m| {
            GROUPS
                .iter()
                .map(|g| group_mean(&m.report.per_class, g.1))
                .collect()
        })
        .collect();
    let rows: Vec<Vec<String>> = GROUPS
        .iter()
        .enumerate()
        .map(|(g, (name, _))| {
            let mut row = vec![name.to_string()];
            for m in &means {
                let (v, ci, _) = m[g];
                row.push(format!(
                    "{} <span class=\"ci\">[{}, {}]</span>",
                    percent(v),
                    percent(ci[0]),
                    percent(ci[1])
                ));
            }
            row
        })
        .collect();
    s.push_str(&table("groups", &head, &rows));

    let lo = means.iter().flatten().map(|g| g.1[0]).fold(1.0, f64::min);
    let y0 = ((lo * 100.0 - 5.0) / 10.0).floor().max(0.0) * 10.0;
    let n = page.models.len() as f64;
    let mut plot = Plot::new((0.0, 3.0), (y0, 100.0));
    for (m, groups) in means.iter().enumerate() {
        for (g, &(v, ci, _)) in groups.iter().enumerate() {
            let w = 0.7 / n;
            let x = g as f64 + 0.15 + w * m as f64;
            let title = format!(
                "{}, {}: {:.2}% [{:.2}, {:.2}]",
                page.models[m].name,
                GROUPS[g].0,
                100.0 * v,
                100.0 * ci[0],
                100.0 * ci[1]
            );
            plot.bar(x, x + w, 100.0 * v, &format!("you{}", m % 4), &title);
            let c = x + w / 2.0;
            plot.line((c, 100.0 * ci[0]), (c, 100.0 * ci[1]), "whisker");
        }
    }
    for (g, (name, _)) in GROUPS.iter().enumerate() {
        plot.label(g as f64 + 0.5, y0, 0.0, 18.0, "middle", "tick", name);
    }
    let svg = plot.finish(
        "Multi-label accuracy by kind of class",
        "",
        "mean per-class multi-label accuracy (%)",
        10.0,
        10.0,
        |_| String::new(),
        |v| format!("{v:.0}"),
    );
    let legend: Vec<String> = page
        .models
        .iter()
        .enumerate()
        .map(|(m, model)| format!("<span class=\"key{}\">■</span> {}", m % 4, esc(&model.name)))
        .collect();
    s.push_str(&figure(
        &svg,
        &(legend.join(" &nbsp; ") + ". Bars: the mean of the per-class multi-label accuracies of the group (as the headline, \
         over the group's classes); whiskers: 95% stratified interval. Groups from WordNet 3.0: \
         dogs descend from <i>dog, domestic dog</i>, organisms from <i>organism, being</i>. \
         Source: this run's per-class figures (<code>eval --per-class</code>)."),
    ));

    for (m, model) in page.models.iter().enumerate() {
        let rows = &model.report.per_class;
        s.push_str(&model_heading(page, m));
        // Histogram of the per-class accuracies in 5-point bins; 100% gets the last bin.
        let mut hist = [0u32; BINS];
        for r in rows {
            let bin = ((r.accuracy() * BINS as f64) as usize).min(BINS - 1);
            hist[bin] += 1;
        }
        let top = f64::from(*hist.iter().max().unwrap_or(&1));
        let ymax = ((top / 50.0).ceil() * 50.0).max(50.0);
        let mut plot = Plot::new((0.0, 100.0), (0.0, ymax));
        for (i, &k) in hist.iter().enumerate() {
            let (a, b) = (i as f64 * 5.0, i as f64 * 5.0 + 5.0);
            let range = if i == BINS - 1 { "[95, 100]" } else { "" };
            plot.bar(
                a,
                b,
                f64::from(k),
                "bar",
                &format!("{k} classes with accuracy in [{a:.0}, {b:.0}){range}"),
            );
        }
        let svg = plot.finish(
            &format!("Per-class multi-label accuracy: {}", model.name),
            "per-class multi-label accuracy (%), 5-point bins",
            "classes (count of 1000)",
            10.0,
            (ymax / 5.0).max(10.0),
            |v| format!("{v:.0}"),
            |v| format!("{v:.0}"),
        );
        s.push_str(&figure(
            &svg,
            "How the 1000 per-class accuracies spread; the headline is their mean. Source: this \
             run's per-class figures (<code>eval --per-class</code>).",
        ));

        let mut worst: Vec<&ClassRow> = rows.iter().collect();
        worst.sort_by(|a, b| {
            a.accuracy()
                .total_cmp(&b.accuracy())
                .then(a.class.cmp(&b.class))
        });
        let table_rows: Vec<Vec<String>> = worst
            .iter()
            .take(20)
            .map(|r| {
                vec![
                    format!("{}", r.class),
                    format!("<code>{}</code>", r.class.wnid()),
                    format!("<span class=\"l\">{}</span>", esc(r.class.name())),
                    format!("{}/{}", r.correct, r.graded),
                    percent(r.accuracy()),
                ]
            })
            .collect();
        let _ = write!(
            s,
            "<h3>The 20 worst classes{}</h3>",
            if page.models.len() > 1 {
                format!(": {}", esc(&model.name))
            } else {
                String::new()
            }
        );
        s.push_str(&table(
            "worst",
            &["id", "wnid", "class", "right / graded", "multi-label %"],
            &table_rows,
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use imagenet_multilabel::ClassId;

    #[test]
    fn the_groups_split_the_1000_classes() {
        let rows: Vec<ClassRow> = ClassId::all()
            .map(|class| ClassRow {
                class,
                graded: 2,
                correct: u32::from(class.info().is_dog),
                strict: 0,
                top5: None,
            })
            .collect();
        let sizes: Vec<usize> = GROUPS.iter().map(|g| group_mean(&rows, g.1).2).collect();
        assert_eq!(sizes, vec![118, 292, 590]);
        assert_eq!(group_mean(&rows, GROUPS[0].1).0, 0.5);
        assert_eq!(group_mean(&rows, GROUPS[2].1).0, 0.0);
    }
}
