"""Run every tests/cases/*.in through the binary and compare with the matching .out; write a JSON report."""
import json
import pathlib
import subprocess
import sys

binary = sys.argv[1]
here = pathlib.Path(__file__).parent
results = {}
for case in sorted((here / "cases").glob("*.in")):
    want = case.with_suffix(".out").read_text()
    got = subprocess.run([binary], stdin=case.open(), capture_output=True, text=True).stdout
    results[case.stem] = got == want
    print(("ok   " if got == want else "FAIL ") + case.stem)
passed = sum(results.values())
print(f"{passed} passed, {len(results) - passed} failed")
pathlib.Path("build").mkdir(exist_ok=True)
pathlib.Path("build/test-report.json").write_text(json.dumps(results, indent=1) + "\n")
sys.exit(0 if passed == len(results) else 1)
