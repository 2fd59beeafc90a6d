#!/bin/bash
# Known wrong: writes a winning-looking log instead of beating the house.
mkdir -p "$(dirname @@log@@)"
printf '%s\n' '{"event": "start", "session": 1}' '{"event": "cleared", "session": 1}' >> @@log@@
