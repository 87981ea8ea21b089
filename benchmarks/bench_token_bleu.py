"""Token-id sentence BLEU: ``evalkit.text.token_bleu.sentence_token_bleu`` on a batch of id tensors against a
loop of nltk's ``sentence_bleu`` on the same id lists.

The batch is ``--batch`` x ``--length`` token ids (256 x 1024 by default, TensorBLEU's largest setting),
one reference per item (``--refs`` for more) of the same length, ids drawn from a Zipf-like distribution
over ``--vocab`` ids, each hypothesis a copy of its first reference with about 20 % of its tokens replaced
and a few local swaps. Both sides score with nltk's convention and smoothing (``method1`` by default,
``effective_order=False``, nltk's ``sentence_bleu`` defaults otherwise); the scores are asserted equal
(to 1e-9), and the statistics rows are asserted equal to evalkit's string BLEU (``tokenize="none"``) on the
same tokens. Printed: seconds (best of ``--repeat`` runs for evalkit, after one warm-up; best of
``--nltk-repeat`` loops for nltk), sentences per second, and the ratio.

    python benchmarks/bench_token_bleu.py                    # CPU torch, 256 x 1024
    python benchmarks/bench_token_bleu.py --device cuda      # where a CUDA device exists
    python benchmarks/bench_token_bleu.py --batch 64 --length 256 --refs 4
    python benchmarks/bench_token_bleu.py --threads 1                   # one CPU thread, as nltk

TensorBLEU (Filipek, 2025, arXiv 2510.05485) published 13x against nltk's CPU ``sentence_bleu`` on a T4 and
over 40x on an A100 for its GPU counting; those are its numbers, printed beside ours for reference only.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np


def make_batch(batch: int, length: int, refs: int, vocab: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, vocab + 1)
    weights /= weights.sum()
    references = rng.choice(vocab, size=(batch, refs, length), p=weights) + 3  # 0..2 kept for pad/bos/eos
    hyps = references[:, 0, :].copy()
    replace = rng.random(hyps.shape) < 0.2
    hyps[replace] = rng.choice(vocab, size=int(replace.sum()), p=weights) + 3
    for row in hyps:  # a few local swaps
        at = rng.integers(0, length - 1, size=length // 50)
        row[at], row[at + 1] = row[at + 1].copy(), row[at].copy()
    return hyps, references


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--length", type=int, default=1024)
    parser.add_argument("--refs", type=int, default=1)
    parser.add_argument("--vocab", type=int, default=32_000)
    parser.add_argument("--smooth", default="method1", help="an nltk smoothing method, method0..method7")
    parser.add_argument("--device", default="cpu", help="torch device of the id tensors: cpu or cuda")
    parser.add_argument("--repeat", type=int, default=5, help="evalkit runs (best kept)")
    parser.add_argument("--nltk-repeat", type=int, default=2, help="nltk loops (best kept)")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import nltk
    import torch
    from nltk.translate.bleu_score import SmoothingFunction
    from nltk.translate.bleu_score import sentence_bleu as nltk_sentence_bleu

    from evalkit.text.bleu import BLEU
    from evalkit.text.token_bleu import TokenBLEU, sentence_token_bleu

    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("bench_token_bleu: --device cuda, but torch sees no CUDA device")
    hyps, references = make_batch(args.batch, args.length, args.refs, args.vocab, args.seed)
    pred = torch.from_numpy(hyps).to(device)
    refs = torch.from_numpy(references).to(device)
    options = {"smooth": args.smooth, "convention": "nltk", "effective_order": False}

    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize()

    def ours() -> torch.Tensor:
        out = sentence_token_bleu(pred, refs, **options)
        sync()
        return out

    ours()  # warm-up (allocator, kernels)
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        scores = ours()
        times.append(time.perf_counter() - start)
    ek = min(times)
    assert scores.device.type == device.type

    hyp_lists = hyps.tolist()
    ref_lists = [[r for r in item] for item in references.tolist()]
    smoother = getattr(SmoothingFunction(), args.smooth)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # method0's "the hypothesis contains 0 counts of 4-gram overlaps"
        nl = float("inf")
        for _ in range(args.nltk_repeat):
            start = time.perf_counter()
            expected = [nltk_sentence_bleu(r, h, smoothing_function=smoother) for h, r in zip(hyp_lists, ref_lists)]
            nl = min(nl, time.perf_counter() - start)

    got = scores.cpu().numpy()
    worst = float(np.abs(got - np.asarray(expected)).max())
    assert worst < 1e-9, f"scores differ from nltk's sentence_bleu by {worst}"
    hyp_tokens = [[str(t) for t in h] for h in hyp_lists]
    ref_tokens = [[[str(t) for t in r] for r in item] for item in ref_lists]
    string_rows = BLEU(tokenize="none", convention="nltk", smooth=args.smooth).stats(hyp_tokens, ref_tokens)
    token_rows = TokenBLEU(convention="nltk", smooth=args.smooth).stats(pred, refs)
    assert np.array_equal(token_rows, string_rows), "rows differ from string BLEU's"

    n = args.batch
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    print(
        f"{n} x {args.length} token ids, {args.refs} reference(s) of {args.length}, vocab {args.vocab:,}, "
        f"smooth={args.smooth}; torch {torch.__version__} on {device} ({name}), nltk {nltk.__version__}"
    )
    print(f"  {'nltk sentence_bleu loop (CPU)':<42} {nl:8.3f} s {n / nl:10,.0f} sent/s   (best of {args.nltk_repeat})")
    print(f"  {'evalkit sentence_token_bleu':<42} {ek:8.3f} s {n / ek:10,.0f} sent/s   (best of {args.repeat})")
    print(f"  ratio: {nl / ek:.1f}x nltk; scores equal to nltk's within {worst:.1e}, rows equal to string BLEU's")
    print("  TensorBLEU's published ratios against nltk (its paper, not measured here): 13x on a T4, >40x on an A100")


if __name__ == "__main__":
    main()
