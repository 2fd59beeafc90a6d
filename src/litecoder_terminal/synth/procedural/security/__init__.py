"""Security task families."""
