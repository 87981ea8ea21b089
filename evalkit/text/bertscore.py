"""BERTScore (Zhang et al., 2020) from a local model, exact to bert-score 0.3's ``score``.

Each sentence is encoded as bert-score encodes it (stripped; ``[CLS] ... [SEP]``; a RoBERTa/GPT-2 BPE
with a prefix space; cut at the tokenizer's ``model_max_length``, with a warning) and the model's hidden
states at ``layer`` are L2-normalised. For a hypothesis ``x`` and a reference ``y``, with token weights
``w`` (1, or idf; 0 for [CLS] and [SEP])::

    P = sum_i w(x_i) max_j cos(x_i, y_j) / sum_i w(x_i)
    R = sum_j w(y_j) max_i cos(x_i, y_j) / sum_j w(y_j)
    F = 2 P R / (P + R)

where the maxima run over every token of the other sentence, [CLS] and [SEP] included (bert-score;
``special_tokens="exclude"`` leaves them out, as torchmetrics does). With several references a segment
keeps the largest P, the largest R and the largest F (each on its own, as bert-score). A segment's row is
``[1, P, R, F]``; the corpus score is the mean F, precision and recall the mean P and R
(:mod:`evalkit.text._bertscore_common`), rescaled as ``(m - b) / (1 - b)`` with a baseline file.

The model loads once per process for a folder (and stays loaded on the metric object); sentences run
through it in length-sorted batches; the matching runs in float64 on the model's device. Each segment's
numbers do not depend on the batch size or the order of the inputs beyond the float rounding of the
model's own dtype. bert-score matches a padded batch of pairs, whose padding adds a similarity of 0 to
every maximum: a difference only where every cosine of a token is negative, which contextual embeddings
of trained models do not give.

``idf=True`` weighs tokens by ``log((M + 1) / (df + 1))`` over the ``M`` references, a first pass over
them: a call on one corpus (:func:`bertscore`, ``metric(hyps, refs)``) makes it itself; a running metric
is given it by :meth:`BERTScore.fit_idf` before its first ``update``. The idf table's digest enters the
signature, so only rows scored with the same idf merge.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from evalkit.core.errors import EmptyInputError, InputError, InvalidOptionError
from evalkit.core.registry import register
from evalkit.core.result import Result
from evalkit.core.signature import Signature
from evalkit.models import LocalModel, load_model
from evalkit.text._base import TextMetric
from evalkit.text._bertscore_common import (
    LAYOUT,
    MODEL_ENVIRONMENT,
    BertScoreOptions,
    IdfTable,
    f_score,
    file_digest,
    idf_from_references,
    means,
    read_baseline,
)


class TruncationWarning(UserWarning):
    """A sentence was longer than the model's maximum length and was cut to it (as bert-score cuts it)."""


class EmptySentenceWarning(UserWarning):
    """A hypothesis or reference had no tokens: its P, R and F are 0 (bert-score's value)."""


# -- tokens ----------------------------------------------------------------------------------------


def _max_length(local: LocalModel) -> int:
    limit = int(min(local.tokenizer.model_max_length, 10**9))
    positions = getattr(local.model.config, "max_position_embeddings", None)
    return limit if positions is None else min(limit, int(positions))


def _prefix_space(tokenizer: Any) -> dict[str, Any]:
    """bert-score's ``sent_encode``: RoBERTa's and GPT-2's byte-level BPE get ``add_prefix_space=True``."""
    from transformers import GPT2Tokenizer, RobertaTokenizer

    return {"add_prefix_space": True} if isinstance(tokenizer, (GPT2Tokenizer, RobertaTokenizer)) else {}


def _special_only(tokenizer: Any) -> list[int]:
    """The ids of an empty sentence: its special tokens alone (bert-score's
    ``build_inputs_with_special_tokens([])``, which transformers 5's tokenizers no longer have)."""
    return list(tokenizer("", add_special_tokens=True)["input_ids"])


