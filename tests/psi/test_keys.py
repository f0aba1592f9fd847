"""Join keys: canonical encoding, refusals with rows (never values), dedupe, bounded memory."""

from __future__ import annotations

import tracemalloc
import unicodedata
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from confide.errors import ConfigError, PartyFailed
from confide.psi.keys import (
    DIGEST_BYTES,
    HashedKeys,
    KeyKind,
    KeyOptions,
    digest_keys,
    handshake,
    hash_keys,
    participants,
)
from confide.runtime import Context, simulate


def same(a: object, b: object, options: KeyOptions | None = None) -> bool:
    return bool(np.array_equal(digest_keys([a], options), digest_keys([b], options)))


def test_digests_are_16_bytes_per_key_in_input_order() -> None:
    keys = ["a", "b", "c"]
    hashed = hash_keys(keys)
    assert hashed.digests.shape == (3, DIGEST_BYTES) and hashed.digests.dtype == np.uint8
    np.testing.assert_array_equal(hashed.rows, [0, 1, 2])
    assert hashed.kind is KeyKind.STR and hashed.count == 3 and len(hashed) == 3
    np.testing.assert_array_equal(hashed.digests[1], digest_keys(["b"])[0])


def test_integers_of_every_form_encode_alike() -> None:
    assert same(7, np.int64(7)) and same(7, np.uint8(7)) and same(-3, np.int32(-3))
    assert not same(7, 8)
    big = 10**5000 + 1  # past the int-to-decimal limit of Python
    assert same(big, big) and not same(big, big + 1)
    series = pd.Series([1, 2, 3], dtype="int64")
    np.testing.assert_array_equal(digest_keys(series), digest_keys([1, 2, 3]))
    np.testing.assert_array_equal(digest_keys(np.array([1, 2, 3])), digest_keys([1, 2, 3]))
    np.testing.assert_array_equal(digest_keys(pd.Index([1, 2, 3])), digest_keys([1, 2, 3]))
    np.testing.assert_array_equal(
        digest_keys(pd.Series([1, 2, 3], dtype="Int64")), digest_keys([1, 2, 3])
    )


def test_strings_are_unicode_normalised_and_optionally_stripped_and_casefolded() -> None:
    composed = "Jos\u00e9"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed and same(composed, decomposed)
    assert not same(composed, decomposed, KeyOptions(normalize=None))
    assert not same(" ab ", "ab") and same(" ab ", "ab", KeyOptions(strip=True))
    assert not same("Stra\u00dfe", "STRASSE")
    assert same("Stra\u00dfe", "STRASSE", KeyOptions(casefold=True))
    assert same("\U0001f600 \u05e9\u05dc\u05d5\u05dd", "\U0001f600 \u05e9\u05dc\u05d5\u05dd")
    strings = pd.Series(["x", "y"], dtype="string")
    np.testing.assert_array_equal(digest_keys(strings), digest_keys(["x", "y"]))
    np.testing.assert_array_equal(digest_keys(np.array(["x", "y"])), digest_keys(["x", "y"]))


def test_types_stay_apart_when_mixing_is_allowed() -> None:
    mixed = KeyOptions(allow_mixed=True)
    hashed = hash_keys([5, "5", b"5"], mixed)
    assert hashed.kind is KeyKind.MIXED
    assert len({row.tobytes() for row in hashed.digests}) == 3


