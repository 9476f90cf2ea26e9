"""Load MedQuAD XML (../shared/data/medquad/, see its README): one article per document.

A document has a focus (the article title), a source URL and numbered QA pairs. Each answered pair
becomes a section headed by its question, one claim per answer paragraph, and every claim carries the
pair's id `<source>_<document id>_Sec<pid>` (e.g. `GARD_0004450_Sec3`) as `source_id`, which the
chunker copies onto every passage, so a retrieved passage can be traced to the judged QA pair.

Three spellings of the schema occur and are read alike: `<Document id source>` (almost all files),
`<doc docid corpus>` with `<doctitle-focus>`, `<qaPairs>`, `<pair>` (four NINDS files), and
`<DiseaseFile fid source>` (one CDC file). Tag names are compared case-insensitively.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from ingest.chunking import split_sentences
from ingest.formats.common import validation_issues
from ingest.models import (
    Article,
    ArticleLoadError,
    Claim,
    Reference,
    ReferenceType,
    Section,
    SourceFormat,
    ValidationIssue,
)

# Readable names of the issuing sites, for the one reference every MedQuAD article cites.
SOURCE_NAMES = {
    "CancerGov": "National Cancer Institute (cancer.gov)",
    "GARD": "Genetic and Rare Diseases Information Center (GARD)",
    "GHR": "Genetics Home Reference (NLM)",
    "MPlusHealthTopics": "MedlinePlus Health Topics (NLM)",
    "NIDDK": "National Institute of Diabetes and Digestive and Kidney Diseases",
    "NINDS": "National Institute of Neurological Disorders and Stroke",
    "NIHSeniorHealth": "NIHSeniorHealth (NIH)",
    "NHLBI": "National Heart, Lung, and Blood Institute",
    "CDC": "Centers for Disease Control and Prevention",
}
# Where a source covers one specialty, its articles carry it; the broad ones are plain consumer health.
CONSUMER_HEALTH = "consumer-health"
SOURCE_SPECIALTIES = {
    "CancerGov": "oncology",
    "GARD": "rare-diseases",
    "GHR": "medical-genetics",
    "NINDS": "neurology",
    "NIHSeniorHealth": "geriatrics",
}
# The summary is the first answer's opening sentences, up to about this many words.
SUMMARY_WORDS = 50

_ID_ATTRIBUTES = ("id", "docid", "fid")
_SOURCE_ATTRIBUTES = ("source", "corpus")
_FOCUS_TAGS = ("focus", "doctitle-focus")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([?.,;:])")


class NoAnswersError(ArticleLoadError):
    """A well-formed document with no answered QA pair: nothing to index, which is not a fault of the file."""


@dataclass(frozen=True)
class MedQuadDocument:
    """One file read: its article (None when no pair has an answer) and how many pairs were left out."""

    path: Path
    article: Article | None
    answered_pairs: int
    skipped_pairs: int

    def require_article(self) -> Article:
        if self.article is None:
            reason = f"no QA pair has an answer ({self.skipped_pairs} pairs in the file): nothing to index"
            raise NoAnswersError([ValidationIssue(path=str(self.path), reason=reason)])
        return self.article


def load_medquad_file(path: Path) -> Article:
    """The article of one MedQuAD file; NoAnswersError when no pair has an answer."""
    return read_medquad(path).require_article()


def read_medquad(path: Path) -> MedQuadDocument:
    """Parse one file; raise ArticleLoadError (with the line) when it is not a readable MedQuAD document."""
    data, root = _parse_xml(path)
    doc_id = _first_attribute(root, _ID_ATTRIBUTES)
    source = _first_attribute(root, _SOURCE_ATTRIBUTES)
    if doc_id is None or source is None:
        missing = " or ".join(name for name, value in (("id", doc_id), ("source", source)) if value is None)
        reason = f"<{root.tag}> has no {missing} attribute: not a MedQuAD document"
        # ElementTree keeps no line numbers; the root's start tag is the first '<' + its name in the file.
        line = data[: max(0, data.find(b"<" + root.tag.encode()))].count(b"\n") + 1
        raise ArticleLoadError([ValidationIssue(path=str(path), reason=reason, line=line)])
    url = (root.get("url") or "").strip() or None

    sections: list[Section] = []
    questions: list[str] = []
    skipped = 0
    for position, pair in enumerate(_children(root, "qapair", "pair"), start=1):
        question = _clean_question(_child_text(pair, "question"))
        paragraphs = [_clean(p) for p in _PARAGRAPH_BREAK.split(_child_text(pair, "answer"))]
        paragraphs = [p for p in paragraphs if p]
        if not paragraphs:
            skipped += 1
            continue
        # Every file numbers its pairs; the position is only a fallback so an id is never missing.
        pair_id = f"{source}_{doc_id}_Sec{pair.get('pid') or position}"
        heading = question or f"Question {pair.get('pid') or position}"
        claims = tuple(Claim(text=p, citations=(1,), source_id=pair_id) for p in paragraphs)
        sections.append(Section(heading=heading, claims=claims))
        questions.append(heading)
    if not sections:
        return MedQuadDocument(path=path, article=None, answered_pairs=0, skipped_pairs=skipped)

    title = _clean(_focus(root)) or _title_from_url(url) or f"{source} document {doc_id}"
    try:
        article = Article(
            id=article_id(source, path),
            # The document has no question of its own; its first one ("What is (are) X ?") stands for it.
            question=questions[0],
            title=title,
            summary=_summary(sections[0].claims[0].text),
            sections=tuple(sections),
            references=(
                Reference(
                    n=1,
                    type=ReferenceType.PATIENT_EDUCATION,
                    title=title,
                    source=SOURCE_NAMES.get(source, source),
                    url=url,
                ),
            ),
            specialty=SOURCE_SPECIALTIES.get(source, CONSUMER_HEALTH),
            tags=("medquad", source.lower()),
            source_format=SourceFormat.MEDQUAD,
            source_path=str(path),
        )
    except ValidationError as error:
        raise ArticleLoadError(validation_issues(path, error)) from None
    return MedQuadDocument(path=path, article=article, answered_pairs=len(sections), skipped_pairs=skipped)


def article_id(source: str, path: Path) -> str:
    """`medquad-<source>-<file name>`, e.g. `medquad-cancergov-0000013-2-1`.

    The file name, not the document id: CancerGov repeats document ids across files (0000013_2 is the id
    in seven files, one per sub-topic), while file names are unique within a source's folder.
    """
    return re.sub(r"[^a-z0-9]+", "-", f"medquad-{source}-{path.stem}".lower()).strip("-")


def _parse_xml(path: Path) -> tuple[bytes, ET.Element]:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ArticleLoadError([ValidationIssue(path=str(path), reason=f"cannot read: {error.strerror}")]) from None
    if not data.strip():
        raise ArticleLoadError([ValidationIssue(path=str(path), reason="file is empty", line=1)])
    try:
        # Parsing bytes lets expat honour the file's encoding declaration. Python's expat refuses external
        # entities and limits entity expansion, so a hostile file cannot reach the network or blow up memory.
        return data, ET.fromstring(data)
    except ET.ParseError as error:
        line, column = error.position
        # str(error) ends with ": line L, column C"; the line goes into the issue, the column into the reason.
        message = str(error).rsplit(": line", 1)[0]
        reason = f"not well-formed XML: {message} (column {column + 1})"
        raise ArticleLoadError([ValidationIssue(path=str(path), reason=reason, line=line)]) from None


def _first_attribute(element: ET.Element, names: tuple[str, ...]) -> str | None:
    for name in names:
        value = (element.get(name) or "").strip()
        if value:
            return value
    return None


def _children(root: ET.Element, *tags: str) -> list[ET.Element]:
    """Every element named one of `tags` (case-insensitively), in document order."""
    return [element for element in root.iter() if element.tag.lower() in tags]


def _child_text(element: ET.Element, tag: str) -> str:
    for child in element:
        if child.tag.lower() == tag:
            return "".join(child.itertext())
    return ""


def _focus(root: ET.Element) -> str:
    for child in root:
        if child.tag.lower() in _FOCUS_TAGS:
            return "".join(child.itertext())
    return ""


def _clean(text: str) -> str:
    return " ".join(text.split())


def _clean_question(text: str) -> str:
    """Collapse whitespace and the stray space MedQuAD puts before a question mark ('X ?' -> 'X?')."""
    return _SPACE_BEFORE_PUNCTUATION.sub(r"\1", _clean(text))


def _title_from_url(url: str | None) -> str | None:
    """A readable title when the focus is empty: the URL's last path segment ('.../visa_vrsa.html' -> 'visa vrsa')."""
    if not url:
        return None
    segments = [s for s in re.split(r"[/?#]", url.split("://", 1)[-1])[1:] if s]
    if not segments:
        return None
    words = re.sub(r"[_\-+]+", " ", re.sub(r"\.\w+$", "", segments[-1])).strip()
    return words or None


def _summary(answer: str) -> str:
    sentences = split_sentences(answer)
    chosen = sentences[:1]
    for sentence in sentences[1:]:
        if len(" ".join([*chosen, sentence]).split()) > SUMMARY_WORDS:
            break
        chosen.append(sentence)
    return " ".join(chosen)
