//! The client's address behind load balancers.
//!
//! A proxy appends the address it saw to `X-Forwarded-For`; everything to the left of that came from the client
//! and may be forged. So rollcall takes the entry `hops` places from the right, where `hops` is the number of
//! proxies of our own in front of it (1 for the shipped nginx), and only when the connection itself comes from a
//! trusted proxy; a client that reaches an instance directly is known by its own address.

use std::net::IpAddr;

use ipnet::IpNet;

/// Who may tell rollcall the client's address, and how many of them stand in line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedProxies {
    pub nets: Vec<IpNet>,
    pub hops: usize,
}

impl TrustedProxies {
    pub fn trusts(&self, addr: IpAddr) -> bool {
        self.nets.iter().any(|n| n.contains(&addr))
    }
}

/// An address as proxies write it: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:5678`.
fn parse_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(sock) = entry.parse::<std::net::SocketAddr>() {
        return Some(sock.ip());
    }
    entry.strip_prefix('[').and_then(|e| e.split_once(']')).and_then(|(ip, _)| ip.parse().ok())
}

/// The client's address, given the peer of the connection and every `X-Forwarded-For` header in order.
pub fn client_ip(peer: IpAddr, forwarded_for: &[&str], trusted: Option<&TrustedProxies>) -> IpAddr {
    let Some(trusted) = trusted.filter(|t| t.hops > 0 && t.trusts(peer)) else { return peer };
    let entries: Vec<&str> = forwarded_for.iter().flat_map(|h| h.split(',')).collect();
    if entries.len() < trusted.hops {
        return peer;
    }
    parse_entry(entries[entries.len() - trusted.hops]).unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn nginx() -> TrustedProxies {
        TrustedProxies { nets: vec!["10.0.0.0/8".parse().unwrap(), "127.0.0.1/32".parse().unwrap()], hops: 1 }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_address_the_proxy_saw_wins_over_what_the_client_wrote() {
        let proxy = ip("10.0.0.5");
        let cases: [(&[&str], &str, &str); 7] = [
            (&["203.0.113.7"], "203.0.113.7", "nginx replaced the header"),
            (&["6.6.6.6, 203.0.113.7"], "203.0.113.7", "nginx appended to a forged header"),
            (&["6.6.6.6", "203.0.113.7"], "203.0.113.7", "the forged value in a header of its own"),
            (&["203.0.113.7:51234"], "203.0.113.7", "with a port"),
            (&["[2001:db8::7]:443"], "2001:db8::7", "IPv6 with a port"),
            (&[], "10.0.0.5", "no header: the proxy itself"),
            (&["not-an-address"], "10.0.0.5", "garbage: the proxy itself"),
        ];
        for (headers, want, why) in cases {
            assert_eq!(client_ip(proxy, headers, Some(&nginx())), ip(want), "{why}");
        }
    }

    #[test]
    fn a_client_that_is_not_a_trusted_proxy_is_known_by_its_own_address() {
        assert_eq!(client_ip(ip("198.51.100.9"), &["6.6.6.6"], Some(&nginx())), ip("198.51.100.9"));
        assert_eq!(client_ip(ip("10.0.0.5"), &["6.6.6.6"], None), ip("10.0.0.5"), "forwarding not trusted at all");
    }

    #[test]
    fn two_proxies_in_line_take_the_second_entry_from_the_right() {
        let two = TrustedProxies { hops: 2, ..nginx() };
        assert_eq!(client_ip(ip("10.0.0.5"), &["6.6.6.6, 203.0.113.7, 10.0.0.9"], Some(&two)), ip("203.0.113.7"));
        assert_eq!(client_ip(ip("10.0.0.5"), &["203.0.113.7"], Some(&two)), ip("10.0.0.5"), "too few entries");
    }

    proptest! {
        #[test]
        fn whatever_the_client_writes_first_it_cannot_choose_its_address(forged in "[ -~]{0,200}", real in any::<std::net::Ipv4Addr>()) {
            let header = format!("{forged}, {real}");
            prop_assert_eq!(client_ip(ip("10.0.0.5"), &[header.as_str()], Some(&nginx())), IpAddr::V4(real));
        }
    }
}
