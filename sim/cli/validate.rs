//! `crucible validate FILE...`

use super::{diag, BAD_INPUT};
use crucible::scenario::load_file;
use std::path::PathBuf;

pub fn main(files: &[PathBuf]) -> i32 {
    let mut bad = 0;
    for f in files {
        match load_file(f) {
            Ok(sc) => println!(
                "{}: ok ({} chains, {} protocols, {} actors)",
                f.display(),
                sc.chains.len(),
                sc.protocols.len(),
                sc.actors.len()
            ),
            Err(e) => {
                bad += 1;
                diag::scenario_error(e, None);
            }
        }
    }
    if bad > 0 {
        BAD_INPUT
    } else {
        0
    }
}
