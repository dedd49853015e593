//! End-of-run metrics of the coordination simulation (spec 11), including the six the heartbeat
//! study reads: `windows`, `heartbeats`, `windows_with_2plus_heartbeats`,
//! `windows_with_4plus_heartbeats`, `heartbeat_gap_mean_windows`, `heartbeat_gap_p95_windows`.

use super::state::Coordination;
use crate::trace::Value;

/// Counters reported even when nothing counted them (so expectations can ask for 0).
pub const COUNTERS: &[&str] = &[
    "acceptances",
    "actions_aborted",
    "censored_windows",
    "content_invalid_sent",
    "coordination_executor_busy",
    "equivocations",
    "equivocations_detected_by_signing_failure",
    "equivocations_undetected",
    "heartbeats_executed",
    "heartbeats_failed",
    "heartbeats_proposed",
    "heartbeats_successful",
    "impersonations_sent",
    "inactivity_claims",
    "inactivity_claims_failed",
    "inactivity_claims_on_chain",
    "leader_generation_failures",
    "leader_idle_silences",
    "leader_mistakes_sent",
    "proposals_sent",
    "redemption_requests",
    "redemption_requests_refused",
    "redemptions_executed",
    "redemptions_failed",
    "redemptions_signed",
    "wallet_busy_drops",
    "windows_missed_by_feed",
    "windows_missed_offline",
];

/// Moving-funds counters, reported (zero included) with a wallet-lifecycle generator.
pub const MOVING_COUNTERS: &[&str] = &[
    "moved_funds_sweep_requests",
    "moved_funds_sweeps_executed",
    "moved_funds_sweeps_failed",
    "moved_funds_sweeps_signed",
    "moved_funds_swept",
    "moving_funds_begun",
    "moving_funds_completed",
    "moving_funds_executed",
    "moving_funds_failed",
    "moving_funds_signed",
];

/// Deposit counters, reported (zero included) when a depositor revealed anything.
pub const DEPOSIT_COUNTERS: &[&str] = &[
    "deposit_reveals",
    "deposit_reveals_refused",
    "deposit_sweeps_executed",
    "deposit_sweeps_failed",
    "deposit_sweeps_signed",
    "deposits_swept",
];

/// Fault types reported by name (`leader_faults.<type>`), even when zero.
pub const FAULTS: &[&str] = &["LeaderIdleness", "LeaderImpersonation", "LeaderMistake"];

/// Nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[u64], q: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil().max(1.0) as usize;
    Some(sorted[rank.min(sorted.len()) - 1])
}

fn mean(v: &[u64]) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<u64>() as f64 / v.len() as f64
    }
}

fn dist(out: &mut Vec<(String, Value)>, name: &str, v: &[u64]) {
    let mut sorted = v.to_vec();
    sorted.sort_unstable();
    out.push((format!("{name}.count"), Value::Int(v.len() as i128)));
    out.push((format!("{name}.mean"), Value::Real(mean(v))));
    out.push((
        format!("{name}.p95"),
        Value::Int(percentile(&sorted, 0.95).unwrap_or(0) as i128),
    ));
    out.push((
        format!("{name}.max"),
        Value::Int(sorted.last().copied().unwrap_or(0) as i128),
    ));
}

