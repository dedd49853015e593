//! End-of-run metrics of specs §10: victim loss and attack success, protection coverage, time
//! to update (absolute and as a fraction of `T`), slot lateness and settle margin, service
//! profit, gas, registration deposits, unpaid work by cause and rewards forgone, gas per actor
//! by function and outcome, transactions per close, reverts by reason, monitor-request drops by
//! intake rule, UserDeposit over-commitment and the griefing cost ratio.
//!
//! Gas is priced at the simulated gas price and reported in ETH; token amounts in whole tokens.
//! Ratios that mix the two (profit, griefing cost) take one token to be worth one ETH.

use super::observe::{RaidenState, Shared};
use super::slot;
use crate::check::Probe;
use crate::trace::Value;
use alloy_primitives::Address;
use alloy_primitives::U256;
use std::collections::BTreeMap;

/// Token base units as a float in whole tokens (10¹⁸ base units).
fn tokens(v: U256) -> f64 {
    let wei: f64 = v.to_string().parse().unwrap_or(f64::MAX);
    wei / 1e18
}

/// Metric-name form of a revert reason.
fn slug(reason: &str) -> String {
    let mut out = String::new();
    for c in reason.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_string()
}

pub(super) fn collect(shared: &Shared, probe: &mut Probe) -> Vec<(String, Value)> {
    let mut s = shared.borrow_mut();
    s.ingest(probe);
    let mut out: Vec<(String, Value)> = Vec::new();
    let mut loss = U256::ZERO;
    let mut closed = 0i128;
    let mut settled = 0i128;
    let mut protected = 0i128;
    let mut updates = 0i128;
    let mut first_update_s: Vec<f64> = Vec::new();
    let mut attack_success = 0i128;
    let mut needed_update = 0i128;
    let mut covered = 0i128;
    let slot_timeout = s.slot_timeout;
    for ch in s.channels.values() {
        let Some(c) = &ch.closed else { continue };
        closed += 1;
        // Protection coverage: closes where the non-closer held a proof of the closer's that
        // only an update could put on chain; covered when the newest landed before settlement.
        if let Some(nc) = ch.partner_of(c.closer) {
            if let Some(h) = s.held.get(&(ch.id, nc.address)) {
                needed_update += 1;
                let on_chain = ch.slot_nonce.get(&c.closer).copied().unwrap_or_default();
                if on_chain >= h.nonce && ch.settled.is_some() {
                    covered += 1;
                }
            }
        }
        updates += ch.updates.len() as i128;
        out.push((
            format!("raiden.channel{}.updates", ch.id),
            Value::Int(ch.updates.len() as i128),
        ));
        if let Some(u) = ch.updates.first() {
            let dt = (u.t_ms.saturating_sub(c.t_ms)) as f64 / 1000.0;
            first_update_s.push(dt);
            out.push((
                format!("raiden.channel{}.time_to_update_s", ch.id),
                Value::Real(dt),
            ));
            let t_ms = if s.blocks_mode {
                slot_timeout * s.block_time_ms
            } else {
                slot_timeout * 1000
            };
            if t_ms > 0 {
                out.push((
                    format!("raiden.channel{}.time_to_update_frac", ch.id),
                    Value::Real((u.t_ms.saturating_sub(c.t_ms)) as f64 / t_ms as f64),
                ));
            }
        }
        // Slot lateness: the first update through `monitor` against that service's slot.
        if let Some((u, ms)) = ch.updates.iter().find_map(|u| u.ms.map(|m| (u, m))) {
            let close_clock = c.deadline.saturating_sub(slot_timeout);
            if let Some(first) = slot::first_allowed(
                U256::from(close_clock),
                U256::from(slot_timeout),
                ch.a.address,
                ch.b.address,
                ms,
            ) {
                let first_ms = s.sim_ms_at(first.saturating_to::<u64>());
                out.push((
                    format!("raiden.channel{}.slot_lateness_s", ch.id),
                    Value::Real(u.t_ms.saturating_sub(first_ms) as f64 / 1000.0),
                ));
            }
        }
        if let Some(st) = &ch.settled {
            settled += 1;
            let mut ch_loss = U256::ZERO;
            for (who, want) in &st.expected {
                let got = st.amounts.get(who).copied().unwrap_or_default();
                if *want > got {
                    ch_loss += *want - got;
                }
            }
            if ch_loss.is_zero() {
                protected += 1;
            } else {
                attack_success += 1;
            }
            loss += ch_loss;
            out.push((
                format!("raiden.channel{}.victim_loss", ch.id),
                Value::Real(tokens(ch_loss)),
            ));
            if let Some(u) = ch.updates.last() {
                out.push((
                    format!("raiden.channel{}.settle_margin_s", ch.id),
                    Value::Real(st.t_ms.saturating_sub(u.t_ms) as f64 / 1000.0),
                ));
            }
        }
    }
    out.push(("raiden.closed".into(), Value::Int(closed)));
    out.push(("raiden.settled".into(), Value::Int(settled)));
    out.push(("raiden.protected".into(), Value::Int(protected)));
    out.push(("raiden.updates".into(), Value::Int(updates)));
    out.push(("raiden.victim_loss".into(), Value::Real(tokens(loss))));
    out.push(("raiden.attack_success".into(), Value::Int(attack_success)));
    if needed_update > 0 {
        out.push((
            "raiden.protection_coverage".into(),
            Value::Real(covered as f64 / needed_update as f64),
        ));
    }
    if closed > 0 {
        let txs: usize = s
            .channels
            .values()
            .filter(|c| c.closed.is_some())
            .map(|c| s.channel_txs.get(&c.id).map_or(0, Vec::len))
            .sum();
        out.push((
            "raiden.txs_per_close".into(),
            Value::Real(txs as f64 / closed as f64),
        ));
    }
    if !first_update_s.is_empty() {
        let max = first_update_s.iter().cloned().fold(0.0, f64::max);
        out.push(("raiden.time_to_update_s.max".into(), Value::Real(max)));
    }
    let mut rewards = U256::ZERO;
    let mut ms_gas = U256::ZERO;
    let mut monitors = 0i128;
    let mut monitors_reverted = 0i128;
    let mut claims = 0i128;
    for (addr, st) in &s.services {
        let name = s.name_of(*addr);
        rewards += st.rewards;
        ms_gas += st.gas_wei;
        monitors += st.monitors_ok as i128;
        monitors_reverted += st.monitors_reverted as i128;
        claims += st.claims_ok as i128;
        if st.monitors_ok + st.monitors_reverted + st.claims_ok + st.claims_reverted > 0 {
            out.push((
                format!("raiden.ms.{name}.monitors"),
                Value::Int(st.monitors_ok as i128),
            ));
            out.push((
                format!("raiden.ms.{name}.monitors_reverted"),
                Value::Int(st.monitors_reverted as i128),
            ));
            out.push((
                format!("raiden.ms.{name}.claims"),
                Value::Int(st.claims_ok as i128),
            ));
            out.push((
                format!("raiden.ms.{name}.profit"),
                Value::Real(tokens(st.rewards) - tokens(st.gas_wei)),
            ));
        }
        for (why, n) in &st.skipped {
            out.push((
                format!("raiden.ms.{name}.skipped.{why}"),
                Value::Int(*n as i128),
            ));
        }
    }
    out.push(("raiden.ms.monitors".into(), Value::Int(monitors)));
    out.push((
        "raiden.ms.monitors_reverted".into(),
        Value::Int(monitors_reverted),
    ));
    out.push(("raiden.ms.claims".into(), Value::Int(claims)));
    out.push(("raiden.ms.rewards".into(), Value::Real(tokens(rewards))));
    out.push(("raiden.ms.gas_eth".into(), Value::Real(tokens(ms_gas))));
    out.push((
        "raiden.ms.profit".into(),
        Value::Real(tokens(rewards) - tokens(ms_gas)),
    ));
    for (reason, n) in &s.reverts {
        out.push((
            format!("raiden.reverts.{}", slug(reason)),
            Value::Int(*n as i128),
        ));
    }
    let mut registrations = U256::ZERO;
    for (ms, amount) in &s.registrations {
        registrations += *amount;
        out.push((
            format!("raiden.ms.{}.registration", s.name_of(*ms)),
            Value::Real(tokens(*amount)),
        ));
    }
    out.push((
        "raiden.ms.registration_deposits".into(),
        Value::Real(tokens(registrations)),
    ));
    let mut drops: BTreeMap<&str, u64> = BTreeMap::new();
    let mut purged = 0u64;
    for st in s.services.values() {
        purged += st.requests_purged;
        for (rule, n) in &st.drops {
            *drops.entry(rule.as_str()).or_default() += n;
        }
    }
    for (rule, n) in drops {
        out.push((format!("raiden.ms.mr_drops.{rule}"), Value::Int(n as i128)));
    }
    out.push(("raiden.ms.mr_purged".into(), Value::Int(purged as i128)));
    out.extend(unpaid_work(&s));
    for ((actor, function, ok), wei) in &s.gas_by_function {
        let outcome = if *ok { "ok" } else { "reverted" };
        out.push((
            format!("raiden.gas.{actor}.{}.{outcome}", slug_function(function)),
            Value::Real(tokens(*wei)),
        ));
    }
    let mut peak = 0.0f64;
    for (owner, ratio) in &s.overcommitment_peak {
        peak = peak.max(*ratio);
        out.push((
            format!("raiden.udc.{}.overcommitment", s.name_of(*owner)),
            Value::Real(*ratio),
        ));
    }
    out.push(("raiden.udc.overcommitment_max".into(), Value::Real(peak)));
    out.extend(griefing_cost(&s));
    out
}

