"""Output formats of the CLI and the JSON schemas they follow (documented in docs/cli.md).

Human formats (``table``, ``markdown``, ``latex``) show scores times the metric's ``display_scale`` (x100
for BLEU, ROUGE) with the scale labelled; machine formats (``json``, ``csv``) keep the fractions. ``latex``
is a booktabs table for a paper, each signature in a note under it.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import evalkit
from evalkit.core.result import Result, format_score
from evalkit.stats.significance import BootstrapCI, PairedTest

FORMATS = ("table", "json", "csv", "markdown", "latex")

_NUMBER = {"type": "number"}
# JSON has no NaN or Infinity: an undefined or infinite value is written as null, and the result says why
_MAYBE_NUMBER = {"type": ["number", "null"]}
_INTERVAL = {"type": "array", "items": _MAYBE_NUMBER, "minItems": 2, "maxItems": 2}

#: JSON schema of ``evalkit score --output json``
SCORE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "evalkit score",
    "type": "object",
    "required": ["command", "evalkit_version", "segments", "inputs", "results"],
    "additionalProperties": False,
    "properties": {
        "command": {"const": "score"},
        "evalkit_version": {"type": "string"},
        "segments": {"type": "integer", "minimum": 0},
        "inputs": {"type": "object", "additionalProperties": {"type": ["string", "array"]}},
        "results": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["metric", "name", "score", "display_scale", "components", "signature"],
                "additionalProperties": False,
                "properties": {
                    "metric": {"type": "string", "description": "the -m value as given"},
                    "name": {"type": "string"},
                    "score": {
                        **_MAYBE_NUMBER,
                        "description": "a fraction (BLEU 0.3412), never x100; null when undefined (see non_finite)",
                    },
                    "non_finite": {
                        "type": "string",
                        "description": "why score is null: the metric's value is NaN (undefined) or infinite",
                    },
                    "display_scale": _NUMBER,
                    "components": {"type": "object"},
                    "signature": {"type": "string"},
                    "ci": _INTERVAL,
                    "bootstrap": {
                        "type": "object",
                        "required": ["mean", "confidence", "n_resamples", "seed"],
                        "properties": {
                            "mean": _MAYBE_NUMBER,
                            "confidence": _NUMBER,
                            "n_resamples": {"type": "integer"},
                            "seed": {"type": ["integer", "null"]},
                        },
                    },
                },
            },
        },
    },
}

#: JSON schema of each line of ``evalkit score --sentence-level --output json`` (JSON Lines)
SENTENCE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "evalkit score --sentence-level",
    "type": "object",
    "required": ["segment", "scores"],
    "additionalProperties": False,
    "properties": {
        "segment": {"type": "integer", "minimum": 1},
        "scores": {"type": "object", "additionalProperties": _MAYBE_NUMBER},
    },
}

#: JSON schema of ``evalkit compare --output json``
COMPARE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "evalkit compare",
    "type": "object",
    "required": [
        "command",
        "evalkit_version",
        "segments",
        "test",
        "n",
        "seed",
        "confidence",
        "baseline",
        "metrics",
        "systems",
    ],
    "additionalProperties": False,
    "properties": {
        "command": {"const": "compare"},
        "evalkit_version": {"type": "string"},
        "segments": {"type": "integer", "minimum": 1},
        "test": {"enum": ["paired_bootstrap", "approximate_randomization", "delong"]},
        "n": {"type": "integer", "minimum": 1},
        "seed": {"type": ["integer", "null"]},
        "confidence": _NUMBER,
        "baseline": {"type": "string"},
        "metrics": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["metric", "name", "display_scale", "signature"],
                "additionalProperties": False,
                "properties": {
                    "metric": {"type": "string"},
                    "name": {"type": "string"},
                    "display_scale": _NUMBER,
                    "signature": {"type": "string"},
                },
            },
        },
        "systems": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "baseline", "scores"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string"},
                    "baseline": {"type": "boolean"},
                    "scores": {
                        "type": "object",
                        "additionalProperties": {
                            "type": "object",
                            "required": ["score", "mean", "ci", "p_value"],
                            "additionalProperties": False,
                            "properties": {
                                "score": _NUMBER,
                                "mean": _NUMBER,
                                "ci": _INTERVAL,
                                "p_value": {"type": ["number", "null"]},
                                "identical": {
                                    "const": True,
                                    "description": "present when the system's statistics equal the baseline's "
                                    "on every segment: no difference to test, the p-value means nothing",
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}


def _scale_label(scale: float) -> str:
    return f"x{scale:g}"


def aligned(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table with columns padded to their widest cell."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in [header, *rows]]
    return "\n".join(lines)


def markdown(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured Markdown table."""
    esc = [[str(c).replace("|", "\\|") for c in r] for r in [header, *rows]]
    out = ["| " + " | ".join(esc[0]) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in esc[1:]]
    return "\n".join(out)


