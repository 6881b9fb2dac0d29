"""Text data sets shipped in the package: Shakespeare's tragedies and movie-review sentences.

Sources, licences and counts are in `nnfs/data/README.md`.
"""

from __future__ import annotations

import gzip
import json

import numpy as np

from nnfs.datasets._files import shipped_file

SHAKESPEARE_PLAYS = (
    "Titus Andronicus", "Romeo and Juliet", "Julius Caesar", "Hamlet", "Troilus and Cressida",
    "Othello", "King Lear", "Macbeth", "Antony and Cleopatra", "Coriolanus", "Timon of Athens",
)  # fmt: skip
"""The eleven tragedies in the shipped text, in the order `load_shakespeare` joins them."""


# --8<-- [start:shakespeare]
def load_shakespeare(plays: tuple[str, ...] | list[str] | None = None) -> str:
    """The text of Shakespeare's tragedies (Project Gutenberg, public domain), about 1.5 MB.

    Each play is its plain Gutenberg text: the title, the list of persons, then every scene,
    speakers' names (often abbreviated) on a line of their own before their lines. Plays are
    joined by a blank line, in the order of `SHAKESPEARE_PLAYS`.

    Args:
        plays: the titles to include (e.g. `["Hamlet"]`, for a held-out play), in the order
            given; None for all eleven.

    Returns:
        One string of printable ASCII characters and newlines.
    """
    path = shipped_file("load_shakespeare", "shakespeare.json.gz")
    texts = json.loads(gzip.decompress(path.read_bytes()))
    chosen = SHAKESPEARE_PLAYS if plays is None else tuple(plays)
    unknown = [title for title in chosen if title not in texts]
    if unknown or not chosen:
        shown = unknown or list(chosen)
        raise ValueError(
            f"load_shakespeare: plays expected titles of SHAKESPEARE_PLAYS, got {shown}"
        )
    return "\n\n".join(texts[title] for title in chosen)


# --8<-- [end:shakespeare]


# --8<-- [start:movie_reviews]
def load_movie_reviews(*, scores: bool = False) -> tuple[list[str], np.ndarray]:
    """10,566 one-sentence movie reviews with their polarity: 1 positive, 0 negative.

    The sentences are Rotten Tomatoes snippets collected by Pang & Lee (2005), rated from -4 to
    +4 by at least 20 people each for the VADER study (Hutto & Gilbert, 2014), which
    redistributes them. A sentence is positive when its mean rating is above 0 and negative when
    below; the 37 rated exactly 0 and 2 repeated sentences are left out. 5,241 are positive
    (49.6%), 5,325 negative. Sentences keep their original spelling, accents and punctuation.

    Args:
        scores: also return the mean ratings.

    Returns:
        texts: list of N sentences; labels: (N,) int64 in {0, 1}; with `scores`, also the
        (N,) float64 mean ratings in [-4, 4].
    """
    path = shipped_file("load_movie_reviews", "movie_reviews.tsv.gz")
    rows = gzip.decompress(path.read_bytes()).decode("utf-8").splitlines()[1:]
    fields = [row.split("\t") for row in rows]
    texts = [f[3] for f in fields]
    labels = np.array([int(f[2]) for f in fields], dtype=np.int64)
    if scores:
        return texts, labels, np.array([float(f[1]) for f in fields])
    return texts, labels


# --8<-- [end:movie_reviews]
