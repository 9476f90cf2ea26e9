"""Names typed as acronyms, and whether the evidence writes or spells them out (service.triage.acronyms)."""

from __future__ import annotations

from service.triage.acronyms import spellings, spells_out, typed_acronyms
from service.triage.asked import Asked, CorpusTerms, EvidenceText


def tokens(text: str) -> list[str]:
    return text.lower().replace("-", " ").split()


def test_capitals_in_a_lower_case_question_are_acronyms() -> None:
    assert typed_acronyms("ESBL E. coli - is pip-taz ok or must it be meropenem?") == ["esbl"]


def test_a_plural_acronym_is_read_without_its_s() -> None:
    assert typed_acronyms("are LMWHs ok here?") == ["lmwh"]


def test_a_question_typed_in_capitals_has_no_acronyms() -> None:
    assert typed_acronyms("WHAT DOSE OF ASPIRIN IS SAFE") == []


def test_general_medical_shorthand_is_not_an_acronym_to_check() -> None:
    assert typed_acronyms("does she need an MRI or can it wait for ICU?") == []


def test_consecutive_initials_spell_out_an_acronym() -> None:
    assert spells_out("map", tokens("aim for a mean arterial pressure of 65"))


def test_a_compound_word_gives_more_than_its_initial() -> None:
    assert spells_out("ugib", tokens("acute upper gastrointestinal bleeding"))


def test_initials_that_are_not_consecutive_do_not_spell_out_an_acronym() -> None:
    assert not spells_out("map", tokens("mean blood arterial pressure"))


def test_one_word_alone_never_spells_out_an_acronym() -> None:
    assert not spells_out("chap", tokens("see the chapter on blood pressure"))


ARTICLE = "Ductal carcinoma in situ is treated with surgery. Mean arterial pressure guides vasopressors."
CORPUS = CorpusTerms.build([ARTICLE, "Meropenem treats resistant infections."])


def test_an_acronym_the_evidence_never_writes_or_spells_out_is_unaddressed() -> None:
    asked = Asked.read("what did CHAP show for surgery?", CORPUS)
    assert asked.unaddressed([EvidenceText.read(ARTICLE)]) == ["chap"]


def test_an_acronym_the_evidence_spells_out_is_addressed() -> None:
    asked = Asked.read("DCIS - is surgery needed?", CORPUS)
    assert asked.unaddressed([EvidenceText.read(ARTICLE)]) == []


def test_a_run_whose_initials_are_the_acronym_is_a_spelling() -> None:
    found = spellings("ppi", tokens("start a proton pump inhibitor as the proton pump inhibitor protects"))
    assert found.most_common(1) == [(("proton", "pump", "inhibitor"), 2)]


def test_a_run_that_borrows_a_letter_from_inside_a_word_is_no_spelling() -> None:
    assert not spellings("acs", tokens("in ambulance settings"))


def test_a_run_ending_in_a_function_word_is_no_spelling() -> None:
    assert not spellings("dka", tokens("during kidney and"))


def test_a_compound_last_word_gives_the_last_letter_where_a_written_word_begins() -> None:
    text = "in diabetic ketoacidosis give fluids; diabetic ketoacidosis resolves when the acidosis clears"
    assert spellings("dka", tokens(text)).most_common(1) == [(("diabetic", "ketoacidosis"), 2)]


def test_a_letter_from_inside_a_compound_is_no_spelling_when_no_word_begins_there() -> None:
    assert not spellings("pph", tokens("give potassium phosphate; potassium phosphate is given"))


def test_a_two_letter_acronym_borrows_no_letter_from_one_word() -> None:
    assert not spellings("mi", tokens("metformin is first line"))


def test_a_specific_term_typed_as_an_acronym_is_addressed_by_evidence_that_spells_it_out() -> None:
    corpus = CorpusTerms.build(["Call the MSCC coordinator.", "Falls are common.", "Sepsis kills.", "Asthma."])
    spelt = EvidenceText.read("Metastatic spinal cord compression needs an MRI within 24 hours.")

    assert "mscc" in Asked.read("red flags for MSCC?", corpus).terms
    assert Asked.read("red flags for MSCC?", corpus).unaddressed([spelt]) == []


def test_two_capitals_are_an_acronym_only_when_asked_for() -> None:
    assert typed_acronyms("what is the treatment of massive PE") == []
    assert typed_acronyms("what is the treatment of massive PE", shorthand=True, two_letters=True) == ["pe"]
