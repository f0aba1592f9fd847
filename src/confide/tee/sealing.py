"""Sealed datasets: a table encrypted under a fresh key, in chunks, bound to its name and schema.

A data provider seals a dataset once (``confide tee seal``); the sealed file can sit anywhere,
the enclave host included, and only an enclave that its node releases the key to can read it
(:mod:`confide.tee.release`). The key stays with the provider in a key file (:class:`DataKey`).

File layout (integers little-endian)::

    MAGIC               16 bytes, b"confide-sealed" 0x00 0x01 (format 1)
    header length       u64
    header              a wire frame: {"format": 1, "sealing": 16 random bytes, "dataset": name,
                        "id_column": name, "columns": [[name, Arrow type], ...],
                        "schema": the Arrow IPC schema}
    chunk*              length (u64), then AES-256-GCM ciphertext and tag

Chunk ``i`` is encrypted with nonce ``0x00000000 || u64(i)`` and associated data
``CHUNK_CONTEXT || SHA-256(HEADER_CONTEXT || header) || u64(i) || final``: each chunk is bound
to this sealing (its random id), to the dataset name and schema in the header, to its place and
to whether it is the last one, so a changed byte, a swapped, dropped or repeated chunk, a header
of another dataset, or a file cut short is refused with a
:class:`~confide.tee.errors.SealedFileError` that says which. Data chunks hold an Arrow IPC
stream of one record batch each; the final chunk holds ``{"rows": n, "chunks": k}``. The key is
fresh for every file (``os.urandom`` inside ``AESGCM.generate_key``), so the counter nonces never
repeat under one key.

Sealing and opening both stream, one chunk at a time: a file larger than memory can be sealed
(from CSV or Parquet, read in record batches), and :func:`iter_batches` yields the batches of a
sealed file one by one. The plaintext twin of a job reads the source file with
:func:`read_source_frame`, which goes through the same Arrow reading, so both see the same table.

Who learns what (:data:`DISCLOSURE`): whoever holds the sealed file learns the dataset's name,
its id column, its column names and types, the number of chunks (about rows / chunk size) and
the file size; only the holder of the key learns any value.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.csv as pa_csv  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from confide.errors import ConfigError, DecodeError
from confide.net.wire import decode, encode
from confide.policy.job import check_column_name, check_dataset_name
from confide.runtime.disclosure import Disclosure
from confide.tee.errors import SealedFileError

__all__ = [
    "DEFAULT_CHUNK_ROWS",
    "DISCLOSURE",
    "MAGIC",
    "DataKey",
    "SealedHeader",
    "iter_batches",
    "open_sealed",
    "read_header",
    "read_source_frame",
    "seal_file",
    "seal_frame",
]

MAGIC = b"confide-sealed\x00\x01"
HEADER_CONTEXT = b"confide-sealed-header-v1\x00"
CHUNK_CONTEXT = b"confide-sealed-chunk-v1\x00"
KEY_FILE_FORMAT = "confide-tee-data-key-v1"

#: Rows per chunk by default: 64 Ki rows, a few MB for a credit table.
DEFAULT_CHUNK_ROWS = 65_536
#: Largest header and chunk accepted when reading (a length beyond is a damaged file).
MAX_HEADER_BYTES = 16 << 20
MAX_CHUNK_BYTES = 1 << 31
#: Bytes of CSV read per record batch when sealing a CSV file.
_CSV_BLOCK_BYTES = 16 << 20

_U64 = struct.Struct("<Q")

DISCLOSURE = (
    Disclosure(
        "whoever holds a sealed file (the enclave host)",
        "the dataset's name, id column, column names and types, the number of chunks and the "
        "file size",
        "the header is authenticated, not encrypted; no value leaves AES-256-GCM",
    ),
)


@dataclass(frozen=True)
class SealedHeader:
    """The clear header of a sealed file: which dataset, which columns, its hash."""

    dataset: str
    id_column: str
    columns: tuple[tuple[str, str], ...]
    schema: pa.Schema
    hash: str

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)


@dataclass(frozen=True)
class DataKey:
    """The key of one sealed file, with what it opens; kept by the data provider only."""

    dataset: str
    header_hash: str
    id_column: str
    columns: tuple[str, ...]
    rows: int
    key: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.key, bytes) or len(self.key) != 32:
            raise ConfigError("a data key is 32 bytes (AES-256)")

    def __repr__(self) -> str:  # never print the key
        return f"DataKey(dataset={self.dataset!r}, header_hash={self.header_hash[:16]}...)"

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the key file (JSON, readable by its owner only)."""
        data = {
            "format": KEY_FILE_FORMAT,
            "dataset": self.dataset,
            "header_hash": self.header_hash,
            "id_column": self.id_column,
            "columns": list(self.columns),
            "rows": self.rows,
            "key": base64.b64encode(self.key).decode("ascii"),
        }
        target = Path(path)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=2)
            out.write("\n")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> DataKey:
        """Read a key file written by :meth:`save`; :class:`ConfigError` naming it if bad."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            if data.get("format") != KEY_FILE_FORMAT:
                raise ValueError("not a Confide data key file")
            return cls(
                dataset=str(data["dataset"]),
                header_hash=str(data["header_hash"]),
                id_column=str(data["id_column"]),
                columns=tuple(str(c) for c in data["columns"]),
                rows=int(data["rows"]),
                key=base64.b64decode(data["key"], validate=True),
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ConfigError(f"data key file {path} cannot be read: {exc}") from None


# -- sealing -----------------------------------------------------------------------------------


def _header_bytes(dataset: str, id_column: str, schema: pa.Schema) -> bytes:
    check_dataset_name(dataset, "sealed dataset")
    check_column_name(id_column, f"dataset {dataset!r} id column")
    if id_column not in schema.names:
        raise ConfigError(f"dataset {dataset!r} has no id column {id_column!r}")
    if len(set(schema.names)) != len(schema.names):
        raise ConfigError(f"dataset {dataset!r} has two columns of the same name")
    for name in schema.names:
        check_column_name(name, f"dataset {dataset!r}")
    header = {
        "format": 1,
        "sealing": os.urandom(16),
        "dataset": dataset,
        "id_column": id_column,
        "columns": [[field.name, str(field.type)] for field in schema],
        "schema": schema.serialize().to_pybytes(),
    }
    return bytes(encode(header))


def _chunk_aad(header_hash: bytes, index: int, final: bool) -> bytes:
    return CHUNK_CONTEXT + header_hash + _U64.pack(index) + (b"\x01" if final else b"\x00")


def _nonce(index: int) -> bytes:
    return bytes(4) + _U64.pack(index)


def _batch_bytes(batch: pa.RecordBatch) -> bytes:
    """One record batch as an Arrow IPC stream (schema, dictionaries, batch)."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    data: bytes = sink.getvalue().to_pybytes()
    return data


