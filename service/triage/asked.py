"""What a question asks for, and whether the evidence found addresses it.

Similarity tells that the passages are about the right topic; it cannot tell that they answer the
question. "What's the ticagrelor maintenance dose?" retrieves the passage that names ticagrelor as a
preferred drug, at high similarity, but that passage gives no dose. So before an answer is composed:

- **The asked entity.** The question's specific terms (drugs, conditions, subtypes: words that only a
  few articles use, as opposed to context words such as "patient", "first", "adult") must each be
  spoken of by the evidence: the passages that would be cited, their article's title and question, and
  the article being read. Everyday life asked about beside a condition (flying, driving, sport, alcohol, diet,
  vaccines, work) is asked too, though ordinary words. A term counts as spoken of when the evidence uses
  it, a form of it, a longer word it abbreviates ("clopi" for clopidogrel), a known synonym, or a typo of it.
- **The asked facet.** A question that asks for a dose ("loading dose", "how much", "mg") or a duration
  ("how long", "how many weeks") is answered only if a sentence of the evidence gives one (a number
  with a dose or time unit) next to the asked entity.

Both are read from corpus statistics built once per index (`CorpusTerms`), not from a list of cases.
"""

from __future__ import annotations

import bisect
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import takewhile

import Stemmer

from service.triage.acronyms import spells_out, typed_acronyms
from service.triage.conditions import named_conditions, names_a_condition
from service.triage.drug_classes import DRUG_NAME, drug_classes, names_a_class
from service.triage.facets import FACET_EVIDENCE, FACETS, Facet
from service.triage.lay_terms import CLINICAL_WORDS
from service.triage.scope import FOLLOWUP_WORDS, STOPWORDS, is_generic_medical_word
from service.triage.synonyms import SYNONYMS
from service.triage.words import normalise, one_edit_away

_WORD = re.compile(r"[a-z0-9]+")
_SENTENCE = re.compile(r"(?<=[.;!?])\s+|\n+")
# A term used by more than this share of the articles is context, not what is asked about.
SPECIFIC_SHARE = 0.12
MIN_CHARS = 4
# Words that say what is asked, not about what: the facet is read from them, they are never the entity.
ASKING_WORDS = frozenset(
    """
    dose doses dosing dosage loading maintenance regimen starting start much mg mcg micrograms units rate long
    duration days weeks months hours course treat treatment therapy manage management give given use used
    option options choice drug drugs medication medications medicine best recommended recommend first line
    safe ok okay fine need needs needed should would could take taking stop stopping continue start switch
    prescribe prescribed prescribing dose
    """.split()
)


# Everyday life a patient asks about beside a condition: travel, driving, sport, sex, alcohol, diet, vaccines,
# school or work, cosmetics, cost, pets. Ordinary English words, so never specific terms by corpus counts, yet a
# guideline on the condition rarely speaks of them: "can I fly after a heart attack?" is not answered by the
# heart attack article unless it speaks of flying. Each is an asked term the evidence must speak of.
_EVERYDAY = frozenset(
    """
    fly flying flight flights plane airline travel travelling traveling abroad drive driving driver dvla swim
    swimming diving scuba gym sport sports marathon football rugby tennis golf cycling skiing exercise exercises sex
    intercourse alcohol beer wine diet diets salt caffeine coffee grapefruit tattoo tattoos piercing sunscreen
    sunbed sauna vaccine vaccines vaccination vaccinations jab jabs immunisation immunization school nursery college
    job jobs cost costs price insurance pet pets cat cats dog dogs
    """.split()
)
# Everyday words that name a population or a thing: "school-age children", "a driver mutation".
_NOT_EVERYDAY = re.compile(r"\b(school|college) (age|aged|children|child|kids)\b|\bdriver (mutations?|genes?)\b")
# "back to work" asks about work; "does it work?" does not.
_AT_WORK = re.compile(
    r"\b(back to|return to|returning to|off|time off|sick note for|fit for) work\b"
    r"|\b(keep|keeps|still|stop|carry on|continue|go on) working\b"
)


