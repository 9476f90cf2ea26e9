"""Training queries made from MedQuAD's own questions, reworded the way people ask.

A MedQuAD pair's question is also its section heading, so used verbatim it matches its own heading
exactly and teaches a ranker nothing but "find the identical heading". People write otherwise: "my
son was just diagnosed with X, is there a cure?", "X symptoms", "how do you get X". Each training
query is therefore the pair's question reworded: its question type (treatment, symptoms, cause, ...)
asked in one of several everyday phrasings, the topic sometimes inside a short situation, and a share
of words dropped. The rewording is seeded; the phrasings are this project's own.
"""

from __future__ import annotations

import random
import re

__all__ = ["reworded_question"]

# MedQuAD question types (as its headings ask them) -> everyday phrasings; {x} is the topic.
_PHRASINGS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), phrasings)
    for pattern, phrasings in (
        (r"symptoms|signs", ("what symptoms does {x} cause", "{x} symptoms", "how do i know if i have {x}")),
        (r"treatment|treated|cure", ("how is {x} treated", "is there a cure for {x}", "{x} treatment options")),
        (r"diagnos", ("how do doctors test for {x}", "what test shows {x}", "how is {x} diagnosed")),
        (r"genetic changes", ("what gene is involved in {x}", "which mutation causes {x}", "{x} gene")),
        (r"causes|cause", ("why do people get {x}", "what is the cause of {x}", "how do you get {x}")),
        (r"inherited", ("can {x} be passed to my children", "is {x} hereditary", "does {x} run in families")),
        (r"at risk|risk", ("who gets {x}", "am i at risk of {x}", "risk factors for {x}")),
        (r"prevent", ("can {x} be prevented", "how can i avoid {x}", "ways to prevent {x}")),
        (r"stages", ("what are the stages of {x}", "how is {x} staged", "{x} stage")),
        (r"research|clinical trials", ("are there clinical trials for {x}", "new research on {x}", "{x} trials")),
        (r"how many|affected", ("how common is {x}", "how many people have {x}", "{x} prevalence")),
        (r"outlook|prognosis", ("what is the life expectancy with {x}", "will {x} get better", "{x} prognosis")),
        (r"complications", ("what problems can {x} lead to", "{x} complications", "can {x} cause other problems")),
        (r"what to do", ("what should i do about {x}", "how to manage {x} at home", "living with {x}")),
        (r"what is|what are|information", ("what is {x}", "can you explain {x}", "i need information on {x}")),
    )
)
_SITUATIONS = (
    "my mother has {x}.",
    "i was recently diagnosed with {x}.",
    "my son has been told he has {x}.",
    "my doctor mentioned {x}.",
    "a friend of mine has {x}.",
)


def reworded_question(question: str, topic: str, rng: random.Random) -> str:
    """One everyday rewording of a MedQuAD `question` about `topic` (its document's focus)."""
    x = topic.strip().casefold() or "it"
    phrasings = next((p for pattern, p in _PHRASINGS if pattern.search(question)), None)
    text = rng.choice(phrasings).format(x=x) if phrasings else question.casefold().rstrip(" ?")
    if rng.random() < 0.35:
        situation = rng.choice(_SITUATIONS).format(x=x)
        text = f"{situation} {text.replace(x, 'it')}" if rng.random() < 0.5 else f"{situation} {text}"
    words = text.split()
    if len(words) > 4 and rng.random() < 0.3:
        drop = rng.randrange(len(words))
        words = words[:drop] + words[drop + 1 :]
    ending = "?" if rng.random() < 0.6 else ""
    return " ".join(words) + ending
