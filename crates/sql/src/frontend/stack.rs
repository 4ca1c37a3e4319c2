//! How much stack a statement may need, judged from its text before it is parsed.
//!
//! Parsing, binding, evaluating, printing and dropping an expression all recurse over its tree,
//! and a flat chain such as `1+1+…+1` or `a OR b OR …` (what an ORM emits for a batch of keys)
//! is a tree as deep as it is long. Instead of bounding the chains, the session runs a
//! statement whose tree may be deep on a stack sized for it (see `session`), and refuses with
//! 1436 only a statement whose bound exceeds [`MAX_STACK`].
//!
//! The bound is lexical and conservative ([`depth_bound`]): outside quotes and comments, each
//! list item's run of operator tokens plus its deepest parenthesised group. Lists (VALUES rows,
//! IN lists, select lists) are separated by commas, so a multi-megabyte INSERT stays shallow.

use errno::{Error, Result};

/// Stack bytes assumed per level of expression nesting (debug builds use a few KiB per level in
/// parsing, cloning and dropping the syntax tree; the stack is reserved, not touched, so the
/// margin is cheap).
pub const BYTES_PER_LEVEL: usize = 8192;
/// Depth that runs on the connection thread's own stack.
pub const SHALLOW: usize = 256;
/// The largest stack a statement may get.
pub const MAX_STACK: usize = 1 << 30;

/// One parenthesis level while scanning: the operator run of the current list item, the
/// deepest group nested in it, and the deepest item finished at this level.
#[derive(Default)]
struct Level {
    run: usize,
    child: usize,
    done: usize,
}

impl Level {
    fn depth(&self) -> usize {
        self.done.max(self.run + self.child)
    }
}

/// An upper bound on the expression nesting of `text`: at each parenthesis level, an item's
/// depth is its run of operators plus its deepest parenthesised group; a group is one deeper
/// than its deepest item. Commas end items, so lists stay shallow.
pub fn depth_bound(text: &str) -> usize {
    const WORDS: [&str; 11] =
        ["AND", "OR", "XOR", "NOT", "IS", "IN", "LIKE", "BETWEEN", "DIV", "MOD", "CASE"];
    let b = text.as_bytes();
    let mut levels = vec![Level::default()];
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
            b'(' => levels.push(Level::default()),
            b')' if levels.len() > 1 => {
                let group = levels.pop().map_or(0, |l| l.depth() + 1);
                let parent = &mut levels[top - 1];
                parent.child = parent.child.max(group);
            }
            b',' | b';' => {
                let l = &mut levels[top];
                l.done = l.depth();
                (l.run, l.child) = (0, 0);
            }
            b'+' | b'-' | b'*' | b'/' | b'%' | b'=' | b'<' | b'>' | b'&' | b'|' | b'^' | b'~'
            | b'!' => levels[top].run += 1,
            c if c.is_ascii_alphabetic() => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                let word = &text[start..i];
                if WORDS.iter().any(|w| word.eq_ignore_ascii_case(w)) {
                    levels[top].run += 1;
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    // Unclosed parentheses: fold what is open into the levels around it.
    while levels.len() > 1 {
        let group = levels.pop().map_or(0, |l| l.depth() + 1);
        let top = levels.len() - 1;
        levels[top].child = levels[top].child.max(group);
    }
    levels[0].depth()
}

/// The stack `text` needs beyond the thread's own (`None`: it runs on the thread's stack), or
/// error 1436 when even [`MAX_STACK`] may not hold it.
pub fn stack_needed(text: &str) -> Result<Option<usize>> {
    let depth = depth_bound(text);
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
        assert!(depth_bound("SELECT 1") < 3);
        let chain = format!("SELECT {}", vec!["1"; 1000].join("+"));
        assert!(depth_bound(&chain) >= 999);
        let ors: Vec<String> = (0..500).map(|i| format!("(id = {i} AND v = {i})")).collect();
        let d = depth_bound(&format!("SELECT * FROM t WHERE {}", ors.join(" OR ")));
        assert!((500..520).contains(&d), "{d}");
        let nested = format!("SELECT {}1{}", "(".repeat(40), ")".repeat(40));
        assert_eq!(depth_bound(&nested), 40);
        assert!(depth_bound("SELECT ((1 + 2) * (3 + (4 - 5)))") >= 4);
        let rows: Vec<String> = (0..10_000).map(|i| format!("({i}, 'a+b', -{i})")).collect();
        assert!(depth_bound(&format!("INSERT INTO t VALUES {}", rows.join(", "))) < 5);
        assert!(depth_bound("SELECT '((((+++' -- (((+++\n") < 2);
        assert_eq!(stack_needed("SELECT 1").ok(), Some(None));
        let huge = format!("SELECT {}", vec!["1"; 300_000].join("+"));
        assert_eq!(stack_needed(&huge).map_err(|e| e.code), Err(1436));
    }
}