@dataclass(frozen=True)
class CorpusTerms:
    """How many articles use each stem, built once per index version."""

    article_count: int
    stem_articles: dict[str, int]
    word_articles: dict[str, int]
    # Ordinary English words (the embedding model's whole-word vocabulary): context, never the asked entity.
    common: frozenset[str] = frozenset()
    # The corpus's words that name a drug of a known class, sorted: what a drug typed short may stand for.
    drugs: tuple[str, ...] = ()

    @classmethod
    def build(cls, article_texts: Iterable[str], common: Iterable[str] = ()) -> CorpusTerms:
        stems: dict[str, int] = {}
        words: dict[str, int] = {}
        total = 0
        for text in article_texts:
            total += 1
            found = set(map(sys.intern, _WORD.findall(normalise(text))))  # the strings EvidenceText shares
            for word in found:
                words[word] = words.get(word, 0) + 1
            for stem in set(map(sys.intern, _stems(found))):
                stems[stem] = stems.get(stem, 0) + 1
        drugs = tuple(sorted(w for w in words if DRUG_NAME.search(w)))
        return cls(article_count=total, stem_articles=stems, word_articles=words, common=frozenset(common), drugs=drugs)

    def articles_using(self, word: str) -> int:
        """Articles that use the word, a form of it, or (for an abbreviation) a word it begins."""
        used = self.stem_articles.get(_stem(word), 0)
        if used or len(word) < MIN_CHARS:
            return used
        return max((n for w, n in self.word_articles.items() if w.startswith(word)), default=0)

    def slip_of_an_ordinary_word(self, word: str) -> bool:
        """No article uses the word, and it is one slip from an ordinary word ("sohuld", "yeaar")."""
        # The prefix scan of `articles_using` reads every corpus word: asked last, of the few words that are slips.
        return (
            word not in SYNONYMS
            and word not in CLINICAL_WORDS
            and one_edit_away(word, self.common)
            and self.articles_using(word) == 0
        )

    def drug_typed_as(self, short: str) -> str | None:
        """The one drug of a known class the corpus names that `short` begins ("clopi": "clopidogrel")."""
        if len(short) < MIN_CHARS or short in self.word_articles:
            return None
        start = bisect.bisect_left(self.drugs, short)
        found = list(takewhile(lambda w: w.startswith(short), self.drugs[start:]))
        return found[0] if len(found) == 1 else None

    def is_specific(self, word: str) -> bool:
        """A word few articles use (a drug, a condition, a subtype), and which the corpus does use."""
        if len(word) < MIN_CHARS or word.isdigit() or word in STOPWORDS or word in FOLLOWUP_WORDS:
            return False
        if word in ASKING_WORDS or is_generic_medical_word(word):
            return False
        # An ordinary English word is context ("first", "night"), but a condition's name is asked about ("gout").
        if word in self.common and not names_a_condition(word):
            return False
        return self.used_by_few(word)

    def used_by_few(self, word: str) -> bool:
        """Some articles use the word, and few enough that it tells them apart."""
        return 0 < self.articles_using(word) <= max(1, SPECIFIC_SHARE * self.article_count)


@dataclass(frozen=True)
class EvidenceText:
    """One evidence text (a passage, an article) read once: its words, stems and sentences with facets."""

    words: frozenset[str]
    stems: frozenset[str]
    # Its words in order, where an acronym's spelling out is looked for.
    tokens: tuple[str, ...]
    # Per sentence: its words, and the facets it gives.
    sentences: tuple[tuple[frozenset[str], frozenset[Facet]], ...]

    @classmethod
    def read(cls, text: str) -> EvidenceText:
        # Interned: the server keeps hundreds of these, and one string per word shared between them halves
        # what each holds (47 -> 33 KB for a MedQuAD article, the corpus term counts holding the strings).
        tokens = tuple(map(sys.intern, _WORD.findall(normalise(text))))
        words = frozenset(tokens)
        sentences = []
        for raw in _SENTENCE.split(text):
            sentence = normalise(raw)
            facets = frozenset(f for f, pattern in FACET_EVIDENCE.items() if pattern.search(sentence))
            if facets:
                sentences.append((frozenset(map(sys.intern, sentence.split())), facets))
        stems = frozenset(map(sys.intern, _stems(words)))
        return cls(words=words, stems=stems, tokens=tokens, sentences=tuple(sentences))


