//! The line engine with a recording stand-in for the Python engine: what it decides itself and
//! what it hands back.  (The byte-for-byte comparison with the real Python engine is in
//! `tests/ip/test_native_differential.py`.)
use gdprkit_native::engine::{AddrHit, Engine, Fallback, Format, TextHit};
use gdprkit_native::methods::{Masker, Method};

#[derive(Default)]
struct Recorder {
    calls: Vec<String>,
    fail: bool,
}

impl Fallback for Recorder {
    type Err = String;
    fn address(&mut self, t: &[u8]) -> Result<AddrHit, String> {
        self.calls
            .push(format!("address {}", String::from_utf8_lossy(t)));
        Ok(AddrHit {
            out: b"[unparsed]".to_vec(),
            n4: 0,
            n6: 0,
            failed: true,
        })
    }
    fn text(&mut self, v: &[u8], agent: bool) -> Result<TextHit, String> {
        self.calls
            .push(format!("text {agent} {}", String::from_utf8_lossy(v)));
        Ok(TextHit {
            out: b"<T>".to_vec(),
            n4: 1,
            n6: 0,
        })
    }
    fn line(&mut self, l: &[u8]) -> Result<Vec<u8>, String> {
        if self.fail {
            return Err("python failed".to_string());
        }
        self.calls
            .push(format!("line {}", String::from_utf8_lossy(l)));
        Ok(b"<L>".to_vec())
    }
    fn scan(&mut self, v: &[u8]) -> Result<Vec<u8>, String> {
        self.calls
            .push(format!("scan {}", String::from_utf8_lossy(v)));
        Ok(b"<S>".to_vec())
    }
}

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

fn engine(format: Format) -> Engine {
    Engine::new(format, Some(ga()), vec![b"remote_addr".to_vec()], 16, true)
}

const LINE: &[u8] =
    b"203.0.113.7 - - [17/May/2015:10:05:03 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"x\"";

#[test]
fn usual_access_line_is_native() {
    let mut e = engine(Format::Access);
    let mut fb = Recorder::default();
    let out = e.mask_chunk(LINE, false, &mut fb).unwrap();
    assert!(out.starts_with(b"203.0.113.0 - - [17/May/2015"));
    assert_eq!(&out[11..], &LINE[11..]);
    assert!(fb.calls.is_empty(), "{:?}", fb.calls);
    assert_eq!((e.v4, e.v6, e.stats.lines_native), (1, 0, 1));
}

#[test]
fn odd_lines_and_dirty_values_go_back() {
    let mut e = engine(Format::Access);
    let mut fb = Recorder::default();
    let mut vhost = b"vhost ".to_vec();
    vhost.extend_from_slice(LINE);
    let out = e.mask_chunk(&vhost, false, &mut fb).unwrap();
    assert_eq!(out, b"<L>");
    let dirty =
        b"::1 - - [17/May/2015:10:05:03 +0000] \"GET /?ip=1.2.3.4 HTTP/1.1\" 200 5 \"-\" \"x\"";
    let out = e.mask_chunk(dirty, false, &mut fb).unwrap();
    assert!(
        out.starts_with(b":: - - "),
        "{}",
        String::from_utf8_lossy(&out)
    );
    assert!(fb
        .calls
        .iter()
        .any(|c| c == "text false GET /?ip=1.2.3.4 HTTP/1.1"));
    assert_eq!((e.v4, e.v6), (1, 1)); // the stand-in's text counts one IPv4
}

#[test]
fn failing_forwarded_for_token_sends_the_line_back() {
    let mut e = engine(Format::Access);
    let mut fb = Recorder::default();
    let mut line = LINE.to_vec();
    line.extend_from_slice(b" \"10.0.0.1, 1.2.3.999\"");
    let out = e.mask_chunk(&line, false, &mut fb).unwrap();
    assert_eq!(out, b"<L>");
    assert_eq!(e.v4, 0, "nothing counted natively for a line handed back");
}

#[test]
fn text_chunks_go_back_whole_or_are_copied() {
    let mut e = engine(Format::Text);
    let mut fb = Recorder::default();
    assert_eq!(
        e.mask_chunk(b"no address\nhere", false, &mut fb).unwrap(),
        b"no address\nhere"
    );
    assert_eq!(
        e.mask_chunk(b"a\nfrom 10.0.0.1\nb", false, &mut fb)
            .unwrap(),
        b"<S>"
    );
    assert_eq!(fb.calls, vec!["scan a\nfrom 10.0.0.1\nb".to_string()]);
    assert_eq!(e.lines, 3);
}

#[test]
fn json_escapes_go_back_and_lists_are_split() {
    let mut e = engine(Format::Json);
    let mut fb = Recorder::default();
    let out = e
        .mask_chunk(
            b"{\"remote_addr\": \"192.0.2.1\", \"n\": 1}",
            false,
            &mut fb,
        )
        .unwrap();
    assert_eq!(out, b"{\"remote_addr\": \"192.0.2.0\", \"n\": 1}");
    let line = &b"{\"remote_addr\": \"192.0.2.1\\u002e\"}"[..];
    assert_eq!(e.mask_chunk(line, false, &mut fb).unwrap(), b"<L>");
    assert!(fb.calls.iter().all(|c| c.starts_with("line ")));
    // A forwarded-for list: each token alone (`address_field`), placeholders and separators kept.
    let line = b"{\"remote_addr\": \"192.0.2.1, - a,,unknown 198.51.100.7\"}";
    assert_eq!(
        e.mask_chunk(line, false, &mut fb).unwrap(),
        b"{\"remote_addr\": \"192.0.2.0, - [unparsed],,unknown 198.51.100.0\"}"
    );
    assert_eq!(fb.calls.last().map(String::as_str), Some("address a"));
    assert_eq!(e.failed_json, 1);
}

#[test]
fn fallback_errors_propagate() {
    let mut e = engine(Format::Syslog);
    let mut fb = Recorder {
        fail: true,
        ..Recorder::default()
    };
    assert_eq!(
        e.mask_chunk(b"Feb 21 21:54:44 host x", false, &mut fb)
            .unwrap_err(),
        "python failed"
    );
}
