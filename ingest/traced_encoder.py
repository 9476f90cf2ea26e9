"""A TorchScript copy of a mean-pooling sentence-transformers model: same vectors, less CPU per call.

`SentenceTransformer.encode` runs the transformer in eager mode: for a short question most of the
time goes to Python dispatching a few hundred small operations, and that Python holds the GIL
which the service's request threads need too. Traced and frozen, the forward pass runs as one
TorchScript graph (measured for MiniLM-L6 on one CPU thread: 12.2 ms per question against 16 ms
through `encode`, vectors equal to 1e-6). Only the layout Vademecum's default model has is traced:
a Transformer, mean Pooling and an optional Normalize; anything else keeps using `encode`.

Imported only once a model is being loaded (torch is imported by then anyway).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from ingest.embedding import Vectors

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

# Traced with padding present, so the graph records the attention mask at work.
_EXAMPLES = ["What is the first-line treatment of this condition in adults?", "and in pregnancy?"]


class TracedEncoder:
    def __init__(self, model: SentenceTransformer, max_seq_length: int) -> None:
        self._tokenizer = model.tokenizer
        self._max_seq_length = max_seq_length
        self._names: list[str] = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in _inputs(model)]
        transformer: Any = model[0].auto_model
        example = self._tokenize(_EXAMPLES)
        # TorchScript is deprecated in favour of torch.compile/export (torch is pinned), and tracing warns about
        # shape checks it freezes; both hold for this model: tests/ingest/test_embedding.py compares the vectors.
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            traced: Any = torch.jit.trace(  # type: ignore[no-untyped-call]
                LastHiddenState(transformer.eval(), self._names),
                tuple(example[n] for n in self._names),
                strict=False,
            )
            self._module: Any = torch.jit.optimize_for_inference(torch.jit.freeze(traced.eval()))

    @staticmethod
    def supports(model: SentenceTransformer) -> bool:
        """A transformer, mean pooling and (optionally) normalisation: the layout traced here."""
        kinds = [type(module).__name__ for module in model]
        if kinds not in (["Transformer", "Pooling", "Normalize"], ["Transformer", "Pooling"]):
            return False
        pooling: Any = model[1]
        config = pooling.get_config_dict()
        return bool(config.get("pooling_mode") == "mean" or config.get("pooling_mode_mean_tokens"))

    def encode(self, texts: Sequence[str]) -> Vectors:
        features = self._tokenize(list(texts))
        with torch.inference_mode():
            hidden = self._module(*(features[n] for n in self._names))
            mask = features["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            vectors = torch.nn.functional.normalize(pooled, p=2, dim=1)
        return np.asarray(vectors.numpy(), dtype=np.float32)

    def _tokenize(self, texts: list[str]) -> Any:
        return self._tokenizer(
            texts, padding=True, truncation=True, max_length=self._max_seq_length, return_tensors="pt"
        )


def _inputs(model: SentenceTransformer) -> list[str]:
    return list(getattr(model.tokenizer, "model_input_names", ["input_ids", "attention_mask"]))


class LastHiddenState(torch.nn.Module):
    """The transformer with positional inputs (what tracing needs) and one tensor out."""

    def __init__(self, transformer: torch.nn.Module, names: list[str]) -> None:
        super().__init__()
        self.transformer = transformer
        self.names = names

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        output: torch.Tensor = self.transformer(**dict(zip(self.names, inputs, strict=True))).last_hidden_state
        return output
