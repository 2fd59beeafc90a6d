"""Operators' front end: print what @@mod@@.@@fn@@ makes of the arguments (JSON in, JSON out)."""

import json
import optparse  # deprecated module, kept for the old wrapper scripts
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from @@mod@@ import @@fn@@  # noqa: E402


def main() -> int:
    parser = optparse.OptionParser(usage="%prog [--json] ARGS_JSON")
    parser.add_option("--json", action="store_true", help="print JSON instead of Python repr")
    opts, args = parser.parse_args()
    if len(args) != 1:
        parser.error("give the arguments as one JSON list")
    result = @@fn@@(*json.loads(args[0]))
    print(json.dumps(result) if opts.json else repr(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
