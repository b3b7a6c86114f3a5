"""Data files shipped with the package: vocabulary, stop words, cleaning and safety rules."""

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent
