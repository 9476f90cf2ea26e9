"""How a question speaks: about someone's present situation, a past history, or in general (`Frame`).

An emergency's presentation counts only in the right frame (`service.triage.emergency`), and the learned model's
flag only for someone's present situation (`service.triage.emergency_model`). The frame is read from the words
of the question: who it speaks of ("my husband", a clinician's "pt"), when ("now", "last year", "what if"), and
whether it asks for information or teaching ("what are the red flags of...") rather than help.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from service.triage.concepts import english_words, find_concepts
from service.triage.red_flags import Kind
from service.triage.slips import SlipCorrector, pattern_words
from service.triage.words import normalise

__all__ = ["AGE", "AGE_YO", "PREGNANT", "Frame", "asks_for_information", "corrected", "frame_of", "read_frame"]

# "my patient", "our ward": first-person words that speak about the clinician's work, not a crisis.
_PROFESSIONAL = re.compile(
    r"\b(my|our)\s+(patient|patients|pt|pts|client|clients|ward|clinic|practice|unit|team|trainee|resident|"
    r"registrar|colleague|consultant|hospital|department|"
    # A learner's or a teacher's "my": "for my revision", "to teach my students".
    r"revision|exams?|finals|osce|studies|course|coursework|essay|lecture|lectures|notes|students?|teaching|"
    r"placement|rotation|module)\b"
)
# A clinician reporting a case rather than asking about one: age-sex shorthand, observations, where the
# patient is and since when ("72F, RR 28, BP 84/50", "day 2 neonate", "38/40", "in bay 4 now").
_CASE = re.compile(
    r"\b\d{1,3} ?(m|f|yo|y o|yr old|year old)\b|\b(hr|bp|rr|gcs|spo2|sats|temp|t|lactate|ph|k|hb|cbg|bm|glucose|"
    r"qrs|ebl|ketones|paco2|adj ca|ca|core t) \d|\b\d{1,2} (40|52)\b|\b(pt|patient|lady|man|woman|resident|"
    r"neonate|infant|baby|child|boy|girl|toddler|hiker|adult)\b|\bbay \d|\bresus\b|\bday \d{1,2}\b|\bpost op\b|"
    r"\blkw\b|\bwitnessed\b|\bfound\b|\bbrought in\b|\bjust arrived\b|\bknown\b|\bon (warfarin|apixaban|"
    r"rivaroxaban|edoxaban|dabigatran|doac|aspirin|clopidogrel|insulin|gliclazide|steroids|chemo)\b"
)
_INTERROGATIVE = re.compile(
    r"^\s*(what|which|when|how|why|who|should|can|could|is|are|does|do|would|will|any)\b|\b(tell me|give me|explain|"
    r"list|describe|what|which|how (to|do|should|much|long|often|quickly|soon|fast|urgently)|when (do|should))\b",
    re.I,
)
# "IM adrenaline" is a route, not "I'm".
_INTRAMUSCULAR = re.compile(r"\bim\s+(?=[a-z]*(ine|ol|one|ide|in|am|ate|gon|dose|route|injection|given|give|or iv)\b)")
# The asker or someone close to them: these hold even in a clinically worded question.
_STRONG_PERSONAL = re.compile(
    r"\b(my|mine|myself|im|i am|i have|i had|ive|i feel|i think|i cant|i cannot|i just|i took|i keep|i was|"
    r"i need|i dont|i want|husband|wife|partner|son|daughter|mom|mum|mother|dad|father|friend|brother|"
    r"sister|grandma|grandpa|grandmother|grandfather|nan|nana|grandad|granddad|boyfriend|girlfriend|fiance|"
    r"neighbour|neighbor|flatmate|roommate|housemate|baby|toddler)\b"
)
# Weaker cues: present, but also how clinicians speak about a patient.
_WEAK_PERSONAL = re.compile(
    r"\b(i|he|she|hes|shes|they|theyre|we|our|us|child|kid|someone|somebody|now|right now|help|please|"
    r"currently|suddenly|tonight)\b"
)
_CLINICAL = re.compile(
    r"\b(patient|patients|pt|pts|management|manage|managed|guideline|guidelines|dose|dosing|evidence|trial|"
    r"recommend|recommended|recommendation|indicated|contraindicated|first line|assess|assessed|assessment|"
    r"treat|treated|how is|how are|how should|when should|what is the|should (i|we|you)|give|giving|administer|"
    r"prescribe|prescribing|indication|indications)\b"
)
# A teaching question: about a kind of patient or a condition in general, not a person now.
_TEACHING = re.compile(
    r"\b(red flags?|signs of|symptoms of|features of|criteria|differential|causes of|what causes|guidelines?|"
    r"pathophysiology|definition|define|explain|teaching|exam questions?|students?|"
    r"for (my|the|our) (exams?|revision|finals|osce|coursework|essay|lecture|teaching)|in general|typically|usually|"
    r"patients with|people with|a patient with|someone with|anyone with|those with|presenting with|"
    r"(in|for) an? (\d{1,3} ?(years?|yrs?|y|months?|mths?|mo|weeks?|wks?|days?) old|"
    r"([a-z-]+ )?(child|baby|infant|toddler|neonate|newborn|adult|teenager)|"
    r"man|woman|person|patient|diabetic|smoker)|"
    r"how (is|are) .{1,60} (managed|treated|assessed|investigated|diagnosed|recognised|recognized)|"
    r"what is the (management|treatment|first line|dose|definition)|is .{1,60} a sign of|"
    r"when (should|do|is) .{1,60} (refer|referred|admit|admitted|escalate|escalated)|"
    r"what are the|which .{1,40} (suggest|indicate|mean)|how do (you|we|i) (tell|recognise|recognize|spot)|"
    r"is it true)\b"
)
# A question that opens by naming a list to look up ("signs a bronchiolitis baby needs to come in", "treatment of
# hypoglycaemia in a conscious adult") asks for it, whoever it names ("signs my baby is dehydrated"), unless
# something happens now. "Symptoms: chest pain for 20 minutes" is a report: the list must be asked of something.
_LOOK_UP = re.compile(
    r"^\s*((warning |danger |red flag )?(signs?|symptoms?)|red flags?|treatment|management) "
    r"(of|that|a|an|the|my|your|his|her|their|to|in|for|when|which|you|someone)\b"
)
# Asking how to talk about or prevent something, even with "my": "how do I talk to my son about self-harm?"
_ADVICE = re.compile(
    r"\b(how (do|can|should) (i|we) (talk|ask|bring up|support|prevent|reduce the risk)|how to (talk|ask|support|"
    r"prevent)|talk to .{1,30} about|ways to (prevent|reduce))\b"
)
# It is happening now ("having", "just"), not a past history or a what-if.
_PRESENT = re.compile(
    r"\b(having|happening|now|just|just now|suddenly|started|starting|tonight|today|this morning|this afternoon|"
    r"this evening|currently|keeps|keep|is in|in the middle|right now|minutes ago|mins ago|min ago|hours ago|hour ago|"
    r"an hour|since|at the moment|still|took|taken|swallowed|tried to)\b"
)
# A change just now, as a clinician reports one: not an ongoing state ("still spiking", "keeps vomiting").
_CHANGED_NOW = re.compile(
    r"\b(now|just|suddenly|started|right now|minutes ago|mins ago|tonight|this morning|this afternoon|this evening)\b"
)
# "Still" after "can" asks what someone may still do ("can he still drive after his stroke last month?"): beside a
# past history, it does not make it happen now, as "still fitting" does.
_ONGOING = re.compile(r"\b(can|could|should|may|might|will|would)( [a-z]+){0,2} still\b")
# Only "now" itself outweighs an "if": "what do I do if he is not breathing right now".
_NOW = re.compile(r"\b(right now|now|currently|at the moment|just now)\b")
_HYPOTHETICAL = re.compile(
    r"(?<!know )(?<!sure )(?<!wonder )(?<!wondering )(?<!check )(?<!see )(?<!tell )\b(if|in case|what if|whenever|"
    r"next time|should .{1,40} ever|would it|could it be)\b"
)
_HISTORY = re.compile(
    r"\b(last (year|month|summer|winter|spring|autumn|fall)|years ago|months ago|in (19|20)\d\d|history of|"
    r"hx of|h o|previous|previously|in the past|used to|once had|back in (19|20)\d\d|back in the day|as a child|"
    r"when i was|recovered|ago when|"
    r"a few years|a year ago|a month ago|years back|had (a|an) .{1,30} (in|last|years|months|when))\b"
)
AGE = re.compile(
    r"\b(\d{1,3})\s*(day|days|d|week|weeks|wk|wks|w|month|months|mo|mths|year|years|yr|yrs|y)\s*(old|o)?\b"
)
AGE_YO = re.compile(r"\b(\d{1,3})\s*(yo|y o|yr old|year old|years old)\b|\b(\d{1,3})\s*[mf]\b")
PREGNANT = re.compile(r"\b(\d{1,2})\s*(weeks|wks|w)\s*(pregnant|gestation|along)\b|\b\d{2}\s*40\b")


@dataclass(frozen=True)
class Frame:
    """How a question speaks: about someone's present situation, a past history, or in general."""

    personal: bool
    present: bool
    history: bool
    teaching: bool
    hypothetical: bool
    # Something happens now beside a past history: a present word other than an ability's "still".
    news: bool = False
    # Someone speaks of themselves or someone close ("my husband", "I took"), not of a patient.
    own_voice: bool = False
    # In a clinician's words: a patient, a dose, management, a guideline.
    clinical: bool = False
    # Something changed just now ("now swelling", "suddenly"), not an ongoing state ("still spiking").
    changed_now: bool = False

    @classmethod
    def read(cls, text: str, weak_cues: bool, asking: bool = False, findings: int = 0) -> Frame:
        """`text` normalised; `asking`: the question as typed asks something (a "?" or a question word);
        `findings`: how many comma-separated findings it lists."""
        personal_text = _INTRAMUSCULAR.sub(" ", _PROFESSIONAL.sub(" ", text))
        strong = bool(_STRONG_PERSONAL.search(personal_text))
        clinical = bool(_CLINICAL.search(text))
        # A patient (weak_cues) speaks of themselves or someone close unless they speak clinically. A
        # clinician's "she" is a patient in their care: asking how to manage is a question, but reporting a
        # case in front of them ("72F, RR 28, BP 84/50") is an emergency.
        reporting = not weak_cues and not asking and (bool(_CASE.search(text)) or findings >= 3)
        personal = strong or (weak_cues and not clinical) or reporting
        present = bool(_PRESENT.search(text))
        looks_up = bool(_LOOK_UP.search(text)) and not present
        teaching = (bool(_TEACHING.search(text)) and not strong) or bool(_ADVICE.search(text)) or looks_up
        hypothetical = bool(_HYPOTHETICAL.search(text)) and not _NOW.search(text)
        news = bool(_PRESENT.search(_ONGOING.sub(" ", text)))
        history = bool(_HISTORY.search(text))
        changed = bool(_CHANGED_NOW.search(text))
        return cls(
            personal,
            present,
            history,
            teaching,
            hypothetical,
            news,
            own_voice=strong,
            clinical=clinical,
            changed_now=changed,
        )

    def allows(self, kind: Kind) -> bool:
        if kind is Kind.CRISIS:
            return not self.teaching
        if self.teaching or self.hypothetical or not self.personal or (self.history and not self.news):
            return False
        return kind is Kind.SYMPTOM or self.present


