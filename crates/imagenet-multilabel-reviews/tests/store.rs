//! The review store: validation, undo, agreement, durability and concurrent writers.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;

use imagenet_multilabel_reviews::{
    Decision, Decisions, Error, NewReview, PairStatus, Review, Store,
};

const TENCH: &str = "n01440764";
const GOLDFISH: &str = "n01443537";

fn review(image: u32, label: &str, decision: Decision, reviewer: &str) -> NewReview {
    NewReview {
        file_name: format!("ILSVRC2012_val_{image:08}.JPEG"),
        label: label.into(),
        decision,
        reviewer: reviewer.into(),
        model: Some("vit".into()),
    }
}

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("nested/dir/reviews.sqlite")).unwrap();
    (dir, store)
}

#[test]
fn add_stores_and_returns_the_review() {
    let (_dir, store) = store();
    let mut new = review(7, TENCH, Decision::Correct, "  ada ");
    new.model = None;
    let stored = store.add(new).unwrap();
    assert_eq!(stored.id, 1);
    assert_eq!(stored.file_name, "ILSVRC2012_val_00000007.JPEG");
    assert_eq!(stored.label, TENCH);
    assert_eq!(stored.decision, Decision::Correct);
    assert_eq!(stored.reviewer, "ada", "the name is stored trimmed");
    assert_eq!(stored.model, None);
    assert!(!stored.undone);
    // RFC 3339 UTC with milliseconds: 2026-12-01T03:04:05.678Z
    let t = stored.created_at.as_bytes();
    assert_eq!(t.len(), 24, "{}", stored.created_at);
    assert_eq!(
        (t[4], t[7], t[10], t[13], t[16], t[19], t[23]),
        (b'-', b'-', b'T', b':', b':', b'.', b'Z')
    );
    let second = store
        .add(review(7, GOLDFISH, Decision::Wrong, "bob"))
        .unwrap();
    assert_eq!(second.id, 2);
    assert_eq!(second.model.as_deref(), Some("vit"));
    assert_eq!(
        store.reviews_for("ILSVRC2012_val_00000007.JPEG").unwrap(),
        [stored.clone(), second.clone()]
    );
    assert!(store
        .reviews_for("ILSVRC2012_val_00000008.JPEG")
        .unwrap()
        .is_empty());
    assert_eq!(store.reviews().unwrap(), [stored.clone(), second]);
    assert_eq!(store.get(1).unwrap(), Some(stored));
    assert_eq!(store.get(3).unwrap(), None);
    assert_eq!(store.len().unwrap(), 2);
    // JSON as the API sends it.
    let json = serde_json::to_value(store.get(2).unwrap().unwrap()).unwrap();
    assert_eq!(json["decision"], "wrong");
    assert_eq!(json["file_name"], "ILSVRC2012_val_00000007.JPEG");
    assert_eq!(json["undone"], false);
}

