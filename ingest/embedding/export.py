"""Writing the ONNX export of a model, once per model fingerprint, checked before anyone uses it.

    data/encoders/<model>-<kind>-<fingerprint>/   model.onnx, tokenizer.json, encoder.json

The fingerprint hashes the model's files, the sequence length, the kind (fp32 or int8) and the versions of
the libraries that write the export, so a changed model or library never reuses an old export. The export
is built in a temporary sibling folder, compared with sentence-transformers on fixed check texts, and only
then renamed into place: a reader sees a complete, checked export or none. A mismatch beyond the tolerance
of its kind is an error (`EncoderMismatchError`), never a warning: vectors that disagree with the model
would silently degrade every search.

Only the layout of Vademecum's default model is exported (a Transformer, mean Pooling, optional Normalize);
`exportable` reads that from the model folder's files without importing anything. Other models keep the
reference encoder. torch, sentence-transformers and onnx are imported only while an export is written.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import shutil
import time
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from ingest.embedding.base import EncoderKind, model_name_of, model_slug, resolve_model_reference
from ingest.embedding.onnx_encoder import CONFIG_FILE, MODEL_FILE, TOKENIZER_FILE, EncoderConfig, OnnxEmbedder
from ingest.embedding.reference import SentenceTransformerEmbedder
from ingest.layout import DataDir

# Bump when the files of an export change meaning: older exports are then ignored and written again.
EXPORT_FORMAT = "onnx-1"
BUILD_PREFIX = ".build-"
# A build folder this old was left by a killed export (a live one takes seconds): it may be removed.
STALE_BUILD_S = 600.0
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")

# Cosine similarity to the reference vectors that an export must reach on every check text (min) and on
# average (mean). fp32 differs from torch only in the order of float additions; int8 weights cost a little
# more (measured for MiniLM-L6: min 0.988, mean 0.991), and retrieval quality is checked by `vademecum eval`.
TOLERANCE: dict[EncoderKind, tuple[float, float]] = {"fp32": (0.9999, 0.9999), "int8": (0.95, 0.985)}

# Short questions, terse follow-ups, typical passages and one text longer than the sequence length.
CHECK_TEXTS = (
    "What is the first-line treatment for uncomplicated cystitis in non-pregnant women?",
    "and in pregnancy?",
    "dose?",
    "Is a fever of 38.5 in a three week old baby an emergency?",
    "When should low-molecular-weight heparin (LMWH) be stopped before surgery?",
    "Give broad-spectrum antimicrobials within one hour of recognising septic shock.",
    "Offer a short course of oral corticosteroids to adults with an acute asthma exacerbation.",
    "Measure serum potassium and creatinine one to two weeks after starting an ACE inhibitor.",
    "Endocrine therapy is the preferred first treatment for hormone receptor-positive metastatic breast cancer "
    "without visceral crisis.",
    "Suspect testicular torsion in a boy with sudden scrotal pain and vomiting; refer for surgical exploration "
    "without delay.",
    "Nitrofurantoin 100 mg modified release twice daily for 3 days, if eGFR is 45 ml/min or more.",
    "Do not routinely offer antibiotics to children with acute otitis media who are otherwise well.",
    "HbA1c target 48 mmol/mol (6.5%) for adults managed by lifestyle and a single drug not causing hypoglycaemia.",
    "Malignant bowel obstruction from metastatic breast cancer is managed conservatively first: nil by mouth, "
    "nasogastric decompression, intravenous fluids, antiemetics and analgesia; surgery is considered for a "
    "single site of obstruction in a patient with good performance status.",
    " ".join(
        [
            "Chronic heart failure with reduced ejection fraction is treated with an ACE inhibitor or ARNI, a "
            "beta-blocker licensed for heart failure, a mineralocorticoid receptor antagonist and an SGLT2 "
            "inhibitor, titrated to the highest tolerated dose with monitoring of renal function and potassium."
        ]
        * 4
    ),
)


class EncoderMismatchError(RuntimeError):
    """An export whose vectors differ from the reference model's beyond the tolerance of its kind."""