def _csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().rstrip("\n")


# LaTeX's special characters in text mode; "|" and "<", ">" print other glyphs in the default OT1 encoding
_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "|": r"\textbar{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
}


def latex_escape(text: str) -> str:
    r"""``text`` with LaTeX's special characters escaped, to print as written in a document's text.

    Example:
        >>> print(latex_escape("tok:13a|smooth:exp 100% & a_b"))
        tok:13a\textbar{}smooth:exp 100\% \& a\_b
    """
    return "".join(_LATEX_SPECIAL.get(c, c) for c in str(text))


def _latex_number(value: float, scale: float) -> str:
    return format_score(value, scale) if math.isfinite(value) else "--"


def _latex_table(columns: str, head: Sequence[str], rows: Sequence[Sequence[str]], notes: Sequence[str]) -> str:
    """A booktabs ``table`` (cells already LaTeX), each note a line of small text under the tabular."""
    lines = [
        "% needs \\usepackage{booktabs} in the preamble",
        "\\begin{table}[ht]",
        "\\centering",
        f"\\begin{{tabular}}{{{columns}}}",
        "\\toprule",
        *head,
        "\\midrule",
        *(" & ".join(r) + " \\\\" for r in rows),
        "\\bottomrule",
        "\\end{tabular}",
    ]
    if notes:
        lines += [
            "",
            "\\smallskip",
            "\\begin{minipage}{\\linewidth}\\footnotesize",
            *(n + "\\par" for n in notes),
            "\\end{minipage}",
        ]
    lines.append("\\end{table}")
    return "\n".join(lines)


def _signature_notes(results: Sequence[Result]) -> tuple[list[str], list[str]]:
    """A note mark per result (``$^{a}$``; equal signatures share one) and the notes naming each signature."""
    letters: dict[tuple[str, str], str] = {}
    marks = []
    for r in results:
        if r.signature is None:
            marks.append("")
            continue
        key = (r.name, str(r.signature))
        letters.setdefault(key, chr(ord("a") + len(letters) % 26))
        marks.append(f"$^{{{letters[key]}}}$")
    notes = [
        f"$^{{{letter}}}$\\,{latex_escape(name)} signature: \\texttt{{{latex_escape(signature)}}}"
        for (name, signature), letter in letters.items()
    ]
    return marks, notes


def _latex_metric(r: Result) -> str:
    name = latex_escape(r.name)
    return name if r.display_scale == 1 else f"{name} ($\\times${r.display_scale:g})"


