//! The SQLite database of reviews.
//!
//! One table, `reviews`, appended to and never rewritten except to mark a review undone.
//! Durability: WAL journal with `synchronous=FULL`, so a review is on disk (the WAL fsynced)
//! before [`Store::add`] returns: an acknowledged review survives kill -9 and power loss.
//! The schema is versioned by `PRAGMA user_version` and migrated forward on open.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use imagenet_multilabel::{ClassId, ImageId};
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::error::{Error, Result};
use crate::Decision;

/// The longest reviewer name accepted, in characters.
pub const MAX_REVIEWER_LEN: usize = 64;
/// The longest model name accepted, in characters.
pub const MAX_MODEL_LEN: usize = 200;

/// The schema, one step per version: step `i` takes `user_version` from `i` to `i + 1`.
/// Steps are only ever appended.
const MIGRATIONS: &[&str] = &[
    // 1: the reviews table. `image` is the validation image number (the file name is derived
    // from it); `label` a wnid; `undone_at` is set once, by undo.
    "CREATE TABLE reviews (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        image      INTEGER NOT NULL CHECK (image BETWEEN 1 AND 50000),
        label      TEXT    NOT NULL,
        decision   TEXT    NOT NULL CHECK (decision IN ('correct', 'wrong', 'unclear')),
        reviewer   TEXT    NOT NULL,
        model      TEXT,
        created_at TEXT    NOT NULL,
        undone_at  TEXT
    );
    CREATE INDEX reviews_by_pair ON reviews (image, label);",
];

/// The current UTC time as RFC 3339 with milliseconds, as SQLite computes it.
const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

const COLUMNS: &str = "id, image, label, decision, reviewer, model, created_at, undone_at";

/// A review to record.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NewReview {
    /// The image, `ILSVRC2012_val_NNNNNNNN.JPEG`.
    pub file_name: String,
    /// The label judged: a wnid, one of the 1000.
    pub label: String,
    /// The judgement.
    pub decision: Decision,
    /// Who judged (non-empty, at most [`MAX_REVIEWER_LEN`] characters, no control characters).
    pub reviewer: String,
    /// The model whose prediction proposed the label (its file's stem), if any.
    #[serde(default)]
    pub model: Option<String>,
}

/// A stored review.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Review {
    /// Its id, increasing in the order reviews were acknowledged.
    pub id: i64,
    /// The image, `ILSVRC2012_val_NNNNNNNN.JPEG`.
    pub file_name: String,
    /// The label judged (a wnid).
    pub label: String,
    /// The judgement.
    pub decision: Decision,
    /// Who judged.
    pub reviewer: String,
    /// The model that proposed the label, if any.
    pub model: Option<String>,
    /// When it was stored: RFC 3339, UTC (`2026-12-01T03:04:05.678Z`).
    pub created_at: String,
    /// Whether its reviewer took it back ([`Store::undo`]); undone reviews are kept but do not
    /// count.
    pub undone: bool,
}

