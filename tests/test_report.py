"""`evalkit report`: the HTML page opened in headless Chromium (no console error, no request, the JSON's
numbers in its tables, every chart drawn, a screenshot that is not blank), each `--figure` as a file of
its format, the segment view's sample, the matched n-grams, and evalkit.plot's charts and errors.

The browser tests need Debian's `chromium` and `chromium-driver` (`.ci/run` installs them) and selenium,
pointed at /usr/bin/chromedriver so that no driver or browser is ever downloaded; without them they skip.
"""

from __future__ import annotations

import io
import json
import re
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from evalkit.cli import cli
from evalkit.core.errors import InputTypeError, MissingDependencyError
from evalkit.report.highlight import matched_orders

pytest.importorskip("matplotlib", reason="the report's charts need matplotlib (the plot extra)")

EXAMPLE = resources.files("evalkit") / "data" / "example"
HYP, REF1, REF2 = (str(EXAMPLE / f) for f in ("hyp.txt", "ref1.txt", "ref2.txt"))
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")  # fmt: skip
MAGIC = {".png": b"\x89PNG\r\n\x1a\n", ".pdf": b"%PDF-"}


def invoke(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, [str(a) for a in args], prog_name="evalkit")
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture(scope="module")
def labels(tmp_path_factory):
    """Label and value files: three classes, two classifiers (70% and 85% right), a regressor."""
    d = tmp_path_factory.mktemp("labels")
    rng = np.random.default_rng(7)
    names = np.array(["cat", "dog", "emu"])
    t = rng.integers(0, 3, 400)
    files = {"y_true": t}
    for key, rate in (("a", 0.7), ("b", 0.85)):
        files[key] = np.where(rng.random(400) < rate, t, rng.integers(0, 3, 400))
    paths = {k: d / f"{k}.txt" for k in (*files, "v_true", "v_pred")}
    for k, v in files.items():
        paths[k].write_text("".join(f"{names[x]}\n" for x in v), encoding="utf-8")
    v = rng.normal(size=400)
    paths["v_true"].write_text("".join(f"{float(x)!r}\n" for x in v), encoding="utf-8")
    paths["v_pred"].write_text(
        "".join(f"{float(x)!r}\n" for x in v + rng.normal(scale=0.3, size=400)), encoding="utf-8"
    )
    return paths


@pytest.fixture(scope="module")
def pages(tmp_path_factory, labels):
    """Reports of a text comparison (with its JSON), a classification comparison and a regression score."""
    d = tmp_path_factory.mktemp("report")
    text = ["-m", "bleu", "-m", "chrf", "-n", "200", "-r", REF1, "-b", HYP, REF2]
    out = {"json": json.loads(invoke("compare", *text, "-o", "json")), "text": d / "text.html"}
    invoke("report", *text, "--sample", "60", "--out", out["text"])
    out["classes"] = d / "classes.html"
    invoke("report", "-m", "f1", "-m", "accuracy", "-n", "100", "--true", labels["y_true"], "-b", labels["a"],
           labels["b"], "--out", out["classes"])  # fmt: skip
    out["values"] = d / "values.html"
    invoke("report", "-m", "mse", "--ci-resamples", "100", "--true", labels["v_true"], labels["v_pred"],
           "--out", out["values"])  # fmt: skip
    return out


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
        pytest.skip(f"headless Chromium missing ({CHROMIUM}, {CHROMEDRIVER}): apt-get install chromium chromium-driver")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (the dev extra)")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium')}", "--window-size=1280,1600"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    # an executable path given to the Service: Selenium Manager never runs, nothing is downloaded
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()


def open_page(driver, path: Path) -> list[str]:
    """Load the page; returns the URLs of every request the browser sent while loading it, but the inline
    ``data:`` images of the charts (decoded from the page itself: no request leaves the browser)."""
    driver.get_log("performance")  # drop the events of earlier pages
    driver.get(path.as_uri())
    events = [json.loads(e["message"])["message"] for e in driver.get_log("performance")]
    urls = [e["params"]["request"]["url"] for e in events if e["method"] == "Network.requestWillBeSent"]
    return [u for u in urls if not u.startswith("data:")]


