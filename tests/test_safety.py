"""Safety rules: parametrized tables of emergencies, personal decisions, look-alikes and small talk."""

from __future__ import annotations

import pytest

from chatbot.safety import SafetyRules

RULES = SafetyRules.load()

EMERGENCIES = [
    # suicide and self-harm, direct and indirect, with slang and typos
    "I want to die", "i want to end it all", "I feel like killing myself tonight", "i wanna kms",
    "im going to kill myself", "i dont want to be here anymore", "I don't want to live anymore",
    "everyone would be better off without me", "my family is better off without me", "i'd be better off dead",
    "thinking about suicide", "suicidle thoughts", "im suicidal", "feeling suicidal again", "i have a suicide plan",
    "i've been cutting myself", "i want to hurt myself", "i keep thinking about ending my life",
    "i want to take my own life", "there's no reason to live", "nothing to live for anymore",
    "life isn't worth living", "i can't go on like this", "i cant take it anymore",
    "i wish i was dead", "i wish i could go to sleep and never wake up", "im saving up my pills to take them all",
    "how many pills would it take to die", "whats the most painless way to die", "i wrote a goodbye letter",
    "i want to jump off a bridge", "i just want it all to end forever", "i'm a burden, they'd be better without me",
    "sucidal", "i want to unalive myself",
    # overdose, own or someone else's
    "I overdosed on my medication", "i took too many of my pills", "i think i took way too much ketamine",
    "my child swallowed my pills", "my son ate some of my tablets", "my husband overdosed", "she od'd",
    "i accidentally took a double dose of my oxycodone", "my toddler got into the medicine cabinet and swallowed pills",
    "i took 30 tylenol", "my dog ate my pills and my kid too",
    # medical emergencies
    "I think I'm having a heart attack", "my chest really hurts and my left arm is numb", "chest pain",
    "my husband isn't breathing", "he stopped breathing", "i can't breathe", "she's choking",
    "my mom collapsed and won't wake up", "he passed out and is unresponsive", "she is having a seizure",
    "he's seizing", "i think im having a stroke", "her face is drooping and her speech is slurred",
    "my throat is closing up", "my lips and tongue are swelling", "anaphylaxis",
    "i'm bleeding and it won't stop", "call an ambulance", "i think i'm dying",
    # harm to others
    "i want to hurt someone", "i'm going to kill him", "my husband hits me", "i'm not safe at home",
]

ADVICE = [
    "How many mg of ketamine should I get?", "Can I stop taking my gabapentin before my infusion?",
    "Is ketamine safe with my blood pressure medicine?", "should i try ketamine", "should i stop my opioids",
    "can i take my xanax the night before", "what dose should i ask for", "how much ketamine do i need",
    "can i have ketamine if im pregnant", "is it safe while breastfeeding", "can my daughter get ketamine",
    "is ketamine ok for my 12 year old", "can children have ketamine infusions", "am i a good candidate for ketamine",
    "is ketamine right for me", "will ketamine work for me", "i have high blood pressure can i have an infusion",
    "i take an ssri is that a problem", "can i mix ketamine with my antidepressants",
    "should i lower my pain meds after the infusion", "should i go ahead and book the first one or wait",
    "should i drink anything the evening after", "can i drink alcohol with my medication",
    "is it ok for me to drive after", "i was diagnosed with bipolar, is ketamine safe",
    "can i combine ketamine with my sleeping pills", "should my husband try it",
    "how many milligrams will they give me", "can i double my dose if it hurts",
]

BENIGN = [
    "kill time in the waiting room", "is an overdose of ketamine possible?", "can you overdose on ketamine",
    "my back is killing me", "this pain is killing me, will ketamine help", "i'm dying to know how it works",
    "does ketamine cause seizures", "can ketamine cause chest pain", "what is a heart attack risk with ketamine",
    "is there a risk of stroke", "are breathing problems a side effect", "does it help people who feel hopeless",
    "drop dead gorgeous clinic", "what does dissociation feel like", "can it stop my pain for good",
    "does ketamine help with depression", "how long does the drip take", "will i pass the time ok",
    "is ketamine a party drug", "what happens if i miss an infusion", "i'm tired of this pain",
    "my migraines are killing me", "can ketamine help people with ptsd", "what are the overdose risks of opioids",
    "how many people die from opioid overdoses", "is it true people used to abuse ketamine",
    "does ketamine make you pass out", "can i bring my kid to the waiting room",
    "i want to stop suffering from pain", "what if i feel sick during the drip", "does it work for nerve pain",
    # words of an emergency rule in an ordinary sentence
    "do you take blue shield", "whats the highest tower in europe", "i've got a seizure disorder, is it ok for me",
    "seeing that price nearly gave me a heart attack", "gonna strangle my insurance company tbh",
    "last time my vein collapsed halfway through, can they try the other arm", "arthritis is beating me up this week",
    "that hill is going to be the death of me", "my doctor is switching my seizure medication, does that matter",
    "i quit breathing for a bit under anaesthesia as a toddler, is that relevant",
    "puede la ketamina causar convulsiones", "czy mozna przedawkowac ketamine",
    "am i going to be fully unconscious during it or just floaty",
]

