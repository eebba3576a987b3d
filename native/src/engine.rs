//! The line engine: the hot path of `gdprkit.ip._formats.Engine`, and a hand-back for the rest.
//!
//! Identity with the Python engine holds by construction.  For each line the native engine
//! either (a) takes the exact path the Python engine's fast loop takes, with values it can
//! decide itself (bare addresses of a natively computed method, free text that certainly holds
//! no address), or (b) hands the line, field or value to the Python engine through
//! [`Fallback`] and copies what it returns.  Whatever is not certain goes to (b).
#![forbid(unsafe_code)]

use std::collections::HashMap;

use crate::methods::Masker;
use crate::scan::may_hold_address;

pub const UNPARSED_MARKER: &[u8] = b"[unparsed]";
const PLACEHOLDERS: [&[u8]; 4] = [b"-", b"", b"unix:", b"unknown"];

/// An error from the Python side (already a Python exception) or of the engine itself.
#[derive(Debug)]
pub enum Error<E> {
    Fallback(E),
    Invalid(&'static str),
}

impl<E> From<E> for Error<E> {
    fn from(e: E) -> Self {
        Error::Fallback(e)
    }
}

/// One masked address token: replacement, IPv4 and IPv6 counts, whether it failed closed.
#[derive(Clone, Debug)]
pub struct AddrHit {
    pub out: Vec<u8>,
    pub n4: u64,
    pub n6: u64,
    pub failed: bool,
}

/// One masked free-text value: replacement and counts.
#[derive(Clone, Debug)]
pub struct TextHit {
    pub out: Vec<u8>,
    pub n4: u64,
    pub n6: u64,
}

/// The Python reference engine, asked for everything the native engine does not decide.
pub trait Fallback {
    type Err;
    /// `Engine._address(token)`: the masker's result for one address field token.
    fn address(&mut self, token: &[u8]) -> Result<AddrHit, Self::Err>;
    /// `mask_text_counted(value, masker, skip_versions=...)`.
    fn text(&mut self, value: &[u8], skip_versions: bool) -> Result<TextHit, Self::Err>;
    /// One whole line through the Python engine's own per-line path (it counts itself).
    fn line(&mut self, line: &[u8]) -> Result<Vec<u8>, Self::Err>;
    /// `Engine._scan(value)`: free text through the Python engine (it counts itself).
    fn scan(&mut self, value: &[u8]) -> Result<Vec<u8>, Self::Err>;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Access,
    Json,
    Syslog,
    Text,
}

/// What the native engine did itself and what it handed back (for the benchmark).
#[derive(Clone, Copy, Debug, Default)]
pub struct Stats {
    pub lines_native: u64,
    pub lines_handed_back: u64,
    pub values_handed_back: u64,
    pub addresses_handed_back: u64,
}

// foldhash's seeded hasher: fast on short keys, and randomly keyed per process, so log
// content cannot be shaped to collide.
type Map<V> = HashMap<Vec<u8>, V, foldhash::fast::RandomState>;

struct Bounded<V> {
    map: Map<V>,
    limit: usize,
}

impl<V: Clone> Bounded<V> {
    fn new(limit: usize) -> Self {
        Bounded {
            map: Map::default(),
            limit,
        }
    }
    fn get(&self, k: &[u8]) -> Option<&V> {
        self.map.get(k)
    }
    fn put(&mut self, k: &[u8], v: V) {
        if self.limit == 0 {
            return;
        }
        if self.map.len() >= self.limit {
            // A new generation, as the Python caches do: memory stays bounded.
            self.map.clear();
        }
        self.map.insert(k.to_vec(), v);
    }
    fn clear(&mut self) {
        self.map.clear();
    }
}

pub struct Engine {
    pub format: Format,
    masker: Option<Masker>,
    /// ASCII lower-case JSON field names (the `fields` of a JSON format).
    json_fields: Vec<Vec<u8>>,
    addr_cache: Bounded<AddrHit>,
    text_cache: Bounded<TextHit>,
    agent_cache: Bounded<TextHit>,
    pub lines: u64,
    pub v4: u64,
    pub v6: u64,
    pub failed_client: u64,
    pub failed_json: u64,
    pub stats: Stats,
    /// Whether the masker's results may be cached (false for ipcrypt-nd/ndx).
    deterministic: bool,
}

/// `line.split('"')`, at most `MAX_PARTS` pieces (`None`: more, the line goes back).
const MAX_PARTS: usize = 16;

fn split_quotes(line: &[u8]) -> Option<([&[u8]; MAX_PARTS], usize)> {
    let mut parts: [&[u8]; MAX_PARTS] = [&[]; MAX_PARTS];
    let mut n = 0;
    let mut start = 0;
    for i in memchr::memchr_iter(b'"', line) {
        if n + 1 >= MAX_PARTS {
            return None;
        }
        parts[n] = &line[start..i];
        n += 1;
        start = i + 1;
    }
    parts[n] = &line[start..];
    Some((parts, n + 1))
}

/// `_STATUS_SIZE.fullmatch`: `" (?:\d{3}|-) (?:\d+|-) "`.
fn status_size_ok(s: &[u8]) -> bool {
    if s.len() < 5 || s[0] != b' ' || s[s.len() - 1] != b' ' {
        return false;
    }
    let inner = &s[1..s.len() - 1];
    let Some(sp) = inner.iter().position(|&b| b == b' ') else {
        return false;
    };
    let (status, size) = (&inner[..sp], &inner[sp + 1..]);
    let status_ok = status == b"-" || (status.len() == 3 && status.iter().all(u8::is_ascii_digit));
    let size_ok = size == b"-" || (!size.is_empty() && size.iter().all(u8::is_ascii_digit));
    status_ok && size_ok
}

/// `_STAMP.fullmatch`: `\[\d\d/[A-Za-z]{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\]` (28 bytes).
fn stamp_ok(s: &[u8]) -> bool {
    const SHAPE: &[u8; 28] = b"[dd/aaa/dddd:dd:dd:dd sdddd]";
    s.len() == 28
        && s.iter().zip(SHAPE.iter()).all(|(&c, &k)| match k {
            b'd' => c.is_ascii_digit(),
            b'a' => c.is_ascii_alphabetic(),
            b's' => c == b'+' || c == b'-',
            _ => c == k,
        })
}

/// Python's `\s` on a latin-1 code point.
fn is_space(b: u8) -> bool {
    matches!(b, b'\t'..=b'\r' | 0x1C..=0x20 | 0x85 | 0xA0)
}

impl Engine {
    pub fn new(
        format: Format,
        masker: Option<Masker>,
        json_fields: Vec<Vec<u8>>,
        cache_size: usize,
        deterministic: bool,
    ) -> Self {
        Engine {
            format,
            masker,
            json_fields,
            addr_cache: Bounded::new(cache_size),
            text_cache: Bounded::new(cache_size),
            agent_cache: Bounded::new(cache_size),
            lines: 0,
            v4: 0,
            v6: 0,
            failed_client: 0,
            failed_json: 0,
            stats: Stats::default(),
            deterministic,
        }
    }

