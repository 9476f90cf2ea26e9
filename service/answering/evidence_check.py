"""Does the evidence found fit the question? Age group, subtype and what is asked, checked against whole articles.

`EvidenceCheck` holds what these checks read once per index: each article's age group (from its title and
question), the words and sentences of the articles evidence came from lately, and how many articles use each
word (`service.triage.asked`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

from service.handoffs import Passage
from service.retrieval.index import LoadedIndex
from service.triage.acronyms import spellings, typed_acronyms
from service.triage.asked import Asked, CorpusTerms, EvidenceText, is_content_word, lexically_supported
from service.triage.lay_terms import as_typed
from service.triage.lexical_checks import AgeBand, article_band, named_sex, populations, question_band
from service.triage.scope import STOPWORDS
from service.triage.subtypes import contrasting_subtypes, named_subtypes, negates_a_thing
from service.triage.words import normalise

_WORD = re.compile(r"[a-z0-9]+")
_NOT_PREGNANT = re.compile(r"\b(not|non|isn'?t|isnt)[ -]pregnant\b")
# Articles whose words and sentences stay read. One MedQuAD article's take 87 KB and reading one again takes
# milliseconds: unbounded, a server that had cited all 5,535 would hold about 480 MB of them.
READ_ARTICLES = 256
# The articles of the best passages an acronym's spelling out is looked for in, best first.
SPELLING_ARTICLES = 3
# A lower-case word that may be an acronym typed in a hurry: three to six letters or digits. Two letters are left
# to capitals ("PE"): lower case, "us" or "af" are as often words or slips.
_LOWER_CASE_WORD = re.compile(r"(?<![A-Za-z0-9])([a-z][a-z0-9]{2,5})(?![A-Za-z0-9])")
# A spelling out written once may be chance ("missing action plans" for MAP); a term is written again.
SPELLING_REPEATS = 2


class EvidenceCheck:
    def __init__(self, index: LoadedIndex) -> None:
        self.index = index
        # Whom each article is written for, read from its title and question once: age band and sex.
        self._readers: dict[str, tuple[AgeBand, str | None]] = {}
        self._evidence_text = lru_cache(maxsize=READ_ARTICLES)(self._read_evidence_text)
        self._corpus: CorpusTerms | None = None

    def fitting_group(self, question: str, passages: Sequence[Passage]) -> list[Passage] | None:
        """The passages whose article is written for the age group, pregnancy and sex the question names, or
        that speak of that group themselves; None when the question names no group.

        An article for women ("in non-pregnant women") does not answer a question about men, nor one for
        adults a question about a toddler."""
        band = question_band(question)
        pregnant = "pregnancy" in populations(question) and not _NOT_PREGNANT.search(question.lower())
        sex = named_sex(question)
        if band is None and not pregnant and sex is None:
            return None
        asked = populations(question)
        if band is not None and band.high <= 16:
            asked.add("children")
        elif band is not None and band.low >= 65:
            asked.add("older adults")
        fitting = []
        for p in passages:
            article = p.chunk.article_id
            fits_age = self._fits(article, band, pregnant) or bool(asked and asked <= populations(p.chunk.text))
            fits_sex = self._fits_sex(article, sex) or named_sex(p.chunk.text) == sex
            if fits_age and fits_sex:
                fitting.append(p)
        return fitting

    def fitting_subtype(self, question: str, passages: Sequence[Passage]) -> list[Passage] | None:
        """The passages whose article is not about the opposite form of a thing the question names (a lower GI
        bleed asked, the upper GI bleeding article found), or that speak of the form asked about themselves
        ("acute kidney injury" in the chronic kidney disease article); None when the question names no subtype."""
        if not named_subtypes(question) and not negates_a_thing(question):
            return None
        return [
            p
            for p in passages
            if not contrasting_subtypes(question, self._heading(p.chunk.article_id))
            or not contrasting_subtypes(question, f"{self._heading(p.chunk.article_id)} {p.chunk.text}")
        ]

    def topic_left_behind(self, question: str, left: str, kept: Iterable[str]) -> list[str]:
        """The question's words that the heading of the article `left` (narrowed away as written for another group
        or form) names and no heading of the `kept` articles does: "asthma" when "asthma in children under 5"
        found the adult asthma article and what is left is the bronchiolitis one."""
        topic = _heading_topic(question, self._heading(left))
        for article in kept:
            topic -= _heading_topic(question, self._heading(article))
        return sorted(topic)

    def unaddressed(self, question: str, evidence: Sequence[Passage], reading: str | None) -> list[str]:
        """What the question asks that neither the evidence's articles nor the article being read speak of."""
        articles = {p.chunk.article_id for p in evidence} | ({reading} if reading else set())
        texts = [self._evidence_text(i) for i in sorted(articles)]
        return Asked.read(as_typed(question), self.corpus).unaddressed(texts)

    def supported(self, question: str, passages: Sequence[Passage]) -> bool:
        """The question's rare corpus words all occur in one citable passage (see asked.lexically_supported)."""
        cited = [p.chunk.text for p in passages if p.chunk.cited_claim][:5]
        return lexically_supported(as_typed(question), self.corpus, cited)

    def spelt_out(self, question: str, passages: Sequence[Passage]) -> str:
        """The question with each acronym it types followed by the words that spell it out in the articles
        of the passages found ("nitrates in ACS (acute coronary syndrome)?"), where they do."""
        articles = list(dict.fromkeys(p.chunk.article_id for p in passages))[:SPELLING_ARTICLES]
        texts = [self._evidence_text(i) for i in articles]
        expanded = question
        typed = typed_acronyms(question, shorthand=True, two_letters=True)
        for acronym in [*typed, *(w for w in self._written_in_capitals(question, articles) if w not in typed)]:
            found = sum((spellings(acronym, t.tokens) for t in texts), Counter[tuple[str, ...]]())
            run, count = found.most_common(1)[0] if found else ((), 0)
            if count >= SPELLING_REPEATS:
                expanded = _after_acronym(expanded, acronym, " ".join(run))
        return expanded

    def _written_in_capitals(self, question: str, articles: Sequence[str]) -> list[str]:
        """Words the question types in lower case ("criteria for dka being resolved") that the articles write
        as acronyms ("DKA"): people type acronyms in lower case as often as not."""
        words = [w for w in dict.fromkeys(_LOWER_CASE_WORD.findall(question)) if w not in STOPWORDS]
        if not words:
            return []
        written = " ".join(self._article_text(i) for i in articles)
        return [w for w in words if re.search(rf"(?<![A-Za-z0-9]){w.upper()}s?(?![A-Za-z0-9])", written)]

    @property
    def corpus(self) -> CorpusTerms:
        if self._corpus is None:
            self._corpus = CorpusTerms.build(
                (self._article_text(i) for i in self.index.articles),
                self.index.terms.common if self.index.terms else (),
            )
        return self._corpus

    def _read_evidence_text(self, article_id: str) -> EvidenceText:
        return EvidenceText.read(self._article_text(article_id))

    def _heading(self, article_id: str) -> str:
        heading = self.index.articles.headings.get(article_id)
        return f"{heading[0]}. {heading[1]}" if heading else ""

    def _article_text(self, article_id: str) -> str:
        # Read field by field: the corpus terms read every article, which need not be built for that.
        head = self._heading(article_id)
        rows = self.index.article_rows.get(article_id, [])
        return "\n".join([head, *(self.index.chunks.text(row) for row in rows)])

    def _fits(self, article_id: str, band: AgeBand | None, pregnant: bool) -> bool:
        written_for, _ = self._written_for(article_id)
        if pregnant and written_for.not_pregnant:
            return False
        return band is None or not band.conflicts(written_for)

    def _fits_sex(self, article_id: str, sex: str | None) -> bool:
        _, written_for = self._written_for(article_id)
        return sex is None or written_for is None or written_for == sex

    def _written_for(self, article_id: str) -> tuple[AgeBand, str | None]:
        readers = self._readers.get(article_id)
        if readers is None:
            heading = self.index.articles.headings.get(article_id)
            readers = (article_band(*heading), named_sex(" ".join(heading))) if heading else (AgeBand(), None)
            self._readers[article_id] = readers
        return readers


def _topic_words(text: str) -> set[str]:
    """What a text is about, as words: not how it asks, nor whom it is about (those are narrowed on already)."""
    words = set(_WORD.findall(normalise(text)))
    return {w.removesuffix("s") for w in words if is_content_word(w) and not populations(w)}


def _heading_topic(question: str, heading: str) -> set[str]:
    """The question's topic words an article heading names: a word of both, or an acronym of the question that the
    heading spells out ("UTI": "Urinary Tract Infection in Non-Pregnant Women")."""
    tokens = _WORD.findall(normalise(heading))
    spelt = {a for a in typed_acronyms(question, shorthand=True, two_letters=True) if spellings(a, tokens)}
    return (_topic_words(as_typed(question)) & _topic_words(heading)) | spelt


def _after_acronym(question: str, acronym: str, long_form: str) -> str:
    """`long_form` in brackets after the first place the question types `acronym`."""
    pattern = re.compile(rf"(?<![A-Za-z0-9]){re.escape(acronym)}s?(?![A-Za-z0-9])", re.IGNORECASE)
    return pattern.sub(lambda m: f"{m.group(0)} ({long_form})", question, count=1)
