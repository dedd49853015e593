//! The Raiden protocol's fuzzing space: a path of channels between two to four participant-like
//! actors (honest participants, stale closers, settle racers and griefing clients of every §8
//! strategy) paying each other, plus monitoring services (diligent, lazy, offline for a window,
//! eager, greedy, rogue, mempool-watching) and sometimes a grinding operator. The token network
//! runs in seconds or blocks mode with a settle timeout, withdraw delay and registration terms
//! drawn within what `config::parse` accepts.
//!
//! Every adversary here is one the contracts must withstand: the `always` invariants hold for
//! any mix of them. An impatient settler (`settle_after`) tries once and gives up, so only
//! participants at odd places of the path get one: every channel keeps a partner that settles
//! after the window, as `raiden.channels_settle` needs. Deliberate contract defects are not
//! drawn, except the planted one below.
//!
//! The space does not know the case's duration (at least 20 minutes) nor its quiet period (at
//! least 10 minutes), so closes fall in the first 15 minutes and the settlement window and
//! reaction delays are short enough (at most 5 and 2 minutes) for every closed channel to be
//! settled before `raiden.channels_settle` is checked.
//!
//! With `--planted` every case also sets the contract defect `ignores_transfers` (settlement pays
//! the deposits back), which `raiden.honest_outcome` catches.

use crate::engine::time::Dur;
use crate::fuzz::space::{ActorCase, Draw, FuzzSpace, Knob, Params, ProtocolCase, SpaceEnv};

/// Registry entry of the Raiden fuzz space.
pub static RAIDEN_SPACE: RaidenSpace = RaidenSpace;

/// See the module documentation.
pub struct RaidenSpace;

const ETHER: u128 = 1_000_000_000_000_000_000;
/// Latest scheduled close or rogue action (the shortest generated run is 20 minutes).
const LATEST_ACTION: Dur = Dur::mins(15);
/// Name of the grinding operator.
const OPERATOR: &str = "mallory";

/// An amount of whole tenths of an ether in `lo..=hi` tenths.
fn tenths(d: &mut Draw, lo: u64, hi: u64) -> u128 {
    d.int(lo, hi) as u128 * (ETHER / 10)
}

/// A time at which an action is scheduled, inside every generated run.
fn moment(d: &mut Draw, from: Dur) -> u64 {
    d.dur(from, LATEST_ACTION, Dur::secs(1))
}

fn key(k: &str, v: Knob) -> (String, Knob) {
    (k.to_string(), v)
}

impl FuzzSpace for RaidenSpace {
    fn draw(&self, d: &mut Draw, env: &SpaceEnv) -> ProtocolCase {
        let mut params = protocol_params(d, env);

        // Two to four participants on a path of channels, at least one service.
        let room = env.max_actors.max(3);
        let participants = d.int(2, (room - 1).min(4) as u64) as usize;
        let names: Vec<String> = (0..participants).map(|i| format!("p{i}")).collect();
        let channels: Vec<String> = names
            .windows(2)
            .map(|w| {
                format!(
                    "{{ a: {}, b: {}, deposit_a: \"{}\", deposit_b: \"{}\" }}",
                    w[0],
                    w[1],
                    tenths(d, 0, 2_000),
                    tenths(d, 0, 2_000)
                )
            })
            .collect();
        params.push(key(
            "channels",
            Knob::text(format!("[{}]", channels.join(", "))),
        ));

        let mut actors = Vec::new();
        for i in 0..participants {
            // The partner it pays: a neighbour on the path.
            let partner = if i == 0 {
                1
            } else if i + 1 == participants || d.chance(0.5) {
                i - 1
            } else {
                i + 1
            };
            actors.push(participant(d, &names[i], &names[partner], i % 2 == 1));
        }

        let services = d.int(1, (room - participants).max(1) as u64) as usize;
        let grinding = services >= 2 && d.chance(0.3);
        for i in 0..services {
            actors.push(service(d, i, grinding && i > 0));
        }
        if env.planted {
            // The planted bug: settlement pays the deposits back and ignores what was
            // transferred, which `raiden.honest_outcome` must catch at the first settlement of a
            // channel that carried a payment.
            params.push(key("defects", Knob::text("[ignores_transfers]")));
        }
        ProtocolCase { params, actors }
    }
}

/// Parameters under `protocols.raiden`.
fn protocol_params(d: &mut Draw, env: &SpaceEnv) -> Params {
    let mut params = vec![key("chain", Knob::text(env.chains[0].clone()))];
    if d.chance(0.25) {
        params.push(key("time_mode", Knob::text("blocks")));
        // At most 25 blocks of at most 12 s: a window of at most 5 minutes.
        let min = d.int(2, 12);
        let max = d.int(min, 100);
        params.push(key("settle_timeout_min", Knob::int(min as u128, 2)));
        params.push(key(
            "settle_timeout_max",
            Knob::int(max as u128, max as u128),
        ));
        // At least `min`: shrinking keeps it within the bounds.
        let blocks = d.int(min, max.min(25));
        params.push(key(
            "settle_timeout_blocks",
            Knob::int(blocks as u128, min as u128),
        ));
        params.push(key(
            "withdraw_timeout_blocks",
            Knob::int(d.int(0, 30) as u128, 0),
        ));
    } else {
        // Whole seconds; shrinking halves towards 2 s and may produce fractions, which the
        // loader rejects and the shrinker then skips.
        params.push(key(
            "settle_timeout",
            Knob::dur(d.dur(Dur::secs(30), Dur::mins(5), Dur::secs(1)), 2_000),
        ));
        params.push(key(
            "withdraw_timeout",
            Knob::dur(d.dur(Dur::secs(0), Dur::mins(10), Dur::secs(1)), 0),
        ));
    }
    if d.chance(0.5) {
        params.push(key("update_deadline", Knob::Bool(d.chance(0.5))));
    }
    params.push(key("reject_high_s", Knob::Bool(d.chance(0.5))));
    params.push(key("decaying_price", Knob::Bool(d.chance(0.3))));
    params.push(key(
        "registration_price",
        Knob::int(tenths(d, 10, 10_000), 1),
    ));
    params.push(key(
        "registration_duration",
        Knob::dur(d.dur(Dur::mins(5), Dur::days(1), Dur::mins(1)), 1_000),
    ));
    params
}

