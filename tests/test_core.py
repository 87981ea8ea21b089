"""The statistics core: Result, Signature, validation messages, registry, and the Metric mechanism."""

from __future__ import annotations

import json

import numpy as np
import pytest
from _toys import WordCounts

import evalkit
import evalkit.core.metric as metric_module
from evalkit.core import (
    EmptyInputError,
    InputError,
    InputTypeError,
    InvalidOptionError,
    Metric,
    Result,
    Signature,
    get_metric,
)
from evalkit.core.validate import check_choice, check_int, check_number, check_same_length, text_pairs


class _Accuracy(Metric):
    """A toy metric: statistics (correct, total) per item."""

    name = "toy_accuracy"

    def stats(self, y_true, y_pred):
        t, p = np.asarray(y_true), np.asarray(y_pred)
        return np.stack([(t == p).astype(np.int64), np.ones_like(t, dtype=np.int64)], axis=1)

    def score(self, total):
        return Result(
            self.name, total[0] / total[1], {"correct": int(total[0]), "total": int(total[1])}, self.signature()
        )

    def signature(self):
        return Signature.of(self.name)


def test_result_float_dict_and_str():
    sig = Signature.of("bleu", nrefs=2, case="mixed", eff=False, smooth="exp")
    r = Result("BLEU", 0.25, {"precisions": [0.5, 0.25], "bp": 1.0, "flag": True}, sig, display_scale=100)
    assert float(r) == 0.25
    d = r.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert (
        d["score"] == 0.25 and d["signature"] == f"nrefs:2|case:mixed|eff:no|smooth:exp|version:{evalkit.__version__}"
    )
    assert str(r) == f"BLEU = 25.00 (precisions=0.5000/0.2500 bp=1.0000) | {sig}"
    with pytest.raises(AttributeError):
        r.score = 1.0  # frozen


def test_metric_update_merge_compute_reset():
    a, b = _Accuracy(), _Accuracy()
    a.update([1, 2, 3], [1, 2, 0]).update([4], [4])
    b.update([5, 6], [0, 6])
    assert float(a.compute()) == 3 / 4
    a.merge(b)
    assert float(a.compute()) == 4 / 6 and a.n_items == 6
    # functional call on the concatenation gives the merged number and leaves the state alone
    assert float(_Accuracy()([1, 2, 3, 4, 5, 6], [1, 2, 0, 4, 0, 6])) == 4 / 6
    a.reset()
    with pytest.raises(EmptyInputError, match="before any update"):
        a.compute()
    assert [float(r) for r in _Accuracy().sentence_scores([1, 2], [1, 0])] == [1.0, 0.0]


def test_a_growing_frame_merges_on_the_union_and_the_total_is_a_copy():
    m = WordCounts().update(["a", "b", "a"]).update(["c", "a"])
    assert m.space == ("a", "b", "c")
    total = m.total
    assert total.tolist() == [3, 1, 1]  # a three times, b and c once each
    total[0] = 99
    assert m.total.tolist() == [3, 1, 1]
    assert float(m.compute()) == 3 / 5
    other = WordCounts().update(["d"])
    assert m.merge(other).total.tolist() == [3, 1, 1, 1]
    assert _Accuracy().update([1], [1]).total.tolist() == [1, 1]


def test_batches_in_growing_frames_are_joined_in_a_balanced_tree(monkeypatch):
    # a training loop adds batch after batch, each in a frame of its own distinct values: joining each into
    # the state at once rewrites the whole state every time (quadratic in the number of batches). Waiting
    # batches are joined pairwise instead; count the statistics written by align to see it.
    class Counted(WordCounts):
        written = 0

        def align(self, total, space, target):
            Counted.written += len(target)
            return super().align(total, space, target)

    monkeypatch.setattr(metric_module, "_WAIT_FROM_WIDTH", 0)  # from the first batch on (else from 4096)
    batches = [[f"w{i:05d}", f"v{i:05d}"] for i in range(2048)]  # 2 new words each
    m = Counted()
    for i, words in enumerate(batches):
        m.update(words)
        if i == 1000:  # a read in between folds what waits: the state is always the whole
            assert m.total.sum() == 2 * 1001 and len(m.space) == 2 * 1001
    whole = WordCounts().update([w for b in batches for w in b])
    assert m.space == whole.space
    np.testing.assert_array_equal(m.total, whole.total)
    n = 2 * len(batches)
    # at once: about n**2 / 2 = 8.4 million writes; in a balanced tree: n log2(n) = 49,000 or so
    assert Counted.written < 4 * n * np.log2(n), Counted.written