/// Every metric, in a fixed order.
pub fn compute(s: &Coordination) -> Vec<(String, Value)> {
    let int = |v: usize| Value::Int(v as i128);
    let mut out = Vec::new();
    let per_window: Vec<u32> = s.window_heartbeats.values().copied().collect();
    out.push(("windows".into(), int(per_window.len())));
    out.push((
        "heartbeats".into(),
        int(per_window.iter().map(|n| *n as usize).sum()),
    ));
    out.push((
        "windows_with_2plus_heartbeats".into(),
        int(per_window.iter().filter(|n| **n >= 2).count()),
    ));
    out.push((
        "windows_with_4plus_heartbeats".into(),
        int(per_window.iter().filter(|n| **n >= 4).count()),
    ));
    out.push((
        "heartbeats_max_simultaneous".into(),
        int(per_window.iter().copied().max().unwrap_or(0) as usize),
    ));
    let mut gaps = s.heartbeat_gaps.clone();
    gaps.sort_unstable();
    out.push((
        "heartbeat_gap_mean_windows".into(),
        Value::Real(mean(&gaps)),
    ));
    out.push((
        "heartbeat_gap_p95_windows".into(),
        Value::Int(percentile(&gaps, 0.95).unwrap_or(0) as i128),
    ));
    out.push((
        "heartbeat_gap_max_windows".into(),
        Value::Int(gaps.last().copied().unwrap_or(0) as i128),
    ));
    out.push(("heartbeat_gaps".into(), int(gaps.len())));
    // The upstream "worst case" is 1/p windows (8 at p = 0.125, 16 at p = 0.0625).
    let p = s.checklist.heartbeat_probability;
    let claimed_worst = if p > 0.0 { (1.0 / p).round() as u64 } else { 0 };
    out.push((
        "heartbeat_gaps_beyond_claimed_worst".into(),
        int(gaps.iter().filter(|g| **g > claimed_worst).count()),
    ));
    for name in FAULTS {
        let v = s.faults_by_type.get(name).copied().unwrap_or(0);
        out.push((format!("leader_faults.{name}"), Value::Int(v)));
    }
    for name in COUNTERS {
        let mut v = s.counters.get(name).copied().unwrap_or(0);
        if *name == "acceptances" {
            v += s.acceptances;
        }
        out.push(((*name).to_string(), Value::Int(v)));
    }
    for (name, v) in &s.counters {
        if !COUNTERS.contains(name)
            && !DEPOSIT_COUNTERS.contains(name)
            && !MOVING_COUNTERS.contains(name)
        {
            out.push(((*name).to_string(), Value::Int(*v)));
        }
    }
    dist(
        &mut out,
        "redemption_latency_blocks",
        &s.redemption_latencies,
    );
    dist(
        &mut out,
        "redemption_proposal_latency_blocks",
        &s.redemption_proposal_latencies,
    );
    dist(
        &mut out,
        "inactivity_claim_latency_blocks",
        &s.claim_latencies,
    );
    out.push(("redemptions_pending_at_end".into(), int(s.pending.len())));
    // Deposit metrics only when deposits were revealed (runs without a depositor keep their
    // metric set).
    if DEPOSIT_COUNTERS.iter().any(|n| s.counters.contains_key(n)) {
        for name in DEPOSIT_COUNTERS {
            let v = s.counters.get(name).copied().unwrap_or(0);
            out.push(((*name).to_string(), Value::Int(v)));
        }
        dist(
            &mut out,
            "deposit_sweep_latency_blocks",
            &s.deposit_sweep_latencies,
        );
        out.push(("deposits_pending_at_end".into(), int(s.deposits.len())));
    }
    // Moving-funds metrics only with a wallet-lifecycle generator (the counters themselves
    // are reported as counted, above).
    if s.counters.contains_key("moving_funds_begun")
        || s.counters.contains_key("moved_funds_sweep_requests")
    {
        for name in MOVING_COUNTERS {
            let v = s.counters.get(name).copied().unwrap_or(0);
            out.push(((*name).to_string(), Value::Int(v)));
        }
        dist(
            &mut out,
            "moved_funds_sweep_latency_blocks",
            &s.moved_funds_sweep_latencies,
        );
        let pending = s
            .moved_funds
            .values()
            .filter(|r| r.signed_block.is_none())
            .count();
        out.push(("moved_funds_pending_at_end".into(), int(pending)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentile() {
        let v: Vec<u64> = (1..=20).collect();
        assert_eq!(percentile(&v, 0.95), Some(19));
        assert_eq!(percentile(&v, 1.0), Some(20));
        assert_eq!(percentile(&[7], 0.95), Some(7));
        assert_eq!(percentile(&[], 0.95), None);
    }
}
