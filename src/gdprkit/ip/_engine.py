"""Which masking engine runs: the Python reference engine or the optional native one.

Private to :mod:`gdprkit.ip`.  The native engine is a second distribution, ``gdprkit-native``
(Rust, built from ``native/`` with maturin), imported as ``gdprkit_native``.  When it is installed
it is used automatically; ``engine="python"`` / ``engine="native"`` (``gdprkit ip mask
--engine``) or the environment variable ``GDPRKIT_IP_ENGINE`` force one, and forcing ``native``
where it is not installed is an error naming the install command.

The native engine is identical to the Python one by construction: it handles the lines and
values it fully implements (access-log lines of the usual shape, JSON lines, free text that
certainly holds no address, bare addresses of the truncation, Crypto-PAn, ipcrypt-pfx and
ipcrypt-deterministic methods) and hands everything else to the Python engine created beside it,
whose output it copies: every free-text value that may hold an address is scanned by the Python
scanner (:mod:`gdprkit.ip.text`).  Other methods (ipcrypt-nd/ndx, keyed tokens, redaction,
``keep_form``) are asked of the Python masker once per distinct address and cached natively.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any, Final, cast

from gdprkit.errors import InvalidInput, MissingDependency

if TYPE_CHECKING:
    from gdprkit.ip._formats import Engine
    from gdprkit.ip.masking import IPMasker

ENV_VAR: Final = "GDPRKIT_IP_ENGINE"
ENGINES: Final = ("auto", "python", "native")
INSTALL_HINT: Final = "pip install ./native (from a gdprkit source tree; needs a Rust toolchain)"
_ABI: Final = 1  # must equal gdprkit_native.ABI

_module: ModuleType | None = None
_probed = False


def native_module() -> ModuleType | None:
    """The imported ``gdprkit_native`` module, or ``None`` when it is absent or mismatched."""
    global _module, _probed  # noqa: PLW0603 - a process-wide probe, done once
    if not _probed:
        _probed = True
        try:
            found = importlib.import_module("gdprkit_native")
        except ImportError:
            _module = None
        else:
            _module = found if getattr(found, "ABI", None) == _ABI else None
    return _module


def native_version() -> str | None:
    """The installed native engine's version, or ``None``."""
    module = native_module()
    return None if module is None else str(module.__version__)


def choose(engine: str | None = None) -> str:
    """Resolve an engine request (argument, else ``GDPRKIT_IP_ENGINE``, else auto).

    Raises:
        InvalidInput: an unknown engine name.
        MissingDependency: ``native`` was asked for but is not installed.

    Example:
        >>> choose("python")
        'python'
    """
    wanted = engine if engine is not None else os.environ.get(ENV_VAR, "auto") or "auto"
    if wanted not in ENGINES:
        raise InvalidInput(f"engine must be one of {', '.join(ENGINES)}, got {wanted!r}")
    if wanted == "python":
        return "python"
    if native_module() is None:
        if wanted == "native":
            raise MissingDependency(f"the native IP engine is not installed: {INSTALL_HINT}")
        return "python"
    return "native"


def describe() -> str:
    """One phrase for ``gdprkit --version``: the engine ``auto`` picks here.

    Example:
        >>> describe().startswith("IP engine: ")
        True
    """
    try:
        chosen = choose()
    except (InvalidInput, MissingDependency) as exc:
        return f"IP engine: {exc}"
    version = native_version()
    if chosen == "native":
        return f"IP engine: native {version}"
    if version is not None:
        return f"IP engine: python (native {version} installed, not selected)"
    return "IP engine: python (native not installed)"


def _method_spec(module: ModuleType, masker: IPMasker) -> Any:
    """The native description of ``masker``'s method, or ``None`` (then Python computes it)."""
    from gdprkit.ip.cryptopan import CryptoPAnMasker  # noqa: PLC0415
    from gdprkit.ip.ipcrypt import IPCryptDeterministic, IPCryptPfx  # noqa: PLC0415
    from gdprkit.ip.truncate import TruncationMasker  # noqa: PLC0415

    if getattr(masker, "_keep_form", True):
        return None
    skip = [s.value for s in masker.skip] if hasattr(masker, "skip") else None
    if skip is None:
        return None
    if type(masker) is TruncationMasker and masker._embedded_ipv4:
        return module.MethodSpec.truncate(masker.ipv4_prefix, masker.ipv6_prefix, skip)
    sealed = getattr(masker, "_native_key", None)
    if sealed is None:
        return None
    if type(masker) is CryptoPAnMasker:
        return module.MethodSpec.cryptopan(sealed, skip, masker._embedded_ipv4)
    if type(masker) is IPCryptPfx:
        return module.MethodSpec.ipcrypt_pfx(sealed, skip)
    if type(masker) is IPCryptDeterministic:
        return module.MethodSpec.ipcrypt_deterministic(sealed, skip)
    return None


