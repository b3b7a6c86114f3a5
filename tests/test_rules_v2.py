"""Tier-1 safety rules v2: general phrasings per category row (written for these tests, not taken from
the classifier's examples), look-alikes that must keep their answer, and the structural guarantees."""

from __future__ import annotations

import pytest

from chatbot.safety.rules import SafetyRules, Verdict, _non_capturing, _top_level

RULES = SafetyRules.load()

EMERGENCIES = [
    # S1 explicit ideation, self and third person, slang, other languages
    ("S1", "honestly i just want to kill myself"), ("S1", "my brother keeps talking about killing himself"),
    ("S1", "my girlfriend texted me that she wants to end her life"), ("S1", "been thinking about unaliving myself"),
    ("S1", "kms, nothing works"), ("S1", "i feel suicidle again"), ("S1", "my grandpa told the nurse he wants to die"),
    ("S1", "mi esposa dice que se quiere matar"), ("S1", "je veux me suicider"), ("S1", "estou pensando em me matar"),
    # S2 passive
    ("S2", "i keep wishing i would not wake up in the morning"), ("S2", "honestly sick of living"),
    ("S2", "my aunt says she wishes she was dead"), ("S2", "no quiero vivir asi"),
    # S3 burden, entrapment, farewell
    ("S3", "my family would be better off without me"), ("S3", "i am nothing but a burden to my kids"),
    ("S3", "there is no way out for me"), ("S3", "goodbye everyone, thanks for trying"),
    ("S3", "my mom says she won't be around much longer"), ("S3", "nao aguento mais, quero que tudo acabe"),
    # S4 method, means, plan
    ("S4", "i've been stockpiling my oxycodone"), ("S4", "my husband bought a rope yesterday"),
    ("S4", "what is the highest bridge in town"), ("S4", "i'm writing goodbye letters to my parents"),
    ("S4", "she has been giving away all her stuff"), ("S4", "i have a gun at home and keep thinking about using it"),
    ("S4", "im sitting on the train tracks"), ("S4", "i wrote a suicide note"),
    ("S4", "how many of my sleeping pills would it take"), ("S4", "he plans to do it tonight after the session"),
    ("S4", "tengo una cuerda en el garaje y una fecha"),
    # S5 self-harm
    ("S5", "i've started cutting again"), ("S5", "the urge to cut is so strong tonight"),
    ("S5", "my son is cutting himself"), ("S5", "me corte los brazos otra vez"),
    # S6 attempt
    ("S6", "i just swallowed a whole bottle of sleeping pills"), ("S6", "my sister took all of her pills"),
    ("S6", "tome todas mis pastillas"),
    # O1 overdose
    ("O1", "i took to many of my oxy"), ("O1", "my toddler got into my gabapentin"),
    ("O1", "i od'd on my meds"), ("O1", "took my evening dose twice by accident"),
    ("O1", "i mixed my xanax with vodka"), ("O1", "my dog chewed my fentanyl patch"),
    # O2 overdose signs
    ("O2", "his breathing is so slow and shallow"), ("O2", "her lips are blue and she wont wake up"),
    # M1-M8
    ("M1", "i cant breath"), ("M1", "my daughter is choking"), ("M1", "my grandad stopped breathing"),
    ("M2", "crushing chest pain spreading to my jaw"), ("M2", "my dad is clutching his chest and sweating"),
    ("M3", "my mums face is drooping on one side"), ("M3", "suddenly cant lift my left arm"),
    ("M4", "my husband collapsed in the kitchen"), ("M4", "she wont wake up"),
    ("M5", "my son is having a seizure"), ("M6", "my throat is closing up"), ("M6", "had to use my epipen"),
    ("M7", "my nose will not stop bleeding"), ("M7", "he is coughing up blood"),
    ("M8", "my wife is hallucinating after her infusion and she is terrified"),
    # H1, H2
    ("H1", "i want to hurt my neighbour"), ("H1", "my son wants to stab his teacher"),
    ("H2", "my ex is threatening to kill me"), ("H2", "my boyfriend hits me"), ("H2", "i am not safe at home"),
    # the same words as the look-alikes below, meant
    ("H2", "my husband is going to kill me when he gets home"), ("S2", "i am going to die and i want to"),
    ("S3", "i will be gone for good by the weekend"), ("M3", "my face went numb and my speech is slurred"),
    ("S3", "i am such a burden on everyone"),
    ("S5", "i've been burning my arm with a cigarette when it gets bad"), ("M1", "i'm having a really hard time breathing"),
    ("M1", "cant get a ful breth in"), ("H1", "i keep getting urges to shake the baby when she won't stop crying"),
    ("S4", "what's the most painless overdose, asking for myself"), ("S4", "if i jump off the bridge would it be quick"),
    ("S2", "is there help for not wanting to be alive? i don't want to live anymore"),
    # beside the idioms "she'll strangle me if i cancel" and "dying to feel normal": threats and dying stay emergencies
    ("H2", "he said he will strangle me if i leave him"), ("H2", "my husband is going to strangle me"),
    ("M8", "i feel like i am dying, my chest and head are pounding"),
    ("S1", "i had dark thoughts years back and now i want to kill myself again"),
    ("O1", "my 3 year old got hold of my lozenges, not sure how many are gone"),
    ("O1", "the puppy got ahold of grandpa's tablets"),
    ("S5", "relapsed on sh again, 8 months clean before this"), ("S5", "my sh urges are back tonight"),
    ("S5", "my son keeps punching his own head when he gets frustrated, he's doing it now"),
]

