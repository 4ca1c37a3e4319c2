//! How much stack a statement may need, judged from its text before it is parsed.
//!
//! Parsing, binding, evaluating, printing and dropping an expression all recurse over its tree,
//! and a flat chain such as `1+1+…+1` or `a OR b OR …` (what an ORM emits for a batch of keys)
//! is a tree as deep as it is long. Instead of bounding the chains, the session runs a
//! statement whose tree may be deep on a stack sized for it (see `session`), and refuses with
//! 1436 only a statement whose bound exceeds [`MAX_STACK`].
//!
//! The bound is lexical and conservative ([`depth_bound`]): outside quotes and comments, each
//! list item's operator chains (ORs, ANDs and tighter operators counted apart, as precedence
//! nests them) plus its deepest parenthesised group. Lists (VALUES rows,
//! IN lists, select lists) are separated by commas, so a multi-megabyte INSERT stays shallow.

use errno::{Error, Result};

/// Stack bytes assumed per level of expression nesting (debug builds use a few KiB per level in
/// parsing, cloning and dropping the syntax tree; the stack is reserved, not touched, so the
/// margin is cheap).
pub const BYTES_PER_LEVEL: usize = 8192;
/// Levels one function call or `CASE` counts for: their syntax nests through argument lists
/// (seven frames per call when a debug build clones the tree, ~9 KiB, against one or two for an
/// operator or a parenthesis).
pub const CALL_LEVELS: usize = 4;
/// Depth that runs on the connection thread's own stack.
pub const SHALLOW: usize = 256;
/// The parser's bound on nesting (parentheses, function calls, query blocks), as MySQL's
/// parser stack (`YYMAXDEPTH`): deeper is a syntax error. The stack for it is reserved above.
pub const PARSER_DEPTH: usize = 10_000;
/// The largest stack a statement may get.
pub const MAX_STACK: usize = 1 << 30;
/// Expression levels one `SELECT` counts for: a nested query recurses through the parser,
/// binder, planner and executor builder, far more stack than one operator.
pub const SELECT_LEVELS: usize = 32;
/// MySQL's bound on nested query blocks (`MAX_SELECT_NESTING`); deeper is error 1473.
pub const MAX_SELECT_NESTING: usize = 63;

/// Stack left below which [`ensure_stack`] moves to a new segment.
const RED_ZONE: usize = 256 << 10;
/// The size of each segment [`ensure_stack`] adds.
const SEGMENT: usize = 8 << 20;

/// Runs `f`, first moving to a fresh stack segment when less than [`RED_ZONE`] is left. Recursive
/// walks over a syntax or expression tree call it once per level, so their depth is bounded by
/// memory rather than by the thread's stack (as rustc's `ensure_sufficient_stack`); the
/// check is a comparison against a thread-local limit.
pub fn ensure_stack<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(RED_ZONE, SEGMENT, f)
}

/// Operator classes by binding strength, as sqlparser builds the tree: OR (and `||`), AND
/// (and `&&`), then every tighter operator together. Counting the tighter ones as one class
/// over-estimates (their real precedences would nest them less), so the bound stays an upper
/// bound; splitting OR and AND off matters because ORMs emit long `a = 1 OR b = 2 OR …` chains,
/// whose tree is as deep as the ORs, not the ORs plus the comparisons.
const CLASSES: usize = 3;

/// One parenthesis level while scanning. For each class `c`: `count[c]`, the operators of class
/// `c` in the current class-`c` segment of the list item, and `inner[c]`, the deepest operand
/// of that segment (a tighter segment or a parenthesised group). A left-deep chain of `k`
/// operators over operands at most `m` deep is at most `k + m` deep.
#[derive(Default)]
struct Level {
    count: [usize; CLASSES],
    inner: [usize; CLASSES],
    done: usize,
    /// Query blocks open here and around: this level's `SELECT` nesting.
    selects: usize,
    /// Whether a `SELECT` starts at this level.
    has_select: bool,
    /// Whether this level is a function call's argument list (its `(` follows a name).
    call: bool,
}

impl Level {
    /// An operator of class `class` counting `levels`: the segments of tighter classes end and
    /// become operands.
    fn operator(&mut self, class: usize, levels: usize) {
        for c in (class + 1..CLASSES).rev() {
            let d = self.count[c] + self.inner[c];
            self.inner[c - 1] = self.inner[c - 1].max(d);
            (self.count[c], self.inner[c]) = (0, 0);
        }
        self.count[class] += levels;
    }