def test_the_text_report_in_a_browser(browser, pages):
    from selenium.webdriver.common.by import By

    requests = open_page(browser, pages["text"])
    assert requests == [pages["text"].as_uri()]  # the page itself, nothing else
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    assert browser.get_log("browser") == []  # no console message at all, errors included
    doc = pages["json"]
    # the scores table: the JSON's numbers, shown x100 with 2 decimals, exact in data-value
    rows = browser.find_elements(By.CSS_SELECTOR, "#scores tbody tr")
    assert len(rows) == len(doc["systems"])
    for row, system in zip(rows, doc["systems"]):
        cells = row.find_elements(By.TAG_NAME, "td")
        assert cells[0].text == system["name"] + (" (baseline)" if system["baseline"] else "")
        for j, m in enumerate(doc["metrics"]):
            s = system["scores"][m["metric"]]
            score, ci, p = cells[1 + 3 * j : 4 + 3 * j]
            assert float(score.get_attribute("data-value")) == s["score"]
            assert score.text == f"{s['score'] * 100:.2f}"
            assert ci.text == f"[{s['ci'][0] * 100:.2f}, {s['ci'][1] * 100:.2f}]"
            assert p.text == ("" if s["p_value"] is None else f"{s['p_value']:.4f}*")
    diffs = browser.find_elements(By.CSS_SELECTOR, "#differences tbody tr td:nth-child(3)")
    base, other = doc["systems"]
    expected = [(other["scores"][m["metric"]]["score"] - base["scores"][m["metric"]]["score"]) for m in doc["metrics"]]
    assert [float(c.get_attribute("data-value")) for c in diffs] == expected
    for m in doc["metrics"]:
        assert m["signature"] in browser.find_element(By.CSS_SELECTOR, "ul.signatures").text
    # every chart is there and drawn
    charts = browser.find_elements(By.CSS_SELECTOR, "figure.chart")
    assert [c.get_attribute("data-chart") for c in charts] == ["scores", "differences", "distribution"]
    for c in charts:
        size = c.find_element(By.TAG_NAME, "svg").size
        assert size["width"] > 200 and size["height"] > 100
    # the segment view: 60 of the 1,000 segments, said so, in pages the buttons turn
    assert "random sample of 60 of the 1,000 segments (seed 12345)" in browser.find_element(By.ID, "sample-note").text
    assert len(browser.find_elements(By.CSS_SELECTOR, "#segments tbody tr")) == 60
    label = browser.find_element(By.CSS_SELECTOR, ".pager .page")
    assert label.text == "page 1 of 3"
    browser.find_element(By.CSS_SELECTOR, '.pager button[data-step="1"]').click()
    assert label.text == "page 2 of 3"
    visible = [r for r in browser.find_elements(By.CSS_SELECTOR, "#segments tbody tr") if r.is_displayed()]
    assert len(visible) == 25
    assert len(browser.find_elements(By.CSS_SELECTOR, "#top-segments tbody tr")) == 20
    assert browser.find_elements(By.CSS_SELECTOR, "#top-segments .m4")  # 4-gram matches are highlighted
    assert browser.get_log("browser") == []
    # a screenshot that is not blank: many colours, pixels that vary
    from PIL import Image

    shot = np.asarray(Image.open(io.BytesIO(browser.get_screenshot_as_png())).convert("RGB"), dtype=np.float64)
    assert shot.shape[0] > 500 and shot.std() > 20
    assert len(np.unique(shot.reshape(-1, 3), axis=0)) > 50


