//! A table's data file in an archive: its key-value pairs in key order, in blocks.
//!
//! ```text
//!  file   := MAGIC block*
//!  block  := raw_len:u32le stored_len:u32le codec:u8 bytes[stored_len]
//!  codec  := 0 (stored as is) | 1 (LZ4 block)
//!  raw    := (key_len:u32le value_len:u32le key value)*
//! ```
//!
//! Keys are stored without their `t{table_id}` prefix, so a restore writes them under the
//! table's new id. The whole file's SHA-256 is kept in the archive's metadata and checked
//! before anything is restored from it.

use std::{
    fs::File,
    io::{BufReader, BufWriter, Read, Write},
    path::Path,
};

use sha2::{Digest, Sha256};

/// The first bytes of every data file.
const MAGIC: &[u8; 8] = b"FDBKV\x01\0\0";

/// Raw bytes gathered before a block is written.
const BLOCK_BYTES: usize = 1 << 20;

/// The largest block a reader accepts (a key and a value at their limits fit many times).
const MAX_BLOCK_BYTES: usize = 256 << 20;

const CODEC_RAW: u8 = 0;
const CODEC_LZ4: u8 = 1;

/// Writes a data file, hashing what it writes.
pub struct DataWriter {
    out: BufWriter<File>,
    block: Vec<u8>,
    compress: bool,
    hash: Sha256,
    written: u64,
}

impl DataWriter {
    /// Creates `path` (replacing a file of that name) and writes the header.
    pub fn create(path: &Path, compress: bool) -> std::io::Result<Self> {
        let mut w = DataWriter {
            out: BufWriter::new(File::create(path)?),
            block: Vec::with_capacity(BLOCK_BYTES + 4096),
            compress,
            hash: Sha256::new(),
            written: 0,
        };
        w.emit(MAGIC)?;
        Ok(w)
    }

    fn emit(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.out.write_all(bytes)?;
        self.hash.update(bytes);
        self.written += bytes.len() as u64;
        Ok(())
    }

    /// Adds one pair (`key` without the table prefix). Returns the bytes written to the file
    /// so far (for a rate limit).
    pub fn add(&mut self, key: &[u8], value: &[u8]) -> std::io::Result<u64> {
        let len = |n: usize| u32::try_from(n).map_err(|_| std::io::ErrorKind::InvalidInput);
        self.block.extend_from_slice(&len(key.len())?.to_le_bytes());
        self.block.extend_from_slice(&len(value.len())?.to_le_bytes());
        self.block.extend_from_slice(key);
        self.block.extend_from_slice(value);
        if self.block.len() >= BLOCK_BYTES {
            self.flush_block()?;
        }
        Ok(self.written)
    }

    fn flush_block(&mut self) -> std::io::Result<()> {
        if self.block.is_empty() {
            return Ok(());
        }
        let raw = std::mem::take(&mut self.block);
        let compressed = if self.compress { Some(lz4_flex::block::compress(&raw)) } else { None };
        let (codec, stored) = match &compressed {
            Some(c) if c.len() < raw.len() => (CODEC_LZ4, c.as_slice()),
            _ => (CODEC_RAW, raw.as_slice()),
        };
        let too_big = |_| std::io::Error::from(std::io::ErrorKind::InvalidInput);
        let mut header = Vec::with_capacity(9);
        header.extend_from_slice(&u32::try_from(raw.len()).map_err(too_big)?.to_le_bytes());
        header.extend_from_slice(&u32::try_from(stored.len()).map_err(too_big)?.to_le_bytes());
        header.push(codec);
        self.emit(&header)?;
        self.emit(stored)?;
        self.block = raw;
        self.block.clear();
        Ok(())
    }

    /// Writes the last block and makes the file durable. Returns its size and SHA-256 (hex).
    pub fn finish(mut self) -> std::io::Result<(u64, String)> {
        self.flush_block()?;
        self.out.flush()?;
        self.out.get_ref().sync_all()?;
        Ok((self.written, hex::encode(self.hash.finalize())))
    }
}

/// The SHA-256 (hex) and size of the file at `path`.
pub fn file_digest(path: &Path) -> std::io::Result<(u64, String)> {
    let mut r = BufReader::new(File::open(path)?);
    let mut hash = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            return Ok((size, hex::encode(hash.finalize())));
        }
        hash.update(&buf[..n]);
        size += n as u64;
    }
}

/// Key-value pairs of one block.
pub type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

/// Reads a data file block by block.
pub struct DataReader {
    input: BufReader<File>,
}

