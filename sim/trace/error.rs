//! Errors of reading and writing traces. Every error about a frame names the frame index
//! (0 = header, `k` = record `k - 1` or the footer) and the byte offset where the frame starts.

use alloy_primitives::B256;
use std::fmt;
use std::sync::Arc;

/// Position of a frame, rendered for users: `frame 0 (header)`, `frame 17 (record 16)`.
pub(crate) struct FrameName(pub u64);

impl fmt::Display for FrameName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            0 => write!(f, "frame 0 (header)"),
            k => write!(f, "frame {k} (record {})", k - 1),
        }
    }
}

/// What went wrong with a trace. Cheap to clone, so a reader can repeat its first error.
#[derive(Clone, Debug, thiserror::Error)]
pub enum TraceError {
    #[error("trace I/O error: {0}")]
    Io(Arc<std::io::Error>),

    #[error("not a crucible trace: the file does not start with the trace magic bytes")]
    BadMagic,

    #[error(
        "unsupported trace format version {found} (this build reads version {supported}); \
         use the crucible release that wrote it, or re-run its scenario to record it again"
    )]
    UnsupportedVersion { found: u32, supported: u32 },

    #[error("trace is truncated: {} starting at byte {offset} is incomplete", FrameName(*frame))]
    Truncated { frame: u64, offset: u64 },

    #[error("trace is corrupt: checksum mismatch in {} at byte {offset}", FrameName(*frame))]
    Checksum { frame: u64, offset: u64 },

    #[error("trace is corrupt: cannot decode {} at byte {offset}: {msg}", FrameName(*frame))]
    Decode {
        frame: u64,
        offset: u64,
        msg: String,
    },

    #[error(
        "trace is corrupt: {} at byte {offset} claims {len} bytes, over the {} byte limit",
        FrameName(*frame),
        crate::trace::MAX_FRAME_LEN
    )]
    FrameTooLarge { frame: u64, offset: u64, len: u64 },

    #[error(
        "trace is malformed: {} at byte {offset} is a {found} frame where a {expected} frame \
         belongs",
        FrameName(*frame)
    )]
    UnexpectedFrame {
        frame: u64,
        offset: u64,
        expected: &'static str,
        found: &'static str,
    },

    #[error(
        "trace is incomplete: it has no footer; the file ends at byte {offset}, where frame \
         {frame} should start (the run that wrote it was probably interrupted)"
    )]
    MissingFooter { frame: u64, offset: u64 },

    #[error(
        "trace is inconsistent: the footer counts {expected} records but the file holds {found}"
    )]
    CountMismatch { expected: u64, found: u64 },

    #[error(
        "trace is inconsistent: the footer digest is {expected} but the records hash to {found}"
    )]
    DigestMismatch { expected: B256, found: B256 },

    #[error("trace is corrupt: unexpected data after the footer, at byte {offset}")]
    TrailingData { offset: u64 },
}

impl From<std::io::Error> for TraceError {
    fn from(e: std::io::Error) -> Self {
        TraceError::Io(Arc::new(e))
    }
}

impl TraceError {
    /// Index of the frame the error is about, if it is about one.
    pub fn frame(&self) -> Option<u64> {
        match self {
            TraceError::Truncated { frame, .. }
            | TraceError::Checksum { frame, .. }
            | TraceError::Decode { frame, .. }
            | TraceError::FrameTooLarge { frame, .. }
            | TraceError::UnexpectedFrame { frame, .. }
            | TraceError::MissingFooter { frame, .. } => Some(*frame),
            _ => None,
        }
    }
}
