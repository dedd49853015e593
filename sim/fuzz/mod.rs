//! Invariant fuzzing: generated scenarios with swarm faults, a campaign runner that counts
//! `sometimes` coverage, shrinking to a minimal failing scenario, and a regression corpus.
//!
//! * [`space`] — what a protocol contributes ([`space::FuzzSpace`], through
//!   [`crate::protocols::Protocol::fuzz_space`]): its parameters and actor mix.
//! * [`generate`] — one [`case::Case`] from a case seed: chains, duration, the protocol's part,
//!   then a swarm (which fault classes are on, how hard) and the faults it draws.
//! * [`run`] — a case runs as the scenario its YAML describes, through the ordinary loader and
//!   engine, stopping at the first violated `always` invariant or checking `eventually` after
//!   the quiet period.
//! * [`shrink`] — fewer faults, fewer actors, shorter runs, milder faults, smaller parameters,
//!   keeping the same violated invariant.
//! * [`regress`] — shrunk failures as runnable scenarios under `tests/regressions/<protocol>/`.
//! * [`strategy`] — a protocol's generator as a proptest strategy whose value tree shrinks
//!   with the same shrinker.
//! * [`campaign`] — many cases in parallel, deterministic for a seed whatever the thread count.
//!
//! Nothing here reads the wall clock except [`campaign`] in `--time` mode, and only to decide
//! how many rounds of cases to start; every run itself is the deterministic engine.

pub mod campaign;
pub mod case;
pub mod generate;
pub mod regress;
pub mod run;
pub mod shrink;
pub mod space;
pub mod strategy;

pub use campaign::{Campaign, CampaignReport, Stop, Target};
pub use case::{Case, Fault, Size, Swarm};
pub use generate::{case_seed, generate, Limits};
pub use run::{run_case, CaseOutcome, Violation};
pub use shrink::{shrink, Shrunk};
pub use space::{Draw, FuzzSpace, Knob, ProtocolCase, SpaceEnv};
pub use strategy::{SameViolation, ScenarioStrategy};

#[cfg(test)]
mod tests;