    pub fn clear_caches(&mut self) {
        self.addr_cache.clear();
        self.text_cache.clear();
        self.agent_cache.clear();
    }

    /// `Engine._address` written to `out`: returns (n4, n6, failed).
    fn address_into<F: Fallback>(
        &mut self,
        token: &[u8],
        out: &mut Vec<u8>,
        fb: &mut F,
    ) -> Result<(u64, u64, bool), F::Err> {
        if let Some(m) = self.masker.as_mut() {
            // Computing a cheap method beats a cache look-up (a memory miss per distinct
            // client); Crypto-PAn on IPv6 (128 AES blocks) is worth caching.
            if m.is_cheap_for(token) {
                let mark = out.len();
                if let Some(family) = m.apply_bare(token, out) {
                    return Ok((u64::from(family == 4), u64::from(family == 6), false));
                }
                out.truncate(mark);
            }
        }
        if let Some(hit) = self.addr_cache.get(token) {
            out.extend_from_slice(&hit.out);
            return Ok((hit.n4, hit.n6, hit.failed));
        }
        let hit = self.address(token, fb)?;
        out.extend_from_slice(&hit.out);
        Ok((hit.n4, hit.n6, hit.failed))
    }

    /// `Engine._address`: natively for a bare address of a native method, else by Python.
    fn address<F: Fallback>(&mut self, token: &[u8], fb: &mut F) -> Result<AddrHit, F::Err> {
        if let Some(hit) = self.addr_cache.get(token) {
            return Ok(hit.clone());
        }
        let mut hit = None;
        if let Some(m) = self.masker.as_mut() {
            let mut out = Vec::with_capacity(token.len() + 8);
            if let Some(family) = m.apply_bare(token, &mut out) {
                hit = Some(AddrHit {
                    out,
                    n4: u64::from(family == 4),
                    n6: u64::from(family == 6),
                    failed: false,
                });
            }
        }
        let hit = match hit {
            Some(h) => h,
            None => {
                self.stats.addresses_handed_back += 1;
                fb.address(token)?
            }
        };
        // Python's engine caches every token (its own cache, whatever the method).
        self.addr_cache.put(token, hit.clone());
        let _ = self.deterministic;
        Ok(hit)
    }

