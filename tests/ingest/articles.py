"""Small native-format articles written into a test's tmp_path, so each ingest takes seconds."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

DEFAULT_BULLETS = (
    "Give intravenous calcium when the ECG shows hyperkalaemic changes [1]",
    "Insulin with glucose shifts potassium into the cells within thirty minutes [1, 2]",
    "Check the glucose repeatedly after insulin because late hypoglycaemia is common [2]",
)

TOPICS = {
    "hyperkalaemia": (
        "How should severe hyperkalaemia be treated?",
        "nephrology",
        DEFAULT_BULLETS,
    ),
    "asthma": (
        "How is an acute asthma attack managed in adults?",
        "respiratory",
        (
            "Give inhaled salbutamol through a spacer or nebuliser without delay [1]",
            "Oral prednisolone shortens the attack and reduces relapse [1, 2]",
            "Magnesium sulfate is considered when the attack is life-threatening [2]",
        ),
    ),
    "sepsis": (
        "What are the first steps in treating sepsis?",
        "emergency-medicine",
        (
            "Take blood cultures before antibiotics when this causes no delay [1]",
            "Start broad-spectrum antibiotics within one hour of recognition [1, 2]",
            "Give a crystalloid fluid bolus when lactate is raised [2]",
        ),
    ),
    "migraine": (
        "How should an acute migraine be treated?",
        "neurology",
        (
            "Offer a triptan combined with an NSAID or paracetamol [1]",
            "An antiemetic helps when nausea limits oral treatment [2]",
            "Avoid opioids for the acute treatment of migraine [1, 2]",
        ),
    ),
}


def article_text(
    article_id: str,
    *,
    question: str | None = None,
    specialty: str | None = None,
    summary: str | None = None,
    bullets: Sequence[str] | None = None,
    section: str = "Treatment",
    review_status: str = "submitted",
    related: Sequence[tuple[str, str | None]] = (),
) -> str:
    topic = TOPICS.get(article_id.split("-")[0])
    if topic is not None:
        question = question or topic[0]
        specialty = specialty or topic[1]
        bullets = bullets if bullets is not None else topic[2]
    question = question or f"What is known about {article_id.replace('-', ' ')}?"
    bullets = bullets if bullets is not None else DEFAULT_BULLETS
    specialty = specialty or "general-medicine"
    summary = summary or f"This article answers the question about {article_id.replace('-', ' ')}. It is short."
    related_yaml = ""
    if related:
        related_yaml = "related_questions:\n" + "".join(
            f"  - question: {q}\n" + (f"    article_id: {target}\n" if target else "") for q, target in related
        )
    body = "\n".join(f"- {b}" for b in bullets)
    return f"""---
id: {article_id}
question: {question}
specialty: {specialty}
tags: [test]
last_updated: 2025-06-01
review_status: {review_status}
references:
  - n: 1
    type: guideline
    title: A guideline about {article_id}
    source: Test Society
    year: 2021
  - n: 2
    type: review
    title: A review about {article_id}
    source: Test Journal
    year: 2019
{related_yaml}---

# {question.rstrip("?")}

{summary}

## {section}

{body}
"""


def write_article(directory: Path, article_id: str, **kwargs: object) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{article_id}.md"
    path.write_text(article_text(article_id, **kwargs), encoding="utf-8")  # type: ignore[arg-type]
    return path


def write_invalid(directory: Path, name: str = "broken") -> Path:
    """A file the native loader rejects: a bullet cites a reference that does not exist."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.md"
    text = article_text(name, bullets=["A claim that cites a missing reference [7]"])
    path.write_text(text, encoding="utf-8")
    return path


def write_corpus(directory: Path, ids: Sequence[str] = ("hyperkalaemia", "asthma", "sepsis")) -> list[Path]:
    return [write_article(directory, article_id) for article_id in ids]
