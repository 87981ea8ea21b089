"""Train a definition model on WordNet 3.0 and score it with evalkit (``pip install 'evalkit[torch]'``).

    python examples/train_definition_model.py                        # bounded: under 3 minutes on 2 CPU cores
    python examples/train_definition_model.py --minutes 15 --limit 0 --eval-limit 0   # docs/generator.md's CPU run
    python examples/train_definition_model.py --minutes 3 --gpu --limit 0 --eval-limit 0   # a larger model on CUDA

Each epoch logs the training loss, the validation perplexity (the ``Perplexity`` metric's summed
statistics) and BLEU / ROUGE-L / METEOR of generated definitions (evalkit's stateful metrics, x100); at the
end the model is loaded back as one :class:`DefinitionModel`, defines a few words, and the test words
(unseen in training) are defined by the model and by two baselines, all scored alike (the first
``--eval-limit`` of them). The defaults keep every step small: 20,000 training words, one minute of
training, 300 test words.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from evalkit.generator.config import TrainConfig
from evalkit.generator.model import DefinitionModel
from evalkit.generator.train import evaluate, format_record, shown_x100, train


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="runs/definitions", help="run directory (log.jsonl, checkpoint.pt)")
    ap.add_argument("--minutes", type=float, default=1.0, help="training time budget")
    ap.add_argument("--limit", type=int, default=20_000, help="training words used (0: all 117,855)")
    ap.add_argument("--eval-limit", type=int, default=300, help="test words scored at the end (0: all)")
    ap.add_argument("--gpu", action="store_true", help="the larger model used on CUDA in docs/generator.md")
    ap.add_argument("--beam-size", type=int, default=4, help="decoding of the test words (1: greedy)")
    ap.add_argument("--quiet", action="store_true", help="no progress bars")
    args = ap.parse_args()

    common = {"max_minutes": args.minutes, "limit": args.limit}
    if args.gpu:
        cfg = TrainConfig(emb_dim=256, hidden_dim=512, max_vocab=10_000, batch_size=128, dropout=0.3, epochs=40,
                          device="cuda", **common)  # fmt: skip
    else:
        cfg = TrainConfig(emb_dim=128, hidden_dim=256, max_vocab=2_000, batch_size=64, lr=4e-3, dropout=0.1,
                          epochs=100, device="cpu", threads=1, **common)  # fmt: skip
    train(cfg, args.out, progress=not args.quiet, log_every=100)
    checkpoint = Path(args.out) / "checkpoint.pt"
    print(f"checkpoint: {checkpoint} (delete the folder {args.out} when done)")

    # weights, vocabulary, config and exemplar index in one object: prompts are built as in training
    model = DefinitionModel.load(checkpoint, device=cfg.device)
    for word, text in zip(words := ["dog", "happiness", "quickly"], model.define(words)):
        print(f"{word} : {text}")
    # the decoding chosen on the validation split in docs/generator.md
    rows = evaluate(model, beam_size=args.beam_size, length_penalty=2.0, no_repeat_ngram=3, copy_bias=1.0,
                    limit=args.eval_limit, progress=not args.quiet, log=lambda _: None)  # fmt: skip
    for row in rows:
        scores = {k: v for k, v in row.items() if shown_x100(k)}
        print(row["system"], "|", format_record(scores))
    (Path(args.out) / "test.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
