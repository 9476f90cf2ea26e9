"""A learned second opinion on emergencies: a linear model over the question's own sentence embedding.

The presentations of `red_flags` catch what their concept lexicon can read; a frightened parent or a
clinician in a hurry finds words no table lists. This model reads the whole question as the embedding
model does, so a paraphrase lands near the emergencies it was trained on. It only adds: when the tables
already found an emergency it is not consulted, and it never clears one. Its flag counts only when the
question speaks of someone's present situation (`speaks_of_a_present_situation`): "what are the red
flags of X?" reads like X, but is a teaching question; and a clinician asking about a patient, with nothing
changed just now and no value out of range, is left to the tables.

The weights live in `emergency_model.json` beside this module, trained by `python -m evals.train_triage`
(seeded) on the development set's tune half and golden, with consumer health questions as
non-emergencies; C and the threshold are chosen by cross-validation on those cases, a missed emergency
costing ten false flags. The file names the embedding model it was trained over: under another model the
vectors mean something else, so the model is not used (and says so once in the log).

Inside a conversation (an article being read, earlier turns) the model needs more: a terse follow-up borrows
its topic from the conversation, and "how long do I keep it going?" under an article on spinal cord
compression reads like the emergencies the model learned, while someone in trouble mid-conversation still
writes like one. So a question that continues a conversation is flagged at `conversation_threshold`, chosen
by the same cross-validation over the tune half's and golden's conversation cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

from ingest.embedding import Vectors
from service.triage.emergency import Emergency, observations
from service.triage.frame import asks_for_information, read_frame
from service.triage.linear_model import LinearModel
from service.triage.red_flags import Kind
from service.triage.rule_changes import changes_the_rules
from service.triage.scope import is_non_medical_task, is_non_medical_topic
from service.triage.words import normalise

MODEL_FILE = Path(__file__).with_name("emergency_model.json")

# What a model flag is called: it knows that the question reads like an emergency, not which one.
SEMANTIC_FLAG = "urgent: described like an emergency"


@dataclass(frozen=True)
class EmergencyModel(LinearModel):
    """Logistic regression over a unit-length question vector: P(emergency) = sigmoid(w . v + b)."""

    NAME: ClassVar[str] = "emergency model"
    WITHOUT: ClassVar[str] = "emergencies are detected by the presentation tables alone"

    # The threshold for a question inside a conversation (see the module docstring); None: `threshold`.
    conversation_threshold: float | None = None

    def detect(self, vector: Vectors, *, in_conversation: bool = False) -> Emergency | None:
        """An emergency when the question's vector scores at or above the threshold (inside a conversation,
        the conversation threshold), else None."""
        threshold = self.conversation_threshold if in_conversation else None
        if self.probability(vector) < (self.threshold if threshold is None else threshold):
            return None
        return Emergency(flag=SEMANTIC_FLAG, system="semantic", concepts=frozenset(), semantic=True)

    def _thresholds(self) -> dict[str, float]:
        return {} if self.conversation_threshold is None else {"conversation_threshold": self.conversation_threshold}

    @classmethod
    def _fields(cls, body: dict[str, Any]) -> dict[str, Any]:
        # A file written before conversations had their own threshold uses the one threshold for both.
        inside = body.get("conversation_threshold")
        return {**super()._fields(body), "conversation_threshold": None if inside is None else cls._probability(inside)}


def speaks_of_a_present_situation(question: str, *, weak_cues: bool, in_conversation: bool = False) -> bool:
    """The frame the presentation tables require of a symptom: someone's situation now, not a teaching
    question, a what-if or a past history; and not a task, an everyday topic or a rule change ("write me
    a speech", "who won the cup?", "drop the disclaimer"). The model reads what a question is about, not
    how it speaks, so this decides the rest."""
    if is_non_medical_task(question) or is_non_medical_topic(question) or changes_the_rules(question):
        return False
    # "How much paracetamol can my 4 year old have?" names someone close, as emergencies do, but asks for
    # information and says nothing happens now: the model reads the voice, so it is not asked.
    if asks_for_information(question):
        return False
    frame = read_frame(question, weak_cues=weak_cues)
    # The model learned the voice of someone in trouble ("my dad's foot went cold", "was in a house fire, coughing
    # black stuff"). Where a clinician asks about a patient - in clinical words, or in a terse update inside their
    # conversation ("still spiking on day 5") - and says nothing happens now and no value is out of range, the
    # presentation tables read the case: on the tune half and golden, every such question the model flagged was a
    # false flag. A clinician's "now" ("face and tongue now swelling") or a value ("K 7.1") is still read by it.
    clinician_asking = not weak_cues and not frame.own_voice and (frame.clinical or in_conversation)
    if clinician_asking and not frame.changed_now and not observations(normalise(question)):
        return False
    return frame.allows(Kind.SYMPTOM)


@lru_cache(maxsize=4)
def load_emergency_model(path: Path = MODEL_FILE) -> EmergencyModel:
    return EmergencyModel.from_json(path.read_text(encoding="utf-8"))


def emergency_model_for(embedding_model: str, dimension: int, path: Path = MODEL_FILE) -> EmergencyModel | None:
    """The bundled model when it was trained over this embedding model; None (logged) otherwise."""
    return load_emergency_model(path).if_fits(embedding_model, dimension)
