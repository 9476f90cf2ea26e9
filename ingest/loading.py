"""Find article files under the paths given to `vademecum ingest` and load each with its format's loader.

File endings choose the format: `.md` native, `.txt` article page text, `.xml` MedQuAD. Dot-files and a
folder's README or LICENSE (any ending) are never articles. Failures are collected, not raised, so valid
articles still load. Valid inputs with nothing to index (a MedQuAD document none of whose QA pairs has an answer) are
counted as skipped, not rejected: the file is fine, and a run over all of MedQuAD should succeed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ingest.formats.medquad import NoAnswersError, load_medquad_file, read_medquad
from ingest.formats.native import load_native
from ingest.formats.page_text import load_page_text
from ingest.models import Article, ArticleLoadError, ValidationIssue

LOADERS: dict[str, Callable[[Path], Article]] = {
    ".md": load_native,
    ".txt": load_page_text,
    ".xml": load_medquad_file,
}

# Files found in a folder that describe it rather than hold an article (MedQuAD ships readme.txt, LICENSE.txt).
NOT_ARTICLES = frozenset({"readme", "license", "licence", "copying"})


@dataclass
class LoadedInputs:
    articles: list[Article] = field(default_factory=list)
    rejected: list[ValidationIssue] = field(default_factory=list)
    # Article ids that appear in more than one file: a run that has any writes nothing.
    duplicates: list[ValidationIssue] = field(default_factory=list)
    # Well-formed inputs that hold nothing to index, and parts of inputs left out (unanswered MedQuAD pairs).
    skipped: list[ValidationIssue] = field(default_factory=list)
    skipped_pairs: int = 0
    files: int = 0
    newest_mtime: float = 0.0


def discover(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            for candidate in sorted(path.rglob("*")):
                if candidate.is_file() and _is_article_file(candidate.relative_to(path)):
                    yield candidate
        else:
            yield path


def _is_article_file(relative: Path) -> bool:
    if any(part.startswith(".") for part in relative.parts):
        return False
    return relative.suffix.lower() in LOADERS and relative.stem.lower() not in NOT_ARTICLES


def load_inputs(paths: Iterable[Path], on_file: Callable[[Path], None] | None = None) -> LoadedInputs:
    result = LoadedInputs()
    seen: dict[str, list[Article]] = defaultdict(list)
    for path in discover(paths):
        result.files += 1
        if on_file is not None:
            on_file(path)
        loader = LOADERS.get(path.suffix.lower())
        if loader is None:
            reason = f"unknown file type {path.suffix!r} (expected {', '.join(sorted(LOADERS))})"
            result.rejected.append(ValidationIssue(path=str(path), reason=reason))
            continue
        if not path.exists():
            result.rejected.append(ValidationIssue(path=str(path), reason="no such file or directory"))
            continue
        result.newest_mtime = max(result.newest_mtime, path.stat().st_mtime)
        try:
            article = _load(path, loader, result)
        except NoAnswersError as error:
            result.skipped.extend(error.issues)
            continue
        except ArticleLoadError as error:
            result.rejected.extend(error.issues)
            continue
        seen[article.id].append(article)
    for article_id, copies in seen.items():
        if len(copies) > 1:
            files = ", ".join(str(a.source_path) for a in copies)
            for article in copies:
                reason = f"article id {article_id!r} is used by {len(copies)} files: {files}"
                result.duplicates.append(ValidationIssue(path=str(article.source_path), reason=reason))
        else:
            result.articles.append(copies[0])
    return result


def _load(path: Path, loader: Callable[[Path], Article], result: LoadedInputs) -> Article:
    if loader is not load_medquad_file:
        return loader(path)
    # Read MedQuAD through the reader that also says how many QA pairs it left out, for the summary.
    document = read_medquad(path)
    result.skipped_pairs += document.skipped_pairs
    return document.require_article()
