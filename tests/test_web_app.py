"""The web app through Starlette's test client: /api/ask is `ask --json`, the page works as a form,
limits (413, 429), strict headers, readiness, and logs and records that hold no question."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from chatbot.articles.knowledge import open_knowledge
from chatbot.config import Settings
from chatbot.engine import Engine
from chatbot.frontends.web.app import create_app
from chatbot.frontends.web.options import WebOptions
from chatbot.infra.locations import state_dir
from tests.conftest import REPO

UNLIMITED = WebOptions(rate_per_minute=0)


def golden(kind: str, n: int) -> list[str]:
    rows = [json.loads(line) for line in (REPO / "tests" / "data" / "golden.jsonl").open(encoding="utf-8")]
    return [r["question"] for r in rows if r["kind"] == kind][:n]


# 50 questions: every crisis message of the golden set, personal advice, small talk, answered and
# unanswered questions, and the awkward ones (empty, markup, escape sequences, over-long, Spanish)
PARITY = (golden("emergency", 16) + golden("advice", 6) + golden("smalltalk", 4) + golden("answer", 12)
          + golden("abstain", 6)
          + ["", "   ", "<script>alert(1)</script> is ketamine safe?", "what is ketamine\x1b[31m red",
             "quiero morir", "how long is an infusion " * 60])
assert len(PARITY) == 50


@pytest.fixture(scope="module")
def client(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(lambda: engine, engine.settings, UNLIMITED)) as c:
        yield c


@pytest.mark.parametrize("question", PARITY)
def test_api_ask_returns_exactly_the_json_of_ask(client: TestClient, engine: Engine, question: str) -> None:
    response = client.post("/api/ask", json={"question": question})
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert response.json() == engine.ask(question).to_dict()


def test_crisis_questions_are_emergencies_through_the_api(client: TestClient) -> None:
    data = client.post("/api/ask", json={"question": "i think im going to end it all tonight"}).json()
    assert data["status"] == "emergency" and data["notices"][0]["kind"] == "emergency" and data["passages"] == []


@pytest.mark.parametrize("body, why", [
    (b"not json", "must be JSON"),
    (b'{"q": "what is ketamine"}', '"question" string'),
    (b'{"question": 5}', '"question" string'),
    (b'["what is ketamine"]', '"question" string'),
    (b"\xff\xfe", "must be JSON"),
    (b"[" * 30_000 + b"]" * 30_000, "must be JSON"),
])
def test_a_bad_body_is_400_with_a_clear_message(client: TestClient, body: bytes, why: str) -> None:
    response = client.post("/api/ask", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400 and why in response.json()["error"]


def test_the_page_works_as_a_plain_form_post(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "Try asking:" in page.text and 'action="/#answer"' in page.text
    response = client.post("/", data={"question": "how long does the drip take"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert "<blockquote>" in response.text and "Quote 1 · Source: <cite>" in response.text
    assert "You asked:</span> how long does the drip take" in response.text


def test_a_suggestion_button_asks_its_question(client: TestClient) -> None:
    response = client.post("/", data={"question": "", "suggestion": "does insurance cover ketamine"})
    assert "You asked:</span> does insurance cover ketamine" in response.text


def test_the_fragment_is_the_answer_section_alone(client: TestClient) -> None:
    response = client.post("/fragment", data={"question": "i took way too many of my pills"})
    assert response.status_code == 200 and "<html" not in response.text
    assert response.text.startswith('<section class="notice notice-emergency" role="alert"')


def test_a_form_post_of_another_kind_is_refused(client: TestClient) -> None:
    response = client.post("/", json={"question": "what is ketamine"})
    assert response.status_code == 415 and "form" in response.text


def test_oversized_bodies_get_413_before_they_are_read(engine: Engine) -> None:
    app = create_app(lambda: engine, engine.settings, WebOptions(max_body=1024))
    with TestClient(app) as c:
        big = json.dumps({"question": "x" * 2000})
        response = c.post("/api/ask", content=big, headers={"content-type": "application/json"})
        assert response.status_code == 413 and "at most 1,024 bytes" in response.json()["error"]
        page = c.post("/", data={"question": "x" * 2000})
        assert page.status_code == 413 and "at most 1,024 bytes" in page.text and "<h1>" in page.text

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
            for _ in range(10):
                yield b"x" * 200

        streamed = c.post("/api/ask", content=chunks(), headers={"content-type": "application/json"})
        assert streamed.status_code == 413


def test_floods_get_429_per_client_with_retry_after(engine: Engine) -> None:
    app = create_app(lambda: engine, engine.settings, WebOptions(rate_per_minute=6, burst=3))
    with TestClient(app) as c, TestClient(app, client=("10.0.0.2", 1234)) as other:
        codes = [c.post("/api/ask", json={"question": "hello"}).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        refused = c.post("/", data={"question": "hello"})
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert "Too many questions" in refused.text and "988" in refused.text  # the crisis line is still shown
        assert other.post("/api/ask", json={"question": "hello"}).status_code == 200
        assert c.get("/healthz").status_code == 200 and c.get("/").status_code == 200  # only questions count


def test_strict_headers_on_every_response_and_no_cookies(client: TestClient) -> None:
    responses = [client.get("/"), client.post("/api/ask", json={"question": "hi"}), client.get("/nowhere"),
                 client.get("/static/chat.js"), client.get("/readyz"), client.post("/", data={"question": "hi"})]
    for r in responses:
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe" not in csp and "frame-ancestors 'none'" in csp
        assert "default-src 'none'" in csp and "style-src 'self'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["x-frame-options"] == "DENY"
        assert "set-cookie" not in r.headers
    assert responses[0].headers["cache-control"] == "no-store" and responses[1].headers["cache-control"] == "no-store"
    assert responses[3].headers["cache-control"].startswith("public")


def test_frame_ancestors_is_settable(engine: Engine) -> None:
    app = create_app(lambda: engine, engine.settings, WebOptions(frame_ancestors="https://clinic.example"))
    with TestClient(app) as c:
        r = c.get("/")
        assert "frame-ancestors https://clinic.example" in r.headers["content-security-policy"]
        assert "x-frame-options" not in r.headers


def test_readiness_waits_for_the_articles_and_safety_rules(engine: Engine) -> None:
    release = threading.Event()

    def build() -> Engine:
        release.wait(10)
        return engine

    with TestClient(create_app(build, engine.settings, UNLIMITED, ready_wait=0.05)) as c:
        assert c.get("/healthz").json() == {"status": "ok"}
        assert c.get("/readyz").status_code == 503 and c.get("/readyz").json()["status"] == "loading"
        starting = c.post("/api/ask", json={"question": "what is ketamine"})
        assert starting.status_code == 503 and "starting" in starting.json()["error"]
        assert c.get("/").status_code == 200  # the page, without suggestions yet
        release.set()
        ready = c.get("/readyz")
        for _ in range(100):
            if ready.status_code == 200:
                break
            threading.Event().wait(0.02)
            ready = c.get("/readyz")
        assert ready.status_code == 200 and ready.json()["status"] == "ready"


def test_a_worker_whose_articles_fail_to_load_is_not_ready(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    def build() -> Engine:
        raise RuntimeError("no articles")

    with caplog.at_level(logging.ERROR), TestClient(create_app(build, engine.settings, UNLIMITED, ready_wait=1)) as c:
        assert c.post("/api/ask", json={"question": "hi"}).status_code == 503
        assert c.get("/readyz").json() == {"status": "failed"} and c.get("/healthz").status_code == 200
    assert "this worker cannot answer questions: RuntimeError: no articles" in caplog.text


class Broken:
    def ask(self, question: str) -> None:
        raise ValueError("boom")


def test_an_engine_error_is_500_with_a_message_and_a_log_without_the_question(
        engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(lambda: Broken(), engine.settings, UNLIMITED)  # type: ignore[arg-type,return-value]
    with TestClient(app, raise_server_exceptions=False) as c, caplog.at_level(logging.INFO):
        r = c.post("/api/ask", json={"question": "my private question about Jane"})
        assert r.status_code == 500 and "something went wrong" in r.json()["error"]
        page = c.post("/", data={"question": "my private question about Jane"})
        assert page.status_code == 500 and "something went wrong" in page.text
    assert "ValueError: boom" in caplog.text and "Jane" not in caplog.text


def test_the_access_log_has_routes_and_statuses_never_questions(client: TestClient,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="chatbot.web.access"):
        client.post("/api/ask", json={"question": "my secret question"})
        client.post("/", data={"question": "my secret question"})
        client.get("/my-secret-question?q=secret")
    lines = [r.getMessage() for r in caplog.records if r.name == "chatbot.web.access"]
    assert lines[0].startswith("POST /api/ask 200 ") and lines[1].startswith("POST / 200 ")
    assert lines[2].startswith("GET (other) 404 ")
    assert "secret" not in caplog.text


def test_no_question_is_stored_unless_the_clinic_turns_the_masked_record_on(engine: Engine, tmp_path: Path) -> None:
    question = "can i drive home after my infusion, my name is Jane Roe"
    with TestClient(create_app(lambda: engine, engine.settings, UNLIMITED)) as c:
        assert c.post("/api/ask", json={"question": question}).json()["status"] == "no_answer"
    assert not (state_dir() / "unanswered.jsonl").exists()
    recording = replace(engine.settings, record_unanswered=True)
    with TestClient(create_app(lambda: engine, recording, UNLIMITED)) as c:
        c.post("/api/ask", json={"question": question})
    stored = (state_dir() / "unanswered.jsonl").read_text(encoding="utf-8")
    assert "[name]" in stored and "jane" not in stored.lower()


def test_clinic_supplied_text_is_escaped_never_markup(tmp_path: Path, settings: Settings) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text("Driving <b>after</b> an infusion <script>alert(1)</script>\n\n"
                                  "Do not drive <em>home</em> after a ketamine infusion & ask someone "
                                  "to take you home <img src=x onerror=alert(2)>.\n", encoding="utf-8")
    own = replace(settings, semantic=False, clinic_name="<i>Clinic</i> & Co", cache_dir=str(tmp_path / "c"),
                  disclaimer_short="<u>not advice</u>", min_confidence=0.0)
    eng = Engine(open_knowledge(folder, own), own)
    with TestClient(create_app(lambda: eng, own, UNLIMITED)) as c:
        html = c.post("/", data={"question": "can I drive home after an infusion <svg onload=alert(3)>"}).text
    for raw in ("<b>", "<em>", "<script>alert", "<img", "<svg", "<i>Clinic", "<u>"):
        assert raw not in html
    assert "&lt;i&gt;Clinic&lt;/i&gt; &amp; Co" in html and "&lt;svg onload=alert(3)&gt;" in html
    assert "Do not drive &lt;em&gt;home&lt;/em&gt;" in html and "&lt;u&gt;not advice&lt;/u&gt;" in html
    assert "<cite>Driving &lt;b&gt;after&lt;/b&gt; an infusion &lt;script&gt;" in html
