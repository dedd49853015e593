//! The contracts in revm against the Rust packer, signer and arithmetic: signatures recovered
//! by `ecrecover` on chain, type and channel separation, reward-proof tampering, the settlement
//! table, the slot rule over random addresses, and the negative cases N1–N4 of specs §8.

use super::messages::{empty_locksroot, Domain, TYPE_BALANCE_PROOF, TYPE_BALANCE_PROOF_UPDATE};
use super::settlement::{amounts, Side};
use super::*;
use crate::chain::{BaseFeeRule, Chain, ChainConfig, ViewError};
use crate::engine::keys::Key;
use crate::engine::seed::SeedTree;
use crate::engine::time::SimTime;
use crate::protocols::token::Token;
use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_sol_types::{SolCall, SolConstructor, SolValue};
use proptest::prelude::*;

const CHAIN_ID: u64 = 4_242;
const GENESIS_TS: u64 = 1_700_000_000;
const T: u64 = 240;

fn ether(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18u64))
}

struct Env {
    chain: Chain,
    deployer: Address,
    token: Address,
    tn: Address,
    msc: Address,
    udc: Address,
    sr: Address,
    a: Key,
    b: Key,
    ms: Key,
    domain: Domain,
}

fn deploy(chain: &mut Chain, from: Address, code: &[u8], args: Vec<u8>) -> Address {
    let mut init = code.to_vec();
    init.extend(args);
    chain.deploy(from, init.into()).expect("deploys").address
}

fn revert_text(e: ViewError) -> String {
    match e {
        ViewError::Revert(d) => {
            if d.len() >= 4 && d[..4] == [0x08, 0xc3, 0x79, 0xa0] {
                <String as SolValue>::abi_decode(&d[4..]).unwrap_or_default()
            } else {
                format!("0x{}", alloy_primitives::hex::encode(&d))
            }
        }
        other => other.to_string(),
    }
}

impl Env {
    fn new(defects: u64) -> Env {
        let config = ChainConfig {
            name: "l1".into(),
            chain_id: CHAIN_ID,
            block_time_ms: 12_000,
            gas_limit: 30_000_000,
            base_fee: BaseFeeRule {
                initial_wei: 1,
                elasticity: 2,
                max_change_denominator: 8,
                min_wei: 1,
            },
            spikes: Vec::new(),
            genesis_timestamp: GENESIS_TS,
            coinbase: Address::with_last_byte(0xc0),
        };
        let mut chain = Chain::new(config);
        let tree = SeedTree::new(11);
        let deployer = Key::derive(&tree, "deployer").address();
        let (a, b, ms) = (
            Key::derive(&tree, "actor/a"),
            Key::derive(&tree, "actor/b"),
            Key::derive(&tree, "actor/ms"),
        );
        let token = deploy(
            &mut chain,
            deployer,
            &Token::BYTECODE,
            Token::constructorCall {
                name_: "T".into(),
                symbol_: "T".into(),
            }
            .abi_encode(),
        );
        let secret = deploy(
            &mut chain,
            deployer,
            &SecretRegistry::BYTECODE,
            SecretRegistry::constructorCall {
                blocks_mode_: false,
            }
            .abi_encode(),
        );
        let tn = deploy(
            &mut chain,
            deployer,
            &TokenNetwork::BYTECODE,
            TokenNetwork::constructorCall {
                token_: token,
                secret_registry_: secret,
                chain_id_: U256::from(CHAIN_ID),
                settle_timeout_: U256::from(T),
                settlement_timeout_min_: U256::from(20u64),
                settlement_timeout_max_: U256::from(100u64),
                blocks_mode_: false,
                update_deadline_: false,
                reject_high_s_: false,
                defects_: U256::from(defects),
            }
            .abi_encode(),
        );
        let tnr = deploy(
            &mut chain,
            deployer,
            &TokenNetworkRegistry::BYTECODE,
            Vec::new(),
        );
        let sr = deploy(
            &mut chain,
            deployer,
            &ServiceRegistry::BYTECODE,
            ServiceRegistry::constructorCall {
                token_: token,
                initial_price: ether(1000),
                registration_duration_: U256::from(86_400u64),
                decaying_price_: false,
                decay_constant_: U256::from(1u64),
                min_price_: U256::ZERO,
                price_bump_numerator_: U256::from(1u64),
                price_bump_denominator_: U256::from(1u64),
            }
            .abi_encode(),
        );
        let udc = deploy(
            &mut chain,
            deployer,
            &UserDeposit::BYTECODE,
            UserDeposit::constructorCall {
                token_: token,
                withdraw_timeout_: U256::from(60u64),
                whole_balance_limit_: U256::MAX,
                blocks_mode_: false,
            }
            .abi_encode(),
        );
        let msc = deploy(
            &mut chain,
            deployer,
            &MonitoringService::BYTECODE,
            MonitoringService::constructorCall {
                token_: token,
                service_registry_: sr,
                user_deposit_: udc,
                token_network_registry_: tnr,
                chain_id_: U256::from(CHAIN_ID),
                reject_high_s_: false,
                defects_: U256::from(defects),
            }
            .abi_encode(),
        );
        let mut env = Env {
            chain,
            deployer,
            token,
            tn,
            msc,
            udc,
            sr,
            domain: Domain {
                token_network: tn,
                chain_id: U256::from(CHAIN_ID),
                monitoring_service_contract: msc,
            },
            a,
            b,
            ms,
        };
        env.call(
            deployer,
            tnr,
            TokenNetworkRegistry::registerTokenNetworkCall {
                token,
                token_network: tn,
            }
            .abi_encode(),
        )
        .unwrap();
        env.call(deployer, udc, UserDeposit::initCall { msc }.abi_encode())
            .unwrap();
        for who in [env.a.address(), env.b.address(), env.ms.address()] {
            env.call(
                deployer,
                token,
                Token::mintCall {
                    to: who,
                    amount: ether(10_000),
                }
                .abi_encode(),
            )
            .unwrap();
            for spender in [tn, udc, sr] {
                env.call(
                    who,
                    token,
                    Token::approveCall {
                        spender,
                        amount: U256::MAX,
                    }
                    .abi_encode(),
                )
                .unwrap();
            }
        }
        env
    }

