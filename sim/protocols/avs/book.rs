//! Deployment at genesis and the god's-eye bookkeeping shared by actors, invariants and metrics.

use super::bindings::*;
use super::config::{AvsConfig, Quirks};
use super::digest::{self, State};
use super::epoch::EpochClock;
use super::invariants;
use super::relay;
use crate::chain::ChainIdx;
use crate::engine::genesis::Genesis;
use crate::engine::keys::Key;
use crate::protocols::Setup;
use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_sol_types::SolConstructor;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// One token in base units.
pub const TOKEN: u128 = 1_000_000_000_000_000_000;
/// The single strategy of the AVS's operator set (an address standing for a restaked token).
pub const STRATEGY: Address = Address::new([0x57; 20]);
/// Operator set id of the AVS.
pub const OPERATOR_SET: u32 = 1;
/// `DEALLOCATION_DELAY` in main-chain blocks (small sim default).
pub const DEALLOCATION_DELAY: u64 = 200;
/// Bridge fee of BridgeLite.
pub const BRIDGE_FEE: u128 = 10_000_000_000_000_000;

/// A remote chain with its replica.
#[derive(Debug, Clone)]
pub struct Remote {
    pub name: String,
    pub chain: ChainIdx,
    pub chain_id: u64,
    /// BridgeLite on M towards this chain.
    pub bridge_out: Address,
    /// BridgeLite on this chain towards M.
    pub bridge_in: Address,
    pub receiver: Address,
    pub light: Address,
    pub state_manager: Address,
}

/// An operator as set up at genesis.
#[derive(Debug, Clone)]
pub struct OperatorInfo {
    pub name: String,
    pub address: Address,
    pub stake: U256,
    /// Signing keys, in rotation order (index 0 registers).
    pub keys: Vec<Key>,
}

/// A stored proof (the off-chain proof store).
#[derive(Debug, Clone)]
pub struct Proof {
    pub task: B256,
    pub state: State,
    pub sig_data: Bytes,
    pub reference: u32,
    pub signers: Vec<Address>,
    /// Time it was stored (ms) and main-chain block.
    pub at_ms: u64,
    pub block: u64,
    /// The value is the true post-block value (god's eye, recorded at storage).
    pub correct: bool,
}

/// A snapshot as the relayer picked it up.
#[derive(Debug, Clone)]
pub struct SnapshotInfo {
    pub remote: usize,
    pub epoch: u32,
    /// Main-chain block the snapshot was taken in.
    pub block: u64,
    pub operators: Vec<Address>,
    pub processed: bool,
    /// When the bridge policy scheduled its first delivery transaction on the remote chain
    /// (ms); `None` when the bridge dropped it (the premise of `avs.replica_liveness`).
    pub delivery_ms: Option<u64>,
}

/// An epoch's registry data on one chain: threshold, then (key, weight) per operator.
pub type ReplicaData = (U256, Vec<(Address, U256)>);

/// A challenge's lifecycle (detection-to-slash latency, accountability).
#[derive(Debug, Clone, Default)]
pub struct ChallengeRecord {
    /// Index of the challenged proof in the proof store, if it came from there.
    pub proof: Option<usize>,
    pub challenger: String,
    /// (chain id, user, key, block) of the challenged state.
    pub source: (u64, Address, U256, u64),
    pub operators: Vec<Address>,
    pub submitted_ms: Option<u64>,
    pub verified_ms: Option<u64>,
    pub resolved_ms: Option<u64>,
    pub success: Option<bool>,
    /// Why it did not end in slashing, when it did not.
    pub escape: Option<String>,
}

/// A task's lifecycle, for liveness.
#[derive(Debug, Clone)]
pub struct TaskRecord {
    pub issued_ms: u64,
    pub quorum_ms: Option<u64>,
    pub failed: bool,
    /// Current epoch on M when the task was issued, and when it failed (or reached quorum).
    pub first_epoch: u32,
    pub last_epoch: u32,
    /// Per operator: the last request round it was sent, and whether the aggregator received
    /// its reply to that round before the task ended. An operator whose last request went
    /// unanswered was offline, partitioned, lazy, too slow or lost a message: the premises of
    /// `avs.task_liveness` (§11.10) do not count its weight.
    pub asks: BTreeMap<Address, (u32, bool)>,
}

