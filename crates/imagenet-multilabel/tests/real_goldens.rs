//! ReaL accuracy equals, to the last bit, what independent transcriptions of the two
//! reference implementations compute on the same files: the NumPy snippet of
//! google-research/reassessed-imagenet and timm's `RealLabelsImagenet`. The files and
//! `expected.json` are written by `scripts/goldens/real.py` (real NumPy); nothing here is
//! computed by our own code on both sides.

use std::path::{Path, PathBuf};

use imagenet_multilabel::fixture::annotations::{generate, Spec};
use imagenet_multilabel::metrics::{self, real, EvalOptions};
use imagenet_multilabel::predictions::{self, LoadOptions};
use serde_json::Value;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/real")
}

fn expected() -> Value {
    let text = std::fs::read_to_string(dir().join("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// An f64 from its IEEE-754 bits in the goldens (`None` for JSON null).
fn float(v: &Value) -> Option<f64> {
    v.as_u64().map(f64::from_bits)
}

fn count(v: &Value) -> usize {
    v.as_u64().unwrap() as usize
}

#[test]
fn real_figures_equal_the_numpy_snippet_and_timm_exactly() {
    let goldens = expected();
    let files = goldens["files"].as_object().unwrap();
    assert_eq!(files.len(), 4, "the script writes four cases");
    for (file, g) in files {
        let p = predictions::load(&dir().join(file), &LoadOptions::default()).unwrap();
        let f = real::grade(&p);
        let up = &g["upstream_numpy"];
        let timm = &g["timm"];
        // The denominator: the snippet's `is_correct` and timm's lists have the same length.
        assert_eq!(f.counts.graded, count(&up["graded"]), "{file}");
        assert_eq!(f.counts.graded, count(&timm["top1_graded"]), "{file}");
        assert_eq!(
            f.counts.excluded_empty,
            count(&g["excluded_empty"]),
            "{file}"
        );
        assert_eq!(f.counts.missing, count(&g["missing"]), "{file}");
        // Top-1: the snippet's np.mean, bit for bit; timm's percentage is that times 100.
        let value = f.accuracy.map(|e| e.value);
        assert_eq!(value, float(&up["real_accuracy_bits"]), "{file}");
        assert_eq!(
            value.map(|v| v * 100.0),
            float(&timm["top1_percent_bits"]),
            "{file}"
        );
        // Top-5 where the file ranks five classes.
        match timm.get("top5_percent_bits") {
            Some(bits) => {
                let top5 = f.top5_accuracy.map(|e| e.value * 100.0);
                assert_eq!(top5, float(bits), "{file} top-5");
                assert!(top5.is_some(), "{file}: top-5 expected");
            }
            None => assert_eq!(f.top5_accuracy, None, "{file}"),
        }
    }
    // The cases are not degenerate: a full file, hits and misses, a top-5-only gain, and a
    // file with nothing to grade.
    let all = &files["all_top1.npy"];
    assert_eq!(count(&all["upstream_numpy"]["graded"]), 46_837);
    let partial = float(&files["partial_top5.csv"]["timm"]["top5_percent_bits"]).unwrap();
    let partial1 = float(&files["partial_top5.csv"]["timm"]["top1_percent_bits"]).unwrap();
    assert!(partial > partial1 && partial1 > 50.0 && partial < 100.0);
    assert!(files["only_empty.json"]["upstream_numpy"]["real_accuracy"].is_null());
}

#[test]
fn the_report_carries_the_same_figure_with_coverage() {
    // Through `evaluate`, as `eval` prints it: the same bits, a Wilson interval around them,
    // full coverage for the 50,000-image file.
    let goldens = expected();
    let g = &goldens["files"]["all_top1.npy"];
    let annotations = generate(&Spec {
        per_class: 3,
        ..Spec::default()
    })
    .annotations();
    let p = predictions::load(&dir().join("all_top1.npy"), &LoadOptions::default()).unwrap();
    let report = metrics::evaluate(&annotations, &p, &EvalOptions::default()).unwrap();
    let real = report.real_accuracy.unwrap();
    assert_eq!(
        Some(real.value),
        float(&g["upstream_numpy"]["real_accuracy_bits"])
    );
    assert!(real.ci95[0] < real.value && real.value < real.ci95[1]);
    // Wilson on 46,837 images near 78%: a half-width of about 0.38 points.
    assert!(
        (real.ci95[1] - real.ci95[0] - 0.0075).abs() < 0.0005,
        "{real:?}"
    );
    assert_eq!(report.real_counts.coverage, 1.0);
    assert_eq!(report.real_top5_accuracy, None);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["real_counts"]["graded"], 46_837);
    assert_eq!(json["real_counts"]["excluded_empty"], 3_163);
    assert_eq!(json["real_accuracy"]["value"].as_f64(), Some(real.value));
    assert_eq!(
        json["sources"]["real_accuracy"],
        serde_json::json!(["beyer2020imagenet", "ILSVRC15"])
    );
}
