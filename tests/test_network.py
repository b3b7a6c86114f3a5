"""Issue 24, item 1: no network, proven. onnxruntime's wheels send telemetry to Microsoft over HTTPS
(from about 9 s after start) and keep a device id and an event queue under ~/.cache/Microsoft unless
ORT_DISABLE_TELEMETRY=1 is set before it is imported.

`ask`, `batch` and a piped chat run as a user runs them, with a temporary HOME, in a private network
namespace (``unshare -n``: nothing could leave even if it tried) and under ``strace -f`` (every
process and thread, the model's process included): any connect or send to an address, any network
socket, and any file written, created, renamed or removed outside the chatbot's own cache and state
folders fails the test, as does anything under ~/.cache/Microsoft. The chat is kept answering for
longer than the telemetry's first upload takes. Two controls show that the guard sees what it is
meant to see. Without strace (or unshare) the guard falls back to a Python audit hook on sockets.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chatbot.infra.locations import APP

STRACE = shutil.which("strace")
SYSCALLS = ("connect,sendto,sendmsg,sendmmsg,socket,open,openat,creat,mkdir,mkdirat,rename,renameat,renameat2,"
            "link,linkat,symlink,symlinkat,truncate,unlink,unlinkat,rmdir")
WINDOW = 12.0  # seconds the chat keeps answering: onnxruntime's telemetry first connects after about 9 s
WRITE_FLAGS = ("O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND")
AUDIT_HOOK = """
import sys
def _guard(event, args):
    if event in ("socket.connect", "socket.sendto", "socket.getaddrinfo", "socket.gethostbyname"):
        sys.stderr.write(f"NETWORK ATTEMPT: {event} {args!r}\\n")
        raise OSError("network use is not allowed here")
