"""The clinical concepts red-flag presentations are made of, each in the words people use for it.

A concept is a symptom ("headache"), a qualifier ("sudden", "worst ever"), a sign ("blue lips"), a body
part or a trigger ("bee sting"). Each is written as alternatives separated by "|": clinical terms, lay
synonyms and shorthand. An alternative of several words matches when its words occur in that order, at
most two other words apart ("chest is really tight" matches "chest tight"). Words are matched after
`service.triage.words.normalise`, so apostrophes are gone ("cant"), and every word of refusal or inability
("can't", "cannot", "won't", "isn't", "unable to"...) is read as "not": "not breathe" covers "can't
breathe", "unable to breathe" and "isn't breathing" alike. Matching forgives typos and accepts longer
forms of words of five letters or more ("breath" matches "breathless").

The concept names are what `service.triage.red_flags` builds presentations from. This module holds symptoms and
signs and their qualifiers; `service.triage.situation_concepts` holds what happened (an overdose, a fall, a
burn), to whom (an infant, a pregnancy) and when.
"""

from __future__ import annotations

from service.triage.situation_concepts import SITUATIONS

SYMPTOMS: dict[str, str] = {
    # Qualifiers: how it started, how bad it is, whether it persists.
    "sudden": (
        "sudden|suddenly|all of a sudden|out of nowhere|came on fast|came on quickly|within seconds|in seconds|"
        "thunderclap|abrupt|abruptly|instantly|like being hit|like a bat|like a hammer|out of the blue|just now|"
        "came on in|hit me|struck"
    ),
    "worst": (
        "worst|never had anything like|never felt anything like|excruciating|unbearable|agony|agonising|agonizing|"
        "10 out of 10|10 10|screaming in pain|crying in pain|severe|severely|terrible|horrendous|intense|extreme|"
        "really bad|so bad|very bad|cant bear|doubled over|writhing"
    ),
    "persisting": (
        "not woke up|not woken up|not woken|another one straight after|straight after another|"
        "not woke up in between|not stop|not stopping|still going|keeps going|for over|more than 5|over 5 min|"
        "over five|longer than 5|more than five|10 minutes|15 minutes|20 minutes|half an hour|back to back|"
        "one after another|not come round|not coming round|not waking between"
    ),
    # Airway and breathing.
    "breathless_severe": (
        "not get any words out|not get words out|sucks in|sucking in between|skin between her ribs|"
        "skin between his ribs|recession|recessions|indrawing|tracheal tug|stridor|harsh noise|crowing|agonal|"
        "exhausted|tiring|paco2|not breathe|not breath|not breathing|stopped breathing|struggling to breathe|"
        "struggling to breath|struggling for breath|fighting for breath|gasping|cant get air|not get air|"
        "not get any air|no air|cant get a breath|not catch breath|not catch her breath|not catch his breath|"
        "barely breathing|hardly breathing|breathing really fast|breathing very fast|sucking in|ribs sucking|"
        "not finish a sentence|not finish sentence|not speak in full|not talk in full|one word at a time|grunting|"
        "head bobbing|severe shortness of breath|severely short of breath|very short of breath|"
        "really short of breath|so short of breath|extremely breathless|very breathless|really breathless|"
        "respiratory distress|resp distress|apnoeic|apneic|apnoea|apnea|silent chest|choking|chocking"
    ),
    "breathless": (
        "short of breath|shortness of breath|sob|breathless|breathlessness|difficulty breathing|hard to breathe|"
        "trouble breathing|dyspnoea|dyspnea|wheezing|wheezy|wheeze|out of breath|breathing fast|fast breathing|"
        "rapid breathing|laboured breathing|labored breathing|tachypnoea|tachypnea|noisy breathing|stridor|"
        "breathing is bad|breathing badly|breathing difficulties|heavy breathing|puffing"
    ),
    "blue": (
        "blue lips|lips blue|lips are blue|lips going blue|turning blue|gone blue|going blue|cyanosed|cyanotic|"
        "grey lips|lips grey|face blue|dusky"
    ),
    "airway_swelling": (
        "lips puffing|eyes puffing|face puffing|face ballooned|neck ballooned|lips puffed|face puffed|"
        "throat swelling|throat swollen|throat closing|throat tight|throat is tight|tight throat|swollen throat|"
        "tongue swelling|tongue swollen|swollen tongue|lips swelling|lips swollen|swollen lips|lip swelling|"
        "face swelling|face swollen|swollen face|facial swelling|mouth swelling|angioedema|throat closing up|"
        "puffy face|eyes swelling shut|swelling of the face|swelling of lips|swelling of tongue"
    ),
    "allergy_trigger": (
        "allergic|allergy|anaphylaxis|anaphylactic|peanut|peanuts|nut|nuts|sesame|shellfish|bee sting|wasp|sting|"
        "stung|hives|urticaria|new medicine|new antibiotic|penicillin|after eating|ate a|epipen|epi pen|"
        "adrenaline pen|auto injector"
    ),
    "drooling": (
        "drooling|dribbling|not swallow|not swallow saliva|muffled voice|hot potato voice|tripod|"
        "leaning forward to breathe"
    ),
    "inhaler_failing": (
        "inhaler doing nothing|inhaler does nothing|inhaler no help|puffer not working|puffer doing nothing|"
        "inhaler not touching|nebs not working|nebs not helping|inhaler not working|inhaler isnt working|"
        "inhaler not helping|reliever not working|blue inhaler not|ventolin not|salbutamol not|nebuliser not|"
        "puffs not helping|inhaler every"
    ),
    # Circulation.
    "bleeding": "bleeding|bleed|blood|haemorrhage|hemorrhage|haemorrhaging|hemorrhaging|spurting|pouring blood|gushing",
    "bleeding_uncontrolled": (
        "big load of blood|load of blood|brisk loss|ongoing loss|ebl|pulsatile|pulsatile bleeding|oozing|"
        "bleeding not stop|blood not stop|not stop bleeding|bleeding heavily|heavy bleeding|bleeding a lot|"
        "lot of blood|lots of blood|loads of blood|so much blood|this much blood|cupful|cup of blood|mouthful of blood|"
        "mouthfuls of blood|pool of blood|soaking|soaked|spurting|gushing|"
        "pouring|clots the size|massive bleed|major bleed|uncontrolled bleeding|bleeding out|bleeding everywhere"
    ),
    "shock": (
        "postural drop|tachycardic|tachycardia|hypotension|hypotensive|mottled knees|peripherally shut down|"
        "shut down|cap refill|pale|clammy|grey|gray|cold and sweaty|cold sweat|mottled|dizzy|lightheaded|"
        "light headed|faint|fainted|fainting|passed out|passing out|blacked out|about to pass out|weak pulse|"
        "racing heart|heart racing|collapsing|collapsed|low blood pressure|bp 70|bp 80|hypotensive|tachycardic|"
        "thready"
    ),
    "limb_ischaemia": (
        "leg cold|cold leg|foot cold|cold foot|leg white|white leg|foot white|pale leg|leg pale|pale foot|foot pale|"
        "leg blue|blue leg|foot blue|blue foot|arm cold|cold arm|cold hand|hand cold|no pulse in|pulseless|"
        "cant feel a pulse|not feel a pulse|pulse in his foot|pulse in her foot|mottled leg|leg mottled|"
        "foot mottled|leg gone cold|foot gone cold|leg is cold|foot is cold|arm is cold|cold and numb|cold numb|"
        "white and cold|cold and white|cold and pale|pale and cold"
    ),
    "tearing": (
        "tearing|ripping|tearing pain|ripping pain|tearing through|ripping through|like a knife through to back|"
        "between shoulder blades|through to my back|through to her back|through to his back"
    ),
    # Chest.
    "chest_pain": (
        "central crushing|crushing cp|central chest|chest pain|chest pains|pain in chest|pain in my chest|"
        "pain in his chest|pain in her chest|chest tight|chest tightness|tight chest|tightness in chest|"
        "chest pressure|pressure in chest|pressure on chest|heavy chest|chest heavy|chest heaviness|crushing|"
        "elephant on chest|elephant on my chest|chest hurts|chest is hurting|chest discomfort|angina|cp|"
        "squeezing chest|chest squeezing|heart pain"
    ),
    "cardiac_spread": (
        "arm|left arm|jaw|neck|shoulder|radiating|spreading|sweating|sweaty|sweaty and|clammy|nausea|nauseous|sick|"
        "vomiting|diaphoretic|diaphoresis|grey|breathless|short of breath|sob|crushing|heavy|pressure"
    ),
    "heart_attack": "heart attack|cardiac arrest|mi|stemi|myocardial infarction|coronary|heart stopped",
    "palpitations": (
        "palpitations|heart racing|racing heart|heart pounding|heart skipping|skipping beats|heart fluttering|"
        "irregular heartbeat|pulse racing|pulse 180|hr 180|heart going really fast|heart beating really fast"
    ),
    "clot_risk": (
        "long flight|long haul|swollen leg|leg swollen|calf swollen|swollen calf|calf pain|leg is swollen|"
        "recent surgery|after surgery|on the pill|dvt|blood clot|clot|postpartum"
    ),
    "haemoptysis": (
        "coughing blood|coughing up blood|cough up blood|haemoptysis|hemoptysis|blood when i cough|spitting blood"
    ),
    # Neurological.
    "headache": (
        "headache|head ache|head pain|head hurts|head is killing|head is pounding|pounding head|migraine|"
        "pain in head|pain in my head|back of head|back of my head"
    ),
    "face_droop": (
        "face droop|face drooping|face dropping|face dropped|face fallen|face has dropped|facial droop|"
        "drooping face|droopy|mouth droop|mouth drooping|mouth dropped|side of face|lopsided|crooked smile|"
        "one side of her face|one side of his face|one side of my face"
    ),
    "speech": (
        "expressive dysphasia|receptive dysphasia|word finding|slurred|slurring|slurring words|speech slurred|"
        "words jumbled|jumbled words|not speak|not talk|not get words out|talking nonsense|garbled|"
        "not understand what|speech is off|speech strange|aphasia|dysphasia"
    ),
    "one_sided_weakness": (
        "arm and leg weakness|arm leg weakness|arm + leg weakness|arm  leg weakness|facial weakness|hemiparesis|"
        "arm weak|weak arm|arm numb|numb arm|arm heavy|arm wont lift|not lift arm|not lift his arm|not lift her arm|"
        "not lift my arm|one side weak|one side numb|weak on one side|numb on one side|weakness on one side|"
        "left side weak|right side weak|left sided weakness|right sided weakness|hemiplegia|hemiparesis|"
        "not move his arm|not move her arm|not move my arm|leg dragging|not feel one side|one sided weakness|"
        "not grip|dropping things|arm and leg|arm went dead|arm gone dead"
    ),
    "stroke": "stroke|cva|tia|mini stroke|brain attack",
    "vision_loss": (
        "curtin|shadow creeping|dark shadow|black curtain|field loss|visual field|vision loss|lost vision|"
        "lost my vision|lost sight|lost the sight|loss of vision|not see|blind|gone blind|curtain|shadow over|"
        "dark shadow|black out of|vision went|vision gone|went black in|double vision|seeing double|blurred vision|"
        "vision blurry|blurry vision|flashing lights|flashes|floaters|spots in front|sight has gone|sight went"
    ),
    "seizure": (
        "seizure|seizures|fit|fits|fitting|convulsion|convulsions|convulsing|shaking all over|jerking|"
        "status epilepticus|seizing|tonic clonic|epileptic fit"
    ),
    "unresponsive": (
        "unconscious|unresponsive|not responding|not responsive|not waking|not wake|not wake up|wont wake|cant wake|"
        "cant rouse|not rousable|unrousable|barely awake|not stay awake|hard to wake|difficult to wake|"
        "keeps passing out|passed out|collapsed|out cold|not come round|gcs|knocked out|eyes rolling|"
        "not opening eyes|floppy|limp|lifeless"
    ),
    "drowsy_confused": (
        "muddled|new confusion|acutely confused|hallucinating|agitated|obtunded|hard to rouse|drowsy|very sleepy|"
        "really sleepy|so sleepy|lethargic|confused|confusion|confussed|disorientated|disoriented|not making sense|"
        "talking nonsense|not himself|not herself|out of it|delirious|doesnt know where|not know where|"
        "not recognise|not recognize|agitated and confused|zoned out|vacant"
    ),
    "neck_stiff": (
        "stiff neck|neck stiff|neck is stiff|neck stiffness|not bend neck|not bend his neck|not bend her neck|"
        "not touch chin|hurts to bend neck|photophobia|light hurts|light hurting|hates the light|cant stand light|"
        "not stand the light"
    ),
    "back_pain": (
        "back been bad|backs been bad|back has been bad|back is bad|bilateral sciatica|back pain|backache|back ache|"
        "sciatica|lower back|back is killing|bad back|back hurts|spine"
    ),
    "saddle": (
        "not feel anything when i wipe|not feel when i wipe|not feel wiping|not managed to pee|not been able to pee|"
        "not peed|saddle anaesthesia|saddle anesthesia|painless retention|numb bum|numb bottom|bum numb|bottom numb|"
        "numb between legs|numbness between|saddle|groin numb|numb groin|not pee|not wee|not urinate|not pass urine|"
        "peeing myself|wet myself|wet himself|wet herself|not feel when i pee|not feel when i wee|"
        "not control bladder|not control bowels|incontinent|incontinence|lost control of bladder|"
        "lost control of bowels|bladder|bowel control|retention"
    ),
    "legs_failing": (
        "not move legs|not move my legs|not move her legs|not move his legs|not feel legs|not feel my legs|"
        "not feel her legs|not feel his legs|legs numb|legs gone numb|numb legs|legs weak|weak legs|legs gave way|"
        "legs giving way|legs wont work|not walk|not stand|both legs|legs are weak|legs suddenly|paralysed|"
        "paralyzed|pins and needles in both"
    ),
    "head_injury": (
        "hit head|hit his head|hit her head|hit my head|banged head|banged his head|banged her head|banged my head|"
        "bumped head|bumped his head|bumped her head|head injury|knock to the head|fell and hit|fall and hit|"
        "fell on head|head on the|whacked head|head first|concussion|head trauma"
    ),
    "anticoagulant": (
        "warfarin|apixaban|rivaroxaban|edoxaban|dabigatran|blood thinner|blood thinners|anticoagulant|"
        "anticoagulated|anticoagulation|doac|noac|heparin|clopidogrel|eliquis|xarelto|coumadin"
    ),
    "head_injury_danger": (
        "vomiting|vomited|throwing up|drowsy|sleepy|confused|seizure|fit|clear fluid|fluid from nose|fluid from ear|"
        "blood from ear|worst headache|headache getting worse|unequal pupils|knocked out|passed out|not remember|"
        "amnesia"
    ),
    # Eye.
    "eye": "eye|eyes|eyeball|vision|sight",
    "eye_pain_red": (
        "red eye|eye red|eye pain|painful eye|eye is painful|eye hurts|eye really hurts|eye agony|halos|haloes|"
        "rainbow|hard eye|eye is hard"
    ),
    "chemical": (
        "chemical|chemicals|bleach|acid|alkali|oven cleaner|drain cleaner|lime|cement|ammonia|caustic|corrosive|"
        "battery acid|dishwasher tablet|detergent"
    ),
    "penetrating": (
        "metal|glass|shard|splinter|something went into|flew into|stabbed|nail gun|pierced|penetrating|"
        "stuck in my eye|stuck in his eye|stuck in her eye|fishing hook"
    ),
    # ENT.
    "nosebleed": (
        "nosebleed|nose bleed|nose bleeding|bleeding from nose|bleeding from his nose|bleeding from her nose|"
        "bleeding from my nose|epistaxis|nose pouring"
    ),
    "throat_abscess": (
        "not open mouth|not open his mouth|not open her mouth|cant open mouth|trismus|quinsy|one sided throat|"
        "neck swelling|swelling in neck|swollen neck|neck swollen|lump in neck hot"
    ),
    "tonsillectomy": "tonsillectomy|tonsils out|tonsils removed|after tonsil",
    # Abdominal.
    "abdominal_pain": (
        "abdo|epigastric pain|pelvic pain|unilateral pelvic|stomach pain|abdominal pain|abdo pain|tummy pain|"
        "belly pain|pain in stomach|pain in tummy|stomach ache|tummy ache|belly ache|stomach hurts|tummy hurts|"
        "belly hurts|abdomen|abdominal|stomach|tummy|belly|rlq|ruq|epigastric"
    ),
    "rigid_abdomen": (
        "rigid|board like|hard as a board|guarding|not move without pain|hurts to move|peritonitis|peritonism|rebound"
    ),
    "haematemesis": (
        "vomiting blood|vomited blood|throwing up blood|threw up blood|sick blood|blood in vomit|blood in sick|"
        "coffee grounds|coffee ground|haematemesis|hematemesis|vomit blood|puking blood"
    ),
    "melaena": (
        "black stool|black stools|black poo|tarry|tar like|melaena|melena|blood in poo|blood in stool|passing blood|"
        "bleeding from bottom|pr bleed|bright red blood|maroon"
    ),
    "bilious": "green vomit|vomiting green|bile|bilious|yellow green vomit|green sick",
    "obstruction": (
        "not pass wind|not fart|no farting|not pooed|not had a poo|bloated and vomiting|swollen belly|distended|"
        "distension"
    ),
    "testicle": "testicle|testicles|testis|testes|ball|balls|scrotum|scrotal|nuts|groin|nut sack|privates",
    "aneurysm": "aneurysm|aaa|aortic|aorta",
    # Obstetric and gynaecological.
    "pregnancy": "pregnant|pregnancy|weeks pregnant|gestation|expecting|antenatal|34 40|36 40|trimester|bump",
    "postpartum": (
        "gave birth|given birth|had my baby|had her baby|had the baby|after birth|after delivery|postpartum|"
        "post partum|post natal|postnatal|c section|caesarean|delivered"
    ),
    "preeclampsia_sign": (
        "flashing lights|vision|blurred|blurry|spots|seeing stars|swelling face|swollen face|swollen hands|"
        "swelling hands|pain under ribs|pain under my ribs|upper tummy|epigastric|bp high|high blood pressure|"
        "protein"
    ),
    "fetal_movements": (
        "no fm|no fh|no fetal heart|fetal heart not heard|no fetal movements|absent fetal heart|no movements felt|"
        "baby not moving|baby hasnt moved|baby has not moved|baby stopped moving|no movements|reduced movements|"
        "less movement|movements reduced|not felt the baby|not felt baby|baby isnt moving|not kicking"
    ),
    "cord_prolapse": "cord coming|cord prolapse|cord is out|cord hanging|see the cord|something coming out of",
    "missed_period": (
        "missed period|period late|late period|positive test|positive pregnancy|early pregnancy|weeks pregnant|"
        "ectopic|pregnant"
    ),
    "one_sided_pain": (
        "one side|one sided|left side|right side|lower tummy|lower abdomen|pelvic pain|pelvis|shoulder tip|"
        "shoulder pain"
    ),
    # Paediatric.
    "fever": (
        "rigors|rigoring|shaking uncontrollably|shivering uncontrollably|uncontrollable shivering|fever|feverish|"
        "febrile|temperature|temp|high temp|hot to touch|burning up|pyrexia|pyrexial|38|39|40|spiking"
    ),
    "rash_nonblanching": (
        "rash not fade|rash doesnt fade|rash wont fade|rash not go away when|not fade|not blanch|non blanching|"
        "nonblanching|glass test|press a glass|purple spots|purple rash|purpura|petechiae|petechial|pin prick|"
        "pinprick|spots not fade|bruise like rash|blotchy purple"
    ),
    "child_danger": (
        "floppy|limp|not feeding|not feed|wont feed|refusing feeds|off feeds|no wet nappies|no wet nappy|"
        "dry nappies|dry nappy|high pitched cry|high pitched|inconsolable|not stop crying|bulging fontanelle|"
        "soft spot bulging|grunting|mottled|blue|pale|not responding|very sleepy|drowsy|hard to wake|fitting|"
        "seizure|not waking"
    ),
    "dysphagia": (
        "hard to swallow|difficulty swallowing|not swallow|trouble swallowing|struggling to swallow|hoarse|hoarse voice"
    ),
    "throat_swelling": (
        "throat swelling|throat swollen|throat closing|throat closing up|throat tight|tight throat|tongue swelling|"
        "tongue swollen|swollen tongue|tongue swelling up"
    ),
    "ovary": "ovarian|ovary|ovaries|ovarian cyst|cyst on my ovary|cyst on her ovary|adnexal",
    "field_loss": (
        "curtain|curtin|shadow creeping|dark shadow|black curtain|shadow over|shadow coming|shadow across|"
        "curtain coming|veil over"
    ),
    "hernia": "hernia|hernias|lump in my groin|lump in groin",
    "hernia_stuck": (
        "not go back|not go back in|wont go back|popped out|turning purple|gone purple|dark red|hard and tender|"
        "irreducible|incarcerated|strangulated"
    ),
    "cast": "cast|plaster|backslab|splint|after a break|fracture|broken leg|broken arm|fixation|tib fib",
    "pain_escalating": (
        "getting much worse|getting worse|pain worse|much worse|unbearable|out of proportion|escalating|"
        "despite morphine|repeated morphine|passive stretch|passive toe stretch"
    ),
    "limb_threat": (
        "numb|numbness|tingling|pins and needles|pale|cold|not move|tense|passive stretch|weak pulses|pulseless"
    ),
    "psychosis": (
        "hearing voices|hearing things|seeing things|paranoid|paranoia|delusions|delusional|psychotic|psychosis|"
        "poisoning us|evil|not slept in days|hasnt slept|not slept at all"
    ),
    "danger_to_others": (
        "by any means|protect the kids|protect the baby|hurt|harm|knife|going to kill|danger|dangerous|threatening|"
        "weapon"
    ),
    "anaphylaxis_word": "anaphylaxis|anaphylactic|anaphalaxis|anafilaxis",
    "asthma": "asthma|asthmatic|inhaler|inhalers|reliever|ventolin|salbutamol|nebuliser|nebulizer",
    "infection": (
        "antibiotics|abx|uti sx|urosepsis|post fec|febrile|infection|infected|uti|water infection|kidney infection|"
        "pneumonia|chest infection|cellulitis|wound|sepsis|septic|chemo|chemotherapy"
    ),
    "chemo": (
        "fec|post fec|r chop|rchop|folfox|abvd|docetaxel|paclitaxel|carboplatin|cisplatin|nadir|post chemo|chemo|"
        "chemotherapy|neutropenic|neutropenia|immunosuppressed|immunocompromised|on chemo|had chemo|low white cells|"
        "low white count"
    ),
    "sepsis_word": "sepsis|septic|septicaemia|septicemia|meningitis|meningococcal|neutropenic sepsis",
    "vomiting": "vomiting|vomited|vomit|throwing up|threw up|being sick|been sick|puking|projectile",
    "floppy": (
        "floppy|limp|lifeless|not responding|not responsive|hard to wake|not waking|very sleepy|really sleepy|"
        "drowsy|unresponsive|not rousable|glassy eyed|not feeding|not feed|off feeds|refusing feeds|no wet nappies|"
        "dry nappies|high pitched cry|bulging fontanelle|grunting|mottled"
    ),
    "dka_word": "dka|ketoacidosis|diabetic ketoacidosis",
    "missed_dialysis": (
        "missed dialysis|missed my dialysis|missed sessions|missed two sessions|missed a session|skipped dialysis"
    ),
    "weakness": "weak|weakness|floppy|heavy legs|legs heavy|not stand|not walk",
    "cancer": "cancer|tumour|tumor|metastases|metastatic|spread to|secondaries|myeloma|lymphoma|leukaemia|leukemia",
}

CONCEPTS: dict[str, str] = {**SYMPTOMS, **SITUATIONS}
