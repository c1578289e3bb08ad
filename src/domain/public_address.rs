//! Which IP addresses this service may connect to for a merchant: public unicast ones only.
//!
//! The refused blocks are those of IANA's IPv4 and IPv6 Special-Purpose Address Registries that
//! are not globally reachable, plus all of IPv6 outside 2000::/3, the only block IANA allocates
//! for global unicast (so the deprecated IPv4-compatible `::a.b.c.d` and site-local fec0::/10
//! are refused as reserved). Where the registries carve a global anycast service out of a
//! reserved block (192.0.0.9, 2001:1::1 and the like), the whole block is refused: none of
//! them is a webhook receiver.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

const LINK_LOCAL_V4: &str = "a link-local address (instance metadata lives there)";
const PRIVATE: &str = "a private address";
const DOCUMENTATION: &str = "a documentation address";

/// IPv4 blocks refused, with why; loopback (127/8) apart, since a local stack may allow it.
const V4_REFUSED: [(Ipv4Addr, u8, &str); 14] = [
    (Ipv4Addr::new(0, 0, 0, 0), 8, "an unspecified address"),
    (Ipv4Addr::new(10, 0, 0, 0), 8, PRIVATE),
    (
        Ipv4Addr::new(100, 64, 0, 0),
        10,
        "a shared (carrier-grade NAT) address",
    ),
    (Ipv4Addr::new(169, 254, 0, 0), 16, LINK_LOCAL_V4),
    (Ipv4Addr::new(172, 16, 0, 0), 12, PRIVATE),
    (
        Ipv4Addr::new(192, 0, 0, 0),
        24,
        "an IETF protocol-assignment address",
    ),
    (Ipv4Addr::new(192, 0, 2, 0), 24, DOCUMENTATION),
    (Ipv4Addr::new(192, 88, 99, 0), 24, "a 6to4 relay address"),
    (Ipv4Addr::new(192, 168, 0, 0), 16, PRIVATE),
    (Ipv4Addr::new(198, 18, 0, 0), 15, "a benchmarking address"),
    (Ipv4Addr::new(198, 51, 100, 0), 24, DOCUMENTATION),
    (Ipv4Addr::new(203, 0, 113, 0), 24, DOCUMENTATION),
    (Ipv4Addr::new(224, 0, 0, 0), 4, "a multicast address"),
    (
        Ipv4Addr::new(240, 0, 0, 0),
        4,
        "a reserved address (broadcast included)",
    ),
];

/// IPv6 blocks refused, with why; loopback (::1) and IPv4-mapped addresses apart.
const V6_REFUSED: [(Ipv6Addr, u8, &str); 9] = [
    (Ipv6Addr::UNSPECIFIED, 128, "an unspecified address"),
    // NAT64 (the well-known /96 and the local-use /48) reaches any IPv4 address, private ones too.
    (
        Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0),
        32,
        "a NAT64 address",
    ),
    // Teredo (2001::/32) included: it tunnels to an IPv4 address.
    (
        Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0),
        23,
        "an IETF protocol-assignment address",
    ),
    (
        Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0),
        32,
        DOCUMENTATION,
    ),
    // 6to4 tunnels to the IPv4 address it embeds, private ones too.
    (
        Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0),
        16,
        "a 6to4 address",
    ),
    (
        Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0),
        20,
        DOCUMENTATION,
    ),
    (
        Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0),
        7,
        "a unique-local address",
    ),
    (
        Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0),
        10,
        "a link-local address",
    ),
    (
        Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0),
        8,
        "a multicast address",
    ),
];

const GLOBAL_UNICAST_V6: (Ipv6Addr, u8) = (Ipv6Addr::new(0x2000, 0, 0, 0, 0, 0, 0, 0), 3);

/// Why this service will not connect to `ip`, if it will not: anything but a public unicast
/// address. Loopback is allowed only when `allow_loopback` (a local stack's own setting).
pub fn forbidden_address(ip: IpAddr, allow_loopback: bool) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4, allow_loopback),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => forbidden_v4(v4, allow_loopback),
            None => forbidden_v6(v6, allow_loopback),
        },
    }
}

fn forbidden_v4(ip: Ipv4Addr, allow_loopback: bool) -> Option<&'static str> {
    if ip.is_loopback() {
        return (!allow_loopback).then_some("a loopback address");
    }
    let bits = v4_bits(ip);
    V4_REFUSED
        .iter()
        .find(|(block, length, _)| in_block(bits, v4_bits(*block), *length))
        .map(|(_, _, why)| *why)
}

fn forbidden_v6(ip: Ipv6Addr, allow_loopback: bool) -> Option<&'static str> {
    if ip.is_loopback() {
        return (!allow_loopback).then_some("a loopback address");
    }
    let bits = u128::from(ip);
    let refused = V6_REFUSED
        .iter()
        .find(|(block, length, _)| in_block(bits, u128::from(*block), *length))
        .map(|(_, _, why)| *why);
    let (global, length) = GLOBAL_UNICAST_V6;
    refused
        .or_else(|| (!in_block(bits, u128::from(global), length)).then_some("a reserved address"))
}

