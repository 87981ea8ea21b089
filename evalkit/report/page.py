"""The report page: one self-contained HTML file (CSS, script and SVG charts inline; nothing fetched).

Sections, in order: the run (command, inputs, settings); the scores table with CIs and signatures and its
chart; for a comparison the paired differences with their significance marks; for a text run the
per-segment score distributions, the segments where the systems differ most (or, for one system, its
lowest-scoring ones) with the matched n-grams highlighted, and a browsable, paginated view of the
segments (a seeded random sample when there are more than ``sample``, said so on the page); for
classification the confusion matrices and per-class precision/recall/F1; for regression the residuals.

Every number in the tables is read from the run's JSON document, written with the same rounding as the
CLI's tables, and carries its unrounded value in a ``data-value`` attribute.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from evalkit import plot
from evalkit._version import __version__
from evalkit.core.result import format_score
from evalkit.report.data import ReportData, Segments
from evalkit.report.figures import available, figure, to_svg
from evalkit.report.highlight import matched_orders
from evalkit.stats.significance import DEFAULT_SEED

#: significance level of the marks
ALPHA = 0.05

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1200px;padding:1rem 2rem;color:#1a1a1a;background:#fff}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.25rem;margin-top:2.2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}th,td{padding:.25rem .6rem;border-bottom:1px solid #e5e5e5;text-align:left;vertical-align:top}
th{background:#f6f6f6}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.meta{color:#555;font-size:.9rem}.note{color:#444;font-size:.88rem;background:#f7f7f2;border-left:3px solid #bbb;padding:.4rem .7rem}
code,.sig{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.82rem;word-break:break-all}
figure.chart{margin:.8rem 0}figure.chart svg{max-width:100%;height:auto}
.seg td{max-width:28rem}.segtext{line-height:1.6}.ref{color:#333;margin-bottom:.3rem}.segscore{font-weight:600;margin-right:.4rem}
.m1{background:#fdf1c4}.m2{background:#f9dd85}.m3{background:#f5c451}.m4{background:#f0a830}
.better{color:#00734f}.worse{color:#b33c00}.pager{margin:.4rem 0}.pager button{margin:0 .3rem;padding:.1rem .6rem}
.swatch{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;margin-right:.3rem;vertical-align:middle}
"""

# pagination of the segment views: show one tbody at a time
_SCRIPT = """
document.querySelectorAll('.pager').forEach(function (pager) {
  var pages = document.getElementById(pager.dataset.table).tBodies;
  var label = pager.querySelector('.page');
  var current = 0;
  function show(k) {
    pages[current].hidden = true;
    current = Math.max(0, Math.min(pages.length - 1, k));
    pages[current].hidden = false;
    label.textContent = 'page ' + (current + 1) + ' of ' + pages.length;
  }
  pager.querySelectorAll('button').forEach(function (button) {
    button.addEventListener('click', function () { show(current + Number(button.dataset.step)); });
  });
  show(0);
});
"""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _num(value: Any, scale: float, *, signed: bool = False) -> str:
    """A table cell holding a score: shown as the CLI shows it, exact in ``data-value``."""
    if value is None or not math.isfinite(float(value)):
        return '<td class="num" data-value="">--</td>'
    shown = format_score(float(value), scale)
    if signed and float(value) >= 0:
        shown = "+" + shown
    return f'<td class="num" data-value="{float(value)!r}">{shown}</td>'


def _interval(ci: Sequence[Any] | None, scale: float) -> str:
    if ci is None:
        return '<td class="num"></td>'
    lo, hi = (math.nan if v is None else float(v) for v in ci)
    return (
        f'<td class="num" data-low="{lo!r}" data-high="{hi!r}">'
        f"[{format_score(lo, scale)}, {format_score(hi, scale)}]</td>"
    )


def _p(value: Any) -> str:
    if value is None:
        return '<td class="num"></td>'
    mark = "*" if value < ALPHA else ""
    return f'<td class="num" data-value="{float(value)!r}">{value:.4f}{mark}</td>'


def _table(table_id: str, header: Iterable[str], body: Iterable[str], cls: str = "") -> str:
    head = "".join(f"<th>{h}</th>" for h in header)
    rows = "".join(body)
    return f'<table id="{table_id}" class="{cls}"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def _chart(data: ReportData, name: str, caption: str) -> str:
    svg = to_svg(figure(data, name), salt=name)
    return (
        f'<figure class="chart" data-chart="{name}">{svg}<figcaption class="meta">{_e(caption)}</figcaption></figure>'
    )


