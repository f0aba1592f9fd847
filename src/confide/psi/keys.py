"""Join keys for private set intersection: validation, one canonical encoding, 16-byte digests.

Every PSI protocol in :mod:`confide.psi` starts here. A party's keys (strings, integers or bytes,
from a list, a generator, a numpy array or a pandas column) are read in batches, checked, encoded
canonically and hashed to 16-byte digests; nothing else about a key is kept, so the memory held is
16 + 8 bytes per key whatever the keys look like.

Canonical encoding (what two parties must agree on for equal keys to match):

- ``str``: a type byte ``s``, then UTF-8 of the string after the :class:`KeyOptions` steps in
  this order: ``strip`` (surrounding white space), ``casefold``, Unicode normalisation (NFC by
  default, so "é" typed as one code point or as "e" plus a combining accent is the same key).
- ``int`` (Python or numpy, any size): ``i`` then its signed lower-case hexadecimal digits
  (hexadecimal: Python limits decimal conversion of huge integers, not hexadecimal).
- ``bytes``: ``b`` then the bytes.

The type byte keeps ``5`` and ``"5"`` apart even when mixed keys are allowed. Keys that cannot
be meant as identifiers are refused with :class:`~confide.errors.ConfigError`: null (``None``,
NaN, ``pd.NA``, ``NaT``), empty strings, floats (is ``1.0`` the id ``1`` or ``"1.0"``?),
booleans, other types, and a mix of kinds unless ``allow_mixed``. Duplicates are refused unless
``dedupe`` (the first occurrence of each key is kept).

Error texts name rows (0-based positions in the input), never key values: when a job fails its
error text is sent to the other parties, and a key value is exactly what they must not learn.

Digest: ``BLAKE2b-128(len(domain) || domain || encoding)``. The domain (default
:data:`KEY_DOMAIN`) separates these digests from any other use of BLAKE2b; protocols hash the
digests again under their own domains. Two different keys collide with probability 2**-128 per
pair, far below the 2**-40 statistical security (:data:`~confide.params.STATISTICAL_SECURITY_BITS`)
for any set size that fits in memory.

:func:`handshake` is every protocol's first round: the parties check that they run the same
protocol, with the same receivers and the same encoding, that their key kinds can match, and they
learn each other's set sizes.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal

import numpy as np
import pandas as pd

from confide.errors import ConfigError, ProtocolError
from confide.runtime.context import Context

__all__ = [
    "DEFAULT_KEY_BATCH",
    "DIGEST_BYTES",
    "KEY_DOMAIN",
    "HashedKeys",
    "KeyKind",
    "KeyOptions",
    "Progress",
    "digest_keys",
    "handshake",
    "hash_keys",
    "participants",
]

#: Length of a key digest in bytes (128 bits: what an OPRF over GF(2^128) takes as input).
DIGEST_BYTES = 16

#: Domain of key digests; protocols add their own domains when they hash digests further.
KEY_DOMAIN = b"confide/psi/key/v1"

#: Keys read, checked and hashed per batch: bounds the Python objects held at any time.
DEFAULT_KEY_BATCH = 65_536

#: A progress callback: ``progress(stage, done, total)``, e.g. ``("hash", 65536, 1000000)``.
Progress = Callable[[str, int, int], None]

_MAX_EXAMPLES = 5


class KeyKind(str, Enum):
    """What a party's keys are; parties whose kinds differ can never match a key."""

    EMPTY = "empty"
    STR = "str"
    INT = "int"
    BYTES = "bytes"
    MIXED = "mixed"


@dataclass(frozen=True)
class KeyOptions:
    """How keys are read. ``normalize``, ``strip`` and ``casefold`` must be equal at every party
    (the handshake checks it); ``allow_mixed`` and ``dedupe`` are each party's own choice."""

    normalize: Literal["NFC", "NFKC"] | None = "NFC"
    strip: bool = False
    casefold: bool = False
    allow_mixed: bool = False
    dedupe: bool = False

    def __post_init__(self) -> None:
        if self.normalize not in ("NFC", "NFKC", None):
            raise ConfigError(f"normalize must be 'NFC', 'NFKC' or None, got {self.normalize!r}")

    def encoding(self) -> str:
        """The part of the options that decides the encoding, as a short text."""
        return f"normalize={self.normalize},strip={int(self.strip)},casefold={int(self.casefold)}"


