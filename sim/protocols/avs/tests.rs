//! Contract-level tests: `isValidSignature` table (ordering, duplicates, weights, epoch keys,
//! threshold), each case also recomputed by the model, which must agree.

use super::bindings::*;
use super::digest::{self, MainRules, RegistryData};
use crate::chain::{BaseFeeRule, Chain, ChainConfig};
use crate::engine::keys::Key;
use crate::engine::time::SimTime;
use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use alloy_sol_types::{SolCall, SolConstructor};

const TOKEN: u64 = 1_000_000_000_000_000_000;

struct Fixture {
    chain: Chain,
    registry: Address,
    ops: Vec<Address>,
    keys: Vec<Key>,
    flags: u64,
}

pub(super) fn config() -> ChainConfig {
    ChainConfig {
        name: "l1".into(),
        chain_id: 1,
        block_time_ms: 12_000,
        gas_limit: 30_000_000,
        base_fee: BaseFeeRule {
            initial_wei: 1,
            elasticity: 2,
            max_change_denominator: 8,
            min_wei: 0,
        },
        spikes: Vec::new(),
        genesis_timestamp: 1_700_000_000,
        coinbase: Address::ZERO,
    }
}

pub(super) fn deploy(chain: &mut Chain, from: Address, code: &[u8], args: Vec<u8>) -> Address {
    let mut init = code.to_vec();
    init.extend(args);
    chain.deploy(from, init.into()).expect("deploys").address
}

pub(super) fn call<C: SolCall>(chain: &mut Chain, from: Address, to: Address, c: &C) {
    chain
        .genesis_call(from, to, c.abi_encode().into(), U256::ZERO)
        .expect("genesis call succeeds");
}

/// Three operators at addresses 0x…01, 0x…02, 0x…03 with 100 tokens each, threshold 200 tokens
/// for epoch 1 (unless `threshold` is None), then blocks up to the first of epoch 1.
fn fixture(flags: u64, threshold: Option<u64>) -> Fixture {
    let mut chain = Chain::new(config());
    let me = Address::with_last_byte(0xee);
    let em = deploy(
        &mut chain,
        me,
        &EpochManager::BYTECODE,
        EpochManager::constructorCall {
            l: U256::from(40),
            p: U256::from(8),
            flags_: U256::from(flags),
        }
        .abi_encode(),
    );
    let strategy = Address::repeat_byte(0x57);
    let alloc = deploy(
        &mut chain,
        me,
        &AllocationManagerLite::BYTECODE,
        AllocationManagerLite::constructorCall {
            setId: 1,
            delay: U256::from(200),
            strategies_: vec![strategy],
        }
        .abi_encode(),
    );
    let registry = deploy(
        &mut chain,
        me,
        &StakeRegistry::BYTECODE,
        StakeRegistry::constructorCall {
            epochManager_: em,
            allocation_: alloc,
            flags_: U256::from(flags),
            maxStaleness_: 0,
        }
        .abi_encode(),
    );
    call(
        &mut chain,
        me,
        alloc,
        &AllocationManagerLite::setAvsCall { avs_: registry },
    );
    let ops: Vec<Address> = (1..=3u8).map(Address::with_last_byte).collect();
    let keys: Vec<Key> = (1..=3u8)
        .map(|i| Key::from_secret(B256::with_last_byte(0x10 + i)).expect("valid secret"))
        .collect();
    for (op, key) in ops.iter().zip(&keys) {
        call(
            &mut chain,
            me,
            alloc,
            &AllocationManagerLite::setSharesCall {
                operator: *op,
                strategy,
                amount: U256::from(100) * U256::from(TOKEN),
            },
        );
        call(
            &mut chain,
            *op,
            registry,
            &StakeRegistry::registerOperatorCall {
                signingKey: key.address(),
            },
        );
    }
    if let Some(t) = threshold {
        call(
            &mut chain,
            me,
            registry,
            &StakeRegistry::updateStakeThresholdCall {
                w: U256::from(t) * U256::from(TOKEN),
            },
        );
    }
    for n in 1..=40u64 {
        chain.build_block(SimTime(n * 12_000), &mut |_| true);
    }
    assert_eq!(chain.head().number, 40);
    Fixture {
        chain,
        registry,
        ops,
        keys,
        flags,
    }
}

