"""Each cleaning rule on the real seed text."""

from __future__ import annotations

import pytest

from chatbot.articles.cleaning import clean_text, is_heading, load_rules, split_inline_heading, strip_spam_tail
from chatbot.articles.corpus import load_corpus

RULES = load_rules()
ARTICLES = {a.path.split("/")[-1][:3]: a for a in load_corpus().articles}


def cleaned(key: str):
    a = ARTICLES[key]
    return clean_text(a.text, a.title, RULES)


def all_text(key: str) -> str:
    return "\n".join(p.text for p in cleaned(key).passages)


def test_repeated_body_is_dropped_once() -> None:
    result = cleaned("000")
    texts = [p.text for p in result.passages]
    assert len(texts) == len(set(texts))
    assert sum("astounding 500%" in t for t in texts) == 1
    assert sum(r.reason.startswith("repeats paragraph") for r in result.removals) == 7


def test_blog_boilerplate_removed() -> None:
    text = all_text("001").lower()
    assert "subscribe" not in text and "you've been subscribed" not in text and "inbox" not in text
    reasons = {r.reason for r in cleaned("001").removals}
    assert any("boilerplate" in r for r in reasons)


@pytest.mark.parametrize("key,phrase", [
    ("002", "505-639-4973"), ("002", "click here"), ("000", "request a free consultation"),
    ("000", "contact elev8"), ("004", "read here"), ("001", "reach out to our clinic"),
])
def test_calls_to_action_and_contact_details_removed(key: str, phrase: str) -> None:
    assert phrase in ARTICLES[key].text.lower()
    assert phrase not in all_text(key).lower()


@pytest.mark.parametrize("key,phrase", [
    ("002", "is a leading provider"), ("004", "alchemy wellness blog"), ("000", "our charlotte area"),
])
def test_self_promotion_removed(key: str, phrase: str) -> None:
    assert phrase in ARTICLES[key].text.lower()
    assert phrase not in all_text(key).lower()


@pytest.mark.parametrize("spam", [
    "Special Edition Pool Cues", "ketamine for chronic pain oral med", "risk of bias",
    "does medicare cover ketamine for chronic pain", "how many ketamine infusions for chronic pain",
])
def test_keyword_spam_stripped_but_paragraph_kept(spam: str) -> None:
    text = all_text("003")
    assert spam.lower() not in text.lower()
    removed = [r for r in cleaned("003").removals if "spam" in r.reason]
    assert any(spam.lower() in r.text.lower() for r in removed)


def test_spam_tail_keeps_whole_sentences() -> None:
    body, spam = strip_spam_tail("Always consult a provider for your condition. Special Edition Pool Cues")
    assert body == "Always consult a provider for your condition." and spam == "Special Edition Pool Cues"
    assert strip_spam_tail("A sentence that ends properly.") == ("A sentence that ends properly.", "")
    long_tail = "First sentence. then a long unpunctuated closing clause that goes on for more than eight words"
    assert strip_spam_tail(long_tail)[1] == ""


def test_inline_heading_split_and_becomes_section() -> None:
    body, head = split_inline_heading("without the potential for dependency. - Rapid Onset of Action")
    assert body.endswith("dependency.") and head == "Rapid Onset of Action"
    sections = {p.section for p in cleaned("003").passages}
    assert {"Rapid Onset of Action", "Targeted Pain Relief", "Long-Term Pain Management",
            "Reduction in Opioid Use", "Non-Opioid Alternative"} <= sections
    rapid = [p for p in cleaned("003").passages if p.section == "Rapid Onset of Action"]
    assert rapid and rapid[0].text.startswith("Many patients experience rapid relief")


def test_lowercase_dash_is_not_a_heading() -> None:
    assert split_inline_heading("pain - and it hurts a lot")[1] == ""


@pytest.mark.parametrize("line,expected", [
    ("Opioids and Addiction", True), ("How Many Ketamine Infusions for Chronic Pain?", True),
    ("- Non-Opioid Alternative", True), ("## Side effects", True),
    ("Doctors have found themselves at a crossroads when it comes to treating pain.", False),
    ("Want more information about ketamine? Read here.", False),
    ("lower case start of a wrapped line", False),
])
def test_heading_detection(line: str, expected: bool) -> None:
    assert is_heading(line) is expected


