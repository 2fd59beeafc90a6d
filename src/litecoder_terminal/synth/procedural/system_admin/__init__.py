"""System administration task families."""
