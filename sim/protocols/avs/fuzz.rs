//! The AVS protocol's fuzzing space: a main chain and one remote chain, an epoch clock with a
//! grace period, honest operators (some lazy), the owner, a keeper and the aggregator, with
//! consumers on either chain, a state writer, a rewards initiator, a challenger (honest or
//! griefing) and, in half of the cases, a bridge adversary (`avs.bridge_adversary`) that delays,
//! reorders and duplicates the bridge's messages and drops verification reports.
//!
//! The space keeps the bridge timely in the sense of `avs.replica_liveness`: every snapshot must
//! reach the replica within the grace period, which lasts at least 12 main-chain blocks (24 s at
//! the fastest block time drawn), while bridge latency plus adversarial delay stays below 8 s.
//! Dropping a snapshot outright breaks that invariant by design (see `avs-bridge-delay.yaml`), so
//! the adversary drops only on the report routes (remote → main). The swarm's actor faults hit
//! only the consumers, writer, challenger, rewards initiator and bridge adversary (see
//! `AvsSpace::steady`); network latency and drops hit everyone.

use crate::engine::time::Dur;
use crate::fuzz::space::{ActorCase, Draw, FuzzSpace, Knob, ProtocolCase, SpaceEnv};

/// Registry entry of the AVS fuzz space.
pub static AVS_SPACE: AvsSpace = AvsSpace;

/// See the module documentation.
pub struct AvsSpace;

/// Name of the keeper.
const KEEPER: &str = "keeper";

/// Actors the swarm leaves alone (see [`FuzzSpace::steady`]): the keeper, the owner, the
/// aggregator and every operator the space can draw.
const STEADY: &[&str] = &[KEEPER, "owner", "aggregator", "op0", "op1", "op2", "op3"];

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

    /// `avs.replica_liveness` assumes an honest keeper that snapshots every epoch on time, and
    /// `avs.task_liveness` online operators reachable by the aggregator and a threshold the owner
    /// sets every epoch: a crashed, offline, censored, delayed or partitioned keeper, owner,
    /// aggregator or operator breaks them by design (the invariants do not see the swarm).
    fn steady(&self) -> &'static [&'static str] {
        STEADY
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
            // Drops only on the report route: a dropped snapshot never reaches the replica.
            if routes.ends_with(&format!("->{main}")) && d.chance(0.5) {
                p.push(("drop", prob(d, 1, 50)));
            }
            if d.chance(0.5) {
                p.push(("duplicate", prob(d, 1, 100)));
            }
            let lo = d.int(0, 1_000);
            let hi = d.int(lo, 4_000);
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
