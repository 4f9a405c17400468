"""The ``matcher`` command line: a thin layer over :class:`matcher.api.Matcher`.

Every user mistake ends in one clear line on stderr and exit code 2 (1 for an import that kept the good rows
and rejected some), never a traceback; ``--debug`` shows the traceback for bug reports.

Example:
    $ matcher import profiles data/demo/profiles.csv
    $ matcher list --country KR --type startup
    $ matcher stats --json
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
import typer.rich_utils

from . import __version__
from .api import ImportReport, Matcher, SearchHit
from .attract import Leads
from .config import STORE_NAME, Settings, is_workspace, resolve_home
from .errors import USER_ERRORS, InputError, NotFoundError, user_message
from .export import gainer_label, readable
from .filters import Filters
from .rank import VARIETY_NOTE, Recommendations
from .service.admin import Admin
from .service.curation import ShortlistSuggestion
from .service.matching import check_k, check_search_text
from .vocab import SECTOR_LABELS

logger = logging.getLogger("matcher")

HELP_WIDTH = 120
"""The width of help printed to a pipe or file (``| less``, CI logs): rich would assume 80 columns there and
shorten option names. In a terminal, help takes the terminal's width; ``$TERMINAL_WIDTH`` overrides both."""

if not os.environ.get("TERMINAL_WIDTH") and not sys.stdout.isatty():
    typer.rich_utils.MAX_WIDTH = HELP_WIDTH

