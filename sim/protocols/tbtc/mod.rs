//! tBTC decentralized wallet coordination (tBTC RFC 12), as the keep-core client does it.
//!
//! This part is the exact, deterministic coordination algorithm: window arithmetic
//! ([`window`]), the seed ([`seed`]), Go-compatible randomness ([`gorand`]), EIP-55 operator
//! strings ([`eip55`]), leader selection ([`leader`]) and the actions checklist ([`checklist`]).
//! [`decide`] combines them into one window's decision, which is what `crucible tbtc window`
//! predicts; the simulation of operator nodes builds on the same functions so the two agree.
//!
//! The simulation: wallets with signing groups ([`state`]), operator nodes running the leader
//! and follower routines over the network model ([`node`], [`follower`], [`message`]), a
//! redemption and deposit load generators ([`redeemer`], [`depositor`]), the bridge, wallet registry and
//! `WalletProposalValidator` contracts, invariants and metrics.

pub mod checklist;
pub mod config;
mod demand;
mod depositor;
pub mod eip55;
pub mod follower;
pub mod fuzz;
pub mod gorand;
mod gorand_cooked;
mod invariants;
pub mod leader;
mod lifecycle;
pub mod message;
pub mod metrics;
pub mod node;
mod redeemer;
pub mod seed;
pub mod state;
pub mod wallet_key;
pub mod window;

mod protocol;
pub use protocol::TBTC;
#[cfg(test)]
mod properties;

alloy_sol_types::sol!(
    #[sol(all_derives)]
    Bridge,
    "sim/protocols/tbtc/artifacts/Bridge.json"
);
alloy_sol_types::sol!(
    #[sol(all_derives)]
    WalletRegistry,
    "sim/protocols/tbtc/artifacts/WalletRegistry.json"
);
alloy_sol_types::sol!(
    #[sol(all_derives)]
    WalletProposalValidator,
    "sim/protocols/tbtc/artifacts/WalletProposalValidator.json"
);

pub use checklist::{checklist, checklist_for_draw, heartbeat_draw, ChecklistParams};
pub use gorand::GoRand;
pub use leader::{select_leader, LeaderSelection};
pub use seed::coordination_seed;
pub use window::Window;

use std::fmt;

/// A wallet action, with the client's wire values (traces and contract ABI).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Action {
    /// Nothing to do this window.
    Noop = 0,
    /// Sign a 16-byte non-transaction message to prove liveness.
    Heartbeat = 1,
    /// Sweep revealed deposits into the main UTXO.
    DepositSweep = 2,
    /// Pay out pending redemption requests.
    Redemption = 3,
    /// Move all funds to target wallets (wallet being closed).
    MovingFunds = 4,
    /// Sweep funds moved in from another wallet.
    MovedFundsSweep = 5,
}

impl Action {
    /// The client's name of the action (`DepositSweep`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Action::Noop => "Noop",
            Action::Heartbeat => "Heartbeat",
            Action::DepositSweep => "DepositSweep",
            Action::Redemption => "Redemption",
            Action::MovingFunds => "MovingFunds",
            Action::MovedFundsSweep => "MovedFundsSweep",
        }
    }

    /// The wire value.
    pub fn wire(self) -> u8 {
        self as u8
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A coordination fault a follower can record, with the client's wire values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Fault {
    /// Unclassified.
    Unknown = 0,
    /// The leader sent nothing valid before `w + 80`.
    LeaderIdleness = 1,
    /// The leader proposed an action not on the checklist.
    LeaderMistake = 2,
    /// A non-leader seat sent a proposal.
    LeaderImpersonation = 3,
}

/// Everything one (window, wallet) coordination decides before any message is sent.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    /// The 32-byte coordination seed.
    pub seed: [u8; 32],
    /// The window block `w`.
    pub window_block: u64,
    /// `index(w)`; 0 means no coordination happens at `w`.
    pub window_index: u64,
    /// The Go seed: the first 8 seed bytes, big-endian, signed.
    pub go_seed: i64,
    /// What Go's source reduces `go_seed` to (the only part that matters).
    pub go_seed_reduced: i32,
    /// Leader selection over the given operators. Computed from the seed alone, so it is
    /// reported even for an invalid window (where the client would not coordinate).
    pub leader: LeaderSelection,
    /// The leader's sender seat (1-based member index, lowest seat it holds).
    pub leader_seat: u32,
    /// First `float64()` of a fresh generator (the heartbeat draw).
    pub heartbeat_draw: f64,
    /// The checklist (empty for an invalid window).
    pub checklist: Vec<Action>,
}

