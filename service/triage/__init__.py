"""Deterministic checks on a question, all lexical, no model: what it is before (and beside) retrieval.

`emergency` with its table `red_flags`, `injection` (instructions aimed at the system), `scope` (is it
medical at all), `lexical_checks` (does the corpus use the question's terms and speak about its
population), `personal_details` (names and numbers left out of the search), and `words` (the word
normalisation they share).
"""

__all__ = ["emergency", "injection", "lexical_checks", "personal_details", "red_flags", "scope", "words"]
