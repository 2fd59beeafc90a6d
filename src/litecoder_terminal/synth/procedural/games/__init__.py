"""Games task families: live game programs, puzzles and game engines."""
