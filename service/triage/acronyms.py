"""Names typed as acronyms ("ESBL", "DCIS", "CHAP", "EMPEROR-Preserved"), and whether a text spells one out.

A clinician types a trial, a subtype or an organism in capitals; capitals are how the question itself says
"this is a name", where a short lower-case word is as often an abbreviation of a corpus word ("nebs").
The evidence speaks of an acronym when it writes it, or spells it out: a run of consecutive words whose
initials give its letters ("mean arterial pressure" for MAP). A long word may give more than its initial,
in order, because compounds are abbreviated by their parts ("endotracheal tube" for ETT, "upper
gastrointestinal bleeding" for UGIB). No table of abbreviations: the articles define their own.

A question typed wholly in capitals says nothing about names, so it is not read this way.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from service.triage.scope import STOPWORDS, is_generic_medical_word

# Three to eight capitals or digits, starting with a letter, standing alone; a trailing lower-case "s" is
# a plural ("DOACs").
_ACRONYM = re.compile(r"(?<![A-Za-z0-9])([A-Z][A-Z0-9]{2,7})s?(?![A-Za-z0-9])")
# Two capitals too ("PE", "AF"): as common as chance letters, so only where the articles spell them out often.
_SHORT_ACRONYM = re.compile(r"(?<![A-Za-z0-9])([A-Z][A-Z0-9]{1,7})s?(?![A-Za-z0-9])")
# Beyond this share of capitals among its letters the question is shouted, not abbreviated.
SHOUTED_SHARE = 0.5
# A word this long may be a compound that gives more than its initial letter ("gastrointestinal": g, i).
COMPOUND_CHARS = 8


def typed_acronyms(question: str, *, shorthand: bool = False, two_letters: bool = False) -> list[str]:
    """The question's acronyms, lower case, in question order, leaving out general medical shorthand
    ("ICU", "MRI") unless `shorthand`, and two-letter ones ("PE") unless `two_letters`; none when the
    question is typed in capitals."""
    letters = [c for c in question if c.isalpha()]
    if not letters or sum(c.isupper() for c in letters) > SHOUTED_SHARE * len(letters):
        return []
    pattern = _SHORT_ACRONYM if two_letters else _ACRONYM
    found = (m.group(1).lower() for m in pattern.finditer(question))
    return [a for a in dict.fromkeys(found) if shorthand or not is_generic_medical_word(a)]


def spells_out(acronym: str, tokens: Sequence[str]) -> bool:
    """Some run of consecutive `tokens` (normalised words) has the acronym's letters as its initials."""
    first = acronym[0]
    return any(token[0] == first and _consumes(acronym, tokens, at) for at, token in enumerate(tokens) if token)


def spellings(acronym: str, tokens: Sequence[str]) -> Counter[tuple[str, ...]]:
    """The runs of `tokens` whose initials are exactly the acronym's letters ("proton pump inhibitor" for
    PPI), with how often each occurs. Stricter than `spells_out`: a run that is written in for the acronym
    must not be a chance reading ("ambulance settings" spells ACS only by borrowing the c of "ambulance"),
    so no letter is borrowed and the run neither begins nor ends with a function word ("and can swallow")."""
    found: Counter[tuple[str, ...]] = Counter()
    size = len(acronym)
    for start in range(len(tokens) - size + 1):
        run = tuple(tokens[start : start + size])
        if "".join(word[:1] for word in run) == acronym and _content_ends(run):
            found[run] += 1
    # A compound last word may give the last letter from its own body, where a word of the text begins: "diabetic
    # ketoacidosis" for DKA ("acidosis" is written on its own too), never "potassium phosphate" for PPH ("hate" is
    # not). Only for three letters or more: one word and a borrowed letter is chance.
    if size >= 3:
        written = frozenset(tokens)
        for start in range(len(tokens) - size + 2):
            run = tuple(tokens[start : start + size - 1])
            initials = "".join(word[:1] for word in run)
            if initials == acronym[:-1] and _content_ends(run) and _ends_in_a_word(run[-1], acronym[-1], written):
                found[run] += 1
    return found


def _ends_in_a_word(compound: str, letter: str, written: frozenset[str]) -> bool:
    """The compound ends in a word of `written` (of 4 letters or more) that begins with `letter`."""
    return len(compound) >= COMPOUND_CHARS and any(
        compound[i] == letter and compound[i:] in written for i in range(3, len(compound) - 3)
    )


def _content_ends(run: tuple[str, ...]) -> bool:
    """The run neither begins nor ends with a function word or a scrap ("and can swallow")."""
    return all(len(w) >= 3 and w not in STOPWORDS for w in (run[0], run[-1]))


def _consumes(rest: str, tokens: Sequence[str], at: int) -> bool:
    """`rest` is spelt by tokens[at:], each word giving its initial and, when long, more letters in order."""
    if not rest:
        return True
    if at >= len(tokens) or not tokens[at] or tokens[at][0] != rest[0]:
        return False
    word = tokens[at]
    if _consumes(rest[1:], tokens, at + 1):
        return True
    if len(word) < COMPOUND_CHARS:
        return False
    # A compound gives further letters from its own body, in order, before the next word takes over.
    taken, position = 1, 1
    while taken < len(rest):
        position = word.find(rest[taken], position)
        if position < 0:
            return False
        taken, position = taken + 1, position + 1
        # One word alone spelling all of it is chance ("chap" in "chapter"): a definition takes two.
        if taken < len(rest) and _consumes(rest[taken:], tokens, at + 1):
            return True
    return False
