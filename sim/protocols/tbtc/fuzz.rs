//! The tBTC fuzzing space: one to three small wallets (2 to 16 seats) served by two or more
//! operator nodes, some of them faulty leaders (idle, mistaken, content-invalid, impersonating,
//! equivocating, censoring) or slow (feed lag, skipped window blocks, failing generation), with
//! redemption and deposit load, under every checklist knob (p, F, heartbeat rules, signing
//! capacity, retransmissions, thresholds).
//!
//! Every faulty kind here is one the coordination protocol must withstand: followers record
//! faults, signing fails, but the invariants hold. With planted bugs switched on, one node
//! carries a defect the client must not have: it draws the heartbeat from the leader shuffle's
//! generator instead of a fresh one (`heartbeat_from_leader_generator`), so its checklists
//! disagree with the predictor (`tbtc.heartbeat_matches_predictor`) whenever the wallet has two
//! or more operators and the two draws fall on different sides of p.
//!
//! Coordination windows open every 900 blocks, the first at block 900: three hours at the
//! drawn block time of 12 s. Cases therefore last at least [`MIN_DURATION`], which covers the
//! first window, its action start at `w + 100` and a signing attempt at any block time.

use crate::engine::time::Dur;
use crate::fuzz::space::{ActorCase, Draw, FuzzSpace, Knob, Params, ProtocolCase, SpaceEnv};

/// Registry entry of the tBTC fuzz space.
pub static TBTC_SPACE: TbtcSpace = TbtcSpace;

/// See the module documentation.
pub struct TbtcSpace;

/// Shortest case: block 900 + 100 + one 41-block attempt at 12 s per block is 3 h 28 min.
pub const MIN_DURATION: Dur = Dur::hours(4);

/// Name of the planted defective node.
pub const PLANTED_NODE: &str = "reuser";

const PROBABILITIES: [&str; 4] = ["0.0625", "0.125", "0.25", "0.5"];
const FAULTY_KINDS: [&str; 6] = [
    "tbtc.idle_leader",
    "tbtc.mistaken_leader",
    "tbtc.content_invalid_leader",
    "tbtc.impersonator",
    "tbtc.equivocating_leader",
    "tbtc.censoring_leader",
];

fn key(k: &str, v: Knob) -> (String, Knob) {
    (k.to_string(), v)
}

impl FuzzSpace for TbtcSpace {
    fn draw(&self, d: &mut Draw, env: &SpaceEnv) -> ProtocolCase {
        let params = protocol_params(d, env);
        let mut actors = Vec::new();
        let redeemer = d.chance(0.5);
        let depositor = d.chance(0.5);
        let loads = redeemer as usize + depositor as usize;
        let planted = env.planted as usize;
        let room = env.max_actors.saturating_sub(loads + planted).max(2);
        let nodes = d.int(2, room as u64) as usize;
        for i in 0..nodes {
            actors.push(node(d, &format!("n{i}")));
        }
        if env.planted {
            let mut planted = node(d, PLANTED_NODE);
            planted.kind = "tbtc.node".into();
            planted
                .params
                .push(key("heartbeat_from_leader_generator", Knob::Bool(true)));
            actors.push(planted);
        }
        if redeemer {
            actors.push(ActorCase {
                kind: "tbtc.redeemer".into(),
                name: "redeemers".into(),
                params: vec![key(
                    "every",
                    Knob::dur(d.dur(Dur::mins(10), Dur::hours(2), Dur::mins(1)), 60_000),
                )],
            });
        }
        if depositor {
            actors.push(ActorCase {
                kind: "tbtc.depositor".into(),
                name: "depositors".into(),
                params: vec![
                    key(
                        "every",
                        Knob::dur(d.dur(Dur::mins(10), Dur::hours(2), Dur::mins(1)), 60_000),
                    ),
                    key("vaults", Knob::int(d.int(1, 3) as u128, 1)),
                ],
            });
        }
        ProtocolCase { params, actors }
    }

    fn min_duration(&self) -> Option<Dur> {
        Some(MIN_DURATION)
    }
}

/// Parameters under `protocols.tbtc`, each within what `TbtcConfig::validate` accepts (a
/// shrunk threshold or member count above a shrunk seat count is rejected and skipped).
fn protocol_params(d: &mut Draw, env: &SpaceEnv) -> Params {
    let seats = d.int(2, 16);
    let threshold = d.int(1, seats);
    let active = d.int(1, seats);
    let rules = if d.chance(0.25) {
        "historical"
    } else {
        "current"
    };
    vec![
        key("chain", Knob::text(env.chains[0].clone())),
        key("wallets", Knob::int(d.int(1, 3) as u128, 1)),
        key("seats", Knob::int(seats as u128, 1)),
        key("threshold", Knob::int(threshold as u128, 1)),
        key("heartbeat_active_members", Knob::int(active as u128, 0)),
        key(
            "heartbeat_probability",
            Knob::text(PROBABILITIES[d.pick(PROBABILITIES.len())]),
        ),
        key("sweep_every", Knob::int(d.int(1, 4) as u128, 1)),
        key("heartbeat_rules", Knob::text(rules)),
        key("inactivity_failures", Knob::int(d.int(1, 3) as u128, 1)),
        key("signing_capacity", Knob::int(d.int(1, 4) as u128, 1)),
        key("retransmissions", Knob::int(d.int(0, 2) as u128, 0)),
    ]
}

/// An operator node: honest most of the time, else one of the faulty kinds; sometimes slow.
fn node(d: &mut Draw, name: &str) -> ActorCase {
    let kind = if d.chance(0.35) {
        FAULTY_KINDS[d.pick(FAULTY_KINDS.len())]
    } else {
        "tbtc.node"
    };
    let mut params = Vec::new();
    if d.chance(0.3) {
        params.push(key(
            "feed_lag",
            Knob::dur(d.dur(Dur::secs(1), Dur::mins(2), Dur::secs(1)), 0),
        ));
    }
    if d.chance(0.2) {
        params.push(key("skip_windows", Knob::text("0.3")));
    }
    if d.chance(0.2) {
        params.push(key("generation_failure", Knob::text("0.4")));
    }
    match kind {
        "tbtc.idle_leader" if d.chance(0.5) => {
            params.push(key("idle_probability", Knob::text("0.5")));
        }
        "tbtc.mistaken_leader" => params.push(key("then_valid", Knob::Bool(d.chance(0.5)))),
        "tbtc.impersonator" => {
            params.push(key("claim_leader_seat", Knob::Bool(d.chance(0.5))));
        }
        _ => {}
    }
    ActorCase {
        kind: kind.into(),
        name: name.into(),
        params,
    }
}