def encode(local: LocalModel, sentences: Sequence[str], owner: str) -> list[list[int]]:
    """Token ids of each sentence as bert-score's ``sent_encode`` gives them (a warning names the
    sentences cut at the model's maximum length)."""
    tokenizer = local.tokenizer
    limit, extra = _max_length(local), _prefix_space(tokenizer)
    stripped = [s.strip() for s in sentences]
    out: list[list[int]] = [[] for _ in stripped]
    full = [i for i, s in enumerate(stripped) if s]
    empty_ids = _special_only(tokenizer)
    for i, s in enumerate(stripped):
        if not s:
            out[i] = empty_ids
    if full:
        texts = [stripped[i] for i in full]
        ids = tokenizer(texts, add_special_tokens=True, truncation=True, max_length=limit, **extra)["input_ids"]
        for i, row in zip(full, ids):
            out[i] = list(row)
        at_limit = [i for i in full if len(out[i]) >= limit]
        if at_limit:
            # one token more than the limit tells a cut sentence from one that fits exactly
            whole = tokenizer(
                [stripped[i] for i in at_limit], add_special_tokens=True, truncation=True, max_length=limit + 1, **extra
            )["input_ids"]
            cut = [i for i, row in zip(at_limit, whole) if len(row) > limit]
            if cut:
                warnings.warn(
                    f"{owner}: {len(cut)} sentence(s) are longer than the model's maximum of {limit} tokens and were "
                    f"cut to it, as bert-score cuts them (the first: {stripped[cut[0]][:60]!r}...).",
                    TruncationWarning,
                    stacklevel=4,
                )
    return out


# -- matching --------------------------------------------------------------------------------------


def _python_pair(h: np.ndarray, r: np.ndarray, wh: np.ndarray, wr: np.ndarray, kh: np.ndarray, kr: np.ndarray):
    """P, R of one pair, written out: normalised embeddings ``h`` and ``r``, token weights ``wh`` and
    ``wr``, and the tokens each maximum runs over (``kh``, ``kr``). The readable reference."""
    sim = h @ r.T
    precision = [max(sim[i, j] for j in range(len(r)) if kr[j]) for i in range(len(h))]
    recall = [max(sim[i, j] for i in range(len(h)) if kh[i]) for j in range(len(r))]
    p = sum(w * m for w, m in zip(wh, precision)) / sum(wh) if sum(wh) else float("nan")
    q = sum(w * m for w, m in zip(wr, recall)) / sum(wr) if sum(wr) else float("nan")
    return p, q


#: similarities held at once by the matching (float64: 256 MiB), whatever the batch size
_MATCH_CELLS = 1 << 25


def _chunks(order: list[int], sizes: list[tuple[int, int]], most: int) -> list[list[int]]:
    """``order`` cut into runs of at most ``most`` pairs whose padded similarity tables stay under
    ``_MATCH_CELLS`` cells (long sentences make smaller batches)."""
    out: list[list[int]] = []
    run: list[int] = []
    wide_h = wide_r = 0
    for k in order:
        h, r = max(wide_h, sizes[k][0]), max(wide_r, sizes[k][1])
        if run and (len(run) == most or (len(run) + 1) * max(h, 1) * max(r, 1) > _MATCH_CELLS):
            out.append(run)
            run, h, r = [], sizes[k][0], sizes[k][1]
        run.append(k)
        wide_h, wide_r = h, r
    return [*out, run] if run else out


def _torch_pairs(pairs: list[tuple[int, int]], emb: list[Any], weights: list[Any], keep: list[Any], chunk: int):
    """P and R of every ``(hypothesis, reference)`` pair of sentence indices, in padded batches of pairs of
    similar lengths; padding takes no part in any maximum."""
    import torch
    from torch.nn.utils.rnn import pad_sequence

    p_out = np.empty(len(pairs))
    r_out = np.empty(len(pairs))
    sizes = [(len(emb[h]), len(emb[r])) for h, r in pairs]
    order = sorted(range(len(pairs)), key=lambda k: sizes[k])
    for idx in _chunks(order, sizes, chunk):
        hs, rs = [pairs[k][0] for k in idx], [pairs[k][1] for k in idx]
        h = pad_sequence([emb[i] for i in hs], batch_first=True)
        r = pad_sequence([emb[i] for i in rs], batch_first=True)
        wh = pad_sequence([weights[i] for i in hs], batch_first=True)
        wr = pad_sequence([weights[i] for i in rs], batch_first=True)
        kh = pad_sequence([keep[i] for i in hs], batch_first=True)
        kr = pad_sequence([keep[i] for i in rs], batch_first=True)
        sim = torch.bmm(h, r.transpose(1, 2))
        best_r = sim.masked_fill(~kr[:, None, :], -torch.inf).amax(dim=2)
        best_h = sim.masked_fill(~kh[:, :, None], -torch.inf).amax(dim=1)
        p = torch.nan_to_num(best_r, neginf=0.0).mul(wh).sum(1) / wh.sum(1)
        q = torch.nan_to_num(best_h, neginf=0.0).mul(wr).sum(1) / wr.sum(1)
        p_out[idx] = p.cpu().numpy()
        r_out[idx] = q.cpu().numpy()
    return p_out, r_out


