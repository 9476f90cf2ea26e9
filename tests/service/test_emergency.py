"""Emergency detection as a model of presentations: body systems, voices, time course, audience, acuity.

The questions are written for these tests, in lay, misspelt and shorthand voices; none is taken from the
development set (evals/devset), which is kept for measuring.
"""

from __future__ import annotations

import pytest

from service.triage.emergency import detect_emergency, observations
from service.triage.frame import read_frame
from service.triage.guidance import guidance
from service.triage.red_flags import BODY_SYSTEMS, PRESENTATIONS, Kind

# One presentation per body system, each in a voice of its own.
BY_SYSTEM = {
    "airway-breathing": "my girl is wheezing, the blue inhaler is doing nothing, she can only say one word at a time",
    "circulation": "my husbands foot has gone white and cold and he's in agony with it",
    "neurological": "worst headache of my life, came on in seconds while lifting weights",
    "eye": "got oven cleaner splashed in my eye at work",
    "ent": "nose bleed for an hour now, soaking towels, I take warfarin",
    "chest": "my mum has a heavy pressure in her chest spreading to her jaw and she's grey and sweaty",
    "abdominal": "my 15 year old has sudden terrible pain in one testicle and keeps being sick",
    "obstetric-gynaecological": "im 32 weeks pregnant with a pounding headache and blurry vision",
    "paediatric": "my 4 week old feels hot, thermometer says 38.4",
    "poisoning-ingestion": "my toddler just swallowed one of those little button batteries",
    "environmental": "my dad fell asleep in the snow and now he's confused and mumbling",
    "metabolic": "my son is type one, been vomiting all day, breathing deep and fast and hes very drowsy",
    "mental-health": "i have a rope ready and i want to end my life tonight",
    "trauma": "my grandma fell and banged her head, she's on apixaban",
    "skin-soft-tissue": "purple spots on my son that don't fade under a glass and he's burning up",
}


def test_every_body_system_has_presentations() -> None:
    assert {p.system for p in PRESENTATIONS} >= set(BODY_SYSTEMS)


@pytest.mark.parametrize("system", sorted(BY_SYSTEM))
def test_a_presentation_of_each_body_system_is_detected(system: str) -> None:
    assert detect_emergency(BY_SYSTEM[system]) is not None


@pytest.mark.parametrize(
    "question",
    [
        "sudenly the wrost hedache ive ever had",
        "my baby is 3 wks old and has a temprature",
        "my wifes face is droopy and her speach is slurry",
        "he has crushing chest pian and is sweatting",
        "fell off his bike and the bpne is poking through the skin of his shin",
        "her face has dropped on one sidde and she cant get her words out",
    ],
)
def test_misspelt_presentations_are_detected(question: str) -> None:
    assert detect_emergency(question) is not None


def test_a_short_symptom_word_is_not_read_into_a_slip_that_changes_its_first_letter() -> None:
    # "pone" and "wain" are not "bone" and "pain": a slip keeps the first letter.
    assert detect_emergency("fell off his bike and the pone is poking through the skin of his shin") is None


def test_a_correctly_spelt_ordinary_word_is_never_read_as_a_symptom_typo() -> None:
    # "never" is one letter from "fever", "heartburn" begins with "heart".
    assert detect_emergency("I have never had heartburn like this after dinner, is it my reflux?") is None


def test_a_past_episode_is_a_question_not_an_emergency() -> None:
    assert detect_emergency("my brother had a heart attack two years ago, can he take ibuprofen?") is None


def test_a_large_amount_of_blood_coughed_up_is_massive_haemoptysis() -> None:
    emergency = detect_emergency("is it normal to cough up this much blood, about a cupful just now")
    assert emergency is not None and emergency.flag == "massive haemoptysis"


def test_a_streak_of_blood_in_phlegm_is_not_massive_haemoptysis() -> None:
    assert detect_emergency("i coughed up a small streak of blood with my phlegm this morning, should i worry") is None


def test_a_count_of_tablets_taken_at_once_is_an_overdose() -> None:
    emergency = detect_emergency("I have taken 40 paracetamol tablets this morning")
    assert emergency is not None and emergency.flag == "possible overdose"


def test_a_daily_count_of_tablets_is_a_regimen_not_an_overdose() -> None:
    assert detect_emergency("is 8 tablets of paracetamol a day ok for my back pain") is None


def test_a_clinicians_topic_list_is_not_a_case() -> None:
    assert detect_emergency("febrile neutropenia - antibiotic choice and timing", weak_cues=False) is None


def test_the_acuity_layer_does_not_read_a_request_for_information() -> None:
    assert detect_emergency("what can help my grandad who gets confused in hospital", weak_cues=False) is None


