"""Controlled vocabularies: organisation types, sectors, stages, partnership kinds and countries.

Every value that enters the store passes through one of the ``normalize_*`` functions here, so the rest of the
package can rely on canonical values. Each function accepts the common spellings people type in spreadsheets
and returns ``None`` (or splits off free tags) for what it does not know, leaving the caller to report it. Places
are read in Korean, German, Spanish, English (and, for the alliance, Japanese and Chinese) spellings: a city
becomes its canonical name (:data:`CITY_ALIASES`), so that "대전" and "Taejon" are Daejeon for the filters and
the other-city rule; a city the table does not know is kept as typed.

Example:
    >>> normalize_org_type("Research Institute")
    'research_institute'
    >>> normalize_country("UK"), normalize_country("대한민국"), normalize_country("XK")
    ('GB', 'KR', 'XK')
    >>> normalize_city("대전광역시"), normalize_city("München"), normalize_city("Springfield")
    ('Daejeon', 'Munich', 'Springfield')
    >>> split_sectors("ADC; CDMO; space robotics")
    (('antibody_drug_conjugates', 'bioprocessing_cdmo'), ('space robotics',))
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

import pycountry

__all__ = [
    "ALLIANCE_CITIES",
    "BIO_SECTORS",
    "CITY_ALIASES",
    "COUNTRY_CODES",
    "FIRM_TYPES",
    "ORG_TYPES",
    "PARTNERSHIP_KINDS",
    "SECTORS",
    "SECTOR_LABELS",
    "STAGES",
    "TECH_SECTORS",
    "normalize_city",
    "normalize_country",
    "normalize_org_type",
    "normalize_partnership_kind",
    "normalize_stage",
    "split_list",
    "split_sectors",
]


def _key(text: str) -> str:
    """Folds case, punctuation, spacing and Unicode forms, so that 'Bio-process / CDMO' and 'bioprocess cdmo' meet
    (and Hangul typed on macOS, in decomposed jamo, meets Hangul typed elsewhere)."""
    return re.sub(r"[\W_]+", " ", unicodedata.normalize("NFKC", text).casefold()).strip()


def _alias_table(canonical: Iterable[str], aliases: Mapping[str, str]) -> dict[str, str]:
    table = {_key(value): value for value in canonical}
    table.update({_key(alias): value for alias, value in aliases.items()})
    return table


ORG_TYPES: tuple[str, ...] = (
    "startup",
    "sme",
    "company",
    "large_company",
    "multinational",
    "university",
    "research_institute",
    "hospital",
    "investor",
    "public_body",
    "accelerator",
    "other",
)
"""Organisation types, from the smallest firm to public bodies."""

FIRM_TYPES: frozenset[str] = frozenset(ORG_TYPES[:5])
"""The organisation types that are firms (startup to multinational): they take derived roles from their sectors
and can be one another's competitors; universities, institutes and the others cannot."""

_ORG_TYPE_ALIASES = {
    "start-up": "startup",
    "spin-off": "startup",
    "spinout": "startup",
    "spin off": "startup",
    "scale-up": "startup",
    "small and medium enterprise": "sme",
    "small business": "sme",
    "mid-sized company": "sme",
    "mittelstand": "sme",
    "firm": "company",
    "corporation": "company",
    "private company": "company",
    "business": "company",
    "enterprise": "company",
    "prc": "company",
    "large company": "large_company",
    "large enterprise": "large_company",
    "corporate": "large_company",
    "mnc": "multinational",
    "multinational company": "multinational",
    "multinational corporation": "multinational",
    "global company": "multinational",
    "uni": "university",
    "college": "university",
    "higher education": "university",
    "hes": "university",
    "research institute": "research_institute",
    "research institution": "research_institute",
    "research organisation": "research_institute",
    "research organization": "research_institute",
    "research centre": "research_institute",
    "research center": "research_institute",
    "institute": "research_institute",
    "lab": "research_institute",
    "laboratory": "research_institute",
    "national lab": "research_institute",
    "rec": "research_institute",
    "medical centre": "hospital",
    "medical center": "hospital",
    "clinic": "hospital",
    "vc": "investor",
    "venture capital": "investor",
    "fund": "investor",
    "angel": "investor",
    "investment fund": "investor",
    "public body": "public_body",
    "government": "public_body",
    "government agency": "public_body",
    "agency": "public_body",
    "municipality": "public_body",
    "pub": "public_body",
    "incubator": "accelerator",
    "oth": "other",
}
_ORG_TYPE_TABLE = _alias_table(ORG_TYPES, _ORG_TYPE_ALIASES)

