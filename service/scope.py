"""Is a question medical at all? A small lexicon and word-shape rules, no model.

Used with retrieval: a question with no medical vocabulary is out of scope unless the corpus
matches it well anyway, so an unusual medical word missing here does not block an answer.
"""

from __future__ import annotations

import re

from service.safety import normalise

_TERMS = set(
    """
    abdomen abdominal abscess ache aches acid acute addiction adrenaline adverse aids alcohol allergy allergic
    anaemia anemia anaesthesia anesthesia analgesia aneurysm angina ankle antibiotic antibiotics anticoagulant
    anticoagulation antidepressant anxiety aorta arrhythmia artery arthritis asthma baby back bacteria bacterial
    biopsy birth bleed bleeding blood bmi bone bowel brain breast breath breathing breathless bronchitis burn burns
    calcium cancer cardiac cardiology care cell cervical chemo chemotherapy chest child children cholesterol
    chronic clinical clot colon coma constipation contraception copd cough covid cramp cramps ct cure cyst
    deficiency delirium dementia dental depression dermatitis diabetes diabetic diagnose diagnosis diagnostic
    dialysis diarrhea diarrhoea diet disease disorder dizziness doctor dosage dose doses drug drugs dyspnea dyspnoea
    ear ecg eczema edema oedema embolism emergency epilepsy eye fatigue fever fibrillation flu fluid fluids
    fracture gene genetic gland glucose gut headache health hearing heart hepatitis hernia hip hiv hormone
    hospital hypertension hypotension ill illness immune immunisation immunization infant infection infections
    inflammation influenza injection injury insulin intravenous iv joint kidney knee labour labor lesion leukemia
    leukaemia liver lung lungs lymph lymphoma malaria mass medical medication medicine medicines meningitis
    menopause menstrual mental metastasis metastases migraine mri muscle nausea neonate nerve neuro neurological
    newborn nurse nutrition obesity obstetric oncology opioid opioids oral osteoporosis overdose oxygen
    paediatric pediatric pain palliative pancreas paralysis patient patients pharmacist pill pills placenta
    pneumonia poison poisoning potassium pregnancy pregnant prescription prognosis prostate psychiatric
    psychosis pulse radiation radiotherapy rash rehabilitation renal respiratory resuscitation risk scan
    screening seizure seizures sepsis sexual sick side skin sleep smoking sodium spine spinal stomach stroke
    surgery surgical swelling symptom symptoms syndrome therapy throat thyroid tissue toxicity transplant
    trauma treat treatment tuberculosis tumor tumour ulcer ultrasound urine urinary uterus vaccine vaccination
    vein virus viral vitamin vomiting weight wound xray x-ray
    """.split()
)
_SHAPES = re.compile(
    r"(itis|emia|aemia|oma|omas|osis|pathy|ectomy|otomy|plasty|algia|cillin|mycin|cycline|floxacin|pril|sartan|"
    r"olol|statin|azole|mab|nib|pine|prazole|parin|xaban|gatran|tide|lukast|caine|uria|penia|trophy|scopy|gram)$"
)


def looks_medical(question: str) -> bool:
    words = normalise(question).split()
    return any(word in _TERMS or (len(word) > 5 and _SHAPES.search(word)) for word in words)
