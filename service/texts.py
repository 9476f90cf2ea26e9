"""Fixed wording the service attaches to answers. Kept in one place so reviewers can read it all."""

from __future__ import annotations

from service.models import Audience

DISCLAIMERS = {
    Audience.CLINICIAN: (
        "For healthcare professionals. This answer is assembled from a curated corpus and supports, but does "
        "not replace, clinical judgement. Verify doses, contraindications and recommendations against the "
        "cited sources and current local guidance before applying them to a patient."
    ),
    Audience.PATIENT: (
        "This is general health information, not medical advice, and it cannot take account of your own "
        "situation. Talk to a doctor, nurse or pharmacist about your health. If you feel very unwell or think "
        "it may be an emergency, call your local emergency number now."
    ),
}


def disclaimer(audience: Audience) -> str:
    return DISCLAIMERS[audience]


def review_notice(article_titles: list[str]) -> str:
    listed = "; ".join(article_titles)
    return (
        f"Not yet clinically approved: the cited article(s) ({listed}) are drafts pending review by the "
        "medical advisory board. Use them with extra caution."
    )


def insufficient_evidence(searched_articles: int, searched_passages: int, query_text: str) -> str:
    return (
        "The corpus holds no evidence that answers this question, so no answer is given rather than a guess. "
        f'Searched {searched_passages:,} passages from {searched_articles:,} articles for: "{query_text[:300]}". '
        "The related questions below are ones the corpus can answer."
    )


OUT_OF_SCOPE = (
    "This service answers clinical questions from its guideline corpus only; this request is outside that "
    "scope, so it was not answered. Ask a medical question, for example about diagnosis, treatment or drug safety."
)

EMERGENCY_FOLLOWS = "What the corpus says that may be relevant:"
