//! The BOLD protocol's fuzzing space, on the `tiny` profile so a whole multi-level challenge fits
//! in a few simulated minutes: one honest proposer, two or three honest defenders (some lazy:
//! acting every few blocks, or joining late), and one or two evil proposers with random
//! divergence points (block and machine step), posted as first or second child, some stalling,
//! some griefing the timer caches. Challenge and confirmation periods are drawn above the
//! profile's 40 blocks so the sizing rule holds for the slowest drawn defender and staller; one
//! case in four plays two big-step levels.

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
            let first = d.chance(0.3);
            let staller = d.chance(0.3);
            let griefer = d.chance(0.3);
            actors.push(ActorCase {
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
            });
        }
        ProtocolCase { params, actors }
    }

    /// A whole game fits in [`GAME_BLOCKS`]: the rest of a longer run is empty blocks checked
    /// against every invariant.
    fn max_blocks(&self) -> Option<u64> {
        Some(GAME_BLOCKS)
    }
}
