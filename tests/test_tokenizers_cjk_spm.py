"""ja-mecab, ko-mecab and the SentencePiece tokenizers against sacrebleu 2.6, token for token and in BLEU.

The Japanese and Korean lines are public-domain text (tests/data/SOURCES.md); the SentencePiece model is
trained here on the bundled WordNet glosses and placed where sacrebleu looks for its model, so both
libraries tokenize with the same file.
"""

from __future__ import annotations

import pickle
import random
from pathlib import Path

import pytest

import evalkit
from evalkit.core import EvalkitError
from evalkit.lexicon.corpora import perturbed_pairs
from evalkit.tokenizers import get_tokenizer
from evalkit.tokenizers.spm import MODELS, SentencePieceTokenizer

sacrebleu = pytest.importorskip("sacrebleu")
DATA = Path(__file__).parent / "data"


def _lines(name: str) -> list[str]:
    return (DATA / name).read_text(encoding="utf-8").splitlines()


def _perturbed(lines: list[str], seed: int) -> list[str]:
    """Each line with one character dropped and two swapped: hypotheses that differ from the references."""
    rng = random.Random(seed)
    out = []
    for line in lines:
        chars = list(line)
        del chars[rng.randrange(len(chars))]
        i = rng.randrange(len(chars) - 1)
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
        out.append("".join(chars))
    return out


@pytest.mark.parametrize(
    ("name", "file", "module", "cls"),
    [
        ("ja-mecab", "ja.txt", "tokenizer_ja_mecab", "TokenizerJaMecab"),
        ("ko-mecab", "ko.txt", "tokenizer_ko_mecab", "TokenizerKoMecab"),
    ],
)
def test_mecab_tokenizers_are_sacrebleus_token_for_token_and_in_bleu(name, file, module, cls):
    pytest.importorskip("MeCab" if name == "ja-mecab" else "mecab_ko")
    theirs = getattr(__import__(f"sacrebleu.tokenizers.{module}", fromlist=[cls]), cls)()
    ours = get_tokenizer(name)
    refs = _lines(file)
    hyps = _perturbed(refs, seed=1)
    extra = ["", "   ", "。、！", "ABC abc 123", "  mixed 日本語 and 한국어  "]  # empty, punctuation, other scripts
    for line in refs + hyps + extra:
        assert ours(line) == theirs(line).split(), line
    expected = sacrebleu.corpus_bleu(hyps, [refs], tokenize=name)
    got = evalkit.bleu(hyps, refs, tokenize=name)
    assert got.score == pytest.approx(expected.score / 100, abs=1e-12)
    assert str(got.signature).split("|")[3] == f"tok:{theirs.signature()}"  # tok:ja-mecab-0.996-IPA
    assert evalkit.sentence_bleu(hyps[:3], refs[:3], tokenize=name).tolist() == pytest.approx(
        [sacrebleu.sentence_bleu(h, [r], tokenize=name).score / 100 for h, r in zip(hyps[:3], refs[:3])], abs=1e-12
    )


@pytest.fixture(scope="module")
def spm_model(tmp_path_factory) -> Path:
    spm = pytest.importorskip("sentencepiece")
    folder = tmp_path_factory.mktemp("spm")
    hyps, _ = perturbed_pairs(3000, seed=3)
    (folder / "glosses.txt").write_text("\n".join(hyps), encoding="utf-8")
    spm.SentencePieceTrainer.Train(
        input=str(folder / "glosses.txt"), model_prefix=str(folder / "tiny"), vocab_size=400, minloglevel=2
    )
    return folder / "tiny.model"


@pytest.fixture
def sacrebleu_home(spm_model, tmp_path, monkeypatch):
    """The tiny model under every SentencePiece name, where sacrebleu (and so evalkit) reads it."""
    tokenizer_spm = pytest.importorskip("sacrebleu.tokenizers.tokenizer_spm")
    (tmp_path / "models").mkdir()
    for file, _ in MODELS.values():
        (tmp_path / "models" / file).write_bytes(spm_model.read_bytes())
    monkeypatch.setenv("SACREBLEU", str(tmp_path))
    monkeypatch.setattr(tokenizer_spm, "SACREBLEU_DIR", str(tmp_path))  # sacrebleu read it at import
    return tmp_path


@pytest.mark.parametrize("name", ["flores101", "flores200", "spBLEU-1K"])
def test_spm_tokenizers_are_sacrebleus_with_the_same_model_file(sacrebleu_home, name):
    from sacrebleu.metrics.bleu import _get_tokenizer

    theirs = _get_tokenizer(name)()
    ours = get_tokenizer(name)
    hyps, refs = perturbed_pairs(200, seed=5)
    refs = [r[0] for r in refs]
    for line in [*hyps, "", "  ", "...", "naïve café 日本"]:
        assert ours(line) == theirs(line).split(), line
    expected = sacrebleu.corpus_bleu(hyps, [refs], tokenize=name)
    got = evalkit.bleu(hyps, refs, tokenize=name)
    assert got.score == pytest.approx(expected.score / 100, abs=1e-12)
    signature = str(got.signature)
    assert f"|tok:{name}|" in signature
    assert "|spm:" in signature  # the model file's hash: another file under the same name signs differently


def test_a_missing_spm_model_says_where_to_put_it_and_never_downloads(tmp_path, monkeypatch):
    monkeypatch.setenv("SACREBLEU", str(tmp_path))
    with pytest.raises(EvalkitError, match=r"flores200sacrebleuspm.*never downloads.*https://"):
        evalkit.bleu(["a"], ["a"], tokenize="flores200")
    assert not (tmp_path / "models").exists()


def test_a_corrupt_spm_model_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.model"
    bad.write_bytes(b"not a model")
    with pytest.raises(EvalkitError, match="is not a SentencePiece model"):
        SentencePieceTokenizer(bad)
    with pytest.raises(EvalkitError, match="does not exist"):
        SentencePieceTokenizer(tmp_path / "absent.model")


def test_a_model_anywhere_and_its_hash_in_the_signature(spm_model, tmp_path):
    hyps, refs = perturbed_pairs(20, seed=9)
    mine = SentencePieceTokenizer(spm_model, name="my-spm")
    result = evalkit.bleu(hyps, refs, tokenize=mine)
    assert "|tok:my-spm|" in str(result.signature)
    assert "|spm:" in str(result.signature)
    again = pickle.loads(pickle.dumps(mine))  # worker processes load the same file
    assert again("a small cat") == mine("a small cat")
    other = tmp_path / "other.model"
    other.write_bytes(spm_model.read_bytes())
    assert SentencePieceTokenizer(other, name="my-spm").signature_items() == mine.signature_items()
