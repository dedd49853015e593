//! The payment files' encoding (spec §8.4): UTF-8, one compact object per file, keys sorted
//! bytewise at every level, integers as plain decimal numbers (never floats), addresses and
//! hashes as full-width lowercase `0x` hex, exactly one trailing `\n`.

use alloy_primitives::{Address, B256, U256};
use std::collections::BTreeMap;

/// A JSON value of the payment files (no floats, no booleans, no null: the spec has none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum J {
    /// A non-negative integer in plain decimal.
    Num(U256),
    /// An ASCII string.
    Str(String),
    /// An object; `BTreeMap<String, _>` iterates its keys bytewise.
    Obj(BTreeMap<String, J>),
    Arr(Vec<J>),
}

impl J {
    pub fn num(v: impl TryInto<u128>) -> J {
        J::Num(U256::from(v.try_into().unwrap_or(u128::MAX)))
    }
    pub fn str(s: impl Into<String>) -> J {
        J::Str(s.into())
    }
    pub fn addr(a: Address) -> J {
        J::Str(hex_addr(a))
    }
    pub fn hash(h: B256) -> J {
        J::Str(hex_hash(h))
    }
    /// An object from `(key, value)` pairs.
    pub fn obj<const N: usize>(pairs: [(&str, J); N]) -> J {
        J::Obj(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    fn write(&self, out: &mut String) {
        match self {
            J::Num(n) => out.push_str(&n.to_string()),
            J::Str(s) => {
                out.push('"');
                for c in s.chars() {
                    match c {
                        '"' => out.push_str("\\\""),
                        '\\' => out.push_str("\\\\"),
                        c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                        c => out.push(c),
                    }
                }
                out.push('"');
            }
            J::Obj(m) => {
                out.push('{');
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    J::Str(k.clone()).write(out);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
            J::Arr(a) => {
                out.push('[');
                for (i, v) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write(out);
                }
                out.push(']');
            }
        }
    }

    /// The file bytes: compact encoding plus one `\n`.
    pub fn to_file(&self) -> Vec<u8> {
        let mut s = String::new();
        self.write(&mut s);
        s.push('\n');
        s.into_bytes()
    }
}

/// `0x` + 40 lowercase hex digits.
pub fn hex_addr(a: Address) -> String {
    format!("0x{}", alloy_primitives::hex::encode(a.as_slice()))
}

/// `0x` + 64 lowercase hex digits.
pub fn hex_hash(h: B256) -> String {
    format!("0x{}", alloy_primitives::hex::encode(h.as_slice()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_sorted_and_one_newline() {
        let mut inner = BTreeMap::new();
        inner.insert("b".to_string(), J::num(2u64));
        inner.insert("a".to_string(), J::Num(U256::MAX));
        let v = J::obj([
            ("z", J::str("x")),
            ("B", J::Obj(inner)),
            ("a", J::addr(Address::repeat_byte(0xAB))),
        ]);
        let s = String::from_utf8(v.to_file()).unwrap();
        assert_eq!(
            s,
            format!(
                "{{\"B\":{{\"a\":{},\"b\":2}},\"a\":\"0x{}\",\"z\":\"x\"}}\n",
                U256::MAX,
                "ab".repeat(20)
            )
        );
    }
}