def test_the_acuity_layer_reads_confusion_happening_now() -> None:
    # Guard: the same confusion, said to happen now.
    assert detect_emergency("my grandad is suddenly confused and drowsy now, what do we do?") is not None


def test_a_clinicians_question_on_timing_is_not_a_case() -> None:
    assert detect_emergency("febrile neutropenia, how quickly do antibiotics need to start", weak_cues=False) is None


def test_a_treatment_asked_for_a_condition_is_not_a_case() -> None:
    question = "antibiotics for febrile neutropenia with penicillin anaphylaxis"
    assert detect_emergency(question, weak_cues=False) is None


def test_a_case_on_treatment_that_turns_worse_now_is_still_a_case() -> None:
    # Guard: a present word keeps a list of findings a case, whatever treatment it names.
    question = "febrile neutropenic on chemo, on antibiotics for pneumonia, now hypotensive and confused"
    assert detect_emergency(question, weak_cues=False) is not None


def test_a_topic_list_does_not_speak_of_a_present_situation_for_the_learned_model() -> None:
    frame = read_frame("anaphylaxis, adrenaline dose, repeat interval", weak_cues=False)
    assert not frame.allows(Kind.SYMPTOM)


def test_a_case_listing_observations_beside_a_management_word_is_still_a_case() -> None:
    # Guard: numbers and observations make a case, whatever it asks.
    frame = read_frame("72F, RR 28, BP 84/50, sepsis, antibiotics timing", weak_cues=False)
    assert frame.allows(Kind.SYMPTOM)


def test_what_someone_can_still_do_after_a_past_episode_is_a_question() -> None:
    assert detect_emergency("can my husband still drive after his stroke last month") is None


def test_a_seizure_still_going_on_beside_a_history_of_epilepsy_is_an_emergency() -> None:
    # Guard: only an ability's "still" ("can he still") leaves a past history in the past.
    assert detect_emergency("history of epilepsy, still fitting after 10 minutes") is not None


def test_the_same_episode_happening_now_is_an_emergency() -> None:
    assert detect_emergency("my brother is having a heart attack right now") is not None


def test_a_what_if_question_is_not_an_emergency() -> None:
    assert detect_emergency("what should I do if my child ever has a fit that won't stop?") is None


@pytest.mark.parametrize(
    "question",
    [
        "What are the red flags for cauda equina syndrome?",
        "How is a thunderclap headache investigated in the emergency department?",
        "Which patients with chest pain and breathlessness need a CTPA?",
    ],
)
def test_clinician_teaching_questions_do_not_fire(question: str) -> None:
    assert detect_emergency(question, weak_cues=False) is None


def test_a_clinician_reporting_a_case_in_shorthand_fires() -> None:
    assert detect_emergency("64M, central chest pain 40 min, clammy, BP 82/50", weak_cues=False) is not None


@pytest.mark.parametrize(
    "question",
    [
        "r arm cold pale and pulseless since lunch cant feel or move fingers",
        "left leg cold white and pulseless 3h cant move toes",
        "femur fracture foot pale and cold weak pulses",
    ],
)
def test_a_clinician_case_typed_without_punctuation_fires(question: str) -> None:
    """No commas separate the findings: the clinical concepts named stand for them."""
    assert detect_emergency(question, weak_cues=False) is not None


@pytest.mark.parametrize(
    "question",
    ["heparin dose for acute limb ischaemia", "left leg cold white and pulseless 3h cant move toes what next"],
)
def test_an_unpunctuated_clinician_question_is_still_a_question(question: str) -> None:
    assert detect_emergency(question, weak_cues=False) is None


@pytest.mark.parametrize(
    "question",
    ["ate peanuts, lips and tongue swelling and now wheezy", "stabbed in the belly, bleeding a lot"],
)
def test_findings_joined_by_and_read_as_a_case(question: str) -> None:
    """A comma or two, but the clinical concepts named are findings too."""
    assert detect_emergency(question, weak_cues=False) is not None


@pytest.mark.parametrize("weak_cues", [False, True])
def test_a_learner_s_my_is_no_one_in_trouble(weak_cues: bool) -> None:
    question = "what does a non-blanching rash mean in a child with fever, for my revision"
    assert detect_emergency(question, weak_cues=weak_cues) is None


def test_a_case_that_asks_how_to_proceed_is_a_question() -> None:
    assert detect_emergency("DKA resolution criteria + how to come off the insulin infusion", weak_cues=False) is None


def test_a_clinician_asking_how_to_manage_the_same_case_gets_an_answer() -> None:
    question = "64M with central chest pain and BP 82/50 - which antiplatelet should I load?"
    assert detect_emergency(question, weak_cues=False) is None


