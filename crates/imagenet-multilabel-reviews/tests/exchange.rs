//! Export of agreed decisions as an overlay, and import of a colleague's overlay.

use imagenet_multilabel::annotations::{load, LoadOptions};
use imagenet_multilabel::fixture::annotations::{generate, Spec};
use imagenet_multilabel::overlay::{Overlay, OverlayLabel, KIND};
use imagenet_multilabel::{Annotations, ImageId};
use imagenet_multilabel_reviews::{export, import, Decision, ImportSummary, NewReview, Store};

const TENCH: &str = "n01440764";
const GOLDFISH: &str = "n01443537";

/// Small synthetic annotations, loaded from a file (so they have a sha256).
fn annotations() -> Annotations {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.json");
    generate(&Spec {
        per_class: 1,
        ..Spec::default()
    })
    .write_json(&path)
    .unwrap();
    load(&path, &LoadOptions::no_cache()).unwrap()
}

fn review(
    file_name: &str,
    label: &str,
    decision: Decision,
    reviewer: &str,
    model: &str,
) -> NewReview {
    NewReview {
        file_name: file_name.into(),
        label: label.into(),
        decision,
        reviewer: reviewer.into(),
        model: Some(model.into()),
    }
}

#[test]
fn export_writes_the_agreed_pairs_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("r.sqlite")).unwrap();
    let a = annotations();
    let names: Vec<String> = a
        .records()
        .iter()
        .take(3)
        .map(|r| r.image().file_name())
        .collect();
    use Decision::*;
    store
        .add(review(&names[0], TENCH, Correct, "ada", "vit"))
        .unwrap();
    store
        .add(review(&names[0], TENCH, Correct, "bob", "convnext"))
        .unwrap();
    store
        .add(review(&names[1], GOLDFISH, Wrong, "ada", "vit"))
        .unwrap();
    store
        .add(review(&names[2], TENCH, Wrong, "ada", "vit"))
        .unwrap();
    store
        .add(review(&names[2], TENCH, Unclear, "bob", "vit"))
        .unwrap();

    let one = export(&store, &a, 1).unwrap();
    assert_eq!(one.kind, KIND);
    assert_eq!(one.schema, 1);
    assert_eq!(one.base_annotations_sha256, a.source().sha256);
    assert_eq!(one.required_agreement, 1);
    assert_eq!(one.tool_version, env!("CARGO_PKG_VERSION"));
    assert_eq!(
        one.labels,
        [
            OverlayLabel {
                file_name: names[0].clone(),
                label: TENCH.into(),
                decision: Correct,
                reviewers: vec!["ada".into(), "bob".into()],
                models: vec!["convnext".into(), "vit".into()],
            },
            OverlayLabel {
                file_name: names[1].clone(),
                label: GOLDFISH.into(),
                decision: Wrong,
                reviewers: vec!["ada".into()],
                models: vec!["vit".into()],
            },
        ],
        "the disagreement on {} is left out",
        names[2]
    );
    let two = export(&store, &a, 2).unwrap();
    assert_eq!(
        two.labels.len(),
        1,
        "only the pair with two agreeing reviews"
    );
    assert_eq!(two.required_agreement, 2);

    // An image the annotations do not hold cannot be exported; undoing the review fixes it.
    let absent = ImageId::all()
        .find(|i| a.get(*i).is_none())
        .unwrap()
        .file_name();
    let stray = store
        .add(review(&absent, TENCH, Correct, "eve", "vit"))
        .unwrap();
    let err = export(&store, &a, 1).unwrap_err().to_string();
    assert!(
        err.contains(&format!(
            "reviews [{}] judge {absent}, which is not annotated",
            stray.id
        )),
        "{err}"
    );
    store.undo(stray.id, "eve").unwrap();
    assert_eq!(export(&store, &a, 1).unwrap().labels.len(), 2);
}

#[test]
fn import_adds_each_reviewer_once_and_keeps_own_votes() {
    let dir = tempfile::tempdir().unwrap();
    let a = annotations();
    let names: Vec<String> = a
        .records()
        .iter()
        .take(2)
        .map(|r| r.image().file_name())
        .collect();
    let mut overlay = Overlay::new(&a.source().sha256, 1);
    overlay.labels = vec![
        OverlayLabel {
            file_name: names[0].clone(),
            label: TENCH.into(),
            decision: Decision::Correct,
            reviewers: vec!["ada".into(), "bob".into()],
            models: vec!["vit".into()],
        },
        OverlayLabel {
            file_name: names[1].clone(),
            label: GOLDFISH.into(),
            decision: Decision::Wrong,
            reviewers: vec!["ada".into()],
            models: vec![],
        },
    ];
    let store = Store::open(dir.path().join("mine.sqlite")).unwrap();
    // Here, ada already judged the second pair otherwise.
    store
        .add(review(&names[1], GOLDFISH, Decision::Correct, "ada", "vit"))
        .unwrap();
    let summary = import(&store, &overlay).unwrap();
    assert_eq!(
        summary,
        ImportSummary {
            labels: 2,
            added: 2,
            already_present: 0,
            conflicts: vec![(names[1].clone(), GOLDFISH.into(), "ada".into())],
        }
    );
    let reviews = store.reviews().unwrap();
    assert_eq!(reviews.len(), 3);
    assert_eq!(
        (reviews[1].reviewer.as_str(), reviews[1].model.as_deref()),
        ("ada", Some("vit"))
    );
    assert_eq!(reviews[2].reviewer, "bob");
    let again = import(&store, &overlay).unwrap();
    assert_eq!(
        (again.added, again.already_present, again.conflicts.len()),
        (0, 2, 1)
    );
    assert_eq!(store.len().unwrap(), 3, "importing twice adds nothing");

    // Round trip: what is exported from the store re-imports as already present.
    let exported = export(&store, &a, 1).unwrap();
    assert_eq!(exported.labels[0], overlay.labels[0]);
    let fresh = Store::open(dir.path().join("fresh.sqlite")).unwrap();
    assert_eq!(import(&fresh, &exported).unwrap().added, 3);
    assert_eq!(export(&fresh, &a, 1).unwrap().labels, exported.labels);

    // An invalid overlay adds nothing.
    let mut bad = overlay.clone();
    bad.labels[1].label = "n00000000".into();
    let err = import(&fresh, &bad).unwrap_err().to_string();
    assert_eq!(
        err,
        "overlay: labels[1].label: `n00000000` is not one of the 1000 ImageNet wnids"
    );
    assert_eq!(fresh.len().unwrap(), 3);
}
