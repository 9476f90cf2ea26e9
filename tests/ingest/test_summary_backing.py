"""Summary backing: a summary passage cites what the body claims restating it cite, or nothing."""

from __future__ import annotations

from datetime import date

from ingest.chunking import SUMMARY_SECTION, chunk_article
from ingest.models import Article, Claim, Reference, ReferenceType, Section, SourceFormat
from ingest.summary_backing import back_sentence, passage_citations

ANTIBIOTICS = Claim(
    text="In septic shock give intravenous antimicrobials within one hour of recognition", citations=(1,)
)
CULTURES = Claim(text="Take blood cultures before antimicrobials when this causes no delay", citations=(2,))
FLUIDS = Claim(text="Give 30 mL/kg of intravenous crystalloid within the first 3 hours", citations=(3,))
UNCITED = Claim(text="Norepinephrine is the first vasopressor for septic shock", citations=())
CLAIMS = (ANTIBIOTICS, CULTURES, FLUIDS, UNCITED)


def _article(summary: str) -> Article:
    return Article(
        id="sepsis",
        question="How is sepsis managed?",
        title="Sepsis",
        summary=summary,
        sections=(Section(heading="Management", claims=CLAIMS),),
        references=tuple(
            Reference(n=n, type=ReferenceType.GUIDELINE, title=f"Guideline {n}", source="Society", year=2021)
            for n in (1, 2, 3)
        ),
        specialty="emergency-medicine",
        last_updated=date(2025, 1, 1),
        source_format=SourceFormat.NATIVE,
    )


def test_a_sentence_restating_two_claims_is_backed_by_both() -> None:
    backing = back_sentence("Take blood cultures, then give intravenous antimicrobials within one hour.", CLAIMS)

    assert backing.backed
    assert set(backing.claims) == {ANTIBIOTICS, CULTURES}
    assert backing.citations == (1, 2)


def test_a_claim_sharing_a_single_word_does_not_join_the_backing() -> None:
    """The cultures claim shares "cultures" with the sentence: one word is a topic, not support."""
    backing = back_sentence("Give intravenous antimicrobials within one hour in septic shock, with cultures.", CLAIMS)

    assert backing.claims == (ANTIBIOTICS,)


def test_a_sentence_naming_what_the_body_never_says_is_not_backed() -> None:
    backing = back_sentence("Hydrocortisone and vasopressin are added when noradrenaline requirements rise.", CLAIMS)

    assert not backing.backed and backing.citations == ()


def test_an_uncited_claim_never_backs_a_sentence() -> None:
    backing = back_sentence("Norepinephrine is the first vasopressor for septic shock.", CLAIMS)

    assert not backing.backed


def test_a_number_no_cited_claim_states_leaves_the_sentence_unbacked() -> None:
    """Most words match, but the dose differs: a wrong number must never borrow a citation."""
    backing = back_sentence("Give 20 mL/kg of intravenous crystalloid within the first 3 hours.", CLAIMS)

    assert backing.coverage >= 0.6
    assert backing.unbacked_numbers == ("20",)
    assert not backing.backed


def test_a_passage_cites_nothing_unless_every_sentence_is_backed() -> None:
    backed = "Give 30 mL/kg of intravenous crystalloid within the first 3 hours."
    unbacked = "Hydrocortisone is added when noradrenaline requirements rise."

    assert passage_citations([backed], CLAIMS) == (3,)
    assert passage_citations([backed, unbacked], CLAIMS) == ()


def test_the_chunker_gives_a_backed_summary_passage_its_citations_and_their_year() -> None:
    article = _article("Give intravenous antimicrobials within one hour of recognising septic shock.")

    summary = next(c for c in chunk_article(article) if c.section == SUMMARY_SECTION)

    assert summary.citations == (1,)
    assert summary.reference_types == (ReferenceType.GUIDELINE,)
    assert summary.year == 2021


def test_the_chunker_leaves_an_unbacked_summary_passage_uncited() -> None:
    article = _article("Sepsis is common and carries a high mortality worldwide.")

    summary = next(c for c in chunk_article(article) if c.section == SUMMARY_SECTION)

    assert summary.citations == () and summary.reference_types == ()


def test_a_cited_summary_passage_is_not_weighed_as_a_claim_of_the_body() -> None:
    """Decisions (the abstention floor, the lexical support check) read the body's claims, as before summaries cited."""
    chunks = chunk_article(_article("Give intravenous antimicrobials within one hour of recognising septic shock."))

    summary = next(c for c in chunks if c.section == SUMMARY_SECTION)
    claims = [c for c in chunks if c.section != SUMMARY_SECTION]

    assert summary.citations and not summary.cited_claim
    assert [c.cited_claim for c in claims] == [True, True, True, False]