LOOK_ALIKES = [
    # B1 idioms and hyperbole
    "my back is killing me", "dying to know how long it lasts", "i'd kill for a decent night of sleep",
    "scared to death of needles", "i have a killer migraine today", "this pain is killing me slowly, can ketamine help?",
    "my wife will kill me if i forget the appointment", "the gabapentin knocks me out", "my phone died during the call",
    "i nearly died laughing at the nurse's joke", "my knee kills me on the stairs",
    "the parking fees at this place are gonna kill me", "my doctor is going to kill me for asking this again",
    "my wife will kill me when she sees the bill lol", "i can't take this cold anymore, is there a blanket",
    "i'm gonna die if i have to wait in that room with the tv on again",
    "these intake forms... i'll be dead before i finish them",
    "is the numbness gone for good after a nerve ablation?",
    "i hate being a burden on my son for rides, is there a shuttle",
    "my mum will strangle me if i cancel again", "the copays are going to kill me before the pain does",
    "i'm dying to feel like myself again for the wedding, is there an opening next week",
    # B2 informational
    "can ketamine cause seizures?", "is an overdose of ketamine possible?", "does ketamine help suicidal thoughts?",
    "what happens if you take too much?", "what are the signs of an allergic reaction to ketamine?",
    "can ketamine make it hard to breathe?", "what should staff do if a patient has a seizure?",
    "¿la ketamina puede causar convulsiones?", "is ketamine used for people who self harm?",
    # B3 history
    "i had a seizure years ago, can i still have ketamine?", "i used to self-harm, is ketamine safe for me?",
    "i had a heart attack in 2019, can i have ketamine?", "i overdosed on opioids back in 2015, is ketamine risky?",
    "i tried to kill myself when i was a teenager, will that matter?", "i had a stroke five years ago, can i have infusions?",
    "i passed out at my last blood test, will that happen here?", "my seizures have been controlled for 8 years",
    "i self harmed in college but that's been over for years, will it come up", "i had a heart attack at 50, i'm 58 now",
    "i used to have dark thoughts, not anymore, could ketamine bring them back?",
    "i had a collapsed lung years back, is sedation ok for a nerve block?",
    "finally got hold of my pills from the pharmacy, can i take them before the infusion",
    "sh, don't tell anyone, but i booked my husband a massage for his birthday",
    "on lamotrigine for seizures, is the infusion ok", "levetiracetam for my seizures and now pregabalin, ok together?",
    # B4 treatment words
    "collapsed vein during the iv", "will i be unconscious?", "will i feel numb during the infusion",
    "how many infusions do people need?", "double the dose if it doesn't work?", "i've had 12 ketamine infusions",
    "i had 6 infusions so far", "i took 2 lozenges this week as prescribed", "can i double my dose next time",
    "is it normal to feel like you are dying during ketamine?",
    "my face went numb during the infusion, is that normal", "whats the treatment for an overdose",
    "am i going to pass out during the procedure", "do people overdose on ketamine at parties?",
    # FAQ, advice, small talk
    "how long does an infusion take", "can i take it with my xanax", "i'm pregnant, is ketamine safe",
    "hello", "thanks so much",
]