@dataclass(frozen=True)
class Scored:
    """One metric's corpus result for ``evalkit score``: the spec text, the result, the bootstrap (if any)."""

    metric: str
    result: Result
    bootstrap: BootstrapCI | None = None

    def to_dict(self) -> dict[str, Any]:
        d = self.result.to_dict()
        out: dict[str, Any] = {
            "metric": self.metric,
            "name": d["name"],
            "score": d["score"],
            "display_scale": self.result.display_scale,
            "components": d["components"],
            "signature": d.get("signature", ""),
        }
        if not math.isfinite(d["score"]):
            out["non_finite"] = (
                f"the score is {d['score']} (undefined for these inputs)"
                if d["score"] != d["score"]
                else f"the score is {d['score']}"
            )
        if self.bootstrap is not None:
            b = self.bootstrap
            out["ci"] = [b.low, b.high]
            out["bootstrap"] = {
                "mean": b.mean,
                "confidence": b.confidence,
                "n_resamples": b.n_resamples,
                "seed": b.seed,
            }
        return out


def _finite(value: Any) -> Any:
    """``value`` with every NaN or infinite float replaced by None (JSON has neither)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def dumps(doc: Any, **options: Any) -> str:
    """Valid JSON (no bare ``NaN``/``Infinity``; non-ASCII kept)."""
    return json.dumps(_finite(doc), ensure_ascii=False, allow_nan=False, **options)


def render_scores(scored: Sequence[Scored], fmt: str, *, segments: int, inputs: dict[str, Any]) -> str:
    """Corpus scores in one of :data:`FORMATS`."""
    if fmt == "json":
        doc = {
            "command": "score",
            "evalkit_version": evalkit.__version__,
            "segments": segments,
            "inputs": inputs,
            "results": [s.to_dict() for s in scored],
        }
        return dumps(doc, indent=2)
    with_ci = any(s.bootstrap is not None for s in scored)
    if fmt == "latex":
        return _latex_scores(scored, with_ci)
    if fmt == "csv":
        header = ["metric", "name", "score", "ci_low", "ci_high", "signature", "components"]
        rows = []
        for s in scored:
            d = s.to_dict()
            lo, hi = d.get("ci", ["", ""])
            rows.append([s.metric, d["name"], repr(d["score"]), lo, hi, d["signature"], dumps(d["components"])])
        return _csv(header, rows)
    ci_head = []
    if with_ci:
        level = next(s.bootstrap.confidence for s in scored if s.bootstrap is not None)
        ci_head = [f"{level:.0%} CI"]
    header = ["Metric", "Score", "Scale", *ci_head, "Details" if fmt == "table" else "Signature"]
    rows = []
    for s in scored:
        r, scale = s.result, s.result.display_scale
        ci = []
        if with_ci:
            ci = [
                f"[{format_score(s.bootstrap.low, scale)}, {format_score(s.bootstrap.high, scale)}]"
                if s.bootstrap
                else ""
            ]
        last = r.details() if fmt == "table" else str(r.signature or "")
        rows.append([r.name, format_score(r.score, scale), _scale_label(scale), *ci, last])
    if fmt == "markdown":
        return markdown(header, rows)
    sigs = [f"{s.result.name} signature: {s.result.signature}" for s in scored if s.result.signature is not None]
    return "\n".join([aligned(header, rows), "", *sigs]).rstrip()


def _latex_scores(scored: Sequence[Scored], with_ci: bool) -> str:
    marks, notes = _signature_notes([s.result for s in scored])
    head = ["Metric & Score" + (f" & {_ci_level(scored)}\\% CI" if with_ci else "") + " \\\\"]
    rows = []
    for s, mark in zip(scored, marks):
        r, scale = s.result, s.result.display_scale
        row = [_latex_metric(r) + mark, _latex_number(r.score, scale)]
        if with_ci:
            b = s.bootstrap
            row.append("" if b is None else f"[{_latex_number(b.low, scale)}, {_latex_number(b.high, scale)}]")
        rows.append(row)
    return _latex_table("lr" + ("c" if with_ci else ""), head, rows, notes)


def _ci_level(scored: Sequence[Scored]) -> str:
    level = next(s.bootstrap.confidence for s in scored if s.bootstrap is not None)
    return f"{level * 100:g}"


def sentence_header(metrics: Sequence[str], fmt: str) -> str | None:
    """The first line of ``--sentence-level`` output (``None`` for JSON Lines, which has no header)."""
    if fmt == "json":
        return None
    header = ["segment", *metrics]
    if fmt == "csv":
        return _csv(header, [])
    if fmt == "markdown":
        return markdown(header, [])
    return "\t".join(header)


def sentence_rows(first: int, metrics: Sequence[str], scales: Sequence[float], columns: Sequence[Any], fmt: str) -> str:
    """Per-segment scores of one chunk, numbered from ``first``; ``columns[j]`` holds metric j's scores."""
    n = len(columns[0]) if columns else 0
    lines = []
    for i in range(n):
        values = [float(c[i]) for c in columns]
        if fmt == "json":
            lines.append(dumps({"segment": first + i, "scores": dict(zip(metrics, values))}))
        elif fmt == "csv":
            lines.append(",".join([str(first + i), *(repr(v) for v in values)]))
        else:
            cells = [str(first + i), *(format_score(v, s) for v, s in zip(values, scales))]
            lines.append("| " + " | ".join(cells) + " |" if fmt == "markdown" else "\t".join(cells))
    return "\n".join(lines)


