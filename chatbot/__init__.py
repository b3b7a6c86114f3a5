"""A patient-facing FAQ chatbot that answers questions about ketamine for chronic pain by quoting
a clinic's own articles, with sources and a medical disclaimer."""

__version__ = "0.1.0"