@pytest.mark.parametrize("row,message", EMERGENCIES)
def test_emergency_rows_are_rule_emergencies(row: str, message: str) -> None:
    assert RULES.check(message).emergency, (row, RULES.prepare(message))


@pytest.mark.parametrize("message", LOOK_ALIKES)
def test_look_alikes_are_not_rule_emergencies(message: str) -> None:
    assert RULES.check(message).emergency is None, RULES.prepare(message)


def test_breath_is_not_turned_into_breathe() -> None:
    assert "breath" in RULES.prepare("i cant catch my breath").split()


@pytest.mark.parametrize("message", ["I had a heart attack in 2019, can I have ketamine?",
                                     "i fainted once at the dentist, will i faint during the iv?",
                                     "intenté suicidarme hace diez años, ¿puedo recibir ketamina?"])
def test_history_is_answered_with_a_crisis_line(message: str) -> None:
    verdict = RULES.check(message)
    assert verdict.emergency is None and verdict.history


def test_history_with_now_stays_an_emergency() -> None:
    assert RULES.check("i tried to kill myself years ago and i want to do it again tonight").emergency
    assert RULES.check("i used to cut, and i started cutting again last night").emergency


def test_emergency_sentence_wins_over_the_question_beside_it() -> None:
    assert RULES.check("I want to end it all. Does ketamine help depression?").emergency == "suicide"


def test_api_is_kept() -> None:
    assert isinstance(RULES.check_prepared(RULES.prepare("hello")), Verdict)
    assert RULES.idiom(RULES.prepare("my back is killing me"))
    assert RULES.told_as_history(RULES.prepare("i had a stroke in 2019"))


@pytest.mark.parametrize("message, idiom", [
    ("I'm starving to death, the infusion was at 8am. Any food close by?", True),
    ("so hungry i could die, can i eat after the block?", True),
    ("im dead lol my kid told the nurse i'm getting my brain fixed", True),
    ("i am literally dead lmao", True),
    # the same words said plainly are not figures of speech
    ("i am dead inside", False), ("so tired i could die", False), ("i want to be dead lol", False),
])
def test_hunger_and_laughter_idioms(message: str, idiom: bool) -> None:
    assert RULES.idiom(RULES.prepare(message)) is idiom


@pytest.mark.parametrize("message, idiom", [
    ("scared out of my mind for tomorrow. do i need to fast", True), ("worried sick about my first infusion", True),
    ("i'm a nervous wreck, will the iv hurt", True), ("out of my mind with worry about my wife's appointment", True),
    ("my mum is worried out of her mind about the cost", True), ("sick with nerves before the block", True),
    # losing one's mind is not fear said as a figure of speech
    ("i am going out of my mind", False), ("i feel like i'm losing my mind", False), ("sick of living", False),
])
def test_fear_and_worry_idioms(message: str, idiom: bool) -> None:
    assert RULES.idiom(RULES.prepare(message)) is idiom


def test_without_idioms_keeps_what_is_left() -> None:
    from chatbot.safety.rules import without

    assert without(RULES.idioms, RULES.prepare("worried sick, this is goodbye")).strip(" ,") == "this is goodbye"
    assert without(RULES.idioms, RULES.prepare("this is goodbye")) is None


