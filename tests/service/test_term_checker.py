"""What the corpus can speak about: the unknown-term check's word lookups (service.triage.lexical_checks)."""

from __future__ import annotations

from service.triage.lexical_checks import RecognisedWords, TermChecker

CORPUS_WORDS = ["chemotherapy", "asthma", "valve", "hyperglycaemia", "warfarin", "2024"]


def checker() -> TermChecker:
    return TermChecker.build(CORPUS_WORDS, common=["the", "patient"])


def test_a_corpus_word_is_known() -> None:
    assert checker().knows("warfarin", "warfarin")


def test_the_beginning_of_a_longer_corpus_word_is_known() -> None:
    assert checker().knows("chemo", "chemo")


def test_a_whole_corpus_word_is_not_the_beginning_of_a_longer_one() -> None:
    assert checker().begins_a_word("chemotherap")
    assert not checker().begins_a_word("chemotherapy")
    assert not checker().begins_a_word("che")


def test_an_adjective_of_a_corpus_noun_is_known() -> None:
    assert checker().knows("hyperglycaemic", "hyperglycaem")


def test_a_word_one_letter_off_a_corpus_word_is_known() -> None:
    assert checker().knows("astma", "astma")
    assert checker().knows("warfarine", "warfarin")


def test_a_word_the_corpus_never_uses_is_unknown() -> None:
    assert not checker().knows("zebrafish", "zebrafish")
    assert checker().unknown_terms("Is zebrafish oil safe with warfarin?") == ["zebrafish"]


def test_an_empty_corpus_knows_no_specific_word() -> None:
    empty = TermChecker.build([], common=[])

    assert not empty.knows("warfarin", "warfarin")
    assert not empty.begins_a_word("warf")


def test_a_swap_across_a_sound_folded_pair_is_a_slip_of_the_corpus_word() -> None:
    # "ph" folds to "f" in "warfarin"-style matching; the swap "rp" -> "pr" must still be one slip.
    corpus = TermChecker.build(["morphine"], common=[])

    assert corpus.knows("morhpine", "morhpin")


def test_a_mistyped_ordinary_word_is_not_an_unknown_term() -> None:
    corpus = TermChecker.build(CORPUS_WORDS, common=["yesterday", "have", "what"])

    assert corpus.unknown_terms("whhat if I haave had warfarin yseterday?") == []


def test_a_word_two_slips_from_any_ordinary_word_is_still_unknown() -> None:
    corpus = TermChecker.build(CORPUS_WORDS, common=["yesterday"])

    assert corpus.unknown_terms("zebrafish oil ysetreday?") == ["zebrafish", "ysetreday"]


def test_the_scope_check_recognises_a_slip_of_a_corpus_word() -> None:
    words = RecognisedWords(frozenset(CORPUS_WORDS), checker())

    assert "warfarin" in words
    assert "warfrain" in words
    assert "zebrafish" not in words


def test_an_ordinary_word_spelt_right_is_not_a_slip_of_a_corpus_word() -> None:
    # "valves" is one letter from the corpus's "valve", but an ordinary word as typed is that word.
    corpus = TermChecker.build(CORPUS_WORDS, common=["valves"])

    assert "valves" not in RecognisedWords(frozenset(CORPUS_WORDS), corpus)


def test_a_name_typed_in_capitals_is_no_slip_of_another_name() -> None:
    terms = TermChecker.build([*CORPUS_WORDS, "hfref"], common=["the", "what", "about"])

    assert terms.unknown_terms("what about HFpEF?") == ["hfpef"]
    assert terms.unknown_terms("what about hfpef?") == []  # typed in lower case, it may be a slip


def test_a_drug_of_a_class_the_corpus_speaks_of_is_not_unknown() -> None:
    terms = TermChecker.build([*CORPUS_WORDS, "nsaids"], common=["the", "can", "have", "for", "his"])

    assert terms.unknown_terms("can he have naproxen for his knee?") == []


def test_a_question_shouted_in_capitals_keeps_its_slips() -> None:
    assert checker().unknown_terms("CHEMOTHERAPU WITH WARFARIN?") == []


def test_a_condition_the_corpus_never_names_is_unknown_though_one_letter_off_an_ordinary_word() -> None:
    # "croup" is one letter off "crop" and "group", "gout" off "gut": a condition's name is no slip.
    corpus = TermChecker.build([*CORPUS_WORDS, "group", "gut"], common=["crop", "the"])

    assert corpus.unknown_terms("warfarin for croup?") == ["croup"]
    assert corpus.unknown_terms("gout with warfarin") == ["gout"]


def test_an_ordinary_word_naming_a_disease_the_corpus_lacks_is_unknown() -> None:
    corpus = TermChecker.build(CORPUS_WORDS, common=["kawasaki", "disease", "the"])

    assert corpus.unknown_terms("warfarin in kawasaki disease?") == ["kawasaki"]


def test_a_slip_in_the_name_before_disease_is_still_a_slip_of_the_corpus_word() -> None:
    corpus = TermChecker.build([*CORPUS_WORDS, "parkinsons"], common=["disease"])

    assert corpus.unknown_terms("warfarin in paekinson's disease?") == []


def test_a_brand_name_of_a_drug_the_corpus_names_is_known() -> None:
    corpus = TermChecker.build([*CORPUS_WORDS, "zirconium"], common=["dose"])

    assert corpus.unknown_terms("lokelma dose?") == []
