"""Every study in studies/ is documented in studies/README.md and runs --quick."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STUDIES = sorted(p for p in (ROOT / "studies").glob("*.py")
                 if not p.name.startswith("_"))
README = ROOT / "studies" / "README.md"

#: The fields every entry states (bold labels in the README).
FIELDS = ("Shows", "Paper", "Command", "Default run", "Found", "Differs")


def entries():
    """README sections by study file name: '## name.py' up to the next '## '."""
    text = README.read_text()
    parts = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    out = {}
    for part in parts:
        head, _, body = part.partition("\n")
        m = re.search(r"([A-Za-z0-9_]+\.py)", head)
        if m:
            out[m.group(1)] = body
    return out


def test_there_are_studies():
    assert len(STUDIES) >= 5


@pytest.mark.parametrize("study", STUDIES, ids=lambda p: p.name)
def test_every_study_has_a_complete_readme_entry(study):
    found = entries()
    assert study.name in found, f"studies/README.md has no '## {study.name}' entry"
    body = found[study.name]
    for field in FIELDS:
        assert f"**{field}" in body, f"{study.name}: entry lacks '**{field}'"
    assert f"python studies/{study.name}" in body


def test_readme_lists_no_missing_study():
    names = {p.name for p in STUDIES}
    assert set(entries()) <= names, set(entries()) - names


def covered_elsewhere(study):
    """Whether another test file runs this study with --quick."""
    for test in (ROOT / "tests").glob("test_*.py"):
        if test.name == Path(__file__).name:
            continue
        text = test.read_text()
        if "--quick" in text and (study.name in text or f'"{study.stem}"' in text):
            return True
    return False


def run_quick(study, tmp_path):
    proc = subprocess.run(
        [sys.executable, str(study), "--quick", "--out", str(tmp_path / "out")],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = tmp_path / "out"
    assert any(out.glob("*.json")) and any(out.glob("*.png"))


@pytest.mark.parametrize("study", STUDIES, ids=lambda p: p.name)
def test_every_study_runs_quick(study, tmp_path):
    """Run --quick here unless another test already does (keeps the suite fast)."""
    if covered_elsewhere(study):
        pytest.skip(f"{study.name} --quick runs in another test file")
    run_quick(study, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("study", STUDIES, ids=lambda p: p.name)
def test_every_study_runs_quick_here(study, tmp_path):
    run_quick(study, tmp_path)
