"""`chatbot serve` as a real process for tests: on 127.0.0.1 only, on a free port, ready when /readyz
says so (polled, never a fixed sleep), and stopped (with every worker) afterwards."""

from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.conftest import REPO

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def children(pid: int) -> list[int]:
    """The direct child processes of ``pid`` (Linux /proc)."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


class Server:
    def __init__(self, *options: str, env: dict[str, str] | None = None, scheme: str = "http",
                 ca: Path | None = None) -> None:
        self.options = options
        self.scheme = scheme
        self.context = ssl.create_default_context(cafile=str(ca)) if ca else None
        self.env = {**os.environ, **(env or {})}
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        fd, name = tempfile.mkstemp(prefix="chatbot-serve-", suffix=".log")
        os.close(fd)
        self.log = Path(name)

    @property
    def url(self) -> str:
        return f"{self.scheme}://{HOST}:{self.port}"

    def start(self, timeout: float = 60.0) -> Server:
        self.port = free_port()
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "chatbot", "serve", "--host", HOST, "--port", str(self.port), *self.options],
                cwd=REPO, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                output = self.output()
                self.log.unlink(missing_ok=True)
                raise RuntimeError(f"chatbot serve exited with {self.proc.returncode}:\n{output}")
            try:
                if self.get("/readyz")[0] == 200:
                    return self
            except OSError:
                pass  # not listening yet
            time.sleep(0.05)
        output = self.output()
        self.stop()
        raise RuntimeError(f"chatbot serve was not ready within {timeout:.0f} s:\n{output}")

    def stop(self) -> int | None:
        """SIGTERM (uvicorn's graceful stop), then SIGKILL to the whole group if it will not go; the
        log file goes too."""
        try:
            if self.proc is None or self.proc.poll() is not None:
                return self.proc.returncode if self.proc else None
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                return self.proc.wait(5)
        finally:
            self.log.unlink(missing_ok=True)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        req = urllib.request.Request(self.url + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30, context=self.context) as r:
                return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
        except urllib.error.HTTPError as err:
            return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()

    def get(self, path: str) -> tuple[int, bytes]:
        status, _, body = self.request("GET", path)
        return status, body

    def ask(self, question: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        status, _, body = self.request("POST", "/api/ask", json.dumps({"question": question}).encode("utf-8"),
                                       {"content-type": "application/json", **(headers or {})})
        return status, json.loads(body)
