"""What a question asks for, and whether evidence addresses it (service.triage.asked)."""

from __future__ import annotations

from service.triage.asked import Asked, CorpusTerms, EvidenceText, lexically_supported

ARTICLES = [
    "Ticagrelor or prasugrel is preferred over clopidogrel before primary PCI. Give aspirin 300 mg at once.",
    "Beta-blockers reduce the response to adrenaline; glucagon can be given.",
    "Thromboprophylaxis with LMWH continues for 6 weeks after birth.",
    "Amoxicillin for five days treats otitis media in children.",
    "Tumour lysis syndrome is prevented with fluids and allopurinol.",
]
CORPUS = CorpusTerms.build(ARTICLES, common=["the", "what", "keep", "going", "long"])


def evidence(*texts: str) -> list[EvidenceText]:
    return [EvidenceText.read(t) for t in texts]


def test_a_dose_asked_of_a_drug_the_evidence_names_but_never_doses_is_unaddressed() -> None:
    asked = Asked.read("what's the ticagrelor maintenance dose?", CORPUS)
    assert asked.unaddressed(evidence(ARTICLES[0])) == ["maintenance dose"]


def test_a_dose_the_evidence_gives_is_addressed() -> None:
    assert Asked.read("aspirin loading dose?", CORPUS).unaddressed(evidence(ARTICLES[0])) == []


def test_whether_to_change_a_dose_is_answered_without_one() -> None:
    asked = Asked.read("does ticagrelor need a dose change before PCI?", CORPUS)
    assert asked.unaddressed(evidence(ARTICLES[0])) == []


def test_a_drug_is_addressed_by_evidence_about_its_class() -> None:
    asked = Asked.read("she's on bisoprolol and not responding to adrenaline", CORPUS)
    assert asked.unaddressed(evidence(ARTICLES[1])) == []


def test_an_antiplatelet_drug_is_addressed_by_evidence_about_antiplatelet_therapy() -> None:
    asked = Asked.read("she's on clopidogrel after a stent - anticoagulant too?", CORPUS)
    assert asked.unaddressed(evidence("Avoid adding antiplatelet therapy to an anticoagulant without a stent.")) == []


def test_a_drug_of_another_class_is_still_unaddressed() -> None:
    asked = Asked.read("she's on clopidogrel after a stent - anticoagulant too?", CORPUS)
    assert asked.unaddressed(evidence("Beta-blockers are continued after a stent.")) == ["clopidogrel"]


def test_a_word_inside_a_compound_counts_as_spoken_of() -> None:
    asked = Asked.read("does she need prophylaxis, and for how long?", CORPUS)
    assert asked.unaddressed(evidence(ARTICLES[2])) == []


def test_an_abbreviation_of_a_corpus_word_counts_as_spoken_of() -> None:
    assert Asked.read("clopi before PCI?", CORPUS).unaddressed(evidence(ARTICLES[0])) == []


def test_a_specific_term_other_articles_use_but_the_evidence_does_not_is_unaddressed() -> None:
    asked = Asked.read("amoxicillin for tumour lysis?", CORPUS)
    # "tumour" is a general medical word (context); "lysis" is what only one article speaks of.
    assert asked.unaddressed(evidence(ARTICLES[3])) == ["lysis"]


def test_a_rare_named_rule_found_word_for_word_is_lexical_support() -> None:
    corpus = CorpusTerms.build([*ARTICLES, "The PERC rule rules out PE when all eight criteria are met."])
    assert lexically_supported("PERC rule criteria?", corpus, ["The PERC rule rules out PE when all eight criteria"])


def test_a_named_score_typed_in_lower_case_with_its_number_apart_is_lexical_support() -> None:
    text = "CURB-65 scores confusion, urea, respiratory rate, blood pressure and age 65 or over."
    corpus = CorpusTerms.build([*ARTICLES, text])
    assert lexically_supported("wat are the curb 65 criteria", corpus, [text])


def test_a_rare_word_naming_a_score_typed_in_lower_case_is_lexical_support() -> None:
    text = "The Glasgow-Blatchford score should be used at first assessment of upper GI bleeding."
    # "score" is used by many articles: "blatchford" is the one rare word.
    scores = ["A Wells score guides testing.", "The NEWS2 score is used.", "A PHQ-9 score under 16."]
    corpus = CorpusTerms.build([*ARTICLES, *scores, text])
    assert lexically_supported("what is the blatchford score used for", corpus, [text])


def test_common_words_alone_are_no_lexical_support() -> None:
    assert not lexically_supported("what are the criteria?", CORPUS, ARTICLES)


def test_one_rare_word_mentioned_in_a_passage_is_not_lexical_support() -> None:
    # "glucagon" is used by one article, but a passage that mentions it does not answer what is asked of it.
    assert not lexically_supported("how is glucagon stored at home", CORPUS, [ARTICLES[1]])


def test_a_word_typed_as_an_acronym_is_lexical_support() -> None:
    assert lexically_supported("LMWH how long", CORPUS, [ARTICLES[2]])


def test_a_dose_of_another_drug_of_the_class_does_not_answer_a_dose_question() -> None:
    asked = Asked.read("what's the ticagrelor maintenance dose?", CORPUS)
    assert asked.unaddressed(evidence("Give aspirin 75 mg daily after a stent.")) == ["maintenance dose"]


def test_a_dose_of_a_drug_of_the_class_answers_a_dose_asked_of_the_class() -> None:
    asked = Asked.read("what antiplatelet dose after a stent?", CORPUS)
    assert asked.unaddressed(evidence("Give aspirin 75 mg daily after a stent.")) == []