/// God's-eye bookkeeping of one run.
#[derive(Debug)]
pub struct Book {
    pub quirks: Quirks,
    pub clock: EpochClock,
    pub main: ChainIdx,
    pub main_chain_id: u64,
    pub main_block_ms: u64,
    pub block_ms: BTreeMap<ChainIdx, u64>,
    pub genesis_ts: BTreeMap<ChainIdx, u64>,
    pub chain_ids: BTreeMap<ChainIdx, u64>,
    pub epoch_manager: Address,
    pub registry: Address,
    pub allocation: Address,
    pub sender: Address,
    pub main_state_manager: Address,
    pub remotes: Vec<Remote>,
    pub domain: B256,
    pub confirmations: u64,
    pub operators: Vec<OperatorInfo>,
    pub proofs: Vec<Proof>,
    pub tasks: BTreeMap<B256, TaskRecord>,
    /// Snapshots by guid, and the guids in the order the relayer picked them up.
    pub snapshots: BTreeMap<B256, SnapshotInfo>,
    pub snapshot_order: Vec<B256>,
    /// `isValidSignature` verdicts where the contract and the model disagreed.
    pub verdict_mismatches: Vec<String>,
    /// Verdicts checked against the model.
    pub verdicts_checked: u64,
    /// Per (remote, epoch): time the first consistent snapshot was applied (ms).
    pub first_consistent_ms: BTreeMap<(usize, u32), u64>,
    /// Per (remote, epoch): the replica's data for the epoch (threshold, then key and weight of
    /// every operator) after each applied snapshot, with the time of the block that applied it.
    /// The replica changes only when a snapshot is applied, so this is its whole history.
    pub replica_states: BTreeMap<(usize, u32), Vec<(u64, ReplicaData)>>,
    /// Operators that always answer and refresh (task liveness applies to their weight).
    pub reliable: Vec<Address>,
    /// Operators the aggregator suspended after too many missed replies (§6), with the
    /// main-chain block it happened in.
    pub suspended: Vec<(Address, u64)>,
    pub resolver: Address,
    pub main_verifier: Address,
    /// RemoteChainVerifier per source chain (M included).
    pub verifiers: BTreeMap<ChainIdx, Address>,
    pub slash_wad: U256,
    pub deadline_blocks: u64,
    /// Challenges by id.
    pub challenges: BTreeMap<B256, ChallengeRecord>,
    /// `OperatorSlashed` seen: (operator, time ms).
    pub slashed: Vec<(Address, u64)>,
    /// Operators that signed a wrong value (coalition members, stale signers).
    pub signed_wrong: Vec<Address>,
    /// Signing keys that leaked while current (a thief held them).
    pub leaked_current: Vec<Address>,
    /// An honest challenger takes part (accountability applies).
    pub honest_challenger: bool,
    pub rewards: Address,
    /// Reward pool per epoch (wei).
    pub reward_pool: U256,
    /// Rewards submitted: (epoch, operator, wei).
    pub rewards_paid: Vec<(u32, Address, U256)>,
    /// Bridge adversary settings, set by `avs.bridge_adversary` actors at start.
    pub bridge_adversary: Vec<super::relay::Adversary>,
    /// Delivery transactions that reverted, and how many of them the relayer submitted again.
    pub deliveries_failed: u64,
    pub deliveries_retried: u64,
}

pub type Shared = Rc<RefCell<Book>>;

