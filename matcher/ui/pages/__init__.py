"""One module per page of the app. Streamlit runs each file as a script (``__name__ == "__main__"``), which calls
its ``render()``; importing a page module draws nothing."""