def lexically_supported(question: str, corpus: CorpusTerms, passages: Sequence[str]) -> bool:
    """The question's rare corpus words (a named score, rule or trial: "CURB-65", "PERC", "Cairo-Bishop"),
    all in one passage: evidence the embedding model may not recognise, as strong as a close match."""
    words = [w for w in _WORD.findall(normalise(question)) if w not in STOPWORDS and not w.isdigit() and len(w) >= 3]
    rare = {w for w in words if 0 < corpus.stem_articles.get(_stem(w), 0) <= RARE_ARTICLES}
    # One rare word alone is a mention, not a name: "migraine" in a passage listing a seizure's mimics does
    # not answer how migraine is prevented. A name is two rare words ("Lund and Browder", "Cairo-Bishop") or
    # a word typed as one: an acronym or a word with a number ("PERC", "CURB-65", "curb 65"), or a word naming a
    # tool ("blatchford score", "parkland formula").
    named_tool = any(re.search(rf"\b{w}[- ]{_TOOL}\b", normalise(question)) for w in rare)
    if not rare or (len(rare) < 2 and not _TYPED_AS_A_NAME.search(question) and not named_tool):
        return False
    for text in passages:
        found = set(_WORD.findall(normalise(text)))
        stems = set(_stems(found))
        if all(w in found or _stem(w) in stems for w in rare):
            return True
    return False


# A word used by at most this many articles names something particular (a score, a rule, a trial).
RARE_ARTICLES = 2
_TOOL = r"(score|scores|scale|criteria|rule|rules|tool|classification|index|trial|formula|chart|algorithm)"
_TYPED_AS_A_NAME = re.compile(r"\b([A-Z]{2,}[a-z]?|[A-Za-z]+[- ]?\d+[A-Za-z]*)\b")


def is_content_word(word: str) -> bool:
    """A word that says what a question is about: not a function word, a follow-up word, a number, or a word that
    says what is asked ("dose", "first line")."""
    return (
        len(word) >= MIN_CHARS
        and not word.isdigit()
        and word not in STOPWORDS
        and word not in FOLLOWUP_WORDS
        and word not in ASKING_WORDS
    )


@dataclass(frozen=True)
class Asked:
    terms: tuple[str, ...]
    facet: Facet | None
    # The question's content words: a sentence that gives the facet must speak of one of them.
    anchors: tuple[str, ...] = ()
    # Names typed in capitals (service.triage.acronyms): the evidence must write or spell out each.
    acronyms: tuple[str, ...] = ()
    # A term typed short ("clopi") and the drug the corpus names with it ("clopidogrel"), whose class counts.
    drugs_typed_short: tuple[tuple[str, str], ...] = ()
    # Which dose is asked: "maintenance" or "loading" (a single dose answers neither the other), or None.
    dose_kind: str | None = None

    @classmethod
    def read(cls, question: str, corpus: CorpusTerms) -> Asked:
        text = normalise(question)
        words = _WORD.findall(text)
        plain = _NOT_EVERYDAY.sub(" ", text)
        everyday = [w for w in words if w in _EVERYDAY and re.search(rf"\b{w}\b", plain)]
        everyday += ["work"] if _AT_WORK.search(text) else []
        # The name of "X disease" is asked about however ordinary the word ("Kawasaki disease", "Lyme disease").
        named = [w for w in named_conditions(text) if corpus.used_by_few(w)]
        terms = tuple(dict.fromkeys([*(w for w in words if corpus.is_specific(w)), *named, *everyday]))
        short = tuple((t, drug) for t in terms if not drug_classes(t) and (drug := corpus.drug_typed_as(t)))
        facet = next((f for f, pattern in FACETS.items() if pattern.search(text)), None)
        # Ordinary words ("keep it going") anchor nothing: then any sentence giving the facet will do. Nor do their
        # slips ("what dose sohuld i start?"), which no article uses.
        anchors = tuple(
            dict.fromkeys(
                w
                for w in words
                if is_content_word(w)
                and (w not in corpus.common or is_generic_medical_word(w))
                and not corpus.slip_of_an_ordinary_word(w)
            )
        )
        # A lay word anchors by its clinical words too: "blood thinners" by "anticoagulant".
        anchors += tuple(c for w in words for c in CLINICAL_WORDS.get(w, ()) if c not in anchors)
        acronyms = tuple(typed_acronyms(question))
        kind = next((k for k in _DOSE_KINDS if re.search(rf"\b{k}\b", text)), None) if facet is Facet.DOSE else None
        return cls(
            terms=terms, facet=facet, anchors=anchors, acronyms=acronyms, drugs_typed_short=short, dose_kind=kind
        )

    def _missing(self, evidence: Sequence[EvidenceText]) -> list[str]:
        """The asked terms and acronyms none of the evidence texts speaks of."""
        words = frozenset().union(*(e.words for e in evidence))
        stems = frozenset().union(*(e.stems for e in evidence))
        drugs = dict(self.drugs_typed_short)
        missing = [
            t
            for t in self.terms
            if not _spoken_of(t, words, stems)
            and not (t in self.acronyms and self._spelt_out(t, evidence))
            and not (t in drugs and _spoken_of(drugs[t], words, stems))
        ]
        missing += [
            a for a in self.acronyms if a not in self.terms and a not in words and not self._spelt_out(a, evidence)
        ]
        return missing

    @staticmethod
    def _spelt_out(acronym: str, evidence: Sequence[EvidenceText]) -> bool:
        return any(spells_out(acronym, e.tokens) for e in evidence)

    def unaddressed(self, evidence: Sequence[EvidenceText]) -> list[str]:
        """The asked terms no evidence text speaks of, and the facet when no sentence gives it."""
        missing = self._missing(evidence)
        if missing or self.facet is None:
            return missing
        for item in evidence:
            # The dose or duration comes from a text that speaks of everything asked: the apixaban dose of the atrial
            # fibrillation article is no answer to "apixaban dose for a DVT", though another article names DVT.
            if self._missing([item]):
                continue
            for sentence, facets in item.sentences:
                if (
                    self.facet in facets
                    and (
                        # A dose or duration given for one drug of a class answers for the class ("what steroid
                        # dose?"), not for another drug of it: an aspirin dose is no ticagrelor dose.
                        not self.anchors
                        or any(_spoken_of(t, sentence, None, by_class=names_a_class(t)) for t in self.anchors)
                    )
                    and (self.dose_kind is None or sentence & _DOSE_KINDS[self.dose_kind])
                ):
                    return []
        return [f"{self.dose_kind} {self.facet.value}" if self.dose_kind else self.facet.value]


