"""The articles: loading with metadata, cleaning (with its report), passages and their index."""