sys.addaudithook(_guard)
"""


def _unshare_works() -> bool:
    try:
        return subprocess.run(["unshare", "-n", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


UNSHARE = shutil.which("unshare") is not None and _unshare_works()


CI_MARKERS = ("CI", "CONTINUOUS_INTEGRATION", "BUILD_NUMBER", "RUN_ID", "GITHUB_ACTIONS", "TF_BUILD")


class Guard:
    """Runs commands with HOME=``home`` under the network namespace and the tracer, and reads the trace."""

    def __init__(self, root: Path) -> None:
        self.home = root / "home"
        self.work = root / "work"  # the working folder: nothing may be written here either
        self.traces = root / "traces"
        self.hooks = root / "hooks"
        for folder in (self.home, self.work, self.traces, self.hooks):
            folder.mkdir()
        (self.hooks / "sitecustomize.py").write_text(AUDIT_HOOK, encoding="utf-8")
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith("XDG_") and k not in ("ORT_DISABLE_TELEMETRY", "CHATBOT_CONFIG", "PYTHONPATH")
                    and k not in CI_MARKERS}
        # onnxruntime's telemetry stays quiet when it sees a CI variable: the runs see a patient's machine
        # the test process imported chatbot, which set ORT_DISABLE_TELEMETRY: the run must not inherit it
        self.env.update(HOME=str(self.home), PYTHONDONTWRITEBYTECODE="1")
        if not STRACE:
            self.env["PYTHONPATH"] = str(self.hooks)
        self.runs = 0

    def command(self, argv: list[str]) -> list[str]:
        cmd = list(argv)
        if STRACE:
            self.runs += 1
            cmd = [STRACE, "-ff", "-qq", "-y", "--seccomp-bpf", "-e", f"trace={SYSCALLS}", "-s", "512",
                   "-o", str(self.traces / f"run{self.runs}"), *cmd]
        return ["unshare", "-n", *cmd] if UNSHARE else cmd

    def allowed(self, path: str) -> bool:
        own = (self.home / ".cache" / APP, self.home / ".local" / "state" / APP)
        p = Path(os.path.normpath(path))
        return (any(p == o or o in p.parents for o in own) or path in ("/dev/null", "/dev/tty")
                or path.startswith("/dev/pts/"))

    def ancestor(self, path: str) -> bool:
        """A folder the chatbot's own folders are made in (mkdir -p)."""
        p = Path(os.path.normpath(path))
        return any(p == a for a in (self.home, self.home / ".cache", self.home / ".local", self.home / ".local" / "state"))

    def violations(self) -> list[str]:
        found = []
        for trace in sorted(self.traces.iterdir()):
            for line in trace.read_text(encoding="utf-8", errors="replace").splitlines():
                problem = self._judge(line)
                if problem:
                    found.append(f"{problem}: {line[:300]}")
        return found

    def _path(self, where: str, name: str) -> str:
        if name.startswith("/"):
            return name
        base = re.search(r"<([^>]*)>", where)
        return os.path.join(base.group(1) if base else str(self.work), name)

    def _judge(self, line: str) -> str | None:
        call = re.match(r"(\w+)\((.*)", line)
        if not call:
            return None
        name, args = call.groups()
        if name == "connect" or (name in ("sendto", "sendmsg", "sendmmsg") and ("sa_family=" in args or "sin_addr" in args)):
            return "network"
        if name == "socket" and re.match(r"AF_(INET|INET6|NETLINK|PACKET)\b", args):
            return "network socket"
        strings = re.findall(r'"((?:[^"\\]|\\.)*)"', args)
        dirfds = re.findall(r"(AT_FDCWD(?:<[^>]*>)?|\d+<[^>]*>)", args)
        if name in ("open", "openat", "creat") and strings:
            if name == "creat" or any(f in args for f in WRITE_FLAGS):
                path = self._path(dirfds[0] if name == "openat" and dirfds else "", strings[0])
                return None if self.allowed(path) else "file written outside the chatbot's folders"
            return None
        if name in ("mkdir", "mkdirat") and strings:
            path = self._path(dirfds[0] if name == "mkdirat" and dirfds else "", strings[0])
            return None if self.allowed(path) or self.ancestor(path) else "folder made outside the chatbot's folders"
        if name in ("rename", "renameat", "renameat2", "link", "linkat", "symlink", "symlinkat", "truncate",
                    "unlink", "unlinkat", "rmdir") and strings:
            targets = strings[-1:] if name.startswith(("rename", "link", "symlink")) else strings[:1]
            path = self._path(dirfds[-1] if name.endswith("at") and dirfds else "", targets[0])
            return None if self.allowed(path) else "file changed outside the chatbot's folders"
        return None

    def strays(self) -> list[str]:
        """Files under HOME or the working folder that are not the chatbot's own."""
        out = []
        for base in (self.home, self.work):
            for path in base.rglob("*"):
                if path.is_dir() and (self.ancestor(str(path)) or self.allowed(str(path))):
                    continue
                if not self.allowed(str(path)) and path.name != "questions.txt":
                    out.append(str(path))
        return out


@pytest.fixture
def guard(tmp_path: Path) -> Guard:
    return Guard(tmp_path)


def chatbot(*argv: str) -> list[str]:
    return [sys.executable, "-m", "chatbot", *argv]


def test_guard_sees_a_connection_attempt(guard: Guard) -> None:
    """Control: a process that tries to connect somewhere is caught."""
    code = "import socket\ntry:\n    socket.create_connection(('192.0.2.1', 443), timeout=1)\nexcept OSError:\n    pass\n"
    proc = subprocess.run(guard.command([sys.executable, "-c", code]), env=guard.env, cwd=guard.work,
                          capture_output=True, text=True, timeout=60)
    seen = guard.violations() if STRACE else [proc.stderr] if "NETWORK ATTEMPT" in proc.stderr else []
    assert seen, proc.stderr


