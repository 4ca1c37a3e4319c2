//! Several FROM sources joined left-deep (`executor::join`: index lookup, hash and nested-loop
//! joins), streamed: rows of the first source come from a table reader (or precomputed rows)
//! a batch at a time, and each row goes down the join steps depth first, so what is held at
//! once is the current rows' partners, not the whole join; a LIMIT above stops it early.
//! A FROM clause with a RIGHT JOIN (whose left side must be complete) is joined at once.

use std::collections::VecDeque;

use errno::Result;

use super::{table_reader::TableReader, values::Values, Batch, Cx, Drain, Operator};
use crate::{
    executor::{
        access::{choose_access, Needs},
        join::{join_all, join_steps, JoinStep, SourcePlan},
        JoinSpec, Source,
    },
    memory::{row_bytes, Charge},
    table::Row,
};

/// The joined rows of several sources.
pub struct Join {
    sources: Vec<Source>,
    specs: Vec<JoinSpec>,
    where_: Option<sqlparser::ast::Expr>,
    state: State,
}

enum State {
    /// Not started.
    New,
    /// Joined at once (a RIGHT JOIN is present).
    Whole(Drain),
    /// Streaming: `pending[i]` holds rows waiting to be joined by `steps[i]`.
    Streaming {
        first: Box<dyn Operator>,
        steps: Vec<JoinStep>,
        pending: Vec<VecDeque<Vec<types::Value>>>,
        held: Charge,
        done: bool,
    },
}

impl Join {
    /// Joins `sources` as `specs` say, pushing down conjuncts of `where_`.
    pub fn new(
        sources: Vec<Source>,
        specs: Vec<JoinSpec>,
        where_: Option<sqlparser::ast::Expr>,
    ) -> Self {
        Join { sources, specs, where_, state: State::New }
    }

    fn start(&mut self, cx: &Cx<'_, '_, '_, '_>) -> Result<()> {
        let env = cx.env;
        let mut steps =
            join_steps(env, &self.sources, &self.specs, self.where_.as_ref(), cx.eval.outer)?;
        if steps.iter().any(|s| s.right_join) {
            let rows = join_all(env, &self.sources, &mut steps, cx.eval)?;
            self.state = State::Whole(Drain::new(rows));
            return Ok(());
        }
        // The first source is read directly (its step would join it to the one empty row).
        let first_step = steps.remove(0);
        let src = &self.sources[0];
        let first: Box<dyn Operator> = match (first_step.plan(), &src.rows) {
            (_, Some(rows)) => Box::new(Values::new(rows.clone())),
            (SourcePlan::Read(pred, _), None) => {
                let access = choose_access(
                    &src.table,
                    &src.alias,
                    pred.as_deref(),
                    Needs::AllColumns,
                    env.ctx,
                    cx.eval.outer,
                    Some(&mut env.st.borrow_mut()),
                )?;
                Box::new(TableReader::new(src.table.clone(), access, false))
            }
            // The first source is never looked up; read it whole if it were.
            (SourcePlan::Lookup(_) | SourcePlan::Rows(_), None) => Box::new(TableReader::new(
                src.table.clone(),
                crate::executor::Access::FullScan,
                false,
            )),
        };
        let pending = steps.iter().map(|_| VecDeque::new()).collect();
        self.state =
            State::Streaming { first, steps, pending, held: Charge::new(&env.mem), done: false };
        Ok(())
    }
}

impl Operator for Join {
    fn next(&mut self, cx: &Cx<'_, '_, '_, '_>) -> Result<Option<Batch>> {
        if let State::New = self.state {
            self.start(cx)?;
        }
        let sources = &self.sources;
        match &mut self.state {
            State::New => Ok(None),
            State::Whole(drain) => Ok(drain.next_batch()),
            State::Streaming { first, steps, pending, held, done } => {
                let mut out: Batch = Vec::new();
                loop {
                    // Depth first: the deepest step with waiting rows goes on.
                    match (0..steps.len()).rev().find(|&i| !pending[i].is_empty()) {
                        Some(i) => {
                            let Some(l) = pending[i].pop_front() else { continue };
                            held.sub(row_bytes(&l));
                            cx.env.check_interrupt()?;
                            let step = &mut steps[i];
                            let mut joined = Vec::new();
                            step.join_row(cx.env, cx.eval, &sources[step.at], &l, &mut joined)?;
                            if i + 1 == steps.len() {
                                out.extend(
                                    joined.into_iter().map(|values| Row { handle: 0, values }),
                                );
                                if out.len() >= super::BATCH {
                                    return Ok(Some(out));
                                }
                            } else {
                                for r in &joined {
                                    held.add_row(r)?;
                                }
                                pending[i + 1].extend(joined);
                            }
                        }
                        None if *done => return Ok((!out.is_empty()).then_some(out)),
                        None => match first.next(cx)? {
                            Some(batch) => {
                                for r in &batch {
                                    held.add_row(&r.values)?;
                                }
                                if let Some(p) = pending.first_mut() {
                                    p.extend(batch.into_iter().map(|r| r.values));
                                }
                            }
                            None => *done = true,
                        },
                    }
                }
            }
        }
    }
}