BIO_SECTORS: tuple[str, ...] = (
    "therapeutics",
    "antibody_drug_conjugates",
    "biologics",
    "bioprocessing_cdmo",
    "diagnostics",
    "medical_devices",
    "digital_health",
)
TECH_SECTORS: tuple[str, ...] = (
    "aerospace",
    "semiconductors",
    "ai",
    "robotics",
    "quantum",
    "advanced_materials",
    "energy",
)
SECTORS: tuple[str, ...] = BIO_SECTORS + TECH_SECTORS
"""The sector taxonomy: bio subsectors first, then tech subsectors."""

SECTOR_LABELS: dict[str, str] = {
    "therapeutics": "Therapeutics",
    "antibody_drug_conjugates": "Antibody-drug conjugates",
    "biologics": "Biologics",
    "bioprocessing_cdmo": "Bioprocessing / CDMO",
    "diagnostics": "Diagnostics",
    "medical_devices": "Medical devices",
    "digital_health": "Digital health",
    "aerospace": "Aerospace",
    "semiconductors": "Semiconductors",
    "ai": "Artificial intelligence",
    "robotics": "Robotics",
    "quantum": "Quantum",
    "advanced_materials": "Advanced materials",
    "energy": "Energy",
}

_SECTOR_ALIASES = {
    "drug discovery": "therapeutics",
    "pharma": "therapeutics",
    "pharmaceuticals": "therapeutics",
    "drug development": "therapeutics",
    "adc": "antibody_drug_conjugates",
    "adcs": "antibody_drug_conjugates",
    "antibody drug conjugates": "antibody_drug_conjugates",
    "antibody drug conjugate": "antibody_drug_conjugates",
    "biologic": "biologics",
    "antibodies": "biologics",
    "biopharma": "biologics",
    "cdmo": "bioprocessing_cdmo",
    "cmo": "bioprocessing_cdmo",
    "bioprocessing": "bioprocessing_cdmo",
    "bioprocess": "bioprocessing_cdmo",
    "biomanufacturing": "bioprocessing_cdmo",
    "bioprocessing cdmo": "bioprocessing_cdmo",
    "diagnostic": "diagnostics",
    "ivd": "diagnostics",
    "in vitro diagnostics": "diagnostics",
    "medtech": "medical_devices",
    "medical device": "medical_devices",
    "medical technology": "medical_devices",
    "ehealth": "digital_health",
    "e health": "digital_health",
    "healthtech": "digital_health",
    "health it": "digital_health",
    "space": "aerospace",
    "aviation": "aerospace",
    "semiconductor": "semiconductors",
    "chips": "semiconductors",
    "microelectronics": "semiconductors",
    "artificial intelligence": "ai",
    "machine learning": "ai",
    "ai ml": "ai",
    "ml": "ai",
    "robotic": "robotics",
    "automation": "robotics",
    "quantum technology": "quantum",
    "quantum computing": "quantum",
    "materials": "advanced_materials",
    "new materials": "advanced_materials",
    "cleantech": "energy",
    "batteries": "energy",
    "battery": "energy",
    "renewables": "energy",
    "renewable energy": "energy",
    "hydrogen": "energy",
}
_SECTOR_TABLE = _alias_table(SECTORS, _SECTOR_ALIASES)

STAGES: tuple[str, ...] = ("pre_seed", "seed", "series_a", "series_b", "growth", "established")
"""Company stage, for size and stage fit. Empty for organisations where it does not apply."""

