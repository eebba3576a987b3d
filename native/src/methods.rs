//! The masking methods computed natively, and the bare-address fast path of `_CachingMasker`.
//!
//! `apply_bare` mirrors `_CachingMasker._fast_path` exactly and answers `None` for everything
//! it does not handle (ports, zones, brackets, anything that does not parse): the caller then
//! asks the Python masker, so a form handled here can never be handled differently there.
#![forbid(unsafe_code)]

use aes::cipher::generic_array::GenericArray;
use aes::cipher::{BlockEncrypt, KeyInit};
use aes::Aes128;

use crate::addr::{self, MAPPED_HIGH};

/// Crypto-PAn (Xu, Fan, Ammar, Moon 2002): output bit i is input bit i XOR the top bit of
/// `AES_K(first i input bits || pad bits i..128)`, with `pad = AES_K(key[16..32])`.
pub struct CryptoPAn {
    cipher: Aes128,
    pad: u128,
    /// Flip bits of the first 16 positions of an IPv4 address by its first 16 bits
    /// (they depend on the first 15 bits only): 0 = not computed yet.  64 KiB x 4 bytes.
    v4_head: Vec<u32>,
}

impl CryptoPAn {
    pub fn new(key: &[u8; 32]) -> Self {
        let cipher = Aes128::new(GenericArray::from_slice(&key[..16]));
        let mut block = *GenericArray::from_slice(&key[16..]);
        cipher.encrypt_block(&mut block);
        let pad = u128::from_be_bytes(block.into());
        CryptoPAn {
            cipher,
            pad,
            v4_head: Vec::new(),
        }
    }

    /// Flip bits for positions `from..to` of a `width`-bit value (bit 0 = most significant).
    fn flips(&self, value: u128, width: u32, from: u32, to: u32) -> u128 {
        let top = value << (128 - width);
        let n = (to - from) as usize;
        let mut blocks = [GenericArray::default(); 128];
        for (k, block) in blocks.iter_mut().enumerate().take(n) {
            let i = from + k as u32;
            let mask: u128 = if i == 0 { 0 } else { !0u128 << (128 - i) };
            *block = GenericArray::from((top & mask | self.pad & !mask).to_be_bytes());
        }
        self.cipher.encrypt_blocks(&mut blocks[..n]);
        let mut flips: u128 = 0;
        for (k, block) in blocks.iter().enumerate().take(n) {
            let bit = u128::from(block[0] >> 7);
            flips |= bit << (width - 1 - (from + k as u32));
        }
        flips
    }

    pub fn v4(&mut self, value: u32) -> u32 {
        if self.v4_head.is_empty() {
            self.v4_head = vec![0; 1 << 16];
        }
        let idx = (value >> 16) as usize;
        let mut head = self.v4_head[idx];
        if head == 0 {
            // Bit 16 set marks the entry as computed.
            head = (self.flips(u128::from(value), 32, 0, 16) >> 16) as u32 | 0x1_0000;
            self.v4_head[idx] = head;
        }
        let low = self.flips(u128::from(value), 32, 16, 32) as u32;
        value ^ (((head & 0xFFFF) << 16) | low)
    }

    pub fn v6(&self, value: u128) -> u128 {
        value ^ self.flips(value, 128, 0, 128)
    }
}

/// ipcrypt-pfx (draft-denis-ipcrypt): bit n of the 16-byte form is flipped by the last bit of
/// `AES_K1(P) XOR AES_K2(P)`, `P = (1 << n) | (value >> (128 - n))`; IPv4 from bit 96 on.
pub struct IpcryptPfx {
    k1: Aes128,
    k2: Aes128,
}

impl IpcryptPfx {
    pub fn new(key: &[u8; 32]) -> Self {
        IpcryptPfx {
            k1: Aes128::new(GenericArray::from_slice(&key[..16])),
            k2: Aes128::new(GenericArray::from_slice(&key[16..])),
        }
    }

    pub fn encrypt(&self, value: u128, start: u32) -> u128 {
        let n = (128 - start) as usize;
        let mut a = [GenericArray::default(); 128];
        for (k, block) in a.iter_mut().enumerate().take(n) {
            let pos = start + k as u32;
            let prefix = value.checked_shr(128 - pos).unwrap_or(0);
            *block = GenericArray::from(((1u128 << pos) | prefix).to_be_bytes());
        }
        let mut b = a;
        self.k1.encrypt_blocks(&mut a[..n]);
        self.k2.encrypt_blocks(&mut b[..n]);
        let mut flips: u128 = 0;
        for k in 0..n {
            let bit = u128::from((a[k][15] ^ b[k][15]) & 1);
            flips |= bit << (127 - (start + k as u32));
        }
        value ^ flips
    }
}

pub enum Method {
    /// `TruncationMasker`: the kept-bit masks, 6to4 and Teredo capped (see truncate.py).
    Truncate {
        keep4: u32,
        keep6: u128,
        keep_6to4: u128,
        keep_teredo: u128,
    },
    CryptoPAn(Box<CryptoPAn>),
    /// `IPCryptPfx`.
    IpcryptPfx(Box<IpcryptPfx>),
    /// `IPCryptDeterministic`: AES-128 of the 16-byte form.
    IpcryptDet(Box<Aes128>),
}

pub struct Masker {
    pub method: Method,
    /// `SpecialRange` bits left unchanged (`skip=`).
    pub skip: u8,
    pub embedded_ipv4: bool,
}

impl Masker {
    fn mask4(&mut self, v: u32) -> u32 {
        match &mut self.method {
            Method::Truncate { keep4, .. } => v & *keep4,
            Method::CryptoPAn(cp) => cp.v4(v),
            // Never reached: ipcrypt takes `apply_ipcrypt`.
            Method::IpcryptPfx(_) | Method::IpcryptDet(_) => v,
        }
    }

