"""A complete article page as saved text, and helpers to write variants of it and read the loader's refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.formats.page_text import load_page_text
from ingest.models import ArticleLoadError

PAGE = """\
How should community-acquired pneumonia be treated in adults?

Medical Advisory BoardAll articles are reviewed for accuracy by our Medical Advisory Board
Educational purpose only • Exercise caution as content is pending human review
Article Review Status
Submitted
Under Review
Approved

Last updated: March 12, 2025View editorial policy

Personalize

Help us tailor your experience

Which best describes you? Your choice helps us use language that's most understandable for you.

Treatment of Community-Acquired Pneumonia in Adults

Treatment starts with a severity assessment, and the antibiotic follows from it.

Severity Assessment

Score every patient:

  • Use the CURB-65 score to decide where to treat 1
  • Admit when the score is 2 or more 1, 2

Antibiotic Choice

  • Give amoxicillin for low-severity pneumonia for 5 days 2
  • Measure the consolidation, which is often larger than 2.5 cm
  • Review at day 9

References

Guideline

Pneumonia in adults: diagnosis and management

National Institute for Health and Care Excellence, 2019

Research

Duration of antibiotic treatment in pneumonia

The Lancet, 2021

Related Questions

When should a chest X-ray be repeated after pneumonia?
Which antibiotics treat atypical pneumonia?

Professional Medical Disclaimer

This information is intended for healthcare professionals.

Have a follow-up question?

Our Medical A.I. is used by practicing medical doctors. Ask any follow up question.
"""


def write(tmp_path: Path, text: str, name: str = "pneumonia-page.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path) -> ArticleLoadError:
    with pytest.raises(ArticleLoadError) as caught:
        load_page_text(path)
    return caught.value


def line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if fragment in line)
