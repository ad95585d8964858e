//! A graded run on synthetic data, shared by the page and browser tests.
#![allow(dead_code)]

use std::collections::BTreeMap;

use imagenet_multilabel::fixture::annotations::{generate, Spec};
use imagenet_multilabel::fixture::known::{self, Plan};
use imagenet_multilabel::fixture::tar::{jpeg, ImageKind};
use imagenet_multilabel::metrics::{evaluate, EvalOptions, Report};
use imagenet_multilabel::{Annotations, Predictions};
use imagenet_multilabel_report::{wanted_images, Images, Model, Page, Thumbnail};

/// Two models graded on a synthetic annotations file (10 images per class, 68 ImageNet-M).
pub struct Run {
    pub annotations: Annotations,
    pub predictions: Vec<Predictions>,
    pub reports: Vec<Report>,
}

pub fn run() -> Run {
    let annotations = generate(&Spec {
        per_class: 10,
        seed: 3,
        ..Spec::default()
    })
    .annotations();
    let mut predictions = Vec::new();
    for (fraction, k, seed, cover_all) in [(0.9, 5, 1, true), (0.7, 1, 2, false)] {
        let plan = Plan {
            cover_all,
            ..Plan::fraction(&annotations, fraction, k, seed)
        };
        predictions.push(known::generate(&annotations, &plan).unwrap().predictions);
    }
    let reports = predictions
        .iter()
        .map(|p| evaluate(&annotations, p, &EvalOptions::default()).unwrap())
        .collect();
    Run {
        annotations,
        predictions,
        reports,
    }
}

impl Run {
    /// The models with the given names (the first `names.len()` of the run's).
    pub fn models(&self, names: &[&str]) -> Vec<Model<'_>> {
        names
            .iter()
            .zip(self.reports.iter().zip(&self.predictions))
            .map(|(name, (report, predictions))| Model {
                name: name.to_string(),
                report,
                predictions,
            })
            .collect()
    }

    /// A noisy JPEG of `side` pixels for every image the page wants (noise at 64 pixels
    /// weighs about what a 160-pixel photo does; at 160 it is the worst case).
    pub fn thumbnails(
        &self,
        models: &[Model],
        side: u16,
    ) -> BTreeMap<imagenet_multilabel::ImageId, Thumbnail> {
        wanted_images(&self.annotations, models)
            .into_iter()
            .map(|image| {
                let jpeg = jpeg(image, ImageKind::Color, Some(side), 9);
                let side = u32::from(side);
                (
                    image,
                    Thumbnail {
                        jpeg,
                        width: side,
                        height: side,
                    },
                )
            })
            .collect()
    }

    pub fn page<'a>(
        &'a self,
        models: &'a [Model<'a>],
        thumbnails: Option<&'a BTreeMap<imagenet_multilabel::ImageId, Thumbnail>>,
    ) -> Page<'a> {
        Page {
            annotations: &self.annotations,
            models,
            images: thumbnails.map(|thumbnails| Images {
                source: "/data/ILSVRC2012_img_val.tar".to_string(),
                thumbnails,
            }),
            tool_version: "test",
        }
    }
}