def _swatch(i: int) -> str:
    return f'<span class="swatch" style="background:{plot.color(i)}"></span>'


def _run(data: ReportData) -> str:
    doc = data.doc
    items = [f"<li>command: <code>evalkit {_e(data.command)}</code>, {int(doc['segments']):,} segments</li>"]
    if data.command == "compare":
        unit = "resamples" if doc["test"] == "paired_bootstrap" else "trials"
        items.append(
            f"<li>baseline: <code>{_e(doc['baseline'])}</code>; test: {_e(doc['test'].replace('_', ' '))}, "
            f"{int(doc['n']):,} {unit}, seed {_e(doc['seed'])}; confidence {float(doc['confidence']):g}</li>"
        )
    for key, value in doc.get("inputs", {}).items():
        shown = ", ".join(value) if isinstance(value, list) else value
        items.append(f"<li>{_e(key)}: <code>{_e(shown)}</code></li>")
    return f'<section id="run"><ul class="meta">{"".join(items)}</ul></section>'


def _signatures(data: ReportData) -> str:
    items = "".join(
        f'<li>{_e(m["metric"])}: <span class="sig">{_e(m["signature"])}</span></li>'
        for m in data.metrics
        if m["signature"]
    )
    return f'<ul class="signatures">{items}</ul>' if items else ""


def _scores(data: ReportData) -> str:
    doc = data.doc
    if data.command == "score":
        with_ci = any("ci" in r for r in doc["results"])
        level = next((r["bootstrap"]["confidence"] for r in doc["results"] if "bootstrap" in r), 0.95)
        header = ["Metric", "Score", "Scale", *([f"{level:.0%} CI"] if with_ci else []), "Signature"]
        rows = []
        for r in doc["results"]:
            scale = r["display_scale"]
            ci = _interval(r.get("ci"), scale) if with_ci else ""
            rows.append(
                f'<tr data-metric="{_e(r["metric"])}"><td>{_e(r["metric"])}</td>{_num(r["score"], scale)}'
                f'<td>x{scale:g}</td>{ci}<td class="sig">{_e(r["signature"])}</td></tr>'
            )
        table = _table("scores", header, rows)
    else:
        metrics = data.metrics
        header = ["System"]
        for m in metrics:
            header += [f"{_e(m['metric'])} (x{m['display_scale']:g})", f"{float(doc['confidence']):.0%} CI", "p-value"]
        rows = []
        for i, s in enumerate(doc["systems"]):
            cells = "".join(
                _num(s["scores"][m["metric"]]["score"], m["display_scale"])
                + _interval(s["scores"][m["metric"]]["ci"], m["display_scale"])
                + _p(s["scores"][m["metric"]]["p_value"])
                for m in metrics
            )
            name = _e(s["name"]) + (" (baseline)" if s["baseline"] else "")
            rows.append(f'<tr data-system="{_e(s["name"])}"><td>{_swatch(i)}{name}</td>{cells}</tr>')
        table = _table("scores", header, rows)
        table += f'<p class="meta">* p &lt; {ALPHA:g} against the baseline.</p>'
    chart = _chart(data, "scores", "Each system's score with its confidence interval, one panel per metric.")
    sigs = _signatures(data) if data.command == "compare" else ""  # a score table has a signature column
    return f'<section id="scores-section"><h2>Scores</h2>{table}{sigs}{chart}</section>'


def _differences(data: ReportData) -> str:
    rows = []
    for m in data.metrics:
        scale = m["display_scale"]
        identical = data.identical(m["metric"])
        for name, t in data.tests(m["metric"]).items():
            d = t.difference
            cls = "better" if d >= 0 else "worse"
            mark = "identical to the baseline" if name in identical else "yes" if t.p_value < ALPHA else "no"
            rows.append(
                f'<tr class="{cls}"><td>{_e(name)}</td><td>{_e(m["metric"])}</td>{_num(d, scale, signed=True)}'
                f"{_p(t.p_value)}<td>{mark}</td></tr>"
            )
    table = _table("differences", ["System", "Metric", "Difference", "p-value", f"p &lt; {ALPHA:g}"], rows)
    chart = _chart(data, "differences", f"System minus baseline; * marks p < {ALPHA:g} in the paired test.")
    return f'<section id="differences-section"><h2>Paired differences against the baseline</h2>{table}{chart}</section>'


