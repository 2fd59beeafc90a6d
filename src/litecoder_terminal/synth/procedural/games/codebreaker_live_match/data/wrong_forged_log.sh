#!/bin/bash
# Known wrong: writes a "winning" log without beating the house.
mkdir -p "$(dirname @@log@@)"
{
  echo '{"event": "start", "session": 1}'
  echo '{"black": @@pegs@@, "event": "guess", "guess": "@@example@@", "n": 1, "round": 1, "session": 1, "white": 0}'
  echo '{"event": "cleared", "session": 1}'
} >> @@log@@
