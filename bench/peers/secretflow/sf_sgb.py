"""SecretFlow SGB (vertical SecureBoost over HEU), two parties as two OS processes.

    .venv-sf/bin/python bench/peers/secretflow/sf_sgb.py --data X.npz [--json Y.json]
        [--he ou|paillier] [--key-bits 2048] [--trees 10]

Runs under ``.venv-sf`` (SecretFlow 1.14) and never imports ``confide``. Started without
``--party`` it is the driver: it starts itself once as ``alice`` (label holder and secret-key
keeper, ``x_*_a``) and once as ``bob`` (``x_*_b``, evaluates on ciphertexts), in SecretFlow's
production mode without Ray (see ``sf_cluster.py``). The data file is written by
``make_data.py``.

Model: ``secretflow.ml.boost.sgb_v.Sgb(heu).train(params, x, y)`` with the settings of
Confide's ``bench/boost.py``: 10 trees of depth 5 grown level-wise, learning rate 0.3,
``reg_lambda`` 1, ``gamma`` 0, 16 bins (``sketch_eps = 1/16``, the mapping of SecretFlow's own
``xgb_params_converter``: ``max_bin -> 1 / max_bin``), no row or column sampling, logistic
objective, ``base_score`` 0. ``first_tree_with_label_holder_feature`` is set to False (SGB's
default is True: its first tree would use alice's features only and skip the encryption), so
that every tree is grown over both parties' features as in Confide; SGB has no
``min_child_weight``. HEU: ``--he ou`` (Okamoto-Uchiyama) or ``paillier``, 2048-bit keys,
SGB's defaults for encoding (``fixed_point_parameter`` 20, batch encoding of g and h).
``--sgb-defaults`` keeps SGB's own ``sketch_eps`` (0.1, about ten bins) and its first tree on
alice's features only, the configuration of the issue's orientation figures.

Timing (at alice): ``fit_seconds`` from the moment both parties' training arrays are loaded into
their PYUs to the return of ``train`` (key generation, binning and the trees; SGB waits on each
tree); ``predict_seconds`` for ``predict(x_test)`` at alice. ``test_auc`` is computed at alice
(scikit-learn) from her labels and scores; only the number leaves her.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import secretflow as sf
from secretflow.ml.boost.sgb_v import Sgb
from sf_cluster import (
    LABEL_HOLDER,
    Ports,
    add_party_args,
    finish,
    gather_from_parties,
    init_party,
    load_vertical,
    make_heu,
    run_parties,
    run_party,
    score_auc,
    write_result,
)

MAX_BIN = 16  # as bench/boost.py
PARAMS: dict[str, Any] = {
    "max_depth": 5,
    "learning_rate": 0.3,
    "reg_lambda": 1.0,
    "gamma": 0.0,
    "sketch_eps": 1.0 / MAX_BIN,
    "objective": "logistic",
    "base_score": 0.0,
    "rowsample_by_tree": 1.0,
    "colsample_by_tree": 1.0,
    "tree_growing_method": "level",
    "first_tree_with_label_holder_feature": False,
}
# --sgb-defaults: SGB's own choices for the two settings above that differ from Confide's.
SGB_DEFAULTS: dict[str, Any] = {"sketch_eps": 0.1, "first_tree_with_label_holder_feature": True}


def party_main(args: argparse.Namespace) -> int:
    """One party's process: the same program runs at alice and at bob."""
    init_party(args.party, Ports.parse(args.ports), "sf_sgb", args)
    heu = make_heu(args.he, args.key_bits)
    data = load_vertical(args.data)
    sf.wait([*data.x_train.partitions.values(), *data.y_train.partitions.values()])

    params = {
        **PARAMS,
        **(SGB_DEFAULTS if args.sgb_defaults else {}),
        "num_boost_round": args.trees,
    }
    start, cpu_start = time.perf_counter(), time.process_time()
    model = Sgb(heu).train(params, data.x_train, data.y_train)
    fit_seconds = time.perf_counter() - start
    fit_cpu = gather_from_parties(time.process_time() - cpu_start)

    start = time.perf_counter()
    scores = model.predict(data.x_test)
    sf.wait(scores)
    predict_seconds = time.perf_counter() - start
    auc = score_auc(data.y_test, scores)
    sf.shutdown()

    if args.party == LABEL_HOLDER:
        rows, cols = data.shape
        settings = {
            "model": "secretflow.ml.boost.sgb_v.Sgb",
            "he": args.he,
            "key_bits": args.key_bits,
            **params,
            "max_bin": round(1 / params["sketch_eps"]),
            "trees_grown": len(model.get_trees()),
            "parties": 2,
            "import_fix": not args.as_shipped,
            "mode": "production, ray_mode=False, one process per party on loopback",
            "train_rows": rows,
            "features": cols,
        }
        result = {
            "system": "secretflow",
            "version": sf.__version__,
            "fit_seconds": fit_seconds,
            "fit_cpu_seconds": fit_cpu,
            "predict_seconds": predict_seconds,
            "test_auc": auc,
            "settings": settings,
        }
        write_result(args.result, result)
    return 0


def summary(result: dict[str, Any]) -> str:
    s = result["settings"]
    return (
        f"secretflow {result['version']} SGB {s['he']}-{s['key_bits']}, "
        f"{s['train_rows']}x{s['features']}, {s['trees_grown']} trees of depth {s['max_depth']}: "
        f"fit {result['fit_seconds']:.2f} s (CPU {sum(result['fit_cpu_seconds'].values()):.1f} s), "
        f"predict {result['predict_seconds']:.2f} s, "
        f"test AUC {result['test_auc']:.4f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data", required=True, help="npz written by make_data.py")
    parser.add_argument("--json", help="write the result here")
    parser.add_argument("--he", choices=["ou", "paillier"], default="ou", help="HEU schema")
    parser.add_argument("--key-bits", type=int, default=2048, help="HEU key size")
    parser.add_argument("--trees", type=int, default=10, help="boosting rounds")
    parser.add_argument(
        "--sgb-defaults",
        action="store_true",
        help="SGB's default sketch_eps (0.1) and label-holder-only first tree (see doc)",
    )
    add_party_args(parser)
    args = parser.parse_args()
    if args.party:
        run_party(party_main, args)  # exits
    if not Path(args.data).is_file():
        parser.error(f"no such data file: {args.data}")
    argv = ["--data", args.data, "--he", args.he, "--key-bits", str(args.key_bits)]
    argv += ["--trees", str(args.trees)] + (["--sgb-defaults"] if args.sgb_defaults else [])
    try:
        result = run_parties(__file__, argv, args)
    except RuntimeError as exc:
        print(f"sf_sgb: {exc} (see the parties' output above or in --log-dir)", file=sys.stderr)
        return 1
    finish(result, args.json, summary(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
