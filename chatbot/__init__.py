"""A patient-facing FAQ chatbot that answers questions about ketamine for chronic pain by quoting
a clinic's own articles, with sources and a medical disclaimer."""

import os as _os

__version__ = "0.1.0"

# No network, ever: onnxruntime's telemetry is on by default on Linux (it opens HTTPS connections to
# its collector and writes a device id under ~/.cache/Microsoft). Turned off here, before any
# entry point can import onnxruntime; chatbot/retrieval/semantic.py also turns its events off.
_os.environ["ORT_DISABLE_TELEMETRY"] = "1"