#[test]
fn bad_reviews_are_refused_with_the_field_and_what_was_expected() {
    let (_dir, store) = store();
    let long = "x".repeat(65);
    let cases: Vec<(NewReview, &str)> = vec![
        (NewReview { file_name: "ILSVRC2012_val_00050001.JPEG".into(), ..review(1, TENCH, Decision::Correct, "a") },
         "file_name: `ILSVRC2012_val_00050001.JPEG` is not a validation image name: expected ILSVRC2012_val_NNNNNNNN.JPEG with NNNNNNNN in 00000001..=00050000"),
        (NewReview { file_name: "../../etc/passwd".into(), ..review(1, TENCH, Decision::Correct, "a") },
         "file_name: `../../etc/passwd` is not a validation image name"),
        (NewReview { file_name: "ILSVRC2012_val_00000000.JPEG".into(), ..review(1, TENCH, Decision::Correct, "a") },
         "file_name: `ILSVRC2012_val_00000000.JPEG` is not"),
        (review(1, "n99999999", Decision::Correct, "a"),
         "label: `n99999999` is not one of the 1000 ImageNet wnids (expected e.g. n01440764)"),
        (review(1, "tench", Decision::Correct, "a"), "label: `tench` is not one of the 1000"),
        (review(1, TENCH, Decision::Correct, "  "), "reviewer: must not be empty"),
        (review(1, TENCH, Decision::Correct, &long), "reviewer: 65 characters, at most 64 allowed"),
        (review(1, TENCH, Decision::Correct, "a\nb"), "reviewer: `a\\nb` contains a control character"),
        (NewReview { model: Some(String::new()), ..review(1, TENCH, Decision::Correct, "a") }, "model: must not be empty"),
    ];
    for (new, message) in cases {
        let err = store.add(new.clone()).unwrap_err();
        assert!(
            matches!(err, Error::Invalid(_)) && err.is_bad_input(),
            "{new:?}: {err:?}"
        );
        assert!(err.to_string().starts_with(message), "{new:?}\n{err}");
    }
    // 64 characters (not bytes) is fine.
    store
        .add(review(1, TENCH, Decision::Correct, &"é".repeat(64)))
        .unwrap();
    assert_eq!(store.len().unwrap(), 1, "nothing invalid was stored");
    let err = store.reviews_for("x.jpg").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("file_name: `x.jpg` is not a validation image name"),
        "{err}"
    );
    // Decisions parse exactly as the API spells them.
    assert_eq!("unclear".parse::<Decision>(), Ok(Decision::Unclear));
    assert_eq!(
        "Correct".parse::<Decision>().unwrap_err(),
        "`Correct` is not a decision: expected correct, wrong or unclear"
    );
    let parsed: Result<NewReview, _> = serde_json::from_str(
        r#"{"file_name": "ILSVRC2012_val_00000001.JPEG", "label": "n01440764", "decision": "maybe", "reviewer": "a"}"#,
    );
    assert!(parsed
        .unwrap_err()
        .to_string()
        .contains("unknown variant `maybe`"));
}

#[test]
fn undo_is_for_the_same_reviewer_once_and_keeps_history() {
    let (_dir, store) = store();
    let a = store
        .add(review(3, TENCH, Decision::Correct, "ada"))
        .unwrap();
    let err = store.undo(a.id, "bob").unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "review 1 is ada's: only its reviewer may undo it, not `bob`"
    );
    let undone = store.undo(a.id, " ada").unwrap();
    assert_eq!(
        undone,
        Review {
            undone: true,
            ..a.clone()
        }
    );
    let err = store.undo(a.id, "ada").unwrap_err();
    assert!(matches!(err, Error::Conflict(_)));
    assert_eq!(err.to_string(), "review 1 is already undone");
    let err = store.undo(42, "ada").unwrap_err();
    assert!(matches!(err, Error::NotFound(_)) && err.is_bad_input());
    assert_eq!(err.to_string(), "there is no review 42");
    assert_eq!(store.reviews().unwrap(), [undone], "history is kept");
    assert!(
        store.decisions(1).unwrap().pairs.is_empty(),
        "an undone review does not count"
    );
}

fn status(d: &Decisions, image: u32, label: &str) -> Option<PairStatus> {
    d.get(&format!("ILSVRC2012_val_{image:08}.JPEG"), label)
        .map(|p| p.status)
}