/// One participant-like actor named `name` paying `partner`.
/// `impatient`: it may try to settle early instead of after the window.
fn participant(d: &mut Draw, name: &str, partner: &str, impatient: bool) -> ActorCase {
    let kind = match d.int(0, 9) {
        0..=3 => "participant",
        4..=5 => "stale_closer",
        6 => "settle_racer",
        _ => "griefing_client",
    };
    let mut params = vec![
        key("pays", Knob::text(partner)),
        key("amount", Knob::int(tenths(d, 1, 300), 1)),
        key(
            "every",
            Knob::dur(d.dur(Dur::secs(20), Dur::mins(4), Dur::secs(1)), 1_000),
        ),
        key("payments", Knob::int(d.int(0, 8) as u128, 0)),
        key("monitoring", Knob::Bool(d.chance(0.85))),
        // Zero and low rewards (G4) included.
        key("reward", Knob::int(tenths(d, 0, 100), 0)),
        // No reward budget at all, or less than the reward, sometimes (G3).
        key("udc_deposit", Knob::int(tenths(d, 0, 500), 0)),
        key(
            "reaction_delay",
            Knob::dur(d.dur(Dur::secs(0), Dur::mins(2), Dur::secs(1)), 0),
        ),
        key("self_update", Knob::Bool(d.chance(0.7))),
        key("tip_gwei", Knob::int(d.int(0, 5) as u128, 0)),
    ];
    match kind {
        "stale_closer" | "settle_racer" => {
            params.push(key("close_at", Knob::dur(moment(d, Dur::mins(2)), 60_000)));
            params.push(key("close_with", Knob::int(d.int(0, 4) as u128, 0)));
        }
        _ => {
            if d.chance(0.4) {
                params.push(key("close_at", Knob::dur(moment(d, Dur::mins(2)), 60_000)));
            }
        }
    }
    if kind == "griefing_client" {
        let grief = [
            "withhold_newest",
            "reward_dodge",
            "reward_escape",
            "late_requests",
        ];
        params.push(key("grief", Knob::text(grief[d.pick(grief.len())])));
    }
    if impatient && d.chance(0.25) {
        // An impatient settler: the contract must refuse it until the window has passed.
        params.push(key(
            "settle_after",
            Knob::dur(d.dur(Dur::secs(1), Dur::mins(2), Dur::secs(1)), 1_000),
        ));
    }
    ActorCase {
        kind: format!("raiden.{kind}"),
        name: name.to_string(),
        params,
    }
}

/// Monitoring service `i`; a registration of the grinding operator when `grinding`.
fn service(d: &mut Draw, i: usize, grinding: bool) -> ActorCase {
    let mut params = vec![
        key("min_reward", Knob::int(tenths(d, 0, 80), 0)),
        key("confirmations", Knob::int(d.int(0, 3) as u128, 0)),
        key(
            "latency",
            Knob::dur(d.dur(Dur::secs(0), Dur::secs(40), Dur::secs(1)), 0),
        ),
        key(
            "retry_too_early",
            Knob::dur(d.dur(Dur::secs(1), Dur::secs(30), Dur::secs(1)), 1_000),
        ),
        key("close_margin", Knob::int(d.int(2, 20) as u128, 0)),
        key("register", Knob::Bool(d.chance(0.9))),
        key("tip_gwei", Knob::int(d.int(0, 5) as u128, 0)),
        key("mempool_watch", Knob::Bool(d.chance(0.3))),
    ];
    if d.chance(0.3) {
        // A lazy service: carries out a monitor action with probability 1/10 to 9/10.
        params.push(key(
            "act_probability",
            Knob::text(format!("\"{}/10\"", d.int(1, 9))),
        ));
    }
    if d.chance(0.25) {
        // Offline for a window (an absent service).
        let from = d.dur(Dur::secs(0), Dur::mins(15), Dur::secs(1));
        let len = d.dur(Dur::mins(1), Dur::mins(20), Dur::secs(1));
        params.push(key(
            "offline",
            Knob::text(format!(
                "[{{ from: {}, to: {} }}]",
                Dur(from),
                Dur(from + len)
            )),
        ));
    }
    // Hostile services the contracts must refuse or survive.
    params.push(key("eager", Knob::Bool(d.chance(0.2))));
    params.push(key("claim_twice", Knob::Bool(d.chance(0.2))));
    if d.chance(0.15) {
        params.push(key(
            "replay_close_at",
            Knob::dur(moment(d, Dur::mins(1)), 60_000),
        ));
    }
    if d.chance(0.15) {
        params.push(key("forge_reward", Knob::int(tenths(d, 1, 200), 1)));
    }
    let kind = if grinding {
        params.push(key("operator", Knob::text(OPERATOR)));
        "grinding_service"
    } else {
        "monitoring_service"
    };
    ActorCase {
        kind: format!("raiden.{kind}"),
        name: format!("ms{i}"),
        params,
    }
}