    /// `Engine.text` / `_agent_miss`: free text, copied when it certainly holds no address.
    fn text<F: Fallback>(
        &mut self,
        value: &[u8],
        agent: bool,
        fb: &mut F,
    ) -> Result<Option<TextHit>, F::Err> {
        if !may_hold_address(value) {
            return Ok(None);
        }
        let cache = if agent {
            &self.agent_cache
        } else {
            &self.text_cache
        };
        if let Some(hit) = cache.get(value) {
            return Ok(Some(hit.clone()));
        }
        // The Python scanner decides every value that may hold an address.
        self.stats.values_handed_back += 1;
        let hit = fb.text(value, agent)?;
        let cache = if agent {
            &mut self.agent_cache
        } else {
            &mut self.text_cache
        };
        cache.put(value, hit.clone());
        Ok(Some(hit))
    }

    fn hand_back<F: Fallback>(
        &mut self,
        line: &[u8],
        out: &mut Vec<u8>,
        fb: &mut F,
    ) -> Result<(), F::Err> {
        self.stats.lines_handed_back += 1;
        out.extend_from_slice(&fb.line(line)?);
        Ok(())
    }

    fn scan<F: Fallback>(
        &mut self,
        value: &[u8],
        out: &mut Vec<u8>,
        fb: &mut F,
    ) -> Result<(), F::Err> {
        if may_hold_address(value) {
            self.stats.lines_handed_back += 1;
            out.extend_from_slice(&fb.scan(value)?);
        } else {
            self.stats.lines_native += 1;
            out.extend_from_slice(value);
        }
        Ok(())
    }

    /// `Engine.mask_chunk` on latin-1 bytes: complete lines, the last one may lack its newline.
    pub fn mask_chunk<F: Fallback>(
        &mut self,
        data: &[u8],
        continuation: bool,
        fb: &mut F,
    ) -> Result<Vec<u8>, F::Err> {
        if self.format == Format::Text {
            // `Engine.mask_chunk` scans a text chunk as one string (a user-agent key on one line
            // can make a version of the next): a chunk that may hold an address goes back whole.
            self.lines += memchr::memchr_iter(b'\n', data).count() as u64;
            let lines = memchr::memchr_iter(b'\n', data).count() as u64 + 1;
            return if may_hold_address(data) {
                self.stats.lines_handed_back += lines;
                fb.scan(data)
            } else {
                self.stats.lines_native += lines;
                Ok(data.to_vec())
            };
        }
        let mut out = Vec::with_capacity(data.len() + data.len() / 16);
        let mut first = true;
        let mut start = 0;
        let mut newlines = memchr::memchr_iter(b'\n', data);
        loop {
            let (line, last) = match newlines.next() {
                Some(end) => (&data[start..end], false),
                None => (&data[start..], true),
            };
            start += line.len() + 1;
            if !first {
                out.push(b'\n');
                self.lines += 1;
            }
            let is_first = first;
            first = false;
            if is_first && continuation {
                self.scan(line, &mut out, fb)?;
            } else if !line.is_empty() {
                match self.format {
                    Format::Text => self.scan(line, &mut out, fb)?,
                    Format::Access => self.access_line(line, &mut out, fb)?,
                    Format::Json => self.json_line(line, &mut out, fb)?,
                    Format::Syslog => self.hand_back(line, &mut out, fb)?,
                }
            }
            if last {
                break;
            }
        }
        Ok(out)
    }