_STAGE_ALIASES = {
    "preseed": "pre_seed",
    "idea": "pre_seed",
    "series a": "series_a",
    "a": "series_a",
    "series b": "series_b",
    "b": "series_b",
    "series c": "growth",
    "scale up": "growth",
    "scaleup": "growth",
    "late": "growth",
    "mature": "established",
    "public": "established",
    "listed": "established",
}
_STAGE_TABLE = _alias_table(STAGES, _STAGE_ALIASES)

PARTNERSHIP_KINDS: tuple[str, ...] = (
    "co_research",
    "investment",
    "licensing",
    "supply",
    "mou",
    "visit",
    "joint_venture",
    "customer",
    "other",
)
"""Kinds of existing relationship between two organisations."""

_KIND_ALIASES = {
    "coresearch": "co_research",
    "joint research": "co_research",
    "research": "co_research",
    "collaboration": "co_research",
    "co participation": "co_research",
    "invest": "investment",
    "license": "licensing",
    "licence": "licensing",
    "supplier": "supply",
    "supply agreement": "supply",
    "memorandum of understanding": "mou",
    "delegation visit": "visit",
    "jv": "joint_venture",
    "client": "customer",
}
_KIND_TABLE = _alias_table(PARTNERSHIP_KINDS, _KIND_ALIASES)

ALLIANCE_CITIES: dict[str, tuple[str, float, float]] = {
    "Daejeon": ("KR", 36.3504, 127.3845),
    "Seattle": ("US", 47.6062, -122.3321),
    "Calgary": ("CA", 51.0447, -114.0719),
    "Dortmund": ("DE", 51.5136, 7.4653),
    "Málaga": ("ES", 36.7213, -4.4214),
    "Montgomery County": ("US", 39.1547, -77.2405),
}
"""The Global Innopolis Alliance places: city -> (country, latitude, longitude)."""

