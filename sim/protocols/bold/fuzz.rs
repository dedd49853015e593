//! The BOLD protocol's fuzzing space, on the `tiny` profile so a whole multi-level challenge fits
//! in a few simulated minutes: one honest proposer, two or three honest defenders (some lazy:
//! acting every few blocks, or joining late), and one or two evil proposers with random
//! divergence points (block and machine step), posted as first or second child, some stalling,
//! some griefing the timer caches, some sniping merges; a second adversary may instead be a
//! copycat (or the timer front-running griefer) or a sybil account (frenemy refinements or a
//! wrong block-level sibling), so the actor count stays the same. Challenge and confirmation periods are drawn above the
//! profile's 40 blocks so the sizing rule holds for the slowest drawn defender and staller; one
//! case in four plays two big-step levels.
//!
//! With `--planted` every case also sets `planted_skip_refund` (honest parties never call
//! `refundStake`), which `bold.liveness` catches.

use crate::fuzz::space::{ActorCase, Draw, FuzzSpace, Knob, ProtocolCase, SpaceEnv};

/// Registry entry of the BOLD fuzz space.
pub static BOLD_SPACE: BoldSpace = BoldSpace;

/// See the module documentation.
pub struct BoldSpace;

/// Layer-zero block height of the `tiny` profile (and of the two-level variant): divergence
/// blocks are drawn in `1..=BLOCK_HEIGHT`.
const BLOCK_HEIGHT: u64 = 4;
/// Machine steps per block in both variants (`4·4` with one big-step level, `2²·4` with two).
const STEPS_PER_BLOCK: u64 = 16;
/// Blocks a generated case lasts at most (and its quiet period at most): the longest drawn
/// confirmation period (170 blocks) after the last assertion (2 × 8 blocks), plus a challenge
/// period (150) and the liveness slack, with room to spare for lazy defenders and stallers.
const GAME_BLOCKS: u64 = 400;
/// The `tiny` profile's challenge and confirmation period, the floor the shrinker may reach.
const TINY_PERIOD: u128 = 40;

impl FuzzSpace for BoldSpace {
    fn draw(&self, d: &mut Draw, env: &SpaceEnv) -> ProtocolCase {
        let chain = env.chains[0].clone();
        // Room for the proposer, at least one defender and at least one evil proposer.
        let room = env.max_actors.max(4);
        // At least two defenders: swarm faults strike each actor independently, and the spec's
        // assumption is one honest party that acts within the challenge period.
        let defenders = d.int(2, 3.min(room as u64 - 2)) as usize;
        let evils = d.int(1, 2.min((room - 1 - defenders) as u64)) as usize;
        let assertions = d.int(1, 2);

        // Sizing rule (spec §5): T must exceed what the adversary's path can collect unrivaled.
        // The slowest drawn parties (defender every 3 blocks from block 10, staller every 8
        // blocks) stay well inside 60 blocks on tiny heights.
        let period = d.int(60, 150) as u128;
        let mut params = vec![
            ("chain".to_string(), Knob::text(chain)),
            ("profile".to_string(), Knob::text("tiny")),
            (
                "challenge_period_blocks".to_string(),
                Knob::int(period, TINY_PERIOD),
            ),
            (
                "confirm_period_blocks".to_string(),
                Knob::int(period + d.int(0, 20) as u128, TINY_PERIOD),
            ),
        ];
        if d.chance(0.25) {
            // Two big-step levels: four challenge levels in all (`bold-two-levels-evil-first`).
            // Written as text so the shrinker never leaves levels and stakes out of step.
            params.push(("big_step_levels".into(), Knob::text("2")));
            params.push(("heights".into(), Knob::text("[4, 2, 4]")));
            params.push(("stake_amounts".into(), Knob::text("[0, 3, 2, 1]")));
        }

        let mut actors = vec![ActorCase {
            kind: "bold.proposer".into(),
            name: "proposer".into(),
            params: vec![
                ("assertions".into(), Knob::int(assertions as u128, 1)),
                ("every".into(), Knob::int(d.int(1, 8) as u128, 1)),
            ],
        }];
        for i in 0..defenders {
            let lazy = d.chance(0.4);
            let (every, start) = if lazy {
                (d.int(1, 3), d.int(0, 10))
            } else {
                (1, 0)
            };
            actors.push(ActorCase {
                kind: "bold.defender".into(),
                name: format!("defender{i}"),
                params: vec![
                    ("every".into(), Knob::int(every as u128, 1)),
                    ("start".into(), Knob::int(start as u128, 0)),
                ],
            });
        }
        for i in 0..evils {
            actors.push(self.evil(d, i, assertions));
        }
        // Drawn after every earlier knob, so those stay what they were before these kinds
        // joined the space: some evil proposers snipe merges, and a second adversary may be
        // any other adversary of spec §6 instead.
        let first_evil = actors.len() - evils;
        for a in actors[first_evil..].iter_mut() {
            let sniper = d.chance(0.25);
            a.params
                .push(("snipe".into(), Knob::text(sniper.to_string())));
        }
        if evils == 2 {
            let kind = d.pick(5);
            let start = ("start".to_string(), Knob::int(d.int(0, 5) as u128, 0));
            let other = match kind {
                1 | 2 => Some(ActorCase {
                    kind: "bold.copycat".into(),
                    name: "copycat1".into(),
                    params: vec![
                        // The timer front-running griefer copies timer updates only.
                        (
                            "only_timer_updates".into(),
                            Knob::text((kind == 2).to_string()),
                        ),
                        start,
                    ],
                }),
                3 | 4 => Some(ActorCase {
                    kind: "bold.sybil".into(),
                    name: "sybil1".into(),
                    params: vec![
                        // Frenemy refinements at the one-step forks, or a wrong block-level
                        // sibling.
                        ("siblings".into(), Knob::text((kind == 4).to_string())),
                        (
                            "assertion".into(),
                            Knob::int(d.int(1, assertions) as u128, 1),
                        ),
                        start,
                    ],
                }),
                _ => None,
            };
            if let Some(o) = other {
                *actors.last_mut().expect("two evil proposers") = o;
            }
        }
        if env.planted {
            // The planted bug: honest parties never refund their mini-stakes, which
            // `bold.liveness` must catch once an essential sub-challenge edge is confirmed.
            params.push(("planted_skip_refund".into(), Knob::Bool(true)));
        }
        ProtocolCase { params, actors }
    }

