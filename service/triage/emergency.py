"""Is the latest user turn an emergency? Presentations by body system, then a generic acuity layer.

1. The question is read as clinical concepts (`service.triage.concepts.find_concepts`) plus the populations it
   names: an infant under three months, a child, a pregnancy, an older adult.
2. The presentations of `service.triage.red_flags` are matched against those concepts. A match counts only in
   the right frame: someone's present situation, not a past history ("had a stroke last year") and not a
   teaching question ("how is thunderclap headache investigated?"); see `service.triage.frame`.
3. When no presentation matches, the acuity layer asks what every emergency shares: sudden onset with
   severity out of proportion, altered consciousness, a breathing difficulty, bleeding that will not stop,
   a cold or pulseless limb, or an alarming symptom in a young infant or a pregnancy, told in the present.

It runs on the question alone, before retrieval, so an emergency typed mid-conversation is caught even
when the conversation was about something else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.triage.concepts import find_concepts
from service.triage.frame import AGE, AGE_YO, PREGNANT, asks_for_information, corrected, frame_of
from service.triage.red_flags import PRESENTATIONS, Kind, Presentation


@dataclass(frozen=True)
class Emergency:
    flag: str
    system: str
    concepts: frozenset[str]
    suicide: bool = False
    topic: str = ""
    advice: str = ""
    # Found by the learned model (`service.triage.emergency_model`), which cannot tell which emergency.
    semantic: bool = False


def populations(text: str, concepts: frozenset[str]) -> set[str]:
    """@infant (under three months), @child, @pregnant, @older, from ages and words the text gives."""
    found: set[str] = set()
    if PREGNANT.search(text) or "pregnancy" in concepts:
        found.add("@pregnant")
    if re.search(r"\b(newborn|new born|neonate|neonatal)\b", text):
        found |= {"@infant", "@child"}
    for match in re.finditer(r"\b(\d{1,2}) (52|12)\b", text):
        # "6/52" (weeks) and "2/12" (months) in clinical shorthand.
        weeks = int(match.group(1)) * (1 if match.group(2) == "52" else 4.3)
        found |= {"@infant", "@child"} if weeks < 13 else {"@child"}
    for match in AGE.finditer(text):
        if PREGNANT.match(text, match.start()):
            continue
        number, unit = int(match.group(1)), match.group(2)
        if unit.startswith(("d", "w")) and number <= 13 and (match.group(3) or "infant_word" in concepts):
            found |= {"@infant", "@child"}
        elif unit.startswith("mo") or unit == "mths":
            found |= {"@infant", "@child"} if number < 3 else {"@child"}
        elif unit.startswith("y") and match.group(3):
            found.add("@child" if number < 16 else "@older" if number >= 75 else "@adult")
    for match in AGE_YO.finditer(text):
        number = int(match.group(1) or match.group(3))
        found.add("@child" if number < 16 else "@older" if number >= 75 else "@adult")
    if "child_word" in concepts and "@adult" not in found and "@older" not in found:
        found.add("@child")
    return found


_OBSERVATIONS: tuple[tuple[re.Pattern[str], str, float, float], ...] = tuple(
    (re.compile(pattern), concept, low, high)
    for pattern, concept, low, high in (
        # (pattern whose first group is the value, the concept a value in [low, high) means)
        (r"\bbp (\d{2,3}) \d{2,3}\b", "shock", 0, 90),
        (r"\b(?:hr|pulse|heart rate) (\d{2,3})\b", "shock", 130, 400),
        (r"\b(?:rr|resp rate|respiratory rate) (\d{1,2})\b", "breathless_severe", 25, 100),
        (r"\b(?:spo2|sats|sao2|o2 sats) (\d{2})\b", "blue", 0, 90),
        (r"\bgcs (\d{1,2})\b", "unresponsive", 3, 13),
        (r"\bgcs (\d{1,2})\b", "drowsy_confused", 13, 15),
        (r"\b(?:t|temp|temperature) (\d{2}(?: \d)?)\b", "fever", 38, 45),
        (r"\b(?:core t|t|temp|temperature) (\d{2}(?: \d)?)\b", "cold_exposure", 15, 35),
        (r"\blactate (\d{1,2}(?: \d)?)\b", "shock", 4, 40),
        (r"\bph (7 \d{1,2})\b", "acidosis", 6, 7.25),
        (r"\b(?:k|potassium) (\d(?: \d)?)\b", "hyperkalaemia", 6.5, 12),
        (r"\b(?:cbg|bm|glucose|blood sugar|sugar) (\d{1,2}(?: \d)?)\b", "low_sugar", 0, 3),
        (r"\b(?:cbg|bm|glucose|blood sugar|sugar) (\d{1,2}(?: \d)?)\b", "high_sugar", 30, 100),
        (r"\bketones (\d(?: \d)?)\b", "high_sugar", 3, 20),
        (r"\bhb (\d{2,3})\b", "shock", 0, 70),
        (r"\b(?:adj ca|corrected ca|ca|calcium) (\d(?: \d{1,2})?)\b", "hypercalcaemia", 3.5, 6),
        (r"\bqrs (\d{3})\b", "wide_qrs", 120, 400),
        # A count of tablets taken at once ("taken 40 paracetamol tablets"), not a daily regimen ("8 tablets a day"),
        # nor a number before a question about tablets ("EF 58%. which tablets should I be on?").
        (
            r"\b(\d{1,3}) (?:(?!(?:which|what|how|when|should|could|would|can|do|does|is|are)\b)[a-z]+ ){0,2}"
            r"(?:pills|tablets|tabs|capsules|caps)\b"
            r"(?!(?: [a-z]+){0,2} (?:a|per|each) (?:day|week)|(?: [a-z]+){0,2} daily)",
            "overdose",
            8,
            1000,
        ),
        (r"\bebl (\d{3,4})\b", "bleeding_uncontrolled", 1000, 20000),
    )
)


def observations(text: str) -> set[str]:
    """Concepts that observations in the text mean: "BP 84/50" is shock, "GCS 9" reduced consciousness."""
    found: set[str] = set()
    for pattern, concept, low, high in _OBSERVATIONS:
        for match in pattern.finditer(text):
            value = float(match.group(1).replace(" ", "."))
            if low <= value < high:
                found.add(concept)
    return found


def detect_emergency(question: str, *, weak_cues: bool = True) -> Emergency | None:
    """The presentation the question describes, or an acuity signal, or None. Pure and deterministic.

    `weak_cues=False` (clinician users) ignores "he", "she", "now"...: a clinician writing "she" means
    a patient in their care, and asks how to manage, not for help.
    """
    text = corrected(question)
    if not text:
        return None
    found = find_concepts(question)
    concepts = found | populations(text, found) | observations(text)
    frame = frame_of(question, text, found, weak_cues)
    for presentation, groups in _MOST_SPECIFIC_FIRST:
        if all(group & concepts for group in groups) and frame.allows(presentation.kind):
            return _emergency(presentation, concepts)
    if frame.allows(Kind.SYMPTOM) and not asks_for_information(question):
        # The generic layer reads what no table names, as the learned model does: not a request for information
        # in which nothing happens now ("what can help my grandad who gets confused in hospital?").
        return acuity(concepts)
    return None


# Crises first, then presentations of more concepts before those of fewer: a swollen tongue with
# breathlessness after a peanut is anaphylaxis before it is "a breathing difficulty".
_MOST_SPECIFIC_FIRST = tuple(
    (p, p.groups) for p in sorted(PRESENTATIONS, key=lambda p: (p.kind is not Kind.CRISIS, -len(p.groups)))
)


def _emergency(presentation: Presentation, concepts: frozenset[str]) -> Emergency:
    return Emergency(
        flag=presentation.name,
        system=presentation.system,
        concepts=concepts,
        suicide=presentation.suicide,
        topic=presentation.topic,
        advice=presentation.advice,
    )


# The acuity layer: (signal, what it is called, the concept groups that must all be present).
_ACUITY: tuple[tuple[str, tuple[frozenset[str], ...]], ...] = tuple(
    (name, tuple(frozenset(group.split("|")) for group in pattern.split("+")))
    for name, pattern in (
        ("sudden severe symptoms", "sudden+worst"),
        ("altered consciousness", "unresponsive"),
        ("altered consciousness", "drowsy_confused+now"),
        ("a breathing difficulty", "breathless_severe|blue"),
        ("bleeding that will not stop", "bleeding_uncontrolled"),
        ("a cold or pulseless limb", "limb_ischaemia"),
        ("deranged observations", "shock|blue|acidosis|hyperkalaemia|low_sugar|wide_qrs|hypercalcaemia"),
        ("signs of shock", "shock+sudden|worst|bleeding|chest_pain|abdominal_pain|vomiting"),
        ("an alarming symptom in a young infant", "@infant+floppy|fever|breathless|vomiting|worst|shock|blue"),
        ("an alarming symptom in pregnancy", "@pregnant+worst|sudden|shock|bleeding|drowsy_confused|seizure"),
        ("an alarming symptom in a child", "@child+worst+sudden|breathless|vomiting|drowsy_confused|floppy"),
    )
)


def acuity(concepts: frozenset[str]) -> Emergency | None:
    """The generic layer: what every emergency shares, for presentations no table names."""
    for name, groups in _ACUITY:
        if all(group & concepts for group in groups):
            return Emergency(flag=f"urgent: {name}", system="acuity", concepts=concepts)
    return None