def test_every_passage_keeps_its_section_and_paragraph_number() -> None:
    result = cleaned("002")
    by_section = {p.section for p in result.passages}
    assert "Opioids and Addiction" in by_section and "The Science of Ketamine" in by_section
    numbers = [p.paragraph for p in result.passages]
    assert numbers == sorted(numbers) and numbers[0] == 1


def test_title_lines_are_not_quoted() -> None:
    result = cleaned("004")
    assert all(p.text != "Ketamine for Chronic Pain" for p in result.passages)
    assert sum(r.reason.startswith("title line") for r in result.removals) == 3


def test_keyword_stuffed_sentence_splits_passage_without_holes() -> None:
    passages = [p.text for p in cleaned("003").passages if p.section.startswith("Does Insurance")]
    # the passage holding the sentence before the spam ends there (packing may put the paragraph before it in front)
    assert any("Some insurance providers may cover" in t and t.endswith("specific conditions.") for t in passages)
    assert any(t.startswith("The coverage under Medicare can vary") for t in passages)


def test_cleaning_is_deterministic() -> None:
    a = ARTICLES["003"]
    assert clean_text(a.text, a.title, RULES) == clean_text(a.text, a.title, RULES)


def test_every_passage_is_verbatim_from_its_article() -> None:
    for a in ARTICLES.values():
        flat = " ".join(a.text.split())
        at = 0
        for p in clean_text(a.text, a.title, RULES).passages:
            for line in p.text.split("\n"):  # each paragraph of a packed passage, in the article's order
                found = flat.find(" ".join(line.split()), at)
                assert found >= 0, line
                at = found


# -- lists (other clinics' pages are full of them) ---------------------------------------------------
LIST_PAGE = """Spinal Injections

What conditions do we offer this for?

- Sciatica (nerve root irritation or compression)
- Facet joint pain
- Pain relief lasting weeks to months

Side effects (may affect up to 1 in 10 patients):
- Temporary numbness
- Headache

The injection aims to:
1. Reduce inflammation around the nerve
2. Let you move more freely

- Rapid Onset of Action
Ketamine works within hours for many patients, unlike many other drugs.
"""


def test_a_list_is_one_passage_with_its_lead_in_and_every_item() -> None:
    from chatbot.articles.cleaning import clean_text, load_rules

    result = clean_text(LIST_PAGE, "Spinal Injections", load_rules())
    texts = [p.text for p in result.passages]
    assert texts[0].splitlines() == ["- Sciatica (nerve root irritation or compression)", "- Facet joint pain",
                                     "- Pain relief lasting weeks to months"]
    assert texts[1].splitlines()[0] == "Side effects (may affect up to 1 in 10 patients):"
    assert texts[2].splitlines() == ["The injection aims to:", "1. Reduce inflammation around the nerve",
                                     "2. Let you move more freely"]
    # a lone bullet with no lead-in is still a heading written as a bullet
    assert result.passages[3].section == "Rapid Onset of Action"
    # no fragment passage, no plain heading removed
    assert not any(t.endswith(":") for t in texts)
    assert result.passages[0].section == "What conditions do we offer this for?"
    assert [j.reason for j in result.joined][:2] == ["a list kept whole: 3 items",
                                                   "a list kept whole: 2 items with the line that leads into it"]
    # every line of every passage is verbatim from the page
    for t in texts:
        for line in t.splitlines():
            assert line in LIST_PAGE


def test_a_long_list_is_cut_between_items_never_inside_one() -> None:
    from chatbot.articles.cleaning import MAX_PASSAGE_CHARS, clean_text, load_rules

    items = "\n".join(f"- Item number {i} with a few more words to make it longer than a stub" for i in range(80))
    result = clean_text("Title\n\nThings to know:\n" + items + "\n", "Title", load_rules())
    assert len(result.passages) > 1
    assert all(len(p.text) <= MAX_PASSAGE_CHARS for p in result.passages)
    lines = [line for p in result.passages for line in p.text.splitlines()]
    assert lines[0] == "Things to know:" and len(lines) == 81


