"""Innopolis Matcher: ``streamlit run app_streamlit.py`` from a checkout serves the packaged app.

The app is :mod:`matcher.ui.app`; it ships inside the package so that an installed wheel serves it too
(``matcher app``). This runs the script ``matcher app`` hands to Streamlit, on every Streamlit run.
"""

from __future__ import annotations

import runpy

from matcher.resources import streamlit_script

with streamlit_script() as script:
    runpy.run_path(str(script), run_name="__main__")
