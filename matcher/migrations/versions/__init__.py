"""The store's Alembic revisions, oldest first (``v0001_...``); Alembic finds them by their ``revision`` ids."""
