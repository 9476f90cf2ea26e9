"""The typed hand-offs of an evaluation: Case -> SystemOutput -> CaseResult -> Summary.

Dicts exist only at the edges (reading datasets, writing results.jsonl and summary.json); every
stage in between takes and returns one of these models.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from service.schema import AnswerStatus, Audience, FollowupAnswer, Turn


class DatasetKind(StrEnum):
    GOLDEN = "golden"
    KQA = "kqa"
    BEIR = "beir"


class RelevanceUnit(StrEnum):
    """What a relevance judgment names: a corpus section (golden) or a MedQuAD QA pair (BEIR)."""

    SECTION = "section"
    SOURCE_ID = "source_id"


class Evidence(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    article_id: str
    section: str


class Judgments(BaseModel):
    """Graded relevance of retrieval units for one case; unjudged units count as grade 0."""

    model_config = ConfigDict(frozen=True)

    unit: RelevanceUnit
    grades: dict[str, int]
    # Units graded at least this are "relevant" for recall, MRR and hit rate.
    relevant_from: int = 1
    # The articles (golden) or MedQuAD documents (BEIR) a hit must come from.
    expected_articles: tuple[str, ...] = ()


class Case(BaseModel):
    """One question to put to the system, with everything known about the right response."""

    model_config = ConfigDict(frozen=True)

    id: str
    dataset: str
    kind: DatasetKind
    question: str
    article_id: str | None = None
    history: tuple[Turn, ...] = ()
    audience: Audience = Audience.CLINICIAN
    expected_status: AnswerStatus | None = None
    case_kind: str | None = None  # golden `kind`: direct, followup, near_miss, emergency, injection, non_medical
    golden_answer: str | None = None
    must_have: tuple[str, ...] = ()
    nice_to_have: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    judgments: Judgments | None = None
    specialty: str | None = None
    # Development set: what the case probes (emergency, alarming, followup...), and an emergency's body system.
    category: str | None = None
    body_system: str | None = None
    presentation: str | None = None


class RankedPassage(BaseModel):
    """One retrieved passage as the metrics see it."""

    model_config = ConfigDict(frozen=True)

    passage_id: str
    article_id: str
    section: str
    source_ids: tuple[str, ...] = ()


class SystemOutput(BaseModel):
    """What one system returned for one case."""

    answer: FollowupAnswer
    ranking: list[RankedPassage]
    # The answer's citations as passages (with their MedQuAD QA-pair ids where known), in order.
    cited: list[RankedPassage] = Field(default_factory=list)
    latency_ms: float
    # "retrieval" when the ranking is the retriever's list, "citations" when only the cited passages are known.
    ranking_source: str = "retrieval"


class CaseMetrics(BaseModel):
    """Every per-case metric; None where it does not apply to the case."""

    ndcg_10: float | None = None
    recall_10: float | None = None
    recall_50: float | None = None
    mrr: float | None = None
    article_hit_10: float | None = None
    cited_article_hit: float | None = None
    lead_from_evidence: float | None = None
    must_have_coverage: float | None = None
    contradicted: float | None = None
    contradicted_share: float | None = None
    rouge_l_f1: float | None = None
    semantic_similarity: float | None = None
    citation_coverage: float | None = None
    citation_support: float | None = None
    references_consistent: float | None = None
    disclaimer_present: float | None = None
    status_correct: float | None = None
    latency_ms: float | None = None


METRIC_NAMES: tuple[str, ...] = tuple(CaseMetrics.model_fields)
# Metrics where a lower value is better; every other metric is better higher.
LOWER_IS_BETTER = frozenset({"contradicted", "contradicted_share", "latency_ms", "latency_p50_ms", "latency_p95_ms"})


class CitationOut(BaseModel):
    n: int
    reference_numbers: list[int]
    article_id: str
    section: str
    passage_id: str
    quote: str
    supported: bool | None = None


class CaseResult(BaseModel):
    """One line of results.jsonl: a case put to one system, with the response and every metric."""

    case_id: str
    dataset: str
    system: str
    question: str
    specialty: str | None = None
    case_kind: str | None = None
    category: str | None = None
    body_system: str | None = None
    expected_status: AnswerStatus | None = None
    status: AnswerStatus | None = None  # None when the system failed (see error)
    answer: str = ""
    citations: list[CitationOut] = Field(default_factory=list)
    reference_count: int = 0
    ranking: list[str] = Field(default_factory=list, description="top retrieval units, best first")
    ranking_source: str = "retrieval"
    metrics: CaseMetrics = Field(default_factory=CaseMetrics)
    problems: list[str] = Field(default_factory=list, description="what went wrong, for a reader")
    error: str | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.dataset, self.case_id, self.system)


class StatusScores(BaseModel):
    precision: float | None
    recall: float | None
    predicted: int
    expected: int


class SystemSummary(BaseModel):
    """Aggregates of one system over one dataset."""

    cases: int
    errors: int = 0
    metrics: dict[str, float | None]
    counts: dict[str, int] = Field(default_factory=dict, description="cases each metric was computed over")
    behaviour: dict[str, StatusScores] = Field(default_factory=dict)
    by_specialty: dict[str, dict[str, float | None]] = Field(default_factory=dict)
    statuses: dict[str, int] = Field(default_factory=dict)
    # Expected status -> status given -> cases: a misrouted emergency shows at a glance.
    confusion: dict[str, dict[str, int]] = Field(default_factory=dict)
    # Per case category (development set): cases, status as expected, share answered as an emergency.
    by_category: dict[str, dict[str, float | None]] = Field(default_factory=dict)
    # Per body system, over the cases expected to be emergencies: cases and emergency recall.
    emergency_by_system: dict[str, dict[str, float | None]] = Field(default_factory=dict)


class DatasetSummary(BaseModel):
    name: str
    kind: DatasetKind
    cases: int
    systems: dict[str, SystemSummary]


class RunInfo(BaseModel):
    """What a run was over: compared on resume so results of different runs are never mixed."""

    index_version: str
    target: str  # "in-process" or the server URL
    systems: list[str]
    judge: str
    datasets: list[str]


class Summary(BaseModel):
    run: RunInfo
    datasets: list[DatasetSummary]
