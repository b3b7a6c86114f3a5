"""Domain errors. The CLI turns each into one clear line and an exit code; nothing else prints them."""

from __future__ import annotations


class ChatbotError(Exception):
    """Base class: a problem the user can fix, reported as one line."""

    exit_code = 2


class CorpusError(ChatbotError):
    """The articles folder is missing, empty or unusable."""


class ConfigError(ChatbotError):
    """The settings file cannot be read or holds a bad value."""


class UsageError(ChatbotError):
    """A command was called with arguments that make no sense."""
