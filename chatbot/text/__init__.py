"""Text analysis: tokens, stems, stop words, patient vocabulary, spelling, the English word list."""
