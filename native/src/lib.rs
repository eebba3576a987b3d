//! gdprkit's optional native IP masking engine.
//!
//! The core modules (`addr`, `methods`, `scan`, `engine`) are plain safe Rust
//! (`#![forbid(unsafe_code)]` in each); this file is the PyO3 binding layer, compiled only with
//! the `python` feature (maturin sets it).  No panic crosses into Python: every call into the
//! core runs under `catch_unwind` and a panic becomes `gdprkit.errors.GdprkitError`.

pub mod addr;
pub mod engine;
pub mod methods;
pub mod scan;

#[cfg(feature = "python")]
// PyO3 0.22's macros expand to conversions that clippy calls useless.
#[allow(clippy::useless_conversion)]
mod binding {
    use std::panic::{catch_unwind, AssertUnwindSafe};

    use pyo3::exceptions::PyTypeError;
    use pyo3::prelude::*;
    use pyo3::types::{PyBytes, PyDict, PyString, PyTuple};

    use crate::engine::{self, AddrHit, Fallback, Format, TextHit};
    use aes::cipher::generic_array::GenericArray;
    use aes::cipher::KeyInit;

    use crate::methods::{CryptoPAn, IpcryptPfx, Masker, Method};

    /// Bumped whenever the Python adapter and this module must change together.
    const ABI: u32 = 1;

    fn gdprkit_error(py: Python<'_>, kind: &str, message: &str) -> PyErr {
        match py
            .import_bound("gdprkit.errors")
            .and_then(|m| m.getattr(kind))
        {
            Ok(cls) => PyErr::from_value_bound(
                cls.call1((message,))
                    .unwrap_or_else(|e| e.into_value(py).into_bound(py).into_any()),
            ),
            Err(e) => e,
        }
    }

    fn guarded<T>(py: Python<'_>, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
        match catch_unwind(AssertUnwindSafe(f)) {
            Ok(r) => r,
            Err(_) => Err(gdprkit_error(
                py,
                "GdprkitError",
                "native IP engine: internal error",
            )),
        }
    }

    fn no_pickle(what: &str) -> PyErr {
        PyTypeError::new_err(format!(
            "{what} objects hold key material and cannot be pickled"
        ))
    }

