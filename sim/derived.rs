//! Files derived from a finished run (payment files, payout CSVs, …).
//!
//! A protocol may turn a run into files that a second party must be able to reproduce from the
//! trace alone (the BOLD reimbursement proposal's cross-check; the payouts pipeline's invoices
//! and receipts). Such files are computed by [`ProtocolConfig::derived_files`] from a
//! [`RunTrace`] — the recorded header, the scenario it embeds and every record — never from the
//! world's memory. `crucible run` writes them next to `trace.bin`; `crucible verify TRACE DIR`
//! recomputes them from the trace and reports every byte difference.
//!
//! [`ProtocolConfig::derived_files`]: crate::protocols::ProtocolConfig::derived_files

use crate::engine::tracer::Collected;
use crate::scenario::{load_str, Scenario, ScenarioError};
use crate::trace::{read_trace, Header, Record, TraceError};
use std::path::{Component, Path, PathBuf};

/// One derived file: a path relative to the run's output directory (`/`-separated) and its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DerivedFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// A finished run as the trace tells it.
pub struct RunTrace {
    pub header: Header,
    /// The scenario embedded in the header, loaded again.
    pub scenario: Scenario,
    pub records: Vec<Record>,
}

/// Why derived files could not be computed or compared.
#[derive(Debug, thiserror::Error)]
pub enum DeriveError {
    #[error(transparent)]
    Trace(#[from] TraceError),
    #[error("the scenario embedded in the trace does not load: {0}")]
    Scenario(#[from] ScenarioError),
    #[error("protocol {protocol} could not derive its files: {message}")]
    Protocol { protocol: String, message: String },
    #[error("protocol {protocol} derived a file with an unsafe path `{path}` (must be relative, without `..`)")]
    BadPath { protocol: String, path: String },
    #[error("the in-memory run has no header")]
    NoHeader,
}

impl RunTrace {
    /// Reads a trace file completely (corrupt frames are named by the reader's error).
    pub fn read(path: &Path) -> Result<Self, DeriveError> {
        let (header, records, _) = read_trace(path)?;
        Self::from_parts(header, records)
    }

    /// From an in-memory run (tests, fuzzing).
    pub fn from_collected(c: &Collected) -> Result<Self, DeriveError> {
        let header = c.header.clone().ok_or(DeriveError::NoHeader)?;
        Self::from_parts(header, c.records.clone())
    }

    fn from_parts(header: Header, records: Vec<Record>) -> Result<Self, DeriveError> {
        let scenario = load_str(&header.scenario, &header.scenario_path)?;
        Ok(RunTrace {
            header,
            scenario,
            records,
        })
    }
}

/// Whether any protocol of `sc` derives files (so the runner need not read the trace back).
pub fn any_derived(sc: &Scenario) -> bool {
    sc.protocols.iter().any(|p| p.config.derives_files())
}

/// Every protocol's derived files for `run`, in protocol order then each protocol's own order.
/// `only` restricts to one protocol by name.
pub fn derive(run: &RunTrace, only: Option<&str>) -> Result<Vec<DerivedFile>, DeriveError> {
    let mut out = Vec::new();
    for p in &run.scenario.protocols {
        if only.is_some_and(|o| o != p.name) || !p.config.derives_files() {
            continue;
        }
        let files = p
            .config
            .derived_files(run)
            .map_err(|message| DeriveError::Protocol {
                protocol: p.name.clone(),
                message,
            })?;
        for f in files {
            if !safe_relative(&f.path) {
                return Err(DeriveError::BadPath {
                    protocol: p.name.clone(),
                    path: f.path,
                });
            }
            out.push(f);
        }
    }
    Ok(out)
}

fn safe_relative(path: &str) -> bool {
    !path.is_empty()
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// Writes derived files under `dir`, creating subdirectories.
pub fn write_all(dir: &Path, files: &[DerivedFile]) -> Result<(), (PathBuf, std::io::Error)> {
    for f in files {
        let path = dir.join(&f.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| (parent.to_path_buf(), e))?;
        }
        std::fs::write(&path, &f.bytes).map_err(|e| (path.clone(), e))?;
    }
    Ok(())
}

/// One difference between recomputed files and a directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mismatch {
    /// The trace gives this file but the directory lacks it.
    Missing { path: String },
    /// A subdirectory that holds derived files also holds this file, which the trace does not
    /// give (derived directories must match name for name).
    Extra { path: String },
    /// The directory's file differs; `offset` is the first differing byte, `line` its line (1-based).
    Differs {
        path: String,
        offset: usize,
        line: usize,
        expected_len: usize,
        actual_len: usize,
    },
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mismatch::Missing { path } => write!(f, "{path}: missing (the trace gives this file)"),
            Mismatch::Extra { path } => write!(f, "{path}: extra (the trace gives no such file)"),
            Mismatch::Differs {
                path,
                offset,
                line,
                expected_len,
                actual_len,
            } => write!(
                f,
                "{path}: differs at byte {offset} (line {line}); recomputed {expected_len} bytes, found {actual_len}"
            ),
        }
    }
}