app = typer.Typer(
    name="matcher",
    help="Innopolis Matcher: cross-city partner suggestions for science-city organisations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
import_app = typer.Typer(
    help="Import profiles, partnerships or CORDIS exports into the workspace.", no_args_is_help=True
)
app.add_typer(import_app, name="import")


Home = Annotated[
    Path | None,
    typer.Option("--home", help="Workspace folder (default: $MATCHER_HOME or ./.matcher).", show_default=False),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
CityOpt = Annotated[list[str] | None, typer.Option("--city", help="Only this city (repeatable).")]
CountryOpt = Annotated[
    list[str] | None, typer.Option("--country", help="Only this country: code or name (repeatable).")
]
TypeOpt = Annotated[list[str] | None, typer.Option("--type", help="Only this organisation type (repeatable).")]
SectorOpt = Annotated[list[str] | None, typer.Option("--sector", help="Only this sector (repeatable).")]


def _a_file(path: Path | None) -> Path | None:
    """A path option's check: a folder where a file is wanted is named (the readers would say "unknown file type")."""
    if path is not None and path.is_dir():
        raise InputError(f"{path} is a folder, give a file")
    return path


def _k(k: int) -> int:
    """A ``--k`` option's check, before any work: 0 would ask for nothing (the API allows it, a command does not)."""
    if k == 0:
        raise InputError("--k 0 asks for no results: give --k 1 or more")
    check_k(k)
    return k


class _State:
    home: Path | None = None
    ranking: Path | None = None
    encoder: str | None = None


class _Bars:
    """tqdm bars on stderr, one per facet, for the texts a build encodes (none when nothing is encoded).

    The encoder reports after each block of texts, so a facet's first report comes when its first block is done.
    Each bar is dated from when its work began (the previous facet's end; for the first, when the command asked
    for the bars, model loading included) rather than from that first report, which would show the block as done
    in no time ("6319418 text/s").
    """

    def __init__(self, disable: bool = False) -> None:
        self.disable = disable
        self.bars: dict[str, Any] = {}
        self.since = time.time()  # tqdm's clock

    def __call__(self, facet: str, done: int, total: int) -> None:
        from tqdm import tqdm

        if facet not in self.bars:
            bar = tqdm(total=total, desc=f"embedding {facet}", unit="text", disable=self.disable, smoothing=0)
            bar.start_t = bar.last_print_t = self.since
            self.bars[facet] = bar
        bar = self.bars[facet]
        bar.update(done - bar.n)
        if done >= total:  # ends the line before any result is printed
            bar.close()
            self.since = time.time()


def _settings() -> Settings:
    """The settings: the global flags, then ``MATCHER_*`` variables, then the workspace's ``config.toml``."""
    return Settings.load(home=_State.home, ranking=_State.ranking, encoder=_State.encoder)


def _matcher(progress: _Bars | None = None) -> Matcher:
    """The workspace's Matcher, created if it is not there yet (imports); ``progress`` shows the catch-up build a
    read starts after the store changed."""
    return Matcher(progress=progress, settings=_settings())


def _existing(progress: _Bars | None = None) -> Matcher:
    """The workspace's Matcher for a command that reads it: a folder that is no workspace (a mistyped ``--home``)
    is refused rather than silently made into a new, empty one.

    Raises:
        NotFoundError: The workspace folder holds no store (and no database URL is set).
    """
    settings = _settings()
    if settings.database_url is None and not is_workspace(settings.home):
        raise NotFoundError(
            f"{settings.home} is not a matcher workspace (it holds no {STORE_NAME}): check --home or $MATCHER_HOME, "
            "or create the workspace with `matcher import profiles FILE`"
        )
    return Matcher(progress=progress, settings=settings)


_TERMINAL_CONTROLS = re.compile(
    "\x1b\\][^\x07\x1b\x9c\n]*(?:\x07|\x1b\\\\|\x9c)?"  # OSC: window title, clipboard, hyperlinks
    "|\x9d[^\x07\x1b\x9c\n]*(?:\x07|\x1b\\\\|\x9c)?"  # the same, introduced by the C1 control
    "|\x1b[P_^X][^\x1b\x9c\n]*(?:\x1b\\\\|\x9c)?"  # DCS, APC, PM and SOS strings
    "|[\x90\x98\x9e\x9f][^\x1b\x9c\n]*(?:\x1b\\\\|\x9c)?"
    "|(?:\x1b\\[|\x9b)[0-?]*[ -/]*[@-~]?"  # CSI: colours, cursor moves, screen clearing
    "|\x1b[ -/]*[0-~]?"  # any other escape sequence
    "|[\x00-\x08\x0b-\x1f\x7f-\x9f]"  # every other C0 control (tab and newline stay), DEL and C1
)


def terminal_safe(text: str) -> str:
    r"""``text`` without terminal control sequences or control characters (tab and newline stay).

    Profile text comes from imported files: printed raw, an OSC sequence could retitle the window or write the
    clipboard, a CSI sequence clear the screen or hide lines. Whole sequences are removed, not just the ESC.

    Example:
        >>> terminal_safe("Hanbit\x1b]0;pwned\x07 Bio\x1b[2J\x9b31m\r\n")
        'Hanbit Bio\n'
    """
    return _TERMINAL_CONTROLS.sub("", text)


def _echo(message: Any = "", *, err: bool = False) -> None:
    """The one way the CLI prints anything: through :func:`terminal_safe`, so user data cannot drive the terminal."""
    typer.echo(terminal_safe(str(message)), err=err)


def _echo_json(payload: Any, indent: int | None = 2) -> None:
    # json escapes C0 controls itself; DEL and C1 (raw with ensure_ascii=False) become \u escapes, so the JSON
    # keeps the data exactly and nothing is left for _echo to strip.
    text = json.dumps(payload, ensure_ascii=False, indent=indent, default=str)
    _echo(re.sub("[\x7f-\x9f]", lambda m: f"\\u{ord(m.group()):04x}", text))


@app.callback()
def _main(
    home: Home = None,
    ranking: Annotated[
        Path | None,
        typer.Option("--ranking", help="A ranking TOML (weights, type fit) replacing the packaged one's sections."),
    ] = None,
    encoder: Annotated[
        str | None,
        typer.Option(
            "--encoder", help="Text encoder: minilm (default), minilm+use-m3, minilm-onnx, use-m3, e5-small, a folder."
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress to stderr.")] = False,
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        _echo(__version__)
        raise typer.Exit()
    _State.home, _State.ranking, _State.encoder = home, ranking, encoder
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # no "Loading weights" bar in a terminal tool
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


def _print_report(report: ImportReport, as_json: bool) -> None:
    if as_json:
        _echo_json(report.to_dict())
    else:
        verdict = f"{len(report.rejected)} rejected" if report.rejected else "none rejected"
        _echo(f"Imported {report.imported} of {report.rows} {report.kind} rows from {report.source} ({verdict}).")
        for note in report.notes:
            _echo(f"  note: {note}")
        for problem in report.rejected:
            who = f" (id {problem.id})" if problem.id else ""
            _echo(f"  row {problem.row}{who}: {problem.reason}", err=True)
        for problem in report.warnings:  # row 0: the file as a whole (an encoding that is only a guess)
            _echo(f"  {f'row {problem.row}' if problem.row else 'file'}: warning: {problem.reason}")
    raise typer.Exit(report.exit_code)


@import_app.command("profiles")
def import_profiles(
    file: Annotated[Path, typer.Argument(help="CSV, TSV, JSON, JSONL or XLSX file of profiles.", callback=_a_file)],
    as_json: JsonFlag = False,
) -> None:
    """Import organisation profiles (upsert by id). Exit 0: all imported; 1: some rejected; 2: unreadable."""
    _print_report(_matcher().import_profiles(file), as_json)


@import_app.command("partnerships")
def import_partnerships(
    file: Annotated[
        Path,
        typer.Argument(help="CSV, TSV, JSON, JSONL or XLSX file: source_id,target_id,kind,year.", callback=_a_file),
    ],
    as_json: JsonFlag = False,
) -> None:
    """Import known partnerships between organisations already in the store."""
    _print_report(_matcher().import_partnerships(file), as_json)


@import_app.command("cordis")
def import_cordis(
    organizations: Annotated[
        Path, typer.Argument(help="CORDIS organization table (JSON or semicolon CSV).", callback=_a_file)
    ],
    projects: Annotated[Path, typer.Argument(help="CORDIS project table (JSON or semicolon CSV).", callback=_a_file)],
    as_json: JsonFlag = False,
) -> None:
    """Import EU research-programme exports: organisations become profiles, co-participations partnerships."""
    _print_report(_matcher().import_cordis(organizations, projects), as_json)


@app.command("list")
def list_profiles(
    city: CityOpt = None,
    country: CountryOpt = None,
    org_type: TypeOpt = None,
    sector: SectorOpt = None,
    limit: Annotated[int | None, typer.Option(help="Show at most this many.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """List organisations, optionally filtered."""
    filters = Filters.from_user(city=city, country=country, org_type=org_type, sector=sector)
    frame = _existing().profiles(filters, limit=limit)
    columns = ["id", "name", "org_type", "city", "country", "sectors"]
    if as_json:
        _echo_json(frame[columns].to_dict("records"))
    elif frame.empty:
        _echo("No organisations match.")
    else:
        shown = frame[columns].assign(sectors=frame["sectors"].map(", ".join))
        shown = shown.map(lambda value: terminal_safe(value) if isinstance(value, str) else value)
        _echo(shown.to_string(index=False))


@app.command("show")
def show(
    profile_id: Annotated[str, typer.Argument(metavar="ID", help="Organisation id.")],
    as_json: JsonFlag = False,
) -> None:
    """Show one organisation's profile and its known partners."""
    m = _existing()
    profile = m.profile(profile_id)
    partners = m.partnerships(profile_id)
    if as_json:
        _echo_json({**profile.to_dict(), "partnerships": partners.to_dict("records")})
        return
    for key, value in profile.to_dict().items():
        if value not in (None, "", ()):
            _echo(f"{key:>13}: {', '.join(value) if isinstance(value, tuple) else value}")
    _echo(f"{'partnerships':>13}: {len(partners)}")
    for row in partners.itertuples():
        other = row.target_id if row.source_id == profile_id else row.source_id
        _echo(f"{'':>15}{row.kind} with {other}" + (f" ({row.year})" if not pd.isna(row.year) else ""))


@app.command("stats")
def stats(as_json: JsonFlag = False) -> None:
    """Counts of profiles, partnerships and what users entered."""
    counts = _existing().stats()
    if as_json:
        _echo_json(counts)
        return
    for key, value in counts.items():
        _echo(f"{key}: {value}")


FacetOpt = Annotated[
    list[str] | None,
    typer.Option("--facet", help="Texts to match: profile, offers, seeks (repeatable; default profile and offers)."),
]


@app.command("build")
def build(
    full: Annotated[bool, typer.Option("--full", help="Rebuild every index from scratch.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Embed the profiles and bring the search indexes in step with the store (only changes are embedded)."""
    m = _existing(_Bars(disable=as_json))
    report = m.build(full=full)
    if as_json:
        _echo_json(report.__dict__)
    else:
        _echo(
            f"Indexed {report.profiles} profiles in {report.seconds:.1f} s with {report.model}: "
            f"{sum(report.encoded.values())} texts encoded, {report.added} added, {report.updated} updated, "
            f"{report.removed} removed."
        )
    # Once per workspace and model: later one-shot searches encode without importing torch (seconds sooner).
    saved = m.export_query_models()
    if saved and not as_json:
        _echo("Saved for searches without PyTorch: " + ", ".join(str(path) for path in saved))


@app.command("search")
def search(
    text: Annotated[str, typer.Argument(help="What to look for, in plain words.")],
    k: Annotated[int, typer.Option("--k", callback=_k, help="How many results.")] = 10,
    city: CityOpt = None,
    country: CountryOpt = None,
    org_type: TypeOpt = None,
    sector: SectorOpt = None,
    facet: FacetOpt = None,
    no_kinds_first: Annotated[
        bool,
        typer.Option(
            "--no-kinds-first",
            help="Rank by score alone, without listing first the kinds of organisation read from the text.",
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Free-text search over profiles, with filters applied inside the search."""
    check_search_text(text)  # before the workspace is opened: a text that cannot be searched is the first thing to say
    filters = Filters.from_user(city=city, country=country, org_type=org_type, sector=sector)
    m = _existing(_Bars())
    facets = tuple(facet or ("profile", "offers"))
    hits = m.search(text, k=k, filters=filters, facets=facets, kinds_first=not no_kinds_first)  # type: ignore[arg-type]
    reading = m.read_search(text)  # a Korean, German or Spanish search read through the glossary; kinds asked for
    _print_search(text, hits, reading.gloss, reading.kinds, filters, as_json=as_json, kinds_first=not no_kinds_first)
    # A search that had to load torch's model leaves the copy that spares the next one that (once per workspace).
    m.export_query_models(load=False)


def _print_search(
    text: str,
    hits: list[SearchHit],
    gloss: str,
    kinds: Sequence[str],
    filters: Filters,
    *,
    as_json: bool,
    kinds_first: bool = True,
) -> None:
    if as_json:
        found = {"query": text, "read_as": gloss, "looking_for": list(kinds), "kinds_first": kinds_first}
        _echo_json({**found, "results": [hit.__dict__ for hit in hits]})
        return
    if gloss:
        _echo(f"Read in English as: {gloss}")
    if kinds:
        how = "listed first when they match" if kinds_first else "ranked by score with the others, as asked"
        hint = "; --no-kinds-first ranks by score alone" if kinds_first else ""
        _echo(f"Looking for: {', '.join(kind.replace('_', ' ') for kind in kinds)} ({how}{hint})")
    if not hits:
        where = "" if filters.is_empty() else " with these filters"
        _echo(f'No organisation matches "{text}"{where}.')
    else:
        for n, hit in enumerate(hits, 1):
            _echo(
                f"{n:>3}. {hit.score:.3f} {hit.band:<8}  {hit.name} ({hit.org_type}, {hit.city}, {hit.country})  "
                f"[{hit.id}, matched {hit.facet}]"
            )


def _print_recommendations(recs: Recommendations, *, show_partners: bool = True, where: str = "") -> None:
    if not recs.results:
        hidden = f" ({recs.hidden} weaker matches not shown)" if recs.hidden else ""
        _echo(f"No suggestions for {recs.query} with these filters{hidden}.")
    elif (note := recs.band_note(where)) is not None:
        _echo(note)
    for n, match in enumerate(recs.results, 1):
        _echo(
            f"{n:>3}. {match.score:.3f} {match.band:<8}  {match.name} ({match.org_type}, {match.city}, "
            f"{match.country})  [{match.id}]  fit for you {match.fit_for_query:.2f}, for them "
            f"{match.fit_for_candidate:.2f}"
        )
        for reason in match.reasons:
            _echo(f"       - {reason}")
    if recs.reordered_for_variety:
        _echo(VARIETY_NOTE)
    if show_partners and recs.existing_partners:
        _echo("Already partners: " + ", ".join(f"{m.name} [{m.id}]" for m in recs.existing_partners))


@app.command("recommend")
def recommend(
    profile_id: Annotated[
        str | None, typer.Argument(metavar="[ID]", help="Organisation id to find partners for.")
    ] = None,
    queries: Annotated[
        Path | None,
        typer.Option("--queries", help="Batch: a file with one organisation id per line.", callback=_a_file),
    ] = None,
    k: Annotated[int, typer.Option("--k", callback=_k, help="How many partners per organisation.")] = 10,
    city: CityOpt = None,
    country: CountryOpt = None,
    org_type: TypeOpt = None,
    sector: SectorOpt = None,
    include_partners: Annotated[
        bool, typer.Option("--include-partners", help="Suggest existing partners too.")
    ] = False,
    include_competitors: Annotated[
        bool, typer.Option("--include-competitors", help="Keep likely competitors.")
    ] = False,
    same_city: Annotated[bool, typer.Option("--same-city", help="Allow partners in the same city.")] = False,
    exposure_cap: Annotated[
        float | None,
        typer.Option(
            "--exposure-cap",
            min=0.0,
            max=1.0,
            help="Batch: the share of the lists one organisation may appear in (e.g. 0.05); default no cap, "
            "each list as `recommend ID` gives it.",
        ),
    ] = None,
    min_band: Annotated[
        str,
        typer.Option(
            "--min-band",
            help="Show only matches in this band or better: weak (all, default), possible or strong. The bands are "
            "measured on the demo data (bench/RESULTS.md, 'Score bands').",
        ),
    ] = "weak",
    as_json: JsonFlag = False,
    jsonl: Annotated[bool, typer.Option("--jsonl", help="Batch output: one JSON object per line.")] = False,
) -> None:
    """Suggest partners in other cities that fit both ways, with the reasons."""
    if min_band not in ("weak", "possible", "strong"):
        raise InputError(f"unknown band {min_band!r}; use weak, possible or strong")
    filters = Filters.from_user(city=city, country=country, org_type=org_type, sector=sector)
    if profile_id is not None and queries is not None:
        raise InputError("give one organisation ID or --queries FILE, not both")
    if profile_id is None and queries is None:
        raise InputError("give an organisation ID, or --queries FILE with one id per line")
    ids = (
        [line.strip() for line in queries.read_text(encoding="utf-8-sig").splitlines() if line.strip()]
        if queries is not None
        else []
    )
    m = _existing(_Bars())
    # One set of options for a single asker and a batch: a batch gives each asker the list `recommend ID` gives.
    options: dict[str, Any] = {
        "k": k,
        "filters": filters,
        "include_partners": include_partners,
        "include_competitors": include_competitors,
        "cross_city": "any" if same_city else None,
    }
    if queries is not None:
        # An unknown id (a typo, a profile deleted since) costs its own line, not the whole batch.
        known = m.profile_ids()
        unknown = list(dict.fromkeys(i for i in ids if i not in known))
        lists = m.recommend_many([i for i in ids if i in known], exposure_cap=exposure_cap, **options)
        for recs in (found.at_least(min_band) for found in lists):
            if jsonl or as_json:
                _echo_json(recs.to_dict(), indent=None)
            else:
                _echo(f"== {recs.query}")
                _print_recommendations(recs, show_partners=False)
        if unknown:
            shown = ", ".join(unknown[:20]) + (f" and {len(unknown) - 20} more" if len(unknown) > 20 else "")
            _echo(f"error: {len(unknown)} unknown organisation id(s) in {queries}, skipped: {shown}", err=True)
            raise typer.Exit(1)
        return
    assert profile_id is not None  # one of the two, checked above
    recs = m.recommend(profile_id, **options).at_least(min_band)
    if as_json or jsonl:
        _echo_json(recs.to_dict())
    else:
        _print_recommendations(recs, where=filters.describe())


@app.command("similar")
def similar(
    profile_id: Annotated[str, typer.Argument(metavar="ID", help="Organisation id.")],
    k: Annotated[int, typer.Option("--k", callback=_k, help="How many peers.")] = 10,
    city: CityOpt = None,
    country: CountryOpt = None,
    org_type: TypeOpt = None,
    sector: SectorOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Organisations like this one in other cities (peers)."""
    filters = Filters.from_user(city=city, country=country, org_type=org_type, sector=sector)
    recs = _existing(_Bars()).similar(profile_id, k=k, filters=filters)
    if as_json:
        _echo_json(recs.to_dict())
    else:
        _print_recommendations(recs, show_partners=False)


# Investment attraction ------------------------------------------------------------------------------------------

CityArg = Annotated[str, typer.Argument(metavar="CITY", help="The city, in any spelling (Daejeon, 대전, Taejon).")]


def _print_leads(found: Leads) -> None:
    if not found.results:
        _echo(found.message or f"No leads for {found.city}.")
        return
    _echo(f"Leads for {found.city}, best first (score: fit to the cluster, see `matcher leads --help`):")
    _echo("  (- the lead's reasons; + the local organisations that would gain, each reason as they would read it:")
    _echo("   'your' is the local organisation's, 'their' the lead's; 'already a partner': a link it has already)")
    for n, lead in enumerate(found.results, 1):
        where = f"{readable(lead.org_type)}, {lead.city}, {lead.country}"
        _echo(f"{n:>3}. {lead.score:.3f}  {lead.name} ({where})  [{lead.id}]")
        for reason in lead.reasons:
            _echo(f"       - {reason}")
        for gainer in lead.local_beneficiaries:
            _echo(f"       + {gainer_label(gainer)}: {gainer.reason}")
    if found.message:
        _echo(found.message)


@app.command("leads")
def leads_cmd(
    city: CityArg,
    sector: Annotated[str | None, typer.Option("--sector", help="Only leads working in this sector.")] = None,
    org_type: Annotated[
        list[str] | None,
        typer.Option(
            "--type",
            help="Only this organisation type (repeatable; default multinational, large_company, company, "
            "research_institute, investor).",
        ),
    ] = None,
    k: Annotated[int, typer.Option("--k", callback=_k, help="How many leads.")] = 10,
    as_json: JsonFlag = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Also write the leads to a .csv, .xlsx or .html (printable, one page per lead)."),
    ] = None,
) -> None:
    """Organisations outside a city (anywhere) that fit its cluster, with the local organisations that would gain.

    A lead's score adds up how well it fits the city's organisations both ways (the best few distinct ones, so
    one local hub cannot carry it), the city's strategy (`matcher strategy`), the gaps it fills (`matcher gaps`),
    its likeness to organisations already working with the city, and its partnership links there.
    """
    if as_json and out is not None:
        raise InputError("--json prints the leads for scripts; --out writes a file: choose one")
    m = _existing(_Bars())
    found = m.attraction.leads(city, k=k, sector=sector, org_types=org_type)
    if as_json:
        _echo_json(found.to_dict())
        return
    _print_leads(found)
    if out is not None:
        attraction = m.attraction
        _write_export(
            out,
            lambda: attraction.leads_csv(found),
            lambda: attraction.leads_xlsx(found),
            lambda: attraction.leads_brief(found),
        )


@app.command("gaps")
def gaps_cmd(city: CityArg, as_json: JsonFlag = False) -> None:
    """What a city's organisations seek much more than they offer (to attract), and the reverse (to export).

    Sectors are read from the offers and needs texts by keyword (English); an organisation whose offers name no
    sector offers its declared sectors.
    """
    found = _existing().attraction.gaps(city)
    if as_json:
        _echo_json(found.to_dict())
        return
    if found.table.empty:
        _echo(f"No sector is named in the offers or needs of {found.city}'s organisations.")
        return
    for title, gaps in (("Attract", found.attract), ("Export", found.export)):
        named = "; ".join(f"{SECTOR_LABELS[g.sector]} (sought by {g.seeking}, offered by {g.offering})" for g in gaps)
        _echo(f"{title}: {named or 'no clear gap'}")
    _echo("")
    _echo(terminal_safe(found.table.drop(columns="sector").round({"balance": 2}).to_string(index=False)))


@app.command("fit-cities")
def fit_cities_cmd(
    profile_id: Annotated[str, typer.Argument(metavar="ID", help="The organisation (a lead).")],
    city: Annotated[
        str | None, typer.Option("--city", help="Your city: the summary compares it with the best.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """One organisation's fit with each alliance city, side by side, best first."""
    found = _existing(_Bars()).attraction.fit_cities(profile_id, city=city)
    if as_json:
        _echo_json(found.to_dict())
        return
    _echo(found.summary)
    for fit in found.fits:
        gainers = ", ".join(gainer_label(b) for b in fit.beneficiaries) or "nobody clearly"
        _echo(f"  {fit.score:.3f}  {fit.city}: {gainers}")


@app.command("strategy")
def strategy_cmd(
    city: CityArg,
    sectors: Annotated[
        str | None, typer.Option("--sectors", help="Set the target sectors, comma-separated (e.g. 'CDMO, AI').")
    ] = None,
    text: Annotated[str | None, typer.Option("--text", help="Set the strategy text.")] = None,
    user: Annotated[str, typer.Option("--user", help="Who writes it (kept with it).")] = "",
    as_json: JsonFlag = False,
) -> None:
    """Show a city's investment strategy, or set it (--sectors, --text); leads are scored against it."""
    attraction = _existing().attraction
    if sectors is None and text is None:
        found = attraction.strategy(city)
    else:
        current = attraction.strategy(city)
        found = attraction.set_strategy(
            city,
            sectors=current.sectors if sectors is None else [s for s in sectors.split(",") if s.strip()],
            text=current.text if text is None else text,
            user=user or os.environ.get("USER", ""),
        )
    if as_json:
        _echo_json(found.to_dict())
    elif found.is_empty:
        _echo(f"{found.city} has no strategy yet: set one with `matcher strategy {found.city} --sectors ... --text`")
    else:
        _echo(f"{found.city}: {', '.join(SECTOR_LABELS[s] for s in found.sectors) or 'no target sectors'}")
        if found.text:
            _echo(found.text)
        _echo(f"(written by {found.updated_by or 'unknown'} on {found.updated_at})")


@app.command("evaluate")
def evaluate_cmd(
    dataset: Annotated[
        str, typer.Option(help="store (this workspace), demo, synthetic or cordis.", case_sensitive=False)
    ] = "store",
    year: Annotated[int | None, typer.Option(help="Last year of the history (store).")] = None,
    max_queries: Annotated[int, typer.Option(min=1, help="Query organisations sampled at most (per fold).")] = 300,
    n: Annotated[int, typer.Option("--n", help="Organisations generated for --dataset synthetic.")] = 1000,
    cordis_dir: Annotated[
        Path | None, typer.Option(help="Folder with the CORDIS organization and project tables.")
    ] = None,
    same_city: Annotated[bool, typer.Option("--same-city", help="Allow partners in the same city.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Measure match quality (recall, nDCG, MRR, hit rate, coverage) against five baselines."""
    if dataset not in ("store", "demo", "synthetic", "cordis"):
        raise InputError(f"unknown data set {dataset!r}; use store, demo, synthetic or cordis")
    result = (_existing() if dataset == "store" else _matcher()).evaluate(
        dataset,  # type: ignore[arg-type]
        year=year,
        max_queries=max_queries,
        synthetic_n=n,
        cordis_dir=cordis_dir,
        cross_city="any" if same_city else "other_city",
    )
    _echo(result.to_json() if as_json else result.to_text())


@app.command("evaluate-search")
def evaluate_search_cmd(
    table: Annotated[
        Path, typer.Argument(help="CSV, TSV, JSON(L) or XLSX: a text and expected_ids per search (query_id, language).")
    ],
    k: Annotated[int, typer.Option(min=1, max=100, help="How many results count as found.")] = 5,
    as_json: JsonFlag = False,
) -> None:
    """Measure search quality on searches your people wrote: found first, in the top k, MRR, per language.

    Each row is searched as typed here; any one of its expected ids counts. Rows that cannot run are listed, and
    the exit code is then 1, as for an import with rows left out."""
    result = _existing().evaluate_searches(table, k=k)
    _echo(result.to_json() if as_json else result.to_text())
    if result.problems:
        raise typer.Exit(1)


@app.command("train")
def train_cmd(
    year: Annotated[int | None, typer.Option(help="The held-out year that decides adoption (default: latest).")] = None,
    model: Annotated[str, typer.Option(help="logistic (default) or lambdarank (LightGBM).")] = "logistic",
    name: Annotated[str, typer.Option(help="File name of the model in the workspace's models/ folder.")] = "reranker",
) -> None:
    """Learn a re-ranker from dated partnerships and feedback; it serves if it beats the weighted scorer.

    It is trained by time and measured on a year it never saw."""
    if model not in ("logistic", "lambdarank"):
        raise InputError(f"unknown model {model!r}; use logistic or lambdarank")
    result, paths = _existing().train(year=year, model=model, name=name)  # type: ignore[arg-type]
    _echo(result.evaluation.to_text())
    card = result.card
    gain = ", ".join(f"{metric} {value:+.3f}" for metric, value in card["gain"].items())
    if card["too_few_to_tell"]:
        _echo(
            f"Too few organisations formed new partnerships in the held-out year ({card['held_out_queries']}) to "
            f"tell the scorers apart (gain: {gain}); the weighted scorer stays. Use --year to hold out a fuller year."
        )
    else:
        verdict = "beats" if result.beats_weighted else "does not beat"
        _echo(f"The learned re-ranker {verdict} the weighted scorer; gain: {gain}.")
    _echo("Recommendations now use " + ("the learned re-ranker." if result.beats_weighted else "the weighted scorer."))
    for label, path in paths.items():
        _echo(f"wrote {label}: {path}")


@app.command("generate")
def generate(
    out: Annotated[
        Path, typer.Option(help="Folder to write profiles.csv, partnerships.csv, truth.csv and capabilities.csv into.")
    ],
    n: Annotated[int, typer.Option("--n", min=1, max=1_000_000, help="How many organisations.")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same files.")] = 0,
) -> None:
    """Write a synthetic data set with planted ground truth (for scale and quality tests)."""
    paths = Admin.generate(out, n=n, seed=seed)
    for name, path in paths.items():
        _echo(f"wrote {name}: {path}")
    _echo(
        f"import with: matcher import profiles {paths['profiles']} && "
        f"matcher import partnerships {paths['partnerships']}"
    )


@app.command("backup")
def backup_cmd(
    target: Annotated[Path, typer.Argument(help="A .zip file, or a folder to write a dated .zip into.")],
) -> None:
    """Back up the workspace (store, indexes, users) consistently, even while the app is running."""
    m = _existing()
    _echo(f"Backed up {m.workspace.root} to {m.admin.backup(target)}.")


@app.command("restore")
def restore_cmd(
    archive: Annotated[Path, typer.Argument(help="A backup made by matcher backup.", callback=_a_file)],
    force: Annotated[bool, typer.Option("--force", help="Replace a workspace that is not empty.")] = False,
) -> None:
    """Restore a workspace from a backup (checked first; the old workspace is swapped out only when complete)."""
    root = resolve_home(_State.home)  # the store is not opened: that would create a file and make it non-empty
    Admin.restore(archive, root, force=force)
    _echo(f"Restored {archive} into {root}.")


@app.command("copy-store")
def copy_store_cmd(
    target: Annotated[
        str,
        typer.Argument(
            help="An empty PostgreSQL database (postgresql+psycopg://user@host/db, the password from PGPASSWORD or "
            "~/.pgpass), or a folder."
        ),
    ],
) -> None:
    """Copy every row of the workspace's store into an empty one: a laptop pilot onto the team's server, or back.

    The copy lands whole or not at all; a target that holds data is refused."""
    where, copied = _existing().admin.copy_store(target)
    first = sorted(copied.items(), key=lambda item: (item[0] != "profiles", item[0] != "partnerships"))
    counts = ", ".join(f"{n:,} {table.replace('_', ' ')}" for table, n in first if n)
    _echo(f"Copied {counts or 'nothing (the store is empty)'} into {where}.")
    _echo(
        "Next: point the matcher at it (MATCHER_DATABASE_URL, or --home for a folder), and copy the workspace's "
        "users.toml, config.toml and glossary/ beside it; the index is built again on first use."
    )


@app.command("export-user-data")
def export_user_data_cmd(
    out: Annotated[Path | None, typer.Option("--out", help="Write the JSON here instead of printing it.")] = None,
    user: Annotated[str | None, typer.Option("--user", help="Only what this user entered.")] = None,
) -> None:
    """Export everything users entered (feedback, shortlists, notes, profile edits, meetings, saved searches, alerts)
    as JSON; webhook secrets are left out."""
    text = json.dumps(_existing().admin.export_user_data(user=user), ensure_ascii=False, indent=2, default=str)
    if out is None:
        _echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
        _echo(f"Wrote {out}.")


user_app = typer.Typer(
    help="Manage the app's sign-in accounts (kept in the workspace's users.toml).", no_args_is_help=True
)
app.add_typer(user_app, name="user")


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="Sign-in name.")],
    role: Annotated[str, typer.Option(help="officer or startup.")],
    org_id: Annotated[str | None, typer.Option("--org-id", help="The organisation a startup user speaks for.")] = None,
) -> None:
    """Add an account, or reset its password and role; the password is asked for, never taken on the command line."""
    m = _matcher()
    if org_id is not None:
        m.profile(org_id)  # asked before the password: a startup account must speak for an organisation that exists
    password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = m.admin.add_user(name, role, password, org_id)
    _echo(f"Saved {user.role} account {user.name!r}.")


@user_app.command("list")
def user_list(as_json: JsonFlag = False) -> None:
    """List the sign-in accounts (names, roles, organisations; never password hashes)."""
    users = [{"name": u.name, "role": u.role, "org_id": u.org_id} for u in _existing().admin.users()]
    if as_json:
        _echo_json(users)
        return
    if not users:
        _echo("No accounts yet: add one with `matcher user add NAME --role officer`.")
    for user in users:
        org = f" for {user['org_id']}" if user["org_id"] else ""
        _echo(terminal_safe(f"{user['name']}: {user['role']}{org}"))


@user_app.command("passwd")
def user_passwd(name: Annotated[str, typer.Argument(help="Sign-in name.")]) -> None:
    """Set a new password for an account (role and organisation stay); the password is asked for, twice."""
    m = _existing()
    if name not in {user.name for user in m.admin.users()}:  # asked before the password is typed in vain
        raise NotFoundError(f"no account {name!r}: see `matcher user list`")
    password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    user = m.admin.set_password(name, password)
    _echo(f"New password saved for {user.role} account {user.name!r}.")


@user_app.command("remove")
def user_remove(name: Annotated[str, typer.Argument(help="Sign-in name.")]) -> None:
    """Remove an account: it can no longer sign in; what it entered (feedback, notes, shortlists) stays."""
    user = _existing().admin.remove_user(name)
    _echo(f"Removed {user.role} account {user.name!r}.")


shortlist_app = typer.Typer(
    help="Officers' shortlists: organisations with a stage and a note, exported as CSV, XLSX or a brief.",
    no_args_is_help=True,
)
app.add_typer(shortlist_app, name="shortlist")

ShortlistId = Annotated[int, typer.Argument(metavar="LIST", help="Shortlist id (see `matcher shortlist list`).")]
_EXPORTS = (".csv", ".xlsx", ".html")


def _write_export(out: Path, csv: Any, xlsx: Any, html: Any) -> None:
    """Writes ``out`` in the format its suffix names, made by the matching callable."""
    suffix = out.suffix.casefold()
    if suffix not in _EXPORTS:
        raise InputError(f"{out.name}: give a file ending in {', '.join(_EXPORTS)}")
    if suffix == ".html":
        out.write_text(html(), encoding="utf-8")
    else:
        out.write_bytes(csv() if suffix == ".csv" else xlsx())
    _echo(f"Wrote {out}.")


@shortlist_app.command("list")
def shortlist_list(as_json: JsonFlag = False) -> None:
    """List the shortlists, newest first."""
    lists = _existing().curation.shortlists()
    if as_json:
        _echo_json(lists.to_dict("records"))
    elif lists.empty:
        _echo("No shortlists yet: create one with `matcher shortlist create NAME`.")
    else:
        _echo(terminal_safe(lists[["id", "name", "owner", "purpose", "entries"]].to_string(index=False)))


@shortlist_app.command("create")
def shortlist_create(
    name: Annotated[str, typer.Argument(help="The shortlist's name.")],
    owner: Annotated[str, typer.Option(help="Who owns it.")] = "",
    purpose: Annotated[
        str,
        typer.Option(
            help="partners (stages new, contacted, meeting, agreement) or investment (a city's pipeline of leads: "
            "identified, contacted, site_visit, mou, investment)."
        ),
    ] = "partners",
) -> None:
    """Create a shortlist; prints its id as the last line."""
    _echo(str(_existing().curation.create_shortlist(name, owner=owner, purpose=purpose)))


@shortlist_app.command("show")
def shortlist_show(shortlist_id: ShortlistId, as_json: JsonFlag = False) -> None:
    """Show a shortlist's organisations with their stage and note."""
    curation = _existing().curation
    name, table = curation.shortlist_name(shortlist_id), curation.shortlist_table(shortlist_id)
    if as_json:
        _echo_json({"id": shortlist_id, "name": name, "entries": table.to_dict("records")})
    elif table.empty:
        _echo(f"{terminal_safe(name)} is empty.")
    else:
        _echo(terminal_safe(table.to_string(index=False)))


@shortlist_app.command("add")
def shortlist_add(
    shortlist_id: ShortlistId,
    profile_id: Annotated[str, typer.Argument(metavar="ID", help="Organisation id.")],
    stage: Annotated[
        str | None,
        typer.Option(
            help="new, contacted, meeting or agreement; on an investment list identified, contacted, site_visit, "
            "mou or investment."
        ),
    ] = None,
    note: Annotated[str | None, typer.Option(help="A note on this organisation in this list.")] = None,
    entry_owner: Annotated[
        str | None, typer.Option("--owner", help="The officer who follows this organisation up.")
    ] = None,
    suggested_for: Annotated[
        str | None,
        typer.Option(
            "--for",
            metavar="ASKER",
            help="It was suggested for this organisation: its score and reasons go with it into the exports.",
        ),
    ] = None,
) -> None:
    """Add an organisation to a shortlist, or change its stage or note."""
    m = _existing(_Bars())
    m.profile(profile_id)  # an unknown id is named, not stored
    m.curation.shortlist_name(shortlist_id)
    suggestion = None
    if suggested_for is not None:
        score = float(m.pair_scores([suggested_for], [profile_id]).score[0, 0])
        reasons = m.matching.explain_pairs(suggested_for, [profile_id]).get(profile_id, ())
        suggestion = ShortlistSuggestion(suggested_for, score, tuple(reasons))
    m.curation.set_shortlist_entry(
        shortlist_id, profile_id, stage=stage, note=note, suggestion=suggestion, owner=entry_owner
    )
    _echo(f"{profile_id} is on shortlist {shortlist_id}.")


@shortlist_app.command("remove")
def shortlist_remove(
    shortlist_id: ShortlistId, profile_id: Annotated[str, typer.Argument(metavar="ID", help="Organisation id.")]
) -> None:
    """Take an organisation off a shortlist."""
    _existing().curation.remove_shortlist_entry(shortlist_id, profile_id)
    _echo(f"{profile_id} is off shortlist {shortlist_id}.")


@shortlist_app.command("delete")
def shortlist_delete(shortlist_id: ShortlistId) -> None:
    """Delete a shortlist and its entries."""
    _existing().curation.delete_shortlist(shortlist_id)
    _echo(f"Deleted shortlist {shortlist_id}.")


@shortlist_app.command("export")
def shortlist_export(
    shortlist_id: ShortlistId,
    out: Annotated[Path, typer.Option("--out", help="A .csv, .xlsx or .html (printable brief) file.")],
) -> None:
    """Export a shortlist as CSV, Excel or a printable HTML brief."""
    curation = _existing().curation
    _write_export(
        out,
        lambda: curation.shortlist_csv(shortlist_id),
        lambda: curation.shortlist_xlsx(shortlist_id),
        lambda: curation.shortlist_brief(shortlist_id),
    )


@app.command("plan")
def plan_cmd(
    visitor: Annotated[list[str], typer.Option("--visitor", help="A visiting organisation's id (repeatable).")],
    host: Annotated[list[str], typer.Option("--host", help="A host organisation's id (repeatable).")],
    slot: Annotated[list[str], typer.Option("--slot", help="A meeting slot, e.g. 'Tue 10:00' (repeatable, in order).")],
    visitor_capacity: Annotated[int, typer.Option(min=1, help="Meetings per visitor at most.")] = 4,
    host_capacity: Annotated[int, typer.Option(min=1, help="Meetings per host at most.")] = 2,
    min_score: Annotated[
        float | None, typer.Option(min=0.0, max=1.0, help="Lowest score worth a meeting (default: the possible band).")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Also write the plan: .csv, .xlsx or .html brief.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Plan a delegation visit: who meets whom when, for the highest total reciprocal score.

    Each meeting comes with its reason; pairs below the minimum score do not meet."""
    from .export import brief_html, prepared, schedule_section, schedule_table, shortfall_text, to_csv, to_xlsx

    m = _existing()
    plan = m.planning.plan(
        visitor, host, slot, visitor_capacity=visitor_capacity, host_capacity=host_capacity,
        min_score=min_score,
    )
    names = {pid: m.profile(pid).name for pid in [*visitor, *host]}
    table = schedule_table(plan, names)
    if as_json:
        _echo_json({"method": plan.method, "total_score": round(plan.total_score, 4),
                    "without_good_match": list(plan.without_good_match), "meetings": table.to_dict("records")})
    else:
        _echo(terminal_safe(table.to_string(index=False)) if len(table) else "No pair scores at the minimum score.")
        if shortfall := shortfall_text(plan, names):
            _echo(terminal_safe(shortfall))
    if out is not None:
        _write_export(
            out,
            lambda: to_csv(table),
            lambda: to_xlsx(table, sheet_name="Schedule"),
            lambda: brief_html("Delegation plan", [schedule_section(plan, names)], subtitle=prepared()),
        )


@app.command("serve")
def serve_cmd(
    host: Annotated[
        str, typer.Option(help="Address to listen on; 127.0.0.1 (the default) keeps the API on this machine.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (each keeps its own rate limits and jobs).")
    ] = 1,
    rate: Annotated[
        float, typer.Option(min=0.01, help="Requests per second each API key may make, per worker.")
    ] = 10.0,
    burst: Annotated[int, typer.Option(min=1, help="Requests an API key may make at once after a pause.")] = 60,
    max_upload_mb: Annotated[
        int, typer.Option("--max-upload-mb", min=1, max=100, help="The largest file POST /v1/imports takes.")
    ] = 25,
) -> None:
    """Serve the REST API for CRMs (OpenAPI at /openapi.json, docs at /docs); requests need an API key."""
    from .server.app import ServerConfig
    from .server.run import is_loopback, prepare, serve

    settings = _settings()
    counts = prepare(settings)
    if not is_loopback(host):
        _echo(
            f"WARNING: the API listens on {host}, reachable from other machines, and speaks plain HTTP: API keys "
            "and profiles cross the network unencrypted. Put a TLS proxy in front (README, 'Serve a team').",
            err=True,
        )
    if not any(key.revoked_at is None for key in Matcher(settings=settings).admin.api_keys()):
        _echo("No API key works yet: create one with `matcher api-key create NAME --role officer`.", err=True)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    _echo(f"Serving {counts['profiles']} organisations on http://{shown}:{port} (docs: /docs; Ctrl+C stops).")
    config = ServerConfig(
        rate=rate,
        burst=burst,
        max_upload_bytes=max_upload_mb * 1024 * 1024,
        alert_check_seconds=settings.alert_check_seconds,  # saved searches checked, alerts delivered (README)
    )
    serve(settings, host=host, port=port, workers=workers, config=config)


api_key_app = typer.Typer(
    help="Manage the REST API's keys (kept in the store, hashed; the key is shown once).", no_args_is_help=True
)
app.add_typer(api_key_app, name="api-key")


@api_key_app.command("create")
def api_key_create(
    name: Annotated[str, typer.Argument(help="The key's name (who uses it, e.g. crm-daejeon).")],
    role: Annotated[str, typer.Option(help="officer or startup.")],
    org_id: Annotated[str | None, typer.Option("--org-id", help="The organisation a startup key speaks for.")] = None,
) -> None:
    """Create an API key; the key is printed as the last line, this once only (the store keeps its hash)."""
    key, token = _matcher().admin.create_api_key(name, role, org_id)
    org = f" for {key.org_id}" if key.org_id else ""
    _echo(f"Created {key.role} API key {key.name!r}{org}. Keep the key; it is not shown again:")
    _echo(token)


@api_key_app.command("list")
def api_key_list(as_json: JsonFlag = False) -> None:
    """List the API keys (names, roles, organisations, dates; never the keys)."""
    keys = [key.__dict__ for key in _matcher().admin.api_keys()]
    if as_json:
        _echo_json(keys)
        return
    if not keys:
        _echo("No API keys yet: create one with `matcher api-key create NAME --role officer`.")
    for key in keys:
        org = f" for {key['org_id']}" if key["org_id"] else ""
        state = f"revoked {key['revoked_at']}" if key["revoked_at"] else "works"
        _echo(f"{key['name']}: {key['role']}{org}, mk_{key['key_id']}_..., created {key['created_at']}, {state}")


@api_key_app.command("revoke")
def api_key_revoke(name: Annotated[str, typer.Argument(help="The key's name.")]) -> None:
    """Revoke an API key: it is refused at once, by every server process sharing the store."""
    key = _matcher().admin.revoke_api_key(name)
    _echo(f"Revoked API key {key.name!r} ({key.revoked_at}).")


saved_app = typer.Typer(
    help="Saved searches and recommendations: an alert lands in the owner's inbox when a new profile matches strongly.",
    no_args_is_help=True,
)
app.add_typer(saved_app, name="saved")
OwnerOpt = Annotated[
    str,
    typer.Option(
        "--owner",
        help="Whose: an app account (`matcher user list`) or a working API key, by name; `user:NAME` or `key:NAME` "
        "when an account and a key share the name.",
    ),
]


def _as_owner(m: Matcher, name: str) -> Any:
    """The policy for the app account or working API key called ``name`` (the command line acts for it); a
    ``user:`` or ``key:`` prefix says which, as it must when both have the name (names hold no ``:``).

    Raises:
        NotFoundError: No account or working API key has this name.
        InputError: Both have it, and no prefix says which.
    """
    from .auth import User
    from .policy import Access

    kind, _, bare = name.rpartition(":")
    found: dict[str, Access] = {}
    if kind in ("", "user") and (user := next((u for u in m.admin.users() if u.name == bare), None)) is not None:
        found["user"] = Access(m, user)
    for key in m.admin.api_keys() if kind in ("", "key") else ():
        if key.name == bare and key.revoked_at is None:
            user = User(key.name, "startup" if key.role == "startup" else "officer", org_id=key.org_id)
            found["key"] = Access(m, user, key_id=key.key_id)
    if len(found) > 1:
        raise InputError(f"both an app account and an API key are named {bare!r}: say --owner user:{bare} or "
                         f"--owner key:{bare}")  # fmt: skip
    if not found:
        raise NotFoundError(f"no app account or working API key named {name!r}: see `matcher user list` and "
                            "`matcher api-key list`")  # fmt: skip
    return next(iter(found.values()))


@saved_app.command("add")
def saved_add(
    name: Annotated[str, typer.Argument(help="What to call it.")],
    owner: OwnerOpt,
    text: Annotated[str | None, typer.Option("--text", help="Save this search text.")] = None,
    for_org: Annotated[
        str | None, typer.Option("--for", metavar="ID", help="Save the partner suggestions for this organisation.")
    ] = None,
    city: CityOpt = None,
    country: CountryOpt = None,
    org_type: TypeOpt = None,
    sector: SectorOpt = None,
) -> None:
    """Save a search (--text) or a recommendation (--for ID) with filters; prints its id as the last line."""
    m = _existing()
    filters = Filters.from_user(city=city, country=country, org_type=org_type, sector=sector)
    saved = _as_owner(m, owner).save_search(name, text=text, org_id=for_org, filters=filters)
    _echo(f"Saved {saved.kind} {saved.name!r} for {owner}; new strong matches will be alerted.")
    _echo(str(saved.id))


@saved_app.command("list")
def saved_list(owner: OwnerOpt, as_json: JsonFlag = False) -> None:
    """List one owner's saved searches."""
    saved = [item.to_dict() for item in _as_owner(_existing(), owner).saved_searches()]
    if as_json:
        _echo_json(saved)
    elif not saved:
        _echo(f"{owner} has no saved searches: add one with `matcher saved add NAME --owner {owner} --text ...`.")
    for item in [] if as_json else saved:
        what = f"search {item['text']!r}" if item["kind"] == "search" else f"partners for {item['org_id']}"
        where = "; ".join(f"{key}: {', '.join(values)}" for key, values in item["filters"].items())
        _echo(f"{item['id']}: {item['name']} ({what}{f'; {where}' if where else ''})")


@saved_app.command("remove")
def saved_remove(
    saved_id: Annotated[int, typer.Argument(metavar="ID", help="The saved search's id.")], owner: OwnerOpt
) -> None:
    """Remove a saved search and its alerts."""
    _as_owner(_existing(), owner).remove_saved_search(saved_id)
    _echo(f"Removed saved search {saved_id}.")


@app.command("alerts")
def alerts_cmd(
    owner: Annotated[
        str | None, typer.Option("--owner", help="List this account's or API key's alerts (unread first).")
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Match the profiles changed since the last check against saved searches.")
    ] = False,
    deliver: Annotated[
        bool, typer.Option("--deliver", help="Send the webhook and e-mail deliveries that are due.")
    ] = False,
    mark_read: Annotated[
        bool, typer.Option("--mark-read", help="Mark the owner's alerts read after listing them.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Check saved searches, deliver alerts, or list an owner's alerts (e.g. `matcher alerts --check --deliver` from
    cron or after an import)."""
    from .policy import check_alerts

    if not (owner or check or deliver):
        raise InputError("say what to do: --check, --deliver, or --owner NAME to list that owner's alerts")
    m = _existing(_Bars())
    if check:
        report = check_alerts(m)
        _echo(f"Checked {report.changed} changed profiles against {report.searches} saved searches: "
              f"{report.alerts} new alerts.")  # fmt: skip
    if deliver:
        sent = m.alerts.deliver()
        _echo(f"Deliveries: {sent.delivered} delivered, {sent.retrying} to retry, {sent.failed} given up.")
        for error in dict.fromkeys(sent.errors):
            _echo(f"  {error}", err=True)
    if owner is None:
        return
    access = _as_owner(m, owner)
    found = [alert.to_dict() for alert in access.alerts()]
    if as_json:
        _echo_json(found)
    elif not found:
        _echo(f"No alerts for {owner}.")
    for alert in [] if as_json else sorted(found, key=lambda a: a["read_at"] is not None):
        state = "read" if alert["read_at"] else "NEW"
        who = alert["profile_name"] or alert["profile_id"]
        _echo(f"[{state}] {alert['created_at']} {alert['saved_search']}: {who} ({alert['city']}), {alert['band']} "
              f"{alert['score']:.2f}")  # fmt: skip
        for reason in alert["reasons"][:3]:
            _echo(f"    {reason}")
    if mark_read:
        access.mark_alerts_read()


@app.command("app")
def run_app(
    demo: Annotated[
        bool, typer.Option("--demo", help="Load the bundled demo data and demo accounts if empty.")
    ] = False,
    port: Annotated[
        int | None, typer.Option(help="Port to listen on (default $MATCHER_APP_PORT or 8501).", show_default=False)
    ] = None,
    address: Annotated[
        str | None,
        typer.Option(
            help="Address to listen on; 127.0.0.1 (the default) keeps the app on this machine (see README).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Start the Streamlit app (officers and startups) on this workspace."""
    from .ui.launch import launch

    settings = Settings.load(home=_State.home, app_port=port, app_address=address)
    raise typer.Exit(launch(settings.home, demo=demo, port=settings.app_port, address=settings.app_address))


def main(argv: list[str] | None = None) -> int:
    """Runs the CLI and returns its exit code; user errors become one line on stderr."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    args = [a for a in args if a != "--debug"]
    try:
        result = app(args=args, prog_name="matcher", standalone_mode=False)
        return int(result) if isinstance(result, int) else 0
    except typer.Exit as done:
        return done.exit_code
    except typer.Abort:
        _echo("Aborted.", err=True)
        return 130
    except typer.TyperException as usage:  # Typer's own usage errors (unknown command, bad option)
        shown = io.StringIO()
        usage.show(file=shown)  # type: ignore[attr-defined]
        _echo(shown.getvalue().rstrip("\n"), err=True)
        return int(getattr(usage, "exit_code", 2))
    except USER_ERRORS as error:  # the user asked for something that cannot be done: one line, exit 2
        if debug:
            raise
        _echo(f"error: {user_message(error)}", err=True)
        return 2
    except Exception as error:  # a bug, not a user mistake: say so briefly
        if debug:
            raise
        logger.debug("unexpected error", exc_info=True)
        _echo(f"internal error: {type(error).__name__}: {error} (run again with --debug for details)", err=True)
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
