//! The follower's message checks (spec 7.3), in the client's order. Pure, so the order itself
//! is tested: each rule is triggered once in a table test.

use super::message::CoordinationMessage;
use super::{Action, Fault};

/// What a follower routine knows when a message arrives.
#[derive(Clone, Debug)]
pub struct FollowerView<'a> {
    /// The window block `w` of the running routine.
    pub window_block: u64,
    /// The wallet the routine coordinates.
    pub wallet_pkh: [u8; 20],
    /// Operator index of every seat, in seat order (seat `i` is `seats[i - 1]`).
    pub seats: &'a [u32],
    /// This node's operator index.
    pub me: u32,
    /// The leader's sender seat (its lowest seat).
    pub leader_seat: u32,
    /// The leader's operator index.
    pub leader: u32,
    /// `checklist ∪ {Noop}`.
    pub allowed: &'a [Action],
}

/// Why a message was skipped without a fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    /// Rule 2: sent from one of my own seats.
    SelfMessage,
    /// Rule 3: the seat is not held by the operator whose key authenticated the message.
    InvalidMembership,
    /// Rule 4: another window.
    OtherWindow,
    /// Rule 5: another wallet.
    OtherWallet,
}

/// The outcome of checking one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Skip(Skip),
    /// A fault with its culprit's operator index; the routine keeps listening.
    Fault(Fault, u32),
    /// The first valid message: the routine returns it.
    Accept,
}

fn seat_holder(seats: &[u32], seat: u32) -> Option<u32> {
    seat.checked_sub(1)
        .and_then(|i| seats.get(i as usize))
        .copied()
}

/// Checks one decoded message (rule 1, "not a coordination message", is decoding) sent by the
/// operator `sender`, rules 2 to 8 in order.
pub fn check(view: &FollowerView, msg: &CoordinationMessage, sender: u32) -> Verdict {
    if seat_holder(view.seats, msg.sender_seat) == Some(view.me) {
        return Verdict::Skip(Skip::SelfMessage);
    }
    if seat_holder(view.seats, msg.sender_seat) != Some(sender) {
        return Verdict::Skip(Skip::InvalidMembership);
    }
    if msg.coordination_block != view.window_block {
        return Verdict::Skip(Skip::OtherWindow);
    }
    if msg.wallet_pkh != view.wallet_pkh {
        return Verdict::Skip(Skip::OtherWallet);
    }
    if msg.sender_seat != view.leader_seat {
        return Verdict::Fault(Fault::LeaderImpersonation, sender);
    }
    if !view.allowed.contains(&msg.proposal.action) {
        return Verdict::Fault(Fault::LeaderMistake, view.leader);
    }
    Verdict::Accept
}

#[cfg(test)]
mod tests {
    use super::super::message::Proposal;
    use super::*;

    /// Each rule triggered once, in order: every row breaks exactly the rule it names and
    /// passes every earlier one, so a reordering of the checks changes some row's verdict.
    #[test]
    fn follower_validation_order() {
        // Seats 1..=6: operators 10, 11, 12, 10, 13, 11. I am 12 (seat 3); the leader is 11
        // with sender seat 2 (seat 6 is also 11's).
        let seats = [10, 11, 12, 10, 13, 11];
        let allowed = [Action::Redemption, Action::Heartbeat, Action::Noop];
        let view = FollowerView {
            window_block: 1800,
            wallet_pkh: [1; 20],
            seats: &seats,
            me: 12,
            leader_seat: 2,
            leader: 11,
            allowed: &allowed,
        };
        let msg = |seat: u32, block: u64, pkh: u8, action: Action| CoordinationMessage {
            sender_seat: seat,
            coordination_block: block,
            wallet_pkh: [pkh; 20],
            proposal: Proposal {
                action,
                content: Vec::new(),
            },
        };
        use Action::*;
        let rows: &[(&str, CoordinationMessage, u32, Verdict)] = &[
            // Rule 2 before 3: my own seat, even though "sent" by someone else, with every
            // later rule broken too.
            (
                "self",
                msg(3, 1, 9, DepositSweep),
                11,
                Verdict::Skip(Skip::SelfMessage),
            ),
            // Rule 3 before 4: operator 13 claims the leader's seat 2, wrong window too.
            (
                "membership",
                msg(2, 900, 9, DepositSweep),
                13,
                Verdict::Skip(Skip::InvalidMembership),
            ),
            // Rule 4 before 5.
            (
                "window",
                msg(2, 900, 9, DepositSweep),
                11,
                Verdict::Skip(Skip::OtherWindow),
            ),
            // Rule 5 before 6: a non-leader seat of another wallet is not impersonation here.
            (
                "wallet",
                msg(5, 1800, 9, DepositSweep),
                13,
                Verdict::Skip(Skip::OtherWallet),
            ),
            // Rule 6 before 7: operator 13 from its own seat with a disallowed type.
            (
                "impersonation",
                msg(5, 1800, 1, DepositSweep),
                13,
                Verdict::Fault(Fault::LeaderImpersonation, 13),
            ),
            // Rule 6 also catches the leader speaking through a non-lowest seat.
            (
                "leader's other seat",
                msg(6, 1800, 1, Redemption),
                11,
                Verdict::Fault(Fault::LeaderImpersonation, 11),
            ),
            // Rule 7.
            (
                "mistake",
                msg(2, 1800, 1, DepositSweep),
                11,
                Verdict::Fault(Fault::LeaderMistake, 11),
            ),
            // Rule 8: accepted, Noop included.
            ("accept", msg(2, 1800, 1, Heartbeat), 11, Verdict::Accept),
            ("accept noop", msg(2, 1800, 1, Noop), 11, Verdict::Accept),
            // Seat numbers outside the group fail membership.
            (
                "seat 0",
                msg(0, 1800, 1, Noop),
                11,
                Verdict::Skip(Skip::InvalidMembership),
            ),
            (
                "seat 7",
                msg(7, 1800, 1, Noop),
                11,
                Verdict::Skip(Skip::InvalidMembership),
            ),
        ];
        for (name, m, sender, want) in rows {
            assert_eq!(check(&view, m, *sender), *want, "row `{name}`");
        }
    }
}