/// `TokenNetwork.closeChannel` → `closeChannel`.
fn slug_function(f: &str) -> String {
    f.rsplit('.').next().unwrap_or(f).to_string()
}

/// Why a service's successful `monitor` was never paid.
fn unpaid_cause(s: &RaidenState, ch: &super::observe::ChannelRecord, ms: Address) -> &'static str {
    let after_ms = ch
        .updates
        .iter()
        .skip_while(|u| u.ms != Some(ms))
        .skip(1)
        .any(|u| u.ms.is_none());
    if after_ms {
        return "dodge";
    }
    let superseded = ch
        .updates
        .iter()
        .skip_while(|u| u.ms != Some(ms))
        .skip(1)
        .any(|u| u.ms.is_some_and(|m| m != ms));
    if superseded {
        return "superseded";
    }
    let udc_refused = s.channel_txs.get(&ch.id).is_some_and(|txs| {
        txs.iter()
            .any(|t| t.sender == ms && !t.ok && t.reason.contains("UDC did not transfer"))
    });
    let sender = ch.reward.as_ref().map(|r| r.sender);
    if udc_refused || ch.reward.is_some() && ch.settled.is_some() {
        if sender.is_some_and(|a| s.withdraw_planned.contains(&a)) {
            return "escape";
        }
        if udc_refused {
            return "over_commitment";
        }
    }
    "unclaimed"
}

