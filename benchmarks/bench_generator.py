"""Training throughput of the definition model: numpy reference, PyTorch on CPU, PyTorch on CUDA when present.

One process, the same model and the same real WordNet batches for every backend; prints tokens/s (target
tokens: the definition words and <eos>, the unit the loss is averaged over) and the ratios. With CUDA it
also checks that CUDA logits match CPU logits within 1e-4 (float32, TF32 off, same weights).

    python benchmarks/bench_generator.py                # defaults: LSTM 128/256, 5k vocabulary, batch 64
    python benchmarks/bench_generator.py --seconds 20 --json out.json

Finishes in well under 3 minutes (each measurement stops after --seconds).
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import time

import numpy as np
import torch

from evalkit.generator import rnn_numpy as rn
from evalkit.generator.baselines import exemplar_words
from evalkit.generator.data import Vocab, batches, encode_pairs, wordnet_splits
from evalkit.generator.lstm_torch import TorchRNNLM, load_numpy_params, nll_sum


def _numpy_rate(spec, params, data, pad_id, seconds):
    opt = rn.Adam(lr=1e-3)
    n_tok, start = 0, time.perf_counter()
    for inputs, targets, source in itertools.cycle(data):
        mask = (targets != pad_id).astype(params["embedding.weight"].dtype)
        _, grads = rn.loss_and_grads(spec, params, inputs, targets, mask, source=source)
        opt.step(params, rn.clip_grad_norm(grads, 1.0)[0])
        n_tok += int(mask.sum())
        if time.perf_counter() - start > seconds:
            break
    return n_tok / (time.perf_counter() - start)


def _torch_rate(spec, params, data, pad_id, device, seconds):
    model = load_numpy_params(TorchRNNLM(spec).to(device), params)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)

    def tensors(batch):
        return [None if a is None else torch.from_numpy(a).to(device) for a in batch]

    for x, y, s in map(tensors, data[:3]):  # cuDNN plans and allocator warm-up are not throughput
        nll, n = nll_sum(model, x, y, pad_id, s)
        (nll / n).backward()
    sync()
    n_tok, start = 0, time.perf_counter()
    for batch in itertools.cycle(data):
        x, y, s = tensors(batch)
        nll, n = nll_sum(model, x, y, pad_id, s)
        opt.zero_grad(set_to_none=True)
        (nll / n).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        n_tok += int((batch.targets != pad_id).sum())
        if time.perf_counter() - start > seconds:
            break
    sync()
    return n_tok / (time.perf_counter() - start)


def _cuda_vs_cpu(spec, params, data):
    torch.backends.cuda.matmul.allow_tf32 = False  # TF32 rounds to 10 mantissa bits: not a 1e-4 comparison
    torch.backends.cudnn.allow_tf32 = False
    x, _, source = (None if a is None else torch.from_numpy(a) for a in data[0])
    with torch.no_grad():
        cpu = load_numpy_params(TorchRNNLM(spec), params).eval()(x, source=source)[0]
        on_gpu = None if source is None else source.cuda()
        gpu = load_numpy_params(TorchRNNLM(spec).cuda(), params).eval()(x.cuda(), source=on_gpu)[0].cpu()
    return float((cpu - gpu).abs().max())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cell", default="lstm", choices=rn.CELLS)
    ap.add_argument("--emb-dim", type=int, default=128)
    ap.add_argument("--hidden-dim", type=int, default=256)
    ap.add_argument("--layers", type=int, default=1)
    ap.add_argument("--vocab", type=int, default=5000)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--exemplars", type=int, default=0, help="nearest-spelling definitions in each prompt")
    ap.add_argument("--pointer", action="store_true", help="the copy mechanism (attention over the prompt)")
    ap.add_argument("--seconds", type=float, default=15.0, help="time per measurement")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    ap.add_argument("--json", help="write the numbers here too")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    splits = wordnet_splits(seed=0)
    vocab = Vocab.build(splits.train, max_size=args.vocab)
    train = dict(list(splits.train.items())[:20_000])
    exemplars = None
    if args.exemplars:
        neighbours = exemplar_words(splits.train, list(train), k=args.exemplars)
        exemplars = {w: [splits.train[n][0] for n in near] for w, near in zip(train, neighbours)}
    examples = encode_pairs(vocab, train, max_len=48, exemplars=exemplars, pointer=args.pointer)
    data = list(batches(examples, args.batch_size, vocab.pad_id, seed=0))
    spec = rn.ModelSpec(
        cell=args.cell, vocab_size=len(vocab), emb_dim=args.emb_dim, hidden_dim=args.hidden_dim, n_layers=args.layers,
        pointer=args.pointer,
    )  # fmt: skip
    params = rn.init_params(spec, seed=0, dtype=np.float32)
    print(
        f"{spec}\nbatches of {args.batch_size} real WordNet pairs; torch {torch.__version__}, "
        f"{torch.get_num_threads()} CPU threads, {platform.processor() or platform.machine()}"
    )
    out: dict[str, float | str | None] = {"spec": str(spec), "batch_size": args.batch_size}
    out["numpy_cpu_tokens_per_s"] = _numpy_rate(
        spec, {k: v.copy() for k, v in params.items()}, data, vocab.pad_id, args.seconds
    )
    out["torch_cpu_tokens_per_s"] = _torch_rate(spec, params, data, vocab.pad_id, torch.device("cpu"), args.seconds)
    print(f"numpy reference (CPU, float32): {out['numpy_cpu_tokens_per_s']:10.0f} target tokens/s")
    print(
        f"torch (CPU, float32):           {out['torch_cpu_tokens_per_s']:10.0f} target tokens/s "
        f"({out['torch_cpu_tokens_per_s'] / out['numpy_cpu_tokens_per_s']:.1f}x numpy)"
    )
    out["cuda_tokens_per_s"] = out["cuda_vs_cpu_max_abs_logit_diff"] = None
    if torch.cuda.is_available():
        out["cuda_device"] = torch.cuda.get_device_name()
        diff = _cuda_vs_cpu(spec, params, data)
        out["cuda_vs_cpu_max_abs_logit_diff"] = diff
        out["cuda_tokens_per_s"] = _torch_rate(spec, params, data, vocab.pad_id, torch.device("cuda"), args.seconds)
        print(
            f"torch (CUDA {out['cuda_device']}): {out['cuda_tokens_per_s']:10.0f} target tokens/s "
            f"({out['cuda_tokens_per_s'] / out['torch_cpu_tokens_per_s']:.1f}x torch CPU)"
        )
        print(f"CUDA vs CPU logits: max |diff| = {diff:.2e} ({'PASS' if diff < 1e-4 else 'FAIL'}, tolerance 1e-4)")
    else:
        print("CUDA: not available; the CUDA throughput and the CUDA-vs-CPU logits check did not run")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()