SMALLTALK = [("hi", "greeting"), ("Hello there!", "greeting"), ("good morning", "greeting"),
             ("thanks, bye", "thanks"), ("thank you so much", "thanks"), ("bye", "goodbye"),
             ("what can you do?", "capabilities"), ("who are you", "capabilities")]


@pytest.mark.parametrize("question", EMERGENCIES)
def test_emergency_is_caught(question: str) -> None:
    assert RULES.check(question).emergency is not None, RULES.prepare(question)


@pytest.mark.parametrize("question", ADVICE)
def test_personal_decision_goes_to_clinician(question: str) -> None:
    verdict = RULES.check(question)
    assert verdict.advice or verdict.emergency, RULES.prepare(question)


def test_tables_are_big_enough() -> None:
    assert len(EMERGENCIES) >= 60 and len(ADVICE) >= 25 and len(BENIGN) >= 30


def test_benign_look_alikes_rarely_raise_an_emergency() -> None:
    alarms = [q for q in BENIGN if RULES.check(q).emergency]
    assert len(alarms) <= len(BENIGN) // 10, alarms


@pytest.mark.parametrize("question", ["is an overdose of ketamine possible?", "can you overdose on ketamine",
                                      "does ketamine cause seizures"])
def test_mentions_get_an_info_line_but_still_an_answer(question: str, engine) -> None:
    answer = engine.ask(question)
    assert answer.status in ("answered", "no_answer")
    assert answer.notices and answer.notices[0].kind in ("safety_info", "crisis_line")


@pytest.mark.parametrize("question,kind", SMALLTALK)
def test_smalltalk(question: str, kind: str) -> None:
    assert RULES.check(question).smalltalk == kind


@pytest.mark.parametrize("question", ["what is ketamine", "hi, what is ketamine?", "how long does it last"])
def test_questions_are_not_smalltalk(question: str) -> None:
    assert RULES.check(question).smalltalk is None


@pytest.mark.parametrize("question,scope", [
    ("what's the weather tomorrow", "out_of_scope"), ("how do i cook rice", "out_of_scope"),
    ("what time does the clinic open", "clinic_info"), ("is there parking", "clinic_info"),
    ("how much does an infusion cost", "clinic_info"),
])
def test_out_of_scope(question: str, scope: str) -> None:
    assert RULES.check(question).out_of_scope == scope


def test_emergency_answer_leads_with_what_to_do_and_quotes_nothing(engine) -> None:
    answer = engine.ask("i want to end it all")
    assert answer.status == "emergency" and not answer.hits
    first_line = answer.notices[0].text.split("\n")[0]
    assert "988" in first_line and first_line.lower().startswith("please call or text")
    assert answer.disclaimer


def test_emergency_numbers_come_from_settings(settings) -> None:
    from dataclasses import replace

    from chatbot.engine import Engine

    e = Engine.__new__(Engine)
    Engine.__init__(e, __import__("chatbot.articles.knowledge", fromlist=["x"]).open_knowledge(None, settings),
                    replace(settings, emergency_number="112", crisis_line="116 123", crisis_line_name="Samaritans"))
    text = e.ask("I want to die").notices[0].text
    assert "112" in text and "116 123" in text and "Samaritans" in text and "911" not in text


def test_overdose_message_names_poison_control(engine) -> None:
    text = engine.ask("my child swallowed my pills").notices[0].text
    assert "1-800-222-1222" in text and "911" in text


@pytest.mark.parametrize("question", ["how many infusons will i need", "Is Ketamine the Right Option for You?",
                                      "can I drive home after", "how long does it take to start working"])
def test_questions_that_are_not_personal_decisions_get_no_advice_box(question: str) -> None:
    from chatbot.safety import Safety

    assert not Safety.load().check(question).advice


@pytest.mark.parametrize("question", ["what should i pack for the day", "should i wear something comfy",
                                      "how early should we arrive", "what should i expect the first time"])
def test_practical_should_questions_are_no_decision_for_the_rules(question: str) -> None:
    assert not RULES.check(question).advice
