"""``evalkit score`` end to end on a large file: throughput and peak memory, beside ``sacrebleu`` 's CLI.

Writes ``--lines`` (default 1,000,000) segments built from real WordNet glosses (100,000 perturbed pairs,
repeated) to a temporary directory, then runs each command as its own process, started from a small
wrapper process so that the peak resident set size (``ru_maxrss`` of the child) is the command's own:

- ``evalkit score -m METRIC -r ref.txt hyp.txt`` (streams 10,000-line chunks, keeps only statistics);
- ``sacrebleu ref.txt -i hyp.txt -b`` with the matching options (reads both files into memory).

Both print the same BLEU (checked). Target (issue 6): bounded memory, i.e. a peak that does not grow
with the number of lines (compare ``--lines 100000``).

    PYTHONPATH=. python benchmarks/bench_cli.py [--lines 1000000] [--metric "bleu(tokenize=13a)"]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from evalkit._corpora import perturbed_pairs
from evalkit.cli.spec import parse_spec

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--metric", default="bleu", help="an evalkit -m spec; BLEU options are passed to sacrebleu")
    args = parser.parse_args()
    spec = parse_spec(args.metric)
    hyps, refs = perturbed_pairs(100_000, seed=5, max_refs=1)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        hyp, ref = d / "hyp.txt", d / "ref.txt"
        with open(hyp, "w", encoding="utf-8") as h, open(ref, "w", encoding="utf-8") as r:
            for i in range(args.lines):
                h.write(hyps[i % len(hyps)] + "\n")
                r.write(refs[i % len(refs)][0] + "\n")
        size = hyp.stat().st_size + ref.stat().st_size
        print(f"{args.lines:,} lines, {size / 2**20:.0f} MiB of text (hypotheses + one reference)")
        ours = [
            sys.executable,
            "-m",
            "evalkit.cli",
            "score",
            "-q",
            "-m",
            args.metric,
            "-o",
            "json",
            "-r",
            str(ref),
            str(hyp),
        ]
        t_ours, rss_ours, out = _measured(ours, d / "ours.out")
        score = json.loads(out)["results"][0]["score"]
        print(
            f"evalkit score   {t_ours:7.1f} s  {args.lines / t_ours:>9,.0f} lines/s  peak RSS {rss_ours:6.0f} MiB  {spec.text} = {score * 100:.2f}"
        )
        if spec.name == "bleu":
            tok = str(spec.options.get("tokenize", "13a"))
            theirs = [sys.executable, "-m", "sacrebleu", str(ref), "-i", str(hyp), "-b", "-tok", tok]
            if "smooth" in spec.options:
                theirs += ["-s", str(spec.options["smooth"])]
            t_ref, rss_ref, out = _measured(theirs, d / "theirs.out")
            print(
                f"sacrebleu CLI   {t_ref:7.1f} s  {args.lines / t_ref:>9,.0f} lines/s  peak RSS {rss_ref:6.0f} MiB  BLEU = {out.strip()}"
            )
            print(f"ratio: {t_ref / t_ours:.1f}x the throughput, {rss_ours / rss_ref:.2f}x the memory")


if __name__ == "__main__":
    main()
