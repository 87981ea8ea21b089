"""Distributed evaluation with torch.distributed: 2 gloo processes on CPU, the synced score equal to one process.

Each rank reads its share of the bundled example corpus (999 WordNet glosses with 2 references each) through
a ``DataLoader``, updates a BLEU and a macro-F1 (of a label per segment), and ``evalkit.stats.dist.all_reduce``
sums the statistics of both ranks: every rank then holds the score of the whole corpus. The shares come
from ``evalkit.stats.dist.unpadded_sampler`` (each segment on exactly one rank); torch's ``DistributedSampler``
pads the last round by repeating segments, and its score, printed too, is not the corpus score.

Run from the repository root:  python examples/ddp_eval.py   (docs/training-loops.md explains it)
"""

import socket
from importlib import resources

import torch.distributed as dist
import torch.multiprocessing as mp
from torch.utils.data import DataLoader, DistributedSampler

from evalkit import BLEU, F1
from evalkit.stats.dist import all_reduce, unpadded_sampler

WORLD_SIZE = 2
N_SEGMENTS = 999  # odd: two ranks cannot share it evenly


def load_corpus() -> list[tuple[str, list[str], int, int]]:
    """(hypothesis, references, true label, predicted label) per segment; the labels: length buckets."""
    folder = resources.files("evalkit") / "data" / "example"
    hyps, *refs = (
        (folder / name).read_text(encoding="utf-8").splitlines() for name in ("hyp.txt", "ref1.txt", "ref2.txt")
    )
    items = []
    for h, *r in list(zip(hyps, *refs))[:N_SEGMENTS]:
        items.append((h, r, min(len(r[0].split()) // 5, 3), min(len(h.split()) // 5, 3)))
    return items


def collate(batch: list[tuple[str, list[str], int, int]]) -> tuple[list[str], list[list[str]], list[int], list[int]]:
    hyps, refs, y_true, y_pred = zip(*batch)
    return list(hyps), list(refs), list(y_true), list(y_pred)


def evaluate(rank: int, port: int) -> None:
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=WORLD_SIZE)
    corpus = load_corpus()
    samplers = {
        "unpadded_sampler": unpadded_sampler(len(corpus)),
        "DistributedSampler": DistributedSampler(corpus, shuffle=False),  # pads: the trap
    }
    for name, sampler in samplers.items():
        bleu, f1 = BLEU(), F1()
        for hyps, refs, y_true, y_pred in DataLoader(corpus, batch_size=64, sampler=sampler, collate_fn=collate):
            bleu.update(hyps, refs)
            f1.update(y_true, y_pred)
        all_reduce(bleu)  # a collective: every rank calls it, and every rank gets the whole corpus's statistics
        all_reduce(f1)
        if rank == 0:
            print(
                f"{name:>18}: {bleu.n_items} segments  BLEU {bleu.compute().score!r}  macro-F1 {f1.compute().score!r}"
            )
    dist.destroy_process_group()


def main() -> None:
    with socket.socket() as s:  # a free port for the process group's rendezvous
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mp.spawn(evaluate, args=(port,), nprocs=WORLD_SIZE, join=True)
    corpus = load_corpus()
    hyps, refs, y_true, y_pred = collate(corpus)
    print(
        f"{'one process':>18}: {len(corpus)} segments  BLEU {BLEU()(hyps, refs).score!r}  macro-F1 {F1()(y_true, y_pred).score!r}"
    )


if __name__ == "__main__":
    main()