def test_suicidal_intent_fires_even_when_worded_clinically() -> None:
    emergency = detect_emergency("I've stockpiled my tablets and plan to take them all tonight", weak_cues=False)
    assert emergency is not None and emergency.suicide


def test_talking_about_self_harm_prevention_is_not_a_crisis() -> None:
    assert detect_emergency("how do I talk to my daughter about self harm at school?") is None


def test_the_acuity_layer_fires_on_a_presentation_no_table_names() -> None:
    emergency = detect_emergency("my knee suddenly swelled up and the pain is the worst I've ever felt")
    assert emergency is not None and emergency.system == "acuity"


def test_deranged_observations_read_as_concepts() -> None:
    assert observations("bp 78 40 hr 140 gcs 9 spo2 84") >= {"shock", "unresponsive", "blue"}


def test_normal_observations_mean_nothing() -> None:
    assert observations("bp 124 80 hr 72 gcs 15 spo2 98") == set()


def test_patient_guidance_says_what_to_do_while_help_comes() -> None:
    emergency = detect_emergency("my son ate a peanut and his tongue is swelling and he is struggling to breathe")
    assert emergency is not None
    text = guidance(emergency, patient=True)
    assert text.startswith("**This may be an emergency. Call emergency services now") and "auto-injector" in text


def test_clinician_guidance_names_the_presentation() -> None:
    emergency = detect_emergency("58F, sudden thunderclap headache, vomiting, GCS 13", weak_cues=False)
    assert emergency is not None
    assert emergency.flag in guidance(emergency, patient=False)


@pytest.mark.parametrize(
    "question",
    ["my dad cut off his finger with a saw", "her toe was cut off by the lawnmower"],
)
def test_a_part_of_the_body_cut_off_is_an_amputation(question: str) -> None:
    emergency = detect_emergency(question)

    assert emergency is not None and emergency.flag == "open fracture or amputation"


@pytest.mark.parametrize("question", ["4AT cut off for delirium", "what is the lactate cut off for septic shock"])
def test_a_cut_off_value_is_no_amputation(question: str) -> None:
    assert detect_emergency(question, weak_cues=False) is None
    assert detect_emergency(question) is None


def test_a_burn_over_both_legs_is_a_major_burn() -> None:
    emergency = detect_emergency("severe burns to both legs from a bonfire, screaming in pain", weak_cues=False)
    assert emergency is not None and emergency.flag == "major burn"


def test_water_used_on_a_burn_is_no_drowning() -> None:
    question = "small burn on my finger from the oven, how long to run it under water?"
    emergency = detect_emergency(question, weak_cues=True)
    assert emergency is None or emergency.flag != "drowning"


def test_someone_under_water_is_a_drowning() -> None:
    emergency = detect_emergency("my son was under water for a minute at the pool, now coughing", weak_cues=True)
    assert emergency is not None and emergency.flag == "drowning"


@pytest.mark.parametrize(
    "question",
    ["?sepsis - HR 128, BP 82/48, RR 30, new confusion", "anaphylaxis? lips swelling after co-amox, wheezy now"],
)
def test_a_working_diagnosis_before_a_clinician_s_case_does_not_make_it_a_question(question: str) -> None:
    assert detect_emergency(question, weak_cues=False) is not None


def test_a_working_diagnosis_followed_by_a_question_is_still_a_question() -> None:
    assert detect_emergency("anaphylaxis? how much adrenaline do we give", weak_cues=False) is None


def test_a_question_about_a_child_of_an_age_in_general_is_a_teaching_question() -> None:
    assert detect_emergency("febrile seizure in a 2 year old, do they need an EEG", weak_cues=False) is None
    assert detect_emergency("my 2 year old is having a febrile seizure and won't wake up") is not None


def test_a_terse_rate_per_kg_lookup_is_no_case_reported() -> None:
    assert detect_emergency("insulin infusion rate per kg in DKA", weak_cues=False) is None


def test_a_treatment_asked_for_a_kind_of_patient_is_a_teaching_question() -> None:
    assert detect_emergency("low sugar treatment in a diabetic on insulin", weak_cues=False) is None
    assert detect_emergency("my husband is a diabetic on insulin, sweaty and confused now") is not None


def test_a_question_opening_with_the_treatment_it_looks_up_is_not_a_case() -> None:
    assert detect_emergency("treatment of hypoglycaemia in a conscious adult", weak_cues=False) is None


def test_a_number_before_a_question_about_tablets_is_no_count_of_tablets_taken() -> None:
    question = "i have heart failure but they said my pumping is normal, EF 58%. which tablets should i be on?"
    assert detect_emergency(question) is None
