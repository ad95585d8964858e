//! One module per subcommand: its `Args` (doc comments are the help) and `run()`.

pub mod build;
pub mod demo;
pub mod eval;
pub mod fetch;
pub mod info;
pub mod inspect;
pub mod reviews;
pub mod serve;
