//! Grading cost: `metrics::evaluate` (every figure, intervals, per-class rows, mistakes) on a
//! v3.0.0-sized index (20,000 annotated images, predictions for all 50,000 with top-5),
//! beside the reference recipe transcribed naively (examples, a prediction dict keyed by
//! file name, hash-map counters; the headline only), measured in the same run.

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use imagenet_multilabel::fixture::annotations::{generate, Spec};
use imagenet_multilabel::fixture::known::{self, Plan};
use imagenet_multilabel::metrics::{
    evaluate, write_mistakes_csv, write_per_class_csv, EvalOptions,
};
use imagenet_multilabel::{Annotations, ClassId, Example, Predictions};

fn reference_recipe(examples: &[Example], predictions: &HashMap<String, ClassId>) -> f64 {
    let mut correct: HashMap<ClassId, u32> = HashMap::new();
    let mut images: HashMap<ClassId, u32> = HashMap::new();
    for ex in examples.iter().filter(|ex| !ex.is_problematic) {
        let pred = predictions[&ex.file_name];
        *images.entry(ex.original_label).or_insert(0) += 1;
        let hit =
            ex.correct_multi_labels.contains(&pred) || ex.unclear_multi_labels.contains(&pred);
        *correct.entry(ex.original_label).or_insert(0) += u32::from(hit);
    }
    let mut per_class: Vec<(ClassId, f64)> = images
        .iter()
        .map(|(c, &n)| (*c, f64::from(correct[c]) / f64::from(n)))
        .collect();
    per_class.sort_by_key(|(c, _)| *c);
    per_class.iter().map(|(_, a)| a).sum::<f64>() / per_class.len() as f64
}

fn inputs() -> (
    Annotations,
    Predictions,
    Vec<Example>,
    HashMap<String, ClassId>,
) {
    let annotations = generate(&Spec::default()).annotations();
    let plan = Plan::fraction(&annotations, 0.85, 5, 1);
    let predictions = known::generate(&annotations, &plan).unwrap().predictions;
    let examples: Vec<Example> = annotations
        .records()
        .iter()
        .map(|r| Example::from_record(r, Vec::new()))
        .collect();
    let dict = annotations
        .records()
        .iter()
        .map(|r| {
            (
                r.image().file_name(),
                predictions.ranking(r.image()).unwrap().top1().unwrap(),
            )
        })
        .collect();
    (annotations, predictions, examples, dict)
}

fn grading(c: &mut Criterion) {
    let (annotations, predictions, examples, dict) = inputs();
    let options = EvalOptions::default();
    let mut group = c.benchmark_group("grade_20000_annotated");
    group.bench_function("evaluate_all_figures", |b| {
        b.iter(|| evaluate(black_box(&annotations), black_box(&predictions), &options).unwrap())
    });
    group.bench_function("reference_recipe_headline_only", |b| {
        b.iter(|| reference_recipe(black_box(&examples), black_box(&dict)))
    });
    group.finish();

    let report = evaluate(&annotations, &predictions, &options).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (per_class, mistakes) = (
        dir.path().join("per_class.csv"),
        dir.path().join("mistakes.csv"),
    );
    let mut group = c.benchmark_group("tables");
    group.bench_function("per_class_and_mistakes_csv", |b| {
        b.iter(|| {
            write_per_class_csv(&report, &per_class).unwrap();
            write_mistakes_csv(&report, &mistakes).unwrap();
        })
    });
    group.finish();
}

criterion_group!(benches, grading);
criterion_main!(benches);
