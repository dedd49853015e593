//! Invariants (spec §11) and end-of-run metrics (§12) of the AVS protocol.

use super::bindings::*;
use super::book::Shared;
use crate::check::{Invariant, Probe};
use crate::trace::{CheckKind, Value};
use alloy_primitives::{Address, B256, U256};
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
        Box::new(MessageIntegrity {
            book: shared.clone(),
            applied: std::collections::BTreeSet::new(),
        }),
        Box::new(SlashingBounds {
            book: shared.clone(),
            last_head: u64::MAX,
            last: BTreeMap::new(),
        }),
    ]
}

/// Registry data of one epoch: threshold and (key, weight) per operator.
type EpochData = super::book::ReplicaData;

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
            // The replica's whole data for e after this application (for replica liveness).
            let state = read_epoch(probe, &self.0, Some(snap.remote), e, &all_ops)?;
            let now = probe.now().ms();
            self.0
                .borrow_mut()
                .replica_states
                .entry((snap.remote, e))
                .or_default()
                .push((now, state));
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

/// Registry weights of one epoch on M, for the liveness premises: threshold, total weight, and
/// per operator (key set, weight).
struct EpochWeights {
    threshold: U256,
    total: U256,
    ops: BTreeMap<Address, (bool, U256)>,
}

fn epoch_weights(probe: &mut Probe, book: &Shared, e: u32) -> Result<EpochWeights, String> {
    let ops: Vec<Address> = book.borrow().operators.iter().map(|o| o.address).collect();
    let (threshold, data) = read_epoch(probe, book, None, e, &ops)?;
    let total = data.iter().map(|d| d.1).sum();
    let ops = ops
        .into_iter()
        .zip(data)
        .map(|(op, (k, w))| (op, (k != Address::ZERO, w)))
        .collect();
    Ok(EpochWeights {
        threshold,
        total,
        ops,
    })
}

/// Invariant 10 (§11.10): a task reaches a stored proof before its last attempt expires, if
/// its premises held: the aggregator did not crash, and the honest operators (those that always
/// answer and refresh) whose last request was answered in time — so they were online,
/// reachable and their messages arrived — hold, with keys and weights set, at least
/// `max(threshold[e], > 2/3 of the total weight)` in every epoch `e` the task spanned (and
/// `threshold[e] > 0` when the registry requires it). Tasks whose premises failed are counted
/// in `avs.tasks_premise_unmet`, not judged.
struct TaskLiveness(Shared);

/// Failed tasks whose §11.10 premises held (the invariant's subjects), and those whose did not.
fn judged_tasks(probe: &mut Probe, book: &Shared) -> Result<(Vec<u64>, usize), String> {
    let (failed, reliable, nonzero) = {
        let b = book.borrow();
        let failed: Vec<_> = b.tasks.values().filter(|t| t.failed).cloned().collect();
        (
            failed,
            b.reliable.clone(),
            b.quirks.require_nonzero_threshold,
        )
    };
    let mut cache: BTreeMap<u32, EpochWeights> = BTreeMap::new();
    let mut judged = Vec::new();
    let mut unmet = 0;
    for t in failed {
        let mut held = true;
        for e in t.first_epoch..=t.last_epoch {
            if let std::collections::btree_map::Entry::Vacant(v) = cache.entry(e) {
                v.insert(epoch_weights(probe, book, e)?);
            }
            let w = &cache[&e];
            let good: U256 = t
                .asks
                .iter()
                .filter(|(op, ask)| ask.1 && reliable.contains(op))
                .filter_map(|(op, _)| w.ops.get(op))
                .filter(|(keyed, _)| *keyed)
                .map(|(_, weight)| *weight)
                .sum();
            let ok = !good.is_zero()
                && good >= w.threshold
                && good * U256::from(3) > w.total * U256::from(2)
                && (!nonzero || !w.threshold.is_zero());
            held &= ok;
        }
        if held {
            judged.push(t.issued_ms);
        } else {
            unmet += 1;
        }
    }
    Ok((judged, unmet))
}

impl Invariant for TaskLiveness {
    fn name(&self) -> &str {
        "avs.task_liveness"
    }
    fn kind(&self) -> CheckKind {
        CheckKind::Eventually
    }
    fn check(&mut self, probe: &mut Probe) -> Result<(), String> {
        let (failed, _) = judged_tasks(probe, &self.0)?;
        match failed.first() {
            None => Ok(()),
            Some(t) => Err(format!(
                "{} tasks whose premises held never reached quorum (first issued at {t}ms)",
                failed.len(),
            )),
        }
    }
}

