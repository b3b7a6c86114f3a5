"""What a patient sees of one answer: one screen, sources in plain words, the short disclaimer."""

from __future__ import annotations

import json
import statistics

import pytest
from conftest import REPO, SHARED, render_text

from chatbot.frontends.render import answer_renderable, shorten, source_line, source_words, welcome_renderable
from chatbot.models import Answer, Hit, Passage, Source
from chatbot.retrieval.suggest import Rotation
from chatbot.safety.crisis import banner


def questions() -> list[str]:
    paths = [REPO / "tests" / "data" / "golden.jsonl", SHARED / "eval" / "public.jsonl"]
    return [json.loads(line)["question"] for p in paths if p.exists()
            for line in p.read_text().splitlines() if line.strip()]


def shown(engine, settings, q: str, width: int, rotation: Rotation | None = None) -> str:
    answer = engine.ask(q)
    picked = rotation.pick(answer) if rotation and answer.status in ("answered", "no_answer") else None
    return render_text(answer_renderable(answer, engine.highlights, suggestions=picked,
                                         disclaimer=settings.disclaimer_short), width)


def test_source_is_labelled_title_publisher_section_never_not_stated() -> None:
    known = Source("Title", "Clinic", "Section", "corpus/a.txt", 4)
    unknown = Source("Title", "not stated in the article", "", "corpus/b.txt", 2)
    no_title = Source("", "Clinic", "Dosing", "corpus/c.txt", 1)
    assert source_line(known) == "Source: Title, published by Clinic, section Section"
    assert source_words(unknown) == "Title" and source_line(unknown) == "Source: Title"
    assert source_line(no_title) == "Source: published by Clinic, section Dosing"
    assert "None" not in source_line(Source("T", "None", "None", "x", 1))


@pytest.mark.parametrize("width", [20, 33, 47, 60])
def test_a_shortened_line_is_cut_between_words(width: int) -> None:
    line = "Source: Ketamine for Chronic Pain, published by Alchemy Wellness, section What is Ketamine"
    out = shorten(line, width)
    assert len(out) <= width and out.endswith("…")
    assert line.startswith(out[:-1]) and line[len(out) - 1] in " ,"  # the next character ends a word
    assert not out[:-1].endswith(("section", "published by", ","))


def test_best_passage_in_full_then_two_compact_and_no_file_names(engine, settings) -> None:
    answer = engine.ask("can i get hooked on this")
    out = render_text(answer_renderable(answer, disclaimer=settings.disclaimer_short), 80)
    flat = " ".join(out.replace("┃", " ").split())
    assert " ".join(answer.hits[0].passage.text.split()) in flat
    assert out.count("Quote ") == 1 and out.count(" • “") == min(2, len(answer.hits) - 1 + len(answer.more))
    assert "Quote 1 · Source: " + source_words(answer.hits[0].passage.source)[:30] in " ".join(out.split())
    assert "corpus/" not in out and "paragraph" not in out and "not stated" not in out
    assert out.rstrip().endswith(settings.disclaimer_short) and settings.disclaimer not in flat
    assert max(len(line) for line in out.splitlines()) <= 80


def test_the_json_keeps_every_passage_in_full(engine) -> None:
    answer = engine.ask("can i get hooked on this")
    data = answer.to_dict()
    assert [p["text"] for p in data["passages"]] == [h.passage.text for h in answer.hits]
    assert data["passages"][0]["source"]["path"].startswith("corpus/") and data["disclaimer"] == answer.disclaimer


def test_a_typical_answer_fits_24_lines_at_80_columns(engine, settings) -> None:
    rotation = Rotation(engine.suggester)
    heights = [len(shown(engine, settings, q, 80, rotation).splitlines()) + 2 for q in questions()]
    assert statistics.median(heights) <= 24
    assert sum(h <= 24 for h in heights) / len(heights) >= 0.85


def test_emergency_shows_no_quote_and_no_suggestions(engine, settings) -> None:
    out = shown(engine, settings, "I want to end it all", 60)
    assert "Get help now" in out and "Quote" not in out and "could also ask" not in out


@pytest.mark.parametrize("width", [40, 60, 80])
def test_the_crisis_line_wraps_and_is_never_cut(settings, width: int) -> None:
    out = render_text(welcome_renderable(settings.clinic_name, settings.disclaimer, [], banner(settings)), width)
    assert banner(settings) in " ".join(out.replace("│", " ").split())
    assert max(len(line) for line in out.splitlines()) <= width


def test_typed_markup_is_shown_literally() -> None:
    src = Source("T", "P", "S", "corpus/x.txt", 1)
    answer = Answer("[bold]x[/bold]", "answered", "d", hits=(Hit(Passage(1, "[red]quoted[/red]", src), 1.0),))
    out = render_text(answer_renderable(answer, show_question=True), 60)
    assert "[bold]x[/bold]" in out and "[red]quoted[/red]" in out
