//! The value of a version in the `write` column family.

/// What a committed version records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteKind {
    /// The key has this value.
    Put(Vec<u8>),
    /// The key was deleted.
    Delete,
}

/// A committed version: the writer's start timestamp and what it wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteRecord {
    /// Start timestamp of the transaction that wrote it.
    pub start_ts: u64,
    /// Put or delete.
    pub kind: WriteKind,
}

const PUT: u8 = b'P';
const DELETE: u8 = b'D';

impl WriteRecord {
    /// `[kind][start_ts be64][value…]`.
    #[cfg(test)]
    pub fn encode(&self) -> Vec<u8> {
        let value = match &self.kind {
            WriteKind::Put(v) => Some(v.as_slice()),
            WriteKind::Delete => None,
        };
        Self::encode_parts(self.start_ts, value)
    }

    /// The encoding (`[kind][start_ts be64][value…]`) of a record of `start_ts` putting `value`
    /// (`None`: a delete), from borrowed parts.
    pub fn encode_parts(start_ts: u64, value: Option<&[u8]>) -> Vec<u8> {
        let (tag, value): (u8, &[u8]) = match value {
            Some(v) => (PUT, v),
            None => (DELETE, &[]),
        };
        let mut out = Vec::with_capacity(9 + value.len());
        out.push(tag);
        out.extend_from_slice(&start_ts.to_be_bytes());
        out.extend_from_slice(value);
        out
    }

    /// The value a record's bytes put (`Some(None)` for a delete), borrowed; `None` if the bytes
    /// are not a record.
    pub fn put_value(bytes: &[u8]) -> Option<Option<&[u8]>> {
        match bytes.split_first()? {
            (&PUT, rest) if rest.len() >= 8 => Some(Some(&rest[8..])),
            (&DELETE, rest) if rest.len() == 8 => Some(None),
            _ => None,
        }
    }

    /// Decodes a record; `None` if the bytes are not one.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let (&tag, rest) = bytes.split_first()?;
        let start_ts = u64::from_be_bytes(rest.get(..8)?.try_into().ok()?);
        let kind = match tag {
            PUT => WriteKind::Put(rest[8..].to_vec()),
            DELETE if rest.len() == 8 => WriteKind::Delete,
            _ => return None,
        };
        Some(WriteRecord { start_ts, kind })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for r in [
            WriteRecord { start_ts: 7, kind: WriteKind::Put(b"v".to_vec()) },
            WriteRecord { start_ts: 9, kind: WriteKind::Put(Vec::new()) },
            WriteRecord { start_ts: u64::MAX, kind: WriteKind::Delete },
        ] {
            let bytes = r.encode();
            let value = match &r.kind {
                WriteKind::Put(v) => Some(v.as_slice()),
                WriteKind::Delete => None,
            };
            assert_eq!(WriteRecord::put_value(&bytes), Some(value));
            assert_eq!(WriteRecord::decode(&bytes), Some(r));
        }
        assert_eq!(WriteRecord::decode(b"X12345678"), None);
        assert_eq!(WriteRecord::decode(b"P123"), None);
        assert_eq!(WriteRecord::put_value(b"P123"), None);
        assert_eq!(WriteRecord::put_value(b"D123456789"), None);
    }
}