# -- the metric ------------------------------------------------------------------------------------


@register
class BERTScore(TextMetric):
    """BERTScore from a local model as a metric object: ``update`` / ``merge`` / ``compute``.

    Options (keyword-only; bert-score's names), declared in :class:`BertScoreOptions`:

    {options}

    The model loads on first use and stays loaded (per process, for a folder); pickling the metric (worker
    processes) leaves a folder's model out and the worker loads it from the same folder, while a
    ``(model, tokenizer)`` pair travels with the metric. ``state_dict`` holds the statistics only.

    Example:
        >>> from evalkit.models.tiny import tiny_model
        >>> folder = tiny_model()  # a tiny random BERT saved with save_pretrained to a temporary folder
        >>> m = BERTScore(model=folder, layer=2)
        >>> r = m.update(["a cat sat"], [["a cat sat"]]).compute()
        >>> round(r.score, 6), r.components["segments"]
        (1.0, 1)
    """

    name: ClassVar[str] = "bertscore"
    options_type: ClassVar[type[BertScoreOptions]] = BertScoreOptions
    options: BertScoreOptions

    def __init__(
        self,
        *,
        model: Any = None,
        layer: int | None = None,
        idf: Any = False,
        special_tokens: str = "match",
        rescale_with_baseline: bool = False,
        baseline_path: str | None = None,
        batch_size: int = 64,
        device: str | None = None,
        dtype: str | None = None,
    ) -> None:
        super().__init__(locals())

    # -- the model -----------------------------------------------------------------------------------
    def loaded(self) -> LocalModel:
        """The model and tokenizer, loaded on first use (a folder once per process) and kept."""
        local = self.__dict__.get("_local")
        if local is None:
            o = self.options
            source = o.model if o.model is not None else os.environ.get(MODEL_ENVIRONMENT, "")
            local = load_model(source, owner=self._owner, device=o.device, dtype=o.dtype)
            if o.layer is not None and o.layer > local.num_layers:
                raise InvalidOptionError(
                    f"The 'layer' parameter of {self._owner} must be in 0..{local.num_layers} for this model "
                    f"({local.num_layers} hidden layers; 0 is the embeddings). Got {o.layer} instead."
                )
            self.__dict__["_local"] = local
        return local

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_local", None)  # a folder's model is loaded again where the metric lands
        return state

    @property
    def layer(self) -> int:
        """The layer matched: ``layer``, or the model's last."""
        return self.options.layer if self.options.layer is not None else self.loaded().num_layers

    # -- idf -----------------------------------------------------------------------------------------
    @property
    def idf_table(self) -> IdfTable | None:
        """The token weights in use: ``None`` without idf; for ``idf=True`` after :meth:`fit_idf`."""
        idf = self.options.idf
        if idf is False:
            return None
        if idf is True:
            return self.__dict__.get("_idf")
        if "_idf" not in self.__dict__:
            self.__dict__["_idf"] = IdfTable.from_mapping(idf)
        return self.__dict__["_idf"]

    def fit_idf(self, references: Sequence[Any]) -> BERTScore:
        """The first pass of ``idf=True``: token weights from ``references`` (per segment, a string or a
        list of strings; every reference counts as a document), kept for every later ``update``."""
        if self.options.idf is not True:
            raise InvalidOptionError(
                f"{self._owner}: fit_idf() is the first pass of idf=True; this metric has idf={self.options.idf!r}."
            )
        if isinstance(references, (str, bytes)) or not isinstance(references, Sequence):
            raise InputError(f"{self._owner}: fit_idf() takes a list of references, got {type(references).__name__}.")
        flat = [r for seg in references for r in ([seg] if isinstance(seg, str) else seg)]
        if not flat or not all(isinstance(r, str) for r in flat):
            raise InputError(f"{self._owner}: fit_idf() takes a non-empty list of reference strings.")
        self.__dict__["_idf"] = idf_from_references(encode(self.loaded(), flat, self._owner))
        return self

    def needs_first_pass(self) -> bool:
        """``idf=True`` before :meth:`fit_idf`: the CLI reads the references once first."""
        return self.options.idf is True and self.idf_table is None

    def first_pass(self, chunks: Iterable[tuple[Any, ...]]) -> None:
        """:meth:`fit_idf` on the references of every ``(hypotheses, references)`` chunk."""
        self.fit_idf([seg for _, references in chunks for seg in references])

    def __call__(self, hypotheses: Any, references: Any) -> Result:
        """Score one corpus (with ``idf=True`` not yet fitted, the idf of these references, as bert-score)."""
        metric = self.fresh()
        if self.options.idf is True and self.idf_table is None:
            metric.fit_idf(references)
        return metric.update(hypotheses, references).compute()

    def _weights(self, ids: list[int], specials: set[int]) -> np.ndarray:
        table = self.idf_table
        if self.options.idf is True and table is None:
            raise InputError(
                f"{self._owner}: idf=True weighs tokens by their idf over the references, a first pass: call "
                "fit_idf(references) before update(), or pass idf={token id: weight} (a call on one corpus, "
                "bertscore(...) or metric(hypotheses, references), makes that pass itself)."
            )
        if table is None:  # bert-score: 1, and 0 for [CLS] and [SEP]
            return np.array([0.0 if t in specials else 1.0 for t in ids])
        return table.lookup(ids, self._owner)

    # -- statistics ----------------------------------------------------------------------------------
    def backend_for(self, hypotheses: list[Any], references: list[list[Any]]) -> str:
        return "torch"

    def segment_rows(self, hypotheses: list[Any], references: list[list[Any]], backend: str) -> np.ndarray:
        """Rows ``[1, P, R, F]`` (float64), each the best over the segment's references."""
        import torch

        local, owner = self.loaded(), self._owner
        join = lambda s: s if isinstance(s, str) else " ".join(map(str, s))  # noqa: E731  (pre-tokenized text)
        sentences: dict[str, int] = {}
        for s in [*hypotheses, *(r for seg in references for r in seg)]:
            sentences.setdefault(join(s), len(sentences))
        texts = list(sentences)
        ids = encode(local, texts, owner)
        tok = local.tokenizer
        specials = {t for t in (tok.cls_token_id, tok.sep_token_id) if t is not None}
        n_empty = len(_special_only(tok))
        device = local.device
        weights = [self._weights(s, specials) for s in ids]
        # a tokenizer without special tokens gives an empty sentence no token: it is not run
        filled = [i for i, s in enumerate(ids) if s]
        states = local.embed([ids[i] for i in filled], layer=self.layer, batch_size=self.options.batch_size)
        width = int(states[0].shape[-1]) if states else 1
        emb = [torch.zeros((0, width), dtype=torch.float64, device=device) for _ in ids]
        for i, state in zip(filled, states):
            e = state.to(torch.float64)
            emb[i] = e / e.norm(dim=-1, keepdim=True)
        keep = []
        for s in ids:
            k = torch.ones(len(s), dtype=torch.bool)
            if self.options.special_tokens == "exclude" and len(s) >= 2:
                k[0] = k[-1] = False
            keep.append(k.to(device))
        w_t = [torch.as_tensor(w, dtype=torch.float64, device=device) for w in weights]
        pairs = [(sentences[join(h)], sentences[join(r)]) for h, seg in zip(hypotheses, references) for r in seg]
        p, r = _torch_pairs(pairs, emb, w_t, keep, chunk=max(4 * self.options.batch_size, 64))
        empty = np.array([len(ids[a]) <= n_empty or len(ids[b]) <= n_empty for a, b in pairs], dtype=bool)
        if empty.any():
            warnings.warn(
                f"{owner}: {int(empty.sum())} pair(s) with an empty hypothesis or reference score P = R = F = 0 "
                "(bert-score's value).",
                EmptySentenceWarning,
                stacklevel=4,
            )
        undefined = ~empty & (np.isnan(p) | np.isnan(r))
        if undefined.any():
            warnings.warn(
                f"{owner}: {int(undefined.sum())} pair(s) have tokens of idf weight 0 only (they occur in every "
                "reference); their undefined P or R counts as 0.",
                EmptySentenceWarning,
                stacklevel=4,
            )
        p[empty], r[empty] = 0.0, 0.0
        p, r = np.nan_to_num(p, nan=0.0), np.nan_to_num(r, nan=0.0)
        f = f_score(p, r)
        rows = np.empty((len(hypotheses), 4))
        start = 0
        for i, seg in enumerate(references):
            stop = start + len(seg)
            rows[i] = (1.0, p[start:stop].max(), r[start:stop].max(), f[start:stop].max())
            start = stop
        return rows

    # -- scoring -------------------------------------------------------------------------------------
    def _baseline(self) -> np.ndarray | None:
        o = self.options
        return None if not o.rescale_with_baseline else read_baseline(o.baseline_path, self.layer, self._owner)

    def checked_totals(self, totals: Any, param: str) -> np.ndarray:
        try:
            arr = np.asarray(totals, dtype=np.float64)
        except (TypeError, ValueError):
            arr = None
        if arr is None or arr.ndim not in (1, 2) or arr.shape[-1] != len(LAYOUT) or arr.size == 0:
            raise InputError(f"{self._owner}: {param!r} must be rows of {len(LAYOUT)} numbers [{', '.join(LAYOUT)}].")
        arr = np.atleast_2d(arr)
        count = arr[:, 0]
        if not np.isfinite(arr).all() or (count < 0).any() or (count != np.round(count)).any():
            raise InputError(f"{self._owner}: {param!r} must hold finite sums and a whole, non-negative count.")
        if (np.abs(arr[:, 1:]) > count[:, None] * (1 + 1e-9)).any():  # each P, R, F lies in [-1, 1]
            raise InputError(f"{self._owner}: {param!r} holds sums of P, R or F beyond their count.")
        return arr

    def formula(self, totals: np.ndarray) -> np.ndarray:
        return means(totals, self._baseline())[:, 2]

    def result(self, total: np.ndarray, signature: Signature) -> Result:
        if total[0] == 0:
            raise EmptyInputError(f"{self._owner}: no segments to score.")
        p, r, f = means(total[None, :], self._baseline())[0]
        components = {"precision": float(p), "recall": float(r), "f1": float(f), "segments": int(total[0])}
        return Result("BERTScore", float(f), components, signature)

    def _signature(self, nrefs: Any) -> Signature:
        import torch
        import transformers

        o, local = self.options, self.loaded()
        items: dict[str, Any] = {} if nrefs is None else {"nrefs": nrefs}
        items["model"] = f"{local.name}@{local.digest[:12]}"
        items["layer"] = self.layer
        table = self.idf_table
        items["idf"] = "no" if o.idf is False else ("refs-unfitted" if table is None else table.digest[:12])
        items.update(o.signature_items())
        if o.rescale_with_baseline:
            items["rescale"] = f"{Path(o.baseline_path).name}@{file_digest(o.baseline_path)[:12]}"
        items["torch"] = torch.__version__
        items["transformers"] = transformers.__version__
        return Signature.of(self.name, **items)


