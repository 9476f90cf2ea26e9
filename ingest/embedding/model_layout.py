"""How a sentence-transformers model folder says its vectors are made, read from its JSON files alone.

modules.json lists the modules (a Transformer, a Pooling, optionally a Normalize); 1_Pooling/config.json says
how token vectors become one vector; sentence_bert_config.json gives the sequence length the model was trained
with. The ONNX encoder reproduces exactly that; a folder with anything else (a Dense layer, weighted-mean
pooling, a hub name) cannot be exported, and `read_layout` says why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The pooling modes reproduced here, in the order sentence-transformers concatenates them.
POOLING_MODES = ("cls", "max", "mean", "mean_sqrt_len_tokens")
_ALL_MODES = (*POOLING_MODES, "weightedmean", "lasttoken")
_LAYOUTS = (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"])


class UnsupportedModelError(Exception):
    """The model folder holds something the ONNX encoder does not reproduce: embed with sentence-transformers."""


@dataclass(frozen=True)
class ModelLayout:
    folder: Path
    # The sequence length of sentence_bert_config.json (None when it names none).
    max_seq_length: int | None
    do_lower_case: bool
    pooling_modes: tuple[str, ...]
    dimension: int


def read_layout(reference: str) -> ModelLayout:
    """The layout of a local model folder; raises UnsupportedModelError (with the reason) otherwise."""
    folder = Path(reference)
    if not folder.is_dir():
        raise UnsupportedModelError(f"{reference} is not a local model folder")
    if not (folder / "tokenizer.json").is_file():
        raise UnsupportedModelError(f"{folder} has no tokenizer.json (a fast tokenizer)")
    modules = _json(folder / "modules.json")
    if not isinstance(modules, list):
        raise UnsupportedModelError(f"{folder / 'modules.json'} is not a list of modules")
    kinds = [str(module.get("type", "")).rsplit(".", 1)[-1] for module in modules]
    if kinds not in _LAYOUTS:
        raise UnsupportedModelError(f"modules {kinds}: only Transformer, Pooling and an optional Normalize")
    if modules[0].get("path", ""):
        raise UnsupportedModelError("the transformer is not at the top of the model folder")
    pooling = _json(folder / str(modules[1].get("path", "")) / "config.json")
    config = _json(folder / "sentence_bert_config.json") if (folder / "sentence_bert_config.json").is_file() else {}
    length = config.get("max_seq_length")
    return ModelLayout(
        folder=folder,
        max_seq_length=int(length) if length else None,
        do_lower_case=bool(config.get("do_lower_case", False)),
        pooling_modes=_pooling_modes(pooling),
        dimension=int(pooling["word_embedding_dimension"]) * len(_pooling_modes(pooling)),
    )


def _pooling_modes(config: dict[str, Any]) -> tuple[str, ...]:
    """The modes of a pooling config: the current `pooling_mode` key or the older `pooling_mode_*_tokens` flags."""
    if "pooling_mode" in config:
        value = config["pooling_mode"]
        modes = tuple(value) if isinstance(value, list) else (str(value),)
    else:
        legacy = {
            "cls": "pooling_mode_cls_token",
            "max": "pooling_mode_max_tokens",
            "mean": "pooling_mode_mean_tokens",
            "mean_sqrt_len_tokens": "pooling_mode_mean_sqrt_len_tokens",
            "weightedmean": "pooling_mode_weightedmean_tokens",
            "lasttoken": "pooling_mode_lasttoken",
        }
        modes = tuple(mode for mode in _ALL_MODES if config.get(legacy[mode]))
    unsupported = [mode for mode in modes if mode not in POOLING_MODES]
    if not modes or unsupported:
        raise UnsupportedModelError(f"pooling {list(modes)}: only {', '.join(POOLING_MODES)}")
    if config.get("include_prompt") is False:
        raise UnsupportedModelError("pooling excludes the prompt tokens")
    return modes


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UnsupportedModelError(f"{path}: {error}") from error
