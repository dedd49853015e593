//! Genesis: what a protocol may do while it is set up, before time starts — deploy contracts,
//! fund accounts, make initial calls — with no blocks and no fees.

use super::actor::ActorId;
use super::seed::{SeedTree, Stream};
use super::world::Core;
use crate::chain::ChainIdx;
use crate::engine::ctx::CallError;
use crate::trace::ContractInfo;
use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::SolCall;
use std::any::Any;
use std::rc::Rc;

/// A protocol's handle on the world during set-up.
pub struct Genesis<'a> {
    pub(crate) core: &'a mut Core,
    pub(crate) seeds: SeedTree,
    pub(crate) protocol: &'a str,
    pub(crate) contracts: &'a mut Vec<ContractInfo>,
    /// Names and shared states of the protocols set up before this one (declaration order).
    pub(crate) earlier: (&'a [String], &'a [Rc<dyn Any>]),
}

impl<'a> Genesis<'a> {
    /// Index of the chain named `name`.
    pub fn chain(&self, name: &str) -> Option<ChainIdx> {
        self.core.chain_index(name)
    }

    /// Milliseconds between two blocks of `chain` (protocols that act once per block).
    pub fn block_time_ms(&self, chain: ChainIdx) -> u64 {
        self.core.chains[chain.0 as usize]
            .chain
            .config()
            .block_time_ms
    }

    /// The protocol's deployer account (its own key in the seed tree).
    pub fn deployer(&self) -> Address {
        super::keys::Key::derive(&self.seeds, &format!("protocol/{}/deployer", self.protocol))
            .address()
    }

    /// A random stream for set-up decisions of this protocol.
    pub fn stream(&self, label: &str) -> Stream {
        self.seeds
            .stream(&format!("protocol/{}/{label}", self.protocol))
    }

    /// Deploys `initcode` from the deployer; registers it as `<protocol>.<name>` with its ABI so
    /// actors find it (`ctx.contract`) and traces decode it.
    pub fn deploy(
        &mut self,
        chain: ChainIdx,
        name: &str,
        abi_json: &str,
        initcode: Bytes,
    ) -> Result<Address, String> {
        let from = self.deployer();
        let deployed = self.core.chains[chain.0 as usize]
            .chain
            .deploy(from, initcode)
            .map_err(|e| format!("{}.{name}: {e}", self.protocol))?;
        let qualified = format!("{}.{name}", self.protocol);
        self.core
            .register_contract(chain, &qualified, deployed.address, abi_json)?;
        self.contracts.push(ContractInfo {
            chain: chain.0,
            name: qualified,
            address: deployed.address,
            code_hash: deployed.code_hash,
            abi: abi_json.to_string(),
        });
        Ok(deployed.address)
    }

    /// Executes and commits a typed call at genesis from `from`.
    pub fn call<C: SolCall>(
        &mut self,
        chain: ChainIdx,
        from: Address,
        to: Address,
        call: &C,
    ) -> Result<C::Return, String> {
        let out = self.core.chains[chain.0 as usize]
            .chain
            .genesis_call(from, to, call.abi_encode().into(), U256::ZERO)
            .map_err(|e| e.to_string())?;
        C::abi_decode_returns(&out).map_err(|e| e.to_string())
    }

    /// A typed view call at the current genesis state.
    pub fn view<C: SolCall>(
        &mut self,
        chain: ChainIdx,
        to: Address,
        call: &C,
    ) -> Result<C::Return, CallError> {
        self.core.view(chain, Address::ZERO, to, call)
    }

    /// Credits native currency.
    pub fn fund(&mut self, chain: ChainIdx, who: Address, wei: U256) {
        self.core.chains[chain.0 as usize].chain.fund(who, wei);
    }

    /// The shared state of protocol `name` if it was set up before this one (protocols set up
    /// in declaration order), for a protocol that builds on another one's contracts and actors.
    pub fn shared_state(&self, name: &str) -> Option<Rc<dyn Any>> {
        let (names, shared) = self.earlier;
        names
            .iter()
            .position(|n| n == name)
            .map(|i| shared[i].clone())
    }

    /// Every actor as (id, name, kind, address), in declaration order.
    pub fn actors(&self) -> Vec<(ActorId, String, String, Address)> {
        self.core
            .actors
            .iter()
            .enumerate()
            .map(|(i, a)| {
                (
                    ActorId(i as u32),
                    a.info.name.clone(),
                    a.info.kind.clone(),
                    a.info.address,
                )
            })
            .collect()
    }

    /// Registers a bridge route: from now on the engine's relayer delivers the route's messages.
    /// Returns the relayer account, funded on the destination chain, which the destination
    /// contract must accept as its relayer.
    pub fn add_bridge_route(&mut self, route: super::bridge::BridgeRoute) -> Address {
        let label = format!("bridge/{}", route.name);
        let relayer = super::keys::Key::derive(&self.seeds, &format!("{label}/relayer")).address();
        let wei = U256::from(10u64).pow(U256::from(24u64));
        self.core.chains[route.to.0 as usize]
            .chain
            .fund(relayer, wei);
        let stream = self.seeds.stream(&label);
        self.core.bridges.push(super::bridge::RelaySlot {
            route,
            relayer,
            stream,
            sent: 0,
            in_flight: Default::default(),
        });
        relayer
    }
}
