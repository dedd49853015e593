//! Drawing one [`Case`] from a case seed: chains, duration, the protocol's part (from its
//! [`FuzzSpace`]), then the swarm and the faults it switches on.
//!
//! Each part draws from its own seed-tree stream (`fuzz/chains`, `fuzz/space`, `fuzz/swarm`,
//! `fuzz/faults`), so changing how faults are drawn never changes the actor mix of a seed.

use super::case::{Case, ChainCase, Fault, Swarm};
use super::space::{Draw, FuzzSpace, SpaceEnv};
use crate::engine::seed::SeedTree;
use crate::engine::time::Dur;

/// Bounds on generated cases.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Longest simulated duration (before the quiet period).
    pub max_duration: Dur,
    /// Most actors per case.
    pub max_actors: usize,
    /// Include planted bugs (adversaries that break an invariant by design).
    pub planted: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_duration: Dur::hours(4),
            max_actors: 6,
            planted: false,
        }
    }
}

/// Shortest generated duration.
const MIN_DURATION: Dur = Dur::mins(20);

/// The seed of case `index` of `protocol` in a campaign with `master` seed: stable in those
/// three, whatever the number of workers or the order cases finish in.
pub fn case_seed(master: u64, protocol: &str, index: u64) -> u64 {
    SeedTree::new(master).child_seed(&format!("fuzz/{protocol}/{index}"))
}

/// Draws the case of `seed` for `protocol`.
pub fn generate(protocol: &str, space: &dyn FuzzSpace, seed: u64, limits: &Limits) -> Case {
    let tree = SeedTree::new(seed);
    let mut d = Draw::new(tree.stream("fuzz/chains"));
    let chains: Vec<ChainCase> = (0..space.chains().max(1))
        .map(|i| ChainCase {
            name: format!("l{}", i + 1),
            block_time_ms: [2_000, 6_000, 12_000][d.pick(3)],
            base_fee_gwei: d.int(1, 50),
        })
        .collect();
    let floor = space
        .min_duration()
        .map_or(MIN_DURATION, |m| m.max(MIN_DURATION));
    let mut max = limits.max_duration.max(floor);
    let mut quiet_max = Dur::hours(1);
    if let Some(blocks) = space.max_blocks() {
        let cap = Dur(blocks.saturating_mul(chains[0].block_time_ms));
        max = max.min(cap.max(floor));
        quiet_max = quiet_max.min(cap.max(Dur::mins(10)));
    }
    let duration_ms = d.dur(floor, max, Dur::mins(1));
    let quiet_ms = d.dur(Dur::mins(10), quiet_max, Dur::mins(1));

    let env = SpaceEnv {
        chains: chains.iter().map(|c| c.name.clone()).collect(),
        max_actors: limits.max_actors.max(1),
        planted: limits.planted,
    };
    let body = space.draw(&mut Draw::new(tree.stream("fuzz/space")), &env);

    let swarm = draw_swarm(&mut Draw::new(tree.stream("fuzz/swarm")));
    // Every drawn actor may be faulted: liveness invariants judge only what their premises
    // allowed (an actor a premise needs being offline is a premise that did not hold).
    let names: Vec<String> = body.actors.iter().map(|a| a.name.clone()).collect();
    let faults = draw_faults(
        &mut Draw::new(tree.stream("fuzz/faults")),
        &swarm,
        &names,
        &env.chains,
        duration_ms,
    );
    Case {
        protocol: protocol.to_string(),
        seed,
        duration_ms,
        quiet_ms,
        chains,
        body,
        swarm,
        faults,
    }
}

/// Each fault class is on with probability one half; an enabled class gets an intensity.
fn draw_swarm(d: &mut Draw) -> Swarm {
    let p = |d: &mut Draw| {
        if d.chance(0.5) {
            Some((d.int(10, 60) as f64) / 100.0)
        } else {
            None
        }
    };
    let offline = p(d);
    let crash = p(d);
    let latency = d.chance(0.5).then(|| {
        let lo = d.int(0, 500);
        (lo, d.int(lo, 5_000))
    });
    let drop_permille = d.chance(0.5).then(|| d.int(1, 200) as u32);
    let partition = p(d);
    let censor = p(d);
    let delay = p(d);
    let spike = p(d);
    Swarm {
        offline,
        crash,
        latency,
        drop_permille,
        partition,
        censor,
        delay,
        spike,
    }
}

/// A window inside `0..duration`: starts on a whole second, lasts one minute to half the run.
fn window(d: &mut Draw, duration: u64) -> (u64, u64) {
    let from = d.int(0, duration.saturating_sub(1_000)) / 1_000 * 1_000;
    let len = d.int(60_000, (duration / 2).max(60_000)) / 1_000 * 1_000;
    (from, (from + len).min(duration).max(from + 1_000))
}

fn draw_faults(
    d: &mut Draw,
    swarm: &Swarm,
    actors: &[String],
    chains: &[String],
    duration: u64,
) -> Vec<Fault> {
    let mut out = Vec::new();
    if let Some((lo, hi)) = swarm.latency {
        out.push(Fault::Latency { lo, hi });
    }
    if let Some(permille) = swarm.drop_permille {
        out.push(Fault::Drop { permille });
    }
    for name in actors {
        if let Some(p) = swarm.offline {
            if d.chance(p) {
                let (from, to) = window(d, duration);
                out.push(Fault::Offline {
                    actor: name.clone(),
                    from,
                    to,
                });
            }
        }
        if let Some(p) = swarm.crash {
            if d.chance(p) {
                let at = d.int(0, duration - 1) / 1_000 * 1_000;
                let restart_after = d.chance(0.5).then(|| d.int(60, 7_200) * 1_000);
                out.push(Fault::Crash {
                    actor: name.clone(),
                    at,
                    restart_after,
                });
            }
        }
        for chain in chains {
            if let Some(p) = swarm.censor {
                if d.chance(p) {
                    let (from, to) = window(d, duration);
                    out.push(Fault::Censor {
                        chain: chain.clone(),
                        senders: vec![name.clone()],
                        from,
                        to,
                    });
                }
            }
            if let Some(p) = swarm.delay {
                if d.chance(p) {
                    let (from, to) = window(d, duration);
                    let by = d.int(1, 30) * 60_000;
                    out.push(Fault::Delay {
                        chain: chain.clone(),
                        senders: vec![name.clone()],
                        by,
                        from,
                        to,
                    });
                }
            }
        }
    }
    if let Some(p) = swarm.partition {
        for _ in 0..2 {
            if actors.len() >= 2 && d.chance(p) {
                let (from, to) = window(d, duration);
                let mut a = Vec::new();
                let mut b = Vec::new();
                for name in actors {
                    if d.chance(0.5) {
                        a.push(name.clone());
                    } else {
                        b.push(name.clone());
                    }
                }
                if a.is_empty() {
                    a.push(b.remove(0));
                } else if b.is_empty() {
                    b.push(a.remove(0));
                }
                out.push(Fault::Partition {
                    from,
                    to,
                    groups: vec![a, b],
                });
            }
        }
    }
    if let Some(p) = swarm.spike {
        for chain in chains {
            for _ in 0..2 {
                if d.chance(p) {
                    let (from, to) = window(d, duration);
                    out.push(Fault::Spike {
                        chain: chain.clone(),
                        from,
                        to,
                        multiplier: d.int(2, 100),
                    });
                }
            }
        }
    }
    out
}
