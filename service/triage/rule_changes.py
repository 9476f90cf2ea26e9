"""Attempts to change the service's rules or role: out of scope unless a medical question is asked beside them.

A rule change is read as what it acts on, not as a phrase: an instruction to suppress a part of the answer (the
disclaimer, citations, safety wording), to reveal or override the service's own instructions, to answer beyond the
corpus (a guess, the model's own knowledge), or to take on another role or format. `service.triage.scope` sorts
everything else.
"""

from __future__ import annotations

import re

from service.triage.scope import content_words, has_medical_word
from service.triage.words import normalise

__all__ = ["RULE_CHANGE", "RULE_PATTERNS", "changes_the_rules"]

# An attempt to change the service's rules or role: out of scope unless a question is asked as well.
RULE_CHANGE = re.compile(
    r"\b(pretend|role ?play|roleplay|act as|be my (grandma|gran|friend|doctor|gp)|you are no longer|youre no longer|"
    r"talk like|speak like|for the rest of this (chat|conversation)|admin override|override|system prompts?|"
    r"new policy|policy has expired|note to the assistant|user is verified|no longer required|switched off|"
    r"stop adding|do not put|dont put|no disclaimers?|no references|no citations|drop the disclaimer|"
    r"without (the )?(disclaimer|warning|citations|references|sources)|"
    r"(print|show|reveal|repeat|display|dump|list) (me )?(your|the) (settings|configuration|config|instructions|"
    r"rules|prompt|api keys?|secrets?|environment|credentials))\b"
)


def changes_the_rules(question: str) -> bool:
    """An attempt to change the service's rules or role with no medical question asked beside it.

    A rule change is read as what it acts on, not as a phrase: an instruction to suppress a part of the
    answer (the disclaimer, citations, safety wording), to reveal or override the service's own instructions,
    or to take on another role or format. The service's parts are few and fixed, so any wording of an attack
    names one of them. A medical question asked beside it ("skip the disclaimer: what dose of X?") is
    answered, the instruction ignored: only the clauses without a rule change are read for one."""
    text = normalise(question)
    if not (RULE_CHANGE.search(text) or _acts_on_the_service(text)):
        return False
    rest = [_without_changes(normalise(clause)) for clause in _CLAUSE.split(question.lower())]
    return not any(_asks(clause) and _asks_about_something(content_words(clause)) for clause in rest)