/// Unpaid work by cause (monitors that landed but were never paid: the client's own newer
/// update (dodge), a newer proof by another service (superseded), a withdrawn (escape) or
/// over-committed deposit, or no claim by the end; monitors that lost a race),
/// and rewards a service forwent by policy although the contract would have paid them.
fn unpaid_work(s: &RaidenState) -> Vec<(String, Value)> {
    let mut causes: BTreeMap<&'static str, i128> = BTreeMap::new();
    let mut forgone = U256::ZERO;
    for ch in s.channels.values() {
        let mut monitored: Vec<Address> = ch.updates.iter().filter_map(|u| u.ms).collect();
        monitored.dedup();
        for ms in monitored {
            if ch.claims.iter().any(|(m, _)| *m == ms) {
                continue;
            }
            let cause = unpaid_cause(s, ch, ms);
            *causes.entry(cause).or_default() += 1;
            if cause == "dodge" {
                if let Some(r) = ch.reward.as_ref().filter(|r| r.ms == ms) {
                    forgone += r.amount;
                }
            }
        }
    }
    let race_lost: u64 = s.services.values().map(|st| st.monitors_reverted).sum();
    *causes.entry("race_lost").or_default() += race_lost as i128;
    let mut out: Vec<(String, Value)> = causes
        .into_iter()
        .map(|(c, n)| (format!("raiden.ms.unpaid.{c}"), Value::Int(n)))
        .collect();
    out.push((
        "raiden.ms.rewards_forgone".into(),
        Value::Real(tokens(forgone)),
    ));
    out
}

