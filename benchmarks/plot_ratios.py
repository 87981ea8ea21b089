"""The benchmark chart: one bar per row of the "Latest ratios" table of docs/benchmarks.md.

The table is the one source of the numbers: this script reads its rows (``| metric | task | reference |
size | clock | ratio |``, the ratio written ``11.5x`` or, for a spread over runs, ``9.3-13.4x``) and draws
each ratio as a bar on a log scale, a spread as a bar to its low end with a line on to its high end.
Rows of one metric share a colour. The SVG is written without a date and with fixed element ids, so the
same table gives the same file.

    python benchmarks/plot_ratios.py                  # docs/benchmarks.md -> docs/img/benchmark_ratios.svg
    python benchmarks/plot_ratios.py --source FILE.md --out chart.svg
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
_HEADING = "## Latest ratios"
_COLUMNS = ["metric", "task", "reference", "size", "clock", "ratio"]
# "11.5x" or "9.3-13.4x" (an ASCII hyphen or an en dash between the two)
_RATIO = re.compile(r"^(\d+(?:\.\d+)?)(?:\s*[-–]\s*(\d+(?:\.\d+)?))?\s*x$")


@dataclass(frozen=True)
class Ratio:
    """One row of the table: what was timed and the reference's time over evalkit's (``low`` to ``high``)."""

    metric: str
    task: str
    reference: str
    size: str
    clock: str
    ratio: str
    low: float
    high: float

    @property
    def label(self) -> str:
        text = f"{self.metric}: {self.task} ({self.size}; vs {self.reference}; {self.clock})"
        return text.replace("`", "")  # inline code marks of the Markdown cells


def read_ratios(markdown: str) -> list[Ratio]:
    """The rows of the table under the ``## Latest ratios`` heading of ``markdown``, in order.

    Raises ValueError, naming the line, when the heading, the header row or a ratio is not as expected.

    Example:
        >>> page = "## Latest ratios\\n\\n| metric | task | reference | size | clock | ratio |\\n"
        >>> page += "| --- | --- | --- | --- | --- | ---: |\\n| chrF | corpus | sacrebleu | 2k | CPU | 9.3-13.4x |\\n"
        >>> [(r.metric, r.low, r.high) for r in read_ratios(page)]
        [('chrF', 9.3, 13.4)]
    """
    lines = markdown.splitlines()
    if _HEADING not in lines:
        raise ValueError(f"no '{_HEADING}' heading: the ratio table is the first table under it")
    start = lines.index(_HEADING) + 1
    table_start = next((i for i in range(start, len(lines)) if lines[i].startswith("|")), None)
    if table_start is None or lines[table_start].startswith("## "):
        raise ValueError(f"no table under '{_HEADING}'")
    header = [cell.strip() for cell in lines[table_start].strip("|").split("|")]
    if header != _COLUMNS:
        raise ValueError(f"the ratio table's columns must be {_COLUMNS}, got {header}")
    ratios = []
    for number, line in enumerate(lines[table_start + 2 :], start=table_start + 3):
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != len(_COLUMNS):
            raise ValueError(f"line {number}: {len(_COLUMNS)} cells expected, got {len(cells)}: {line!r}")
        match = _RATIO.match(cells[5])
        if match is None:
            raise ValueError(f"line {number}: the ratio must read like '11.5x' or '9.3-13.4x', got {cells[5]!r}")
        low = float(match.group(1))
        high = float(match.group(2) or low)
        ratios.append(Ratio(*cells, low=min(low, high), high=max(low, high)))
    if not ratios:
        raise ValueError(f"the table under '{_HEADING}' has no rows")
    return ratios


def plot(ratios: list[Ratio], out: Path) -> None:
    """Draw ``ratios`` as horizontal bars on a log scale and save the figure to ``out`` (format from the suffix)."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    # fixed ids in the SVG instead of random ones: the same table gives the same file; text kept as text
    # (searchable, and a tenth of the size of glyph paths)
    matplotlib.rcParams["svg.hashsalt"] = "evalkit-benchmarks"
    matplotlib.rcParams["svg.fonttype"] = "none"
    metrics = list(dict.fromkeys(r.metric for r in ratios))
    colours = {m: plt.get_cmap("tab10")(i % 10) for i, m in enumerate(metrics)}
    fig, ax = plt.subplots(figsize=(11, 0.26 * len(ratios) + 1.2))
    ys = range(len(ratios))[::-1]  # the table's first row on top
    for y, r in zip(ys, ratios):
        ax.barh(y, r.low, color=colours[r.metric], height=0.7)
        if r.high > r.low:
            ax.plot([r.low, r.high], [y, y], color=colours[r.metric], linewidth=2.5, solid_capstyle="butt")
        ax.text(r.high * 1.06, y, r.ratio, va="center", fontsize=8)
    ax.set_xscale("log")
    ax.set_xlim(1, max(r.high for r in ratios) * 2.2)
    ax.axvline(10, color="grey", linestyle=":", linewidth=1)
    ax.set_yticks(list(ys), [r.label for r in ratios], fontsize=7.5)
    ax.set_ylim(-0.7, len(ratios) - 0.3)
    ax.set_xlabel("reference library's time / evalkit's time (log scale; a line: the spread over runs)")
    ax.set_title("evalkit against the reference libraries (docs/benchmarks.md, Latest ratios)", fontsize=10)
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    metadata = {"Date": None} if out.suffix == ".svg" else None
    fig.savefig(out, metadata=metadata)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, default=_ROOT / "docs" / "benchmarks.md", help="the page to read")
    parser.add_argument("--out", type=Path, default=_ROOT / "docs" / "img" / "benchmark_ratios.svg")
    args = parser.parse_args(argv)
    ratios = read_ratios(args.source.read_text(encoding="utf-8"))
    plot(ratios, args.out)
    print(f"{len(ratios)} ratios from {args.source} -> {args.out}")


if __name__ == "__main__":
    main()