def test_mixed_kinds_are_refused_naming_rows() -> None:
    with pytest.raises(ConfigError, match=r"int \(first at row 0\) and str \(first at row 2\)"):
        hash_keys([1, 2, "3"])
    with pytest.raises(ConfigError, match="mix kinds"):  # across batches too
        hash_keys(["a", "b", 3], batch_size=2)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (None, "row 1 is null"),
        (float("nan"), "row 1 is null"),
        (np.float64("nan"), "null"),
        (pd.NA, "row 1 is null"),
        (pd.NaT, "row 1 is null"),
        ("", "row 1 is an empty string"),
        (True, "row 1 is a boolean"),
        (np.bool_(False), "boolean"),
        (1.5, "row 1 is a float"),
        (2.0, "float"),
        ((1, 2), "row 1 has type tuple"),
        ("\ud800", "not valid Unicode"),
    ],
)
def test_keys_that_cannot_be_identifiers_are_refused(bad: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        hash_keys(["ok", bad, "fine"], KeyOptions(allow_mixed=True))


def test_null_floats_from_a_pandas_column_are_refused() -> None:
    with pytest.raises(ConfigError, match="row 2 is null"):
        hash_keys(pd.Series([1.0, 2.0, None]))


def test_malformed_collections_are_refused() -> None:
    with pytest.raises(ConfigError, match="one-dimensional"):
        hash_keys(np.zeros((2, 2), dtype=np.int64))
    with pytest.raises(ConfigError, match="not a single str"):
        hash_keys("abc")
    with pytest.raises(ConfigError):
        KeyOptions(normalize="NFD")  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        hash_keys(["a"], batch_size=0)


def test_duplicates_are_refused_naming_rows_not_values() -> None:
    keys = ["alice@bank.example", "bob", "alice@bank.example", "carol", "bob", "bob"]
    with pytest.raises(ConfigError) as info:
        hash_keys(keys)
    text = str(info.value)
    assert "rows 0, 2" in text and "rows 1, 4, 5" in text and "dedupe=True" in text
    assert "alice" not in text and "bob" not in text


def test_dedupe_keeps_the_first_of_each_key() -> None:
    keys = [3, 1, 3, 2, 1, 3]
    hashed = hash_keys(keys, KeyOptions(dedupe=True))
    np.testing.assert_array_equal(hashed.rows, [0, 1, 3])
    assert hashed.count == 6
    np.testing.assert_array_equal(hashed.digests, digest_keys([3, 1, 2]))


def test_normalisation_makes_duplicates_too() -> None:
    with pytest.raises(ConfigError, match="rows 0, 1"):
        hash_keys(["Jos\u00e9", unicodedata.normalize("NFD", "Jos\u00e9")])


def test_batches_and_generators_give_the_same_digests() -> None:
    keys = [f"id-{i}" for i in range(1000)]
    whole = hash_keys(keys)
    streamed = hash_keys((k for k in keys), batch_size=7)
    np.testing.assert_array_equal(whole.digests, streamed.digests)
    seen: list[tuple[str, int, int]] = []
    hash_keys(keys, batch_size=300, progress=lambda *event: seen.append(event))
    assert seen == [("hash", 300, 1000), ("hash", 600, 1000), ("hash", 900, 1000),
                    ("hash", 1000, 1000)]  # fmt: skip


def test_the_domain_separates_digests() -> None:
    a = digest_keys(["x"])
    b = digest_keys(["x"], domain=b"another/use")
    assert not np.array_equal(a, b)
    with pytest.raises(ConfigError):
        digest_keys(["x"], domain=b"")


def test_empty_input() -> None:
    hashed = hash_keys([])
    assert hashed.digests.shape == (0, DIGEST_BYTES) and hashed.kind is KeyKind.EMPTY


def test_memory_held_is_a_few_dozen_bytes_per_key_not_the_keys() -> None:
    """Keys streamed from a generator are never all held: 200,000 keys as Python strings would
    take over 60 bytes each; hashing them in batches of 1,000 holds well under that."""
    count = 200_000

    def keys() -> Iterator[str]:
        for i in range(count):
            yield f"customer-{i:012d}"

    tracemalloc.start()
    try:
        hashed = hash_keys(keys(), batch_size=1000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(hashed) == count
    assert peak / count < 50, f"{peak / count:.1f} bytes per key"


def run_handshake(ctx: Context, spec: tuple[list[object], dict[str, object]]) -> dict[str, int]:
    keys, settings = spec
    options = KeyOptions(casefold=bool(settings.pop("casefold", False)))
    receivers = settings.pop("receivers", ctx.parties)
    hashed: HashedKeys = hash_keys(keys, options)
    return handshake(ctx, ctx.parties, hashed, protocol="test", receivers=receivers,  # type: ignore[arg-type]
                     settings=settings)  # fmt: skip


def test_the_handshake_exchanges_sizes() -> None:
    sizes = simulate(run_handshake, {"a": (["x", "y"], {}), "b": (["z"], {}), "c": ([], {})})
    assert sizes["a"] == sizes["b"] == {"a": 2, "b": 1, "c": 0}


@pytest.mark.parametrize(
    ("a", "b", "message"),
    [
        ((["x"], {}), ([1], {}), "'b' has int keys and this party has str keys"),
        ((["x"], {"casefold": True}), (["y"], {}), "disagree on the PSI encoding"),
        ((["x"], {"receivers": ["a"]}), (["y"], {}), "disagree on the PSI receivers"),
        ((["x"], {"reveal": True}), (["y"], {"reveal": False}), "disagree on the PSI settings"),
    ],
)
def test_the_handshake_refuses_disagreement(
    a: tuple[list[object], dict[str, object]], b: tuple[list[object], dict[str, object]],
    message: str,
) -> None:  # fmt: skip
    with pytest.raises(PartyFailed) as info:
        simulate(run_handshake, {"a": a, "b": b}, timeout=10)
    assert message in info.value.errors["a"]
    assert "ConfigError" in info.value.errors["a"]


def test_participants_are_checked() -> None:
    def check(ctx: Context, case: str) -> object:
        if case == "default":
            return participants(ctx, None, None)
        if case == "subset":
            return participants(ctx, ["c", "a"], ["c"]) if ctx.party != "b" else None
        if case == "outsider":
            return participants(ctx, ["a", "b"], ["c"])
        return participants(ctx, ["a", "zed"], None)

    out = simulate(check, {"a": "default", "b": "default", "c": "default"})
    assert out["a"] == (("a", "b", "c"), ("a", "b", "c"))
    out = simulate(check, {"a": "subset", "b": "subset", "c": "subset"})
    assert out["a"] == (("a", "c"), ("c",))
    for case, message in (("outsider", "receivers must be some"), ("unknown", "not parties")):
        with pytest.raises(PartyFailed, match=message):
            simulate(check, {"a": case, "b": case, "c": case})
