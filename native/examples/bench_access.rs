//! Times the native access-log path alone (no Python): `cargo run --release --example
//! bench_access -- FILE`.  The fallback copies values unchanged; for profiling only.
use gdprkit_native::engine::{AddrHit, Engine, Fallback, Format, TextHit};
use gdprkit_native::methods::{Masker, Method};

struct Copy;
impl Fallback for Copy {
    type Err = ();
    fn address(&mut self, t: &[u8]) -> Result<AddrHit, ()> {
        Ok(AddrHit {
            out: t.to_vec(),
            n4: 0,
            n6: 0,
            failed: true,
        })
    }
    fn text(&mut self, v: &[u8], _: bool) -> Result<TextHit, ()> {
        Ok(TextHit {
            out: v.to_vec(),
            n4: 0,
            n6: 0,
        })
    }
    fn line(&mut self, l: &[u8]) -> Result<Vec<u8>, ()> {
        Ok(l.to_vec())
    }
    fn scan(&mut self, v: &[u8]) -> Result<Vec<u8>, ()> {
        Ok(v.to_vec())
    }
}

fn main() {
    let path = std::env::args().nth(1).expect("FILE");
    let fmt = match std::env::args().nth(2).as_deref() {
        Some("text") => Format::Text,
        Some("json") => Format::Json,
        _ => Format::Access,
    };
    let data = std::fs::read(path).expect("read");
    for _ in 0..3 {
        let masker = Masker {
            method: Method::Truncate {
                keep4: 0xFFFF_FF00,
                keep6: !0u128 << 80,
                keep_6to4: !0u128 << 88,
                keep_teredo: !0u128 << 8,
            },
            skip: 0,
            embedded_ipv4: true,
        };
        let mut e = Engine::new(
            fmt,
            Some(masker),
            vec![b"remote_addr".to_vec()],
            65536,
            true,
        );
        let t = std::time::Instant::now();
        let mut total = 0;
        for chunk in data.chunks(1 << 20) {
            total += e.mask_chunk(chunk, false, &mut Copy).unwrap().len();
        }
        println!("{:?} {} bytes {:?}", t.elapsed(), total, e.stats);
    }
}
