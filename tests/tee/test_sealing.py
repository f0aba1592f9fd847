"""Sealed datasets: round trips, streaming, and clear errors for every kind of damage."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from confide.errors import ConfigError
from confide.tee import (
    DataKey,
    SealedFileError,
    iter_batches,
    open_sealed,
    read_header,
    read_source_frame,
    seal_file,
    seal_frame,
)
from confide.tee.sealing import MAGIC
from tests.tee.helpers import MARKER, credit_frames

FRAME = credit_frames(rows=900)[("platform", "features")]


def _seal(tmp_path: Path, name: str = "features") -> tuple[Path, DataKey]:
    path = tmp_path / f"{name}.sealed"
    return path, seal_frame(FRAME, path, dataset=name, id_column="id", chunk_rows=250)


def test_a_frame_round_trips_exactly(tmp_path: Path) -> None:
    path, key = _seal(tmp_path)
    assert (key.dataset, key.id_column, key.rows) == ("features", "id", len(FRAME))
    assert key.columns == tuple(FRAME.columns)
    assert len(list(iter_batches(path, key))) == 4  # 900 rows in chunks of 250
    pd.testing.assert_frame_equal(open_sealed(path, key), FRAME)
    only = open_sealed(path, key, ["id", "region"])
    pd.testing.assert_frame_equal(only, FRAME[["id", "region"]])
    header = read_header(path)
    assert header.dataset == "features" and header.hash == key.header_hash
    assert header.column_names == tuple(FRAME.columns)
    assert MARKER.encode() not in path.read_bytes()


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_files_are_sealed_streaming_as_their_twin_reads_them(tmp_path: Path, suffix: str) -> None:
    source = tmp_path / f"features{suffix}"
    if suffix == ".csv":
        FRAME.to_csv(source, index=False)
    else:
        FRAME.to_parquet(source, index=False)
    key = seal_file(source, tmp_path / "f.sealed", dataset="features", id_column="id")
    opened = open_sealed(tmp_path / "f.sealed", key)
    pd.testing.assert_frame_equal(opened, read_source_frame(source))
    assert len(opened) == len(FRAME)
    np.testing.assert_allclose(opened["income"], FRAME["income"].to_numpy())


def _tampered(path: Path, position: int) -> Path:
    data = bytearray(path.read_bytes())
    data[position] ^= 0x01
    out = path.with_name("tampered.sealed")
    out.write_bytes(bytes(data))
    return out


@pytest.mark.parametrize("where", [0.2, 0.5, 0.9, -1])
def test_one_altered_byte_in_the_data_is_a_clear_error(tmp_path: Path, where: float) -> None:
    path, key = _seal(tmp_path)
    size = path.stat().st_size
    position = size - 1 if where == -1 else int(where * size)
    assert position > len(read_header_bytes(path))
    with pytest.raises(SealedFileError, match=r"chunk \d+ fails authentication: the file was"):
        open_sealed(_tampered(path, position), key)


def read_header_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    size = int.from_bytes(data[len(MAGIC) : len(MAGIC) + 8], "little")
    return data[: len(MAGIC) + 8 + size]


def test_an_altered_header_is_a_clear_error(tmp_path: Path) -> None:
    path, key = _seal(tmp_path)
    header = read_header_bytes(path)
    position = header.index(b"features") + 1  # the dataset's name
    with pytest.raises(SealedFileError, match="holds dataset 'fdatures', not 'features'"):
        open_sealed(_tampered(path, position), key)
    position = header.index(b"region")  # a column name
    with pytest.raises(SealedFileError, match="header"):
        open_sealed(_tampered(path, position), key)
    with pytest.raises(SealedFileError, match="not a sealed Confide dataset"):
        open_sealed(_tampered(path, 3), key)


def test_cut_reordered_and_padded_files_are_refused(tmp_path: Path) -> None:
    path, key = _seal(tmp_path)
    data = path.read_bytes()
    short = tmp_path / "short.sealed"
    short.write_bytes(data[:-10])
    with pytest.raises(SealedFileError, match="cut short"):
        open_sealed(short, key)
    padded = tmp_path / "padded.sealed"
    padded.write_bytes(data + b"\x00")
    with pytest.raises(SealedFileError, match="bytes after its final chunk"):
        open_sealed(padded, key)
    # drop the final chunk: the last data chunk is not marked final
    offsets, position = [], len(read_header_bytes(path))
    while position < len(data):
        offsets.append(position)
        position += 8 + int.from_bytes(data[position : position + 8], "little")
    dropped = tmp_path / "dropped.sealed"
    dropped.write_bytes(data[: offsets[-1]])
    with pytest.raises(SealedFileError, match="cut short"):
        open_sealed(dropped, key)
    swapped = tmp_path / "swapped.sealed"
    first, second = data[offsets[0] : offsets[1]], data[offsets[1] : offsets[2]]
    swapped.write_bytes(data[: offsets[0]] + second + first + data[offsets[2] :])
    with pytest.raises(SealedFileError, match="chunk 0 fails authentication"):
        open_sealed(swapped, key)


def test_a_key_opens_its_own_sealing_only(tmp_path: Path) -> None:
    _, key = _seal(tmp_path)
    (tmp_path / "again").mkdir()
    other_path, other_key = _seal(tmp_path / "again")  # the same frame, sealed again
    with pytest.raises(SealedFileError, match="not the one the key was made for"):
        open_sealed(other_path, key)
    renamed, renamed_key = _seal(tmp_path, "loans")
    with pytest.raises(SealedFileError, match="holds dataset 'loans', not 'features'"):
        open_sealed(renamed, key)
    assert other_key.key != key.key != renamed_key.key


def test_the_key_file_is_private_and_never_printed(tmp_path: Path) -> None:
    _, key = _seal(tmp_path)
    target = tmp_path / "features.key"
    key.save(target)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert DataKey.load(target) == key
    assert key.key.hex() not in repr(key) and "key=" not in repr(key)
    target.write_text("{}", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot be read"):
        DataKey.load(target)


def test_what_cannot_be_sealed(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="has no id column 'key'"):
        seal_frame(FRAME, tmp_path / "x.sealed", dataset="features", id_column="key")
    holes = FRAME.copy()
    holes.loc[3, "id"] = None
    with pytest.raises(ConfigError, match="the id column has missing values"):
        seal_frame(holes, tmp_path / "x.sealed", dataset="features", id_column="id")
    assert not (tmp_path / "x.sealed").exists() and not list(tmp_path.glob("*.partial"))
    with pytest.raises(ConfigError, match="dataset name"):
        seal_frame(FRAME, tmp_path / "x.sealed", dataset="../x", id_column="id")
    (tmp_path / "f.txt").write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\.csv or \.parquet"):
        seal_file(tmp_path / "f.txt", tmp_path / "x.sealed", dataset="f", id_column="a")
