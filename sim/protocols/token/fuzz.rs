//! The token protocol's fuzzing space: two or more payers with random rates, amounts, tips,
//! bursts and balances; with planted bugs switched on, also a rogue minter (`token.minter`
//! handed the minter role), which breaks `token.conservation` by design.

use crate::engine::time::Dur;
use crate::fuzz::space::{ActorCase, Draw, FuzzSpace, Knob, ProtocolCase, SpaceEnv};

/// Registry entry of the token fuzz space.
pub static TOKEN_SPACE: TokenSpace = TokenSpace;

/// See the module documentation.
pub struct TokenSpace;

/// Name of the planted rogue minter.
pub const ROGUE_MINTER: &str = "mallory";

const ETHER: u128 = 1_000_000_000_000_000_000;

impl FuzzSpace for TokenSpace {
    fn draw(&self, d: &mut Draw, env: &SpaceEnv) -> ProtocolCase {
        let chain = env.chains[0].clone();
        let mut params = vec![
            ("chain".to_string(), Knob::text(chain)),
            (
                "initial_balance".to_string(),
                // 0.001 to 1000 tokens: small balances make transfers revert, which must not
                // break conservation either.
                Knob::int(d.int(1, 1_000_000) as u128 * (ETHER / 1_000), 1),
            ),
            (
                "slow_inclusion".to_string(),
                Knob::dur(d.dur(Dur::mins(1), Dur::hours(1), Dur::secs(30)), 12_000),
            ),
        ];
        let rogue = env.planted;
        let max_payers = env.max_actors.saturating_sub(rogue as usize).max(2);
        let payers = d.int(2, max_payers as u64) as usize;
        let mut actors = Vec::new();
        for i in 0..payers {
            actors.push(ActorCase {
                kind: "token.payer".into(),
                name: format!("payer{i}"),
                params: vec![
                    (
                        "every".into(),
                        Knob::dur(d.dur(Dur::mins(1), Dur::mins(30), Dur::secs(10)), 60_000),
                    ),
                    (
                        "max_amount".into(),
                        Knob::int(d.int(1, 10_000) as u128 * (ETHER / 1_000), 1),
                    ),
                    ("tip_gwei".into(), Knob::int(d.int(0, 5) as u128, 0)),
                    ("burst".into(), Knob::int(d.int(1, 4) as u128, 1)),
                    ("fixed_interval".into(), Knob::Bool(d.chance(0.25))),
                ],
            });
        }
        if rogue {
            params.push(("minter".into(), Knob::text(ROGUE_MINTER)));
            actors.push(ActorCase {
                kind: "token.minter".into(),
                name: ROGUE_MINTER.into(),
                params: vec![
                    (
                        "every".into(),
                        Knob::dur(d.dur(Dur::mins(1), Dur::mins(20), Dur::mins(1)), 60_000),
                    ),
                    (
                        "amount".into(),
                        Knob::int(d.int(1, 10_000) as u128 * (ETHER / 1_000), 1),
                    ),
                ],
            });
        }
        ProtocolCase { params, actors }
    }
}
