//! The AVS protocol's fuzzing space: a main chain and one remote chain, an epoch clock with a
//! grace period, honest operators (some lazy), the owner, a keeper and the aggregator, with
//! consumers on either chain, a state writer, a rewards initiator, a challenger (honest or
//! griefing) and, in half of the cases, a bridge adversary (`avs.bridge_adversary`) that delays,
//! reorders, duplicates and drops the bridge's messages, at times for longer than the grace
//! period.
//!
//! The swarm's faults hit every
//! actor, the keeper, owner, aggregator and operators included: the liveness invariants judge
//! only the tasks and epochs whose premises held (spec §11.10–11), so a crashed keeper or an
//! offline operator makes them skip what it broke rather than fail.
//!
//! With `--planted` every case also sets the planted bug `planted_off_by_one` (the replica
//! never writes the last listed operator's weight), which `avs.replica_consistency` catches.

use crate::engine::time::Dur;
use crate::fuzz::space::{ActorCase, Draw, FuzzSpace, Knob, ProtocolCase, SpaceEnv};

/// Registry entry of the AVS fuzz space.
pub static AVS_SPACE: AvsSpace = AvsSpace;

/// See the module documentation.
pub struct AvsSpace;

/// Name of the keeper.
const KEEPER: &str = "keeper";

/// Actors every case has besides the operators: owner, keeper, aggregator.
const CORE: usize = 3;

/// A probability written with two decimals.
fn prob(d: &mut Draw, lo: u64, hi: u64) -> Knob {
    let p = d.int(lo, hi);
    Knob::text(format!("{}.{:02}", p / 100, p % 100))
}

fn actor(kind: &str, name: &str, params: Vec<(&str, Knob)>) -> ActorCase {
    ActorCase {
        kind: format!("avs.{kind}"),
        name: name.into(),
        params: params
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    }
}

impl FuzzSpace for AvsSpace {
    fn chains(&self) -> usize {
        2
    }