/// The review database. `Send + Sync`: share one `Store` (in an `Arc`) between threads; its
/// one connection is used by one thread at a time.
pub struct Store {
    path: PathBuf,
    connection: Mutex<Connection>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens the database at `path`, creating it (and its parent directories) if missing and
    /// migrating an older schema. Refuses a file that is not a review database or that a newer
    /// version of this tool has migrated.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        let path = path.as_ref().to_path_buf();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| Error::Database {
                path: parent.to_path_buf(),
                message: format!("cannot create the directory: {e}"),
            })?;
        }
        let db = |e: rusqlite::Error| database(&path, e);
        let mut connection = Connection::open(&path).map_err(db)?;
        // Several processes may open the file (serve and `reviews export`): wait for a lock
        // rather than fail at once.
        connection
            .busy_timeout(Duration::from_secs(10))
            .map_err(db)?;
        let mode: String = connection
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(db)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::Database {
                path,
                message: format!("cannot use the WAL journal (the file system gave `{mode}`)"),
            });
        }
        connection
            .execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")
            .map_err(db)?;
        migrate(&mut connection, &path)?;
        Ok(Store {
            path,
            connection: Mutex::new(connection),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Validates and stores `review`; returns it as stored (with its id and time). It is on
    /// disk when this returns.
    pub fn add(&self, review: NewReview) -> Result<Review> {
        let row = Checked::new(&review)?;
        let connection = self.lock();
        row.insert(&connection).map_err(|e| self.database(e))
    }

    /// Validates every review, then stores them all in one transaction (all or none); returns
    /// them as stored, in order.
    pub fn add_all(&self, reviews: Vec<NewReview>) -> Result<Vec<Review>> {
        let rows = reviews
            .iter()
            .map(Checked::new)
            .collect::<Result<Vec<_>>>()?;
        let mut connection = self.lock();
        let run = |connection: &mut Connection| -> rusqlite::Result<Vec<Review>> {
            let tx = connection.transaction()?;
            let stored = rows
                .iter()
                .map(|row| row.insert(&tx))
                .collect::<rusqlite::Result<Vec<_>>>()?;
            tx.commit()?;
            Ok(stored)
        };
        run(&mut connection).map_err(|e| self.database(e))
    }

    /// Marks review `id` undone. Only its own reviewer may undo it, and only once; the review
    /// stays in the history. Returns it as now stored.
    pub fn undo(&self, id: i64, reviewer: &str) -> Result<Review> {
        let reviewer = reviewer.trim();
        let connection = self.lock();
        let review = query_one(&connection, "WHERE id = ?1", id).map_err(|e| self.database(e))?;
        let Some(review) = review else {
            return Err(Error::NotFound(format!("there is no review {id}")));
        };
        if review.reviewer != reviewer {
            return Err(Error::Forbidden(format!(
                "review {id} is {}'s: only its reviewer may undo it, not `{reviewer}`",
                review.reviewer
            )));
        }
        if review.undone {
            return Err(Error::Conflict(format!("review {id} is already undone")));
        }
        let sql = format!(
            "UPDATE reviews SET undone_at = {NOW} WHERE id = ?1 AND undone_at IS NULL
             RETURNING {COLUMNS}"
        );
        connection
            .query_row(&sql, [id], read_review)
            .map_err(|e| self.database(e))
    }

    /// The review with this id, if any.
    pub fn get(&self, id: i64) -> Result<Option<Review>> {
        query_one(&self.lock(), "WHERE id = ?1", id).map_err(|e| self.database(e))
    }

    /// Every review of `file_name` (undone ones included), in id order.
    pub fn reviews_for(&self, file_name: &str) -> Result<Vec<Review>> {
        let image = parse_file_name(file_name)?;
        self.query("WHERE image = ?1 ORDER BY id", [image.number()])
    }

    /// Every review (undone ones included), in id order.
    pub fn reviews(&self) -> Result<Vec<Review>> {
        self.query("ORDER BY id", [])
    }

    /// Number of reviews stored (undone ones included).
    pub fn len(&self) -> Result<u64> {
        self.lock()
            .query_row("SELECT count(*) FROM reviews", [], |r| r.get::<_, i64>(0))
            .map(|n| n.unsigned_abs())
            .map_err(|e| self.database(e))
    }

    /// Whether no review is stored.
    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }

    /// The state of every reviewed (image, label) pair, `required` agreeing reviews making a
    /// decision (see [`crate::Decisions`]).
    pub fn decisions(&self, required: u32) -> Result<crate::Decisions> {
        crate::Decisions::from_reviews(&self.reviews()?, required)
    }

    fn query<P: rusqlite::Params>(&self, filter: &str, params: P) -> Result<Vec<Review>> {
        let connection = self.lock();
        let run = || -> rusqlite::Result<Vec<Review>> {
            let mut statement =
                connection.prepare(&format!("SELECT {COLUMNS} FROM reviews {filter}"))?;
            let rows = statement.query_map(params, read_review)?;
            rows.collect()
        };
        run().map_err(|e| self.database(e))
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A thread that panicked while holding the lock left no transaction open (rusqlite
        // rolls back on drop), so the connection is still sound.
        self.connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn database(&self, e: rusqlite::Error) -> Error {
        database(&self.path, e)
    }
}

/// A [`NewReview`] that passed validation, in the form it is stored.
struct Checked<'a> {
    image: ImageId,
    label: ClassId,
    decision: Decision,
    reviewer: &'a str,
    model: Option<&'a str>,
}

impl<'a> Checked<'a> {
    fn new(review: &'a NewReview) -> Result<Checked<'a>> {
        Ok(Checked {
            image: parse_file_name(&review.file_name)?,
            label: parse_wnid(&review.label)?,
            decision: review.decision,
            reviewer: check_reviewer(&review.reviewer)?,
            model: match &review.model {
                Some(m) => Some(check_text("model", m, MAX_MODEL_LEN)?),
                None => None,
            },
        })
    }

    fn insert(&self, connection: &Connection) -> rusqlite::Result<Review> {
        let sql = format!(
            "INSERT INTO reviews (image, label, decision, reviewer, model, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, {NOW}) RETURNING {COLUMNS}"
        );
        connection.query_row(
            &sql,
            params![
                self.image.number(),
                self.label.wnid(),
                self.decision.as_str(),
                self.reviewer,
                self.model
            ],
            read_review,
        )
    }
}

fn database(path: &Path, e: rusqlite::Error) -> Error {
    let message = match &e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::NotADatabase => {
            "not a review database (SQLite says: file is not a database)".to_string()
        }
        _ => e.to_string(),
    };
    Error::Database {
        path: path.to_path_buf(),
        message,
    }
}

fn query_one(connection: &Connection, filter: &str, id: i64) -> rusqlite::Result<Option<Review>> {
    connection
        .query_row(
            &format!("SELECT {COLUMNS} FROM reviews {filter}"),
            [id],
            read_review,
        )
        .optional()
}

/// Brings the schema to the latest version, each step in its own transaction.
fn migrate(connection: &mut Connection, path: &Path) -> Result<()> {
    let db = |e: rusqlite::Error| database(path, e);
    let version: i64 = connection
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(db)?;
    let latest = MIGRATIONS.len() as i64;
    if version > latest {
        return Err(Error::Database {
            path: path.to_path_buf(),
            message: format!(
                "the database is at schema version {version}, newer than this tool's {latest}: use a newer imagenet-multilabel"
            ),
        });
    }
    if version == 0 {
        // A database someone else made (tables but no version) is not ours to migrate.
        let tables: i64 = connection
            .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
            .map_err(db)?;
        if tables > 0 {
            return Err(Error::Database {
                path: path.to_path_buf(),
                message: "an SQLite database, but not a review database (it has tables and no schema version)".into(),
            });
        }
    }
    for (step, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = connection.transaction().map_err(db)?;
        tx.execute_batch(sql).map_err(db)?;
        tx.pragma_update(None, "user_version", step as i64 + 1)
            .map_err(db)?;
        tx.commit().map_err(db)?;
    }
    Ok(())
}

fn read_review(row: &Row<'_>) -> rusqlite::Result<Review> {
    let image: u32 = row.get(1)?;
    let decision: String = row.get(3)?;
    // The CHECK constraints make both conversions total; a row that still fails (a database
    // edited by hand) is reported as a conversion error, not a panic.
    let bad = |column: usize, what: String| {
        rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, what.into())
    };
    let file_name = ImageId::new(image)
        .ok_or_else(|| bad(1, format!("image number {image} is out of range")))?
        .file_name();
    let decision = decision.parse::<Decision>().map_err(|e| bad(3, e))?;
    let undone_at: Option<String> = row.get(7)?;
    Ok(Review {
        id: row.get(0)?,
        file_name,
        label: row.get(2)?,
        decision,
        reviewer: row.get(4)?,
        model: row.get(5)?,
        created_at: row.get(6)?,
        undone: undone_at.is_some(),
    })
}

