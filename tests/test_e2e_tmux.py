"""Runs scripts/e2e_tmux.py: the chat and the kiosk in a real terminal at 80x24, 60x20 and 120x40.

The script runs in the background from the start of the session (tests/conftest.py, BACKGROUND), on
the core the other tests leave free; this test waits for it and reads how it ended."""

from __future__ import annotations

import shutil

import pytest


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
@pytest.mark.background("e2e_tmux")
def test_chat_and_kiosk_in_tmux(background) -> None:
    proc = background("e2e_tmux")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "all end-to-end checks passed" in proc.stdout