LEAFLET = """Understanding TENS

What is TENS?
A TENS machine is a small battery operated machine
that you can use to help with your pain management.

TENS is a method of providing small electrical pulses
through the skin to stimulate nerves. This stops
messages of pain reaching the pain centre in the brain.
TENS can be used for the treatment of both chronic and
acute pain.

How is it done?
The pads are usually placed by a healthcare professional, such as a
physiotherapist in the clinic. The settings are then chosen with you and
written down so that you can use them at home.
"""


def test_a_hard_wrapped_leaflet_keeps_its_paragraphs_whole() -> None:
    result = clean_text(LEAFLET, "Understanding TENS", RULES)
    texts = [p.text for p in result.passages]
    # a sentence cut at the margin is not a heading, and its end is not a passage of its own
    lines = [line for t in texts for line in t.split("\n")]  # a passage's paragraphs, one a line
    assert any(line.startswith("TENS is a method") and line.endswith("treatment of both chronic and acute pain.")
               for line in lines)
    assert any(t.startswith("The pads are usually placed by a healthcare professional, such as a physiotherapist")
               for t in texts)
    assert {p.section for p in result.passages} == {"What is TENS?", "How is it done?"}
    assert not any(r.reason.startswith("too short") for r in result.removals)


def test_text_that_is_not_hard_wrapped_keeps_one_paragraph_a_line() -> None:
    first = "Ketamine is an anaesthetic that has been used in operating theatres since the 1960s."
    second = "At low doses it is used for chronic pain, given slowly through a drip in your arm."
    result = clean_text(f"Title\n\n{first}\n{second}\n", "Title", RULES)
    assert [p.text for p in result.passages] == [f"{first}\n{second}"]  # two paragraphs, packed


@pytest.mark.parametrize("line", ["Tel: 01904 725395", "Call the Booking Department on 0161 778 2233.",
                                  "Our helpline is +44 20 7188 7188.", "Fax: 903-957-0049",
                                  "Phone 0800 123 4567 for advice."])
def test_phone_numbers_of_any_country_are_never_quoted(line: str) -> None:
    text = f"Title\n\nThe clinic is open from Monday to Friday for all patients.\n\n{line}\n"
    result = clean_text(text, "Title", RULES)
    assert all(line not in p.text for p in result.passages)
    assert any(r.reason.startswith("contact details") for r in result.removals)


@pytest.mark.parametrize("line", ["About 1 in 10 000 patients have this side effect after the injection.",
                                  "Take 300 mg twice a day for the first 2 weeks of the course.",
                                  "In 2019 2020 and 2021 the service treated more patients than before."])
def test_numbers_that_are_not_phone_numbers_are_kept(line: str) -> None:
    result = clean_text(f"Title\n\n{line}\n", "Title", RULES)
    assert [p.text for p in result.passages] == [line]


@pytest.mark.parametrize("line", ["We offer epidural steroid injections to help manage pain caused by a trapped nerve.",
                                  "Our Cancer Pain Team helps patients and their health care team by giving advice."])
def test_a_clinic_describing_its_service_is_content_not_self_promotion(line: str) -> None:
    result = clean_text(f"Title\n\n{line}\n", "Title", RULES)
    assert [p.text for p in result.passages] == [line]


def test_a_lead_in_whose_list_was_cut_off_is_not_a_passage() -> None:
    text = ("Title\n\nThe injection is done with a local anaesthetic and takes about twenty minutes in all.\n"
            "You may experience any of the following side effects up to 8 hours after the procedure:\n")
    result = clean_text(text, "Title", RULES)
    assert [p.text for p in result.passages] == ["The injection is done with a local anaesthetic and takes about "
                                                 "twenty minutes in all."]
    assert any(r.reason == "leads into a list that is not there" for r in result.removals)


@pytest.mark.parametrize("block, kept", [
    ("2. Please contact us two weeks before your appointment if you are diabetic or take blood thinners.", True),
    ("If you are not experiencing your usual pain on the day of your procedure, please contact us.", True),
    ("Self-pay patients pay a deposit of half the fee before we will schedule an appointment.", True),
    ("If you're considering ketamine for your pain, don't hesitate to reach out to our team today.", False),
    ("Call today to schedule a free consultation with our specialists.", False),
    ("Find out if you are a candidate: request a free consultation.", False),
])
def test_an_instruction_about_the_patients_own_situation_is_not_a_call_to_action(block: str, kept: bool) -> None:
    result = clean_text(f"Visiting us\n\n{block}\n", "Visiting us", RULES)
    assert any(block in p.text for p in result.passages) is kept, result.removals


