//! What the server holds for its whole life: the annotations, each loaded model graded once
//! (by [`metrics::evaluate`], the same figures `eval` prints), the images, the review store,
//! and the indexes the pages filter with.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use imagenet_multilabel::metrics::{self, EvalOptions, Mistake, Report};
use imagenet_multilabel::thumbnails::ImageSource;
use imagenet_multilabel::{Annotations, ClassId, ImageId, LabelStatus, Predictions, NUM_CLASSES};
use imagenet_multilabel_reviews::Store;

use crate::images::Images;
use crate::security::Security;

/// How to start the server (the CLI fills it from its flags).
pub struct Config {
    /// The labels.
    pub annotations: Annotations,
    /// Where the images are.
    pub images: ImageSource,
    /// The models to show and to review, each graded once at start.
    pub predictions: Vec<Predictions>,
    /// The review database (created when missing).
    pub db: PathBuf,
    /// Where thumbnails are cached.
    pub cache_dir: PathBuf,
    /// Agreeing reviews that settle a pair.
    pub required: u32,
    /// Grade models that lack predictions for some annotated images.
    pub allow_missing: bool,
    /// The token every request must carry (`None`: none needed, loopback only).
    pub token: Option<String>,
    /// The address the server listens on (for the Host check).
    pub bind: std::net::SocketAddr,
}

/// One loaded model, graded once.
pub struct Model {
    /// Its file's stem (`vit` for `vit.npy`): the name the API and pages use.
    pub name: String,
    /// Its predictions.
    pub predictions: Predictions,
    /// Its grade, exactly as `eval` computes it.
    pub report: Report,
    /// `report.mistakes` by image.
    mistake_at: HashMap<ImageId, usize>,
}

impl Model {
    /// The model's mistake on `image`, if it made one.
    pub fn mistake(&self, image: ImageId) -> Option<&Mistake> {
        self.mistake_at
            .get(&image)
            .map(|&i| &self.report.mistakes[i])
    }

    /// The (image, label) pairs no expert judged that this model proposes as its top-1 on a
    /// graded image: what the review queue offers.
    pub fn unreviewed(&self) -> impl Iterator<Item = (ImageId, ClassId)> + '_ {
        self.report.mistakes.iter().filter_map(|m| {
            (m.status == LabelStatus::Unreviewed && !m.problematic)
                .then_some(m.prediction)
                .flatten()
                .map(|label| (m.image, label))
        })
    }
}

/// Everything the handlers read.
pub struct State {
    /// The labels.
    pub annotations: Annotations,
    /// The loaded models, in the order given.
    pub models: Vec<Model>,
    /// The images.
    pub images: Images,
    /// The reviews.
    pub store: Store,
    /// Agreeing reviews that settle a pair.
    pub required: u32,
    /// The store's verdicts, shared between requests until a review changes.
    pub outcomes: crate::reviewed::OutcomeCache,
    /// Token and Host rules.
    pub security: Security,
    /// `by_class[c]`: annotated images whose original label is `c` and whose `correct` list
    /// holds it (clear examples of the class), in number order.
    pub examples: Vec<Vec<ImageId>>,
    /// WordNet gloss of each class.
    pub glosses: Vec<&'static str>,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The core library refused an input.
    #[error(transparent)]
    Core(#[from] imagenet_multilabel::Error),
    /// The review database could not be opened.
    #[error("opening the review database {path}: {message}")]
    Store {
        /// The database file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// Two models would have the same name.
    #[error("two prediction files are both named {0:?} (a model is named by its file's stem); rename one")]
    DuplicateModel(String),
    /// Bad settings.
    #[error("{0}")]
    Usage(String),
}

impl State {
    /// Grades every model, opens the images and the store.
    pub fn new(config: Config) -> Result<State, StartError> {
        if config.required == 0 {
            return Err(StartError::Usage(
                "--required must be at least 1 (agreeing reviews that settle a pair)".into(),
            ));
        }
        let security = Security::new(config.bind, config.token)?;
        let options = EvalOptions {
            allow_missing: config.allow_missing,
        };
        let mut models: Vec<Model> = Vec::new();
        for predictions in config.predictions {
            let name = model_name(&predictions);
            if models.iter().any(|m| m.name == name) {
                return Err(StartError::DuplicateModel(name));
            }
            let report = metrics::evaluate(&config.annotations, &predictions, &options)?;
            let mistake_at = report
                .mistakes
                .iter()
                .enumerate()
                .map(|(i, m)| (m.image, i))
                .collect();
            models.push(Model {
                name,
                predictions,
                report,
                mistake_at,
            });
        }
        let images = Images::open(&config.images, &config.annotations, &config.cache_dir)?;
        let store = Store::open(&config.db).map_err(|e| StartError::Store {
            path: config.db.clone(),
            message: e.to_string(),
        })?;
        let mut examples = vec![Vec::new(); NUM_CLASSES];
        for record in config.annotations.records() {
            if record.correct().contains(&record.original()) && images.has(record.image()) {
                examples[record.original().index()].push(record.image());
            }
        }
        let hierarchy = imagenet_multilabel::hierarchy::Hierarchy::embedded();
        let glosses = ClassId::all()
            .map(|c| hierarchy.synset(c.wnid()).map_or("", |s| s.gloss))
            .collect();
        Ok(State {
            annotations: config.annotations,
            models,
            images,
            store,
            required: config.required,
            outcomes: Default::default(),
            security,
            examples,
            glosses,
        })
    }

    /// The model called `name`.
    pub fn model(&self, name: &str) -> Option<&Model> {
        self.models.iter().find(|m| m.name == name)
    }

    /// Every unreviewed (image, label) pair the loaded models propose (each once, the first
    /// model proposing it named), in model order then image order.
    pub fn unreviewed_pairs(&self, only: Option<&Model>) -> Vec<(ImageId, ClassId, &str)> {
        let mut seen = BTreeSet::new();
        let mut pairs = Vec::new();
        for model in &self.models {
            if only.is_some_and(|o| o.name != model.name) {
                continue;
            }
            for (image, label) in model.unreviewed() {
                if seen.insert((image, label)) {
                    pairs.push((image, label, model.name.as_str()));
                }
            }
        }
        pairs
    }
}

/// A model's name: its file's stem (`vit` for `vit.npy`, `a.b` for `a.b.csv`).
pub fn model_name(predictions: &Predictions) -> String {
    let path = predictions.path();
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}
