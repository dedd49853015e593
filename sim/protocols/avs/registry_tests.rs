//! Registry tests beyond the signature table: weights on the M2 path (Q4) against the model,
//! the quorum config, the EIP-712 directory signature (`directory_sig`) and contract signing
//! keys answering ERC-1271 (`contract_keys`), on the main registry and on a replica.

use super::bindings::*;
use super::digest::{self, MainRules};
use super::tests::{call, config, deploy, Views};
use super::weight::{self, Allocation, WeightInputs};
use crate::chain::{Chain, ViewError};
use crate::engine::keys::Key;
use crate::engine::time::SimTime;
use alloy_primitives::{keccak256, Address, Bytes, Uint, B256, U256};
use alloy_sol_types::{SolCall, SolConstructor};

const TOKEN: u64 = 1_000_000_000_000_000_000;
const WAD: u64 = 1_000_000_000_000_000_000;
const ME: Address = Address::new([0xee; 20]);
const S1: Address = Address::new([0x51; 20]);
const S2: Address = Address::new([0x57; 20]);

// Bit positions of `Common.sol`.
const CARRY_FORWARD: u64 = 1 << 0;
const REQUIRE_NONZERO_THRESHOLD: u64 = 1 << 1;
const NO_DOUBLE_COUNT: u64 = 1 << 22;
const M2_PATH: u64 = 1 << 23;
const DIRECTORY_SIG: u64 = 1 << 24;
const CONTRACT_KEYS: u64 = 1 << 25;

/// Custom errors these tests expect, by name.
const ERRORS: &[&str] = &[
    "NotOwner",
    "InvalidQuorum",
    "DirectorySignatureRequired",
    "SignatureExpired",
    "SaltSpent",
    "InvalidSignature",
    "OperatorAlreadyRegistered",
    "InsufficientSignedStake",
    "NotSorted",
];

struct Registry {
    chain: Chain,
    alloc: Address,
    registry: Address,
}

/// EpochManager (L 40, P 8), AllocationManagerLite with `strategies`, StakeRegistry, all at
/// block 0 and owned by `ME`.
fn registry(flags: u64, strategies: Vec<Address>) -> Registry {
    let mut chain = Chain::new(config());
    let em = deploy(
        &mut chain,
        ME,
        &EpochManager::BYTECODE,
        EpochManager::constructorCall {
            l: U256::from(40),
            p: U256::from(8),
            flags_: U256::from(flags),
        }
        .abi_encode(),
    );
    let alloc = deploy(
        &mut chain,
        ME,
        &AllocationManagerLite::BYTECODE,
        AllocationManagerLite::constructorCall {
            setId: 1,
            delay: U256::from(200),
            strategies_: strategies,
        }
        .abi_encode(),
    );
    let registry = deploy(
        &mut chain,
        ME,
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
        ME,
        alloc,
        &AllocationManagerLite::setAvsCall { avs_: registry },
    );
    Registry {
        chain,
        alloc,
        registry,
    }
}

/// Commits `c` if it succeeds; otherwise the name of the custom error it reverts with.
fn try_call<C: SolCall>(
    chain: &mut Chain,
    from: Address,
    to: Address,
    c: &C,
) -> Result<(), String> {
    match chain.view(from, to, c.abi_encode().into()) {
        Err(ViewError::Revert(data)) => Err(digest::error_name(&data, ERRORS)
            .map(str::to_string)
            .unwrap_or_else(|| format!("0x{}", alloy_primitives::hex::encode(&data)))),
        Err(e) => Err(e.to_string()),
        Ok(_) => {
            chain
                .genesis_call(from, to, c.abi_encode().into(), U256::ZERO)
                .expect("a call that simulates cleanly commits");
            Ok(())
        }
    }
}

fn view<C: SolCall>(chain: &mut Chain, to: Address, c: &C) -> C::Return {
    let out = chain
        .view(Address::ZERO, to, c.abi_encode().into())
        .expect("view succeeds");
    C::abi_decode_returns(&out).expect("decodes")
}

fn tokens(x: u64) -> U256 {
    U256::from(x) * U256::from(TOKEN)
}

