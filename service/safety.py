"""Deterministic checks that run before retrieval: emergencies, instructions aimed at the system, scope.

Emergency detection is lexical and typo-tolerant (a word within one or two edits of a red-flag term
counts), and it requires a present, personal situation ("my", "I", "he is", "right now"...), so a
clinician asking how anaphylaxis is managed gets an answer rather than an emergency banner.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

# Each red flag is a list of alternatives; an alternative is a tuple of terms that must all appear.
RED_FLAGS: dict[str, list[tuple[str, ...]]] = {
    "possible heart attack": [
        ("chest", "pain", "breath"),
        ("chest", "pain", "breathing"),
        ("chest", "pain", "breathe"),
        ("chest", "pain", "sweating"),
        ("chest", "pain", "arm"),
        ("chest", "pain", "jaw"),
        ("chest", "pressure", "breath"),
        ("crushing", "chest"),
        ("heart", "attack"),
    ],
    "possible stroke": [
        ("face", "drooping"),
        ("face", "droop"),
        ("slurred", "speech"),
        ("sudden", "weakness"),
        ("sudden", "numbness"),
        ("cant", "speak"),
        ("stroke",),
    ],
    "possible anaphylaxis": [
        ("throat", "swelling"),
        ("throat", "closing"),
        ("tongue", "swelling"),
        ("lips", "swelling", "breath"),
        ("anaphylaxis",),
        ("anaphylactic",),
        ("allergic", "reaction", "breath"),
        ("allergic", "reaction", "breathe"),
    ],
    "risk of suicide or self-harm": [
        ("kill", "myself"),
        ("end", "my", "life"),
        ("suicide",),
        ("suicidal",),
        ("want", "to", "die"),
        ("hurt", "myself"),
        ("take", "all", "pills"),
        ("overdose",),
    ],
    "breathing emergency": [
        ("cant", "breathe"),
        ("not", "breathing"),
        ("stopped", "breathing"),
        ("choking",),
        ("turning", "blue"),
    ],
    "loss of consciousness or seizure": [
        ("unconscious",),
        ("unresponsive",),
        ("wont", "wake"),
        ("passed", "out"),
        ("seizure", "minutes"),
        ("fitting", "stop"),
    ],
    "severe bleeding": [
        ("bleeding", "wont", "stop"),
        ("bleeding", "stop"),
        ("vomiting", "blood"),
        ("coughing", "blood"),
    ],
}

# Words that put the question in the asker's present: someone is in trouble now.
_PERSONAL = re.compile(
    r"\b(i|im|i'm|me|my|mine|we|our|us|he is|she is|hes|shes|he's|she's|husband|wife|son|daughter|mom|mum|dad|"
    r"baby|child|friend|now|right now|help|please|currently|tonight|today|can't|cant)\b"
)
_CLINICAL = re.compile(r"\b(patient|patients|pt|pts|management|manage|guideline|guidelines|dose|dosing)\b")

_INJECTION = re.compile(
    r"(ignore|disregard|forget|override|bypass)\s+(all\s+|any\s+|your\s+|the\s+|previous\s+|prior\s+|above\s+)*"
    r"(instructions|rules|guidelines|prompt|prompts|policies|constraints|system)"
    r"|(print|reveal|show|repeat|output|tell me)\s+(me\s+)?(your|the)\s+(system\s+)?(prompt|instructions|configuration|"
    r"config|settings|rules|api key|secrets?)"
    r"|(drop|remove|omit|skip|without|no)\s+(the\s+)?(disclaimer|references|citations|warning)"
    r"|\byou are now\b|\bact as\b|\bpretend (to be|you are)\b|\bjailbreak\b|\bdeveloper mode\b"
    r"|\bcite reference \d+|\bmake up\b|\binvent (a|some) (reference|citation)",
    re.IGNORECASE,
)

EMERGENCY_GUIDANCE = {
    "patient": (
        "**This may be an emergency. Call your local emergency number (for example 911, 112 or 999) now, "
        "or go to the nearest emergency department. Do not wait for an online answer.**"
    ),
    "patient-suicide": (
        "**If you are thinking about ending your life or hurting yourself, you are not alone and help is "
        "available now. Call your local emergency number, or a crisis line (in the US call or text 988; in the "
        "UK and Ireland call Samaritans on 116 123), or go to the nearest emergency department. If you can, "
        "stay with someone you trust.**"
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
    matched: tuple[str, ...]


def normalise(text: str) -> str:
    """Lower case, accents and apostrophes removed, punctuation to spaces."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    text = text.replace("'", "").replace("’", "")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def detect_emergency(question: str) -> Emergency | None:
    text = normalise(question)
    words = text.split()
    # "How do I assess suicide risk in my patient?" is a clinical question, not a crisis.
    personal = bool(_PERSONAL.search(text)) and not _CLINICAL.search(text)
    for flag, alternatives in RED_FLAGS.items():
        for terms in alternatives:
            if all(_contains(words, term) for term in terms) and (personal or _first_person_crisis(terms)):
                return Emergency(flag=flag, matched=terms)
    return None


def _first_person_crisis(terms: tuple[str, ...]) -> bool:
    """Phrases that are a crisis in any context: nobody says "kill myself" about a patient."""
    return "myself" in terms or terms[:2] == ("end", "my")


def _contains(words: list[str], term: str) -> bool:
    return any(_similar(word, term) for word in words)


@lru_cache(maxsize=65536)
def _similar(word: str, term: str) -> bool:
    """Exact for short words; for longer ones, within about one edit in five letters (typos)."""
    if word == term:
        return True
    if len(term) < 5 or abs(len(word) - len(term)) > 2:
        return False
    return SequenceMatcher(None, word, term).ratio() >= 0.8


def contains_injection(question: str) -> bool:
    return bool(_INJECTION.search(question))


def strip_injection(question: str) -> str:
    """The question with the instruction-like parts removed, to see whether a real question remains."""
    return " ".join(_INJECTION.sub(" ", question).split())