@pytest.mark.parametrize("message", [
    "scared out of my mind, he said he will kill me", "im a nervous wreck he hits me when i complain about the pain",
    "scared to death, my boyfriend threatened to kill me", "worried sick, my husband is going to kill me when he gets home",
])
def test_an_idiom_beside_a_threat_does_not_hide_it(message: str) -> None:
    assert RULES.check(message).emergency == "harm"


def test_joined_patterns_match_what_the_patterns_match() -> None:
    assert _top_level(r"\ba(b|c)|[|]d|\|e") == [r"\ba(b|c)", "[|]d", r"\|e"]
    assert _non_capturing(r"(a|(?:b))[(]\(") == r"(?:a|(?:b))[(]\("


def test_every_bundled_pattern_compiles_alone() -> None:
    # the bundled rules are compiled joined only, at start-up; here each pattern is checked alone,
    # as a clinic's own rules file is at every start
    import tomllib

    from chatbot.data import DATA_DIR
    from chatbot.safety.rules import SafetyRules

    data = tomllib.loads((DATA_DIR / "safety.toml").read_text(encoding="utf-8"))
    checked = SafetyRules(data, check_each=True)
    assert checked.check("i want to kill myself").emergency == RULES.check("i want to kill myself").emergency


def test_a_broken_pattern_in_a_clinics_rules_file_is_named(tmp_path) -> None:
    from chatbot.data import DATA_DIR
    from chatbot.errors import ConfigError
    from chatbot.safety.rules import SafetyRules

    text = (DATA_DIR / "safety.toml").read_text(encoding="utf-8")
    broken = tmp_path / "rules.toml"
    broken.write_text(text.replace("'\\bcardiac arrest\\b',", "'\\bcardiac (arrest\\b',", 1), encoding="utf-8")
    assert broken.read_text(encoding="utf-8") != text
    with pytest.raises(ConfigError, match="cardiac"):
        SafetyRules.load(broken)


@pytest.mark.parametrize("message", [
    "is ketamine ok with my sertraline", "is melatonin safe to take with the infusion",
    "can i have it in my second trimester", "do i have to pump and dump after an infusion",
    "what's the right dose for someone my size", "if the first one does nothing can they go up",
    "i had a pacemaker fitted 2 years ago, does that matter", "i was in rehab years back, will you still treat me",
    "do you think i'd benefit from it",
    # terse decisions: "ok?" after a medicine or a drink around a treatment, a condition "ok for" it
    "klonopin the night before my epidural ok", "couple beers after the injection fine?",
    "asthmatic - safe to get the nasal spray?", "can i split my gabapentin tablets",
    "switch me off percocet onto something milder", "if you were me would you do the ablation",
    "is the epidural too risky for my dad", "is the stimulator ok for a teenager",
    "we are planning a baby, does the spray matter", "coming off my benzos before the infusion",
    "skip my nightly meds before the block?", "can my mum still do hydrotherapy with her hip",
    "can he have the ct-guided injection with his heart",
])
def test_personal_decisions_in_other_words_get_the_advice_notice(message: str) -> None:
    verdict = RULES.check(message)
    assert verdict.advice and not verdict.emergency, RULES.prepare(message)


@pytest.mark.parametrize("message", ["is the clinic ok with service dogs", "what is the age limit for ketamine",
                                     "is parking ok with a big van", "can you switch my appointment to thursday",
                                     "how fast do they usually cut the dose down",
                                     "what would you do differently from my last clinic",
                                     "can she still get the bus from outside"])
def test_practical_questions_get_no_advice_notice_from_these_rules(message: str) -> None:
    assert not RULES.check(message).advice, RULES.prepare(message)


@pytest.mark.parametrize("message", ["i'm worried i'll have a bad reaction to the dye",
                                     "it feels like my knee is being hit with a hammer when i climb stairs"])
def test_worries_and_pictures_of_pain_are_not_emergencies(message: str) -> None:
    assert RULES.check(message).emergency is None, RULES.prepare(message)


