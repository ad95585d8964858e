//! Parity with the reference recipe: a second, deliberately plain implementation of the
//! grading loop, written the way the dataset's documentation writes it — iterate over the
//! examples of the split, skip problematic ones, keep per-class counters in a hash map keyed
//! by the original label, then average the per-class accuracies — must agree with
//! `metrics::evaluate` to the last bit, on indexes of several sizes and seeded random
//! predictions, whatever order the examples come in.
//!
//! The mean is summed in class order, as the README's recipe does (`for cid in
//! range(num_classes)`). The recipe itself, run by Python on TFDS's own build of a committed
//! fixture, is checked to the bit in `tests/goldens.rs`.

use std::collections::HashMap;

use imagenet_multilabel::annotations::{self, LoadOptions};
use imagenet_multilabel::fixture::annotations::{generate, Spec};
use imagenet_multilabel::fixture::known::{self, Plan};
use imagenet_multilabel::fixture::{pred_files, Rng};
use imagenet_multilabel::metrics::{evaluate, EvalOptions};
use imagenet_multilabel::predictions::{self, Format};
use imagenet_multilabel::{Annotations, ClassId, Example, ImageId, Predictions};

/// A realistic index (`per_class` annotated images per class) from the annotations fixture.
fn synthetic(seed: u64, per_class: usize) -> Annotations {
    generate(&Spec {
        per_class,
        seed,
        ..Spec::default()
    })
    .annotations()
}

/// The validation split as TFDS yields it: one example per annotated image, in an order
/// that is not image order.
fn examples(annotations: &Annotations, rng: &mut Rng) -> Vec<Example> {
    let mut out: Vec<Example> = annotations
        .records()
        .iter()
        .map(|r| Example::from_record(r, Vec::new()))
        .collect();
    rng.shuffle(&mut out);
    out
}

/// A model's top-1 per file name: often a label from the image's lists, sometimes anything.
fn random_predictions(examples: &[Example], rng: &mut Rng) -> HashMap<String, ClassId> {
    examples
        .iter()
        .map(|ex| {
            let lists = [
                &ex.correct_multi_labels,
                &ex.unclear_multi_labels,
                &ex.wrong_multi_labels,
            ];
            let list = lists[rng.below(3) as usize];
            let pred = if !list.is_empty() && rng.chance(0.8) {
                list[rng.below(list.len() as u64) as usize]
            } else {
                ClassId::new(rng.below(1000) as i64).unwrap()
            };
            (ex.file_name.clone(), pred)
        })
        .collect()
}

/// The reference recipe, transcribed.
fn reference_accuracy(examples: &[Example], predictions: &HashMap<String, ClassId>) -> f64 {
    let mut num_correct_per_class: HashMap<ClassId, u32> = HashMap::new();
    let mut num_images_per_class: HashMap<ClassId, u32> = HashMap::new();
    for example in examples {
        if example.is_problematic {
            continue;
        }
        let label = example.original_label;
        let pred = predictions[&example.file_name];
        *num_images_per_class.entry(label).or_insert(0) += 1;
        let correct = num_correct_per_class.entry(label).or_insert(0);
        if example.correct_multi_labels.contains(&pred)
            || example.unclear_multi_labels.contains(&pred)
        {
            *correct += 1;
        }
    }
    assert_eq!(num_images_per_class.len(), 1000, "every class has an image");
    let mut per_class_accuracy: Vec<(ClassId, f64)> = num_images_per_class
        .iter()
        .map(|(label, &n)| {
            (
                *label,
                f64::from(num_correct_per_class[label]) / f64::from(n),
            )
        })
        .collect();
    per_class_accuracy.sort_by_key(|(label, _)| *label);
    let mut sum = 0.0;
    for (_, accuracy) in &per_class_accuracy {
        sum += accuracy;
    }
    sum / per_class_accuracy.len() as f64
}

/// The ImageNet-M recipe: top-1 in correct ∪ unclear, problematic or not.
fn reference_imagenet_m(
    annotations: &Annotations,
    examples: &[Example],
    predictions: &HashMap<String, ClassId>,
) -> (usize, usize) {
    let names: Vec<String> = annotations
        .imagenet_m()
        .iter()
        .map(|i| i.file_name())
        .collect();
    let split: Vec<&Example> = examples
        .iter()
        .filter(|ex| names.contains(&ex.file_name))
        .collect();
    let correct = split
        .iter()
        .filter(|ex| {
            let pred = predictions[&ex.file_name];
            ex.correct_multi_labels.contains(&pred) || ex.unclear_multi_labels.contains(&pred)
        })
        .count();
    (correct, split.len())
}

fn to_predictions(map: &HashMap<String, ClassId>) -> Predictions {
    let mut p = Predictions::new("random-model.csv", 1, false);
    for (name, &class) in map {
        let image = ImageId::from_file_name(name).unwrap();
        assert!(p.insert(image, &[class]));
    }
    p
}

