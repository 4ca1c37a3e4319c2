//! LIMIT / OFFSET: skips, returns at most the limit, then stops pulling from its input (so a
//! `LIMIT 1` over a scan reads one page), unless SQL_CALC_FOUND_ROWS needs the full count.

use errno::Result;

use super::{Batch, Cx, Operator};

/// Skips `offset` rows and returns up to `limit`.
pub struct Limit {
    input: Box<dyn Operator>,
    /// Rows still to return (`None`: unlimited).
    left: Option<usize>,
    /// Rows still to skip.
    skip: usize,
    count_all: bool,
    seen: u64,
    done: bool,
}

impl Limit {
    /// Limits `input`; `count_all` keeps reading to count every row (see [`Limit::seen`]).
    pub fn new(
        input: Box<dyn Operator>,
        limit: Option<usize>,
        offset: usize,
        count_all: bool,
    ) -> Self {
        Limit { input, left: limit, skip: offset, count_all, seen: 0, done: false }
    }
}

impl Operator for Limit {
    fn next(&mut self, cx: &Cx<'_, '_, '_, '_>) -> Result<Option<Batch>> {
        if self.done {
            return Ok(None);
        }
        loop {
            if self.left == Some(0) && !self.count_all {
                self.done = true;
                return Ok(None);
            }
            let Some(mut batch) = self.input.next(cx)? else {
                self.done = true;
                if self.count_all {
                    cx.env.calc_found_rows.set(Some(self.seen));
                }
                return Ok(None);
            };
            self.seen += batch.len() as u64;
            let skipped = self.skip.min(batch.len());
            batch.drain(..skipped);
            self.skip -= skipped;
            if let Some(left) = &mut self.left {
                batch.truncate(*left);
                *left -= batch.len();
            }
            if !batch.is_empty() {
                return Ok(Some(batch));
            }
        }
    }
}
