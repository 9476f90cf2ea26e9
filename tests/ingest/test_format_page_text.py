"""Article page text: the saved text of a guideline-article page, chrome and all."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ingest.chunking import chunk_article
from ingest.formats.page_text import load_page_text
from ingest.models import Article, ReferenceType, ReviewStatus, SourceFormat
from tests.ingest.page_text_pages import PAGE, write

SAMPLE = "samples/article-page-breast-metastasis-obstruction.txt"

# A page of the same shape on another topic, with headings and chrome of its own; written for these tests.
CHROME = (
    "Medical Advisory Board",
    "Educational purpose only",
    "Article Review Status",
    "Last updated",
    "View editorial policy",
    "Personalize",
    "Help us tailor your experience",
    "Which best describes you",
    "References",
    "Related Questions",
    "Professional Medical Disclaimer",
    "intended for healthcare professionals",
    "follow-up question",
    "Our Medical A.I.",
)


def article_text(article: Article) -> str:
    """Everything of the article that reaches the index as text."""
    parts = [article.question, article.title, article.summary]
    for section in article.sections:
        parts.append(section.heading)
        parts.extend(f"{claim.group or ''} {claim.text}" for claim in section.claims)
    return "\n".join(parts)


@pytest.fixture(scope="module")
def sample(shared_dir: Path) -> Article:
    return load_page_text(shared_dir / SAMPLE)


class TestSamplePage:
    """The real page in ../shared/samples is parsed faithfully."""

    def test_question_title_and_summary(self, sample: Article) -> None:
        """The first line is the question; the first line after the header chrome, the title."""
        assert sample.question == (
            "What is the immediate management for a patient with a breast mass metastasis causing an "
            "obstructive effect?"
        )
        assert sample.title == "Immediate Management of Breast Mass Metastasis Causing Obstructive Effect"
        assert sample.summary.startswith("For a patient with breast mass metastasis causing obstructive effects")
        assert sample.summary.endswith("overall disease burden.")

    def test_seven_references_with_types_titles_sources_and_years(self, sample: Article) -> None:
        """Each type / title / 'source, year' record is one reference, numbered by its position."""
        praxis = "Praxis Medical Insights: Practical Summaries of Clinical Guidelines"
        guideline, research = ReferenceType.GUIDELINE, ReferenceType.RESEARCH

        assert [(r.n, r.type, r.title, r.source, r.year) for r in sample.references] == [
            (1, guideline, "Metastatic Breast Cancer Management", praxis, 2026),
            (2, guideline, "Guideline Directed Topic Overview", "Dr.Oracle Medical Advisory Board & Editors", 2025),
            (3, research, "Metastatic disease in the breast.", "Breast (Edinburgh, Scotland)", 2002),
            (4, research, "Metastases to the breast: a review of 33 cases.", "Australasian radiology", 2007),
            (5, guideline, "Breast Cancer Management Guidelines", praxis, 2025),
            (
                6,
                research,
                "7. Management of advanced breast cancer.",
                "International journal of clinical practice",
                2001,
            ),
            (7, guideline, "Hospice Recertification for Metastatic Breast Cancer", praxis, 2025),
        ]

    def test_eleven_related_questions(self, sample: Article) -> None:
        """Every line of the Related Questions block is a question; the disclaimer after it is not."""
        questions = [r.question for r in sample.related_questions]

        assert len(questions) == 11
        assert questions[1] == (
            "What is the stage of a 2.5 cm breast mass with no lymph node (LN) involvement and no metastasis (mets)?"
        )
        assert all(q.endswith("?") for q in questions)
        assert all(r.article_id is None for r in sample.related_questions)

    def test_sections_in_page_order(self, sample: Article) -> None:
        """Headings are found by their shape, not from a list of known headings."""
        assert [s.heading for s in sample.sections] == [
            "Initial Assessment and Diagnostic Confirmation",
            "Immediate Interventions Based on Clinical Scenario",
            "Systemic Therapy Selection After Acute Management",
            "Supportive Care Measures",
            "Critical Pitfalls to Avoid",
        ]

    def test_every_bullet_with_its_citation_numbers(self, sample: Article) -> None:
        """All 28 bullets are claims, their trailing numbers moved into citations, in the page's order."""
        citations = [[c.citations for c in s.claims] for s in sample.sections]

        assert citations == [
            [(1,), (2,), (3, 4), (1, 5), (1,), (2,)],
            [(1, 6), (1,), (7,), (2,), (2, 7), (2,), (2,), (2,), (2,)],
            [(1,), (1,), (1,), (1,)],
            [(7,), (7,), (2, 7), (2, 1), (7,)],
            [(6,), (3, 4), (1,), (1,)],
        ]
        texts = [c.text for s in sample.sections for c in s.claims]
        assert texts[2].endswith("require different management")
        assert not any(t[-1].isdigit() for t in texts)

    def test_lead_in_lines_group_the_bullets_under_them(self, sample: Article) -> None:
        """A line ending with ':' is the group of the bullets after it; a section without one has none."""
        groups = [c.group for c in sample.sections[0].claims]

        assert (
            groups
            == ["Determine the exact nature and location of the obstruction"] * 3
            + ["Evaluate disease burden and biological characteristics"] * 3
        )
        assert {c.group for c in sample.sections[-1].claims} == {None}

    def test_none_of_the_page_chrome_is_in_the_article_text(self, sample: Article) -> None:
        """Advisory board, review widget, personalisation, disclaimer and blurb are all dropped."""
        text = article_text(sample)

        assert [chrome for chrome in CHROME if chrome in text] == []
        assert "Dr.Oracle" not in text

    def test_provenance_fields(self, sample: Article, shared_dir: Path) -> None:
        """Id from the file name, date from 'Last updated', a specialty inferred, status submitted."""
        assert sample.id == "article-page-breast-metastasis-obstruction"
        assert sample.last_updated == date(2026, 2, 4)
        assert sample.specialty == "oncology"
        assert sample.review_status is ReviewStatus.SUBMITTED
        assert sample.source_format is SourceFormat.PAGE_TEXT
        assert sample.source_path == str(shared_dir / SAMPLE)

    def test_chunks_keep_citations_and_carry_no_chrome(self, sample: Article) -> None:
        """The page chunks into passages like any article, citations intact."""
        chunks = chunk_article(sample)

        cited = [c for c in chunks if c.citations]
        assert len(cited) == 28
        assert all(chrome not in c.embed_text for c in chunks for chrome in CHROME)


