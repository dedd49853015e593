//! Units in scenario values: durations, duration ranges, token amounts, probabilities, addresses.
//!
//! Each type reads from YAML through any serde deserializer; through
//! [`from_node`](super::yaml::from_node) its errors carry the location of the offending scalar
//! and a hint with a valid example.

use super::error::hinted;
use crate::engine::time::Dur;
use alloy_primitives::{Address, U256};
use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::{Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A unit error: what is wrong and a valid example.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitError {
    pub message: String,
    pub hint: String,
}

impl UnitError {
    fn new(message: impl Into<String>, hint: impl Into<String>) -> Self {
        UnitError {
            message: message.into(),
            hint: hint.into(),
        }
    }

    fn into_de<E: de::Error>(self) -> E {
        hinted(self.message, self.hint)
    }
}

impl fmt::Display for UnitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (hint: {})", self.message, self.hint)
    }
}

impl std::error::Error for UnitError {}

/// A visitor that reads a value from a string and rejects numbers with a type-specific error.
struct TextVisitor<T> {
    what: &'static str,
    from_str: fn(&str) -> Result<T, UnitError>,
    from_number: fn(Number) -> Result<T, UnitError>,
}

/// A number found where a unit value was expected.
#[derive(Clone, Copy, Debug)]
enum Number {
    Int(i128),
    Float(f64),
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Float(x) => write!(f, "{x}"),
        }
    }
}

impl<'de, T> Visitor<'de> for TextVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.what)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        (self.from_str)(v).map_err(UnitError::into_de)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        (self.from_number)(Number::Int(v.into())).map_err(UnitError::into_de)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        (self.from_number)(Number::Int(v.into())).map_err(UnitError::into_de)
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<T, E> {
        match i128::try_from(v) {
            Ok(i) => (self.from_number)(Number::Int(i)),
            Err(_) => (self.from_str)(&v.to_string()),
        }
        .map_err(UnitError::into_de)
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<T, E> {
        (self.from_number)(Number::Int(v)).map_err(UnitError::into_de)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        (self.from_number)(Number::Float(v)).map_err(UnitError::into_de)
    }
}

fn deserialize_text<'de, D: Deserializer<'de>, T>(
    d: D,
    what: &'static str,
    from_str: fn(&str) -> Result<T, UnitError>,
    from_number: fn(Number) -> Result<T, UnitError>,
) -> Result<T, D::Error> {
    d.deserialize_any(TextVisitor {
        what,
        from_str,
        from_number,
    })
}

// ---------------------------------------------------------------------------------------------
// Durations
// ---------------------------------------------------------------------------------------------

const DUR_HINT: &str =
    "write a number with a unit: ms, s, m, h, d or w (e.g. `250ms`, `12s`, `1h30m`, `1.5h`)";
const DUR_UNIT_HINT: &str = "add a unit: ms, s, m, h, d or w (e.g. `12s`)";

const DUR_UNITS: [(&str, u64); 6] = [
    ("ms", 1),
    ("s", 1000),
    ("m", 60_000),
    ("h", 3_600_000),
    ("d", 86_400_000),
    ("w", 604_800_000),
];

