"""The chat page as HTML: the clinic's name, the crisis line, the question box, then the answer (the
crisis panel first, the best quote in full with its source, up to two more to open, suggestions as
buttons, the short disclaimer) and the full disclaimer at the foot.

Every piece of text (passages, titles, settings, the question) goes through ``html.escape``: the
articles and settings are clinic-supplied and are never trusted as markup. The page has no inline
script, style or event handler (the Content-Security-Policy forbids all three) and nothing from
another site. Without JavaScript the form posts to ``/`` and the whole page comes back with the
answer; with it, chat.js posts to ``/fragment`` and swaps in the same answer section.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from html import escape

from chatbot.config import Settings
from chatbot.frontends.sources import known, source_words
from chatbot.models import AFTER_ANSWER, LINE_BEFORE, Answer, Hit, Notice, Source
from chatbot.safety import crisis

TITLES = {
    "emergency": "Get help now",
    "safety_info": "If this is happening now",
    "personal_advice": "Ask your own clinician",
    "out_of_scope": "Outside what I can answer",
}
INTRO = ("I answer questions about ketamine treatment for chronic pain by quoting the clinic's articles, "
         "and I show where each quote comes from. I can't give personal medical advice.")


def e(text: object) -> str:
    """``text`` as HTML text, never as markup."""
    return escape(str(text), quote=True)


@dataclass(frozen=True)
class Assets:
    """Where the page's own stylesheet and script are served (with a content hash, for caching)."""

    css: str = "/static/chat.css"
    js: str = "/static/chat.js"


def _kind_class(kind: str) -> str:
    return "notice-" + (re.sub(r"[^a-z_]", "", kind.lower()) or "other")


def source_html(src: Source) -> str:
    """The labelled source, escaped, the title as a <cite>: "Source: <cite>title</cite>, published by …"."""
    title = known(src.title)
    rest = source_words(replace(src, title=""))
    if not title:
        return "Source: " + e(rest or "the clinic's articles")
    return f"Source: <cite>{e(title)}</cite>" + (f", {e(rest)}" if rest else "")


def _dial(number: str) -> str:
    return re.sub(r"[^0-9+]", "", number)


def line_links(settings: Settings, text: str) -> str:
    """Tap-to-call (and text) links for the lines the crisis message names (by number), from the
    settings: 911 and 988 for thoughts of suicide, 911 and Poison Control for an overdose."""
    items = []
    named = [line for line in crisis.lines(settings)
             if _dial(line.number) and re.search(rf"(?<![\w-]){re.escape(line.number)}(?![\w-])", text)]
    for line in named or [line for line in crisis.lines(settings) if line.role == "emergency" and _dial(line.number)]:
        links = []
        if line.reach in ("call", "both"):
            links.append(f'<a class="call" href="tel:{e(_dial(line.number))}">Call {e(line.number)}</a>')
        if line.reach in ("text", "both"):
            body = f"?body={e(line.keyword)}" if line.keyword and re.fullmatch(r"[A-Za-z0-9]+", line.keyword) else ""
            links.append(f'<a class="call" href="sms:{e(_dial(line.number))}{body}">Text {e(line.number)}</a>')
        items.append(f'<li>{" ".join(links)} <span class="who">{e(line.name)}</span></li>')
    return f'<ul class="lines">{"".join(items)}</ul>' if items else ""


def notice_html(notice: Notice, number: int, settings: Settings) -> str:
    lines = "".join(f"<p>{e(line)}</p>" for line in notice.text.split("\n") if line.strip())
    kind = _kind_class(notice.kind)
    if notice.kind in AFTER_ANSWER | LINE_BEFORE:  # a plain line, no heading
        return f'<div class="notice {kind}">{lines}</div>'
    title = TITLES.get(notice.kind, notice.kind.replace("_", " ").capitalize())
    head = f'<h2 id="notice-{number}">{e(title)}</h2>'
    if notice.kind == "emergency":
        return (f'<section class="notice {kind}" role="alert" aria-labelledby="notice-{number}">'
                f"{head}{lines}{line_links(settings, notice.text)}</section>")
    return f'<section class="notice {kind}" aria-labelledby="notice-{number}">{head}{lines}</section>'


