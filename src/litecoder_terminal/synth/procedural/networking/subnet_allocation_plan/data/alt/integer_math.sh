#!/bin/bash
# Alternative: the same rules with plain integer arithmetic (no ipaddress module): sizes by powers of two, a
# bitmap-free interval scan for placement, and the free list as maximal aligned blocks.
set -euo pipefail
cd @@netdir@@
cat README.md >/dev/null
python3 - <<'PY'
BLOCK, HEADROOM = "@@block@@", @@headroom@@
REQUESTS, RESERVED, PLAN, FREE = "@@requests@@", "@@reserved_path@@", "@@plan@@", "@@free@@"


def ip2int(s):
    a, b, c, d = (int(x) for x in s.split("."))
    return (a << 24) | (b << 16) | (c << 8) | d


def int2ip(n):
    return ".".join(str((n >> s) & 255) for s in (24, 16, 8, 0))


base_s, plen_s = BLOCK.split("/")
base, plen = ip2int(base_s), int(plen_s)
end = base + (1 << (32 - plen))
taken = []
if RESERVED:
    with open(RESERVED) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                a, p = line.split()[0].split("/")
                taken.append((ip2int(a), ip2int(a) + (1 << (32 - int(p)))))
reqs = []
with open(REQUESTS) as f:
    next(f)
    for line in f:
        if line.strip() and not line.lstrip().startswith("#"):
            seg, hosts = (x.strip() for x in line.split(","))
            if hosts == "p2p":
                size = 2
            else:
                need = -(-int(hosts) * (100 + HEADROOM) // 100)
                size = 4
                while size - 2 < need:
                    size *= 2
            reqs.append((seg, size))
result = []
for seg, size in sorted(reqs, key=lambda r: (-r[1], r[0])):
    start = base
    while any(start < b and a < start + size for a, b in taken):
        start += size
    assert start + size <= end, f"{seg} does not fit"
    taken.append((start, start + size))
    result.append((start, size, seg))
lines = ["segment,cidr,netmask,first_usable,last_usable,broadcast,usable_hosts"]
for start, size, seg in sorted(result):
    p = 32 - size.bit_length() + 1
    mask = int2ip((0xFFFFFFFF << (32 - p)) & 0xFFFFFFFF)
    if size == 2:
        lines.append(f"{seg},{int2ip(start)}/{p},{mask},{int2ip(start)},{int2ip(start + 1)},-,2")
    else:
        lines.append(f"{seg},{int2ip(start)}/{p},{mask},{int2ip(start + 1)},{int2ip(start + size - 2)},"
                     f"{int2ip(start + size - 1)},{size - 2}")
with open(PLAN, "w") as f:
    f.write("\n".join(lines) + "\n")
if FREE:
    out, pos = [], base
    for a, b in sorted(taken) + [(end, end)]:
        while pos < a:  # largest aligned block starting at pos that fits before a
            size = pos & -pos if pos else 1 << 32
            while pos + size > a:
                size //= 2
            out.append(f"{int2ip(pos)}/{32 - size.bit_length() + 1}")
            pos += size
        pos = max(pos, b)
    with open(FREE, "w") as f:
        f.write("\n".join(out) + ("\n" if out else ""))
PY
head -n 3 @@plan@@
