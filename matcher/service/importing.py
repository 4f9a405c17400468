"""Importing: read a file, validate every row, store the good ones in one transaction, report the rest.

Example:
    >>> importer = Importer(Context("/tmp/doc-import"))
    >>> report = importer.profiles("data/demo/profiles.csv")   # doctest: +SKIP
    >>> report.exit_code                                        # doctest: +SKIP
    0
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..readers import ReadResult, RowProblem, read_table
from ..schema import PROFILE_COLUMNS, Profile
from ..validate import ValidationReport, validate_partnerships, validate_profiles
from .context import Context

__all__ = ["ImportReport", "Importer"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportReport:
    """What one import did.

    Attributes:
        kind: ``profiles``, ``partnerships`` or ``cordis``.
        source: The file(s) read.
        rows: Records found in the file(s).
        imported: Rows written to the store (inserted or updated).
        rejected: Each rejected row with its row number and every reason.
        warnings: Kept rows with something worth saying.
        notes: What the reader did (encoding, delimiter, removed NUL bytes ...).
    """

    kind: str
    source: str
    rows: int
    imported: int
    rejected: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 when every row was imported, 1 when some were rejected (and the rest imported)."""
        return 1 if self.rejected else 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "kind": self.kind,
            "source": self.source,
            "rows": self.rows,
            "imported": self.imported,
            "rejected": [problem.__dict__ for problem in self.rejected],
            "warnings": [problem.__dict__ for problem in self.warnings],
            "notes": list(self.notes),
        }


def _report(kind: str, source: str, read: ReadResult, checked: ValidationReport, imported: int) -> ImportReport:
    rejected = sorted([*read.problems, *checked.rejected], key=lambda p: p.row)
    return ImportReport(
        kind=kind,
        source=source,
        rows=len(read.frame) + len(read.problems),
        imported=imported,
        rejected=rejected,
        warnings=[*read.warnings, *checked.warnings],  # the file's own (a doubtful encoding) first
        notes=[*read.notes, *checked.notes],
    )


