"""The red flags: what counts as an emergency, in the words people use to describe one.

Each flag lists *symptom* patterns (need a personal context), *condition* names (also need a sign that it
is happening now) and *crisis* phrases (fire in any context); `service.triage.emergency` decides which applies.
Patterns are tuples of words that must all occur; matching is typo-tolerant and by prefix.
"""

from __future__ import annotations

from dataclasses import dataclass

Terms = tuple[str, ...]


@dataclass(frozen=True)
class RedFlag:
    name: str
    # What to search the corpus for: the question itself says "my wife", the corpus says "anaphylaxis".
    topic: str = ""
    symptoms: tuple[Terms, ...] = ()
    conditions: tuple[Terms, ...] = ()
    crisis: tuple[Terms, ...] = ()

    @property
    def suicide(self) -> bool:
        return "suicide" in self.name


RED_FLAGS: tuple[RedFlag, ...] = (
    RedFlag(
        "risk of suicide or self-harm",
        topic="immediate assessment and management of suicidal thoughts and self-harm",
        symptoms=(("suicidal",), ("suicide",), ("self", "harm"), ("cutting", "myself")),
        conditions=(("overdose",), ("too", "many", "pills"), ("swallowed", "pills"), ("whole", "bottle")),
        crisis=(
            ("kill", "myself"),
            ("end", "my", "life"),
            ("take", "my", "own", "life"),
            ("want", "to", "die"),
            ("wanna", "die"),
            ("hurt", "myself"),
            ("better", "off", "dead"),
            ("no", "reason", "to", "live"),
        ),
    ),
    RedFlag(
        "possible heart attack",
        topic="initial emergency management of acute coronary syndrome and chest pain",
        symptoms=(
            ("chest", "pain", "breath"),
            ("chest", "pain", "breathe"),
            ("chest", "pain", "sweat"),
            ("chest", "pain", "sweating"),
            ("chest", "pain", "arm"),
            ("chest", "pain", "jaw"),
            ("chest", "pain", "crushing"),
            ("chest", "pain", "severe"),
            ("chest", "pain", "faint"),
            ("chest", "pressure", "breath"),
            ("chest", "tightness", "breath"),
            ("crushing", "chest"),
        ),
        conditions=(("heart", "attack"), ("cardiac", "arrest")),
    ),
    RedFlag(
        "possible stroke",
        topic="acute management of suspected stroke",
        symptoms=(
            ("face", "droop"),
            ("facial", "droop"),
            ("face", "drooping"),
            ("face", "dropping"),
            ("face", "fallen"),
            ("slurred", "speech"),
            ("slurring",),
            ("speech", "slurred"),
            ("sudden", "weakness"),
            ("sudden", "numbness"),
            ("arm", "weak"),
            ("arm", "numb"),
            ("one", "side", "weak"),
            ("one", "side", "numb"),
            ("cant", "speak"),
            ("cant", "talk"),
            ("cannot", "speak"),
            ("cannot", "talk"),
        ),
        conditions=(("stroke",),),
    ),
    RedFlag(
        "possible anaphylaxis",
        topic="emergency treatment of anaphylaxis with intramuscular adrenaline",
        symptoms=(
            ("throat", "swelling"),
            ("throat", "swollen"),
            ("throat", "closing"),
            ("throat", "tight"),
            ("tongue", "swelling"),
            ("tongue", "swollen"),
            ("lips", "swelling", "breath"),
            ("lips", "swollen", "breath"),
            ("face", "swelling", "breath"),
            ("allergic", "reaction", "breath"),
            ("allergic", "reaction", "breathe"),
            ("allergic", "reaction", "throat"),
            ("sting", "breath"),
            ("sting", "breathe"),
            ("hives", "breath"),
            ("hives", "breathe"),
        ),
        conditions=(("anaphylaxis",), ("anaphylactic",), ("epipen",), ("epi", "pen")),
    ),
    RedFlag(
        "breathing emergency",
        topic="emergency management of acute breathing difficulty",
        symptoms=(
            ("cant", "breathe"),
            ("cant", "breath"),
            ("cannot", "breathe"),
            ("unable", "breathe"),
            ("struggling", "breathe"),
            ("struggling", "breath"),
            ("not", "breathing"),
            ("stopped", "breathing"),
            ("gasping",),
            ("choking",),
            ("chocking",),
            ("turning", "blue"),
            ("lips", "blue"),
        ),
    ),
    RedFlag(
        "loss of consciousness or prolonged seizure",
        topic="emergency management of prolonged seizures and reduced consciousness",
        symptoms=(
            ("unconscious",),
            ("unresponsive",),
            ("wont", "wake"),
            ("cant", "wake"),
            ("passed", "out"),
            ("collapsed",),
            ("seizure", "minutes"),
            ("fit", "minutes"),
            ("fitting", "wont", "stop"),
            ("seizure", "wont", "stop"),
            ("seizures", "wont", "stop"),
            ("fitting", "not", "stopping"),
            ("seizure", "not", "stopping"),
            ("convulsing",),
        ),
    ),
    RedFlag(
        "severe bleeding",
        topic="initial management of severe bleeding",
        symptoms=(
            ("bleeding", "wont", "stop"),
            ("bleeding", "cant", "stop"),
            ("bleeding", "not", "stopping"),
            ("bleeding", "heavily"),
            ("lot", "of", "blood"),
            ("vomiting", "blood"),
            ("throwing", "up", "blood"),
            ("coughing", "blood"),
            ("black", "stools", "dizzy"),
        ),
    ),
    RedFlag(
        "sudden confusion or drowsiness",
        topic="urgent assessment of sudden confusion or drowsiness",
        symptoms=(
            ("drowsy", "confused"),
            ("confused", "vomiting"),
            ("confused", "throwing", "up"),
            ("confused", "wont", "wake"),
            ("barely", "awake"),
            ("cant", "stay", "awake"),
        ),
    ),
    RedFlag(
        "possible spinal cord compression",
        topic="emergency management of suspected spinal cord compression",
        symptoms=(
            ("cant", "move", "legs"),
            ("cant", "feel", "legs"),
            ("cannot", "move", "legs"),
            ("cannot", "feel", "legs"),
            ("legs", "gone", "numb"),
            ("legs", "suddenly", "weak"),
            ("legs", "numb", "bladder"),
            ("cant", "walk", "suddenly"),
        ),
    ),
    RedFlag(
        "possible dangerous potassium level",
        topic="emergency treatment of severe hyperkalaemia",
        symptoms=(
            ("missed", "dialysis"),
            ("dialysis", "heart", "skipping"),
            ("dialysis", "palpitations", "weak"),
        ),
    ),
    RedFlag(
        "possible sepsis or meningitis",
        topic="initial management of suspected sepsis",
        symptoms=(
            ("rash", "doesnt", "fade"),
            ("rash", "not", "fade"),
            ("rash", "wont", "fade"),
            ("stiff", "neck", "fever"),
            ("floppy", "baby"),
            ("floppy", "fever"),
            ("fever", "confused"),
            ("fever", "shivering", "confused"),
        ),
        conditions=(("sepsis",), ("meningitis",)),
    ),
    RedFlag(
        "pregnancy emergency",
        topic="emergency management of bleeding or severe pre-eclampsia in pregnancy",
        symptoms=(
            ("pregnant", "bleeding"),
            ("pregnant", "severe", "headache"),
            ("pregnant", "headache", "vision"),
            ("pregnant", "flashing", "lights"),
            ("pregnant", "fit"),
            ("pregnant", "seizure"),
            ("pregnant", "baby", "not", "moving"),
            ("gave", "birth", "bleeding"),
            ("after", "birth", "bleeding"),
            ("delivery", "bleeding"),
        ),
    ),
    RedFlag(
        "possible diabetic emergency",
        topic="emergency management of diabetic ketoacidosis",
        symptoms=(
            ("diabetic", "vomiting", "breathing"),
            ("diabetic", "confused"),
            ("sugar", "high", "vomiting"),
            ("ketones", "vomiting"),
        ),
        conditions=(("ketoacidosis",), ("dka",)),
    ),
)