# A clause that opens with a question word: "..., what tablets will he be on", not "thrown up what looks like".
_CLAUSE_QUESTION = re.compile(
    r"(^|[,.;:!]|\s-)\s*(what|which|when|how|why|who|should|can|could|is|are|does|do|would|will|any|tell me|"
    r"give me)\b"
)
# Someone unable to do something now ("can't get up", "won't wake"): a present state, however the question asks.
_UNABLE = re.compile(r"\b(cant|can t|cannot|wont|won t|unable|not able|isnt|is not|doesnt|does not)\b")


def asks_for_information(question: str) -> bool:
    """The question asks (a "?" or a clause opening with a question word) and says nothing happens now: no
    present word ("now", "just", "suddenly", "this morning"...) and nobody unable to do something. "My husband
    had a heart attack, what tablets will he be on?" asks for information. Read only for the learned model,
    whose flags follow the voice ("my husband") as much as the trouble; the presentation tables read the
    trouble itself."""
    text = corrected(question)
    question = _without_working_diagnosis(question)
    asking = "?" in question or bool(_CLAUSE_QUESTION.search(question.lower()))
    return asking and not _PRESENT.search(text) and not _UNABLE.search(text)


# A working diagnosis put before a case, as clinicians note it: "?sepsis: HR 125, BP 85/50" or "anaphylaxis?
# tongue swelling after amoxicillin". Its "?" queries the diagnosis; the findings after it are what happens now.
_WORKING_DIAGNOSIS = re.compile(
    r"^\s*(\?\s*(?P<before>[a-z][a-z -]{2,30}?)|(?P<after>[a-z][a-z -]{2,30}?)\s*\?)\s*[:,;-]?\s+"
)