fn error_name(data: &[u8]) -> String {
    digest::error_name(data, digest::SIGNATURE_ERRORS)
        .map(str::to_string)
        .unwrap_or_else(|| format!("0x{}", alloy_primitives::hex::encode(data)))
}

/// Registry reads through view calls on a bare chain.
pub(super) struct Views<'a>(pub &'a mut Chain, pub Address);

impl RegistryData for Views<'_> {
    fn key(&mut self, e: u32, op: Address) -> Address {
        let c = StakeRegistry::getOperatorSigningKeyAtEpochCall { op, e };
        let out = self
            .0
            .view(Address::ZERO, self.1, c.abi_encode().into())
            .unwrap();
        StakeRegistry::getOperatorSigningKeyAtEpochCall::abi_decode_returns(&out).unwrap()
    }
    fn weight(&mut self, e: u32, op: Address) -> U256 {
        let c = StakeRegistry::getOperatorWeightAtEpochCall { op, e };
        let out = self
            .0
            .view(Address::ZERO, self.1, c.abi_encode().into())
            .unwrap();
        StakeRegistry::getOperatorWeightAtEpochCall::abi_decode_returns(&out).unwrap()
    }
    fn threshold(&mut self, e: u32) -> U256 {
        let c = StakeRegistry::getThresholdWeightAtEpochCall { e };
        let out = self
            .0
            .view(Address::ZERO, self.1, c.abi_encode().into())
            .unwrap();
        StakeRegistry::getThresholdWeightAtEpochCall::abi_decode_returns(&out).unwrap()
    }
    fn contract_signature(&mut self, key: Address, d: B256, sig: &[u8]) -> bool {
        self.0
            .view(Address::ZERO, key, digest::erc1271_call(d, sig))
            .is_ok_and(|ret| digest::erc1271_answer_valid(&ret))
    }
}

impl Fixture {
    /// The contract's verdict, checked against the model's.
    fn verdict(&mut self, digest: B256, sig_data: Bytes) -> Result<(), String> {
        let c = StakeRegistry::isValidSignatureCall {
            digest,
            sigData: sig_data.clone(),
        };
        let onchain = match self
            .chain
            .view(Address::ZERO, self.registry, c.abi_encode().into())
        {
            Ok(out) => {
                assert_eq!(&out[..4], &[0x16, 0x26, 0xba, 0x7e], "magic value");
                Ok(())
            }
            Err(crate::chain::ViewError::Revert(data)) => Err(error_name(&data)),
            Err(e) => Err(e.to_string()),
        };
        let cur = (self.chain.head().number / 40) as u32;
        let model = digest::model_is_valid(
            &mut Views(&mut self.chain, self.registry),
            digest,
            &sig_data,
            Some(MainRules {
                current_epoch: cur,
                max_staleness: 0,
            }),
            self.flags & 2 != 0,
        )
        .map_err(|e| e.to_string());
        assert_eq!(onchain, model, "contract and model disagree");
        onchain
    }
}

fn sig(key: &Key, d: B256) -> Bytes {
    key.sign_hash(d).to_bytes()
}

/// Flags: carry_forward and require_nonzero_threshold (bits 0 and 1).
const INTENDED_READS: u64 = 0b11;

