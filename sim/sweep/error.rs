//! Errors of sweeps: a bad sweep file (located, like scenario errors), unusable result
//! directories, and I/O failures.

use crate::scenario::ScenarioError;
use std::path::PathBuf;

/// Why a sweep could not be loaded, run, resumed or merged.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// The sweep file (or the scenario it builds) is invalid: file, line, column, hint.
    #[error(transparent)]
    Spec(#[from] ScenarioError),
    /// A result directory cannot be used as asked (exists without `--resume`, belongs to a
    /// different sweep, shards do not fit together, ...).
    #[error("{message}")]
    Results {
        message: String,
        hint: Option<String>,
    },
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

impl SweepError {
    pub(crate) fn results(message: impl Into<String>) -> Self {
        SweepError::Results {
            message: message.into(),
            hint: None,
        }
    }

    pub(crate) fn results_hint(message: impl Into<String>, hint: impl Into<String>) -> Self {
        SweepError::Results {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }

    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| SweepError::Io {
            action,
            path,
            source,
        }
    }
}
