"""The native format (corpus/README.md): YAML front matter and a Markdown body of cited bullets."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ingest.formats.native import load_native
from ingest.models import ArticleLoadError, ReferenceType, ReviewStatus, SourceFormat

FRONT_MATTER = """\
---
id: hyperkalaemia-emergency
question: How should severe hyperkalaemia be treated in the emergency department?
specialty: nephrology
tags: [hyperkalaemia, potassium]
last_updated: 2026-11-20
review_status: submitted
references:
  - n: 1
    type: guideline
    title: Treatment of Acute Hyperkalaemia in Adults
    source: UK Kidney Association
    year: 2020
    url: https://example.org/hyperkalaemia
  - n: 2
    type: review
    title: Emergency interventions for hyperkalaemia
    source: Cochrane Database of Systematic Reviews
    year: 2005
    doi: 10.1002/14651858.CD003235.pub2
related_questions:
  - question: Is metformin safe in chronic kidney disease?
    article_id: metformin-ckd
  - question: When should dialysis be started?
---
"""
BODY = """
# Emergency Treatment of Severe Hyperkalaemia

Severe hyperkalaemia is treated in three steps at once: protect the heart, shift potassium into cells,
and remove potassium from the body.

## Immediate Treatment

Protect the myocardium first:

- Give intravenous calcium when the ECG shows hyperkalaemic changes [1]
- Calcium does not lower the serum potassium, so it must be followed by
  treatment that does [1, 2]

## Pitfalls

- Check the glucose repeatedly after insulin, as late hypoglycaemia is common [2]
"""
VALID = FRONT_MATTER + BODY


def write(tmp_path: Path, text: str, name: str = "hyperkalaemia-emergency.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path) -> ArticleLoadError:
    with pytest.raises(ArticleLoadError) as caught:
        load_native(path)
    return caught.value


def line_of(text: str, fragment: str) -> int:
    """1-based number of the first line of `text` containing `fragment`."""
    return next(i for i, line in enumerate(text.splitlines(), start=1) if fragment in line)


class TestValidArticle:
    def test_front_matter_fields_are_kept(self, tmp_path: Path) -> None:
        """Every front matter key reaches the article."""
        article = load_native(write(tmp_path, VALID))

        assert article.id == "hyperkalaemia-emergency"
        assert article.question.startswith("How should severe hyperkalaemia")
        assert article.specialty == "nephrology"
        assert article.tags == ("hyperkalaemia", "potassium")
        assert article.last_updated == date(2026, 11, 20)
        assert article.review_status is ReviewStatus.SUBMITTED
        assert article.source_format is SourceFormat.NATIVE

    def test_references_keep_type_source_year_and_links(self, tmp_path: Path) -> None:
        """The numbered reference list is kept entry by entry."""
        article = load_native(write(tmp_path, VALID))

        first, second = article.references
        assert (first.n, first.type, first.source, first.year, first.url) == (
            1,
            ReferenceType.GUIDELINE,
            "UK Kidney Association",
            2020,
            "https://example.org/hyperkalaemia",
        )
        assert (second.n, second.type, second.doi) == (2, ReferenceType.REVIEW, "10.1002/14651858.CD003235.pub2")

    def test_related_questions_keep_their_article_id_when_given(self, tmp_path: Path) -> None:
        """A related question names the corpus article that answers it, or none."""
        article = load_native(write(tmp_path, VALID))

        assert [(r.question, r.article_id) for r in article.related_questions] == [
            ("Is metformin safe in chronic kidney disease?", "metformin-ckd"),
            ("When should dialysis be started?", None),
        ]

    def test_title_and_summary_come_before_the_first_section(self, tmp_path: Path) -> None:
        """The '# ' line is the title and the paragraph under it, joined into one line, the summary."""
        article = load_native(write(tmp_path, VALID))

        assert article.title == "Emergency Treatment of Severe Hyperkalaemia"
        assert article.summary.startswith("Severe hyperkalaemia is treated in three steps")
        assert "\n" not in article.summary

    def test_bullets_carry_their_citations_group_and_line(self, tmp_path: Path) -> None:
        """Each bullet becomes a claim; its bracketed numbers are its citations; a lead-in is its group."""
        path = write(tmp_path, VALID)
        article = load_native(path)

        assert [s.heading for s in article.sections] == ["Immediate Treatment", "Pitfalls"]
        calcium, follow_up = article.sections[0].claims
        assert calcium.text == "Give intravenous calcium when the ECG shows hyperkalaemic changes"
        assert calcium.citations == (1,)
        assert calcium.group == "Protect the myocardium first"
        assert calcium.line == line_of(VALID, "Give intravenous calcium")
        assert follow_up.citations == (1, 2)
        assert article.sections[1].claims[0].group is None

    def test_continuation_lines_join_their_bullet(self, tmp_path: Path) -> None:
        """A bullet indented onto a second line is one claim, cited at its very end."""
        article = load_native(write(tmp_path, VALID))

        claim = article.sections[0].claims[1]
        assert claim.text == (
            "Calcium does not lower the serum potassium, so it must be followed by treatment that does"
        )

    def test_the_corpus_readme_example_loads(self, tmp_path: Path) -> None:
        """The complete example in corpus/README.md is a valid article."""
        readme = (Path(__file__).resolve().parents[2] / "corpus" / "README.md").read_text(encoding="utf-8")
        example = readme.split("```markdown\n", 1)[1].split("\n```", 1)[0] + "\n"

        article = load_native(write(tmp_path, example, "example-hyperkalaemia-emergency.md"))

        assert article.id == "example-hyperkalaemia-emergency"


class TestReferenceRules:
    def test_citing_a_number_missing_from_the_references_is_rejected(self, tmp_path: Path) -> None:
        """Every cited number must exist in the reference list; the error names the claim's line."""
        text = VALID.replace("late hypoglycaemia is common [2]", "late hypoglycaemia is common [3]")

        error = load_error(write(tmp_path, text))

        [issue] = error.issues
        assert "cites [3]" in issue.reason
        assert f"line {line_of(text, 'late hypoglycaemia')}" in issue.reason

    def test_duplicate_reference_numbers_are_rejected(self, tmp_path: Path) -> None:
        """Two references may not share a number."""
        error = load_error(write(tmp_path, VALID.replace("  - n: 2", "  - n: 1")))

        assert "reference numbers are not unique: [1]" in str(error)

    @pytest.mark.parametrize("field", ["n", "type", "title", "source"])
    def test_a_reference_missing_a_required_field_is_rejected(self, tmp_path: Path, field: str) -> None:
        """n, type, title and source are required in every reference."""
        lines = FRONT_MATTER.splitlines(keepends=True)
        first_ref = lines.index("  - n: 1\n")
        if field == "n":
            lines[first_ref + 1] = lines[first_ref + 1].replace("    type", "  - type")
            del lines[first_ref]
        else:
            lines = [
                line for i, line in enumerate(lines) if not (line.startswith(f"    {field}:") and i < first_ref + 7)
            ]

        error = load_error(write(tmp_path, "".join(lines) + BODY))

        assert f"references.0.{field}: Field required" in str(error)

    def test_a_reference_without_a_year_is_rejected(self, tmp_path: Path) -> None:
        """year is a required reference key (corpus/README.md)."""
        error = load_error(write(tmp_path, VALID.replace("    year: 2020\n", "", 1)))

        assert [i.reason for i in error.issues] == ["references.0.year: Field required"]

    def test_an_unknown_reference_type_is_rejected(self, tmp_path: Path) -> None:
        """The type is one of guideline, research, review, patient-education."""
        error = load_error(write(tmp_path, VALID.replace("type: review", "type: blog")))

        assert [i.reason for i in error.issues] == [
            "references.1.type: Input should be 'guideline', 'research', 'review' or 'patient-education'"
        ]