/// Parses `250ms`, `12s`, `5m`, `1h30m`, `3d`, `2w`, `1.5h`, `0s`: one or more number-unit pairs,
/// summed. Fractions are allowed as long as the total is a whole number of milliseconds.
pub fn parse_dur(text: &str) -> Result<Dur, UnitError> {
    let s = text.trim();
    let bad = |why: &str| UnitError::new(format!("invalid duration `{s}`: {why}"), DUR_HINT);
    if s.is_empty() {
        return Err(bad("it is empty"));
    }
    if s.starts_with('-') {
        return Err(bad("durations cannot be negative"));
    }
    let mut rest = s;
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
            .unwrap_or(rest.len());
        let (num, after) = rest.split_at(num_len);
        let num = num.replace('_', "");
        if num.is_empty() {
            return Err(bad("expected a number"));
        }
        let (int_part, frac_part) = num.split_once('.').unwrap_or((&num, ""));
        if int_part.is_empty() && frac_part.is_empty() || frac_part.contains('.') {
            return Err(bad("malformed number"));
        }
        let after = after.trim_start();
        let unit_len = after
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        if unit.is_empty() {
            return Err(UnitError::new(
                format!("duration `{s}` has no unit"),
                DUR_UNIT_HINT,
            ));
        }
        let Some(&(_, unit_ms)) = DUR_UNITS.iter().find(|(u, _)| *u == unit) else {
            return Err(bad(&format!("unknown unit `{unit}`")));
        };
        // value = (int_part . frac_part) * unit_ms, exactly
        if frac_part.len() > 30 || int_part.len() > 30 {
            return Err(bad("too large"));
        }
        let scale = 10u128.pow(frac_part.len() as u32);
        let int: u128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().map_err(|_| bad("malformed number"))?
        };
        let frac: u128 = if frac_part.is_empty() {
            0
        } else {
            frac_part.parse().map_err(|_| bad("malformed number"))?
        };
        let scaled = int
            .checked_mul(scale)
            .and_then(|v| v.checked_add(frac))
            .and_then(|v| v.checked_mul(unit_ms.into()))
            .ok_or_else(|| bad("too large"))?;
        if scaled % scale != 0 {
            return Err(UnitError::new(
                format!("duration `{s}` is not a whole number of milliseconds"),
                "durations are exact to the millisecond (e.g. `1.5s` = `1500ms`)",
            ));
        }
        total = total
            .checked_add(scaled / scale)
            .ok_or_else(|| bad("too large"))?;
        rest = after.trim_start();
    }
    u64::try_from(total).map(Dur).map_err(|_| bad("too large"))
}

fn dur_from_number(n: Number) -> Result<Dur, UnitError> {
    Err(UnitError::new(
        format!("duration `{n}` has no unit"),
        DUR_UNIT_HINT,
    ))
}

impl FromStr for Dur {
    type Err = UnitError;
    fn from_str(s: &str) -> Result<Dur, UnitError> {
        parse_dur(s)
    }
}

impl Serialize for Dur {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Dur, D::Error> {
        deserialize_text(d, "a duration like `12s`", parse_dur, dur_from_number)
    }
}

/// A range of durations, `200ms..2s`, or a single duration (`lo == hi`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct DurRange {
    pub lo: Dur,
    pub hi: Dur,
}

const RANGE_HINT: &str = "write `LOW..HIGH` or a single duration (e.g. `200ms..2s` or `1s`)";

impl DurRange {
    pub fn new(lo: Dur, hi: Dur) -> Self {
        DurRange { lo, hi }
    }
    pub fn exactly(d: Dur) -> Self {
        DurRange { lo: d, hi: d }
    }
}

/// Parses `200ms..2s` or a single duration.
pub fn parse_dur_range(text: &str) -> Result<DurRange, UnitError> {
    let s = text.trim();
    let with_range_hint = |e: UnitError| UnitError::new(e.message, RANGE_HINT);
    match s.split_once("..") {
        None => parse_dur(s).map(DurRange::exactly),
        Some((lo, hi)) => {
            let lo = parse_dur(lo).map_err(with_range_hint)?;
            let hi = parse_dur(hi).map_err(with_range_hint)?;
            if lo > hi {
                return Err(UnitError::new(
                    format!("range `{s}` is empty: {lo} is more than {hi}"),
                    format!("put the smaller bound first: `{hi}..{lo}`"),
                ));
            }
            Ok(DurRange { lo, hi })
        }
    }
}

impl FromStr for DurRange {
    type Err = UnitError;
    fn from_str(s: &str) -> Result<DurRange, UnitError> {
        parse_dur_range(s)
    }
}

impl fmt::Display for DurRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.lo == self.hi {
            write!(f, "{}", self.lo)
        } else {
            write!(f, "{}..{}", self.lo, self.hi)
        }
    }
}