    fn call(&mut self, from: Address, to: Address, data: Vec<u8>) -> Result<Bytes, String> {
        // Simulate first to get a decodable reason, then commit.
        if let Err(e) = self.chain.view(from, to, data.clone().into()) {
            return Err(revert_text(e));
        }
        self.chain
            .genesis_call(from, to, data.into(), U256::ZERO)
            .map_err(|e| e.to_string())
    }

    /// Produces an empty block at `secs` after genesis (the head clock moves there).
    fn advance_to(&mut self, secs: u64) {
        self.chain.build_block(SimTime(secs * 1000), &mut |_| true);
    }

    fn now(&self) -> u64 {
        self.chain.head().timestamp
    }

    fn open(&mut self) -> U256 {
        let (a, b) = (self.a.address(), self.b.address());
        let out = self
            .call(
                self.deployer,
                self.tn,
                TokenNetwork::openChannel_1Call {
                    participant1: a,
                    participant2: b,
                }
                .abi_encode(),
            )
            .unwrap();
        let id = U256::from_be_slice(&out[..32]);
        for (who, partner) in [(a, b), (b, a)] {
            self.call(
                who,
                self.tn,
                TokenNetwork::setTotalDepositCall {
                    channel_identifier: id,
                    participant: who,
                    total_deposit: ether(100),
                    partner,
                }
                .abi_encode(),
            )
            .unwrap();
        }
        id
    }

    fn bp(
        &self,
        signer: &Key,
        id: U256,
        transferred: u64,
        nonce: u64,
    ) -> messages::BalanceProofMsg {
        self.domain.sign_balance_proof(
            signer,
            id,
            ether(transferred),
            U256::ZERO,
            empty_locksroot(),
            U256::from(nonce),
            B256::repeat_byte(nonce as u8),
        )
    }

    /// `closer` closes with `bp` (the partner's proof) or with nothing.
    fn close(
        &mut self,
        closer: &Key,
        id: U256,
        bp: Option<&messages::BalanceProofMsg>,
        msg_type: u64,
    ) -> Result<Bytes, String> {
        let partner = if closer.address() == self.a.address() {
            self.b.address()
        } else {
            self.a.address()
        };
        let (bh, nonce, ah, sig) = match bp {
            Some(b) => (
                b.balance_hash(),
                b.nonce,
                b.additional_hash,
                b.signature.clone(),
            ),
            None => (B256::ZERO, U256::ZERO, B256::ZERO, Bytes::new()),
        };
        let closing_sig = closer
            .sign_hash(
                self.domain
                    .counter_signature_digest(msg_type, id, bh, nonce, ah, &sig),
            )
            .to_bytes();
        self.call(
            closer.address(),
            self.tn,
            TokenNetwork::closeChannelCall {
                channel_identifier: id,
                non_closing_participant: partner,
                closing_participant: closer.address(),
                balance_hash: bh,
                nonce,
                additional_hash: ah,
                non_closing_signature: sig,
                closing_participant_signature: closing_sig,
            }
            .abi_encode(),
        )
    }

    fn slot(&mut self, id: U256, who: Address, partner: Address) -> (B256, U256) {
        let out = self
            .chain
            .view(
                Address::ZERO,
                self.tn,
                TokenNetwork::getChannelParticipantInfoCall {
                    channel_identifier: id,
                    participant: who,
                    partner,
                }
                .abi_encode()
                .into(),
            )
            .unwrap();
        let r = TokenNetwork::getChannelParticipantInfoCall::abi_decode_returns(&out).unwrap();
        (r.balance_hash, r.nonce)
    }

    fn monitor_call(
        &self,
        mr: &messages::MonitorRequestMsg,
        closer: Address,
        tn: Address,
    ) -> Vec<u8> {
        let bp = &mr.balance_proof;
        MonitoringService::monitorCall {
            closing_participant: closer,
            non_closing_participant: mr.non_closing_participant,
            balance_hash: bp.balance_hash(),
            nonce: bp.nonce,
            additional_hash: bp.additional_hash,
            closing_signature: bp.signature.clone(),
            non_closing_signature: mr.non_closing_signature.clone(),
            reward_amount: mr.reward_amount,
            token_network_address: tn,
            reward_proof_signature: mr.reward_proof_signature.clone(),
        }
        .abi_encode()
    }