    /// A whole game fits in [`GAME_BLOCKS`]: the rest of a longer run is empty blocks checked
    /// against every invariant.
    fn max_blocks(&self) -> Option<u64> {
        Some(GAME_BLOCKS)
    }
}

impl BoldSpace {
    /// An evil proposer with a random divergence point and position, some stalling, some
    /// griefing the timer caches (the draws of the space's first version, in their order).
    fn evil(&self, d: &mut Draw, i: usize, assertions: u64) -> ActorCase {
        let first = d.chance(0.3);
        let staller = d.chance(0.3);
        let griefer = d.chance(0.3);
        ActorCase {
            kind: "bold.evil_proposer".into(),
            name: format!("mallory{i}"),
            params: vec![
                (
                    "assertion".into(),
                    Knob::int(d.int(1, assertions) as u128, 1),
                ),
                ("block".into(), Knob::int(d.int(1, BLOCK_HEIGHT) as u128, 1)),
                (
                    "step".into(),
                    Knob::int(d.int(0, STEPS_PER_BLOCK - 1) as u128, 0),
                ),
                (
                    "position".into(),
                    Knob::text(if first { "first" } else { "second" }),
                ),
                (
                    "every".into(),
                    Knob::int(if staller { d.int(2, 8) } else { 1 } as u128, 1),
                ),
                (
                    "grief_every".into(),
                    Knob::int(if griefer { d.int(1, 5) } else { 0 } as u128, 0),
                ),
                ("start".into(), Knob::int(d.int(0, 5) as u128, 0)),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::BOLD_SPACE;
    use crate::engine::time::Dur;
    use crate::fuzz::{generate, Limits};
    use crate::scenario::load_str;
    use std::collections::BTreeSet;

    /// Over a few hundred case seeds (drawn, not run) the space produces every adversary of
    /// spec §6 it knows, and every drawn case loads.
    #[test]
    fn the_space_draws_every_adversary_and_valid_cases() {
        let limits = Limits {
            max_duration: Dur::hours(2),
            max_actors: 5,
            planted: false,
        };
        let mut seen = BTreeSet::new();
        for seed in 0..300 {
            let case = generate("bold", &BOLD_SPACE, seed, &limits);
            for a in &case.body.actors {
                let flag = |k: &str| a.params.iter().any(|(n, v)| n == k && v.yaml() == "true");
                let what = match a.kind.as_str() {
                    "bold.evil_proposer" if flag("snipe") => "merge sniper",
                    "bold.evil_proposer" => "evil proposer",
                    "bold.copycat" if flag("only_timer_updates") => "timer front-runner",
                    "bold.copycat" => "copycat",
                    "bold.sybil" if flag("siblings") => "sybil siblings",
                    "bold.sybil" => "sybil frenemy",
                    _ => continue,
                };
                seen.insert(what);
            }
            if seed % 30 == 0 {
                let text = case.to_yaml("c", "q", "", "");
                if let Err(e) = load_str(&text, "case.yaml") {
                    panic!("case {seed} does not load: {e}\n{text}");
                }
            }
        }
        assert_eq!(
            seen.into_iter().collect::<Vec<_>>(),
            vec![
                "copycat",
                "evil proposer",
                "merge sniper",
                "sybil frenemy",
                "sybil siblings",
                "timer front-runner"
            ]
        );
    }
}