impl Serialize for DurRange {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DurRange {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<DurRange, D::Error> {
        deserialize_text(
            d,
            "a duration range like `200ms..2s`",
            parse_dur_range,
            |n| dur_from_number(n).map(DurRange::exactly),
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Amounts
// ---------------------------------------------------------------------------------------------

/// A token amount in base units (wei).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(pub U256);

const AMOUNT_HINT: &str =
    "write base units or a string with a unit (e.g. `1000`, \"10 ether\", \"1.5 gwei\", \"2e18\")";

/// Parses `1000`, `1_000_000`, `2e18`, `10 ether`, `1.5 gwei`, `100 wei` into base units.
pub fn parse_amount(text: &str) -> Result<Amount, UnitError> {
    let s = text.trim();
    let bad = |why: &str| UnitError::new(format!("invalid amount `{s}`: {why}"), AMOUNT_HINT);
    if s.starts_with('-') {
        return Err(bad("amounts cannot be negative"));
    }
    let lower = s.to_ascii_lowercase();
    let (num, unit) = match s.find(|c: char| c.is_whitespace()) {
        Some(i) => (&s[..i], s[i..].trim()),
        None => {
            // `10ether` as well as `10 ether`
            let i = ["gwei", "wei", "ether", "eth"]
                .iter()
                .find(|u| lower.ends_with(*u))
                .map(|u| s.len() - u.len())
                .or_else(|| s.find(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E'))
                .unwrap_or(s.len());
            (&s[..i], &s[i..])
        }
    };
    let decimals: i64 = match unit.to_ascii_lowercase().as_str() {
        "" | "wei" => 0,
        "gwei" => 9,
        "ether" | "eth" => 18,
        other => {
            return Err(UnitError::new(
                format!("invalid amount `{s}`: unknown unit `{other}`"),
                "units are wei, gwei and ether (e.g. \"1.5 gwei\")",
            ))
        }
    };
    let num = num.strip_prefix('+').unwrap_or(num).replace('_', "");
    let (mantissa, exp) = match num.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i64>().map_err(|_| bad("malformed exponent"))?),
        None => (num.as_str(), 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int_part.is_empty() && frac_part.is_empty()
        || !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad("expected a number"));
    }
    if exp.unsigned_abs() > 1000 || int_part.len() + frac_part.len() > 200 {
        return Err(bad("too large"));
    }
    let digits = format!("{int_part}{frac_part}");
    let digits = digits.trim_start_matches('0');
    let shift = exp + decimals - frac_part.len() as i64;
    let overflow = || {
        UnitError::new(
            format!("amount `{s}` does not fit in 256 bits"),
            AMOUNT_HINT,
        )
    };
    let value = if digits.is_empty() {
        U256::ZERO
    } else if shift >= 0 {
        let base = U256::from_str_radix(digits, 10).map_err(|_| overflow())?;
        let pow = U256::from(10u8)
            .checked_pow(U256::from(shift as u64))
            .ok_or_else(overflow)?;
        base.checked_mul(pow).ok_or_else(overflow)?
    } else {
        // Drop `-shift` digits, which must all be zero.
        let cut = (-shift) as usize;
        let zeros = digits.len() - digits.trim_end_matches('0').len();
        if cut > zeros {
            return Err(UnitError::new(
                format!("amount `{s}` is not a whole number of base units"),
                "the smallest amount is 1 wei (e.g. \"1.5 gwei\" = 1500000000 wei)",
            ));
        }
        U256::from_str_radix(&digits[..digits.len() - cut], 10).map_err(|_| overflow())?
    };
    Ok(Amount(value))
}

fn amount_from_number(n: Number) -> Result<Amount, UnitError> {
    match n {
        Number::Int(i) if i < 0 => Err(UnitError::new(
            format!("invalid amount `{i}`: amounts cannot be negative"),
            AMOUNT_HINT,
        )),
        Number::Int(i) => Ok(Amount(U256::from(i as u128))),
        // Every integer up to 2^53 is exact in a float; above that the text may have been
        // rounded on the way in.
        Number::Float(f) if f >= 0.0 && f.fract() == 0.0 && f <= 9_007_199_254_740_992.0 => {
            Ok(Amount(U256::from(f as u64)))
        }
        Number::Float(f) if f < 0.0 => Err(UnitError::new(
            format!("invalid amount `{f}`: amounts cannot be negative"),
            AMOUNT_HINT,
        )),
        Number::Float(f) if f.fract() != 0.0 => Err(UnitError::new(
            format!("amount `{f}` is not a whole number of base units"),
            "write it with a unit as a string (e.g. \"1.5 gwei\")",
        )),
        Number::Float(f) => Err(UnitError::new(
            format!("amount `{f:e}` is too large to be written as a plain number"),
            format!("quote it so it is read exactly: \"{f:e}\""),
        )),
    }
}

impl FromStr for Amount {
    type Err = UnitError;
    fn from_str(s: &str) -> Result<Amount, UnitError> {
        parse_amount(s)
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Amount, D::Error> {
        deserialize_text(d, "an amount", parse_amount, amount_from_number)
    }
}

// ---------------------------------------------------------------------------------------------
// Probabilities
// ---------------------------------------------------------------------------------------------

/// A probability in `[0, 1]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd)]
pub struct Probability(pub f64);

const PROB_HINT: &str = "write a number from 0 to 1 or a fraction (e.g. `0.25` or \"1/16\")";

fn check_prob(p: f64, shown: &str) -> Result<Probability, UnitError> {
    if (0.0..=1.0).contains(&p) {
        Ok(Probability(p))
    } else {
        Err(UnitError::new(
            format!("probability `{shown}` is not between 0 and 1"),
            PROB_HINT,
        ))
    }
}

/// Parses `0.25`, `1`, `1/16`.
pub fn parse_probability(text: &str) -> Result<Probability, UnitError> {
    let s = text.trim();
    let bad = || UnitError::new(format!("invalid probability `{s}`"), PROB_HINT);
    let num = |t: &str| -> Result<f64, UnitError> {
        let t = t.trim();
        if t.is_empty()
            || !t
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
        {
            return Err(bad());
        }
        t.parse::<f64>().map_err(|_| bad())
    };
    let p = match s.split_once('/') {
        Some((a, b)) => {
            let (a, b) = (num(a)?, num(b)?);
            if b == 0.0 {
                return Err(UnitError::new(
                    format!("probability `{s}` divides by zero"),
                    PROB_HINT,
                ));
            }
            a / b
        }
        None => num(s)?,
    };
    check_prob(p, s)
}

fn probability_from_number(n: Number) -> Result<Probability, UnitError> {
    match n {
        Number::Int(i) => check_prob(i as f64, &i.to_string()),
        Number::Float(f) => check_prob(f, &f.to_string()),
    }
}

impl FromStr for Probability {
    type Err = UnitError;
    fn from_str(s: &str) -> Result<Probability, UnitError> {
        parse_probability(s)
    }
}

impl Serialize for Probability {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.0)
    }
}

impl<'de> Deserialize<'de> for Probability {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Probability, D::Error> {
        deserialize_text(
            d,
            "a probability",
            parse_probability,
            probability_from_number,
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Addresses
// ---------------------------------------------------------------------------------------------

const ADDRESS_EXAMPLE: &str = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";

fn address_error(s: &str) -> UnitError {
    let e = parse_address(s).err().unwrap_or_default();
    let hint = match s.strip_prefix("0x").map(str::to_ascii_lowercase) {
        Some(lower) if e.contains("checksum") => match Address::from_str(&lower) {
            Ok(a) => format!(
                "the checksummed form is {}, or write it all in lowercase",
                a.to_checksum(None)
            ),
            Err(_) => format!("e.g. {ADDRESS_EXAMPLE}"),
        },
        _ => format!("write `0x` and 40 hex digits, e.g. {ADDRESS_EXAMPLE}"),
    };
    UnitError::new(e, hint)
}

/// Parses `0x` followed by 40 hex digits. An address in mixed case must carry a valid EIP-55
/// checksum; all-lowercase and all-uppercase forms are taken as they are.
pub fn parse_address(text: &str) -> Result<Address, String> {
    let s = text.trim();
    let Some(hex) = s.strip_prefix("0x") else {
        return Err(format!(
            "invalid address `{s}`: expected `0x` followed by 40 hex digits"
        ));
    };
    if hex.len() != 40 {
        return Err(format!(
            "invalid address `{s}`: expected `0x` followed by 40 hex digits, found {} characters",
            hex.chars().count()
        ));
    }
    if let Some(c) = hex.chars().find(|c| !c.is_ascii_hexdigit()) {
        return Err(format!("invalid address `{s}`: `{c}` is not a hex digit"));
    }
    let has_lower = hex.bytes().any(|b| b.is_ascii_lowercase());
    let has_upper = hex.bytes().any(|b| b.is_ascii_uppercase());
    if has_lower && has_upper {
        return Address::parse_checksummed(s, None)
            .map_err(|_| format!("address `{s}` has an invalid EIP-55 checksum (mixed case)"));
    }
    Address::from_str(hex).map_err(|e| format!("invalid address `{s}`: {e}"))
}

/// An address read with [`parse_address`]; serializes in checksummed form.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AddressStr(pub Address);

impl Serialize for AddressStr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        address::serialize(&self.0, s)
    }
}

impl<'de> Deserialize<'de> for AddressStr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<AddressStr, D::Error> {
        address::deserialize(d).map(AddressStr)
    }
}

/// `#[serde(with = "crate::scenario::units::address")]` for `Address` fields.
pub mod address {
    use super::*;

