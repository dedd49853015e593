//! A protocol's fuzzing space: how to draw its parameters and actor mix for one generated
//! scenario. Protocols plug in through [`crate::protocols::Protocol::fuzz_space`]; the engine-wide
//! parts (chains, duration, swarm faults) are drawn by [`super::generate`].
//!
//! Values are drawn as [`Knob`]s, which know their own lower bound, so the shrinker can make every
//! parameter smaller without knowing what it means.

use crate::engine::seed::Stream;
use crate::engine::time::Dur;

/// One scalar scenario value with the smallest value the shrinker may reduce it to.
#[derive(Clone, Debug, PartialEq)]
pub enum Knob {
    /// A duration in ms, written like `5m` or `1h30m`.
    Dur { ms: u64, min_ms: u64 },
    /// A non-negative integer (counts, amounts in base units, gwei).
    Int { value: u128, min: u128 },
    /// A switch; shrinks to `false`.
    Bool(bool),
    /// Text that does not shrink (a chain or actor name).
    Text(String),
}

impl Knob {
    pub fn dur(ms: u64, min_ms: u64) -> Knob {
        Knob::Dur { ms, min_ms }
    }
    pub fn int(value: u128, min: u128) -> Knob {
        Knob::Int { value, min }
    }
    pub fn text(s: impl Into<String>) -> Knob {
        Knob::Text(s.into())
    }

    /// YAML text of the value.
    pub fn yaml(&self) -> String {
        match self {
            Knob::Dur { ms, .. } => Dur(*ms).to_string(),
            // Quoted: amounts may exceed what every YAML reader takes as an integer.
            Knob::Int { value, .. } if *value > u64::MAX as u128 => format!("\"{value}\""),
            Knob::Int { value, .. } => value.to_string(),
            Knob::Bool(b) => b.to_string(),
            Knob::Text(s) => s.clone(),
        }
    }

    /// Strictly smaller variants, most aggressive first (empty when already minimal).
    pub fn smaller(&self) -> Vec<Knob> {
        match self {
            Knob::Dur { ms, min_ms } if ms > min_ms => halvings(*ms as u128, *min_ms as u128)
                .into_iter()
                .map(|v| Knob::Dur {
                    ms: v as u64,
                    min_ms: *min_ms,
                })
                .collect(),
            Knob::Int { value, min } if value > min => halvings(*value, *min)
                .into_iter()
                .map(|v| Knob::Int {
                    value: v,
                    min: *min,
                })
                .collect(),
            Knob::Bool(true) => vec![Knob::Bool(false)],
            _ => Vec::new(),
        }
    }
}

/// `min`, then halfway and three quarters of the way from `min` to `v`: strictly below `v`,
/// deduplicated.
pub(crate) fn halvings(v: u128, min: u128) -> Vec<u128> {
    let mut out = Vec::new();
    if v <= min {
        return out;
    }
    let span = v - min;
    for c in [min, min + span / 2, min + span / 4 * 3 + (span % 4) * 3 / 4] {
        if c < v && c >= min && !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// A list of `key: value` parameters, in the order they are written.
pub type Params = Vec<(String, Knob)>;

/// One generated actor.
#[derive(Clone, Debug, PartialEq)]
pub struct ActorCase {
    /// Qualified kind, e.g. `token.payer`.
    pub kind: String,
    pub name: String,
    pub params: Params,
}

/// The protocol's part of a generated scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct ProtocolCase {
    /// Parameters under `protocols.<name>`.
    pub params: Params,
    pub actors: Vec<ActorCase>,
}

/// What a space may know when drawing.
#[derive(Clone, Debug)]
pub struct SpaceEnv {
    /// Names of the chains of the scenario (the first is the main chain).
    pub chains: Vec<String>,
    /// Upper bound on the number of actors (keeps cases within budget).
    pub max_actors: usize,
    /// Include the adversaries that break an invariant by design (planted bugs), to prove the
    /// fuzzer finds them. Off in ordinary campaigns.
    pub planted: bool,
}

/// A protocol's parameter space and actor mix.
pub trait FuzzSpace: Sync {
    /// Draws the protocol's parameters and actors from `d`. Every value must lie in its valid
    /// range: a case that does not load is a bug of the space and is reported as such.
    fn draw(&self, d: &mut Draw, env: &SpaceEnv) -> ProtocolCase;
    /// Number of chains the protocol needs (default one).
    fn chains(&self) -> usize {
        1
    }
    /// Shortest run in which the protocol can show anything, when that is longer than the
    /// engine's bounds: generated cases last at least this long (even above the campaign's
    /// `max_duration`) and the shrinker never makes a case shorter. A tBTC coordination window
    /// opens only at block 900, for example. Default: none (generated cases last at least 20
    /// minutes, shrunk ones at least one).
    fn min_duration(&self) -> Option<Dur> {
        None
    }
    /// Most blocks of the main chain a generated case needs: when set, the drawn duration is at
    /// most this many blocks (never below the engine's 20-minute floor or the space's minimum),
    /// and so is the quiet period (never below its 10 minutes). For protocols whose whole game
    /// plays out in a bounded number of blocks and whose blocks are costly (BOLD). Default: none.
    fn max_blocks(&self) -> Option<u64> {
        None
    }
}

/// Random draws for generators: a thin layer over a seed-tree [`Stream`], so a case depends only
/// on its seed.
pub struct Draw {
    stream: Stream,
}

impl Draw {
    pub fn new(stream: Stream) -> Self {
        Draw { stream }
    }
    /// Uniform in `lo..=hi`.
    pub fn int(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        self.stream.range_inclusive(lo, hi)
    }
    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.stream.chance(p)
    }
    /// Uniform index below `len` (`len` > 0).
    pub fn pick(&mut self, len: usize) -> usize {
        self.stream.pick(len)
    }
    /// A duration uniform in `lo..=hi`, rounded down to a multiple of `step` (at least `lo`).
    pub fn dur(&mut self, lo: Dur, hi: Dur, step: Dur) -> u64 {
        let v = self.int(lo.as_ms(), hi.as_ms());
        let step = step.as_ms().max(1);
        (v / step * step).max(lo.as_ms())
    }
    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        self.stream.unit()
    }
}
