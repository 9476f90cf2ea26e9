"""The question index: MedQuAD QA-pair questions point at the section that answers them."""

from __future__ import annotations

from ingest.models import Article, Claim, Reference, ReferenceType, Section, SourceFormat
from ingest.version_builder import indexed_questions


def medquad_article() -> Article:
    pairs = [
        ("What is (are) Glaucoma ?", "Glaucoma is a group of eye diseases."),
        ("How to treat Glaucoma ?", "Drops."),
    ]
    return Article(
        id="medquad-nei-0000001",
        question=pairs[0][0],
        title="Glaucoma",
        summary="Glaucoma is a group of eye diseases.",
        sections=tuple(
            Section(heading=q, claims=(Claim(text=a, citations=(1,), source_id=f"NEI_1_Sec{i}"),))
            for i, (q, a) in enumerate(pairs, start=1)
        ),
        references=(Reference(n=1, type=ReferenceType.PATIENT_EDUCATION, title="Glaucoma", source="NEI"),),
        specialty="consumer-health",
        source_format=SourceFormat.MEDQUAD,
    )


def test_each_medquad_pair_question_points_at_its_own_section() -> None:
    questions = indexed_questions([medquad_article()])

    units = {(q.text, q.section) for q in questions if q.section is not None}

    assert units == {
        ("What is (are) Glaucoma ?", "What is (are) Glaucoma ?"),
        ("How to treat Glaucoma ?", "How to treat Glaucoma ?"),
    }
    assert [q.text for q in questions if q.section is None] == ["What is (are) Glaucoma ?"]
