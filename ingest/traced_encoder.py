"""A TorchScript copy of a mean-pooling sentence-transformers model: same vectors, less CPU and memory.

`SentenceTransformer.encode` runs the transformer in eager mode: for a short question most of the
time goes to Python dispatching a few hundred small operations, and that Python holds the GIL
which the service's request threads need too. Traced and frozen, the forward pass runs as one
TorchScript graph (measured for MiniLM-L6 on one CPU thread: 12.2 ms per question against 16 ms
through `encode`, vectors equal to 1e-6). Only the layout Vademecum's default model has is traced:
a Transformer, mean Pooling and an optional Normalize; anything else keeps using `encode`.

A traced encoder can be saved to a directory (`save`, done by `vademecum ingest`, see
ingest.query_encoder) and loaded from it (`load`) with torch and the `tokenizers` library alone.
A serving process that loads it never imports sentence-transformers or transformers: about 250 MB
less memory per process and several seconds less at start-up.

Imported only once a model is being loaded or an export is opened (torch is needed by then anyway).
"""

from __future__ import annotations

import io
import json
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from pydantic import BaseModel
from tokenizers import Tokenizer

from ingest.embedding import Vectors

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

# Traced with padding present, so the graph records the attention mask at work.
_EXAMPLES = ["What is the first-line treatment of this condition in adults?", "and in pregnancy?"]

# The files of a saved encoder.
MODULE_FILE = "encoder.pt"
TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "encoder.json"


class EncoderConfig(BaseModel):
    """What a saved encoder needs besides its graph and tokenizer, and what it was made from."""

    model_name: str
    dimension: int
    max_seq_length: int
    # The transformer's inputs, in the order the traced graph takes them.
    inputs: list[str]
    torch_version: str


class TracedEncoder:
    def __init__(self, module: Any, tokenizer: Tokenizer, config: EncoderConfig) -> None:
        self._module = module
        self._tokenizer = tokenizer
        self.config = config
        # Fused for this machine's CPU when built or loaded; what is saved is the portable frozen graph.
        # (Deprecated in favour of torch.compile, like all of TorchScript: torch is pinned.)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            self._optimized: Any = torch.jit.optimize_for_inference(module)

    @classmethod
    def trace(cls, model: SentenceTransformer, model_name: str, max_seq_length: int) -> TracedEncoder:
        """Trace the transformer of `model` (call only when `supports(model)`)."""
        tokenizer = Tokenizer.from_str(model.tokenizer.backend_tokenizer.to_str())
        tokenizer.enable_truncation(max_length=max_seq_length)
        tokenizer.enable_padding(pad_id=model.tokenizer.pad_token_id, pad_token=model.tokenizer.pad_token)
        names: list[str] = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in _inputs(model)]
        transformer: Any = model[0].auto_model
        example = _features(tokenizer.encode_batch(_EXAMPLES), names)
        # TorchScript is deprecated in favour of torch.compile/export (torch is pinned), and tracing warns about
        # shape checks it freezes; both hold for this model: tests/ingest/test_embedding.py compares the vectors.
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            traced: Any = torch.jit.trace(  # type: ignore[no-untyped-call]
                LastHiddenState(transformer.eval(), names), tuple(example), strict=False
            )
            frozen = torch.jit.freeze(traced.eval())
        dimension = int(model.get_embedding_dimension() or 0)
        config = EncoderConfig(
            model_name=model_name,
            dimension=dimension,
            max_seq_length=max_seq_length,
            inputs=names,
            torch_version=torch.__version__,
        )
        return cls(frozen, tokenizer, config)

    @classmethod
    def load(cls, directory: Path) -> TracedEncoder:
        """An encoder saved by `save`. Raises OSError or ValueError when the files are missing or damaged."""
        config = EncoderConfig.model_validate_json((directory / CONFIG_FILE).read_text(encoding="utf-8"))
        if config.torch_version != torch.__version__:
            raise ValueError(f"saved with torch {config.torch_version}, this is torch {torch.__version__}")
        tokenizer = Tokenizer.from_file(str(directory / TOKENIZER_FILE))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # all of TorchScript is: torch is pinned
                module = torch.jit.load(str(directory / MODULE_FILE), map_location="cpu")  # type: ignore[no-untyped-call]
        except RuntimeError as error:  # TorchScript reports a damaged archive as a RuntimeError
            raise ValueError(f"{directory / MODULE_FILE}: {error}") from error
        return cls(module.eval(), tokenizer, config)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        # Serialised in memory, then written by Python: TorchScript's own file writer aborts the whole process
        # when the disk fills up, where a Python write raises OSError the caller can report.
        buffer = io.BytesIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            torch.jit.save(self._module, buffer)  # type: ignore[no-untyped-call]
        (directory / MODULE_FILE).write_bytes(buffer.getbuffer())
        (directory / TOKENIZER_FILE).write_text(self._tokenizer.to_str(), encoding="utf-8")
        (directory / CONFIG_FILE).write_text(json.dumps(self.config.model_dump(), indent=2), encoding="utf-8")

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
        """Unit-length vectors of `texts`, in one forward pass (give it small batches)."""
        encodings = self._tokenizer.encode_batch(list(texts))
        features = _features(encodings, self.config.inputs)
        with torch.inference_mode():
            hidden = self._optimized(*features)
            mask = features[self.config.inputs.index("attention_mask")].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            vectors = torch.nn.functional.normalize(pooled, p=2, dim=1)
        return np.asarray(vectors.numpy(), dtype=np.float32)


_ENCODING_FIELDS = {"input_ids": "ids", "attention_mask": "attention_mask", "token_type_ids": "type_ids"}


def _features(encodings: Sequence[Any], names: list[str]) -> list[torch.Tensor]:
    """The tokenizer's padded encodings as the tensors the transformer takes, in the order of `names`."""
    return [torch.tensor([getattr(e, _ENCODING_FIELDS[name]) for e in encodings]) for name in names]


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
