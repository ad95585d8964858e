//! `imagenet-multilabel serve`: the local web app (crate `imagenet-multilabel-serve`).

use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::PathBuf;

use anyhow::{Context, Result};
use imagenet_multilabel::predictions::{self, ClassIds, Format, LoadOptions};
use imagenet_multilabel::thumbnails::ImageSource;
use imagenet_multilabel::{home, tfds};
use imagenet_multilabel_serve as serve;

use crate::config::{self, UsageError};

/// Browse the images with their labels, look at a model's mistakes and review the top-1
/// answers no expert judged, in the browser. Reviews go to a SQLite file (`reviews export`
/// turns them into an overlay for `eval --overlay`); the official figures never change.
#[derive(clap::Args)]
pub struct Args {
    /// A built dataset (TFDS layout): images and labels.
    #[arg(
        long,
        value_name = "DIR",
        required_unless_present = "images",
        conflicts_with = "images"
    )]
    pub dataset: Option<PathBuf>,
    /// The validation tar (ILSVRC2012_img_val.tar) for the images; labels from --annotations
    /// (default: the ones `fetch` stored).
    #[arg(long, value_name = "TAR")]
    pub images: Option<PathBuf>,
    /// Models to show and review (.npy/.npz, CSV/TSV, JSON, JSON Lines), each named by its
    /// file's stem.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub predictions: Vec<PathBuf>,
    /// The annotations file (default: the dataset's labels with --dataset, else the one
    /// `fetch` stored).
    #[arg(long, value_name = "FILE")]
    pub annotations: Option<PathBuf>,
    /// The review database (created when missing) [default: reviews.sqlite in the cache
    /// directory].
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// The address to listen on. Anything but a loopback address needs --token.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// The port (0: any free one).
    #[arg(long, default_value_t = serve::DEFAULT_PORT)]
    pub port: u16,
    /// A secret every request must carry (open the pages once with ?token=TOKEN; scripts
    /// send the header X-Token). Required off loopback.
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// Agreeing reviews that settle an (image, label) pair.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub required: u32,
    /// Force the predictions' format instead of sniffing it.
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<Format>,
    /// The models have 1001 outputs with background at 0 (TF-slim).
    #[arg(long)]
    pub background_class: bool,
    /// How integer class ids are numbered (as for `eval`).
    #[arg(long, value_name = "CONVENTION", default_value = "sorted")]
    pub class_ids: ClassIds,
    /// Grade models that lack predictions for some annotated images.
    #[arg(long)]
    pub allow_missing: bool,
    /// Do not read or write the annotations parse cache.
    #[arg(long)]
    pub no_cache: bool,
}

/// Runs `serve` until Ctrl-C.
pub fn run(args: Args) -> Result<()> {
    let cache = home::home_dir().ok_or_else(|| {
        UsageError(format!(
            "no cache directory could be determined; set {}",
            home::HOME_ENV
        ))
    })?;
    let (annotations, images) = match (&args.dataset, &args.images) {
        (Some(dir), _) => {
            let annotations = match &args.annotations {
                Some(_) => config::load_annotations(args.annotations.clone(), args.no_cache)?,
                None => tfds::read_annotations(dir).with_context(|| {
                    format!("reading the labels of the dataset {}", dir.display())
                })?,
            };
            (annotations, ImageSource::Dataset(dir.clone()))
        }
        (None, Some(tar)) => (
            config::load_annotations(args.annotations.clone(), args.no_cache)?,
            ImageSource::Tar(tar.clone()),
        ),
        (None, None) => return Err(UsageError("give --dataset DIR or --images TAR".into()).into()),
    };
    let load = LoadOptions {
        format: args.format,
        background_class: args.background_class,
        class_ids: args.class_ids,
    };
    let mut loaded = Vec::new();
    for path in &args.predictions {
        let p = predictions::load(path, &load)?;
        if let Some(warning) = p.warning() {
            config::warn(&warning);
        }
        loaded.push(p);
    }
    let bind = SocketAddr::new(args.bind, args.port);
    // Bound first: the Host check needs the real port (--port 0 picks one).
    let listener = TcpListener::bind(bind).with_context(|| format!("listening on {bind}"))?;
    let bind = listener.local_addr()?;
    let db = args.db.unwrap_or_else(|| cache.join("reviews.sqlite"));
    let config = serve::Config {
        annotations,
        images,
        predictions: loaded,
        db: db.clone(),
        cache_dir: cache.join("cache"),
        required: args.required,
        allow_missing: args.allow_missing,
        token: args.token.clone(),
        bind,
    };
    let state = serve::State::new(config).map_err(|e| match e {
        serve::StartError::Core(e) => anyhow::Error::new(e),
        serve::StartError::Usage(_) | serve::StartError::DuplicateModel(_) => {
            UsageError(e.to_string()).into()
        }
        other => anyhow::Error::new(other),
    })?;
    let (models, annotated) = (state.models.len(), state.annotations.len());
    let token = args.token;
    serve::run(state, listener, |addr| {
        let host = if addr.ip().is_unspecified() {
            format!("127.0.0.1:{}", addr.port())
        } else {
            addr.to_string()
        };
        let suffix = token.map(|t| format!("/?token={t}")).unwrap_or_default();
        eprintln!(
            "serving {annotated} annotated images and {models} model(s) on http://{host}{suffix}\nreviews are stored in {} · Ctrl-C stops",
            db.display()
        );
    })
    .context("serving")?;
    Ok(())
}