@dataclass(frozen=True)
class Compared:
    """One system's line in ``evalkit compare``: its name and, per metric, a CI, a paired test and whether
    its statistics equal the baseline's on every segment (``identical``: then there is no difference to
    test, and the p-value, sacrebleu's smallest, means nothing)."""

    name: str
    baseline: bool
    cis: Sequence[BootstrapCI]
    tests: Sequence[PairedTest | None]
    identical: Sequence[bool] = ()

    def metrics(self) -> list[tuple[BootstrapCI, PairedTest | None, bool]]:
        """``(ci, test, identical)`` per metric."""
        same = self.identical or [False] * len(self.cis)
        return list(zip(self.cis, self.tests, same))


#: what the output says of a system whose statistics are the baseline's
IDENTICAL_NOTE = (
    "identical to the baseline (the same statistics on every segment), so there is no difference to test "
    "and the p-value means nothing"
)


def render_compare(
    systems: Sequence[Compared],
    metrics: Sequence[str],
    results: Sequence[Result],
    fmt: str,
    *,
    test: str,
    n: int,
    seed: int | None,
    confidence: float,
    segments: int,
) -> str:
    """The systems' scores, CIs and p-values against the baseline, in one of :data:`FORMATS`."""
    if fmt == "json":
        head = {"segments": segments, "test": test, "n": n, "seed": seed, "confidence": confidence}
        return _compare_json(systems, metrics, results, head)
    if fmt == "csv":
        return _compare_csv(systems, metrics)
    label = {"paired_bootstrap": "paired bootstrap", "delong": "DeLong's test, bootstrap CIs"}.get(
        test, "approximate randomization"
    )
    unit = "trials" if test == "approximate_randomization" else "resamples"
    if fmt == "latex":
        return _latex_compare(systems, results, confidence, f"{label}, {n:,} {unit}, seed {seed}")
    note = f"{label}, {n} {unit}, seed {seed}; * p < 0.05 against the baseline"
    return _compare_text(systems, results, fmt, confidence, note)


def _compare_json(
    systems: Sequence[Compared], metrics: Sequence[str], results: Sequence[Result], head: dict[str, Any]
) -> str:
    doc = {
        "command": "compare",
        "evalkit_version": evalkit.__version__,
        **head,
        "baseline": next(s.name for s in systems if s.baseline),
        "metrics": [
            {"metric": m, "name": r.name, "display_scale": r.display_scale, "signature": str(r.signature or "")}
            for m, r in zip(metrics, results)
        ],
        "systems": [
            {
                "name": s.name,
                "baseline": s.baseline,
                "scores": {m: _compared_score(*c) for m, c in zip(metrics, s.metrics())},
            }
            for s in systems
        ],
    }
    return dumps(doc, indent=2)


