//! Read-only queries over a Raiden trace, answering what the seed draft's monitoring-service REST
//! interface answers (specs §12): the monitor requests a service holds at a time
//! (`GET /balance_proofs`), the `monitor` transactions it sent with their outcome, all or per
//! channel (`GET /channel_update[/<channel>]`), and its statistics (`GET /stats`).

use super::MonitoringService;
use crate::trace::{Header, Outcome, Record};
use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::SolEvent;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Prefix of the note a service leaves when it stores a monitor request.
pub const STORED_NOTE: &str = "stored monitor request:";
/// Prefix of the note a service leaves when it purges a request whose channel stayed unknown.
pub const PURGED_NOTE: &str = "purged monitor request:";
/// Prefix of the note a service leaves right before it sends `monitor`.
pub const MONITOR_NOTE: &str = "monitoring channel ";

/// Which question to answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Query {
    BalanceProofs,
    ChannelUpdates,
    Stats,
}

/// Restrictions of a query.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Only this service (actor name).
    pub ms: Option<String>,
    /// Only this channel identifier.
    pub channel: Option<u64>,
    /// As of this simulated time (ms); default: the end of the trace.
    pub at_ms: Option<u64>,
}

#[derive(Clone, Debug)]
struct Stored {
    t: u64,
    channel: u64,
    non_closer: String,
    nonce: u64,
    reward: String,
}

#[derive(Clone, Debug)]
struct Sent {
    t: u64,
    channel: u64,
    nonce: u64,
    tx: B256,
    block: Option<u64>,
    outcome: Option<String>,
}

/// Parses `stored monitor request: channel 1 non_closer 0x.. nonce 5 reward 5000`.
fn parse_stored(t: u64, text: &str) -> Option<Stored> {
    let rest = text.strip_prefix(STORED_NOTE)?;
    let words: Vec<&str> = rest.split_whitespace().collect();
    let field = |k: &str| {
        words
            .iter()
            .position(|w| *w == k)
            .and_then(|i| words.get(i + 1))
            .copied()
    };
    Some(Stored {
        t,
        channel: field("channel")?.parse().ok()?,
        non_closer: field("non_closer")?.to_string(),
        nonce: field("nonce")?.parse().ok()?,
        reward: field("reward")?.to_string(),
    })
}

/// Parses `purged monitor request: channel 1 non_closer 0x..` into (channel, non-closer).
fn parse_purged(text: &str) -> Option<(u64, String)> {
    let rest = text.strip_prefix(PURGED_NOTE)?;
    let words: Vec<&str> = rest.split_whitespace().collect();
    match words.as_slice() {
        ["channel", c, "non_closer", n, ..] => Some((c.parse().ok()?, n.to_string())),
        _ => None,
    }
}

/// Parses `monitoring channel 1 with nonce 5`.
fn parse_monitoring(text: &str) -> Option<(u64, u64)> {
    let rest = text.strip_prefix(MONITOR_NOTE)?;
    let words: Vec<&str> = rest.split_whitespace().collect();
    Some((words.first()?.parse().ok()?, words.get(3)?.parse().ok()?))
}