/// An IPv4 address in the leading bits of 128, so that one `in_block` serves both families.
fn v4_bits(ip: Ipv4Addr) -> u128 {
    u128::from(u32::from(ip)) << 96
}

/// Whether `address` lies in the block of `length` leading bits starting at `block`.
fn in_block(address: u128, block: u128, length: u8) -> bool {
    // A shift by all 128 bits would overflow; a zero-length block holds every address.
    length == 0 || (address ^ block) >> (128 - u32::from(length)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> Option<&'static str> {
        forbidden_address(text.parse().unwrap(), false)
    }

    #[test]
    fn every_special_purpose_block_is_refused_at_its_edges() {
        for (address, why) in [
            ("0.255.255.255", "an unspecified address"),
            ("10.0.0.0", PRIVATE),
            ("100.64.0.0", "a shared (carrier-grade NAT) address"),
            ("100.127.255.255", "a shared (carrier-grade NAT) address"),
            ("169.254.169.254", LINK_LOCAL_V4),
            ("172.16.0.0", PRIVATE),
            ("172.31.255.255", PRIVATE),
            ("192.0.0.9", "an IETF protocol-assignment address"),
            ("192.0.2.255", DOCUMENTATION),
            ("192.88.99.1", "a 6to4 relay address"),
            ("192.168.255.255", PRIVATE),
            ("198.18.0.0", "a benchmarking address"),
            ("198.19.255.255", "a benchmarking address"),
            ("198.51.100.7", DOCUMENTATION),
            ("203.0.113.9", DOCUMENTATION),
            ("224.0.0.1", "a multicast address"),
            ("239.255.255.255", "a multicast address"),
            ("255.255.255.255", "a reserved address (broadcast included)"),
            ("127.0.0.1", "a loopback address"),
            ("::ffff:10.1.2.3", PRIVATE),
            ("::", "an unspecified address"),
            ("::1", "a loopback address"),
            ("::7f00:1", "a reserved address"),
            ("100::1", "a reserved address"),
            ("5f00::1", "a reserved address"),
            ("fec0::1", "a reserved address"),
            ("64:ff9b::a00:1", "a NAT64 address"),
            ("64:ff9b:1::1", "a NAT64 address"),
            ("2001::1", "an IETF protocol-assignment address"),
            ("2001:1ff:ffff::1", "an IETF protocol-assignment address"),
            ("2001:db8::1", DOCUMENTATION),
            ("2002:7f00:1::1", "a 6to4 address"),
            ("3fff:fff::1", DOCUMENTATION),
            ("fd00::1", "a unique-local address"),
            ("fe80::1", "a link-local address"),
            ("ff02::1", "a multicast address"),
        ] {
            assert_eq!(refused(address), Some(why), "{address}");
        }
    }

    #[test]
    fn public_addresses_next_to_the_blocks_are_allowed() {
        for address in [
            "1.1.1.1",
            "9.255.255.255",
            "11.0.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.1.0",
            "192.0.3.0",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
            "93.184.215.14",
            "::ffff:93.184.215.14",
            "2001:200::1",
            "2001:4860:4860::8888",
            "2001:db9::1",
            "2003::1",
            "2606:4700::1111",
            "3fff:1000::1",
        ] {
            assert_eq!(refused(address), None, "{address} is public");
        }
    }

    #[test]
    fn loopback_is_allowed_only_by_the_local_setting() {
        for loopback in ["127.0.0.1", "127.255.0.1", "::1", "::ffff:127.0.0.1"] {
            let ip: IpAddr = loopback.parse().unwrap();
            assert!(forbidden_address(ip, false).is_some(), "{loopback}");
            assert_eq!(forbidden_address(ip, true), None, "{loopback}");
        }
        let private: IpAddr = "10.1.2.3".parse().unwrap();
        assert!(forbidden_address(private, true).is_some());
    }

    #[test]
    fn blocks_hold_what_their_leading_bits_say() {
        let v4 = |text: &str| v4_bits(text.parse().unwrap());
        assert!(in_block(v4("192.168.1.1"), v4("192.168.0.0"), 16));
        assert!(!in_block(v4("192.169.1.1"), v4("192.168.0.0"), 16));
        assert!(in_block(v4("7.7.7.7"), v4("7.7.7.7"), 32));
        assert!(!in_block(v4("7.7.7.6"), v4("7.7.7.7"), 32));
        assert!(in_block(u128::MAX, 0, 0));
        assert!(in_block(1, 1, 128));
        assert!(!in_block(0, 1, 128));
    }
}
