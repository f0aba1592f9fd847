"""Share structure rules that need no engine: the shapes of reshapes follow numpy."""

from __future__ import annotations

import numpy as np
import pytest

from confide.errors import ConfigError
from confide.mpc.share import _reshaped


@pytest.mark.parametrize(
    ("shape", "dims"),
    [
        ((6,), (2, 3)),
        ((2, 3), (-1,)),
        ((2, 3), (3, -1)),
        ((), (1, 1)),
        ((), (-1,)),
        ((0, 4), (-1, 2)),
        ((0, 4), (4, 0)),
        ((4, 1), (2, 2, 1)),
    ],
)
def test_reshaped_shapes_are_numpys(shape: tuple[int, ...], dims: tuple[int, ...]) -> None:
    assert _reshaped(shape, dims) == np.zeros(shape).reshape(dims).shape


@pytest.mark.parametrize(
    ("shape", "dims"),
    [((6,), (4,)), ((6,), (-1, -1)), ((6,), (4, -1)), ((0, 4), (0, -1)), ((6,), (-2, -3))],
)
def test_impossible_reshapes_are_config_errors(
    shape: tuple[int, ...], dims: tuple[int, ...]
) -> None:
    with pytest.raises(ConfigError, match="cannot reshape"):
        _reshaped(shape, dims)
