use std::path::PathBuf;

use super::*;
use crate::fixture::annotations::Spec;
use crate::fixture::known::{self, Plan};
use crate::index::{Record, Source};

/// A realistic index from the annotations fixture (`per_class` annotated images per class).
fn synthetic(seed: u64, per_class: usize) -> Annotations {
    let spec = Spec {
        per_class,
        seed,
        ..Spec::default()
    };
    crate::fixture::annotations::generate(&spec).annotations()
}

fn source() -> Source {
    Source {
        path: PathBuf::from("hand-made.json"),
        size: 0,
        sha256: String::new(),
        version: Version::Unrecognised,
    }
}

/// `per_class` images of every class (the first ones of the class by number), each with its
/// original label as the only correct label; `edit` may change any record.
fn hand_made(per_class: usize, edit: impl Fn(&mut Record)) -> Annotations {
    let mut seen = vec![0usize; NUM_CLASSES];
    let mut records = Vec::new();
    for image in ImageId::all() {
        let original = image.original_label();
        if seen[original.index()] < per_class {
            seen[original.index()] += 1;
            let mut r = Record {
                image,
                original,
                correct: vec![original],
                wrong: vec![],
                unclear: vec![],
                problematic: false,
                imagenet_m: false,
            };
            edit(&mut r);
            records.push(r);
        }
    }
    let imagenet_m = records.iter().take(3).map(|r| r.image).collect();
    Annotations::new(records, imagenet_m, source()).unwrap()
}

/// Top-1 `choose(record)` for every annotated image (none when it returns `None`), then k-1
/// fillers that are never listed by `hand_made` (class ids after the top-1).
fn predict(
    annotations: &Annotations,
    k: usize,
    choose: impl Fn(&Record) -> Option<ClassId>,
) -> Predictions {
    let mut p = Predictions::new("preds.npy", k, true);
    for r in annotations.records() {
        if let Some(top1) = choose(r) {
            let ranked: Vec<ClassId> = (0..k as u16)
                .map(|i| ClassId((top1.0 + i * 7) % 1000))
                .collect();
            assert!(p.insert(r.image, &ranked));
        }
    }
    p
}

fn other(c: ClassId) -> ClassId {
    ClassId((c.0 + 500) % 1000)
}

fn eval(a: &Annotations, p: &Predictions) -> Result<Report> {
    evaluate(a, p, &EvalOptions::default())
}

#[test]
fn known_answers_at_several_sizes() {
    for (seed, per_class, fraction, k) in [
        (1, 1, 0.0, 1),
        (2, 3, 0.5, 2),
        (3, 20, 0.8, 5),
        (4, 50, 1.0, 5),
        (5, 12, 0.93, 3),
    ] {
        let annotations = synthetic(seed, per_class);
        let mut plan = Plan::fraction(&annotations, fraction, k, seed + 100);
        plan.cover_all = seed % 2 == 0;
        let known = known::generate(&annotations, &plan).unwrap();
        let e = &known.expected;
        let r = eval(&annotations, &known.predictions).unwrap();
        let at = format!("seed {seed}, {per_class} per class");
        assert_eq!(r.multilabel_accuracy.value, e.multilabel_accuracy, "{at}");
        assert_eq!(
            r.multilabel_accuracy_strict.value, e.multilabel_accuracy_strict,
            "{at}"
        );
        assert_eq!(
            r.multilabel_accuracy_per_image.value, e.multilabel_accuracy_per_image,
            "{at}"
        );
        assert_eq!(
            r.multilabel_top5_accuracy.map(|x| x.value),
            e.multilabel_top5_accuracy,
            "{at}"
        );
        assert_eq!(
            (r.imagenet_m.correct, r.imagenet_m.total),
            (e.imagenet_m_correct, e.imagenet_m_total),
            "{at}"
        );
        assert_eq!(
            r.top1_original_annotated.value, e.top1_original_annotated,
            "{at}"
        );
        assert_eq!(
            r.top1_original_all.map(|x| x.value),
            e.top1_original_all,
            "{at}"
        );
        assert_eq!(
            r.counts,
            Counts {
                annotated: per_class * 1000,
                problematic: e.problematic,
                graded: e.graded,
                unreviewed: e.unreviewed,
                background: 0,
            },
            "{at}"
        );
        assert_eq!(r.mistakes.len(), e.mistakes, "{at}");
        let rows: Vec<(u32, u32)> = r.per_class.iter().map(|c| (c.graded, c.correct)).collect();
        assert_eq!(rows, e.per_class, "{at}");
        assert_eq!(r.coverage.predicted, e.graded);
        assert_eq!((r.coverage.missing, r.coverage.fraction), (0, 1.0));
        for x in [r.multilabel_accuracy, r.top1_original_annotated] {
            assert!(x.ci95[0] <= x.value && x.value <= x.ci95[1], "{at}: {x:?}");
        }
        if fraction == 0.0 {
            assert_eq!(r.multilabel_accuracy.value, 0.0);
        }
    }
}