#[test]
fn is_valid_signature_table() {
    let mut f = fixture(INTENDED_READS, Some(200));
    let d = keccak256("a state");
    let (a, b, c) = (f.ops[0], f.ops[1], f.ops[2]);
    let (ka, kb, kc) = (f.keys[0].clone(), f.keys[1].clone(), f.keys[2].clone());
    let keys_ascending = {
        let mut s = [ka.address(), kb.address(), kc.address()];
        let t = s;
        s.sort();
        s == t
    };
    let enc = |ops: &[Address], sigs: &[Bytes], e: u32| digest::encode_sig_data(ops, sigs, e);
    let cases: Vec<(&str, Bytes, Result<(), String>)> = vec![
        (
            "exact threshold",
            enc(&[a, b], &[sig(&ka, d), sig(&kb, d)], 1),
            Ok(()),
        ),
        (
            "all three",
            enc(&[a, b, c], &[sig(&ka, d), sig(&kb, d), sig(&kc, d)], 1),
            Ok(()),
        ),
        (
            "insufficient weight",
            enc(&[a], &[sig(&ka, d)], 1),
            Err("InsufficientSignedStake".into()),
        ),
        (
            "unsorted",
            enc(&[b, a], &[sig(&kb, d), sig(&ka, d)], 1),
            Err("NotSorted".into()),
        ),
        (
            "duplicate",
            enc(&[a, a], &[sig(&ka, d), sig(&ka, d)], 1),
            Err("NotSorted".into()),
        ),
        (
            "address zero first",
            enc(&[Address::ZERO, a], &[sig(&ka, d), sig(&ka, d)], 1),
            Err("NotSorted".into()),
        ),
        // The sort check runs before the signature check at each index.
        (
            "unsorted with a bad signature",
            enc(&[b, a], &[sig(&kb, d), sig(&kb, d)], 1),
            Err("NotSorted".into()),
        ),
        (
            "bad signature at index 0",
            enc(&[a, b], &[sig(&kb, d), sig(&kb, d)], 1),
            Err("InvalidSignature".into()),
        ),
        // Ordering is by operator address, not by signing key.
        (
            "sorted by key instead",
            {
                let mut pairs = [(a, ka.clone()), (b, kb.clone()), (c, kc.clone())];
                pairs.sort_by_key(|p| p.1.address());
                let ops: Vec<Address> = pairs.iter().map(|p| p.0).collect();
                let sigs: Vec<Bytes> = pairs.iter().map(|p| sig(&p.1, d)).collect();
                enc(&ops, &sigs, 1)
            },
            if keys_ascending {
                Ok(())
            } else {
                Err("NotSorted".into())
            },
        ),
        (
            "wrong epoch key",
            {
                let other = Key::from_secret(B256::with_last_byte(0x99)).unwrap();
                enc(&[a, b], &[sig(&other, d), sig(&kb, d)], 1)
            },
            Err("InvalidSignature".into()),
        ),
        (
            "epoch 0 has no keys",
            enc(&[a, b], &[sig(&ka, d), sig(&kb, d)], 0),
            Err("InvalidSignature".into()),
        ),
        (
            "future epoch",
            enc(&[a, b], &[sig(&ka, d), sig(&kb, d)], 2),
            Err("InvalidEpoch".into()),
        ),
        (
            "length mismatch",
            enc(&[a, b], &[sig(&ka, d)], 1),
            Err("LengthMismatch".into()),
        ),
        ("empty", enc(&[], &[], 1), Err("InvalidLength".into())),
        (
            "high s",
            {
                let s = sig(&ka, d);
                let n = U256::from_be_bytes(alloy_primitives::hex!(
                    "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"
                ));
                let high = n - U256::from_be_slice(&s[32..64]);
                let mut raw = s.to_vec();
                raw[32..64].copy_from_slice(&high.to_be_bytes::<32>());
                raw[64] = if raw[64] == 27 { 28 } else { 27 };
                enc(&[a, b], &[raw.into(), sig(&kb, d)], 1)
            },
            Err("InvalidSignature".into()),
        ),
    ];
    for (name, data, expected) in cases {
        assert_eq!(f.verdict(d, data), expected, "case `{name}`");
    }
}

