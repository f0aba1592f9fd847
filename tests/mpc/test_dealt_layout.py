"""Where a dealt batch lies in a party's stream: regions, padding, and shares that add up."""

from __future__ import annotations

from typing import Any

import numpy as np

from confide.crypto.prg import PRG, new_seed
from confide.mpc.correlations import AndTriple, BeaverTriple, Correlation, RandomBits
from confide.mpc.dealt_layout import BatchLayout, layout_of
from confide.runtime import Context
from tests.mpc.helpers import DEALER, data_parties, engine, run

#: Odd bit counts (the bit region is padded), 0-d and broadcast shapes, kinds interleaved.
REQUESTS: list[Correlation] = [
    RandomBits((5,)),
    BeaverTriple((), ()),
    AndTriple((3,), (3,)),
    RandomBits((2, 3)),
    BeaverTriple((2, 1), (3,)),
]


def test_regions_are_consecutive_stretches_of_the_stream() -> None:
    seed = new_seed()
    layout = BatchLayout(REQUESTS)
    drawn = layout.draw(PRG(seed), determined=True)
    words = 1 + 1 + 3 + 3 + 2 + 3  # free words: (a, b) of each triple, in request order
    bit_bytes = 16  # 5 + 6 bits, one byte each, padded to whole words
    determined = 5 + 1 + 3 + 6 + 6  # in request order
    raw = np.frombuffer(PRG(seed).bytes(8 * words + bit_bytes + 8 * determined), np.uint8)
    np.testing.assert_array_equal(drawn.words, raw[: 8 * words].view("<u8"))
    np.testing.assert_array_equal(drawn.bits, raw[8 * words : 8 * words + bit_bytes])
    np.testing.assert_array_equal(drawn.determined, raw[8 * words + bit_bytes :].view("<u8"))
    a, b = layout.free(drawn, 4)
    np.testing.assert_array_equal(a.ravel(), drawn.words[2 + 6 : 2 + 6 + 2])
    np.testing.assert_array_equal(b.ravel(), drawn.words[2 + 6 + 2 : 2 + 6 + 5])
    (bits,) = layout.free(drawn, 3)
    np.testing.assert_array_equal(bits.ravel(), raw[8 * words + 5 : 8 * words + 11] & 1)
    assert [x.shape for x in layout.free(drawn, 1) + layout.determined(drawn, 1)] == [(), (), ()]
    assert layout.determined(drawn, 4)[0].shape == (2, 3)
    np.testing.assert_array_equal(layout.determined(drawn, 2)[0], drawn.determined[6:9])
    assert layout.determined_shapes == ((5,), (), (3,), (2, 3), (2, 3))


def test_the_last_party_draws_no_determined_region() -> None:
    layout = BatchLayout(REQUESTS)
    assert layout.draw(PRG(new_seed()), determined=False).determined.size == 0


def test_layouts_are_shared_for_equal_batches() -> None:
    assert layout_of(REQUESTS) is layout_of(list(REQUESTS))
    assert layout_of(REQUESTS) is not layout_of(REQUESTS[:2])


def deal_job(ctx: Context, _: None) -> list[tuple[np.ndarray, ...]]:
    mpc = engine(ctx)
    assert mpc.provider is not None
    return mpc.provider.deal(REQUESTS)


def test_dealt_shares_add_up() -> None:
    results: dict[str, Any] = run(deal_job, 2)
    assert results[DEALER] == [() for _ in REQUESTS]
    views = [results[p] for p in data_parties(2)]
    for k, request in enumerate(REQUESTS):
        components = request.free + request.determined
        values = []
        for j, component in enumerate(components):
            first, second = (view[k][j] for view in views)
            boolean = component.kind.value == "boolean"
            values.append(first ^ second if boolean else first + second)
        expected = request.compute(values[: len(request.free)])
        for got, want in zip(values[len(request.free) :], expected, strict=True):
            np.testing.assert_array_equal(got, want)
