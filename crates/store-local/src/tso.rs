//! The timestamp oracle: TiDB-layout timestamps (`physical_ms << 18 | logical`), strictly
//! increasing, never going back across restarts.
//!
//! The oracle persists a high-water mark a window ahead of the physical time it hands out
//! (like PD's `tso-save-interval`); after a restart it starts above the saved mark, so even a
//! clock that went backwards cannot reissue an old timestamp.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;

use crate::engine::{Cf, Engine, Op};

const LOGICAL_BITS: u32 = 18;
const WINDOW: Duration = Duration::from_secs(3);
const META_KEY: &[u8] = b"tso_high_water_ms";

/// Physical milliseconds of a timestamp.
pub fn physical_ms(ts: u64) -> u64 {
    ts >> LOGICAL_BITS
}

/// The timestamp at `ms` with logical part 0.
pub fn compose(ms: u64) -> u64 {
    ms << LOGICAL_BITS
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

struct State {
    last: u64,
    saved_limit_ms: u64,
}

/// The oracle.
pub struct Tso {
    state: Mutex<State>,
}

impl Tso {
    /// Loads the saved high-water mark; the first timestamp handed out is above it.
    pub fn open(engine: &dyn Engine) -> Result<Self, kv::Error> {
        let saved = engine
            .snapshot()
            .get(Cf::Meta, META_KEY)
            .map_err(|e| kv::Error::Engine(e.to_string()))?
            .and_then(|b| b.try_into().ok().map(u64::from_be_bytes))
            .unwrap_or(0);
        Ok(Tso { state: Mutex::new(State { last: compose(saved), saved_limit_ms: saved }) })
    }

    /// The next timestamp. Persists a new high-water mark (synchronously) when the current
    /// window is used up.
    pub fn next(&self, engine: &dyn Engine) -> Result<u64, kv::Error> {
        let mut s = self.state.lock();
        let ts = compose(now_ms()).max(s.last + 1);
        if physical_ms(ts) >= s.saved_limit_ms {
            let limit = physical_ms(ts) + WINDOW.as_millis() as u64;
            engine
                .write(
                    vec![Op::Put(Cf::Meta, META_KEY.to_vec(), limit.to_be_bytes().to_vec())],
                    true,
                )
                .map_err(|e| kv::Error::StoreReadOnly(e.to_string()))?;
            s.saved_limit_ms = limit;
        }
        s.last = ts;
        Ok(ts)
    }
}
