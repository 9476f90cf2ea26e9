"""Train the emergency model (`service/triage/emergency_model.json`): seeded, from data that is no test set.

    .venv/bin/python -m evals.train_triage [--out service/triage/emergency_model.json] [--check]

What it learns from:
- emergencies: the development set's tune half and golden (`expected_status` emergency);
- non-emergencies: every other case of those two sets (follow-ups, near misses, alarming-but-not-emergency
  teaching questions, non-medical requests), plus consumer health questions that are not emergencies:
  a seeded sample of MedQuAD's questions and K-QA's patient questions from ../shared/data, and the questions
  the bundled corpus answers (each article's question and its related questions, corpus/): clinical
  questions about sepsis, stroke or anaphylaxis that ask how to manage them, not for help now.

The development set's test half is never read. The model is a logistic regression over the bundled
encoder's unit vectors of the questions (class-balanced, L2 strength chosen below).

How C and the threshold are chosen: 5-fold cross-validation, stratified and seeded, over the tune half and
golden (the consumer questions are always in the training folds). A candidate is scored on the model's own
flags, gated as the product gates them (someone's present situation, not a teaching question or a what-if),
without the presentation tables' help: the tables were fitted to these same cases, so beside them every
candidate would look perfect, and the model is there for the wordings the tables have never seen. A missed
emergency costs far more than a false one: the candidate with the lowest cost, MISS_COST per missed
emergency plus one per false flag, wins (ties: the higher threshold, then the smaller C).

The conversation threshold (for a question asked inside a conversation: an article being read or earlier
turns) is chosen the same way from the chosen C's out-of-fold scores, over the conversation cases alone; of
the thresholds with the lowest cost it takes the lowest, the widest margin below the emergencies seen.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from evals.datasets import GOLDEN_CORPUS, REPO, read_devset, read_golden, read_kqa, shared_data_dir
from evals.models import Case
from ingest.embedding import Embedder, SentenceTransformerEmbedder, default_model_path
from ingest.formats.medquad import read_medquad
from ingest.loading import load_inputs
from service.schema import AnswerStatus, Audience
from service.triage.emergency_model import MODEL_FILE, EmergencyModel, speaks_of_a_present_situation

SEED = 13
FOLDS = 5
C_GRID = (0.3, 1.0, 3.0, 10.0)
THRESHOLD_GRID = tuple(round(float(t), 2) for t in np.arange(0.1, 0.96, 0.05))
MEDQUAD_SAMPLE = 1500
MISS_COST = 10
# Sources that are never a test: always in the training folds, never counted in cross-validation.
ALWAYS_TRAINED = frozenset({"consumer", "corpus"})


@dataclass(frozen=True)
class Example:
    question: str
    emergency: bool
    # Where it comes from: "tune", "golden" (cross-validated), "consumer" or "corpus" (always trained on).
    source: str
    # Someone's present situation, as the product requires before it uses the model's flag.
    gate: bool = True
    category: str = ""
    # Asked inside a conversation: an article being read or earlier user turns.
    conversation: bool = False


@dataclass(frozen=True)
class Candidate:
    c: float
    threshold: float
    missed: int
    false_flags: int
    false_alarming: int


def examples_from_cases(cases: Sequence[Case], source: str) -> list[Example]:
    return [example_from_case(case, source) for case in cases]


def example_from_case(case: Case, source: str) -> Example:
    conversation = bool(case.article_id) or any(turn.role == "user" for turn in case.history)
    return Example(
        question=case.question,
        emergency=case.expected_status is AnswerStatus.EMERGENCY,
        source=source,
        gate=speaks_of_a_present_situation(
            case.question, weak_cues=case.audience is Audience.PATIENT, in_conversation=conversation
        ),
        category=case.category or "",
        conversation=conversation,
    )


def consumer_questions(shared: Path, sample: int = MEDQUAD_SAMPLE, seed: int = SEED) -> list[str]:
    """A seeded sample of MedQuAD's questions and all of K-QA's: real questions, none of them an emergency."""
    medquad = shared / "medquad"
    kqa = shared / "kqa-dev" / "questions_w_answers.dev.jsonl"
    if not medquad.is_dir() or not kqa.is_file():
        raise SystemExit(f"train_triage: needs MedQuAD and K-QA under {shared} (see ../shared/data/README.md)")
    questions: list[str] = []
    for path in sorted(medquad.glob("*/*.xml")):
        article = read_medquad(path).article
        if article is not None:
            questions.extend(section.heading for section in article.sections)
    random.Random(seed).shuffle(questions)
    return questions[:sample] + [case.question for case in read_kqa(kqa)]


def corpus_questions(corpus: Path = REPO / "corpus") -> list[str]:
    """The questions the bundled corpus answers: each article's own and its related questions, in file order."""
    questions: list[str] = []
    for article in load_inputs([corpus]).articles:
        questions.append(article.question)
        questions.extend(related.question for related in article.related_questions)
    return questions


