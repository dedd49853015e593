//! One generated scenario ([`Case`]) in a structured form the shrinker can edit, and its YAML
//! rendering, which the ordinary scenario loader reads back. Every case that runs is therefore a
//! scenario a user could have written, and a shrunk failure is written out as exactly that.

use super::space::{ActorCase, Knob, Params, ProtocolCase};
use crate::engine::time::Dur;
use std::fmt::{self, Write as _};

/// One chain of a case.
#[derive(Clone, Debug, PartialEq)]
pub struct ChainCase {
    pub name: String,
    pub block_time_ms: u64,
    pub base_fee_gwei: u64,
}

/// The swarm of one case: which fault classes are switched on, and how hard. Drawn from the
/// case seed before the faults themselves, as in swarm testing (each case exercises a random
/// subset of features, so no fault class crowds out the behaviours another one would hide).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Swarm {
    /// Per-actor probability of an offline window.
    pub offline: Option<f64>,
    /// Per-actor probability of a crash (with or without restart).
    pub crash: Option<f64>,
    /// Message latency range (ms).
    pub latency: Option<(u64, u64)>,
    /// Message drop probability, in thousandths.
    pub drop_permille: Option<u32>,
    /// Probability of each of up to two network partitions.
    pub partition: Option<f64>,
    /// Per-actor probability of being censored by block builders for a window.
    pub censor: Option<f64>,
    /// Per-actor probability of an inclusion-delay window.
    pub delay: Option<f64>,
    /// Probability of each of up to two base-fee spikes per chain.
    pub spike: Option<f64>,
}

impl fmt::Display for Swarm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = |v: Option<f64>| match v {
            Some(p) => format!("{p:.2}"),
            None => "off".into(),
        };
        let latency = match self.latency {
            Some((lo, hi)) => format!("{}..{}", Dur(lo), Dur(hi)),
            None => "off".into(),
        };
        let drop = match self.drop_permille {
            Some(d) => format!("{}", d as f64 / 1000.0),
            None => "off".into(),
        };
        write!(
            f,
            "offline {}, crash {}, latency {latency}, drop {drop}, partition {}, censor {}, delay {}, base-fee spike {}",
            p(self.offline),
            p(self.crash),
            p(self.partition),
            p(self.censor),
            p(self.delay),
            p(self.spike)
        )
    }
}

/// One fault of a case. Times are ms since genesis; windows are clipped to the duration.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    Offline {
        actor: String,
        from: u64,
        to: u64,
    },
    Crash {
        actor: String,
        at: u64,
        restart_after: Option<u64>,
    },
    Latency {
        lo: u64,
        hi: u64,
    },
    Drop {
        permille: u32,
    },
    Partition {
        from: u64,
        to: u64,
        groups: Vec<Vec<String>>,
    },
    Censor {
        chain: String,
        senders: Vec<String>,
        from: u64,
        to: u64,
    },
    Delay {
        chain: String,
        senders: Vec<String>,
        by: u64,
        from: u64,
        to: u64,
    },
    Spike {
        chain: String,
        from: u64,
        to: u64,
        multiplier: u64,
    },
}