def quote_html(hit: Hit, number: int) -> str:
    return (f'<figure class="quote"><figcaption>Quote {number} · {source_html(hit.passage.source)}'
            f"</figcaption><blockquote><p>{e(hit.passage.text)}</p></blockquote></figure>")


def more_html(hit: Hit, number: int) -> str:
    """A further passage, closed: how it starts and where it is from; opened, the whole quote."""
    text = hit.passage.text.strip()
    start = text if len(text) <= 90 else text[:91].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
    return (f'<details class="more"><summary>Quote {number}: “{e(start)}” <span class="src">'
            f"{source_html(hit.passage.source)}</span></summary>"
            f"<blockquote><p>{e(text)}</p></blockquote></details>")


def suggestions_html(title: str, questions: Iterable[str]) -> str:
    qs = list(questions)
    if not qs:
        return ""
    buttons = "".join(f'<li><button type="submit" form="ask" name="suggestion" value="{e(q)}">{e(q)}</button></li>'
                      for q in qs)
    return f'<h2 class="sub">{e(title)}</h2><ul class="suggestions">{buttons}</ul>'


def answer_html(answer: Answer, settings: Settings) -> str:
    """The answer section's content: an emergency panel first, then what was asked, the other
    notices, the quotes, the message, the calm after-answer notices, suggestions and the disclaimer."""
    emergency = [n for n in answer.notices if n.kind == "emergency"]
    after = [n for n in answer.notices if n.kind in AFTER_ANSWER]
    before = [n for n in answer.notices if n not in emergency and n not in after]
    parts = [notice_html(n, i, settings) for i, n in enumerate(emergency, start=1)]
    parts.append(f'<p class="asked"><span class="label">You asked:</span> {e(answer.question)}</p>')
    parts += [notice_html(n, i, settings) for i, n in enumerate(before, start=len(emergency) + 1)]
    for i, hit in enumerate(answer.hits, start=1):
        parts.append(quote_html(hit, i) if i == 1 else more_html(hit, i))
    if answer.message and answer.message not in {n.text for n in answer.notices}:
        parts.append(f'<p class="message">{e(answer.message)}</p>')
    parts += [notice_html(n, 0, settings) for n in after]
    if answer.status != "emergency":
        title = "You could also ask:" if answer.status == "answered" else "Questions I can answer:"
        parts.append(suggestions_html(title, answer.suggestions))
    if answer.status != "smalltalk" or answer.notices:
        parts.append(f'<p class="disclaimer">{e(settings.disclaimer_short)}</p>')
    return "".join(parts)


def welcome_html(suggestions: Iterable[str]) -> str:
    return f'<p class="intro">{e(INTRO)}</p>' + suggestions_html("Try asking:", suggestions)


def error_html(message: str) -> str:
    return f'<p class="error" role="alert">{e(message)}</p>'


def page_html(settings: Settings, body: str, assets: Assets = Assets()) -> str:
    """The whole page, with ``body`` (from ``answer_html``, ``welcome_html`` or ``error_html``) as its
    answer section."""
    clinic = e(settings.clinic_name)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{clinic}: questions about ketamine for chronic pain</title>
<link rel="stylesheet" href="{e(assets.css)}">
<script src="{e(assets.js)}" defer></script>
</head>
<body>
<a class="skip" href="#question">Skip to the question box</a>
<header>
<h1>{clinic}</h1>
<p class="tagline">Questions about ketamine treatment for chronic pain, answered with quotes from the clinic's articles.</p>
<p class="banner">{e(crisis.banner(settings))}</p>
</header>
<main>
<form id="ask" method="post" action="/#answer">
<label for="question">Your question</label>
<div class="row">
<input id="question" name="question" type="text" autocomplete="off" spellcheck="true" enterkeyhint="send"
 aria-describedby="question-hint">
<button type="submit" id="send">Ask</button>
</div>
<p id="question-hint" class="hint">For example: how long does an infusion take?</p>
</form>
<p id="status" class="status" role="status"></p>
<section id="answer" aria-label="Answer" aria-live="polite" tabindex="-1">{body}</section>
</main>
<footer>
<h2>About these answers</h2>
<p>{e(settings.disclaimer)}</p>
</footer>
</body>
</html>
"""
