"""`evalkit score -o latex` and `evalkit compare -o latex`: booktabs tables shaped to compile (balanced
environments, one cell per column), holding the JSON output's numbers as the human tables round them, with
signatures in notes and LaTeX's special characters escaped."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from evalkit.cli import cli
from evalkit.cli.output import latex_escape

EXAMPLE = resources.files("evalkit") / "data" / "example"
HYP, REF1, REF2 = (str(EXAMPLE / f) for f in ("hyp.txt", "ref1.txt", "ref2.txt"))


def invoke(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, list(args), prog_name="evalkit")
    assert result.exit_code == code, result.output
    return result.output


def environments_balanced(tex: str) -> list[str]:
    """The environments opened, in order; fails on an \\end that closes anything but the last opened."""
    stack, opened = [], []
    for kind, name in re.findall(r"\\(begin|end)\{([^}]*)\}", tex):
        if kind == "begin":
            stack.append(name)
            opened.append(name)
        else:
            assert stack and stack[-1] == name, f"\\end{{{name}}} closes {stack[-1:] or 'nothing'}"
            stack.pop()
    assert not stack, f"unclosed: {stack}"
    return opened


def body_rows(tex: str) -> list[list[str]]:
    """The cells of each row between \\midrule and \\bottomrule."""
    body = tex.split("\\midrule\n", 1)[1].split("\\bottomrule", 1)[0]
    return [[c.strip() for c in line.removesuffix("\\\\").split(" & ")] for line in body.strip().splitlines()]


def columns(tex: str) -> int:
    return len(re.search(r"\\begin\{tabular\}\{([a-z]+)\}", tex).group(1))


def no_bare_specials(tex: str) -> None:
    """Outside the comment line, every _ # % is escaped (a bare one breaks the document)."""
    for line in tex.splitlines()[1:]:
        assert not re.search(r"(?<!\\)[_#%]", line), line


def test_score_latex_holds_the_json_numbers_and_sacrebleu_agrees():
    args = ["score", "-m", "bleu", "-m", "chrf", "--ci", "--ci-resamples", "200", "-r", REF1, "-r", REF2, HYP]
    doc = json.loads(invoke(*args, "-o", "json"))
    tex = invoke(*args, "-o", "latex")
    assert environments_balanced(tex) == ["table", "tabular", "minipage"]
    assert tex.index("\\toprule") < tex.index("\\midrule") < tex.index("\\bottomrule") < tex.index("\\end{tabular}")
    no_bare_specials(tex)
    rows = body_rows(tex)
    assert [len(r) for r in rows] == [columns(tex)] * 2
    for row, r in zip(rows, doc["results"]):
        # x100 with two decimals, as the table output shows BLEU and chrF
        assert row[0].startswith(f"{r['name']} ($\\times$100)$^{{")
        assert row[1] == f"{r['score'] * 100:.2f}"
        assert row[2] == f"[{r['ci'][0] * 100:.2f}, {r['ci'][1] * 100:.2f}]"
        assert f"\\texttt{{{latex_escape(r['signature'])}}}" in tex
    # the reference: sacrebleu's BLEU and chrF on the same files, as sacrebleu itself rounds them
    sacrebleu = pytest.importorskip("sacrebleu")
    lines = [Path(p).read_text(encoding="utf-8").splitlines() for p in (HYP, REF1, REF2)]
    assert rows[0][1] == f"{sacrebleu.corpus_bleu(lines[0], lines[1:]).score:.2f}"
    assert rows[1][1] == f"{sacrebleu.corpus_chrf(lines[0], lines[1:]).score:.2f}"
    assert "95\\% CI" in tex


def test_compare_latex_marks_significance_and_holds_the_json_numbers():
    args = ["compare", "-m", "bleu", "-m", "ter", "-n", "200", "-r", REF1, "-b", HYP, REF2]
    doc = json.loads(invoke(*args, "-o", "json"))
    tex = invoke(*args, "-o", "latex")
    assert environments_balanced(tex) == ["table", "tabular", "minipage"]
    no_bare_specials(tex)
    assert columns(tex) == 1 + 3 * 2
    assert tex.count("\\cmidrule(lr)") == 2 and "\\multicolumn{3}{c}{BLEU ($\\times$100)$^{a}$}" in tex
    rows = body_rows(tex)
    assert [len(r) for r in rows] == [7, 7]
    for row, system in zip(rows, doc["systems"]):
        assert row[0] == latex_escape(system["name"]) + (" (baseline)" if system["baseline"] else "")
        for j, m in enumerate(doc["metrics"]):
            s = system["scores"][m["metric"]]
            score, ci, p = row[1 + 3 * j : 4 + 3 * j]
            significant = s["p_value"] is not None and s["p_value"] < 0.05
            assert score == f"{s['score'] * 100:.2f}" + ("$^{\\dagger}$" if significant else "")
            assert ci == f"[{s['ci'][0] * 100:.2f}, {s['ci'][1] * 100:.2f}]"
            assert p == ("" if s["p_value"] is None else f"{s['p_value']:.4f}")
    # ref2.txt is a second human reference: far better than the system, significantly (p = 1/201)
    assert rows[1][1].endswith("$^{\\dagger}$") and rows[1][3] == f"{1 / 201:.4f}"
    assert "paired bootstrap, 200 resamples, seed 12345" in tex
    assert tex.count("signature: \\texttt{") == 2


def test_latex_escape_of_every_special_character():
    # by hand: each special character and its text-mode form
    given = "a_b & 50% #1 $x$ {y} ~z ^w back\\slash a|b <c>"
    expected = (
        r"a\_b \& 50\% \#1 \$x\$ \{y\} \textasciitilde{}z \textasciicircum{}w back\textbackslash{}slash "
        r"a\textbar{}b \textless{}c\textgreater{}"
    )
    assert latex_escape(given) == expected


def test_file_names_are_escaped_in_the_table(tmp_path):
    odd = tmp_path / "sys_v2 100%.txt"
    odd.write_text(Path(REF2).read_text(encoding="utf-8"), encoding="utf-8")
    tex = invoke("compare", "-m", "bleu", "-n", "50", "-r", REF1, "-b", HYP, str(odd), "-o", "latex")
    assert latex_escape(str(odd)) in tex
    no_bare_specials(tex)


def test_sentence_level_latex_is_refused_with_a_reason():
    out = invoke("score", "-m", "bleu", "--sentence-level", "-r", REF1, HYP, "-o", "latex", code=2)
    assert "-o latex writes a table of corpus scores; --sentence-level prints one line per segment" in out
