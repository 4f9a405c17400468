"""The REST API for the agencies' CRMs: FastAPI on uvicorn, over the same application layer as the CLI and the app.

``matcher serve`` starts it (:func:`matcher.server.run.serve`); :func:`create_app` builds it over one
:class:`~matcher.api.Matcher`. Every request acts as the :class:`~matcher.policy.Access` of its API key
(``matcher api-key create``), so the app's role and redaction rules apply unchanged.

Example:
    >>> app = create_app(Matcher(tempfile.mkdtemp()))      # doctest: +SKIP
    >>> uvicorn.run(app, host="127.0.0.1", port=8000)        # doctest: +SKIP
"""

from __future__ import annotations

from .app import ServerConfig, create_app

__all__ = ["ServerConfig", "create_app"]
