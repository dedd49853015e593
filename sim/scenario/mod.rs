//! Scenarios: the YAML description of a run, loaded with located diagnostics.

pub mod error;
pub mod load;
pub mod model;
pub mod suggest;
pub mod units;
pub mod yaml;

pub use error::ScenarioError;
pub use load::{from_tree, load_file, load_str};
pub use model::Scenario;
pub use yaml::{emit, from_node, parse, Key, Loc, Located, Node, NodeKind};