impl Fault {
    /// Short class name (as in the swarm line).
    pub fn class(&self) -> &'static str {
        match self {
            Fault::Offline { .. } => "offline",
            Fault::Crash { .. } => "crash",
            Fault::Latency { .. } => "latency",
            Fault::Drop { .. } => "drop",
            Fault::Partition { .. } => "partition",
            Fault::Censor { .. } => "censor",
            Fault::Delay { .. } => "delay",
            Fault::Spike { .. } => "base-fee spike",
        }
    }

    /// The fault without actor `name`; `None` when nothing of it is left.
    pub fn without_actor(&self, name: &str) -> Option<Fault> {
        let keep = |v: &Vec<String>| -> Vec<String> {
            v.iter().filter(|n| *n != name).cloned().collect::<Vec<_>>()
        };
        match self {
            Fault::Offline { actor, .. } | Fault::Crash { actor, .. } if actor == name => None,
            Fault::Censor {
                chain,
                senders,
                from,
                to,
            } => {
                let senders = keep(senders);
                (!senders.is_empty()).then(|| Fault::Censor {
                    chain: chain.clone(),
                    senders,
                    from: *from,
                    to: *to,
                })
            }
            Fault::Delay {
                chain,
                senders,
                by,
                from,
                to,
            } => {
                let senders = keep(senders);
                (!senders.is_empty()).then(|| Fault::Delay {
                    chain: chain.clone(),
                    senders,
                    by: *by,
                    from: *from,
                    to: *to,
                })
            }
            Fault::Partition { from, to, groups } => {
                let groups: Vec<Vec<String>> =
                    groups.iter().map(keep).filter(|g| !g.is_empty()).collect();
                (groups.len() >= 2).then_some(Fault::Partition {
                    from: *from,
                    to: *to,
                    groups,
                })
            }
            other => Some(other.clone()),
        }
    }

    /// The fault within a run of `duration` ms; `None` when it would start at or after the end.
    pub fn clipped(&self, duration: u64) -> Option<Fault> {
        let window = |from: u64, to: u64| (from < duration).then(|| (from, to.min(duration)));
        let mut f = self.clone();
        match &mut f {
            Fault::Offline { from, to, .. }
            | Fault::Partition { from, to, .. }
            | Fault::Censor { from, to, .. }
            | Fault::Delay { from, to, .. }
            | Fault::Spike { from, to, .. } => {
                let (a, b) = window(*from, *to)?;
                *from = a;
                *to = b;
            }
            Fault::Crash { at, .. } => {
                if *at >= duration {
                    return None;
                }
            }
            Fault::Latency { .. } | Fault::Drop { .. } => {}
        }
        Some(f)
    }

    /// Strictly milder variants (shorter windows, smaller multipliers and delays).
    pub fn milder(&self) -> Vec<Fault> {
        let mut out = Vec::new();
        let shorter = |from: u64, to: u64| -> Vec<u64> {
            super::space::halvings((to - from) as u128, 1)
                .into_iter()
                .map(|len| from + len as u64)
                .collect()
        };
        match self {
            Fault::Offline { actor, from, to } => {
                for t in shorter(*from, *to) {
                    out.push(Fault::Offline {
                        actor: actor.clone(),
                        from: *from,
                        to: t,
                    });
                }
            }
            Fault::Crash {
                actor,
                at,
                restart_after: Some(r),
            } => {
                for v in super::space::halvings(*r as u128, 1) {
                    out.push(Fault::Crash {
                        actor: actor.clone(),
                        at: *at,
                        restart_after: Some(v as u64),
                    });
                }
            }
            Fault::Latency { lo, hi } => {
                for v in super::space::halvings(*hi as u128, *lo as u128) {
                    out.push(Fault::Latency {
                        lo: *lo,
                        hi: v as u64,
                    });
                }
            }
            Fault::Drop { permille } => {
                for v in super::space::halvings(*permille as u128, 1) {
                    out.push(Fault::Drop { permille: v as u32 });
                }
            }
            Fault::Partition { from, to, groups } => {
                for t in shorter(*from, *to) {
                    out.push(Fault::Partition {
                        from: *from,
                        to: t,
                        groups: groups.clone(),
                    });
                }
            }
            Fault::Censor {
                chain,
                senders,
                from,
                to,
            } => {
                for t in shorter(*from, *to) {
                    out.push(Fault::Censor {
                        chain: chain.clone(),
                        senders: senders.clone(),
                        from: *from,
                        to: t,
                    });
                }
            }
            Fault::Delay {
                chain,
                senders,
                by,
                from,
                to,
            } => {
                for v in super::space::halvings(*by as u128, 1) {
                    out.push(Fault::Delay {
                        chain: chain.clone(),
                        senders: senders.clone(),
                        by: v as u64,
                        from: *from,
                        to: *to,
                    });
                }
                for t in shorter(*from, *to) {
                    out.push(Fault::Delay {
                        chain: chain.clone(),
                        senders: senders.clone(),
                        by: *by,
                        from: *from,
                        to: t,
                    });
                }
            }
            Fault::Spike {
                chain,
                from,
                to,
                multiplier,
            } => {
                for v in super::space::halvings(*multiplier as u128, 1) {
                    out.push(Fault::Spike {
                        chain: chain.clone(),
                        from: *from,
                        to: *to,
                        multiplier: v as u64,
                    });
                }
                for t in shorter(*from, *to) {
                    out.push(Fault::Spike {
                        chain: chain.clone(),
                        from: *from,
                        to: t,
                        multiplier: *multiplier,
                    });
                }
            }
            Fault::Crash { .. } => {}
        }
        out
    }
}

/// One generated scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    /// The protocol it exercises.
    pub protocol: String,
    /// Seed of the run (the scenario's `seed`).
    pub seed: u64,
    pub duration_ms: u64,
    /// Fault-free time after `duration` before the `eventually` checks.
    pub quiet_ms: u64,
    pub chains: Vec<ChainCase>,
    pub body: ProtocolCase,
    pub swarm: Swarm,
    pub faults: Vec<Fault>,
}

/// Sizes of a case, as the shrinker reports them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size {
    pub actors: usize,
    pub faults: usize,
    pub duration_ms: u64,
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} actors, {} faults, {}",
            self.actors,
            self.faults,
            Dur(self.duration_ms)
        )
    }
}

impl Case {
    pub fn size(&self) -> Size {
        Size {
            actors: self.body.actors.len(),
            faults: self.faults.len(),
            duration_ms: self.duration_ms,
        }
    }

    /// The `quiet` period the scenario gets: at least what an inclusion delay could still hold
    /// back after the faults stop, plus ten minutes, so `eventually` checks follow a fault-free
    /// settling time.
    pub fn effective_quiet_ms(&self) -> u64 {
        let held = self
            .faults
            .iter()
            .map(|f| match f {
                Fault::Delay { by, .. } => *by,
                _ => 0,
            })
            .max()
            .unwrap_or(0);
        self.quiet_ms.max(held + Dur::mins(10).as_ms())
    }

