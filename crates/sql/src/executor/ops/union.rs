//! `UNION ALL`: each input's batches in turn, holding nothing.

use errno::Result;

use super::{Batch, Cx, Operator};

/// Concatenates its inputs.
pub struct Union {
    inputs: Vec<Box<dyn Operator>>,
    at: usize,
}

impl Union {
    /// Returns every row of `inputs`, first input first.
    pub fn new(inputs: Vec<Box<dyn Operator>>) -> Self {
        Union { inputs, at: 0 }
    }
}

impl Operator for Union {
    fn next(&mut self, cx: &Cx<'_, '_, '_, '_>) -> Result<Option<Batch>> {
        while let Some(input) = self.inputs.get_mut(self.at) {
            if let Some(batch) = input.next(cx)? {
                return Ok(Some(batch));
            }
            self.at += 1;
        }
        Ok(None)
    }
}