    /// latin-1 bytes as a Python str (one code point per byte).
    fn latin1<'py>(py: Python<'py>, data: &[u8]) -> Bound<'py, PyString> {
        match std::str::from_utf8(data) {
            Ok(s) if data.is_ascii() => PyString::new_bound(py, s),
            _ => {
                let s: String = data.iter().map(|&b| char::from(b)).collect();
                PyString::new_bound(py, &s)
            }
        }
    }

    /// A Python str back to latin-1 bytes, as `str.encode("latin-1")` (same error).
    fn to_latin1(value: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
        let s = value.downcast::<PyString>()?;
        let text = s.to_cow()?;
        if text.is_ascii() {
            return Ok(text.as_bytes().to_vec());
        }
        let encoded = s.call_method1("encode", ("latin-1",))?;
        Ok(encoded.downcast::<PyBytes>()?.as_bytes().to_vec())
    }

    /// Key material inside native memory: no repr of the bytes, no pickling, no way back out.
    #[pyclass(module = "gdprkit_native", name = "SealedKey", frozen)]
    pub struct SealedKey {
        key: Vec<u8>,
    }

    #[pymethods]
    impl SealedKey {
        #[new]
        fn new(py: Python<'_>, key: &[u8]) -> PyResult<Self> {
            if key.len() != 16 && key.len() != 32 {
                return Err(gdprkit_error(
                    py,
                    "InvalidInput",
                    "key: expected 16 or 32 bytes",
                ));
            }
            Ok(SealedKey { key: key.to_vec() })
        }
        fn __repr__(&self) -> &'static str {
            "SealedKey(...)"
        }
        fn __reduce__(&self) -> PyResult<()> {
            Err(no_pickle("SealedKey"))
        }
    }

    /// The description of a natively computed method, from which each engine builds its own.
    #[pyclass(module = "gdprkit_native", name = "MethodSpec", frozen)]
    pub struct MethodSpec {
        kind: SpecKind,
        skip: u8,
        embedded_ipv4: bool,
    }

    enum SpecKind {
        Truncate(u32, u32),
        CryptoPAn([u8; 32]),
        IpcryptPfx([u8; 32]),
        IpcryptDet([u8; 16]),
    }

    fn key_of<const N: usize>(py: Python<'_>, key: &SealedKey) -> PyResult<[u8; N]> {
        key.key
            .as_slice()
            .try_into()
            .map_err(|_| gdprkit_error(py, "InvalidInput", "key: the wrong length for this method"))
    }

    fn skip_bits(py: Python<'_>, skip: Vec<String>) -> PyResult<u8> {
        let mut bits = 0;
        for name in &skip {
            bits |= crate::addr::range::from_name(name)
                .ok_or_else(|| gdprkit_error(py, "InvalidInput", "skip: unknown special range"))?;
        }
        Ok(bits)
    }

    #[pymethods]
    impl MethodSpec {
        #[staticmethod]
        fn truncate(
            py: Python<'_>,
            ipv4_prefix: u32,
            ipv6_prefix: u32,
            skip: Vec<String>,
        ) -> PyResult<Self> {
            if ipv4_prefix > 32 || ipv6_prefix > 128 {
                return Err(gdprkit_error(py, "InvalidInput", "prefix: out of range"));
            }
            Ok(MethodSpec {
                kind: SpecKind::Truncate(ipv4_prefix, ipv6_prefix),
                skip: skip_bits(py, skip)?,
                embedded_ipv4: true,
            })
        }
        #[staticmethod]
        fn cryptopan(
            py: Python<'_>,
            key: &SealedKey,
            skip: Vec<String>,
            embedded_ipv4: bool,
        ) -> PyResult<Self> {
            Ok(MethodSpec {
                kind: SpecKind::CryptoPAn(key_of(py, key)?),
                skip: skip_bits(py, skip)?,
                embedded_ipv4,
            })
        }
        #[staticmethod]
        fn ipcrypt_pfx(py: Python<'_>, key: &SealedKey, skip: Vec<String>) -> PyResult<Self> {
            Ok(MethodSpec {
                kind: SpecKind::IpcryptPfx(key_of(py, key)?),
                skip: skip_bits(py, skip)?,
                embedded_ipv4: true,
            })
        }
        #[staticmethod]
        fn ipcrypt_deterministic(
            py: Python<'_>,
            key: &SealedKey,
            skip: Vec<String>,
        ) -> PyResult<Self> {
            Ok(MethodSpec {
                kind: SpecKind::IpcryptDet(key_of(py, key)?),
                skip: skip_bits(py, skip)?,
                embedded_ipv4: true,
            })
        }
        fn __repr__(&self) -> String {
            match self.kind {
                SpecKind::Truncate(a, b) => format!("MethodSpec(truncate {a}/{b})"),
                SpecKind::CryptoPAn(_) => "MethodSpec(cryptopan)".to_string(),
                SpecKind::IpcryptPfx(_) => "MethodSpec(ipcrypt-pfx)".to_string(),
                SpecKind::IpcryptDet(_) => "MethodSpec(ipcrypt-deterministic)".to_string(),
            }
        }
        fn __reduce__(&self) -> PyResult<()> {
            Err(no_pickle("MethodSpec"))
        }
    }

    impl MethodSpec {
        fn build(&self) -> Masker {
            let method = match &self.kind {
                SpecKind::Truncate(p4, p6) => {
                    let keep4 = if *p4 == 0 { 0 } else { u32::MAX << (32 - p4) };
                    let keep = |p: u32| if p == 0 { 0 } else { u128::MAX << (128 - p) };
                    Method::Truncate {
                        keep4,
                        keep6: keep(*p6),
                        keep_6to4: keep((*p6).min(16 + p4)),
                        keep_teredo: keep((*p6).min(96 + p4)),
                    }
                }
                SpecKind::CryptoPAn(k) => Method::CryptoPAn(Box::new(CryptoPAn::new(k))),
                SpecKind::IpcryptPfx(k) => Method::IpcryptPfx(Box::new(IpcryptPfx::new(k))),
                SpecKind::IpcryptDet(k) => {
                    Method::IpcryptDet(Box::new(aes::Aes128::new(GenericArray::from_slice(k))))
                }
            };
            Masker {
                method,
                skip: self.skip,
                embedded_ipv4: self.embedded_ipv4,
            }
        }
    }

    struct PyFallback<'py> {
        obj: Bound<'py, PyAny>,
    }

    impl Fallback for PyFallback<'_> {
        type Err = PyErr;

        fn address(&mut self, token: &[u8]) -> PyResult<AddrHit> {
            let py = self.obj.py();
            let r = self.obj.call_method1("address", (latin1(py, token),))?;
            let t = r.downcast::<PyTuple>()?;
            Ok(AddrHit {
                out: to_latin1(&t.get_item(0)?)?,
                n4: t.get_item(1)?.extract()?,
                n6: t.get_item(2)?.extract()?,
                failed: t.get_item(3)?.extract()?,
            })
        }

        fn text(&mut self, value: &[u8], skip_versions: bool) -> PyResult<TextHit> {
            let py = self.obj.py();
            let r = self
                .obj
                .call_method1("text", (latin1(py, value), skip_versions))?;
            let t = r.downcast::<PyTuple>()?;
            Ok(TextHit {
                out: to_latin1(&t.get_item(0)?)?,
                n4: t.get_item(1)?.extract()?,
                n6: t.get_item(2)?.extract()?,
            })
        }

        fn line(&mut self, line: &[u8]) -> PyResult<Vec<u8>> {
            let py = self.obj.py();
            to_latin1(&self.obj.call_method1("line", (latin1(py, line),))?)
        }

        fn scan(&mut self, value: &[u8]) -> PyResult<Vec<u8>> {
            let py = self.obj.py();
            to_latin1(&self.obj.call_method1("scan", (latin1(py, value),))?)
        }
    }

    /// One stream's native engine; asks `fallback` (the Python engine's adapter) the rest.
    #[pyclass(module = "gdprkit_native", name = "LineEngine")]
    pub struct LineEngine {
        core: engine::Engine,
        fallback: PyObject,
    }

    #[pymethods]
    impl LineEngine {
        #[new]
        #[pyo3(signature = (format, method, json_fields, cache_size, fallback))]
        fn new(
            py: Python<'_>,
            format: &str,
            method: Option<&MethodSpec>,
            json_fields: Vec<String>,
            cache_size: usize,
            fallback: PyObject,
        ) -> PyResult<Self> {
            let fmt = match format {
                "combined" | "common" => Format::Access,
                "jsonl" | "nginx-json" => Format::Json,
                "syslog" => Format::Syslog,
                "text" => Format::Text,
                _ => {
                    return Err(gdprkit_error(
                        py,
                        "InvalidInput",
                        "format: unknown log format",
                    ))
                }
            };
            let mut fields = Vec::new();
            for f in json_fields {
                if !f.is_ascii() || f.contains('"') || f.contains('\\') {
                    return Err(gdprkit_error(
                        py,
                        "InvalidInput",
                        "json_fields: the native engine takes ASCII names without quotes",
                    ));
                }
                fields.push(f.into_bytes());
            }
            let masker = method.map(MethodSpec::build);
            Ok(LineEngine {
                core: engine::Engine::new(fmt, masker, fields, cache_size, true),
                fallback,
            })
        }

        /// Mask complete latin-1 lines (the last may lack its newline); return the bytes.
        /// `end` masks `data[:end]` only (the caller's block without its partial last line).
        #[pyo3(signature = (data, continuation, end=None))]
        fn mask_bytes<'py>(
            &mut self,
            py: Python<'py>,
            data: &[u8],
            continuation: bool,
            end: Option<usize>,
        ) -> PyResult<Bound<'py, PyBytes>> {
            let data = match end {
                Some(n) if n <= data.len() => &data[..n],
                Some(_) => return Err(gdprkit_error(py, "InvalidInput", "end: beyond the data")),
                None => data,
            };
            let fb_obj = self.fallback.bind(py).clone();
            let core = &mut self.core;
            let out = guarded(py, || {
                let mut fb = PyFallback { obj: fb_obj };
                core.mask_chunk(data, continuation, &mut fb)
            })?;
            Ok(PyBytes::new_bound(py, &out))
        }

        fn clear_caches(&mut self) {
            self.core.clear_caches();
        }

        /// Counts kept natively: lines, v4, v6, failed client fields, failed JSON fields.
        fn counts(&self) -> (u64, u64, u64, u64, u64) {
            let c = &self.core;
            (c.lines, c.v4, c.v6, c.failed_client, c.failed_json)
        }

        /// What was decided natively and what went back to the Python engine.
        fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
            let s = self.core.stats;
            let d = PyDict::new_bound(py);
            d.set_item("lines_native", s.lines_native)?;
            d.set_item("lines_handed_back", s.lines_handed_back)?;
            d.set_item("values_handed_back", s.values_handed_back)?;
            d.set_item("addresses_handed_back", s.addresses_handed_back)?;
            Ok(d)
        }

        fn __reduce__(&self) -> PyResult<()> {
            Err(no_pickle("LineEngine"))
        }
    }

    /// Whether `text` may hold an address for `gdprkit.ip.text` (`False`: it certainly holds
    /// none, and `mask_text` returns it unchanged).  Non-ASCII characters are never part of an
    /// address or an escape, so the UTF-8 bytes are tested as they are.
    #[pyfunction]
    fn may_hold_address(text: &Bound<'_, PyString>) -> PyResult<bool> {
        match text.to_cow() {
            Ok(s) => Ok(crate::scan::may_hold_address(s.as_bytes())),
            Err(_) => Ok(true), // lone surrogates: not UTF-8, the Python scanner decides
        }
    }

    #[pymodule]
    fn gdprkit_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("ABI", ABI)?;
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        m.add_class::<SealedKey>()?;
        m.add_class::<MethodSpec>()?;
        m.add_class::<LineEngine>()?;
        m.add_function(wrap_pyfunction!(may_hold_address, m)?)?;
        Ok(())
    }
}
