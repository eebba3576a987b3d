//! The free-text pre-filter: which values certainly hold no address for `gdprkit.ip.text`.
//!
//! Every address `mask_text` can find lies inside a maximal run of the bytes `[0-9A-Fa-f:.]`:
//! an IPv4 match is four digit groups joined by three dots, an IPv6 match needs `::` or at least
//! six colons in its run.  A value none of whose runs has two colons or three dots therefore
//! holds no address, and `mask_text` returns it unchanged with counts (0, 0).  This is a
//! superset test: it may call a value dirty that holds none (the Python engine then decides),
//! never the reverse.  `tests/ip/test_native.py` checks the invariant against `mask_text`.
#![forbid(unsafe_code)]

const RUN: u8 = 1;
const COLON: u8 = 2;
const DOT: u8 = 4;

const fn table() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        if b.is_ascii_hexdigit() {
            t[i] = RUN;
        } else if b == b':' {
            t[i] = RUN | COLON;
        } else if b == b'.' {
            t[i] = RUN | DOT;
        }
        i += 1;
    }
    t
}

static CLASS: [u8; 256] = table();

/// Whether `value` may hold an address (`false`: it certainly holds none).
pub fn may_hold_address(value: &[u8]) -> bool {
    let mut pos = 0;
    // Each run is visited once: from the first separator in it, out to both of its ends.
    while let Some(off) = memchr::memchr2(b':', b'.', &value[pos..]) {
        let at = pos + off;
        let mut start = at;
        while start > pos && CLASS[value[start - 1] as usize] != 0 {
            start -= 1;
        }
        let (mut colons, mut dots) = (0u32, 0u32);
        let mut end = start;
        while end < value.len() {
            let c = CLASS[value[end] as usize];
            if c == 0 {
                break;
            }
            colons += u32::from(c & COLON != 0);
            dots += u32::from(c & DOT != 0);
            end += 1;
        }
        if colons >= 2 || dots >= 3 {
            return true;
        }
        pos = end;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::may_hold_address as dirty;

    #[test]
    fn examples() {
        assert!(!dirty(b"GET /index.html HTTP/1.1"));
        assert!(!dirty(b"at 06:00"));
        assert!(dirty(b"at 06:00:00"));
        assert!(dirty(b"from 1.2.3.4"));
        assert!(dirty(b"Chrome/120.0.0.0"));
        assert!(!dirty(b"v1.2 and 3.4"));
        assert!(dirty(b"::1"));
        assert!(!dirty(b"x 1.2.3"));
        assert!(dirty(b"x 1.2.3."));
    }
}

// ---------------------------------------------------------------------------------------------
// The scanner: `gdprkit.ip.text.mask_text_counted`, rule for rule, on latin-1 bytes.
//
// The Python engine finds candidates with one regular expression (`text._PATTERN_STRICT` /
// `_PATTERN_ALL`) and `re.sub`; the functions below decide the same matches by hand.  Every
// match lies inside one maximal run of `[0-9A-Fa-f:.]` bytes holding two colons or three dots
// (see `may_hold_address`), so only such runs are searched, left to right, as `re.sub` does.

/// `_is_word` (`str.isalnum() or '_'`) on a latin-1 code point.
pub fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || b == b'_'
        || matches!(
            b,
            0xAA | 0xB2 | 0xB3 | 0xB5 | 0xB9 | 0xBA | 0xBC | 0xBD | 0xBE
        )
        || (b >= 0xC0 && b != 0xD7 && b != 0xF7)
}

fn in_run(b: u8) -> bool {
    CLASS[b as usize] != 0
}

fn ascii_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// `_V4` from position `i` (a digit): the end of the dotted quad's shape, or `None`.
fn v4_shape(t: &[u8], i: usize) -> Option<usize> {
    let mut p = i;
    for group in 0..4 {
        let start = p;
        while p < t.len() && t[p].is_ascii_digit() && p - start < 4 {
            p += 1;
        }
        let len = p - start;
        if len == 0 || len > 3 {
            return None;
        }
        if group < 3 {
            if p >= t.len() || t[p] != b'.' {
                return None;
            }
            p += 1;
        } else {
            // (?![0-9A-Za-z_]|\.[0-9A-Za-z_])
            if p < t.len() && ascii_word(t[p]) {
                return None;
            }
            if p + 1 < t.len() && t[p] == b'.' && ascii_word(t[p + 1]) {
                return None;
            }
        }
    }
    Some(p)
}