/// The first time a snapshot of epoch `e` meeting the §11.11 premises reaches remote `i`: taken
/// once `e` was sealed (`block ≥ graceStart(e−1)`), listing every operator with data for `e` on
/// M, and delivered by the bridge so that its delivery is included on Rᵢ before `start(e)`.
/// This generalises "an honest keeper snapshots at graceStart(e−1) and the bridge delay is
/// < P blocks" to keepers that react later but still in time. `None`: the premises failed
/// (no keeper snapshot, a partial or early one only, a dropped or late message).
fn replica_premise(
    probe: &mut Probe,
    book: &Shared,
    i: usize,
    e: u32,
) -> Result<Option<u64>, String> {
    let (snaps, clock, main_ms, remote_ms, ops) = {
        let b = book.borrow();
        let snaps: Vec<_> = b
            .snapshots
            .values()
            .filter(|s| s.remote == i && s.epoch == e)
            .cloned()
            .collect();
        let remote_ms = b.block_ms[&b.remotes[i].chain];
        let ops: Vec<Address> = b.operators.iter().map(|o| o.address).collect();
        (snaps, b.clock, b.main_block_ms, remote_ms, ops)
    };
    if e == 0 {
        return Ok(None);
    }
    let start_ms = clock.start(e) * main_ms;
    let (_, data) = read_epoch(probe, book, None, e, &ops)?;
    let with_data: Vec<Address> = ops
        .iter()
        .zip(&data)
        .filter(|(_, (k, w))| *k != Address::ZERO || !w.is_zero())
        .map(|(op, _)| *op)
        .collect();
    for s in snaps {
        let Some(due) = s.delivery_ms else { continue };
        // The delivery lands in the first remote block after it is due.
        let included = (due / remote_ms + 1) * remote_ms;
        if s.block >= clock.grace_start(e - 1)
            && included <= start_ms
            && with_data.iter().all(|op| s.operators.contains(op))
        {
            return Ok(Some(start_ms));
        }
    }
    Ok(None)
}

/// Whether replica `i`'s data for epoch `e` at time `at` (after the blocks up to then) equal M's
/// sealed data for `e`, for every operator.
fn consistent_at(
    probe: &mut Probe,
    book: &Shared,
    i: usize,
    e: u32,
    at: u64,
) -> Result<bool, String> {
    let ops: Vec<Address> = book.borrow().operators.iter().map(|o| o.address).collect();
    let on_main = read_epoch(probe, book, None, e, &ops)?;
    let b = book.borrow();
    let last = b
        .replica_states
        .get(&(i, e))
        .and_then(|v| v.iter().rev().find(|(t, _)| *t <= at));
    Ok(matches!(last, Some((_, data)) if *data == on_main))
}

/// Invariant 11 (§11.11): every replica holds consistent data for every epoch `e ≥ 2` before
/// `start(e)`, for the epochs whose premises held (see [`replica_premise`]). Epochs whose
/// premises failed are counted in `avs.replica_epochs_premise_unmet`, and every epoch a replica
/// was late for, whatever the cause, in `avs.replica_epochs_late`.
struct ReplicaLiveness(Shared);

