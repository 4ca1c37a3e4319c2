//! A table's checksum as TiDB's BR and `ADMIN CHECKSUM TABLE` compute it: the XOR over all of
//! its key-value pairs (rows and index entries) of CRC-64 (Go's ECMA table, i.e. CRC-64/XZ)
//! of `key ‖ value`, with the number of pairs and their total bytes. XOR makes it independent
//! of order, so it can be computed while scanning and compared after a restore.

use serde::{Deserialize, Serialize};

const CRC64: crc::Crc<u64> = crc::Crc::<u64>::new(&crc::CRC_64_XZ);

/// Checksum of a set of key-value pairs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checksum {
    /// XOR of each pair's CRC-64.
    pub crc64_xor: u64,
    /// Number of pairs.
    pub total_kvs: u64,
    /// Bytes of keys and values.
    pub total_bytes: u64,
}

impl Checksum {
    /// Adds the pair `prefix ‖ key_rest` → `value` (a key split in two, so a key read without
    /// its table prefix counts as the full key).
    pub fn add(&mut self, prefix: &[u8], key_rest: &[u8], value: &[u8]) {
        let mut digest = CRC64.digest();
        digest.update(prefix);
        digest.update(key_rest);
        digest.update(value);
        self.crc64_xor ^= digest.finalize();
        self.total_kvs += 1;
        self.total_bytes += (prefix.len() + key_rest.len() + value.len()) as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_go_crc64_ecma_and_ignores_order() {
        // Go: crc64.Checksum([]byte("123456789"), crc64.MakeTable(crc64.ECMA)).
        let mut c = Checksum::default();
        c.add(b"1234", b"5", b"6789");
        assert_eq!(c.crc64_xor, 0x995d_c9bb_df19_39fa);
        assert_eq!((c.total_kvs, c.total_bytes), (1, 9));

        let (mut a, mut b) = (Checksum::default(), Checksum::default());
        a.add(b"t", b"1", b"x");
        a.add(b"t", b"2", b"y");
        b.add(b"t", b"2", b"y");
        b.add(b"t", b"1", b"x");
        assert_eq!(a, b);
        let mut changed = Checksum::default();
        changed.add(b"t", b"1", b"x");
        changed.add(b"t", b"2", b"z");
        assert_ne!(a, changed);
    }
}
