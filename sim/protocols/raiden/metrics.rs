//! End-of-run metrics of specs §10: victim loss, protection, time to update, service profit and
//! gas, updates per channel, reverted transactions by reason.

use super::observe::Shared;
use crate::check::Probe;
use crate::trace::Value;
use alloy_primitives::U256;

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
    for ch in s.channels.values() {
        let Some(c) = &ch.closed else { continue };
        closed += 1;
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
