//! Address parsing and formatting, ported line by line from `gdprkit/ip/_address.py`.
//!
//! Only the *bare* forms the Python fast path handles (a dotted quad, an IPv6 address without
//! zone, brackets or port) are parsed here; every other form is left to the Python engine.  Text
//! is latin-1 bytes: one byte per code point, so a non-ASCII byte never belongs to an address.
#![forbid(unsafe_code)]

const MAX_V6_TEXT: usize = 45;
pub const MAPPED_HIGH: u128 = 0xFFFF;

/// `_parse_v4`: four decimal octets 0-255 without leading zeros (`_OCTETS` keys), else `None`.
pub fn parse_v4(text: &[u8]) -> Option<u32> {
    let mut value: u32 = 0;
    let mut parts = 0;
    for part in text.split(|&b| b == b'.') {
        parts += 1;
        if parts > 4 {
            return None;
        }
        value = (value << 8) | u32::from(octet(part)?);
    }
    if parts == 4 {
        Some(value)
    } else {
        None
    }
}

fn octet(part: &[u8]) -> Option<u8> {
    if part.is_empty() || part.len() > 3 || (part.len() > 1 && part[0] == b'0') {
        return None;
    }
    let mut v: u32 = 0;
    for &b in part {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(b - b'0');
    }
    u8::try_from(v).ok()
}

/// The result of `_parse_v6`: the value and whether a dotted IPv4 tail was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct V6 {
    pub value: u128,
    pub dotted: bool,
}

fn is_hex_colon(b: u8) -> bool {
    b.is_ascii_hexdigit() || b == b':'
}

fn find2(hay: &[u8], needle: &[u8; 2]) -> Option<usize> {
    hay.windows(2).position(|w| w == needle)
}

fn group(g: &[u8]) -> Option<u128> {
    if g.is_empty() || g.len() > 4 {
        return None;
    }
    let mut v: u128 = 0;
    for &b in g {
        let d = (b as char).to_digit(16)?;
        v = (v << 4) | u128::from(d);
    }
    Some(v)
}

fn groups(part: &[u8]) -> Vec<&[u8]> {
    if part.is_empty() {
        Vec::new()
    } else {
        part.split(|&b| b == b':').collect()
    }
}

/// `_parse_v6`: RFC 4291 text (compressed, full, padded, upper case, dotted tail), else `None`.
pub fn parse_v6(text: &[u8]) -> Option<V6> {
    if !(2..=MAX_V6_TEXT).contains(&text.len()) {
        return None;
    }
    let mut head: &[u8] = text;
    let mut tail: Vec<u128> = Vec::new();
    let mut dotted = false;
    if text.contains(&b'.') {
        let i = text.iter().rposition(|&b| b == b':')?;
        let v4 = parse_v4(&text[i + 1..])?;
        tail = vec![u128::from(v4 >> 16), u128::from(v4 & 0xFFFF)];
        dotted = true;
        head = &text[..=i];
        if !head.ends_with(b"::") {
            head = &head[..head.len() - 1];
            if head.is_empty() {
                return None;
            }
        }
    }
    if !head.iter().all(|&b| is_hex_colon(b)) {
        return None;
    }
    let (lg, rg, missing) = if let Some(at) = find2(head, b"::") {
        let left = &head[..at];
        let right = &head[at + 2..];
        if find2(right, b"::").is_some() {
            return None;
        }
        let lg = groups(left);
        let rg = groups(right);
        let used = lg.len() + rg.len() + tail.len();
        if used >= 8 {
            return None;
        }
        (lg, rg, 8 - used)
    } else {
        let lg = groups(head);
        if lg.len() + tail.len() != 8 {
            return None;
        }
        (lg, Vec::new(), 0)
    };
    let mut value: u128 = 0;
    for g in &lg {
        value = (value << 16) | group(g)?;
    }
    // `missing` is 1..=8: shifting a u128 by 128 would overflow (the value is 0 then anyway).
    value = value.checked_shl(16 * missing as u32).unwrap_or(0);
    for g in &rg {
        value = (value << 16) | group(g)?;
    }
    for g16 in &tail {
        value = (value << 16) | g16;
    }
    Some(V6 { value, dotted })
}

