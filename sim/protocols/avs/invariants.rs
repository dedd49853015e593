//! Invariants (spec §11) and end-of-run metrics (§12) of the AVS protocol.

use super::bindings::*;
use super::book::Shared;
use crate::check::{Invariant, Probe};
use crate::trace::{CheckKind, Value};
use alloy_primitives::{Address, U256};
use std::collections::BTreeMap;

pub(super) fn all(shared: &Shared) -> Vec<Box<dyn Invariant>> {
    vec![
        Box::new(SignatureSoundness(shared.clone())),
        Box::new(EpochImmutability {
            book: shared.clone(),
            last_head: u64::MAX,
            sealed: BTreeMap::new(),
        }),
        Box::new(KeyUniqueness {
            book: shared.clone(),
            last_head: u64::MAX,
        }),
        Box::new(ReplicaConsistency(shared.clone())),
        Box::new(TaskLiveness(shared.clone())),
        Box::new(ReplicaLiveness(shared.clone())),
    ]
}

/// Registry data of one epoch: threshold and (key, weight) per operator.
type EpochData = (U256, Vec<(Address, U256)>);

fn read_epoch(
    probe: &mut Probe,
    book: &Shared,
    on_remote: Option<usize>,
    e: u32,
    ops: &[Address],
) -> Result<EpochData, String> {
    let b = book.borrow();
    let (chain, registry) = match on_remote {
        None => (b.main, b.registry),
        Some(i) => (b.remotes[i].chain, b.remotes[i].light),
    };
    drop(b);
    let t = probe
        .view(
            chain,
            registry,
            &StakeRegistry::getThresholdWeightAtEpochCall { e },
        )
        .map_err(|x| format!("threshold: {x}"))?;
    let mut out = Vec::new();
    for op in ops {
        let k = probe
            .view(
                chain,
                registry,
                &StakeRegistry::getOperatorSigningKeyAtEpochCall { op: *op, e },
            )
            .map_err(|x| format!("key: {x}"))?;
        let w = probe
            .view(
                chain,
                registry,
                &StakeRegistry::getOperatorWeightAtEpochCall { op: *op, e },
            )
            .map_err(|x| format!("weight: {x}"))?;
        out.push((k, w));
    }
    Ok((t, out))
}

/// Invariant 1: the contract's verdict agrees with the model's on every `isValidSignature` call made.
struct SignatureSoundness(Shared);

impl Invariant for SignatureSoundness {
    fn name(&self) -> &str {
        "avs.signature_soundness"
    }
    fn kind(&self) -> CheckKind {
        CheckKind::Always
    }
    fn check(&mut self, _probe: &mut Probe) -> Result<(), String> {
        let b = self.0.borrow();
        match b.verdict_mismatches.first() {
            None => Ok(()),
            Some(m) => Err(format!(
                "{} of {} verdicts disagree with the model (first: {m})",
                b.verdict_mismatches.len(),
                b.verdicts_checked
            )),
        }
    }
}

/// Invariant 2: once sealed (`e < effectiveEpoch(b)`), an epoch's registry data never change. Checked for
/// the epochs from `cur − 1` up to the last sealed one, after every main-chain block.
struct EpochImmutability {
    book: Shared,
    last_head: u64,
    sealed: BTreeMap<u32, EpochData>,
}