#[test]
fn evaluate_agrees_with_the_reference_recipe_to_the_last_bit() {
    for (seed, per_class) in [(1, 1), (2, 3), (3, 20), (4, 32)] {
        let annotations = synthetic(seed, per_class);
        let mut rng = Rng::new(seed * 1000 + 1);
        for model in 0..2 {
            let examples = examples(&annotations, &mut rng);
            let map = random_predictions(&examples, &mut rng);
            let report =
                evaluate(&annotations, &to_predictions(&map), &EvalOptions::default()).unwrap();
            let at = format!("seed {seed}, {per_class} per class, model {model}");
            let expected = reference_accuracy(&examples, &map);
            assert_eq!(
                report.multilabel_accuracy.value.to_bits(),
                expected.to_bits(),
                "{at}: {} vs {expected}",
                report.multilabel_accuracy.value
            );
            let (correct, total) = reference_imagenet_m(&annotations, &examples, &map);
            assert_eq!(
                (report.imagenet_m.correct, report.imagenet_m.total),
                (correct, total),
                "{at}"
            );
            assert_eq!(total, 68, "{at}");
            // Random models on these lists land well inside (0, 1): the check has teeth.
            assert!(expected > 0.05 && expected < 0.95, "{at}: {expected}");
        }
    }
}

#[test]
fn the_example_order_does_not_change_a_bit() {
    let annotations = synthetic(8, 20);
    let mut rng = Rng::new(8);
    let examples = examples(&annotations, &mut rng);
    let map = random_predictions(&examples, &mut rng);
    let first = reference_accuracy(&examples, &map);
    let mut reordered = examples.clone();
    reordered.reverse();
    assert_eq!(
        first.to_bits(),
        reference_accuracy(&reordered, &map).to_bits()
    );
    let report = evaluate(&annotations, &to_predictions(&map), &EvalOptions::default()).unwrap();
    assert_eq!(report.multilabel_accuracy.value.to_bits(), first.to_bits());
}

/// The whole way, files included: the annotations fixture written as JSON and read back by
/// the real loader; known-answer predictions written as CSV and read back by the real
/// predictions loader; graded. The figures must be the known ones, and the headline must
/// match the reference recipe run on the fixture's own truth.
#[test]
fn from_files_to_figures() {
    let dir = tempfile::tempdir().unwrap();
    let synthetic = generate(&Spec {
        per_class: 8,
        seed: 21,
        ..Spec::default()
    });
    let json = dir.path().join("human_accuracy_v3.0.0.json");
    synthetic.write_json(&json).unwrap();
    let loaded = annotations::load(&json, &LoadOptions::no_cache()).unwrap();

    let truth = synthetic.annotations();
    // Predictions for the annotated images only, to keep the files small.
    let mut plan = Plan::fraction(&truth, 0.8, 5, 3);
    plan.cover_all = false;
    let known = known::generate(&truth, &plan).unwrap();
    let rows: Vec<pred_files::Row> = ImageId::all()
        .filter_map(|i| {
            Some((i, {
                let r = known.predictions.ranking(i)?;
                r.top(r.len()).to_vec()
            }))
        })
        .collect();
    let csv = dir.path().join("model.csv");
    pred_files::write(&csv, &rows, &pred_files::WriteOptions::new(Format::Csv)).unwrap();
    let predictions = predictions::load(&csv, &Default::default()).unwrap();

    let report = evaluate(&loaded, &predictions, &EvalOptions::default()).unwrap();
    let e = &known.expected;
    assert_eq!(report.multilabel_accuracy.value, e.multilabel_accuracy);
    assert_eq!(
        report.multilabel_accuracy_strict.value,
        e.multilabel_accuracy_strict
    );
    assert_eq!(
        report.multilabel_top5_accuracy.map(|x| x.value),
        e.multilabel_top5_accuracy
    );
    assert_eq!(report.imagenet_m.correct, e.imagenet_m_correct);
    assert_eq!(
        report.top1_original_all.map(|x| x.value),
        e.top1_original_all
    );
    assert_eq!(report.counts.unreviewed, e.unreviewed);
    assert_eq!(report.annotations, json.display().to_string());
    assert_eq!(report.predictions, csv.display().to_string());

    let mut rng = Rng::new(5);
    let examples = examples(&truth, &mut rng);
    let map: HashMap<String, ClassId> = examples
        .iter()
        .map(|ex| {
            let image = ImageId::from_file_name(&ex.file_name).unwrap();
            (
                ex.file_name.clone(),
                known
                    .predictions
                    .ranking(image)
                    .and_then(|r| r.top1())
                    .unwrap(),
            )
        })
        .collect();
    assert_eq!(
        report.multilabel_accuracy.value.to_bits(),
        reference_accuracy(&examples, &map).to_bits()
    );
}