fn quorum(entries: &[(Address, u64)]) -> StakeRegistry::Quorum {
    StakeRegistry::Quorum {
        strategies: entries
            .iter()
            .map(|(s, m)| StakeRegistry::StrategyParams {
                strategy: *s,
                multiplier: Uint::from(*m),
            })
            .collect(),
    }
}

impl Registry {
    fn shares(&mut self, op: Address, s: Address, amount: U256) {
        call(
            &mut self.chain,
            ME,
            self.alloc,
            &AllocationManagerLite::setSharesCall {
                operator: op,
                strategy: s,
                amount,
            },
        );
    }

    /// The model's `weightNow(op)` from the allocation manager's state and the registry's
    /// quorum and minimum.
    fn model_weight(&mut self, op: Address, flags: u64) -> U256 {
        let (alloc, registry) = (self.alloc, self.registry);
        let c = &mut self.chain;
        let member = view(c, alloc, &AllocationManagerLite::isMemberCall(op));
        let mut set = Vec::new();
        for s in [S1, S2] {
            set.push(Allocation {
                shares: view(
                    c,
                    alloc,
                    &AllocationManagerLite::sharesCall { _0: op, _1: s },
                ),
                current_magnitude: view(
                    c,
                    alloc,
                    &AllocationManagerLite::currentMagnitudeCall { _0: op, _1: s },
                ),
                max_magnitude: view(
                    c,
                    alloc,
                    &AllocationManagerLite::maxMagnitudeCall { _0: op, _1: s },
                ),
            });
        }
        let q = view(c, registry, &StakeRegistry::getQuorumCall {});
        let quorum = q
            .strategies
            .iter()
            .map(|p| {
                let shares = view(
                    c,
                    alloc,
                    &AllocationManagerLite::sharesCall {
                        _0: op,
                        _1: p.strategy,
                    },
                );
                (shares, U256::from(p.multiplier))
            })
            .collect();
        weight::weight_now(&WeightInputs {
            member,
            set,
            quorum,
            minimum_weight: view(c, registry, &StakeRegistry::minimumWeightCall {}),
            m2_path: flags & M2_PATH != 0,
            no_double_count: flags & NO_DOUBLE_COUNT != 0,
        })
    }

    fn weight_now(&mut self, op: Address) -> U256 {
        let r = self.registry;
        view(&mut self.chain, r, &StakeRegistry::weightNowCall { op })
    }
}

/// `weightNow` equals the model for members and non-members, two strategies with uneven
/// multipliers, a slashed operator and a minimum weight, with and without the M2 path and Q4;
/// and the weight stored at registration is the model's.
#[test]
fn weight_now_matches_the_model() {
    let a = Address::with_last_byte(1); // member, both strategies
    let b = Address::with_last_byte(2); // member, S1 only; slashed by a third
    let c = Address::with_last_byte(3); // never registers: M2 weight only
    let mut stored = Vec::new();
    for flags in [0, M2_PATH, M2_PATH | NO_DOUBLE_COUNT] {
        let mut r = registry(flags, vec![S1, S2]);
        r.shares(a, S1, tokens(7) + U256::from(3));
        r.shares(a, S2, tokens(5) + U256::from(1));
        r.shares(b, S1, tokens(10));
        r.shares(c, S2, tokens(4));
        let reg = r.registry;
        try_call(
            &mut r.chain,
            ME,
            reg,
            &StakeRegistry::updateQuorumConfigCall {
                q: quorum(&[(S1, 3333), (S2, 6667)]),
                ops: Vec::new(),
            },
        )
        .expect("valid quorum");
        for (i, op) in [a, b].into_iter().enumerate() {
            let key = Key::from_secret(B256::with_last_byte(0x30 + i as u8)).unwrap();
            call(
                &mut r.chain,
                op,
                reg,
                &StakeRegistry::registerOperatorCall {
                    signingKey: key.address(),
                },
            );
            let model = r.model_weight(op, flags);
            let at_e1 = view(
                &mut r.chain,
                reg,
                &StakeRegistry::getOperatorWeightAtEpochCall { op, e: 1 },
            );
            assert_eq!(at_e1, model, "stored weight of {op} with flags {flags:#x}");
            stored.push((flags, op, at_e1));
        }
        // Slash b by a third of its S1 magnitude.
        call(
            &mut r.chain,
            ME,
            r.alloc,
            &AllocationManagerLite::setSlasherCall { slasher_: ME },
        );
        call(
            &mut r.chain,
            ME,
            r.alloc,
            &AllocationManagerLite::slashOperatorCall {
                avs_: reg,
                p: AllocationManagerLite::SlashingParams {
                    operator: b,
                    operatorSetId: 1,
                    strategies: vec![S1],
                    wadsToSlash: vec![U256::from(WAD / 3)],
                    description: "test".into(),
                },
            },
        );
        for minimum in [U256::ZERO, tokens(3), tokens(5)] {
            call(
                &mut r.chain,
                ME,
                reg,
                &StakeRegistry::updateMinimumWeightCall {
                    w: minimum,
                    ops: Vec::new(),
                },
            );
            for op in [a, b, c] {
                let model = r.model_weight(op, flags);
                assert_eq!(
                    r.weight_now(op),
                    model,
                    "{op}, flags {flags:#x}, minimum {minimum}"
                );
            }
        }
    }
    // b holds 10 tokens in S1 only: set weight 10, M2 weight 10 · 3333 / 10 000 = 3.333.
    let of = |f: u64| stored.iter().find(|s| s.0 == f && s.1 == b).unwrap().2;
    assert_eq!(of(0), tokens(10));
    assert_eq!(
        of(M2_PATH),
        tokens(10) + U256::from(3_333_000_000_000_000_000u64)
    );
    assert_eq!(of(M2_PATH | NO_DOUBLE_COUNT), tokens(10));
}

