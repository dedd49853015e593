//! Running scenarios end to end: to files (trace, summary, metrics), in memory, twice for a
//! determinism check, and replaying a trace record by record.

use crate::engine::time::SimTime;
use crate::engine::tracer::{Collected, MemSink, Sink, SinkError};
use crate::engine::world::{BuildError, RunOptions, RunResult, World};
use crate::report::{metrics_csv, report, Report};
use crate::scenario::{load_str, Scenario, ScenarioError};
use crate::trace::{Footer, Header, Record, TraceError, TraceReader, TraceWriter};
use std::cell::RefCell;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Why a run could not happen or complete.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("derived files: {0}")]
    Derive(#[from] crate::derived::DeriveError),
}

/// Writes records to a trace file as they come.
pub struct FileSink {
    path: PathBuf,
    writer: Option<TraceWriter<File>>,
}

impl FileSink {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileSink {
            path: path.into(),
            writer: None,
        }
    }
}

fn io(e: impl std::fmt::Display) -> SinkError {
    SinkError::Io(e.to_string())
}

impl Sink for FileSink {
    fn begin(&mut self, header: &Header) -> Result<(), SinkError> {
        self.writer = Some(TraceWriter::create(&self.path, header).map_err(io)?);
        Ok(())
    }
    fn record(&mut self, _: u64, _: &Record, encoded: &[u8]) -> Result<(), SinkError> {
        match &mut self.writer {
            Some(w) => w.write_encoded(encoded).map_err(io),
            None => Err(SinkError::Io("trace not started".into())),
        }
    }
    fn end(&mut self, _: &Footer) -> Result<(), SinkError> {
        match self.writer.take() {
            Some(w) => w.finish().map(|_| ()).map_err(io),
            None => Err(SinkError::Io("trace not started".into())),
        }
    }
    fn needs_records(&self) -> bool {
        false
    }
    fn record_encoded(&mut self, _: u64, encoded: &[u8]) -> Result<(), SinkError> {
        match &mut self.writer {
            Some(w) => w.write_encoded(encoded).map_err(io),
            None => Err(SinkError::Io("trace not started".into())),
        }
    }
}

/// Runs `sc` with `seed`, writing `trace.bin`, `summary.yaml` and `metrics.csv` into `out`,
/// and the protocols' derived files (computed from the written trace, see [`crate::derived`]).
pub fn run_to_dir(
    sc: &Scenario,
    seed: u64,
    out: &Path,
    opts: RunOptions,
    tick: &mut dyn FnMut(SimTime, u64),
) -> Result<(Report, RunResult), RunError> {
    std::fs::create_dir_all(out).map_err(|source| RunError::Write {
        path: out.to_path_buf(),
        source,
    })?;
    let world = World::build(
        sc,
        seed,
        Box::new(FileSink::new(out.join("trace.bin"))),
        opts,
    )?;
    let started = std::time::Instant::now();
    let result = world.run_with_progress(tick);
    let wall = started.elapsed().as_millis() as u64;
    let rep = report(sc, &result, Some(wall));
    let write = |name: &str, text: String| {
        let path = out.join(name);
        std::fs::write(&path, text).map_err(|source| RunError::Write { path, source })
    };
    write("summary.yaml", rep.to_yaml())?;
    write("metrics.csv", metrics_csv(&result))?;
    if crate::derived::any_derived(sc) && result.sink_error.is_none() {
        let run = crate::derived::RunTrace::read(&out.join("trace.bin"))?;
        let files = crate::derived::derive(&run, None)?;
        crate::derived::write_all(out, &files)
            .map_err(|(path, source)| RunError::Write { path, source })?;
    }
    Ok((rep, result))
}

/// Runs `sc` with `seed` keeping the trace in memory.
pub fn run_in_memory(
    sc: &Scenario,
    seed: u64,
    opts: RunOptions,
) -> Result<(RunResult, Collected), RunError> {
    let sink = MemSink::new();
    let world = World::build(sc, seed, Box::new(sink.clone()), opts)?;
    let result = world.run();
    Ok((result, sink.take()))
}

