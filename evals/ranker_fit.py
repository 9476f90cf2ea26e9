"""Fitting and cross-validating the relevance model: logistic regression in numpy, deterministic.

The training examples are (query, candidate passage) rows of `service.ranking_features.FEATURES`
with a 0/1 label (the passage is from the unit that answers the query) and a query id and group
(the article the answer is in). Rows are weighted so that every query counts the same, and each
source of queries (MedQuAD pairs, the bundled corpus's questions) the same in total.
Cross-validation holds out whole groups, so no article is both trained and tested on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Examples", "cross_validate", "fit_logistic", "ranking_quality"]


@dataclass(frozen=True)
class Examples:
    features: np.ndarray  # (rows, features) float32
    labels: np.ndarray  # (rows,) 0/1
    queries: np.ndarray  # (rows,) query number
    groups: np.ndarray  # (rows,) group number (the answer's article): the unit of cross-validation
    sources: np.ndarray  # (rows,) source number (0 corpus, 1 MedQuAD)

    def subset(self, keep: np.ndarray) -> Examples:
        return Examples(
            self.features[keep], self.labels[keep], self.queries[keep], self.groups[keep], self.sources[keep]
        )

    def weights(self) -> np.ndarray:
        """Each query weighs 1 in total, and each source as much as the others."""
        _, inverse, counts = np.unique(self.queries, return_inverse=True, return_counts=True)
        weights = 1.0 / counts[inverse]
        for source in np.unique(self.sources):
            chosen = self.sources == source
            weights[chosen] /= weights[chosen].sum()
        return np.asarray(weights / weights.mean(), dtype=np.float64)


@dataclass(frozen=True)
class Fitted:
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    def logits(self, features: np.ndarray) -> np.ndarray:
        return np.asarray(((features - self.mean) / self.scale) @ self.weights + self.bias)


def fit_logistic(examples: Examples, l2: float = 1.0, iterations: int = 50) -> Fitted:
    """Weighted, L2-regularised logistic regression by Newton's method on standardised features."""
    x = examples.features.astype(np.float64)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    z = np.column_stack([(x - mean) / scale, np.ones(len(x))])
    y = examples.labels.astype(np.float64)
    w = examples.weights()
    theta = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[-1] = 0.0  # the bias is not shrunk
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(z @ theta)))
        gradient = z.T @ (w * (p - y)) + penalty * theta
        hessian = (z * (w * p * (1 - p))[:, None]).T @ z + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if np.abs(step).max() < 1e-8:
            break
    return Fitted(mean=mean, scale=scale, weights=theta[:-1], bias=float(theta[-1]))


def ranking_quality(scores: np.ndarray, examples: Examples) -> dict[str, float]:
    """Mean nDCG@10, MRR and top-1 precision ("lead") over the queries that have a positive candidate."""
    ndcg, mrr, lead = [], [], []
    for query in np.unique(examples.queries):
        rows = np.flatnonzero(examples.queries == query)
        labels = examples.labels[rows]
        if not labels.any():
            continue
        order = labels[np.argsort(-scores[rows], kind="stable")]
        gains = order[:10] / np.log2(np.arange(2, min(10, len(order)) + 2))
        ideal = np.sort(labels)[::-1][:10] / np.log2(np.arange(2, min(10, len(labels)) + 2))
        ndcg.append(float(gains.sum() / ideal.sum()))
        mrr.append(1.0 / (1 + int(np.argmax(order))))
        lead.append(float(order[0]))
    return {
        "queries": float(len(ndcg)),
        "ndcg_10": round(float(np.mean(ndcg)), 4) if ndcg else math.nan,
        "mrr": round(float(np.mean(mrr)), 4) if mrr else math.nan,
        "lead": round(float(np.mean(lead)), 4) if lead else math.nan,
    }


def cross_validate(examples: Examples, folds: int, seed: int, l2: float) -> np.ndarray:
    """Held-out scores for every row: each fold's groups scored by a model fitted on the other folds."""
    groups = np.unique(examples.groups)
    rng = np.random.default_rng(seed)
    fold_of = dict(zip(groups.tolist(), rng.permutation(len(groups)) % folds, strict=True))
    fold = np.array([fold_of[g] for g in examples.groups.tolist()])
    scores = np.zeros(len(examples.labels))
    for k in range(folds):
        held = fold == k
        if not held.any() or held.all():
            continue
        fitted = fit_logistic(examples.subset(~held), l2=l2)
        scores[held] = fitted.logits(examples.features[held])
    return scores