    /// The fast loop of `Engine._make_access_lines`, line for line; other lines go back.
    fn access_line<F: Fallback>(
        &mut self,
        line: &[u8],
        out: &mut Vec<u8>,
        fb: &mut F,
    ) -> Result<(), F::Err> {
        let Some((parts, count)) = split_quotes(line) else {
            return self.hand_back(line, out, fb);
        };
        let parts = &parts[..count];
        if parts.len() < 7
            || parts[4] != b" "
            || memchr::memchr(b'\\', line).is_some()
            || !status_size_ok(parts[2])
        {
            return self.hand_back(line, out, fb);
        }
        let prefix = parts[0];
        let n = prefix.len();
        if n < 30 || &prefix[n - 30..n - 28] != b" [" || &prefix[n - 2..] != b"] " {
            return self.hand_back(line, out, fb);
        }
        let stamp = &prefix[n - 29..n - 1];
        if !stamp_ok(stamp) {
            return self.hand_back(line, out, fb);
        }
        // front = prefix[:-30].rsplit(" ", 2): head, ident, user.
        let front = &prefix[..n - 30];
        let Some(s2) = front.iter().rposition(|&b| b == b' ') else {
            return self.hand_back(line, out, fb);
        };
        let Some(s1) = front[..s2].iter().rposition(|&b| b == b' ') else {
            return self.hand_back(line, out, fb);
        };
        let (head, ident, user) = (&front[..s1], &front[s1 + 1..s2], &front[s2 + 1..]);
        if ident.is_empty() || user.is_empty() || head.contains(&b' ') || head.contains(&b',') {
            // A virtual host or X-Forwarded-For list in front of the client: Python's rules.
            return self.hand_back(line, out, fb);
        }
        let start = out.len();
        // The head: the client address alone.
        let (mut n4, mut n6, mut failed) = (0u64, 0u64, 0u64);
        if PLACEHOLDERS.contains(&head) {
            out.extend_from_slice(head);
        } else {
            let (a4, a6, bad) = self.address_into(head, out, fb)?;
            failed += u64::from(bad);
            n4 += a4;
            n6 += a6;
        }
        out.push(b' ');
        let ident_user = &front[s1 + 1..];
        if ident_user != b"- -" {
            self.put_text(ident_user, false, out, &mut n4, &mut n6, fb)?;
        } else {
            out.extend_from_slice(ident_user);
        }
        out.push(b' ');
        out.extend_from_slice(stamp);
        out.extend_from_slice(b" \"");
        self.put_text(parts[1], false, out, &mut n4, &mut n6, fb)?;
        out.push(b'"');
        out.extend_from_slice(parts[2]);
        out.push(b'"');
        if parts[3] != b"-" {
            self.put_text(parts[3], false, out, &mut n4, &mut n6, fb)?;
        } else {
            out.extend_from_slice(parts[3]);
        }
        out.extend_from_slice(b"\" \"");
        self.put_text(parts[5], true, out, &mut n4, &mut n6, fb)?;
        out.push(b'"');
        // tail = '"'.join(parts[6:]): the rest of the line after the agent's closing quote.
        let tail_start = parts[..6].iter().map(|p| p.len() + 1).sum::<usize>();
        let tail = &line[tail_start..];
        if !tail.is_empty() && tail != b" \"-\"" && may_hold_address(tail) {
            let quotes = memchr::memchr_iter(b'"', tail).count();
            if tail.len() > 3 && tail.starts_with(b" \"") && tail.ends_with(b"\"") && quotes == 2 {
                // `Engine._tail`: nginx's trailing "$http_x_forwarded_for", an address field.
                let inner = &tail[2..tail.len() - 1];
                out.extend_from_slice(b" \"");
                let mut first_token = true;
                for token in split_str(inner, b", ") {
                    if !first_token {
                        out.extend_from_slice(b", ");
                    }
                    first_token = false;
                    if PLACEHOLDERS.contains(&token) {
                        out.extend_from_slice(token);
                        continue;
                    }
                    let (a4, a6, bad) = self.address_into(token, out, fb)?;
                    if bad {
                        // Failed closed or free text, by the token's shape: Python decides.
                        out.truncate(start);
                        return self.hand_back(line, out, fb);
                    }
                    n4 += a4;
                    n6 += a6;
                }
                out.push(b'"');
            } else {
                self.put_text(tail, false, out, &mut n4, &mut n6, fb)?;
            }
        } else {
            out.extend_from_slice(tail);
        }
        self.v4 += n4;
        self.v6 += n6;
        self.failed_client += failed;
        self.stats.lines_native += 1;
        Ok(())
    }

