"""Subtypes: which of two opposed forms of a thing a text names ("lower GI bleed", "upper gastrointestinal
bleeding").

An article about one form of a condition does not answer a question about the other, however close the words:
the upper GI bleeding article does not manage a lower GI bleed, nor the article on heart failure with reduced
ejection fraction the preserved form, nor the chronic kidney disease article an acute kidney injury. A subtype is
read as a qualifier of an opposed pair and the word it qualifies, so "lower" in "how to lower potassium" is no
subtype of anything, and "acute" asthma in a patient with chronic kidney disease contradicts neither.
"""

from __future__ import annotations

import re

from service.triage.words import normalise

__all__ = ["contrasting_subtypes", "named_subtypes", "negates_a_thing"]

# Qualifiers that exclude each other, each spelling to the one the pair is written with.
_OPPOSED: tuple[tuple[str, str], ...] = (
    ("upper", "lower"),
    ("acute", "chronic"),
    ("community", "hospital"),
    ("reduced", "preserved"),
    ("type 1", "type 2"),
    ("ischaemic", "haemorrhagic"),
    ("benign", "malignant"),
    ("proximal", "distal"),
    ("bacterial", "viral"),
    ("systolic", "diastolic"),
)
_SPELLINGS = {"ischemic": "ischaemic", "hemorrhagic": "haemorrhagic", "type i": "type 1", "type ii": "type 2"}
_OPPOSITE = {a: b for a, b in _OPPOSED} | {b: a for a, b in _OPPOSED}
# The qualified word, as the other text may write it: "GI" is "gastrointestinal", a "UTI" is "urinary".
_SAME_THING = {"gi": "gastrointestinal", "uti": "urinary", "utis": "urinary", "ef": "ejection", "bleed": "bleeding"}
_QUALIFIER = "|".join(sorted((re.escape(q) for q in [*_OPPOSITE, *_SPELLINGS]), key=len, reverse=True))
# A qualifier and the word after it ("hospital acquired": "hospital-acquired" normalised). The word is looked
# ahead at, so "acute upper gastrointestinal" names both "acute upper" and "upper gastrointestinal", and "upper
# or lower GI" both forms of the same thing.
_SUBTYPE = re.compile(rf"\b({_QUALIFIER}) (?=(?:(?:or|and|vs|versus|nor) (?:{_QUALIFIER}) )?([a-z0-9]+)\b)")

# An ejection fraction given as a value or called normal names its form: 50% or more is the preserved form, 40% or
# less the reduced one, by definition ("EF 58%", "her ejection fraction is 35", "EF is normal", "pumping is normal").
_EF_VALUE = re.compile(r"\b(?:ef|lvef|ejection fraction)(?: (?:of|is|was|now|around|about))* (\d{2})\b")
_NORMAL_EF = re.compile(
    r"\b(?:normal (?:ef|lvef|ejection fraction)|"
    r"(?:ef|lvef|ejection fraction|pumping) (?:is|was) (?:normal|preserved))\b"
)

# "non-cancer", "non-diabetic": the thing named, denied.
_NEGATED = re.compile(r"\bnon ([a-z]{4,})\b")


def named_subtypes(text: str) -> set[tuple[str, str]]:
    """The (qualifier, thing) pairs a text names: {("lower", "gastrointestinal")} for "a lower GI bleed"."""
    found = set()
    for match in _SUBTYPE.finditer(normalise(text)):
        qualifier = _SPELLINGS.get(match[1], match[1])
        found.add((qualifier, _SAME_THING.get(match[2], match[2])))
    return found | _ejection_fraction(text)


def _ejection_fraction(text: str) -> set[tuple[str, str]]:
    """The form an ejection fraction's value or "normal" names."""
    normalised = normalise(text)
    found = set()
    for value in (int(v) for v in _EF_VALUE.findall(normalised)):
        if value >= 50:
            found.add(("preserved", "ejection"))
        elif value <= 40:
            found.add(("reduced", "ejection"))
    if _NORMAL_EF.search(normalised):
        found.add(("preserved", "ejection"))
    return found


def contrasting_subtypes(question: str, about: str) -> list[str]:
    """The subtypes the question asks about ("lower gastrointestinal") whose opposite `about` (an article's title
    and question) names instead: an article on the other form of the thing. "Non-cancer pain" is the opposite
    of the "cancer pain" an article is about."""
    asked = named_subtypes(question)
    written = named_subtypes(about)
    contrasts = {
        f"{qualifier} {thing}"
        for qualifier, thing in asked
        if (_OPPOSITE[qualifier], thing) in written
        and (qualifier, thing) not in written
        and (_OPPOSITE[qualifier], thing) not in asked
    }
    about_words = set(normalise(about).split())
    for negated in _NEGATED.findall(normalise(question)):
        if negated in about_words and f"non {negated}" not in normalise(about):
            contrasts.add(f"non {negated}")
    return sorted(contrasts)


def negates_a_thing(text: str) -> bool:
    """The text names a thing denied ("non-cancer pain")."""
    return bool(_NEGATED.search(normalise(text)))