def _without_working_diagnosis(question: str) -> str:
    """The question without a leading working diagnosis ("sepsis?"), when what follows asks nothing itself."""
    found = _WORKING_DIAGNOSIS.match(question.lower())
    if found is None or not find_concepts(found["before"] or found["after"]):
        return question
    rest = question[found.end() :]
    return question if "?" in rest or _CLAUSE_QUESTION.search(rest.lower()) else rest


def read_frame(question: str, *, weak_cues: bool = True) -> Frame:
    """How the question speaks (see `Frame`): what the learned model's flags are checked against too."""
    return frame_of(question, corrected(question), find_concepts(question), weak_cues)


def frame_of(question: str, text: str, concepts: frozenset[str], weak_cues: bool) -> Frame:
    """`read_frame` from the question's corrected text and concepts, when the caller has them already."""
    question = _without_working_diagnosis(question)
    asking = "?" in question or bool(_INTERROGATIVE.search(normalise(question))) or _lists_topics(text)
    if not _PUNCTUATION.search(question):
        # Typed without punctuation, a case's findings run together ("r leg cold white pulseless 2h cant move
        # toes"): the clinical concepts it names stand for the findings commas would have separated.
        findings = len(concepts)
    else:
        # Findings joined by "and" count too ("ate peanuts, lips and tongue swelling and now wheezy"): a case is
        # as many findings as it lists or names, whichever is more.
        findings = max(len(re.split(r"[,;+]", question)), len(concepts - {"now"}))
    return Frame.read(text, weak_cues, asking, findings=findings)


