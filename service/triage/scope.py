"""Is a question medical at all? A small lexicon, word-shape rules and the corpus vocabulary; no model.

Only two kinds of request are out of scope: a non-medical task (write a cover letter, an SQL query, a
recipe; general knowledge such as sports results or travel; the administration of care, such as opening times
or a complaint) and an attempt to change the service's rules
(`service.triage.rule_changes`), which `service.triage.emergency` strips, leaving nothing to answer. A medical
question the corpus cannot answer is not out of scope: it gets insufficient_evidence, with what the corpus does
cover. An injury ("the dog bit him") is medical, whatever everyday words surround it.

`assess_scope` sorts a question before retrieval:

- OUT: a non-medical task or topic with no medical word; or, with no conversation to continue, most of
  its content words are unknown to the corpus and none is medical ("a good pasta recipe?");
- IN: it has medical vocabulary; or it continues a conversation (an article being read, earlier turns),
  where "so X or not?" or "what about her meds?" are plainly clinical; or every content word is one the
  corpus uses or a word follow-ups are made of ("how long for?", "and in kids?");
- UNSURE: in between; retrieval decides between an answer and an abstention.

So an unusual medical word missing from the lexicon does not block an answer when the corpus knows it.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable
from enum import StrEnum

from service.triage.conditions import names_a_condition
from service.triage.lay_terms import is_lay_medical
from service.triage.words import normalise


class Scope(StrEnum):
    IN = "in"
    OUT = "out"
    UNSURE = "unsure"


_TERMS = set(
    """
    abdomen abdominal abscess ache aches acid acute addiction adrenaline adverse aids alcohol allergy allergic
    anaemia anemia anaesthesia anesthesia analgesia aneurysm angina ankle antibiotic antibiotics anticoagulant
    anticoagulants anticoagulation antidepressant anxiety aorta arrhythmia artery arthritis asthma baby back
    bacteria bacterial biopsy birth bleed bleeding blood bmi bone bowel brain breast breath breathing breathless
    bronchitis burn burns calcium cancer cardiac cardiology care cell cervical chemo chemotherapy chest child
    children cholesterol chronic clinical clot colon coma constipation contraception copd cough covid cramp
    cramps ct cure cyst deficiency delirium dementia dental depression dermatitis diabetes diabetic diagnose
    diagnosis diagnostic dialysis diarrhea diarrhoea diet disease disorder dizziness doctor dosage dose doses drug
    drugs dyspnea dyspnoea ear ecg eczema edema oedema embolism emergency epilepsy eye fatigue fever fibrillation
    flu fluid fluids fracture gene genetic gland glucose gut headache health hearing heart hepatitis hernia hip
    hiv hormone hospital hypertension hypotension ill illness immune immunisation immunization infant infants
    infection infections inflammation influenza injection injury insulin intravenous iv joint kidney knee labour
    labor lesion leukemia leukaemia liver lung lungs lymph lymphoma malaria mass medical medication medicine
    medicines meningitis menopause menstrual mental metastasis metastases migraine mri muscle nausea neonate
    nerve neuro neurological newborn nurse nutrition obesity obstetric oncology opioid opioids oral osteoporosis
    overdose oxygen paediatric pediatric pain palliative pancreas paralysis patient patients pharmacist pill pills
    placenta pneumonia poison poisoning potassium pregnancy pregnant prescription prognosis prostate psychiatric
    psychosis pulse radiation radiotherapy rash rehabilitation renal respiratory resuscitation risk scan
    screening seizure seizures sepsis sexual sick side skin sleep smoking sodium spine spinal stomach stroke
    surgery surgical swelling symptom symptoms syndrome therapy throat thyroid tissue toxicity transplant trauma
    treat treatment tuberculosis tumor tumour ulcer ultrasound urine urinary uterus vaccine vaccination vein
    virus viral vitamin vomiting weight wound xray af doac doacs inr egfr ckd aki dvt pe mi stemi nstemi acs
    tia copd uti dka bp hba1c ssri ssris nsaid nsaids ppi icu ed gp ae acne lice scabies warts shoulder elbow
    wrist hand foot feet toe finger neck head face hair nail tooth teeth gum tongue lip nose sinus bladder eyes
    vision hips knees ankles spleen gallbladder thyroid adrenal ovary ovaries testis testicle penis vagina vulva
    """.split()
)
_SHAPES = re.compile(
    r"(itis|emia|aemia|oma|omas|osis|pathy|ectomy|otomy|plasty|algia|cillin|mycin|cycline|floxacin|pril|sartan|"
    r"olol|statin|azole|mab|nib|pine|prazole|parin|xaban|gatran|tide|lukast|caine|uria|penia|trophy|scopy|gram|"
    r"farin|micin|vir|dronate|gliflozin|gliptin|semide|thiazide|pox|"
    # Drug name stems (USAN/INN) the endings above miss: sertraline, diazepam, oxycodone, ibuprofen, clopidogrel...
    r"oxetine|traline|italopram|azepam|azolam|codone|profen|proxen|fenac|oxicam|coxib|trigine|setron|peridol|"
    r"dogrel|sugrel|grelor|solone|sonide|olone|sone|etam|proate|triptan|terol|tropium|afil|glitazone|glinide|"
    r"faxine|triptyline|pramine|plase|tidine|etanide|thalidone|zosin|orphine|fentanyl|barbital|iramate)$"
)

# Beginnings of medical words the lexicon cannot list in every form ("anticoagulate", "haemorrhagic").
_MEDICAL_STEMS = (
    "anticoag",
    "antibiot",
    "antidepress",
    "antipsych",
    "antiplatel",
    "thromb",
    "haem",
    "hem",
    "cardi",
    "neur",
    "nephr",
    "hepat",
    "gastr",
    "pulmon",
    "oncolog",
    "infect",
    "diabet",
    "insulin",
    "vaccin",
    "pregn",
    "gestat",
    "obstet",
    "paediat",
    "pediat",
    "psych",
    "surg",
    "pharm",
    "medic",
    "clinic",
    "diagnos",
    "symptom",
    "therap",
    "dosing",
    "transfus",
    "steroid",
    "analges",
    "opioid",
    "morphin",
    "fractur",
    "bleed",
    "contracep",
    "allerg",
    "immun",
    "intub",
    "ventilat",
    "resusc",
    "catheter",
    "arrhythm",
    "fibrillat",
    "hypert",
    "hypogly",
    "hypergly",
    "hypo",
    "hyper",
    "metasta",
    "tumour",
    "tumor",
    "carcinom",
    "lymph",
    "leuk",
    "sepsis",
    "septic",
    "embol",
    "anaem",
    "anem",
    "seiz",
    "epilep",
    "dement",
    "delir",
    "stroke",
    "asthm",
    "bronch",
    "pneum",
    "urin",
    "renal",
    "treat",
    "prescri",
    "diseas",
    "disorder",
    "syndrom",
    "infant",
    "arthr",
    "derma",
    "ophthal",
    "apnoe",
    "apne",
    "insomn",
    "vertig",
    "erecti",
    "incontin",
    "menstru",
    "menopaus",
    "fertil",
    "prostat",
)

# Words a follow-up is made of: meaningful only with the conversation they continue.
FOLLOWUP_WORDS = frozenset(
    """
    long often much many dose doses dosing duration first second line alternative alternatives instead else
    other next then after before still safe safer ok okay fine kids kid children child adults adult elderly
    older old young women woman men man girls boys teenagers teens infants toddlers age aged week weeks day days
    month months year years time times hours hour minutes high low higher lower stop stopping start starting
    continue switch change increase decrease reduce max maximum minimum min best preferred choice option options
    same different contraindicated contraindications allergic allergy pregnancy pregnant breastfeeding renal
    kidney liver failure impairment why when
    """.split()
)

STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are arent as at be because been before being below
    between both but by can cant could couldnt did didnt do does doesnt doing dont down during each few for from
    further had hadnt has hasnt have havent having he hed hes her here heres hers herself him himself his how hows
    i id ill im ive if in into is isnt it its itself lets me more most mustnt my myself no nor not of off on once
    only or other ought our ours ourselves out over own same shant she shed shes should shouldnt so some such
    than that thats the their theirs them themselves then there theres these they theyd theyll theyre theyve
    this those through to too under until up very was wasnt we wed well were weve werent what whats when whens
    where wheres which while who whos whom why whys will with wont would wouldnt you youd youll youre youve your
    yours yourself yourselves s t d ll re ve m please tell know want need like get give gives given make use used
    using say says said thing things way ways does what whats hi hello thanks thank yes yeah ok okay just really
    actually maybe anything something everything someone anyone one two three
    """.split()
)