/// Compares recomputed `files` with what `dir` holds, byte for byte.
pub fn compare(dir: &Path, files: &[DerivedFile]) -> Vec<Mismatch> {
    let mut out = Vec::new();
    for f in files {
        match std::fs::read(dir.join(&f.path)) {
            Err(_) => out.push(Mismatch::Missing {
                path: f.path.clone(),
            }),
            Ok(actual) if actual == f.bytes => {}
            Ok(actual) => {
                let offset = f
                    .bytes
                    .iter()
                    .zip(&actual)
                    .position(|(a, b)| a != b)
                    .unwrap_or(f.bytes.len().min(actual.len()));
                let line = 1 + f.bytes[..offset].iter().filter(|&&b| b == b'\n').count();
                out.push(Mismatch::Differs {
                    path: f.path.clone(),
                    offset,
                    line,
                    expected_len: f.bytes.len(),
                    actual_len: actual.len(),
                });
            }
        }
    }
    // Subdirectories of derived files (never the run directory itself, which also holds the
    // trace and the summary) must hold nothing else.
    let given: std::collections::BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let subdirs: std::collections::BTreeSet<&str> = files
        .iter()
        .filter_map(|f| f.path.rsplit_once('/').map(|(d, _)| d))
        .collect();
    for sub in subdirs {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_file())
            .map(|e| format!("{sub}/{}", e.file_name().to_string_lossy()))
            .collect();
        names.sort();
        for n in names {
            if !given.contains(n.as_str()) {
                out.push(Mismatch::Extra { path: n });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_must_stay_inside_the_output_directory() {
        assert!(safe_relative("payments/a.json"));
        assert!(safe_relative("invoices.csv"));
        assert!(!safe_relative(""));
        assert!(!safe_relative("../x"));
        assert!(!safe_relative("/etc/x"));
        assert!(!safe_relative("a/../../x"));
    }

    #[test]
    fn compare_names_missing_and_differing_files() {
        let dir = std::env::temp_dir().join(format!("crucible-derived-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let same = DerivedFile {
            path: "a/same.csv".into(),
            bytes: b"x\ny\n".to_vec(),
        };
        let other = DerivedFile {
            path: "other.csv".into(),
            bytes: b"one\ntwo\n".to_vec(),
        };
        let gone = DerivedFile {
            path: "gone.csv".into(),
            bytes: b"z".to_vec(),
        };
        write_all(&dir, &[same.clone(), other.clone()]).unwrap();
        std::fs::write(dir.join("other.csv"), b"one\ntwX\n").unwrap();
        std::fs::write(dir.join("a/stray.csv"), b"?").unwrap();
        std::fs::write(dir.join("stray-at-top.txt"), b"?").unwrap();
        let found = compare(&dir, &[same, other, gone]);
        assert_eq!(
            found,
            vec![
                Mismatch::Differs {
                    path: "other.csv".into(),
                    offset: 6,
                    line: 2,
                    expected_len: 8,
                    actual_len: 8
                },
                Mismatch::Missing {
                    path: "gone.csv".into()
                },
                Mismatch::Extra {
                    path: "a/stray.csv".into()
                }
            ]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