/// `_GLUE` at a candidate start `i`: after `word:` the word must end in a non-hex letter
/// (or `_`) followed by at most four hex letters.
fn glue_ok(t: &[u8], i: usize) -> bool {
    if i == 0 || t[i - 1] != b':' {
        return true;
    }
    for k in 0..=4usize {
        // text[i-2-j] in [A-Fa-f] for j < k, and text[i-2-k] in [G-Zg-z_]
        if i < 2 + k {
            return false;
        }
        let b = t[i - 2 - k];
        if matches!(b, b'G'..=b'Z' | b'g'..=b'z' | b'_') {
            return true;
        }
        if !matches!(b, b'A'..=b'F' | b'a'..=b'f') {
            return false;
        }
    }
    false
}

/// `_V6` after `_START` at `i`: the end of the candidate run, or `None`.
fn v6_shape(t: &[u8], i: usize) -> Option<usize> {
    // [0-9A-Fa-f]{0,3}:
    let mut p = i + 1;
    while p < t.len() && t[p].is_ascii_hexdigit() && p - (i + 1) < 4 {
        p += 1;
    }
    if p - (i + 1) > 3 || p >= t.len() || t[p] != b':' {
        return None;
    }
    let q = p + 1;
    let mut end = q;
    let mut colons = 0;
    let mut double = false;
    while end < t.len() && in_run(t[end]) {
        if t[end] == b':' {
            colons += 1;
            if end > q && t[end - 1] == b':' {
                double = true;
            }
        }
        end += 1;
    }
    let ok = double || (q < t.len() && t[q] == b':') || (p >= 1 && t[p - 1] == b':') || colons >= 4;
    if ok {
        Some(end)
    } else {
        None
    }
}

/// One match of the pattern: start, end, and whether it is the IPv4 alternative.
fn find(t: &[u8], from: usize, strict: bool) -> Option<(usize, usize, bool)> {
    let mut pos = from;
    while let Some(off) = memchr::memchr2(b':', b'.', &t[pos..]) {
        let at = pos + off;
        let mut start = at;
        while start > pos && in_run(t[start - 1]) {
            start -= 1;
        }
        let (mut colons, mut dots) = (0u32, 0u32);
        let mut end = start;
        while end < t.len() && in_run(t[end]) {
            colons += u32::from(t[end] == b':');
            dots += u32::from(t[end] == b'.');
            end += 1;
        }
        if colons >= 2 || dots >= 3 {
            for i in start..end {
                let c = t[i];
                if c == b'.' {
                    continue;
                }
                // _START: [0-9A-Fa-f:] not after [0-9A-Za-z_.]
                if i > 0 && (ascii_word(t[i - 1]) || t[i - 1] == b'.') {
                    continue;
                }
                if c.is_ascii_digit() {
                    let guarded =
                        strict && i >= 2 && t[i - 1] == b'/' && t[i - 2].is_ascii_alphanumeric();
                    if !guarded {
                        if let Some(e) = v4_shape(t, i) {
                            return Some((i, e, true));
                        }
                    }
                }
                if glue_ok(t, i) {
                    if let Some(e) = v6_shape(t, i) {
                        return Some((i, e, false));
                    }
                }
            }
        }
        pos = end;
    }
    None
}