#[test]
fn a_plan_the_index_cannot_carry_out_is_refused() {
    let annotations = synthetic(9, 2);
    let mut plan = Plan::fraction(&annotations, 1.0, 1, 0);
    plan.hits[3] += 1;
    let err = known::generate(&annotations, &plan)
        .unwrap_err()
        .to_string();
    assert!(err.contains("class 3"), "{err}");
}

#[test]
fn figures_from_first_principles() {
    // Two images per class, original label correct. Classes below 500 get one hit of two,
    // the rest two of two: (500·½ + 500·1) / 1000 = 0.75 exactly.
    let a = hand_made(2, |_| {});
    let first_of_class = |r: &Record| a.records().iter().find(|x| x.original == r.original);
    let p = predict(&a, 1, |r| {
        let first = first_of_class(r).map(|x| x.image) == Some(r.image);
        Some(if r.original.0 < 500 && first {
            other(r.original)
        } else {
            r.original
        })
    });
    let r = eval(&a, &p).unwrap();
    assert_eq!(r.multilabel_accuracy.value, 0.75);
    assert_eq!(r.multilabel_accuracy_strict.value, 0.75);
    assert_eq!(r.multilabel_accuracy_per_image.value, 0.75);
    assert_eq!(r.top1_original_annotated.value, 0.75);
    assert_eq!(r.multilabel_top5_accuracy, None);
    assert_eq!(r.top1_original_all, None);
    assert_eq!(r.counts.unreviewed, 500);
    assert_eq!(r.mistakes.len(), 500);
    assert!(r
        .mistakes
        .iter()
        .all(|m| m.status == LabelStatus::Unreviewed));
    // Half the classes at ½ from two images each: Var = 500·(¼/1)/10⁶.
    let half = interval::Z95 * (500.0f64 * 0.25 / 1e6).sqrt();
    let [lo, hi] = r.multilabel_accuracy.ci95;
    assert!((lo - (0.75 - half)).abs() < 1e-12 && (hi - (0.75 + half)).abs() < 1e-12);
    assert_eq!(
        r.multilabel_accuracy_per_image.ci95,
        interval::wilson(1500, 2000)
    );
    // One class at zero, the rest perfect: 999/1000.
    let p = predict(&a, 1, |r| {
        Some(if r.original.0 == 0 {
            other(r.original)
        } else {
            r.original
        })
    });
    assert_eq!(eval(&a, &p).unwrap().multilabel_accuracy.value, 0.999);
}

#[test]
fn the_average_is_over_classes_not_images() {
    // Class 0 has 4 graded images (all missed); every other class has 1 (hit). Per class:
    // 999/1000; per image: 999/1003.
    let a = {
        let mut records = hand_made(1, |_| {}).records().to_vec();
        let extra: Vec<ImageId> = ImageId::all()
            .filter(|i| i.original_label() == ClassId(0))
            .skip(1)
            .take(3)
            .collect();
        for image in extra {
            records.push(Record {
                image,
                original: ClassId(0),
                correct: vec![ClassId(0)],
                wrong: vec![],
                unclear: vec![],
                problematic: false,
                imagenet_m: false,
            });
        }
        Annotations::new(records, vec![], source()).unwrap()
    };
    let p = predict(&a, 1, |r| {
        Some(if r.original.0 == 0 {
            ClassId(1)
        } else {
            r.original
        })
    });
    let r = eval(&a, &p).unwrap();
    assert_eq!(r.multilabel_accuracy.value, 0.999);
    assert_eq!(r.multilabel_accuracy_per_image.value, 999.0 / 1003.0);
    assert_eq!(r.per_class[0].graded, 4);
    assert_eq!(r.per_class[0].accuracy(), 0.0);
    assert_eq!(r.imagenet_m.total, 0);
}

