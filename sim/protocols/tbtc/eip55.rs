//! EIP-55 mixed-case address strings.
//!
//! The client sorts operators by their address *string* as an Ethereum client prints it
//! (`0x` + EIP-55 checksummed hex), not by numeric value, and that order decides the leader.
//! So Crucible renders addresses exactly that way before sorting.

use alloy_primitives::keccak256;
use std::fmt;

/// Why a string is not an address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddressError {
    /// Not 40 hex digits after the optional `0x`.
    Length(usize),
    /// A character that is not a hex digit.
    NotHex(char),
}

impl fmt::Display for AddressError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddressError::Length(n) => {
                write!(f, "expected 40 hex digits (20 bytes), found {n} characters")
            }
            AddressError::NotHex(c) => write!(f, "{c:?} is not a hex digit"),
        }
    }
}

impl std::error::Error for AddressError {}

/// The EIP-55 rendering of a 20-byte address, with `0x`: with `h = keccak256` of the lowercase
/// 40-digit hex, the letter at position `i` is uppercase iff nibble `i` of `h` (high nibble
/// first) is at least 8. Digits are unaffected.
pub fn to_checksum(addr: &[u8; 20]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let lower: Vec<u8> = addr
        .iter()
        .flat_map(|b| [HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]])
        .collect();
    let h = keccak256(&lower);
    let mut out = String::with_capacity(42);
    out.push_str("0x");
    for (i, &c) in lower.iter().enumerate() {
        let nibble = if i % 2 == 0 {
            h[i / 2] >> 4
        } else {
            h[i / 2] & 0xf
        };
        let c = char::from(c);
        out.push(if nibble >= 8 {
            c.to_ascii_uppercase()
        } else {
            c
        });
    }
    out
}

/// Parses `0x`-prefixed (or bare) 40-digit hex in any letter case. The checksum of mixed-case
/// input is not enforced: like go-ethereum's `HexToAddress`, the bytes are what counts.
pub fn parse_address(s: &str) -> Result<[u8; 20], AddressError> {
    let digits = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    if let Some(c) = digits.chars().find(|c| !c.is_ascii_hexdigit()) {
        return Err(AddressError::NotHex(c));
    }
    if digits.len() != 40 {
        return Err(AddressError::Length(digits.len()));
    }
    let mut out = [0u8; 20];
    for (i, pair) in digits.as_bytes().chunks(2).enumerate() {
        let hi = (pair[0] as char).to_digit(16).unwrap_or(0) as u8;
        let lo = (pair[1] as char).to_digit(16).unwrap_or(0) as u8;
        out[i] = (hi << 4) | lo;
    }
    Ok(out)
}

/// Any-case address string to its canonical EIP-55 `0x` form.
pub fn normalize(s: &str) -> Result<String, AddressError> {
    parse_address(s).map(|a| to_checksum(&a))
}

#[cfg(test)]
mod tests {
    use super::*;

    // The test vectors of EIP-55 itself.
    const VECTORS: [&str; 8] = [
        "0x52908400098527886E0F7030069857D2E4169EE7",
        "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
        "0xde709f2102306220921060314715629080e2fb77",
        "0x27b1fdb04752bbc536007a920d24acb045561c26",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ];

    #[test]
    fn eip55_vectors() {
        for v in VECTORS {
            assert_eq!(normalize(&v.to_lowercase()).unwrap(), v);
            assert_eq!(normalize(&v.to_uppercase()[2..]).unwrap(), v);
            assert_eq!(normalize(v).unwrap(), v);
            let a = parse_address(v).unwrap();
            assert_eq!(
                to_checksum(&a),
                alloy_primitives::Address::from(a).to_checksum(None)
            );
        }
    }

    #[test]
    fn rejects_non_addresses() {
        assert_eq!(parse_address("0x1234"), Err(AddressError::Length(4)));
        assert_eq!(parse_address(""), Err(AddressError::Length(0)));
        assert_eq!(
            parse_address("0x52908400098527886E0F7030069857D2E4169EE7ff"),
            Err(AddressError::Length(42))
        );
        assert_eq!(
            parse_address("0x52908400098527886E0F7030069857D2E4169EEg"),
            Err(AddressError::NotHex('g'))
        );
        assert_eq!(
            parse_address("0x 2908400098527886E0F7030069857D2E4169EE7"),
            Err(AddressError::NotHex(' '))
        );
    }
}
