//! Wallet features (spec `payouts.md` §1): the payout technologies a payee's wallet supports,
//! written as a comma-separated list of identifiers like `WALLET_FEATURES="zksync,raiden"`.
//!
//! Features are data, not code: any identifier matching `[a-z0-9][a-z0-9-]*` is accepted and
//! carried into the invoices, whether or not a payout method of that name exists.

use std::fmt;

/// Why a feature list was refused. Each variant names the offending entry.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FeatureError {
    /// An entry was empty (`"zksync,,raiden"`, a trailing comma, or only whitespace between commas).
    #[error("empty entry at position {position} of the wallet feature list")]
    Empty { position: usize },
    /// The same feature was listed twice.
    #[error("wallet feature `{entry}` is listed twice")]
    Duplicate { entry: String },
    /// An entry has characters outside `[a-z0-9][a-z0-9-]*`.
    #[error("wallet feature `{entry}` is not an identifier of the form [a-z0-9][a-z0-9-]*")]
    BadCharacters { entry: String },
}

/// A validated wallet feature list, in the order written.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Features(Vec<String>);

impl Features {
    /// Parses a comma-separated list. Whitespace around entries is trimmed; an empty (or
    /// all-whitespace) list means layer 1 only.
    pub fn parse(text: &str) -> Result<Features, FeatureError> {
        if text.trim().is_empty() {
            return Ok(Features::default());
        }
        let mut out: Vec<String> = Vec::new();
        for (i, raw) in text.split(',').enumerate() {
            let entry = raw.trim();
            if entry.is_empty() {
                return Err(FeatureError::Empty { position: i + 1 });
            }
            if !is_identifier(entry) {
                return Err(FeatureError::BadCharacters {
                    entry: entry.to_string(),
                });
            }
            if out.iter().any(|f| f == entry) {
                return Err(FeatureError::Duplicate {
                    entry: entry.to_string(),
                });
            }
            out.push(entry.to_string());
        }
        Ok(Features(out))
    }

    /// Whether the wallet supports `feature`.
    pub fn contains(&self, feature: &str) -> bool {
        self.0.iter().any(|f| f == feature)
    }

    /// The features in the order written.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Features {
    /// The canonical form: entries joined by `,` without spaces.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(","))
    }
}

/// Whether `s` matches `[a-z0-9][a-z0-9-]*`.
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(list: &[&str]) -> Result<Features, FeatureError> {
        Ok(Features(list.iter().map(|s| s.to_string()).collect()))
    }

    #[test]
    fn feature_list_table() {
        let cases: &[(&str, Result<Features, FeatureError>)] = &[
            // valid
            ("zksync", ok(&["zksync"])),
            ("zksync,raiden", ok(&["zksync", "raiden"])),
            ("raiden,zksync", ok(&["raiden", "zksync"])),
            ("l2-v2,0x", ok(&["l2-v2", "0x"])),
            // empty means layer 1 only
            ("", ok(&[])),
            ("   ", ok(&[])),
            // whitespace around entries is trimmed
            (" zksync , raiden ", ok(&["zksync", "raiden"])),
            ("\tzksync,\nraiden", ok(&["zksync", "raiden"])),
            // empty entries
            ("zksync,", Err(FeatureError::Empty { position: 2 })),
            (",zksync", Err(FeatureError::Empty { position: 1 })),
            ("zksync,,raiden", Err(FeatureError::Empty { position: 2 })),
            ("zksync, ,raiden", Err(FeatureError::Empty { position: 2 })),
            // duplicates, also after trimming
            (
                "zksync,zksync",
                Err(FeatureError::Duplicate {
                    entry: "zksync".into(),
                }),
            ),
            (
                "zksync, raiden ,zksync ",
                Err(FeatureError::Duplicate {
                    entry: "zksync".into(),
                }),
            ),
            // characters outside the pattern
            (
                "ZkSync",
                Err(FeatureError::BadCharacters {
                    entry: "ZkSync".into(),
                }),
            ),
            (
                "zk sync",
                Err(FeatureError::BadCharacters {
                    entry: "zk sync".into(),
                }),
            ),
            (
                "-zksync",
                Err(FeatureError::BadCharacters {
                    entry: "-zksync".into(),
                }),
            ),
            (
                "zk_sync",
                Err(FeatureError::BadCharacters {
                    entry: "zk_sync".into(),
                }),
            ),
            (
                "zksync;raiden",
                Err(FeatureError::BadCharacters {
                    entry: "zksync;raiden".into(),
                }),
            ),
            (
                "zksyncé",
                Err(FeatureError::BadCharacters {
                    entry: "zksyncé".into(),
                }),
            ),
            // an unknown feature is accepted as data
            ("plasma", ok(&["plasma"])),
            ("zksync,plasma", ok(&["zksync", "plasma"])),
        ];
        for (text, want) in cases {
            assert_eq!(&Features::parse(text), want, "feature list {text:?}");
        }
    }

    #[test]
    fn canonical_form_joins_without_spaces() {
        let f = Features::parse(" zksync , plasma").unwrap();
        assert_eq!(f.to_string(), "zksync,plasma");
        assert!(f.contains("plasma"));
        assert!(!f.contains("raiden"));
    }
}
