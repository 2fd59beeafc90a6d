"""Networking task families."""