def test_the_classification_and_regression_reports_in_a_browser(browser, pages, labels):
    from selenium.webdriver.common.by import By
    from sklearn.metrics import precision_recall_fscore_support

    assert open_page(browser, pages["classes"]) == [pages["classes"].as_uri()]
    assert browser.get_log("browser") == []
    charts = [c.get_attribute("data-chart") for c in browser.find_elements(By.CSS_SELECTOR, "figure.chart")]
    assert charts == ["scores", "differences", "confusion", "per-class"]
    # the per-class table of the first system against scikit-learn's
    read = [Path(labels[k]).read_text(encoding="utf-8").split() for k in ("y_true", "a")]
    p, r, f, _ = precision_recall_fscore_support(*read, labels=["cat", "dog", "emu"], zero_division=0.0)
    cells = browser.find_elements(By.CSS_SELECTOR, "#per-class-0 tbody tr")
    assert [c.find_element(By.TAG_NAME, "td").text for c in cells] == ["cat", "dog", "emu"]
    for row, values in zip(cells, zip(p, r, f)):
        shown = [float(td.get_attribute("data-value")) for td in row.find_elements(By.CSS_SELECTOR, "td.num")[:3]]
        assert shown == pytest.approx(list(values), abs=1e-12)
    assert open_page(browser, pages["values"]) == [pages["values"].as_uri()]
    assert browser.get_log("browser") == []
    charts = [c.get_attribute("data-chart") for c in browser.find_elements(By.CSS_SELECTOR, "figure.chart")]
    assert charts == ["scores", "residuals"]


def test_the_tables_hold_the_json_numbers_without_a_browser(pages):
    page = pages["text"].read_text(encoding="utf-8")
    values = [
        float(v)
        for v in re.findall(r'<td class="num" data-value="([^"]+)">', page.split('id="scores"')[1].split("</table>")[0])
    ]
    doc = pages["json"]
    expected = [x for s in doc["systems"] for m in doc["metrics"]
                for x in (s["scores"][m["metric"]]["score"],) + (() if s["baseline"] else (s["scores"][m["metric"]]["p_value"],))]  # fmt: skip
    assert values == expected
    # self-contained: every link is to an element of the page itself or inline data
    links = re.findall(r"(?:src|href)=\"([^\"]*)\"", page)
    assert links and all(u.startswith(("#", "data:")) for u in links)
    assert all(u.startswith("#") for u in re.findall(r"url\(([^)]*)\)", page))
    assert "<link" not in page and "@import" not in page and "<img" not in page


def test_a_report_from_the_json_output(tmp_path, pages):
    run = tmp_path / "run.json"
    run.write_text(json.dumps(pages["json"]), encoding="utf-8")
    out = tmp_path / "from_json.html"
    invoke("report", "--json", run, "--out", out)
    page = out.read_text(encoding="utf-8")
    assert 'data-chart="scores"' in page and 'data-chart="differences"' in page and 'id="no-segments"' in page
    assert f'data-value="{pages["json"]["systems"][1]["scores"]["bleu"]["score"]!r}"' in page
    bad = tmp_path / "bad.json"
    bad.write_text('{"command": "metrics"}', encoding="utf-8")
    assert "its 'command' must be one of 'score', 'compare', got 'metrics'" in invoke("report", "--json", bad, code=1)
    assert "--json reads a finished run" in invoke("report", "--json", run, "-m", "bleu", code=2)


def test_a_system_identical_to_its_baseline_is_not_called_significant(tmp_path):
    # the same segments twice: the paired test's p-value (0.001 at 1,000 resamples) tests no difference
    refs, base, same = tmp_path / "refs.txt", tmp_path / "base.txt", tmp_path / "same.txt"
    refs.write_text("the cat sat on the mat\na dog barks\n", encoding="utf-8")
    base.write_text("the cat sat on a mat\na dog\n", encoding="utf-8")
    same.write_text("the cat sat on a mat\na dog\n", encoding="utf-8")
    out = tmp_path / "identical.html"
    invoke("report", "-m", "bleu", "-r", refs, "-b", base, same, "--out", out)
    page = out.read_text(encoding="utf-8")
    assert "identical to the baseline" in page


