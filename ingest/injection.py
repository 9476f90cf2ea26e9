"""Instructions aimed at the system, wherever they are written: in a user's question or in an article.

The patterns live here, in ingest, because both sides need them and ingest never imports the service:
`service.triage.injection` builds its question check from `QUESTION_INSTRUCTIONS`, and the ingest pipeline scans
every article it loads with `ARTICLE_INSTRUCTIONS`, recording each hit as an `InjectionFlag` (a warning
of the ingest report naming the article, the section and the bullet, printed by `vademecum ingest`).

Article text is medical prose, so it is checked with a stricter subset of the question patterns: the
looser ones ("act as", "make up", "say that", "no warnings", "without references") are ordinary words in
a guideline ("platelets act as...", "make up 10% of cases", "seizures occur without warning"). The
subset flags nothing in the bundled corpus nor in MedQuAD's 5,490 articles (35,544 answers), where the
question patterns match 207 answers (see tests/ingest/test_injection_flagging.py).

What the service does with a flagged passage (decision): it quotes it as text, never obeys it. The
composer is extractive, so a passage reaches an answer only as a verbatim quote with its Markdown
escaped; the disclaimer and the reference list are attached by code in `service.answering.citations.finalize`
after composition, so no text inside a passage can remove them, add a reference or change a status.
Passages are not skipped: a pattern can misfire on a real clinical sentence, and silently dropping
evidence from answers is its own harm, while the flag puts the article in front of the operator, who
must correct it (the answer still cites it, so a reader can see where the sentence came from). A
generative composer would have to treat passages as data the same way; it could filter with
`find_instructions(chunk.text)`, which needs no change to the index format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.models import Article

# "ignore all previous instructions", "disregard your rules", "override the system".
OVERRIDE = (
    r"(ignore|disregard|forget|override|bypass)\s+(all\s+|any\s+|your\s+|the\s+|previous\s+|prior\s+|above\s+|"
    r"earlier\s+|these\s+|those\s+|my\s+)*"
    r"(instructions?|rules|guidelines|prompts?|policies|constraints|system|directives|guardrails)"
)
# "print your system prompt", "reveal the configuration", "show me your api key".
REVEAL = (
    r"(print|reveal|show|repeat|output|tell me|display|leak|dump)\s+(me\s+)?(your|the)\s+(full\s+|hidden\s+|"
    r"initial\s+|original\s+)?(system\s+)?(prompt|instructions|configuration|config|settings|rules|api key|"
    r"secrets?|context)"
)
# "drop the disclaimer", "without references", "no citations or warnings". The verb that asks for it goes
# too ("answer without references"), and so does its "from now on": left behind, "answer" or "from now on"
# alone read as a question and was searched for (insufficient_evidence instead of out_of_scope).
_SAFETY_PARTS = r"(disclaimers?|references|citations|warnings?|sources)"
DROP_SAFETY = (
    r"(\b(answer|respond|reply)\s+(with\s+)?)?"
    r"(drop|remove|omit|skip|without|leave out|no|don'?t (include|add|show))\s+(the\s+|any\s+|your\s+)?"
    + _SAFETY_PARTS
    + r"(\s*(,|and|or|&)\s*(the\s+|any\s+|your\s+|without\s+)*"
    + _SAFETY_PARTS
    + r")*(\s+(from now on|going forward|this time|in (all |every |your )*(future )?answers?))?"
)
# "you are now...", "act as...", "developer mode".
PERSONA = (
    r"\byou are now\b[^.?!:]*|\bact as\b[^.?!:]*|\bpretend (to be|you are)\b[^.?!:]*|\bjailbreak\b"
    r"|\b(in\s+)?developer mode\b|\bdan mode\b|\bwith no (rules|restrictions|limits)\b"
)
# "cite reference 99", "make up a study".
FABRICATE = r"\bcite reference \d+|\bmake up\b|\binvent (a|an|some) (reference|citation|source|study)s?"
# "... and say that aspirin cures pre-eclampsia".
DICTATE = r"\b(?:and|then|just|now)\s+(?:say|state|claim|write|declare)\b[^.?!]*|\b(?:say|state|claim) that\b[^.?!]*"

QUESTION_INSTRUCTIONS = re.compile(
    "|".join((OVERRIDE, REVEAL, DROP_SAFETY, PERSONA, FABRICATE, DICTATE)), re.IGNORECASE
)

# In an article only an imperative aimed at the answer counts: "omit the disclaimer", not "without warning".
_ARTICLE_DROP_SAFETY = (
    r"(?:drop|remove|omit|skip|leave out|do not (?:include|add|show)|don'?t (?:include|add|show))\s+"
    r"(?:the\s+|any\s+|your\s+|all\s+)?(?:disclaimers?|references|citations)"
)
# Words that only make sense addressed to a model: "system prompt", "previous instructions".
_ADDRESSED_TO_A_MODEL = (
    r"system prompt|(?:previous|prior|above|earlier) instructions|you are now|jailbreak|developer mode|as an ai"
    r"|language model|cite reference \d+"
)
# One leading word boundary for every alternative: the engine then tries far fewer positions (4x faster on
# MedQuAD's 22 MB than a boundary per alternative). Chat-role tokens ("<|system|>") start with no word.
ARTICLE_INSTRUCTIONS = re.compile(
    r"\b(?:" + "|".join((OVERRIDE, REVEAL, _ARTICLE_DROP_SAFETY, _ADDRESSED_TO_A_MODEL)) + r")\b"
    r"|<\|?(?:system|im_start|im_end)\|?>",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class InjectionFlag:
    """One piece of an article's text that reads as an instruction to the system."""

    article_id: str
    # Where in the article: "summary", "section 'Treatment', bullet 3", "related question 2".
    where: str
    # Every instruction-like phrase found there, in order.
    matched: tuple[str, ...]
    path: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        source = f" ({self.path}{f':{self.line}' if self.line else ''})" if self.path else ""
        return (
            f"article {self.article_id}{source}: {self.where} holds an instruction aimed at the system "
            f"({', '.join(map(repr, self.matched))}); it is indexed as text and quoted, never followed: "
            "correct the article"
        )


def find_instructions(text: str) -> list[str]:
    """The parts of an article's text that read as instructions to the system (empty for clinical prose)."""
    return [match.group(0) for match in ARTICLE_INSTRUCTIONS.finditer(text)]


def scan_article(article: Article) -> list[InjectionFlag]:
    """Every place of an article whose text holds an instruction to the system. Pure and deterministic."""
    places: list[tuple[str, str, int | None]] = [
        ("title", article.title, None),
        ("question", article.question, None),
        ("summary", article.summary, None),
    ]
    for section in article.sections:
        places.append((f"section {section.heading!r} heading", section.heading, None))
        groups_seen: set[str] = set()
        for number, claim in enumerate(section.claims, start=1):
            if claim.group and claim.group not in groups_seen:
                groups_seen.add(claim.group)
                places.append((f"section {section.heading!r}, lead-in {claim.group!r}", claim.group, None))
            places.append((f"section {section.heading!r}, bullet {number}", claim.text, claim.line))
    for number, related in enumerate(article.related_questions, start=1):
        places.append((f"related question {number}", related.question, None))
    flags: list[InjectionFlag] = []
    for where, text, line in places:
        found = find_instructions(text)
        if found:
            flags.append(InjectionFlag(article.id, where, tuple(found), article.source_path, line))
    return flags