# One line per city: canonical name | country | the other spellings (Korean, German, Spanish, English, local).
# English exonyms are canonical where English uses one (Munich, Cologne); the alliance's own spellings otherwise.
_CITY_TABLE = """
Daejeon | KR | 대전; 대전광역시; 대전시; 대전 광역시; Daejeon-si; Daejeon Metropolitan City; Daejeon City;
    Taejon; Taejŏn; Daejon; Taejeon; 大田; 大田廣域市; 大田广域市; 大田市; テジョン
Seattle | US | Seattle WA; Seattle Washington; 시애틀; シアトル; 西雅图
Calgary | CA | Calgary AB; Calgary Alberta; 캘거리; カルガリー; 卡尔加里
Dortmund | DE | 도르트문트; ドルトムント; 多特蒙德
Málaga | ES | Malaga; 말라가; マラガ; 马拉加
Montgomery County | US | Montgomery County MD; Montgomery County Maryland; Montgomery County (Maryland);
    Montgomery Co MD; 몽고메리 카운티; 몽고메리카운티; 몽고메리 카운티 메릴랜드; Condado de Montgomery;
    Condado de Montgomery Maryland; モンゴメリー郡
Seoul | KR | 서울; 서울특별시; 서울시; Séoul; Seúl; ソウル; 首尔; 首爾
Busan | KR | 부산; 부산광역시; 부산시; Pusan; 釜山
Incheon | KR | 인천; 인천광역시; 인천시; Inchon; 仁川
Daegu | KR | 대구; 대구광역시; 대구시; Taegu; 大邱
Gwangju | KR | 광주; 광주광역시; Kwangju; 光州
Ulsan | KR | 울산; 울산광역시; 蔚山
Sejong | KR | 세종; 세종시; 세종특별자치시; Sejong City
Suwon | KR | 수원; 수원시
Seongnam | KR | 성남; 성남시
Pohang | KR | 포항; 포항시
Cheongju | KR | 청주; 청주시; Chongju
Tokyo | JP | 東京; 東京都; 도쿄; Tokio
Osaka | JP | 大阪; 大阪市; 오사카
Kyoto | JP | 京都; 교토
Tsukuba | JP | つくば; 筑波; 쓰쿠바
Beijing | CN | 北京; 베이징; Peking; Pekín
Shanghai | CN | 上海; 상하이; Schanghai
Shenzhen | CN | 深圳; 선전
Munich | DE | München; Muenchen; Munchen; 뮌헨; Múnich; ミュンヘン; 慕尼黑
Garching | DE | Garching bei München; Garching b München; Garching bei Munchen; Garching b Munchen
Cologne | DE | Köln; Koeln; Koln; 쾰른; Colonia
Nuremberg | DE | Nürnberg; Nuernberg; Nurnberg; 뉘른베르크; Núremberg
Düsseldorf | DE | Dusseldorf; Duesseldorf; 뒤셀도르프
Frankfurt | DE | Frankfurt am Main; Frankfurt a M; Frankfurt Main; 프랑크푸르트; Fráncfort
Hanover | DE | Hannover; 하노버; Hanóver
Berlin | DE | 베를린; Berlín
Hamburg | DE | 함부르크; Hamburgo
Stuttgart | DE | 슈투트가르트
Dresden | DE | 드레스덴; Dresde
Aachen | DE | 아헨; Aquisgrán; Aix-la-Chapelle
Jülich | DE | Juelich; Julich; 윌리히
Bochum | DE | 보훔
Essen | DE | 에센
Madrid | ES | 마드리드
Barcelona | ES | 바르셀로나
Seville | ES | Sevilla; 세비야
Valencia | ES | València; 발렌시아
Zaragoza | ES | Saragossa; 사라고사
Bilbao | ES | Bilbo; 빌바오
San Sebastián | ES | San Sebastian; Donostia; Donostia-San Sebastián; Donostia-San Sebastian
A Coruña | ES | La Coruña; A Coruna; La Coruna; Coruña; Corunna
Granada | ES | 그라나다
Córdoba | ES | Cordoba; 코르도바
Alicante | ES | Alacant
Washington, D.C. | US | Washington DC; Washington D C; 워싱턴 DC; Washington Distrito de Columbia
New York | US | New York City; NYC; 뉴욕; Nueva York
San Francisco | US | 샌프란시스코
Boston | US | 보스턴
Montreal | CA | Montréal; 몬트리올
Quebec City | CA | Ville de Québec; Québec City
Toronto | CA | 토론토
Vancouver | CA | 밴쿠버
London | GB | 런던; Londres
Paris | FR | 파리; París
Vienna | AT | Wien; 빈; Viena; Vienne
Brussels | BE | Bruxelles; Brussel; Brüssel; Bruselas; 브뤼셀
Antwerp | BE | Antwerpen; Anvers; Amberes
Ghent | BE | Gent; Gand
Leuven | BE | Louvain
Liège | BE | Liege; Luik; Lüttich
The Hague | NL | Den Haag; s-Gravenhage; 's-Gravenhage; La Haya
Lisbon | PT | Lisboa; Lissabon; 리스본
Rome | IT | Roma; Rom; 로마
Milan | IT | Milano; Mailand; Milán; 밀라노
Turin | IT | Torino; Turín
Naples | IT | Napoli; Neapel; Nápoles
Florence | IT | Firenze; Florenz; Florencia
Venice | IT | Venezia; Venedig; Venecia
Genoa | IT | Genova; Genua; Génova
Athens | GR | Athina; Athína; Αθήνα; Athen; Atenas; 아테네
Thessaloniki | GR | Thessaloníki; Θεσσαλονίκη; Saloniki; Salónica
Warsaw | PL | Warszawa; Warschau; Varsovia; 바르샤바
Krakow | PL | Kraków; Krakau; Cracovia; Cracow
Prague | CZ | Praha; Prag; Praga; 프라하
Copenhagen | DK | København; Kobenhavn; Koebenhavn; Kopenhagen; Copenhague; 코펜하겐
Gothenburg | SE | Göteborg; Goteborg; Goeteborg
Bucharest | RO | București; Bucuresti; Bukarest; Bucarest
Belgrade | RS | Beograd; Belgrad; Belgrado
Zurich | CH | Zürich; Zuerich; Zurigo; 취리히
Geneva | CH | Genève; Geneve; Genf; Ginebra; Ginevra; 제네바
Moscow | RU | Moskva; Moskau; Moscú; 모스크바
Kyiv | UA | Kiev; Kyjiw; Kiew; 키이우
Istanbul | TR | İstanbul; 이스탄불; Estambul
Nicosia | CY | Lefkosia; Lefkoşa; Λευκωσία; Nikosia; 니코시아
Limassol | CY | Lemesos; Λεμεσός
Larnaca | CY | Larnaka; Λάρνακα
Paphos | CY | Pafos; Πάφος
Helsinki | FI | Helsingfors; 헬싱키
Turku | FI | Åbo; Abo
Bern | CH | Berne; Berna; 베른
Plzeň | CZ | Plzen; Pilsen
Bolzano | IT | Bozen; Bolzano-Bozen; Bozen-Bolzano
Heraklion | GR | Iraklio; Irakleio; Iraklion; Ηράκλειο
Patras | GR | Patra; Πάτρα
Marousi | GR | Maroussi; Amarousio; Μαρούσι
Tirana | AL | Tirane; Tiranë
Saint Petersburg | RU | St Petersburg; St. Petersburg; Sankt-Peterburg; Sankt Petersburg; Санкт-Петербург;
    상트페테르부르크; San Petersburgo
Vitoria-Gasteiz | ES | Vitoria; Gasteiz
Kongens Lyngby | DK | Kgs Lyngby; Kgs. Lyngby; Lyngby
Freiburg | DE | Freiburg im Breisgau; Freiburg i Br; Freiburg i. Br.
Halle | DE | Halle (Saale); Halle Saale; Halle an der Saale
Ludwigshafen | DE | Ludwigshafen am Rhein
Offenbach | DE | Offenbach am Main
"""


