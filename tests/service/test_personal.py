"""Personal details are left out of what is searched, and nothing else is."""

from __future__ import annotations

import pytest

from service.triage.personal_details import strip_personal_details


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        pytest.param(
            "Can my patient Margaret Thistlewood (DOB 14/03/1958, MRN 40417733, m.t@example.org, tel 07700 900123) "
            "continue metformin at an eGFR of 25?",
            "Can my patient continue metformin at an eGFR of 25?",
            id="name-dob-mrn-email-phone",
        ),
        pytest.param("Mr. John Smith, born 3 March 1950, has chest pain", "has chest pain", id="title-and-birth-date"),
        pytest.param(
            "NHS number 943 476 5919: warfarin INR 9, what now?", "warfarin INR 9, what now?", id="nhs-number"
        ),
        pytest.param(
            "My patient, Jane Doe, has gout: colchicine dose?", "My patient, has gout: colchicine dose?", id="aside"
        ),
        pytest.param("Call +44 20 7946 0958 about the apixaban dose", "Call about the apixaban dose", id="phone"),
    ],
)
def test_personal_details_are_removed(question: str, expected: str) -> None:
    assert strip_personal_details(question) == expected


@pytest.mark.parametrize(
    "question",
    [
        "What is the dose of Apixaban in patients over 80?",
        "Can a patient with AF take apixaban?",
        "Does 2.5 mg twice daily suit a 60 kg patient with CrCl 25-49 mL/min?",
        "Is a haemoglobin of 70 g/L on 12/03 an indication to transfuse?",
        "Which patients named in NICE NG196 need a DOAC?",
    ],
)
def test_clinical_questions_are_left_unchanged(question: str) -> None:
    assert strip_personal_details(question) == question
