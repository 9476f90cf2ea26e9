"""The learned relevance model: how likely a retrieved passage answers the question.

One model serves two readers. Retrieval orders its candidates by it (before diversifying), and the
composer chooses its lead quote and the order of the rest by it, so what the answer shows first is what
retrieval judged best, for the same reasons.

It is a logistic regression over the candidate features of `service.retrieval.features`, standardised
with the training set's mean and scale. The weights live in `relevance_model.json` beside this module,
written by `python -m evals.train_relevance` (seeded), with how they were trained and cross-validated.
A linear model is monotone in each feature and cheap (one small matrix product per request), and a
feature that is constant over the candidates (no section vectors in an old index, no focus) cannot
change the order it gives.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from service.retrieval.features import FEATURES

__all__ = ["MODEL_FILE", "RelevanceModel", "default_relevance_model"]

log = logging.getLogger("vademecum.service")

MODEL_FILE = Path(__file__).with_name("relevance_model.json")


@dataclass(frozen=True)
class RelevanceModel:
    """P(answers) = sigmoid(w . (x - mean) / scale + b) over the columns named by `features`."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    # How it was trained and what cross-validation gave: kept with the weights, never read for decisions.
    provenance: dict[str, Any] = field(default_factory=dict)

    def logits(self, features: np.ndarray) -> np.ndarray:
        """One score per row of a (candidates x FEATURES) matrix; higher answers better."""
        if features.shape[1] != len(self.features):
            raise ValueError(f"expected {len(self.features)} feature columns, got {features.shape[1]}")
        logits: np.ndarray = ((features - self.mean) / self.scale) @ self.weights + self.bias
        return logits

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        return np.asarray(1.0 / (1.0 + np.exp(-self.logits(features))), dtype=np.float64)

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "weights": [round(float(v), 6) for v in self.weights],
            "bias": round(self.bias, 6),
            "provenance": self.provenance,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RelevanceModel:
        features = tuple(data["features"])
        if features != FEATURES:
            # A model over other columns would read the wrong numbers: refuse rather than mis-rank.
            raise ValueError(f"the model's features {features} are not this build's {FEATURES}")
        arrays = [np.asarray(data[key], dtype=np.float64) for key in ("mean", "scale", "weights")]
        if any(a.shape != (len(features),) for a in arrays):
            raise ValueError("mean, scale and weights must each hold one number per feature")
        mean, scale, weights = arrays
        return cls(features, mean, np.where(scale > 0, scale, 1.0), weights, float(data["bias"]), data["provenance"])

    @classmethod
    def load(cls, path: Path) -> RelevanceModel:
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")


@lru_cache(maxsize=1)
def default_relevance_model() -> RelevanceModel | None:
    """The bundled model, or None (with one log line) when its file is missing or does not fit this build."""
    try:
        return RelevanceModel.load(MODEL_FILE)
    except (OSError, ValueError, KeyError) as error:
        log.warning("relevance model %s not used: %s", MODEL_FILE.name, error)
        return None