    fn put_text<F: Fallback>(
        &mut self,
        value: &[u8],
        agent: bool,
        out: &mut Vec<u8>,
        n4: &mut u64,
        n6: &mut u64,
        fb: &mut F,
    ) -> Result<(), F::Err> {
        if !may_hold_address(value) {
            out.extend_from_slice(value);
            return Ok(());
        }
        let cache = if agent {
            &self.agent_cache
        } else {
            &self.text_cache
        };
        if let Some(hit) = cache.get(value) {
            *n4 += hit.n4;
            *n6 += hit.n6;
            out.extend_from_slice(&hit.out);
            return Ok(());
        }
        match self.text(value, agent, fb)? {
            None => out.extend_from_slice(value),
            Some(hit) => {
                *n4 += hit.n4;
                *n6 += hit.n6;
                out.extend_from_slice(&hit.out);
            }
        }
        Ok(())
    }

    /// `Engine._json_line` for lines whose free text holds no address (address fields holding
    /// one token or a list of them); other lines go back.
    fn json_line<F: Fallback>(
        &mut self,
        line: &[u8],
        out: &mut Vec<u8>,
        fb: &mut F,
    ) -> Result<(), F::Err> {
        // The matches of `("(?i:names)"\s*:\s*")((?:[^"\\\n]|\\.)*)(?=")`, left to right.
        let mut spans: Vec<(usize, usize)> = Vec::new(); // value start, value end
        let mut pos = 0;
        let mut texts_from = 0;
        let mut dirty_text = false;
        while let Some(off) = memchr::memchr(b'"', &line[pos..]) {
            let p = pos + off;
            match self.json_match(line, p) {
                JsonMatch::No => pos = p + 1,
                JsonMatch::Unsure => return self.hand_back(line, out, fb),
                JsonMatch::Value(vs, ve) => {
                    if may_hold_address(&line[texts_from..vs]) {
                        dirty_text = true;
                    }
                    spans.push((vs, ve));
                    texts_from = ve;
                    pos = ve;
                }
            }
        }
        if spans.is_empty() {
            return self.scan(line, out, fb);
        }
        // The free text of a JSON line is scanned as one string by the Python engine (its
        // version context spans pieces): any piece that may hold an address sends the line back.
        if dirty_text || may_hold_address(&line[texts_from..]) {
            return self.hand_back(line, out, fb);
        }
        let mut last = 0;
        let (mut n4, mut n6, mut failed) = (0u64, 0u64, 0u64);
        for &(vs, ve) in &spans {
            // The free text before the value (with the key): `_scan` of the joined texts,
            // which scans each piece alone (the separator joins no run and no word).
            out.extend_from_slice(&line[last..vs]);
            let v = &line[vs..ve];
            if PLACEHOLDERS.contains(&v) {
                out.extend_from_slice(v);
            } else if v.contains(&b',') || v.contains(&b' ') {
                // `address_field` of a list: `_HEAD_SPLIT` (runs of ` ,"`) cuts it into tokens,
                // each a placeholder or an address field of its own (failed closed alone).
                let is_sep = |b: &u8| matches!(b, b' ' | b',' | b'"');
                let mut i = 0;
                while i < v.len() {
                    let token_at = i + v[i..].iter().take_while(|b| is_sep(b)).count();
                    out.extend_from_slice(&v[i..token_at]);
                    let rest = &v[token_at..];
                    let token = &rest[..rest.iter().position(is_sep).unwrap_or(rest.len())];
                    if PLACEHOLDERS.contains(&token) {
                        out.extend_from_slice(token);
                    } else {
                        let (a4, a6, bad) = self.address_into(token, out, fb)?;
                        failed += u64::from(bad);
                        n4 += a4;
                        n6 += a6;
                    }
                    i = token_at + token.len();
                }
            } else {
                let (a4, a6, bad) = self.address_into(v, out, fb)?;
                failed += u64::from(bad);
                n4 += a4;
                n6 += a6;
            }
            last = ve;
        }
        out.extend_from_slice(&line[last..]);
        self.v4 += n4;
        self.v6 += n6;
        self.failed_json += failed;
        self.stats.lines_native += 1;
        Ok(())
    }

