"""A corpus scored on a Dask cluster, from the API and from the CLI, equal to one process.

A local cluster of 2 worker processes stands in for a real one (``distributed.Client("tcp://host:8786")``
gives the same calls against a running scheduler). The bundled example corpus (1,000 WordNet glosses, 2
references each) is written as JSON Lines; its BLEU statistics are summed in two halves, then:

1. the API: ``dask.bag.read_text`` cuts the file into blocks of whole lines, the workers parse them, and
   ``evalkit.stats.dist.update_from_dask`` sums each partition's BLEU statistics;
2. the CLI: ``evalkit score --scheduler ADDRESS`` sends the same file to the same cluster; its workers read
   it as byte ranges and sum the statistics: the JSON output is the local run's (tests/test_dask_cli.py
   compares them byte for byte).

Run from the repository root:  python examples/dask_corpus.py   (docs/distributed.md explains it)
"""

import json
import logging
import os
import subprocess
import sys
import tempfile
from importlib import resources
from operator import itemgetter

import dask
import dask.bag as db
from distributed import Client, LocalCluster

from evalkit import BLEU
from evalkit.stats.dist import update_from_dask


def write_corpus(path: str) -> tuple[list[str], list[list[str]]]:
    folder = resources.files("evalkit") / "data" / "example"
    hyps, *streams = (
        (folder / name).read_text(encoding="utf-8").splitlines() for name in ("hyp.txt", "ref1.txt", "ref2.txt")
    )
    refs = [list(r) for r in zip(*streams)]
    with open(path, "w", encoding="utf-8") as f:
        for h, r in zip(hyps, refs):
            f.write(json.dumps({"hypothesis": h, "reference": r}) + "\n")
    return hyps, refs


def cli_score(*args: str) -> float:
    command = [sys.executable, "-m", "evalkit.cli", "score", "-m", "bleu", "--format", "jsonl", "-o", "json", *args]
    return json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)["results"][0]["score"]


def main() -> None:
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "corpus.jsonl")
    hyps, refs = write_corpus(path)
    print(f"one process:       BLEU {BLEU()(hyps, refs).score!r}")

    # the statistics flow: a row per segment -> their sum (in any grouping) -> a pure score of the sum
    rows = BLEU().stats(hyps, refs)  # (1000, 10): hyp_len, ref_len, correct_1..4, total_1..4
    first, second = BLEU().update(hyps[:600], refs[:600]), BLEU().update(hyps[600:], refs[600:])
    total = first.merge(second).total
    assert (total == rows.sum(axis=0)).all()
    print(f"rows summed:       BLEU {BLEU().score(total).score!r} from {total.tolist()}")

    # Dask starts workers with MALLOC_TRIM_THRESHOLD_=65536, which makes numpy's counting 2-4x slower
    dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None})
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0", silence_logs=logging.ERROR) as cluster:
        with Client(cluster):  # the bag below computes on this cluster
            pairs = db.read_text(path, blocksize=64_000).map(json.loads).map(itemgetter("hypothesis", "reference"))
            metric = update_from_dask(BLEU(), pairs)
            print(f"dask API:          BLEU {metric.compute().score!r} ({pairs.npartitions} partitions)")
        print(f"CLI, --scheduler:  BLEU {cli_score('--scheduler', cluster.scheduler_address, path)!r}")


if __name__ == "__main__":
    main()
