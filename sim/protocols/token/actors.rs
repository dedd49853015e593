//! `token.payer`: sends transfers of random amounts to other payers at random intervals, and
//! tracks how long each takes to be included.

use super::{InFlight, MinterParams, PayerParams, Shared, Token};
use crate::engine::actor::{Actor, ActorId, Ctx, Event, TxOpts};
use crate::engine::time::Dur;
use crate::protocols::{ActorParams, Spawn};
use crate::scenario::yaml::Located;
use alloy_primitives::U256;
use alloy_sol_types::SolCall;

const NEXT_TRANSFER: u64 = 1;

/// The token ledger every token actor shares.
fn ledger_of(env: &Spawn) -> Shared {
    env.shared
        .clone()
        .downcast::<std::cell::RefCell<super::Ledger>>()
        .expect("token actors run with the token ledger")
}
/// Topic of the off-chain payment notice a payer sends its recipient after inclusion.
pub const PAID_TOPIC: &str = "token.paid";

impl ActorParams for PayerParams {
    fn actor_refs(&self) -> Vec<Located<String>> {
        self.to.clone()
    }

    fn spawn(&self, env: &Spawn) -> Box<dyn Actor> {
        let ledger = ledger_of(env);
        Box::new(Payer {
            params: self.clone(),
            ledger,
            recipients: Vec::new(),
        })
    }
}

/// An honest payer.
pub struct Payer {
    params: PayerParams,
    ledger: Shared,
    recipients: Vec<ActorId>,
}

impl Payer {
    fn schedule_next(&mut self, ctx: &mut Ctx) {
        let mean = self.params.every.as_ms() as f64;
        let wait = if self.params.fixed_interval {
            self.params.every.as_ms()
        } else {
            ctx.rng().exponential(mean).round() as u64
        };
        let wait = Dur::ms(wait.max(1));
        if let Some(until) = self.params.until {
            if ctx.now().plus(wait).ms() > until.as_ms() {
                return;
            }
        }
        ctx.set_timer(wait, NEXT_TRANSFER);
    }

    fn transfer(&mut self, ctx: &mut Ctx) {
        if self.recipients.is_empty() {
            return;
        }
        let to = self.recipients[ctx.rng().pick(self.recipients.len())];
        let max = self.params.max_amount.0.min(U256::from(u64::MAX));
        let amount = 1 + ctx.rng().below(max.to::<u64>().max(1));
        let (chain, token) = {
            let l = self.ledger.borrow();
            (l.chain, l.token)
        };
        let call = Token::transferCall {
            to: ctx.actor_address(to),
            amount: U256::from(amount),
        };
        let opts = TxOpts {
            gas_limit: 80_000,
            tip: self.params.tip_gwei as u128 * 1_000_000_000,
            ..TxOpts::default()
        };
        let tx = ctx.send_tx_with(chain, Some(token), call.abi_encode().into(), opts);
        let me = ctx.me();
        self.ledger.borrow_mut().in_flight.insert(
            tx,
            InFlight {
                payer: me,
                to,
                submitted_ms: ctx.now().ms(),
            },
        );
    }
}

impl Actor for Payer {
    fn start(&mut self, ctx: &mut Ctx) {
        let me = ctx.me();
        self.recipients = if self.params.to.is_empty() {
            ctx.actors_of_kind("token.payer")
                .filter(|a| *a != me)
                .collect()
        } else {
            self.params
                .to
                .iter()
                .filter_map(|n| ctx.actor_by_name(&n.value))
                .collect()
        };
        self.schedule_next(ctx);
    }

    fn handle(&mut self, ctx: &mut Ctx, event: &Event) {
        match event {
            Event::Timer { tag: NEXT_TRANSFER } => {
                for _ in 0..self.params.burst {
                    self.transfer(ctx);
                }
                self.schedule_next(ctx);
            }
            Event::Receipt { receipt, .. } => {
                let mut l = self.ledger.borrow_mut();
                let Some(f) = l.in_flight.remove(ctx.me(), &receipt.tx) else {
                    return;
                };
                let delay = ctx.now().ms() - f.submitted_ms;
                let i = f.payer.0 as usize;
                if l.max_delay_ms.len() <= i {
                    l.max_delay_ms.resize(i + 1, None);
                }
                let slot = &mut l.max_delay_ms[i];
                *slot = Some(slot.unwrap_or(0).max(delay));
                l.slowest_ms = l.slowest_ms.max(delay);
                let paid = receipt.status.is_success();
                if paid {
                    l.transfers += 1;
                    if self.params.notify {
                        // Kept only to check the notices that will name it.
                        l.included.insert(receipt.tx, f.to);
                    }
                }
                drop(l);
                ctx.observe("token.inclusion_delay_s", delay as f64 / 1000.0);
                if paid && self.params.notify {
                    // Tell the recipient off-chain, as a payment notice.
                    ctx.send(f.to, PAID_TOPIC, receipt.tx.to_vec());
                }
            }
            Event::Message { topic, body, .. } if *topic == PAID_TOPIC => {
                let me = ctx.me();
                let mut l = self.ledger.borrow_mut();
                let genuine = body.len() == 32
                    && l.included.get(&alloy_primitives::B256::from_slice(body)) == Some(&me);
                if genuine {
                    l.notices += 1;
                } else {
                    l.bogus_notices += 1;
                }
            }
            Event::Dropped { tx, .. } => {
                let me = ctx.me();
                self.ledger.borrow_mut().in_flight.remove(me, &tx.tx);
                ctx.note(format!("transfer dropped: {}", tx.reason));
            }
            _ => {}
        }
    }
}

impl ActorParams for MinterParams {
    fn spawn(&self, env: &Spawn) -> Box<dyn Actor> {
        let ledger = ledger_of(env);
        Box::new(Minter {
            params: self.clone(),
            ledger,
        })
    }
}

/// Mints unaccounted tokens to itself at a fixed interval (if it holds the minter role).
pub struct Minter {
    params: MinterParams,
    ledger: Shared,
}

impl Actor for Minter {
    fn start(&mut self, ctx: &mut Ctx) {
        ctx.set_timer(self.params.every, NEXT_TRANSFER);
    }

    fn handle(&mut self, ctx: &mut Ctx, event: &Event) {
        match event {
            Event::Timer { tag: NEXT_TRANSFER } => {
                let (chain, token) = {
                    let l = self.ledger.borrow();
                    (l.chain, l.token)
                };
                let call = Token::mintCall {
                    to: ctx.address(),
                    amount: self.params.amount.0,
                };
                ctx.send_tx(chain, token, &call);
                ctx.set_timer(self.params.every, NEXT_TRANSFER);
            }
            Event::Receipt { receipt, .. } if !receipt.status.is_success() => {
                ctx.note("mint refused: not the minter");
                ctx.metric_add("token.mints_refused", 1);
            }
            Event::Receipt { .. } => ctx.metric_add("token.mints", 1),
            _ => {}
        }
    }
}
