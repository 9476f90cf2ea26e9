"""Does a text entail, contradict, or say nothing about a statement? The offline judge, and its protocol.

No NLI model can be downloaded here, so the default judge works from what is available: the MiniLM
model that embeds the index, used two ways (one forward pass gives both), plus lexical checks.

- The premise is cut into claims, one per sentence.
- Token recall (BERTScore-style recall): each token of the statement, embedded in its context, is
  matched to its most similar token of the premise's claims; support is the mean of those best
  matches blended with the best claim-level cosine similarity (sentence vectors).
- The claim most similar to the statement is the one it is checked against for contradictions.
- A statement is contradicted when that claim is about the same thing (similarity over a threshold)
  and differs from it in negation ("is safe" / "is not safe") or in its numbers ("5 days" / "10 days").

The blend weight and thresholds are chosen against physicians' labels (`evals.calibration`) and stored
in `evals/judge_thresholds.json`. Any object with the `Judge` protocol can replace this one, for
example an LLM judge: `vademecum eval --judge package.module:factory`.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ingest.chunking import split_sentences
from ingest.embedding import Embedder, Vectors

THRESHOLDS_FILE = Path(__file__).resolve().parent / "judge_thresholds.json"


class Label(StrEnum):
    ENTAILMENT = "Entailment"
    NEUTRAL = "Neutral"
    CONTRADICTION = "Contradiction"


@dataclass(frozen=True)
class Verdict:
    label: Label
    support: float  # 0..1, how strongly the premise states the hypothesis
    reason: str = ""


class Judge(Protocol):
    @property
    def name(self) -> str: ...

    def judge(self, premise: str, hypotheses: Sequence[str]) -> list[Verdict]:
        """One verdict per hypothesis: does `premise` entail it, contradict it, or neither?"""
        ...


@dataclass(frozen=True)
class Thresholds:
    weight: float = 1.0  # share of token recall in the support score (the rest is sentence similarity)
    entail: float = 0.6  # support at or above which a statement is entailed
    contradict: float = 0.6  # similarity at or above which a negation or number mismatch is a contradiction

    @classmethod
    def load(cls, path: Path = THRESHOLDS_FILE) -> Thresholds:
        if not path.is_file():
            return cls()
        chosen = json.loads(path.read_text(encoding="utf-8"))["thresholds"]
        return cls(
            weight=float(chosen["weight"]), entail=float(chosen["entail"]), contradict=float(chosen["contradict"])
        )


@dataclass(frozen=True)
class Features:
    """What the judge measures for one (premise, hypothesis) pair; thresholds turn it into a label."""

    similarity: float
    token_recall: float
    negation_mismatch: bool
    number_mismatch: bool
    best_claim: str

    def label(self, thresholds: Thresholds) -> Verdict:
        support = thresholds.weight * self.token_recall + (1 - thresholds.weight) * self.similarity
        if self.similarity >= thresholds.contradict and (self.negation_mismatch or self.number_mismatch):
            what = "negation" if self.negation_mismatch else "numbers"
            return Verdict(Label.CONTRADICTION, support, f"{what} differ from: {self.best_claim[:160]}")
        if support >= thresholds.entail:
            return Verdict(Label.ENTAILMENT, support, f"stated in: {self.best_claim[:160]}")
        return Verdict(Label.NEUTRAL, support, "not stated")


_NEGATORS = frozenset(
    "no not never none nothing neither nor without cannot cant dont doesnt didnt isnt arent wasnt werent "
    "wont shouldnt mustnt neednt".split()
)
# Words that negate by themselves: "should be avoided" says what "should not be given" says.
_NEGATIVE_WORDS = frozenset("avoid avoided unsafe ineffective contraindicated".split())
_NUMBER = re.compile(r"(?<![\w.])(\d+(?:[.,]\d+)?)")
_WORD = re.compile(r"[a-z0-9]+")


def negated(text: str) -> bool:
    """The polarity of a statement: a negator or a negative word, but not both ("not be avoided")."""
    words = set(_WORD.findall(text.lower().replace("n't", "nt").replace("’", "")))
    return bool(words & _NEGATORS) != bool(words & _NEGATIVE_WORDS)


def negation_mismatch(hypothesis: str, claim: str) -> bool:
    """One of the two is negated and the other is not ("is safe" / "is not safe")."""
    return negated(hypothesis) != negated(claim)


def numbers(text: str) -> set[float]:
    """The numbers a text states; "1,000" is a thousand, "2,5" is two and a half."""
    found = set()
    for token in _NUMBER.findall(text):
        whole, _, part = token.partition(",")
        found.add(float(whole + part if len(part) == 3 else f"{whole}.{part}" if part else whole))
    return found


def number_mismatch(hypothesis: str, claim: str) -> bool:
    """Both state numbers, and none of the statement's numbers appear in the claim."""
    stated, found = numbers(hypothesis), numbers(claim)
    return bool(stated and found and not stated & found)


@dataclass(frozen=True)
class Encoded:
    vector: Vectors  # the sentence vector (mean pooling, normalised: what the embedder returns)
    tokens: Vectors  # each token's contextual vector, normalised, special tokens left out


