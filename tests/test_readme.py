"""Every Python snippet in README.md runs (documentation cannot rot)."""

import os
import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def python_blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_readme_has_one_install_and_one_test_command():
    text = README.read_text()
    bash = re.findall(r"```bash\n(.*?)```", text, flags=re.DOTALL)
    assert 'python -m pip install -e ".[all]"\n' in bash
    assert "python -m pytest\n" in bash


def test_readme_examples_run(tmp_path, capsys):
    blocks = python_blocks()
    assert len(blocks) >= 2
    namespace = {}
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        for code in blocks:
            exec(compile(code, str(README), "exec"), namespace)
    finally:
        os.chdir(cwd)
    out = capsys.readouterr().out
    assert "2-cycle (0.957, 2.837)\u2194(1.000, 2.876)" in out
    assert "minimum (1.690, 1.963)" in out
    assert (tmp_path / "basins_sigma7.png").stat().st_size > 10_000
