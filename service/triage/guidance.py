"""What leads an emergency's answer: call for help, in the words fitted to who asks and what was found.

A patient is told to call emergency services (and, for suicidal intent, a crisis line) and what to do while help
comes; a clinician is told which presentation the question describes. `service.answering.plan` puts this first,
before any quoted passage.
"""

from __future__ import annotations

from service.triage.emergency import Emergency

__all__ = ["EMERGENCY_GUIDANCE", "guidance"]

EMERGENCY_GUIDANCE = {
    "patient": (
        "**This may be an emergency. Call emergency services now (for example 911, 112 or 999), or go to the "
        "nearest emergency department. Do not wait for an online answer.**"
    ),
    "patient-suicide": (
        "**If you are thinking about ending your life or hurting yourself, you are not alone and help is "
        "available now. Call emergency services now (for example 911, 112 or 999) or a crisis line (in the US "
        "call or text 988; in the UK and Ireland call Samaritans on 116 123), or go to the nearest emergency "
        "department. If you can, stay with someone you trust.**"
    ),
    # The learned model cannot tell a crisis from another emergency: a patient gets both ways to help.
    "patient-unnamed": (
        "**This may be an emergency. Call emergency services now (for example 911, 112 or 999), or go to the "
        "nearest emergency department. Do not wait for an online answer. If you are thinking about ending your "
        "life or hurting yourself, a crisis line can help now (in the US call or text 988; in the UK and Ireland "
        "call Samaritans on 116 123).**"
    ),
    "clinician": (
        "**The question describes a possible emergency ({flag}). Treat it as one: call emergency services or "
        "the resuscitation team now and follow local emergency protocols; the information below does not "
        "replace them.**"
    ),
}


def guidance(emergency: Emergency, patient: bool) -> str:
    """What leads the answer: for a patient, call for help (a crisis line for suicide) and what to do while
    help comes; for a clinician, the presentation named."""
    if not patient:
        return EMERGENCY_GUIDANCE["clinician"].format(flag=emergency.flag.removeprefix("urgent: "))
    if emergency.suicide:
        return EMERGENCY_GUIDANCE["patient-suicide"]
    if emergency.semantic:
        return EMERGENCY_GUIDANCE["patient-unnamed"]
    line = EMERGENCY_GUIDANCE["patient"]
    return f"{line} {emergency.advice}" if emergency.advice else line