class TestFrontMatterRules:
    @pytest.mark.parametrize("field", ["id", "question", "specialty"])
    def test_a_missing_required_key_is_rejected(self, tmp_path: Path, field: str) -> None:
        """id, question and specialty must be present."""
        text = "".join(line for line in VALID.splitlines(keepends=True) if not line.startswith(f"{field}:"))

        error = load_error(write(tmp_path, text))

        assert f"{field}: Field required" in str(error)

    @pytest.mark.parametrize("field", ["last_updated", "review_status", "references"])
    def test_a_missing_key_the_readme_requires_is_rejected(self, tmp_path: Path, field: str) -> None:
        """The README's other required keys are enforced too."""
        lines = FRONT_MATTER.splitlines(keepends=True)
        if field == "references":
            start = lines.index("references:\n")
            end = lines.index("related_questions:\n")
            lines = lines[:start] + lines[end:]
            body = BODY.replace(" [1, 2]", "").replace(" [1]", "").replace(" [2]", "")
        else:
            lines = [line for line in lines if not line.startswith(f"{field}:")]
            body = BODY

        error = load_error(write(tmp_path, "".join(lines) + body))

        assert [i.reason for i in error.issues] == [f"{field}: Field required"]

    def test_an_unknown_key_is_rejected(self, tmp_path: Path) -> None:
        """A misspelt key is an error rather than silently ignored."""
        error = load_error(write(tmp_path, VALID.replace("tags:", "tagz:")))

        [issue] = error.issues
        assert issue.reason == "unknown front matter key 'tagz'"
        assert issue.line == 1

    @pytest.mark.parametrize("bad_id", ["Hyperkalaemia", "hyper_kalaemia", "-hyperkalaemia", "hyperkalaemia-"])
    def test_an_id_that_is_not_a_slug_is_rejected(self, tmp_path: Path, bad_id: str) -> None:
        """Ids hold only a-z, 0-9 and inner hyphens."""
        error = load_error(write(tmp_path, VALID.replace("id: hyperkalaemia-emergency", f"id: {bad_id}")))

        assert str(error).count("id: String should match pattern") == 1

    def test_an_unknown_review_status_is_rejected(self, tmp_path: Path) -> None:
        """review_status is submitted, under_review or approved."""
        error = load_error(write(tmp_path, VALID.replace("review_status: submitted", "review_status: done")))

        assert [i.reason for i in error.issues] == [
            "review_status: Input should be 'submitted', 'under_review' or 'approved'"
        ]

    def test_bad_yaml_is_rejected_with_its_line(self, tmp_path: Path) -> None:
        """A YAML syntax error names the file line it is on."""
        text = VALID.replace("specialty: nephrology", "specialty: [nephrology")

        error = load_error(write(tmp_path, text))

        [issue] = error.issues
        assert issue.reason.startswith("front matter is not valid YAML")
        assert issue.line is not None
        assert line_of(text, "specialty:") <= issue.line <= line_of(text, "tags:") + 1

    def test_front_matter_that_is_not_a_mapping_is_rejected(self, tmp_path: Path) -> None:
        """The front matter must be key: value pairs."""
        error = load_error(write(tmp_path, "---\n- a list\n---\n" + BODY))

        assert error.issues[0].reason == "front matter must be a mapping"

    def test_a_missing_front_matter_is_rejected(self, tmp_path: Path) -> None:
        """The file must open with '---'."""
        error = load_error(write(tmp_path, BODY.lstrip()))

        assert error.issues[0].reason == "missing front matter ('---' on line 1)"
        assert error.issues[0].line == 1

    def test_unclosed_front_matter_is_rejected(self, tmp_path: Path) -> None:
        """The front matter must end with a second '---' line."""
        error = load_error(write(tmp_path, FRONT_MATTER.rstrip().removesuffix("---")))

        assert error.issues[0].reason == "front matter is not closed by a '---' line"


