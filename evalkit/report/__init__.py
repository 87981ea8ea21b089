"""The evaluation report of a scoring or comparison run: one self-contained HTML page, and each of its
charts alone as PNG, SVG or PDF for a paper (``evalkit report``; matplotlib through the ``plot`` extra).

Example:
    >>> from evalkit.report import ReportData, render
    >>> doc = {"command": "score", "segments": 2, "inputs": {"hypotheses": "hyp.txt"},
    ...        "results": [{"metric": "bleu", "name": "BLEU", "score": 0.5, "display_scale": 100,
    ...                     "components": {}, "signature": "nrefs:1"}]}
    >>> page = render(ReportData(doc))
    >>> page.startswith("<!DOCTYPE html>"), 'data-value="0.5">50.00</td>' in page
    (True, True)
"""

from evalkit.report.data import ReportData, Segments
from evalkit.report.figures import FIGURES, SUFFIXES, available, figure, save
from evalkit.report.page import render

__all__ = ["FIGURES", "SUFFIXES", "ReportData", "Segments", "available", "figure", "render", "save"]
