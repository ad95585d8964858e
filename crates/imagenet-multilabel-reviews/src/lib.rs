//! Community reviews of predictions the experts never saw: the SQLite [`Store`] that `serve`
//! writes every review to, and what is derived from it: per-pair [`Decisions`] (agreement
//! among reviewers) and the overlay file of agreed labels (`export`, `import`).
//!
//! The store keeps every review ever acknowledged, undone ones included (history is never
//! rewritten); decisions are computed from it on demand.
#![deny(missing_docs)]

mod decisions;
mod error;
mod exchange;
mod store;

pub use decisions::{Decisions, Pair, PairStatus};
pub use error::{Error, Result};
pub use exchange::{export, import, ImportSummary};
pub use imagenet_multilabel::overlay::Decision;
pub use store::{NewReview, Review, Store, MAX_MODEL_LEN, MAX_REVIEWER_LEN};
