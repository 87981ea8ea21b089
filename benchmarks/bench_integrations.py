"""The framework adapters' cost: the torchmetrics adapter (``evalkit.integrations.lightning.EvalkitMetric``)
against torchmetrics' own BLEU, ROUGE and Perplexity in a loop of ``--updates`` updates, with the memory of
the states at the end; and perplexity from logits (``evalkit.LogitPerplexity``) against ``F.cross_entropy``.

Each update is a batch of ``--batch`` real glosses (``evalkit.lexicon.corpora.perturbed_pairs``), or of
``--batch`` x ``--length`` logits over ``--vocab`` ids for perplexity. Both sides run in this process, one
after the other, and their scores are compared (BLEU: evalkit's ``tokenize="none"``, which is torchmetrics'
``BLEUScore`` whitespace split; ROUGE-1/2/L F: rouge-score's tokenizer on both; perplexity: to 1e-6).
Printed: microseconds per update (CPU time), the ratio torchmetrics / evalkit, and the bytes of state held.

    python benchmarks/bench_integrations.py                    # 1,000 updates of 8 pairs; 16 x 128 x 8,000 logits
    python benchmarks/bench_integrations.py --updates 200      # on a busy machine
"""

from __future__ import annotations

import argparse
import sys

import torch
import torchmetrics
from _timing import timed

import evalkit
from evalkit.integrations.lightning import EvalkitMetric
from evalkit.lexicon.corpora import perturbed_pairs


def state_bytes(metric: torchmetrics.Metric) -> int:
    """Bytes held by a torchmetrics metric's states (tensors, and lists of tensors or strings)."""
    total = 0
    for name in metric._defaults:
        value = getattr(metric, name)
        for v in value if isinstance(value, list) else [value]:
            total += v.element_size() * v.nelement() if isinstance(v, torch.Tensor) else sys.getsizeof(v)
    return total


def loop(metric: torchmetrics.Metric, batches: list[tuple]) -> tuple[float, float, int]:
    def run() -> float:
        metric.reset()
        for batch in batches:
            metric.update(*batch)
        return float(metric.compute())

    score, _, cpu = timed(run)
    return score, cpu, state_bytes(metric)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--updates", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--length", type=int, default=128)
    parser.add_argument("--vocab", type=int, default=8000)
    parser.add_argument("--logit-batch", type=int, default=16)
    args = parser.parse_args()
    torch.set_num_threads(1)

    hyps, refs = perturbed_pairs(args.updates * args.batch, seed=3, max_refs=1)
    refs = [r[0] for r in refs]
    b = args.batch
    text = [(hyps[i : i + b], refs[i : i + b]) for i in range(0, len(hyps), b)]
    text_tm = [(h, [[r] for r in rs]) for h, rs in text]
    print(f"{args.updates} updates of {b} pairs; CPU microseconds per update, torch threads 1")
    print(f"{'metric':<28}{'evalkit':>10}{'torchmetrics':>14}{'ratio':>8}{'evalkit state':>16}{'tm state':>12}")
    from torchmetrics.text import BLEUScore, Perplexity, ROUGEScore

    cases = [
        ("BLEU (whitespace tokens)", EvalkitMetric(evalkit.BLEU(tokenize="none")), BLEUScore(), text, text_tm),
        ("ROUGE-1/2/L F", EvalkitMetric(evalkit.ROUGE()), ROUGEScore(rouge_keys=("rouge1", "rouge2", "rougeL")),
         text, text),
    ]  # fmt: skip
    for name, ours, theirs, ours_batches, their_batches in cases:
        s_ours, t_ours, m_ours = loop(ours, ours_batches)
        if name.startswith("ROUGE"):  # torchmetrics returns a dict: its rouge1 F, as ours
            theirs.reset()
            cpu = timed(lambda: [theirs.update(*x) for x in their_batches])[2]  # noqa: B023
            s_theirs = float(theirs.compute()["rouge1_fmeasure"])
            t_theirs, m_theirs = cpu, state_bytes(theirs)
        else:
            s_theirs, t_theirs, m_theirs = loop(theirs, their_batches)
        assert abs(s_ours - s_theirs) < 1e-6, (name, s_ours, s_theirs)
        per = 1e6 / len(ours_batches)
        print(
            f"{name:<28}{t_ours * per:>10.0f}{t_theirs * per:>14.0f}{t_theirs / t_ours:>7.1f}x{m_ours:>16,}{m_theirs:>12,}"
        )

    g = torch.Generator().manual_seed(0)
    n_logit_updates = max(1, args.updates // 20)
    shape = (args.logit_batch, args.length, args.vocab)
    logits = torch.randn(*shape, generator=g)
    labels = torch.randint(0, args.vocab, shape[:2], generator=g)
    labels[:, : args.length // 4] = -100
    batches = [(logits, labels)] * n_logit_updates
    s_ours, t_ours, m_ours = loop(EvalkitMetric(evalkit.LogitPerplexity()), batches)
    s_theirs, t_theirs, m_theirs = loop(Perplexity(ignore_index=-100), batches)
    # the same batch each time: the perplexity is that of one batch (float32 per token, summed in float64)
    per_token = torch.nn.functional.cross_entropy(logits.flatten(0, 1), labels.flatten(), reduction="none")
    exact = float((per_token.double().sum() / (labels != -100).sum()).exp())
    assert abs(s_ours / exact - 1) < 1e-9, (s_ours, exact)
    print(f"(perplexity: evalkit off by {abs(s_ours / exact - 1):.1e}, torchmetrics' float32 sums by "
          f"{abs(s_theirs / exact - 1):.1e} after {n_logit_updates} updates)")  # fmt: skip
    per = 1e6 / n_logit_updates
    label = f"Perplexity {shape[0]}x{shape[1]}x{shape[2]}"
    print(
        f"{label:<28}{t_ours * per:>10.0f}{t_theirs * per:>14.0f}{t_theirs / t_ours:>7.1f}x{m_ours:>16,}{m_theirs:>12,}"
    )

    # perplexity from logits against the cross-entropy a training loop computes anyway (one batch)
    ce = lambda: torch.nn.functional.cross_entropy(  # noqa: E731
        logits.flatten(0, 1), labels.flatten(), ignore_index=-100, reduction="sum"
    ).item()
    metric = evalkit.LogitPerplexity()
    t_metric = timed(lambda: metric.fresh().update(logits, labels).compute(), repeat=3)[2]
    t_ce = timed(ce, repeat=3)[2]
    print(f"\nLogitPerplexity update+compute vs F.cross_entropy(reduction='sum'), {label[11:]}: "
          f"{t_metric * 1e3:.1f} ms vs {t_ce * 1e3:.1f} ms, ratio {t_ce / t_metric:.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