def _city_table(text: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    table: dict[str, tuple[str, tuple[str, ...]]] = {}
    for entry in re.split(r"\n(?=\S)", text.strip()):
        canonical, country, aliases = (part.strip() for part in entry.split("|"))
        table[canonical] = (country, tuple(alias.strip() for alias in aliases.split(";") if alias.strip()))
    return table


CITY_ALIASES: dict[str, tuple[str, tuple[str, ...]]] = _city_table(_CITY_TABLE)
"""Canonical city -> (country code, other spellings). The alliance's places in Korean, German, Spanish, English,
Japanese and Chinese; other cities people and CORDIS spell several ways (exonyms and local names: "Lefkosia" is
Nicosia, "Bozen" Bolzano; short and long forms: "Freiburg im Breisgau" is Freiburg)."""

_POSTAL_PARTS = re.compile(
    r"^\d{4,5}\s+(?=\D)"  # a postcode before the name: "37520 Osterode"
    r"|(?:[\s,]+(?:cedex(?:\s*\d{1,3})?|sector(?:ul)?\s*\d{1,2}|\d{1,3}(?:e|er|ème|eme)?(?:\s+arrondissement)?))+$",
    re.IGNORECASE,
)
"""What postal addresses add to a city's name, stripped before it is read: a leading postcode, and at the end a
French CEDEX (business mail, "Paris Cedex 07"), a district or postal district number ("Paris 13", "Paris 16e
arrondissement", "Praha 6", "Dublin 2") or a Bucharest sector ("Bucuresti Sectorul 1"). A name of digits alone is
left as it is."""

_CITY_KEYS: dict[str, tuple[str, str]] = {
    _key(name): (canonical, country)
    for canonical, (country, aliases) in CITY_ALIASES.items()
    for name in (canonical, *aliases)
}


COUNTRY_CODES: frozenset[str] = frozenset({str(country.alpha_2) for country in pycountry.countries} | {"XK"})
"""Country codes accepted: ISO 3166-1 alpha-2, plus XK, the code the EU (and CORDIS) gives Kosovo."""

# Codes and names that ISO 3166 lookups miss but spreadsheets (and CORDIS) use, and the names in the alliance's
# languages (Korean, German, Spanish; Japanese and Chinese for the neighbours) of the countries partners come from.
_COUNTRY_NAMES = {
    "GB": "uk; u k; england; scotland; wales; great britain; britain; 영국; Vereinigtes Königreich; Großbritannien; "
    "Reino Unido; Gran Bretaña; イギリス; 英国",
    "GR": "el; 그리스; Griechenland; Grecia",
    "US": "usa; u s a; u s; america; united states of america; 미국; 미합중국; Vereinigte Staaten; "
    "Vereinigte Staaten von Amerika; Estados Unidos; Estados Unidos de América; EE UU; EEUU; アメリカ; "
    "アメリカ合衆国; 美国",
    "KR": "korea; south korea; republic of korea; korea republic of; korea south; rok; 대한민국; 한국; 남한; "
    "Südkorea; Republik Korea; Korea (Süd); Corea del Sur; República de Corea; Corea; 韓国; 韩国; 大韓民國; 大韩民国",
    "DE": "deutschland; germany; brd; 독일; Bundesrepublik Deutschland; Alemania; República Federal de Alemania; "
    "ドイツ; 德国",
    "ES": "españa; espana; 스페인; Spanien; Reino de España; スペイン; 西班牙",
    "CA": "캐나다; Kanada; Canadá; カナダ; 加拿大",
    "JP": "일본; Japón; 日本",
    "CN": "중국; 中国; 中國",
    "FR": "프랑스; Frankreich; Francia; フランス; 法国",
    "IT": "이탈리아; Italien; Italia; イタリア; 意大利",
    "NL": "holland; the netherlands; 네덜란드; Niederlande; Países Bajos; Holanda; オランダ; 荷兰",
    "AT": "오스트리아; Österreich; Oesterreich; Austria",
    "CH": "스위스; Schweiz; Suiza; Suisse; Svizzera",
    "BE": "벨기에; Belgien; Bélgica; Belgique; België",
    "SE": "스웨덴; Schweden; Suecia",
    "DK": "덴마크; Dänemark; Dinamarca",
    "FI": "핀란드; Finnland; Finlandia",
    "NO": "노르웨이; Norwegen; Noruega",
    "PL": "폴란드; Polen; Polonia",
    "PT": "포르투갈; Portugal",
    "IE": "아일랜드; Irland; Irlanda",
    "CZ": "czech republic; czechia; 체코; Tschechien; Chequia; República Checa",
    "IL": "이스라엘; Israel",
    "IN": "인도; Indien",
    "SG": "싱가포르; Singapur",
    "TW": "대만; Taiwan; Taiwán; 台湾; 臺灣",
    "AU": "호주; Australien",
    "RU": "russia; 러시아; Russland; Rusia",
    "TR": "turkey; türkiye; 튀르키예; 터키; Türkei; Turquía",
    "XK": "Kosovo; Kosova; Republic of Kosovo; 코소보",
}
_COUNTRY_ALIASES = {_key(name): code for code, names in _COUNTRY_NAMES.items() for name in names.split(";")}


def normalize_org_type(value: str) -> str | None:
    """Returns the canonical organisation type for ``value``, or ``None`` if it is not recognised.

    Example:
        >>> normalize_org_type("Start-up")
        'startup'
    """
    return _ORG_TYPE_TABLE.get(_key(value))


def normalize_stage(value: str) -> str | None:
    """Returns the canonical company stage for ``value``, or ``None`` if it is not recognised.

    Example:
        >>> normalize_stage("Series A")
        'series_a'
    """
    return _STAGE_TABLE.get(_key(value))


def normalize_partnership_kind(value: str) -> str | None:
    """Returns the canonical partnership kind for ``value``, or ``None`` if it is not recognised.

    Example:
        >>> normalize_partnership_kind("MoU")
        'mou'
    """
    return _KIND_TABLE.get(_key(value))


def normalize_country(value: str) -> str | None:
    """Returns the ISO 3166-1 alpha-2 code (or XK) for a country code, name or common alias, or ``None``.

    Names are read in English (any ISO 3166 name), and the common ones in Korean, German and Spanish.

    Example:
        >>> normalize_country("Republic of Korea"), normalize_country("deu"), normalize_country("Spain")
        ('KR', 'DE', 'ES')
        >>> normalize_country("Südkorea"), normalize_country("Estados Unidos"), normalize_country("Kosovo")
        ('KR', 'US', 'XK')
    """
    text = value.strip()
    if not text:
        return None
    alias = _COUNTRY_ALIASES.get(_key(text))
    if alias:
        return alias
    if text.upper() in COUNTRY_CODES:  # codes pycountry lacks (XK)
        return text.upper()
    try:
        return str(pycountry.countries.lookup(text).alpha_2)
    except LookupError:
        pass
    try:  # "Korea, Republic of" and other informal names
        matches = pycountry.countries.search_fuzzy(text)
    except LookupError:
        return None
    return str(matches[0].alpha_2) if len(matches) == 1 else None


def _country_code(text: str) -> str | None:
    """A country code, ISO name or listed alias, read exactly (no fuzzy search: 'Texas' is no country)."""
    try:
        return _COUNTRY_ALIASES.get(_key(text)) or str(pycountry.countries.lookup(text.strip()).alpha_2)
    except LookupError:
        return None


def normalize_city(value: str, country: str | None = None) -> str:
    """Returns the canonical name of a city in any spelling :data:`CITY_ALIASES` knows, else the text as typed.

    The text is trimmed, its spaces collapsed and its Unicode composed (NFC) either way, and the parts a postal
    address adds are dropped, whatever the city (a CEDEX, a district number, a postcode before the name: see
    :data:`_POSTAL_PARTS`). A known spelling maps to its city only when ``country`` (an ISO code, as stored) is
    missing or the city's own: "Valencia" in Venezuela stays as typed. A country after a comma is read the same
    way ("Dortmund, Germany"); a US state is only read where the table lists it ("Montgomery County, MD": other
    states have their own Montgomery County).

    Example:
        >>> normalize_city("대전"), normalize_city("Taejon"), normalize_city("MALAGA", "ES")
        ('Daejeon', 'Daejeon', 'Málaga')
        >>> normalize_city("Montgomery County, Maryland"), normalize_city("Dortmund, Deutschland")
        ('Montgomery County', 'Dortmund')
        >>> normalize_city("Valencia", "VE"), normalize_city("  Graz ")
        ('Valencia', 'Graz')
        >>> normalize_city("Paris Cedex 07", "FR"), normalize_city("Praha 6", "CZ"), normalize_city("Lefkosia", "CY")
        ('Paris', 'Prague', 'Nicosia')
    """
    text = " ".join(unicodedata.normalize("NFC", value).split())
    text = _POSTAL_PARTS.sub("", text) or text
    found = _CITY_KEYS.get(_key(text))
    if found is None and "," in text:
        place, _, after = text.rpartition(",")
        found = _CITY_KEYS.get(_key(place))
        if found is not None and _country_code(after) != found[1]:
            found = None
    if found is None or (country is not None and country != found[1]):
        return text
    return found[0]


def split_list(value: str | None) -> tuple[str, ...]:
    """Splits a ``;``-separated (or ``|``-separated) cell into stripped, non-empty, de-duplicated items.

    Example:
        >>> split_list(" GMP; fill-finish ;;GMP")
        ('GMP', 'fill-finish')
    """
    if not value:
        return ()
    items = (part.strip() for part in re.split(r"[;|\n]", value))
    return tuple(dict.fromkeys(item for item in items if item))


def split_sectors(value: str | Iterable[str] | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Splits sector tags into canonical taxonomy sectors and free tags that are kept as typed.

    Example:
        >>> split_sectors(["Machine learning", "agritech"])
        (('ai',), ('agritech',))
    """
    items = split_list(value) if isinstance(value, str) or value is None else tuple(value)
    known: dict[str, None] = {}
    free: dict[str, None] = {}
    for item in items:
        canonical = _SECTOR_TABLE.get(_key(item))
        if canonical:
            known[canonical] = None
        elif item.strip():
            free[item.strip()] = None
    return tuple(known), tuple(free)
