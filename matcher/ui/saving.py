"""Saving what a page shows as a saved search, alerted in the Inbox: the Search page's text with its filters, and
the Find partners page's suggestions for one organisation with theirs.

Both go through the policy's :meth:`~matcher.policy.Access.save_search`, as the Inbox's own form does; the Inbox
lists, and removes, what was saved here.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from matcher.alerts import MAX_NAME_CHARS, MAX_SAVED_PER_USER
from matcher.errors import USER_ERRORS, user_message
from matcher.filters import Filters
from matcher.policy import Access
from matcher.service.alerts import SavedSearch
from matcher.ui.i18n import language, t
from matcher.ui.localise import describe_filters
from matcher.ui.widgets import safe

__all__ = ["default_name", "same_search", "save_panel"]


def default_name(text: str) -> str:
    """A saved search's name when none is typed: ``text``, cut to the longest name allowed.

    Example:
        >>> default_name("GMP fill-finish ")
        'GMP fill-finish'
        >>> len(default_name("x" * 500)) == MAX_NAME_CHARS
        True
    """
    text = " ".join(text.split())
    return text if len(text) <= MAX_NAME_CHARS else text[: MAX_NAME_CHARS - 1].rstrip() + "…"


def same_search(saved: SavedSearch, *, text: str | None, org_id: str | None, filters: Filters) -> bool:
    """Whether ``saved`` watches what the page shows: the same text (or organisation) and the same filters, in any
    order.

    Example:
        >>> saved = SavedSearch(1, "olga", "ADC", "search", "ADC", None, Filters(city=("Daejeon", "Seattle")), "")
        >>> same_search(saved, text="ADC", org_id=None, filters=Filters(city=("Seattle", "Daejeon")))
        True
        >>> same_search(saved, text="ADC", org_id=None, filters=Filters())
        False
    """
    kind = "search" if text is not None else "recommend"
    if saved.kind != kind or (saved.text != text if text is not None else saved.org_id != org_id):
        return False
    return {k: set(v) for k, v in vars(saved.filters).items()} == {k: set(v) for k, v in vars(filters).items()}


def _save(access: Access, key: str, text: str | None, org_id: str | None, filters: Filters, name: str) -> None:
    typed = str(st.session_state.get(f"{key}_name", "")).strip()
    try:
        saved = access.save_search(typed or name, text=text, org_id=org_id, filters=filters)
    except USER_ERRORS as error:
        st.session_state[f"{key}_error"] = user_message(error)
        return
    st.session_state[f"{key}_name"] = ""
    st.toast(t("saving.done", name=safe(saved.name)), icon=":material/bookmark:")


def save_panel(
    access: Access,
    *,
    key: str,
    label: str,
    caption: str,
    name: str,
    filters: Filters,
    text: str | None = None,
    org_id: str | None = None,
    notes: Sequence[str] = (),
) -> None:
    """A button that saves the page's search (``text``) or suggestions (for ``org_id``) with ``filters``, in a popover
    with a name field; once saved, a line saying under which name. At the limit of saved searches, one line says so
    instead; a refusal (a name taken) is shown as one line.

    Args:
        access: The signed-in user.
        key: The widgets' key prefix.
        label: The button's label.
        caption: What will be alerted, shown above the name field.
        name: The name saved when none is typed (shown as the field's placeholder).
        filters: The filters saved with it.
        text: The search text; or
        org_id: the organisation whose suggestions are saved.
        notes: What of the page's other choices is not saved, one line each.
    """
    if error := st.session_state.pop(f"{key}_error", None):
        st.error(safe(error))
    saved = access.saved_searches()
    if same := next((s for s in saved if same_search(s, text=text, org_id=org_id, filters=filters)), None):
        st.caption(t("saving.already", name=safe(same.name)))
        return
    if len(saved) >= MAX_SAVED_PER_USER:
        st.warning(t("saving.limit", n=MAX_SAVED_PER_USER))
        return
    with st.popover(label, icon=":material/bookmark_add:"):
        st.caption(caption)
        if where := describe_filters(filters, language()):
            st.caption(t("saving.filters", where=safe(where)))
        for note in notes:
            st.caption(note)
        st.text_input(t("inbox.name"), key=f"{key}_name", max_chars=MAX_NAME_CHARS, placeholder=name)
        st.button(t("inbox.save"), key=f"{key}_save", icon=":material/bookmark:", type="primary",
                  on_click=_save, args=(access, key, text, org_id, filters, name))  # fmt: skip
