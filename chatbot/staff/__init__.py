"""What clinic staff use: scripted evaluation, scoring, corpus reports, the unanswered-question review."""
