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
        Box::new(Accountability(shared.clone())),
        Box::new(NonFrameability(shared.clone())),
        Box::new(BondAccounting(shared.clone())),
        Box::new(SlashingBounds {
            book: shared.clone(),
            last_head: u64::MAX,
            last: BTreeMap::new(),
        }),
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

/// Invariant 5: every stored wrong proof ends with all its signers slashed, when an honest
/// challenger exists. The detail names why each escape happened.
struct Accountability(Shared);

impl Invariant for Accountability {
    fn name(&self) -> &str {
        "avs.accountability"
    }
    fn kind(&self) -> CheckKind {
        CheckKind::Eventually
    }
    fn check(&mut self, _probe: &mut Probe) -> Result<(), String> {
        let b = self.0.borrow();
        if !b.honest_challenger {
            return Ok(());
        }
        let mut escapes = Vec::new();
        for (i, p) in b.proofs.iter().enumerate() {
            if p.correct {
                continue;
            }
            let unslashed: Vec<&Address> = p
                .signers
                .iter()
                .filter(|op| !b.slashed.iter().any(|s| s.0 == **op && s.1 >= p.at_ms))
                .collect();
            if unslashed.is_empty() {
                continue;
            }
            let c = b.challenges.values().find(|c| c.proof == Some(i));
            let cause = match c {
                None => "never challenged".to_string(),
                Some(c) if c.verified_ms.is_none() => {
                    if b.quirks.verifier_uses_source_chain_id
                        || p.state.chain_id as u64 == b.main_chain_id
                    {
                        "verification never arrived".to_string()
                    } else {
                        "verification reported under M's chain id (Q6)".to_string()
                    }
                }
                Some(c) if c.resolved_ms.is_none() => {
                    if !b.quirks.slasher_wired {
                        "resolution reverts: slasher not wired (Q8)".to_string()
                    } else {
                        "never resolved (deadline or failing slash)".to_string()
                    }
                }
                Some(_) => "resolved without slashing every signer".to_string(),
            };
            escapes.push(format!(
                "proof #{i}: {} signers unslashed, {cause}",
                unslashed.len()
            ));
        }
        match escapes.first() {
            None => Ok(()),
            Some(first) => Err(format!(
                "{} wrong proofs escaped (first: {first})",
                escapes.len()
            )),
        }
    }
}

/// Invariant 6: an operator that signed no wrong value and whose current key never leaked is
/// never slashed (a retired key must not frame it).
struct NonFrameability(Shared);

impl Invariant for NonFrameability {
    fn name(&self) -> &str {
        "avs.honest_non_frameability"
    }
    fn kind(&self) -> CheckKind {
        CheckKind::Always
    }
    fn check(&mut self, _probe: &mut Probe) -> Result<(), String> {
        let b = self.0.borrow();
        for (op, at) in &b.slashed {
            if !b.signed_wrong.contains(op) && !b.leaked_current.contains(op) {
                let name = b.operator(*op).map(|o| o.name.clone()).unwrap_or_default();
                return Err(format!("honest operator {name} slashed at {at}ms"));
            }
        }
        Ok(())
    }
}

/// Invariant 7: the resolver's balance equals open bonds + credits + trapped + treasury.
struct BondAccounting(Shared);

impl Invariant for BondAccounting {
    fn name(&self) -> &str {
        "avs.bond_accounting"
    }
    fn kind(&self) -> CheckKind {
        CheckKind::Always
    }
    fn check(&mut self, probe: &mut Probe) -> Result<(), String> {
        let (main, r) = {
            let b = self.0.borrow();
            (b.main, b.resolver)
        };
        let v = |probe: &mut Probe, data: Vec<u8>| -> Result<U256, String> {
            let out = probe
                .view_raw(main, r, data.into())
                .map_err(|e| e.to_string())?;
            Ok(U256::from_be_slice(&out[..32]))
        };
        use alloy_sol_types::SolCall;
        let open = v(probe, DisputeResolver::openBondsCall {}.abi_encode())?;
        let credits = v(probe, DisputeResolver::totalCreditsCall {}.abi_encode())?;
        let trapped = v(probe, DisputeResolver::trappedCall {}.abi_encode())?;
        let treasury = v(probe, DisputeResolver::treasuryCall {}.abi_encode())?;
        let balance = probe.balance(main, r);
        let owed = open + credits + trapped + treasury;
        if balance != owed {
            return Err(format!(
                "resolver holds {balance} wei, accounts for {owed} (open {open}, credits {credits}, trapped {trapped}, treasury {treasury})"
            ));
        }
        Ok(())
    }
}

/// Invariant 8: each slash lowers currentMag and maxMag by exactly ceil(currentMag · wad / WAD);
/// 0 ≤ currentMag ≤ maxMag ≤ WAD; shares never grow.
struct SlashingBounds {
    book: Shared,
    last_head: u64,
    last: BTreeMap<Address, (U256, U256, U256)>,
}

