//! Scenarios: the YAML description of a run, loaded with located diagnostics.

pub mod units;
pub mod yaml;