_PUNCTUATION = re.compile(r"[,;+.?!]")
# What a clinician's terse topic list asks for ("anaphylaxis, adrenaline dose, repeat interval"): a list of what
# to look up, not of a patient's findings.
_MANAGEMENT_TOPIC = re.compile(
    r"\b(dose|doses|dosing|timing|threshold|thresholds|interval|choice|choices|first line|second line|duration|"
    r"target|targets|regimen|criteria|indications|management|options|monitoring|investigations|work ?up|"
    r"rate|rates|per kg|"
    r"protocol|guideline|guidelines|pathway|algorithm|differentials?|ddx|"
    # "<treatment> for <condition>" asks which treatment: "antibiotics for febrile neutropenia with...".
    r"(antibiotics?|abx|analgesia|painkillers|fluids|anticoagulation|prophylaxis|treatment) for)\b"
)


def _lists_topics(text: str) -> bool:
    """A topic list: it names what it asks about and holds no case (no number, no age, sex or observation, nothing
    said to happen now)."""
    return (
        bool(_MANAGEMENT_TOPIC.search(text))
        and not re.search(r"\d", text)
        and not _CASE.search(text)
        and not _PRESENT.search(text)
    )


def corrected(question: str) -> str:
    """The question normalised, with slips of the words that say someone is in trouble now put back."""
    return _frame_slips().correct(normalise(question))


@lru_cache(maxsize=1)
def _frame_slips() -> SlipCorrector:
    """Slips of the words that say someone is in trouble now ("husabnd", "jsut", "pregnnat"), put back.

    Only towards the cues that let an emergency through: a missed emergency costs far more than a false one,
    so a slip may restore "my husband" or "just now", never make a question read as teaching, history or a
    what-if."""
    patterns = [_CASE, _STRONG_PERSONAL, _WEAK_PERSONAL, _PRESENT, _NOW, AGE, AGE_YO, PREGNANT]
    blocking = pattern_words([_PROFESSIONAL, _CLINICAL, _TEACHING, _ADVICE, _HYPOTHETICAL, _HISTORY])
    return SlipCorrector(pattern_words(patterns) - blocking, english_words())