class Importer:
    """Imports files into one workspace's store.

    Args:
        context: The workspace.
    """

    def __init__(self, context: Context) -> None:
        self.context = context

    def profiles(self, path: Path | str) -> ImportReport:
        """Reads, validates and upserts a profiles file (CSV, TSV, JSON, JSONL or XLSX) in one transaction.

        Raises:
            FileReadError: The file cannot be read at all.
            MissingColumnsError: Required columns are missing.
        """
        store = self.context.store
        read = read_table(Path(path))
        checked = validate_profiles(read.frame)
        with store.transaction() as conn:
            imported = store.upsert_profiles(checked.valid, source=Path(path).name, conn=conn)
            report = _report("profiles", str(path), read, checked, imported)
            store.record_import("profiles", Path(path).name, imported, len(report.rejected), conn=conn)
        logger.info("imported %d profiles from %s, rejected %d", imported, path, len(report.rejected))
        return report

    def upsert(self, records: Sequence[Mapping[str, Any]], *, source: str = "api") -> ImportReport:
        """Validates profiles given as records (JSON objects, say) exactly as a file's rows are validated, and
        upserts the good ones by id in one transaction.

        Every profile column is read, a missing one as empty, so a record missing a required value is rejected with
        every reason at once rather than for the missing column alone. A record equal to the stored profile is
        not written again (nothing changes, so nothing needs re-indexing); the notes count such records.

        Args:
            records: One mapping per profile, with the keys of :data:`matcher.schema.PROFILE_COLUMNS` (lists as
                lists or ``;``-separated text); other keys are ignored with a note. Rows are numbered from 1.
            source: Where the records came from, for the import log.

        Example:
            >>> import tempfile
            >>> importer = Importer(Context(tempfile.mkdtemp()))
            >>> record = {"id": "s-1", "name": "Nube", "org_type": "SME", "city": "Málaga", "country": "ES"}
            >>> importer.upsert([record]).imported, importer.upsert([record]).imported
            (1, 0)
            >>> importer.upsert([{**record, "country": "Atlantis"}]).rejected[0].reason
            "country 'Atlantis' is not a known country"
        """
        frame = pd.DataFrame([dict(record) for record in records])
        frame = frame.reindex(columns=list(dict.fromkeys([*PROFILE_COLUMNS, *frame.columns]))).astype(object)
        frame = frame.where(frame.notna(), None)
        checked = validate_profiles(frame.assign(_row=range(1, len(frame) + 1)))
        store = self.context.store
        stored = store.content_hashes()
        changed = [
            stored.get(row["id"]) != Profile.from_mapping(row).content_hash()
            for row in checked.valid.to_dict("records")
        ]
        with store.transaction() as conn:
            imported = store.upsert_profiles(checked.valid[changed], source=source, conn=conn)
            store.record_import("profiles", source, imported, len(checked.rejected), conn=conn)
        unchanged = len(changed) - sum(changed)
        notes = [*checked.notes, *([f"{unchanged} unchanged (already stored as given)"] if unchanged else [])]
        logger.info("upserted %d profiles from %s, rejected %d", imported, source, len(checked.rejected))
        return ImportReport(
            kind="profiles",
            source=source,
            rows=len(frame),
            imported=imported,
            rejected=list(checked.rejected),
            warnings=list(checked.warnings),
            notes=notes,
        )

    def delete(self, profile_ids: Collection[str]) -> int:
        """Deletes profiles and their partnerships; returns how many profiles were deleted (unknown ids are
        skipped). Feedback, notes and shortlist entries about them stay, as what people wrote."""
        deleted = self.context.store.delete_profiles(list(profile_ids))
        logger.info("deleted %d profiles", deleted)
        return deleted

    def partnerships(self, path: Path | str) -> ImportReport:
        """Reads, validates and adds a partnerships file; both ends must already be in the store."""
        store = self.context.store
        read = read_table(Path(path))
        checked = validate_partnerships(read.frame, store.profile_ids())
        with store.transaction() as conn:
            imported = store.add_partnerships(checked.valid, conn=conn)
            report = _report("partnerships", str(path), read, checked, imported)
            store.record_import("partnerships", Path(path).name, imported, len(report.rejected), conn=conn)
        logger.info("imported %d partnerships from %s, rejected %d", imported, path, len(report.rejected))
        return report

    def cordis(self, organizations: Path | str, projects: Path | str) -> ImportReport:
        """Imports CORDIS organisation and project tables as profiles and co-participation partnerships.

        Profiles and partnerships land in one transaction; rows that fail validation are reported, not dropped
        silently.
        """
        from ..cordis import cordis_to_frames, read_cordis

        store = self.context.store
        frames = cordis_to_frames(*read_cordis(Path(organizations), Path(projects)))
        profiles = validate_profiles(frames.profiles)
        known = set(profiles.valid["id"]) | store.profile_ids()
        # Two projects of one pair starting in one year are one partnership of that year, noting both acronyms.
        key = ["source_id", "target_id", "kind", "year"]
        edges = frames.partnerships.groupby(key, dropna=False, sort=False)["note"].agg("; ".join).reset_index()
        partnerships = validate_partnerships(edges, known)
        source = f"{Path(organizations).name} + {Path(projects).name}"
        with store.transaction() as conn:
            imported = store.upsert_profiles(profiles.valid, source=source, conn=conn)
            linked = store.add_partnerships(partnerships.valid, conn=conn)
            rejected = [*profiles.rejected, *partnerships.rejected]
            store.record_import("cordis", source, imported + linked, len(rejected), conn=conn)
        logger.info("CORDIS: %d profiles and %d partnerships imported", imported, linked)
        return ImportReport(
            kind="cordis",
            source=source,
            rows=len(frames.profiles) + len(edges),
            imported=imported + linked,
            rejected=rejected,
            warnings=[*profiles.warnings, *partnerships.warnings],
            notes=[f"{imported} organisations and {linked} co-participation partnerships"],
        )