def test_a_pattern_may_name_a_list_of_the_rules_file() -> None:
    """``[lists]``: <name> stands for the group of a list's entries, which may name an earlier list;
    lookbehinds, named groups and unknown names are left as written."""
    from chatbot.safety.rules import expand, named_lists

    lists = named_lists({"drug": ["norco", "lyrica"], "any_drug": ["<drug>", "meds"]})
    assert lists == {"drug": "(norco|lyrica)", "any_drug": "((norco|lyrica)|meds)"}
    assert expand(r"\bskip (my )?<any_drug>\b", lists) == r"\bskip (my )?((norco|lyrica)|meds)\b"
    assert expand(r"(?<!bring )my <pet>(?P<x>a)", lists) == r"(?<!bring )my <pet>(?P<x>a)"
    assert RULES.check("can i skip my norco before the block").advice  # the bundled rules use <medicine>
    assert not RULES.check("is there parking").advice


def test_a_list_that_is_not_a_list_is_named_at_load(tmp_path) -> None:
    from chatbot.data import DATA_DIR
    from chatbot.errors import ConfigError

    text = (DATA_DIR / "safety.toml").read_text(encoding="utf-8")
    broken = tmp_path / "rules.toml"
    broken.write_text(text.replace("[lists]\n", "[lists]\nmedicines_typo = 'norco'\n", 1), encoding="utf-8")
    with pytest.raises(ConfigError, match="medicines_typo"):
        SafetyRules.load(broken)


@pytest.mark.parametrize("message", [
    "my bp was a bit high at check in, does that mean we cant do it today?",
    "can i still do it today if i have a cold",
    "i have epilepsy but no seizures in 6 years, am i able to have ketamine?",
])
def test_whether_the_infusion_goes_ahead_and_seizure_free_years_are_not_rule_emergencies(message: str) -> None:
    assert RULES.check(message).emergency is None, RULES.prepare(message)


@pytest.mark.parametrize("message", ["im going to do it tonight after my last infusion", "i will do it tomorrow",
                                     "no seizures in 6 years but my son is having a seizure right now"])
def test_a_plan_or_a_seizure_now_stays_an_emergency(message: str) -> None:
    assert RULES.check(message).emergency, RULES.prepare(message)


@pytest.mark.parametrize("message", [
    "can't really breathe through my nose with this cold, is the nasal spray still ok",
    "gasping for a cuppa after fasting all morning, can i eat before the block",
    "took all my meds out of the bottles into a weekly organiser, is that fine",
    "does anyone on your staff know cpr? my wife wants to take a cpr class",
    "my daughter won't answer my texts about her appointment, did she check in",
    "i didn't wake up in time for my appointment, can i rebook",
    "my lip stayed numb for hours after the dental block, is that normal",
    "i wrote a note to my boss about the infusion, can you sign one too",
    "does ketamine affect my firearms licence",
    "someone broke into my van in your car park, who do i tell",
    "hiding in the car for ten minutes of peace before my appointment lol",
    "which bridge is faster to get to your clinic from the east side",
    "this chair is going to wreck my back, do you have a cushion",
    "my wife will kill me for missing the appointment again",
    "gonna kill my sister for booking me in at 8am without asking, can i change it?",
    "i'll murder my husband for scheduling this on our anniversary lol",
])
def test_an_ordinary_phrase_that_holds_a_crisis_phrase_is_not_an_emergency(message: str) -> None:
    assert not RULES.check(message).emergency, RULES.prepare(message)


@pytest.mark.parametrize("message", [
    "i can't breathe", "i took all my pills", "my son won't respond", "her face is numb on one side",
    "i have written a note for my kids", "i have a gun", "someone broke into my house and i'm hiding",
    "i can't breathe through my nose and my chest is crushing me",
    # a real threat to someone close, whatever follows "for" (a review's examples)
    "i'm going to kill my husband for what he did to me", "i'm going to kill my husband for making me lose the baby",
    "i want to strangle my newborn son for waking me every hour", "i'm going to kill my brother for cheating me",
])
def test_the_crisis_phrase_alone_or_beside_another_emergency_still_is_one(message: str) -> None:
    assert RULES.check(message).emergency, RULES.prepare(message)


