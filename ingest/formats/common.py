"""Helpers every loader shares: strict text reading and readable validation errors."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from ingest.models import ArticleLoadError, ValidationIssue


def read_text(path: Path) -> str:
    """Read a file as UTF-8, turning every way it can fail into an ArticleLoadError."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ArticleLoadError([ValidationIssue(path=str(path), reason=f"cannot read: {error.strerror}")]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        reason = f"not valid UTF-8 (byte {error.start})"
        raise ArticleLoadError([ValidationIssue(path=str(path), reason=reason, line=line)]) from None
    if not text.strip():
        raise ArticleLoadError([ValidationIssue(path=str(path), reason="file is empty")])
    return text.removeprefix("\ufeff")


def validation_issues(path: Path, error: ValidationError) -> list[ValidationIssue]:
    """One issue per pydantic error, naming the field it concerns."""
    issues = []
    for detail in error.errors():
        where = ".".join(str(part) for part in detail["loc"])
        message = detail["msg"].removeprefix("Value error, ")
        reason = f"{where}: {message}" if where else message
        issues.append(ValidationIssue(path=str(path), reason=reason))
    return issues
