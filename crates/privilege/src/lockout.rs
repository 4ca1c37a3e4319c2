//! Temporary account locking after consecutive failed logins (`FAILED_LOGIN_ATTEMPTS n
//! PASSWORD_LOCK_TIME d|UNBOUNDED`). As in MySQL, the options are stored with the account and the
//! counts are kept in memory: a restart, a successful login or `ALTER USER … ACCOUNT UNLOCK`
//! starts them over.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use parking_lot::Mutex;

use crate::{Identity, UserRow};

const DAY: Duration = Duration::from_secs(24 * 3600);

/// Why a login is refused (error 3955).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    /// `PASSWORD_LOCK_TIME` in days (`None`: UNBOUNDED).
    pub days: Option<i64>,
    /// Whole days still to wait (rounded up; `None`: UNBOUNDED).
    pub remaining: Option<i64>,
    /// The consecutive failures that locked it.
    pub failures: u32,
}

impl Blocked {
    /// The arguments of 3955's message: days, remaining days, failures.
    pub fn message_args(&self) -> (String, String, u32) {
        let show = |d: Option<i64>| d.map_or_else(|| "unlimited".to_string(), |d| d.to_string());
        (show(self.days), show(self.remaining), self.failures)
    }
}

#[derive(Debug, Default)]
struct Failures {
    count: u32,
    locked_at: Option<Instant>,
}

/// Consecutive failed logins per account.
#[derive(Debug, Default)]
pub struct LoginFailures {
    entries: Mutex<HashMap<Identity, Failures>>,
}

fn tracked(row: &UserRow) -> bool {
    row.failed_login_attempts > 0 && row.password_lock_time != 0
}

impl LoginFailures {
    /// Whether `row`'s account is locked by failed logins now.
    pub fn blocked(&self, row: &UserRow) -> Option<Blocked> {
        if !tracked(row) {
            return None;
        }
        let mut entries = self.entries.lock();
        let f = entries.get_mut(&row.id)?;
        let at = f.locked_at?;
        let blocked = block(row, f.count, at);
        if blocked.is_none() {
            // The lock time is over: counting starts again.
            *f = Failures::default();
        }
        blocked
    }

    /// Counts a failed login; answers the lock when this failure locks the account.
    pub fn failed(&self, row: &UserRow) -> Option<Blocked> {
        if !tracked(row) {
            return None;
        }
        let mut entries = self.entries.lock();
        let f = entries.entry(row.id.clone()).or_default();
        f.count += 1;
        if f.count >= row.failed_login_attempts {
            let now = Instant::now();
            f.locked_at = Some(now);
            return block(row, f.count, now);
        }
        None
    }

    /// Forgets the failures of `id` (a successful login, or an unlock).
    pub fn clear(&self, id: &Identity) {
        self.entries.lock().remove(id);
    }
}

fn block(row: &UserRow, failures: u32, locked_at: Instant) -> Option<Blocked> {
    if row.password_lock_time < 0 {
        return Some(Blocked { days: None, remaining: None, failures });
    }
    let days = row.password_lock_time;
    let until = locked_at + DAY * u32::try_from(days).unwrap_or(u32::MAX);
    let left = until.checked_duration_since(Instant::now())?;
    let remaining = i64::try_from(left.as_secs().div_ceil(DAY.as_secs())).unwrap_or(i64::MAX);
    Some(Blocked { days: Some(days), remaining: Some(remaining), failures })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Privs;

    fn row(attempts: u32, days: i64) -> UserRow {
        UserRow {
            id: Identity::new("u", "%"),
            auth_string: String::new(),
            plugin: "mysql_native_password".into(),
            privs: Privs::NONE,
            locked: false,
            password_expired: false,
            failed_login_attempts: attempts,
            password_lock_time: days,
        }
    }

    #[test]
    fn locks_after_n_failures_until_cleared() {
        let f = LoginFailures::default();
        let r = row(2, 3);
        assert_eq!(f.failed(&r), None);
        assert!(f.blocked(&r).is_none());
        let b = f.failed(&r).expect("locked");
        assert_eq!(b.message_args(), ("3".into(), "3".into(), 2));
        assert!(f.blocked(&r).is_some());
        f.clear(&r.id);
        assert!(f.blocked(&r).is_none());
        let unbounded = row(1, -1);
        assert_eq!(f.failed(&unbounded).map(|b| b.message_args().0), Some("unlimited".into()));
        // Without both options nothing is tracked.
        assert!(f.failed(&row(0, 3)).is_none());
    }
}
