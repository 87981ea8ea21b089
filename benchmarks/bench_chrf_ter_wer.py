"""chrF/chrF++, TER and the WER family side by side with sacrebleu and jiwer: runs each metric's own
benchmark (bench_chrf.py, bench_ter.py, bench_wer.py) at 2,000 and 20,000 real pairs, in turn, each in
one process against its reference library, scores asserted equal, ratios printed.

    python benchmarks/bench_chrf_ter_wer.py          # all three, their default sizes
    python benchmarks/bench_chrf_ter_wer.py ter wer  # some of them
"""

from __future__ import annotations

import argparse
import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = {"chrf": "bench_chrf.py", "ter": "bench_ter.py", "wer": "bench_wer.py"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # no `choices=`: with nargs="*", argparse checks the empty list against them and refuses it
    parser.add_argument("which", nargs="*", help=f"the benchmarks to run, of {', '.join(BENCHMARKS)} (default: all)")
    args = parser.parse_args()
    unknown = [w for w in args.which if w not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {unknown[0]!r}; choose from {', '.join(BENCHMARKS)}")
    for name in args.which or BENCHMARKS:
        print(f"== {name} ({BENCHMARKS[name]})", flush=True)
        sys.argv = [BENCHMARKS[name]]
        runpy.run_path(str(HERE / BENCHMARKS[name]), run_name="__main__")


if __name__ == "__main__":
    main()
