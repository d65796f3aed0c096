"""The authors' releases on this machine: verified download, filing a hand-downloaded file, lookup.

The catalogue itself lives in each method file (`NeuralMethod.releases`); this package holds the
network code, which only runs when the user asks (`weights fetch`, `--weights NAME=official`).
"""

from .fetch import MIRROR_ENV, download, source_url
from .official import add_release, catalogue_rows, fetch_release, official_weights, release_for

__all__ = [
    "MIRROR_ENV",
    "add_release",
    "catalogue_rows",
    "download",
    "fetch_release",
    "official_weights",
    "release_for",
    "source_url",
]
