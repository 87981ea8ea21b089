"""The wheel holds everything: built from a copy of the project, installed into a fresh virtual environment,
it scores the example corpus and runs the generator's dry run from a folder outside the checkout, reading
the WordNet 3.0 copy it carries (EVALKIT_WORDNET names an empty folder). Nothing is downloaded: the wheel
is built without build isolation (setuptools from the dev extras) and installed with ``--no-deps``; the
dependencies are the running environment's, put on the new environment's path by a ``.pth`` file."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# the installed package's data (the checkout's evalkit/ is the reference), py.typed, licenses
EXPECTED = [
    "evalkit/py.typed",
    "evalkit/data/WORDNET_LICENSE",
    "evalkit/data/wordnet30.txt.xz",
    "evalkit/data/wordnet30_synonyms.txt.gz",
    "evalkit/data/example/hyp.txt",
    "evalkit/data/example/ref1.txt",
    "evalkit/data/example/ref2.txt",
]


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 600) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{cmd} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _source_files() -> list[str]:
    """The package's files as they would be in a fresh clone: evalkit/ less caches and build leftovers."""
    out = []
    for path in sorted((ROOT / "evalkit").rglob("*")):
        rel = path.relative_to(ROOT)
        if path.is_file() and "__pycache__" not in rel.parts and path.suffix not in {".pyc", ".so"}:
            out.append(rel.as_posix())
    return out


@pytest.mark.slow
def test_wheel_installs_and_runs_outside_the_checkout(tmp_path):
    pytest.importorskip("setuptools", minversion="77", reason="building the wheel without a download")
    src = tmp_path / "src"
    src.mkdir()
    for name in ["pyproject.toml", "README.md", "LICENSE"]:
        shutil.copy2(ROOT / name, src / name)
    for rel in _source_files():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, src / rel)
    quiet = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index"]
    _run([*pip_wheel, "-q", "-w", str(tmp_path / "dist"), str(src)], tmp_path, quiet)
    (wheel,) = (tmp_path / "dist").glob("evalkit-*.whl")

    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        dist_info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
        metadata = zf.read(f"{dist_info}/METADATA").decode("utf-8")
    missing = [n for n in [*_source_files(), *EXPECTED] if n not in names]
    assert not missing, f"not in the wheel: {missing}"
    assert {f"{dist_info}/licenses/LICENSE", f"{dist_info}/licenses/evalkit/data/WORDNET_LICENSE"} <= names
    assert "License-Expression: Apache-2.0" in metadata
    assert not [n for n in names if n.startswith(("tests/", "scripts/", "benchmarks/"))]
    # the C kernels, compiled by the build (this machine has a compiler, as CI's)
    assert [n for n in names if n.startswith("evalkit/text/_kernels.") and n.endswith((".so", ".pyd"))], names

    # a fresh environment with the wheel alone; its dependencies seen through a .pth (no download)
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp_path)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / ("python.exe" if os.name == "nt" else "python")
    _run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index", str(wheel)],
        tmp_path,
        quiet,
    )
    site = Path(
        _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp_path).strip()
    )
    deps = ["numpy", "regex", "click", "tqdm", "torch"]
    dirs = {str(Path(spec.origin).parent.parent) for m in deps if (spec := importlib.util.find_spec(m)) and spec.origin}
    (site / "_evalkit_test_deps.pth").write_text("".join(f"{d}\n" for d in sorted(dirs)))

    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "empty").mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}}
    env.update(EVALKIT_WORDNET=str(elsewhere / "empty"), PATH=f"{bindir}{os.pathsep}{env.get('PATH', '')}")
    where = _run(
        [str(python), "-c", "import evalkit, evalkit.lexicon.corpora as c; print(evalkit.__file__); print(c.BUNDLED)"],
        elsewhere,
        env,
    ).split()
    assert all(Path(p).is_relative_to(site) for p in where), where
    kernels = "import evalkit.text._kernels as k, evalkit.text.ngrams as n; print(k.__file__, n.use_compiled())"
    origin, used = _run([str(python), "-c", kernels], elsewhere, env).split()
    assert Path(origin).is_relative_to(site) and used == "True", (origin, used)

    score = _run([str(bindir / "evalkit"), "score", "--example", "-m", "bleu"], elsewhere, env)
    assert "BLEU" in score and "version:" in score, score
    if importlib.util.find_spec("torch") is None:
        pytest.skip("evalkit generator train --dry-run needs torch (pip install torch==2.13.0)")
    out = _run(
        [str(bindir / "evalkit"), "generator", "train", "--dry-run", "--out", str(elsewhere / "run")], elsewhere, env
    )
    assert "epoch=1" in out and (elsewhere / "run" / "checkpoint.pt").exists(), out