def text_prefilter() -> Callable[[str], bool] | None:
    """The native pre-filter of ``mask_text`` (``False``: no address in the text), or ``None``.

    ``None`` when the native engine is absent or ``GDPRKIT_IP_ENGINE=python``.
    """
    if os.environ.get(ENV_VAR) == "python":
        return None
    module = native_module()
    return None if module is None else cast("Callable[[str], bool]", module.may_hold_address)


def seal_key(material: bytes) -> object | None:
    """Key bytes moved into native memory (no repr, no pickling), or ``None`` without it."""
    module = native_module()
    return None if module is None else module.SealedKey(material)


class _Fallback:
    """What the native engine asks of the Python engine: its own per-value and per-line code."""

    __slots__ = ("_agent", "_engine", "_line", "_text")

    def __init__(self, engine: Engine, fmt: str) -> None:
        self._engine = engine
        self._text = engine._text_miss
        self._agent = engine._agent_miss
        mask_lines = engine._mask_lines
        self._line: Callable[[str], str]
        if fmt in ("combined", "common") and mask_lines is not None:
            # The Python engine's fast loop on one line: exactly what it does with that line.
            self._line = lambda line: mask_lines([line])[0]
        else:
            self._line = engine._mask_line

    def address(self, token: str) -> tuple[str, int, int, bool]:
        return self._engine._address(token)

    def text(self, value: str, skip_versions: bool) -> tuple[str, int, int]:
        return self._agent(value) if skip_versions else self._text(value)

    def line(self, line: str) -> str:
        return self._line(line)

    def scan(self, value: str) -> str:
        return self._engine._scan(value)


class NativeEngine:
    """The native line engine with a Python engine beside it, counting as one ``Engine``."""

    engine_name: Final = "native"

    def __init__(
        self,
        module: ModuleType,
        masker: IPMasker,
        *,
        format: str,
        fields: tuple[str, ...] | None,
        cache_size: int = 65536,
    ) -> None:
        from gdprkit.ip._formats import DEFAULT_JSON_FIELDS, Engine  # noqa: PLC0415

        self.format = format
        self._python = Engine(masker, format=format, fields=fields, cache_size=cache_size)
        self._native = module.LineEngine(
            format,
            _method_spec(module, masker),
            list(fields or DEFAULT_JSON_FIELDS),
            cache_size,
            _Fallback(self._python, format),
        )

    @property
    def lines(self) -> int:
        """Lines seen (complete lines; the caller adds a last one without a newline)."""
        return int(self._native.counts()[0])

    @property
    def v4(self) -> int:
        """IPv4 addresses masked, by both halves."""
        return int(self._native.counts()[1]) + self._python.v4

    @property
    def v6(self) -> int:
        """IPv6 addresses masked, by both halves."""
        return int(self._native.counts()[2]) + self._python.v6

    @property
    def failed(self) -> dict[str, int]:
        """Address fields failed closed, by field name."""
        _, _, _, client, json = self._native.counts()
        failed = dict(self._python.failed)
        for name, count in (("client", client), ("json", json)):
            if count:
                failed[name] = failed.get(name, 0) + int(count)
        return failed

    @property
    def stats(self) -> dict[str, int]:
        """Lines and values decided natively and handed back to the Python engine."""
        return dict(self._native.stats())

    def mask_bytes(
        self, data: bytes, *, continuation: bool = False, end: int | None = None
    ) -> bytes:
        """Mask complete latin-1 lines given as bytes (``data[:end]`` when ``end`` is given)."""
        return bytes(self._native.mask_bytes(data, continuation, end))

    def mask_chunk(self, text: str, *, continuation: bool = False) -> str:
        """``Engine.mask_chunk`` on text (latin-1 code points)."""
        return self.mask_bytes(text.encode("latin-1"), continuation=continuation).decode("latin-1")


def make_engine(
    masker: IPMasker, *, format: str, fields: tuple[str, ...] | None, engine: str | None = None
) -> Engine | NativeEngine:
    """The engine for one stream or worker: native when chosen, else the Python ``Engine``.

    Raises:
        InvalidInput: an unknown engine name.
        MissingDependency: ``native`` was asked for but is not installed.
    """
    from gdprkit.ip._formats import Engine  # noqa: PLC0415

    if choose(engine) == "native":
        module = native_module()
        if module is not None:
            return NativeEngine(module, masker, format=format, fields=fields)
    return Engine(masker, format=format, fields=fields)


def engine_name(engine: object) -> str:
    """``native`` or ``python``: which engine an object from :func:`make_engine` is."""
    return "native" if isinstance(engine, NativeEngine) else "python"


def raise_if_invalid(engine: str | None) -> None:
    """Check an engine request early (before any output is opened).

    Raises:
        InvalidInput: an unknown engine name.
        MissingDependency: ``native`` was asked for but is not installed.
    """
    choose(engine)