#[test]
fn decisions_need_the_required_number_of_agreeing_votes() {
    let (_dir, store) = store();
    use Decision::*;
    store.add(review(1, TENCH, Correct, "ada")).unwrap(); // 1
    store.add(review(1, TENCH, Correct, "bob")).unwrap(); // 2
    store.add(review(2, TENCH, Wrong, "ada")).unwrap(); // 3
    store.add(review(2, TENCH, Correct, "bob")).unwrap(); // 4: disagrees with 3
    store.add(review(3, GOLDFISH, Correct, "ada")).unwrap(); // 5
    store.add(review(3, GOLDFISH, Unclear, "ada")).unwrap(); // 6: ada changes her mind
    let b = store.add(review(4, TENCH, Wrong, "bob")).unwrap(); // 7
    store.add(review(4, TENCH, Correct, "ada")).unwrap(); // 8
    store.undo(b.id, "bob").unwrap(); // bob withdraws: no more disagreement

    let one = store.decisions(1).unwrap();
    assert_eq!(one.required, 1);
    assert_eq!(status(&one, 1, TENCH), Some(PairStatus::Done(Correct)));
    assert_eq!(
        status(&one, 2, TENCH),
        Some(PairStatus::Disagreement {
            correct: 1,
            wrong: 1,
            unclear: 0
        })
    );
    assert_eq!(status(&one, 3, GOLDFISH), Some(PairStatus::Done(Unclear)));
    assert_eq!(status(&one, 4, TENCH), Some(PairStatus::Done(Correct)));
    assert_eq!(status(&one, 3, TENCH), None);
    assert!(one.is_done("ILSVRC2012_val_00000001.JPEG", TENCH));
    assert!(!one.is_done("ILSVRC2012_val_00000002.JPEG", TENCH));
    let pair = one.get("ILSVRC2012_val_00000001.JPEG", TENCH).unwrap();
    assert_eq!(pair.reviewers, ["ada", "bob"]);
    assert_eq!(pair.models, ["vit"]);
    assert_eq!(pair.review_ids, [1, 2]);
    assert_eq!(
        one.get("ILSVRC2012_val_00000003.JPEG", GOLDFISH)
            .unwrap()
            .review_ids,
        [6]
    );
    let done: Vec<_> = one.done().map(|(p, d)| (p.file_name.as_str(), d)).collect();
    assert_eq!(
        done,
        [
            ("ILSVRC2012_val_00000001.JPEG", Correct),
            ("ILSVRC2012_val_00000003.JPEG", Unclear),
            ("ILSVRC2012_val_00000004.JPEG", Correct)
        ]
    );
    let disagreements: Vec<_> = one.disagreements().map(|p| p.review_ids.clone()).collect();
    assert_eq!(disagreements, [vec![3, 4]]);

    let two = store.decisions(2).unwrap();
    assert_eq!(status(&two, 1, TENCH), Some(PairStatus::Done(Correct)));
    assert_eq!(status(&two, 3, GOLDFISH), Some(PairStatus::Pending(1)));
    assert_eq!(status(&two, 4, TENCH), Some(PairStatus::Pending(1)));
    let json = serde_json::to_value(&two).unwrap();
    assert_eq!(
        json["pairs"][0]["status"],
        serde_json::json!({"done": "correct"})
    );
    assert_eq!(
        json["pairs"][1]["status"],
        serde_json::json!({"disagreement": {"correct": 1, "wrong": 1, "unclear": 0}})
    );
    assert_eq!(
        json["pairs"][2]["status"],
        serde_json::json!({"pending": 1})
    );

    let err = store.decisions(0).unwrap_err();
    assert_eq!(
        err.to_string(),
        "required: the number of agreeing reviews must be at least 1"
    );
}

#[test]
fn reviews_survive_reopening_and_the_schema_is_versioned() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reviews.sqlite");
    let first = {
        let store = Store::open(&path).unwrap();
        let r = store.add(review(5, TENCH, Decision::Wrong, "ada")).unwrap();
        store.undo(r.id, "ada").unwrap();
        store
            .add(review(5, GOLDFISH, Decision::Correct, "ada"))
            .unwrap();
        store.reviews().unwrap()
    };
    let store = Store::open(&path).unwrap();
    assert_eq!(store.reviews().unwrap(), first);
    assert_eq!(
        store
            .add(review(6, TENCH, Decision::Correct, "x"))
            .unwrap()
            .id,
        3
    );
    drop(store);
    let raw = header(&path);
    assert_eq!(raw, (1, "wal".to_string()));
}

/// (user_version, journal mode) as the database file's header records them.
fn header(path: &std::path::Path) -> (i64, String) {
    // The SQLite file header: bytes 60..64 hold
    // user_version (big-endian); bytes 18 and 19 are 2 for WAL.
    let bytes = std::fs::read(path).unwrap();
    let version = i64::from(u32::from_be_bytes(bytes[60..64].try_into().unwrap()));
    let mode = if bytes[18] == 2 && bytes[19] == 2 {
        "wal"
    } else {
        "rollback"
    };
    (version, mode.to_string())
}

