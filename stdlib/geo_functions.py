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
   shared by several countries ("Virgin Islands") gives null.

pycountry and regex are imported lazily, on the first call.
"""

from __future__ import annotations

import functools
import os
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from camp.stdlib._common import Example, define, null_propagating, want_text
from camp.stdlib.registry import CallContext, Function, Param
from camp.types import Type, Value

if TYPE_CHECKING:
    import gettext

# Everyday names of countries that pycountry (codes, English names and their
# translations) does not know, keyed by their normalised form (see ``normalize``).
# The tests check that pycountry still lacks each one.
COLLOQUIAL: dict[str, str] = {
    "uk": "GB",  # not an ISO code: the United Kingdom is GB
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "korea": "KR",  # pycountry finds two Koreas; leads mean the Republic of Korea
    "republic of korea": "KR",  # the translations vote for KP here
    "dprk": "KP",
    "drc": "CD",
    "dr congo": "CD",
    "republic of ireland": "IE",
    "turkey": "TR",  # pycountry now says Türkiye
    "ivory coast": "CI",
    "cape verde": "CV",
    "east timor": "TL",
    "uae": "AE",
    "ksa": "SA",
}


@functools.cache
def _patterns() -> tuple[Any, Any]:  # two regex.Pattern (regex ships no type stubs)
    import regex  # type: ignore[import-untyped]

    # Accents on Latin letters (after NFKD), and runs of anything but letters,
    # marks and digits. Other scripts keep their marks (Devanagari vowel signs).
    latin_accents = regex.compile(r"(?<=\p{Latin})\p{M}+")
    separators = regex.compile(r"[^\p{L}\p{M}\p{N}]+")
    return latin_accents, separators


def normalize(text: str) -> str:
    """The form in which country and subdivision names are compared.

    Case-folded, accents dropped from Latin letters (other scripts keep their marks),
    dots removed (``U.S.`` -> ``us``), other punctuation turned into spaces, ``&`` read
    as ``and``, ``St`` as ``saint``, a leading ``the`` dropped, and initials joined
    (``u s a`` -> ``usa``).
    """
    latin_accents, separators = _patterns()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = unicodedata.normalize("NFC", latin_accents.sub("", decomposed))
    words = separators.sub(" ", plain.replace(".", "").replace("&", " and ")).split()
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    if len(words) > 1 and all(len(word) == 1 for word in words):
        words = ["".join(words)]
    return " ".join("saint" if word == "st" else word for word in words)


def _locales() -> Iterator[str]:
    """The language of every pycountry locale, in a stable order."""
    import pycountry

    directory = pycountry.LOCALES_DIR
    if not os.path.isdir(directory):
        return
    yield from sorted(os.listdir(directory))


@functools.cache
def _catalog(domain: str, language: str) -> gettext.NullTranslations | None:
    import gettext

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
    votes: dict[str, dict[str, int]] = {}
    cache: dict[str, str] = {}
    for language in _locales():
        catalog = _catalog(domain, language)
        if catalog is None:
            continue
        seen: set[tuple[str, str]] = set()
        for english, key in pairs:
            translated = catalog.gettext(english)
            if translated == english:
                continue
            normalized = cache.get(translated)
            if normalized is None:
                normalized = cache[translated] = normalize(translated)
            if (len(normalized) < 3 and normalized.isascii()) or (normalized, key) in seen:
                continue
            seen.add((normalized, key))
            counts = votes.setdefault(normalized, {})
            counts[key] = counts.get(key, 0) + 1
    index: dict[str, str] = {}
    for normalized, counts in votes.items():
        if len(counts) == 1:
            index[normalized] = next(iter(counts))
            continue
        ranked = sorted(counts.items(), key=lambda item: -item[1])
        if ranked[0][1] > ranked[1][1]:
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
    """Normalised code or English name (also ``common_name``'s) -> alpha-2; codes win."""
    import pycountry

    index: dict[str, str] = {}
    for country in pycountry.countries:
        index.setdefault(normalize(country.alpha_2), country.alpha_2)
        index.setdefault(normalize(country.alpha_3), country.alpha_2)
    for country in pycountry.countries:
        for name in [*_english_names(country), common_name(country.alpha_2)]:
            index.setdefault(normalize(name), country.alpha_2)
    return index


@functools.cache
def _translated_index() -> dict[str, str]:
    import pycountry

    pairs = [
        (name, country.alpha_2)
        for country in pycountry.countries
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
    found = _english_index().get(key) or COLLOQUIAL.get(key) or _translated_index().get(key)
    return found or _partial(key)


def resolve_country(text: str) -> str | None:
    """The ISO 3166-1 alpha-2 code of a country name or code, or None when unknown."""
    return _resolve(normalize(text))


@null_propagating
def _country_code(ctx: CallContext, x: Value) -> Value:
    return resolve_country(want_text("country_code", "x", x))


def common_name(alpha_2: str) -> str:
    """The English name people use: pycountry's common name, else its name unless that is
    an index form ("Congo, The Democratic Republic of the", "Virgin Islands, British")."""
    import pycountry

    country = pycountry.countries.get(alpha_2=alpha_2)
    if country is None:  # pragma: no cover - only codes from pycountry reach here
        return alpha_2
    common = getattr(country, "common_name", None)
    if isinstance(common, str):
        return common
    name: str = country.name
    head, comma, tail = name.partition(", ")
    if comma and tail.endswith((" of", " of the")):
        return f"{tail.removeprefix('The ')} {head}"
    official = getattr(country, "official_name", None)
    if comma and isinstance(official, str):
        return official
    return name


@null_propagating
def _country_name(ctx: CallContext, x: Value) -> Value:
    code = resolve_country(want_text("country_name", "x", x))
    return None if code is None else common_name(code)


@functools.cache
def _subdivisions(alpha_2: str) -> list[tuple[str, str, bool]]:
    """(code suffix, name, is top level) of each subdivision of one country."""
    import pycountry

    return [
        (sub.code.split("-", 1)[1], sub.name, sub.parent_code is None)
        for sub in pycountry.subdivisions
        if sub.country_code == alpha_2
    ]


@functools.cache
def _subdivision_index(alpha_2: str) -> dict[str, str]:
    """Normalised subdivision code or name -> code suffix, for one country.

    Codes win over names; a name shared by several subdivisions goes to the top-level
    one (a state over a county of the same name), and is dropped if still ambiguous.
    """
    subdivisions = _subdivisions(alpha_2)
    index: dict[str, str] = {}
    for suffix, _name, _top_level in subdivisions:
        index.setdefault(normalize(suffix), suffix)
        index.setdefault(normalize(f"{alpha_2}-{suffix}"), suffix)
    by_name: dict[str, dict[bool, set[str]]] = defaultdict(lambda: defaultdict(set))
    for suffix, name, top_level in subdivisions:
        by_name[normalize(name)][top_level].add(suffix)
    for name, levels in by_name.items():
        candidates = levels.get(True) or levels.get(False) or set()
        if len(candidates) == 1 and name not in index:
            index[name] = next(iter(candidates))
    return index


@functools.cache
def _subdivision_translations(alpha_2: str) -> dict[str, str]:
    pairs = [(name, suffix) for suffix, name, _top_level in _subdivisions(alpha_2)]
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
