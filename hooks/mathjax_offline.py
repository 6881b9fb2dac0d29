"""MkDocs hook: copy MathJax from the installed `django-static-mathjax` package into the site.

The book must render math with no request leaving the site, and third-party JavaScript is not
committed to this repository, so the files are copied from site-packages at every build.
"""

from __future__ import annotations

import shutil
from pathlib import Path

# The parts of MathJax 3 that the tex-chtml component loads at run time.
PARTS = ["tex-chtml.js", "input/tex/extensions", "output/chtml", "ui", "a11y", "adaptors", "sre"]


def _mathjax_es5() -> Path:
    import mathjax

    return Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"


def on_post_build(config, **kwargs) -> None:
    source = _mathjax_es5()
    target = Path(config["site_dir"]) / "mathjax"
    for part in PARTS:
        src = source / part
        if src.is_dir():
            shutil.copytree(src, target / part, dirs_exist_ok=True)
        elif src.is_file():
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target / part)
