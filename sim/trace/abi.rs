//! Decoding with contract ABIs: function names of calls, revert reasons, and event logs. The
//! engine uses it only for the rare paths (call names, reverts); readers use it to render logs
//! from the ABIs a trace header carries.

use crate::engine::lookup::{lookup_map, LookupMap};
use alloy_dyn_abi::{DynSolValue, EventExt, JsonAbiExt};
use alloy_json_abi::{Error as AbiError, Event, JsonAbi};
use alloy_primitives::{hex, Address, B256};
use std::borrow::Cow;
use std::collections::BTreeMap;

struct Contract {
    name: String,
    /// `Contract.function` by selector, formatted once (every submitted call is named).
    call_names: LookupMap<[u8; 4], String>,
    events: BTreeMap<B256, Event>,
}

/// ABIs of the deployed contracts of a world, by (chain, address). Both tables on the way to a
/// call's name are lookup-only hash maps (never iterated), since every submission asks.
#[derive(Default)]
pub struct AbiBook {
    contracts: LookupMap<(u16, Address), Contract>,
    /// Custom errors of every known contract, by selector (reverts bubble across contracts).
    errors: BTreeMap<[u8; 4], AbiError>,
}

impl AbiBook {
    /// Adds a contract's ABI (the JSON array, or an artifact object with an `abi` field).
    pub fn add(
        &mut self,
        chain: u16,
        address: Address,
        name: &str,
        json: &str,
    ) -> Result<(), String> {
        let abi = parse_abi(json).map_err(|e| format!("ABI of `{name}`: {e}"))?;
        let short = name.rsplit('.').next().unwrap_or(name);
        let mut call_names = lookup_map();
        for f in abi.functions() {
            call_names.insert(f.selector().0, format!("{short}.{}", f.name));
        }
        let mut events = BTreeMap::new();
        for e in abi.events() {
            if !e.anonymous {
                events.insert(e.selector(), e.clone());
            }
        }
        for e in abi.errors() {
            self.errors
                .entry(e.selector().0)
                .or_insert_with(|| e.clone());
        }
        self.contracts.insert(
            (chain, address),
            Contract {
                name: name.to_string(),
                call_names,
                events,
            },
        );
        Ok(())
    }

    /// Builds the book from a trace header's contract table.
    pub fn from_header(header: &super::Header) -> AbiBook {
        let mut book = AbiBook::default();
        for c in &header.contracts {
            // A header whose ABI does not parse still renders, with raw values.
            let _ = book.add(c.chain, c.address, &c.name, &c.abi);
        }
        book
    }

    /// Contract name at an address, if known.
    pub fn contract_name(&self, chain: u16, address: Address) -> Option<&str> {
        self.contracts
            .get(&(chain, address))
            .map(|c| c.name.as_str())
    }

    /// `Token.transfer`, `deploy`, `transfer` (plain value transfer) or the hex selector.
    pub fn call_name(&self, chain: u16, to: Option<Address>, data: &[u8]) -> Cow<'_, str> {
        let Some(to) = to else {
            return Cow::Borrowed("deploy");
        };
        if data.len() < 4 {
            return if data.is_empty() {
                Cow::Borrowed("transfer")
            } else {
                Cow::Owned(format!("0x{}", hex::encode(data)))
            };
        }
        let selector: [u8; 4] = data[..4].try_into().expect("4 bytes");
        match self.contracts.get(&(chain, to)) {
            Some(c) => match c.call_names.get(&selector) {
                Some(n) => Cow::Borrowed(n.as_str()),
                None => {
                    let short = c.name.rsplit('.').next().unwrap_or(&c.name);
                    Cow::Owned(format!("{short}.0x{}", hex::encode(selector)))
                }
            },
            None => Cow::Owned(format!("0x{}", hex::encode(selector))),
        }
    }

    /// A readable revert reason: `Error(string)` text, `panic 0x11`, a decoded custom error, or hex.
    pub fn revert_reason(&self, data: &[u8]) -> String {
        if data.is_empty() {
            return "reverted without reason".into();
        }
        if data.len() < 4 {
            return format!("0x{}", hex::encode(data));
        }
        let selector: [u8; 4] = data[..4].try_into().expect("4 bytes");
        // Error(string)
        if selector == [0x08, 0xc3, 0x79, 0xa0] {
            if let Ok(DynSolValue::String(s)) =
                alloy_dyn_abi::DynSolType::String.abi_decode(&data[4..])
            {
                return s;
            }
        }
        // Panic(uint256)
        if selector == [0x4e, 0x48, 0x7b, 0x71] && data.len() == 36 {
            return format!(
                "panic 0x{}",
                hex::encode(&data[4..]).trim_start_matches('0')
            );
        }
        if let Some(e) = self.errors.get(&selector) {
            if let Ok(values) = e.abi_decode_input(&data[4..]) {
                let args: Vec<String> = e
                    .inputs
                    .iter()
                    .zip(values.iter())
                    .map(|(p, v)| {
                        if p.name.is_empty() {
                            render(v)
                        } else {
                            format!("{}={}", p.name, render(v))
                        }
                    })
                    .collect();
                return format!("{}({})", e.name, args.join(", "));
            }
        }
        format!("0x{}", hex::encode(data))
    }

    /// Decodes a log into its event name and `(parameter, value)` pairs in declaration order.
    pub fn decode_log(
        &self,
        chain: u16,
        address: Address,
        topics: &[B256],
        data: &[u8],
    ) -> Option<(String, Vec<(String, String)>)> {
        let contract = self.contracts.get(&(chain, address))?;
        let event = contract.events.get(topics.first()?)?;
        let decoded = event.decode_log_parts(topics.iter().copied(), data).ok()?;
        let mut indexed = decoded.indexed.iter();
        let mut body = decoded.body.iter();
        let mut args = Vec::with_capacity(event.inputs.len());
        for p in &event.inputs {
            let v = if p.indexed {
                indexed.next()
            } else {
                body.next()
            }?;
            args.push((p.name.clone(), render(v)));
        }
        Some((event.name.clone(), args))
    }
}

