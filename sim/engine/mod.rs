//! The deterministic core: time, event queue, seed tree, keys, actors, network, faults, world.

pub mod actor;
pub mod bridge;
pub mod ctx;
pub mod genesis;
pub mod keys;
pub mod lookup;
pub mod metrics;
pub mod network;
pub mod queue;
pub mod seed;
pub mod time;
pub mod tracer;
pub mod world;

pub use actor::{Actor, ActorId, Event};
pub use ctx::{CallError, Ctx, TxOpts};
pub use time::{Dur, SimTime};
pub use world::{RunOptions, RunResult, World};
