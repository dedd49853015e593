//! Traces: the evidence of a run. A binary file of postcard frames with checksums, a rolling
//! digest that fingerprints the run, JSONL export and record-by-record diff.

pub mod abi;
pub mod record;

pub use record::*;
