"""The question encoder ingest exports and the service loads: the model's vectors, without the model's libraries."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ingest.embedding import TRACED_MAX_BATCH, SentenceTransformerEmbedder
from ingest.layout import DataDir
from ingest.query_encoder import (
    TracedEmbedder,
    export_key,
    export_query_encoder,
    load_query_embedder,
    serving_embedder,
)
from ingest.settings import EmbeddingSettings
from ingest.traced_encoder import CONFIG_FILE, MODULE_FILE
from ingest.version import EMBEDDINGS, read_chunks, read_vectors
from tests.conftest import REPO
from tests.ingest.articles import TOPICS, write_article, write_corpus
from tests.ingest.conftest import Ingest
from tests.ingest.faults import small_filesystem

DEFAULT = EmbeddingSettings()
TEXTS = [
    "and in pregnancy?",
    "Which anticoagulant is preferred for non-valvular atrial fibrillation in a patient with CrCl 40 mL/min?",
    # Longer than the 256-token limit: cut exactly where the model cuts.
    "hypercalcaemia " * 400,
]


@pytest.fixture
def exported(data_dir: DataDir, embedder: SentenceTransformerEmbedder) -> Path:
    directory = export_query_encoder(data_dir, embedder)
    assert directory is not None
    return directory


def _model_vectors(embedder: SentenceTransformerEmbedder, texts: list[str]) -> np.ndarray:
    return np.asarray(embedder._load().encode(texts, normalize_embeddings=True, convert_to_numpy=True))


def test_the_exported_encoder_gives_the_models_vectors(
    exported: Path, data_dir: DataDir, embedder: SentenceTransformerEmbedder
) -> None:
    loaded = load_query_embedder(data_dir, DEFAULT)

    assert isinstance(loaded, TracedEmbedder)
    got = loaded.embed_documents(TEXTS)
    assert got.dtype == np.float32 and got.shape == (3, 384)
    assert np.abs(got - _model_vectors(embedder, TEXTS)).max() < 1e-5
    assert np.abs(loaded.embed_query(TEXTS[1]) - got[1]).max() < 1e-5


def test_more_texts_than_one_batch_keep_their_order(
    exported: Path, data_dir: DataDir, embedder: SentenceTransformerEmbedder
) -> None:
    texts = [f"question {i}: {'why ' * (i % 7)}is the potassium high?" for i in range(TRACED_MAX_BATCH * 2 + 5)]
    loaded = load_query_embedder(data_dir, DEFAULT)

    assert loaded is not None
    assert np.abs(loaded.embed_documents(texts) - _model_vectors(embedder, texts)).max() < 1e-5


def test_the_export_names_the_model_and_its_dimension(exported: Path, data_dir: DataDir) -> None:
    loaded = load_query_embedder(data_dir, DEFAULT)

    assert loaded is not None
    assert (loaded.model_name, loaded.dimension) == ("all-MiniLM-L6-v2", 384)
    assert exported.parent == data_dir.encoders and exported.name.startswith("all-minilm-l6-v2-")


def test_loading_an_export_imports_neither_sentence_transformers_nor_transformers(exported: Path) -> None:
    script = (
        "import sys; from pathlib import Path; from ingest.layout import DataDir; "
        "from ingest.query_encoder import load_query_embedder; from ingest.settings import EmbeddingSettings; "
        f"e = load_query_embedder(DataDir(Path({str(exported.parent.parent)!r})), EmbeddingSettings()); "
        "e.embed_query('and in pregnancy?'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sentence_transformers', 'transformers')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120, check=True
    )

    assert result.stdout.strip() == "[]", result.stderr


def test_a_second_export_keeps_the_first(
    exported: Path, data_dir: DataDir, embedder: SentenceTransformerEmbedder
) -> None:
    written = (exported / MODULE_FILE).stat().st_mtime_ns

    again = export_query_encoder(data_dir, embedder)

    assert again == exported
    assert (exported / MODULE_FILE).stat().st_mtime_ns == written
    assert [p.name for p in data_dir.encoders.iterdir()] == [exported.name]


def test_an_export_killed_half_way_is_removed_by_the_next(
    data_dir: DataDir, embedder: SentenceTransformerEmbedder
) -> None:
    leftover = data_dir.encoders / ".build-all-minilm-l6-v2-0000-abc123"
    leftover.mkdir(parents=True)
    (leftover / MODULE_FILE).write_bytes(b"half")

    export_query_encoder(data_dir, embedder)

    assert not leftover.exists()


def test_an_export_on_a_full_disk_raises_and_leaves_nothing_behind(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    with small_filesystem(tmp_path / "small", size_kib=8 * 1024) as mounted:
        data_dir = DataDir(mounted / "data")

        with pytest.raises(OSError):
            export_query_encoder(data_dir, embedder)

        assert list(data_dir.encoders.iterdir()) == []


def test_the_key_changes_with_the_sequence_length() -> None:
    assert export_key("", 256) != export_key("", 128)


def test_a_model_that_is_not_a_local_folder_has_no_export(data_dir: DataDir) -> None:
    assert export_key("sentence-transformers/all-MiniLM-L6-v2", 256) is None
    assert load_query_embedder(data_dir, EmbeddingSettings(model="sentence-transformers/all-MiniLM-L6-v2")) is None


def test_nothing_is_exported_with_tracing_off(data_dir: DataDir) -> None:
    assert export_query_encoder(data_dir, SentenceTransformerEmbedder(trace=False)) is None
    assert not data_dir.encoders.exists()


def test_without_an_export_the_model_is_loaded_in_process_and_the_log_says_why(
    data_dir: DataDir, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="vademecum.embedding"):
        chosen = serving_embedder(data_dir, DEFAULT)

    assert isinstance(chosen, SentenceTransformerEmbedder)
    assert "no exported question encoder" in caplog.text


def test_with_an_export_the_service_embeds_with_it(exported: Path, data_dir: DataDir) -> None:
    assert isinstance(serving_embedder(data_dir, DEFAULT), TracedEmbedder)


def test_a_damaged_export_is_not_used(exported: Path, data_dir: DataDir, caplog: pytest.LogCaptureFixture) -> None:
    module = exported / MODULE_FILE
    module.write_bytes(module.read_bytes()[: module.stat().st_size // 2])

    with caplog.at_level(logging.WARNING, logger="vademecum.embedding"):
        chosen = serving_embedder(data_dir, DEFAULT)

    assert isinstance(chosen, SentenceTransformerEmbedder)
    assert "unusable" in caplog.text


def test_an_export_made_with_another_torch_is_not_used(exported: Path, data_dir: DataDir) -> None:
    config = json.loads((exported / CONFIG_FILE).read_text())
    (exported / CONFIG_FILE).write_text(json.dumps({**config, "torch_version": "0.0.1"}))

    assert load_query_embedder(data_dir, DEFAULT) is None


def test_an_ingest_through_the_exported_encoder_stores_the_models_vectors(
    exported: Path, data_dir: DataDir, corpus: Path, ingest: Ingest, embedder: SentenceTransformerEmbedder
) -> None:
    """What an admin upload does: the service ingests with the encoder it loaded, not the full model."""
    write_corpus(corpus, list(TOPICS))
    write_article(corpus, "potassium", bullets=[f"Potassium check number {n} follows the dose [1]" for n in range(9)])
    loaded = load_query_embedder(data_dir, DEFAULT)

    report = ingest(embedder_=loaded)

    assert report.ok and report.passages_embedded > TRACED_MAX_BATCH, "more than one batch of the encoder"
    directory = data_dir.active_version_dir()
    texts = [chunk.embed_text for chunk in read_chunks(directory)]
    stored = read_vectors(directory / EMBEDDINGS)
    assert np.abs(stored - _model_vectors(embedder, texts)).max() < 1e-5
