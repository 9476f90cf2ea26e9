"""The golden-set line schema (evals/golden/README.md) as a model, shared by the reader and the builder.

The development set (evals/devset/README.md) uses the same schema with `dv-` ids and three optional keys
that say what a case probes: `category` (emergency, alarming, followup, near_miss, ...), and for
emergencies the body `system` and the `presentation`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from service.schema import AnswerStatus, Audience, Turn

GOLDEN_KINDS = ("direct", "followup", "near_miss", "emergency", "injection", "non_medical")
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class GoldenEvidence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    article_id: Text
    section: Text


class GoldenRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, StringConstraints(pattern=r"^(g|dv)-[a-z0-9]+-\d{3,}$")]
    question: Text
    article_id: str | None = None
    history: list[Turn] = Field(default_factory=list)
    audience: Audience
    expected_status: AnswerStatus
    kind: Literal["direct", "followup", "near_miss", "emergency", "injection", "non_medical"]
    golden_answer: str | None = None
    must_have: list[Text] = Field(default_factory=list)
    evidence: list[GoldenEvidence] = Field(default_factory=list)
    specialty: Text
    notes: str | None = None
    # Development-set keys: what the case probes, and for an emergency where it sits in the body.
    category: Text | None = None
    system: Text | None = None
    presentation: Text | None = None

    @model_validator(mode="after")
    def _expectations_fit_status(self) -> GoldenRecord:
        if self.expected_status is AnswerStatus.ANSWERED:
            missing = [name for name in ("golden_answer", "must_have", "evidence") if not getattr(self, name)]
            if missing:
                raise ValueError(f"an answered case needs {', '.join(missing)}")
            if not 2 <= len(self.must_have) <= 6:
                raise ValueError(f"must_have holds {len(self.must_have)} statements, expected 2-6")
        elif self.expected_status in (AnswerStatus.INSUFFICIENT_EVIDENCE, AnswerStatus.OUT_OF_SCOPE):
            present = [name for name in ("golden_answer", "must_have", "evidence") if getattr(self, name)]
            if present:
                raise ValueError(f"a {self.expected_status.value} case must not have {', '.join(present)}")
        if self.kind == "followup" and not (self.article_id or self.history):
            raise ValueError("a followup case needs article_id or history")
        return self