/// The quorum config: owner only, strategies strictly ascending, multipliers summing to exactly
/// 10 000; `updateOperators` then rewrites the listed weights.
#[test]
fn quorum_config_rules() {
    let mut r = registry(M2_PATH, vec![S1, S2]);
    let reg = r.registry;
    let set = |r: &mut Registry, from: Address, q: &[(Address, u64)]| {
        try_call(
            &mut r.chain,
            from,
            reg,
            &StakeRegistry::updateQuorumConfigCall {
                q: quorum(q),
                ops: vec![Address::with_last_byte(1)],
            },
        )
    };
    let bad = |s: &str| Err(s.to_string());
    let stranger = Address::with_last_byte(9);
    assert_eq!(set(&mut r, stranger, &[(S1, 10_000)]), bad("NotOwner"));
    assert_eq!(
        set(&mut r, ME, &[(S2, 5000), (S1, 5000)]),
        bad("InvalidQuorum")
    );
    assert_eq!(
        set(&mut r, ME, &[(S1, 5000), (S1, 5000)]),
        bad("InvalidQuorum")
    );
    assert_eq!(
        set(&mut r, ME, &[(S1, 5000), (S2, 4999)]),
        bad("InvalidQuorum")
    );
    assert_eq!(set(&mut r, ME, &[]), bad("InvalidQuorum"));
    assert_eq!(set(&mut r, ME, &[(S1, 2500), (S2, 7500)]), Ok(()));
    let q = view(&mut r.chain, reg, &StakeRegistry::getQuorumCall {});
    assert_eq!(q.strategies.len(), 2);
    assert_eq!(U256::from(q.strategies[1].multiplier), U256::from(7500));
}