def test_a_refused_batch_takes_no_waiting_batch_with_it(monkeypatch):
    # a batch whose frame cannot join (here: words in capitals after lower-case ones) is refused; the batches
    # waiting beside it stay counted. F1 of labels 0..4, then [5] (waiting), then string labels: the string
    # batch was refused at the next read, and the read after that scored 8 items, [5] lost with it
    class Lower(WordCounts):
        def join_spaces(self, a, b):
            if any(w.isupper() for w in a) != any(w.isupper() for w in b):
                raise InputError("toy_word_counts: cannot join capitals with lower-case words.")
            return super().join_spaces(a, b)

    # a narrow state (labels) joins each batch at once: the update that cannot join is refused
    m = Lower().update(["a", "b", "c", "d", "e", "f"]).update(["g"])
    with pytest.raises(InputError, match="capitals"):
        m.update(["X"])
    assert m.n_items == 7
    monkeypatch.setattr(metric_module, "_WAIT_FROM_WIDTH", 0)  # wide states let batches wait
    m = Lower().update(["a", "b", "c", "d"]).update(["e"])
    with pytest.raises(InputError, match="capitals"):
        m.update(["X", "Y", "Z"])  # wide enough to join what waits
    assert m.n_items == 5 and m.space == ("a", "b", "c", "d", "e")
    m = Lower().update(["a", "b", "c", "d", "e", "f"]).update(["g"])
    m.update(["X"])  # not yet joined: it waits, and every read refuses the state until a reset
    for _ in range(2):
        with pytest.raises(InputError, match="capitals"):
            m.compute()
    assert m.reset().update(["g"]).n_items == 1


def test_a_frame_of_arrays_is_read_only():
    # NIST's frame is (tokens, parent, last), a median's (outputs, pairs): arrays inside a tuple. Written into
    # through .space, they were the running state's own (parent[:] = -1 changed the next score)
    metrics = [
        evalkit.NIST().update(["a b c"], ["a b c d"]),
        evalkit.MedianAbsoluteError().update([1.0, 2.0], [2.0, 2.0]),
        evalkit.RocAuc().update([0, 1], [0.2, 0.4]),
    ]
    for m in metrics:
        arrays = [a for a in m.space if isinstance(a, np.ndarray)] + [
            a for part in m.space if isinstance(part, tuple) for a in part if isinstance(a, np.ndarray)
        ]
        assert arrays and not any(a.flags.writeable for a in arrays), m.name


def test_merge_refuses_other_metric():
    class Other(_Accuracy):
        name = "other"

    with pytest.raises(InputError, match="cannot merge"):
        _Accuracy().merge(Other())


def test_choice_message_names_parameter_allowed_and_suggestion():
    with pytest.raises(InvalidOptionError) as e:
        check_choice("bleu", "smooth", "expo", ("none", "floor", "add-k", "exp"))
    assert str(e.value) == (
        "The 'smooth' parameter of bleu must be one of 'none', 'floor', 'add-k', 'exp'. "
        "Got 'expo' instead (did you mean 'exp'?)."
    )


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "3"])
def test_check_int_rejects(value):
    with pytest.raises(InvalidOptionError, match="'max_order' parameter of bleu must be an int"):
        check_int("bleu", "max_order", value, minimum=1)


@pytest.mark.parametrize("value", [float("nan"), -0.1, 2, "x"])
def test_check_number_rejects(value):
    with pytest.raises(InvalidOptionError, match=r"must be a number in \[0, 1\]"):
        check_number("meteor", "alpha", value, low=0, high=1)


def test_same_length_names_each():
    with pytest.raises(InputError, match="y_true has 3, y_pred has 2"):
        check_same_length("f1_score", y_true=[1, 2, 3], y_pred=[1, 2])


def test_text_pairs_layouts_and_no_mutation():
    hyps, refs = ["a b", "c"], ["a b", ["c", "d"]]
    h, r = text_pairs("bleu", hyps, refs)
    assert h == ["a b", "c"] and r == [["a b"], ["c", "d"]]
    assert refs == ["a b", ["c", "d"]]
    h, r = text_pairs("bleu", [["a", "b"]], [[["a", "b"], ["a"]]])
    assert h == [["a", "b"]] and r == [[["a", "b"], ["a"]]]


def test_text_pairs_errors():
    with pytest.raises(InputError, match="'hypotheses' has 2 and 'references' has 1"):
        text_pairs("bleu", ["a", "b"], ["a"])
    with pytest.raises(InputError, match="looks transposed"):
        text_pairs("bleu", ["a", "b", "c"], [["a", "b", "c"], ["x", "y", "z"]])
    with pytest.raises(InputTypeError, match=r"hypotheses\[1\] must be a str"):
        text_pairs("bleu", ["a", 3], ["a", "b"])
    with pytest.raises(InputTypeError, match=r"references\[0\]\[1\] must be a str"):
        text_pairs("bleu", ["a"], [["a", None]])
    with pytest.raises(InputTypeError, match="'hypotheses' must be a list"):
        text_pairs("bleu", "a b", ["a b"])
    with pytest.raises(EmptyInputError, match="corpus is empty"):
        text_pairs("bleu", [], [])
    with pytest.raises(InputTypeError, match="nltk's layout"):
        text_pairs("bleu", [["a", "b"]], [["a", "b"]])


def test_registry_unknown_name_suggests():
    with pytest.raises(InvalidOptionError, match="Unknown metric 'toy_acuracy'"):
        get_metric("toy_acuracy")


def test_import_is_light():
    import subprocess
    import sys

    code = "import sys, evalkit; print(','.join(m for m in ('torch', 'nltk', 'sklearn', 'sacrebleu', 'dask', 'matplotlib', 'scipy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_rows_take_lists_as_arrays():
    # a sample of weight 1 in cell 0 and one of weight 2.5 in cell 2, over 3 summed cells, by hand
    rows = evalkit.Rows([[1], [4]], cells=[[0], [2]], values=[[1.0], [2.5]], n_cells=3)
    assert rows.total().tolist() == [5.0, 1.0, 0.0, 2.5]