#[test]
fn unclear_counts_as_a_hit_except_in_the_strict_figure() {
    let a = hand_made(1, |r| {
        if r.original.0 % 2 == 1 {
            r.unclear = std::mem::take(&mut r.correct);
        }
    });
    let p = predict(&a, 1, |r| Some(r.original));
    let r = eval(&a, &p).unwrap();
    assert_eq!(r.multilabel_accuracy.value, 1.0);
    assert_eq!(r.multilabel_accuracy_strict.value, 0.5);
    assert_eq!(r.mistakes.len(), 0);
}

#[test]
fn duplicates_and_a_label_both_correct_and_wrong() {
    // Every image lists its original label twice as correct and once as wrong; the
    // reference's `pred in correct + unclear` makes that a hit, counted once.
    let a = hand_made(2, |r| {
        r.correct.push(r.original);
        r.wrong.push(r.original);
        r.wrong.push(ClassId((r.original.0 + 1) % 1000));
        r.wrong.push(ClassId((r.original.0 + 1) % 1000));
    });
    let p = predict(&a, 1, |r| Some(r.original));
    let r = eval(&a, &p).unwrap();
    assert_eq!(r.multilabel_accuracy.value, 1.0);
    assert_eq!(r.per_class[5].correct, 2);
    let p = predict(&a, 1, |r| Some(ClassId((r.original.0 + 1) % 1000)));
    let r = eval(&a, &p).unwrap();
    assert_eq!(r.multilabel_accuracy.value, 0.0);
    assert_eq!(r.counts.unreviewed, 0);
    assert!(r.mistakes.iter().all(|m| m.status == LabelStatus::Wrong));
}

#[test]
fn a_class_without_graded_images_is_named() {
    let a = hand_made(1, |r| r.problematic = r.original == ClassId(7));
    let p = predict(&a, 1, |r| Some(r.original));
    let err = eval(&a, &p).unwrap_err();
    assert!(matches!(err, Error::Mismatch(_)));
    let msg = err.to_string();
    assert!(msg.starts_with("hand-made.json: "), "{msg}");
    assert!(
        msg.contains(&format!(
            "class 7 ({}, {})",
            ClassId(7).wnid(),
            ClassId(7).name()
        )),
        "{msg}"
    );
    // Allowing missing predictions does not lift it.
    let opts = EvalOptions {
        allow_missing: true,
    };
    assert!(evaluate(&a, &p, &opts).is_err());

    let a = hand_made(1, |r| r.problematic = r.original.0 < 7);
    let msg = eval(&a, &p).unwrap_err().to_string();
    assert!(msg.contains("7 classes: class 0 ("), "{msg}");
    assert!(
        msg.contains("class 4 (") && msg.contains(" and 2 more"),
        "{msg}"
    );
}

#[test]
fn missing_predictions_are_an_error_unless_allowed() {
    let a = hand_made(2, |_| {});
    // The ImageNet-M images are the first three records; leave out 7 images of which one
    // is ImageNet-M.
    let leave_out: Vec<ImageId> = a.records()[2..9].iter().map(|r| r.image).collect();
    let p = predict(&a, 1, |r| {
        (!leave_out.contains(&r.image)).then_some(r.original)
    });
    let msg = eval(&a, &p).unwrap_err().to_string();
    assert!(
        msg.starts_with("7 of the 2000 annotated images to grade"),
        "{msg}"
    );
    assert!(msg.contains("preds.npy"), "{msg}");
    assert!(msg.contains(&leave_out[0].file_name()), "{msg}");
    assert!(
        msg.contains("and 2 more") && msg.contains("--allow-missing"),
        "{msg}"
    );

    let opts = EvalOptions {
        allow_missing: true,
    };
    let r = evaluate(&a, &p, &opts).unwrap();
    assert_eq!(r.multilabel_accuracy.value, 1.0);
    assert_eq!(r.coverage.predicted, 1993);
    assert_eq!(r.coverage.missing, 7);
    assert_eq!(r.coverage.fraction, 1993.0 / 2000.0);
    assert_eq!(r.coverage.imagenet_m_missing, 1);
    assert_eq!((r.imagenet_m.correct, r.imagenet_m.total), (2, 2));
    // Each class still has one predicted image, so the classes of the left-out images
    // count one of one.
    assert_eq!(r.per_class[leave_out[0].original_label().index()].graded, 1);

    // Leaving out both images of a class leaves it ungraded: still an error, naming it.
    let class = a.records()[0].original;
    let p = predict(&a, 1, |r| (r.original != class).then_some(r.original));
    let msg = evaluate(&a, &p, &opts).unwrap_err().to_string();
    assert!(
        msg.starts_with("preds.npy: no prediction for any graded image"),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("class {class} ({}", class.wnid())),
        "{msg}"
    );
}

