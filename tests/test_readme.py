"""Every Python example in the README runs as written and shows what it says.

An example either checks its own results with ``assert`` (and prints what it shows), or its
expected output is pinned here in :data:`PRINTS`, found by a marker in its code.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
EXAMPLES = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)

#: Output of the examples that state it in the prose around them: marker -> (text, times).
PRINTS = {"def total_rows": ("{'bank': 12, 'platform': 12}", 2)}


def test_readme_has_examples() -> None:
    assert EXAMPLES


@pytest.mark.parametrize("code", EXAMPLES)
def test_example_runs(code: str, tmp_path: Path) -> None:
    script = tmp_path / "example.py"
    script.write_text(code, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip(), "an example prints what it shows"
    pinned = [expected for marker, expected in PRINTS.items() if marker in code]
    if not pinned:
        assert re.search(r"^\s*assert ", code, re.MULTILINE), (
            "an example whose output is not pinned in PRINTS checks its results with assert"
        )
    for text, times in pinned:
        assert done.stdout.count(text) == times