def choose(vectors: np.ndarray, examples: Sequence[Example], seed: int = SEED) -> tuple[Candidate, Candidate]:
    """C and threshold, then the conversation threshold, by cross-validation over the tune half and golden
    (see the module docstring)."""
    labels = np.array([e.emergency for e in examples])
    folded = np.array([e.source not in ALWAYS_TRAINED for e in examples])
    gate = np.array([e.gate for e in examples])
    alarming = np.array([e.category == "alarming" for e in examples])
    conversation = np.array([e.conversation for e in examples])
    rows = np.flatnonzero(folded)
    always = np.flatnonzero(~folded)
    candidates: list[Candidate] = []
    scores: dict[float, np.ndarray] = {}
    for c in C_GRID:
        out_of_fold = np.zeros(len(examples))
        for train, held in StratifiedKFold(FOLDS, shuffle=True, random_state=seed).split(rows, labels[rows]):
            fit_rows = np.concatenate([rows[train], always])
            model = fit(vectors[fit_rows], labels[fit_rows], c)
            out_of_fold[rows[held]] = model.predict_proba(vectors[rows[held]])[:, 1]
        scores[c] = out_of_fold
        candidates += _candidates(c, out_of_fold, rows, labels, gate, alarming)
    best = min(candidates, key=lambda k: (MISS_COST * k.missed + k.false_flags, -k.threshold, k.c))
    inside = rows[conversation[rows]]
    if not len(inside):  # nothing to choose from: a conversation gets the one threshold
        return best, best
    in_conversation = _candidates(best.c, scores[best.c], inside, labels, gate, alarming)
    return best, min(in_conversation, key=lambda k: (MISS_COST * k.missed + k.false_flags, k.threshold))


def _candidates(
    c: float, out_of_fold: np.ndarray, rows: np.ndarray, labels: np.ndarray, gate: np.ndarray, alarming: np.ndarray
) -> list[Candidate]:
    found: list[Candidate] = []
    for threshold in THRESHOLD_GRID:
        flagged = (gate & (out_of_fold >= threshold))[rows]
        truth = labels[rows]
        found.append(
            Candidate(
                c=c,
                threshold=threshold,
                missed=int((truth & ~flagged).sum()),
                false_flags=int((~truth & flagged).sum()),
                false_alarming=int((~truth & flagged & alarming[rows]).sum()),
            )
        )
    return found


def train(examples: Sequence[Example], embedder: Embedder, seed: int = SEED) -> EmergencyModel:
    vectors = np.asarray(embedder.embed_documents([e.question for e in examples]), dtype=np.float32)
    best, conversation = choose(vectors, examples, seed)
    labels = np.array([e.emergency for e in examples])
    final = fit(vectors, labels, best.c)
    counted = [e for e in examples if e.source not in ALWAYS_TRAINED]
    return EmergencyModel(
        embedding_model=embedder.model_name,
        weights=final.coef_[0].astype(np.float32),
        bias=float(final.intercept_[0]),
        threshold=best.threshold,
        conversation_threshold=conversation.threshold,
        provenance={
            "trained_by": "python -m evals.train_triage",
            "seed": seed,
            "c": best.c,
            "examples": {
                "emergencies": sum(e.emergency for e in examples),
                "non_emergencies_from_cases": sum(not e.emergency for e in counted),
                "consumer_questions": sum(e.source == "consumer" for e in examples),
                "corpus_questions": sum(e.source == "corpus" for e in examples),
            },
            "cross_validated_model_alone": {
                "folds": FOLDS,
                "cases": len(counted),
                "missed_emergencies": best.missed,
                "false_flags": best.false_flags,
                "false_flags_on_alarming": best.false_alarming,
                "alarming_cases": sum(e.category == "alarming" for e in counted),
            },
            "cross_validated_in_conversation": {
                "cases": sum(e.conversation for e in counted),
                "missed_emergencies": conversation.missed,
                "false_flags": conversation.false_flags,
            },
        },
    )


def fit(vectors: np.ndarray, labels: np.ndarray, c: float) -> LogisticRegression:
    """A class-balanced logistic regression of strength C (the scope model's trainer fits the same way)."""
    return LogisticRegression(C=c, max_iter=5000, class_weight="balanced").fit(vectors, labels)


def training_examples(shared: Path) -> list[Example]:
    return (
        examples_from_cases(read_devset("tune"), "tune")
        + examples_from_cases(read_golden(GOLDEN_CORPUS), "golden")
        + [Example(q, emergency=False, source="consumer") for q in consumer_questions(shared)]
        + [Example(q, emergency=False, source="corpus") for q in corpus_questions()]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.train_triage", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=MODEL_FILE, help="where to write the model (JSON)")
    parser.add_argument("--check", action="store_true", help="train, and fail if it differs from --out")
    args = parser.parse_args(argv)
    model = train(training_examples(shared_data_dir()), SentenceTransformerEmbedder(default_model_path()))
    text = model.to_json()
    cv = model.provenance["cross_validated_model_alone"]
    print(f"C {model.provenance['c']}, threshold {model.threshold}; cross-validated, the model alone: {cv}")
    inside = model.provenance["cross_validated_in_conversation"]
    print(f"in a conversation: threshold {model.conversation_threshold}, {inside}")
    if args.check:
        same = args.out.is_file() and args.out.read_text(encoding="utf-8") == text
        print("the model matches" if same else f"the model differs from {args.out}")
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