impl Invariant for EpochImmutability {
    fn name(&self) -> &str {
        "avs.epoch_immutability"
    }
    fn kind(&self) -> CheckKind {
        CheckKind::Always
    }
    fn check(&mut self, probe: &mut Probe) -> Result<(), String> {
        let (main, clock, ops) = {
            let b = self.book.borrow();
            (
                b.main,
                b.clock,
                b.operators.iter().map(|o| o.address).collect::<Vec<_>>(),
            )
        };
        let head = probe.head(main).number;
        if head == self.last_head {
            return Ok(());
        }
        self.last_head = head;
        let cur = clock.current(head);
        let eff = clock.effective(head);
        for e in cur.saturating_sub(1).max(1)..eff {
            let now = read_epoch(probe, &self.book, None, e, &ops)?;
            match self.sealed.get(&e) {
                None => {
                    self.sealed.insert(e, now);
                }
                Some(before) if *before != now => {
                    return Err(format!(
                        "epoch {e} changed at block {head} after it was sealed"
                    ));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }
}

/// Invariant 3: a signing key maps to at most one operator, for ever.
struct KeyUniqueness {
    book: Shared,
    last_head: u64,
}

impl Invariant for KeyUniqueness {
    fn name(&self) -> &str {
        "avs.key_uniqueness"
    }
    fn kind(&self) -> CheckKind {
        CheckKind::Always
    }
    fn check(&mut self, probe: &mut Probe) -> Result<(), String> {
        let (main, registry, keys) = {
            let b = self.book.borrow();
            let keys: Vec<(Address, Address)> = b
                .operators
                .iter()
                .flat_map(|o| o.keys.iter().map(move |k| (o.address, k.address())))
                .collect();
            (b.main, b.registry, keys)
        };
        let head = probe.head(main).number;
        if head == self.last_head {
            return Ok(());
        }
        self.last_head = head;
        for (op, k) in keys {
            let owner = probe
                .view(
                    main,
                    registry,
                    &StakeRegistry::getOperatorBySigningKeyCall { k },
                )
                .map_err(|x| x.to_string())?;
            if owner != Address::ZERO && owner != op {
                return Err(format!("key {k} of {op} maps to {owner}"));
            }
        }
        Ok(())
    }
}

/// Invariant 4: when the last snapshot a replica applied for epoch e was taken once e was sealed and lists
/// every operator with data for e on M, the replica's threshold, keys and weights equal M's.
struct ReplicaConsistency(Shared);

impl Invariant for ReplicaConsistency {
    fn name(&self) -> &str {
        "avs.replica_consistency"
    }
    fn kind(&self) -> CheckKind {
        CheckKind::Always
    }
    fn check(&mut self, probe: &mut Probe) -> Result<(), String> {
        // Discover newly applied snapshots, in pick-up order.
        let pending: Vec<_> = {
            let b = self.0.borrow();
            b.snapshot_order
                .iter()
                .filter(|g| !b.snapshots[*g].processed)
                .map(|g| (*g, b.snapshots[g].remote))
                .collect()
        };
        let mut applied = Vec::new();
        for (guid, remote) in pending {
            let (chain, receiver) = {
                let b = self.0.borrow();
                (b.remotes[remote].chain, b.remotes[remote].receiver)
            };
            let done = probe
                .view(
                    chain,
                    receiver,
                    &RegistryStateReceiver::processedMessagesCall(guid),
                )
                .unwrap_or(false);
            if done {
                self.0
                    .borrow_mut()
                    .snapshots
                    .get_mut(&guid)
                    .expect("known")
                    .processed = true;
                applied.push(guid);
            }
        }
        for guid in applied {
            let (snap, clock, all_ops) = {
                let b = self.0.borrow();
                let ops: Vec<Address> = b.operators.iter().map(|o| o.address).collect();
                (b.snapshots[&guid].clone(), b.clock, ops)
            };
            let e = snap.epoch;
            if e == 0 || snap.block < clock.grace_start(e - 1) {
                continue; // early snapshot: the invariant does not apply (Q11)
            }
            let on_main = read_epoch(probe, &self.0, None, e, &all_ops)?;
            let with_data: Vec<Address> = all_ops
                .iter()
                .zip(&on_main.1)
                .filter(|(_, (k, w))| *k != Address::ZERO || !w.is_zero())
                .map(|(op, _)| *op)
                .collect();
            if !with_data.iter().all(|op| snap.operators.contains(op)) {
                continue; // partial snapshot: the invariant does not apply (Q11)
            }
            let listed = &snap.operators;
            let main_listed = read_epoch(probe, &self.0, None, e, listed)?;
            let replica = read_epoch(probe, &self.0, Some(snap.remote), e, listed)?;
            if main_listed != replica {
                let name = self.0.borrow().remotes[snap.remote].name.clone();
                return Err(format!(
                    "replica {name} differs from M for epoch {e} after a complete sealed snapshot"
                ));
            }
            let now = probe.now().ms();
            self.0
                .borrow_mut()
                .first_consistent_ms
                .entry((snap.remote, e))
                .or_insert(now);
        }
        Ok(())
    }
}

/// Invariant 10: every task that reliable operators could carry reaches a stored proof.
struct TaskLiveness(Shared);

impl Invariant for TaskLiveness {
    fn name(&self) -> &str {
        "avs.task_liveness"
    }
    fn kind(&self) -> CheckKind {
        CheckKind::Eventually
    }
    fn check(&mut self, _probe: &mut Probe) -> Result<(), String> {
        let b = self.0.borrow();
        let failed: Vec<_> = b
            .tasks
            .values()
            .filter(|t| t.feasible && t.failed)
            .collect();
        match failed.first() {
            None => Ok(()),
            Some(t) => Err(format!(
                "{} feasible tasks never reached quorum (first issued at {}ms)",
                failed.len(),
                t.issued_ms
            )),
        }
    }
}

/// Invariant 11: every replica holds consistent data for every epoch e ≥ 2 before `start(e)`.
struct ReplicaLiveness(Shared);

impl Invariant for ReplicaLiveness {
    fn name(&self) -> &str {
        "avs.replica_liveness"
    }
    fn kind(&self) -> CheckKind {
        CheckKind::Eventually
    }
    fn check(&mut self, probe: &mut Probe) -> Result<(), String> {
        let b = self.0.borrow();
        let cur = b.clock.current(probe.head(b.main).number);
        for (i, r) in b.remotes.iter().enumerate() {
            for e in 2..=cur {
                let start_ms = b.block_time(b.main, b.clock.start(e));
                match b.first_consistent_ms.get(&(i, e)) {
                    None => {
                        return Err(format!("replica {} never consistent for epoch {e}", r.name))
                    }
                    Some(t) if *t > start_ms => {
                        return Err(format!(
                            "replica {} consistent for epoch {e} only {}ms after its start",
                            r.name,
                            t - start_ms
                        ))
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }
}

/// End-of-run metrics.
pub(super) fn metrics(book: &Shared, probe: &mut Probe) -> Vec<(String, Value)> {
    let b = book.borrow();
    let mut out = Vec::new();
    let tasks = b.tasks.len() as i128;
    let reached = b.tasks.values().filter(|t| t.quorum_ms.is_some()).count() as i128;
    out.push(("avs.tasks_issued".to_string(), Value::Int(tasks)));
    out.push(("avs.tasks_reached_quorum".to_string(), Value::Int(reached)));
    if tasks > 0 {
        out.push((
            "avs.task_liveness".to_string(),
            Value::Real(reached as f64 / tasks as f64),
        ));
    }
    let wrong = b.proofs.iter().filter(|p| !p.correct).count() as i128;
    out.push(("avs.proofs".to_string(), Value::Int(b.proofs.len() as i128)));
    out.push(("avs.wrong_proofs_stored".to_string(), Value::Int(wrong)));
    out.push((
        "avs.verdicts_checked".to_string(),
        Value::Int(b.verdicts_checked as i128),
    ));
    out.push((
        "avs.snapshots_picked_up".to_string(),
        Value::Int(b.snapshots.len() as i128),
    ));
    // Replica staleness: first consistent application minus start(e), in main-chain blocks.
    let mut worst: Option<f64> = None;
    for ((i, e), t) in &b.first_consistent_ms {
        let start = b.block_time(b.main, b.clock.start(*e)) as f64;
        let blocks = (*t as f64 - start) / b.main_block_ms as f64;
        worst = Some(worst.map_or(blocks, |w: f64| w.max(blocks)));
        let _ = i;
    }
    if let Some(w) = worst {
        out.push((
            "avs.replica_staleness_blocks_max".to_string(),
            Value::Real(w),
        ));
    }
    let cur = b.clock.current(probe.head(b.main).number);
    out.push(("avs.final_epoch".to_string(), Value::Int(cur as i128)));
    for (name, on) in b.quirks.listing() {
        out.push((format!("avs.flag.{name}"), Value::Int(on as i128)));
    }
    out
}
