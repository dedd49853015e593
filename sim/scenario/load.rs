//! Loading a scenario: YAML text → located tree → typed, validated, resolved [`Scenario`].
//! Every error names file, line and column, says what was expected, and suggests the closest
//! valid name for a misspelling.

use super::error::ScenarioError;
use super::model::*;
use super::suggest::closest;
use super::units::{Amount, DurRange, Probability};
use super::yaml::{emit, from_node, parse, Loc, Located, Node, NodeKind};
use crate::chain::{BaseFeeRule, BaseFeeSpike, ChainConfig, ChainIdx};
use crate::engine::actor::ActorId;
use crate::engine::network::{NetworkConfig, Partition};
use crate::engine::time::{Dur, SimTime};
use crate::protocols;
use alloy_primitives::{Address, U256};
use serde::de::{self, Deserializer, IgnoredAny, Visitor};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

const GWEI: f64 = 1e9;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Doc {
    name: String,
    question: String,
    #[serde(default)]
    seed: u64,
    duration: Dur,
    #[serde(default)]
    quiet: Option<Dur>,
    #[serde(default)]
    sample_every: Option<Dur>,
    chains: IgnoredAny,
    #[serde(default)]
    protocols: Option<IgnoredAny>,
    #[serde(default)]
    actors: Option<IgnoredAny>,
    #[serde(default)]
    faults: FaultsDoc,
    #[serde(default)]
    expect: ExpectDoc,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChainDoc {
    block_time: Dur,
    #[serde(default)]
    chain_id: Option<u64>,
    #[serde(default)]
    base_fee_gwei: Option<f64>,
    #[serde(default)]
    min_base_fee_gwei: Option<f64>,
    #[serde(default)]
    gas_limit: Option<u64>,
    #[serde(default)]
    elasticity: Option<u64>,
    #[serde(default)]
    max_change_denominator: Option<u64>,
    #[serde(default)]
    fund: Option<Amount>,
    #[serde(default)]
    genesis_timestamp: Option<u64>,
    #[serde(default)]
    lazy_empty_blocks: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowDoc {
    from: Dur,
    to: Located<Dur>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OfflineDoc {
    actor: Located<String>,
    from: Dur,
    to: Located<Dur>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CrashDoc {
    actor: Located<String>,
    at: Dur,
    #[serde(default)]
    restart_after: Option<Dur>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActorCrashDoc {
    at: Dur,
    #[serde(default)]
    restart_after: Option<Dur>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CensorDoc {
    chain: Located<String>,
    senders: Vec<Located<String>>,
    from: Dur,
    to: Located<Dur>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DelayDoc {
    chain: Located<String>,
    senders: Vec<Located<String>>,
    by: Dur,
    from: Dur,
    to: Located<Dur>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpikeDoc {
    chain: Located<String>,
    from: Dur,
    to: Located<Dur>,
    multiplier: Located<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PartitionDoc {
    from: Dur,
    to: Located<Dur>,
    groups: Vec<Vec<Located<String>>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct NetworkDoc {
    #[serde(default)]
    latency: Option<Located<DurRange>>,
    #[serde(default)]
    drop: Option<Probability>,
    #[serde(default)]
    partitions: Vec<PartitionDoc>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FaultsDoc {
    #[serde(default)]
    network: NetworkDoc,
    #[serde(default)]
    offline: Vec<OfflineDoc>,
    #[serde(default)]
    crash: Vec<CrashDoc>,
    #[serde(default)]
    censor: Vec<CensorDoc>,
    #[serde(default)]
    delay: Vec<DelayDoc>,
    #[serde(default)]
    base_fee_spike: Vec<SpikeDoc>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ExpectDoc {
    #[serde(default)]
    invariants: Option<Located<Selection>>,
    #[serde(default)]
    violations: Vec<Located<String>>,
    #[serde(default)]
    metrics: BTreeMap<String, Located<Bound>>,
}

/// `all`, `none`, or a list of invariant names.
enum Selection {
    All,
    None,
    Names(Vec<String>),
}

impl<'de> Deserialize<'de> for Selection {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Selection;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("`all`, `none` or a list of invariant names")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Selection, E> {
                match s {
                    "all" => Ok(Selection::All),
                    "none" => Ok(Selection::None),
                    _ => Err(E::invalid_value(de::Unexpected::Str(s), &self)),
                }
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut a: A) -> Result<Selection, A::Error> {
                let mut names = Vec::new();
                while let Some(n) = a.next_element::<String>()? {
                    names.push(n);
                }
                Ok(Selection::Names(names))
            }
        }
        d.deserialize_any(V)
    }
}

/// A metric bound: a number (exact) or `{ min, max }`.
struct Bound {
    min: Option<f64>,
    max: Option<f64>,
}

impl<'de> Deserialize<'de> for Bound {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Bound;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or a map with `min` and/or `max`")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Bound, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Bound, E> {
                self.visit_f64(v as f64)
            }
            fn visit_i128<E: de::Error>(self, v: i128) -> Result<Bound, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u128<E: de::Error>(self, v: u128) -> Result<Bound, E> {
                self.visit_f64(v as f64)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Bound, E> {
                Ok(Bound {
                    min: Some(v),
                    max: Some(v),
                })
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut a: A) -> Result<Bound, A::Error> {
                let mut b = Bound {
                    min: None,
                    max: None,
                };
                while let Some(k) = a.next_key::<String>()? {
                    match k.as_str() {
                        "min" => b.min = Some(a.next_value()?),
                        "max" => b.max = Some(a.next_value()?),
                        other => return Err(de::Error::unknown_field(other, &["min", "max"])),
                    }
                }
                if b.min.is_none() && b.max.is_none() {
                    return Err(de::Error::custom("a bound needs `min` or `max`"));
                }
                Ok(b)
            }
        }
        d.deserialize_any(V)
    }
}

fn err(file: &str, loc: Loc, message: impl Into<String>, hint: Option<String>) -> ScenarioError {
    ScenarioError {
        file: file.to_string(),
        loc: Some(loc),
        message: message.into(),
        hint,
    }
}

fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str> + Clone,
) -> Option<String> {
    match closest(name, candidates.clone()) {
        Some(c) => Some(format!("did you mean `{c}`?")),
        None => {
            let all: Vec<&str> = candidates.into_iter().collect();
            if all.is_empty() {
                None
            } else {
                Some(format!("expected one of: {}", all.join(", ")))
            }
        }
    }
}

/// Keys every actor entry takes, whatever its kind.
const COMMON_ACTOR_KEYS: &[&str] = &["kind", "name", "count", "offline", "crash"];

/// An unknown actor parameter that is a misspelled common key gets that suggestion.
fn common_key_hint(mut e: ScenarioError) -> ScenarioError {
    let unknown = e
        .message
        .strip_prefix("unknown field `")
        .and_then(|r| r.strip_suffix('`'))
        .map(str::to_string);
    if let Some(name) = unknown {
        let suggested = e
            .hint
            .as_deref()
            .is_some_and(|h| h.starts_with("did you mean"));
        if !suggested {
            if let Some(c) = closest(&name, COMMON_ACTOR_KEYS.iter().copied()) {
                e.hint = Some(format!("did you mean `{c}`?"));
            } else if let Some(h) = &e.hint {
                e.hint = Some(format!(
                    "{h}; or a key every actor takes: {}",
                    COMMON_ACTOR_KEYS.join(", ")
                ));
            }
        }
    }
    e
}

/// Reads and loads a scenario file.
pub fn load_file(path: &Path) -> Result<Scenario, ScenarioError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
        file: file.clone(),
        loc: None,
        message: format!("cannot read the scenario: {e}"),
        hint: None,
    })?;
    load_str(&text, &file)
}

/// Loads a scenario from YAML text; `file` names it in errors.
pub fn load_str(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
    let node = parse(text).map_err(|e| e.with_file(file))?;
    from_tree(&node, file)
}

/// Loads a scenario from a parsed tree (sweeps edit trees, then load them).
pub fn from_tree(node: &Node, file: &str) -> Result<Scenario, ScenarioError> {
    let NodeKind::Map(_) = &node.kind else {
        return Err(err(
            file,
            node.loc,
            "a scenario is a map",
            Some("start with `name:`, `question:`, `duration:`, `chains:`".into()),
        ));
    };
    let doc: Doc = from_node(node).map_err(|e| e.with_file(file))?;
    let wrap = |e: ScenarioError| e.with_file(file);

    // Chains, in declaration order.
    let chains_node = node.get("chains").expect("required by Doc");
    let NodeKind::Map(chain_entries) = &chains_node.kind else {
        return Err(err(
            file,
            chains_node.loc,
            "`chains` is a map of chain names to settings",
            Some("e.g. `chains: { l1: { block_time: 12s } }`".into()),
        ));
    };
    if chain_entries.is_empty() {
        return Err(err(
            file,
            chains_node.loc,
            "a scenario needs at least one chain",
            Some("e.g. `chains: { l1: { block_time: 12s } }`".into()),
        ));
    }
    let mut chains = Vec::new();
    for (i, (key, value)) in chain_entries.iter().enumerate() {
        let c: ChainDoc = from_node(value).map_err(wrap)?;
        if c.block_time.as_ms() == 0 {
            return Err(err(
                file,
                value.loc,
                "`block_time` must be positive",
                Some("e.g. `block_time: 12s`".into()),
            ));
        }
        let gwei = |v: Option<f64>, default: f64, what: &str| -> Result<u128, ScenarioError> {
            let v = v.unwrap_or(default);
            if !v.is_finite() || v < 0.0 {
                return Err(err(
                    file,
                    value.loc,
                    format!("`{what}` must be a non-negative number"),
                    None,
                ));
            }
            Ok((v * GWEI).round() as u128)
        };
        let elasticity = c.elasticity.unwrap_or(2);
        let denominator = c.max_change_denominator.unwrap_or(8);
        if elasticity == 0 || denominator == 0 {
            return Err(err(
                file,
                value.loc,
                "`elasticity` and `max_change_denominator` must be at least 1",
                None,
            ));
        }
        let gas_limit = c.gas_limit.unwrap_or(30_000_000);
        if gas_limit < 21_000 {
            return Err(err(
                file,
                value.loc,
                "`gas_limit` must be at least 21000",
                None,
            ));
        }
        chains.push(ChainSpec {
            config: ChainConfig {
                name: key.name.clone(),
                chain_id: c.chain_id.unwrap_or(31_337 + i as u64),
                block_time_ms: c.block_time.as_ms(),
                gas_limit,
                base_fee: BaseFeeRule {
                    initial_wei: gwei(c.base_fee_gwei, 1.0, "base_fee_gwei")?,
                    elasticity,
                    max_change_denominator: denominator,
                    min_wei: gwei(c.min_base_fee_gwei, 0.0, "min_base_fee_gwei")?,
                },
                spikes: Vec::new(),
                genesis_timestamp: c.genesis_timestamp.unwrap_or(1_700_000_000),
                coinbase: Address::with_last_byte(0xc0),
            },
            fund: c
                .fund
                .map(|a| a.0)
                .unwrap_or(U256::from(1_000u64) * U256::from(10u64).pow(U256::from(18u64))),
            lazy_empty_blocks: c.lazy_empty_blocks,
        });
    }
    let chain_names: Vec<String> = chains.iter().map(|c| c.config.name.clone()).collect();
    let chain_ref = |l: &Located<String>| -> Result<ChainIdx, ScenarioError> {
        chain_names
            .iter()
            .position(|n| *n == l.value)
            .map(|i| ChainIdx(i as u16))
            .ok_or_else(|| {
                err(
                    file,
                    l.loc,
                    format!("unknown chain `{}`", l.value),
                    did_you_mean(&l.value, chain_names.iter().map(|s| s.as_str())),
                )
            })
    };

    // Protocols.
    let mut protocol_specs = Vec::new();
    if let Some(pn) = node.get("protocols") {
        match &pn.kind {
            NodeKind::Map(entries) => {
                for (key, params) in entries {
                    let Some(p) = protocols::find(&key.name) else {
                        let names: Vec<&str> =
                            protocols::registry().iter().map(|p| p.name()).collect();
                        return Err(err(
                            file,
                            key.loc,
                            format!("unknown protocol `{}`", key.name),
                            did_you_mean(&key.name, names.iter().copied()),
                        ));
                    };
                    let config = p.parse(params).map_err(wrap)?;
                    for c in config.chains() {
                        chain_ref(&c)?;
                    }
                    protocol_specs.push(ProtocolSpec {
                        name: key.name.clone(),
                        config,
                        invariants: p.invariants().iter().map(|s| s.to_string()).collect(),
                    });
                }
            }
            NodeKind::Null => {}
            _ => {
                return Err(err(
                    file,
                    pn.loc,
                    "`protocols` is a map of protocol names to parameters",
                    Some("e.g. `protocols: { token: { chain: l1 } }`".into()),
                ))
            }
        }
    }

    // Actors, counts expanded.
    let mut actors: Vec<ActorSpec> = Vec::new();
    let mut actor_locs: Vec<Loc> = Vec::new();
    let mut offline: Vec<Window<ActorId>> = Vec::new();
    let mut crash: Vec<Crash> = Vec::new();
    let mut refs: Vec<Located<String>> = Vec::new();
    let mut per_kind: BTreeMap<String, u32> = BTreeMap::new();
    if let Some(an) = node.get("actors") {
        let entries = match &an.kind {
            NodeKind::Seq(items) => items.as_slice(),
            NodeKind::Null => &[],
            _ => {
                return Err(err(
                    file,
                    an.loc,
                    "`actors` is a list",
                    Some("e.g. `actors: [{ kind: token.payer, count: 3 }]`".into()),
                ))
            }
        };
        for entry in entries {
            let NodeKind::Map(fields) = &entry.kind else {
                return Err(err(
                    file,
                    entry.loc,
                    "an actor is a map with at least `kind`",
                    Some("e.g. `{ kind: token.payer, name: alice }`".into()),
                ));
            };
            let mut kind: Option<Located<String>> = None;
            let mut name: Option<Located<String>> = None;
            let mut count: u32 = 1;
            let mut own_offline: Vec<WindowDoc> = Vec::new();
            let mut own_crash: Vec<ActorCrashDoc> = Vec::new();
            let mut rest = Vec::new();
            for (k, v) in fields {
                match k.name.as_str() {
                    "kind" => kind = Some(from_node(v).map_err(wrap)?),
                    "name" => name = Some(from_node(v).map_err(wrap)?),
                    "count" => {
                        count = from_node(v).map_err(wrap)?;
                        if count == 0 || count > 100_000 {
                            return Err(err(
                                file,
                                v.loc,
                                "`count` must be between 1 and 100000",
                                None,
                            ));
                        }
                    }
                    "offline" => own_offline = from_node(v).map_err(wrap)?,
                    "crash" => own_crash = from_node(v).map_err(wrap)?,
                    _ => rest.push((k.clone(), v.clone())),
                }
            }
            let Some(kind) = kind else {
                return Err(err(
                    file,
                    entry.loc,
                    "an actor needs a `kind`",
                    Some(format!(
                        "known kinds: {}",
                        protocols::all_actor_kinds().join(", ")
                    )),
                ));
            };
            let all_kinds = protocols::all_actor_kinds();
            let (pname, local) = kind.value.split_once('.').unwrap_or(("", &kind.value));
            let protocol = protocols::find(pname).filter(|p| p.actor_kinds().contains(&local));
            let Some(protocol) = protocol else {
                return Err(err(
                    file,
                    kind.loc,
                    format!("unknown actor kind `{}`", kind.value),
                    did_you_mean(&kind.value, all_kinds.iter().map(|s| s.as_str())),
                ));
            };
            let Some(pidx) = protocol_specs.iter().position(|p| p.name == pname) else {
                return Err(err(
                    file,
                    kind.loc,
                    format!(
                        "actor kind `{}` needs protocol `{pname}`, which is not under `protocols`",
                        kind.value
                    ),
                    Some(format!("add `protocols: {{ {pname}: {{ ... }} }}`")),
                ));
            };
            let params_node = Node {
                loc: entry.loc,
                kind: NodeKind::Map(rest),
            };
            let params: Arc<dyn protocols::ActorParams> = Arc::from(
                protocol
                    .parse_actor(local, &params_node)
                    .map_err(|e| common_key_hint(e).with_file(file))?,
            );
            refs.extend(params.actor_refs());
            for i in 0..count {
                let actor_name = match (&name, count) {
                    (Some(n), 1) => n.value.clone(),
                    (Some(n), _) => format!("{}#{i}", n.value),
                    (None, _) => {
                        let c = per_kind.entry(kind.value.clone()).or_insert(0);
                        *c += 1;
                        format!("{}#{}", kind.value, *c - 1)
                    }
                };
                if let Some(n) = &name {
                    if n.value.is_empty()
                        || n.value.contains(|c: char| c.is_whitespace() || c == '#')
                    {
                        return Err(err(
                            file,
                            n.loc,
                            format!("invalid actor name `{}`", n.value),
                            Some("names are non-empty and contain no spaces or `#`".into()),
                        ));
                    }
                }
                if actors.iter().any(|a| a.name == actor_name) {
                    let loc = name.as_ref().map(|n| n.loc).unwrap_or(entry.loc);
                    return Err(err(
                        file,
                        loc,
                        format!("duplicate actor name `{actor_name}`"),
                        Some("give each actor a unique `name`".into()),
                    ));
                }
                let id = ActorId(actors.len() as u32);
                for w in &own_offline {
                    if w.to.value <= w.from {
                        return Err(err(
                            file,
                            w.to.loc,
                            "an offline window must end after it starts",
                            None,
                        ));
                    }
                    offline.push(Window {
                        target: id,
                        from: SimTime::ZERO.plus(w.from),
                        to: SimTime::ZERO.plus(w.to.value),
                    });
                }
                for c in &own_crash {
                    crash.push(Crash {
                        actor: id,
                        at: SimTime::ZERO.plus(c.at),
                        restart: c.restart_after.map(|d| SimTime::ZERO.plus(c.at).plus(d)),
                    });
                }
                actors.push(ActorSpec {
                    name: actor_name,
                    kind: kind.value.clone(),
                    protocol: pidx,
                    params: params.clone(),
                });
                actor_locs.push(entry.loc);
            }
        }
    }
    let actor_names: Vec<&str> = actors.iter().map(|a| a.name.as_str()).collect();
    let actor_ref = |l: &Located<String>| -> Result<ActorId, ScenarioError> {
        actor_names
            .iter()
            .position(|n| *n == l.value)
            .map(|i| ActorId(i as u32))
            .ok_or_else(|| {
                err(
                    file,
                    l.loc,
                    format!("unknown actor `{}`", l.value),
                    did_you_mean(&l.value, actor_names.iter().copied()),
                )
            })
    };
    for r in &refs {
        actor_ref(r)?;
    }
    for p in &protocol_specs {
        for r in p.config.actor_refs() {
            actor_ref(&r)?;
        }
    }

    // Faults.
    let window =
        |from: Dur, to: &Located<Dur>, what: &str| -> Result<(SimTime, SimTime), ScenarioError> {
            if to.value <= from {
                return Err(err(
                    file,
                    to.loc,
                    format!("the {what} window must end after it starts"),
                    Some("`to` is a time since genesis, e.g. `from: 1h, to: 2h`".into()),
                ));
            }
            Ok((SimTime::ZERO.plus(from), SimTime::ZERO.plus(to.value)))
        };
    let f = &doc.faults;
    for o in &f.offline {
        let (from, to) = window(o.from, &o.to, "offline")?;
        offline.push(Window {
            target: actor_ref(&o.actor)?,
            from,
            to,
        });
    }
    for c in &f.crash {
        let at = SimTime::ZERO.plus(c.at);
        crash.push(Crash {
            actor: actor_ref(&c.actor)?,
            at,
            restart: c.restart_after.map(|d| at.plus(d)),
        });
    }
    let mut censor = Vec::new();
    for c in &f.censor {
        let (from, to) = window(c.from, &c.to, "censorship")?;
        let senders = c
            .senders
            .iter()
            .map(&actor_ref)
            .collect::<Result<Vec<_>, _>>()?;
        censor.push(Censorship {
            chain: chain_ref(&c.chain)?,
            senders,
            from,
            to,
            delay: None,
        });
    }
    for d in &f.delay {
        let (from, to) = window(d.from, &d.to, "delay")?;
        let senders = d
            .senders
            .iter()
            .map(&actor_ref)
            .collect::<Result<Vec<_>, _>>()?;
        censor.push(Censorship {
            chain: chain_ref(&d.chain)?,
            senders,
            from,
            to,
            delay: Some(d.by),
        });
    }
    for s in &f.base_fee_spike {
        let (from, to) = window(s.from, &s.to, "base fee spike")?;
        if s.multiplier.value == 0 {
            return Err(err(
                file,
                s.multiplier.loc,
                "`multiplier` must be at least 1",
                None,
            ));
        }
        let idx = chain_ref(&s.chain)?;
        chains[idx.0 as usize].config.spikes.push(BaseFeeSpike {
            from,
            to,
            multiplier: s.multiplier.value,
        });
    }
    let mut network = NetworkConfig::default();
    if let Some(l) = &f.network.latency {
        network.latency_min = l.value.lo;
        network.latency_max = l.value.hi;
    }
    if let Some(p) = &f.network.drop {
        network.drop = p.0;
    }
    for p in &f.network.partitions {
        let (from, to) = window(p.from, &p.to, "partition")?;
        let mut groups = Vec::new();
        for g in &p.groups {
            groups.push(g.iter().map(&actor_ref).collect::<Result<Vec<_>, _>>()?);
        }
        network.partitions.push(Partition { from, to, groups });
    }

    // Expectations.
    let known: Vec<&str> = protocol_specs
        .iter()
        .flat_map(|p| p.invariants.iter().map(|s| s.as_str()))
        .collect();
    let check_name = |name: &str, loc: Loc| -> Result<(), ScenarioError> {
        if known.contains(&name) {
            Ok(())
        } else {
            Err(err(
                file,
                loc,
                format!("unknown invariant `{name}`"),
                did_you_mean(name, known.iter().copied()),
            ))
        }
    };
    let mut violated = Vec::new();
    for v in &doc.expect.violations {
        check_name(&v.value, v.loc)?;
        violated.push(v.value.clone());
    }
    let hold = match &doc.expect.invariants {
        None => None,
        Some(sel) => match &sel.value {
            Selection::All => None,
            Selection::None => Some(Vec::new()),
            Selection::Names(names) => {
                for n in names {
                    check_name(n, sel.loc)?;
                }
                Some(names.clone())
            }
        },
    };
    let metrics = doc
        .expect
        .metrics
        .iter()
        .map(|(name, b)| MetricBound {
            name: name.clone(),
            min: b.value.min,
            max: b.value.max,
        })
        .collect();

    if doc.duration.as_ms() == 0 {
        let loc = node.get("duration").map(|n| n.loc).unwrap_or(node.loc);
        return Err(err(
            file,
            loc,
            "`duration` must be positive",
            Some("e.g. `duration: 1d`".into()),
        ));
    }
    let sample_every = doc.sample_every.unwrap_or_else(|| {
        // About a hundred samples per run, on whole seconds.
        Dur::secs((doc.duration.as_ms() / 100 / 1000).max(1))
    });

    Ok(Scenario {
        path: file.to_string(),
        canonical: emit(node),
        name: doc.name,
        question: doc.question,
        seed: doc.seed,
        duration: doc.duration,
        quiet: doc.quiet.unwrap_or(Dur::ZERO),
        sample_every,
        chains,
        protocols: protocol_specs,
        actors,
        faults: Faults {
            network,
            offline,
            crash,
            censor,
        },
        expect: Expect {
            hold,
            violated,
            metrics,
        },
    })
}