    fn register_ms(&mut self) {
        let ms = self.ms.address();
        self.call(
            ms,
            self.sr,
            ServiceRegistry::depositCall {
                limit_amount: ether(1000),
            }
            .abi_encode(),
        )
        .unwrap();
    }

    fn first_allowed_for_ms(&self, close: u64) -> u64 {
        slot::first_allowed(
            U256::from(close),
            U256::from(T),
            self.a.address(),
            self.b.address(),
            self.ms.address(),
        )
        .unwrap()
        .to::<u64>()
    }
}

#[test]
fn balance_proofs_recover_on_chain_and_are_bound_to_type_and_channel() {
    let mut env = Env::new(0);
    let id = env.open();
    let (a, b) = (env.a.clone(), env.b.clone());
    let bp_b = env.bp(&b, id, 7, 3);
    // A type-2 counter-signature can update but never close.
    assert_eq!(
        env.close(&a, id, Some(&bp_b), TYPE_BALANCE_PROOF_UPDATE),
        Err("Invalid closing sig".into())
    );
    // A proof signed for another channel id does not verify here.
    let other = env.bp(&b, id + U256::from(1u64), 7, 3);
    assert_eq!(
        env.close(&a, id, Some(&other), TYPE_BALANCE_PROOF),
        Err("Invalid non-closing sig".into())
    );
    env.close(&a, id, Some(&bp_b), TYPE_BALANCE_PROOF).unwrap();
    assert_eq!(
        env.slot(id, b.address(), a.address()),
        (bp_b.balance_hash(), U256::from(3u64))
    );
    // B updates A's slot with A's proof, countersigned with type 2.
    let bp_a = env.bp(&a, id, 20, 2);
    let nc_sig = env.domain.countersign(&b, TYPE_BALANCE_PROOF_UPDATE, &bp_a);
    let update = |nonce_sig: Bytes, bp: &messages::BalanceProofMsg| {
        TokenNetwork::updateNonClosingBalanceProofCall {
            channel_identifier: id,
            closing_participant: a.address(),
            non_closing_participant: b.address(),
            balance_hash: bp.balance_hash(),
            nonce: bp.nonce,
            additional_hash: bp.additional_hash,
            closing_signature: bp.signature.clone(),
            non_closing_signature: nonce_sig,
        }
        .abi_encode()
    };
    // A type-1 counter-signature does not authorise an update.
    let wrong_type = env.domain.countersign(&b, TYPE_BALANCE_PROOF, &bp_a);
    assert_eq!(
        env.call(b.address(), env.tn, update(wrong_type, &bp_a)),
        Err("Invalid non-closing sig".into())
    );
    env.call(env.ms.address(), env.tn, update(nc_sig.clone(), &bp_a))
        .unwrap();
    assert_eq!(env.slot(id, a.address(), b.address()).1, U256::from(2u64));
    // The same nonce again is refused.
    assert_eq!(
        env.call(b.address(), env.tn, update(nc_sig, &bp_a)),
        Err("nonce reused".into())
    );
}

#[test]
fn reward_proofs_are_checked_and_slots_enforced() {
    let mut env = Env::new(0);
    env.register_ms();
    let id = env.open();
    let (a, b, ms) = (env.a.clone(), env.b.clone(), env.ms.address());
    env.call(
        b.address(),
        env.udc,
        UserDeposit::depositCall {
            beneficiary: b.address(),
            new_total_deposit: ether(20),
        }
        .abi_encode(),
    )
    .unwrap();
    let bp_a = env.bp(&a, id, 30, 4);
    let mr = env.domain.monitor_request(&b, &bp_a, ether(5));
    env.advance_to(100);
    env.close(&a, id, None, TYPE_BALANCE_PROOF).unwrap();
    let close = env.now();
    let first = env.first_allowed_for_ms(close);
    // The contract's view gives the same slot.
    let view = env
        .chain
        .view(
            Address::ZERO,
            env.msc,
            MonitoringService::firstTimestampAllowedToMonitorChannelCall {
                token_network_address: env.tn,
                channel_identifier: id,
                closing_participant: a.address(),
                non_closing_participant: b.address(),
                monitoring_service: ms,
            }
            .abi_encode()
            .into(),
        )
        .unwrap();
    assert_eq!(U256::from_be_slice(&view[..32]), U256::from(first));
    let call = env.monitor_call(&mr, a.address(), env.tn);
    if first > close {
        assert_eq!(
            env.call(ms, env.msc, call.clone()),
            Err("not allowed to monitor".into())
        );
    }
    env.advance_to(first - GENESIS_TS);
    // Tampered amount, tampered signature, wrong signer.
    let mut more = mr.clone();
    more.reward_amount = ether(6);
    assert_eq!(
        env.call(ms, env.msc, env.monitor_call(&more, a.address(), env.tn)),
        Err("Bad reward proof".into())
    );
    let mut flipped = mr.clone();
    let mut sig = flipped.reward_proof_signature.to_vec();
    sig[5] ^= 0x01;
    flipped.reward_proof_signature = sig.into();
    assert!(env
        .call(ms, env.msc, env.monitor_call(&flipped, a.address(), env.tn))
        .is_err());
    let by_a = env.domain.monitor_request(&a, &bp_a, ether(5));
    let mut forged = mr.clone();
    forged.reward_proof_signature = by_a.reward_proof_signature;
    assert_eq!(
        env.call(ms, env.msc, env.monitor_call(&forged, a.address(), env.tn)),
        Err("Bad reward proof".into())
    );
    // The genuine request lands.
    env.call(ms, env.msc, call).unwrap();
    assert_eq!(env.slot(id, a.address(), b.address()).1, U256::from(4u64));
    // Claim: too early, then paid once after the window.
    let claim = MonitoringService::claimRewardCall {
        channel_identifier: id,
        token_network_address: env.tn,
        closing_participant: a.address(),
        non_closing_participant: b.address(),
    }
    .abi_encode();
    assert_eq!(
        env.call(ms, env.msc, claim.clone()),
        Err("channel not settled yet".into())
    );
    env.advance_to(close - GENESIS_TS + T + 1);
    env.call(b.address(), env.msc, claim.clone()).unwrap();
    assert_eq!(env.call(ms, env.msc, claim), Err("no reward".into()));
    let bal = env
        .chain
        .view(
            Address::ZERO,
            env.udc,
            UserDeposit::balancesCall(ms).abi_encode().into(),
        )
        .unwrap();
    assert_eq!(U256::from_be_slice(&bal[..32]), ether(5));
}

