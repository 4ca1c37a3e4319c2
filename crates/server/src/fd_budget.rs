//! How many connections the process's file descriptors allow.
//!
//! Each connection holds three descriptors (its socket and two clones: one to wake it at
//! shutdown, one for `KILL`), and the store needs its own for journals and table files. When
//! connections take the last descriptors, the store can no longer open a file and turns
//! read-only; so the server raises its soft limit to the hard one at start (as MySQL raises
//! `open_files_limit`), keeps a reserve for the store, and refuses connections past what is
//! left with error 1040 instead of letting `accept` fail.

/// Descriptors one connection holds.
pub const PER_CONNECTION: u64 = 3;
/// Descriptors kept for the store and the process, at the least.
pub const MIN_RESERVE: u64 = 64;

/// Raises the soft `RLIMIT_NOFILE` to the hard limit; returns the soft limit now in force
/// (`None` if it cannot be read).
pub fn raise_nofile_limit() -> Option<u64> {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) => Some(n),
        Err(_) => rlimit::getrlimit(rlimit::Resource::NOFILE).ok().map(|(soft, _)| soft),
    }
}

/// The most connections `nofile` descriptors allow: a quarter (at least [`MIN_RESERVE`]) is
/// kept for the store, the rest divided among connections.
pub fn connection_cap(nofile: u64) -> usize {
    let reserve = (nofile / 4).max(MIN_RESERVE);
    usize::try_from(nofile.saturating_sub(reserve) / PER_CONNECTION).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_keeps_a_reserve() {
        assert_eq!(connection_cap(256), 64);
        assert_eq!(connection_cap(1024), 256);
        assert_eq!(connection_cap(40), 0);
        assert!(connection_cap(1 << 20) > 200_000);
    }
}
