//! MVCC key layout in the `write` column family.
//!
//! A user key is stored memcomparable-encoded (groups of 8 bytes, each followed by a marker
//! `0xff - padding`), so `enc(a) ‖ suffix` sorts exactly like `a` for any suffix — no prefix of one
//! encoded key is another encoded key. The suffix is the bitwise-NOT of the commit timestamp, big
//! endian, so a key's versions sort newest first:
//!
//! ```text
//!   enc("k1") ‖ !105   → Put  start_ts=101 value="b"   ← read at ts ≥ 105 sees "b"
//!   enc("k1") ‖ !90    → Put  start_ts=88  value="a"   ← read at 90 ≤ ts < 105 sees "a"
//!   enc("k2") ‖ !97    → Delete start_ts=95
//! ```

const GROUP: usize = 8;
const MARKER: u8 = 0xff;

/// Memcomparable encoding of `key`.
pub fn encode_key(key: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity((key.len() / GROUP + 1) * (GROUP + 1) + 8);
    for chunk in key.chunks(GROUP) {
        out.extend_from_slice(chunk);
        if chunk.len() == GROUP {
            out.push(MARKER);
        } else {
            out.extend(std::iter::repeat_n(0, GROUP - chunk.len()));
            out.push(MARKER - (GROUP - chunk.len()) as u8);
        }
    }
    if key.len().is_multiple_of(GROUP) {
        out.extend_from_slice(&[0; GROUP]);
        out.push(MARKER - GROUP as u8);
    }
    out
}

/// Decodes a memcomparable key; returns the key and the number of bytes consumed.
pub fn decode_key(enc: &[u8]) -> Option<(Vec<u8>, usize)> {
    let mut out = Vec::with_capacity(enc.len());
    let used = decode_key_into(enc, &mut out)?;
    Some((out, used))
}

/// Decodes a memcomparable key into `out` (cleared first); returns the bytes consumed.
pub fn decode_key_into(enc: &[u8], out: &mut Vec<u8>) -> Option<usize> {
    out.clear();
    let mut pos = 0;
    loop {
        let group = enc.get(pos..pos + GROUP + 1)?;
        let marker = group[GROUP];
        let pad = usize::from(MARKER - marker);
        if pad > GROUP {
            return None;
        }
        out.extend_from_slice(&group[..GROUP - pad]);
        pos += GROUP + 1;
        if pad > 0 {
            return Some(pos);
        }
    }
}

/// `enc(key) ‖ !ts`.
pub fn version_key(key: &[u8], ts: u64) -> Vec<u8> {
    let mut k = encode_key(key);
    k.extend_from_slice(&(!ts).to_be_bytes());
    k
}

/// Splits a version key into user key and commit timestamp.
pub fn split_version_key(vk: &[u8]) -> Option<(Vec<u8>, u64)> {
    let (key, used) = decode_key(vk)?;
    let ts_bytes: [u8; 8] = vk.get(used..used + 8)?.try_into().ok()?;
    Some((key, !u64::from_be_bytes(ts_bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_order() {
        let keys: Vec<&[u8]> =
            vec![b"", b"a", b"a\x00", b"abcdefgh", b"abcdefgh\x00", b"abcdefghi", b"b"];
        for w in keys.windows(2) {
            assert!(encode_key(w[0]) < encode_key(w[1]), "{:?} {:?}", w[0], w[1]);
            // Versions of a key never interleave with the next key.
            assert!(version_key(w[0], 0) < version_key(w[1], u64::MAX));
        }
        for k in keys {
            let (d, n) = decode_key(&encode_key(k)).expect("decode");
            assert_eq!(d, k);
            assert_eq!(n, encode_key(k).len());
        }
    }

    #[test]
    fn versions_sort_newest_first() {
        assert!(version_key(b"k", 105) < version_key(b"k", 90));
        assert_eq!(split_version_key(&version_key(b"key", 42)), Some((b"key".to_vec(), 42)));
        assert_eq!(split_version_key(b"short"), None);
    }
}
