//! Host patterns of accounts (`'u'@'%'`, `'u'@'192.168.1.%'`, `'u'@'10.0.0.0/255.0.0.0'`,
//! `'u'@'localhost'`) and the order MySQL tries accounts in: most specific host first.

use std::net::Ipv4Addr;

/// Whether the client address `client` matches the account host `pattern`. Patterns use `%`
/// (any run) and `_` (one character), compared without regard to case; `ip/mask` matches an
/// IPv4 network; `localhost` also matches the loopback addresses, since FerroDB serves TCP only.
pub fn matches(pattern: &str, client: &str) -> bool {
    if pattern.eq_ignore_ascii_case("localhost") && is_loopback(client) {
        return true;
    }
    if let Some((net, mask)) = pattern.split_once('/') {
        return match (net.parse::<Ipv4Addr>(), mask.parse::<Ipv4Addr>(), client.parse::<Ipv4Addr>())
        {
            (Ok(net), Ok(mask), Ok(ip)) => u32::from(ip) & u32::from(mask) == u32::from(net),
            _ => false,
        };
    }
    like(pattern.as_bytes(), client.as_bytes())
}

fn is_loopback(client: &str) -> bool {
    client == "127.0.0.1" || client == "::1" || client.eq_ignore_ascii_case("localhost")
}

/// SQL LIKE over bytes with `%` and `_`, ASCII case-insensitive (no escape character).
fn like(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        match p.get(pi) {
            Some(b'%') => {
                star = Some((pi, si));
                pi += 1;
            }
            Some(&c) if c == b'_' || c.eq_ignore_ascii_case(&s[si]) => {
                pi += 1;
                si += 1;
            }
            _ => match star {
                Some((sp, ss)) => {
                    pi = sp + 1;
                    si = ss + 1;
                    star = Some((sp, ss + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == b'%')
}

/// How specific a host pattern is: lower sorts first. Exact hosts come first, then patterns
/// by the length of their literal prefix (longer first), `%` last (MySQL's `acl_compare`).
pub fn specificity(pattern: &str) -> (u8, usize) {
    if pattern == "%" || pattern.is_empty() {
        return (2, 0);
    }
    match pattern.find(['%', '_']) {
        None => (0, 0),
        Some(first) => (1, usize::MAX - first),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert!(matches("%", "10.1.2.3"));
        assert!(matches("10.1.%", "10.1.2.3"));
        assert!(!matches("10.1.%", "10.2.2.3"));
        assert!(matches("10.1.2._", "10.1.2.3"));
        assert!(!matches("10.1.2._", "10.1.2.33"));
        assert!(matches("LOCALHOST", "127.0.0.1"));
        assert!(matches("localhost", "::1"));
        assert!(!matches("localhost", "10.0.0.1"));
        assert!(matches("10.0.0.0/255.0.0.0", "10.9.8.7"));
        assert!(!matches("10.0.0.0/255.0.0.0", "11.9.8.7"));
        assert!(matches("127.0.0.1", "127.0.0.1"));
        assert!(!matches("127.0.0.1", "127.0.0.2"));
    }

    #[test]
    fn order_most_specific_first() {
        let mut hosts = ["%", "10.%", "10.1.%", "localhost", "10.1.2.3"];
        hosts.sort_by_key(|h| specificity(h));
        assert_eq!(hosts[4], "%");
        assert_eq!(&hosts[2..4], &["10.1.%", "10.%"]);
    }
}
