"""A patient-facing FAQ chatbot that answers questions about ketamine for chronic pain by quoting
a clinic's own articles, with sources and a medical disclaimer."""

import os as _os

__version__ = "0.1.0"

# No network: onnxruntime's wheels phone home (and write ~/.cache/Microsoft) unless this is set
# before onnxruntime is imported. Set here, for every entry point into the package, as well as in
# chatbot.retrieval.semantic (the one place that imports onnxruntime) and the model's own process.
_os.environ["ORT_DISABLE_TELEMETRY"] = "1"
