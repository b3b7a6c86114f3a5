"""`chatbot serve` as a process: its API gives what `ask --json` and `batch --json` print, limits and
headers hold through uvicorn (with a trusted proxy's X-Forwarded-For), the access log holds no
question, and two workers start and stop together."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.test_web_app import PARITY
from tests.web_server import Server, alive, children

SIGTERM_CODES = (0, -15)  # uvicorn exits 0, or re-raises the SIGTERM it handled


@pytest.fixture(scope="module")
def served() -> Iterator[Server]:
    server = Server("--rate-limit", "600", "--burst", "60").start()
    yield server
    assert server.stop() in SIGTERM_CODES


def cli(*argv: str, stdin: str | None = None) -> str:
    proc = subprocess.run([sys.executable, "-m", "chatbot", *argv], input=stdin, capture_output=True, text=True,
                          cwd=REPO, timeout=120, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize("question", ["i think im going to end it all tonight",
                                      "should i stop my antidepressant before ketamine"])
def test_the_api_gives_what_ask_json_prints(served: Server, question: str) -> None:
    status, data = served.ask(question)
    assert status == 200 and data == json.loads(cli("ask", "--json", question))


def test_the_api_gives_what_batch_json_prints_on_the_parity_questions(served: Server) -> None:
    questions = [q for q in PARITY if q.strip()]  # batch skips blank lines
    printed = [json.loads(line) for line in cli("batch", "--json", "-", stdin="\n".join(questions) + "\n").splitlines()]
    served_answers = [served.ask(q)[1] for q in questions]
    assert len(printed) == len(questions) == 48
    assert served_answers == printed


def test_limits_and_headers_through_uvicorn(served: Server) -> None:
    status, headers, body = served.request("POST", "/api/ask", b"{" + b" " * 70_000 + b"}",
                                           {"content-type": "application/json"})
    assert status == 413 and "at most 65,536 bytes" in json.loads(body)["error"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"] and "server" not in headers
    flood = {"x-forwarded-for": "203.0.113.7"}  # a client behind the trusted proxy (127.0.0.1)
    codes = [served.ask("hello", flood)[0] for _ in range(80)]
    assert codes[:60] == [200] * 60 and 429 in codes[60:]  # a burst of 60, then 10 a second
    assert served.ask("hello")[0] == 200  # the proxy's other clients are not held back


def test_the_access_log_never_holds_a_question(served: Server) -> None:
    served.ask("a question about my neighbour Bartholomew")
    served.request("POST", "/", b"question=Bartholomew+again", {"content-type": "application/x-www-form-urlencoded"})
    served.get("/Bartholomew?who=Bartholomew")
    deadline = time.monotonic() + 10
    while "GET (other) 404" not in served.output() and time.monotonic() < deadline:
        time.sleep(0.02)  # the line is written just after the response is sent
    log = served.output()
    assert "POST /api/ask 200" in log and "POST / 200" in log and "GET (other) 404" in log
    assert "Bartholomew" not in log


def test_two_workers_serve_and_stop_together() -> None:
    server = Server("--workers", "2").start()
    try:
        assert server.proc is not None
        workers = [pid for pid in children(server.proc.pid) if "spawn" in _cmdline(pid)]
        assert len(workers) >= 2
        assert all(server.ask("what is ketamine")[1]["status"] == "answered" for _ in range(6))
        for pid in workers:  # one BLAS thread each: more only spin on a machine the workers keep busy
            assert b"OPENBLAS_NUM_THREADS=1\0" in Path(f"/proc/{pid}/environ").read_bytes()
    finally:
        code = server.stop()
    assert code in SIGTERM_CODES and not any(alive(pid) for pid in workers)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed (to make a test certificate)")
def test_https_with_the_clinics_certificate(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    server = Server("--tls-cert", str(cert), "--tls-key", str(key), scheme="https", ca=cert).start()
    try:
        status, data = server.ask("what is ketamine")
        assert status == 200 and data["status"] == "answered"
    finally:
        server.stop()
    proc = subprocess.run([sys.executable, "-m", "chatbot", "serve", "--tls-cert", str(cert)], capture_output=True,
                          text=True, cwd=REPO, timeout=60)
    assert proc.returncode == 2 and proc.stderr.strip() == "chatbot: --tls-cert and --tls-key go together"
