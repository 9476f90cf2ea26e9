"""Lay words for clinical things: what patients type ("blood thinners", "water tablets", "muddled") and the words
the articles use for the same thing ("anticoagulant", "diuretic", "delirium").

The embedding model places "my mum is muddled after her operation" far from a passage on postoperative delirium,
and the corpus never writes "blood thinners". So:

- a lay phrase counts as a medical word for scope (`is_lay_medical`);
- a question below the abstention floor is searched again with each lay phrase followed by its clinical words
  in brackets, as an acronym is spelt out (`in_clinical_words`);
- a lay word is spoken of by evidence that uses its clinical words (`CLINICAL_WORDS`, for
  `service.triage.asked`).

One table, of the everyday health words of consumer health vocabularies; not fitted to any set of questions.
"""

from __future__ import annotations

import re
from collections.abc import Container

from service.triage.synonyms import SYNONYMS
from service.triage.words import normalise

__all__ = ["CLINICAL_WORDS", "LAY_TERMS", "as_typed", "in_clinical_words", "is_lay_medical"]

# Lay phrase (normalised, as a regular expression over words) -> the clinical words articles use for it.
LAY_TERMS: dict[str, str] = {
    r"blood thinners?|thinning tablets?|thinning injections?": "anticoagulant",
    r"water tablets?|water pills?": "diuretic",
    r"mini strokes?": "transient ischaemic attack",
    r"heart attacks?": "myocardial infarction",
    r"clots? (in|on) (the|his|her|my|their) lungs?|lung clots?": "pulmonary embolism",
    r"clots? (in|on) (the|his|her|my|their) legs?|leg clots?": "deep vein thrombosis",
    r"blood clots?": "venous thromboembolism",
    r"muddled|confused|confusion|not with it|away with the fairies": "delirium",
    r"flare ups?|flares?": "exacerbation",
    r"keeps? falling|falling over|falling|fall over|falls over": "falls",
    r"water infections?|bladder infections?|wee infections?": "urinary tract infection",
    r"chest infections?": "pneumonia",
    r"fits|fitting|having a fit": "seizure",
    r"painkillers?|pain killers?": "analgesia",
    r"anti inflammatories|anti inflammatory|nurofen|brufen|naproxen|voltarol": "NSAID",
    r"calpol|panadol|tylenol": "paracetamol",
    r"sugar levels?|blood sugars?": "glucose",
    r"throwing up|being sick|vomited": "vomiting",
    r"the runs|runny poo": "diarrhoea",
    r"bunged up|cant poo|can t poo|not pooing": "constipation",
    r"heavy periods?": "menorrhagia",
    r"kidney function|kidney bloods?": "eGFR",
    r"operation|op": "surgery",
    r"jabs?": "vaccine",
    r"puffers?|blue inhaler": "salbutamol inhaler",
    r"brown inhaler|preventer inhaler": "inhaled corticosteroid",
    r"sleeping tablets?|sleeping pills?": "hypnotic",
    # Clinicians' shorthand the articles write out.
    r"c diff|cdiff|c dif": "Clostridioides difficile",
}
_PATTERNS = [(re.compile(rf"\b({lay})\b"), clinical) for lay, clinical in LAY_TERMS.items()]
# Brand names and ward shorthand (service.triage.synonyms) are searched with the name the articles use too:
# "norad (noradrenaline)", "lokelma (zirconium)".
_CLINICAL = frozenset(LAY_TERMS.values()) | frozenset(name for names in SYNONYMS.values() for name in names)

# Each single lay word and the clinical words that speak of it: "thinners" is spoken of by "anticoagulant".
CLINICAL_WORDS: dict[str, tuple[str, ...]] = {}
for _lay, _clinical in LAY_TERMS.items():
    for _word in re.findall(r"[a-z]{4,}", _lay):
        CLINICAL_WORDS.setdefault(_word, ())
        CLINICAL_WORDS[_word] = tuple(dict.fromkeys([*CLINICAL_WORDS[_word], *normalise(_clinical).split()]))


def is_lay_medical(text: str) -> bool:
    """The text names a clinical thing in lay words ("blood thinners", "muddled")."""
    normalised = normalise(text)
    return any(pattern.search(normalised) for pattern, _ in _PATTERNS)


def in_clinical_words(question: str, known: Container[str] | None = None) -> str:
    """The question with each lay phrase followed by the clinical words for it: "how long on blood thinners
    (anticoagulant) after her clot?". Unchanged when it uses none; the question's own words are kept. With
    `known` (the corpus's words), only clinical words the corpus uses are added: others cannot help the search."""
    normalised = normalise(question)
    added = [clinical for pattern, clinical in _PATTERNS if pattern.search(normalised)]
    # A brand name or shorthand by the first of its other names the corpus uses ("norad": "norepinephrine").
    added += [
        next((name for name in SYNONYMS[word] if _uses(known, name)), SYNONYMS[word][0])
        for word in normalised.split()
        if word in SYNONYMS
    ]
    missing = [c for c in dict.fromkeys(added) if normalise(c) not in normalised and _uses(known, c)]
    return f"{question} ({', '.join(missing)})" if missing else question


def _uses(known: Container[str] | None, words: str) -> bool:
    return known is None or all(w in known for w in normalise(words).split())


def as_typed(question: str) -> str:
    """The question without the clinical words `in_clinical_words` added: they help the search find the passage,
    but they are not what was asked, so the checks on what was asked read the question as typed ("gout flare"
    asks nothing about an "exacerbation")."""
    opening = question.rfind(" (")
    if opening < 0 or not question.endswith(")"):
        return question
    added = question[opening + 2 : -1].split(", ")
    return question[:opening] if all(a in _CLINICAL for a in added) else question