def test_guard_sees_onnxruntime_telemetry_when_it_is_on(guard: Guard) -> None:
    """Control: onnxruntime imported without the setting leaves its device id under ~/.cache/Microsoft."""
    # the device id is written by onnxruntime's own thread, late on a busy machine: the control process waits
    # (up to 50 s) for the folder to appear rather than exiting at once
    code = ("import os, time, onnxruntime\n"
            "folder = os.path.join(os.environ['HOME'], '.cache', 'Microsoft')\n"
            "deadline = time.monotonic() + 50\n"
            "while not os.path.exists(folder) and time.monotonic() < deadline:\n"
            "    time.sleep(0.1)\n")
    proc = subprocess.run(guard.command([sys.executable, "-c", code]), env=guard.env, cwd=guard.work,
                          capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, proc.stderr
    assert (guard.home / ".cache" / "Microsoft").exists() and guard.strays()
    if STRACE:
        assert any("outside the chatbot's folders" in v for v in guard.violations())


def test_ask_batch_and_a_chat_make_no_connection_and_write_only_their_own_folders(guard: Guard) -> None:
    proc = subprocess.run(guard.command(chatbot("ask", "--json", "how long does an infusion take")), env=guard.env,
                          cwd=guard.work, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and '"search": "hybrid"' in proc.stdout, proc.stderr

    questions = guard.work / "questions.txt"
    # the last two are in other languages: the multilingual model's process runs too
    questions.write_text("is ketamine addictive\nI want to kill myself\nwhat if it doesnt work for me\n"
                         "en halua enää elää\nmissä voin pysäköidä?\n", encoding="utf-8")
    proc = subprocess.run(guard.command(chatbot("batch", "--json", str(questions))), env=guard.env, cwd=guard.work,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and len(proc.stdout.splitlines()) == 5, proc.stderr
    assert '"kind": "emergency"' in proc.stdout.splitlines()[3], proc.stdout  # the model answered

    # a chat on a pipe, kept answering one question after another for longer than the telemetry waits
    chat = subprocess.Popen(guard.command(chatbot()), env={**guard.env, "PYTHONUNBUFFERED": "1"}, cwd=guard.work,
                            stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
    assert chat.stdin is not None and chat.stdout is not None
    asked, started = 0, None
    try:
        while started is None or time.monotonic() - started < WINDOW:
            chat.stdin.write(["how long does an infusion take", "can i drive home afterwards", "is it safe"][asked % 3] + "\n")
            chat.stdin.flush()
            asked += 1
            for line in chat.stdout:  # each answer ends with a rule across the screen
                if line.strip() and set(line.strip()) == {"─"}:
                    break
            else:
                pytest.fail("the chat stopped: " + (chat.stderr.read() if chat.stderr else ""))
            started = started or time.monotonic()
        chat.stdin.close()
        assert chat.wait(timeout=60) == 0
    finally:
        if chat.poll() is None:
            chat.kill()
            chat.wait()
    assert asked > 3

    assert not (guard.home / ".cache" / "Microsoft").exists()
    assert guard.strays() == []
    assert guard.violations() == []
    assert (guard.home / ".cache" / APP).is_dir()  # the guard looked at the right place


def test_onnxruntime_is_imported_in_one_place_only_after_telemetry_is_turned_off() -> None:
    """Every import of onnxruntime in the package is in semantic._import_runtime, which sets
    ORT_DISABLE_TELEMETRY first (and so does the package's __init__, for any entry point)."""
    import ast

    import chatbot

    places = []
    for path in sorted(Path(chatbot.__file__).parent.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))]:
            inner = {id(n) for f in ast.walk(func) if f is not func and isinstance(f, ast.FunctionDef) for n in ast.walk(f)}
            for node in ast.walk(func):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                         else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                if id(node) not in inner and any(n.split(".")[0] == "onnxruntime" for n in names):
                    places.append((path.name, getattr(func, "name", "<module>"), func))
    assert [(p, f) for p, f, _ in places] == [("semantic.py", "_import_runtime")]
    body = places[0][2].body  # type: ignore[attr-defined]
    assert ast.unparse(body[0]) == "no_telemetry()"
    assert os.environ.get("ORT_DISABLE_TELEMETRY") == "1"  # `import chatbot` set it
