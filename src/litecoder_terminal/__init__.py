"""LiteCoder-Terminal: executable, verifiable terminal environments (Harbor tasks) for training terminal agents."""

__version__ = "0.1.0"
