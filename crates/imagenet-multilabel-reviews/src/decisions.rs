//! Agreement among reviewers, pair by pair.
//!
//! For each (image, label) pair, each reviewer's vote is their latest review that is not
//! undone (reviewing a pair again replaces one's own earlier judgement). A pair is
//! - **done** when all votes agree and there are at least `required` of them;
//! - **pending** when all votes agree but there are fewer;
//! - a **disagreement** when votes differ: it is listed, never exported, until reviewers
//!   undo or revise their votes. Agreement must be unanimous so that an exported label is
//!   never one a reviewer of the pair rejected.
//!
//! A pair whose every review was undone has no votes and is not listed (it is unreviewed again).

use std::collections::BTreeMap;

use crate::{Decision, Result, Review};

/// Where one pair stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PairStatus {
    /// At least `required` votes, all for this decision.
    Done(Decision),
    /// This many votes (fewer than `required`), all agreeing.
    Pending(u32),
    /// The votes differ: how many for each decision.
    Disagreement {
        /// Votes for `correct`.
        correct: u32,
        /// Votes for `wrong`.
        wrong: u32,
        /// Votes for `unclear`.
        unclear: u32,
    },
}

/// One reviewed (image, label) pair.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Pair {
    /// The image, `ILSVRC2012_val_NNNNNNNN.JPEG`.
    pub file_name: String,
    /// The label (a wnid).
    pub label: String,
    /// Where it stands.
    pub status: PairStatus,
    /// The reviewers whose votes count, sorted.
    pub reviewers: Vec<String>,
    /// The models that proposed the label in those votes, sorted, each once.
    pub models: Vec<String>,
    /// The ids of the reviews that are the votes, ascending.
    pub review_ids: Vec<i64>,
}

/// Every reviewed pair and where it stands, sorted by file name then label.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Decisions {
    /// How many agreeing votes make a decision.
    pub required: u32,
    /// The pairs with at least one vote, sorted by (file_name, label).
    pub pairs: Vec<Pair>,
}

impl Decisions {
    /// The decisions `reviews` (in any order) lead to with `required` agreeing votes
    /// (at least 1).
    pub fn from_reviews(reviews: &[Review], required: u32) -> Result<Decisions> {
        if required == 0 {
            return Err(crate::Error::Invalid(
                "required: the number of agreeing reviews must be at least 1".into(),
            ));
        }
        // (file_name, label) → reviewer → their latest live review.
        let mut votes: BTreeMap<(&str, &str), BTreeMap<&str, &Review>> = BTreeMap::new();
        for review in reviews.iter().filter(|r| !r.undone) {
            let pair = votes.entry((&review.file_name, &review.label)).or_default();
            let vote = pair.entry(&review.reviewer).or_insert(review);
            if review.id > vote.id {
                *vote = review;
            }
        }
        let pairs = votes
            .into_iter()
            .map(|((file_name, label), by_reviewer)| {
                let mut counts = [0u32; 3];
                for review in by_reviewer.values() {
                    counts[review.decision as usize] += 1;
                }
                let [correct, wrong, unclear] = counts;
                let voted: Vec<Decision> = Decision::ALL
                    .into_iter()
                    .filter(|d| counts[*d as usize] > 0)
                    .collect();
                let status = match voted[..] {
                    [d] if counts[d as usize] >= required => PairStatus::Done(d),
                    [d] => PairStatus::Pending(counts[d as usize]),
                    _ => PairStatus::Disagreement {
                        correct,
                        wrong,
                        unclear,
                    },
                };
                let mut models: Vec<String> = by_reviewer
                    .values()
                    .filter_map(|r| r.model.clone())
                    .collect();
                models.sort();
                models.dedup();
                let mut review_ids: Vec<i64> = by_reviewer.values().map(|r| r.id).collect();
                review_ids.sort_unstable();
                Pair {
                    file_name: file_name.to_string(),
                    label: label.to_string(),
                    status,
                    reviewers: by_reviewer.keys().map(|r| r.to_string()).collect(),
                    models,
                    review_ids,
                }
            })
            .collect();
        Ok(Decisions { required, pairs })
    }

    /// The pair (`file_name`, `label`), if it has votes.
    pub fn get(&self, file_name: &str, label: &str) -> Option<&Pair> {
        self.pairs
            .binary_search_by(|p| (p.file_name.as_str(), p.label.as_str()).cmp(&(file_name, label)))
            .ok()
            .map(|i| &self.pairs[i])
    }

    /// Whether the pair has a decision (no more reviews needed).
    pub fn is_done(&self, file_name: &str, label: &str) -> bool {
        matches!(
            self.get(file_name, label).map(|p| p.status),
            Some(PairStatus::Done(_))
        )
    }

    /// The pairs with a decision.
    pub fn done(&self) -> impl Iterator<Item = (&Pair, Decision)> {
        self.pairs.iter().filter_map(|p| match p.status {
            PairStatus::Done(d) => Some((p, d)),
            _ => None,
        })
    }

    /// The pairs whose votes differ.
    pub fn disagreements(&self) -> impl Iterator<Item = &Pair> {
        self.pairs
            .iter()
            .filter(|p| matches!(p.status, PairStatus::Disagreement { .. }))
    }
}