@pytest.mark.parametrize("message, emergency", [
    # tiredness, reliance and fear of needles told plainly, beside the crisis they resemble
    ("by the weekend i have nothing left for the kids, is there a pacing class", False),
    ("i have nothing left", True),
    ("i don't want to live on painkillers forever, what else is there", False),
    ("i don't want to live", True),
    ("goodbye for now, see you at my next infusion", False),
    ("what's the most painless way to have the injection, i hate needles", False),
    ("i tend to faint at the sight of blood, will the iv be a problem", False),
    ("i nearly died of embarrassment at reception lol", False),
    # said without the usual words: nothing to stay for, done with existing, a staged accident, the heart
    ("no treatments left and honestly nothing left to stick around for", True),
    ("i'm just done with being alive at this point", True),
    ("so done with life insurance forms this week lol", False),
    ("nobody will know, i'll make it look like an accident", True),
    ("how many of my oxys would stop my heart", True),
    ("what does a nerve block do to my heart rate", False),
    # self-harm told as a habit; the act already done; a threat
    ("i held my hand over the lighter flame until the burning drowned out the nerve pain", True),
    ("i keep punching my fist into the wall till it bleeds", True),
    ("i already swallowed the whole bottle", True),
    ("i already took my morning meds, can i still have the block at 2", False),
    ("that adjuster will be sorry, i know where she lives", True),
    ("if they cut my meds i'm taking everyone at that clinic down with me", True),
    # history: not done for years, asked as a treatment question
    ("haven't had a seizure in 6 years, can i still have the stimulator", False),
    ("haven't cut myself in 2 years but i still want to cut myself some nights", True),
    # wishing for a fatal diagnosis or not to come round, welcoming death, the means made ready
    ("part of me is hoping the biopsy comes back terminal, then at least it ends", True),
    ("before the implant surgery i caught myself hoping i never wake up from the anesthesia", True),
    ("i would gladly welcome death at this point", True),
    ("not existing sounds peaceful lately", True),
    ("i've got the pills set aside for when i decide", True),
    ("been stashing my lyrica for a month", True),
    ("i put a lighter to my thigh when the nerve pain spikes", True),
    ("i am hoping the scan finds what is causing the pain", False),
    # grey skies, a process without hope, fainting at the sight of needles
    ("the sky is gray again and my joints know it, any appointments friday", False),
    ("his lips are turning gray and he won't answer me", True),
    ("hopeless about the insurance appeal ever going through, who do i call", False),
    ("i feel hopeless and i don't see the point of anything", True),
    ("i faint at the mere sight of needles, can i lie down for the iv", False),
    ("some nights i think about joining my husband by my own hand", True),
    ("i'd be relieved to just be gone, honestly", True),
    ("lately i'm envious of dead people, they don't hurt", True),
    ("i keep a shotgun in my lap at night and think about it", True),
    ("there is nothing left for me to try at the other clinic, what do you offer", False),
    ("yo no hablo bien ingles, do you have a spanish interpreter", False),
    ("my heart is racing from the coffee lol, is that ok before the block", False),
])
def test_crises_and_ordinary_twins_told_plainly(message: str, emergency: bool) -> None:
    assert bool(RULES.check(message).emergency) is emergency, RULES.prepare(message)


@pytest.mark.parametrize("message, advice", [
    ("how much ibuprofen can i take on top of the gabapentin", True),
    ("what's the max tylenol i can take in a day with the patch", True),
    ("ok to take 3 of my 5mg tonight, the pain is bad", True),
    ("on methadone, ok for the ablation?", True),
    ("is it ok to keep vaping thc during the infusions", True),
    ("would a stellate block help or hurt me with my migraines", True),
    ("how much time can i take off work after the stimulator surgery", False),
    ("how many people can i take in with me", False),
    ("can i take a friend along to the infusion", False),
])
def test_round_17_decisions(message: str, advice: bool) -> None:
    assert RULES.check(message).advice is advice, RULES.prepare(message)