def bertscore(
    hypotheses: Sequence[Any],
    references: Sequence[Any],
    *,
    model: Any = None,
    layer: int | None = None,
    idf: Any = False,
    special_tokens: str = "match",
    rescale_with_baseline: bool = False,
    baseline_path: str | None = None,
    batch_size: int = 64,
    device: str | None = None,
    dtype: str | None = None,
) -> Result:
    """Corpus BERTScore: the mean F1 over segments (``components``: mean precision and recall).

    ``references[i]`` is a ``str`` or a list of ``str``. The number is bert-score's
    ``score(hypotheses, references, model_type=model, num_layers=layer, idf=idf, ...)[2].mean()``.
    Options as :class:`BERTScore`.

    Example:
        >>> from evalkit.models.tiny import tiny_model
        >>> folder = tiny_model()  # a tiny random BERT saved with save_pretrained to a temporary folder
        >>> round(bertscore(["a cat sat"], [["a dog sat", "a cat sat"]], model=folder).score, 6)
        1.0
    """
    return BERTScore.bound("bertscore", locals())(hypotheses, references)


def sentence_bertscore(
    hypotheses: Sequence[Any],
    references: Sequence[Any],
    *,
    model: Any = None,
    layer: int | None = None,
    idf: Any = False,
    special_tokens: str = "match",
    rescale_with_baseline: bool = False,
    baseline_path: str | None = None,
    batch_size: int = 64,
    device: str | None = None,
    dtype: str | None = None,
) -> np.ndarray:
    """F1 of every segment, a float array of shape ``(n_segments,)`` (bert-score's ``F``); for P, R and F
    of each segment use ``BERTScore(...).sentence_scores``. With ``idf=True`` the idf is that of these
    references.

    Example:
        >>> from evalkit.models.tiny import tiny_model
        >>> folder = tiny_model()
        >>> sentence_bertscore(["a cat sat", ""], ["a cat sat", "a dog"], model=folder).round(6).tolist()
        [1.0, 0.0]
    """
    metric = BERTScore.bound("sentence_bertscore", locals())
    if metric.options.idf is True:
        metric.fit_idf(references)
    return metric.segment_scores(hypotheses, references)


__all__ = ["BERTScore", "EmptySentenceWarning", "TruncationWarning", "bertscore", "sentence_bertscore"]
