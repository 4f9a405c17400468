"""Which kinds of organisation a search asks for: "seed investor for a robotics startup", "병원 찾습니다",
"Wirtschaftsförderung in Daejeon gesucht", "incubadora con laboratorios".

A text model reads a search by its topic: a search for an investor in legged robots finds robot makers first, and
the investor eighth. :class:`KindReader` reads the kind apart, from the words of ``matcher/data/kinds.toml`` in
English, Korean, German and Spanish, so that the search can list the organisations of that kind first
(:meth:`matcher.service.matching.MatchingService.search`). Kinds are the organisation types a partner is sought
as: investor, hospital, university, research institute, accelerator, public body.

A kind word is not what the writer wants when it describes the writer:

- the first kind word after a marker of the writer's own description in its clause, within :data:`ASKER_REACH`
  words ("we are a university spin-off", "저희는 대학병원 ...", "Wir sind ein Forschungsinstitut", "somos una
  aceleradora");
- right before a word for a spin-off ("university spin-off", "출연연에서 분사한");
- after a colon, which details the request ("Markteintritt in Korea: Zulassung, Kliniken, Vertrieb"), unless the
  writer introduced themselves before it ("Somos la oficina de inversiones de Málaga: buscamos agencias ...");
- right before an active verb of seeking ("Hospital universitario busca proveedor ...", "the institute seeks a
  CDMO"); German "gesucht" and Korean "찾습니다" come after what is sought and mark nothing. A verb of seeking
  between a self-description marker and a kind word cancels the marker ("we are looking for an investor").

Matching: case is folded. English and Spanish words match whole words; German and Korean ones also match the end
of a compound ("Frühphaseninvestor", "대학병원"), with an ending after them (German "-en", "-e", ...; Korean
particles such as 을, 를, 과), never its start ("Universitätsausgründung" is no university). Korean markers (the
writer's own description, spin-offs) begin a word and take any ending (분사한, 소속된).

Example:
    >>> reader = KindReader.packaged()
    >>> reader.read("Seed investor for a medical robotics startup")
    ('investor',)
    >>> reader.read("We're a university spin-off looking for a GMP contract manufacturer")
    ()
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from .resources import data_text

__all__ = [
    "ASKER_REACH",
    "HEAD_REACH",
    "KIND_TYPES",
    "SEEK_REACH",
    "KindReader",
    "KindReading",
]

KIND_TYPES: tuple[str, ...] = ("investor", "hospital", "university", "research_institute", "accelerator", "public_body")
"""The organisation types a search can ask for by name (:data:`matcher.vocab.ORG_TYPES` order)."""

ASKER_REACH = 4
"""Words after a marker of the writer's own description ("we are a") in which a kind word describes the writer."""

HEAD_REACH = 2
"""Words before a kind word from the start of its clause (Korean: after it, to the clause's end) within which it
heads the request (:attr:`KindReading.heads`)."""

SEEK_REACH = 3
"""Words after a verb of seeking within which a kind word heads the request ("looking for a VC", "sucht Seed- oder
Series-A-Investor")."""

_COMPOUNDING = frozenset({"de", "ko"})
"""Languages whose kind words also end compounds."""

_ENDINGS: dict[str, str] = {
    "de": "(?:e|en|n|s|es|er|ern)?",
    "ko": "(?:들)?(?:을|를|이|가|은|는|의|에|와|과|로|으로|로서|으로서|에서|도|만|이나|나|랑|이랑|에게|부터|까지|처럼"
    "|이든)?",
}
"""What may follow a German or Korean kind word in the same word: case and plural endings, particles."""

_TOKEN = re.compile(r"\w+(?:[-'’]\w+)*")
_CLAUSE_END = re.compile(r"[.;:!?。]")
_COLON = re.compile(r"[:：]")