#[test]
fn problematic_images_count_in_imagenet_m_only() {
    // Two images per class; the first three records are ImageNet-M; make the first one
    // problematic and every prediction wrong on it.
    let a = hand_made(2, |_| {});
    let first = a.records()[0].image;
    let mut records = a.records().to_vec();
    records[0].problematic = true;
    let im: Vec<ImageId> = a.imagenet_m().to_vec();
    let a = Annotations::new(records, im, source()).unwrap();
    let p = predict(&a, 1, |r| {
        Some(if r.image == first {
            other(r.original)
        } else {
            r.original
        })
    });
    let r = eval(&a, &p).unwrap();
    assert_eq!(r.multilabel_accuracy.value, 1.0);
    assert_eq!((r.imagenet_m.correct, r.imagenet_m.total), (2, 3));
    assert_eq!(r.counts.problematic, 1);
    assert_eq!(r.counts.graded, 1999);
    assert_eq!(r.mistakes.len(), 1);
    let m = r.mistakes[0];
    assert!(m.problematic && m.imagenet_m && m.image == first);
    // A problematic image outside ImageNet-M needs no prediction.
    let p = predict(&a, 1, |r| (r.image != first).then_some(r.original));
    let r = evaluate(
        &a,
        &p,
        &EvalOptions {
            allow_missing: true,
        },
    )
    .unwrap();
    assert_eq!(r.coverage.imagenet_m_missing, 1);
}

#[test]
fn top5_needs_five_ranked_classes() {
    let a = hand_made(1, |_| {});
    // Top-1 is never a hit; the original label is ranked fifth.
    let mut p = Predictions::new("p", 5, true);
    for r in a.records() {
        let o = r.original.0;
        let ranked: Vec<ClassId> = [1, 2, 3, 4, 0]
            .iter()
            .map(|i| ClassId((o + 100 * i) % 1000))
            .collect();
        p.insert(r.image, &ranked);
    }
    let r = eval(&a, &p).unwrap();
    assert_eq!(r.multilabel_accuracy.value, 0.0);
    assert_eq!(r.multilabel_top5_accuracy.unwrap().value, 1.0);
    for k in 1..5 {
        let p = predict(&a, k, |r| Some(r.original));
        assert_eq!(
            eval(&a, &p).unwrap().multilabel_top5_accuracy,
            None,
            "k = {k}"
        );
    }
}

