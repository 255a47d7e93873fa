"""Geography functions: country_code, country_name and state_code, from pycountry (ISO 3166).

``country_code`` normalises its input (case, accents, punctuation: ``"U.S.A."`` is
``usa``) and then looks, in order, at:

1. pycountry's codes and English names (alpha-2, alpha-3, name, official and common name);
2. ``COLLOQUIAL``, a small table of everyday variants that pycountry lacks ("UK", "England");
3. pycountry's translations of the names into some 150 languages ("Deutschland",
   "Allemagne", "España", "日本"), loaded on the first miss; a translated name that
   different languages give to different countries goes to the country most languages
   agree on, and is dropped on a tie;
4. a unique whole-word part of an English name ("Tanzania", "Saint Kitts"); a part
   shared by several countries ("Korea", "Guinea Republic") gives null.

pycountry is imported lazily, on the first call.
"""

from __future__ import annotations

import functools
import gettext
import os
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator

from camp.stdlib._common import Example, define, null_propagating, want_text
from camp.stdlib.registry import CallContext, Function, Param
from camp.types import Type, Value

# Everyday names of countries that pycountry (codes, English names and their
# translations) does not know, keyed by their normalised form (see ``normalize``).
# The tests check that pycountry still lacks each one.
COLLOQUIAL: dict[str, str] = {
    "america": "US",
    "united states america": "US",
    "uk": "GB",
    "britain": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "turkey": "TR",
    "ivory coast": "CI",
    "uae": "AE",
    "emirates": "AE",
    "east timor": "TL",
    "macedonia": "MK",
    "swaziland": "SZ",
    "vatican city": "VA",
    "czech": "CZ",
    "russia": "RU",
    "dprk": "KP",
    "republic of korea": "KR",
    "cape verde": "CV",
}

# Apostrophes and dots vanish ("U.S." -> "us", "Côte d'Ivoire" -> "cote divoire").
_DROPPED = frozenset(".'’ʼ`´")
_LATIN_END = 0x250  # code points below this are Latin letters whose accents we drop


def normalize(text: str) -> str:
    """The form in which country and subdivision names are compared.

    Case-folded, accents dropped from Latin letters (other scripts keep their marks),
    dots and apostrophes removed, other punctuation turned into spaces, ``&`` read as
    ``and``, ``St`` as ``saint``, a leading ``the`` dropped, and initials joined
    (``u s a`` -> ``usa``).
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept: list[str] = []
    latin_base = False
    for ch in decomposed:
        if unicodedata.combining(ch):
            if latin_base:
                continue
        else:
            latin_base = ord(ch) < _LATIN_END
        kept.append(ch)
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", "".join(kept)):
        if ch in _DROPPED:
            continue
        if ch == "&":
            out.append(" and ")
        elif unicodedata.category(ch)[0] in "LMN":
            out.append(ch)
        else:
            out.append(" ")
    words = "".join(out).split()
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    if len(words) > 1 and all(len(word) == 1 for word in words):
        words = ["".join(words)]
    return " ".join("saint" if word == "st" else word for word in words)


def _locales() -> Iterator[tuple[str, str]]:
    """(language, directory) of every pycountry locale, in a stable order."""
    import pycountry

    directory = pycountry.LOCALES_DIR
    if not os.path.isdir(directory):
        return
    for language in sorted(os.listdir(directory)):
        yield language, directory


@functools.cache
def _catalog(domain: str, language: str) -> gettext.NullTranslations | None:
    import pycountry

    try:
        return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[language])
    except OSError:
        return None


def _translations(domain: str, names: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Normalised translation -> key, for ``names`` as (English name, key) pairs.

    A translation claimed for several keys goes to the key most languages give it;
    a tie drops it. Short Latin translations (under 3 letters) are left out: they
    would turn stray abbreviations into countries.
    """
    pairs = list(names)
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for language, _directory in _locales():
        catalog = _catalog(domain, language)
        if catalog is None:
            continue
        seen: set[tuple[str, str]] = set()
        for english, key in pairs:
            translated = catalog.gettext(english)
            if translated == english:
                continue
            normalized = normalize(translated)
            if len(normalized) < 3 and normalized.isascii():
                continue
            if (normalized, key) not in seen:
                seen.add((normalized, key))
                votes[normalized][key] += 1
    index: dict[str, str] = {}
    for normalized, counter in votes.items():
        ranked = counter.most_common(2)
        if len(ranked) == 1 or ranked[0][1] > ranked[1][1]:
            index[normalized] = ranked[0][0]
    return index


def _english_names(country: object) -> list[str]:
    return [
        value
        for attr in ("name", "official_name", "common_name")
        if isinstance(value := getattr(country, attr, None), str)
    ]


@functools.cache
def _english_index() -> dict[str, str]:
    """Normalised code or English name -> alpha-2; codes win over names."""
    import pycountry

    index: dict[str, str] = {}
    for country in pycountry.countries:
        index.setdefault(normalize(country.alpha_2), country.alpha_2)
        index.setdefault(normalize(country.alpha_3), country.alpha_2)
    for country in pycountry.countries:
        for name in _english_names(country):
            index.setdefault(normalize(name), country.alpha_2)
    return index


