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
