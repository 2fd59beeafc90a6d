"""Work out, without building, which recipes `make <goal>` would run (and in which order) in a restored tree."""

from __future__ import annotations

import hashlib
import json
import random
import textwrap
from dataclasses import dataclass, field

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

BASE_EPOCH = 1_735_000_000  # late December 2024
C_MODS = ["main", "cli", "config", "util", "parser", "lexer", "store", "net", "render", "cache", "log", "hash",
          "queue", "timer", "crypto", "json"]
C_HDRS = ["common", "config", "util", "parser", "store", "net", "version_info", "compat"]
DOCS = ["index", "usage", "install", "faq", "changelog", "api"]
DATA_SETS = ["orders", "customers", "returns", "stock", "refunds", "visits", "payments", "shipments", "leads",
             "tickets", "invoices", "sessions"]
GROUPS = ["weekly", "regional", "finance", "ops", "marketing", "quality"]


@dataclass
class Node:
    name: str
    deps: list[str] = field(default_factory=list)
    oo: list[str] = field(default_factory=list)  # order-only prerequisites
    recipe: list[str] = field(default_factory=list)
    phony: bool = False


def _c_theme(rng: random.Random, level: str, prog: str) -> tuple[dict[str, Node], list[str], dict[str, str]]:
    n_mod = {"easy": 4, "medium": 7, "hard": 10}[level]
    mods = ["main"] + rng.sample(C_MODS[1:], n_mod - 1)
    hdrs = rng.sample(C_HDRS, {"easy": 2, "medium": 4, "hard": 5}[level])
    docs = rng.sample(DOCS, {"easy": 1, "medium": 3, "hard": 4}[level])
    lib_mods = [m for m in mods if m != "main"][: max(1, n_mod // 2)]
    leaves: dict[str, str] = {}
    nodes: dict[str, Node] = {}
    for h in hdrs:
        leaves[f"include/{h}.h"] = f"#pragma once\n/* {h} declarations */\n"
    for m in mods:
        leaves[f"src/{m}.c"] = f'#include <stdio.h>\n\nint {m}_entry(void)\n{{\n    return puts("{m}");\n}}\n'
        inc = sorted(rng.sample(hdrs, rng.randint(0, min(2, len(hdrs)))))
        node = Node(f"build/{m}.o", [f"src/{m}.c"] + [f"include/{h}.h" for h in inc],
                    recipe=["$(CC) $(CFLAGS) -c -o $@ $<"])
        nodes[node.name] = node
    lib = f"build/lib{prog}.a"
    nodes[lib] = Node(lib, [f"build/{m}.o" for m in lib_mods], recipe=["$(AR) rcs $@ $^"])
    app_objs = [f"build/{m}.o" for m in mods if m not in lib_mods]
    binary = f"build/{prog}"
    nodes[binary] = Node(binary, app_objs + [lib], recipe=["$(CC) -o $@ $(filter %.o,$^) $(filter %.a,$^) $(LDLIBS)"])
    leaves["tools/md2html.py"] = "#!/usr/bin/env python3\nimport sys\nprint('<html>' + open(sys.argv[1]).read())\n"
    htmls = []
    for d in docs:
        leaves[f"docs/{d}.md"] = f"# {d}\n\nSee `{prog} --help`.\n"
        node = Node(f"build/docs/{d}.html", [f"docs/{d}.md", "tools/md2html.py"],
                    recipe=["python3 tools/md2html.py $< > $@"])
        nodes[node.name] = node
        htmls.append(node.name)
    goals_all = [binary] + htmls
    dist = f"dist/{prog}.tar.gz"
    if level != "easy":
        man = f"build/{prog}.1"
        leaves[f"docs/{prog}.1.in"] = f".TH {prog.upper()} 1\n"
        nodes[man] = Node(man, [f"docs/{prog}.1.in", binary], recipe=["sed 's/@VERSION@/$(VERSION)/' $< > $@"])
        nodes[dist] = Node(dist, [binary, man] + htmls, recipe=["tar czf $@ $^"])
    else:
        nodes[dist] = Node(dist, [binary] + htmls, recipe=["tar czf $@ $^"])
    if level == "hard":
        leaves["configure.ac"] = "AC_INIT([" + prog + "], [1.0])\n"
        nodes["build/config.stamp"] = Node("build/config.stamp", ["configure.ac"],
                                           recipe=["./tools/configure.sh > $@"])
        leaves["tools/configure.sh"] = "#!/bin/sh\necho configured\n"
        for m in mods:
            nodes[f"build/{m}.o"].oo.append("build/config.stamp")
        nodes["build/BUILDINFO"] = Node("build/BUILDINFO", ["FORCE"], recipe=["date -u > $@"])
        nodes["FORCE"] = Node("FORCE")
        nodes[dist].deps.append("build/BUILDINFO")
    nodes["all"] = Node("all", goals_all, phony=True)
    nodes["docs"] = Node("docs", htmls, phony=True)
    return nodes, ["all", "dist"] if level != "easy" else ["all"], leaves


def _data_theme(rng: random.Random, level: str, prog: str) -> tuple[dict[str, Node], list[str], dict[str, str]]:
    sets = rng.sample(DATA_SETS, {"easy": 3, "medium": 6, "hard": 9}[level])
    groups = rng.sample(GROUPS, {"easy": 1, "medium": 3, "hard": 4}[level])
    leaves = {f"scripts/{s}.py": f"#!/usr/bin/env python3\n# {s} step\n" for s in ("clean", "aggregate", "render")}
    leaves["templates/report.html"] = "<html><body>{{ table }}</body></html>\n"
    nodes: dict[str, Node] = {}
    for s in sets:
        leaves[f"raw/{s}.csv"] = f"id,{s}_value\n1,10\n2,20\n"
        nodes[f"clean/{s}.csv"] = Node(f"clean/{s}.csv", [f"raw/{s}.csv", "scripts/clean.py"],
                                       recipe=["python3 scripts/clean.py $< > $@"])
    reports = []
    for g in groups:
        used = sorted(rng.sample(sets, rng.randint(1, min(4, len(sets)))))
        agg = f"agg/{g}.json"
        nodes[agg] = Node(agg, [f"clean/{s}.csv" for s in used] + ["scripts/aggregate.py"],
                          recipe=["python3 scripts/aggregate.py $(filter %.csv,$^) > $@"])
        rep = f"reports/{g}.html"
        nodes[rep] = Node(rep, [agg, "scripts/render.py", "templates/report.html"],
                          recipe=["python3 scripts/render.py $< templates/report.html > $@"])
        reports.append(rep)
    index = "reports/index.html"
    nodes[index] = Node(index, list(reports), recipe=["python3 scripts/render.py --index $^ > $@"])
    site = f"publish/{prog}-site.tar.gz"
    nodes[site] = Node(site, [index] + reports, recipe=["tar czf $@ $^"])
    if level == "hard":
        leaves["schema/columns.txt"] = "id\nvalue\n"
        nodes["clean/.schema-ok"] = Node("clean/.schema-ok", ["schema/columns.txt"],
                                         recipe=["python3 scripts/clean.py --check-schema $< && touch $@"])
        for s in sets:
            nodes[f"clean/{s}.csv"].oo.append("clean/.schema-ok")
        nodes["reports/build-info.txt"] = Node("reports/build-info.txt", ["FORCE"], recipe=["date -u > $@"])
        nodes["FORCE"] = Node("FORCE")
        nodes[site].deps.append("reports/build-info.txt")
    nodes["all"] = Node("all", [index] + reports, phony=True)
    nodes["clean-all"] = Node("clean-all", [], recipe=["rm -rf clean agg reports publish"], phony=True)
    return nodes, ["all", "publish"] if level != "easy" else ["all"], leaves


def topo(nodes: dict[str, Node], leaves: dict[str, str]) -> list[str]:
    order, seen = [], set()

    def visit(n: str) -> None:
        if n in seen or n in leaves:
            return
        seen.add(n)
        for d in nodes[n].deps + nodes[n].oo:
            visit(d)
        order.append(n)

    for n in nodes:
        visit(n)
    return order


def simulate(nodes: dict[str, Node], leaves: dict[str, str], mtimes: dict[str, int | None],
             goals: list[str]) -> list[str]:
    """Which recipes `make -n GOALS` runs, in order (GNU make's serial depth-first update)."""
    state: dict[str, bool] = {}  # target -> "was remade" (its mtime changed)
    ran: list[str] = []

    def update(t: str) -> bool:
        if t in leaves:
            return False
        if t in state:
            return state[t]
        state[t] = False
        node = nodes[t]
        changed = []
        for d in node.deps:
            changed.append(update(d))
        for d in node.oo:
            update(d)
        mine = mtimes.get(t)
        if node.phony:
            remake = True
        elif mine is None:
            remake = True
        else:
            remake = any(changed) or any((mtimes.get(d) or 0) > mine for d in node.deps
                                         if d in leaves or mtimes.get(d) is not None)
        if remake and node.recipe:
            ran.append(t)
        state[t] = remake
        return remake

    for g in goals:
        update(g)
    return ran


def _makefile(nodes: dict[str, Node], prog: str, theme: str) -> str:
    lines = [f"# Build rules for {prog}", "MAKEFLAGS += --no-builtin-rules", ".SUFFIXES:", ""]
    if theme == "c":
        lines += ["CC      := gcc", "AR      := ar", "CFLAGS  := -O2 -Wall -Iinclude", "LDLIBS  :=",
                  "VERSION := 1.0", ""]
    phony = sorted(n for n, node in nodes.items() if node.phony)
    lines += [f".PHONY: {' '.join(phony)}", ""]
    for name in ["all"] + [n for n in nodes if n != "all"]:
        node = nodes[name]
        pre = " ".join(node.deps) + (" | " + " ".join(node.oo) if node.oo else "")
        lines.append(f"{name}:{(' ' + pre) if pre.strip() else ''}")
        for r in node.recipe:
            lines.append("\t" + r)
        lines.append("")
    return "\n".join(lines)


@register
class MakeStaleTargets(TaskFamily):
    name = "make_stale_targets"
    domain = "build_tools"
    title = "Predict which recipes make would run in a restored build tree, without building"

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        theme = pick(rng, ["c", "data"])
        prog = pick(rng, ["relay", "ledgerd", "quarry", "beacon", "tidy", "mosaic", "harbor", "pylon"])
        proj = pick(rng, [prog, f"{prog}-build", f"ci/{prog}"])
        root = f"/app/{proj}"
        builder = _c_theme if theme == "c" else _data_theme
        nodes, goal_names, leaves = builder(rng, level, prog)
        if theme == "c" and level != "easy":
            nodes["dist"] = Node("dist", [f"dist/{prog}.tar.gz"], phony=True)
        if theme == "data" and level != "easy":
            nodes["publish"] = Node("publish", [f"publish/{prog}-site.tar.gz"], phony=True)
        goals = goal_names

        # A finished build in the past: every target newer than its prerequisites.
        mtimes: dict[str, int | None] = {}
        t = BASE_EPOCH
        for leaf in sorted(leaves):
            mtimes[leaf] = t - rng.randint(3600, 400000)
        for n in topo(nodes, leaves):
            if nodes[n].phony or n == "FORCE":
                continue
            t += rng.randint(1, 40)
            mtimes[n] = t
        if "FORCE" in nodes:
            mtimes["FORCE"] = None
        build_end = t
        files_targets = [n for n in topo(nodes, leaves) if mtimes.get(n) is not None]
        base_mtimes = dict(mtimes)
        for _attempt in range(50):
            mtimes = dict(base_mtimes)
            self._perturb(rng, level, nodes, leaves, mtimes, files_targets, build_end)
            expected = simulate(nodes, leaves, mtimes, goals)
            direct = [n for n in nodes if nodes[n].recipe and (
                mtimes.get(n) is None or any((mtimes.get(d) or 0) > mtimes[n] for d in nodes[n].deps))]
            if direct != expected:  # make sure staleness has to be propagated, not just read off
                break

        out = pick(rng, ["/app/rebuild-plan.txt", f"/app/{prog}-stale.txt", "/tmp/ci/rebuild.txt"])
        files: dict[str, str | bytes] = {}
        base = proj.split("/")[-1]
        ctx = f"environment/{base}"
        makefile = _makefile(nodes, prog, theme)
        files[f"{ctx}/Makefile"] = makefile
        for rel, text in leaves.items():
            files[f"{ctx}/{rel}"] = text
        for n in files_targets:
            if mtimes[n] is not None:
                files[f"{ctx}/{n}"] = f"cached build product: {n}\n"
        # set every timestamp at image build time (COPY does not give us deterministic mtimes)
        stamp = ["#!/bin/sh", "set -e", f"cd {root}"]
        for rel in sorted(k for k, v in mtimes.items() if v is not None):
            stamp.append(f"touch -h -d @{mtimes[rel]} '{rel}'")
        files["environment/set-mtimes.sh"] = "\n".join(stamp) + "\n"

        goal_cmd = "make " + " ".join(goals)
        intro = pick(rng, [
            f"The CI cache for `{prog}` was restored into `{root}` from an older run, and a few files have been "
            "edited, deleted or touched since.",
            f"`{root}` is a build tree of `{prog}` copied from a developer machine: some products are stale, some "
            "are missing.",
            f"Before we spend an hour of runner time on `{prog}`, the release manager wants to know exactly what a "
            f"build in `{root}` is going to redo.",
        ])
        extras = ""
        if level == "hard":
            extras = ("Mind the details of make's rules: order-only prerequisites, targets that are always "
                      "considered out of date, and timestamps that are equal rather than newer.")
        instruction = textwrap.dedent(f"""\
            {intro}

            Work out which recipes `{goal_cmd}` (run in `{root}`, serially, with the current timestamps) would
            execute, without building anything. Write `{out}` with one target per line: every target whose recipe
            would run, spelled exactly as in the Makefile, in the order make would run those recipes. Targets that
            make would consider but that have no recipe (phony aggregate targets and the like) are not listed.
            {extras}

            Do not build or modify anything under `{root}`: every file there, and every file's modification time,
            must stay exactly as it is now (no new files either).
            """)
        no_recipe = sorted(n for n, node in nodes.items() if not node.recipe)
        filt = "|".join(no_recipe)
        files["solution/solve.sh"] = textwrap.dedent(f"""\
            #!/bin/bash
            # Dry run with make's basic debug output; keep the targets it would remake that have a recipe.
            set -euo pipefail
            cd {root}
            mkdir -p "$(dirname {out})"
            make -n --debug=b {' '.join(goals)} > /tmp/dryrun.log
            sed -n "s/^ *Must remake target '\\(.*\\)'\\.$/\\1/p" /tmp/dryrun.log | grep -vxE '{filt}' > {out}
            cat {out}
            """)
        # Wrong 1: only targets that are missing or directly older than a prerequisite (no propagation).
        info = {n: {"deps": nodes[n].deps, "file": mtimes.get(n) is not None or n in leaves}
                for n in nodes if nodes[n].recipe}
        files["solution/wrong/direct-only.sh"] = textwrap.dedent(f"""\
            #!/bin/bash
            cd {root}
            mkdir -p "$(dirname {out})"
            python3 - <<'PY' > {out}
            import json, os
            nodes = json.loads('''{json.dumps(info)}''')
            for name, n in nodes.items():
                if not os.path.exists(name):
                    print(name)
                elif any(os.path.exists(d) and os.path.getmtime(d) > os.path.getmtime(name) for d in n["deps"]):
                    print(name)
            PY
            """)
        # Wrong 2: every target make "must remake", phony/recipe-less ones included.
        files["solution/wrong/all-must-remake.sh"] = textwrap.dedent(f"""\
            #!/bin/bash
            cd {root}
            mkdir -p "$(dirname {out})"
            make -n --debug=b {' '.join(goals)} | sed -n "s/^ *Must remake target '\\(.*\\)'\\.$/\\1/p" > {out}
            """)
        # Wrong 3: the right list, then "double-checks" it by really running the build.
        files["solution/wrong/then-builds.sh"] = textwrap.dedent(f"""\
            #!/bin/bash
            cd {root}
            mkdir -p "$(dirname {out})"
            make -n --debug=b {' '.join(goals)} | sed -n "s/^ *Must remake target '\\(.*\\)'\\.$/\\1/p" \\
              | grep -vxE '{filt}' > {out}
            make -k {' '.join(goals)} > /dev/null 2>&1 || true
            """)
        tree = {rel: hashlib.sha256(files[f"{ctx}/{rel}"].encode()).hexdigest()
                for rel in sorted(k[len(ctx) + 1:] for k in files if k.startswith(ctx + "/"))}
        files["tests/expected.json"] = json.dumps({
            "root": root, "out": out, "expected": expected,
            "mtimes": {k: v for k, v in sorted(mtimes.items()) if v is not None and k != "FORCE"},
            "tree": tree}, indent=1) + "\n"
        files["tests/test_outputs.py"] = TEST_TEMPLATE
        return TaskDraft(
            instruction=instruction,
            dockerfile_body=(f"COPY {base}/ {root}/\nCOPY set-mtimes.sh /tmp/set-mtimes.sh\n"
                             f"RUN sh /tmp/set-mtimes.sh && rm /tmp/set-mtimes.sh\nWORKDIR {root}\n"),
            files=files, tags=["make", "dependency-graph", "timestamps"],
            artifacts=[root, out],  # the tree (must be untouched, mtimes included) and the plan
            agent_timeout_sec={"easy": 600, "medium": 900, "hard": 1200}[level],
            verifier_timeout_sec=120, expert_minutes={"easy": 10, "medium": 15, "hard": 25}[level],
        )


    @staticmethod
    def _perturb(rng: random.Random, level: str, nodes: dict[str, Node], leaves: dict[str, str],
                 mtimes: dict[str, int | None], files_targets: list[str], build_end: int) -> list[str]:
        # Since then: edited sources, deleted and hand-touched products.
        n_edit = {"easy": 2, "medium": 3, "hard": 5}[level]
        sources = sorted(k for k in leaves if k.startswith(("src/", "raw/")))
        others = sorted(k for k in leaves if not k.startswith(("src/", "raw/")))
        edited = rng.sample(sources, min(len(sources), n_edit - 1)) + rng.sample(others, 1)
        for leaf in edited:
            mtimes[leaf] = build_end + rng.randint(600, 90000)
        for victim in rng.sample(files_targets, {"easy": 1, "medium": 2, "hard": 3}[level]):
            mtimes[victim] = None
        if level != "easy":
            mid = [n for n in files_targets if mtimes[n] is not None and nodes[n].deps
                   and all(d not in leaves for d in nodes[n].deps)]
            if mid:
                mtimes[rng.choice(mid)] = build_end + rng.randint(100000, 200000)  # touched by hand
        if level == "hard":
            # a source saved with exactly the same timestamp as one of its objects: not newer, so not stale
            cands = sorted(n for n in files_targets if mtimes[n] is not None
                           and any(d in leaves and d not in edited for d in nodes[n].deps))
            if cands:
                tgt = rng.choice(cands)
                leaf = next(d for d in nodes[tgt].deps if d in leaves and d not in edited)
                users = [n for n in files_targets if leaf in nodes[n].deps and mtimes[n] is not None]
                mtimes[leaf] = min(mtimes[u] for u in users)  # type: ignore[type-var]
        return edited


TEST_TEMPLATE = '''"""The plan must equal the recipes GNU make would run (computed from the dependency graph and the
timestamps at generation time), and the tree must be untouched: same files, same contents, same mtimes."""

import hashlib
import json
from pathlib import Path

E = json.loads((Path(__file__).parent / "expected.json").read_text())
ROOT = Path(E["root"])


def test_tree_contents_untouched():
    present = sorted(str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file())
    assert present == sorted(E["tree"]), "files were added or removed under the project"
    for rel, digest in E["tree"].items():
        assert hashlib.sha256((ROOT / rel).read_bytes()).hexdigest() == digest, f"{rel} changed"


def test_timestamps_untouched():
    for rel, mtime in E["mtimes"].items():
        assert int((ROOT / rel).stat().st_mtime) == mtime, f"mtime of {rel} changed"


def test_plan_lists_exactly_the_recipes_in_order():
    out = Path(E["out"])
    assert out.is_file(), f"{out} missing"
    lines = [line.strip() for line in out.read_text().splitlines() if line.strip()]
    assert set(lines) == set(E["expected"]), (sorted(set(lines) - set(E["expected"])),
                                              sorted(set(E["expected"]) - set(lines)))
    assert lines == E["expected"]
'''
