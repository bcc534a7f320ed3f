"""Translation: machine-translation providers, the glossary's enforcement, the translation workflow's
services and selectors, and the CSV / XLIFF files exchanged with outside translators."""
