"""`python -m chatbot` is the same program as the `chatbot` command."""
from chatbot.cli import main

raise SystemExit(main())