impl Invariant for ReplicaLiveness {
    fn name(&self) -> &str {
        "avs.replica_liveness"
    }
    fn kind(&self) -> CheckKind {
        CheckKind::Eventually
    }
    fn check(&mut self, probe: &mut Probe) -> Result<(), String> {
        let (cur, remotes) = {
            let b = self.0.borrow();
            let names: Vec<String> = b.remotes.iter().map(|r| r.name.clone()).collect();
            (b.clock.current(probe.head(b.main).number), names)
        };
        for (i, name) in remotes.iter().enumerate() {
            for e in 2..=cur {
                let Some(start_ms) = replica_premise(probe, &self.0, i, e)? else {
                    continue;
                };
                if !consistent_at(probe, &self.0, i, e, start_ms)? {
                    let first = self.0.borrow().first_consistent_ms.get(&(i, e)).copied();
                    return Err(match first {
                        None => format!("replica {name} never consistent for epoch {e}"),
                        Some(t) if t > start_ms => format!(
                            "replica {name} consistent for epoch {e} only {}ms after its start",
                            t - start_ms
                        ),
                        Some(_) => format!(
                            "replica {name} held data for epoch {e} that differ from M's at its \
                             start (a later snapshot overwrote a consistent one)"
                        ),
                    });
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
            let squatted = !b.quirks.challenge_id_includes_value
                && b.challenges
                    .get(&super::digest::challenge_id(&p.state))
                    .is_some_and(|c| c.proof != Some(i));
            let cause = match c {
                None if squatted => {
                    "its challenge id was taken by a challenge of another value (Q14)".to_string()
                }
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

/// Invariant 9 (§11.9): each guid is applied at most once by a replica's receiver (a delivery the
/// bridge reports as received), and the main-chain verifier accepts reports only from remote
/// verifiers registered with it (its `remoteVerifiers`, which are never removed). Read from the
/// logs of every block as it is produced.
struct MessageIntegrity {
    book: Shared,
    applied: std::collections::BTreeSet<(Address, B256)>,
}

impl Invariant for MessageIntegrity {
    fn name(&self) -> &str {
        "avs.message_integrity"
    }
    fn kind(&self) -> CheckKind {
        CheckKind::Always
    }
    fn check(&mut self, probe: &mut Probe) -> Result<(), String> {
        use alloy_sol_types::SolEvent;
        let Some((_, block)) = probe.last_block() else {
            return Ok(());
        };
        let (receivers, main, mcv) = {
            let b = self.book.borrow();
            (
                b.remotes.iter().map(|r| r.receiver).collect::<Vec<_>>(),
                b.main,
                b.main_verifier,
            )
        };
        let mut reporters = Vec::new();
        for r in &block.receipts {
            if !r.status.is_success() {
                continue;
            }
            for log in &r.logs {
                if log.topics.first() != Some(&BridgeLite::MessageReceived::SIGNATURE_HASH) {
                    continue;
                }
                let Ok(m) = BridgeLite::MessageReceived::decode_raw_log(
                    log.topics.iter().copied(),
                    &log.data,
                ) else {
                    continue;
                };
                if receivers.contains(&m.receiver) && !self.applied.insert((m.receiver, m.guid)) {
                    return Err(format!(
                        "guid {} applied twice by receiver {}",
                        m.guid, m.receiver
                    ));
                }
                if m.receiver == mcv {
                    reporters.push(m.from);
                }
            }
        }
        for from in reporters {
            let registered = probe
                .view(main, mcv, &MainChainVerifier::remoteVerifiersCall(from))
                .map_err(|e| e.to_string())?;
            if !registered {
                return Err(format!(
                    "main-chain verifier took a report from unregistered {from}"
                ));
            }
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

/// Snapshot fates and replica staleness (spec §12): snapshots the bridge dropped, partial ones
/// (missing an operator with data on M for their epoch), out-of-order ones (delivered after a
/// snapshot of the same epoch and chain taken later), and the share of main-chain blocks, from
/// the start of epoch 2, in which a replica's data for the current epoch differed from M's.
fn snapshot_counts(probe: &mut Probe, book: &Shared) -> Vec<(&'static str, Value)> {
    let (snaps, ops, clock, main, main_ms, remotes) = {
        let b = book.borrow();
        (
            b.snapshots.values().cloned().collect::<Vec<_>>(),
            b.operators.iter().map(|o| o.address).collect::<Vec<_>>(),
            b.clock,
            b.main,
            b.main_block_ms,
            b.remotes.len(),
        )
    };
    let head = probe.head(main).number;
    let cur = clock.current(head);
    let mut main_data: BTreeMap<u32, EpochData> = BTreeMap::new();
    for e in snaps.iter().map(|s| s.epoch).chain(2..=cur) {
        if let std::collections::btree_map::Entry::Vacant(v) = main_data.entry(e) {
            match read_epoch(probe, book, None, e, &ops) {
                Ok(d) => {
                    v.insert(d);
                }
                Err(_) => return Vec::new(),
            }
        }
    }
    let dropped = snaps.iter().filter(|s| s.delivery_ms.is_none()).count();
    let partial = snaps
        .iter()
        .filter(|s| {
            let d = &main_data[&s.epoch];
            ops.iter().zip(&d.1).any(|(op, (k, w))| {
                (*k != Address::ZERO || !w.is_zero()) && !s.operators.contains(op)
            })
        })
        .count();
    let out_of_order = snaps
        .iter()
        .filter(|a| {
            snaps.iter().any(|b| {
                a.remote == b.remote
                    && a.epoch == b.epoch
                    && a.block < b.block
                    && matches!((a.delivery_ms, b.delivery_ms), (Some(x), Some(y)) if x > y)
            })
        })
        .count();
    let (mut stale, mut blocks) = (0u64, 0u64);
    {
        let b = book.borrow();
        for i in 0..remotes {
            for n in clock.start(2.min(cur))..=head {
                let e = clock.current(n);
                if e < 2 {
                    continue;
                }
                blocks += 1;
                let t = n * main_ms;
                let state = b
                    .replica_states
                    .get(&(i, e))
                    .and_then(|v| v.iter().rev().find(|(at, _)| *at <= t));
                if !matches!(state, Some((_, d)) if *d == main_data[&e]) {
                    stale += 1;
                }
            }
        }
    }
    let mut out = vec![
        ("avs.snapshots_dropped", Value::Int(dropped as i128)),
        ("avs.snapshots_partial", Value::Int(partial as i128)),
        (
            "avs.snapshots_out_of_order",
            Value::Int(out_of_order as i128),
        ),
    ];
    if blocks > 0 {
        out.push((
            "avs.replica_stale_block_share",
            Value::Real(stale as f64 / blocks as f64),
        ));
    }
    out
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
    drop(b);
    if let Ok((judged, unmet)) = judged_tasks(probe, book) {
        out.push((
            "avs.tasks_failed_premise_held".to_string(),
            Value::Int(judged.len() as i128),
        ));
        out.push((
            "avs.tasks_premise_unmet".to_string(),
            Value::Int(unmet as i128),
        ));
    }
    let (cur, remotes) = {
        let b = book.borrow();
        (b.clock.current(probe.head(b.main).number), b.remotes.len())
    };
    let (mut late, mut unmet) = (0i128, 0i128);
    for i in 0..remotes {
        for e in 2..=cur {
            let start_ms = {
                let b = book.borrow();
                b.block_time(b.main, b.clock.start(e))
            };
            if matches!(replica_premise(probe, book, i, e), Ok(None)) {
                unmet += 1;
            }
            if !matches!(consistent_at(probe, book, i, e, start_ms), Ok(true)) {
                late += 1;
            }
        }
    }
    out.push(("avs.replica_epochs_late".to_string(), Value::Int(late)));
    for (name, value) in snapshot_counts(probe, book) {
        out.push((name.to_string(), value));
    }
    out.push((
        "avs.replica_epochs_premise_unmet".to_string(),
        Value::Int(unmet),
    ));
    let b = book.borrow();
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
    // Bonds (§12 economics): still open (stuck when never resolvable, Q7/Q17), trapped (Q16)
    // and swept to the treasury, in wei.
    {
        use alloy_sol_types::SolCall;
        let (main, r) = (b.main, b.resolver);
        for (name, data) in [
            (
                "avs.bonds_open_wei",
                DisputeResolver::openBondsCall {}.abi_encode(),
            ),
            (
                "avs.bonds_trapped_wei",
                DisputeResolver::trappedCall {}.abi_encode(),
            ),
            (
                "avs.bonds_treasury_wei",
                DisputeResolver::treasuryCall {}.abi_encode(),
            ),
            (
                "avs.bonds_credited_wei",
                DisputeResolver::totalCreditsCall {}.abi_encode(),
            ),
        ] {
            if let Ok(out_bytes) = probe.view_raw(main, r, data.into()) {
                if out_bytes.len() >= 32 {
                    let v = U256::from_be_slice(&out_bytes[..32]);
                    out.push((name.to_string(), Value::Int(v.to::<u128>() as i128)));
                }
            }
        }
    }
    out.push((
        "avs.deliveries_failed".to_string(),
        Value::Int(b.deliveries_failed as i128),
    ));
    out.push((
        "avs.deliveries_retried".to_string(),
        Value::Int(b.deliveries_retried as i128),
    ));
    out.push(("avs.final_epoch".to_string(), Value::Int(cur as i128)));
    for (name, on) in b.quirks.listing() {
        out.push((format!("avs.flag.{name}"), Value::Int(on as i128)));
    }
    out
}
