"""The documentation site: `mkdocs build --strict` passes, the API pages hold the docstrings, the getting-started
commands are README.md's, and the benchmark chart shows the ratio table of docs/benchmarks.md."""

from __future__ import annotations

import html
import importlib.util
import inspect
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import evalkit
import evalkit.stats.dist
import evalkit.stats.significance

ROOT = Path(__file__).resolve().parents[1]


def _fenced_blocks(markdown: str, language: str) -> list[str]:
    """The bodies of the ```language fenced blocks of a Markdown text, in order."""
    return re.findall(rf"^```{language}\n(.*?)^```", markdown, flags=re.MULTILINE | re.DOTALL)


def _page_text(page: Path) -> str:
    """A built page as plain text: tags dropped, entities decoded, runs of whitespace as one space."""
    text = re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8"))
    return re.sub(r"\s+", " ", html.unescape(text))


def _summary(obj: object) -> str:
    """The first paragraph of ``obj``'s docstring as the site prints it (no inline-code marks)."""
    first = inspect.getdoc(obj).split("\n\n")[0]
    return re.sub(r"\s+", " ", first.replace("`", ""))


def test_getting_started_runs_the_readme_commands() -> None:
    readme = _fenced_blocks((ROOT / "README.md").read_text(encoding="utf-8"), "bash")
    page = _fenced_blocks((ROOT / "docs" / "index.md").read_text(encoding="utf-8"), "bash")
    assert len(readme) >= 2, "README.md's commands: install and score the example; run the tests"
    assert page == readme


def test_api_index_links_every_public_name() -> None:
    page = (ROOT / "docs" / "api" / "index.md").read_text(encoding="utf-8")
    missing = [n for n in evalkit.__all__ if n != "__version__" and f"[`{n}`][evalkit.{n}]" not in page]
    assert missing == []


def test_benchmark_chart_shows_the_ratio_table(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location("plot_ratios", ROOT / "benchmarks" / "plot_ratios.py")
    plot_ratios = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "plot_ratios", plot_ratios)  # its dataclass looks its module up
    spec.loader.exec_module(plot_ratios)
    ratios = plot_ratios.read_ratios((ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8"))
    # the brief's chrF and TER figures, read back from the table
    by_task = {(r.metric, r.task, r.size): r.ratio for r in ratios}
    assert by_task[("chrF", "corpus chrF, 1 reference, C kernel", "20,000 pairs")] == "22.4x"
    assert by_task[("TER", "corpus TER, defaults, 1 reference, C search", "2,000 pairs")] == "19.7x"
    # the committed chart was drawn from this table: every ratio and every label is a text of the SVG
    svg = ET.parse(ROOT / "docs" / "img" / "benchmark_ratios.svg")
    texts = [el.text or "" for el in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert [t for t in texts if t.endswith("x") and t[0].isdigit()] == [r.ratio for r in ratios]
    assert [r.label for r in ratios if r.label not in texts] == []


# (page, public object): the page must hold the first paragraph of the object's docstring
_DOCSTRINGS = [
    ("api/text", evalkit.bleu),
    ("api/text", evalkit.sentence_chrf),
    ("api/classification", evalkit.f1_score),
    ("api/regression", evalkit.mean_squared_error),
    ("api/significance", evalkit.stats.significance.paired_bootstrap),
    ("api/dist", evalkit.stats.dist.all_reduce),
    ("api/core", evalkit.Result),
    ("api", evalkit.Perplexity),
]


def test_site_builds_strict_and_holds_the_docstrings(tmp_path: Path) -> None:
    # one test builds the site once (about 5-10 s), whichever worker runs it
    for module in ("mkdocs", "material", "mkdocstrings_handlers"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed (pip install 'evalkit[docs]')")
    site = tmp_path / "site"
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-4000:]

    for page in ("index.html", "metrics/log_loss/index.html", "benchmarks/index.html", "api/core/index.html"):
        assert (site / page).is_file(), page
    assert (site / "img" / "benchmark_ratios.svg").is_file()
    # read offline: no stylesheet, script or font is fetched from another host
    index = (site / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'<(?:link|script)[^>]+(?:href|src)="https?://[^"]*"', index) == []

    missing = [
        (page, obj.__name__) for page, obj in _DOCSTRINGS if _summary(obj) not in _page_text(site / page / "index.html")
    ]
    assert missing == [], "docstrings not found on their API page"

    text = (site / "api" / "text" / "index.html").read_text(encoding="utf-8")
    # the prompt of a doctest is highlighted as a console prompt, not read as nested quotes
    assert '<span class="gp">&gt;&gt;&gt; </span>' in text
    assert "<blockquote>" not in text
    # the WER family's docstrings are completed at import time: the page shows the completed text
    assert "{options}" not in text
    assert "Options (keyword-only), declared in" in _page_text(site / "api" / "text" / "index.html")