def _compared_score(ci: BootstrapCI, t: PairedTest | None, identical: bool) -> dict[str, Any]:
    out = {
        "score": float(ci.result.score),
        "mean": ci.mean,
        "ci": [ci.low, ci.high],
        "p_value": None if t is None else t.p_value,
    }
    if identical:
        out["identical"] = True
    return out


def _compare_csv(systems: Sequence[Compared], metrics: Sequence[str]) -> str:
    header = ["system", "baseline", "metric", "score", "mean", "ci_low", "ci_high", "p_value", "identical"]
    rows = [
        [s.name, s.baseline, m, repr(float(ci.result.score)), repr(ci.mean), repr(ci.low), repr(ci.high),
         "" if t is None else repr(t.p_value), same]
        for s in systems
        for m, (ci, t, same) in zip(metrics, s.metrics())
    ]  # fmt: skip
    return _csv(header, rows)


def _compare_text(
    systems: Sequence[Compared], results: Sequence[Result], fmt: str, confidence: float, note: str
) -> str:
    """``table`` or ``markdown``: a row per system, three columns per metric; an identical system's p-value
    is marked ``(identical)``, unstarred, and a note says why."""
    header = ["System"]
    for r in results:
        header += [f"{r.name} ({_scale_label(r.display_scale)})", f"{confidence:.0%} CI", "p-value"]
    rows = []
    identical = []
    for s in systems:
        row = [s.name + (" (baseline)" if s.baseline else "")]
        for r, (ci, t, same) in zip(results, s.metrics()):
            scale = r.display_scale
            p = "" if t is None else f"{t.p_value:.4f}" + (" (identical)" if same else "*" if t.p_value < 0.05 else "")
            row += [
                format_score(ci.result.score, scale),
                f"[{format_score(ci.low, scale)}, {format_score(ci.high, scale)}]",
                p,
            ]
        rows.append(row)
        same_for = [r.name for r, (_, _, same) in zip(results, s.metrics()) if same]
        if same_for:
            identical.append(f"{s.name} ({', '.join(same_for)}): {IDENTICAL_NOTE}.")
    sigs = [f"{r.name} signature: {r.signature}" for r in results if r.signature is not None]
    body = markdown(header, rows) if fmt == "markdown" else aligned(header, rows)
    return "\n".join([body, "", note, *identical, *sigs])


def _latex_compare(systems: Sequence[Compared], results: Sequence[Result], confidence: float, how: str) -> str:
    marks, notes = _signature_notes(results)
    k = len(results)
    groups = " & ".join(f"\\multicolumn{{3}}{{c}}{{{_latex_metric(r)}{mark}}}" for r, mark in zip(results, marks))
    rules = " ".join(f"\\cmidrule(lr){{{2 + 3 * j}-{4 + 3 * j}}}" for j in range(k))
    head = [f" & {groups} \\\\", rules, "System" + f" & Score & {confidence * 100:g}\\% CI & $p$" * k + " \\\\"]
    rows = []
    any_same = False
    for s in systems:
        row = [latex_escape(s.name) + (" (baseline)" if s.baseline else "")]
        for r, (ci, t, same) in zip(results, s.metrics()):
            scale = r.display_scale
            significant = t is not None and t.p_value < 0.05 and not same
            row += [
                _latex_number(ci.result.score, scale) + ("$^{\\dagger}$" if significant else ""),
                f"[{_latex_number(ci.low, scale)}, {_latex_number(ci.high, scale)}]",
                "" if t is None else f"{t.p_value:.4f}" + ("$^{=}$" if same else ""),
            ]
            any_same = any_same or same
        rows.append(row)
    note = f"$^{{\\dagger}}$\\,$p < 0.05$ against the baseline ({latex_escape(how)})."
    same_note = [f"$^{{=}}$\\,{latex_escape(IDENTICAL_NOTE)}."] if any_same else []
    return _latex_table("l" + "rcr" * k, head, rows, [note, *same_note, *notes])