def exportable(model_reference: str) -> bool:
    """Whether the model has the exported layout: a local folder with a Transformer and mean Pooling."""
    folder = Path(resolve_model_reference(model_reference))
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        kinds = [str(module["type"]).rsplit(".", 1)[-1] for module in modules]
        if kinds not in (["Transformer", "Pooling", "Normalize"], ["Transformer", "Pooling"]):
            return False
        pooling = json.loads((folder / modules[1]["path"] / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return False
    return bool(pooling.get("pooling_mode_mean_tokens") or pooling.get("pooling_mode") == "mean")


def export_dir(data_dir: DataDir, model_reference: str, max_seq_length: int, kind: EncoderKind) -> Path:
    """Where the export of this model and kind belongs, whether or not it is there (call when `exportable`)."""
    return data_dir.encoders / export_key(model_reference, max_seq_length, kind)


def export_key(model_reference: str, max_seq_length: int, kind: EncoderKind) -> str:
    """The folder name of an export. Reads and hashes the model's files (under 0.1 s for MiniLM)."""
    folder = Path(resolve_model_reference(model_reference))
    digest = hashlib.sha256()
    versions = [metadata.version(package) for package in ("torch", "onnx", "onnxruntime")]
    for value in (EXPORT_FORMAT, kind, str(max_seq_length), *versions):
        digest.update(value.encode() + b"\0")
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return f"{model_slug(model_name_of(str(folder)))}-{kind}-{digest.hexdigest()[:16]}"


def export_encoder(data_dir: DataDir, reference: SentenceTransformerEmbedder, kind: EncoderKind) -> Path:
    """The checked export of `reference`'s model as `kind`, written first if it is not there yet.

    Raises EncoderMismatchError when the export does not match the model, OSError when it cannot be
    written; either way nothing is left behind.
    """
    if kind == "torch":
        raise ValueError("the torch encoder is the model itself: nothing to export")
    target = export_dir(data_dir, reference.model_reference, reference.max_seq_length, kind)
    if target.is_dir():
        return target
    data_dir.encoders.mkdir(parents=True, exist_ok=True)
    for leftover in data_dir.encoders.glob(f"{BUILD_PREFIX}*"):
        if time.time() - leftover.stat().st_mtime > STALE_BUILD_S:
            shutil.rmtree(leftover, ignore_errors=True)
    building = data_dir.encoders / f"{BUILD_PREFIX}{target.name}-{secrets.token_hex(3)}"
    try:
        building.mkdir()
        _write_export(reference, kind, building)
        building.rename(target)
    except BaseException as error:
        shutil.rmtree(building, ignore_errors=True)
        if isinstance(error, OSError) and target.is_dir():  # another writer finished the same export first
            return target
        raise
    return target


def _write_export(reference: SentenceTransformerEmbedder, kind: EncoderKind, folder: Path) -> None:
    model = reference.model()
    inputs = [name for name in INPUT_NAMES if name in model.tokenizer.model_input_names]
    fp32_path = folder / (MODEL_FILE if kind == "fp32" else "model-fp32.onnx")
    _export_transformer(model[0].auto_model, inputs, fp32_path)
    import onnx

    # A graph the exporter wrote but ONNX itself rejects fails here, with ONNX's reason, not at load time.
    onnx.checker.check_model(str(fp32_path))
    if kind == "int8":
        quantize_dynamic, int8 = _quantiser()
        # Weights quantised per output channel: one scale per row keeps the small MiniLM rows precise. The
        # quantiser logs advice on the root logger (a pre-processing step that changes nothing for MiniLM).
        logging.disable(logging.WARNING)
        try:
            quantize_dynamic(fp32_path, folder / MODEL_FILE, weight_type=int8, per_channel=True)
        finally:
            logging.disable(logging.NOTSET)
        fp32_path.unlink()
    (folder / TOKENIZER_FILE).write_text(model.tokenizer.backend_tokenizer.to_str(), encoding="utf-8")
    config = EncoderConfig(
        model_name=reference.model_name,
        kind=kind,
        dimension=reference.dimension,
        max_seq_length=reference.max_seq_length,
        inputs=inputs,
    )
    (folder / CONFIG_FILE).write_text(config.model_dump_json(indent=2), encoding="utf-8")
    exported = OnnxEmbedder.load(folder, reference.model_reference)
    similarity = np.sum(exported.embed_documents(CHECK_TEXTS) * reference.embed_documents(CHECK_TEXTS), axis=1)
    least, mean = float(similarity.min()), float(similarity.mean())
    floor_min, floor_mean = TOLERANCE[kind]
    if least < floor_min or mean < floor_mean:
        raise EncoderMismatchError(
            f"the {kind} export of {reference.model_name} does not match the model: cosine min {least:.4f} "
            f"(needs {floor_min}), mean {mean:.4f} (needs {floor_mean}); set VADEMECUM_EMBEDDING__ENCODER=torch "
            "to embed with the model itself"
        )
    checked = config.model_copy(update={"min_cosine": least, "mean_cosine": mean})
    (folder / CONFIG_FILE).write_text(checked.model_dump_json(indent=2), encoding="utf-8")


def _quantiser() -> tuple[Any, Any]:
    """onnxruntime's dynamic quantiser and its int8 weight type, imported without its side effect on logging.

    Importing `onnxruntime.quantization` calls `logging.basicConfig(level=INFO)`: the root logger of whatever
    process exports (an ingest, a test run) would then print every library's INFO lines. Put back as it was.
    """
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    return quantize_dynamic, QuantType.QInt8


def _export_transformer(transformer: Any, inputs: list[str], path: Path) -> None:
    """The transformer as an ONNX graph taking `inputs` and giving the last hidden state, any batch and length."""
    import torch

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, *features: torch.Tensor) -> torch.Tensor:
            # Called with keyword arguments: the order of positional ones differs between architectures.
            output: torch.Tensor = self.transformer(**dict(zip(inputs, features, strict=True))).last_hidden_state
            return output

    example = tuple(torch.ones((2, 8), dtype=torch.long) for _ in inputs)
    axes = {name: {0: "batch", 1: "tokens"} for name in [*inputs, "last_hidden_state"]}
    # The TorchScript-based exporter (dynamo=False) runs offline; it warns about shape checks it freezes, which
    # hold for any batch and length here (the check texts above compare the result with the model).
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LastHiddenState().eval(),
            example,
            str(path),
            input_names=inputs,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