    fn draw(&self, d: &mut Draw, env: &SpaceEnv) -> ProtocolCase {
        let main = env.chains[0].clone();
        let remote = env.chains[1].clone();
        let grace = d.int(12, 20);
        let length = d.int(grace + 8, 60);
        let lat_lo = d.int(0, 1_000);
        let lat_hi = d.int(lat_lo, 4_000);
        let params = vec![
            ("main".to_string(), Knob::text(main.clone())),
            ("remotes".to_string(), Knob::text(format!("[{remote}]"))),
            (
                "epoch_length".to_string(),
                Knob::int(length as u128, (grace + 8) as u128),
            ),
            ("grace_period".to_string(), Knob::text(grace.to_string())),
            (
                "bridge_latency".to_string(),
                Knob::text(format!("{}..{}", Dur(lat_lo), Dur(lat_hi))),
            ),
            ("stake".to_string(), Knob::int(d.int(1, 1_000) as u128, 1)),
            ("slash_fraction".to_string(), prob(d, 1, 100)),
            (
                "reward_pool".to_string(),
                Knob::int(d.int(0, 10_000) as u128, 0),
            ),
            (
                "confirmations".to_string(),
                Knob::int(d.int(0, 4) as u128, 0),
            ),
            ("open_challenges".to_string(), Knob::Bool(d.chance(0.5))),
        ];
        let mut params = params;
        if env.planted {
            // The planted bug: the replica drops the last listed operator's weight, which
            // `avs.replica_consistency` must catch at the first complete sealed snapshot.
            params.push((
                "flags".to_string(),
                Knob::text("{ planted_off_by_one: true }"),
            ));
        }

        // Budget: the core actors, at least one operator, then the extras in a random order.
        let budget = env.max_actors.max(CORE + 1);
        let operators = d.int(1, (budget - CORE).min(4) as u64) as usize;
        let mut actors = Vec::new();
        for i in 0..operators {
            // A lazy operator (answers sometimes) counts as unreliable for task liveness.
            let answer = if d.chance(0.25) {
                prob(d, 30, 99)
            } else {
                Knob::text("1.0")
            };
            actors.push(actor(
                "operator",
                &format!("op{i}"),
                vec![
                    ("answer_probability", answer),
                    (
                        "sla",
                        Knob::dur(d.dur(Dur::ms(100), Dur::secs(5), Dur::ms(100)), 100),
                    ),
                ],
            ));
        }
        actors.push(actor("owner", "owner", Vec::new()));
        actors.push(actor("keeper", KEEPER, Vec::new()));
        actors.push(actor(
            "aggregator",
            "aggregator",
            vec![
                (
                    "every",
                    Knob::dur(d.dur(Dur::secs(20), Dur::mins(3), Dur::secs(5)), 20_000),
                ),
                (
                    "expiry",
                    Knob::dur(d.dur(Dur::secs(10), Dur::secs(40), Dur::secs(5)), 10_000),
                ),
                ("retries", Knob::int(d.int(1, 4) as u128, 1)),
            ],
        ));

        let mut room = budget.saturating_sub(actors.len());
        if d.chance(0.5) {
            // The bridge adversary is part of the environment, so it does not take a slot.
            let routes = match d.pick(3) {
                0 => String::new(),
                1 => format!("avs/{remote}"),
                _ => format!("avs/{remote}->{main}"),
            };
            let mut p = Vec::new();
            if !routes.is_empty() {
                p.push(("routes", Knob::text(format!("[{routes}]"))));
            }
            // A dropped or late snapshot fails the premise of `avs.replica_liveness` for its
            // epoch, which is then not judged.
            if d.chance(0.5) {
                p.push(("drop", prob(d, 1, 50)));
            }
            if d.chance(0.5) {
                p.push(("duplicate", prob(d, 1, 100)));
            }
            let lo = d.int(0, 1_000);
            // Mostly timely; sometimes slower than any grace period drawn.
            let hi = if d.chance(0.25) {
                d.int(lo, 120_000)
            } else {
                d.int(lo, 4_000)
            };
            p.push((
                "extra_delay",
                Knob::text(format!("{}..{}", Dur(lo), Dur(hi))),
            ));
            actors.push(actor("bridge_adversary", "bridge", p));
        }
        let mut extras = vec![
            "replica_consumer",
            "main_consumer",
            "writer",
            "challenger",
            "rewards",
        ];
        while room > 0 && !extras.is_empty() {
            let which = extras.remove(d.pick(extras.len()));
            if d.chance(0.3) {
                continue;
            }
            room -= 1;
            match which {
                "replica_consumer" | "main_consumer" => {
                    let chain = if which == "replica_consumer" {
                        &remote
                    } else {
                        &main
                    };
                    actors.push(actor(
                        "consumer",
                        which,
                        vec![
                            ("chain", Knob::text(chain.clone())),
                            (
                                "every",
                                Knob::dur(d.dur(Dur::secs(5), Dur::mins(1), Dur::secs(5)), 5_000),
                            ),
                        ],
                    ));
                }
                "writer" => actors.push(actor(
                    "writer",
                    "writer",
                    vec![
                        (
                            "every",
                            Knob::dur(d.dur(Dur::secs(10), Dur::mins(2), Dur::secs(5)), 10_000),
                        ),
                        ("keys", Knob::int(d.int(1, 5) as u128, 1)),
                    ],
                )),
                "challenger" => {
                    let mut p = vec![(
                        "every",
                        Knob::dur(d.dur(Dur::secs(5), Dur::mins(1), Dur::secs(5)), 5_000),
                    )];
                    if d.chance(0.5) {
                        p.push(("mode", Knob::text("griefing")));
                        p.push(("rate", prob(d, 1, 100)));
                    }
                    actors.push(actor("challenger", "challenger", p));
                }
                _ => actors.push(actor(
                    "rewards",
                    "rewards",
                    vec![("delay_blocks", Knob::int(d.int(1, 30) as u128, 0))],
                )),
            }
        }
        ProtocolCase { params, actors }
    }
}