_WORD = re.compile(r"[a-z0-9]+")

# What a writing task produces when it is not a medical question. A "post" is one only for a platform or an
# occasion ("a LinkedIn post", "a post announcing..."): a "post-op dose" is a clinical question, and "class" is
# a programmer's, not a "class of drugs".
_ARTIFACT = (
    r"(cover letter|letter|email|e mail|poem|haiku|limerick|essay|story|song|speech|tweet|blog|"
    r"(thank you|thankyou|thanks|get well|birthday|leaving|retirement|sympathy) (note|card|message)|"
    r"((blog|linkedin|facebook|instagram|twitter|reddit|forum|social media) )post|"
    r"post (about|announcing|celebrating|thanking|saying|for (my|our|the) (team|friends|followers))|"
    r"cv|resume|code|script|program|function|class(?! of)|query|sql|regex|macro|spreadsheet|joke|slogan|"
    r"rota|timetable|itinerary|invitation|caption|bio|newsletter|playlist|toast|eulogy|press release|"
    r"(shopping|packing|to do|todo) list|summary of the (film|movie|book|match))"
)
# A task that is not a medical question, whatever the words around it: "write me a cover letter". The verbs
# whose object is always something written may have a word or two before it ("draft a rota", "write a
# LinkedIn post"); "give" and "make" only with the artifact right after ("give a post-op dose" asks a dose).
_TASK = re.compile(
    rf"\b(write|draft|compose|generate|create) (me |us )?(a |an |the |my |some |our )?([a-z]+ ){{0,2}}{_ARTIFACT}\b"
    rf"|\b(make|give) (me |us )?(a |an |the |my |some )?(short |quick |nice |funny |formal |new )?{_ARTIFACT}\b"
    r"|\btell (me |us )?(a |an |another |some )?([a-z]+ )?(joke|jokes|riddle|bedtime story)\b"
    r"|\b(sql|python|javascript|typescript|java|c\+\+|html|css|regex|excel|bash|powershell) (query|code|script|"
    r"function|formula|program|snippet)\b|\btranslate\b|\b(in|using) (python|javascript|sql|excel|bash)\b"
    r"|\b(python|javascript|sql|excel|bash) (script|code|query|macro)\b|\bin bullet points\b"
    r"|\b(write|sign) me (a )?prescription\b|\bprescribe (for )?me personally\b|\byou d prescribe me\b"
    r"|\b(running|training|workout|exercise|study|revision) plan\b|\bexplain how .{1,40} works\b"
    # The administration of care, not a medical question: opening times, complaints, sick notes, a good hospital.
    r"|\b(opening (times|hours)|what time does .{1,40} (open|close)|visiting (hours|times)|phone number (for|of)|"
    r"(make|file|raise|put in) a complaint|complain about|sick note|fit note|"
    r"recommend (me )?a (good )?(hospital|doctor|gp|clinic|dentist|surgeon|consultant|physio))\b"
    # Arithmetic, and the time somewhere: general knowledge ("what's 17 times 23?"; not "2 times a day").
    r"|^(what is|whats|calculate|work out|how much is) \d+ (times|plus|minus|multiplied by|divided by|x) \d+$"
    r"|\bwhat time is it\b(?! (best|safe|ok|okay|better))"
)
# What a non-medical task is read from, for service.triage.slips to put their words' slips back.
TASK_PATTERNS: tuple[re.Pattern[str], ...] = (_TASK,)
# Topics of general knowledge and everyday life: out of scope when no medical word is asked about. Not "score"
# or "history": a clinician's "Wells score 5" and "history of falls" are the words of a case; a sports score or a
# history lesson names its own unknown words ("arsenal", "roman empire"), which leave it out of scope anyway.
_GENERAL = frozenset(
    """
    recipe recipes bake baking cake bread pasta dinner lunch restaurant hotel hotels hostel holiday vacation
    itinerary trail trails hiking hike football soccer league championship cup tournament match team
    won win winner election president minister capital weather forecast movie movies film films song songs
    lyrics poem poetry novel book books joke jokes code coding sql python javascript html css database
    programming compile laptop computer phone wifi password install software app tap faucet plumbing plumber
    boiler car engine tyre tire bike bicycle stock stocks shares invest investing bitcoin crypto mortgage tax
    taxes homework math maths equation essay letter email cv resume interview job salary birthday gift
    wedding garden gardening dog cat puppy kitten translate translation french spanish german chess
    blockchain bitcoin war wars
    """.split()
)
GENERAL_TOPICS = _GENERAL


