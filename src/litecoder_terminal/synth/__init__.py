"""Task generators: `procedural` (task families, no LLM). Everything they make goes through the gates."""