impl Book {
    /// Time at which block `n` of `chain` is produced.
    pub fn block_time(&self, chain: ChainIdx, n: u64) -> u64 {
        n * self.block_ms[&chain]
    }
    /// Timestamp of block `n` of `chain`.
    pub fn timestamp(&self, chain: ChainIdx, n: u64) -> u64 {
        self.genesis_ts[&chain] + self.block_time(chain, n) / 1000
    }
    /// A wake-up time whose transactions land in main-chain block `n`.
    pub fn wake_for_main_block(&self, n: u64) -> u64 {
        (n * self.main_block_ms).saturating_sub(self.main_block_ms / 2)
    }
    /// The StateManager on `chain`.
    pub fn state_manager(&self, chain: ChainIdx) -> Address {
        if chain == self.main {
            return self.main_state_manager;
        }
        self.remotes
            .iter()
            .find(|r| r.chain == chain)
            .map(|r| r.state_manager)
            .expect("every chain of the protocol has a StateManager")
    }
    /// The registry whose `isValidSignature` a verifier on `chain` calls.
    pub fn registry_on(&self, chain: ChainIdx) -> Address {
        if chain == self.main {
            return self.registry;
        }
        self.remotes
            .iter()
            .find(|r| r.chain == chain)
            .map(|r| r.light)
            .expect("remote chain")
    }
    pub fn operator(&self, address: Address) -> Option<&OperatorInfo> {
        self.operators.iter().find(|o| o.address == address)
    }
    pub fn total_stake(&self) -> U256 {
        self.operators.iter().map(|o| o.stake).sum()
    }
    /// The task for `user`'s `key` at block `drawn` of `chain`, or, when a task for that data
    /// point exists already, at the nearest block of `blocks` without one (earlier blocks
    /// first, then later ones); `None` when every block has a task. Task ids are challenge ids
    /// (§6), one per data point, so a repeated draw would otherwise reuse an id and overwrite
    /// its task's record.
    pub fn untasked_state(
        &self,
        chain: ChainIdx,
        user: Address,
        key: U256,
        blocks: std::ops::RangeInclusive<u64>,
        drawn: u64,
    ) -> Option<State> {
        let chain_id = self.chain_ids[&chain] as u32;
        let at = |n: u64| State {
            user,
            chain_id,
            block_number: n,
            timestamp: self.timestamp(chain, n),
            key,
            value: U256::ZERO,
        };
        let (lo, hi) = (*blocks.start(), *blocks.end());
        (lo..=drawn)
            .rev()
            .chain(drawn + 1..=hi)
            .map(at)
            .find(|s| !self.tasks.contains_key(&digest::challenge_id(s)))
    }
}

fn deploy_with(
    g: &mut Genesis,
    chain: ChainIdx,
    name: &str,
    abi: &str,
    bytecode: &[u8],
    args: Vec<u8>,
) -> Result<Address, String> {
    let mut initcode = bytecode.to_vec();
    initcode.extend(args);
    g.deploy(chain, name, abi, initcode.into())
}