def _read_batch(plain: bytes, schema: pa.Schema, name: str, index: int) -> pa.RecordBatch:
    """The record batch of chunk ``index``, which must have the header's schema."""
    try:
        with pa.ipc.open_stream(pa.py_buffer(plain)) as reader:
            batches = list(reader)
    except pa.ArrowException:
        raise SealedFileError(f"sealed file {name}: chunk {index} is malformed") from None
    if len(batches) != 1 or batches[0].schema != schema:
        raise SealedFileError(f"sealed file {name}: chunk {index} does not match the header")
    batch: pa.RecordBatch = batches[0]
    return batch


def _seal_batches(
    schema: pa.Schema,
    batches: Iterator[pa.RecordBatch],
    destination: Path,
    *,
    dataset: str,
    id_column: str,
) -> DataKey:
    header = _header_bytes(dataset, id_column, schema)
    header_hash = hashlib.sha256(HEADER_CONTEXT + header).digest()
    key = AESGCM.generate_key(bit_length=256)
    aead = AESGCM(key)
    partial = destination.with_name(destination.name + ".partial")
    rows = 0
    index = 0
    try:
        with partial.open("wb") as out:
            out.write(MAGIC + _U64.pack(len(header)) + header)
            for batch in batches:
                if batch.schema != schema:
                    raise ConfigError(f"dataset {dataset!r}: a block of rows has another schema")
                if batch.column(id_column).null_count:
                    raise ConfigError(f"dataset {dataset!r}: the id column has missing values")
                if not batch.num_rows:
                    continue
                plain = _batch_bytes(batch)
                sealed = aead.encrypt(_nonce(index), plain, _chunk_aad(header_hash, index, False))
                out.write(_U64.pack(len(sealed)) + sealed)
                rows += batch.num_rows
                index += 1
            trailer = bytes(encode({"rows": rows, "chunks": index}))
            sealed = aead.encrypt(_nonce(index), trailer, _chunk_aad(header_hash, index, True))
            out.write(_U64.pack(len(sealed)) + sealed)
        partial.replace(destination)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return DataKey(dataset, header_hash.hex(), id_column, tuple(schema.names), rows, key)