def _medical_word(word: str) -> bool:
    return (
        word in _TERMS
        or word.rstrip("s") in _TERMS
        or names_a_condition(word)
        or (len(word) > 5 and bool(_SHAPES.search(word)))
    )


def is_generic_medical_word(word: str) -> bool:
    """A word of the general medical lexicon ("patient", "pharmacist"), as opposed to a specific term: a named
    condition ("migraine") is what a question asks about, never context."""
    return (word in _TERMS or word.rstrip("s") in _TERMS) and not names_a_condition(word)


def content_words(question: str) -> list[str]:
    return [w for w in normalise(question).split() if w not in STOPWORDS and not w.isdigit()]


def is_non_medical_task(question: str) -> bool:
    """A task that is not a medical question ("write me a Python script"), whatever surrounds it."""
    return bool(_TASK.search(normalise(question)))


def is_non_medical_topic(question: str) -> bool:
    """General knowledge or everyday life ("who won the cup final?") with no medical word beside it.

    An injury done by an animal or a thing is no everyday topic ("the dog bit him", "stung at the football",
    "swallowed a battery from the car key"): what happened to someone is a medical question, whatever it
    happened beside."""
    words = content_words(_STUDYING_MEDICINE.sub(" ", normalise(question)))
    if has_medical_word(words) or _INJURY.search(normalise(question)) or is_lay_medical(question):
        return False
    return any(word in _GENERAL for word in words)


