"""Does the corpus speak about what the question asks? Two lexical checks that catch near misses.

Similarity alone cannot tell "what dose of apixaban?" (answered) from "what dose of andexanet to
reverse apixaban?" (not answered: the corpus never mentions andexanet): both are close to the
apixaban passages. So before an answer is composed:

- **Unknown terms.** A question word the corpus never uses (not even as a typo, another spelling,
  a plural or a known synonym), and that is not an ordinary English word, names something the
  corpus cannot speak about ("plazomicin", "palivizumab"): the service abstains and says so.
  Ordinary words are the whole-word entries of the embedding model's own vocabulary ("tomorrow",
  "scanner"), so only rare, specific terms count.
- **Populations.** A question about a population (pregnancy, breastfeeding, children, older adults,
  kidney disease) is answered only from passages that mention it, or from an article about it.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import Stemmer

from service.triage.conditions import named_conditions, names_a_condition
from service.triage.drug_classes import DRUG_CLASSES, drug_classes
from service.triage.scope import FOLLOWUP_WORDS, STOPWORDS, is_generic_medical_word
from service.triage.synonyms import SYNONYMS
from service.triage.words import deletions, fold_sounds, normalise

# Populations and the word stems that name them (matched against stems of normalised text).
POPULATIONS: dict[str, tuple[str, ...]] = {
    "pregnancy": ("pregnan", "gestat", "trimest", "antenat", "obstetr", "fetus", "fetal", "foetal"),
    "breastfeeding": ("breastfe", "breast fe", "lactat", "nursing mother"),
    "children": (
        "child",
        "paediatr",
        "pediatr",
        "infant",
        "neonat",
        "newborn",
        "toddler",
        "adolesc",
        "kid ",
        "kids ",
    ),
    "older adults": ("older", "elderly", "geriatr", "frail", "aged 65", "aged 75", "aged 80"),
    "kidney disease": ("dialysis", "renal", "kidney", "ckd", "creatinine clearance", "egfr"),
}
_AGE = re.compile(r"\b(\d{1,3})[ -]?(year|yr|month|week|day)s?[ -]?old\b")
# An age as clinicians and parents type it, in normalised text: "28f", "72m" (ward shorthand for a woman of 28,
# a man of 72: from 12, since "6m" may be six months), "my daughter is 15", "shes 15" (a number after a
# person, unless a unit follows: "she is 15 weeks pregnant").
_SHORTHAND_AGE = re.compile(
    r"\b(?P<sex>1[2-9]|[2-9]\d|1[01]\d)[fm]\b"
    r"|\b(?:daughter|son|child|kid|boy|girl|grandson|granddaughter|she|he|shes|hes)(?: is| s)? (?P<said>\d{1,2})\b"
    r"(?! ?(?:weeks?|wks?|days?|months?|kg|mg|g|ml|mmol|percent|hours?|hrs?|h|cm|mm|units?|minutes?|mins?)\b)"
)
_WORD = re.compile(r"[a-z0-9]+")
_TYPED_WORD = re.compile(r"[A-Za-z0-9]+")
_ADJECTIVE = re.compile(r"(ular|ical|ic|al|ous|ary|ory|ive)$")
# Too short to tell a term from an abbreviation the corpus spells out (svc, nebs, sats).
MIN_TERM_CHARS = 5


@dataclass(frozen=True)
class AgeBand:
    """The ages (in years) a text speaks of, and whether it excludes pregnancy."""

    low: float = 0.0
    high: float = 200.0
    not_pregnant: bool = False

    def conflicts(self, other: AgeBand) -> bool:
        return self.high <= other.low or other.high <= self.low


_ANY_AGE = AgeBand()
# What an article's title says about whom it is for: "in Adults", "in Children", "Younger Than 3 Months".
_TITLE_BANDS = (
    (re.compile(r"\b(younger than|under) (\d+) months?\b"), None),
    (re.compile(r"\b(older adults?|elderly|older person|older people)\b"), AgeBand(65, 200)),
    (re.compile(r"\b(infants?|newborns?|neonates?)\b"), AgeBand(0, 2)),
    (re.compile(r"\b(children|child|paediatric|pediatric)\b"), AgeBand(0, 16)),
    (re.compile(r"\badults?\b"), AgeBand(16, 200)),
)
_QUESTION_AGE = re.compile(
    r"\b(\d{1,3})[ -]?(year|yr|month|week|day)s?[ -]?old\b|\b(\d{1,3}) ?(yo|y o)\b"
    r"|\baged (\d{1,3})(?: (year|month|week|day)s?)?\b|\bat (\d{1,2}) (month|week)s?\b"
)
_QUESTION_WORDS = (
    (re.compile(r"\b(an adult|adults|adult|grown up)\b"), AgeBand(16, 200)),
    (re.compile(r"\b(elderly|older adult|older person|older people)\b"), AgeBand(65, 200)),
    (re.compile(r"\b(child|children|kid|kids|toddler|paediatric|pediatric|paeds|peds)\b"), AgeBand(0, 16)),
)


def article_band(title: str, question: str) -> AgeBand:
    """Whom an article is for, from its title and question (any age when they do not say)."""
    text = normalise(f"{title} {question}")
    not_pregnant = bool(re.search(r"\bnon pregnant\b", text))
    for pattern, band in _TITLE_BANDS:
        match = pattern.search(text)
        if match:
            if band is None:
                return AgeBand(0, int(match.group(2)) / 12, not_pregnant)
            return AgeBand(band.low, band.high, not_pregnant)
    return AgeBand(not_pregnant=not_pregnant)


def question_band(text: str) -> AgeBand | None:
    """The age a question gives, or names ("an adult", "my toddler"); None when it does not say."""
    folded = normalise(text)
    match = _QUESTION_AGE.search(folded)
    if match:
        number = int(match.group(1) or match.group(3) or match.group(5) or match.group(7))
        unit = match.group(2) or match.group(6) or match.group(8) or "year"
        years = number / {"year": 1, "yr": 1, "month": 12, "week": 52, "day": 365}[unit]
        return AgeBand(years, years + 0.01)
    shorthand = _SHORTHAND_AGE.search(folded)
    if shorthand:
        given = int(shorthand["sex"] or shorthand["said"])
        return AgeBand(given, given + 0.01)
    for pattern, band in _QUESTION_WORDS:
        if pattern.search(folded):
            return band
    return None


# Whom a text names by sex: "men", "a 72m", "my husband"; "women", "28f", "my daughter" (normalised text).
_AGE_AND_SEX = r"(1[2-9]|[2-9]\d|1[01]\d)"
_MALE = re.compile(rf"\b(men|man|male|males|boys?|husband|father|dad|son|brother|gentlem[ae]n|{_AGE_AND_SEX}m)\b")
_FEMALE = re.compile(
    rf"\b(women|woman|female|females|girls?|wife|mother|mum|mom|daughter|sister|lady|ladies|{_AGE_AND_SEX}f)\b"
)


def named_sex(text: str) -> str | None:
    """Whom a text names by sex: "male" or "female" for one sex only; None for neither or both."""
    folded = normalise(text)
    male, female = bool(_MALE.search(folded)), bool(_FEMALE.search(folded))
    if male == female:
        return None
    return "male" if male else "female"


def populations(text: str) -> set[str]:
    """The populations a text names, including ages ("a 3-year-old" is a child, "an 82 year old" older)."""
    folded = f" {normalise(text)} "
    found = {name for name, stems in POPULATIONS.items() if any(f" {stem}" in folded for stem in stems)}
    ages = [int(m.group(1)) if m.group(2) in ("year", "yr") else 0 for m in _AGE.finditer(folded)]
    ages += [int(m["sex"] or m["said"]) for m in _SHORTHAND_AGE.finditer(folded)]
    for years in ages:
        if years < 16:
            found.add("children")
        elif years >= 75:
            found.add("older adults")
    return found


@dataclass(frozen=True)
class TermChecker:
    """What the corpus can speak about, built once per index version."""

    vocabulary: frozenset[str]
    stems: frozenset[str]
    common: frozenset[str]
    # A one-deletion neighbourhood of the vocabulary, for typos, as the sorted hashes of its variants: only
    # membership is asked, and on MedQuAD the 230,000 variants (with the words each came from) took 37 MB as
    # strings, 2 MB as hashes. A collision (about one look-up in 10^13) would take a typo for a corpus word.
    neighbours: np.ndarray
    # The words that may be abbreviated, in order: "chemo" begins one when a bisection lands on it. Kept
    # instead of every beginning of every word (70,000 strings on MedQuAD).
    abbreviable: tuple[str, ...]
    # The same neighbourhood of ordinary words (the model's vocabulary, stopwords): "whhat", "haave" and
    # "yseterday" are slips of a hurried typist, no term the corpus lacks.
    ordinary_neighbours: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @classmethod
    def build(cls, vocabulary: Iterable[str], common: Iterable[str]) -> TermChecker:
        words = frozenset(vocabulary)
        stemmer = Stemmer.Stemmer("english")
        stems = frozenset(stemmer.stemWords(list(words))) | frozenset(fold_sounds(w) for w in words)
        neighbours: set[int] = set()
        abbreviable = sorted(w for w in words if len(w) >= MIN_TERM_CHARS and not w.isdigit())
        for word in abbreviable:
            neighbours.update(hash(variant) for variant in _variants(word))
        # A four-letter ordinary word is reached by one letter too many only ("witth"); a longer one by any slip.
        ordinary: set[int] = set()
        for word in frozenset(common) | STOPWORDS | FOLLOWUP_WORDS:
            if len(word) == MIN_TERM_CHARS - 1:
                ordinary.update((hash(word), hash(fold_sounds(word))))
            elif len(word) >= MIN_TERM_CHARS:
                ordinary.update(hash(variant) for variant in _variants(word))
        return cls(
            vocabulary=words,
            stems=stems,
            common=frozenset(common),
            neighbours=np.array(sorted(neighbours), dtype=np.int64),
            abbreviable=tuple(abbreviable),
            ordinary_neighbours=np.array(sorted(ordinary), dtype=np.int64),
        )

    def unknown_terms(self, question: str) -> list[str]:
        """The specific terms of `question` that the corpus never uses, in question order."""
        stemmer = _stemmer()
        unknown: list[str] = []
        # A name typed in capitals ("HFpEF") is no slip of another one letter away ("HFrEF"): it is a term as typed.
        # Not in a question shouted in capitals throughout, where capitals name nothing.
        letters = [c for c in question if c.isalpha()]
        shouted = sum(c.isupper() for c in letters) > len(letters) / 2
        typed_as_names = (
            set() if shouted else {w.lower() for w in _TYPED_WORD.findall(question) if sum(c.isupper() for c in w) >= 2}
        )
        named = named_conditions(question)
        for word in _WORD.findall(normalise(question)):
            if word in named and word not in unknown:
                # A condition's name is no ordinary word, and one the lexicon spells is no slip of another word
                # ("croup" is not "group"); "paekinson" in "paekinson's disease" may be a slip of "parkinson".
                if not self.knows(word, stemmer.stemWord(word), slips=not names_a_condition(word)):
                    unknown.append(word)
                continue
            if (
                len(word) < MIN_TERM_CHARS
                or word.isdigit()
                or word in STOPWORDS
                or word in FOLLOWUP_WORDS
                or word in unknown
                or is_generic_medical_word(word)
            ):
                continue
            stem = stemmer.stemWord(word)
            slips = word not in typed_as_names
            if word in self.common or stem in self.common or self.knows(word, stem, slips=slips):
                continue
            if slips and _within_one_slip(word, self.ordinary_neighbours):
                continue
            if any(
                all(self.knows(s, stemmer.stemWord(s)) for s in synonym.split()) for synonym in SYNONYMS.get(word, ())
            ):
                continue
            # A drug of a class the corpus speaks of ("letrozole": endocrine therapy) is not unknown to it.
            if any(w in self.vocabulary for c in drug_classes(word) for w in DRUG_CLASSES[c][0]):
                continue
            unknown.append(word)
        return unknown

    def knows(self, word: str, stem: str, *, slips: bool = True) -> bool:
        folded = fold_sounds(word)
        if word in self.vocabulary or stem in self.stems or folded in self.stems:
            return True
        # "chemo" begins "chemotherapy"; "asthmatic" continues "asthma".
        start = max(MIN_TERM_CHARS, len(word) - 4)
        if self.begins_a_word(word) or any(word[:n] in self.vocabulary for n in range(start, len(word))):
            return True
        # An adjective of a corpus noun: "valvular" (valve), "hyperglycaemic" (hyperglycaemia).
        root = _ADJECTIVE.sub("", word)
        if root != word and self.begins_a_word(root):
            return True
        # A typo: one edit (or a swap) away from a corpus word of similar length.
        return slips and _within_one_slip(word, self.neighbours)

    def recognises(self, word: str) -> bool:
        """A corpus word, or a slip of one ("dekirium", "anahpylaxis"): what the scope check may count as known.
        An ordinary word spelt right ("kilometres") is itself, not a slip of a corpus word ("millimetres")."""
        if word in self.vocabulary:
            return True
        return len(word) >= MIN_TERM_CHARS and word not in self.common and _within_one_slip(word, self.neighbours)

    def begins_a_word(self, part: str) -> bool:
        """`part` (four letters or more) is the beginning of a longer corpus word that may be abbreviated."""
        if len(part) < 4:
            return False
        at = bisect_left(self.abbreviable, part)
        if at < len(self.abbreviable) and self.abbreviable[at] == part:
            at += 1  # the word itself; a longer one beginning with it sorts right after
        return at < len(self.abbreviable) and self.abbreviable[at].startswith(part)


@dataclass(frozen=True)
class RecognisedWords:
    """The corpus's words as the scope check reads them: a slip of one counts as the word ("dekirium")."""

    words: Container[str]
    terms: TermChecker | None

    def __contains__(self, word: object) -> bool:
        if word in self.words:
            return True
        return isinstance(word, str) and self.terms is not None and self.terms.recognises(word)