/// Q2: an epoch without a threshold accepts any single keyed signer (faithful) or rejects
/// everything (intended `require_nonzero_threshold`).
#[test]
fn zero_threshold() {
    let d = keccak256("anything");
    for (flags, expected) in [(0b01u64, Ok(())), (0b11, Err("ZeroThreshold".to_string()))] {
        let mut f = fixture(flags, None);
        let data = digest::encode_sig_data(&[f.ops[0]], &[sig(&f.keys[0], d)], 1);
        assert_eq!(f.verdict(d, data), expected, "flags {flags:#b}");
    }
}

/// Q1: without carry-forward, epoch 2 has no keys until something writes them.
#[test]
fn no_carry_forward() {
    let d = keccak256("later");
    for (flags, expected) in [
        (0b00u64, Err("InvalidSignature".to_string())),
        (0b01, Ok(())),
    ] {
        let mut f = fixture(flags, Some(200));
        for n in 41..=80u64 {
            f.chain.build_block(SimTime(n * 12_000), &mut |_| true);
        }
        let data = digest::encode_sig_data(
            &[f.ops[0], f.ops[1]],
            &[sig(&f.keys[0], d), sig(&f.keys[1], d)],
            2,
        );
        assert_eq!(f.verdict(d, data), expected, "flags {flags:#b}");
    }
}

mod replica_property {
    //! Replica consistency over random operator update sequences and bridge delivery orders.

