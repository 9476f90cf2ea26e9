"""The relevance model: one learned score for how well a passage answers the question.

Retrieval orders its final passages by it and the composer leads with, and orders, what it quotes by
the same score, so the evidence retrieval gathered (BM25, fusion, section and title matches, question
matches) is never thrown away between the two.

The model is a logistic regression over `service.ranking_features.FEATURES`, trained by
`python -m evals.train_ranker` (seeded, on MedQuAD question -> answer pairs, golden and the
development set's tune half; cross-validated by article) and kept in `ranker.json` beside this module:
weights, the standardisation it was trained with, its version, a fingerprint of its content, and the
feature list, which must equal the code's.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict

from service.ranking_features import FEATURES

__all__ = ["DEFAULT_MODEL_PATH", "ModelFileError", "RelevanceModel", "default_relevance_model"]

DEFAULT_MODEL_PATH = Path(__file__).with_name("ranker.json")


class ModelFileError(Exception):
    """The model file is missing, unreadable, or was trained on other features than the code computes."""


class RelevanceModel(BaseModel):
    """Standardised features -> linear score -> probability that the passage answers the question."""

    model_config = ConfigDict(frozen=True)

    version: str
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    # How it was trained and how it cross-validated: for the reader, never used to score.
    training: dict[str, object] = {}

    def fingerprint(self) -> str:
        """A hash of everything that changes a score."""
        payload = json.dumps([self.features, self.mean, self.scale, self.weights, self.bias])
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def check(self) -> RelevanceModel:
        if self.features != FEATURES:
            raise ModelFileError(
                f"ranker {self.version} was trained on features {list(self.features)}, the code computes "
                f"{list(FEATURES)}: retrain with `python -m evals.train_ranker`"
            )
        sizes = {len(self.mean), len(self.scale), len(self.weights)}
        if sizes != {len(self.features)}:
            raise ModelFileError(f"ranker {self.version}: weights and features differ in length")
        return self

    def logits(self, features: np.ndarray) -> np.ndarray:
        standardised = (features - np.asarray(self.mean, np.float32)) / np.asarray(self.scale, np.float32)
        return np.asarray(standardised @ np.asarray(self.weights, np.float32) + self.bias, dtype=np.float32)

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        return np.asarray(1.0 / (1.0 + np.exp(-self.logits(features))), dtype=np.float32)

    @classmethod
    def load(cls, path: Path) -> RelevanceModel:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ModelFileError(f"cannot read the ranker {path}: {error}") from None
        model = cls.model_validate(data)
        recorded = data.get("fingerprint")
        if recorded is not None and recorded != model.fingerprint():
            raise ModelFileError(f"ranker {path}: content does not match its fingerprint {recorded}")
        return model.check()

    def save(self, path: Path) -> None:
        data = {**self.model_dump(mode="json"), "fingerprint": self.fingerprint()}
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


@cache
def default_relevance_model() -> RelevanceModel:
    """The model shipped with the code, read once per process."""
    return RelevanceModel.load(DEFAULT_MODEL_PATH)