    /// A parenthesised group `depth` deep as an operand.
    fn operand(&mut self, depth: usize) {
        self.inner[CLASSES - 1] = self.inner[CLASSES - 1].max(depth);
    }

    /// The depth of the current list item.
    fn item(&self) -> usize {
        let mut d = 0;
        for c in (0..CLASSES).rev() {
            d = self.count[c] + self.inner[c].max(d);
        }
        d
    }

    /// Ends the current list item (at a comma).
    fn end_item(&mut self) {
        self.done = self.done.max(self.item());
        (self.count, self.inner) = ([0; CLASSES], [0; CLASSES]);
    }

    /// The level's depth: its deepest item, on top of its query block if one starts here.
    fn depth(&self) -> usize {
        let block = if self.has_select { SELECT_LEVELS } else { 0 };
        block + self.done.max(self.item())
    }

    /// The depth of this level as a parenthesised group.
    fn group(&self) -> usize {
        self.depth() + if self.call { CALL_LEVELS } else { 1 }
    }
}

/// The class of keyword operator `word`, if it is one.
fn word_class(word: &str) -> Option<usize> {
    const TIGHT: [&str; 9] = ["XOR", "NOT", "IS", "IN", "LIKE", "BETWEEN", "DIV", "MOD", "CASE"];
    if word.eq_ignore_ascii_case("OR") {
        Some(0)
    } else if word.eq_ignore_ascii_case("AND") {
        Some(1)
    } else {
        TIGHT.iter().any(|w| word.eq_ignore_ascii_case(w)).then_some(2)
    }
}

/// An upper bound on the expression nesting of `text`: at each parenthesis level, an item's
/// depth is bounded by its operator chains (see [`Level`]); a group is one deeper than its
/// deepest item, and a `SELECT` counts [`SELECT_LEVELS`]. Commas end items, so lists stay shallow.
pub fn depth_bound(text: &str) -> usize {
    scan(text).0
}

