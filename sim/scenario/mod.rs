//! Scenarios: the YAML description of a run, loaded with located diagnostics.

pub mod error;
pub mod suggest;
pub mod units;
pub mod yaml;

pub use error::ScenarioError;
pub use yaml::{emit, from_node, parse, Key, Loc, Located, Node, NodeKind};