/// `_locate_v6`: the span of the address inside a candidate run.
fn locate_v6(run: &[u8], glued_after: bool) -> Option<(usize, usize)> {
    let mut end = run.len();
    if glued_after {
        let c = run.iter().rposition(|&b| b == b':');
        let d = run.iter().rposition(|&b| b == b'.');
        let last = match (c, d) {
            (Some(a), Some(b)) => a.max(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => return None,
        };
        if last == 0 {
            return None;
        }
        end = last;
    }
    while end > 0 && run[end - 1] == b'.' {
        end -= 1;
    }
    let core = &run[..end];
    if crate::addr::parse_v6(core).is_some() {
        return Some((0, end));
    }
    if let Some(cut) = core.iter().rposition(|&b| b == b':') {
        if cut > 0
            && crate::addr::parse_port(&core[cut + 1..]).is_some()
            && crate::addr::parse_v6(&core[..cut]).is_some()
        {
            return Some((0, cut));
        }
    }
    if core.ends_with(b":")
        && !core.ends_with(b"::")
        && crate::addr::parse_v6(&core[..end - 1]).is_some()
    {
        return Some((0, end - 1));
    }
    None
}

/// `mask_text_counted(text, masker, skip_versions=strict)` with a natively computed method.
/// Appends the result to `out`; returns the IPv4 and IPv6 counts.
pub fn mask_text(
    t: &[u8],
    masker: &mut crate::methods::Masker,
    strict: bool,
    out: &mut Vec<u8>,
) -> (u64, u64) {
    let (mut n4, mut n6) = (0u64, 0u64);
    let mut copied = 0;
    let mut pos = 0;
    while let Some((s, e, v4)) = find(t, pos, strict) {
        out.extend_from_slice(&t[copied..s]);
        let cand = &t[s..e];
        if v4 {
            let mark = out.len();
            if masker.apply_bare(cand, out).is_some() {
                n4 += 1;
            } else {
                out.truncate(mark);
                out.extend_from_slice(cand);
            }
        } else {
            let glued = e < t.len() && is_word(t[e]);
            match locate_v6(cand, glued) {
                Some((a, b)) => {
                    out.extend_from_slice(&cand[..a]);
                    let mark = out.len();
                    if masker.apply_bare(&cand[a..b], out).is_some() {
                        n6 += 1;
                    } else {
                        // parse_v6 accepted it above, so apply_bare does too; keep it safe.
                        out.truncate(mark);
                        out.extend_from_slice(&cand[a..b]);
                    }
                    out.extend_from_slice(&cand[b..]);
                }
                None => out.extend_from_slice(cand),
            }
        }
        copied = e;
        pos = e;
    }
    out.extend_from_slice(&t[copied..]);
    (n4, n6)
}

#[cfg(test)]
mod scanner_tests {
    use super::*;
    use crate::methods::{Masker, Method};

    fn ga() -> Masker {
        Masker {
            method: Method::Truncate {
                keep4: 0xFFFF_FF00,
                keep6: !0u128 << 80,
                keep_6to4: !0u128 << 88,
                keep_teredo: !0u128 << 8,
            },
            skip: 0,
            embedded_ipv4: true,
        }
    }

    fn masked(text: &str, strict: bool) -> (String, u64, u64) {
        let mut out = Vec::new();
        let (a, b) = mask_text(text.as_bytes(), &mut ga(), strict, &mut out);
        (String::from_utf8(out).unwrap(), a, b)
    }

    #[test]
    fn docstring_examples() {
        // The examples of gdprkit.ip.text.mask_text's docstring.
        assert_eq!(
            masked(
                "from 198.51.100.23 port 22: RSA 39:33:99:e9:a0:dc:f2:33:a3:e5:72:3b",
                true
            )
            .0,
            "from 198.51.100.0 port 22: RSA 39:33:99:e9:a0:dc:f2:33:a3:e5:72:3b"
        );
        assert_eq!(
            masked(
                "Mozilla/5.0 Chrome/120.0.0.0 at 06:00:00 via [2001:db8:1:2::9]:8080",
                true
            )
            .0,
            "Mozilla/5.0 Chrome/120.0.0.0 at 06:00:00 via [2001:db8:1::]:8080"
        );
        assert_eq!(
            masked("a 192.0.2.7 b [2001:db8::7]:80", true),
            ("a 192.0.2.0 b [2001:db8::]:80".to_string(), 1, 1)
        );
        assert_eq!(masked("ip:2001:db8::1 x", true).0, "ip:2001:db8:: x");
        // The whole run 'face:2001:db8::1' is one valid address (Python gives the same).
        assert_eq!(masked("face:2001:db8::1 x", true).0, "face:2001:db8:: x");
        assert_eq!(
            masked("QuorumPeer/0:0:0:0:0:0:0:1:2181:Election", true).0,
            "QuorumPeer/0:0:0:0:0:0:0:0:2181:Election"
                .replace("0:0:0:0:0:0:0:0", "::")
                .as_str()
        );
    }
}
