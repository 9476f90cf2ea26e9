"""Drug classes: the words that name each class and the name endings (or names) of its members, so that a
question about one drug is addressed by evidence about its class and back ("she's on bisoprolol" by a passage on
beta-blockers, "what steroid dose?" by dexamethasone). Read by `service.triage.asked` and
`service.triage.lexical_checks`.
"""

from __future__ import annotations

import re

__all__ = ["DRUG_CLASSES", "DRUG_NAME", "drug_classes", "names_a_class"]

# Each class: the words that name it, and the name endings (or names) of its members.
DRUG_CLASSES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "beta-blocker": (("beta", "blocker", "blockers", "blockade"), ("olol", "alol")),
    "benzodiazepine": (("benzodiazepine", "benzodiazepines", "sedative", "sedatives"), ("azepam", "azolam")),
    "ace inhibitor": (("ace", "inhibitor", "inhibitors", "raas"), ("pril",)),
    "angiotensin receptor blocker": (("arb", "arbs", "angiotensin", "raas"), ("sartan",)),
    "doac": (("doac", "doacs", "noac", "anticoagulant", "anticoagulants", "anticoagulation"), ("xaban", "gatran")),
    "heparin": (("heparin", "lmwh", "anticoagulant", "anticoagulants", "anticoagulation"), ("parin",)),
    "vitamin k antagonist": (("warfarin", "vka", "anticoagulant", "anticoagulation"), ("warfarin",)),
    "loop diuretic": (("diuretic", "diuretics", "loop"), ("semide", "etanide")),
    "thiazide": (("diuretic", "diuretics", "thiazide", "thiazides"), ("thiazide", "thalidone")),
    "nsaid": (
        ("nsaid", "nsaids", "anti", "inflammatory", "inflammatories"),
        ("profen", "proxen", "oxicam", "fenac", "coxib"),
    ),
    "corticosteroid": (
        ("steroid", "steroids", "corticosteroid", "corticosteroids", "glucocorticoid"),
        ("sone", "solone", "sonide", "cortisone", "olone"),
    ),
    "statin": (("statin", "statins", "lipid"), ("statin",)),
    "ssri": (("ssri", "ssris", "antidepressant", "antidepressants"), ("oxetine", "aloprain", "italopram", "traline")),
    "antiepileptic": (
        ("antiepileptic", "antiepileptics", "anticonvulsant", "anticonvulsants", "antiseizure"),
        ("etam", "trigine", "proate", "zepine", "toin"),
    ),
    "opioid": (("opioid", "opioids", "opiate", "opiates"), ("morphine", "codone", "fentanyl", "adol", "orphine")),
    "proton pump inhibitor": (("ppi", "ppis", "proton"), ("prazole",)),
    "sglt2 inhibitor": (("sglt2", "sglt2i", "gliflozin", "gliflozins"), ("gliflozin",)),
    "penicillin": (("penicillin", "penicillins", "antibiotic", "antibiotics", "beta", "lactam"), ("cillin",)),
    "cephalosporin": (("cephalosporin", "cephalosporins", "antibiotic", "antibiotics"), ("cef", "ceph")),
    "carbapenem": (("carbapenem", "carbapenems", "antibiotic", "antibiotics"), ("penem",)),
    "antifungal": (("antifungal", "antifungals"), ("conazole", "fungin", "amphotericin")),
    "antiemetic": (("antiemetic", "antiemetics"), ("setron", "cyclizine", "metoclopramide", "domperidone")),
    "antipsychotic": (("antipsychotic", "antipsychotics"), ("peridol", "apine", "idone")),
    "endocrine therapy": (("endocrine", "aromatase", "hormonal", "hormone"), ("trozole", "strozole", "emestane")),
    "antiplatelet": (("antiplatelet", "antiplatelets", "p2y12", "dapt"), ("grel", "grelor", "aspirin", "dipyridamole")),
    "fluoroquinolone": (("fluoroquinolone", "fluoroquinolones", "quinolone", "quinolones"), ("floxacin",)),
    "macrolide": (("macrolide", "macrolides"), ("thromycin", "erythromycin")),
    # Not "antibiotics": a passage on antibiotics in general does not speak of gentamicin's kidney toxicity.
    "aminoglycoside": (("aminoglycoside", "aminoglycosides"), ("gentamicin", "tobramycin", "amikacin", "streptomycin")),
    "glycopeptide": (("glycopeptide", "glycopeptides"), ("vancomycin", "teicoplanin")),
}


# A word that ends as the drugs of a class do ("-grel", "-olol"), or names one: checked before drug_classes.
DRUG_NAME = re.compile(
    "(" + "|".join(sorted({re.escape(e) for _, endings in DRUG_CLASSES.values() for e in endings})) + ")$"
)


def names_a_class(word: str) -> bool:
    """A word that names a drug class ("steroid", "antiplatelet") rather than one of its drugs."""
    return any(word in words for words, _ in DRUG_CLASSES.values())


def drug_classes(word: str) -> set[str]:
    """The classes a word names or whose member it is."""
    return {
        name
        for name, (words, endings) in DRUG_CLASSES.items()
        if word in words or any(word.endswith(e) or word == e for e in endings)
    }
