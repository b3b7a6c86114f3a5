"""Data files shipped with the package: vocabulary, stop words, cleaning and safety rules."""
