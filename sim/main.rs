//! `crucible`: run, validate and replay scenarios; inspect traces.

mod cli;

/// mimalloc: runs allocate many small, short-lived objects (see Cargo.toml).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // `println!` panics when stdout is a pipe whose reader has closed it. That is not a failure
    // of the command: it ends quietly, as other Unix tools do, after unwinding (so files being
    // written are flushed and closed). Any other panic is reported as usual.
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !is_closed_pipe(info.payload()) {
            report(info);
        }
    }));
    let code = match std::panic::catch_unwind(cli::main) {
        Ok(code) => code,
        Err(payload) if is_closed_pipe(payload.as_ref()) => cli::CLOSED_PIPE,
        Err(payload) => std::panic::resume_unwind(payload),
    };
    std::process::exit(code);
}

/// Whether a panic is `println!`/`eprintln!` failing on a closed pipe.
fn is_closed_pipe(payload: &(dyn std::any::Any + Send)) -> bool {
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("");
    (message.starts_with("failed printing to stdout")
        || message.starts_with("failed printing to stderr"))
        && message.to_ascii_lowercase().contains("broken pipe")
}