def _within_one_slip(word: str, neighbourhood: np.ndarray) -> bool:
    """One edit (or a swap) away from a word whose one-deletion neighbourhood `neighbourhood` holds (hashed)."""
    if not len(neighbourhood):
        return False
    hashes = np.array([hash(variant) for variant in _variants(word)], dtype=np.int64)
    found = np.minimum(np.searchsorted(neighbourhood, hashes), len(neighbourhood) - 1)
    return bool((neighbourhood[found] == hashes).any())


def _variants(word: str) -> set[str]:
    """The word and every string one deletion from it, as written and with its sounds folded: a slip
    across a folded pair ("morhpine" for "morphine") is one deletion away only as written."""
    variants: set[str] = set()
    for form in {word, fold_sounds(word)}:
        variants |= deletions(form)
    return variants


def model_vocabulary(model_dir: Path | None) -> frozenset[str]:
    """Whole-word entries of a WordPiece vocabulary (`vocab.txt`): the model's ordinary words."""
    if model_dir is None:
        return frozenset()
    path = model_dir / "vocab.txt"
    if not path.is_file():
        return frozenset()
    with path.open(encoding="utf-8") as handle:
        return frozenset(token for token in (line.strip() for line in handle) if token.isalpha())


_STEMMER: Stemmer.Stemmer | None = None


def _stemmer() -> Stemmer.Stemmer:
    global _STEMMER
    if _STEMMER is None:
        _STEMMER = Stemmer.Stemmer("english")
    return _STEMMER
