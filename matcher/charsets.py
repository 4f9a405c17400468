"""Legacy text encodings: which one a file that is not UTF-8 is in, and whether decoded text came out garbled.

Excel saves "CSV" in the code page of the Windows it runs on: CP949 (a superset of EUC-KR) on a Korean machine,
Shift-JIS (CP932) on a Japanese one, Windows-1252 in Western Europe and the Americas. Any byte sequence decodes as
Windows-1252, so trying it first turns Korean names into "¼¼Á¾ ¹ÙÀÌ¿À·ÎÁ÷½º" without a word of warning. Here
each candidate is tried strictly, charset-normalizer ranks the decodings that succeed by how messy they read, and
a script check vetoes decodings that only look clean: Korean must come out as the 2,350 everyday Hangul syllables
of KS X 1001 (Japanese read as CP949 gives rare syllables outside it), Japanese must not be mostly half-width
katakana (Korean read as Shift-JIS gives that). A guess is *doubtful* when another candidate reads as well, or
when too few bytes decide it; the reader then warns.

:func:`garbled` finds mojibake in text that is already decoded, wherever it came from: UTF-8 read as Windows-1252
("Ã©" for "é", "í•œ" for "한") or as Mac Roman ("√©"), or Korean and Japanese double-byte text read as
Windows-1252.

Example:
    >>> guess = guess_legacy("세종 바이오로직스, 대전".encode("cp949"))
    >>> guess.codec, guess.label, guess.doubt
    ('euc-kr', 'CP949/EUC-KR (Korean)', None)
    >>> garbled("Name: ¼¼Á¾ ¹ÙÀÌ¿À·ÎÁ÷½º")
    Garble(text='¼¼Á¾', meant='세종', cause='Korean text (CP949/EUC-KR) read as Windows-1252')
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass

__all__ = [
    "DETECTION_SAMPLE_BYTES",
    "GARBLE_QUOTE_CHARS",
    "MIN_EVIDENCE_BYTES",
    "Garble",
    "Guess",
    "decode_line",
    "find_garble",
    "garbled",
    "guess_legacy",
]

logger = logging.getLogger(__name__)

DETECTION_SAMPLE_BYTES = 1024 * 1024
"""Bytes of the non-UTF-8 text the guess is made from (the first MiB, cut at a line end); the rest is decoded with
the guess (the reader refuses a file whose later lines the guess cannot decode)."""
GARBLE_QUOTE_CHARS = 40
"""Most characters of a garbled stretch (and of what it meant) that a :class:`Garble` quotes."""
MIN_EVIDENCE_BYTES = 8
"""Fewer non-ASCII bytes than this make a guess doubtful whenever another encoding also decodes them."""

_LABELS = {
    "euc-kr": "CP949/EUC-KR (Korean)",
    "cp949": "CP949 (Korean)",
    "cp932": "Shift-JIS (Japanese)",
    "cp1252": "Windows-1252 (Latin-1)",
}
_CANDIDATES = ("cp949", "cp932", "cp1252")  # EUC-KR is a subset of CP949: named when the bytes stay inside it
_HANGUL = re.compile("[\uac00-\ud7a3]")
# The 2,350 Hangul syllables of KS X 1001 (EUC-KR's byte pairs B0-C8 / A1-FE): nearly all real Korean text.
_KS_HANGUL = frozenset(
    bytes((lead, trail)).decode("euc-kr") for lead in range(0xB0, 0xC9) for trail in range(0xA1, 0xFF)
)
_KANA_KANJI = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
_HALF_WIDTH_KATAKANA = re.compile("[\uff61-\uff9f]")
_PRIVATE = re.compile("[\ue000-\uf8ff]")
# Mojibake made by reading bytes as Windows-1252 holds only its characters above ASCII: Latin-1's, the 27 it puts
# at 0x80-0x9F, and the C1 controls Latin-1 gives the five bytes it leaves undefined.
# Mac Roman (old Mac Excel) gives its own set, such as '√º' for UTF-8 'ü'.
_CP1252_SPECIALS = "".join(sorted(set(bytes(range(0x80, 0xA0)).decode("cp1252", "ignore"))))
_MAC_ROMAN = re.escape("".join(sorted(set(bytes(range(0x80, 0x100)).decode("mac_roman")))))
_NON_ASCII_RUN = re.compile(f"[\x80-\xff{_CP1252_SPECIALS}{_MAC_ROMAN}]{{2,}}[\\x40-\\x7e]?")  # and a trail byte
_HIGH_BYTES = bytes(range(0x80, 0x100))
_UTF8_START = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")  # what every multi-byte UTF-8 sequence starts with
# A well-formed UTF-8 sequence of two to four bytes (the table of RFC 3629: no overlongs, no surrogates).
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_HIGH_BYTE_RUN = re.compile(rb"[\x80-\xff]{2,}[\x40-\x7e]?")
# What UTF-8 mojibake decodes back to: letters and punctuation of the scripts people write, never rare symbols
# (so that "CAFÉ’S", whose two characters happen to form UTF-8 for the IPA letter 'ɒ', stays unflagged).
_CJK_MEANT = "\u3000-\u30ff\u4e00-\u9fff\uac00-\ud7a3"
_MEANT_UTF8 = re.compile(f"[\u00a0-\u017f\u0370-\u045f\u2010-\u206f\u20ac\u2122{_CJK_MEANT}]+")
# Read through Mac Roman, a dash before an accented letter ('—é') is UTF-8 for a Cyrillic letter: no Cyrillic there.
_MEANT_UTF8_MAC = re.compile(f"[\u00a0-\u017f\u0370-\u03ff\u2010-\u206f\u20ac\u2122{_CJK_MEANT}]+")


@dataclass(frozen=True)
class Guess:
    """The legacy encoding chosen for bytes that are not UTF-8.

    Attributes:
        codec: Python codec name: ``euc-kr``, ``cp949``, ``cp932`` or ``cp1252``.
        label: The name shown to users, e.g. ``CP949 (Korean)``.
        doubt: Why the guess is uncertain, in words, or None when it is clear.
    """

    codec: str
    label: str
    doubt: str | None = None


@dataclass(frozen=True)
class Garble:
    """A stretch of text that looks like mojibake.

    Attributes:
        text: The garbled characters as they stand.
        meant: What they decode back to, the text the file most likely held.
        cause: What went wrong, in words.
    """

    text: str
    meant: str
    cause: str


def _clean(codec: str, text: str, raw: bytes) -> bool:
    """Whether a decoding reads as its script should (see the module docstring)."""
    if codec == "cp949":
        syllables = _HANGUL.findall(text)
        # CP949's other 8,822 syllables are rare in real text, and what Japanese bytes read as CP949 turn into.
        return bool(syllables) and sum(1 for char in syllables if char in _KS_HANGUL) >= 0.6 * len(syllables)
    if codec == "cp1252":
        return find_garble(raw, text, codec) is None
    if codec == "cp932":
        # Bytes of other encodings read as Shift-JIS give half-width katakana and user-defined (private) characters.
        half = len(_HALF_WIDTH_KATAKANA.findall(text))
        non_ascii = sum(1 for char in text if not char.isascii())
        return bool(_KANA_KANJI.search(text)) and not _PRIVATE.search(text) and half <= 0.2 * non_ascii
    return True


def _sample(data: bytes) -> bytes:
    if len(data) <= DETECTION_SAMPLE_BYTES:
        return data
    cut = data.rfind(b"\n", 0, DETECTION_SAMPLE_BYTES)
    return data[: cut if cut > 0 else DETECTION_SAMPLE_BYTES]


def guess_legacy(data: bytes) -> Guess:
    """Chooses the legacy encoding of bytes that are not UTF-8: CP949/EUC-KR, Shift-JIS or Windows-1252.

    Each candidate is decoded as :func:`decode_line` would (strictly, but Windows-1252 always succeeds);
    charset-normalizer orders them from least to most messy, and the first that also passes the script check
    wins.

    Args:
        data: The bytes that are not UTF-8 (the reader passes the lines that fail UTF-8, joined).

    Returns:
        The codec, its label and, when another candidate reads as well or the evidence is thin, the doubt.

    Example:
        >>> guess_legacy("Stahlwerk Gießen".encode("cp1252")).codec
        'cp1252'
        >>> guess_legacy("株式会社さくらバイオ".encode("shift_jis")).label
        'Shift-JIS (Japanese)'
        >>> guess_legacy("a1,한".encode("cp949")).doubt
        'only 2 bytes are not plain ASCII, and they also read as Windows-1252 (Latin-1)'
    """
    from charset_normalizer import from_bytes

    sample = _sample(data)
    decoded: dict[str, str] = {}
    for codec in _CANDIDATES:
        try:
            decoded[codec] = decode_line(sample, codec, strict=True)
        except UnicodeDecodeError:
            continue
    readable = [m.encoding for m in from_bytes(sample, cp_isolation=list(decoded)) if m.encoding in decoded]
    ranked = [*readable, *(codec for codec in decoded if codec not in readable)]  # too messy to read: last
    evidence = len(sample) - len(sample.translate(None, _HIGH_BYTES))
    clean: list[str] = []
    for codec in ranked:
        # Once one reads cleanly, a messy one can neither win nor cast doubt unless the evidence is thin.
        if clean and codec not in readable and evidence >= MIN_EVIDENCE_BYTES:
            continue
        if _clean(codec, decoded[codec], sample):
            clean.append(codec)
    chosen = clean[0] if clean else ranked[0]
    rivals = [codec for codec in clean[1:] if decoded[codec] != decoded[chosen]]
    doubt = None
    if not clean:
        doubt = f"no encoding reads it cleanly; read as {_LABELS[chosen]}"
    elif rivals and rivals[0] in readable and chosen in readable:
        doubt = f"it reads as {_LABELS[rivals[0]]} just as well"
    elif rivals and evidence < MIN_EVIDENCE_BYTES:
        many = "bytes are" if evidence != 1 else "byte is"
        doubt = f"only {evidence} {many} not plain ASCII, and they also read as {_LABELS[rivals[0]]}"
    if chosen == "cp949" and _fits(sample, "euc-kr"):
        chosen = "euc-kr"
    logger.info("legacy encoding guess: %s (candidates %s, doubt: %s)", chosen, ranked, doubt)
    return Guess(chosen, _LABELS[chosen], doubt)


def _latin_1_fallback(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: the five bytes Windows-1252 leaves undefined are read as Latin-1 (C1 controls)."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error("matcher.latin-1", _latin_1_fallback)


def decode_line(line: bytes, codec: str, *, strict: bool = False) -> str:
    """Decodes bytes that are not UTF-8 in a legacy codec.

    Windows-1252 keeps the UTF-8 sequences of a line (a line pasted together from a UTF-8 and a Windows-1252
    export reads right) and reads the five bytes it leaves undefined as Latin-1, so it always succeeds. Another
    codec that fails falls back to that, unless ``strict``.

    Example:
        >>> decode_line("Müller ".encode() + "España".encode("cp1252"), "cp1252")
        'Müller España'
    """
    if codec != "cp1252":
        try:
            return line.decode(codec)
        except UnicodeDecodeError:
            if strict:
                raise
    if not _UTF8_START.search(line):  # the common case: no UTF-8 in the line at all
        return line.decode("cp1252", "matcher.latin-1")
    parts = []
    end = 0
    for match in _UTF8_SEQUENCE.finditer(line):
        parts += [line[end : match.start()].decode("cp1252", "matcher.latin-1"), match.group().decode("utf-8")]
        end = match.end()
    return "".join(parts) + line[end:].decode("cp1252", "matcher.latin-1")


def _fits(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def _single_bytes(text: str) -> bytes | None:
    """The Windows-1252 bytes ``text`` came from (Latin-1 for the five bytes Windows-1252 leaves undefined)."""
    out = bytearray()
    for char in text:
        try:
            out += char.encode("cp1252")
        except UnicodeEncodeError:
            if ord(char) > 0xFF:
                return None
            out.append(ord(char))
    return bytes(out)


_UTF8_AS_1252 = "UTF-8 text read as Windows-1252"


def _meant(run: bytes, *, utf8: bool = True) -> tuple[str, str] | None:
    """What a run of high bytes decodes to as UTF-8 (unless not ``utf8``), CP949 or Shift-JIS, if real text.

    The run may end with one ASCII byte (a possible Shift-JIS trail byte), which only Shift-JIS reads.
    """
    raw = run if run[-1] >= 0x80 else run[:-1]
    if utf8:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            if _MEANT_UTF8.fullmatch(text):
                return text, _UTF8_AS_1252
    if len(raw) >= 4 and len(raw) % 2 == 0 and all(0xA1 <= byte <= 0xFE for byte in raw):
        text = raw.decode("cp949", errors="replace")  # every pair of these bytes is one character
        if all(char in _KS_HANGUL for char in text):
            return text, "Korean text (CP949/EUC-KR) read as Windows-1252"
    for candidate in dict.fromkeys((run, raw)):
        try:
            text = candidate.decode("cp932")
        except UnicodeDecodeError:
            continue
        if len(text) >= 2 and all("\u3040" <= char <= "\u30ff" or "\u4e00" <= char <= "\u9fff" for char in text):
            return text, "Japanese text (Shift-JIS) read as Windows-1252"
    return None


def garbled(text: str) -> Garble | None:
    """The first stretch of ``text`` that looks like mojibake, with what it most likely said, or None.

    A stretch is two or more non-ASCII characters in a row that all come from Windows-1252 (or Mac Roman) and
    decode, as the bytes they were, to real text in UTF-8, CP949 (Hangul of KS X 1001) or Shift-JIS (kana and
    kanji). Real European text almost never has such runs: 'Müller', 'España', 'Größe' pass.

    Example:
        >>> garbled("Nube TecnologÃ­a, MÃ¡laga").meant
        'í'
        >>> garbled("Großhändler Müßig GmbH, Málaga") is None
        True
    """
    found = _first_garble(text)
    return found[1] if found else None


def _first_garble(text: str) -> tuple[int, Garble] | None:
    """The first garble in ``text`` and where it starts."""
    if text.isascii():
        return None
    for match in _NON_ASCII_RUN.finditer(text):
        run = match.group()
        shown = run if not run[-1].isascii() else run[:-1]
        found = _mac_roman_meant(shown)
        raw = _single_bytes(run)
        if found is None and raw is not None:
            found = _meant(raw)
        if found is not None:
            return match.start(), _bounded(shown, *found)
    return None


def _bounded(text: str, meant: str, cause: str) -> Garble:
    """A garble quoting at most :data:`GARBLE_QUOTE_CHARS` characters of the file's text (a run may be long)."""
    return Garble(text[:GARBLE_QUOTE_CHARS], meant[:GARBLE_QUOTE_CHARS], cause)