fn parse_abi(json: &str) -> Result<JsonAbi, String> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let abi = match value {
        serde_json::Value::Object(mut o) => o.remove("abi").ok_or("no `abi` field")?,
        v => v,
    };
    serde_json::from_value(abi).map_err(|e| e.to_string())
}

/// Renders a decoded value: addresses checksummed, integers in decimal, bytes as hex.
pub fn render(v: &DynSolValue) -> String {
    match v {
        DynSolValue::Address(a) => a.to_checksum(None),
        DynSolValue::Bool(b) => b.to_string(),
        DynSolValue::Int(i, _) => i.to_string(),
        DynSolValue::Uint(u, _) => u.to_string(),
        DynSolValue::FixedBytes(w, size) => format!("0x{}", hex::encode(&w[..*size])),
        DynSolValue::Bytes(b) => format!("0x{}", hex::encode(b)),
        DynSolValue::String(s) => format!("{s:?}"),
        DynSolValue::Function(f) => format!("0x{}", hex::encode(f.as_slice())),
        DynSolValue::Array(items) | DynSolValue::FixedArray(items) => {
            format!(
                "[{}]",
                items.iter().map(render).collect::<Vec<_>>().join(", ")
            )
        }
        DynSolValue::Tuple(items) => {
            format!(
                "({})",
                items.iter().map(render).collect::<Vec<_>>().join(", ")
            )
        }
        #[allow(unreachable_patterns)]
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{address, U256};

    const TOKEN: &str = include_str!("../protocols/token/artifacts/Token.json");

    fn book() -> AbiBook {
        let mut b = AbiBook::default();
        b.add(
            0,
            address!("0000000000000000000000000000000000000001"),
            "token.Token",
            TOKEN,
        )
        .unwrap();
        b
    }

    #[test]
    fn names_calls_by_selector() {
        let b = book();
        let to = address!("0000000000000000000000000000000000000001");
        // transfer(address,uint256)
        let data = hex::decode("a9059cbb").unwrap();
        assert_eq!(b.call_name(0, Some(to), &data), "Token.transfer");
        assert_eq!(b.call_name(0, None, &data), "deploy");
        assert_eq!(b.call_name(0, Some(to), &[]), "transfer");
        assert_eq!(b.call_name(1, Some(to), &data), "0xa9059cbb");
    }

    #[test]
    fn decodes_reverts() {
        let b = book();
        assert_eq!(b.revert_reason(&[]), "reverted without reason");
        let err = DynSolValue::String("nope".into()).abi_encode();
        let mut data = vec![0x08, 0xc3, 0x79, 0xa0];
        data.extend(err);
        assert_eq!(b.revert_reason(&data), "nope");
        let mut panic = vec![0x4e, 0x48, 0x7b, 0x71];
        panic.extend(U256::from(0x11).to_be_bytes::<32>());
        assert_eq!(b.revert_reason(&panic), "panic 0x11");
        // NotMinter(address)
        let e = alloy_json_abi::Error::parse("NotMinter(address caller)").unwrap();
        let mut custom = e.selector().to_vec();
        custom.extend(DynSolValue::Address(Address::ZERO).abi_encode());
        assert_eq!(
            b.revert_reason(&custom),
            "NotMinter(caller=0x0000000000000000000000000000000000000000)"
        );
    }

    #[test]
    fn decodes_transfer_logs_in_declaration_order() {
        let b = book();
        let token = address!("0000000000000000000000000000000000000001");
        let ev = alloy_json_abi::Event::parse(
            "event Transfer(address indexed from, address indexed to, uint256 value)",
        )
        .unwrap();
        let from = address!("00000000000000000000000000000000000000aa");
        let to = address!("00000000000000000000000000000000000000bb");
        let topics = vec![ev.selector(), from.into_word(), to.into_word()];
        let data = U256::from(5).to_be_bytes::<32>();
        let (name, args) = b.decode_log(0, token, &topics, &data).unwrap();
        assert_eq!(name, "Transfer");
        assert_eq!(args[0].0, "from");
        assert_eq!(args[1].1, to.to_checksum(None));
        assert_eq!(args[2], ("value".to_string(), "5".to_string()));
    }
}