    fn mask6(&mut self, v: u128) -> u128 {
        match &mut self.method {
            Method::Truncate {
                keep6,
                keep_6to4,
                keep_teredo,
                ..
            } => {
                if v >> 112 == 0x2002 {
                    v & *keep_6to4
                } else if v >> 96 == 0x2001_0000 {
                    v & *keep_teredo
                } else {
                    v & *keep6
                }
            }
            Method::CryptoPAn(cp) => cp.v6(v),
            Method::IpcryptPfx(_) | Method::IpcryptDet(_) => v,
        }
    }

    /// Whether computing `token` costs less than a cache look-up (no Crypto-PAn IPv6).
    pub fn is_cheap_for(&self, token: &[u8]) -> bool {
        match self.method {
            Method::Truncate { .. } => true,
            Method::CryptoPAn(_) | Method::IpcryptPfx(_) => !token.contains(&b':'),
            Method::IpcryptDet(_) => true,
        }
    }

    fn skipped(&self, kind: u8) -> bool {
        self.skip != 0 && kind != 0 && self.skip & kind != 0
    }

    /// `_fast_path`: mask a bare address; `None` when the token is not one (Python decides).
    /// Returns the output and the textual family (4 or 6) that `_family` gives the token.
    pub fn apply_bare(&mut self, token: &[u8], out: &mut Vec<u8>) -> Option<u8> {
        if matches!(self.method, Method::IpcryptPfx(_) | Method::IpcryptDet(_)) {
            return self.apply_ipcrypt(token, out);
        }
        if !token.contains(&b':') {
            let v4 = addr::parse_v4(token)?;
            if self.skipped(addr::range_v4(v4)) {
                out.extend_from_slice(token);
            } else {
                let m = self.mask4(v4);
                addr::format_v4(m, out);
            }
            return Some(4);
        }
        if token[0] == b'[' || token.contains(&b'%') {
            return None;
        }
        let parsed = addr::parse_v6(token)?;
        let value = parsed.value;
        let high = value >> 32;
        if self.embedded_ipv4 && (high == MAPPED_HIGH || (high == 0 && parsed.dotted)) {
            let v4 = (value & 0xFFFF_FFFF) as u32;
            if self.skipped(addr::range_v4(v4)) {
                out.extend_from_slice(token);
            } else {
                let m = self.mask4(v4);
                addr::format_v6((high << 32) | u128::from(m), true, out);
            }
            return Some(6);
        }
        if self.skipped(addr::range_v6(value)) {
            out.extend_from_slice(token);
        } else {
            let m = self.mask6(value);
            addr::format_v6(m, m >> 32 == MAPPED_HIGH, out);
        }
        Some(6)
    }
}

impl Masker {
    /// `_KeyedIPCrypt.apply` on a bare address: `_to16`, the skip check of the general path
    /// (`_special_range_of(parsed, embedded_ipv4=True)`), `_mask_parsed` and `_emit`.
    fn apply_ipcrypt(&mut self, token: &[u8], out: &mut Vec<u8>) -> Option<u8> {
        let (value, v4_text, kind) = if !token.contains(&b':') {
            let v4 = addr::parse_v4(token)?;
            (
                (MAPPED_HIGH << 32) | u128::from(v4),
                true,
                addr::range_v4(v4),
            )
        } else {
            if token[0] == b'[' || token.contains(&b'%') {
                return None;
            }
            let p = addr::parse_v6(token)?;
            let high = p.value >> 32;
            let carries = high == MAPPED_HIGH || (high == 0 && p.dotted);
            let kind = if carries {
                addr::range_v4((p.value & 0xFFFF_FFFF) as u32)
            } else {
                addr::range_v6(p.value)
            };
            (p.value, false, kind)
        };
        if self.skipped(kind) {
            out.extend_from_slice(token);
            return Some(if v4_text { 4 } else { 6 });
        }
        let masked = match &self.method {
            Method::IpcryptPfx(pfx) => {
                pfx.encrypt(value, if value >> 32 == MAPPED_HIGH { 96 } else { 0 })
            }
            Method::IpcryptDet(aes) => {
                let mut block = GenericArray::from(value.to_be_bytes());
                aes.encrypt_block(&mut block);
                u128::from_be_bytes(block.into())
            }
            _ => return None,
        };
        if v4_text && masked >> 32 == MAPPED_HIGH {
            addr::format_v4((masked & 0xFFFF_FFFF) as u32, out);
        } else {
            addr::format_v6(masked, masked >> 32 == MAPPED_HIGH, out);
        }
        Some(if v4_text { 4 } else { 6 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> [u8; 32] {
        let hex = "1522178d33a4cf80130a5b1649907d10d8988f837979652762574c2d2a842202";
        let mut k = [0u8; 32];
        for (i, b) in k.iter_mut().enumerate() {
            *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
        }
        k
    }

    #[test]
    fn cryptopan_reference_sample() {
        // Crypto-PAn 1.0 sample trace (tests/ip/vectors/cryptopan_vectors.tsv, first rows).
        let mut cp = CryptoPAn::new(&key());
        for (a, b) in [
            ("128.11.68.132", "135.242.180.132"),
            ("129.118.74.4", "134.136.186.123"),
            ("130.132.252.244", "133.68.164.234"),
            ("141.223.7.43", "141.167.8.160"),
        ] {
            let v = addr::parse_v4(a.as_bytes()).unwrap();
            let mut out = Vec::new();
            addr::format_v4(cp.v4(v), &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), b);
        }
    }
}
