"""The shape both learned second opinions share (`emergency_model`, `scope_model`): a logistic regression over the
question's unit-length sentence embedding, stored as JSON beside its module with the embedding model it was trained
over and how it was trained.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, ClassVar, Self

import numpy as np

from ingest.embedding import Vectors

__all__ = ["LinearModel", "base_model_name"]

log = logging.getLogger("vademecum.service")


@dataclass(frozen=True)
class LinearModel:
    """P(positive) = sigmoid(w . v + b), flagged at `threshold`."""

    # What the model is called in its file's error messages ("emergency model").
    NAME: ClassVar[str] = "linear model"
    # What the service does without it, said when the configured embedding model is not the one it was trained over.
    WITHOUT: ClassVar[str] = "it is not used"

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

    def fits(self, embedding_model: str, dimension: int) -> bool:
        """Trained over this embedding model: the same name (any export of it) and the same width."""
        return base_model_name(embedding_model) == base_model_name(self.embedding_model) and dimension == self.dimension

    def if_fits(self, embedding_model: str, dimension: int) -> Self | None:
        """This model when it was trained over `embedding_model`; None, logged once, otherwise."""
        if self.fits(embedding_model, dimension):
            return self
        _warn_once(self.NAME, self.WITHOUT, embedding_model, self.embedding_model)
        return None

    def to_json(self) -> str:
        body = {
            "embedding_model": self.embedding_model,
            "threshold": self.threshold,
            **self._thresholds(),
            "bias": self.bias,
            "weights": [round(float(w), 6) for w in self.weights],
            "provenance": self.provenance,
        }
        return json.dumps(body, indent=1) + "\n"

    def _thresholds(self) -> dict[str, float]:
        """Further thresholds a subclass keeps, written after `threshold`."""
        return {}

    @classmethod
    def from_json(cls, text: str) -> Self:
        body = json.loads(text)
        return cls(**cls._fields(body))

    @classmethod
    def _fields(cls, body: dict[str, Any]) -> dict[str, Any]:
        """The constructor's arguments from a parsed file, checked."""
        weights = np.asarray(body["weights"], dtype=np.float32)
        if weights.ndim != 1 or not weights.size:
            raise ValueError(f"{cls.NAME}: 'weights' must be a non-empty list of numbers")
        return {
            "embedding_model": str(body["embedding_model"]),
            "weights": weights,
            "bias": float(body["bias"]),
            "threshold": cls._probability(body["threshold"]),
            "provenance": dict(body.get("provenance") or {}),
        }

    @classmethod
    def _probability(cls, value: Any) -> float:
        threshold = float(value)
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"{cls.NAME}: threshold {threshold} is not a probability strictly between 0 and 1")
        return threshold


@lru_cache(maxsize=8)
def _warn_once(name: str, without: str, configured: str, trained: str) -> None:
    log.warning(
        f"the {name} was trained over another embedding model: {without}",
        extra={"fields": {"embedding_model": configured, f"{name.replace(' ', '_')}_trained_on": trained}},
    )


def base_model_name(model: str) -> str:
    """'all-MiniLM-L6-v2', whatever path or encoder suffix the name carries."""
    return model.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1].split("@", 1)[0].split("+", 1)[0].lower()
