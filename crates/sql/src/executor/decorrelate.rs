//! Running a subquery's decorrelated form (`planner::decorrelate`): its rewritten query runs
//! once per statement and its rows are grouped by their leading key columns; each outer row
//! then finds its rows by the values of its key arguments.

use std::{collections::HashMap, rc::Rc};

use types::Value;

use super::query::QueryEnv;
use crate::{
    expr::hash_key::{key_bytes, KeyBytes},
    memory::Charge,
    planner::GroupedPlan,
};

/// A decorrelated subquery's rows, by key.
pub(super) struct Grouped {
    /// The argument slots whose values the keys must equal.
    args: Vec<usize>,
    /// Rows per encoded key.
    rows: HashMap<Vec<u8>, Rc<Vec<Vec<Value>>>>,
    /// The rows for a key nothing matched (an aggregate's row over no rows, or none).
    empty: Rc<Vec<Vec<Value>>>,
    /// The keys' comparison classes (`None`: no rows, any key finds nothing).
    classes: Option<Vec<u8>>,
    /// What the rows hold of the statement's memory.
    _held: Charge,
}

impl Grouped {
    /// Runs `plan` and groups its rows; `None` when they cannot be grouped by key (keys of
    /// mixed comparison classes, or more rows than the statement's memory allows): then the
    /// subquery runs per outer row.
    pub fn build(env: &QueryEnv<'_, '_, '_>, plan: &GroupedPlan) -> Option<Grouped> {
        let n = plan.keys;
        // One that fails (on rows the runs per outer row might never read) runs per row.
        let Ok(once) = super::subquery::run_plan(env, &plan.once, &[]) else {
            return None;
        };
        let empty = match &plan.empty {
            Some(p) => match super::subquery::run_plan(env, p, &[]) {
                Ok(rows) => rows,
                Err(_) => return None,
            },
            None => Vec::new(),
        };
        let mut held = Charge::new(&env.mem);
        let mut rows: HashMap<Vec<u8>, Vec<Vec<Value>>> = HashMap::new();
        let mut classes: Option<Vec<u8>> = None;
        for mut r in once {
            if r.len() < n {
                return None;
            }
            let (k, c) = match key_bytes(r[..n].iter()) {
                KeyBytes::Null => continue,
                KeyBytes::Other => return None,
                KeyBytes::Key(k, c) => (k, c),
            };
            match &classes {
                None => classes = Some(c),
                Some(seen) if *seen != c => return None,
                Some(_) => {}
            }
            let rest = r.split_off(n);
            if held.add_row(&rest).and_then(|()| held.add(k.len() + 48)).is_err() {
                return None;
            }
            rows.entry(k).or_default().push(rest);
        }
        let rows = rows.into_iter().map(|(k, v)| (k, Rc::new(v))).collect();
        let args = plan.args.clone();
        Some(Grouped { args, rows, empty: Rc::new(empty), classes, _held: held })
    }

    /// The subquery's rows for the arguments `params`, or `None` when its key cannot be looked
    /// up (the caller runs the subquery for this row).
    pub fn rows_for(&self, params: &[Value]) -> Option<Rc<Vec<Vec<Value>>>> {
        let values: Vec<&Value> =
            self.args.iter().map(|&c| params.get(c).unwrap_or(&Value::Null)).collect();
        match key_bytes(values.into_iter()) {
            KeyBytes::Null => Some(self.empty.clone()),
            KeyBytes::Other => None,
            KeyBytes::Key(k, classes) => match &self.classes {
                None => Some(self.empty.clone()),
                Some(c) if *c != classes => None,
                Some(_) => Some(self.rows.get(&k).cloned().unwrap_or_else(|| self.empty.clone())),
            },
        }
    }
}