/// Answers `q` over a trace's header and records.
pub fn query(header: &Header, records: &[Record], q: Query, f: &Filter) -> Value {
    let services: BTreeMap<u32, (String, Address)> = header
        .actors
        .iter()
        .enumerate()
        .filter(|(_, a)| super::MONITOR_KINDS.contains(&a.kind.as_str()))
        .map(|(i, a)| (i as u32, (a.name.clone(), a.address)))
        .collect();
    let token_network = header
        .contracts
        .iter()
        .find(|c| c.name == "raiden.TokenNetwork")
        .map(|c| c.address);
    let msc = header
        .contracts
        .iter()
        .find(|c| c.name == "raiden.MonitoringService")
        .map(|c| c.address);
    let until = f.at_ms.unwrap_or(u64::MAX);
    let mut stored: BTreeMap<u32, Vec<Stored>> = BTreeMap::new();
    let mut purged: BTreeMap<(u32, u64, String), u64> = BTreeMap::new();
    let mut sent: BTreeMap<u32, Vec<Sent>> = BTreeMap::new();
    let mut announced: BTreeMap<u32, (u64, u64)> = BTreeMap::new();
    let mut by_tx: BTreeMap<B256, (u32, usize)> = BTreeMap::new();
    let mut claimed: BTreeMap<Address, (u64, U256)> = BTreeMap::new();
    for r in records {
        if r.time() > until {
            break;
        }
        match r {
            Record::Note { t, actor, text } if services.contains_key(actor) => {
                if let Some(s) = parse_stored(*t, text) {
                    stored.entry(*actor).or_default().push(s);
                } else if let Some((channel, non_closer)) = parse_purged(text) {
                    purged.insert((*actor, channel, non_closer), *t);
                } else if let Some(m) = parse_monitoring(text) {
                    announced.insert(*actor, m);
                }
            }
            Record::TxSubmitted {
                t, actor, tx, call, ..
            } if call == "MonitoringService.monitor" => {
                if let Some((channel, nonce)) = announced.remove(actor) {
                    let list = sent.entry(*actor).or_default();
                    by_tx.insert(*tx, (*actor, list.len()));
                    list.push(Sent {
                        t: *t,
                        channel,
                        nonce,
                        tx: *tx,
                        block: None,
                        outcome: None,
                    });
                }
            }
            Record::TxIncluded {
                tx, block, outcome, ..
            } => {
                if let Some((a, i)) = by_tx.get(tx) {
                    let s = &mut sent.get_mut(a).expect("listed")[*i];
                    s.block = Some(*block);
                    s.outcome = Some(match outcome {
                        Outcome::Success => "success".to_string(),
                        Outcome::Reverted { reason } => format!("reverted: {reason}"),
                        Outcome::Halted { reason } => format!("halted: {reason}"),
                    });
                }
            }
            Record::Log {
                address,
                topics,
                data,
                ..
            } if Some(*address) == msc
                && topics.first() == Some(&MonitoringService::RewardClaimed::SIGNATURE_HASH) =>
            {
                if let Ok(e) =
                    MonitoringService::RewardClaimed::decode_raw_log(topics.iter().copied(), data)
                {
                    let c = claimed.entry(e.ms_address).or_default();
                    c.0 += 1;
                    c.1 += e.amount;
                }
            }
            _ => {}
        }
    }
    let wanted = |actor: &u32| {
        f.ms.as_ref()
            .is_none_or(|m| services.get(actor).is_some_and(|(n, _)| n == m))
    };
    let wanted_channel = |c: u64| f.channel.is_none_or(|x| x == c);
    match q {
        Query::BalanceProofs => {
            let mut out = Vec::new();
            for (actor, list) in stored.iter().filter(|(a, _)| wanted(a)) {
                // The newest request per (channel, non-closer) is the one held.
                let mut newest: BTreeMap<(u64, String), &Stored> = BTreeMap::new();
                for s in list.iter().filter(|s| wanted_channel(s.channel)) {
                    newest.insert((s.channel, s.non_closer.clone()), s);
                }
                for s in newest.values() {
                    let key = (*actor, s.channel, s.non_closer.clone());
                    if purged.get(&key).is_some_and(|t| *t >= s.t) {
                        continue;
                    }
                    out.push(json!({
                        "ms": services[actor].0,
                        "token_network": token_network.map(|a| a.to_string()),
                        "channel_identifier": s.channel,
                        "non_closing_participant": s.non_closer,
                        "nonce": s.nonce,
                        "reward_amount": s.reward,
                        "received_ms": s.t,
                    }));
                }
            }
            Value::Array(out)
        }
        Query::ChannelUpdates => {
            let mut out = Vec::new();
            for (actor, list) in sent.iter().filter(|(a, _)| wanted(a)) {
                for s in list.iter().filter(|s| wanted_channel(s.channel)) {
                    out.push(json!({
                        "ms": services[actor].0,
                        "token_network": token_network.map(|a| a.to_string()),
                        "channel_identifier": s.channel,
                        "nonce": s.nonce,
                        "submitted_ms": s.t,
                        "tx": s.tx.to_string(),
                        "block": s.block,
                        "outcome": s.outcome.clone().unwrap_or_else(|| "pending".into()),
                    }));
                }
            }
            Value::Array(out)
        }
        Query::Stats => {
            let mut out = Vec::new();
            for (actor, (name, address)) in services.iter().filter(|(a, _)| wanted(a)) {
                let list = stored.get(actor).map(Vec::as_slice).unwrap_or(&[]);
                let participants: BTreeSet<&str> =
                    list.iter().map(|s| s.non_closer.as_str()).collect();
                let monitors = sent.get(actor).map(Vec::as_slice).unwrap_or(&[]);
                let ok = monitors
                    .iter()
                    .filter(|s| s.outcome.as_deref() == Some("success"))
                    .count();
                let (claims, amount) = claimed.get(address).copied().unwrap_or_default();
                out.push(json!({
                    "ms": name,
                    "address": address.to_string(),
                    "balance_proofs_stored": list.len(),
                    "monitors_submitted": monitors.len(),
                    "monitors_succeeded": ok,
                    "distinct_participants": participants.len(),
                    "rewards_claimed": claims,
                    "reward_amount": amount.to_string(),
                }));
            }
            Value::Array(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_parse() {
        let s = parse_stored(
            5,
            "stored monitor request: channel 3 non_closer 0xab nonce 7 reward 9",
        )
        .unwrap();
        assert_eq!(
            (s.channel, s.non_closer.as_str(), s.nonce, s.reward.as_str()),
            (3, "0xab", 7, "9")
        );
        assert_eq!(
            parse_monitoring("monitoring channel 4 with nonce 2"),
            Some((4, 2))
        );
        assert!(parse_stored(0, "something else").is_none());
        assert_eq!(
            parse_purged("purged monitor request: channel 9 non_closer 0xcd"),
            Some((9, "0xcd".to_string()))
        );
    }

    #[test]
    fn answers_from_the_offline_victim_trace() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios/raiden-offline-victim.yaml");
        let sc = crate::scenario::load_file(&path).unwrap();
        let (_, collected) =
            crate::runner::run_in_memory(&sc, sc.seed, crate::engine::world::RunOptions::default())
                .unwrap();
        let header = collected.header.unwrap();
        let all = Filter::default();
        let updates = query(&header, &collected.records, Query::ChannelUpdates, &all);
        let outcomes: Vec<&str> = updates
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["outcome"].as_str().unwrap())
            .collect();
        assert_eq!(outcomes, ["success", "reverted: stale nonce"]);
        let proofs = query(&header, &collected.records, Query::BalanceProofs, &all);
        // Every service holds Alice's newest request (nonce 5) for channel 1.
        assert_eq!(proofs.as_array().unwrap().len(), 3);
        assert!(proofs.as_array().unwrap().iter().all(|p| p["nonce"] == 5));
        // Before any payment, nothing is held.
        let early = Filter {
            at_ms: Some(30_000),
            ..Filter::default()
        };
        let none = query(&header, &collected.records, Query::BalanceProofs, &early);
        assert!(none.as_array().unwrap().is_empty());
        let stats = query(
            &header,
            &collected.records,
            Query::Stats,
            &Filter {
                ms: Some("ms#0".into()),
                ..Filter::default()
            },
        );
        assert_eq!(stats[0]["rewards_claimed"], 1);
        assert_eq!(stats[0]["balance_proofs_stored"], 5);
    }
}
