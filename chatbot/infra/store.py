"""A data-only store for a tree of dataclasses: loading it can never run code.

``save`` writes one ``.npz`` file: every numpy array found anywhere in the tree as its own ``.npy``
member, and the rest of the tree as JSON (``__data__``), with a manifest (``__meta__``) holding the
caller's stamps, each array's dtype and shape, and a digest of every member. ``load`` reads the file
with ``allow_pickle=False`` and rebuilds the tree from the dataclasses' own type hints, checking every
value against its declared type, and every array against the manifest and its digest. Any mismatch is
a ``StoreError``: the caller rebuilds, never serves.

Nothing here knows about the knowledge base: a field added to a stored dataclass (an array, a string,
a list of dataclasses) is saved and loaded without new code, as long as its type hint is one of
str, int, float, bool, None, numpy.ndarray, X | None, list[X], tuple[X, ...], frozenset[X],
dict[K, V] or a dataclass made of those.

Writes are atomic (a temporary file in the same folder, then a rename), and the temporary file is
removed on any failure, a full disk included.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from chatbot.infra.digest import blake2b

FORMAT = 1
MAX_STORE_BYTES = 4 * 1024 ** 3
META, DATA = "__meta__", "__data__"
_ARRAY_KINDS = "biuf"  # numbers only: no object, string or structured arrays
T = TypeVar("T")


class StoreError(Exception):
    """The stored file is missing, foreign, corrupt or does not match the types it must hold."""


def _digest(data: bytes | memoryview) -> str:
    return str(blake2b(typing.cast(bytes, data)).hexdigest())  # a buffer is fine


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


# -- encoding ------------------------------------------------------------------------------------
def _encode(value: Any, hint: Any, where: str, arrays: dict[str, np.ndarray]) -> Any:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is np.ndarray:
        if not isinstance(value, np.ndarray) or value.dtype.kind not in _ARRAY_KINDS:
            raise StoreError(f"{where}: not a numeric array")
        name = where if where not in arrays else f"{where}#{len(arrays)}"  # the items of a list share a path
        arrays[name] = value
        return name
    if origin in (types.UnionType, typing.Union):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _encode(value, inner, where, arrays)
    if dataclasses.is_dataclass(hint):
        hints = _hints(hint)  # type: ignore[arg-type]
        return {f.name: _encode(getattr(value, f.name), hints[f.name], f"{where}.{f.name}", arrays)
                for f in dataclasses.fields(hint)}
    if origin in (list, tuple, frozenset, set):
        items = sorted(value) if origin in (frozenset, set) else list(value)
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            return [_encode(v, a, f"{where}[{i}]", arrays) for i, (v, a) in enumerate(zip(items, args, strict=True))]
        return [_encode(v, args[0], f"{where}[]", arrays) for v in items]
    if origin is dict:
        k_hint, v_hint = args
        if k_hint is str:
            return {k: _encode(v, v_hint, f"{where}{{}}", arrays) for k, v in value.items()}
        return [[_encode(k, k_hint, f"{where}{{k}}", arrays), _encode(v, v_hint, f"{where}{{}}", arrays)]
                for k, v in value.items()]
    if hint in (str, int, float, bool) or hint is type(None):
        if hint is float and type(value) is int:
            value = float(value)
        if type(value) is not hint and not (hint is type(None) and value is None):
            raise StoreError(f"{where}: expected {hint.__name__}, got {type(value).__name__}")
        return value
    raise StoreError(f"{where}: cannot store a value of type {hint!r}")


# -- decoding ------------------------------------------------------------------------------------
_PRIMITIVE_OK: dict[Any, frozenset[type]] = {
    str: frozenset({str}), int: frozenset({int}), float: frozenset({float, int}), bool: frozenset({bool}),
    type(None): frozenset({type(None)}),
}


def _allowed(hint: Any) -> frozenset[type] | None:
    """The exact types a JSON value of a primitive ``hint`` may have (None if not primitive)."""
    if typing.get_origin(hint) in (types.UnionType, typing.Union):
        parts = [_allowed(a) for a in typing.get_args(hint)]
        return None if any(p is None for p in parts) else frozenset().union(*parts)  # type: ignore[arg-type]
    return _PRIMITIVE_OK.get(hint)


def _all_of(values: Any, allowed: frozenset[type]) -> bool:
    return set(map(type, values)) <= allowed  # one pass in C: large lists and tables load fast


def _decode(data: Any, hint: Any, where: str, arrays: dict[str, np.ndarray], used: set[str]) -> Any:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is np.ndarray:
        if not isinstance(data, str) or data not in arrays or data in used:
            raise StoreError(f"{where}: array missing or referenced twice")
        used.add(data)
        return arrays[data]
    if origin in (types.UnionType, typing.Union):
        if data is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _decode(data, inner, where, arrays, used)
    if dataclasses.is_dataclass(hint):
        names = [f.name for f in dataclasses.fields(hint)]
        if not isinstance(data, dict) or set(data) != set(names):
            raise StoreError(f"{where}: fields do not match {hint.__name__}")  # type: ignore[union-attr]
        hints = _hints(hint)  # type: ignore[arg-type]
        values = {n: _decode(data[n], hints[n], f"{where}.{n}", arrays, used) for n in names}
        try:
            return typing.cast(Any, hint)(**values)
        except (TypeError, ValueError) as exc:
            raise StoreError(f"{where}: {exc}") from None
    if origin in (list, tuple, frozenset, set):
        if not isinstance(data, list):
            raise StoreError(f"{where}: expected a list")
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            if len(data) != len(args):
                raise StoreError(f"{where}: expected {len(args)} items")
            return tuple(_decode(v, a, f"{where}[{i}]", arrays, used) for i, (v, a) in enumerate(zip(data, args, strict=True)))
        item = args[0]
        allowed = _allowed(item)
        if allowed is not None:  # the common, large case (texts, words): one pass, no recursion
            if not _all_of(data, allowed):
                raise StoreError(f"{where}: an item is not {item!r}")
            items = [float(v) for v in data] if item is float else data
        else:
            items = [_decode(v, item, f"{where}[]", arrays, used) for v in data]
        return origin(items) if origin is not list else items
    if origin is dict:
        k_hint, v_hint = args
        if k_hint is str:
            if not isinstance(data, dict):
                raise StoreError(f"{where}: expected a table")
            allowed = _allowed(v_hint)
            if allowed is not None:
                if not _all_of(data.values(), allowed):
                    raise StoreError(f"{where}: a value is not {v_hint!r}")
                return data
            return {k: _decode(v, v_hint, f"{where}{{}}", arrays, used) for k, v in data.items()}
        if not isinstance(data, list) or not all(isinstance(p, list) and len(p) == 2 for p in data):
            raise StoreError(f"{where}: expected key-value pairs")
        out = {_decode(k, k_hint, f"{where}{{k}}", arrays, used): _decode(v, v_hint, f"{where}{{}}", arrays, used)
               for k, v in data}
        if len(out) != len(data):
            raise StoreError(f"{where}: repeated keys")
        return out
    allowed = _allowed(hint)
    if allowed is not None:
        if type(data) not in allowed:
            raise StoreError(f"{where}: expected {hint!r}")
        return float(data) if hint is float else data
    raise StoreError(f"{where}: cannot load a value of type {hint!r}")


# -- files ---------------------------------------------------------------------------------------
def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")


def save(path: Path, obj: Any, stamps: dict[str, str], compress: bool = False) -> None:
    """Write ``obj`` (a dataclass instance) to ``path`` atomically; ``stamps`` are checked by ``load``.
    ``compress``: deflate the members (shipped data; loading reads either)."""
    arrays: dict[str, np.ndarray] = {}
    data = _json_bytes(_encode(obj, type(obj), "", arrays))
    members = {name: np.ascontiguousarray(a) for name, a in arrays.items()}
    meta = {
        "format": FORMAT, "type": type(obj).__qualname__, "stamps": stamps, "data": _digest(data),
        "arrays": {name: [a.dtype.str, list(a.shape), _digest(a.data)] for name, a in members.items()},
    }
    members[META] = np.frombuffer(_json_bytes(meta), dtype=np.uint8)
    members[DATA] = np.frombuffer(data, dtype=np.uint8)
    from chatbot.infra.safefile import atomic_write, remove_stale_temporaries

    remove_stale_temporaries(path.parent)
    write = np.savez_compressed if compress else np.savez
    atomic_write(path, lambda fh: write(fh, **members))  # type: ignore[arg-type]


def load(path: Path, cls: type[T], stamps: dict[str, str], sha256: str | None = None) -> T:
    """The ``cls`` instance stored at ``path``, if its stamps equal ``stamps`` and all checks pass.
    ``sha256``: the whole file's, as a fitted file's card records it (shipped data); the bytes checked
    are the bytes loaded."""
    import io

    from chatbot.infra.safefile import UnsafeFile, open_regular

    try:
        fh: Any = open_regular(path, MAX_STORE_BYTES)
        if sha256 is not None:
            import hashlib

            with fh:
                raw = fh.read()
            if hashlib.sha256(raw).hexdigest() != sha256:
                raise StoreError("failed its checksum")
            fh = io.BytesIO(raw)
    except FileNotFoundError:
        raise StoreError("not stored") from None
    except (OSError, UnsafeFile) as exc:
        raise StoreError(f"unreadable: {exc}") from None
    try:
        with fh, np.load(fh, allow_pickle=False) as npz:
            members = {name.removesuffix(".npy"): npz[name] for name in npz.files}
    except Exception as exc:  # a foreign or damaged file: zip, npy header, pickled object arrays
        raise StoreError(f"unreadable: {type(exc).__name__}") from None
    try:
        meta = json.loads(_bytes(members.pop(META)))
        data = _bytes(members.pop(DATA))
    except (KeyError, ValueError) as exc:
        raise StoreError(f"no manifest: {exc}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or meta.get("type") != cls.__qualname__:
        raise StoreError("another format")
    if meta.get("stamps") != stamps:
        raise StoreError("stale")
    if meta.get("data") != _digest(data):
        raise StoreError("data digest differs")
    declared = meta.get("arrays")
    if not isinstance(declared, dict) or set(declared) != set(members):
        raise StoreError("arrays differ from the manifest")
    for name, a in members.items():
        entry = declared[name]
        if (not isinstance(entry, list) or len(entry) != 3 or a.dtype.kind not in _ARRAY_KINDS
                or [a.dtype.str, list(a.shape)] != entry[:2] or _digest(np.ascontiguousarray(a).data) != entry[2]):
            raise StoreError(f"array {name} differs from the manifest")
    try:
        tree = json.loads(data)
    except ValueError:
        raise StoreError("data is not JSON") from None
    used: set[str] = set()
    obj = _decode(tree, cls, "", members, used)
    if used != set(members):
        raise StoreError("unreferenced arrays")
    return typing.cast(T, obj)


def _bytes(a: np.ndarray) -> bytes:
    if a.dtype != np.uint8 or a.ndim != 1:
        raise ValueError("not a byte string")
    return a.tobytes()
