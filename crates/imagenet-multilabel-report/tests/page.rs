//! The page's structure: every section, every marked figure equal to the JSON report, no
//! external resource, text escaped, the size bound, and the atomic write.

mod common;

use imagenet_multilabel::metrics::compare;
use serde_json::Value;

const SECTIONS: [&str; 7] = [
    "summary",
    "field",
    "breakdown",
    "mistakes",
    "imagenet-m",
    "images",
    "comparison",
];

/// The values of attribute `name` of every tag, in order.
fn attributes<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let pattern = format!(" {name}=\"");
    html.match_indices(&pattern)
        .map(|(at, _)| {
            let rest = &html[at + pattern.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect()
}

/// Every marked figure: (owner attribute, owner index, key, value, shown text).
fn figures(html: &str) -> Vec<(String, usize, String, String, String)> {
    html.match_indices("<span class=\"fig\" ")
        .map(|(at, _)| {
            let tag = &html[at..];
            let end = tag.find('>').unwrap();
            let attrs = &tag[..end];
            let text = &tag[end + 1..tag.find("</span>").unwrap()];
            let owner = if attrs.contains("data-m=") { "m" } else { "c" };
            let index = attributes(attrs, &format!("data-{owner}"))[0]
                .parse()
                .unwrap();
            let key = attributes(attrs, "data-k")[0].to_string();
            let value = attributes(attrs, "data-v")[0].to_string();
            (owner.to_string(), index, key, value, text.to_string())
        })
        .collect()
}

/// Whether the figure at `key` is shown as a plain number (not a percentage).
fn attrs_num(html: &str, key: &str) -> bool {
    html.contains(&format!("data-k=\"{key}\" data-v=")) && {
        let at = html.find(&format!("data-k=\"{key}\"")).unwrap();
        html[at..at + 200]
            .split('>')
            .next()
            .unwrap()
            .contains("data-f=\"num\"")
    }
}

/// `value` at a dotted key path (`multilabel_accuracy.ci95.0`).
fn at<'a>(value: &'a Value, key: &str) -> &'a Value {
    key.split('.').fold(value, |v, k| match k.parse::<usize>() {
        Ok(i) => &v[i],
        Err(_) => &v[k],
    })
}

#[test]
fn every_section_is_there_and_every_figure_equals_the_json_report() {
    let run = common::run();
    let models = run.models(&["strong.npy", "weak.csv"]);
    let thumbnails = run.thumbnails(&models, 64);
    let html = imagenet_multilabel_report::render(&run.page(&models, Some(&thumbnails)));

    for id in SECTIONS {
        assert!(
            html.contains(&format!("<section id=\"{id}\">")),
            "section {id}"
        );
        assert!(
            html.contains(&format!("href=\"#{id}\"")),
            "navigation to {id}"
        );
    }
    // What `eval --json` prints for each model and comparison.
    let json: Vec<Value> = run
        .reports
        .iter()
        .map(|r| serde_json::to_value(r).unwrap())
        .collect();
    let comparison = serde_json::json!({
        "multilabel_accuracy_difference": compare(&run.reports[1], &run.reports[0]).unwrap()
    });
    let figures = figures(&html);
    for (owner, index, key, value, text) in &figures {
        let expected = match owner.as_str() {
            "m" => at(&json[*index], key),
            _ => at(&comparison, key),
        };
        assert!(!expected.is_null(), "{key} is not in the JSON report");
        let shown: f64 = value.parse().unwrap();
        assert_eq!(shown, expected.as_f64().unwrap(), "{owner}{index} {key}");
        // The text is the value, rounded: counts as they are, fractions in percent.
        let rounded = if attrs_num(&html, key) {
            format!("{shown:.2}")
        } else if expected.is_u64() {
            format!("{shown}")
        } else if owner == "c" {
            format!("{:+.2}", 100.0 * shown)
        } else {
            format!("{:.2}", 100.0 * shown)
        };
        assert_eq!(text, &rounded, "{key}");
    }
    // The figures a reader looks for first are among them, for both models.
    for m in 0..2 {
        for key in [
            "multilabel_accuracy.value",
            "multilabel_accuracy.ci95.0",
            "multilabel_accuracy.ci95.1",
            "multilabel_accuracy_strict.value",
            "multilabel_accuracy_per_image.value",
            "imagenet_m.correct",
            "imagenet_m.total",
            "top1_original_annotated.value",
            "counts.graded",
            "counts.problematic",
            "counts.unreviewed",
            "coverage.predicted",
            "mistake_severity.mean",
            "mistake_severity.n",
        ] {
            assert!(
                figures.iter().any(|f| f.0 == "m" && f.1 == m && f.2 == key),
                "model {m}: {key} not shown"
            );
        }
    }
    assert!(figures
        .iter()
        .any(|f| f.0 == "c" && f.2 == "multilabel_accuracy_difference.value"));
    // The weak model does not cover the 50,000: the page says where it is placed.
    assert!(html.contains("your models are placed at their top-1 on the graded"));
    // The 68 ImageNet-M images, each with its thumbnail.
    for image in run.annotations.imagenet_m() {
        assert!(html.contains(&image.file_name()), "{}", image.file_name());
    }
    assert!(html.matches("<img src=\"data:image/jpeg;base64,").count() >= thumbnails.len());
    assert!(!html.contains("left out to keep the page under 3 MB"));
}