impl Invariant for SlashingBounds {
    fn name(&self) -> &str {
        "avs.slashing_bounds"
    }
    fn kind(&self) -> CheckKind {
        CheckKind::Always
    }
    fn check(&mut self, probe: &mut Probe) -> Result<(), String> {
        let (main, alloc, wad, ops) = {
            let b = self.book.borrow();
            let ops: Vec<Address> = b.operators.iter().map(|o| o.address).collect();
            (b.main, b.allocation, b.slash_wad, ops)
        };
        let head = probe.head(main).number;
        if head == self.last_head {
            return Ok(());
        }
        self.last_head = head;
        let unit = U256::from(super::book::TOKEN);
        let s = super::book::STRATEGY;
        for op in ops {
            let cur = probe
                .view(
                    main,
                    alloc,
                    &AllocationManagerLite::currentMagnitudeCall { _0: op, _1: s },
                )
                .map_err(|e| e.to_string())?;
            let max = probe
                .view(
                    main,
                    alloc,
                    &AllocationManagerLite::maxMagnitudeCall { _0: op, _1: s },
                )
                .map_err(|e| e.to_string())?;
            let shares = probe
                .view(
                    main,
                    alloc,
                    &AllocationManagerLite::sharesCall { _0: op, _1: s },
                )
                .map_err(|e| e.to_string())?;
            if cur > max || max > unit {
                return Err(format!("{op}: currentMag {cur}, maxMag {max}"));
            }
            if let Some((pc, pm, ps)) = self.last.get(&op).copied() {
                if shares > ps {
                    return Err(format!("{op}: shares grew from {ps} to {shares}"));
                }
                if cur != pc {
                    let slashed = (pc * wad).div_ceil(unit);
                    if pc - cur != slashed || pm - max != slashed {
                        return Err(format!(
                            "{op}: magnitude fell by {} / {}, expected {slashed}",
                            pc - cur,
                            pm - max
                        ));
                    }
                }
            }
            self.last.insert(op, (cur, max, shares));
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
    // Accountability and detection-to-slash latency.
    let wrong_stored = b.proofs.iter().filter(|p| !p.correct).count();
    let mut slashed_proofs = 0;
    let mut latencies = Vec::new();
    for p in b.proofs.iter().filter(|p| !p.correct) {
        let times: Vec<u64> = p
            .signers
            .iter()
            .filter_map(|op| {
                b.slashed
                    .iter()
                    .find(|s| s.0 == *op && s.1 >= p.at_ms)
                    .map(|s| s.1)
            })
            .collect();
        if times.len() == p.signers.len() {
            slashed_proofs += 1;
            let last = times.iter().copied().max().unwrap_or(p.at_ms);
            latencies.push((last - p.at_ms) as f64 / 1000.0);
        }
    }
    out.push((
        "avs.wrong_proofs_slashed".to_string(),
        Value::Int(slashed_proofs),
    ));
    out.push((
        "avs.wrong_proofs_escaped".to_string(),
        Value::Int(wrong_stored as i128 - slashed_proofs),
    ));
    if let Some(max) = latencies.iter().copied().reduce(f64::max) {
        out.push(("avs.detection_to_slash_s_max".to_string(), Value::Real(max)));
    }
    out.push((
        "avs.operators_slashed".to_string(),
        Value::Int(b.slashed.len() as i128),
    ));
    let resolved = b
        .challenges
        .values()
        .filter(|c| c.resolved_ms.is_some())
        .count();
    out.push((
        "avs.challenges_resolved".to_string(),
        Value::Int(resolved as i128),
    ));
    let cur = b.clock.current(probe.head(b.main).number);
    // Stored weights per operator for the first epochs (what registrations and removals did).
    let (main, registry) = (b.main, b.registry);
    for o in &b.operators {
        for e in 1..=(cur + 1).min(4) {
            let w = probe
                .view(
                    main,
                    registry,
                    &StakeRegistry::getOperatorWeightAtEpochCall { op: o.address, e },
                )
                .unwrap_or_default();
            let tokens = (w / U256::from(super::book::TOKEN)).to::<u64>();
            out.push((
                format!("avs.weight.{}.e{e}", o.name),
                Value::Int(tokens as i128),
            ));
        }
    }
    for (e, op, wei) in &b.rewards_paid {
        let name = b.operator(*op).map(|o| o.name.clone()).unwrap_or_default();
        let tokens = wei.to::<u128>() as f64 / super::book::TOKEN as f64;
        out.push((format!("avs.rewards.{name}.e{e}"), Value::Real(tokens)));
    }
    out.push(("avs.final_epoch".to_string(), Value::Int(cur as i128)));
    for (name, on) in b.quirks.listing() {
        out.push((format!("avs.flag.{name}"), Value::Int(on as i128)));
    }
    out
}