#[test]
fn background_top1_is_a_miss_and_background_takes_a_top5_rank() {
    // Every image's only correct label is its original; the model ranks the background and
    // the original as follows (b = background, o = original, x = other classes).
    let a = hand_made(1, |_| {});
    let layouts: [(&str, Option<usize>, usize); 4] = [
        // (layout, background rank, rank of the original among the classes)
        ("b o x x x", Some(0), 0), // top-1 is background: a miss, not its best class o
        ("o b x x x", Some(1), 0), // top-1 o: a hit
        ("x x x b o", Some(3), 3), // o at rank 4: in the top 5
        ("x x x x b", Some(4), 4), // o would be 6th: the background pushed it out of the top 5
    ];
    for (layout, background, original_at) in layouts {
        let mut p = Predictions::new("slim.npz", 5, true);
        for r in a.records() {
            let mut classes: Vec<ClassId> = (1..=5)
                .map(|i| ClassId((r.original.0 + 100 * i) % 1000))
                .collect();
            classes.insert(original_at, r.original);
            assert!(p.insert_with_background(r.image, &classes, background));
        }
        let r = eval(&a, &p).unwrap();
        let (top1, top5) = match layout {
            "b o x x x" => (0.0, 1.0),
            "o b x x x" => (1.0, 1.0),
            "x x x b o" => (0.0, 1.0),
            _ => (0.0, 0.0),
        };
        assert_eq!(r.multilabel_accuracy.value, top1, "{layout}");
        assert_eq!(r.top1_original_annotated.value, top1, "{layout}");
        assert_eq!(r.multilabel_top5_accuracy.unwrap().value, top5, "{layout}");
        let background_top1 = if background == Some(0) { 1000 } else { 0 };
        assert_eq!(r.counts.background, background_top1, "{layout}");
        // A top-1 x is unreviewed (in no list); a background top-1 is not: it is no class.
        let unreviewed = if layout.starts_with('x') { 1000 } else { 0 };
        assert_eq!(r.counts.unreviewed, unreviewed, "{layout}");
        if background == Some(0) {
            assert!(r
                .mistakes
                .iter()
                .all(|m| m.prediction.is_none() && m.status == LabelStatus::Wrong));
        }
    }
}

#[test]
fn original_top1_on_all_images_needs_all_of_them() {
    let a = hand_made(1, |_| {});
    let mut p = Predictions::new("p", 1, false);
    for image in ImageId::all() {
        // Right on every image with an odd number.
        let o = image.original_label();
        p.insert(image, &[if image.0 % 2 == 1 { o } else { other(o) }]);
    }
    let r = eval(&a, &p).unwrap();
    let all = r.top1_original_all.unwrap();
    assert_eq!(all.value, 0.5);
    assert_eq!(all.ci95, interval::wilson(25_000, 50_000));
    assert_eq!(r.coverage.images_in_file, 50_000);
}

#[test]
fn json_field_names_are_the_contract() {
    let a = synthetic(3, 4);
    let known = known::generate(&a, &Plan::fraction(&a, 0.7, 5, 1)).unwrap();
    let r = eval(&a, &known.predictions).unwrap();
    let v = serde_json::to_value(&r).unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "annotations",
            "annotations_version",
            "counts",
            "coverage",
            "imagenet_m",
            "mistake_severity",
            "multilabel_accuracy",
            "multilabel_accuracy_per_image",
            "multilabel_accuracy_strict",
            "multilabel_top5_accuracy",
            "predictions",
            "real_accuracy",
            "real_counts",
            "real_top5_accuracy",
            "sources",
            "top1_original_all",
            "top1_original_annotated",
        ]
    );
    let mut real: Vec<&str> = v["real_counts"]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    real.sort_unstable();
    assert_eq!(real, ["coverage", "excluded_empty", "graded", "missing"]);
    assert_eq!(
        v["sources"]["multilabel_accuracy"][0],
        "shankar2019evaluating"
    );
    assert_eq!(v["predictions"], "known-predictions");
    assert_eq!(v["annotations_version"], "unrecognised");
    assert_eq!(
        v["multilabel_accuracy"]["value"],
        r.multilabel_accuracy.value
    );
    assert_eq!(
        v["multilabel_accuracy"]["ci95"].as_array().unwrap().len(),
        2
    );
    assert_eq!(v["imagenet_m"]["total"], 68);
    assert_eq!(v["counts"]["annotated"], 4000);
    let severity = &v["mistake_severity"];
    assert_eq!(severity["n"], r.mistake_severity.n);
    assert_eq!(severity["histogram"].as_array().unwrap().len(), 19);
    assert_eq!(severity["mean"], r.mistake_severity.mean.unwrap());
    assert!(r.mistake_severity.n > 0);
    for key in [
        "predicted",
        "missing",
        "fraction",
        "imagenet_m_missing",
        "images_in_file",
        "k",
    ] {
        assert!(v["coverage"].get(key).is_some(), "coverage.{key}");
    }
}