/// `_parse_port`: 1-5 ASCII digits, at most 65535.
pub fn parse_port(text: &[u8]) -> Option<u16> {
    if text.is_empty() || text.len() > 5 || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v: u32 = text.iter().fold(0, |a, &b| a * 10 + u32::from(b - b'0'));
    u16::try_from(v).ok()
}

/// `format_ipv4`.
pub fn format_v4(value: u32, out: &mut Vec<u8>) {
    let b = value.to_be_bytes();
    for (i, octet) in b.iter().enumerate() {
        if i > 0 {
            out.push(b'.');
        }
        push_dec(u32::from(*octet), out);
    }
}

fn push_dec(mut v: u32, out: &mut Vec<u8>) {
    let mut buf = [0u8; 10];
    let mut n = 0;
    loop {
        buf[n] = b'0' + (v % 10) as u8;
        n += 1;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend(buf[..n].iter().rev());
}

fn push_hex(v: u16, out: &mut Vec<u8>) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut started = false;
    for shift in [12u32, 8, 4, 0] {
        let d = ((v >> shift) & 0xF) as usize;
        if d != 0 || started || shift == 0 {
            out.push(DIGITS[d]);
            started = true;
        }
    }
}

/// `format_ipv6(value, dotted=dotted)` with the canonical options (compressed, lower case).
///
/// `dotted=None` in Python is `value >> 32 == 0xFFFF`: callers pass that themselves.
pub fn format_v6(value: u128, dotted: bool, out: &mut Vec<u8>) {
    let ngroups = if dotted { 6 } else { 8 };
    let mut groups = [0u16; 8];
    for (i, g) in groups.iter_mut().enumerate().take(ngroups) {
        *g = ((value >> (112 - 16 * i)) & 0xFFFF) as u16;
    }
    let groups = &groups[..ngroups];
    // RFC 5952 section 4.2: the longest run of at least two zero groups, the first on a tie.
    let (mut best_start, mut best_len, mut start): (isize, usize, isize) = (-1, 1, -1);
    for (i, &g) in groups.iter().enumerate() {
        if g == 0 {
            if start < 0 {
                start = i as isize;
            }
            let len = i - start as usize + 1;
            if len > best_len {
                best_start = start;
                best_len = len;
            }
        } else {
            start = -1;
        }
    }
    let begin = out.len();
    if best_start >= 0 {
        let bs = best_start as usize;
        for (i, &g) in groups[..bs].iter().enumerate() {
            if i > 0 {
                out.push(b':');
            }
            push_hex(g, out);
        }
        out.extend_from_slice(b"::");
        for (i, &g) in groups[bs + best_len..].iter().enumerate() {
            if i > 0 {
                out.push(b':');
            }
            push_hex(g, out);
        }
    } else {
        for (i, &g) in groups.iter().enumerate() {
            if i > 0 {
                out.push(b':');
            }
            push_hex(g, out);
        }
    }
    if dotted {
        if out.len() == begin || out[out.len() - 1] != b':' {
            out.push(b':');
        }
        format_v4((value & 0xFFFF_FFFF) as u32, out);
    }
}

/// The special ranges of `masking.SpecialRange`, as bits, in the order of `_V4_RANGES`.
pub mod range {
    pub const UNSPECIFIED: u8 = 1;
    pub const LOOPBACK: u8 = 2;
    pub const PRIVATE: u8 = 4;
    pub const LINK_LOCAL: u8 = 8;
    pub const CGNAT: u8 = 16;
    pub const DOCUMENTATION: u8 = 32;
    pub const MULTICAST: u8 = 64;

