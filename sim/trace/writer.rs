//! Writing traces.

use super::digest::RollingDigest;
use super::error::TraceError;
use super::format::{
    encode_footer, encode_header, encode_record_into, frame_head, FRAME_HEAD_LEN, MAGIC,
    MAX_FRAME_LEN, PRELUDE_LEN, RECORD_TAG,
};
use super::record::{Footer, Header, Record, FORMAT_VERSION};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Writes a trace: prelude and header on creation, records one by one, the footer on
/// [`finish`](TraceWriter::finish). Output is buffered. A trace without its footer is reported
/// as incomplete by readers, so always call `finish`.
pub struct TraceWriter<W: Write> {
    out: BufWriter<W>,
    digest: RollingDigest,
    /// Byte offset of the next frame.
    offset: u64,
    scratch: Vec<u8>,
}

impl TraceWriter<File> {
    /// Creates (or truncates) the file at `path` and writes the prelude and header.
    pub fn create(path: impl AsRef<Path>, header: &Header) -> Result<Self, TraceError> {
        TraceWriter::new(File::create(path)?, header)
    }
}

impl<W: Write> TraceWriter<W> {
    /// Writes the magic, the format version and the header frame to `w`.
    pub fn new(w: W, header: &Header) -> Result<Self, TraceError> {
        let mut writer = TraceWriter {
            out: BufWriter::with_capacity(64 * 1024, w),
            digest: RollingDigest::new(),
            offset: 0,
            scratch: Vec::with_capacity(256),
        };
        writer.out.write_all(MAGIC)?;
        writer.out.write_all(&FORMAT_VERSION.to_le_bytes())?;
        writer.offset = PRELUDE_LEN;
        writer.write_frame(&encode_header(header))?;
        Ok(writer)
    }

    /// Appends one record.
    pub fn write(&mut self, record: &Record) -> Result<(), TraceError> {
        let mut buf = std::mem::take(&mut self.scratch);
        encode_record_into(record, &mut buf);
        let result = self.write_encoded(&buf);
        self.scratch = buf;
        result
    }

    /// Appends one record already encoded with [`super::encode_record`], so a caller that also
    /// feeds a digest encodes each record once.
    pub fn write_encoded(&mut self, payload: &[u8]) -> Result<(), TraceError> {
        if payload.first() != Some(&RECORD_TAG) {
            return Err(TraceError::UnexpectedFrame {
                frame: self.frame_index(),
                offset: self.offset,
                expected: "record",
                found: "non-record",
            });
        }
        self.write_frame(payload)?;
        self.digest.update(payload);
        Ok(())
    }

    /// Number of records written so far.
    pub fn count(&self) -> u64 {
        self.digest.count()
    }

    /// Digest of the records written so far.
    pub fn digest(&self) -> alloy_primitives::B256 {
        self.digest.current()
    }

    /// Writes the footer (record count and digest), flushes, and returns the footer.
    pub fn finish(self) -> Result<Footer, TraceError> {
        self.finish_into_inner().map(|(footer, _)| footer)
    }

    /// Like [`finish`](TraceWriter::finish), also handing back the underlying writer.
    pub fn finish_into_inner(mut self) -> Result<(Footer, W), TraceError> {
        let footer = Footer {
            records: self.digest.count(),
            digest: self.digest.current(),
        };
        self.write_frame(&encode_footer(&footer))?;
        let mut inner = self
            .out
            .into_inner()
            .map_err(|e| TraceError::from(e.into_error()))?;
        inner.flush()?;
        Ok((footer, inner))
    }

    fn frame_index(&self) -> u64 {
        // Frame 0 is the header, written in `new` before any record.
        if self.offset == PRELUDE_LEN {
            0
        } else {
            self.digest.count() + 1
        }
    }

    fn write_frame(&mut self, payload: &[u8]) -> Result<(), TraceError> {
        if payload.len() > MAX_FRAME_LEN as usize {
            return Err(TraceError::FrameTooLarge {
                frame: self.frame_index(),
                offset: self.offset,
                len: payload.len() as u64,
            });
        }
        self.out.write_all(&frame_head(payload))?;
        self.out.write_all(payload)?;
        self.offset += FRAME_HEAD_LEN + payload.len() as u64;
        Ok(())
    }
}
