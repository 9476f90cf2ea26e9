"""Named conditions: the diseases, disorders and infections a guideline is written about (and the supplements
and recreational drugs people ask about beside them).

A question about a named condition asks about that condition. "How is gout treated in CKD?" is not answered by the
CKD article's laxative passages, and "kawasaki disease aspirin dose" not by the acute coronary syndrome article's
aspirin dose. Yet the checks that find the asked entity (`service.triage.asked`, the unknown-term check of
`service.triage.lexical_checks`) skip the words of the general medical lexicon ("patient", "pain", "blood") and the
ordinary English words of the embedding model's vocabulary, and many condition names are both ("migraine",
"gout", "kawasaki"). So a named condition is never a context word, nor a slip of another word: "croup" is not
"group" mistyped, and "gout" is not "gut".

Two sources, neither fitted to a set of questions:

- `CONDITIONS`, the common conditions of primary and emergency care by body system, in the consumer health
  vocabulary's single words;
- the word before "disease", "syndrome", "disorder" or "palsy" ("Kawasaki disease", "bipolar disorder"), unless it is
  an organ or a general word ("kidney disease", "rare syndrome").
"""

from __future__ import annotations

import re

from service.triage.words import normalise

__all__ = ["CONDITIONS", "named_conditions", "names_a_condition"]

_BY_SYSTEM = {
    "infection": """
        abscess boil boils carbuncle cellulitis erysipelas impetigo chickenpox shingles measles mumps rubella
        scarlet croup diphtheria pertussis tetanus rabies malaria dengue typhoid cholera tuberculosis leprosy
        lyme syphilis gonorrhoea gonorrhea chlamydia herpes hiv aids hepatitis influenza flu covid coronavirus
        mononucleosis glandular mrsa candida thrush ringworm scabies lice threadworm threadworms warts
        verruca sepsis septicaemia meningitis encephalitis endocarditis osteomyelitis tonsillitis quinsy
        sinusitis conjunctivitis otitis mastoiditis pneumonia bronchiolitis bronchitis pyelonephritis cystitis
        prostatitis epididymitis orchitis appendicitis diverticulitis gastroenteritis norovirus salmonella
        listeria toxoplasmosis
        """,
    "heart and vessels": """
        angina arrhythmia fibrillation tachycardia bradycardia cardiomyopathy myocarditis pericarditis
        aneurysm dissection hypertension hypotension varicose vasculitis raynaud claudication
        """,
    "lung": """
        asthma copd emphysema bronchiectasis pneumothorax fibrosis sarcoidosis apnoea apnea embolism
        """,
    "gut and liver": """
        gord gerd reflux gastritis coeliac celiac crohn crohns colitis ibs haemorrhoids hemorrhoids fissure
        fistula hernia gallstones cholecystitis pancreatitis cirrhosis jaundice ascites varices
        """,
    "kidney and urology": """
        incontinence enuresis calculi hydronephrosis glomerulonephritis nephrotic
        """,
    "brain and nerves": """
        migraine epilepsy dementia alzheimer alzheimers parkinson parkinsons delirium neuropathy sciatica
        vertigo labyrinthitis narcolepsy neuralgia concussion hydrocephalus sclerosis cauda equina myelopathy
        radiculopathy
        """,
    "mind": """
        depression bipolar schizophrenia psychosis anorexia bulimia adhd autism dyslexia ocd ptsd
        insomnia dementia
        """,
    "hormones and metabolism": """
        diabetes hypothyroidism hyperthyroidism thyrotoxicosis goitre cushing addison gout obesity osteoporosis
        rickets hypoglycaemia hypoglycemia hyperglycaemia hyperglycemia
        """,
    "blood and cancer": """
        anaemia anemia haemophilia hemophilia thalassaemia thalassemia leukaemia leukemia lymphoma myeloma
        melanoma sarcoma carcinoma mesothelioma glioma
        """,
    "skin": """
        eczema dermatitis psoriasis acne rosacea urticaria hives vitiligo alopecia
        """,
    "bones and joints": """
        arthritis osteoarthritis gout bursitis tendonitis tendinitis fasciitis lupus fibromyalgia scoliosis
        """,
    "women and pregnancy": """
        endometriosis fibroids menorrhagia dysmenorrhoea dysmenorrhea amenorrhoea amenorrhea pcos miscarriage
        hyperemesis
        """,
    "eye and ear": """
        glaucoma cataract cataracts tinnitus
        """,
    "children": """
        colic kawasaki intussusception bronchiolitis
        """,
    # Conditions clinicians type as acronyms: a condition all the same, not general shorthand like "ICU" or "MRI".
    "acronyms": """
        dvt vte uti dka hhs ckd aki acs tia stemi nstemi copd gord gerd ibs pcos adhd ptsd ocd
        """,
}
# Substances people ask about that are ordinary English words too: supplements, herbal and recreational drugs.
# Asked about as a condition is ("does cannabis help cancer pain?", "cranberry juice for cystitis?").
_SUBSTANCES = """
    cannabis cannabidiol cbd marijuana cocaine heroin ketamine mdma ecstasy amphetamine nicotine vaping vape
    melatonin turmeric ginger garlic cranberry echinacea ginkgo ginseng valerian chamomile probiotic probiotics
    homeopathy homeopathic acupuncture chiropractic glucosamine collagen creatine kratom
    """
CONDITIONS: frozenset[str] = frozenset(word for words in (*_BY_SYSTEM.values(), _SUBSTANCES) for word in words.split())

# "X disease" names X, unless X is an organ or a general word: "heart disease" names no condition of its own.
_NAMED_BY = re.compile(r"\b([a-z]{4,})(?: s)? (disease|syndrome|disorder|palsy)\b")
_NOT_A_NAME = frozenset(
    """
    heart kidney kidneys renal liver lung lungs bowel brain skin bone bones joint joints blood thyroid eye eyes
    vascular cardiac mental chronic acute severe rare genetic common serious other same this that their which
    what infectious inflammatory autoimmune metabolic respiratory psychiatric neurological coronary arterial
    valve valvular pelvic sexually transmitted artery motor neurone neuron
    """.split()
)


def names_a_condition(word: str) -> bool:
    """`word` (normalised) is a condition's name in the lexicon: "gout", "croup", "migraines"."""
    return word in CONDITIONS or (word.endswith("s") and word[:-1] in CONDITIONS)


def named_conditions(question: str) -> list[str]:
    """The condition names a question types, in order: lexicon words, and the X of "X disease"."""
    text = normalise(question)
    found = [w for w in re.findall(r"[a-z]+", text) if names_a_condition(w)]
    found += [m.group(1) for m in _NAMED_BY.finditer(text) if m.group(1) not in _NOT_A_NAME]
    return list(dict.fromkeys(found))
