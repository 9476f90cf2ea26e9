"""Personal details in a question: left out of what is searched, since no guideline is about them.

A clinician may paste "my patient Margaret Thistlewood (DOB 14/03/1958, MRN 40417733)" into a
question. The name and numbers cannot match any passage; worse, a rare surname looks to the
unknown-term check (service.triage.lexical_checks) like a medical term the corpus lacks, and the question would
abstain. So e-mail addresses, phone numbers, record numbers, dates of birth and names introduced as
someone's name ("Mr Smith", "my patient Jane Doe", "named ...") are removed before the scope check and
retrieval. They are never logged either way (see service.logs).
"""

from __future__ import annotations

import re

_NAME = r"[A-Z][a-z'’-]+(?:[ \t]+[A-Z][a-z'’-]+){0,3}"

_PATTERNS = [
    # e-mail addresses
    r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b",
    # record numbers: MRN, NHS number, hospital / record / patient number or id
    r"\b(?:MRN|NHS(?:[ \t]+(?:no|number))?|(?:hospital|record|patient|medical[ \t]+record)[ \t]+(?:no|number|id))"
    r"\.?[ \t]*[:#]?[ \t]*[A-Z0-9][A-Z0-9 -]{3,}[0-9]\b",
    # dates of birth
    r"\b(?:DOB|D\.O\.B\.?|date[ \t]+of[ \t]+birth|born(?:[ \t]+on)?)[ \t]*:?[ \t]*"
    r"(?:\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|\d{1,2}[ \t]+[A-Za-z]{3,9}[ \t]+\d{4})",
    # phone numbers: a label and digits, or a long run of digit groups
    r"\b(?:tel|phone|mobile|mob)\.?[ \t]*:?[ \t]*\+?\d[\d \t().-]{5,}\d",
    r"\+\d[\d \t().-]{7,}\d",
    # names: after a title, or introduced as a patient's or someone's name
    rf"\b(?:Mr|Mrs|Ms|Miss|Mx)\.?[ \t]+{_NAME}",
    rf"\b(?P<keep>patient|named|called),?[ \t]+{_NAME}",
]
_PERSONAL = re.compile("|".join(f"(?:{p})" for p in _PATTERNS))
# What is left of "(DOB ..., MRN ..., e-mail)" once its contents are gone.
_EMPTY_BRACKETS = re.compile(r"[(\[][\s,;:]*[)\]]")
_SPACES = re.compile(r"[ \t]{2,}")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"[ \t]+([,;:?.!])")
_REPEATED_SEPARATORS = re.compile(r"([,;])(?:[ \t]*[,;])+")
_LEADING_SEPARATORS = re.compile(r"^[\s,;:]+")


def strip_personal_details(question: str) -> str:
    """The question without names, dates of birth, record numbers, e-mail addresses and phone numbers."""
    stripped = _PERSONAL.sub(lambda match: f"{match.group('keep') or ''} ", question)
    if stripped == question:
        return question
    stripped = _EMPTY_BRACKETS.sub(" ", stripped)
    stripped = _SPACE_BEFORE_PUNCTUATION.sub(r"\1", _SPACES.sub(" ", stripped))
    stripped = _REPEATED_SEPARATORS.sub(r"\1", stripped)
    return _LEADING_SEPARATORS.sub("", stripped).strip()
