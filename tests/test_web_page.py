"""The chat page's HTML and CSS: the crisis panel first, quotes with readable sources, suggestions as
buttons, labelled controls and a live region, no inline script or style, nothing from another site,
and WCAG AA contrast for every colour pair the stylesheet uses."""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser
from importlib.resources import files

import pytest

from chatbot.config import CrisisLine, Settings
from chatbot.frontends.web.page import answer_html, page_html, source_words, welcome_html
from chatbot.models import Answer, Hit, Notice, Passage, Source

SETTINGS = Settings()


def hit(text: str, title: str = "Ketamine for pain", publisher: str = "Clinic Blog", section: str = "Safety",
        n: int = 1) -> Hit:
    return Hit(Passage(n, text, Source(title, publisher, section, "corpus/a.txt", n)), 3.0)


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text inside each <script> and <style>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in = tag if tag in ("script", "style") else None

    def handle_data(self, data: str) -> None:
        if self._in and data.strip():
            self.inline.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in = None


def parse(html: str) -> Tags:
    tags = Tags()
    tags.feed(html)
    return tags


def test_the_emergency_panel_comes_first_and_a_calm_crisis_line_after_the_answer() -> None:
    answer = Answer("how does ketamine help with pain", "answered", SETTINGS.disclaimer,
                    hits=(hit("Ketamine blocks NMDA receptors."),),
                    notices=(Notice("personal_advice", "Ask your clinician."), Notice("emergency", "Call 911 now."),
                             Notice("crisis_line", "If you ever feel unsafe, call or text 988.")),
                    suggestions=("what is ketamine",))
    html = answer_html(answer, SETTINGS)
    order = [html.index(s) for s in ("notice-emergency", "You asked:", "notice-personal_advice", "<blockquote>",
                                     "notice-crisis_line", "You could also ask:", 'class="disclaimer"')]
    assert order == sorted(order) and html.startswith('<section class="notice notice-emergency" role="alert"')
    assert html.count('role="alert"') == 1


def test_an_emergency_answer_has_call_links_and_no_suggestions() -> None:
    answer = Answer("i want to die", "emergency", SETTINGS.disclaimer,
                    notices=(Notice("emergency", "Please call or text 988 now, or call 911.\nYou are not alone."),),
                    suggestions=("what is ketamine",))
    html = answer_html(answer, SETTINGS)
    assert '<a class="call" href="tel:911">Call 911</a>' in html and 'href="sms:988"' in html
    assert "<p>Please call or text 988 now, or call 911.</p><p>You are not alone.</p>" in html
    assert "222" not in html  # Poison Control is linked when the message names it, as for an overdose
    overdose = answer_html(replace(answer, notices=(Notice("emergency", "Call 911, or 1-800-222-1222."),)), SETTINGS)
    assert 'href="tel:18002221222">Call 1-800-222-1222</a>' in overdose and "sms:988" not in overdose
    assert "suggestion" not in html and "Get help now" in html


def test_call_links_come_from_the_clinics_lines() -> None:
    uk = replace(SETTINGS, crisis_lines=(CrisisLine("emergency", "emergency services", "999"),
                                         CrisisLine("crisis", "Shout", "85258", "text", keyword="SHOUT")))
    html = answer_html(Answer("x", "emergency", "d", notices=(Notice("emergency", "Call 999, or text SHOUT to 85258."),)),
                       uk)
    assert 'href="tel:999"' in html and 'href="sms:85258?body=SHOUT">Text 85258</a>' in html and "911" not in html


def test_quotes_show_readable_sources_never_file_names() -> None:
    answer = Answer("q", "answered", "d", hits=(hit("First quote."), hit("Second quote " * 20, section="", n=2)))
    html = answer_html(answer, SETTINGS)
    assert "Quote 1 · Source: <cite>Ketamine for pain</cite>, published by Clinic Blog, section Safety" in html
    assert "<details class=\"more\"><summary>Quote 2: “Second quote" in html and "…”" in html
    assert "corpus/a.txt" not in html and "paragraph" not in html