@dataclass(frozen=True)
class HashedKeys:
    """A party's keys as digests: ``digests[i]`` is the key at position ``rows[i]`` of the input."""

    digests: np.ndarray
    rows: np.ndarray
    kind: KeyKind
    count: int
    options: KeyOptions
    domain: bytes = KEY_DOMAIN

    def __len__(self) -> int:
        return int(self.digests.shape[0])


def hash_keys(
    keys: Iterable[Any],
    options: KeyOptions | None = None,
    *,
    domain: bytes = KEY_DOMAIN,
    batch_size: int = DEFAULT_KEY_BATCH,
    progress: Progress | None = None,
) -> HashedKeys:
    """Check, encode and hash ``keys`` (any iterable, numpy array or pandas Series/Index)."""
    opts = options if options is not None else KeyOptions()
    if batch_size < 1:
        raise ConfigError(f"batch_size must be positive, got {batch_size}")
    if not isinstance(domain, bytes) or not 0 < len(domain) < 256:
        raise ConfigError("the digest domain must be 1 to 255 bytes")
    total = _length(keys)
    prefix = bytes([len(domain)]) + domain
    kinds: dict[KeyKind, int] = {}
    chunks: list[bytes] = []
    count = 0
    for batch in _batches(keys, batch_size):
        encoded, batch_kinds = _encode_batch(batch, count, opts)
        for kind, row in batch_kinds.items():
            kinds.setdefault(kind, row)
        if len(kinds) > 1 and not opts.allow_mixed:
            (first, at_first), (second, at_second) = sorted(kinds.items(), key=lambda kv: kv[1])[:2]
            raise ConfigError(
                f"keys mix kinds: {first.value} (first at row {at_first}) and {second.value} "
                f"(first at row {at_second}); convert them to one kind, or pass "
                "allow_mixed=True (then 5 and '5' are different keys)"
            )
        chunks.append(b"".join([_digest(prefix, item) for item in encoded]))
        count += len(batch)
        if progress is not None:
            progress("hash", count, total if total is not None else count)
    joined = b"".join(chunks)
    del chunks
    digests = np.frombuffer(joined, dtype=np.uint8).reshape(count, DIGEST_BYTES)
    keep = _unique_rows(digests, dedupe=opts.dedupe)
    rows = np.arange(count, dtype=np.int64)
    if keep is not None:
        digests, rows = digests[keep], rows[keep]
    if not kinds:
        kind = KeyKind.EMPTY
    elif len(kinds) == 1:
        kind = next(iter(kinds))
    else:
        kind = KeyKind.MIXED
    return HashedKeys(digests, rows, kind, count, opts, domain)


def digest_keys(
    keys: Iterable[Any], options: KeyOptions | None = None, *, domain: bytes = KEY_DOMAIN
) -> np.ndarray:
    """The ``(n, 16)`` uint8 digests of ``keys`` (row ``i`` for key ``i`` unless ``dedupe``)."""
    return hash_keys(keys, options, domain=domain).digests


