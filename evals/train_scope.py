"""Train the scope model (`service/triage/scope_model.json`): seeded, from data that is no test set.

    .venv/bin/python -m evals.train_scope [--out service/triage/scope_model.json] [--check]

What it learns from:
- out of scope: the development set's tune half and golden (`expected_status` out_of_scope), and the requests of
  `evals/scope/requests.txt` (non-medical tasks, general knowledge, the administration of care, rule changes);
- in scope: every other case of those two sets (answered, insufficient evidence, emergencies, terse follow-ups),
  consumer health questions (a seeded sample of MedQuAD's and all of K-QA's, from ../shared/data), and the
  questions the bundled corpus answers.

The development set's test half is never read. The model is a logistic regression over the bundled encoder's
unit vectors of the questions as typed (class-balanced).

How C and the threshold are chosen: 5-fold cross-validation, stratified and seeded, over the tune half and golden
(the requests file and the consumer and corpus questions are always in the training folds). Refusing a medical
question costs REFUSAL_COST; answering a request that is out of scope with an abstention costs one. The candidate
with the lowest cost wins (ties: the higher threshold, then the smaller C).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold

from evals.datasets import GOLDEN_CORPUS, REPO, read_devset, read_golden, shared_data_dir
from evals.models import Case
from evals.train_triage import consumer_questions, corpus_questions, fit
from ingest.embedding import Embedder, SentenceTransformerEmbedder, default_model_path
from service.schema import AnswerStatus
from service.triage.scope_model import MODEL_FILE, ScopeModel

SEED = 13
FOLDS = 5
C_GRID = (0.3, 1.0, 3.0, 10.0)
THRESHOLD_GRID = (*(round(float(t), 2) for t in np.arange(0.3, 0.95, 0.05)), 0.95, 0.97, 0.98, 0.99)
REFUSAL_COST = 5
REQUESTS = REPO / "evals" / "scope" / "requests.txt"
# Sources that are never a test: always in the training folds, never counted in cross-validation.
ALWAYS_TRAINED = frozenset({"requests", "consumer", "corpus"})


@dataclass(frozen=True)
class Example:
    question: str
    out_of_scope: bool
    # Where it comes from: "tune", "golden" (cross-validated), "requests", "consumer" or "corpus" (always trained on).
    source: str


@dataclass(frozen=True)
class Candidate:
    c: float
    threshold: float
    refused: int  # questions in scope the model would put out of scope
    missed: int  # requests out of scope it would let through


def examples_from_cases(cases: Sequence[Case], source: str) -> list[Example]:
    return [Example(c.question, c.expected_status is AnswerStatus.OUT_OF_SCOPE, source) for c in cases]


def read_requests(path: Path = REQUESTS) -> list[str]:
    """The requests file's lines, without comments and blank lines."""
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def training_examples(shared: Path) -> list[Example]:
    return (
        examples_from_cases(read_devset("tune"), "tune")
        + examples_from_cases(read_golden(GOLDEN_CORPUS), "golden")
        + [Example(q, out_of_scope=True, source="requests") for q in read_requests()]
        + [Example(q, out_of_scope=False, source="consumer") for q in consumer_questions(shared)]
        + [Example(q, out_of_scope=False, source="corpus") for q in corpus_questions()]
    )


def choose(vectors: np.ndarray, examples: Sequence[Example], seed: int = SEED) -> Candidate:
    """C and threshold by cross-validation over the tune half and golden (see the module docstring)."""
    labels = np.array([e.out_of_scope for e in examples])
    folded = np.array([e.source not in ALWAYS_TRAINED for e in examples])
    rows, always = np.flatnonzero(folded), np.flatnonzero(~folded)
    candidates: list[Candidate] = []
    for c in C_GRID:
        out_of_fold = np.zeros(len(examples))
        for train, held in StratifiedKFold(FOLDS, shuffle=True, random_state=seed).split(rows, labels[rows]):
            fit_rows = np.concatenate([rows[train], always])
            model = fit(vectors[fit_rows], labels[fit_rows], c)
            out_of_fold[rows[held]] = model.predict_proba(vectors[rows[held]])[:, 1]
        for threshold in THRESHOLD_GRID:
            flagged, truth = out_of_fold[rows] >= threshold, labels[rows]
            candidates.append(Candidate(c, threshold, int((~truth & flagged).sum()), int((truth & ~flagged).sum())))
    return min(candidates, key=lambda k: (REFUSAL_COST * k.refused + k.missed, -k.threshold, k.c))


def train(examples: Sequence[Example], embedder: Embedder, seed: int = SEED) -> ScopeModel:
    vectors = np.asarray(embedder.embed_documents([e.question for e in examples]), dtype=np.float32)
    best = choose(vectors, examples, seed)
    final = fit(vectors, np.array([e.out_of_scope for e in examples]), best.c)
    counted = [e for e in examples if e.source not in ALWAYS_TRAINED]
    return ScopeModel(
        embedding_model=embedder.model_name,
        weights=final.coef_[0].astype(np.float32),
        bias=float(final.intercept_[0]),
        threshold=best.threshold,
        provenance={
            "trained_by": "python -m evals.train_scope",
            "seed": seed,
            "c": best.c,
            "examples": {
                "out_of_scope_cases": sum(e.out_of_scope for e in counted),
                "in_scope_cases": sum(not e.out_of_scope for e in counted),
                "requests": sum(e.source == "requests" for e in examples),
                "consumer_questions": sum(e.source == "consumer" for e in examples),
                "corpus_questions": sum(e.source == "corpus" for e in examples),
            },
            "cross_validated": {
                "folds": FOLDS,
                "cases": len(counted),
                "refused_in_scope": best.refused,
                "missed_out_of_scope": best.missed,
            },
        },
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.train_scope", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=MODEL_FILE, help="where to write the model (JSON)")
    parser.add_argument("--check", action="store_true", help="train, and fail if it differs from --out")
    args = parser.parse_args(argv)
    model = train(training_examples(shared_data_dir()), SentenceTransformerEmbedder(default_model_path()))
    text = model.to_json()
    cv = model.provenance["cross_validated"]
    print(f"C {model.provenance['c']}, threshold {model.threshold}; cross-validated: {cv}")
    if args.check:
        same = args.out.is_file() and args.out.read_text(encoding="utf-8") == text
        print("the model matches" if same else f"the model differs from {args.out}")
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