#[test]
fn csv_tables() {
    let dir = tempfile::tempdir().unwrap();
    let a = hand_made(2, |_| {});
    let first = a.records()[0].clone();
    // One unreviewed mistake, on the first image.
    let p = predict(&a, 1, |r| {
        Some(if r.image == first.image {
            ClassId(268)
        } else {
            r.original
        })
    });
    let r = eval(&a, &p).unwrap();

    let per_class = dir.path().join("per_class.csv");
    write_per_class_csv(&r, &per_class).unwrap();
    let text = std::fs::read_to_string(&per_class).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1001);
    assert_eq!(
        lines[0],
        "id,wnid,name,is_dog,is_organism,graded,correct,accuracy"
    );
    assert_eq!(lines[1], "0,n01440764,tench,false,true,2,2,1");
    let c = first.original;
    let row = format!(
        "{c},{},{},{},{},2,1,0.5",
        c.wnid(),
        c.name(),
        c.info().is_dog,
        c.info().is_organism
    );
    assert!(lines.contains(&row.as_str()), "{row}");

    let mistakes = dir.path().join("mistakes.csv");
    write_mistakes_csv(&r, &mistakes).unwrap();
    let mut rd = ::csv::Reader::from_path(&mistakes).unwrap();
    let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "file",
            "original_id",
            "original_name",
            "prediction_id",
            "prediction_name",
            "status",
            "problematic",
            "imagenet_m",
            "severity"
        ]
    );
    let rows: Vec<::csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 1);
    let row: Vec<&str> = rows[0].iter().collect();
    assert_eq!(
        row,
        [
            first.image.file_name().as_str(),
            &c.to_string(),
            c.name(),
            "268",
            ClassId(268).name(),
            "unreviewed",
            "false",
            "true",
            &Hierarchy::embedded()
                .lca_height(ClassId(268), c)
                .to_string()
        ]
    );
    // Nothing but the two tables is left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    // A folder that does not exist is an Io error naming the file.
    let bad = dir.path().join("no/such/dir/x.csv");
    let err = write_per_class_csv(&r, &bad).unwrap_err();
    assert!(matches!(err, Error::Io { .. }) && err.to_string().contains("x.csv"));
}

#[test]
fn paired_difference_of_two_models() {
    // Two images per class. A misses the first image of every class; B misses it too, and
    // also the second image of classes below 100. Δ = 100 · ½ / 1000 = 0.05.
    let a = hand_made(2, |_| {});
    let first = |r: &Record| {
        a.records()
            .iter()
            .find(|x| x.original == r.original)
            .unwrap()
            .image
            == r.image
    };
    let model_a = predict(&a, 1, |r| {
        Some(if first(r) {
            other(r.original)
        } else {
            r.original
        })
    });
    let model_b = predict(&a, 1, |r| {
        Some(if first(r) || r.original.0 < 100 {
            other(r.original)
        } else {
            r.original
        })
    });
    let (ra, rb) = (eval(&a, &model_a).unwrap(), eval(&a, &model_b).unwrap());
    let diff = compare(&ra, &rb).unwrap();
    assert_eq!(
        diff.value,
        ra.multilabel_accuracy.value - rb.multilabel_accuracy.value
    );
    assert!((diff.value - 0.05).abs() < 1e-15);
    assert_eq!((diff.only_a, diff.only_b), (100, 0));
    // Per class below 100, d = (0, 1): mean ½, s² = ½, term ¼; Var = 100 · ¼ / 10⁶.
    let half = interval::Z95 * (25.0f64 / 1e6).sqrt();
    assert!((diff.ci95[0] - (0.05 - half)).abs() < 1e-12, "{diff:?}");
    assert!((diff.ci95[1] - (0.05 + half)).abs() < 1e-12, "{diff:?}");
    // Shared mistakes cancel: the paired interval is far narrower than the two separate ones
    // combined, which overlap although the difference is clear.
    let unpaired = |e: &Estimate| ((e.ci95[1] - e.ci95[0]) / 2.0).powi(2);
    let unpaired_half =
        (unpaired(&ra.multilabel_accuracy) + unpaired(&rb.multilabel_accuracy)).sqrt();
    assert!(half * 4.0 < unpaired_half, "{half} vs {unpaired_half}");
    assert!(diff.ci95[0] > 0.0);
    assert!(ra.multilabel_accuracy.ci95[0] < rb.multilabel_accuracy.ci95[1]);

    // Swapped: the mirror image. Against itself: exactly nothing.
    let back = compare(&rb, &ra).unwrap();
    assert_eq!(back.value, -diff.value);
    assert_eq!((back.only_a, back.only_b), (0, 100));
    assert!((back.ci95[0] + diff.ci95[1]).abs() < 1e-12);
    let same = compare(&ra, &ra).unwrap();
    assert_eq!(
        (same.value, same.ci95, same.only_a, same.only_b),
        (0.0, [0.0, 0.0], 0, 0)
    );
}

