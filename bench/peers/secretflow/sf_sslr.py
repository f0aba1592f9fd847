"""SecretFlow SS-LR (``SSRegression`` on a semi2k SPU), two parties as two OS processes.

    .venv-sf/bin/python bench/peers/secretflow/sf_sslr.py --data X.npz [--json Y.json]
        [--field FM128|FM64] [--epochs 3] [--batch-size 1024]

Runs under ``.venv-sf`` (SecretFlow 1.14) and never imports ``confide``. Started without
``--party`` it is the driver: it starts itself once as ``alice`` (label holder, ``x_*_a``) and
once as ``bob`` (``x_*_b``), in SecretFlow's production mode without Ray (see
``sf_cluster.py``), and returns when both have finished. The data file is written by
``make_data.py``.

Model: ``secretflow.ml.linear.ss_sgd.SSRegression`` with the settings of SecretFlow's own
tutorials (``fit(epochs=3, learning_rate=0.1, batch_size=1024, sig_type="t1",
reg_type="logistic", penalty="l2", l2_norm=0.5)``; ``eps=1e-3`` early stop, ``naive_sgd``, SPU
defaults: 18 fractional bits for FM64, 26 for FM128). ``t1`` is SecretFlow's first-order Taylor
sigmoid ``0.5 + 0.25 x``. The SPU is semi2k over two parties with SPU's default Beaver source
(trusted first party); the field defaults to FM128 as in SecretFlow's tutorials
(``sf.utils.testing.cluster_def``); ``--field FM64`` matches Confide's ring.

Timing (at alice): ``fit_seconds`` from the moment both parties' training arrays are loaded into
their PYUs (a wait on them) to the return of ``fit``, which waits on the weights after every
epoch; ``predict_seconds`` for ``predict(x_test, to_pyu=alice)``. ``test_auc`` is computed at
alice (scikit-learn) from her labels and the revealed scores; only the number leaves her.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import secretflow as sf
from secretflow.ml.linear.ss_sgd import SSRegression
from sf_cluster import (
    LABEL_HOLDER,
    Ports,
    add_party_args,
    finish,
    gather_from_parties,
    init_party,
    load_vertical,
    make_spu,
    run_parties,
    run_party,
    score_auc,
    write_result,
)

FIT = {
    "learning_rate": 0.1,
    "sig_type": "t1",
    "reg_type": "logistic",
    "penalty": "l2",
    "l2_norm": 0.5,
    "eps": 1e-3,
    "strategy": "naive_sgd",
}


def party_main(args: argparse.Namespace) -> int:
    """One party's process: the same program runs at alice and at bob."""
    init_party(args.party, Ports.parse(args.ports), "sf_sslr", args)
    spu = make_spu(args, args.field)
    data = load_vertical(args.data)
    sf.wait([*data.x_train.partitions.values(), *data.y_train.partitions.values()])

    model = SSRegression(spu)
    start, cpu_start = time.perf_counter(), time.process_time()
    finished: list[int] = []  # SSRegression calls back after each epoch it does not stop at
    model.fit(
        data.x_train,
        data.y_train,
        epochs=args.epochs,
        batch_size=args.batch_size,
        epoch_callback=lambda epoch, _state: finished.append(epoch),
        **FIT,
    )
    fit_seconds = time.perf_counter() - start
    fit_cpu = gather_from_parties(time.process_time() - cpu_start)
    epochs_run = min(len(finished) + 1, args.epochs)  # eps may stop it early

    alice = sf.PYU(LABEL_HOLDER)
    start = time.perf_counter()
    scores = model.predict(data.x_test, batch_size=args.batch_size, to_pyu=alice)
    sf.wait(scores.partitions[alice])
    predict_seconds = time.perf_counter() - start
    auc = score_auc(data.y_test, scores.partitions[alice])
    sf.shutdown()

    if args.party == LABEL_HOLDER:
        rows, cols = data.shape
        settings = {
            "model": "secretflow.ml.linear.ss_sgd.SSRegression",
            "protocol": "SEMI2K",
            "field": args.field,
            "epochs": args.epochs,
            "epochs_run": epochs_run,
            "batch_size": args.batch_size,
            **FIT,
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
        f"secretflow {result['version']} SS-LR semi2k {s['field']}, "
        f"{s['train_rows']}x{s['features']}, {s['epochs_run']} epochs: "
        f"fit {result['fit_seconds']:.2f} s (CPU {sum(result['fit_cpu_seconds'].values()):.1f} s), "
        f"predict {result['predict_seconds']:.2f} s, "
        f"test AUC {result['test_auc']:.4f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data", required=True, help="npz written by make_data.py")
    parser.add_argument("--json", help="write the result here")
    parser.add_argument("--field", choices=["FM64", "FM128"], default="FM128", help="SPU ring")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=1024)
    add_party_args(parser)
    args = parser.parse_args()
    if args.party:
        run_party(party_main, args)  # exits
    if not Path(args.data).is_file():
        parser.error(f"no such data file: {args.data}")
    argv = ["--data", args.data, "--field", args.field, "--epochs", str(args.epochs)]
    argv += ["--batch-size", str(args.batch_size)]
    try:
        result = run_parties(__file__, argv, args)
    except RuntimeError as exc:
        print(f"sf_sslr: {exc} (see the parties' output above or in --log-dir)", file=sys.stderr)
        return 1
    finish(result, args.json, summary(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
