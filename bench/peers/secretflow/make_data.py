"""Write the vertically split benchmark data set that the SecretFlow runners read.

    python bench/peers/secretflow/make_data.py --rows 100000 --cols 40 --seed 0 --out X.npz

Runs in either virtualenv (numpy and scikit-learn only; never imports ``confide`` or
``secretflow``), so that Confide's benchmarks can write the identical file. The data, as in
``bench/boost.py``: ``make_classification(rows, cols, random_state=seed)``, split 80/20 by
``train_test_split(test_size=0.2, random_state=seed)``; party a ("alice", the label holder) gets
the first ``cols // 2`` columns and the labels, party b ("bob") the rest. Arrays in the npz:
``x_train_a``, ``x_train_b``, ``y_train``, ``x_test_a``, ``x_test_b``, ``y_test`` (features
float64, labels int64 0/1).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split


def make_split(rows: int, cols: int, seed: int) -> dict[str, np.ndarray]:
    """The six arrays of the npz (see the module docstring)."""
    if rows < 10 or cols < 2:
        raise ValueError("need at least 10 rows and 2 columns")
    x, y = make_classification(n_samples=rows, n_features=cols, random_state=seed)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=seed)
    half = cols // 2
    return {
        "x_train_a": x_train[:, :half],
        "x_train_b": x_train[:, half:],
        "y_train": y_train.astype(np.int64),
        "x_test_a": x_test[:, :half],
        "x_test_b": x_test[:, half:],
        "y_test": y_test.astype(np.int64),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="samples before the split")
    parser.add_argument("--cols", type=int, default=40, help="features (half to each party)")
    parser.add_argument("--seed", type=int, default=0, help="make_classification/split seed")
    parser.add_argument("--out", required=True, help="npz file to write")
    args = parser.parse_args()
    arrays = make_split(args.rows, args.cols, args.seed)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(out, **arrays)  # type: ignore[arg-type]
    print(f"{out}: {args.rows} x {args.cols}, seed {args.seed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