def participants(
    ctx: Context, parties: Iterable[str] | None, receivers: Iterable[str] | None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The parties of a PSI run and its receivers, both in job order, checked.

    ``parties`` defaults to every party of the job (a compute helper without data can be left
    out); ``receivers`` defaults to every party of the run.
    """
    chosen = list(ctx.parties if parties is None else parties)
    wanted = list(chosen if receivers is None else receivers)
    for name, group in (("parties", chosen), ("receivers", wanted)):
        if isinstance(group, str) or len(set(group)) != len(group):
            raise ConfigError(f"PSI {name} must be distinct party names, got {group!r}")
    unknown = [p for p in chosen if p not in ctx.parties]
    if unknown:
        raise ConfigError(f"PSI parties {unknown} are not parties of the job {list(ctx.parties)}")
    if ctx.party not in chosen:
        raise ConfigError(f"{ctx.party!r} is not one of the PSI parties {chosen}")
    if len(chosen) < 2:
        raise ConfigError(f"a PSI needs at least two parties, got {chosen}")
    outsiders = [p for p in wanted if p not in chosen]
    if not wanted or outsiders:
        raise ConfigError(f"PSI receivers must be some of the PSI parties {chosen}, got {wanted}")
    in_order = tuple(p for p in ctx.parties if p in chosen)
    return in_order, tuple(p for p in in_order if p in wanted)


def handshake(
    ctx: Context,
    parties: Sequence[str],
    keys: HashedKeys,
    *,
    protocol: str,
    receivers: Sequence[str],
    settings: Mapping[str, Any] | None = None,
) -> dict[str, int]:
    """Round 0 of every PSI: check that ``parties`` agree on the run; return every set's size.

    Each party sends its protocol, party list, receivers, protocol ``settings`` (wire values that
    every party must set alike), key encoding, key kind and set size to every other party (one
    message each way per pair). Disagreement on any but the last two is a
    :class:`~confide.errors.ConfigError` naming both values; key kinds that can never match (say
    ``int`` against ``str``) are a ``ConfigError`` too. Every party learns every set's size.
    """
    mine: dict[str, Any] = {
        "protocol": protocol,
        "parties": list(parties),
        "receivers": list(receivers),
        "settings": dict(settings or {}),
        "encoding": keys.options.encoding() + ",domain=" + keys.domain.hex(),
        "kind": keys.kind.value,
        "size": len(keys),
    }
    others = [p for p in parties if p != ctx.party]
    for peer in others:
        ctx.send(peer, "hello", mine)
    sizes = {ctx.party: len(keys)}
    for peer in others:
        theirs = ctx.recv(peer, "hello")
        _check_hello(peer, theirs, mine)
        sizes[peer] = int(theirs["size"])
    return {p: sizes[p] for p in parties}


def _check_hello(peer: str, theirs: object, mine: Mapping[str, Any]) -> None:
    if not isinstance(theirs, dict) or set(theirs) != set(mine):
        raise ProtocolError(f"{peer!r} sent a PSI handshake that is not a dict of {sorted(mine)}")
    size = theirs["size"]
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ProtocolError(f"{peer!r} sent a set size that is not a non-negative integer")
    for field in ("protocol", "parties", "receivers", "settings", "encoding"):
        if theirs[field] != mine[field]:
            raise ConfigError(
                f"the parties disagree on the PSI {field}: {peer!r} has {theirs[field]!r}, "
                f"this party has {mine[field]!r}"
            )
    kinds = {str(theirs["kind"]), str(mine["kind"])}
    valid = {kind.value for kind in KeyKind}
    if not kinds <= valid:
        raise ProtocolError(f"{peer!r} sent an unknown key kind {theirs['kind']!r}")
    single = kinds - {KeyKind.EMPTY.value, KeyKind.MIXED.value}
    if len(single) > 1:
        raise ConfigError(
            f"{peer!r} has {theirs['kind']} keys and this party has {mine['kind']} keys: "
            "no key could ever match; convert one side (e.g. str(id))"
        )


def _length(keys: Iterable[Any]) -> int | None:
    try:
        return len(keys)  # type: ignore[arg-type]
    except TypeError:
        return None


def _batches(keys: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """The keys as lists of at most ``size`` Python objects, without materialising all of them."""
    if isinstance(keys, pd.Series):
        for start in range(0, len(keys), size):
            yield keys.iloc[start : start + size].tolist()
        return
    if isinstance(keys, pd.Index):
        for start in range(0, len(keys), size):
            yield keys[start : start + size].tolist()
        return
    if isinstance(keys, np.ndarray):
        if keys.ndim != 1:
            raise ConfigError(f"keys must be one-dimensional, got an array of shape {keys.shape}")
        for start in range(0, keys.shape[0], size):
            yield keys[start : start + size].tolist()
        return
    if isinstance(keys, (str, bytes)):
        raise ConfigError("keys must be a collection of keys, not a single str or bytes")
    iterator = iter(keys)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _encode_batch(
    batch: list[Any], start: int, options: KeyOptions
) -> tuple[list[bytes], dict[KeyKind, int]]:
    """Canonical encodings of one batch, and the first row of each kind found in it."""
    types = set(map(type, batch))
    if types == {str}:
        return [_encode_str(key, start + i, options) for i, key in enumerate(batch)], {
            KeyKind.STR: start
        }
    if types == {int}:
        return [b"i%x" % key for key in batch], {KeyKind.INT: start}
    for i, key in enumerate(batch):  # nulls first: they are why a column is float or object
        if key is None or key is pd.NA or key is pd.NaT or (isinstance(key, float) and key != key):
            raise ConfigError(
                f"the key at row {start + i} is null; drop or fill missing keys first"
            )
    encoded: list[bytes] = []
    kinds: dict[KeyKind, int] = {}
    for i, key in enumerate(batch):
        kind, data = _encode_one(key, start + i, options)
        kinds.setdefault(kind, start + i)
        encoded.append(data)
    return encoded, kinds


def _encode_one(key: Any, row: int, options: KeyOptions) -> tuple[KeyKind, bytes]:
    if isinstance(key, str):
        return KeyKind.STR, _encode_str(key, row, options)
    if isinstance(key, (bool, np.bool_)):
        raise ConfigError(f"the key at row {row} is a boolean, which cannot identify a record")
    if isinstance(key, (int, np.integer)):
        return KeyKind.INT, b"i%x" % int(key)
    if isinstance(key, (bytes, bytearray, memoryview)):
        return KeyKind.BYTES, b"b" + bytes(key)
    if key is None or key is pd.NA or key is pd.NaT:
        raise ConfigError(f"the key at row {row} is null; drop or fill missing keys first")
    if isinstance(key, (float, np.floating)):
        if math.isnan(key):
            raise ConfigError(
                f"the key at row {row} is null (NaN); drop or fill missing keys first"
            )
        raise ConfigError(
            f"the key at row {row} is a float; convert float ids to int or str first "
            "(is 1.0 the id 1 or '1.0'?)"
        )
    raise ConfigError(
        f"the key at row {row} has type {type(key).__name__}; keys must be str, int or bytes"
    )


def _encode_str(key: str, row: int, options: KeyOptions) -> bytes:
    text = key.strip() if options.strip else key
    if options.casefold:
        text = text.casefold()
    if options.normalize is not None and not unicodedata.is_normalized(options.normalize, text):
        text = unicodedata.normalize(options.normalize, text)
    if not text:
        raise ConfigError(f"the key at row {row} is an empty string")
    try:
        return b"s" + text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ConfigError(f"the key at row {row} is not valid Unicode ({exc.reason})") from exc


def _digest(prefix: bytes, encoded: bytes) -> bytes:
    return hashlib.blake2b(prefix + encoded, digest_size=DIGEST_BYTES).digest()


def _unique_rows(digests: np.ndarray, *, dedupe: bool) -> np.ndarray | None:
    """``None`` if every digest is unique; else the rows to keep (``dedupe``) or an error."""
    if digests.shape[0] < 2:
        return None
    view = digests.view(f"S{DIGEST_BYTES}").ravel()
    ordered = np.sort(view)
    if not np.any(ordered[1:] == ordered[:-1]):
        return None
    order = np.argsort(view, kind="stable")
    ordered = view[order]
    repeat = np.flatnonzero(ordered[1:] == ordered[:-1]) + 1
    if dedupe:
        keep = np.ones(digests.shape[0], dtype=bool)
        keep[order[repeat]] = False
        return keep
    is_repeat = np.zeros(len(order), dtype=bool)
    is_repeat[repeat] = True
    starts = repeat[~is_repeat[repeat - 1]]  # first repeat of each run; its run starts one before
    examples = []
    for start in starts[:_MAX_EXAMPLES].tolist():
        stop = start
        while stop < len(order) and is_repeat[stop]:
            stop += 1
        group = np.sort(order[start - 1 : stop])[:4]
        examples.append("rows " + ", ".join(str(int(r)) for r in group))
    raise ConfigError(
        f"{repeat.size} keys repeat an earlier key ({starts.size} distinct keys appear more than "
        f"once), e.g. {'; '.join(examples)}. Pass dedupe=True to keep the first of each "
        "(key values are not shown: error texts reach the other parties)"
    )
