"""The application layer: every use case of the matcher, once, for the CLI, the app and the REST API alike.

Layers, from the outside in (each imports only from the ones below it; ``tests/test_layers.py`` runs the
import-linter contracts of ``pyproject.toml`` that hold them)::

    front ends      matcher.cli · matcher.ui (Streamlit) · matcher.server (REST)
    policy          matcher.policy: who may do what, and what each role sees (redaction)
    facade          matcher.api.Matcher: one object per workspace, composed of the services below
    application     matcher.service: importing · indexing · matching · curation · planning · evaluation · admin ·
                    attraction · alerts
    stages          readers · validate · store · embed · index · catalogue · candidates · features · rank ·
                    diversify · explain · bands · schedule · export · learn · evaluate · synthetic · cordis ·
                    attract · alerts
    foundation      matcher.schema · matcher.vocab · matcher.errors · matcher.config

A service is a small class over a :class:`~matcher.service.context.Context` (the workspace's folder, store,
encoder and embedding cache, opened on first use); front ends reach the services through a
:class:`~matcher.api.Matcher` (``m.curation``, ``m.planning``, ``m.admin`` ...), never the store.
"""
