"""No network, proven: the chatbot opens no socket to anywhere and writes nothing outside its own
folders, in the modes a patient uses (ask, batch, a short chat), including onnxruntime's telemetry
(on by default on Linux, in native code, so a Python-level guard would not see it: ``strace`` does)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
CHATBOT = [sys.executable, "-m", "chatbot"]
# connect() to anything but a local UNIX socket (nscd, which glibc tries first) is a network attempt
_INET = re.compile(r"connect\(\d+, \{sa_family=AF_INET6?")
WINDOW = 12.0  # onnxruntime's telemetry first sent after about 9 s in a long-lived process


def _traced(tmp_path: Path, args: list[str], feed: str | None = None, keep_alive: float = 0.0) -> tuple[str, Path]:
    home = tmp_path / "home"
    home.mkdir()
    log = tmp_path / "strace.log"
    env = {k: v for k, v in os.environ.items() if k != "ORT_DISABLE_TELEMETRY"}  # the program must set it itself
    env.update(HOME=str(home), XDG_CACHE_HOME="", XDG_STATE_HOME="")
    cmd = ["strace", "-f", "-qq", "-e", "trace=connect", "-o", str(log), *CHATBOT, *args]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    assert proc.stdin is not None
    if feed is not None:
        proc.stdin.write(feed)
        proc.stdin.flush()
    if keep_alive:  # an observation window: the process stays alive, the test watches what it does
        deadline = time.monotonic() + keep_alive
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-2000:]
    return log.read_text(), home


def _written(home: Path) -> list[str]:
    allowed = {"ketamine-faq-chatbot"}
    found = []
    for base in (home / ".cache", home / ".local" / "state", home):
        if base.is_dir():
            found += [str(p.relative_to(home)) for p in base.iterdir()
                      if p.name not in allowed and p.name not in (".cache", ".local")]
    return found


def test_ask_opens_no_network_connection(tmp_path: Path) -> None:
    log, home = _traced(tmp_path, ["ask", "how long does an infusion take"])
    assert not _INET.findall(log), [line for line in log.splitlines() if _INET.search(line)][:5]
    assert not (home / ".cache" / "Microsoft").exists()
    assert _written(home) == []


def test_a_long_lived_batch_opens_no_network_connection_and_leaves_no_device_id(tmp_path: Path) -> None:
    log, home = _traced(tmp_path, ["batch", "-"], feed="how long does an infusion take\nwhat is ketamine\n",
                        keep_alive=WINDOW)
    assert not _INET.findall(log), [line for line in log.splitlines() if _INET.search(line)][:5]
    assert not (home / ".cache" / "Microsoft").exists()
    assert _written(home) == []


def test_a_short_chat_opens_no_network_connection(tmp_path: Path) -> None:
    log, home = _traced(tmp_path, ["chat", "--no-history"], feed="what is ketamine\n/quit\n")
    assert not _INET.findall(log)
    assert not (home / ".cache" / "Microsoft").exists()
