//! User-level named locks, shared by every session of a server: GET_LOCK, RELEASE_LOCK,
//! RELEASE_ALL_LOCKS, IS_FREE_LOCK, IS_USED_LOCK (MySQL 5.7+ semantics, which TiDB follows):
//! a session may hold many locks and take the same one several times (each taken once more
//! must be released once more); a session's locks go when it disconnects; a wait that would
//! close a cycle of sessions waiting for each other's locks fails with 3058 at once.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use errno::{Error, Result};
use parking_lot::{Condvar, Mutex};

use crate::context::KillFlag;

/// The longest lock name (MySQL's 64 characters; longer or empty names fail with 3057).
pub const MAX_NAME: usize = 64;

#[derive(Default)]
struct State {
    /// Lock name (lowercased: names compare case-insensitively) → holder and times taken.
    held: HashMap<String, (u64, u32)>,
    /// Session → the lock it waits for.
    waiting: HashMap<u64, String>,
}

/// The server's named locks.
#[derive(Default)]
pub struct UserLocks {
    state: Mutex<State>,
    released: Condvar,
}

impl std::fmt::Debug for UserLocks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserLocks").field("held", &self.state.lock().held.len()).finish()
    }
}

fn key(name: &str) -> Result<String> {
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(Error::fmt(errno::ER_USER_LOCK_WRONG_NAME, &[&name]));
    }
    Ok(name.to_lowercase())
}

impl State {
    /// Whether `session` waiting for `name` closes a cycle: following holder → the lock that
    /// holder waits for → its holder … comes back to `session`.
    fn closes_cycle(&self, session: u64, name: &str) -> bool {
        let mut lock = name.to_string();
        for _ in 0..=self.waiting.len() {
            let Some(&(holder, _)) = self.held.get(&lock) else { return false };
            if holder == session {
                return true;
            }
            match self.waiting.get(&holder) {
                Some(next) => lock = next.clone(),
                None => return false,
            }
        }
        false
    }
}

impl UserLocks {
    /// `GET_LOCK(name, timeout)` for `session`: `true` once taken, `false` after `timeout`
    /// (a negative timeout waits for ever); 3058 when waiting would deadlock, 1317 when the
    /// statement is killed meanwhile.
    pub fn get(&self, session: u64, name: &str, timeout: f64, kill: &KillFlag) -> Result<bool> {
        let name = key(name)?;
        let deadline = (timeout >= 0.0)
            .then(|| Instant::now() + Duration::from_secs_f64(timeout.min(31_536_000.0)));
        let mut st = self.state.lock();
        loop {
            match st.held.get_mut(&name) {
                None => {
                    st.held.insert(name, (session, 1));
                    st.waiting.remove(&session);
                    return Ok(true);
                }
                Some((holder, n)) if *holder == session => {
                    *n += 1;
                    st.waiting.remove(&session);
                    return Ok(true);
                }
                Some(_) => {}
            }
            if st.closes_cycle(session, &name) {
                st.waiting.remove(&session);
                return Err(Error::fmt(errno::ER_USER_LOCK_DEADLOCK, &[]));
            }
            if kill.is_set() {
                st.waiting.remove(&session);
                return Err(Error::fmt(errno::ER_QUERY_INTERRUPTED, &[]));
            }
            let now = Instant::now();
            if deadline.is_some_and(|d| now >= d) {
                st.waiting.remove(&session);
                return Ok(false);
            }
            st.waiting.insert(session, name.clone());
            // Woken by a release; a short slice so a KILL is seen promptly.
            let slice = Duration::from_millis(50);
            let wait = deadline.map_or(slice, |d| (d - now).min(slice));
            self.released.wait_for(&mut st, wait);
        }
    }

    /// `RELEASE_LOCK(name)`: `Some(true)` released (once), `Some(false)` held by another
    /// session, `None` no such lock.
    pub fn release(&self, session: u64, name: &str) -> Result<Option<bool>> {
        let name = key(name)?;
        let mut st = self.state.lock();
        let Some((holder, n)) = st.held.get_mut(&name) else { return Ok(None) };
        if *holder != session {
            return Ok(Some(false));
        }
        *n -= 1;
        if *n == 0 {
            st.held.remove(&name);
            self.released.notify_all();
        }
        Ok(Some(true))
    }

    /// `RELEASE_ALL_LOCKS()`, and a session's end: releases every lock `session` holds;
    /// returns how many times they had been taken.
    pub fn release_all(&self, session: u64) -> u64 {
        let mut st = self.state.lock();
        let mut count = 0u64;
        st.held.retain(|_, (holder, n)| {
            let mine = *holder == session;
            if mine {
                count += u64::from(*n);
            }
            !mine
        });
        st.waiting.remove(&session);
        if count > 0 {
            self.released.notify_all();
        }
        count
    }

    /// `IS_USED_LOCK(name)`: the holding session, if any.
    pub fn holder(&self, name: &str) -> Result<Option<u64>> {
        let name = key(name)?;
        Ok(self.state.lock().held.get(&name).map(|&(holder, _)| holder))
    }
}

#[cfg(test)]
mod tests {
    use std::{sync::Arc, thread};

    use super::*;

    #[test]
    fn reentrant_exclusive_and_released_at_the_end() {
        let locks = UserLocks::default();
        let kill = KillFlag::default();
        assert_eq!(locks.get(1, "a", 0.0, &kill), Ok(true));
        assert_eq!(locks.get(1, "A", 0.0, &kill), Ok(true), "names ignore case; re-entrant");
        assert_eq!(locks.get(2, "a", 0.01, &kill), Ok(false), "held by session 1");
        assert_eq!(locks.holder("a"), Ok(Some(1)));
        assert_eq!(locks.release(2, "a"), Ok(Some(false)));
        assert_eq!(locks.release(1, "a"), Ok(Some(true)));
        assert_eq!(locks.holder("a"), Ok(Some(1)), "taken twice, released once");
        assert_eq!(locks.release_all(1), 1);
        assert_eq!(locks.holder("a"), Ok(None));
        assert_eq!(locks.release(1, "a"), Ok(None));
        assert_eq!(locks.get(1, "", 0.0, &kill).map_err(|e| e.code), Err(3057));
    }

    #[test]
    fn a_waiter_gets_the_lock_when_released_and_a_cycle_fails() {
        let locks = Arc::new(UserLocks::default());
        let kill = KillFlag::default();
        assert_eq!(locks.get(1, "x", 0.0, &kill), Ok(true));
        assert_eq!(locks.get(2, "y", 0.0, &kill), Ok(true));
        let waiter = {
            let locks = locks.clone();
            thread::spawn(move || locks.get(2, "x", 10.0, &KillFlag::default()))
        };
        // Session 2 waits for x (held by 1); 1 asking for y (held by 2) closes the cycle.
        while !locks.state.lock().waiting.contains_key(&2) {
            thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(locks.get(1, "y", 10.0, &kill).map_err(|e| e.code), Err(3058));
        assert_eq!(locks.release_all(1), 1);
        assert_eq!(waiter.join().expect("waiter"), Ok(true));
        assert_eq!(locks.holder("x"), Ok(Some(2)));
    }
}
