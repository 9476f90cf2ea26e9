"""What a question asks for beyond its topic (a dose, a duration, a level), and the sentences that give one.

A question that asks for a dose ("loading dose", "how much", "mg"), a duration ("how long", "how many weeks") or a
level ("lithium levels", "target range") is answered only by a sentence that gives one: a number with a dose or
time unit, or a concentration. `service.triage.asked` reads the facet a question asks (`FACETS`) and the facets
each evidence sentence gives (`FACET_EVIDENCE`).
"""

from __future__ import annotations

import re
from enum import StrEnum

__all__ = ["FACETS", "FACET_EVIDENCE", "Facet"]


class Facet(StrEnum):
    DOSE = "dose"
    DURATION = "duration"
    LEVEL = "level"  # a measured value or its target range: "lithium levels", "target INR range"


FACETS = {
    # Whether to change a dose ("does PEG need a dose change in dialysis?") asks about adjusting, which a text
    # answers without giving one ("no dose adjustment is needed").
    Facet.DOSE: re.compile(
        r"\b(dose|doses|dosing|dosage|how much|loading|maintenance dose|starting dose|regimen|mg|mcg|micrograms)\b"
        r"(?! (change|changes|changed|adjustment|adjustments|adjusted|reduction|reduced|modification|alteration)\b)"
    ),
    Facet.DURATION: re.compile(
        r"\b(how long|how many (days|weeks|months|hours)|duration|for how long|how many more)\b"
    ),
    Facet.LEVEL: re.compile(r"\b(target|therapeutic|normal|safe) (range|level|levels)\b|\blevels?\b(?! of)"),
}
FACET_EVIDENCE = {
    Facet.DOSE: re.compile(
        r"\b\d+(\.\d+)?\s*(mg|mcg|micrograms?|g|grams?|units?|iu|ml|mmol|mg kg|micrograms? kg|mg m2)\b"
        r"|\b(mg|mcg|micrograms?|units?) (per|kg|daily|once|twice)\b"
        r"|\b(one|a) (sixth|tenth|third|quarter|half)\b|\b\d+ ?(%|per ?cent)|\b(same|usual|full|half|double) dose\b"
    ),
    Facet.DURATION: re.compile(
        r"\b(\d+|one|two|three|four|five|six|seven|ten|twelve|several)\s*(to \d+\s*)?(minutes?|mins?|hours?|days?|"
        r"weeks?|months?|years?|h|d)\b|\b(lifelong|indefinitely|long term|until|at least)\b"
    ),
    # A concentration ("0.4 to 1.0 mmol/L", normalised "mmol l"), a percentage, or an INR.
    Facet.LEVEL: re.compile(
        r"\b\d+(\.\d+)?( to \d+(\.\d+)?)?\s*(mmol|micromol|umol|mg|micrograms?|mcg|ng|nmol|pmol|iu|units?) (l|dl|ml)\b"
        r"|\b\d+(\.\d+)? ?(%|per ?cent)|\binr (of )?\d"
    ),
}
