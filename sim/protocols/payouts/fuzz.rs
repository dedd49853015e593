//! The payouts pipeline's fuzzing space: one payer, one or two fee issuers and one to four
//! payees, on an l1 and an l2 chain. Drawn per case: the payout period and how many periods
//! close, the method preference order (`zksync` or l1 only), the l1 mode (per row or batch), the
//! zksync bridge delay, each payee's wallet features (none, `zksync`, `zksync,raiden`, an unknown
//! `plasma`) and whether it shares another payee's wallet, and a deny list (a payee denied for
//! good or until a drawn time). The engine's swarm adds offline and crashed payers and payees,
//! censorship and inclusion delay of the payer's transactions and base-fee spikes on both chains.
//!
//! The `raiden` method is not drawn: `raiden` appears only as a wallet feature (data), so rows of
//! such wallets go to `zksync` or `l1`.
//!
//! With planted bugs switched on, the payer also pays held rows at once (see
//! [`super::config::PayoutsConfig::planted_pay_held`]) and the first payee is always denied, so a
//! held row exists: `payouts.no_double_payment` sees a transfer no plan contains.

use crate::engine::time::Dur;
use crate::fuzz::space::{ActorCase, Draw, FuzzSpace, Knob, Params, ProtocolCase, SpaceEnv};

/// Registry entry of the payouts fuzz space.
pub static PAYOUTS_SPACE: PayoutsSpace = PayoutsSpace;

/// See the module documentation.
pub struct PayoutsSpace;

/// Name of the payer.
pub const PAYER: &str = "payer";

/// Latest period close (periods × period).
const LAST_CLOSE: Dur = Dur::mins(20);

const ETHER: u128 = 1_000_000_000_000_000_000;

/// Wallet features a payee may have (the empty list means layer 1 only).
const FEATURES: &[&str] = &["", "zksync", "zksync,raiden", "plasma"];

fn key(k: &str, v: Knob) -> (String, Knob) {
    (k.to_string(), v)
}

impl FuzzSpace for PayoutsSpace {
    fn draw(&self, d: &mut Draw, env: &SpaceEnv) -> ProtocolCase {
        let (l1, l2) = (env.chains[0].clone(), env.chains[1].clone());
        // Every period closes by [`LAST_CLOSE`] and a bridge delay is at most five minutes, so
        // the last period's payouts land before the shortest run (20 minutes and a quiet period
        // of at least 10) ends: `payouts.owed_paid_held` judges only payouts that had the time.
        let periods = d.int(1, 4);
        let period = d.dur(
            Dur::mins(2),
            Dur(LAST_CLOSE.as_ms() / periods),
            Dur::mins(1),
        );
        let mut params: Params = vec![
            key("chain", Knob::text(l1)),
            key("l2", Knob::text(l2)),
            key("period", Knob::dur(period, Dur::mins(2).as_ms())),
            key("periods", Knob::int(periods as u128, 1)),
            key("tip_gwei", Knob::int(d.int(0, 3) as u128, 0)),
        ];
        if d.chance(0.6) {
            params.push(key("prefer", Knob::text("[zksync]")));
        }
        if d.chance(0.5) {
            params.push(key("l1_mode", Knob::text("batch")));
        }
        let lo = d.int(0, 2);
        let hi = d.int(lo, 5);
        params.push(key(
            "zksync",
            Knob::text(format!("{{ bridge_delay: {lo}m..{hi}m }}")),
        ));

        // Room for the payer and at least one issuer.
        let room = env.max_actors.max(3);
        let issuers = d.int(1, 2.min(room as u64 - 2)) as usize;
        let payees = d.int(1, 4.min((room - 1 - issuers) as u64)) as usize;
        let names: Vec<String> = (0..payees).map(|i| format!("payee{i}")).collect();

        // Wallet features, and wallets shared with an earlier payee (one operator's nodes).
        let mut entries = Vec::new();
        for (i, name) in names.iter().enumerate() {
            let features = FEATURES[d.pick(FEATURES.len())];
            let shared = (i > 0 && d.chance(0.3)).then(|| names[d.pick(i)].clone());
            if features.is_empty() && shared.is_none() {
                continue;
            }
            let wallet = shared.map_or(String::new(), |w| format!(", wallet: {w}"));
            entries.push(format!(
                "{{ payee: {name}{wallet}, features: \"{features}\" }}"
            ));
        }
        if !entries.is_empty() {
            params.push(key(
                "payees",
                Knob::text(format!("[{}]", entries.join(", "))),
            ));
        }

        // A denied payee: for good, or cleared at a drawn time. With planted bugs, always one.
        if env.planted || d.chance(0.4) {
            let who = if env.planted { 0 } else { d.pick(payees) };
            let until = if d.chance(0.5) {
                let t = d.dur(Dur::mins(1), Dur::hours(1), Dur::mins(1));
                format!(", until: {}", Dur(t))
            } else {
                String::new()
            };
            params.push(key(
                "deny",
                Knob::text(format!("[{{ wallet: {}{until} }}]", names[who])),
            ));
        }
        if env.planted {
            params.push(key("planted_pay_held", Knob::text("true")));
        }

        let mut actors = vec![ActorCase {
            kind: "payouts.payer".into(),
            name: PAYER.into(),
            params: Vec::new(),
        }];
        for i in 0..issuers {
            actors.push(ActorCase {
                kind: "payouts.issuer".into(),
                name: format!("issuer{i}"),
                params: vec![
                    (
                        "every".into(),
                        Knob::dur(d.dur(Dur::mins(1), Dur::mins(20), Dur::mins(1)), 60_000),
                    ),
                    (
                        "amount".into(),
                        Knob::int(d.int(1, 1_000) as u128 * (ETHER / 100), 1),
                    ),
                ],
            });
        }
        for name in names {
            actors.push(ActorCase {
                kind: "payouts.payee".into(),
                name,
                params: Vec::new(),
            });
        }
        ProtocolCase { params, actors }
    }

    /// l1 and the zksync l2.
    fn chains(&self) -> usize {
        2
    }
}
