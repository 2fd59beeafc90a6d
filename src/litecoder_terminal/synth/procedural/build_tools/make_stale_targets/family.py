"""Work out, without building, which recipes `make <goal>` would run (and in which order) in a restored tree."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from litecoder_terminal.synth.procedural import kit

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


def _c_theme(rng: random.Random, k, prog: str) -> tuple[dict[str, Node], list[str], dict[str, str]]:
    n_mod = k.modules
    mods = ["main"] + rng.sample(C_MODS[1:], n_mod - 1)
    hdrs = rng.sample(C_HDRS, k.headers)
    docs = rng.sample(DOCS, k.docs)
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
    if k.packaging:
        man = f"build/{prog}.1"
        leaves[f"docs/{prog}.1.in"] = f".TH {prog.upper()} 1\n"
        nodes[man] = Node(man, [f"docs/{prog}.1.in", binary], recipe=["sed 's/@VERSION@/$(VERSION)/' $< > $@"])
        nodes[dist] = Node(dist, [binary, man] + htmls, recipe=["tar czf $@ $^"])
    else:
        nodes[dist] = Node(dist, [binary] + htmls, recipe=["tar czf $@ $^"])
    if k.make_rules:
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
    return nodes, ["all", "dist"] if k.packaging else ["all"], leaves


def _data_theme(rng: random.Random, k, prog: str) -> tuple[dict[str, Node], list[str], dict[str, str]]:
    sets = rng.sample(DATA_SETS, k.data_sets)
    groups = rng.sample(GROUPS, k.groups)
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
    if k.make_rules:
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
    return nodes, ["all", "publish"] if k.packaging else ["all"], leaves


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


KNOBS = {
    "filter": kit.Knob("grep -vxFf /tmp/norecipe.txt || true", "cat",
                       "lists every target make must remake, phony and recipe-less ones included"),
    "after": kit.Knob("echo 'plan written; nothing built'", "make -k $goals > /dev/null 2>&1 || true",
                      "double-checks the plan by really running the build, which changes the restored tree"),
}


class MakeStaleTargets(kit.KitFamily):
    title = "Predict which recipes make would run in a restored build tree, without building"
    levels = kit.Levels(
        modules=(4, 7, 10), headers=(2, 4, 5), docs=(1, 3, 4), data_sets=(3, 6, 9), groups=(1, 3, 4),
        packaging=(False, True, True), make_rules=(False, False, True), edits=(2, 3, 5), deletions=(1, 2, 3),
        hand_touched=(False, True, True), equal_stamp=(False, False, True),
        agent_timeout=(600, 900, 1200), expert_minutes=(10, 15, 25),
    )

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        theme = rng.choice(["c", "data"])
        prog = rng.choice(["relay", "ledgerd", "quarry", "beacon", "tidy", "mosaic", "harbor", "pylon"])
        proj = rng.choice([prog, f"{prog}-build", f"ci/{prog}"])
        root = f"/app/{proj}"
        nodes, goals, leaves = (_c_theme if theme == "c" else _data_theme)(rng, k, prog)
        if theme == "c" and k.packaging:
            nodes["dist"] = Node("dist", [f"dist/{prog}.tar.gz"], phony=True)
        if theme == "data" and k.packaging:
            nodes["publish"] = Node("publish", [f"publish/{prog}-site.tar.gz"], phony=True)

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
            self._perturb(rng, nodes, leaves, mtimes, files_targets, build_end)
            expected = simulate(nodes, leaves, mtimes, goals)
            direct = [n for n in nodes if nodes[n].recipe and (
                mtimes.get(n) is None or any((mtimes.get(d) or 0) > mtimes[n] for d in nodes[n].deps))]
            if direct != expected:  # make sure staleness has to be propagated, not just read off
                break

        out = rng.choice(["/app/rebuild-plan.txt", f"/app/{prog}-stale.txt", "/app/ci/rebuild.txt"])
        ctx = "environment/tree"
        files: dict[str, str | bytes] = {f"{ctx}/Makefile": _makefile(nodes, prog, theme)}
        for rel, text in leaves.items():
            files[f"{ctx}/{rel}"] = text
        for n in files_targets:
            if mtimes[n] is not None:
                files[f"{ctx}/{n}"] = f"cached build product: {n}\n"
        untouched = kit.digests(files, "tree", root)
        # every timestamp is set at image build time (COPY does not give deterministic mtimes)
        stamps = "\n".join(f"touch -h -d @{mtimes[rel]} '{rel}'"
                           for rel in sorted(r for r, v in mtimes.items() if v is not None))
        files["environment/set-mtimes.sh"] = f"#!/bin/sh\nset -e\ncd {root}\n{stamps}\n"
        # noise around the tree: CI notes naming the plan, a log, and last run's (now wrong) plan
        notes = "/app/CI-NOTES.md"
        goal_cmd = "make " + " ".join(goals)
        old_plan = [n for n in reversed(files_targets) if nodes[n].recipe][: max(2, len(expected) // 2)]
        files["environment/CI-NOTES.md"] = self.template("notes.md", prog=prog, root=root, out=out, goal_cmd=goal_cmd)
        files["environment/logs/ci.log"] = self.template(
            "ci.log", day=f"2025-0{rng.randint(1, 9)}-{rng.randint(10, 28)}", root=root, out=out, prog=prog,
            run_old=f"#{rng.randint(1000, 9999)}")
        files["environment/logs/rebuild-plan.prev.txt"] = "\n".join(old_plan) + "\n"
        values = {"root": root, "notes": notes}
        files |= self.solver(KNOBS).files(values, {"all_must_remake": "filter", "then_builds": "after"})
        files |= self.alt_solutions(**values)
        files |= self.verifier(root=root, out=out)
        files |= kit.expected_file({
            "expected": expected, "untouched": untouched,
            "mtimes": {r: v for r, v in sorted(mtimes.items()) if v is not None and r != "FORCE"}})
        extras = ("Mind the details of make's rules: order-only prerequisites, targets that are always considered "
                  "out of date, and timestamps that are equal rather than newer.") if k.make_rules else ""
        instruction = self.instruction(intro=self.intro(rng, prog=prog, root=root), goal_cmd=goal_cmd, root=root,
                                       out=out, notes=notes, extras=extras)
        return kit.draft(
            instruction=instruction,
            dockerfile_body=(f"COPY tree/ {root}/\nCOPY CI-NOTES.md {notes}\nCOPY logs/ /app/logs/\n"
                             "COPY set-mtimes.sh /tmp/set-mtimes.sh\n"
                             f"RUN sh /tmp/set-mtimes.sh && rm /tmp/set-mtimes.sh\nWORKDIR {root}\n"),
            files=files, tags=["make", "dependency-graph", "timestamps"],
            artifacts=[root, out], outputs=[out],  # the tree (must be untouched, mtimes included) and the plan
            agent_timeout_sec=k.agent_timeout, verifier_timeout_sec=120, expert_minutes=k.expert_minutes,
        )

    def _perturb(self, rng: random.Random, nodes: dict[str, Node], leaves: dict[str, str],
                 mtimes: dict[str, int | None], files_targets: list[str], build_end: int) -> list[str]:
        """Since the cached build: edited sources, deleted and hand-touched products, an equal timestamp."""
        k = self.knobs
        sources = sorted(x for x in leaves if x.startswith(("src/", "raw/")))
        others = sorted(x for x in leaves if not x.startswith(("src/", "raw/")))
        edited = rng.sample(sources, min(len(sources), k.edits - 1)) + rng.sample(others, 1)
        for leaf in edited:
            mtimes[leaf] = build_end + rng.randint(600, 90000)
        for victim in rng.sample(files_targets, k.deletions):
            mtimes[victim] = None
        if k.hand_touched:
            mid = [n for n in files_targets if mtimes[n] is not None and nodes[n].deps
                   and all(d not in leaves for d in nodes[n].deps)]
            if mid:
                mtimes[rng.choice(mid)] = build_end + rng.randint(100000, 200000)  # touched by hand
        if k.equal_stamp:
            # a source saved with exactly the same timestamp as one of its objects: not newer, so not stale
            cands = sorted(n for n in files_targets if mtimes[n] is not None
                           and any(d in leaves and d not in edited for d in nodes[n].deps))
            if cands:
                tgt = rng.choice(cands)
                leaf = next(d for d in nodes[tgt].deps if d in leaves and d not in edited)
                users = [n for n in files_targets if leaf in nodes[n].deps and mtimes[n] is not None]
                mtimes[leaf] = min(mtimes[u] for u in users)  # type: ignore[type-var]
        return edited
