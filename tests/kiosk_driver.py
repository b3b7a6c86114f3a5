"""Drive the full-screen kiosk on a pipe, step by step, waiting for what each step must cause.

Each step is the keys to send and a condition on the app that becomes true once prompt-toolkit has
processed them (a line entered, a key swallowed, a screen shown). The feeder waits for that
condition, bounded by a generous timeout, instead of sleeping a fixed time: on a loaded machine a
step may take longer, but it is never skipped.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

Step = tuple[str, Callable[[Any], bool]]
TIMEOUT = 60.0


def wait_until(condition: Callable[[], bool], timeout: float = TIMEOUT, poll: float = 0.005) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(poll)
    return condition()


def entered(n: int) -> Callable[[Any], bool]:
    """The app has handled its n-th Enter since it started."""
    return lambda app: app.lines_done >= n


def swallowed(n: int) -> Callable[[Any], bool]:
    return lambda app: app.keys_swallowed >= n


def drive(core: Any, steps: Sequence[Step], app_factory: Callable[..., Any] | None = None) -> Any:
    """Run the kiosk app on a pipe through ``steps``; returns the app. Fails if a step times out."""
    if app_factory is None:
        from chatbot.frontends.kiosk import KioskApp

        app_factory = KioskApp
    failures: list[str] = []
    with create_pipe_input() as pipe:
        app = app_factory(core, input=pipe, output=DummyOutput())
        started = threading.Event()

        def feeder() -> None:
            started.wait(TIMEOUT)
            for i, (keys, done) in enumerate(steps):
                pipe.send_text(keys)
                if not wait_until(lambda done=done: bool(done(app))):  # type: ignore[misc]
                    failures.append(f"step {i} ({keys[:20]!r}) was not processed in {TIMEOUT:.0f} s")
                    break
                if core.exit_requested:
                    return
            loop = app.app.loop
            if loop is not None and not core.exit_requested:
                loop.call_soon_threadsafe(lambda: app.app.exit(result=-1) if app.app.is_running else None)

        thread = threading.Thread(target=feeder, daemon=True)
        thread.start()
        app.app.pre_run_callables.append(started.set)
        app.run()
        thread.join(TIMEOUT)
    assert not failures, failures
    return app