#[test]
fn unknown_network_and_expired_registration_revert() {
    let mut env = Env::new(0);
    let id = env.open();
    let (a, b, ms) = (env.a.clone(), env.b.clone(), env.ms.address());
    let bp_a = env.bp(&a, id, 30, 4);
    let mr = env.domain.monitor_request(&b, &bp_a, ether(5));
    env.close(&a, id, None, TYPE_BALANCE_PROOF).unwrap();
    // A second, unregistered token network over the same token (N1).
    let rogue = deploy(
        &mut env.chain,
        env.deployer,
        &TokenNetwork::BYTECODE,
        TokenNetwork::constructorCall {
            token_: env.token,
            secret_registry_: Address::ZERO,
            chain_id_: U256::from(CHAIN_ID),
            settle_timeout_: U256::from(T),
            settlement_timeout_min_: U256::ZERO,
            settlement_timeout_max_: U256::ZERO,
            blocks_mode_: false,
            update_deadline_: false,
            reject_high_s_: false,
            defects_: U256::ZERO,
        }
        .abi_encode(),
    );
    assert_eq!(
        env.call(ms, env.msc, env.monitor_call(&mr, a.address(), rogue)),
        Err("Unknown TokenNetwork".into())
    );
    // N3: never registered.
    env.advance_to(T);
    assert_eq!(
        env.call(ms, env.msc, env.monitor_call(&mr, a.address(), env.tn)),
        Err("service not registered".into())
    );
    // Registered, then expired a day later.
    env.register_ms();
    env.advance_to(T + 86_400 + 1);
    assert_eq!(
        env.call(ms, env.msc, env.monitor_call(&mr, a.address(), env.tn)),
        Err("service not registered".into())
    );
}

#[test]
fn an_old_proof_fails_on_a_reopened_channel() {
    // N4: settle, reopen (new id), replay the old proof.
    let mut env = Env::new(0);
    let id = env.open();
    let (a, b) = (env.a.clone(), env.b.clone());
    let old = env.bp(&b, id, 10, 1);
    env.close(&a, id, Some(&old), TYPE_BALANCE_PROOF).unwrap();
    env.advance_to(T + 1);
    let settle = TokenNetwork::settleChannelCall {
        channel_identifier: id,
        participant1: a.address(),
        participant1_transferred_amount: U256::ZERO,
        participant1_locked_amount: U256::ZERO,
        participant1_locksroot: B256::ZERO,
        participant2: b.address(),
        participant2_transferred_amount: ether(10),
        participant2_locked_amount: U256::ZERO,
        participant2_locksroot: empty_locksroot(),
    }
    .abi_encode();
    env.call(a.address(), env.tn, settle).unwrap();
    let id2 = env.open();
    assert_ne!(id, id2);
    assert_eq!(
        env.close(&a, id2, Some(&old), TYPE_BALANCE_PROOF),
        Err("Invalid non-closing sig".into())
    );
}