class TokenEncoder:
    """One MiniLM forward pass per text gives both its sentence vector and its token vectors; cached per text."""

    def __init__(self, model_ref: str = "", cache_size: int = 50_000) -> None:
        self._model_ref = model_ref
        self._model: Any = None
        self._cache: dict[str, Encoded] = {}
        self._cache_size = cache_size

    def encode(self, texts: Sequence[str]) -> list[Encoded]:
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            if len(self._cache) + len(missing) > self._cache_size:
                self._cache.clear()
            model = self._load()
            special = set(model.tokenizer.all_special_ids)
            outputs = model.encode(missing, output_value="token_embeddings", convert_to_numpy=False, batch_size=64)
            for text, output in zip(missing, outputs, strict=True):
                ids = model.tokenizer(text, truncation=True, max_length=model.max_seq_length)["input_ids"]
                vectors = output.float().numpy()
                size = min(len(ids), len(vectors))
                keep = [i for i in range(size) if ids[i] not in special] or list(range(size))
                self._cache[text] = Encoded(vector=_unit(vectors[:size].mean(axis=0)), tokens=_unit(vectors[keep]))
        return [self._cache[t] for t in texts]

    def _load(self) -> Any:
        if self._model is None:
            from sentence_transformers import SentenceTransformer

            from ingest.embedding import default_model_path

            self._model = SentenceTransformer(
                self._model_ref or default_model_path(), device="cpu", local_files_only=True
            )
        return self._model


def _unit(vectors: Vectors) -> Vectors:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True).clip(1e-9)
    unit: Vectors = (vectors / norms).astype(np.float32)
    return unit


class CachedEmbedder:
    """Sentence vectors of an Embedder, cached per text: answers repeat across systems and metrics."""

    def __init__(self, embedder: Embedder, cache_size: int = 50_000) -> None:
        self.embedder = embedder
        self._cache: dict[str, Vectors] = {}
        self._cache_size = cache_size

    def embed(self, texts: Sequence[str]) -> Vectors:
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            if len(self._cache) + len(missing) > self._cache_size:
                self._cache.clear()
            for text, vector in zip(missing, self.embedder.embed_documents(missing), strict=True):
                self._cache[text] = vector
        return np.stack([self._cache[t] for t in texts]).astype(np.float32)

    def similarity(self, first: str, second: str) -> float:
        vectors = self.embed([first, second])
        return float(vectors[0] @ vectors[1])


def sentences(text: str) -> list[str]:
    return [s for line in text.splitlines() for s in split_sentences(line) if s.strip()]


class EmbeddingJudge:
    """The offline judge: MiniLM token recall and claim similarity, with negation and number checks."""

    def __init__(
        self,
        embedder: Embedder | CachedEmbedder,
        thresholds: Thresholds | None = None,
        *,
        model_ref: str = "",
        tokens: TokenEncoder | None = None,
    ) -> None:
        self.vectors = embedder if isinstance(embedder, CachedEmbedder) else CachedEmbedder(embedder)
        self.tokens = tokens or TokenEncoder(model_ref)
        self.thresholds = thresholds or Thresholds.load()

    @property
    def name(self) -> str:
        t = self.thresholds
        model = self.vectors.embedder.model_name
        return f"embedding({model}; w={t.weight:g}, entail={t.entail:g}, contradict={t.contradict:g})"

    def judge(self, premise: str, hypotheses: Sequence[str]) -> list[Verdict]:
        return [f.label(self.thresholds) for f in self.features(premise, hypotheses)]

    def features(self, premise: str, hypotheses: Sequence[str]) -> list[Features]:
        if not hypotheses:
            return []
        pieces = sentences(premise) or [premise]
        encoded = self.tokens.encode(pieces)
        claim_vectors = np.stack([e.vector for e in encoded])
        premise_tokens = np.concatenate([e.tokens for e in encoded])
        result = []
        for hypothesis, statement in zip(hypotheses, self.tokens.encode(hypotheses), strict=True):
            similarities = claim_vectors @ statement.vector
            best = int(np.argmax(similarities))
            claim = pieces[best]
            result.append(
                Features(
                    similarity=float(similarities[best]),
                    token_recall=float((statement.tokens @ premise_tokens.T).max(axis=1).mean()),
                    negation_mismatch=negation_mismatch(hypothesis, claim),
                    number_mismatch=number_mismatch(hypothesis, claim),
                    best_claim=claim,
                )
            )
        return result


def load_judge(spec: str, embedder: Embedder) -> Judge:
    """`embedding` (the default), or `package.module:factory` called with the embedder."""
    if spec in ("", "embedding"):
        return EmbeddingJudge(embedder)
    module_name, _, attribute = spec.partition(":")
    if not attribute:
        raise ValueError(f"judge {spec!r}: expected 'embedding' or 'package.module:factory'")
    factory = getattr(importlib.import_module(module_name), attribute)
    judge: Judge = factory(embedder)
    return judge