/// The directory signature (flag `directory_sig`): valid (expiry at the current timestamp),
/// expired, signed by someone else, a spent salt on re-registration; no signature at all; and
/// without the flag the signature is ignored.
#[test]
fn directory_signature() {
    let operator = Key::from_secret(B256::with_last_byte(0x21)).unwrap();
    let thief = Key::from_secret(B256::with_last_byte(0x22)).unwrap();
    let op = operator.address();
    let mut r = registry(DIRECTORY_SIG | CARRY_FORWARD, vec![S2]);
    r.shares(op, S2, tokens(100));
    let (reg, alloc) = (r.registry, r.alloc);
    let now = r.chain.head().timestamp;
    let signed = |r: &mut Registry, key: &Key, salt: B256, expiry: u64| {
        let d = digest::directory_digest(1, alloc, op, reg, salt, U256::from(expiry));
        let onchain = view(
            &mut r.chain,
            reg,
            &StakeRegistry::calculateOperatorAVSRegistrationDigestHashCall {
                operator: op,
                avs: reg,
                salt,
                expiry: U256::from(expiry),
            },
        );
        assert_eq!(d, onchain, "the model's directory digest");
        StakeRegistry::registerOperatorWithSignatureCall {
            operatorSig: StakeRegistry::SignatureWithSaltAndExpiry {
                signature: key.sign_hash(d).to_bytes(),
                salt,
                expiry: U256::from(expiry),
            },
            signingKey: Address::with_last_byte(0x77),
        }
    };
    let (s1, s2) = (keccak256("salt 1"), keccak256("salt 2"));
    let bad = |s: &str| Err(s.to_string());
    let plain = StakeRegistry::registerOperatorCall {
        signingKey: Address::with_last_byte(0x77),
    };
    assert_eq!(
        try_call(&mut r.chain, op, reg, &plain),
        bad("DirectorySignatureRequired")
    );
    let c = signed(&mut r, &operator, s1, now - 1);
    assert_eq!(try_call(&mut r.chain, op, reg, &c), bad("SignatureExpired"));
    let c = signed(&mut r, &thief, s1, now + 60);
    assert_eq!(try_call(&mut r.chain, op, reg, &c), bad("InvalidSignature"));
    // Someone else submitting the operator's signature registers themselves: the digest
    // names the caller, so the signature does not match.
    let c = signed(&mut r, &operator, s1, now + 60);
    assert_eq!(
        try_call(&mut r.chain, thief.address(), reg, &c),
        bad("InvalidSignature")
    );
    let c = signed(&mut r, &operator, s1, now);
    assert_eq!(try_call(&mut r.chain, op, reg, &c), Ok(()));
    assert!(view(&mut r.chain, reg, &StakeRegistry::registeredCall(op)));
    assert!(view(
        &mut r.chain,
        reg,
        &StakeRegistry::operatorSaltIsSpentCall { _0: op, _1: s1 }
    ));
    call(
        &mut r.chain,
        op,
        reg,
        &StakeRegistry::deregisterOperatorCall {},
    );
    let c = signed(&mut r, &operator, s1, now + 60);
    assert_eq!(try_call(&mut r.chain, op, reg, &c), bad("SaltSpent"));
    let c = signed(&mut r, &operator, s2, now + 60);
    assert_eq!(try_call(&mut r.chain, op, reg, &c), Ok(()));

    // Without the flag: no check, no salt spent.
    let mut r = registry(CARRY_FORWARD, vec![S2]);
    r.shares(op, S2, tokens(100));
    let reg = r.registry;
    let c = StakeRegistry::registerOperatorWithSignatureCall {
        operatorSig: StakeRegistry::SignatureWithSaltAndExpiry {
            signature: Bytes::from(vec![1, 2, 3]),
            salt: s1,
            expiry: U256::ZERO,
        },
        signingKey: Address::with_last_byte(0x77),
    };
    assert_eq!(try_call(&mut r.chain, op, reg, &c), Ok(()));
    assert!(!view(
        &mut r.chain,
        reg,
        &StakeRegistry::operatorSaltIsSpentCall { _0: op, _1: s1 }
    ));
}