    pub fn serialize<S: Serializer>(a: &Address, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&a.to_checksum(None))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Address, D::Error> {
        deserialize_text(
            d,
            "an address",
            |s| parse_address(s).map_err(|_| address_error(s)),
            |n| {
                Err(UnitError::new(
                    format!("expected an address, found number `{n}`"),
                    "quote addresses (a plain `0x…` that fits in 64 bits reads as a number), \
                     e.g. \"0x0000000000000000000000000000000000000001\"",
                ))
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::yaml::{from_str, Located};
    use proptest::prelude::*;

    #[derive(Debug, serde::Deserialize, serde::Serialize, PartialEq)]
    struct V<T> {
        v: T,
    }

    fn read<T: serde::de::DeserializeOwned>(value: &str) -> Result<T, (u32, u32, String, String)> {
        from_str::<V<T>>(&format!("x: 0\nv: {value}\n"))
            .map(|v| v.v)
            .map_err(|e| {
                let l = e.loc.unwrap_or_default();
                (l.line, l.col, e.message, e.hint.unwrap_or_default())
            })
    }

    #[test]
    fn durations() {
        let ok: &[(&str, u64)] = &[
            ("250ms", 250),
            ("12s", 12_000),
            ("5m", 300_000),
            ("1h30m", 5_400_000),
            ("1h 30m", 5_400_000),
            ("3d", 259_200_000),
            ("2w", 1_209_600_000),
            ("1.5h", 5_400_000),
            ("0.001s", 1),
            (".5s", 500),
            ("0s", 0),
            ("0ms", 0),
            ("1d2h3m4s5ms", 86_400_000 + 7_384_005),
            ("1_000ms", 1000),
            ("\"12s\"", 12_000),
        ];
        for (text, ms) in ok {
            assert_eq!(read::<Dur>(text), Ok(Dur(*ms)), "{text}");
        }
        let hint = DUR_HINT;
        let err: &[(&str, &str, &str)] = &[
            ("12", "duration `12` has no unit", DUR_UNIT_HINT),
            ("1.5", "duration `1.5` has no unit", DUR_UNIT_HINT),
            ("\"12\"", "duration `12` has no unit", DUR_UNIT_HINT),
            ("1h30", "duration `1h30` has no unit", DUR_UNIT_HINT),
            ("12x", "invalid duration `12x`: unknown unit `x`", hint),
            (
                "12 sec",
                "invalid duration `12 sec`: unknown unit `sec`",
                hint,
            ),
            (
                "1.5ms",
                "duration `1.5ms` is not a whole number of milliseconds",
                "durations are exact to the millisecond (e.g. `1.5s` = `1500ms`)",
            ),
            (
                "0.0001s",
                "duration `0.0001s` is not a whole number of milliseconds",
                "durations are exact to the millisecond (e.g. `1.5s` = `1500ms`)",
            ),
            (
                "-5s",
                "invalid duration `-5s`: durations cannot be negative",
                hint,
            ),
            ("\"\"", "invalid duration ``: it is empty", hint),
            ("s", "invalid duration `s`: expected a number", hint),
            ("1..2s", "invalid duration `1..2s`: malformed number", hint),
            (
                "999999999999w",
                "invalid duration `999999999999w`: too large",
                hint,
            ),
        ];
        for (text, msg, h) in err {
            assert_eq!(
                read::<Dur>(text),
                Err((2, 4, msg.to_string(), h.to_string())),
                "{text}"
            );
        }
        assert_eq!(
            read::<Dur>("[1]").unwrap_err().2,
            "expected a duration like `12s`, found a sequence"
        );
    }

    #[test]
    fn duration_ranges() {
        assert_eq!(
            read::<DurRange>("200ms..2s"),
            Ok(DurRange::new(Dur(200), Dur(2000)))
        );
        assert_eq!(read::<DurRange>("1s"), Ok(DurRange::exactly(Dur(1000))));
        assert_eq!(read::<DurRange>("1s..1s"), Ok(DurRange::exactly(Dur(1000))));
        assert_eq!(
            read::<DurRange>("2s..200ms"),
            Err((
                2,
                4,
                "range `2s..200ms` is empty: 2s is more than 200ms".into(),
                "put the smaller bound first: `200ms..2s`".into()
            ))
        );
        assert_eq!(
            read::<DurRange>("2s..x"),
            Err((
                2,
                4,
                "invalid duration `x`: expected a number".into(),
                RANGE_HINT.into()
            ))
        );
        assert_eq!(
            read::<DurRange>("5").unwrap_err().2,
            "duration `5` has no unit"
        );
        assert_eq!(DurRange::new(Dur(200), Dur(2000)).to_string(), "200ms..2s");
        assert_eq!(DurRange::exactly(Dur(5)).to_string(), "5ms");
    }

    #[test]
    fn amounts() {
        let e18 = U256::from(10u8).pow(U256::from(18u8));
        let ok: &[(&str, U256)] = &[
            ("0", U256::ZERO),
            ("1000", U256::from(1000u64)),
            ("\"1_000_000\"", U256::from(1_000_000u64)),
            ("\"2e18\"", U256::from(2u8) * e18),
            ("2e15", U256::from(2_000_000_000_000_000u64)),
            ("\"10 ether\"", U256::from(10u8) * e18),
            ("\"1.5 gwei\"", U256::from(1_500_000_000u64)),
            ("\"100 wei\"", U256::from(100u8)),
            ("\"0.000000001 ether\"", U256::from(1_000_000_000u64)),
            ("\"1e-9 ether\"", U256::from(1_000_000_000u64)),
            ("\"3gwei\"", U256::from(3_000_000_000u64)),
            ("100000000000000000000000", U256::from(100_000u64) * e18),
            (
                "\"115792089237316195423570985008687907853269984665640564039457584007913129639935\"",
                U256::MAX,
            ),
        ];
        for (text, want) in ok {
            assert_eq!(read::<Amount>(text), Ok(Amount(*want)), "{text}");
        }
        let err: &[(&str, &str, &str)] = &[
            ("-1", "invalid amount `-1`: amounts cannot be negative", AMOUNT_HINT),
            ("\"-1 ether\"", "invalid amount `-1 ether`: amounts cannot be negative", AMOUNT_HINT),
            ("1.5", "amount `1.5` is not a whole number of base units", "write it with a unit as a string (e.g. \"1.5 gwei\")"),
            ("\"1.5 wei\"", "amount `1.5 wei` is not a whole number of base units", "the smallest amount is 1 wei (e.g. \"1.5 gwei\" = 1500000000 wei)"),
            ("\"1e-19 ether\"", "amount `1e-19 ether` is not a whole number of base units", "the smallest amount is 1 wei (e.g. \"1.5 gwei\" = 1500000000 wei)"),
            ("\"1 btc\"", "invalid amount `1 btc`: unknown unit `btc`", "units are wei, gwei and ether (e.g. \"1.5 gwei\")"),
            ("\"lots\"", "invalid amount `lots`: unknown unit `lots`", "units are wei, gwei and ether (e.g. \"1.5 gwei\")"),
            ("\"1e80 ether\"", "amount `1e80 ether` does not fit in 256 bits", AMOUNT_HINT),
            ("\"115792089237316195423570985008687907853269984665640564039457584007913129639936\"", "amount `115792089237316195423570985008687907853269984665640564039457584007913129639936` does not fit in 256 bits", AMOUNT_HINT),
            ("2e18", "amount `2e18` is too large to be written as a plain number", "quote it so it is read exactly: \"2e18\""),
            ("\"1.2.3\"", "invalid amount `1.2.3`: expected a number", AMOUNT_HINT),
            ("\"\"", "invalid amount ``: expected a number", AMOUNT_HINT),
        ];
        for (text, msg, h) in err {
            assert_eq!(
                read::<Amount>(text),
                Err((2, 4, msg.to_string(), h.to_string())),
                "{text}"
            );
        }
        assert_eq!(Amount(U256::from(5u8)).to_string(), "5");
        assert_eq!(
            serde_json::to_string(&Amount(e18)).unwrap(),
            "\"1000000000000000000\""
        );
    }

    #[test]
    fn probabilities() {
        let ok: &[(&str, f64)] = &[
            ("0", 0.0),
            ("1", 1.0),
            ("0.25", 0.25),
            ("\"1/16\"", 0.0625),
            ("1/16", 0.0625),
            ("\"0.5\"", 0.5),
        ];
        for (text, want) in ok {
            assert_eq!(read::<Probability>(text), Ok(Probability(*want)), "{text}");
        }
        let err: &[(&str, &str)] = &[
            ("1.5", "probability `1.5` is not between 0 and 1"),
            ("2", "probability `2` is not between 0 and 1"),
            ("-0.1", "probability `-0.1` is not between 0 and 1"),
            ("\"3/2\"", "probability `3/2` is not between 0 and 1"),
            ("\"1/0\"", "probability `1/0` divides by zero"),
            ("often", "invalid probability `often`"),
            ("\"1/x\"", "invalid probability `1/x`"),
            ("\"NaN\"", "invalid probability `NaN`"),
        ];
        for (text, msg) in err {
            assert_eq!(
                read::<Probability>(text),
                Err((2, 4, msg.to_string(), PROB_HINT.to_string())),
                "{text}"
            );
        }
    }

    #[test]
    fn addresses() {
        let lower = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed";
        let a = parse_address(ADDRESS_EXAMPLE).unwrap();
        assert_eq!(parse_address(lower), Ok(a));
        assert_eq!(
            parse_address(&lower.to_uppercase().replace("0X", "0x")),
            Ok(a)
        );
        assert_eq!(read::<AddressStr>(ADDRESS_EXAMPLE), Ok(AddressStr(a)));
        assert_eq!(
            serde_json::to_string(&AddressStr(a)).unwrap(),
            format!("\"{ADDRESS_EXAMPLE}\"")
        );
        let bad_sum = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD";
        assert_eq!(
            read::<AddressStr>(bad_sum),
            Err((
                2,
                4,
                format!("address `{bad_sum}` has an invalid EIP-55 checksum (mixed case)"),
                format!("the checksummed form is {ADDRESS_EXAMPLE}, or write it all in lowercase")
            ))
        );
        let hint = format!("write `0x` and 40 hex digits, e.g. {ADDRESS_EXAMPLE}");
        assert_eq!(
            read::<AddressStr>("\"0x1234\""),
            Err((2, 4, "invalid address `0x1234`: expected `0x` followed by 40 hex digits, found 4 characters".into(), hint.clone()))
        );
        assert_eq!(
            read::<AddressStr>("5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"),
            Err((2, 4, "invalid address `5aaeb6053f3e94c9b9a09f33669435e7ef1beaed`: expected `0x` followed by 40 hex digits".into(), hint.clone()))
        );
        assert_eq!(
            read::<AddressStr>("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg")
                .unwrap_err()
                .2,
            "invalid address `0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg`: `g` is not a hex digit"
        );
        // a small address written plainly reads as an integer
        assert_eq!(
            read::<AddressStr>("0x0000000000000000000000000000000000000001").unwrap_err(),
            (
                2,
                4,
                "expected an address, found number `1`".into(),
                "quote addresses (a plain `0x…` that fits in 64 bits reads as a number), \
                 e.g. \"0x0000000000000000000000000000000000000001\""
                    .into()
            )
        );
        #[derive(serde::Deserialize)]
        struct W {
            #[serde(with = "address")]
            a: Address,
        }
        let w: W = from_str(&format!("a: \"{lower}\"")).unwrap();
        assert_eq!(w.a, a);
    }

    #[test]
    fn units_in_nested_positions_point_at_the_scalar() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Net {
            latency: DurRange,
            drop: Probability,
            at: Vec<Located<Dur>>,
        }
        let e = from_str::<Net>("latency: 200ms..2s\ndrop: 0.01\nat: [1s, 2h, 3]\n").unwrap_err();
        let l = e.loc.unwrap();
        assert_eq!(
            (l.line, l.col, e.message.as_str()),
            (3, 14, "duration `3` has no unit")
        );
        assert_eq!(
            e.to_string(),
            format!("3:14: duration `3` has no unit\n  hint: {DUR_UNIT_HINT}")
        );
        let n: Net = from_str("latency: 1s\ndrop: 1/2\nat: [1s, 2h]\n").unwrap();
        assert_eq!((n.at[1].value, n.at[1].loc.col), (Dur::hours(2), 10));
    }

    proptest! {
        #[test]
        fn dur_display_round_trips(ms in any::<u64>()) {
            let d = Dur(ms);
            prop_assert_eq!(parse_dur(&d.to_string()), Ok(d));
            prop_assert_eq!(serde_json::to_string(&d).unwrap(), format!("\"{d}\""));
        }

        #[test]
        fn amount_display_round_trips(limbs in any::<[u64; 4]>()) {
            let a = Amount(U256::from_limbs(limbs));
            prop_assert_eq!(parse_amount(&a.to_string()), Ok(a));
        }

        #[test]
        fn unit_parsers_never_panic(s in "\\PC{0,24}") {
            let _ = parse_dur(&s);
            let _ = parse_dur_range(&s);
            let _ = parse_amount(&s);
            let _ = parse_probability(&s);
            let _ = parse_address(&s);
        }

        #[test]
        fn unit_parsers_never_panic_on_numberish(s in "[-+0-9._eE/ a-z]{0,24}") {
            let _ = parse_dur(&s);
            let _ = parse_dur_range(&s);
            let _ = parse_amount(&s);
            let _ = parse_probability(&s);
        }
    }
}
