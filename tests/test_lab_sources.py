"""The lab scripts as a reader sees them on the site, checked without building it.

A lab's code cell is a fixed-width box on the page: a line longer than about 89 characters at
the site's code font size makes the cell scroll sideways, so that a reader sees half of a line
at a time (the browser test `test_lab_code_fits_its_cell` measures the rendered cells). The
limit here keeps a margin below that. Markdown cells are prose and wrap, so they are exempt.
"""

from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
LABS = sorted(DOCS.glob("*/lab.py"))
MAX_CODE_LINE = 88


def code_lines(script: Path) -> list[tuple[int, str]]:
    """(line number, text) of every line in the script's code cells."""
    lines, in_markdown = [], False
    for number, line in enumerate(script.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("# %%"):
            in_markdown = "[markdown]" in line
        elif not in_markdown:
            lines.append((number, line))
    return lines


def test_every_chapter_has_a_lab():
    assert len(LABS) == 10


@pytest.mark.parametrize("script", LABS, ids=lambda s: s.parent.name)
def test_lab_code_lines_fit_the_cell(script: Path):
    long = [f"{n}: {line}" for n, line in code_lines(script) if len(line) > MAX_CODE_LINE]
    assert not long, f"{script.parent.name}/lab.py: code lines over {MAX_CODE_LINE}:\n" + "\n".join(
        long
    )


@pytest.mark.parametrize("script", LABS, ids=lambda s: s.parent.name)
def test_lab_leaves_thread_settings_to_the_build(script: Path):
    """Thread counts belong to the kernels' environment (hooks/notebooks.py), not to the
    first thing a reader reads."""
    assert not [line for _, line in code_lines(script) if "NUM_THREADS" in line]
