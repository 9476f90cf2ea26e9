"""Article page text: the id and specialty a page gets, and the pages the loader refuses (with the line at fault)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.formats.page_text import article_id_from_path, infer_specialty, load_page_text
from tests.ingest.page_text_pages import PAGE, line_of, load_error, write


class TestArticleId:
    @pytest.mark.parametrize(
        ("name", "expected"),
        [
            ("article-page-breast-metastasis-obstruction.txt", "article-page-breast-metastasis-obstruction"),
            ("My Page (2).txt", "my-page-2"),
            ("__Pneumonia__Adults.txt", "pneumonia-adults"),
        ],
    )
    def test_the_id_is_the_file_name_as_a_slug(self, name: str, expected: str) -> None:
        """Everything but a-z and 0-9 becomes one hyphen; no hyphen at either end."""
        assert article_id_from_path(Path(name)) == expected

    def test_a_file_name_without_letters_or_digits_is_rejected(self, tmp_path: Path) -> None:
        """A slug needs at least one a-z or 0-9."""
        error = load_error(write(tmp_path, PAGE, name="___.txt"))

        assert "cannot make an article id" in str(error)


class TestSpecialty:
    def test_inferred_from_the_title_and_question(self) -> None:
        """The specialty whose words occur most wins."""
        assert infer_specialty("Community-acquired pneumonia: which antibiotic for this infection?") == (
            "infectious-disease"
        )

    def test_general_when_nothing_matches(self, tmp_path: Path) -> None:
        """A page on an unrecognised topic is 'general'."""
        text = PAGE.replace("community-acquired pneumonia be treated in adults", "a broken toenail be cut")
        text = text.replace("Treatment of Community-Acquired Pneumonia in Adults", "Toenail Care")

        assert load_page_text(write(tmp_path, text)).specialty == "general"


class TestErrors:
    def test_an_unknown_reference_type_is_rejected_with_its_line(self, tmp_path: Path) -> None:
        """Reference types map onto guideline, research, review and patient education, or fail."""
        text = PAGE.replace("Research\n\nDuration", "Podcast\n\nDuration")

        [issue] = load_error(write(tmp_path, text)).issues

        assert "unknown type 'Podcast'" in issue.reason
        assert issue.line == line_of(text, "Podcast")

    def test_an_incomplete_reference_is_rejected_with_its_line(self, tmp_path: Path) -> None:
        """A reference needs its type, title and 'source, year' lines."""
        text = PAGE.replace("\nThe Lancet, 2021\n", "\n")

        [issue] = load_error(write(tmp_path, text)).issues

        assert "reference 2 needs a type, a title" in issue.reason
        assert issue.line == line_of(text, "Research")

    def test_a_heading_without_bullets_is_rejected_with_its_line(self, tmp_path: Path) -> None:
        """Every section holds at least one bullet or paragraph."""
        text = PAGE.replace("Antibiotic Choice\n", "Monitoring\n\nAntibiotic Choice\n")

        [issue] = load_error(write(tmp_path, text)).issues

        assert issue.reason == "section 'Monitoring' has no bullet points or text"
        assert issue.line == line_of(text, "Monitoring")

    def test_a_bullet_before_any_heading_is_rejected_with_its_line(self, tmp_path: Path) -> None:
        """Bullets belong to a section."""
        text = PAGE.replace("follows from it.\n", "follows from it.\n\n  • A stray bullet 1\n")

        issues = load_error(write(tmp_path, text)).issues

        assert [(i.reason, i.line) for i in issues] == [
            ("bullet point before the first section heading", line_of(text, "A stray bullet"))
        ]

    def test_a_missing_summary_is_rejected(self, tmp_path: Path) -> None:
        """The paragraph under the title is required."""
        text = PAGE.replace("Treatment starts with a severity assessment, and the antibiotic follows from it.\n", "")

        [issue] = load_error(write(tmp_path, text)).issues

        assert issue.reason == "missing summary paragraph between the title and the first section"

    def test_a_page_with_only_a_question_is_rejected(self, tmp_path: Path) -> None:
        """Without a title and body there is no article."""
        [issue] = load_error(write(tmp_path, "What is this?\n")).issues

        assert issue.reason == "no title, summary or sections after the page header"

    def test_a_second_references_block_is_rejected_with_its_line(self, tmp_path: Path) -> None:
        """The References heading occurs once."""
        text = PAGE.replace("Related Questions\n", "References\n\nRelated Questions\n")

        issues = load_error(write(tmp_path, text)).issues

        assert (
            "a second 'References' block",
            text.splitlines().index("References", line_of(text, "References")) + 1,
        ) in [(i.reason, i.line) for i in issues]

    def test_invalid_utf8_is_rejected_with_its_line(self, tmp_path: Path) -> None:
        """Bytes that are not UTF-8 are reported on their line."""
        path = tmp_path / "page.txt"
        path.write_bytes(PAGE.encode("utf-8").replace(b"Antibiotic Choice", b"Antibiotic \xff Choice"))

        [issue] = load_error(path).issues

        assert issue.reason.startswith("not valid UTF-8")
        assert issue.line == line_of(PAGE, "Antibiotic Choice")

    def test_an_empty_file_is_rejected(self, tmp_path: Path) -> None:
        """An empty page is not an article."""
        [issue] = load_error(write(tmp_path, "\n \n")).issues

        assert issue.reason == "file is empty"

    def test_a_reference_without_a_source_line_is_named(self, tmp_path: Path) -> None:
        """When the next record's type follows a title directly, the incomplete record is the one reported."""
        text = PAGE.replace("\nNational Institute for Health and Care Excellence, 2019\n", "\n")

        [issue] = load_error(write(tmp_path, text)).issues

        assert "reference 1 needs a type, a title" in issue.reason
        assert issue.line == line_of(text, "Guideline")