#[test]
fn settlement_arithmetic_in_revm_matches_the_table() {
    let mut env = Env::new(0);
    let cases: [[u64; 8]; 7] = [
        [100, 0, 0, 0, 50, 0, 0, 0],
        [100, 0, 10, 0, 50, 0, 40, 0],
        [100, 20, 10, 0, 50, 5, 40, 0],
        [100, 0, 10, 4, 50, 0, 40, 8],
        [10, 0, 0, 0, 10, 0, 500, 0],
        [10, 0, 0, 0, 10, 0, 5, 15],
        [10, 0, 0, 0, 10, 0, 5, 20],
    ];
    for c in cases {
        let u = |i: usize| U256::from(c[i]);
        let out = env
            .chain
            .view(
                Address::ZERO,
                env.tn,
                TokenNetwork::settlementAmountsCall {
                    d1: u(0),
                    w1: u(1),
                    t1: u(2),
                    l1: u(3),
                    d2: u(4),
                    w2: u(5),
                    t2: u(6),
                    l2: u(7),
                }
                .abi_encode()
                .into(),
            )
            .unwrap();
        let r = TokenNetwork::settlementAmountsCall::abi_decode_returns(&out).unwrap();
        let want = amounts(
            Side {
                deposit: u(0),
                withdrawn: u(1),
                transferred: u(2),
                locked: u(3),
            },
            Side {
                deposit: u(4),
                withdrawn: u(5),
                transferred: u(6),
                locked: u(7),
            },
        )
        .unwrap();
        assert_eq!(
            (r.amount1, r.amount2, r.locked1_left, r.locked2_left),
            (want.p1, want.p2, want.locked1, want.locked2),
            "case {c:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn slot_rule_in_the_contract_equals_rust(
        p1 in any::<[u8; 20]>(),
        p2 in any::<[u8; 20]>(),
        ms in any::<[u8; 20]>(),
        closed_at in 0u64..u64::MAX / 2,
        t in 2u64..1_000_000,
    ) {
        thread_local! {
            static ENV: std::cell::RefCell<Env> = std::cell::RefCell::new(Env::new(0));
        }
        let (p1, p2, ms) = (Address::from(p1), Address::from(p2), Address::from(ms));
        let got = ENV.with(|env| {
            let mut env = env.borrow_mut();
            let msc = env.msc;
            let out = env
                .chain
                .view(
                    Address::ZERO,
                    msc,
                    MonitoringService::firstTimestampAllowedToMonitorCall {
                        closed_at: U256::from(closed_at),
                        settle_timeout: U256::from(t),
                        participant1: p1,
                        participant2: p2,
                        monitoring_service: ms,
                    }
                    .abi_encode()
                    .into(),
                )
                .unwrap();
            U256::from_be_slice(&out[..32])
        });
        let want = slot::first_allowed(U256::from(closed_at), U256::from(t), p1, p2, ms).unwrap();
        prop_assert_eq!(got, want);
    }
}

#[test]
fn a_timeout_below_two_divides_by_zero() {
    let mut env = Env::new(0);
    let msc = env.msc;
    let r = env.chain.view(
        Address::ZERO,
        msc,
        MonitoringService::firstTimestampAllowedToMonitorCall {
            closed_at: U256::from(5u64),
            settle_timeout: U256::from(1u64),
            participant1: Address::with_last_byte(1),
            participant2: Address::with_last_byte(2),
            monitoring_service: Address::with_last_byte(3),
        }
        .abi_encode()
        .into(),
    );
    // Panic(0x12): division or modulo by zero.
    match r {
        Err(ViewError::Revert(d)) => assert_eq!(d[d.len() - 1], 0x12),
        other => panic!("expected a revert, got {other:?}"),
    }
}

#[test]
fn locks_stay_locked_at_settlement_and_unlock_pays_revealed_secrets() {
    use sha2::{Digest, Sha256};
    let mut env = Env::new(0);
    let id = env.open();
    let (a, b) = (env.a.clone(), env.b.clone());
    // One pending lock of 5 from A to B, revealed in time; A has also paid 10 outright.
    let secret = B256::repeat_byte(0x5e);
    let secrethash = B256::from_slice(&Sha256::digest(secret.as_slice()));
    let mut locks = Vec::new();
    locks.extend_from_slice(&U256::from(GENESIS_TS + 10_000).to_be_bytes::<32>());
    locks.extend_from_slice(&ether(5).to_be_bytes::<32>());
    locks.extend_from_slice(secrethash.as_slice());
    let locksroot = alloy_primitives::keccak256(&locks);
    let bp_a = env.domain.sign_balance_proof(
        &a,
        id,
        ether(10),
        ether(5),
        locksroot,
        U256::from(1u64),
        B256::ZERO,
    );
    env.close(&b, id, Some(&bp_a), TYPE_BALANCE_PROOF).unwrap();
    let secret_registry = {
        let out = env
            .chain
            .view(
                Address::ZERO,
                env.tn,
                TokenNetwork::secret_registryCall {}.abi_encode().into(),
            )
            .unwrap();
        Address::from_slice(&out[12..32])
    };
    env.call(
        b.address(),
        secret_registry,
        SecretRegistry::registerSecretCall { secret }.abi_encode(),
    )
    .unwrap();
    env.advance_to(T + 1);
    // Side 1 is B (nothing sent), side 2 is A (10 sent + 5 locked).
    let settle = TokenNetwork::settleChannelCall {
        channel_identifier: id,
        participant1: b.address(),
        participant1_transferred_amount: U256::ZERO,
        participant1_locked_amount: U256::ZERO,
        participant1_locksroot: B256::ZERO,
        participant2: a.address(),
        participant2_transferred_amount: ether(10),
        participant2_locked_amount: ether(5),
        participant2_locksroot: locksroot,
    }
    .abi_encode();
    let balance = |env: &mut Env, who: Address| {
        let out = env
            .chain
            .view(
                Address::ZERO,
                env.token,
                Token::balanceOfCall { account: who }.abi_encode().into(),
            )
            .unwrap();
        U256::from_be_slice(&out[..32])
    };
    let (a0, b0) = (
        balance(&mut env, a.address()),
        balance(&mut env, b.address()),
    );
    env.call(b.address(), env.tn, settle).unwrap();
    let state = |env: &mut Env| {
        let out = env
            .chain
            .view(
                Address::ZERO,
                env.tn,
                TokenNetwork::getChannelStateCall {
                    channel_identifier: id,
                    participant1: a.address(),
                    participant2: b.address(),
                }
                .abi_encode()
                .into(),
            )
            .unwrap();
        out[31]
    };
    assert_eq!(state(&mut env), 3, "Settled while unlock data remains");
    // B: 100 + 10 now; the 5 stay locked. A: 100 − 10 − 5.
    assert_eq!(balance(&mut env, b.address()) - b0, ether(110));
    assert_eq!(balance(&mut env, a.address()) - a0, ether(85));
    let unlock = TokenNetwork::unlockCall {
        channel_identifier: id,
        receiver: b.address(),
        sender: a.address(),
        locks: locks.clone().into(),
    }
    .abi_encode();
    env.call(a.address(), env.tn, unlock.clone()).unwrap();
    assert_eq!(balance(&mut env, b.address()) - b0, ether(115));
    assert_eq!(state(&mut env), 4, "Removed once nothing is left");
    assert_eq!(
        env.call(a.address(), env.tn, unlock),
        Err("nothing to unlock".into())
    );
}

impl Env {
    fn token_balance(&mut self, who: Address) -> U256 {
        let out = self
            .chain
            .view(
                Address::ZERO,
                self.token,
                Token::balanceOfCall { account: who }.abi_encode().into(),
            )
            .unwrap();
        U256::from_be_slice(&out[..32])
    }

    /// A withdraw input for `who` signed by `who` and by `partner_key`.
    fn withdraw_input(
        &self,
        id: U256,
        who: &Key,
        partner_key: &Key,
        total: U256,
        until: u64,
    ) -> TokenNetwork::WithdrawInput {
        let until = U256::from(until);
        TokenNetwork::WithdrawInput {
            participant: who.address(),
            total_withdraw: total,
            withdrawable_until: until,
            participant_signature: self
                .domain
                .sign_withdraw(who, id, who.address(), total, until),
            partner_signature: self.domain.sign_withdraw(
                partner_key,
                id,
                who.address(),
                total,
                until,
            ),
        }
    }

    fn set_total_withdraw(
        &mut self,
        w: &TokenNetwork::WithdrawInput,
        id: U256,
    ) -> Result<Bytes, String> {
        let call = TokenNetwork::setTotalWithdrawCall {
            channel_identifier: id,
            participant: w.participant,
            total_withdraw: w.total_withdraw,
            withdrawable_until: w.withdrawable_until,
            participant_signature: w.participant_signature.clone(),
            partner_signature: w.partner_signature.clone(),
        }
        .abi_encode();
        let from = self.deployer;
        self.call(from, self.tn, call)
    }

    fn withdrawn(&mut self, id: U256, who: Address, partner: Address) -> U256 {
        let out = self
            .chain
            .view(
                Address::ZERO,
                self.tn,
                TokenNetwork::getChannelParticipantInfoCall {
                    channel_identifier: id,
                    participant: who,
                    partner,
                }
                .abi_encode()
                .into(),
            )
            .unwrap();
        TokenNetwork::getChannelParticipantInfoCall::abi_decode_returns(&out)
            .unwrap()
            .withdrawn_amount
    }
}

#[test]
fn withdraw_messages_recover_on_chain_and_are_enforced() {
    let mut env = Env::new(0);
    let id = env.open();
    let (a, b) = (env.a.clone(), env.b.clone());
    let until = env.now() + 100;
    let a0 = env.token_balance(a.address());
    let w = env.withdraw_input(id, &a, &b, ether(30), until);
    env.set_total_withdraw(&w, id).unwrap();
    assert_eq!(env.token_balance(a.address()) - a0, ether(30));
    assert_eq!(env.withdrawn(id, a.address(), b.address()), ether(30));
    // The same total again pays nothing and is refused.
    assert_eq!(
        env.set_total_withdraw(&w, id),
        Err("withdraw amount did not increase".into())
    );
    // A partner signature over another total recovers to a stranger.
    let mut forged = env.withdraw_input(id, &a, &b, ether(40), until);
    forged.partner_signature =
        env.domain
            .sign_withdraw(&b, id, a.address(), ether(35), U256::from(until));
    assert_eq!(
        env.set_total_withdraw(&forged, id),
        Err("channel id mismatch".into())
    );
    // Signed by the partner only (twice): the participant signature does not recover to it.
    let mut one_sided = env.withdraw_input(id, &a, &b, ether(40), until);
    one_sided.participant_signature = one_sided.partner_signature.clone();
    assert_eq!(
        env.set_total_withdraw(&one_sided, id),
        Err("invalid participant signature".into())
    );
    // A withdraw message signed for another channel id does not verify here.
    let other = env.withdraw_input(id + U256::from(1u64), &a, &b, ether(40), until);
    assert_eq!(
        env.set_total_withdraw(&other, id),
        Err("channel id mismatch".into())
    );
    // Both totals together may not exceed both deposits.
    let too_much = env.withdraw_input(id, &b, &a, ether(171), until);
    assert_eq!(
        env.set_total_withdraw(&too_much, id),
        Err("withdraw > deposit".into())
    );
    // Expired: `now < withdrawable_until` fails once the time has come.
    env.advance_to(until - GENESIS_TS);
    let late = env.withdraw_input(id, &a, &b, ether(40), until);
    assert_eq!(
        env.set_total_withdraw(&late, id),
        Err("withdraw expired".into())
    );
    // Not once the channel is closed.
    env.close(&a, id, None, TYPE_BALANCE_PROOF).unwrap();
    let after = env.withdraw_input(id, &a, &b, ether(40), until + 1_000);
    assert_eq!(
        env.set_total_withdraw(&after, id),
        Err("channel not open".into())
    );
}

#[test]
fn cooperative_settle_pays_the_agreed_totals_minus_withdrawals() {
    let mut env = Env::new(0);
    let id = env.open();
    let (a, b) = (env.a.clone(), env.b.clone());
    let until = env.now() + 100;
    let w = env.withdraw_input(id, &a, &b, ether(20), until);
    env.set_total_withdraw(&w, id).unwrap();
    let (a0, b0) = (
        env.token_balance(a.address()),
        env.token_balance(b.address()),
    );
    let coop = |env: &Env, ta: u64, tb: u64| TokenNetwork::cooperativeSettleCall {
        channel_identifier: id,
        data1: env.withdraw_input(id, &a, &b, ether(ta), until),
        data2: env.withdraw_input(id, &b, &a, ether(tb), until),
    };
    // The totals must add up to the deposits.
    assert_eq!(
        env.call(a.address(), env.tn, coop(&env, 120, 70).abi_encode()),
        Err("incomplete amounts".into())
    );
    // A total below what A already withdrew is refused.
    assert_eq!(
        env.call(a.address(), env.tn, coop(&env, 10, 190).abi_encode()),
        Err("withdraw amount decreased".into())
    );
    // A keeps 130 in all (B paid it 30 off-chain): 110 now on top of the 20 withdrawn.
    env.call(a.address(), env.tn, coop(&env, 130, 70).abi_encode())
        .unwrap();
    assert_eq!(env.token_balance(a.address()) - a0, ether(110));
    assert_eq!(env.token_balance(b.address()) - b0, ether(70));
    let out = env
        .chain
        .view(
            Address::ZERO,
            env.tn,
            TokenNetwork::getChannelStateCall {
                channel_identifier: id,
                participant1: a.address(),
                participant2: b.address(),
            }
            .abi_encode()
            .into(),
        )
        .unwrap();
    assert_eq!(out[31], 4, "removed");
    assert_eq!(env.token_balance(env.tn), U256::ZERO);
    // The pair can open a new channel.
    assert_ne!(env.open(), id);
}

/// One end-to-end settlement: withdrawals, A's and B's transfers by nonce, what A closes with
/// and what B updates with.
struct SettleCase {
    withdraw_a: u64,
    withdraw_b: u64,
    /// A's cumulative transferred amount at nonce 1, 2, ….
    sent_by_a: &'static [u64],
    sent_by_b: &'static [u64],
    /// The nonce of B's proof A closes with (0: none).
    close_with: u64,
    /// The nonce of A's proof B updates with (0: no update).
    update_with: u64,
}

#[test]
fn settlement_with_withdrawals_and_older_proofs_pays_the_rust_amounts() {
    let cases = [
        // Plain: both newest proofs on chain.
        SettleCase {
            withdraw_a: 0,
            withdraw_b: 0,
            sent_by_a: &[10, 30],
            sent_by_b: &[5],
            close_with: 1,
            update_with: 2,
        },
        // Withdrawals on both sides, A closes with nothing, B updates.
        SettleCase {
            withdraw_a: 20,
            withdraw_b: 10,
            sent_by_a: &[10, 30],
            sent_by_b: &[5, 25],
            close_with: 0,
            update_with: 2,
        },
        // A closes with B's older proof: it gets less than with the newest.
        SettleCase {
            withdraw_a: 20,
            withdraw_b: 10,
            sent_by_a: &[10, 30],
            sent_by_b: &[5, 25],
            close_with: 1,
            update_with: 2,
        },
        // B never updates: A's own payments are not on chain (the stale close).
        SettleCase {
            withdraw_a: 0,
            withdraw_b: 40,
            sent_by_a: &[10, 30, 60],
            sent_by_b: &[5],
            close_with: 1,
            update_with: 0,
        },
        // B updates with an older proof of A's.
        SettleCase {
            withdraw_a: 50,
            withdraw_b: 0,
            sent_by_a: &[10, 30, 60],
            sent_by_b: &[],
            close_with: 0,
            update_with: 1,
        },
        // B paid more than it ever deposited net of its withdrawal: A is capped at all there is.
        SettleCase {
            withdraw_a: 0,
            withdraw_b: 90,
            sent_by_a: &[],
            sent_by_b: &[50, 120],
            close_with: 2,
            update_with: 0,
        },
    ];
    let mut env = Env::new(0);
    let (a, b) = (env.a.clone(), env.b.clone());
    for (i, c) in cases.iter().enumerate() {
        let id = env.open();
        let until = env.now() + 1_000;
        for (who, partner, amount) in [(&a, &b, c.withdraw_a), (&b, &a, c.withdraw_b)] {
            if amount > 0 {
                let w = env.withdraw_input(id, who, partner, ether(amount), until);
                env.set_total_withdraw(&w, id).unwrap();
            }
        }
        let proofs = |env: &Env, signer: &Key, sent: &[u64]| -> Vec<messages::BalanceProofMsg> {
            sent.iter()
                .enumerate()
                .map(|(n, t)| env.bp(signer, id, *t, n as u64 + 1))
                .collect()
        };
        let by_a = proofs(&env, &a, c.sent_by_a);
        let by_b = proofs(&env, &b, c.sent_by_b);
        let closing = (c.close_with > 0).then(|| by_b[c.close_with as usize - 1].clone());
        env.close(&a, id, closing.as_ref(), TYPE_BALANCE_PROOF)
            .unwrap();
        let close_time = env.now();
        if c.update_with > 0 {
            let bp = &by_a[c.update_with as usize - 1];
            let sig = env.domain.countersign(&b, TYPE_BALANCE_PROOF_UPDATE, bp);
            env.call(
                b.address(),
                env.tn,
                TokenNetwork::updateNonClosingBalanceProofCall {
                    channel_identifier: id,
                    closing_participant: a.address(),
                    non_closing_participant: b.address(),
                    balance_hash: bp.balance_hash(),
                    nonce: bp.nonce,
                    additional_hash: bp.additional_hash,
                    closing_signature: bp.signature.clone(),
                    non_closing_signature: sig,
                }
                .abi_encode(),
            )
            .unwrap();
        }
        env.advance_to(close_time - GENESIS_TS + T + 1);
        let on_chain = |sent: &[u64], nonce: u64| {
            if nonce == 0 {
                0
            } else {
                sent[nonce as usize - 1]
            }
        };
        let side = |w: u64, t: u64| Side {
            deposit: ether(100),
            withdrawn: ether(w),
            transferred: ether(t),
            locked: U256::ZERO,
        };
        let side_a = side(c.withdraw_a, on_chain(c.sent_by_a, c.update_with));
        let side_b = side(c.withdraw_b, on_chain(c.sent_by_b, c.close_with));
        let (s1, s2, swapped) = super::settlement::ordered(side_a, side_b);
        let (p1, p2) = if swapped {
            (b.address(), a.address())
        } else {
            (a.address(), b.address())
        };
        let hash_side = |s: Side| {
            if s.transferred.is_zero() {
                B256::ZERO
            } else {
                empty_locksroot()
            }
        };
        let settle = TokenNetwork::settleChannelCall {
            channel_identifier: id,
            participant1: p1,
            participant1_transferred_amount: s1.transferred,
            participant1_locked_amount: U256::ZERO,
            participant1_locksroot: hash_side(s1),
            participant2: p2,
            participant2_transferred_amount: s2.transferred,
            participant2_locked_amount: U256::ZERO,
            participant2_locksroot: hash_side(s2),
        }
        .abi_encode();
        let (a0, b0) = (
            env.token_balance(a.address()),
            env.token_balance(b.address()),
        );
        env.call(b.address(), env.tn, settle)
            .unwrap_or_else(|e| panic!("case {i}: {e}"));
        let got_a = env.token_balance(a.address()) - a0;
        let got_b = env.token_balance(b.address()) - b0;
        let want = amounts(s1, s2).unwrap();
        let (want_a, want_b) = if swapped {
            (want.p2, want.p1)
        } else {
            (want.p1, want.p2)
        };
        assert_eq!((got_a, got_b), (want_a, want_b), "case {i}");
        assert_eq!(
            got_a + got_b,
            ether(200 - c.withdraw_a - c.withdraw_b),
            "case {i}: settlement conservation"
        );
        // Against the newest proofs both sides hold: A never gains by submitting an older
        // proof of B's, and B is made whole exactly when A's newest proof is on chain.
        let newest_a = side(c.withdraw_a, c.sent_by_a.last().copied().unwrap_or(0));
        let newest_b = side(c.withdraw_b, c.sent_by_b.last().copied().unwrap_or(0));
        let fair_a = super::settlement::expected_payout(newest_a, newest_b);
        let fair_b = super::settlement::expected_payout(newest_b, newest_a);
        if c.update_with as usize == c.sent_by_a.len() {
            assert!(got_a <= fair_a, "case {i}: A gained from an older proof");
            assert!(
                got_b >= fair_b,
                "case {i}: B lost with A's newest proof on chain"
            );
        } else {
            assert!(got_b < fair_b, "case {i}: the stale close should cost B");
        }
        assert_eq!(env.token_balance(env.tn), U256::ZERO, "case {i}");
    }
}