impl Decision {
    /// Whether `w` is a coordination window at all.
    pub fn valid(&self) -> bool {
        self.window_index != 0
    }

    /// Whether the heartbeat was drawn (and so is on the checklist).
    pub fn heartbeat(&self) -> bool {
        self.checklist.contains(&Action::Heartbeat)
    }
}

/// One window's decision for a wallet: `seats` lists the operator string of each seat in seat
/// order, already in the form the client sorts (EIP-55 `0x` strings, see
/// [`leader::normalize_operators`]). `None` when `seats` is empty.
pub fn decide<S: AsRef<str>>(
    seats: &[S],
    seed: &[u8; 32],
    window_block: u64,
    params: &ChecklistParams,
) -> Option<Decision> {
    Some(decide_prepared(
        &PreparedGroup::new(seats)?,
        seed,
        window_block,
        params,
    ))
}

/// A signing group prepared for many windows: what leader selection does before the shuffle
/// (dedupe and byte-wise sort of the operator strings) and each operator's sender seat. Neither
/// depends on the seed, so a simulation prepares each wallet once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreparedGroup {
    /// Distinct operator strings in ascending byte-wise order.
    pub sorted: Vec<String>,
    /// The sender seat (lowest 1-based seat) of each entry of `sorted`.
    pub sender_seats: Vec<u32>,
}

impl PreparedGroup {
    /// Prepares the group of `seats` (operator string per seat, in seat order); `None` if empty.
    pub fn new<S: AsRef<str>>(seats: &[S]) -> Option<PreparedGroup> {
        let sorted = leader::unique_sorted(seats);
        let sender_seats = sorted
            .iter()
            .map(|op| leader::sender_seat(seats, op))
            .collect::<Option<Vec<u32>>>()?;
        (!sorted.is_empty()).then_some(PreparedGroup {
            sorted,
            sender_seats,
        })
    }
}

/// [`decide`] for a prepared group: [`Coordinator::coordinate`] with the operator strings
/// filled in (what the predictor reports).
pub fn decide_prepared(
    group: &PreparedGroup,
    seed: &[u8; 32],
    window_block: u64,
    params: &ChecklistParams,
) -> Decision {
    let mut c = Coordinator::default();
    let d = c.coordinate(group, seed, window_block, params);
    let shuffled: Vec<String> = c.order.iter().map(|i| group.sorted[*i].clone()).collect();
    Decision {
        seed: *seed,
        window_block,
        window_index: d.window_index,
        go_seed: d.go_seed,
        go_seed_reduced: gorand::reduce_seed(d.go_seed),
        leader: LeaderSelection {
            sorted: group.sorted.clone(),
            leader: group.sorted[d.leader_index].clone(),
            shuffled,
        },
        leader_seat: d.leader_seat,
        heartbeat_draw: d.heartbeat_draw,
        checklist: d.checklist,
    }
}

/// One window's decision as a simulation needs it: the leader as a position in the prepared
/// group instead of strings.
#[derive(Clone, Debug, PartialEq)]
pub struct Coordinated {
    /// The window block `w`.
    pub window_block: u64,
    /// `index(w)`; 0 means no coordination happens at `w`.
    pub window_index: u64,
    /// The Go seed: the first 8 seed bytes, big-endian, signed.
    pub go_seed: i64,
    /// The leader's position in [`PreparedGroup::sorted`].
    pub leader_index: usize,
    /// The leader's sender seat (1-based member index, lowest seat it holds).
    pub leader_seat: u32,
    /// First `float64()` of a fresh generator (the heartbeat draw).
    pub heartbeat_draw: f64,
    /// The checklist (empty for an invalid window).
    pub checklist: Vec<Action>,
}

impl Coordinated {
    /// Whether `w` is a coordination window at all.
    pub fn valid(&self) -> bool {
        self.window_index != 0
    }

    /// Whether the heartbeat was drawn (and so is on the checklist).
    pub fn heartbeat(&self) -> bool {
        self.checklist.contains(&Action::Heartbeat)
    }
}

/// Computes decisions one after another, reusing one index buffer.
#[derive(Debug, Default)]
pub struct Coordinator {
    /// The shuffled positions of the last decision's group.
    order: Vec<usize>,
}

