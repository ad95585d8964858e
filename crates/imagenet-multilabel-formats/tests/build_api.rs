//! The library's `Build`, used without the CLI: options, progress, summary, and the files it
//! publishes.

use std::fs;
use std::path::Path;
use std::sync::Mutex;

use imagenet_multilabel::annotations::{self, LoadOptions};
use imagenet_multilabel::fixture::annotations::{generate, Spec};
use imagenet_multilabel::fixture::tar::{self as fixture_tar, TarSpec};
use imagenet_multilabel::tfds::Dataset;
use imagenet_multilabel::{ImageId, Split};
use imagenet_multilabel_formats::build::{
    read_build_provenance, Build, BuildOptions, Format, Progress, MANIFEST,
};

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    v.sort();
    v
}

#[test]
fn the_build_api_builds_every_format_and_reports_progress() {
    let dir = tempfile::tempdir().unwrap();
    let truth = generate(&Spec {
        per_class: 1,
        seed: 21,
        imagenet_m: 10,
        ..Spec::default()
    });
    let json = dir.path().join("human_accuracy_v3.0.0.json");
    truth.write_json(&json).unwrap();
    let annotations = annotations::load(&json, &LoadOptions { cache_dir: None }).unwrap();
    // Two annotated images are missing from the tar.
    let gone: Vec<ImageId> = truth.records.iter().take(2).map(|r| r.image()).collect();
    let mut spec = TarSpec::of(truth.records.iter().map(|r| r.image()), 2);
    spec.images.retain(|i| !gone.contains(i));
    let tar = dir.path().join("ILSVRC2012_img_val.tar");
    fixture_tar::write(&tar, &spec).unwrap();

    // Without allow_missing: refused, naming the tar and the first missing image.
    let out = dir.path().join("tfds");
    let e = Build::new(&tar, &out, BuildOptions::default())
        .run(&annotations, &|_| {})
        .unwrap_err();
    assert!(e.is_bad_input());
    let msg = e.to_string();
    assert!(
        msg.contains("2 annotated image(s) are not in the tar"),
        "{msg}"
    );
    assert!(msg.contains(&gone[0].to_string()), "{msg}");
    assert!(!out.join("imagenet2012_multilabel/3.0.0").exists());

    for format in [Format::Tfds, Format::Parquet, Format::WebDataset] {
        let out = dir.path().join(format.name());
        let options = BuildOptions {
            format,
            allow_missing: true,
            verify_images: true,
            ..BuildOptions::default()
        };
        let events = Mutex::new(Vec::new());
        let summary = Build::new(&tar, &out, options)
            .run(&annotations, &|e| events.lock().unwrap().push(e))
            .unwrap();
        let events = events.into_inner().unwrap();
        assert_eq!(summary.images, 998, "{format:?}");
        assert_eq!(summary.missing, {
            let mut g = gone.clone();
            g.sort();
            g
        });
        assert_eq!(
            summary.splits.iter().map(|s| s.split).collect::<Vec<_>>(),
            Split::ALL
        );
        assert_eq!(summary.splits[0].examples, 998);
        let checks = summary.checks.as_ref().unwrap();
        assert_eq!(checks.ok + checks.grayscale.len() + checks.cmyk.len(), 998);
        assert!(summary
            .splits
            .iter()
            .all(|s| s.files.iter().all(|f| f.is_file())));
        // Progress: a warning for the missing images, the plan, then every image once.
        assert!(matches!(&events[0], Progress::Warning(w) if w.contains("missing")));
        assert!(events.iter().any(|e| matches!(e,
            Progress::Planned { images: 998, bytes } if *bytes == summary.image_bytes)));
        let done: Vec<usize> = events
            .iter()
            .filter_map(|e| match e {
                Progress::Image { done, .. } => Some(*done),
                _ => None,
            })
            .collect();
        assert_eq!(done.len(), 998);
        assert_eq!(done.iter().max(), Some(&998));
        match format {
            Format::Tfds => {
                let dataset = Dataset::open(&out).unwrap();
                assert_eq!(
                    dataset.split(Split::Validation).unwrap().num_examples(),
                    998
                );
            }
            _ => {
                let mut expected = vec!["data", MANIFEST];
                if format == Format::Parquet {
                    expected.insert(0, "README.md");
                }
                assert_eq!(names(&out), expected);
                assert!(names(&out.join("data")).contains(&"missing_images.txt".to_string()));
                let sha = annotations.source().sha256.clone();
                assert_eq!(read_build_provenance(&out).unwrap().map(|p| p.1), Some(sha));
            }
        }
    }
}
