"""The default extractive composer: what it quotes, in which order, under which headings."""

from __future__ import annotations

from ingest.chunking import SUMMARY_SECTION
from ingest.models import Chunk, ReviewStatus
from service.answering.composition import ExtractiveComposer
from service.handoffs import DraftItem, Passage, Query

QUERY = Query(question="q", text="q")


def passage(
    n: int,
    similarity: float,
    *,
    article: str = "a",
    section: str = "S",
    cites: bool = True,
    score: float | None = None,
) -> Passage:
    chunk = Chunk(
        id=f"{article}:{n:04d}",
        article_id=article,
        article_title=f"Article {article}",
        section=section,
        text=f"claim {n}",
        embed_text=f"claim {n}",
        citations=(1,) if cites else (),
        review_status=ReviewStatus.SUBMITTED,
        specialty="x",
        position=n,
        content_hash=str(n),
    )
    # Without a fused score of its own, a passage ranks in retrieval as it does by similarity.
    return Passage(chunk=chunk, similarity=similarity, score=similarity if score is None else score)


def test_best_passage_leads_and_weak_ones_are_left_out() -> None:
    passages = [passage(1, 0.75, score=1.0), passage(2, 0.80, score=1.0), passage(3, 0.60, score=0.5)]

    chosen = ExtractiveComposer().select(passages, 5)

    assert [p.chunk.id for p in chosen] == ["a:0002", "a:0001"]


def test_the_passage_retrieval_ranks_first_can_lead_a_slightly_more_similar_one() -> None:
    # Retrieval's fused score carries the question's words (a drug's name, "first line"), which cosine misses.
    passages = [passage(1, 0.78, score=1.0), passage(2, 0.80, score=0.85)]

    chosen = ExtractiveComposer().select(passages, 5)

    assert [p.chunk.id for p in chosen] == ["a:0001", "a:0002"]


def test_passages_without_references_are_never_quoted() -> None:
    passages = [passage(1, 0.90, cites=False), passage(2, 0.70)]

    assert [p.chunk.id for p in ExtractiveComposer().select(passages, 5)] == ["a:0002"]


def test_several_aspects_are_grouped_under_section_headings() -> None:
    passages = [passage(1, 0.80, section="Dosing"), passage(2, 0.79, section="Dosing"), passage(3, 0.78)]
    passages.append(passage(4, 0.77, section="Monitoring"))

    pieces = list(ExtractiveComposer().stream(QUERY, passages, 5))

    assert isinstance(pieces[0], DraftItem)
    assert [p for p in pieces if isinstance(p, str)] == ["Dosing", "S", "Monitoring"]


def test_passages_from_other_articles_are_headed_with_their_article() -> None:
    passages = [passage(1, 0.80), passage(2, 0.79, article="b", section="Pregnancy")]

    headings = [p for p in ExtractiveComposer().stream(QUERY, passages, 5) if isinstance(p, str)]

    assert headings == ["Pregnancy (Article b)"]


def test_follow_up_words_outweigh_the_context() -> None:
    generic = passage(1, 0.80).model_copy(update={"focus_similarity": 0.05})
    specific = passage(2, 0.75).model_copy(update={"focus_similarity": 0.30})

    chosen = ExtractiveComposer().select([generic, specific], 5)

    assert [p.chunk.id for p in chosen] == ["a:0002"]


def test_quotes_are_the_passages_verbatim() -> None:
    passages = [passage(1, 0.8), passage(2, 0.79)]

    items = [p for p in ExtractiveComposer().stream(QUERY, passages, 5) if isinstance(p, DraftItem)]

    assert all(item.text == item.passage.chunk.text for item in items)


def test_the_relevance_models_best_passage_leads_the_answer() -> None:
    # Cosine and fusion favour 1; the model, which also read headings and the question's words, favours 2.
    first = passage(1, 0.82, score=1.0).model_copy(update={"merit": 0.30})
    second = passage(2, 0.70, score=0.6).model_copy(update={"merit": 0.90})

    chosen = ExtractiveComposer().select([first, second], 5)

    assert chosen[0].chunk.id == "a:0002"


def test_quotes_follow_the_relevance_models_order() -> None:
    passages = [
        passage(1, 0.80).model_copy(update={"merit": 0.2}),
        passage(2, 0.79).model_copy(update={"merit": 0.9}),
        passage(3, 0.78).model_copy(update={"merit": 0.5}),
    ]

    chosen = ExtractiveComposer().select(passages, 5)

    assert [p.chunk.id for p in chosen] == ["a:0002", "a:0003", "a:0001"]


def summary(n: int, similarity: float, *, article: str = "a", score: float | None = None) -> Passage:
    return passage(n, similarity, article=article, section=SUMMARY_SECTION, score=score)


def test_a_summary_passage_never_leads_even_when_closest_to_the_question() -> None:
    passages = [summary(0, 0.90, score=1.0), passage(1, 0.70, score=1.0)]

    chosen = ExtractiveComposer().select(passages, 5)

    assert [p.chunk.id for p in chosen] == ["a:0001", "a:0000"]


def test_the_lead_articles_closest_summary_passage_is_quoted_second() -> None:
    passages = [passage(1, 0.80, score=1.0), passage(2, 0.78, score=1.0), summary(0, 0.60), summary(9, 0.75)]

    chosen = ExtractiveComposer().select(passages, 5)

    assert [p.chunk.id for p in chosen] == ["a:0001", "a:0009", "a:0002"]


def test_a_summary_far_below_the_lead_is_left_out() -> None:
    passages = [passage(1, 0.80, score=1.0), summary(0, 0.40, score=0.2)]

    assert [p.chunk.id for p in ExtractiveComposer().select(passages, 5)] == ["a:0001"]


def test_another_articles_summary_is_not_quoted() -> None:
    passages = [passage(1, 0.80, score=1.0), summary(0, 0.80, article="b", score=1.0)]

    assert [p.chunk.id for p in ExtractiveComposer().select(passages, 5)] == ["a:0001"]


def test_a_summary_alone_is_not_an_answer() -> None:
    """With no claim of the body to lead, nothing is quoted and the pipeline abstains."""
    assert ExtractiveComposer().select([summary(0, 0.90)], 5) == []