@pytest.mark.parametrize("block, kept", [
    ("Continue reading below to learn more about stimulator trials, or click to go directly to your question.", False),
    ("You can read more about acupuncture and its side effects here:", False),
    ("Back to top", False),
    ("Scroll down for the answers to common questions.", False),
    ("You can read more about the trial in the leaflet your nurse gives you at the clinic.", True),
    ("Keep reading glasses with you: you sign the consent form on the day.", True),
    ("Most people see more improvement here: the pain eases over two to three weeks.", True),
])
def test_page_navigation_is_not_quoted(block: str, kept: bool) -> None:
    """A pointer to a link or another part of the web page means nothing in a quote."""
    result = clean_text(f"Stimulator trials\n\n{block}\n\nThe trial lasts about a week.\n", "Stimulator trials", RULES)
    assert any(block in p.text for p in result.passages) is kept, result.removals
    assert any("The trial lasts about a week." in p.text for p in result.passages)


@pytest.mark.parametrize("heading, kept", [("Schedule for reducing the dose of my opioid medication", True),
                                           ("Contact lenses and the scan", True), ("Visiting hours", True),
                                           ("Contact us", False), ("Book your visit", False),
                                           ("Call us today", False), ("Visit patient portal", False)])
def test_a_contact_heading_is_an_order_not_a_noun(heading: str, kept: bool) -> None:
    text = f"Leaflet\n\n{heading}\n\nReduce the dose by a tenth every two weeks, as your doctor advised you.\n"
    result = clean_text(text, "Leaflet", RULES)
    assert (result.passages[0].section == heading) is kept, result.removals


# -- packing: the paragraphs of one section quoted together, up to PACK_CHARS -------------------------
PACK_PAGE = """After your injection

Going home
You will need someone to drive you home. Do not drive for the rest of the day.
Most people go back to work the next day.

Call 0161 778 2233 if you have any questions about going home.

Keep the plaster on for a day.

Pain after the injection
The area may be sore for a few days. This is normal and usually settles on its own.
"""


def test_short_paragraphs_of_one_section_are_one_passage_in_the_articles_order() -> None:
    from chatbot.articles.cleaning import PACK_CHARS

    result = clean_text(PACK_PAGE, "After your injection", RULES)
    texts = [p.text for p in result.passages]
    # the two paragraphs under "Going home" are one passage, each line as published, in order
    assert texts[0] == ("You will need someone to drive you home. Do not drive for the rest of the day.\n"
                        "Most people go back to work the next day.")
    assert result.passages[0].section == "Going home" and result.passages[0].paragraph == 1
    # a paragraph after a removed one (the phone number) is not packed across the hole
    assert texts[1] == "Keep the plaster on for a day." and result.passages[1].paragraph == 4
    # nor across a heading
    assert texts[2].startswith("The area may be sore") and result.passages[2].section == "Pain after the injection"
    assert all(len(t) <= PACK_CHARS for t in texts)
    packed = [j for j in result.joined if j.reason.startswith("packed with paragraph 1")]
    assert len(packed) == 1 and packed[0].text == "Most people go back to work the next day." and packed[0].line == 5


def test_packing_stops_at_the_limit_and_after_an_unfinished_sentence() -> None:
    from chatbot.articles.cleaning import PACK_CHARS

    sentence = "Ketamine is given slowly through a drip in your arm over about forty minutes."
    text = "Title\n\nHow it is given\n" + "\n\n".join(f"{sentence} {sentence} {sentence} Part {n}." for n in range(6))
    result = clean_text(text + "\n", "Title", RULES)
    assert len(result.passages) > 1 and all(len(p.text) <= PACK_CHARS for p in result.passages)
    assert sum(p.text.count("Part ") for p in result.passages) == 6  # nothing lost, nothing repeated
    unfinished = ("Title\n\nDosing\nThe first dose is small and the team raises it slowly over several visits, "
                  "watching your blood pressure and how you feel each time\n\nMost people need four to six sessions.\n")
    kept = [p.text for p in clean_text(unfinished, "Title", RULES).passages]
    assert len(kept) == 2 and kept[1] == "Most people need four to six sessions."
