//! What the demand generators (`tbtc.redeemer`, `tbtc.depositor`) share: a Poisson arrival
//! clock and the range of wallets they draw from.

use super::state::Shared;
use crate::chain::ChainIdx;
use crate::engine::actor::Ctx;
use crate::engine::time::Dur;
use alloy_primitives::Address;

/// Sets timer `tag` after an exponential wait of mean `every` (at least 1 ms), drawn from the
/// actor's own stream.
pub(super) fn schedule_next(ctx: &mut Ctx, every: Dur, tag: u64) {
    let wait = ctx.rng().exponential(every.as_ms() as f64).round() as u64;
    ctx.set_timer(Dur::ms(wait.max(1)), tag);
}

/// The chain and bridge, and how many wallets (the first `limit`, or all) demand may go to.
pub(super) fn target(shared: &Shared, limit: Option<u32>) -> (ChainIdx, Address, usize) {
    let s = shared.borrow();
    let n = limit.map_or(s.wallets.len(), |k| (k as usize).min(s.wallets.len()));
    (s.chain, s.bridge, n)
}
