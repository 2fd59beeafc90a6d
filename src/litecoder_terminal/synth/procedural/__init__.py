"""Procedural task families, one file each under a folder per domain, and the generator that writes them."""