@dataclass(frozen=True)
class _Phrase:
    """One entry of the vocabulary: its words, language and what it marks (a kind, or ``asker``, ``spin_off``,
    ``seeks``)."""

    words: tuple[str, ...]
    language: str
    marks: str

    def matches(self, tokens: Sequence[str], start: int) -> bool:
        """Whether the phrase's words are ``tokens[start:]``'s first ones (the last may end a compound)."""
        end = start + len(self.words)
        if end > len(tokens):
            return False
        *head, last = self.words
        if any(tokens[start + i] != word for i, word in enumerate(head)):
            return False
        token = tokens[end - 1]
        if self.language not in _COMPOUNDING:
            return token == last
        if self.language == "ko" and self.marks not in KIND_TYPES:
            # Korean markers are verbs and nouns that take any ending: 분사한, 소속된, 출신인.
            return token.startswith(last)
        # A compound may end in the last word (all but the first word of a phrase must match whole).
        pattern = (".*" if not head else "") + re.escape(last) + _ENDINGS[self.language]
        return re.fullmatch(pattern, token) is not None


@dataclass(frozen=True)
class KindReading:
    """The kinds of organisation a search asks for.

    Attributes:
        kinds: Every kind it asks for (:data:`KIND_TYPES` order).
        heads: Those it names at the head of a request, where a request names what it wants: among the first
            :data:`HEAD_REACH` + 1 words of its clause or within :data:`SEEK_REACH` words after a verb of seeking
            ("Seed investor for ...", "Looking for a VC"), or, in Korean, among its last :data:`HEAD_REACH` + 1
            ("... 시드 투자자", "... 병원 찾습니다"). A kind word further in may be read in passing ("low-power
            edge AI accelerator chip").
    """

    kinds: tuple[str, ...]
    heads: tuple[str, ...]


@dataclass(frozen=True)
class KindReader:
    """Reads the kinds of organisation a search asks for.

    Args:
        phrases: The vocabulary: words per language for each kind, and the markers (:meth:`from_toml`).

    Example:
        >>> reader = KindReader.from_toml('''
        ... [kinds.hospital]
        ... ko = ["병원"]
        ... [asker]
        ... ko = ["저희는"]
        ... [spin_off]
        ... ko = ["분사"]
        ... [seeks]
        ... ko = []
        ... ''')
        >>> reader.read("뇌졸중 임상 평가가 가능한 대학병원을 찾습니다"), reader.read("저희는 대학병원 연구팀입니다")
        (('hospital',), ())
    """

    phrases: tuple[_Phrase, ...]

    @classmethod
    def from_toml(cls, text: str) -> KindReader:
        """A reader of a vocabulary in the shape of ``matcher/data/kinds.toml``.

        Raises:
            ValueError: An unknown kind, or a table without words in any language.
        """
        phrases = _vocabulary(text)
        if not any(p.marks in KIND_TYPES for p in phrases):
            raise ValueError("the kinds vocabulary holds no kind words")
        return cls(_longest_first(phrases))

    def with_toml(self, text: str) -> KindReader:
        """This reader with the words of another vocabulary of the same shape added: a workspace's own
        ``kinds.toml``, which may hold only some kinds or markers.

        Raises:
            ValueError: The text is not TOML, or names an unknown kind.

        Example:
            >>> reader = KindReader.packaged()
            >>> extended = reader.with_toml('[kinds.public_body]' + chr(10) + 'ko = ["KOTRA"]')  # a proper name
            >>> reader.read("KOTRA 연결 부탁드립니다"), extended.read("KOTRA 연결 부탁드립니다")
            ((), ('public_body',))
        """
        return KindReader(_longest_first([*self.phrases, *_vocabulary(text)]))

    @staticmethod
    def packaged() -> KindReader:
        """The reader of the packaged vocabulary (read once per process)."""
        return _packaged()

    def read(self, text: str) -> tuple[str, ...]:
        """The kinds ``text`` asks for, in :data:`KIND_TYPES` order; empty when it names none, or only the
        writer's own kind."""
        return self.reading(text).kinds

    def reading(self, text: str) -> KindReading:
        """The kinds ``text`` asks for, and those it names at the head of a request (:class:`KindReading`)."""
        spans = [(m.group().casefold(), m.start()) for m in _TOKEN.finditer(text)]
        tokens = [token for token, _ in spans]
        clause_of = _clauses(text, [start for _, start in spans])
        found: list[tuple[int, int, str, str]] = []  # (first token, token count, what it marks, language)
        taken = [False] * len(tokens)
        folded = text.casefold()
        for phrase in self.phrases:
            if phrase.words[-1] not in folded:  # most of the vocabulary, skipped in one look
                continue
            for i in range(len(tokens)):
                if not taken[i] and phrase.matches(tokens, i):
                    found.append((i, len(phrase.words), phrase.marks, phrase.language))
                    taken[i : i + len(phrase.words)] = [True] * len(phrase.words)
        found.sort()
        askers = [i for i, _, marks, _ in found if marks == "asker"]
        spin_offs = [i for i, _, marks, _ in found if marks == "spin_off"]
        seeks = [i for i, _, marks, _ in found if marks == "seeks"]
        seek_ends = [i + length for i, length, marks, _ in found if marks == "seeks"]
        mentions = [m for m in found if m[2] in KIND_TYPES]
        # What follows a colon details the request ("market entry in Korea: approval, clinics, distribution"),
        # unless the writer introduced themselves before it ("We are Málaga's investment office: we seek agencies").
        colon = _COLON.search(text)
        if colon is not None and not any(spans[a][1] < colon.start() for a in askers):
            mentions = [m for m in mentions if spans[m[0]][1] < colon.start()]
        # A self-description marker claims the first kind word after it in its clause, within reach and with no
        # verb of seeking between: "we are a university ...", "저희는 VC로서 병원을 ..." (the VC, not the
        # hospital), never "we are looking for a university".
        claimed = set()
        for a in askers:
            first = next((m[0] for m in mentions if m[0] > a), None)
            if (
                first is not None
                and first - a <= ASKER_REACH
                and clause_of[first] == clause_of[a]
                and not any(a < s < first for s in seeks)
            ):
                claimed.add(first)
        wanted: set[str] = set()
        heads: set[str] = set()
        for i, length, marks, language in mentions:
            after = i + length
            if i in claimed:
                continue
            if any(after <= s <= after + 1 for s in spin_offs):
                continue  # "university spin-off"
            if any(after <= s <= after + 1 and clause_of[s] == clause_of[i] for s in seeks):
                continue  # "Hospital universitario busca ..."
            wanted.add(marks)
            clause = [j for j, c in enumerate(clause_of) if c == clause_of[i]]
            if language == "ko":  # head-final: the sought noun ends the request, or comes right before its verb
                head = after - 1 >= clause[-1] - HEAD_REACH
            else:  # head-initial: the request opens with it, or names it right after a verb of seeking
                head = i - clause[0] <= HEAD_REACH or any(0 <= i - end < SEEK_REACH for end in seek_ends)
            if head:
                heads.add(marks)
        return KindReading(
            tuple(kind for kind in KIND_TYPES if kind in wanted), tuple(kind for kind in KIND_TYPES if kind in heads)
        )