#[test]
fn the_page_refers_to_nothing_outside_itself() {
    let run = common::run();
    let models = run.models(&["strong.npy", "weak.csv"]);
    // Noisy 160-pixel JPEGs (~40 KB, far more than photos): the worst case for the size.
    let thumbnails = run.thumbnails(&models, 160);
    let html = imagenet_multilabel_report::render(&run.page(&models, Some(&thumbnails)));
    for src in attributes(&html, "src") {
        assert!(src.starts_with("data:image/jpeg;base64,"), "src {src}");
    }
    for href in attributes(&html, "href") {
        assert!(href.starts_with('#'), "href {href}");
    }
    // Nor in CSS or anywhere else (base64 may hold `//`, which the src check covers).
    for outside in [
        "http:", "https:", "url(", "@import", "<link", "<iframe", "<object",
    ] {
        assert!(!html.contains(outside), "{outside}");
    }
    // The page keeps under 3 MB by leaving thumbnails out, and says so.
    assert!(html.len() < 3 << 20, "{} bytes", html.len());
    assert!(html.contains("thumbnails left out to keep the page under 3 MB"));
}

#[test]
fn names_are_escaped() {
    let run = common::run();
    let evil = "<script>alert(1)</script>&\"'.npy";
    let models = run.models(&[evil, "b.csv"]);
    let html = imagenet_multilabel_report::render(&run.page(&models, None));
    assert!(!html.contains(evil));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&#39;.npy"));
    assert_eq!(
        html.matches("<script>").count(),
        1,
        "only the viewer's script"
    );
    // Without images the section says how to get them.
    assert!(html.contains("give <code>--dataset DIR</code>"));
}

#[test]
fn one_model_has_no_comparison() {
    let run = common::run();
    let models = run.models(&["only.npy"]);
    let html = imagenet_multilabel_report::render(&run.page(&models, None));
    assert!(html.contains("One model: give <code>eval</code> several prediction files"));
    assert!(!html.contains("data-c="));
}

#[test]
fn write_publishes_the_whole_page_under_its_name() {
    let run = common::run();
    let models = run.models(&["a.npy"]);
    let page = run.page(&models, None);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.html");
    let size = imagenet_multilabel_report::write(&page, &path).unwrap();
    let written = std::fs::read_to_string(&path).unwrap();
    assert_eq!(written.len() as u64, size);
    assert_eq!(written, imagenet_multilabel_report::render(&page));
    assert!(written.ends_with("</html>"));
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "no temporary file left");
    // A directory that does not exist: an error naming the path, nothing written.
    let err = imagenet_multilabel_report::write(&page, &dir.path().join("no/such/dir/r.html"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("no/such/dir"), "{err}");
}
