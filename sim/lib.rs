//! Crucible: a deterministic simulation and replay engine for blockchain protocols.
//!
//! A scenario (YAML) describes chains, protocols, actors, faults and expectations. Building it
//! with a seed gives a [`engine::World`]: one event queue with a total order drives block
//! production on in-process EVM chains and the actors' reactions. Every externally visible step
//! is a [`trace::Record`]; the trace of a run replays bit for bit.

pub mod chain;
pub mod check;
pub mod derived;
pub mod engine;
pub mod fuzz;
pub mod protocols;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod sweep;
pub mod trace;

/// Version of the engine, recorded in every trace header.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");