#[test]
fn a_paired_comparison_needs_the_same_images() {
    let a = hand_made(2, |_| {});
    let full = eval(&a, &predict(&a, 1, |r| Some(r.original))).unwrap();
    let gap = a.records()[10].image;
    let partial = evaluate(
        &a,
        &predict(&a, 1, |r| (r.image != gap).then_some(r.original)),
        &EvalOptions {
            allow_missing: true,
        },
    )
    .unwrap();
    let msg = compare(&full, &partial).unwrap_err().to_string();
    assert!(msg.contains("not graded on the same images"), "{msg}");
    assert!(msg.contains("preds.npy"), "{msg}");
}

/// Whatever the lists, flags and predictions, `evaluate` returns a report whose figures hang
/// together, or a `Mismatch` — never a panic.
#[test]
fn random_inputs_give_a_consistent_report_or_a_mismatch() {
    use crate::fixture::Rng;
    let (mut ok, mut refused) = (0, 0);
    for seed in 0..24u64 {
        let mut rng = Rng::new(seed);
        let per_class = 1 + rng.below(3) as usize;
        let near = |rng: &mut Rng, c: ClassId| ClassId(((c.0 as u64 + rng.below(4)) % 1000) as u16);
        let mut records = hand_made(per_class, |_| {}).records().to_vec();
        let mut first = std::collections::HashSet::new();
        for r in &mut records {
            let o = r.original;
            r.correct = (0..rng.below(3)).map(|_| near(&mut rng, o)).collect();
            r.wrong = (0..rng.below(3)).map(|_| near(&mut rng, o)).collect();
            r.unclear = (0..rng.below(2)).map(|_| near(&mut rng, o)).collect();
            // Never a class's first image, so most runs can be graded.
            r.problematic = !first.insert(o) && rng.chance(0.1);
        }
        let imagenet_m: Vec<ImageId> = records
            .iter()
            .filter(|_| rng.chance(0.01))
            .map(|r| r.image)
            .collect();
        let a = Annotations::new(records, imagenet_m, source()).unwrap();
        let k = 1 + rng.below(5) as usize;
        let mut p = Predictions::new("random.csv", k, true);
        let gaps = rng.chance(0.5);
        for image in ImageId::all() {
            if gaps && rng.chance(0.002) {
                continue;
            }
            let top = ClassId((image.original_label().0 + rng.below(4) as u16) % 1000);
            let ranked: Vec<ClassId> = (0..k as u16).map(|i| ClassId((top.0 + i) % 1000)).collect();
            p.insert(image, &ranked);
        }
        let options = EvalOptions {
            allow_missing: rng.chance(0.7),
        };
        let r = match evaluate(&a, &p, &options) {
            Ok(r) => r,
            Err(Error::Mismatch(_)) => {
                refused += 1;
                continue;
            }
            Err(e) => panic!("seed {seed}: {e}"),
        };
        ok += 1;
        let estimates = [
            Some(r.multilabel_accuracy),
            Some(r.multilabel_accuracy_strict),
            Some(r.multilabel_accuracy_per_image),
            r.multilabel_top5_accuracy,
            Some(r.top1_original_annotated),
            r.top1_original_all,
        ];
        for e in estimates.into_iter().flatten() {
            let [lo, hi] = e.ci95;
            assert!(
                0.0 <= lo && lo <= e.value && e.value <= hi && hi <= 1.0,
                "seed {seed}: {e:?}"
            );
        }
        assert!(r.multilabel_accuracy_strict.value <= r.multilabel_accuracy.value);
        if let Some(top5) = r.multilabel_top5_accuracy {
            assert!(top5.value >= r.multilabel_accuracy.value, "seed {seed}");
        }
        assert_eq!(r.counts.graded + r.counts.problematic, r.counts.annotated);
        let rows_graded: u32 = r.per_class.iter().map(|c| c.graded).sum();
        let rows_hits: u32 = r.per_class.iter().map(|c| c.correct).sum();
        assert_eq!(rows_graded as usize, r.coverage.predicted);
        assert_eq!(r.coverage.predicted + r.coverage.missing, r.counts.graded);
        let graded_mistakes = r.mistakes.iter().filter(|m| !m.problematic).count();
        assert_eq!(
            graded_mistakes,
            (rows_graded - rows_hits) as usize,
            "seed {seed}"
        );
        let unreviewed = r
            .mistakes
            .iter()
            .filter(|m| !m.problematic && m.status == LabelStatus::Unreviewed)
            .count();
        assert_eq!(unreviewed, r.counts.unreviewed);
        let mean = r.per_class.iter().map(ClassRow::accuracy).sum::<f64>() / 1000.0;
        assert_eq!(mean, r.multilabel_accuracy.value, "seed {seed}");
    }
    assert!(ok >= 8 && refused >= 2, "{ok} graded, {refused} refused");
}

