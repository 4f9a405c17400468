"""The Streamlit app: pages for investment officers and startups over :class:`matcher.api.Matcher`.

Pages (``matcher/ui/pages/``) are thin: they read widgets, call the package, and show results. What a signed-in
user may read or write goes through :class:`matcher.policy.Access`; cached resources and session state live in
:mod:`matcher.ui.state`; shared widgets in :mod:`matcher.ui.widgets`; chart builders in :mod:`matcher.ui.charts`.
Start the app with ``matcher app`` (see :func:`matcher.ui.launch.launch`).
"""