class TestBodyRules:
    def test_a_section_without_bullets_is_rejected_with_its_line(self, tmp_path: Path) -> None:
        """Each '## ' section holds at least one bullet."""
        text = VALID + "\n## Empty Section\n"

        error = load_error(write(tmp_path, text))

        [issue] = error.issues
        assert issue.reason == "section 'Empty Section' has no bullet points"
        assert issue.line == line_of(text, "## Empty Section")

    def test_a_missing_title_is_rejected(self, tmp_path: Path) -> None:
        """The body needs a '# ' title line."""
        text = VALID.replace("# Emergency Treatment", "Emergency Treatment")

        error = load_error(write(tmp_path, text))

        body_start = line_of(text, "Emergency Treatment") - 1  # the blank line after the closing '---'
        assert ("missing '# ' title line", body_start) in [(i.reason, i.line) for i in error.issues]

    def test_a_missing_summary_is_rejected(self, tmp_path: Path) -> None:
        """The paragraph between the title and the first section is required."""
        text = (
            FRONT_MATTER
            + BODY.split("Severe hyperkalaemia is treated")[0]
            + "## Immediate"
            + BODY.split("## Immediate")[1]
        )

        error = load_error(write(tmp_path, text))

        assert [i.reason for i in error.issues] == ["missing summary paragraph between the title and the first section"]

    def test_stray_text_in_a_section_is_rejected_with_its_line(self, tmp_path: Path) -> None:
        """Inside a section, a line is a bullet or a lead-in ending with ':'."""
        text = VALID.replace("## Pitfalls\n", "## Pitfalls\n\nA sentence that is neither.\n")

        error = load_error(write(tmp_path, text))

        [issue] = error.issues
        assert issue.line == line_of(text, "A sentence that is neither.")


class TestTextRules:
    def test_invalid_utf8_is_rejected_with_its_line(self, tmp_path: Path) -> None:
        """Bytes that are not UTF-8 are reported on the line they occur."""
        path = tmp_path / "hyperkalaemia-emergency.md"
        path.write_bytes(VALID.encode("utf-8").replace(b"## Pitfalls", b"## Pitf\xffalls"))

        error = load_error(path)

        [issue] = error.issues
        assert issue.reason.startswith("not valid UTF-8")
        assert issue.line == line_of(VALID, "## Pitfalls")

    @pytest.mark.parametrize("content", ["", "  \n\n"])
    def test_an_empty_file_is_rejected(self, tmp_path: Path, content: str) -> None:
        """A file with no text is not an article."""
        error = load_error(write(tmp_path, content))

        assert [i.reason for i in error.issues] == ["file is empty"]

    def test_a_byte_order_mark_is_ignored(self, tmp_path: Path) -> None:
        """Editors that write a UTF-8 BOM still produce a loadable file."""
        path = tmp_path / "hyperkalaemia-emergency.md"
        path.write_bytes(b"\xef\xbb\xbf" + VALID.encode("utf-8"))

        assert load_native(path).id == "hyperkalaemia-emergency"
