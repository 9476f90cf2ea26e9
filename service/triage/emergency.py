"""Emergency detection: does the question describe an emergency happening now? Runs before retrieval.

Emergency detection is lexical and typo-tolerant. Question words are matched against red-flag terms
exactly, by prefix ("breath" in "breathless") or within a small edit distance (Damerau-Levenshtein:
one edit for words of four to seven letters, two from eight letters on), found through a
deletion-neighbourhood index so that a request costs microseconds, not a scan of every term.

A red flag fires only when the question describes someone's present situation:

- a *symptom* pattern ("chest pain" + "breathless", "face drooping", "cant breathe") needs a personal
  context ("my", "I have", "my husband", "he is", "right now"...);
- a *condition* name ("stroke", "heart attack", "anaphylaxis") also needs a sign that it is happening
  now ("having", "just", "took", "signs"), so "my dad had a stroke last year, can he take aspirin?" is a
  question, not an emergency;
- a *crisis* phrase ("kill myself", "want to die") fires in any context.

Clinical framing ("my patient", "management", "guideline", "dose") cancels the weaker personal cues,
so a clinician asking how anaphylaxis is managed gets an answer rather than an emergency banner.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from service.triage.red_flags import RED_FLAGS, Terms
from service.triage.words import fold_sounds, normalise

# "my patient", "our ward": first-person words that speak about the clinician's work, not a crisis.
_PROFESSIONAL = re.compile(
    r"\b(my|our)\s+(patient|patients|pt|pts|client|clients|ward|clinic|practice|unit|team|trainee|resident|"
    r"registrar|colleague|consultant|hospital|department)\b"
)
# The asker or someone close to them, present: these hold even in a clinically worded question.
_STRONG_PERSONAL = re.compile(
    r"\b(my|mine|myself|im|i am|i have|i had|ive|i feel|i think|i cant|i cannot|i just|i took|i keep|i was|"
    r"i need|i dont|i want|husband|wife|partner|son|daughter|mom|mum|mother|dad|father|friend|brother|sister|"
    r"grandma|grandpa|grandmother|grandfather|boyfriend|girlfriend|fiance|neighbour|neighbor)\b"
)
# Weaker cues: present, but also how clinicians speak about a patient.
_WEAK_PERSONAL = re.compile(
    r"\b(i|he|she|hes|shes|they|theyre|we|our|us|baby|child|kid|toddler|someone|somebody|now|right now|help|"
    r"please|currently|suddenly|tonight)\b"
)
_CLINICAL = re.compile(
    r"\b(patient|patients|pt|pts|management|manage|managed|guideline|guidelines|dose|dosing|evidence|trial|"
    r"recommend|recommended|recommendation|indicated|contraindicated|first line|assess|assessed|assessment|"
    r"treat|treated|how is|how are|how should|when should|what is the|should (i|we|you)|give|giving|administer|"
    r"prescribe|prescribing|indication|indications)\b"
)
# A condition is happening now, not a past history.
_PRESENT = re.compile(
    r"\b(having|happening|now|just now|suddenly|started|starting|took|taken|swallowed|think|thinking|want|wants|"
    r"wanna|going to|gonna|about to|help|sign|signs|symptom|symptoms|tonight|today|currently|keeps|keep|"
    r"is in|in the middle|right now)\b"
)
# Single words that are also ordinary words at one edit: never read them as a red-flag typo.
_COMMON_WORDS = frozenset(
    "cooking looking booking hooking smoking strike stroll stoked stokes throne throw breast bread breed "
    "pail pain paid gain rain main wain hit fit kit sit wit bit fat fix".split()
)

# Shared with ingest, which flags the same instructions inside article text (ingest/injection.py).

EMERGENCY_GUIDANCE = {
    "patient": (
        "**This may be an emergency. Call emergency services now (for example 911, 112 or 999), or go to the "
        "nearest emergency department. Do not wait for an online answer.**"
    ),
    "patient-suicide": (
        "**If you are thinking about ending your life or hurting yourself, you are not alone and help is "
        "available now. Call emergency services now (for example 911, 112 or 999) or a crisis line (in the US "
        "call or text 988; in the UK and Ireland call Samaritans on 116 123), or go to the nearest emergency "
        "department. If you can, stay with someone you trust.**"
    ),
    "clinician": (
        "**The question describes a possible emergency ({flag}). Treat it as one: call emergency services or "
        "the resuscitation team now and follow local emergency protocols; the information below does not "
        "replace them.**"
    ),
}


@dataclass(frozen=True)
class Emergency:
    flag: str
    matched: Terms
    suicide: bool = False
    topic: str = ""


def detect_emergency(question: str, *, weak_cues: bool = True) -> Emergency | None:
    """The first red flag the question raises, or None. Pure and deterministic.

    `weak_cues=False` (clinician users) ignores "he", "she", "now"...: a clinician writing "she" means
    a patient in their care, and asks how to manage, not for help.
    """
    text = normalise(question)
    words = text.split()
    if not words:
        return None
    present = _matched_terms(tuple(words))
    personal_text = _PROFESSIONAL.sub(" ", text)
    strong = bool(_STRONG_PERSONAL.search(personal_text))
    clinical = bool(_CLINICAL.search(text))
    personal = strong or (weak_cues and bool(_WEAK_PERSONAL.search(personal_text)) and not clinical)
    happening = personal and bool(_PRESENT.search(text))
    for flag in RED_FLAGS:
        for kind, alternatives in (("crisis", flag.crisis), ("symptom", flag.symptoms), ("condition", flag.conditions)):
            allowed = kind == "crisis" or (personal if kind == "symptom" else happening)
            if not allowed:
                continue
            for terms in alternatives:
                if all(term in present for term in terms):
                    return Emergency(flag=flag.name, matched=terms, suicide=flag.suicide, topic=flag.topic)
    return None


def _matched_terms(words: tuple[str, ...]) -> frozenset[str]:
    """Every red-flag term that some word of the question spells, allowing for typos."""
    found: set[str] = set()
    for word in words:
        found |= _terms_for_word(word)
    return frozenset(found)


@lru_cache(maxsize=1)
def _term_index() -> tuple[frozenset[str], frozenset[str], dict[str, frozenset[str]]]:
    """(all terms, terms used alone, deletion neighbourhood -> terms) for fuzzy lookup."""
    terms: set[str] = set()
    single: set[str] = set()
    for flag in RED_FLAGS:
        for alternatives in (flag.symptoms, flag.conditions, flag.crisis):
            for alternative in alternatives:
                terms.update(alternative)
                if len(alternative) == 1:
                    single.add(alternative[0])
    neighbourhood: dict[str, set[str]] = {}
    for term in terms:
        for variant in _deletes(fold_sounds(term), _allowed_edits(term)):
            neighbourhood.setdefault(variant, set()).add(term)
    return frozenset(terms), frozenset(single), {k: frozenset(v) for k, v in neighbourhood.items()}


def _allowed_edits(term: str) -> int:
    """Edits a misspelling of `term` may have: none up to three letters, one up to seven, then two."""
    if len(term) <= 3:
        return 0
    return 1 if len(term) <= 7 else 2


@lru_cache(maxsize=65536)
def _terms_for_word(word: str) -> frozenset[str]:
    terms, single, neighbourhood = _term_index()
    found = {word} & terms
    for term in terms:
        if len(term) >= 5 and word.startswith(term) and len(word) - len(term) <= 8:
            found.add(term)
    if word in _COMMON_WORDS or len(word) < 3:
        return frozenset(found)
    folded = fold_sounds(word)
    candidates: set[str] = set()
    for variant in _deletes(folded, 2):
        candidates |= neighbourhood.get(variant, frozenset())
    for term in candidates - found:
        allowed = _allowed_edits(term)
        # A term used alone has nothing to corroborate it: only long ones (anaphylaxis...) may be misspelt.
        if term in single and len(term) < 8:
            continue
        # Four letters leave no room for a dropped or wrong letter ("can" is not "cant", "take" not
        # "wake"); only two neighbours swapped ("pian") still spell the term.
        if len(term) == 4 and sorted(word) != sorted(term) and not _drops_doubled_letter(folded, term):
            continue
        if allowed and edit_distance(folded, fold_sounds(term), allowed) <= allowed:
            found.add(term)
    return frozenset(found)


def _drops_doubled_letter(word: str, term: str) -> bool:
    """ "kil" for "kill": one letter of a doubled pair left out."""
    return any(term[i] == term[i + 1] and term[:i] + term[i + 1 :] == word for i in range(len(term) - 1))


def _deletes(word: str, depth: int) -> set[str]:
    variants = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w)) if len(w) > 1}
        variants |= frontier
    return variants


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (insert, delete, substitute, swap neighbours), capped at limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]