    use super::*;
    use crate::protocols::avs::epoch::EpochClock;
    use alloy_sol_types::SolValue;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    enum Step {
        Rotate(usize),
        Deregister(usize),
        Register(usize),
        Threshold(u64),
        Snapshot,
        Idle,
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (0..3usize).prop_map(Step::Rotate),
            (0..3usize).prop_map(Step::Deregister),
            (0..3usize).prop_map(Step::Register),
            (1..300u64).prop_map(Step::Threshold),
            Just(Step::Snapshot),
            Just(Step::Snapshot),
            Just(Step::Idle),
        ]
    }

    struct Snap {
        epoch: u32,
        block: u64,
        seq: u64,
        payload: Vec<u8>,
        data: EpochData,
    }

    type EpochData = (U256, Vec<(Address, U256)>);

    fn read(chain: &mut Chain, registry: Address, e: u32, ops: &[Address]) -> EpochData {
        let mut v = Views(chain, registry);
        let t = v.threshold(e);
        (
            t,
            ops.iter()
                .map(|op| (v.key(e, *op), v.weight(e, *op)))
                .collect(),
        )
    }

    fn run(steps: Vec<Step>, order: Vec<usize>, sequenced: bool) -> Result<(), TestCaseError> {
        // Intended reads (carry-forward, registration-aware weights, last write wins).
        let mut f = fixture(0b1111, Some(200));
        let clock = EpochClock {
            genesis: 0,
            length: 40,
            grace: 8,
        };
        let owner = Address::with_last_byte(0xee);
        let receiver = Address::with_last_byte(0xaa);
        let light_flags = if sequenced { 1u64 << 7 } else { 0 };
        let light = deploy(
            &mut f.chain,
            owner,
            &LightStakeRegistry::BYTECODE,
            LightStakeRegistry::constructorCall {
                receiver_: receiver,
                flags_: U256::from(light_flags),
            }
            .abi_encode(),
        );
        let mut registered = [true; 3];
        let mut next_key = 0x40u8;
        let mut snaps: Vec<Snap> = Vec::new();
        let mut seqs: std::collections::BTreeMap<u32, u64> = Default::default();
        for (i, s) in steps.iter().enumerate() {
            let b = f.chain.head().number;
            let now = |f: &Fixture| f.chain.head().number;
            match s {
                Step::Rotate(o) if registered[*o] => {
                    next_key += 1;
                    let k = Key::from_secret(B256::with_last_byte(next_key)).unwrap();
                    call(
                        &mut f.chain,
                        f.ops[*o],
                        f.registry,
                        &StakeRegistry::updateSigningKeyCall { k: k.address() },
                    );
                }
                Step::Deregister(o) if registered[*o] => {
                    registered[*o] = false;
                    call(
                        &mut f.chain,
                        f.ops[*o],
                        f.registry,
                        &StakeRegistry::deregisterOperatorCall {},
                    );
                }
                Step::Register(o) if !registered[*o] => {
                    registered[*o] = true;
                    next_key += 1;
                    let k = Key::from_secret(B256::with_last_byte(next_key)).unwrap();
                    call(
                        &mut f.chain,
                        f.ops[*o],
                        f.registry,
                        &StakeRegistry::registerOperatorCall {
                            signingKey: k.address(),
                        },
                    );
                }
                Step::Threshold(t) => call(
                    &mut f.chain,
                    owner,
                    f.registry,
                    &StakeRegistry::updateStakeThresholdCall {
                        w: U256::from(*t) * U256::from(TOKEN),
                    },
                ),
                Step::Snapshot => {
                    // Alternately the next (possibly unsealed) and the last sealed epoch.
                    let e = clock.effective(b) - (i as u32 % 2);
                    let data = read(&mut f.chain, f.registry, e, &f.ops);
                    let keys: Vec<Address> = data.1.iter().map(|x| x.0).collect();
                    let weights: Vec<U256> = data.1.iter().map(|x| x.1).collect();
                    let seq = {
                        let s = seqs.entry(e).or_insert(0);
                        *s += 1;
                        *s
                    };
                    let payload = if sequenced {
                        (e, seq, f.ops.clone(), keys, weights, data.0).abi_encode_params()
                    } else {
                        (e, f.ops.clone(), keys, weights, data.0).abi_encode_params()
                    };
                    snaps.push(Snap {
                        epoch: e,
                        block: b,
                        seq,
                        payload,
                        data,
                    });
                }
                _ => {}
            }
            let n = now(&f) + 1;
            f.chain.build_block(SimTime(n * 12_000), &mut |_| true);
        }
        // The bridge delivers every snapshot, in the generated order.
        let mut delivered: Vec<usize> = Vec::new();
        for k in order.iter().map(|k| k % snaps.len().max(1)) {
            if snaps.is_empty() || delivered.contains(&k) {
                continue;
            }
            delivered.push(k);
            call(
                &mut f.chain,
                receiver,
                light,
                &LightStakeRegistry::processEpochUpdateCall {
                    data: snaps[k].payload.clone().into(),
                },
            );
        }
        for (k, snap) in snaps.iter().enumerate() {
            if !delivered.contains(&k) {
                delivered.push(k);
                call(
                    &mut f.chain,
                    receiver,
                    light,
                    &LightStakeRegistry::processEpochUpdateCall {
                        data: snap.payload.clone().into(),
                    },
                );
            }
        }
        // Which snapshot does the replica hold for each epoch? Sequenced: the highest number;
        // otherwise the last delivered.
        let epochs: std::collections::BTreeSet<u32> = snaps.iter().map(|s| s.epoch).collect();
        for e in epochs {
            let held = if sequenced {
                snaps
                    .iter()
                    .filter(|s| s.epoch == e)
                    .max_by_key(|s| s.seq)
                    .unwrap()
            } else {
                let k = *delivered
                    .iter()
                    .rev()
                    .find(|k| snaps[**k].epoch == e)
                    .unwrap();
                &snaps[k]
            };
            let replica = read(&mut f.chain, light, e, &f.ops);
            // The replica holds exactly what that snapshot carried.
            prop_assert_eq!(&replica, &held.data, "epoch {}", e);
            // A snapshot taken once the epoch was sealed carries M's final data.
            if e > 0 && held.block >= clock.grace_start(e - 1) {
                let on_main = read(&mut f.chain, f.registry, e, &f.ops);
                prop_assert_eq!(&replica, &on_main, "sealed epoch {} differs from M", e);
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 12, .. ProptestConfig::default() })]

        #[test]
        fn replica_holds_the_deciding_snapshot(
            steps in proptest::collection::vec(step(), 20..60),
            order in proptest::collection::vec(0..64usize, 0..64),
            sequenced in any::<bool>(),
        ) {
            run(steps, order, sequenced)?;
        }
    }
}