# The words a sentence gives a maintenance or a loading dose with: "300 mg loading then 75 mg daily". A single dose
# over 20 minutes is neither the maintenance dose asked ("what's the magnesium maintenance dose?") nor proof of one.
_DOSE_KINDS: dict[str, frozenset[str]] = {
    "maintenance": frozenset(
        "maintenance daily day days weekly hourly hour infusion continuous continue continued thereafter then".split()
    ),
    "loading": frozenset("loading load bolus stat initial initially single once immediately start".split()),
}


# Clinical words and the everyday or general words passages use for the same thing.
RELATED: dict[str, tuple[str, ...]] = {
    "febrile": ("fever", "temperature", "pyrexia"),
    "pyrexia": ("fever", "temperature"),
    "bacteraemia": ("bloodstream", "bacteremia", "blood"),
    "bacteremia": ("bloodstream", "bacteraemia", "blood"),
    "inpatients": ("hospital", "admitted", "admission", "inpatient", "ward"),
    "inpatient": ("hospital", "admitted", "admission", "ward"),
    "outpatient": ("home", "oral", "ambulatory"),
    "noradrenaline": ("norepinephrine", "vasopressor"),
    "norepinephrine": ("noradrenaline", "vasopressor"),
    # A condition is spoken of by evidence on the class it belongs to: lithium "in mood disorders" is for bipolar.
    "bipolar": ("mood",),
}


def _spoken_of(term: str, words: frozenset[str], stems: frozenset[str] | None, *, by_class: bool = True) -> bool:
    if term in words or (stems is not None and _stem(term) in stems):
        return True
    if any(other in words for names in (RELATED, CLINICAL_WORDS, SYNONYMS) for other in names.get(term, ())):
        return True
    classes = drug_classes(term) if by_class else set()
    if classes and any(classes & drug_classes(w) for w in words):
        return True
    # An abbreviation of a longer word ("clopi", "norad"), a longer form of a word ("anticoagulated"), a word
    # inside a compound ("prophylaxis" in "thromboprophylaxis"), or another ending ("recurs", "recurrence").
    return any(
        (len(term) >= MIN_CHARS and w.startswith(term))
        or (len(w) >= 5 and term.startswith(w))
        or (len(term) >= 6 and term in w)
        or _shared_start(term, w) >= max(5, len(term) - 2)
        for w in words
    )


def _shared_start(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


_STEMMER: Stemmer.Stemmer | None = None


def _stem(word: str) -> str:
    global _STEMMER
    if _STEMMER is None:
        _STEMMER = Stemmer.Stemmer("english")
    return str(_STEMMER.stemWord(word))


def _stems(words: Iterable[str]) -> list[str]:
    return [_stem(w) for w in words]
