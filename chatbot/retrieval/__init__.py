"""Finding the answer: BM25, the sentence model, fusion and abstention, suggestions."""