def _words(tokens: Sequence[str], marks: Sequence[int]) -> str:
    return " ".join(f'<span class="m{k}">{_e(w)}</span>' if k else _e(w) for w, k in zip(tokens, marks))


def _segment_row(seg: Segments, data: ReportData, metric: str, k: int, scale: float) -> str:
    refs = [r.split() for r in seg.references[k]]
    cells = []
    ref_marks = [[0] * len(r) for r in refs]
    for i in range(len(data.systems)):
        hyp = seg.hypotheses[i][k].split()
        marks, per_ref = matched_orders(hyp, refs)
        if i == 0:
            ref_marks = per_ref  # the references are marked against the first system (the baseline)
        value = float(seg.scores[metric][i][k])
        cells.append(
            f'<td class="segtext"><span class="segscore" data-value="{value!r}">{format_score(value, scale)}</span>'
            f"{_words(hyp, marks)}</td>"
        )
    ref_cell = "".join(f'<div class="ref">{_words(r, m)}</div>' for r, m in zip(refs, ref_marks))
    return f'<tr data-segment="{k + 1}"><td class="num">{k + 1}</td>{"".join(cells)}<td class="segtext">{ref_cell}</td></tr>'


def _segment_header(data: ReportData) -> list[str]:
    return ["#", *(f"{_swatch(i)}{_e(s)}" for i, s in enumerate(data.systems)), "References"]


_LEGEND = (
    '<p class="meta">Highlighted words belong to an n-gram shared with a reference (clipped as in BLEU): '
    '<span class="m1">1-gram</span> <span class="m2">2-gram</span> <span class="m3">3-gram</span> '
    '<span class="m4">4-gram</span>; reference words are marked against the first system.</p>'
)


def _top(data: ReportData, top: int) -> str:
    seg = data.segments
    metric = data.metrics[0]
    key, scale = metric["metric"], metric["display_scale"]
    scores = np.vstack([np.asarray(s, dtype=np.float64) for s in seg.scores[key]])
    n = scores.shape[1]
    if len(data.systems) > 1:
        gap = np.nan_to_num(np.abs(scores[1:] - scores[0]).max(axis=0), nan=-1.0)
        order = np.argsort(-gap, kind="stable")[:top]
        title = "Segments where the systems differ most"
        what = f"the {len(order)} segments (of all {n:,}) with the largest |system - baseline| in {key}"
    else:
        sign = 1.0 if seg.higher_is_better.get(key, True) else -1.0
        order = np.argsort(np.nan_to_num(sign * scores[0], nan=np.inf), kind="stable")[:top]
        title = "Lowest-scoring segments"
        what = f"the {len(order)} segments (of all {n:,}) with the worst {key} score"
    rows = [_segment_row(seg, data, key, int(k), scale) for k in order]
    table = _table("top-segments", _segment_header(data), rows, cls="seg")
    return f'<section id="top-section"><h2>{title}</h2><p class="meta">Showing {what}, per-segment scores as <code>evalkit score --sentence-level</code> gives them.</p>{_LEGEND}{table}</section>'


def _browse(data: ReportData, sample: int, seed: int, page_size: int) -> str:
    seg = data.segments
    metric = data.metrics[0]
    n = len(seg)
    if n > sample:
        picked = np.sort(np.random.default_rng(seed).choice(n, size=sample, replace=False))
        note = (
            f"This view holds a random sample of {sample:,} of the {n:,} segments (seed {seed}), in pages of "
            f"{page_size}, so that the page stays light; <code>evalkit score --sentence-level</code> prints every "
            "segment's score, and <code>--sample</code> sets the sample size."
        )
    else:
        picked = np.arange(n)
        note = f"All {n:,} segments, in pages of {page_size}."
    rows = [_segment_row(seg, data, metric["metric"], int(k), metric["display_scale"]) for k in picked]
    pages = [rows[i : i + page_size] for i in range(0, len(rows), page_size)]
    head = "".join(f"<th>{h}</th>" for h in _segment_header(data))
    bodies = "".join(f"<tbody{' hidden' if j else ''}>{''.join(p)}</tbody>" for j, p in enumerate(pages))
    pager = (
        '<div class="pager" data-table="segments"><button data-step="-1">previous</button>'
        f'<span class="page">page 1 of {len(pages)}</span><button data-step="1">next</button></div>'
    )
    table = f'<table id="segments" class="seg"><thead><tr>{head}</tr></thead>{bodies}</table>'
    return (
        f'<section id="segments-section"><h2>Segments</h2><p class="note" id="sample-note">{note}</p>'
        f'<p class="meta">Scores shown: {_e(metric["metric"])}.</p>{pager}{table}</section>'
    )


