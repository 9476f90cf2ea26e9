"""From a question and its evidence to the finished answer.

- `plan`: the decisions before composing, as named steps (screening, triage, query, retrieval, the evidence
  checks); `narrowing`: the evidence narrowed to the population, age group, sex and subtype asked about;
  `evidence_check`: does the evidence found fit the age group and what the question asks for;
- `pipeline`: the plan, then composition and finalize, as JSON or a stream; `composition`: composers choose and
  order the passages to quote; `citations`: numbering, the reference list, finalize;
- `markdown`: the answer's blocks rendered as Markdown, and the one escape set; `wording`: every fixed sentence the
  service attaches to answers, in one place; `views`: Protocols for what the pipeline reads from the index, the
  retriever and the evidence checks.
"""

__all__ = [
    "citations",
    "composition",
    "evidence_check",
    "markdown",
    "narrowing",
    "pipeline",
    "plan",
    "views",
    "wording",
]
