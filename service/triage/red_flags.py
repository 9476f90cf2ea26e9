"""The red-flag presentations, organised by body system so that nothing falls between tables.

A presentation is a conjunction of concept groups (`service.triage.symptom_concepts`): every group must be
present, and a group is satisfied by any of its concepts. "headache + sudden|worst" is a headache that
came on suddenly or is the worst ever. Populations enter as concepts too: `@infant` (under three months,
told from the age the question gives or "newborn"), `@child`, `@pregnant`, `@older`.

What a match means depends on its kind (`service.triage.emergency` decides):

- `symptom`: a description of what is happening; it counts when someone's present situation is told;
- `condition`: a diagnosis named ("stroke", "anaphylaxis"); it also needs a sign that it is happening now,
  so "my dad had a stroke last year" stays a question;
- `crisis`: suicidal intent, self-harm or harm to others; it counts unless the question is plainly a
  clinician's teaching question, and is never refused as out of scope.

Below the tables, `service.triage.emergency` applies a generic acuity layer for presentations none of them names.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

BODY_SYSTEMS = (
    "airway-breathing",
    "circulation",
    "neurological",
    "eye",
    "ent",
    "chest",
    "abdominal",
    "obstetric-gynaecological",
    "paediatric",
    "poisoning-ingestion",
    "environmental",
    "metabolic",
    "mental-health",
    "trauma",
    "skin-soft-tissue",
)


class Kind(StrEnum):
    SYMPTOM = "symptom"
    CONDITION = "condition"
    CRISIS = "crisis"


@dataclass(frozen=True)
class Presentation:
    name: str
    system: str
    # Concept groups, all required: "headache + sudden|worst".
    pattern: str
    kind: Kind = Kind.SYMPTOM
    # What to search the corpus for: the question says "my wife", the corpus says "anaphylaxis".
    topic: str = ""
    # One sentence for a patient, after the call-for-help line: what to do while help comes.
    advice: str = ""

    @property
    def groups(self) -> tuple[frozenset[str], ...]:
        return tuple(frozenset(p.strip() for p in group.split("|")) for group in self.pattern.split("+"))

    @property
    def suicide(self) -> bool:
        return self.system == "mental-health"


S, C, X = Kind.SYMPTOM, Kind.CONDITION, Kind.CRISIS
_AIRWAY = "emergency management of acute breathing difficulty"
_SEPSIS = "initial management of suspected sepsis"
_ACS = "initial emergency management of acute coronary syndrome and chest pain"
_STROKE = "acute management of suspected stroke"
_ANAPHYLAXIS = "emergency treatment of anaphylaxis with intramuscular adrenaline"
_SUICIDE = "immediate assessment and management of suicidal thoughts and self-harm"
_PREGNANCY = "emergency management of bleeding or severe pre-eclampsia in pregnancy"
_BLEEDING = "initial management of severe bleeding"
_CONSCIOUSNESS = "emergency management of prolonged seizures and reduced consciousness"
_ADRENALINE = "If an adrenaline auto-injector is available, use it now."
_STILL = "Do not eat or drink anything while you wait, and note the time it started."

PRESENTATIONS: tuple[Presentation, ...] = (
    # Mental health first: crisis guidance must win over any other reading of the same words.
    Presentation("risk of suicide", "mental-health", "suicidal", X, _SUICIDE),
    Presentation("self-harm", "mental-health", "self_harm", X, _SUICIDE),
    Presentation("risk of harm to others", "mental-health", "harm_others", X, _SUICIDE),
    Presentation("risk of suicide", "mental-health", "suicidal_word", S, _SUICIDE),
    Presentation("acute psychosis with risk", "mental-health", "psychosis + danger_to_others|postpartum|@child", S),
    Presentation("risk of suicide", "mental-health", "stockpile + pills", X, _SUICIDE),
    # Airway and breathing.
    Presentation("severe breathing difficulty", "airway-breathing", "breathless_severe", S, _AIRWAY),
    Presentation("cyanosis", "airway-breathing", "blue", S, _AIRWAY),
    Presentation(
        "possible anaphylaxis",
        "airway-breathing",
        "airway_swelling + allergy_trigger|anaphylaxis_word|breathless|breathless_severe|shock|blue|dysphagia",
        S,
        _ANAPHYLAXIS,
        _ADRENALINE,
    ),
    Presentation(
        "possible anaphylaxis",
        "airway-breathing",
        "allergy_trigger|anaphylaxis_word + breathless|breathless_severe|shock|blue|throat_swelling",
        S,
        _ANAPHYLAXIS,
        _ADRENALINE,
    ),
    Presentation("airway swelling", "airway-breathing", "throat_swelling", S, _ANAPHYLAXIS),
    Presentation("possible anaphylaxis", "airway-breathing", "anaphylaxis_word", C, _ANAPHYLAXIS, _ADRENALINE),
    Presentation(
        "life-threatening asthma",
        "airway-breathing",
        "inhaler_failing|asthma + inhaler_failing|breathless_severe|blue",
        S,
    ),
    Presentation("upper airway obstruction", "ent", "drooling + breathless|breathless_severe|fever|throat_abscess", S),
    # Circulation.
    Presentation("uncontrolled bleeding", "circulation", "bleeding_uncontrolled", S, _BLEEDING),
    Presentation("bleeding with shock", "circulation", "bleeding + shock", S, _BLEEDING),
    Presentation("acute limb ischaemia", "circulation", "limb_ischaemia", S),
    Presentation(
        "possible sepsis",
        "circulation",
        "fever|infection + drowsy_confused|shock|blue|breathless_severe|rash_nonblanching|unresponsive",
        S,
        _SEPSIS,
    ),
    Presentation("neutropenic sepsis", "circulation", "chemo + fever", S, _SEPSIS),
    Presentation("possible sepsis or meningitis", "circulation", "sepsis_word", C, _SEPSIS),
    Presentation(
        "possible aortic dissection", "circulation", "tearing + chest_pain|back_pain|abdominal_pain|sudden", S
    ),
    Presentation("possible ruptured aneurysm", "circulation", "aneurysm + abdominal_pain|back_pain|shock|sudden", S),
    # Chest.
    Presentation(
        "possible heart attack",
        "chest",
        "chest_pain + cardiac_spread|sudden|worst|shock|breathless|breathless_severe",
        S,
        _ACS,
        "If you are not allergic to it, chew one 300 mg aspirin while you wait.",
    ),
    Presentation("possible heart attack", "chest", "heart_attack", C, _ACS),
    Presentation("possible pulmonary embolism", "chest", "chest_pain|breathless + clot_risk|haemoptysis", S),
    Presentation("massive haemoptysis", "chest", "haemoptysis + bleeding_uncontrolled|breathless_severe|shock", S),
    Presentation(
        "palpitations with collapse", "chest", "palpitations + shock|chest_pain|breathless_severe|unresponsive", S
    ),
    # Neurological.
    Presentation("thunderclap headache", "neurological", "headache + sudden|worst", S, advice=_STILL),
    Presentation("possible meningitis", "neurological", "headache|fever + neck_stiff|rash_nonblanching", S, _SEPSIS),
    Presentation("possible stroke", "neurological", "face_droop", S, _STROKE, _STILL),
    Presentation("possible stroke", "neurological", "one_sided_weakness", S, _STROKE, _STILL),
    Presentation("possible stroke", "neurological", "speech + sudden|face_droop|drowsy_confused|worst", S, _STROKE),
    Presentation("possible stroke", "neurological", "stroke", C, _STROKE, _STILL),
    Presentation("prolonged seizure", "neurological", "seizure + persisting|unresponsive|blue|breathless_severe", S),
    Presentation("reduced consciousness", "neurological", "unresponsive", S, _CONSCIOUSNESS),
    Presentation(
        "sudden confusion or drowsiness",
        "neurological",
        "drowsy_confused + sudden|vomiting|fever|headache|shock|breathless|unresponsive|cancer|diabetes",
        S,
        "urgent assessment of sudden confusion or drowsiness",
    ),
    Presentation("possible cauda equina syndrome", "neurological", "back_pain|legs_failing + saddle", S),
    Presentation(
        "possible spinal cord compression",
        "neurological",
        "legs_failing + sudden|back_pain|cancer|now",
        S,
        "emergency management of suspected spinal cord compression",
    ),
    # Eye.
    Presentation(
        "sudden loss of vision", "eye", "vision_loss + sudden|eye_pain_red|worst|face_droop|one_sided_weakness", S
    ),
    Presentation("possible retinal detachment", "eye", "field_loss", S),
    Presentation("acute angle-closure glaucoma", "eye", "eye_pain_red + vomiting|headache|vision_loss|worst", S),
    Presentation(
        "chemical eye injury", "eye", "chemical + eye", S, advice="Rinse the eye with clean running water now."
    ),
    Presentation("penetrating eye injury", "eye", "penetrating + eye", S),
    Presentation("orbital cellulitis", "eye", "eye_swelling + fever|vision_loss|worst", S),
    # ENT.
    Presentation("severe nosebleed", "ent", "nosebleed + persisting|bleeding_uncontrolled|anticoagulant|shock", S),
    Presentation("bleeding after tonsillectomy", "ent", "tonsillectomy + bleeding", S),
    Presentation("deep neck infection", "ent", "throat_abscess + fever|drooling|breathless", S),
    # Abdominal.
    Presentation(
        "possible gastrointestinal bleeding", "abdominal", "haematemesis", S, "management of upper GI bleeding"
    ),
    Presentation(
        "possible gastrointestinal bleeding",
        "abdominal",
        "melaena + shock|bleeding_uncontrolled",
        S,
        "management of upper GI bleeding",
    ),
    Presentation("possible testicular torsion", "abdominal", "testicle + sudden|worst|vomiting", S),
    Presentation("acute abdomen", "abdominal", "abdominal_pain + rigid_abdomen", S),
    Presentation("incarcerated hernia", "abdominal", "hernia + hernia_stuck", S),
    Presentation(
        "acute abdomen", "abdominal", "abdominal_pain + worst + shock|vomiting|sudden|fever|bilious|rigid_abdomen", S
    ),
    Presentation("possible bowel obstruction", "abdominal", "bilious|obstruction + vomiting|abdominal_pain|@infant", S),
    # Obstetric and gynaecological.
    Presentation("bleeding in pregnancy", "obstetric-gynaecological", "@pregnant + bleeding", S, _PREGNANCY),
    Presentation(
        "possible pre-eclampsia",
        "obstetric-gynaecological",
        "@pregnant + headache|vision_loss + preeclampsia_sign|worst|vision_loss",
        S,
        _PREGNANCY,
    ),
    Presentation("eclampsia", "obstetric-gynaecological", "@pregnant|postpartum + seizure", S, _PREGNANCY),
    Presentation("reduced fetal movements", "obstetric-gynaecological", "fetal_movements", S, _PREGNANCY),
    Presentation(
        "possible ectopic pregnancy",
        "obstetric-gynaecological",
        "missed_period + one_sided_pain|abdominal_pain + bleeding|shock|worst|sudden",
        S,
        _PREGNANCY,
    ),
    Presentation(
        "severe abdominal pain in pregnancy",
        "obstetric-gynaecological",
        "@pregnant + abdominal_pain + worst|sudden|shock",
        S,
        _PREGNANCY,
    ),
    Presentation(
        "postpartum haemorrhage",
        "obstetric-gynaecological",
        "postpartum + bleeding_uncontrolled|shock|bleeding",
        S,
        "management of postpartum haemorrhage",
    ),
    Presentation(
        "possible ovarian torsion",
        "obstetric-gynaecological",
        "ovary + sudden|worst + abdominal_pain|one_sided_pain",
        S,
    ),
    Presentation("cord prolapse", "obstetric-gynaecological", "cord_prolapse", S, _PREGNANCY),
    # Paediatric.
    Presentation(
        "fever in an infant under 3 months",
        "paediatric",
        "@infant + fever",
        S,
        "assessment of a febrile infant under 3 months",
    ),
    Presentation("seriously unwell infant", "paediatric", "@infant + floppy|breathless|blue|vomiting", S),
    Presentation("non-blanching rash", "skin-soft-tissue", "rash_nonblanching", S, _SEPSIS),
    Presentation("seriously unwell child", "paediatric", "@child + floppy + fever|vomiting|breathless|rash", S),
    Presentation("seriously unwell child", "paediatric", "@child + unresponsive|seizure", S, _CONSCIOUSNESS),
    # Poisoning and ingestion.
    Presentation(
        "possible overdose",
        "poisoning-ingestion",
        "overdose + pills|toxic_substance",
        S,
        "management of overdose and poisoning",
        "Keep the packets or bottle to show the ambulance crew; do not wait for symptoms.",
    ),
    Presentation(
        "possible carbon monoxide poisoning",
        "poisoning-ingestion",
        "co_exposure + headache + drowsy_confused|vomiting|unresponsive|sudden",
        S,
        advice="Get everyone into fresh air now.",
    ),
    # Environmental.
    Presentation("possible heatstroke", "environmental", "heat + drowsy_confused|unresponsive|seizure|vomiting", S),
    Presentation("possible hypothermia", "environmental", "cold_exposure + drowsy_confused|unresponsive|floppy", S),
    Presentation("drowning", "environmental", "drowning", S, _AIRWAY),
    Presentation("electrical injury", "environmental", "electric", S),
    Presentation("venomous bite", "environmental", "bite", S),
    Presentation(
        "smoke inhalation",
        "environmental",
        "fire_smoke + breathless|breathless_severe|drowsy_confused|haemoptysis",
        S,
        "management of severe burns and inhalation injury",
    ),
    # Metabolic.
    Presentation(
        "possible diabetic ketoacidosis",
        "metabolic",
        "diabetes|high_sugar + vomiting|abdominal_pain + breathless|drowsy_confused|high_sugar|unresponsive",
        S,
        "emergency management of diabetic ketoacidosis",
    ),
    Presentation(
        "possible diabetic ketoacidosis",
        "metabolic",
        "dka_word",
        C,
        "emergency management of diabetic ketoacidosis",
    ),
    Presentation("severe hypoglycaemia", "metabolic", "low_sugar|diabetes + drowsy_confused|unresponsive|seizure", S),
    Presentation(
        "possible dangerous potassium level",
        "metabolic",
        "missed_dialysis|dialysis + palpitations|weakness|legs_failing|missed_dialysis",
        S,
        "emergency treatment of severe hyperkalaemia",
    ),
    Presentation("possible adrenal crisis", "metabolic", "adrenal + vomiting|shock|unresponsive|drowsy_confused", S),
    # Trauma.
    Presentation("major trauma", "trauma", "major_trauma", S, _BLEEDING),
    Presentation("open fracture or amputation", "trauma", "open_fracture", S, _BLEEDING),
    Presentation("compartment syndrome", "trauma", "cast + pain_escalating + limb_threat", S),
    Presentation(
        "head injury with danger signs",
        "trauma",
        "head_injury + anticoagulant|head_injury_danger|unresponsive|drowsy_confused|seizure",
        S,
    ),
    Presentation(
        "major burn",
        "trauma",
        "burn + burn_severe|fire_smoke",
        S,
        "management of severe burns and inhalation injury",
        "Cool the burn with cool running water for 20 minutes; do not use ice.",
    ),
    # Skin and soft tissue.
    Presentation(
        "severe skin reaction or spreading infection", "skin-soft-tissue", "rash|skin_infection + skin_severe", S
    ),
)