/// The image a review's `file_name` names.
pub(crate) fn parse_file_name(file_name: &str) -> Result<ImageId> {
    ImageId::from_file_name(file_name).ok_or_else(|| {
        Error::Invalid(format!(
            "file_name: `{}` is not a validation image name: expected ILSVRC2012_val_NNNNNNNN.JPEG with NNNNNNNN in 00000001..=00050000",
            shorten(file_name)
        ))
    })
}

/// The class a review's `label` names.
pub(crate) fn parse_wnid(label: &str) -> Result<ClassId> {
    ClassId::from_wnid(label).ok_or_else(|| {
        Error::Invalid(format!(
            "label: `{}` is not one of the 1000 ImageNet wnids (expected e.g. n01440764)",
            shorten(label)
        ))
    })
}

pub(crate) fn check_reviewer(reviewer: &str) -> Result<&str> {
    check_text("reviewer", reviewer, MAX_REVIEWER_LEN)
}

/// `text` trimmed, if it is non-empty, at most `max` characters and free of control characters.
fn check_text<'a>(field: &str, text: &'a str, max: usize) -> Result<&'a str> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(Error::Invalid(format!("{field}: must not be empty")));
    }
    let len = trimmed.chars().count();
    if len > max {
        return Err(Error::Invalid(format!(
            "{field}: {len} characters, at most {max} allowed"
        )));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(Error::Invalid(format!(
            "{field}: `{}` contains a control character",
            shorten(trimmed).escape_debug()
        )));
    }
    Ok(trimmed)
}

/// At most 80 characters of an input, for messages.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(80) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}
