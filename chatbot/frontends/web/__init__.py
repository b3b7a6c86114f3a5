"""The clinic's website (`chatbot serve`): an HTTP API with the JSON of `ask --json` and one accessible
chat page, on Starlette under uvicorn.

Nothing here is imported until `chatbot serve` runs (or a test asks for it): the terminal commands do
not pay for the web stack. ``options`` (the command's options) imports no web library at all.
"""
