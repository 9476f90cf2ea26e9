"""Is the latest user turn an emergency? Presentations by body system, then a generic acuity layer.

1. The question is read as clinical concepts (`service.triage.concepts.find_concepts`) plus the populations it
   names: an infant under three months, a child, a pregnancy, an older adult.
2. The presentations of `service.triage.red_flags` are matched against those concepts. A match counts only in
   the right frame: someone's present situation, not a past history ("had a stroke last year") and not a
   teaching question ("how is thunderclap headache investigated?"); see `Frame`.
3. When no presentation matches, the acuity layer asks what every emergency shares: sudden onset with
   severity out of proportion, altered consciousness, a breathing difficulty, bleeding that will not stop,
   a cold or pulseless limb, or an alarming symptom in a young infant or a pregnancy, told in the present.

It runs on the question alone, before retrieval, so an emergency typed mid-conversation is caught even
when the conversation was about something else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from service.triage.concepts import english_words, find_concepts
from service.triage.red_flags import PRESENTATIONS, Kind, Presentation
from service.triage.slips import SlipCorrector, pattern_words
from service.triage.words import normalise

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
    r"how (is|are) .{1,60} (managed|treated|assessed|investigated|diagnosed|recognised|recognized)|"
    r"what is the (management|treatment|first line|dose|definition)|is .{1,60} a sign of|"
    r"when (should|do|is) .{1,60} (refer|referred|admit|admitted|escalate|escalated)|"
    r"what are the|which .{1,40} (suggest|indicate|mean)|how do (you|we|i) (tell|recognise|recognize|spot)|"
    r"is it true)\b"
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
_AGE = re.compile(
    r"\b(\d{1,3})\s*(day|days|d|week|weeks|wk|wks|w|month|months|mo|mths|year|years|yr|yrs|y)\s*(old|o)?\b"
)
_AGE_YO = re.compile(r"\b(\d{1,3})\s*(yo|y o|yr old|year old|years old)\b|\b(\d{1,3})\s*[mf]\b")
_PREGNANT = re.compile(r"\b(\d{1,2})\s*(weeks|wks|w)\s*(pregnant|gestation|along)\b|\b\d{2}\s*40\b")


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
        teaching = (bool(_TEACHING.search(text)) and not strong) or bool(_ADVICE.search(text))
        hypothetical = bool(_HYPOTHETICAL.search(text)) and not _NOW.search(text)
        news = bool(_PRESENT.search(_ONGOING.sub(" ", text)))
        return cls(personal, present, bool(_HISTORY.search(text)), teaching, hypothetical, news)

    def allows(self, kind: Kind) -> bool:
        if kind is Kind.CRISIS:
            return not self.teaching
        if self.teaching or self.hypothetical or not self.personal or (self.history and not self.news):
            return False
        return kind is Kind.SYMPTOM or self.present


def populations(text: str, concepts: frozenset[str]) -> set[str]:
    """@infant (under three months), @child, @pregnant, @older, from ages and words the text gives."""
    found: set[str] = set()
    if _PREGNANT.search(text) or "pregnancy" in concepts:
        found.add("@pregnant")
    if re.search(r"\b(newborn|new born|neonate|neonatal)\b", text):
        found |= {"@infant", "@child"}
    for match in re.finditer(r"\b(\d{1,2}) (52|12)\b", text):
        # "6/52" (weeks) and "2/12" (months) in clinical shorthand.
        weeks = int(match.group(1)) * (1 if match.group(2) == "52" else 4.3)
        found |= {"@infant", "@child"} if weeks < 13 else {"@child"}
    for match in _AGE.finditer(text):
        if _PREGNANT.match(text, match.start()):
            continue
        number, unit = int(match.group(1)), match.group(2)
        if unit.startswith(("d", "w")) and number <= 13 and (match.group(3) or "infant_word" in concepts):
            found |= {"@infant", "@child"}
        elif unit.startswith("mo") or unit == "mths":
            found |= {"@infant", "@child"} if number < 3 else {"@child"}
        elif unit.startswith("y") and match.group(3):
            found.add("@child" if number < 16 else "@older" if number >= 75 else "@adult")
    for match in _AGE_YO.finditer(text):
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
        # A count of tablets taken at once ("taken 40 paracetamol tablets"), not a daily regimen ("8 tablets a day").
        (
            r"\b(\d{1,3}) (?:[a-z]+ ){0,2}(?:pills|tablets|tabs|capsules|caps)\b"
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
    text = _frame_slips().correct(normalise(question))
    if not text:
        return None
    found = find_concepts(question)
    concepts = found | populations(text, found) | observations(text)
    frame = _frame(question, text, found, weak_cues)
    for presentation, groups in _MOST_SPECIFIC_FIRST:
        if all(group & concepts for group in groups) and frame.allows(presentation.kind):
            return _emergency(presentation, concepts)
    if frame.allows(Kind.SYMPTOM) and not asks_for_information(question):
        # The generic layer reads what no table names, as the learned model does: not a request for information
        # in which nothing happens now ("what can help my grandad who gets confused in hospital?").
        return acuity(concepts)
    return None


# A clause that opens with a question word: "..., what tablets will he be on", not "thrown up what looks like".
_CLAUSE_QUESTION = re.compile(
    r"(^|[,.;:!]|\s-)\s*(what|which|when|how|why|who|should|can|could|is|are|does|do|would|will|any)\b"
)
# Someone unable to do something now ("can't get up", "won't wake"): a present state, however the question asks.
_UNABLE = re.compile(r"\b(cant|can t|cannot|wont|won t|unable|not able|isnt|is not|doesnt|does not)\b")


def asks_for_information(question: str) -> bool:
    """The question asks (a "?" or a clause opening with a question word) and says nothing happens now: no
    present word ("now", "just", "suddenly", "this morning"...) and nobody unable to do something. "My husband
    had a heart attack, what tablets will he be on?" asks for information. Read only for the learned model,
    whose flags follow the voice ("my husband") as much as the trouble; the presentation tables read the
    trouble itself."""
    text = _frame_slips().correct(normalise(question))
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
    return _frame(question, _frame_slips().correct(normalise(question)), find_concepts(question), weak_cues)


def _frame(question: str, text: str, concepts: frozenset[str], weak_cues: bool) -> Frame:
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


@lru_cache(maxsize=1)
def _frame_slips() -> SlipCorrector:
    """Slips of the words that say someone is in trouble now ("husabnd", "jsut", "pregnnat"), put back.

    Only towards the cues that let an emergency through: a missed emergency costs far more than a false one,
    so a slip may restore "my husband" or "just now", never make a question read as teaching, history or a
    what-if."""
    patterns = [_CASE, _STRONG_PERSONAL, _WEAK_PERSONAL, _PRESENT, _NOW, _AGE, _AGE_YO, _PREGNANT]
    blocking = pattern_words([_PROFESSIONAL, _CLINICAL, _TEACHING, _ADVICE, _HYPOTHETICAL, _HISTORY])
    return SlipCorrector(pattern_words(patterns) - blocking, english_words())


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
