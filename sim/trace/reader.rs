//! Reading traces. The reader never panics and never trusts a length before checking it.

use super::digest::RollingDigest;
use super::error::TraceError;
use super::format::{decode_frame, Frame, FRAME_HEAD_LEN, MAGIC, MAX_FRAME_LEN, PRELUDE_LEN};
use super::record::{Footer, Header, Record, FORMAT_VERSION};
use std::fs::File;
use std::io::{BufReader, ErrorKind, Read};
use std::path::Path;

enum State {
    Records,
    Done,
    Failed(TraceError),
}

/// Reads a trace frame by frame, checking every checksum, the order of frames, and at the end
/// that the footer's record count and digest match the records read.
pub struct TraceReader<R: Read> {
    input: R,
    header: Header,
    footer: Option<Footer>,
    digest: RollingDigest,
    /// Index of the next frame.
    frame: u64,
    /// Byte offset of the next frame.
    offset: u64,
    state: State,
    buf: Vec<u8>,
}

impl TraceReader<BufReader<File>> {
    /// Opens the trace file at `path` and reads its header.
    pub fn open_path(path: impl AsRef<Path>) -> Result<Self, TraceError> {
        let file = File::open(path)?;
        TraceReader::open(BufReader::with_capacity(64 * 1024, file))
    }
}

/// Reads until `buf` is full or the input ends; returns the bytes read.
fn read_full(input: &mut impl Read, buf: &mut [u8]) -> Result<usize, TraceError> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(filled)
}

impl<R: Read> TraceReader<R> {
    /// Checks the magic and format version and reads the header frame. Pass a buffered reader:
    /// frames are read with small reads.
    pub fn open(mut input: R) -> Result<Self, TraceError> {
        let mut prelude = [0u8; PRELUDE_LEN as usize];
        let n = read_full(&mut input, &mut prelude)?;
        let magic_len = MAGIC.len().min(n);
        if prelude[..magic_len] != MAGIC[..magic_len] {
            return Err(TraceError::BadMagic);
        }
        if n < prelude.len() {
            return Err(TraceError::Truncated {
                frame: 0,
                offset: 0,
            });
        }
        let mut version = [0u8; 4];
        version.copy_from_slice(&prelude[MAGIC.len()..]);
        let found = u32::from_le_bytes(version);
        if found != FORMAT_VERSION {
            return Err(TraceError::UnsupportedVersion {
                found,
                supported: FORMAT_VERSION,
            });
        }
        let mut buf = Vec::new();
        let header = match read_frame(&mut input, &mut buf, 0, PRELUDE_LEN)? {
            Some(Frame::Header(header)) => header,
            None => {
                return Err(TraceError::Truncated {
                    frame: 0,
                    offset: PRELUDE_LEN,
                })
            }
            Some(other) => {
                return Err(TraceError::UnexpectedFrame {
                    frame: 0,
                    offset: PRELUDE_LEN,
                    expected: "header",
                    found: other.kind(),
                })
            }
        };
        let mut reader = TraceReader {
            input,
            header,
            footer: None,
            digest: RollingDigest::new(),
            frame: 0,
            offset: PRELUDE_LEN,
            state: State::Records,
            buf,
        };
        reader.advance();
        Ok(reader)
    }

    /// The header of the trace.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The footer, once [`next_record`](TraceReader::next_record) has returned `None`.
    pub fn footer(&self) -> Option<&Footer> {
        self.footer.as_ref()
    }

    /// Records read so far.
    pub fn count(&self) -> u64 {
        self.digest.count()
    }

    /// The next record, or `None` after the footer once the footer's count and digest have been
    /// checked against the records read and the end of the input confirmed. After an error,
    /// every further call returns the same error.
    pub fn next_record(&mut self) -> Result<Option<Record>, TraceError> {
        match &self.state {
            State::Records => {}
            State::Done => return Ok(None),
            State::Failed(e) => return Err(e.clone()),
        }
        let result = self.step();
        if let Err(e) = &result {
            self.state = State::Failed(e.clone());
        }
        result
    }