def seal_frame(
    frame: pd.DataFrame,
    destination: str | os.PathLike[str],
    *,
    dataset: str,
    id_column: str,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> DataKey:
    """Seal ``frame`` (its index is dropped) to ``destination``; return its fresh key."""
    if chunk_rows < 1:
        raise ConfigError(f"chunk_rows must be at least 1, got {chunk_rows}")
    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowException, ValueError, TypeError) as exc:
        raise ConfigError(f"dataset {dataset!r} cannot be written as Arrow: {exc}") from None
    batches = iter(table.to_batches(max_chunksize=chunk_rows))
    return _seal_batches(
        table.schema, batches, Path(destination), dataset=dataset, id_column=id_column
    )


def _source_batches(source: Path, chunk_rows: int) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    name = source.name.lower()
    if name.endswith((".parquet", ".pq")):
        parquet = pq.ParquetFile(source)
        return parquet.schema_arrow, parquet.iter_batches(batch_size=chunk_rows)
    if name.endswith((".csv", ".csv.gz")):
        reader = pa_csv.open_csv(
            source, read_options=pa_csv.ReadOptions(block_size=_CSV_BLOCK_BYTES)
        )
        return reader.schema, iter(reader)
    raise ConfigError(f"{source.name}: a dataset to seal must be a .csv or .parquet file")


