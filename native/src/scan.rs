//! The free-text pre-filter: which values certainly hold no address for `gdprkit.ip.text`.
//!
//! Every address the Python scanner (`gdprkit.ip.text`, `_PATTERN`) finds starts as one of
//! these candidates, all inside a maximal run of `[0-9A-Fa-f:.]` bytes (which also covers
//! addresses glued to letters, zero-padded or inside a DNS name) or of `[0-9-]` bytes:
//!
//! - IPv4 (its `v4` and `late` branches): four numbers of 1-3 digits joined by single dots, so
//!   the run holds `digit . 1-3 digits . 1-3 digits . digit`;
//! - IPv6 (`v6`): the run holds `::` or at least six colons — so times and ISO-8601 timestamps
//!   (`00:00:00.123`, `+02:00`, `2026:19:10:00` of nginx's `$time_local`), MAC addresses (five
//!   colons), `HTTP/1.1` and decimals are no candidates;
//! - the dashed form of host names (`dash`): three dashes in a run of `[0-9-]`;
//! - any of these behind percent- or backslash-escapes (a `%` or `\`).
//!
//! A value with none of these holds no address, and `mask_text` returns it unchanged with counts
//! (0, 0).  This is a superset test: it may call a value dirty that holds none (the Python engine
//! then decides), never the reverse; `tests/ip/test_native_differential.py` checks it against the
//! Python scanner.
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
    if memchr::memchr2(b'%', b'\\', value).is_some() {
        return true;
    }
    let mut pos = 0;
    // Each run is visited once: from the first separator in it, out to both of its ends.
    while let Some(off) = memchr::memchr3(b':', b'.', b'-', &value[pos..]) {
        let at = pos + off;
        if value[at] == b'-' {
            if dashed_run(value, pos, at) {
                return true;
            }
            pos = at + 1;
            continue;
        }
        let mut start = at;
        while start > pos && CLASS[value[start - 1] as usize] != 0 {
            start -= 1;
        }
        let (mut colons, mut dots, mut double) = (0u32, 0u32, false);
        let mut end = start;
        let mut last = 0u8;
        while end < value.len() {
            let c = CLASS[value[end] as usize];
            if c == 0 {
                break;
            }
            colons += u32::from(c & COLON != 0);
            dots += u32::from(c & DOT != 0);
            double |= c & last & COLON != 0;
            last = c;
            end += 1;
        }
        if double || colons >= 6 || (dots >= 3 && has_quad(&value[start..end])) {
            return true;
        }
        pos = end.max(at + 1);
    }
    false
}

/// Whether `run` holds `digit . 1-3 digits . 1-3 digits . digit` (the core of every IPv4
/// candidate: four numbers of 1-3 digits joined by single dots).
fn has_quad(run: &[u8]) -> bool {
    // `digits` is the length of the run of digits ending at `i`; `dots` the dots of the current
    // chain `digit (. 1-3 digits)*`, which a dot after no digit or after more than three digits
    // (for the inner numbers) restarts.
    let mut dots = 0u32;
    let mut digits = 0usize;
    for &b in run {
        if b.is_ascii_digit() {
            digits += 1;
            if dots == 3 {
                return true;
            }
        } else if b == b'.' {
            dots = if digits == 0 {
                0
            } else if dots == 0 || digits <= 3 {
                dots + 1
            } else {
                1
            };
            digits = 0;
        } else {
            dots = 0;
            digits = 0;
        }
    }
    false
}

/// Whether the maximal run of `[0-9-]` holding the dash at `at` has three dashes or more.
fn dashed_run(value: &[u8], floor: usize, at: usize) -> bool {
    let is_run = |b: u8| b.is_ascii_digit() || b == b'-';
    let mut start = at;
    while start > floor && is_run(value[start - 1]) {
        start -= 1;
    }
    let mut dashes = 0;
    let mut end = start;
    while end < value.len() && is_run(value[end]) {
        dashes += u32::from(value[end] == b'-');
        end += 1;
    }
    dashes >= 3
}

#[cfg(test)]
mod tests {
    use super::may_hold_address as dirty;

    #[test]
    fn examples() {
        assert!(!dirty(b"GET /index.html HTTP/1.1"));
        assert!(!dirty(b"at 06:00"));
        assert!(!dirty(b"at 06:00:00"));
        assert!(dirty(b"from 1.2.3.4"));
        assert!(dirty(b"Chrome/120.0.0.0"));
        assert!(!dirty(b"v1.2 and 3.4"));
        assert!(dirty(b"::1"));
        assert!(!dirty(b"x 1.2.3"));
        assert!(!dirty(b"x 1.2.3."));
        assert!(dirty(b"ip-203-0-113-7.example.net"));
        assert!(!dirty(b"2025-05-17 step-3"));
        assert!(dirty(b"2a00%3A1234%3A%3A7"));
        assert!(dirty(b"a\\u002e"));
        assert!(!dirty(b"2024-01-01T00:00:00.123Z"));
        assert!(!dirty(b"2024-01-01T00:00:00.123+02:00"));
        assert!(!dirty(b"04/Dec/2026:19:10:00 +0000"));
        assert!(!dirty(b"00:1a:2b:3c:4d:5e"));
        assert!(dirty(b"00:1a:2b:3c:4d:5e:6f"));
        assert!(dirty(b"T00:00::1"));
        assert!(dirty(b"2024-01-01T00:00:00.1.2.3.4"));
        assert!(dirty(b"1234.5.6.7"));
        assert!(dirty(b"a1.2.3.4a"));
        assert!(!dirty(b"1.2.3.a4"));
        assert!(!dirty(b"1.2.3..4"));
        assert!(!dirty(b"1.2345.6.7"));
        assert!(dirty(b"1.2345.6.7.8"));
        assert!(!dirty(b"cafe.dead.beef.f00d"));
    }
}