@functools.cache
def _translated_index() -> dict[str, str]:
    import pycountry

    pairs = [
        (name, country.alpha_2) for country in pycountry.countries
        for name in _english_names(country)
    ]
    return _translations("iso3166-1", pairs)


@functools.cache
def _name_words() -> list[tuple[str, str]]:
    """(alpha-2, " normalised English name ") for the whole-word search."""
    import pycountry

    return [
        (country.alpha_2, f" {normalize(name)} ")
        for country in pycountry.countries
        for name in _english_names(country)
    ]


def _partial(key: str) -> str | None:
    if len(key) < 4:
        return None
    needle = f" {key} "
    found = {code for code, words in _name_words() if needle in words}
    return found.pop() if len(found) == 1 else None


@functools.lru_cache(maxsize=4096)
def _resolve(key: str) -> str | None:
    if not key:
        return None
    for lookup in (_english_index(), COLLOQUIAL, _translated_index()):
        if key in lookup:
            return lookup[key]
    return _partial(key)


def resolve_country(text: str) -> str | None:
    """The ISO 3166-1 alpha-2 code of a country name or code, or None when unknown."""
    return _resolve(normalize(text))


@null_propagating
def _country_code(ctx: CallContext, x: Value) -> Value:
    return resolve_country(want_text("country_code", "x", x))


def common_name(alpha_2: str) -> str:
    """The English name people use: the common name, else the name without its ", ... of"."""
    import pycountry

    country = pycountry.countries.get(alpha_2=alpha_2)
    if country is None:  # pragma: no cover - only codes from pycountry reach here
        return alpha_2
    common = getattr(country, "common_name", None)
    if isinstance(common, str):
        return common
    name: str = country.name
    official = getattr(country, "official_name", None)
    if ", " in name and isinstance(official, str):
        return official.removeprefix("the ")
    return name


@null_propagating
def _country_name(ctx: CallContext, x: Value) -> Value:
    code = resolve_country(want_text("country_name", "x", x))
    return None if code is None else common_name(code)


@functools.cache
def _subdivision_index(alpha_2: str) -> dict[str, str]:
    """Normalised subdivision code or name -> code suffix, for one country.

    Codes win over names; a name shared by several subdivisions goes to the top-level
    one (a state over a county of the same name), and is dropped if still ambiguous.
    """
    import pycountry

    subdivisions = list(pycountry.subdivisions.get(country_code=alpha_2) or [])
    index: dict[str, str] = {}
    for sub in subdivisions:
        suffix = sub.code.split("-", 1)[1]
        index.setdefault(normalize(suffix), suffix)
        index.setdefault(normalize(sub.code), suffix)
    by_name: dict[str, dict[bool, set[str]]] = defaultdict(lambda: defaultdict(set))
    for sub in subdivisions:
        top_level = sub.parent_code is None
        by_name[normalize(sub.name)][top_level].add(sub.code.split("-", 1)[1])
    for name, levels in by_name.items():
        candidates = levels.get(True) or levels.get(False) or set()
        if len(candidates) == 1 and name not in index:
            index[name] = next(iter(candidates))
    return index


@functools.cache
def _subdivision_translations(alpha_2: str) -> dict[str, str]:
    import pycountry

    subdivisions = pycountry.subdivisions.get(country_code=alpha_2) or []
    pairs = [(sub.name, sub.code.split("-", 1)[1]) for sub in subdivisions]
    return _translations("iso3166-2", pairs)


def resolve_subdivision(text: str, alpha_2: str) -> str | None:
    """The ISO 3166-2 code suffix of a subdivision of ``alpha_2`` ("California" -> "CA")."""
    key = normalize(text)
    if not key:
        return None
    found = _subdivision_index(alpha_2).get(key)
    if found is None:
        found = _subdivision_translations(alpha_2).get(key)
    return found


@null_propagating
def _state_code(ctx: CallContext, x: Value, country: Value) -> Value:
    name = want_text("state_code", "x", x)
    code = resolve_country(want_text("state_code", "country", country))
    return None if code is None else resolve_subdivision(name, code)


FUNCTIONS: list[Function] = [
    define(
        "country_code",
        (Param("x", Type.TEXT),),
        Type.TEXT,
        "The ISO 3166 alpha-2 code of a country given by code, English or local name, "
        "or a common variant, or null when unknown.",
        _country_code,
        Example(("U.S.A.",), "US"),
    ),
    define(
        "country_name",
        (Param("x", Type.TEXT),),
        Type.TEXT,
        "The English common name of a country given by code or any name country_code "
        "understands, or null when unknown.",
        _country_name,
        Example(("deutschland",), "Germany"),
    ),
    define(
        "state_code",
        (Param("x", Type.TEXT), Param("country", Type.TEXT)),
        Type.TEXT,
        "The ISO 3166-2 code (without the country prefix) of a state, province or other "
        "subdivision of the country, or null when unknown.",
        _state_code,
        Example(("Bayern", "Germany"), "BY"),
    ),
]
