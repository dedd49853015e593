//! The deterministic core: time, event queue, seed tree, keys, actors, network, faults, world.

pub mod time;
