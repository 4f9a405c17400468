"""The script ``matcher app`` hands to Streamlit: it runs the app, :mod:`matcher.ui.app`.

It lives in a folder of its own because Streamlit treats a ``pages/`` folder beside its main script as the old
multipage layout, and would run the first script run of a server through it, with every file of
``matcher/ui/pages/`` as a page of its own, before ``st.navigation`` takes over. Streamlit re-runs its main script
on every interaction, so the app's file is run each time rather than imported (an import runs once per process).
"""

from __future__ import annotations

import runpy

from matcher.resources import app_script

with app_script() as script:
    runpy.run_path(str(script), run_name="__main__")