/// [`depth_bound`] and the deepest nesting of query blocks (`SELECT`s inside parentheses).
fn scan(text: &str) -> (usize, usize) {
    let b = text.as_bytes();
    let mut levels = vec![Level::default()];
    let mut max_selects = 0;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let top = levels.len() - 1;
        match c {
            b'\'' | b'"' | b'`' => {
                // Skip a quoted string or identifier (doubled quotes and backslashes escape).
                i += 1;
                while i < b.len() && b[i] != c {
                    if b[i] == b'\\' && c != b'`' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
            }
            b'(' => {
                let selects = levels[top].selects;
                let before = b[..i].iter().rev().find(|c| !c.is_ascii_whitespace());
                let call = before.is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_');
                levels.push(Level { selects, call, ..Level::default() });
            }
            b')' if levels.len() > 1 => {
                let group = levels.pop().map_or(0, |l| l.group());
                levels[top - 1].operand(group);
            }
            b',' | b';' => levels[top].end_item(),
            b'|' if b.get(i + 1) == Some(&b'|') => {
                levels[top].operator(0, 1);
                i += 1;
            }
            b'&' if b.get(i + 1) == Some(&b'&') => {
                levels[top].operator(1, 1);
                i += 1;
            }
            b'+' | b'-' | b'*' | b'/' | b'%' | b'=' | b'<' | b'>' | b'&' | b'|' | b'^' | b'~'
            | b'!' => levels[top].operator(2, 1),
            c if c.is_ascii_alphabetic() => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                let word = &text[start..i];
                if let Some(class) = word_class(word) {
                    let n = if word.eq_ignore_ascii_case("CASE") { CALL_LEVELS } else { 1 };
                    levels[top].operator(class, n);
                } else if word.eq_ignore_ascii_case("SELECT") {
                    let level = &mut levels[top];
                    if !level.has_select {
                        level.has_select = true;
                        level.selects += 1;
                        max_selects = max_selects.max(level.selects);
                    }
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    // Unclosed parentheses: fold what is open into the levels around it.
    while levels.len() > 1 {
        let group = levels.pop().map_or(0, |l| l.group());
        let top = levels.len() - 1;
        levels[top].operand(group);
    }
    (levels[0].depth(), max_selects)
}

/// The stack `text` needs beyond the thread's own (`None`: it runs on the thread's stack), or
/// error 1436 when even [`MAX_STACK`] may not hold it.
/// Error 1473 when query blocks nest deeper than [`MAX_SELECT_NESTING`].
pub fn stack_needed(text: &str) -> Result<Option<usize>> {
    let (depth, selects) = scan(text);
    if selects > MAX_SELECT_NESTING {
        return Err(Error::fmt(errno::ER_TOO_HIGH_LEVEL_OF_NESTING_FOR_SELECT, &[]));
    }
    if depth <= SHALLOW {
        return Ok(None);
    }
    let need = depth.saturating_mul(BYTES_PER_LEVEL).saturating_add(1 << 20);
    if need > MAX_STACK {
        return Err(Error::fmt(errno::ER_STACK_OVERRUN_NEED_MORE, &[&0, &MAX_STACK, &need]));
    }
    Ok(Some(need))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_are_deep_lists_are_not() {
        // The statement's own SELECT counts as SELECT_LEVELS; `d` is what the rest adds.
        let d = |text: &str| depth_bound(text) - SELECT_LEVELS;
        assert!(d("SELECT 1") < 3);
        let chain = format!("SELECT {}", vec!["1"; 1000].join("+"));
        assert!(d(&chain) >= 999);
        let ors: Vec<String> = (0..500).map(|i| format!("(id = {i} AND v = {i})")).collect();
        let n = d(&format!("SELECT * FROM t WHERE {}", ors.join(" OR ")));
        assert!((500..520).contains(&n), "{n}");
        // An OR chain of comparisons is as deep as its ORs, not ORs plus comparisons.
        let flat: Vec<String> = (0..1000).map(|i| format!("id <= {i}")).collect();
        let n = d(&format!("SELECT * FROM t WHERE {}", flat.join(" OR ")));
        assert!((1000..1010).contains(&n), "{n}");
        // Tighter operators nest under looser ones: each still counts.
        assert!(d("SELECT 1 + 2 * 3 - 4 OR NOT a = 1 AND b") >= 4);
        assert!(d(&format!("SELECT {}1", "NOT ".repeat(50))) >= 50);
        let nested = format!("SELECT {}1{}", "(".repeat(40), ")".repeat(40));
        // (The first parenthesis follows a word, so it may be a call: CALL_LEVELS.)
        assert_eq!(d(&nested), 39 + CALL_LEVELS);
        let calls = format!("SELECT {}1{}", "ABS (".repeat(40), ")".repeat(40));
        assert_eq!(d(&calls), 40 * CALL_LEVELS);
        let cases = format!("SELECT {}1{}", "CASE WHEN 1 THEN ".repeat(40), " END".repeat(40));
        assert!(d(&cases) >= 40 * CALL_LEVELS);
        assert!(d("SELECT ((1 + 2) * (3 + (4 - 5)))") >= 4);
        let rows: Vec<String> = (0..10_000).map(|i| format!("({i}, 'a+b', -{i})")).collect();
        assert!(
            depth_bound(&format!("INSERT INTO t VALUES {}", rows.join(", "))) <= CALL_LEVELS + 2
        );
        assert!(d("SELECT '((((+++' -- (((+++\n") < 2);
        assert_eq!(stack_needed("SELECT 1").ok(), Some(None));
        let subqueries = |n| format!("SELECT {}1{}", "(SELECT ".repeat(n), ")".repeat(n));
        assert_eq!(scan(&subqueries(62)).1, 63);
        assert!(scan(&subqueries(10)).0 >= 10 * SELECT_LEVELS);
        assert!(stack_needed(&subqueries(62)).is_ok());
        assert_eq!(stack_needed(&subqueries(63)).map_err(|e| e.code), Err(1473));
        // Sibling blocks (a UNION, two subqueries in one list) do not nest.
        assert_eq!(scan("SELECT (SELECT 1), (SELECT 2) UNION SELECT 3").1, 2);
        let huge = format!("SELECT {}", vec!["1"; 300_000].join("+"));
        assert_eq!(stack_needed(&huge).map_err(|e| e.code), Err(1436));
    }
}