#[test]
fn files_that_are_not_review_databases_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "x".repeat(4096)).unwrap();
    let err = Store::open(&text).unwrap_err();
    assert!(!err.is_bad_input());
    assert!(
        err.to_string()
            .starts_with(&format!("{}: ", text.display())),
        "{err}"
    );
    assert!(err.to_string().contains("not a review database"), "{err}");
    assert_eq!(
        std::fs::read(&text).unwrap(),
        "x".repeat(4096).as_bytes(),
        "left as it was"
    );

    // A newer schema: bump user_version in the header of a database of ours.
    let newer = dir.path().join("newer.sqlite");
    drop(Store::open(&newer).unwrap());
    let mut bytes = std::fs::read(&newer).unwrap();
    bytes[60..64].copy_from_slice(&7u32.to_be_bytes());
    std::fs::write(&newer, &bytes).unwrap();
    let err = Store::open(&newer).unwrap_err().to_string();
    assert!(
        err.ends_with("the database is at schema version 7, newer than this tool's 1: use a newer imagenet-multilabel"),
        "{err}"
    );

    // A parent that is a file.
    let err = Store::open(text.join("reviews.sqlite"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("notes.txt") && err.contains("cannot create the directory"),
        "{err}"
    );
}

#[test]
fn thirty_two_concurrent_writers_each_land_exactly_once() {
    let (_dir, store) = store();
    let store = Arc::new(store);
    let threads: Vec<_> = (0..32u32)
        .map(|t| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                (0..25u32)
                    .map(|i| {
                        let r = review(1 + t * 100 + i, TENCH, Decision::Correct, &format!("r{t}"));
                        store.add(r).unwrap()
                    })
                    .collect::<Vec<Review>>()
            })
        })
        .collect();
    let acknowledged: Vec<Review> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let stored = store.reviews().unwrap();
    assert_eq!(stored.len(), 32 * 25);
    let ids: BTreeSet<i64> = stored.iter().map(|r| r.id).collect();
    assert_eq!(ids.len(), stored.len(), "no id twice");
    let mut acknowledged = acknowledged;
    acknowledged.sort_by_key(|r| r.id);
    assert_eq!(
        acknowledged, stored,
        "every acknowledged review, as acknowledged, once"
    );
}

/// The writer half of `acknowledged_reviews_survive_kill_9`, run as a child process.
#[test]
fn child_writer() {
    let Ok(path) = std::env::var("IML_REVIEWS_CHILD_DB") else {
        return;
    };
    let store = Store::open(path).unwrap();
    for i in 0.. {
        let r = store
            .add(review(1 + i % 50_000, TENCH, Decision::Wrong, "child"))
            .unwrap();
        // Acknowledged only once add returned: then the id is printed.
        println!("ack {}", r.id);
    }
}

#[cfg(unix)]
#[test]
fn acknowledged_reviews_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reviews.sqlite");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_writer", "--nocapture", "--test-threads=1"])
        .env("IML_REVIEWS_CHILD_DB", &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut acknowledged = Vec::new();
    while acknowledged.len() < 40 {
        let line = lines.next().expect("the child stopped early").unwrap();
        if let Some(id) = line.strip_prefix("ack ") {
            acknowledged.push(id.parse::<i64>().unwrap());
        }
    }
    // SIGKILL, in the middle of writing.
    child.kill().unwrap();
    child.wait().unwrap();
    let store = Store::open(&path).unwrap();
    let stored: BTreeSet<i64> = store.reviews().unwrap().iter().map(|r| r.id).collect();
    for id in &acknowledged {
        assert!(stored.contains(id), "acknowledged review {id} was lost");
    }
    assert!(stored.len() >= acknowledged.len());
    assert_eq!(
        stored.iter().copied().collect::<Vec<_>>(),
        (1..=stored.len() as i64).collect::<Vec<_>>()
    );
}