def test_an_unknown_publisher_is_left_out_of_the_source() -> None:
    src = Source("Title", "not stated in the article", "Section", "a.txt", 1)
    assert source_words(src) == "Title, section Section"


def test_suggestions_are_buttons_that_submit_the_form() -> None:
    html = welcome_html(["what is ketamine", 'is it "safe"?'])
    assert '<button type="submit" form="ask" name="suggestion" value="what is ketamine">' in html
    assert 'value="is it &quot;safe&quot;?"' in html


def test_no_answer_shows_the_message_and_what_can_be_asked() -> None:
    answer = Answer("can i drive", "no_answer", "d", message="I couldn't find an answer.", suggestions=("a",))
    html = answer_html(answer, SETTINGS)
    assert "I couldn&#x27;t find an answer." in html and "Questions I can answer:" in html


def test_small_talk_has_no_disclaimer_line_unless_it_has_a_notice() -> None:
    assert 'class="disclaimer"' not in answer_html(Answer("hi", "smalltalk", "d", message="Hello!"), SETTINGS)


@pytest.fixture(scope="module")
def page() -> str:
    return page_html(SETTINGS, welcome_html(["what is ketamine"]))


def test_the_page_has_no_inline_script_or_style_and_nothing_from_another_site(page: str) -> None:
    tags = parse(page)
    assert tags.inline == []
    for tag, attrs in tags.tags:
        assert not any(name.startswith("on") or name == "style" for name in attrs), (tag, attrs)
        assert tag != "style"
        if tag == "script":
            assert attrs.get("src", "").startswith("/static/")
        for name in ("src", "href", "action"):
            value = attrs.get(name)
            if value is not None:
                assert value.startswith(("/", "#", "tel:", "sms:")), (tag, name, value)
    assert "http://" not in page and "https://" not in page and "@import" not in page


def test_every_control_is_labelled_and_answers_go_to_a_live_region(page: str) -> None:
    tags = parse(page)
    ids = {a.get("for") for t, a in tags.tags if t == "label"}
    inputs = [a for t, a in tags.tags if t == "input"]
    assert inputs and all(a["id"] in ids for a in inputs)
    answer = next(a for t, a in tags.tags if a.get("id") == "answer")
    assert answer["aria-live"] == "polite" and answer["aria-label"] == "Answer"
    assert any(a.get("role") == "status" for _, a in tags.tags)
    assert '<html lang="en">' in page and 'name="viewport" content="width=device-width, initial-scale=1"' in page
    assert "<h1>Ketamine Pain Care</h1>" in page and SETTINGS.disclaimer in page
    assert 'href="#question"' in page  # skip link for keyboard users


# -- contrast --------------------------------------------------------------------------------------
def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def css_colours() -> dict[str, str]:
    css = (files("chatbot.frontends.web") / "static" / "chat.css").read_text(encoding="utf-8")
    return dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})\s*;", css))


# (foreground, background, minimum): text needs 4.5:1, the focus ring and control borders 3:1
PAIRS = [("text", "background", 4.5), ("muted", "background", 4.5), ("link", "background", 4.5),
         ("accent-text", "accent", 4.5), ("emergency-text", "emergency", 4.5), ("advice-text", "advice", 4.5),
         ("muted", "panel", 4.5), ("text", "panel", 4.5), ("focus", "background", 3.0), ("border", "background", 3.0),
         ("focus", "panel", 3.0)]


@pytest.mark.parametrize("fg, bg, minimum", PAIRS)
def test_colour_pairs_meet_wcag_aa(fg: str, bg: str, minimum: float) -> None:
    colours = css_colours()
    assert contrast(colours[fg], colours[bg]) >= minimum


def test_the_contrast_check_is_the_wcag_formula() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