def _vocabulary(text: str) -> list[_Phrase]:
    """The phrases of a vocabulary in the shape of ``kinds.toml``.

    Raises:
        ValueError: The text is not TOML, or names an unknown kind.
    """
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"the kinds vocabulary is not valid TOML: {error}") from None
    phrases: list[_Phrase] = []
    for kind, languages in table.get("kinds", {}).items():
        if kind not in KIND_TYPES:
            raise ValueError(f"unknown kind {kind!r} in the kinds vocabulary; known: {', '.join(KIND_TYPES)}")
        phrases += _phrases(languages, kind)
    for marker in ("asker", "spin_off", "seeks"):
        phrases += _phrases(table.get(marker, {}), marker)
    return phrases


def _longest_first(phrases: Sequence[_Phrase]) -> tuple[_Phrase, ...]:
    """Longer phrases first, so "university hospital" is read before "university"."""
    return tuple(sorted(phrases, key=lambda p: -len(p.words)))


def _phrases(languages: Mapping[str, Sequence[str]], marks: str) -> list[_Phrase]:
    out = []
    for language, entries in languages.items():
        for entry in entries:
            words = tuple(token.casefold() for token in _TOKEN.findall(entry))
            if words:
                out.append(_Phrase(words, language, marks))
    return out


def _clauses(text: str, starts: Sequence[int]) -> list[int]:
    """The clause number of each token start (clauses end at . ; : ! ?)."""
    ends = [m.start() for m in _CLAUSE_END.finditer(text)]
    return [sum(1 for end in ends if end < start) for start in starts]


@cache
def _packaged() -> KindReader:
    return KindReader.from_toml(data_text("kinds.toml"))
