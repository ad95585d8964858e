//! A model's predictions on the validation images, whatever file they came from.
//!
//! Each input format lives in its own file and produces the same [`Predictions`]: for each
//! image number, the model's ranked class ids (top-1 first; up to [`MAX_K`] kept).

use std::path::{Path, PathBuf};

use crate::classes::{ClassId, ImageId, NUM_VAL_IMAGES};

/// How many ranked predictions per image are kept (enough for top-5 metrics).
pub const MAX_K: usize = 5;

/// A model's ranked predictions, indexed by image number.
#[derive(Clone, Debug)]
pub struct Predictions {
    path: PathBuf,
    k: usize,
    has_scores: bool,
    /// Row `image - 1` holds `k` ranked ids.
    ranked: Vec<ClassId>,
    present: Vec<bool>,
    count: usize,
}

impl Predictions {
    /// Empty predictions with `k` (1..=MAX_K) ranked ids per image, read from `path`.
    /// `has_scores` says whether they were ranked from full score vectors.
    pub fn new(path: impl AsRef<Path>, k: usize, has_scores: bool) -> Predictions {
        let k = k.clamp(1, MAX_K);
        Predictions {
            path: path.as_ref().to_path_buf(),
            k,
            has_scores,
            ranked: vec![ClassId(0); NUM_VAL_IMAGES as usize * k],
            present: vec![false; NUM_VAL_IMAGES as usize],
            count: 0,
        }
    }

    /// Sets the ranked ids of `image` (the first `k` of `ranked` are kept; `ranked` must not
    /// be empty). Returns false, changing nothing, if the image already has a prediction or
    /// `ranked` is shorter than `k`.
    pub fn insert(&mut self, image: ImageId, ranked: &[ClassId]) -> bool {
        let row = (image.0 - 1) as usize;
        if self.present[row] || ranked.len() < self.k {
            return false;
        }
        self.ranked[row * self.k..(row + 1) * self.k].copy_from_slice(&ranked[..self.k]);
        self.present[row] = true;
        self.count += 1;
        true
    }

    /// The file the predictions came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Ranked ids kept per image.
    pub fn k(&self) -> usize {
        self.k
    }

    /// Whether the ranking came from full score vectors.
    pub fn has_scores(&self) -> bool {
        self.has_scores
    }

    /// The top-1 prediction for `image`, if there is one.
    pub fn top1(&self, image: ImageId) -> Option<ClassId> {
        self.ranked_for(image).map(|r| r[0])
    }

    /// The ranked predictions for `image` (length `k`), if there are any.
    pub fn ranked_for(&self, image: ImageId) -> Option<&[ClassId]> {
        let row = (image.0 as usize).checked_sub(1)?;
        if *self.present.get(row)? {
            Some(&self.ranked[row * self.k..(row + 1) * self.k])
        } else {
            None
        }
    }

    /// How many images have a prediction.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether no image has a prediction.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Whether every one of the 50,000 validation images has a prediction.
    pub fn covers_all(&self) -> bool {
        self.count == NUM_VAL_IMAGES as usize
    }
}
