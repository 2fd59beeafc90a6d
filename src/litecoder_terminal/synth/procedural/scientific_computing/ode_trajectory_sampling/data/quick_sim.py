# Colleague's quick simulation (explicit Euler at the output step, parameters taken as written).
# Reviewer: "disagrees with the lab by several percent; units are never converted either". Not a reference.
import json
import sys

cfg = json.load(open(sys.argv[1]))
print("model:", cfg.get("model"), "- parameters:", ", ".join(sorted(cfg.get("parameters", {}))))
print("grid:", cfg.get("t_start"), "to", cfg.get("t_end"), "step", cfg.get("dt"))
print("(the integration loop was pasted from the spreadsheet and never finished)")
