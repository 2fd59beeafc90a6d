"""AI and machine learning task families (CPU only, numpy)."""
