//! `crucible`: run, validate and replay scenarios; inspect traces.

mod cli;

fn main() {
    std::process::exit(cli::main());
}
