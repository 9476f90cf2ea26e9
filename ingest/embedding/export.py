"""Export a sentence-transformers model to ONNX (int8 or fp32), and check it against the model before use.

The transformer is exported with `torch.onnx.export` (the TorchScript-based exporter, `dynamo=False`: it works
offline and handles the model's keyword inputs), with the batch and sequence axes dynamic. int8 is ONNX
Runtime's dynamic quantisation, per output channel: weights stored as int8, activations quantised on the fly.
The feed-forward output projections stay fp32: their input (after GELU) has a few large outliers that one
int8 scale per tensor flattens, and quantising them cost the most agreement (MiniLM, fixed sample: worst
cosine 0.972 with them quantised, 0.985 without; corpus passages: mean 0.992 against 0.996).

Before an export is put in place, it embeds `VERIFY_TEXTS` and each vector is compared with
sentence-transformers' vector of the same text; below `MIN_COSINE` the export is refused (an error, not a
warning). The thresholds: fp32 runs the same arithmetic in another order, so anything below 0.9999 is a
structural mistake (wrong pooling, padding counted, truncation at another length: those give 0.95 or less).
int8 rounds the weights; on MiniLM it measured 0.985-0.996 per text of the sample (the shortest text is the
worst: a two-token question has nothing to average its rounding errors over). 0.98 keeps that margin while
still catching a broken quantisation or pipeline, which lands at 0.97 or below; whether int8 is good enough
for retrieval is measured on the golden set (README).

torch, sentence-transformers and `onnx` (needed by the quantiser) are imported here only: at ingest time.
"""

from __future__ import annotations

import logging
import shutil
import warnings
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ingest.embedding.base import Embedder, EncoderIdentity
from ingest.embedding.model_layout import read_layout
from ingest.embedding.onnx_encoder import (
    CONFIG_FILE,
    MODEL_FILE,
    TOKENIZER_FILE,
    ExportConfig,
    OnnxEmbedder,
)

if TYPE_CHECKING:
    from ingest.embedding.reference import SentenceTransformerEmbedder

MIN_COSINE = {"int8": 0.98, "fp32": 0.9999}

# Questions and passages of the kinds Vademecum embeds, short to longer than the sequence length, so the
# check covers padding within a batch, truncation and a lone short question. Our own wording.
VERIFY_TEXTS = [
    "and in pregnancy?",
    "dose?",
    "What is the first-line treatment of community-acquired pneumonia in adults?",
    "Which anticoagulant is preferred for non-valvular atrial fibrillation with a creatinine clearance of 40 mL/min?",
    "Hyperkalaemia with ECG changes: give calcium gluconate 10% 30 mL over 10 minutes, then insulin with glucose.",
    "Children under five with a fever and no focus need a urine sample before antibiotics are started.",
    "Metformin is continued unless the eGFR falls below 30; review the dose below 45.",
    "Red flags for back pain include saddle anaesthesia, urinary retention and progressive weakness of the legs.",
    "Was ist die Behandlung? Quelle est la dose? ¿Cuál es el tratamiento? 治疗方法是什么",
    "Asthma in adults: step up to a low-dose inhaled corticosteroid with formoterol when symptoms persist. " * 3,
    "Sepsis screening " + "lactate, blood cultures, antibiotics within one hour, fluids, reassess; " * 40,
    "hypercalcaemia " * 400,
]


class EncoderExportError(Exception):
    """The model could not be exported, or the export does not give the model's vectors."""


