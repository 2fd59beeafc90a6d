"""Version control (git) task families."""
