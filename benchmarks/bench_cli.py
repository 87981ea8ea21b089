"""``evalkit score`` end to end on a large file: throughput and peak memory, beside ``sacrebleu`` 's CLI.

Writes ``--lines`` (default 1,000,000) segments built from real WordNet glosses (100,000 perturbed pairs,
repeated) to a temporary directory, then runs each command as its own process, started from a small
wrapper process so that the peak resident set size (``ru_maxrss`` of the child) is the command's own:

- ``evalkit score -m METRIC -r ref.txt hyp.txt`` (streams 10,000-line chunks, keeps only statistics), on
  ``--small`` (default 100,000) and on ``--lines`` lines: the peaks should be about equal;
- ``sacrebleu ref.txt -i hyp.txt -b`` with the matching options, on ``--small`` lines only (it reads both
  files into memory and caches the references' n-grams: about 6 GB at a million lines).

Target (issue 6): bounded memory, a peak that does not grow with the number of lines.

    PYTHONPATH=. python benchmarks/bench_cli.py [--lines 1000000] [--small 100000] [--metric bleu]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from evalkit.cli.spec import parse_spec
from evalkit.lexicon.corpora import perturbed_pairs

_WRAPPER = """
import resource, subprocess, sys
with open(sys.argv[1], "w") as out:
    code = subprocess.call(sys.argv[2:], stdout=out)
print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def _measured(cmd: list[str], out: Path) -> tuple[float, float, str]:
    """(seconds, peak RSS in MiB, stdout) of ``cmd`` run in its own process."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _WRAPPER, str(out), *cmd], capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - start
    code, kib = done.stdout.split()
    if code != "0":
        raise SystemExit(f"{cmd[:4]} failed with status {code}: {done.stderr}")
    return seconds, int(kib) / 1024, out.read_text()


def _write(d: Path, lines: int, hyps: list[str], refs: list[list[str]]) -> tuple[Path, Path]:
    hyp, ref = d / f"hyp{lines}.txt", d / f"ref{lines}.txt"
    with open(hyp, "w", encoding="utf-8") as h, open(ref, "w", encoding="utf-8") as r:
        for i in range(lines):
            h.write(hyps[i % len(hyps)] + "\n")
            r.write(refs[i % len(refs)][0] + "\n")
    return hyp, ref


def _evalkit(spec: str, hyp: Path, ref: Path, d: Path, lines: int) -> None:
    cmd = [sys.executable, "-m", "evalkit.cli", "score", "-q", "-m", spec, "-o", "json", "-r", str(ref), str(hyp)]
    seconds, rss, out = _measured(cmd, d / "ours.out")
    score = json.loads(out)["results"][0]["score"]
    print(
        f"evalkit score  {lines:>9,} lines  {seconds:7.1f} s  {lines / seconds:>9,.0f} lines/s  peak RSS {rss:6.0f} MiB  {spec} = {score * 100:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000, help="the smaller run, and sacrebleu's (in memory)")
    parser.add_argument("--metric", default="bleu", help="an evalkit -m spec; BLEU options are passed to sacrebleu")
    args = parser.parse_args()
    spec = parse_spec(args.metric)
    hyps, refs = perturbed_pairs(100_000, seed=5, max_refs=1)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        big = _write(d, args.lines, hyps, refs)
        small = _write(d, args.small, hyps, refs)
        size = big[0].stat().st_size + big[1].stat().st_size
        print(f"{args.lines:,} lines: {size / 2**20:.0f} MiB of text (hypotheses + one reference)")
        _evalkit(spec.text, *small, d, args.small)
        _evalkit(spec.text, *big, d, args.lines)
        if spec.name == "bleu":
            # sacrebleu reads whole files and caches every reference's n-grams: its memory grows with the
            # corpus (about 6 GB at 1,000,000 lines), so it runs on the smaller file only.
            tok = str(spec.options.get("tokenize", "13a"))
            theirs = [sys.executable, "-m", "sacrebleu", str(small[1]), "-i", str(small[0]), "-b", "-tok", tok]
            if "smooth" in spec.options:
                theirs += ["-s", str(spec.options["smooth"])]
            seconds, rss, out = _measured(theirs, d / "theirs.out")
            print(
                f"sacrebleu CLI  {args.small:>9,} lines  {seconds:7.1f} s  {args.small / seconds:>9,.0f} lines/s  "
                f"peak RSS {rss:6.0f} MiB  BLEU = {out.strip()}"
            )


if __name__ == "__main__":
    main()