def test_a_drug_typed_short_is_addressed_by_evidence_about_its_class() -> None:
    asked = Asked.read("she's on clopi after a stent - anticoagulant too?", CORPUS)
    assert asked.unaddressed(evidence("Avoid adding antiplatelet therapy to an anticoagulant without a stent.")) == []


def test_an_everyday_activity_the_evidence_never_speaks_of_is_unaddressed() -> None:
    # "fly" is an ordinary word, never a specific term by corpus counts; asked beside a condition, it is asked.
    asked = Asked.read("how long after a heart attack can I fly?", CORPUS)
    assert asked.unaddressed(evidence("After a heart attack, start aspirin 75 mg and a statin.")) == ["fly"]


def test_an_everyday_activity_the_evidence_speaks_of_is_addressed() -> None:
    asked = Asked.read("how long after a heart attack can I fly?", CORPUS)
    assert asked.unaddressed(evidence("Flying is safe 3 days after an uncomplicated heart attack.")) == []


def test_going_back_to_work_is_asked_but_whether_a_drug_works_is_not() -> None:
    assert "work" in Asked.read("when can she go back to work after pneumonia?", CORPUS).terms
    assert "work" not in Asked.read("does amoxicillin work for otitis media?", CORPUS).terms


def test_a_loading_dose_asked_is_not_answered_by_a_daily_dose() -> None:
    asked = Asked.read("warfarin loading regimen for a new start?", CORPUS)
    assert asked.unaddressed(evidence("Warfarin is continued at 3 mg daily, adjusted to the INR.")) == ["loading dose"]


def test_a_maintenance_dose_asked_is_answered_by_the_dose_given_daily() -> None:
    asked = Asked.read("aspirin maintenance dose after PCI?", CORPUS)
    assert asked.unaddressed(evidence("Give aspirin 300 mg loading then 75 mg daily after PCI.")) == []


def test_a_lay_word_anchors_a_facet_by_its_clinical_word() -> None:
    asked = Asked.read("how long will my mum be on blood thinners after her clot", CORPUS)
    assert asked.unaddressed(evidence("Anticoagulant treatment lasts at least 3 months.")) == []


def test_an_everyday_word_that_names_a_population_is_not_asked_as_everyday_life() -> None:
    assert "school" not in Asked.read("amoxicillin dose for school-age children with otitis", CORPUS).terms
    assert "school" in Asked.read("when can he go back to school after otitis", CORPUS).terms


def test_a_condition_named_by_an_ordinary_word_is_asked() -> None:
    corpus = CorpusTerms.build([*ARTICLES, "Migraine can mimic a seizure."], common=["migraine", "the"])
    asked = Asked.read("aspirin for migraine?", corpus)

    assert asked.unaddressed(evidence(ARTICLES[0])) == ["migraine"]


def test_a_condition_is_spoken_of_by_evidence_on_its_class() -> None:
    corpus = CorpusTerms.build([*ARTICLES, "Lithium in bipolar disorder."], common=["the"])
    asked = Asked.read("which drug lowers suicide in bipolar disorder?", corpus)

    assert asked.unaddressed(evidence("Lithium lowers suicide in people with mood disorders.")) == []


def test_a_duration_given_in_minutes_answers_how_long() -> None:
    asked = Asked.read("how long does the calcium last?", CORPUS)
    assert asked.unaddressed(evidence("Intravenous calcium acts within minutes but lasts only 30-60 minutes.")) == []


def test_ward_shorthand_for_a_drug_is_spoken_of_by_evidence_on_its_class() -> None:
    corpus = CorpusTerms.build([*ARTICLES, "Gentamicin for neonatal sepsis."], common=["the", "should", "add"])
    asked = Asked.read("should i add gent?", corpus)

    assert asked.unaddressed(evidence("Do not add an aminoglycoside to the initial beta-lactam.")) == []


def test_a_brand_name_is_spoken_of_by_evidence_that_names_the_generic() -> None:
    asked = Asked.read("lokelma dose?", CORPUS)
    assert asked.unaddressed(evidence("Sodium zirconium cyclosilicate 10 g three times daily.")) == []


def test_a_dose_given_by_a_text_that_does_not_speak_of_the_condition_asked_is_no_answer() -> None:
    corpus = CorpusTerms.build([*ARTICLES, "Apixaban 5 mg twice daily in atrial fibrillation."], common=["the"])
    asked = Asked.read("apixaban dose for a DVT?", corpus)
    dosing = "Apixaban for atrial fibrillation is 5 mg twice daily."
    naming = "A DVT is treated with a DOAC for at least 3 months."

    assert asked.unaddressed(evidence(dosing, naming)) == ["dose"]
    assert asked.unaddressed(evidence(f"{naming} For a DVT, apixaban is 10 mg twice daily for 7 days.")) == []


def test_a_level_asked_is_not_answered_by_a_passage_that_names_the_drug_without_one() -> None:
    corpus = CorpusTerms.build([*ARTICLES, "Lithium lowers suicide in mood disorders."], common=["the", "target"])
    asked = Asked.read("lithium levels - target range?", corpus)

    assert asked.unaddressed(evidence("Lithium lowers suicide in mood disorders.")) == ["level"]
    assert asked.unaddressed(evidence("Keep lithium levels at 0.4-1.0 mmol/L.")) == []


def test_a_slip_of_an_ordinary_word_anchors_no_dose() -> None:
    corpus = CorpusTerms.build(ARTICLES, common=["the", "what", "should", "i"])
    asked = Asked.read("what dose sohuld i start?", corpus)

    assert "sohuld" not in asked.anchors
    assert asked.unaddressed(evidence(ARTICLES[0])) == []


def test_a_slip_of_a_drug_name_still_anchors_the_dose() -> None:
    asked = Asked.read("tigacrelor maintenance dose?", CORPUS)

    assert "tigacrelor" in asked.anchors
