"""Alignment: row i is the same customer at every receiver; left join; the credit data; the API."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from confide import psi
from confide.errors import ConfigError, PartyFailed, ProtocolError
from confide.psi.align import PsiResult, agreed_order, aligned_frame, aligned_rows
from confide.runtime import Context, simulate
from tests.credit_data import CREDIT_CSV as CREDIT


def align_job(ctx: Context, spec: dict[str, Any]) -> pd.DataFrame | None:
    return psi.align(ctx, spec["frame"], "id", how=spec.get("how", "inner"),
                     receivers=spec.get("receivers"), workers=spec.get("workers", 1))  # fmt: skip


def frames(parties: str, seed: int) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    out = {}
    for party in parties:
        ids = rng.choice(400, size=250, replace=False)
        out[party] = pd.DataFrame({"id": [f"c{i}" for i in ids], f"x_{party}": ids * 10})
    return out


@pytest.mark.parametrize("parties", ["ab", "abc"])
def test_row_i_is_the_same_customer_everywhere(parties: str) -> None:
    tables = frames(parties, seed=len(parties))
    out = simulate(align_job, {p: {"frame": t} for p, t in tables.items()})
    expected = set.intersection(*(set(t["id"]) for t in tables.values()))
    first = out[parties[0]]
    assert first is not None and set(first["id"]) == expected and len(first) == len(expected)
    for party, table in tables.items():
        aligned = out[party]
        assert aligned is not None
        assert list(aligned["id"]) == list(first["id"])
        assert list(aligned.index) == list(range(len(expected)))
        # each row keeps its own values
        lookup = dict(zip(table["id"], table[f"x_{party}"], strict=True))
        assert [lookup[i] for i in aligned["id"]] == list(aligned[f"x_{party}"])


def test_left_join_keeps_and_flags_the_label_holders_other_rows() -> None:
    tables = frames("ab", seed=5)
    specs = {"a": {"frame": tables["a"], "how": "left"}, "b": {"frame": tables["b"]}}
    out = simulate(align_job, specs)
    left, inner = out["a"], out["b"]
    assert left is not None and inner is not None
    n = len(inner)
    assert len(left) == len(tables["a"])
    assert list(left["id"][:n]) == list(inner["id"])
    assert left["in_intersection"].tolist() == [True] * n + [False] * (len(left) - n)
    rest = tables["a"][~tables["a"]["id"].isin(inner["id"])]
    assert list(left["id"][n:]) == list(rest["id"])  # in their original order


def test_a_non_receiver_gets_none() -> None:
    tables = frames("ab", seed=6)
    out = simulate(align_job, {p: {"frame": t, "receivers": ["b"]} for p, t in tables.items()})
    assert out["a"] is None and out["b"] is not None


def test_align_checks_its_arguments() -> None:
    def job(ctx: Context, case: str) -> object:
        frame = pd.DataFrame({"id": [1, 2]})
        if case == "column":
            return psi.align(ctx, frame, "customer")
        if case == "how":
            return psi.align(ctx, frame, "id", how="outer")  # type: ignore[arg-type]
        if case == "protocol":
            return psi.intersect(ctx, [1, 2], protocol="magic")
        return psi.align(ctx, frame.to_dict(), "id")

    for case, message in (
        ("column", "no column 'customer'"),
        ("how", "'inner' or 'left'"),
        ("protocol", "unknown PSI protocol 'magic'"),
        ("type", "DataFrame"),
    ):
        with pytest.raises(PartyFailed, match=message):
            simulate(job, {"a": case, "b": case}, timeout=5)  # fmt: skip


def test_aligned_rows_and_frames_locally() -> None:
    result = PsiResult(np.array([3, 0]), 2)
    rows, flags = aligned_rows(result, 5, how="left")
    assert rows.tolist() == [3, 0, 1, 2, 4] and flags.tolist() == [True, True, False, False, False]
    frame = pd.DataFrame({"id": list("vwxyz"), "in_intersection": 0})
    assert aligned_frame(frame, result)["id"].tolist() == ["y", "v"]
    with pytest.raises(ConfigError, match="already has a column"):
        aligned_frame(frame, result, how="left")
    with pytest.raises(ConfigError, match="did not receive"):
        aligned_rows(PsiResult(None, None), 5)
    with pytest.raises(ConfigError, match="outside a table"):
        aligned_rows(result, 3)


def test_agreed_order_sorts_by_value_and_refuses_ties() -> None:
    values = np.array([[9, 1], [0, 5], [9, 0]], dtype=np.uint8)
    assert agreed_order(np.array([10, 11, 12]), values).tolist() == [11, 12, 10]
    with pytest.raises(ProtocolError, match="share an ordering value"):
        agreed_order(np.array([1, 2]), np.array([[4, 4], [4, 4]], dtype=np.uint8))
    assert agreed_order(np.zeros(0, dtype=np.int64), np.zeros((0, 8), dtype=np.uint8)).size == 0


def test_the_public_api_is_pinned() -> None:
    assert sorted(psi.__all__) == [
        "FLAG_COLUMN", "HashedKeys", "KeyKind", "KeyOptions", "Progress", "Protocol",
        "PsiResult", "agreed_order", "align", "aligned_frame", "aligned_rows", "digest_keys",
        "disclosure", "hash_keys", "intersect",
    ]  # fmt: skip
    for parties in (2, 3):
        notes = psi.disclosure("ecdh", parties)
        assert notes and all(note.who and note.learns for note in notes)


@pytest.mark.data
@pytest.mark.skipif(not CREDIT.exists(), reason=f"the credit data is not at {CREDIT}")
def test_credit_data_bank_and_platform() -> None:
    """The README's split: each side holds a random 90% of the 30,000 customers."""
    data = pd.read_csv(CREDIT)
    rng = np.random.default_rng(2830)
    label = "default.payment.next.month"
    bank_cols = ["ID", label, *[c for c in data.columns if c.startswith(("PAY_", "BILL_"))]]
    platform_cols = ["ID", "LIMIT_BAL", "SEX", "EDUCATION", "MARRIAGE", "AGE"]
    bank = data.loc[rng.random(len(data)) < 0.9, bank_cols].reset_index(drop=True)
    platform = data.loc[rng.random(len(data)) < 0.9, platform_cols].reset_index(drop=True)

    def job(ctx: Context, frame: pd.DataFrame) -> pd.DataFrame | None:
        return psi.align(ctx, frame, "ID", how="left" if ctx.party == "bank" else "inner")

    out = simulate(job, {"bank": bank, "platform": platform}, timeout=120)
    left, right = out["bank"], out["platform"]
    assert left is not None and right is not None
    n = len(right)
    assert n == len(set(bank["ID"]) & set(platform["ID"]))
    assert left["ID"][:n].tolist() == right["ID"].tolist()
    joined = pd.concat([left[:n], right.drop(columns="ID")], axis=1)
    expected = bank.merge(platform, on="ID").set_index("ID").loc[joined["ID"]].reset_index()
    pd.testing.assert_frame_equal(joined.drop(columns="in_intersection"),
                                  expected[joined.columns.drop("in_intersection")])  # fmt: skip
    assert not left["in_intersection"][n:].any() and len(left) == len(bank)