    fn step(&mut self) -> Result<Option<Record>, TraceError> {
        let frame_offset = self.offset;
        let frame = match read_frame(&mut self.input, &mut self.buf, self.frame, frame_offset)? {
            Some(frame) => frame,
            None => {
                return Err(TraceError::MissingFooter {
                    frame: self.frame,
                    offset: frame_offset,
                })
            }
        };
        match frame {
            Frame::Record(record) => {
                self.digest.update(&self.buf);
                self.advance();
                Ok(Some(record))
            }
            Frame::Footer(footer) => {
                self.advance();
                if footer.records != self.digest.count() {
                    return Err(TraceError::CountMismatch {
                        expected: footer.records,
                        found: self.digest.count(),
                    });
                }
                let found = self.digest.current();
                if footer.digest != found {
                    return Err(TraceError::DigestMismatch {
                        expected: footer.digest,
                        found,
                    });
                }
                let mut probe = [0u8; 1];
                if read_full(&mut self.input, &mut probe)? != 0 {
                    return Err(TraceError::TrailingData {
                        offset: self.offset,
                    });
                }
                self.footer = Some(footer);
                self.state = State::Done;
                Ok(None)
            }
            Frame::Header(_) => Err(TraceError::UnexpectedFrame {
                frame: self.frame,
                offset: frame_offset,
                expected: "record or footer",
                found: "header",
            }),
        }
    }

    /// Moves past the frame just read (whose payload is in `buf`).
    fn advance(&mut self) {
        self.frame += 1;
        self.offset += FRAME_HEAD_LEN + self.buf.len() as u64;
    }
}

/// Reads and decodes the frame `frame` starting at byte `offset`, leaving its payload in `buf`;
/// `None` on a clean end of input before the frame.
fn read_frame(
    input: &mut impl Read,
    buf: &mut Vec<u8>,
    frame: u64,
    offset: u64,
) -> Result<Option<Frame>, TraceError> {
    let mut head = [0u8; FRAME_HEAD_LEN as usize];
    match read_full(input, &mut head)? {
        0 => return Ok(None),
        n if n < head.len() => return Err(TraceError::Truncated { frame, offset }),
        _ => {}
    }
    let len = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
    let crc = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
    if len > MAX_FRAME_LEN {
        return Err(TraceError::FrameTooLarge {
            frame,
            offset,
            len: len as u64,
        });
    }
    // Grows with the data actually present, so a lying length costs no memory up front.
    buf.clear();
    input.take(len as u64).read_to_end(buf)?;
    if buf.len() < len as usize {
        return Err(TraceError::Truncated { frame, offset });
    }
    if crc32fast::hash(buf) != crc {
        return Err(TraceError::Checksum { frame, offset });
    }
    decode_frame(buf)
        .map(Some)
        .map_err(|msg| TraceError::Decode { frame, offset, msg })
}

impl<R: Read> Iterator for TraceReader<R> {
    type Item = Result<Record, TraceError>;

    /// Yields records, then at most one error; ends after the footer or the first error.
    fn next(&mut self) -> Option<Self::Item> {
        if matches!(self.state, State::Failed(_)) {
            return None;
        }
        self.next_record().transpose()
    }
}

/// Reads a whole trace file, verified.
pub fn read_trace(path: impl AsRef<Path>) -> Result<(Header, Vec<Record>, Footer), TraceError> {
    let mut reader = TraceReader::open_path(path)?;
    let mut records = Vec::new();
    while let Some(record) = reader.next_record()? {
        records.push(record);
    }
    let footer = reader.footer.take().ok_or(TraceError::MissingFooter {
        frame: reader.frame,
        offset: reader.offset,
    })?;
    Ok((reader.header, records, footer))
}
