"""Checks on a question before (and beside) retrieval: what it is, and whether it can be answered.

All are lexical and deterministic but one:

- `emergency`: presentations by body system from `red_flags`, over the concept lexicon of `symptom_concepts` and
  `situation_concepts` read by `concepts`, in the frame `frame` reads (someone's present situation, a history,
  a teaching question), and a generic acuity layer; `guidance`: what leads an emergency's
  answer, for a patient or a clinician; `slips`: slips of the keys put back, in the whole question before
  anything reads it and in the words that say someone is in trouble now before the emergency frame is read;
- `emergency_model` and `scope_model`: the learned second opinions over the question's embedding, for wordings
  no table or pattern lists, trained by `python -m evals.train_triage` and `python -m evals.train_scope`, over
  the shape they share (`linear_model`);
- `scope`: only non-medical tasks and rule changes are out of scope; `rule_changes`: attempts to change the
  service's rules or role; `injection`: instructions aimed at the system;
- `lexical_checks`: does the corpus use the question's terms and speak about its population and age group;
  `asked`: the entity and the facet a question asks for (`facets`: a dose, a duration, a level, and the
  sentences that give one);
- the vocabularies they read: `conditions` (named conditions, asked about however ordinary the word: "gout",
  "Kawasaki disease"), `drug_classes` (the classes a drug name belongs to), `synonyms` (brand names and ward
  shorthand: "Lokelma", "gent"), `acronyms` (names typed in capitals and the words that spell them out),
  `subtypes` (opposed forms of a thing: upper or lower GI bleeding, acute or chronic kidney disease), `lay_terms`
  (patients' words for clinical things: "blood thinners" for anticoagulant);
- `personal_details` (names and numbers left out of the search) and `words` (the word normalisation they share).
"""

__all__ = [
    "acronyms",
    "asked",
    "concepts",
    "conditions",
    "drug_classes",
    "emergency",
    "emergency_model",
    "facets",
    "frame",
    "guidance",
    "injection",
    "lay_terms",
    "lexical_checks",
    "linear_model",
    "personal_details",
    "red_flags",
    "rule_changes",
    "scope",
    "scope_model",
    "situation_concepts",
    "slips",
    "subtypes",
    "symptom_concepts",
    "synonyms",
    "words",
]
