#!/bin/bash
# Known wrong: works around the symptom in the CLI, leaving the rules engine wrong.
cd /app
sed -i 's/        text = input(f"{player} column> ")/        text = input(f"{player} column (0-@@last_col@@)> ")/' @@pkg@@/cli.py
python3 -c 'import @@pkg@@.cli'