    /// The bit of a `SpecialRange` value (`"private"`, ...), or `None` for an unknown name.
    pub fn from_name(name: &str) -> Option<u8> {
        Some(match name {
            "unspecified" => UNSPECIFIED,
            "loopback" => LOOPBACK,
            "private" => PRIVATE,
            "link-local" => LINK_LOCAL,
            "cgnat" => CGNAT,
            "documentation" => DOCUMENTATION,
            "multicast" => MULTICAST,
            _ => return None,
        })
    }
}

const V4_RANGES: [(u32, u32, u8); 11] = [
    (0x0000_0000, 32, range::UNSPECIFIED),
    (0x7F00_0000, 8, range::LOOPBACK),
    (0x0A00_0000, 8, range::PRIVATE),
    (0xAC10_0000, 12, range::PRIVATE),
    (0xC0A8_0000, 16, range::PRIVATE),
    (0xA9FE_0000, 16, range::LINK_LOCAL),
    (0x6440_0000, 10, range::CGNAT),
    (0xC000_0200, 24, range::DOCUMENTATION),
    (0xC633_6400, 24, range::DOCUMENTATION),
    (0xCB00_7100, 24, range::DOCUMENTATION),
    (0xE000_0000, 4, range::MULTICAST),
];
const V6_RANGES: [(u128, u32, u8); 6] = [
    (0, 128, range::UNSPECIFIED),
    (1, 128, range::LOOPBACK),
    (0xFC << 120, 7, range::PRIVATE),
    (0xFE80 << 112, 10, range::LINK_LOCAL),
    (0x2001_0DB8 << 96, 32, range::DOCUMENTATION),
    (0xFF << 120, 8, range::MULTICAST),
];

/// `_range_of(value, 32, _V4_RANGES)`: the first range that holds the value, or 0.
pub fn range_v4(value: u32) -> u8 {
    for (base, plen, kind) in V4_RANGES {
        let shift = 32 - plen;
        if u64::from(value) >> shift == u64::from(base) >> shift {
            return kind;
        }
    }
    0
}

/// `_range_of(value, 128, _V6_RANGES)`.
pub fn range_v6(value: u128) -> u8 {
    for (base, plen, kind) in V6_RANGES {
        let shift = 128 - plen;
        let same = if shift == 128 {
            true
        } else {
            value >> shift == base >> shift
        };
        if same {
            return kind;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v6(s: &str) -> String {
        let p = parse_v6(s.as_bytes()).unwrap();
        let mut out = Vec::new();
        format_v6(p.value, p.value >> 32 == MAPPED_HIGH, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn v4_rules() {
        assert_eq!(parse_v4(b"192.0.2.1"), Some(0xC000_0201));
        assert_eq!(parse_v4(b"010.0.0.1"), None);
        assert_eq!(parse_v4(b"256.0.0.1"), None);
        assert_eq!(parse_v4(b"1.2.3"), None);
        assert_eq!(parse_v4(b"1.2.3.4.5"), None);
        assert_eq!(parse_v4(b"1.2.3."), None);
    }

    #[test]
    fn v6_canonical() {
        assert_eq!(v6("2001:DB8::1"), "2001:db8::1");
        assert_eq!(v6("0:0:0:0:0:0:0:1"), "::1");
        assert_eq!(v6("::ffff:192.0.2.1"), "::ffff:192.0.2.1");
        assert_eq!(v6("::ffff:c000:201"), "::ffff:192.0.2.1");
        assert_eq!(v6("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
        assert_eq!(v6("::"), "::");
        assert!(parse_v6(b"1::2::3").is_none());
        assert!(parse_v6(b"1:2:3:4:5:6:7:8:9").is_none());
        assert!(parse_v6(b"1:2:3:4:5:6:7::8").is_none());
        assert!(parse_v6(b":1.2.3.4").is_none());
    }
}
