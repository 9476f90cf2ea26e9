"""From a question and its evidence to the finished answer.

`pipeline` (the follow-up steps: triage, retrieval, composition, finalize), `evidence_check` (does the
evidence found fit the age group and what the question asks for), `composition` (composers
choose and order the passages to quote), `citations` (numbering, the reference list, finalize) and
`wording` (every fixed sentence the service attaches to answers, in one place).
"""

__all__ = ["citations", "composition", "evidence_check", "pipeline", "wording"]