@pytest.mark.parametrize(
    ("task", "name", "suffix"),
    [("text", "scores", ".svg"), ("text", "differences", ".pdf"), ("text", "distribution", ".png"),
     ("classes", "confusion", ".pdf"), ("classes", "per-class", ".svg"), ("values", "residuals", ".png")],
)  # fmt: skip
def test_each_figure_is_a_file_of_its_format(tmp_path, labels, task, name, suffix):
    args = {
        "text": ["-m", "bleu", "-n", "50", "-r", REF1, "-b", HYP, REF2],
        "classes": ["-m", "f1", "-n", "50", "--true", labels["y_true"], "-b", labels["a"], labels["b"]],
        "values": ["-m", "mae", "--ci-resamples", "50", "--true", labels["v_true"], labels["v_pred"]],
    }[task]
    out = tmp_path / f"fig{suffix}"
    invoke("report", *args, "--figure", name, "--out", out)
    data = out.read_bytes()
    assert len(data) > 1000
    if suffix == ".svg":
        assert b"<svg" in data[:2000] and data.rstrip().endswith(b"</svg>")
    else:
        assert data.startswith(MAGIC[suffix])


def test_figure_errors_list_what_is_allowed(tmp_path, labels):
    args = ["-m", "bleu", "-n", "50", "-r", REF1, HYP]
    out = invoke("report", *args, "--figure", "scores", "--out", tmp_path / "fig.jpg", code=2)
    assert "must end in .png, .svg, .pdf (the format comes from the suffix). Got" in out
    out = invoke("report", *args, "--figure", "confusion", "--out", tmp_path / "fig.png", code=2)
    assert "must be one of the charts this run has: scores, distribution. Got 'confusion' instead." in out
    out = invoke("report", *args, "--figure", "radar", code=2)
    assert "'radar' is not one of 'scores', 'differences', 'distribution', 'confusion', 'per-class', 'residuals'" in out
    assert "--output" not in invoke("report", "-h")  # a report is a file (--out), not a table format


def test_matched_ngrams_are_clipped_as_in_bleu():
    # by hand: "the" twice in the hypothesis, once in the reference: only the first is a matched 1-gram
    hyp, ref = ["the", "the", "cat"], ["the", "cat"]
    assert matched_orders(hyp, [ref]) == ([1, 2, 2], [[2, 2]])
    # the clip is the most occurrences in any one reference (2 unigrams, 1 bigram: the third "a" is not
    # matched); each reference is marked on its own
    assert matched_orders(["a", "a", "a"], [["a"], ["a", "a"]]) == ([2, 2, 0], [[1], [2, 2]])
    assert matched_orders(["x"], [["y"]]) == ([0], [[0]])


def test_plot_names_the_extra_when_matplotlib_is_missing(monkeypatch):
    import evalkit.plot

    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'evalkit\[plot\]'"):
        evalkit.plot.residuals([1.0], [1.0])


def test_plot_functions_check_their_inputs():
    import evalkit.plot
    from evalkit.core.errors import InputError

    with pytest.raises(InputTypeError, match=r"The 'results' parameter of evalkit\.plot\.scores must be a mapping"):
        evalkit.plot.scores([0.5])
    with pytest.raises(InputError, match="must be square with one row per label"):
        evalkit.plot.confusion_matrix([[1, 2]], ["a", "b"])
    with pytest.raises(InputError, match="'y_true' and 'y_pred' must have the same length, got 2 and 1"):
        evalkit.plot.residuals([1.0, 2.0], [1.0])


def test_an_interval_that_does_not_hold_the_point_is_drawn(tmp_path):
    """A percentile bootstrap interval of a biased statistic (NIST, CIDEr-D) can lie below the point: the
    chart draws it as its own segment instead of failing on negative error bars."""
    pytest.importorskip("matplotlib")
    import evalkit.plot

    ax = evalkit.plot.scores({"nist": evalkit.Result("NIST", 6.59, ci=(6.40, 6.55))})
    xs = sorted(x for line in ax.get_lines() for x in line.get_xdata())
    assert xs == [6.40, 6.55, 6.59]
