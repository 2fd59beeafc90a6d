import re, subprocess, sys

GAME, STRATEGY = sys.argv[1], sys.argv[2]


@@heaps_rules@@


proc = subprocess.Popen(["python3", GAME], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
take, split, g = None, False, None
for line in proc.stdout:
    sys.stdout.write(line)
    m = re.search(r"Round \d+/\d+: take ([\d, ]+) \w+ from one \w+( or split)?", line)
    if m:
        take = [int(x) for x in m.group(1).split(",")]
        split = bool(m.group(2))
        g = grundy(take, split, 200)
        continue
    m = re.search(r"\w+s: ([\d ]+)$", line.strip())
    if m and take is not None:
        heaps = [int(x) for x in m.group(1).split()]
        options = legal_moves(heaps, take, split)
        choice = options[0]
        for mv in options:
            x = 0
            for n in play(heaps, mv):
                x ^= (g[n] if STRATEGY == "grundy" else n)
            if x == 0:
                choice = mv
                break
        proc.stdin.write(f"{choice[0]} {choice[1] + 1} {choice[2]}\n")
        proc.stdin.flush()
proc.wait()
sys.exit(proc.returncode)
