//! `crucible`: run, validate and replay scenarios; inspect traces.

mod cli;

/// mimalloc: runs allocate many small, short-lived objects (see Cargo.toml).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(cli::main());
}
