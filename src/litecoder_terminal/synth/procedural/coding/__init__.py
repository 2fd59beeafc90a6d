"""Coding task families: fixing bugs, implementing tools and functions to a specification."""