/// Griefing cost ratio per attacker: its gas spent over the loss it caused. A closer whose
/// partner got less than expected caused that partner's victim loss. A non-closer (the client
/// who hired the services) caused each service's gas on its channel beyond the rewards paid to
/// that service there, when the client's doing made the work unpaid: it updated the channel
/// itself (front-run or dodge), or the service's claim found its deposit gone (over-commitment,
/// escape). Services losing races to each other or to a settle are not griefed by the client.
fn griefing_cost(s: &RaidenState) -> Vec<(String, Value)> {
    let mut caused: BTreeMap<Address, U256> = BTreeMap::new();
    for ch in s.channels.values() {
        let (Some(c), Some(st)) = (&ch.closed, &ch.settled) else {
            continue;
        };
        let Some(non_closer) = ch.partner_of(c.closer).map(|p| p.address) else {
            continue;
        };
        let want = st.expected.get(&non_closer).copied().unwrap_or_default();
        let got = st.amounts.get(&non_closer).copied().unwrap_or_default();
        *caused.entry(c.closer).or_default() += want.saturating_sub(got);
        let client_updated = ch
            .updates
            .iter()
            .any(|u| u.ms.is_none() && u.sender == non_closer);
        for ms in s.services.keys() {
            let udc_refused = s.channel_txs.get(&ch.id).is_some_and(|txs| {
                txs.iter()
                    .any(|t| t.sender == *ms && !t.ok && t.reason.contains("UDC did not transfer"))
            });
            let escaped = ch.reward.as_ref().is_some_and(|r| {
                r.ms == *ms && ch.claims.is_empty() && s.withdraw_planned.contains(&r.sender)
            });
            if !(client_updated || udc_refused || escaped) {
                continue;
            }
            let gas: U256 = s
                .channel_txs
                .get(&ch.id)
                .into_iter()
                .flatten()
                .filter(|t| t.sender == *ms)
                .map(|t| t.cost_wei)
                .sum();
            let paid: U256 = ch
                .claims
                .iter()
                .filter(|(m, _)| m == ms)
                .map(|(_, a)| *a)
                .sum();
            *caused.entry(non_closer).or_default() += gas.saturating_sub(paid);
        }
    }
    let mut out = Vec::new();
    let (mut spend_all, mut loss_all) = (0.0f64, 0.0f64);
    for (attacker, loss) in caused {
        let loss = tokens(loss);
        if loss <= 0.0 {
            continue;
        }
        let name = s.name_of(attacker);
        let spend = tokens(s.gas_wei.get(&name).copied().unwrap_or_default());
        spend_all += spend;
        loss_all += loss;
        out.push((
            format!("raiden.griefing_cost_ratio.{name}"),
            Value::Real(spend / loss),
        ));
    }
    if loss_all > 0.0 {
        out.push((
            "raiden.griefing_cost_ratio".into(),
            Value::Real(spend_all / loss_all),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn slugs() {
        assert_eq!(
            super::slug("not allowed to monitor"),
            "not_allowed_to_monitor"
        );
        assert_eq!(super::slug("Invalid closing sig"), "invalid_closing_sig");
    }
}