# The parts of an answer a rule change would suppress, and the verbs that suppress them ("drop", "no more",
# "are no longer required"), in either order, a few words apart.
_OUTPUT_PART = (
    r"((say|saying|tell me|telling me|remind me|reminding me|mention|mentioning) (that )?(youre|you are|ur|u r) "
    r"not (a |my )?(doctor|gp|clinician|medical professional|substitute( for (a |your |my )?(doctor|gp))?)|"
    r"disclaimers?|caveats?|citations?|references|reference lists?|sources|footnotes?|warnings? at the end|"
    r"(the|that|this) warning|safety (wording|guidance|policy|rules|filters?|messages?|warnings?|notes?)|"
    r"emergency (guidance|warnings?|banners?)|medical advice warning|warnings|"
    r"(your|safety|content) (restrictions|filters?|limits)|"
    r"safety (stuff|features?|checks?|mode)|hedging|small print|legal (bit|bits|stuff|wording))"
)
_SUPPRESS = (
    r"(stop|quit|no more|no|without|drop|remove|delete|skip|leave out|omit|lose|ditch|get rid of|turn off|"
    r"switch off|switched off|disable|disabled|hide|cut|dont (add|include|put|show|give|use|mention|need|want)|"
    r"never (add|include|mention|show)|not required|no longer (required|needed|necessary|apply|applies)|"
    r"expired|unnecessary|not needed|not necessary|off)"
)
# The service's own instructions, and the verbs that reveal or override them.
_CONFIG_PART = (
    r"((your|the|hidden|previous|prior|original|system|internal|initial|secret) (rules|instructions|prompts?|"
    r"settings|configuration|config|policy|policies|guardrails|restrictions|directives|programming|corpus)|"
    r"system prompts?|guardrails)"
)
_REVEAL = r"(print|show|reveal|repeat|paste|dump|display|output|read|share|leak|recite|copy|quote)"
_OVERRIDE = r"(ignore|forget|disregard|bypass|override|break|skip|drop|abandon|suspend)"
# Asking what the service was told: only "your ..." is the service's ("what are the rules for driving?" is not).
_ASK_OWN = (
    r"\b(tell me|what are|what were|what is|whats|list|summarise|summarize|translate|explain) (all )?your "
    r"(rules|instructions|prompts?|system prompts?|settings|configuration|config|guardrails|restrictions|programming)\b"
)
# Another role or format for the rest of the conversation.
_ROLE = (
    r"\b(pretend|role ?play|(^|please |now |just |you |u |to )(act as|act like|be my)|you are now|youre now|"
    r"you are no longer|youre no longer|from now on you|from now on (answer|reply|respond|talk|speak|write)|"
    r"talk like|speak like|"
    r"(respond|answer|reply) (only )?(in|with|as) (raw |plain )?(json|xml|yaml|code|a pirate|emojis?|rhyme)|"
    r"for the rest of (this|the) (chat|conversation)|(developer|dan|god|unrestricted|unfiltered|uncensored|"
    r"jailbreak|jailbroken|debug|admin) mode|jailbreak|jailbroken|unfiltered|uncensored)\b"
)
# Answering beyond the corpus: uncited, guessed, or from the model's own knowledge.
_BEYOND_THE_CORPUS = (
    r"\b((dont|do not|never|no need to|stop) (cite|citing|reference|referencing|quote|quoting)|"
    r"(your )?(best|educated|wild) guess|just guess|make (it|something|one|an answer) up|"
    r"(use|using|from|with) (your|general) (own )?(knowledge|training|memory|opinion)|"
    r"beyond (the|your) (corpus|sources|articles|evidence))\b"
)
_GAP = r"(\s+\S+){0,5}?\s+"
_RULE_CHANGES = (
    re.compile(rf"\b{_SUPPRESS}{_GAP}{_OUTPUT_PART}\b|\b{_OUTPUT_PART}{_GAP}{_SUPPRESS}\b"),
    re.compile(rf"\b{_REVEAL}{_GAP}{_CONFIG_PART}\b|\b{_OVERRIDE}{_GAP}{_CONFIG_PART}\b"),
    re.compile(_ROLE),
    re.compile(_ASK_OWN),
    re.compile(_BEYOND_THE_CORPUS),
)
_CLAUSE = re.compile(r"[.?!;:,\n]+|\s+-\s+|\band\b|\bthen\b")
# What a rule change is read from, for service.triage.slips to put their words' slips back.
RULE_PATTERNS: tuple[re.Pattern[str], ...] = (RULE_CHANGE, *_RULE_CHANGES)


def _acts_on_the_service(text: str) -> bool:
    return any(pattern.search(text) for pattern in _RULE_CHANGES)


# Words about the conversation itself: what is left of "can you stop the disclaimer on every answer?".
_ABOUT_THE_CHAT = frozenset(
    "answer answers reply replies response responses every everything chat conversation message messages time "
    "times anymore always here now from normally normal thanks".split()
)


def _asks_about_something(words: list[str]) -> bool:
    """A medical word, or two words of substance (a drug name no lexicon lists): a question is asked."""
    substance = [w for w in words if len(w) > 3 and w not in _ABOUT_THE_CHAT]
    return has_medical_word(words) or len(substance) >= 2


def _without_changes(clause: str) -> str:
    """The clause with the words of any rule change taken out: what it asks besides."""
    for pattern in (RULE_CHANGE, *_RULE_CHANGES):
        clause = pattern.sub(" ", clause)
    return clause


def _asks(clause: str) -> bool:
    """The clause asks something: a question word, or a request to tell, explain or describe."""
    return bool(
        re.search(r"^\s*(what|which|how|when|why|should|can|could|is|are|does|do|would|will|whats)\b", clause)
        or re.search(r"\b(tell me|explain|describe|give me|list)\b", clause)
        or re.search(r"\b(what|which|how|when|why)\b", clause)
    )
