//! Several FROM sources joined by the join executor (`executor::join`: index lookup, hash and
//! nested-loop joins), which still materialises its result; emitted in batches.

use errno::Result;

use super::{Batch, Cx, Drain, Operator};
use crate::executor::{join::join_rows, JoinSpec, Source};

/// The joined rows of several sources.
pub struct Join {
    sources: Vec<Source>,
    specs: Vec<JoinSpec>,
    where_: Option<sqlparser::ast::Expr>,
    out: Option<Drain>,
}

impl Join {
    /// Joins `sources` as `specs` say, pushing down conjuncts of `where_`.
    pub fn new(
        sources: Vec<Source>,
        specs: Vec<JoinSpec>,
        where_: Option<sqlparser::ast::Expr>,
    ) -> Self {
        Join { sources, specs, where_, out: None }
    }
}

impl Operator for Join {
    fn next(&mut self, cx: &Cx<'_, '_, '_, '_>) -> Result<Option<Batch>> {
        if self.out.is_none() {
            let env = cx.env;
            let rows = join_rows(
                env,
                &self.sources,
                &self.specs,
                self.where_.as_ref(),
                cx.eval.outer,
                cx.eval,
            )?;
            self.out = Some(Drain::new(rows));
        }
        Ok(self.out.as_mut().and_then(Drain::next_batch))
    }
}
