"""armednet: armed groups inside the networks of power that sustain them.

The package is organised by architecture layer:

- :mod:`armednet.kb` -- the typed, time-bounded, sourced knowledge graph;
- :mod:`armednet.analysis` -- network analytics on that graph;
- :mod:`armednet.sim` -- the vectorised simulation engine;
- :mod:`armednet.experiments` -- ensembles under uncertainty and their analysis;
- :mod:`armednet.events` -- event-data importers and calibration;
- :mod:`armednet.report`, :mod:`armednet.app`, :mod:`armednet.cli` -- what users see.

Importing :mod:`armednet` does no work; submodules are imported on demand.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("armednet")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