    fn json_match(&self, line: &[u8], p: usize) -> JsonMatch {
        // `"name"`
        let Some(close) = memchr::memchr(b'"', &line[p + 1..]).map(|o| p + 1 + o) else {
            return JsonMatch::No;
        };
        let name = &line[p + 1..close];
        if !self
            .json_fields
            .iter()
            .any(|f| f.eq_ignore_ascii_case(name))
        {
            return JsonMatch::No;
        }
        let mut i = close + 1;
        while i < line.len() && is_space(line[i]) {
            i += 1;
        }
        if i >= line.len() || line[i] != b':' {
            return JsonMatch::No;
        }
        i += 1;
        while i < line.len() && is_space(line[i]) {
            i += 1;
        }
        if i >= line.len() || line[i] != b'"' {
            return JsonMatch::No;
        }
        let vs = i + 1;
        match memchr::memchr2(b'"', b'\\', &line[vs..]) {
            Some(o) if line[vs + o] == b'"' => JsonMatch::Value(vs, vs + o),
            Some(_) => JsonMatch::Unsure, // an escape: the regex backtracks, Python decides
            None => JsonMatch::No,
        }
    }
}

enum JsonMatch {
    No,
    Unsure,
    Value(usize, usize),
}

fn split_str<'a>(s: &'a [u8], sep: &'a [u8]) -> impl Iterator<Item = &'a [u8]> {
    let mut rest = Some(s);
    std::iter::from_fn(move || {
        let r = rest?;
        match r.windows(sep.len()).position(|w| w == sep) {
            Some(i) => {
                rest = Some(&r[i + sep.len()..]);
                Some(&r[..i])
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert!(status_size_ok(b" 200 5 "));
        assert!(status_size_ok(b" - - "));
        assert!(!status_size_ok(b" 20 5 "));
        assert!(!status_size_ok(b" 200 5"));
        assert!(stamp_ok(b"[17/May/2015:10:05:03 +0000]"));
        assert!(!stamp_ok(b"[17/May/2015:10:05:03 +000]"));
        let v: Vec<&[u8]> = split_str(b"a, b, c", b", ").collect();
        assert_eq!(v, vec![&b"a"[..], b"b", b"c"]);
    }
}