/// Contract signing keys (ERC-1271): operator a's key is a ContractSigner controlled by `ka`.
/// With `contract_keys` its controller's signature counts, on M and on a replica; without it
/// the key never verifies. A signature by anyone else fails either way. The model agrees in
/// every case.
#[test]
fn contract_signing_keys() {
    let ops: Vec<Address> = (1..=3u8).map(Address::with_last_byte).collect();
    let keys: Vec<Key> = (1..=3u8)
        .map(|i| Key::from_secret(B256::with_last_byte(0x10 + i)).unwrap())
        .collect();
    let d = keccak256("a state");
    for contract_keys in [false, true] {
        let flags = CARRY_FORWARD
            | REQUIRE_NONZERO_THRESHOLD
            | if contract_keys { CONTRACT_KEYS } else { 0 };
        let mut r = registry(flags, vec![S2]);
        let reg = r.registry;
        let signer = deploy(
            &mut r.chain,
            ME,
            &ContractSigner::BYTECODE,
            ContractSigner::constructorCall {
                controller_: keys[0].address(),
            }
            .abi_encode(),
        );
        let signing: Vec<Address> = vec![signer, keys[1].address(), keys[2].address()];
        for (op, k) in ops.iter().zip(&signing) {
            r.shares(*op, S2, tokens(100));
            call(
                &mut r.chain,
                *op,
                reg,
                &StakeRegistry::registerOperatorCall { signingKey: *k },
            );
        }
        call(
            &mut r.chain,
            ME,
            reg,
            &StakeRegistry::updateStakeThresholdCall { w: tokens(200) },
        );
        for n in 1..=40u64 {
            r.chain.build_block(SimTime(n * 12_000), &mut |_| true);
        }
        // A replica holding the same epoch 1.
        let light = deploy(
            &mut r.chain,
            ME,
            &LightStakeRegistry::BYTECODE,
            LightStakeRegistry::constructorCall {
                receiver_: ME,
                flags_: U256::from(flags),
            }
            .abi_encode(),
        );
        let payload = alloy_sol_types::SolValue::abi_encode_params(&(
            1u32,
            ops.clone(),
            signing.clone(),
            vec![tokens(100); 3],
            tokens(200),
        ));
        call(
            &mut r.chain,
            ME,
            light,
            &LightStakeRegistry::processEpochUpdateCall {
                data: payload.into(),
            },
        );
        let sig = |k: &Key| k.sign_hash(d).to_bytes();
        let cases = [
            (
                "controller signs for the contract key",
                digest::encode_sig_data(&ops[..2], &[sig(&keys[0]), sig(&keys[1])], 1),
                if contract_keys {
                    Ok(())
                } else {
                    Err("InvalidSignature".to_string())
                },
            ),
            (
                "someone else signs for the contract key",
                digest::encode_sig_data(&ops[..2], &[sig(&keys[2]), sig(&keys[1])], 1),
                Err("InvalidSignature".to_string()),
            ),
            (
                "EOA keys only",
                digest::encode_sig_data(&ops[1..], &[sig(&keys[1]), sig(&keys[2])], 1),
                Ok(()),
            ),
        ];
        for (name, data, expected) in cases {
            for (on, main) in [(reg, true), (light, false)] {
                let c = StakeRegistry::isValidSignatureCall {
                    digest: d,
                    sigData: data.clone(),
                };
                let onchain = match r.chain.view(Address::ZERO, on, c.abi_encode().into()) {
                    Ok(out) => {
                        assert_eq!(&out[..4], &digest::ERC1271_MAGIC);
                        Ok(())
                    }
                    Err(ViewError::Revert(x)) => {
                        Err(digest::error_name(&x, digest::SIGNATURE_ERRORS)
                            .unwrap_or("?")
                            .to_string())
                    }
                    Err(e) => Err(e.to_string()),
                };
                let model = digest::model_is_valid_with(
                    &mut Views(&mut r.chain, on),
                    d,
                    &data,
                    main.then_some(MainRules {
                        current_epoch: 1,
                        max_staleness: 0,
                    }),
                    true,
                    contract_keys,
                )
                .map_err(str::to_string);
                let what = format!("`{name}`, contract_keys {contract_keys}, main {main}");
                assert_eq!(onchain, expected, "{what}");
                assert_eq!(model, expected, "model: {what}");
            }
        }
    }
}

/// In a run with `directory_sig`, operators register through `registerOperatorWithSignature`
/// with their own directory signatures: every registration succeeds and the weights land in
/// epoch 1 (op4 deregisters later in this world).
#[test]
fn operators_register_with_directory_signatures() {
    use super::defect_tests::{metric, run, scenario};
    use crate::trace::Value;
    let text = scenario("directory", 9, "{}", "").replace(
        "bridge_latency: 2s..20s,",
        "bridge_latency: 2s..20s, directory_sig: true,",
    );
    assert!(text.contains("directory_sig: true"));
    let (held, _, metrics) = run(&text, "avs.signature_soundness");
    assert_eq!(held, crate::check::CheckStatus::Held);
    for op in ["op1", "op2", "op3", "op4"] {
        let w = metric(&metrics, &format!("avs.weight.{op}.e1"));
        assert_eq!(w, Some(Value::Int(100)), "{op}");
    }
    assert_eq!(metric(&metrics, "avs.operator_tx_reverted"), None);
    assert_eq!(
        metric(&metrics, "avs.flag.directory_sig"),
        Some(Value::Int(1))
    );
}
