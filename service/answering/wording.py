"""Fixed wording the service attaches to answers. Kept in one place so reviewers can read it all."""

from __future__ import annotations

from service.schema import Audience, Filters

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


def insufficient_evidence(
    searched_articles: int,
    searched_passages: int,
    query_text: str,
    filters: Filters,
    unknown_terms: list[str] | None = None,
    populations: list[str] | None = None,
) -> str:
    """What was searched, so the reader can judge the abstention. Plain text: the Markdown is escaped when rendered."""
    conditions = []
    if filters.specialty:
        conditions.append(f"specialty {filters.specialty}")
    if filters.reference_type:
        conditions.append(f"reference type {filters.reference_type.value}")
    if filters.min_year:
        conditions.append(f"evidence from {filters.min_year} on")
    within = f" (filtered to {', '.join(conditions)})" if conditions else ""
    why = ""
    if unknown_terms:
        why = f"The corpus does not mention {_listed(unknown_terms)}. "
    elif populations:
        why = f"No passage on this topic addresses {_listed(populations, quote=False)}. "
    return (
        "The corpus holds no evidence that answers this question, so no answer is given rather than a guess. "
        f"{why}"
        f"Searched {searched_passages:,} passages from {searched_articles:,} articles{within} for: "
        f"\u201c{query_text}\u201d. The related questions below are ones the corpus can answer."
    )


def _listed(items: list[str], quote: bool = True) -> str:
    shown = [f"\u201c{item}\u201d" if quote else item for item in items[:5]]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]


OUT_OF_SCOPE = (
    "This service answers clinical questions from its guideline corpus only; this request is outside that "
    "scope, so it was not answered. Ask a medical question, for example about diagnosis, treatment or drug safety."
)

EMERGENCY_FOLLOWS = "What the corpus says that may be relevant:"

COMPOSITION_FAILED = (
    "The answer could not be completed. Only the passages above, with their references, were included; "
    "please ask again."
)

SEARCH_FAILED = "The corpus could not be searched just now, so no answer is given. Please try again in a moment."