# Studying or working in medicine is everyday life, not a medical question: "a good laptop for medical school".
_STUDYING_MEDICINE = re.compile(
    r"\b(medical|med|nursing|pharmacy) (school|schools|student|students|degree|course|exams?|interviews?|"
    r"applications?|career|careers)\b"
)


# How an animal, an insect or a thing injures someone: the words that make an everyday scene a medical question.
_INJURY = re.compile(
    r"\b(bit (me|my|him|her|his|them|their|our|us|a)|bites?|bitten|stung|stings?|scratched|swallowed|ingested|"
    r"collapsed|knocked out|choking|choked|drowned|drowning|electrocuted)\b"
)


# Inside a conversation about a patient, whether an everyday thing is safe asks about that patient: "is it safe to
# keep working in a stressful job?" after a question on pre-eclampsia.
_SAFETY = re.compile(r"\b(safe|safely|unsafe|dangerous|risky|harmful|allowed|advisable)\b")


def has_medical_word(words: list[str]) -> bool:
    """A word of the medical lexicon, a medical word shape ("-itis", "-olol") or stem ("cardi", "haem")."""
    return any(_medical_word(word) or word.startswith(_MEDICAL_STEMS) for word in words)


def assess_scope(question: str, vocabulary: Container[str], has_context: bool) -> Scope:
    """Sort a question before retrieval; see the module docstring."""
    text = normalise(question)
    words = content_words(question)
    # An injury ("the dog bit him") is a medical question whatever words the corpus lacks.
    medical = has_medical_word(words) or bool(_INJURY.search(text)) or is_lay_medical(question)
    if _TASK.search(text) or (is_non_medical_topic(question) and not (has_context and _SAFETY.search(text))):
        return Scope.OUT
    if medical:
        return Scope.IN
    if not words:
        # "why?" after an article is a follow-up; alone, or an instruction stripped to nothing, it asks nothing.
        return Scope.IN if has_context else Scope.OUT
    if has_context:
        # Inside a conversation about an article, a terse question continues it.
        return Scope.IN
    followup = [w for w in words if w in FOLLOWUP_WORDS]
    known = [w for w in words if w in FOLLOWUP_WORDS or w in vocabulary]
    if len(known) == len(words) and len(followup) < len(words):
        return Scope.IN
    if 2 * len(known) >= len(words):
        return Scope.UNSURE
    return Scope.OUT


def vocabulary(texts: Iterable[str]) -> frozenset[str]:
    """The normalised words of the corpus, for `assess_scope`."""
    words: set[str] = set()
    for text in texts:
        words.update(_WORD.findall(normalise(text)))
    return frozenset(words)