def export_encoder(
    reference: SentenceTransformerEmbedder, identity: EncoderIdentity, directory: Path, *, threads: int = 0
) -> ExportConfig:
    """Write the export of `identity` into `directory` (which must not exist yet) and verify it there.

    Raises EncoderExportError when the export fails or its vectors differ from the model's beyond
    MIN_COSINE; OSError when the files cannot be written. The caller renames a verified directory into place.
    """
    layout = read_layout(reference.model_reference)
    model = reference.model()
    max_seq_length = reference.max_seq_length
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in model.tokenizer.model_input_names]
    if names[:2] != ["input_ids", "attention_mask"]:
        raise EncoderExportError(f"the tokenizer's inputs {names} lack input_ids or attention_mask")
    directory.mkdir(parents=True)
    fp32 = directory / ("model-fp32.onnx" if identity.precision == "int8" else MODEL_FILE)
    _export_transformer(model[0].auto_model, names, fp32)
    if identity.precision == "int8":
        _quantize(fp32, directory / MODEL_FILE)
        fp32.unlink()
    shutil.copyfile(layout.folder / "tokenizer.json", directory / TOKENIZER_FILE)
    config = ExportConfig(
        identity=identity,
        dimension=reference.dimension,
        max_seq_length=max_seq_length,
        do_lower_case=layout.do_lower_case,
        pooling_modes=list(layout.pooling_modes),
        inputs=names,
        pad_id=int(model.tokenizer.pad_token_id or 0),
        min_cosine=0.0,
        mean_cosine=0.0,
        sample_size=len(VERIFY_TEXTS),
        versions={name: metadata.version(name) for name in ("torch", "onnx", "onnxruntime", "sentence-transformers")},
    )
    (directory / CONFIG_FILE).write_text(config.model_dump_json(indent=2), encoding="utf-8")
    candidate = OnnxEmbedder.load(directory, model_reference=reference.model_reference, threads=threads)
    cosines = check_agreement(candidate, reference, MIN_COSINE[identity.precision])
    config.min_cosine, config.mean_cosine = float(cosines.min()), float(cosines.mean())
    (directory / CONFIG_FILE).write_text(config.model_dump_json(indent=2), encoding="utf-8")
    return config


def check_agreement(candidate: OnnxEmbedder, reference: SentenceTransformerEmbedder, minimum: float) -> Any:
    """The cosine of each text of VERIFY_TEXTS between the two encoders; EncoderExportError when one is below
    `minimum`."""
    cosines = agreement(candidate, reference, VERIFY_TEXTS)
    if float(cosines.min()) < minimum:
        identity = candidate.encoder
        worst = VERIFY_TEXTS[int(cosines.argmin())][:60]
        raise EncoderExportError(
            f"the {identity.precision} ONNX export of {identity.model_name} does not give the model's vectors: "
            f"cosine {float(cosines.min()):.4f} on {worst!r} (needs >= {minimum}); "
            "set VADEMECUM_EMBEDDING__PRECISION=fp32 or VADEMECUM_EMBEDDING__BACKEND=torch"
        )
    return cosines


def agreement(candidate: Embedder, reference: Embedder, texts: list[str]) -> Any:
    """Cosine between the candidate's and the reference's vector of each text (both are unit length)."""
    return np.sum(candidate.embed_documents(texts) * reference.embed_documents(texts), axis=1)


def _export_transformer(transformer: Any, names: list[str], path: Path) -> None:
    import torch

    class LastHiddenState(torch.nn.Module):
        """The transformer called with keyword inputs, returning the token vectors alone."""

        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor | None = None
        ) -> torch.Tensor:
            inputs = {"input_ids": input_ids, "attention_mask": attention_mask}
            if token_type_ids is not None:
                inputs["token_type_ids"] = token_type_ids
            output: torch.Tensor = self.transformer(**inputs).last_hidden_state
            return output

    example = {name: torch.ones((2, 8), dtype=torch.int64) for name in names}
    if "token_type_ids" in example:
        example["token_type_ids"] = torch.zeros((2, 8), dtype=torch.int64)
    axes = {name: {0: "batch", 1: "sequence"} for name in [*names, "last_hidden_state"]}
    try:
        # The exporter warns about constant folding and the TorchScript path it takes; neither concerns the result,
        # which `export_encoder` checks against the model itself.
        with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                LastHiddenState().eval(),
                (),
                str(path),
                kwargs=example,
                input_names=names,
                output_names=["last_hidden_state"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
    except (RuntimeError, ValueError, TypeError) as error:
        raise EncoderExportError(f"torch.onnx.export failed: {type(error).__name__}: {error}") from error


def _quantize(source: Path, target: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(source), load_external_data=False).graph
    # The second matrix of each feed-forward block (named .../layer.N/output/dense/MatMul by the exporter).
    feed_forward_out = [n.name for n in graph.node if n.op_type == "MatMul" and _is_feed_forward_output(n.name)]
    # The quantiser logs advice about pre-processing through the root logger (configuring it if need be): the
    # export is checked against the model instead, so its advice is kept out of our output.
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        quantize_dynamic(
            source, target, per_channel=True, weight_type=QuantType.QInt8, nodes_to_exclude=feed_forward_out
        )
    except (RuntimeError, ValueError) as error:
        raise EncoderExportError(f"int8 quantisation failed: {type(error).__name__}: {error}") from error
    finally:
        root.setLevel(level)


def _is_feed_forward_output(name: str) -> bool:
    return "/output/dense/" in name and "/attention/" not in name