#[test]
fn mistake_severity_is_the_lca_height_to_the_nearest_accepted_label() {
    // Heights from tests/data/severity/lca_heights.tsv (WordNet, scripts/goldens/severity.py):
    // tench→goldfish 1 (cyprinid), Chihuahua→Mexican hairless 5 (dog), Chihuahua→timber
    // wolf 6 (canine), sports car→tow truck 4 (motor vehicle), Chihuahua→sports car 15
    // (whole).
    let first = |class: u16| {
        ImageId::all()
            .find(|i| i.original_label().0 == class)
            .unwrap()
    };
    let (tench, chihuahua, car) = (first(0), first(151), first(817));
    let (wolf_img, hairless_img) = (first(269), first(268));
    // Two images per class, so the problematic one leaves its class one to grade.
    let a = hand_made(2, |r| {
        if r.image == wolf_img {
            // Two correct labels: the nearest decides.
            r.correct = vec![ClassId(817), ClassId(151)];
        }
        if r.image == car {
            // Only an unclear label: it is the label a hit would have needed.
            r.correct = vec![];
            r.unclear = vec![ClassId(817)];
        }
        if r.image == hairless_img {
            // Problematic: listed (with its severity) but not counted.
            r.problematic = true;
        }
    });
    let p = predict(&a, 1, |r| {
        Some(match r.image {
            i if i == tench => ClassId(1),
            i if i == chihuahua => ClassId(268),
            i if i == car => ClassId(864),
            i if i == wolf_img => ClassId(269),
            i if i == hairless_img => ClassId(151),
            _ => r.original,
        })
    });
    let r = evaluate(&a, &p, &EvalOptions::default()).unwrap();
    let s = &r.mistake_severity;
    // The wolf image: top-1 timber wolf, nearest correct label Chihuahua (6), not the car (15).
    assert_eq!(s.n, 4);
    let mut expected = vec![0u64; 19];
    for h in [1, 5, 4, 6] {
        expected[h] += 1;
    }
    assert_eq!(s.histogram, expected);
    assert_eq!(s.mean, Some(16.0 / 4.0));
    let of = |i: ImageId| r.mistakes.iter().find(|m| m.image == i).unwrap().severity;
    assert_eq!(of(tench), Some(1));
    assert_eq!(of(wolf_img), Some(6));
    assert_eq!(of(car), Some(4));
    // The problematic image is not a graded mistake (no ImageNet-M either): not listed.
    assert!(r.mistakes.iter().all(|m| m.image != hairless_img));
}

#[test]
fn no_mistake_has_no_mean_severity() {
    let a = hand_made(1, |_| {});
    let p = predict(&a, 1, |r| Some(r.original));
    let r = eval(&a, &p).unwrap();
    assert_eq!(r.mistake_severity.n, 0);
    assert_eq!(r.mistake_severity.mean, None);
    assert!(serde_json::to_value(&r).unwrap()["mistake_severity"]["mean"].is_null());
}