/// Deploys every contract, wires routes and the bridge, registers stakes; returns the setup.
pub fn deploy(c: &AvsConfig, g: &mut Genesis) -> Result<Setup, String> {
    let q = c.quirks();
    let bits = U256::from(q.bits());
    let chain_of =
        |g: &Genesis, name: &str| g.chain(name).ok_or_else(|| format!("no chain `{name}`"));
    let main = chain_of(g, &c.main.value)?;
    let info = |g: &Genesis, i: ChainIdx| {
        let cfg = g.core.chains[i.0 as usize].chain.config();
        (
            cfg.chain_id,
            cfg.block_time_ms.max(1),
            cfg.genesis_timestamp,
        )
    };
    let (main_chain_id, main_block_ms, main_ts) = info(g, main);
    let me = g.deployer();
    let actors = g.actors();
    let first_of = |kind: &str| {
        actors
            .iter()
            .find(|a| a.2 == kind)
            .map(|a| a.3)
            .unwrap_or(Address::ZERO)
    };

    let em = deploy_with(
        g,
        main,
        "EpochManager",
        abi::EPOCH_MANAGER,
        &EpochManager::BYTECODE,
        EpochManager::constructorCall {
            l: U256::from(c.epoch_length.value),
            p: U256::from(c.grace_period.value),
            flags_: bits,
        }
        .abi_encode(),
    )?;
    let alloc = deploy_with(
        g,
        main,
        "AllocationManagerLite",
        abi::ALLOCATION,
        &AllocationManagerLite::BYTECODE,
        AllocationManagerLite::constructorCall {
            setId: OPERATOR_SET,
            delay: U256::from(DEALLOCATION_DELAY),
            strategies_: vec![STRATEGY],
        }
        .abi_encode(),
    )?;
    let registry = deploy_with(
        g,
        main,
        "StakeRegistry",
        abi::STAKE_REGISTRY,
        &StakeRegistry::BYTECODE,
        StakeRegistry::constructorCall {
            epochManager_: em,
            allocation_: alloc,
            flags_: bits,
            maxStaleness_: q.max_epoch_staleness,
        }
        .abi_encode(),
    )?;
    g.call(
        main,
        me,
        alloc,
        &AllocationManagerLite::setAvsCall { avs_: registry },
    )?;
    let sender = deploy_with(
        g,
        main,
        "RegistryStateSender",
        abi::SENDER,
        &RegistryStateSender::BYTECODE,
        RegistryStateSender::constructorCall { epochManager_: em }.abi_encode(),
    )?;
    g.call(
        main,
        me,
        em,
        &EpochManager::wireCall {
            registry_: registry,
            sender_: sender,
            keeper_: first_of("avs.keeper"),
        },
    )?;
    if q.m2_path {
        // The M2 quorum: the AVS's one strategy at the full 10 000 basis points, so an
        // operator's M2 weight equals its shares.
        g.call(
            main,
            me,
            registry,
            &StakeRegistry::updateQuorumConfigCall {
                q: StakeRegistry::Quorum {
                    strategies: vec![StakeRegistry::StrategyParams {
                        strategy: STRATEGY,
                        multiplier: alloy_primitives::Uint::from(10_000u64),
                    }],
                },
                ops: Vec::new(),
            },
        )?;
    }
    let owner = first_of("avs.owner");
    if owner != Address::ZERO {
        g.call(
            main,
            me,
            registry,
            &StakeRegistry::transferOwnershipCall { next: owner },
        )?;
    }
    let main_sm = deploy_with(
        g,
        main,
        "StateManager",
        abi::STATE_MANAGER,
        &StateManager::BYTECODE,
        Vec::new(),
    )?;

    let mcv = deploy_with(
        g,
        main,
        "MainChainVerifier",
        abi::MAIN_VERIFIER,
        &MainChainVerifier::BYTECODE,
        MainChainVerifier::constructorCall { flags_: bits }.abi_encode(),
    )?;
    let resolver = deploy_with(
        g,
        main,
        "DisputeResolver",
        abi::RESOLVER,
        &DisputeResolver::BYTECODE,
        DisputeResolver::constructorCall {
            registry_: registry,
            allocation_: alloc,
            verifier_: mcv,
            flags_: bits,
            slashWad_: U256::from((c.slash_fraction.value * 1e18).round() as u128),
            deadlineBlocks_: U256::from(c.challenge_deadline_blocks),
            setId: OPERATOR_SET,
        }
        .abi_encode(),
    )?;
    g.call(
        main,
        me,
        resolver,
        &DisputeResolver::setChallengeSubmitterCall {
            s: first_of("avs.challenger"),
        },
    )?;
    if q.slasher_wired {
        g.call(
            main,
            me,
            alloc,
            &AllocationManagerLite::setSlasherCall { slasher_: resolver },
        )?;
    }
    // The verifier pair on M itself reports over a bridge from M to M.
    let bridge_self = deploy_with(
        g,
        main,
        &format!("BridgeLite@{}->{}", c.main.value, c.main.value),
        abi::BRIDGE,
        &BridgeLite::BYTECODE,
        BridgeLite::constructorCall { flags_: bits }.abi_encode(),
    )?;
    let remote_verifier = |g: &mut Genesis,
                           chain: ChainIdx,
                           label: &str,
                           sm: Address,
                           bridge: Address|
     -> Result<Address, String> {
        deploy_with(
            g,
            chain,
            &format!("RemoteChainVerifier@{label}"),
            abi::REMOTE_VERIFIER,
            &RemoteChainVerifier::BYTECODE,
            RemoteChainVerifier::constructorCall {
                sm,
                bridge_: bridge,
                mainVerifier_: mcv,
                mainChainId_: U256::from(main_chain_id),
                flags_: bits,
            }
            .abi_encode(),
        )
    };
    let mut verifiers = BTreeMap::new();
    let rv_main = remote_verifier(g, main, &c.main.value, main_sm, bridge_self)?;
    verifiers.insert(main, rv_main);
    g.call(
        main,
        me,
        bridge_self,
        &BridgeLite::authoriseSenderCall {
            sender: rv_main,
            ok: true,
        },
    )?;
    g.call(
        main,
        me,
        mcv,
        &MainChainVerifier::addRemoteVerifierCall {
            bridge: bridge_self,
            verifier: rv_main,
        },
    )?;

    // Rewards: the pool of every epoch, paid in native currency, is funded at genesis.
    let reward_pool = U256::from(c.reward_pool) * U256::from(TOKEN);
    let rewards = deploy_with(
        g,
        main,
        "RewardsLite",
        abi::REWARDS,
        &RewardsLite::BYTECODE,
        RewardsLite::constructorCall {
            initiator_: first_of("avs.rewards"),
            pool: reward_pool,
        }
        .abi_encode(),
    )?;
    g.fund(main, rewards, reward_pool * U256::from(1000));

    let mut block_ms = BTreeMap::new();
    let mut genesis_ts = BTreeMap::new();
    let mut chain_ids = BTreeMap::new();
    block_ms.insert(main, main_block_ms);
    genesis_ts.insert(main, main_ts);
    chain_ids.insert(main, main_chain_id);

    let mut remotes = Vec::new();
    for r in &c.remotes {
        let chain = chain_of(g, &r.value)?;
        let (chain_id, ms, ts) = info(g, chain);
        block_ms.insert(chain, ms);
        genesis_ts.insert(chain, ts);
        chain_ids.insert(chain, chain_id);
        let bridge_args = BridgeLite::constructorCall { flags_: bits }.abi_encode();
        let bridge_out = deploy_with(
            g,
            main,
            &format!("BridgeLite@{}->{}", c.main.value, r.value),
            abi::BRIDGE,
            &BridgeLite::BYTECODE,
            bridge_args.clone(),
        )?;
        let bridge_in = deploy_with(
            g,
            chain,
            &format!("BridgeLite@{}->{}", r.value, c.main.value),
            abi::BRIDGE,
            &BridgeLite::BYTECODE,
            bridge_args,
        )?;
        let receiver = deploy_with(
            g,
            chain,
            &format!("RegistryStateReceiver@{}", r.value),
            abi::RECEIVER,
            &RegistryStateReceiver::BYTECODE,
            RegistryStateReceiver::constructorCall {
                bridge_: bridge_in,
                sender_: sender,
                flags_: bits,
            }
            .abi_encode(),
        )?;
        let light = deploy_with(
            g,
            chain,
            &format!("LightStakeRegistry@{}", r.value),
            abi::LIGHT_REGISTRY,
            &LightStakeRegistry::BYTECODE,
            LightStakeRegistry::constructorCall {
                receiver_: receiver,
                flags_: bits,
            }
            .abi_encode(),
        )?;
        g.call(
            chain,
            me,
            receiver,
            &RegistryStateReceiver::setRegistryCall { registry_: light },
        )?;
        let sm = deploy_with(
            g,
            chain,
            &format!("StateManager@{}", r.value),
            abi::STATE_MANAGER,
            &StateManager::BYTECODE,
            Vec::new(),
        )?;
        g.call(
            main,
            me,
            bridge_out,
            &BridgeLite::authoriseSenderCall { sender, ok: true },
        )?;
        g.call(
            main,
            me,
            sender,
            &RegistryStateSender::setRouteCall {
                chainId: U256::from(chain_id),
                bridge: bridge_out,
                receiver,
            },
        )?;
        let rv = remote_verifier(g, chain, &r.value, sm, bridge_in)?;
        verifiers.insert(chain, rv);
        g.call(
            chain,
            me,
            bridge_in,
            &BridgeLite::authoriseSenderCall {
                sender: rv,
                ok: true,
            },
        )?;
        g.call(
            main,
            me,
            mcv,
            &MainChainVerifier::addRemoteVerifierCall {
                bridge: bridge_out,
                verifier: rv,
            },
        )?;
        remotes.push(Remote {
            name: r.value.clone(),
            chain,
            chain_id,
            bridge_out,
            bridge_in,
            receiver,
            light,
            state_manager: sm,
        });
    }

    // Operators: stakes fully allocated to the set, signing keys from the genesis stream.
    let mut stream = g.stream("signing-keys");
    let mut operators = Vec::new();
    for (_, name, kind, address) in &actors {
        if kind != "avs.operator" {
            continue;
        }
        let tokens = c.stakes.get(name).copied().unwrap_or(c.stake);
        let stake = U256::from(tokens) * U256::from(TOKEN);
        g.call(
            main,
            me,
            alloc,
            &AllocationManagerLite::setSharesCall {
                operator: *address,
                strategy: STRATEGY,
                amount: stake,
            },
        )?;
        let mut keys = Vec::new();
        while keys.len() < 3 {
            let mut secret = [0u8; 32];
            stream.fill(&mut secret);
            if let Some(k) = Key::from_secret(B256::from(secret)) {
                keys.push(k);
            }
        }
        operators.push(OperatorInfo {
            name: name.clone(),
            address: *address,
            stake,
            keys,
        });
    }

    let book = Book {
        quirks: q,
        clock: EpochClock {
            genesis: 0,
            length: c.epoch_length.value,
            grace: c.grace_period.value,
        },
        main,
        main_chain_id,
        main_block_ms,
        block_ms,
        genesis_ts,
        chain_ids,
        epoch_manager: em,
        registry,
        allocation: alloc,
        sender,
        main_state_manager: main_sm,
        remotes: remotes.clone(),
        domain: digest::domain_separator(main_chain_id, resolver),
        confirmations: c.confirmations,
        operators,
        proofs: Vec::new(),
        tasks: BTreeMap::new(),
        snapshots: BTreeMap::new(),
        snapshot_order: Vec::new(),
        verdict_mismatches: Vec::new(),
        verdicts_checked: 0,
        first_consistent_ms: BTreeMap::new(),
        replica_states: BTreeMap::new(),
        reliable: Vec::new(),
        suspended: Vec::new(),
        resolver,
        main_verifier: mcv,
        verifiers: verifiers.clone(),
        slash_wad: U256::from((c.slash_fraction.value * 1e18).round() as u128),
        deadline_blocks: c.challenge_deadline_blocks,
        challenges: BTreeMap::new(),
        slashed: Vec::new(),
        signed_wrong: Vec::new(),
        leaked_current: Vec::new(),
        honest_challenger: actors.iter().any(|a| a.2 == "avs.challenger"),
        bridge_adversary: Vec::new(),
        deliveries_failed: 0,
        deliveries_retried: 0,
        rewards,
        reward_pool,
        rewards_paid: Vec::new(),
    };
    let shared: Shared = Rc::new(RefCell::new(book));

    // The bridge: one engine route per remote chain, M → Rᵢ.
    for (i, r) in remotes.iter().enumerate() {
        let relayer = g.add_bridge_route(relay::snapshot_route(
            &shared,
            i,
            r,
            main,
            main_chain_id,
            relay::Policy::new(&shared, c.bridge_latency)
                .with_retries(c.relayer_retries, c.relayer_retry_after),
        ));
        g.call(
            r.chain,
            me,
            r.bridge_in,
            &BridgeLite::setRelayerCall { relayer_: relayer },
        )?;
        // Verification reports, Rᵢ → M.
        let relayer = g.add_bridge_route(relay::plain_route(
            format!("avs/{}->{}", r.name, c.main.value),
            (r.chain, r.bridge_in, r.chain_id),
            (main, r.bridge_out),
            relay::Policy::new(&shared, c.bridge_latency)
                .with_retries(c.relayer_retries, c.relayer_retry_after),
        ));
        g.call(
            main,
            me,
            r.bridge_out,
            &BridgeLite::setRelayerCall { relayer_: relayer },
        )?;
    }
    let relayer = g.add_bridge_route(relay::plain_route(
        format!("avs/{}->{}", c.main.value, c.main.value),
        (main, bridge_self, main_chain_id),
        (main, bridge_self),
        relay::Policy::new(&shared, c.bridge_latency)
            .with_retries(c.relayer_retries, c.relayer_retry_after),
    ));
    g.call(
        main,
        me,
        bridge_self,
        &BridgeLite::setRelayerCall { relayer_: relayer },
    )?;

    let metrics_view = shared.clone();
    Ok(Setup {
        shared: shared.clone(),
        invariants: invariants::all(&shared),
        metrics: Box::new(move |probe| invariants::metrics(&metrics_view, probe)),
    })
}
