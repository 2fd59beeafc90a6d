#!/bin/bash
# Regression check for @@func@@: exit 0 when the behaviour is correct, 1 when it is broken.
cd "$(git rev-parse --show-toplevel)" || exit 2
python3 -c '
import sys
from @@pkg@@.@@module@@ import @@func@@
sys.exit(0 if @@check@@ else 1)
'