impl Coordinator {
    /// The decision of `group` for `seed` at `window_block`, from the two fresh generators of
    /// spec 4.7: the heartbeat draw takes the first `float64()` of one, the shuffle uses the
    /// other (both seeded lazily, so two cost no more than one). The shuffle permutes
    /// positions, so shuffling the indices of `group.sorted` gives exactly the client's
    /// shuffled list.
    pub fn coordinate(
        &mut self,
        group: &PreparedGroup,
        seed: &[u8; 32],
        window_block: u64,
        params: &ChecklistParams,
    ) -> Coordinated {
        let go_seed = gorand::seed_i64(seed);
        let draw = GoRand::new(go_seed).float64();
        self.order.clear();
        self.order.extend(0..group.sorted.len());
        GoRand::new(go_seed).shuffle(&mut self.order);
        let first = self.order[0];
        Coordinated {
            window_block,
            window_index: window::index(window_block),
            go_seed,
            leader_index: first,
            leader_seat: group.sender_seats[first],
            heartbeat_draw: draw,
            checklist: checklist_for_draw(window_block, draw, params),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_values_and_names() {
        let all = [
            (Action::Noop, 0, "Noop"),
            (Action::Heartbeat, 1, "Heartbeat"),
            (Action::DepositSweep, 2, "DepositSweep"),
            (Action::Redemption, 3, "Redemption"),
            (Action::MovingFunds, 4, "MovingFunds"),
            (Action::MovedFundsSweep, 5, "MovedFundsSweep"),
        ];
        for (a, wire, name) in all {
            assert_eq!(
                (a.wire(), a.name(), a.to_string()),
                (wire, name, name.into())
            );
        }
        assert_eq!(Fault::LeaderImpersonation as u8, 3);
    }

    #[test]
    fn decision_combines_the_parts() {
        let pkh = [0xaa; 20];
        let hash = [0x13; 32];
        let seed = coordination_seed(&pkh, &hash);
        let seats = leader::normalize_operators(&[
            "0xde709f2102306220921060314715629080e2fb77",
            "0x52908400098527886e0f7030069857d2e4169ee7",
            "0x27b1fdb04752bbc536007a920d24acb045561c26",
            "0x52908400098527886e0f7030069857d2e4169ee7",
        ])
        .unwrap();
        let d = decide(&seats, &seed, 3600, &ChecklistParams::default()).unwrap();
        let s = gorand::seed_i64(&seed);
        assert!(d.valid());
        assert_eq!(d.window_index, 4);
        assert_eq!(d.go_seed, s);
        assert_eq!(d.leader, select_leader(&seats, s).unwrap());
        assert_eq!(d.leader.sorted.len(), 3);
        let first = seats.iter().position(|x| *x == d.leader.leader).unwrap();
        assert_eq!(d.leader_seat as usize, first + 1);
        assert_eq!(d.heartbeat_draw, GoRand::new(s).float64());
        assert_eq!(
            d.checklist[..4],
            checklist(3600, s, &Default::default())[..4]
        );
        assert_eq!(d.heartbeat(), d.heartbeat_draw < 0.0625);
        // The prepared path is the same decision, and agrees with the separate routines.
        let group = PreparedGroup::new(&seats).unwrap();
        assert_eq!(group.sender_seats.len(), 3);
        for w in [900, 1800, 3600, 36_000] {
            for salt in 0u8..40 {
                let seed = coordination_seed(&[salt; 20], &hash);
                let s = gorand::seed_i64(&seed);
                let p = ChecklistParams {
                    heartbeat_probability: 0.5,
                    sweep_every: 4,
                };
                let d = decide_prepared(&group, &seed, w, &p);
                assert_eq!(d.leader, select_leader(&seats, s).unwrap());
                assert_eq!(
                    Some(d.leader_seat),
                    leader::sender_seat(&seats, &d.leader.leader)
                );
                assert_eq!(d.checklist, checklist(w, s, &p));
                assert_eq!(d.heartbeat_draw, GoRand::new(s).float64());
            }
        }
        let bad = decide(&seats, &seed, 3601, &ChecklistParams::default()).unwrap();
        assert!(!bad.valid() && bad.checklist.is_empty() && !bad.heartbeat());
        assert!(decide::<String>(&[], &seed, 900, &Default::default()).is_none());
    }
}