class TestPageShape:
    """Pages of the same shape on other topics."""

    def test_another_topic_loads_with_its_own_headings(self, tmp_path: Path) -> None:
        """Nothing about the sample's headings is assumed."""
        article = load_page_text(write(tmp_path, PAGE))

        assert article.title == "Treatment of Community-Acquired Pneumonia in Adults"
        assert article.summary == "Treatment starts with a severity assessment, and the antibiotic follows from it."
        assert [s.heading for s in article.sections] == ["Severity Assessment", "Antibiotic Choice"]
        assert [r.title for r in article.references] == [
            "Pneumonia in adults: diagnosis and management",
            "Duration of antibiotic treatment in pneumonia",
        ]
        assert len(article.related_questions) == 2
        assert article.last_updated == date(2025, 3, 12)

    def test_a_trailing_decimal_is_not_a_citation(self, tmp_path: Path) -> None:
        """'... 2.5 cm' and '2.5' end in digits but are not reference numbers."""
        article = load_page_text(write(tmp_path, PAGE.replace("larger than 2.5 cm", "larger than 2.5")))

        claim = article.sections[1].claims[1]
        assert (claim.text, claim.citations) == ("Measure the consolidation, which is often larger than 2.5", ())

    def test_a_trailing_number_not_in_the_reference_list_stays_in_the_text(self, tmp_path: Path) -> None:
        """Only numbers of existing references are citations: 'day 9' with two references is text."""
        article = load_page_text(write(tmp_path, PAGE))

        claim = article.sections[1].claims[2]
        assert (claim.text, claim.citations) == ("Review at day 9", ())

    def test_a_number_before_the_citations_stays_in_the_text(self, tmp_path: Path) -> None:
        """In '... for 5 days 2' only the last number is the citation."""
        article = load_page_text(write(tmp_path, PAGE))

        claim = article.sections[1].claims[0]
        assert (claim.text, claim.citations) == ("Give amoxicillin for low-severity pneumonia for 5 days", (2,))

    def test_a_list_of_citations_after_a_number(self, tmp_path: Path) -> None:
        """'... 2 or more 1, 2' cites 1 and 2 and keeps the '2 or more'."""
        article = load_page_text(write(tmp_path, PAGE))

        claim = article.sections[0].claims[1]
        assert (claim.text, claim.citations) == ("Admit when the score is 2 or more", (1, 2))

    def test_a_wrapped_bullet_is_one_claim(self, tmp_path: Path) -> None:
        """An indented line straight after a bullet continues it; the citations are at its end."""
        text = PAGE.replace("where to treat 1\n", "where to treat\n    and how often to review 1\n")

        claim = load_page_text(write(tmp_path, text)).sections[0].claims[0]

        assert (claim.text, claim.citations) == (
            "Use the CURB-65 score to decide where to treat and how often to review",
            (1,),
        )

    def test_a_prose_paragraph_in_a_section_is_a_claim(self, tmp_path: Path) -> None:
        """A sentence under a heading, not a bullet, is a claim of its own outside any group."""
        text = PAGE.replace("Antibiotic Choice\n", "Antibiotic Choice\n\nLocal resistance patterns matter here. 2\n")

        claim = load_page_text(write(tmp_path, text)).sections[1].claims[0]

        assert (claim.text, claim.citations, claim.group) == ("Local resistance patterns matter here.", (2,), None)

    def test_a_heading_may_be_a_question(self, tmp_path: Path) -> None:
        """A short line ending with '?' heads a section."""
        text = PAGE.replace("Antibiotic Choice\n", "Which Antibiotic?\n")

        assert load_page_text(write(tmp_path, text)).sections[1].heading == "Which Antibiotic?"

    def test_a_page_without_chrome_loads(self, tmp_path: Path) -> None:
        """The header and footer chrome are optional."""
        text = PAGE.split("\n\n", 1)[0] + "\n\n" + PAGE.split("Which best describes you?", 1)[1].split("\n", 1)[1]
        text = text.split("Professional Medical Disclaimer")[0]

        article = load_page_text(write(tmp_path, text))

        assert article.title == "Treatment of Community-Acquired Pneumonia in Adults"
        assert article.last_updated is None
        assert len(article.related_questions) == 2

    def test_reference_type_names_are_read_case_insensitively(self, tmp_path: Path) -> None:
        """'Patient Education' and 'REVIEW' are known types."""
        text = PAGE.replace("Guideline\n\nPneumonia", "Patient Education\n\nPneumonia").replace(
            "Research\n\nDuration", "REVIEW\n\nDuration"
        )

        types = [r.type for r in load_page_text(write(tmp_path, text)).references]

        assert types == [ReferenceType.PATIENT_EDUCATION, ReferenceType.REVIEW]

    def test_a_source_without_a_year(self, tmp_path: Path) -> None:
        """The year is optional: the whole line is then the source."""
        article = load_page_text(write(tmp_path, PAGE.replace("The Lancet, 2021", "The Lancet")))

        assert (article.references[1].source, article.references[1].year) == ("The Lancet", None)
