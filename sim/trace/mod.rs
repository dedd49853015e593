//! Traces: the evidence of a run. A binary file of postcard frames with checksums, a rolling
//! digest that fingerprints the run, JSONL export and record-by-record diff.

pub mod abi;
pub mod diff;
pub mod digest;
pub mod error;
pub mod format;
pub mod jsonl;
pub mod reader;
pub mod record;
pub mod writer;

pub use diff::*;
pub use digest::*;
pub use error::*;
pub use format::*;
pub use jsonl::*;
pub use reader::*;
pub use record::*;
pub use writer::*;

#[cfg(test)]
mod tests;