def _mac_roman_meant(run: str) -> tuple[str, str] | None:
    """What a run decodes to if its characters are Mac Roman bytes of UTF-8 text ('M√ºnster' for 'Münster')."""
    try:
        text = run.encode("mac_roman").decode("utf-8")
    except UnicodeError:
        return None
    return (text, "UTF-8 text read as Mac Roman") if _MEANT_UTF8_MAC.fullmatch(text) else None


def find_garble(data: bytes, text: str, codec: str) -> tuple[int, Garble] | None:
    """The first mojibake in ``text``, what :func:`decode_line` made of ``data`` in ``codec``, and its line.

    For Windows-1252 the bytes themselves are searched too: a UTF-8 lead byte in Korean or Japanese double-byte
    text would otherwise swallow the next byte and hide the garble.

    Returns:
        The 0-based line (of ``data`` split at newlines) and the garble, or None.

    Example:
        >>> data = "Sejong\\n세종 바이오".encode("cp949")
        >>> find_garble(data, decode_line(data, "cp1252"), "cp1252")
        (1, Garble(text='¼¼Á¾', meant='세종', cause='Korean text (CP949/EUC-KR) read as Windows-1252'))
        >>> find_garble(data, decode_line(data, "cp949"), "cp949") is None
        True
    """
    if codec == "cp1252":
        for match in _HIGH_BYTE_RUN.finditer(data):
            meant = _meant(match.group(), utf8=False)  # UTF-8 sequences are read as UTF-8 by decode_line
            if meant is not None:
                core = match.group().rstrip(bytes(range(0x40, 0x7F)))
                return data.count(b"\n", 0, match.start()), _bounded(core.decode("cp1252", errors="replace"), *meant)
    found = _first_garble(text)
    return (text.count("\n", 0, found[0]), found[1]) if found else None