fn corrupt(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, format!("corrupt data file: {what}"))
}

impl DataReader {
    /// Opens `path` and checks its header.
    pub fn open(path: &Path) -> std::io::Result<Self> {
        let mut input = BufReader::new(File::open(path)?);
        let mut magic = [0u8; 8];
        input.read_exact(&mut magic).map_err(|_| corrupt("no header"))?;
        if &magic != MAGIC {
            return Err(corrupt("bad header"));
        }
        Ok(DataReader { input })
    }

    /// The next block's pairs (keys without the table prefix), or `None` at the end.
    pub fn next_block(&mut self) -> std::io::Result<Option<Pairs>> {
        let mut header = [0u8; 9];
        match self.input.read(&mut header[..1])? {
            0 => return Ok(None),
            _ => self.input.read_exact(&mut header[1..]).map_err(|_| corrupt("short block"))?,
        }
        let word =
            |i: usize| u32::from_le_bytes([header[i], header[i + 1], header[i + 2], header[i + 3]]);
        let (raw_len, stored_len) = (word(0) as usize, word(4) as usize);
        if raw_len > MAX_BLOCK_BYTES || stored_len > MAX_BLOCK_BYTES {
            return Err(corrupt("block too large"));
        }
        let mut stored = vec![0u8; stored_len];
        self.input.read_exact(&mut stored).map_err(|_| corrupt("short block"))?;
        let raw = match header[8] {
            CODEC_RAW => stored,
            CODEC_LZ4 => lz4_flex::block::decompress(&stored, raw_len)
                .map_err(|e| corrupt(&e.to_string()))?,
            _ => return Err(corrupt("unknown codec")),
        };
        if raw.len() != raw_len {
            return Err(corrupt("block length"));
        }
        let mut pairs = Vec::new();
        let mut at = 0usize;
        let mut take = |n: usize| -> std::io::Result<&[u8]> {
            let end =
                at.checked_add(n).filter(|&e| e <= raw.len()).ok_or_else(|| corrupt("pair"))?;
            let s = &raw[at..end];
            at = end;
            Ok(s)
        };
        while let Ok(h) = take(8) {
            let klen = u32::from_le_bytes([h[0], h[1], h[2], h[3]]) as usize;
            let vlen = u32::from_le_bytes([h[4], h[5], h[6], h[7]]) as usize;
            let key = take(klen)?.to_vec();
            let value = take(vlen)?.to_vec();
            pairs.push((key, value));
        }
        if at != raw.len() {
            return Err(corrupt("trailing bytes"));
        }
        Ok(Some(pairs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_both_codecs() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        for compress in [false, true] {
            let path = dir.path().join(format!("f{compress}"));
            let mut w = DataWriter::create(&path, compress)?;
            let pairs: Vec<(Vec<u8>, Vec<u8>)> = (0..50_000u32)
                .map(|i| (i.to_be_bytes().to_vec(), vec![(i % 7) as u8; (i % 100) as usize]))
                .collect();
            for (k, v) in &pairs {
                w.add(k, v)?;
            }
            let (size, sha) = w.finish()?;
            assert_eq!(file_digest(&path)?, (size, sha));
            let mut r = DataReader::open(&path)?;
            let mut back = Vec::new();
            while let Some(block) = r.next_block()? {
                back.extend(block);
            }
            assert_eq!(back, pairs);
        }
        Ok(())
    }

    #[test]
    fn corruption_is_an_error_not_a_panic() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("f");
        let mut w = DataWriter::create(&path, true)?;
        for i in 0..1000u32 {
            w.add(&i.to_be_bytes(), b"value value value value")?;
        }
        w.finish()?;
        let good = std::fs::read(&path)?;
        for at in [8, 9, 12, 17, 40, good.len() - 1] {
            for bits in [0x01u8, 0x80, 0xff] {
                let mut bad = good.clone();
                bad[at] ^= bits;
                std::fs::write(&path, &bad)?;
                let mut r = DataReader::open(&path)?;
                let mut outcome = Ok(());
                loop {
                    match r.next_block() {
                        Ok(Some(_)) => {}
                        Ok(None) => break,
                        Err(e) => {
                            outcome = Err(e);
                            break;
                        }
                    }
                }
                // Either detected here or (a flipped byte inside a value) left to the SHA-256.
                let _ = outcome;
            }
        }
        std::fs::write(&path, &good[..good.len() - 3])?;
        let mut r = DataReader::open(&path)?;
        assert!(r.next_block().is_err(), "a truncated block is refused");
        Ok(())
    }
}
