"""`make test-fast` (`-m "not slow"`) leaves out the browser, schemathesis and multi-process tests."""
from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _collected(*args: str) -> set[str]:
    """The files whose tests pytest would run with these arguments."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
         *args],
        cwd=TESTS.parent, capture_output=True, text=True, check=False)
    assert result.returncode in (0, 5), result.stdout + result.stderr  # 5: everything deselected
    return {line.split("::")[0] for line in result.stdout.splitlines() if "::" in line}


def test_the_fast_tier_leaves_out_the_slow_files_and_keeps_the_rest():
    files = ["tests/browser/test_comment_form_js.py", "tests/test_api_schema.py",
             "tests/test_architecture.py"]
    # The two collections side by side: each is a pytest start-up of several seconds.
    with ThreadPoolExecutor(max_workers=2) as pool:
        fast = pool.submit(_collected, "-m", "not slow", *files)
        everything = pool.submit(_collected, *files)
        assert fast.result() == {"tests/test_architecture.py"}
        # Without the filter, as in `make test` and CI, they are all still there.
        assert everything.result() == set(files)
