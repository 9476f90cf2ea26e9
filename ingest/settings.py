"""The one settings tree of Vademecum, read from `VADEMECUM_*` environment variables.

Nested fields use a double underscore: `VADEMECUM_CHROMA__MODE=http`, `VADEMECUM_EMBEDDING__MODEL=/models/x`.
Reach it through `get_settings()`; nothing builds it at import time.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class EmbeddingSettings(BaseModel):
    # A sentence-transformers model folder or name; empty means the packaged all-MiniLM-L6-v2.
    model: str = ""
    # onnx: the model exported once per data directory and run by ONNX Runtime (ingest and service alike; the
    # service then never imports torch). torch: sentence-transformers, also used for a model that cannot be exported.
    backend: Literal["onnx", "torch"] = "onnx"
    # Weights of the ONNX encoder. fp32 by default: on this project's 2-core AMD EPYC (AVX2, no VNNI) int8 is no
    # faster, agrees less (cosine 0.985 against 0.99999) and its vectors shift with the batch they are embedded
    # in (activations are quantised per batch); see README. Changing backend or precision re-embeds at next ingest.
    precision: Literal["int8", "fp32"] = "fp32"
    # ONNX Runtime's threads per call at ingest; 0: one per core. (The service uses service.torch_threads.)
    threads: int = Field(default=0, ge=0, le=64)
    batch_size: int = Field(default=64, ge=1, le=4096)
    # Tokens a text is cut at; None: the model's own (its sentence_bert_config.json).
    max_seq_length: int | None = Field(default=None, ge=16, le=8192)


class ChromaSettings(BaseModel):
    # embedded: a PersistentClient inside each index version's directory (one writer process).
    # http: a Chroma server (`chroma run`); collections carry the index version in their name.
    mode: Literal["embedded", "http"] = "embedded"
    host: str = "127.0.0.1"
    port: int = Field(default=8100, ge=1, le=65535)
    ssl: bool = False


class IndexSettings(BaseModel):
    # Versions kept on disk: the active one plus this many older ones for rollback.
    keep_previous: int = Field(default=1, ge=0, le=20)


class ServiceSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # Question and answer text stay out of the logs unless explicitly enabled.
    log_text: bool = False
    log_level: str = "INFO"
    # Threads per embedding call (ONNX Runtime, or torch); 1 serves concurrent requests best on a small machine.
    torch_threads: int = Field(default=1, ge=1, le=64)
    # uvicorn worker processes; more than one needs Chroma in http mode (embedded Chroma has one writer).
    workers: int = Field(default=1, ge=1, le=64)
    # The admin endpoints (upload, delete, reindex) need this key in `X-API-Key`; unset disables them.
    admin_api_key: SecretStr | None = None
    # Bodies above this size are refused with 413 before any parsing.
    max_body_bytes: int = Field(default=262_144, ge=1_024, le=64 * 1024 * 1024)
    # Per-client token bucket: sustained requests per second and burst size; 0 disables rate limiting.
    rate_limit_per_second: float = Field(default=20.0, ge=0)
    rate_limit_burst: int = Field(default=40, ge=1)
    # Requests that take longer get a 504; work beyond `max_concurrent` waiting requests gets a 503.
    request_timeout_s: float = Field(default=10.0, gt=0)
    max_concurrent: int = Field(default=64, ge=1)
    # How often the process looks at the ACTIVE pointer to pick up a new index version (0: never).
    reload_interval_s: float = Field(default=2.0, ge=0)
    # On SIGTERM, in-flight requests get this long to finish.
    shutdown_grace_s: float = Field(default=10.0, ge=0)
    # How long an idle keep-alive connection stays open. Longer than the idle timeout of the clients and
    # proxies in front (httpx 5 s, nginx and most load balancers 60 s), so they always close first: a
    # server that closes first races a client sending on that connection, and the request is lost.
    keep_alive_s: int = Field(default=75, ge=1, le=3600)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VADEMECUM_", env_nested_delimiter="__", extra="ignore")

    data_dir: Path = Path("data")
    corpus_dir: Path = Path("corpus")
    embedding: EmbeddingSettings = EmbeddingSettings()
    chroma: ChromaSettings = ChromaSettings()
    index: IndexSettings = IndexSettings()
    service: ServiceSettings = ServiceSettings()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