def _classes(data: ReportData) -> str:
    seg = data.segments
    labels = seg.labels()
    tables = []
    for i, name in enumerate(data.systems):
        p, r, f, s = seg.per_class(i)
        rows = [
            f"<tr><td>{_e(lab)}</td>{_num(a, 1)}{_num(b, 1)}{_num(c, 1)}<td class='num'>{int(d):,}</td></tr>"
            for lab, a, b, c, d in zip(labels, p, r, f, s)
        ]
        tables.append(
            f"<h3>{_swatch(i)}{_e(name)}</h3>"
            + _table(f"per-class-{i}", ["Label", "Precision", "Recall", "F1", "Support"], rows)
        )
    confusion = _chart(data, "confusion", "Rows: true label; columns: predicted; shade: share of the true label.")
    bars = _chart(data, "per-class", "Precision, recall and F1 of each class.")
    return f'<section id="classes-section"><h2>Classes</h2>{confusion}{bars}{"".join(tables)}</section>'


def _residuals(data: ReportData) -> str:
    chart = _chart(data, "residuals", "Residual (predicted - true) against the prediction, one panel per system.")
    return f'<section id="residuals-section"><h2>Residuals</h2>{chart}</section>'


def render(data: ReportData, *, sample: int = 500, top: int = 20, seed: int = DEFAULT_SEED, page_size: int = 25) -> str:
    """The report page of a run, as one HTML string (see the module docstring for its sections).

    ``sample`` bounds the segments the browsable view holds (a seeded random sample beyond it), ``top`` the
    segments of the "differ most" view; ``page_size`` rows show at a time.
    """
    charts = available(data)
    sections = [_run(data), _scores(data)]
    if "differences" in charts:
        sections.append(_differences(data))
    seg = data.segments
    if seg is None:
        sections.append(
            '<p class="note" id="no-segments">Built from a JSON file: the per-segment views (distributions, '
            "segments, classes, residuals) need the input files; run <code>evalkit report</code> with the inputs "
            "of <code>evalkit score</code> or <code>evalkit compare</code>.</p>"
        )
    elif seg.task == "text" and seg.scores:
        dist = _chart(data, "distribution", "Sentence-level scores of each system; dashed: each system's mean.")
        sections += [f'<section id="distribution-section"><h2>Per-segment scores</h2>{dist}</section>',
                     _top(data, top), _browse(data, sample, seed, page_size)]  # fmt: skip
    elif "confusion" in charts:
        sections.append(_classes(data))
    elif "residuals" in charts:
        sections.append(_residuals(data))
    if "reliability" in charts:
        chart = _chart(data, "reliability", "Accuracy against confidence per bin (marker area: the bin's weight).")
        sections.append(f'<section id="reliability-section"><h2>Reliability</h2>{chart}</section>')
    for name, title, note in (
        ("roc", "ROC curve", "True against false positive rate at each threshold."),
        ("pr", "Precision-recall curve", "Precision against recall at each threshold."),
    ):
        if name in charts:
            sections.append(f'<section id="{name}-section"><h2>{title}</h2>{_chart(data, name, note)}</section>')
    title = f"evalkit {data.command}: " + ", ".join(m["metric"] for m in data.metrics)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # nothing may be fetched: the policy blocks any request the page would make by mistake
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        "script-src 'unsafe-inline'; img-src data:\">"
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
        f'<h1>{_e(title)}</h1><p class="meta">evalkit {_e(__version__)}</p>'
        + "".join(sections)
        + f"<script>{_SCRIPT}</script></body></html>\n"
    )


__all__ = ["ALPHA", "render"]
