"""Concepts of what happened, to whom and when: poisoning, the environment, metabolism, mental health,
trauma and the skin, the populations a question names, and the time course.

Written like `service.triage.symptom_concepts` (alternatives separated by "|", words in order, typo-tolerant).
"""

from __future__ import annotations

# A part of the body cut off, either way round ("cut off his finger", "her toe was cut off"): "cut off" alone is
# also a threshold ("the 4AT cut off for delirium").
_CUT_PARTS = (
    "finger",
    "fingers",
    "fingertip",
    "thumb",
    "toe",
    "toes",
    "hand",
    "foot",
    "arm",
    "leg",
    "ear",
    "nose",
    "tip",
)
_CUT_OFF = "|".join([f"cut off {part}" for part in _CUT_PARTS] + [f"{part} cut off" for part in _CUT_PARTS])

SITUATIONS: dict[str, str] = {
    # Poisoning and ingestion.
    "overdose": (
        "loads of my|lots of my|loads of|lots of pills|lots of tablets|a lot of my|too much|staggered|overdose|"
        "overdosed|od|too many|whole packet|whole box|whole bottle|a packet of|a box of|all my|all her|all his|"
        "all of my|handful|swallowed|took 20|took 30|took 16|took 32|took 40|took 50|drank|ingested|ate some|ate a|"
        "eaten|poisoned|poisoning|poison"
    ),
    "pills": (
        "pills|tablets|tabs|paracetamol|acetaminophen|tylenol|ibuprofen|aspirin|medication|medicine|meds|"
        "antidepressants|sleeping pills|insulin|iron tablets|co codamol|codeine|tramadol|amitriptyline|diazepam|"
        "opioid|methadone|heroin|fentanyl|oxycodone|lithium|digoxin"
    ),
    "toxic_substance": (
        "batteries|button batteries|button cell|magnet balls|bleach|button battery|battery|magnets|magnet|"
        "dishwasher tablet|washing tablet|liquid capsule|detergent|antifreeze|weed killer|pesticide|rat poison|"
        "drain cleaner|oven cleaner|white spirit|petrol|lamp oil|mushroom|berries|e cigarette liquid|vape liquid|"
        "carbon monoxide|alcohol|vodka"
    ),
    "co_exposure": "carbon monoxide|co alarm|boiler|gas fire|gas heater|fumes|exhaust|generator|smoke|fire",
    # Environmental.
    "heat": (
        "heatstroke|heat stroke|in the heat|in the sun|hot day|very hot|heatwave|heat wave|marathon|sauna|hot car|"
        "overheated|overheating|not sweating|body temperature 41|temp 41|42 degrees"
    ),
    "cold_exposure": (
        "hypothermia|hypothermic|freezing|frozen|in the snow|cold water|icy water|outside all night|found outside|"
        "shivering violently|stopped shivering|frostbite"
    ),
    # Someone in the water, not water used ("hold the burn under cold water"): "under water" only with a person's
    # time or fall in it.
    "drowning": (
        "drowning|drowned|nearly drowned|near drowning|pulled from the water|pulled out of the water|"
        "was under water|went under water|under water for|underwater for|was underwater|went underwater|"
        "found in the pool|bottom of the pool|face down in"
    ),
    "electric": "electric shock|electrocuted|electrocution|lightning|struck by lightning|high voltage|power line",
    "bite": "snake bite|snakebite|bitten by a snake|adder|scorpion|spider bite|jellyfish",
    "fire_smoke": "house fire|in a fire|smoke inhalation|smoke|fire|soot|hoarse|singed|coughing black|black stuff",
    # Metabolic.
    "diabetes": "diabetic|diabetes|type 1|type one|t1d|t1dm|insulin|sugar|sugars|glucose|bm|blood sugar|ketones|dka",
    "high_sugar": (
        "sugar high|high sugar|sugars high|sugar is high|sugar over|reading high|hi on meter|ketones|ketone|"
        "fruity breath|pear drops|dka|ketoacidosis|glucose 30|sugar 30|very thirsty|peeing a lot"
    ),
    "low_sugar": (
        "hypo|low sugar|sugar low|sugar is low|sugar 2|glucose 2|bm 2|sugar dropped|sugar crashed|hypoglycaemia|"
        "hypoglycemia|shaky and sweaty"
    ),
    "dialysis": (
        "dialysis|missed dialysis|missed sessions|missed two sessions|kidney failure|potassium|hyperkalaemia|"
        "hyperkalemia"
    ),
    "adrenal": "addisons|addison|adrenal|steroid dependent|on steroids|hydrocortisone|prednisolone|missed steroids",
    # Mental health.
    "suicidal": (
        "texted me goodbye|texted goodbye|goodbye message|drive into a wall|drive his car into|drive her car into|"
        "drive my car into|crash the car on purpose|kill myself|killing myself|end my life|ending my life|"
        "end it all|ending it all|end it|ending it|take my own life|taking my own life|want to die|wanna die|"
        "wish i was dead|wish i were dead|better off dead|better off without me|no reason to live|not want to live|"
        "not want to be alive|not want to be here|not be here anymore|kill herself|kill himself|end her life|"
        "end his life|take her own life|take his own life|going to jump|jump off|hang myself|hanging myself|"
        "say goodbye|goodbye letter|goodbye note|suicide note|not go on|cant go on|rather be dead|disappear forever|"
        "no point living|no point in living|no point anymore|take them all|take all of them|take the lot|"
        "take them all at once|swallow them all"
    ),
    "suicidal_word": "suicidal|suicide|self harm|self harming|selfharm|overdose again",
    "self_harm": (
        "cutting myself|cut myself|cutting herself|cutting himself|hurt myself|hurting myself|burn myself|"
        "burning myself|cut my wrists|cutting my wrists|slit my wrists"
    ),
    "stockpile": "saving up|saved up|stockpiling|stockpiled|hoarding|been collecting|collecting|put aside|set aside",
    "means_plan": (
        "pills|tablets|saved up|saving up|stockpiled|stockpiling|hoarding|collected|rope|noose|bridge|knife|blade|"
        "razor|gun|plan|planned|tonight|written a note|wrote a note|letters|bottle|in front of me|ready|method|"
        "train|jump"
    ),
    "harm_others": (
        "kill him|kill her|kill them|hurt someone|hurt my baby|harm my baby|harm the baby|voices telling me to|"
        "voices tell me to|going to hurt|attack someone"
    ),
    # Trauma.
    "major_trauma": (
        "hit by a car|hit by car|knocked down by|run over|car crash|car accident|rta|rtc|motorbike crash|fell from|"
        "fall from|fell off a roof|fell off the roof|fell off a ladder|fell down the stairs|fell down stairs|fell 3|"
        "fell three|stabbed|stab wound|shot|gunshot|crushed|crush injury|impaled|thrown from|ejected|high speed|"
        "major trauma|polytrauma|assaulted|beaten up|kicked in the head"
    ),
    "open_fracture": (
        "bone sticking out|bone poking out|bone through the skin|bone through skin|open fracture|compound fracture|"
        "leg at a weird angle|arm at a weird angle|deformed|amputated|severed|" + _CUT_OFF
    ),
    "spinal_injury": "neck pain|neck hurts|tingling|pins and needles|not feel|not move|numb",
    "burn": (
        "burn|burns|burnt|burned|scald|scalded|scalding|boiling water|boiling oil|blister|blisters|charred|on fire|"
        "caught fire|flames"
    ),
    # What makes a burn major: its extent, depth, site, cause, the person burnt, or how severe it is said to be.
    "burn_severe": (
        "face|airway|hoarse|whole arm|whole leg|both arms|both legs|both hands|both feet|chest|back|large|big|"
        "most of|widespread|hand|hands|genitals|electrical|chemical|child|baby|toddler|white|charred|leathery|"
        "painless|deep|full thickness|severe|severely|smoke|soot"
    ),
    # Skin and soft tissue.
    "rash": "lesions|erosions|mucosal|rash|spots|blotches|skin|redness|red skin|blisters|peeling",
    "skin_severe": (
        "mucosal erosions|epidermal detachment|targetoid|target lesions|skin detachment|nikolsky|desquamation|"
        "sloughing|skin peeling|skin coming off|skin falling off|peeling off|sheets|blistering all over|"
        "blisters all over|mouth sores|sores in mouth|eyes sore and|lips crusted|spreading fast|spreading quickly|"
        "spreading rapidly|spreading up|red line|red streak|pain out of proportion|black skin|skin going black|"
        "dusky skin|crackling|crepitus|necrotising|necrotizing|flesh eating"
    ),
    "skin_infection": (
        "cellulitis|infected|infection|wound|cut|bite|abscess|redness|red and hot|hot and red|hot swollen|swollen red"
    ),
    "eye_swelling": (
        "eye swollen|swollen eye|eyelid swollen|swollen eyelid|eye swelling|around the eye|around his eye|"
        "around her eye|eye wont open|eye not open|bulging eye|eye bulging|pain moving eye|hurts to move eye"
    ),
    # Populations (the age a text gives is read separately, in service.triage.emergency).
    "infant_word": "newborn|new born|neonate|neonatal|week old|weeks old|day old|days old|wk old|wks old|baby",
    "child_word": (
        "baby|toddler|child|kid|son|daughter|boy|girl|little one|infant|year old|yr old|yo|teen|teenager|grandson|"
        "granddaughter|nephew|niece"
    ),
    # Time course, by itself a qualifier of the acuity layer.
    "now": (
        "now|right now|just|currently|at the moment|this morning|this afternoon|this evening|tonight|today|since|"
        "minutes ago|mins ago|min ago|hour ago|hours ago|an hour|started|starting|keeps|getting worse|"
        "worse and worse|still|is having|having|happening|in front of me|help|please help|what do i do|"
        "what should i do|should i call|call 999|call 911|ambulance|a and e|er"
    ),
}