/// Runs `sc` with `seed` computing only the digest (no trace kept).
pub fn run_digest_only(sc: &Scenario, seed: u64, opts: RunOptions) -> Result<RunResult, RunError> {
    let world = World::build(sc, seed, Box::new(crate::engine::tracer::NullSink), opts)?;
    Ok(world.run())
}

/// What a replay sink learned, shared with the caller (the sink itself moves into the world).
#[derive(Default)]
struct ReplayState {
    error: Option<TraceError>,
    context: Vec<Record>,
}

/// Compares a re-run against a recorded trace, record by record.
struct ReplaySink {
    reader: TraceReader<BufReader<File>>,
    state: Rc<RefCell<ReplayState>>,
    matched: u64,
}

impl ReplaySink {
    fn unreadable(&mut self, e: TraceError) -> SinkError {
        self.state.borrow_mut().error = Some(e);
        SinkError::Io("the recorded trace is unreadable".into())
    }
}

impl Sink for ReplaySink {
    fn begin(&mut self, _: &Header) -> Result<(), SinkError> {
        Ok(())
    }
    fn record(&mut self, index: u64, record: &Record, _: &[u8]) -> Result<(), SinkError> {
        match self.reader.next_record() {
            Ok(Some(expected)) if expected == *record => {
                self.matched += 1;
                let mut st = self.state.borrow_mut();
                if st.context.len() == 3 {
                    st.context.remove(0);
                }
                st.context.push(expected);
                Ok(())
            }
            Ok(expected) => Err(SinkError::Diverged {
                index,
                expected: expected.map(Box::new),
                actual: Some(Box::new(record.clone())),
            }),
            Err(e) => Err(self.unreadable(e)),
        }
    }
    fn end(&mut self, _: &Footer) -> Result<(), SinkError> {
        match self.reader.next_record() {
            Ok(None) => Ok(()),
            Ok(Some(expected)) => Err(SinkError::Diverged {
                index: self.matched,
                expected: Some(Box::new(expected)),
                actual: None,
            }),
            Err(e) => Err(self.unreadable(e)),
        }
    }
}

/// What replaying a trace found.
#[derive(Debug)]
pub enum ReplayOutcome {
    /// Every record matched and the digests agree.
    Match {
        records: u64,
        digest: alloy_primitives::B256,
    },
    /// The first record that differs, with up to three common records before it.
    Diverged {
        index: u64,
        expected: Option<Box<Record>>,
        actual: Option<Box<Record>>,
        context: Vec<Record>,
        header: Box<Header>,
    },
}

/// Why a replay could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error(transparent)]
    Trace(#[from] TraceError),
    #[error("the scenario embedded in the trace does not load: {0}")]
    Scenario(#[from] ScenarioError),
    #[error(transparent)]
    Run(#[from] RunError),
    #[error("{0}")]
    Sink(String),
}

/// Re-runs the scenario and seed embedded in a trace and compares record by record.
pub fn replay(path: &Path) -> Result<ReplayOutcome, ReplayError> {
    let reader = TraceReader::open_path(path)?;
    let header = reader.header().clone();
    let sc = load_str(&header.scenario, &header.scenario_path)?;
    let state = Rc::new(RefCell::new(ReplayState::default()));
    let sink = ReplaySink {
        reader,
        state: state.clone(),
        matched: 0,
    };
    let opts = RunOptions {
        stop_on_violation: header.stop_on_violation,
    };
    let world = World::build(&sc, header.seed, Box::new(sink), opts).map_err(RunError::from)?;
    let result = world.run();
    let ReplayState {
        error: trace_error,
        context,
    } = std::mem::take(&mut *state.borrow_mut());
    if let Some(e) = trace_error {
        return Err(ReplayError::Trace(e));
    }
    match result.sink_error {
        None => Ok(ReplayOutcome::Match {
            records: result.records,
            digest: result.digest,
        }),
        Some(SinkError::Diverged {
            index,
            expected,
            actual,
        }) => Ok(ReplayOutcome::Diverged {
            index,
            expected,
            actual,
            context,
            header: Box::new(header),
        }),
        Some(SinkError::Io(msg)) => Err(ReplayError::Sink(msg)),
    }
}
