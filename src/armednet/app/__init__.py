"""The armednet dashboard: a Dash app served from this machine (``armednet serve``).

Pages: network explorer (:mod:`~armednet.app.network`), policy lab
(:mod:`~armednet.app.lab`), experiments (:mod:`~armednet.app.experiments`), events and
calibration (:mod:`~armednet.app.events`) and scenario upload
(:mod:`~armednet.app.upload`); :func:`armednet.app.server.create_app` assembles them.
Each page module keeps its data functions (plain Python, tested without a browser) apart
from its Dash layout and callbacks. Dash and plotly are imported only when an app is built;
the core never imports this package.
"""

__all__: list[str] = []