def seal_file(
    source: str | os.PathLike[str],
    destination: str | os.PathLike[str],
    *,
    dataset: str,
    id_column: str,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> DataKey:
    """Seal the CSV or Parquet file ``source`` to ``destination``, streaming; return its key.

    Column types are Arrow's reading of the file (:func:`read_source_frame` reads it alike).
    """
    path = Path(source)
    if not path.is_file():
        raise ConfigError(f"no dataset file at {path}")
    try:
        schema, batches = _source_batches(path, chunk_rows)
        return _seal_batches(
            schema, batches, Path(destination), dataset=dataset, id_column=id_column
        )
    except (pa.ArrowException, OSError) as exc:
        raise ConfigError(f"{path.name} cannot be read: {type(exc).__name__}") from exc


def read_source_frame(source: str | os.PathLike[str]) -> pd.DataFrame:
    """The table of a CSV or Parquet file as :func:`seal_file` reads it (the plaintext twin's
    input)."""
    path = Path(source)
    try:
        schema, batches = _source_batches(path, DEFAULT_CHUNK_ROWS)
        frame: pd.DataFrame = pa.Table.from_batches(list(batches), schema=schema).to_pandas()
    except (pa.ArrowException, OSError) as exc:
        raise ConfigError(f"{path.name} cannot be read: {type(exc).__name__}") from exc
    return frame


# -- opening -----------------------------------------------------------------------------------


def _read_exact(stream: IO[bytes], size: int, name: str, what: str) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise SealedFileError(f"sealed file {name} ends inside {what}: it was cut short")
    return data


def _parse_header(stream: IO[bytes], name: str) -> tuple[SealedHeader, bytes]:
    if stream.read(len(MAGIC)) != MAGIC:
        raise SealedFileError(f"{name} is not a sealed Confide dataset (or not format 1)")
    (size,) = _U64.unpack(_read_exact(stream, 8, name, "the header length"))
    if size > MAX_HEADER_BYTES:
        raise SealedFileError(f"sealed file {name}: the header length is damaged")
    raw = _read_exact(stream, size, name, "the header")
    try:
        header = decode(raw)
        if not isinstance(header, dict) or header.get("format") != 1:
            raise DecodeError("not a format-1 header")
        dataset = check_dataset_name(header["dataset"], "sealed header")
        id_column = check_column_name(header["id_column"], "sealed header")
        schema = pa.ipc.read_schema(pa.py_buffer(header["schema"]))
        columns = tuple((str(n), str(t)) for n, t in header["columns"])
    except (DecodeError, ConfigError, KeyError, TypeError, ValueError, pa.ArrowException):
        raise SealedFileError(f"sealed file {name}: the header is damaged") from None
    if tuple(schema.names) != tuple(n for n, _ in columns):
        raise SealedFileError(f"sealed file {name}: the header is damaged")
    digest = hashlib.sha256(HEADER_CONTEXT + raw).digest()
    return SealedHeader(dataset, id_column, columns, schema, digest.hex()), digest


def read_header(path: str | os.PathLike[str]) -> SealedHeader:
    """The clear header of the sealed file at ``path`` (no key needed; nothing verified yet)."""
    file = Path(path)
    try:
        with file.open("rb") as stream:
            return _parse_header(stream, file.name)[0]
    except OSError as exc:
        raise SealedFileError(f"sealed file {file} cannot be read: {exc.strerror}") from exc


def iter_batches(path: str | os.PathLike[str], key: DataKey) -> Iterator[pa.RecordBatch]:
    """The record batches of a sealed file, decrypted and checked one chunk at a time.

    Raises :class:`SealedFileError` when the file is not the one ``key`` was made for, a chunk
    fails authentication (a changed byte, a wrong key), chunks are missing or repeated, or
    bytes follow the final chunk. Batches already yielded were authentic.
    """
    file = Path(path)
    name = file.name
    try:
        stream = file.open("rb")
    except OSError as exc:
        raise SealedFileError(f"sealed file {file} cannot be read: {exc.strerror}") from exc
    with stream:
        header, digest = _parse_header(stream, name)
        if header.dataset != key.dataset:
            raise SealedFileError(
                f"sealed file {name} holds dataset {header.dataset!r}, not {key.dataset!r}"
            )
        if header.hash != key.header_hash:
            raise SealedFileError(
                f"sealed file {name}: its header is not the one the key was made for "
                "(another sealing of the dataset, or an altered header)"
            )
        aead = AESGCM(key.key)
        rows = 0
        index = 0
        while True:
            (size,) = _U64.unpack(_read_exact(stream, 8, name, f"the length of chunk {index}"))
            if size > MAX_CHUNK_BYTES:
                raise SealedFileError(f"sealed file {name}: the length of chunk {index} is damaged")
            sealed = _read_exact(stream, size, name, f"chunk {index}")
            plain, final = _open_chunk(aead, sealed, digest, index, name)
            if final:
                _check_trailer(plain, rows, index, name)
                if stream.read(1):
                    raise SealedFileError(f"sealed file {name} has bytes after its final chunk")
                return
            batch = _read_batch(plain, header.schema, name, index)
            rows += batch.num_rows
            index += 1
            yield batch


def _open_chunk(
    aead: AESGCM, sealed: bytes, digest: bytes, index: int, name: str
) -> tuple[bytes, bool]:
    """The plaintext of chunk ``index`` and whether it is the final one."""
    nonce = _nonce(index)
    try:
        return aead.decrypt(nonce, sealed, _chunk_aad(digest, index, False)), False
    except InvalidTag:
        pass
    try:
        return aead.decrypt(nonce, sealed, _chunk_aad(digest, index, True)), True
    except InvalidTag:
        raise SealedFileError(
            f"sealed file {name}: chunk {index} fails authentication: the file was altered, "
            "chunks were moved, or the key is not this file's"
        ) from None


def _check_trailer(plain: bytes, rows: int, chunks: int, name: str) -> None:
    try:
        trailer = decode(plain)
    except DecodeError:
        raise SealedFileError(f"sealed file {name}: the final chunk is malformed") from None
    if trailer != {"rows": rows, "chunks": chunks}:
        raise SealedFileError(f"sealed file {name}: the final chunk does not match the chunks read")


def open_sealed(
    path: str | os.PathLike[str], key: DataKey, columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """The table of a sealed file (``columns`` only, if given), checked as :func:`iter_batches`."""
    header = read_header(path)
    batches = list(iter_batches(path, key))
    table = pa.Table.from_batches(batches, schema=header.schema)
    if columns is not None:
        missing = [c for c in columns if c not in header.column_names]
        if missing:
            raise ConfigError(f"dataset {key.dataset!r} has no columns {missing}")
        table = table.select(list(columns))
    frame: pd.DataFrame = table.to_pandas()
    return frame