    /// The case as scenario YAML: `name`, `question`, `expect` and a comment block are supplied
    /// by the caller (`head` is written first, verbatim).
    pub fn to_yaml(&self, name: &str, question: &str, head: &str, expect: &str) -> String {
        let mut y = String::new();
        y.push_str(head);
        let _ = writeln!(y, "name: {name}");
        let _ = writeln!(y, "question: {}", quote(question));
        let _ = writeln!(y, "seed: {}", self.seed);
        let _ = writeln!(y, "duration: {}", Dur(self.duration_ms));
        let _ = writeln!(y, "quiet: {}", Dur(self.effective_quiet_ms()));
        y.push_str("chains:\n");
        for c in &self.chains {
            let _ = writeln!(
                y,
                "  {}: {{ block_time: {}, base_fee_gwei: {} }}",
                c.name,
                Dur(c.block_time_ms),
                c.base_fee_gwei
            );
        }
        y.push_str("protocols:\n");
        let _ = writeln!(y, "  {}: {}", self.protocol, flow(&self.body.params, &[]));
        y.push_str("actors:\n");
        for a in &self.body.actors {
            let _ = writeln!(y, "  - {}", actor_flow(a));
        }
        let faults = self.faults_yaml();
        if !faults.is_empty() {
            y.push_str("faults:\n");
            y.push_str(&faults);
        }
        y.push_str(expect);
        y
    }

    fn faults_yaml(&self) -> String {
        let mut network: Vec<String> = Vec::new();
        let mut partitions: Vec<String> = Vec::new();
        let mut lists: [(&str, Vec<String>); 5] = [
            ("offline", Vec::new()),
            ("crash", Vec::new()),
            ("censor", Vec::new()),
            ("delay", Vec::new()),
            ("base_fee_spike", Vec::new()),
        ];
        for f in &self.faults {
            match f {
                Fault::Latency { lo, hi } => {
                    network.push(format!("latency: {}..{}", Dur(*lo), Dur(*hi)))
                }
                Fault::Drop { permille } => {
                    network.push(format!("drop: {}", *permille as f64 / 1000.0))
                }
                Fault::Partition { from, to, groups } => partitions.push(format!(
                    "{{ from: {}, to: {}, groups: [{}] }}",
                    Dur(*from),
                    Dur(*to),
                    groups
                        .iter()
                        .map(|g| format!("[{}]", g.join(", ")))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                Fault::Offline { actor, from, to } => lists[0].1.push(format!(
                    "{{ actor: {actor}, from: {}, to: {} }}",
                    Dur(*from),
                    Dur(*to)
                )),
                Fault::Crash {
                    actor,
                    at,
                    restart_after,
                } => lists[1].1.push(match restart_after {
                    Some(r) => format!(
                        "{{ actor: {actor}, at: {}, restart_after: {} }}",
                        Dur(*at),
                        Dur(*r)
                    ),
                    None => format!("{{ actor: {actor}, at: {} }}", Dur(*at)),
                }),
                Fault::Censor {
                    chain,
                    senders,
                    from,
                    to,
                } => lists[2].1.push(format!(
                    "{{ chain: {chain}, senders: [{}], from: {}, to: {} }}",
                    senders.join(", "),
                    Dur(*from),
                    Dur(*to)
                )),
                Fault::Delay {
                    chain,
                    senders,
                    by,
                    from,
                    to,
                } => lists[3].1.push(format!(
                    "{{ chain: {chain}, senders: [{}], by: {}, from: {}, to: {} }}",
                    senders.join(", "),
                    Dur(*by),
                    Dur(*from),
                    Dur(*to)
                )),
                Fault::Spike {
                    chain,
                    from,
                    to,
                    multiplier,
                } => lists[4].1.push(format!(
                    "{{ chain: {chain}, from: {}, to: {}, multiplier: {multiplier} }}",
                    Dur(*from),
                    Dur(*to)
                )),
            }
        }
        let mut y = String::new();
        if !partitions.is_empty() {
            network.push(format!("partitions: [{}]", partitions.join(", ")));
        }
        if !network.is_empty() {
            let _ = writeln!(y, "  network: {{ {} }}", network.join(", "));
        }
        for (key, items) in lists {
            if items.is_empty() {
                continue;
            }
            let _ = writeln!(y, "  {key}:");
            for i in items {
                let _ = writeln!(y, "    - {i}");
            }
        }
        y
    }
}

fn actor_flow(a: &ActorCase) -> String {
    flow(
        &a.params,
        &[
            ("kind", Knob::text(a.kind.clone())),
            ("name", Knob::text(a.name.clone())),
        ],
    )
}

/// `{ k: v, ... }` with `lead` entries first.
fn flow(params: &Params, lead: &[(&str, Knob)]) -> String {
    let items: Vec<String> = lead
        .iter()
        .map(|(k, v)| format!("{k}: {}", v.yaml()))
        .chain(params.iter().map(|(k, v)| format!("{k}: {}", v.yaml())))
        .collect();
    if items.is_empty() {
        "{}".into()
    } else {
        format!("{{ {} }}", items.join(", "))
    }
}

/// A double-quoted YAML string.
fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}
