//! The tracer: every record of a run passes here once. It is encoded once, folded into the
//! rolling digest and handed to a [`Sink`] (a file, memory, or a replay comparator).

use crate::trace::{
    append_record, append_record_ref, decode_frame, Footer, Frame, Header, Record, RecordRef,
    RollingDigest,
};
use std::cell::RefCell;
use std::rc::Rc;

/// Why a sink refused a record.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SinkError {
    #[error("cannot write the trace: {0}")]
    Io(String),
    /// A replayed run produced a different record than the recorded trace.
    #[error("replay diverged at record {index}")]
    Diverged {
        index: u64,
        expected: Option<Box<Record>>,
        actual: Option<Box<Record>>,
    },
}

/// Where the records of a run go.
pub trait Sink {
    fn begin(&mut self, header: &Header) -> Result<(), SinkError>;
    fn record(&mut self, index: u64, record: &Record, encoded: &[u8]) -> Result<(), SinkError>;
    fn end(&mut self, footer: &Footer) -> Result<(), SinkError>;
    /// Whether the sink reads the decoded record, or only its encoded bytes. Sinks that need
    /// only bytes (files, digest-only runs) spare the hot path from building owned records.
    fn needs_records(&self) -> bool {
        true
    }
    /// A record given as its encoded bytes only (when [`Sink::needs_records`] is false). The
    /// default decodes it and calls [`Sink::record`].
    fn record_encoded(&mut self, index: u64, encoded: &[u8]) -> Result<(), SinkError> {
        match decode_frame(encoded) {
            Ok(Frame::Record(r)) => self.record(index, &r, encoded),
            Ok(other) => Err(SinkError::Io(format!(
                "record {index} encoded as a {}",
                other.kind()
            ))),
            Err(e) => Err(SinkError::Io(format!(
                "record {index} does not decode: {e}"
            ))),
        }
    }
}

/// Discards records (the digest is still computed).
pub struct NullSink;

impl Sink for NullSink {
    fn begin(&mut self, _: &Header) -> Result<(), SinkError> {
        Ok(())
    }
    fn record(&mut self, _: u64, _: &Record, _: &[u8]) -> Result<(), SinkError> {
        Ok(())
    }
    fn end(&mut self, _: &Footer) -> Result<(), SinkError> {
        Ok(())
    }
    fn needs_records(&self) -> bool {
        false
    }
    fn record_encoded(&mut self, _: u64, _: &[u8]) -> Result<(), SinkError> {
        Ok(())
    }
}

/// What a [`MemSink`] collected.
#[derive(Default, Debug, Clone)]
pub struct Collected {
    pub header: Option<Header>,
    pub records: Vec<Record>,
    pub footer: Option<Footer>,
}

/// Keeps records in memory (tests, fuzzing); read them through the shared handle.
#[derive(Default, Clone)]
pub struct MemSink(pub Rc<RefCell<Collected>>);

impl MemSink {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn take(&self) -> Collected {
        std::mem::take(&mut *self.0.borrow_mut())
    }
}

impl Sink for MemSink {
    fn begin(&mut self, header: &Header) -> Result<(), SinkError> {
        self.0.borrow_mut().header = Some(header.clone());
        Ok(())
    }
    fn record(&mut self, _: u64, record: &Record, _: &[u8]) -> Result<(), SinkError> {
        self.0.borrow_mut().records.push(record.clone());
        Ok(())
    }
    fn end(&mut self, footer: &Footer) -> Result<(), SinkError> {
        self.0.borrow_mut().footer = Some(footer.clone());
        Ok(())
    }
}

/// Encodes, digests and forwards records; remembers the first sink error.
pub struct Tracer {
    sink: Box<dyn Sink>,
    /// The sink's [`Sink::needs_records`], asked once.
    sink_needs_records: bool,
    digest: RollingDigest,
    count: u64,
    error: Option<SinkError>,
}

impl Tracer {
    pub fn new(sink: Box<dyn Sink>) -> Self {
        Tracer {
            sink_needs_records: sink.needs_records(),
            sink,
            digest: RollingDigest::new(),
            count: 0,
            error: None,
        }
    }

    pub fn begin(&mut self, header: &Header) {
        if let Err(e) = self.sink.begin(header) {
            self.error.get_or_insert(e);
        }
    }

    pub fn record(&mut self, record: Record) {
        if self.error.is_some() {
            return;
        }
        // Encoded straight into the digest's batch; the sink reads the bytes there.
        let encoded = self.digest.update_with(|buf| append_record(&record, buf));
        if let Err(e) = self.sink.record(self.count, &record, encoded) {
            self.error = Some(e);
        }
        self.count += 1;
    }

    /// Like [`Tracer::record`] for a borrowed record: no owned record is built unless the sink
    /// needs one.
    pub fn record_ref(&mut self, record: RecordRef<'_>) {
        if self.error.is_some() {
            return;
        }
        let encoded = self
            .digest
            .update_with(|buf| append_record_ref(&record, buf));
        let sent = if self.sink_needs_records {
            self.sink.record(self.count, &record.to_record(), encoded)
        } else {
            self.sink.record_encoded(self.count, encoded)
        };
        if let Err(e) = sent {
            self.error = Some(e);
        }
        self.count += 1;
    }

    /// Writes the footer and returns it.
    pub fn end(&mut self) -> Footer {
        let footer = Footer {
            records: self.count,
            digest: self.digest.current(),
        };
        if self.error.is_none() {
            if let Err(e) = self.sink.end(&footer) {
                self.error = Some(e);
            }
        }
        footer
    }

    pub fn failed(&self) -> bool {
        self.error.is_some()
    }

    pub fn error(&self) -> Option<&SinkError> {
        self.error.as_ref()
    }

    pub fn count(&self) -> u64 {
        self.count
    }
}
