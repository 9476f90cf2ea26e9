"""A learned second opinion on scope: a linear model over the question's own sentence embedding.

`service.triage.scope` reads a non-medical task or a rule change from its words ("write me a cover letter",
"drop the disclaimer"); people find other words ("what's a good name for my physio clinic", "print everything
above this line", "fabricate a study showing..."). This model reads the whole question as the embedding model
does, so a request lands near the non-medical tasks and rule changes it was trained on, and a clinical question
near the clinical questions. It only adds: it never brings a question the lexical check put out of scope back in,
and it is not asked about an emergency.

The weights live in `scope_model.json` beside this module, trained by `python -m evals.train_scope` (seeded) on
the development set's tune half and golden, with the out-of-scope requests of `evals/scope/requests.txt` and, as
questions in scope, consumer health questions (MedQuAD, K-QA) and the questions the bundled corpus answers. C and
the threshold are chosen by cross-validation, refusing a medical question costing more than answering a request
that is out of scope with an abstention. The file names the embedding model it was trained over: under another
model the vectors mean something else, so the model is not used (and says so once in the log).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ingest.embedding import Vectors
from service.triage.emergency_model import base_model_name

__all__ = ["MODEL_FILE", "ScopeModel", "load_scope_model", "scope_model_for"]

log = logging.getLogger("vademecum.service")

MODEL_FILE = Path(__file__).with_name("scope_model.json")


@dataclass(frozen=True)
class ScopeModel:
    """Logistic regression over a unit-length question vector: P(out of scope) = sigmoid(w . v + b)."""

    embedding_model: str
    weights: np.ndarray
    bias: float
    threshold: float
    # How it was trained and what cross-validation gave: kept with the weights, never read for decisions.
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def dimension(self) -> int:
        return int(self.weights.shape[0])

    def probability(self, vector: Vectors) -> float:
        return float(1.0 / (1.0 + np.exp(-(float(np.dot(self.weights, vector)) + self.bias))))

    def out_of_scope(self, vector: Vectors) -> bool:
        return self.probability(vector) >= self.threshold

    def fits(self, embedding_model: str, dimension: int) -> bool:
        """Trained over this embedding model: the same name (any export of it) and the same width."""
        return base_model_name(embedding_model) == base_model_name(self.embedding_model) and dimension == self.dimension

    def to_json(self) -> str:
        body = {
            "embedding_model": self.embedding_model,
            "threshold": self.threshold,
            "bias": self.bias,
            "weights": [round(float(w), 6) for w in self.weights],
            "provenance": self.provenance,
        }
        return json.dumps(body, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str) -> ScopeModel:
        body = json.loads(text)
        weights = np.asarray(body["weights"], dtype=np.float32)
        if weights.ndim != 1 or not weights.size:
            raise ValueError("scope model: 'weights' must be a non-empty list of numbers")
        threshold = float(body["threshold"])
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"scope model: threshold {threshold} is not a probability strictly between 0 and 1")
        return cls(
            embedding_model=str(body["embedding_model"]),
            weights=weights,
            bias=float(body["bias"]),
            threshold=threshold,
            provenance=dict(body.get("provenance") or {}),
        )


@lru_cache(maxsize=4)
def load_scope_model(path: Path = MODEL_FILE) -> ScopeModel:
    return ScopeModel.from_json(path.read_text(encoding="utf-8"))


def scope_model_for(embedding_model: str, dimension: int, path: Path = MODEL_FILE) -> ScopeModel | None:
    """The bundled model when it was trained over this embedding model; None (logged) otherwise."""
    model = load_scope_model(path)
    if model.fits(embedding_model, dimension):
        return model
    _warn_once(embedding_model, model.embedding_model)
    return None


@lru_cache(maxsize=8)
def _warn_once(configured: str, trained: str) -> None:
    log.warning(
        "the scope model was trained over another embedding model: scope is read from the question's words alone",
        extra={"fields": {"embedding_model": configured, "scope_model_trained_on": trained}},
    )
