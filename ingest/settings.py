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

# How passages and questions are embedded (ingest.embedding): an ONNX export of the model with int8 or fp32
# weights, run by ONNX Runtime, or the model itself on torch.
EncoderKind = Literal["int8", "fp32", "torch"]


class EmbeddingSettings(BaseModel):
    # A sentence-transformers model name or local path; empty means the packaged all-MiniLM-L6-v2.
    model: str = ""
    # int8 is the default: 2.5-3x faster than torch, vectors within cosine 0.99 of the model's, the same
    # retrieval quality on our evaluations. Changing it re-embeds the index at the next ingest.
    encoder: EncoderKind = "int8"
    # Cores an ingest embeds on (parallel passes of ONNX Runtime, one thread each); 0 uses every core.
    threads: int = Field(default=0, ge=0, le=64)
    batch_size: int = Field(default=64, ge=1, le=4096)
    max_seq_length: int = Field(default=256, ge=16, le=8192)


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
    # Encoder threads per request (torch's, or ONNX Runtime's parallel passes); 1 serves concurrency best.
    encoder_threads: int = Field(default=1, ge=1, le=64)
    # Order retrieval's candidates by the learned relevance model (service.retrieval.relevance) instead of
    # the fusion score. Off by default: evals/README.md has the figures for both.
    learned_ranking: bool = False
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
