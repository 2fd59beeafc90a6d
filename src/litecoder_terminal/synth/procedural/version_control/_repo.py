"""Shared helper of the version-control families: a JSON plan of git operations replayed at image build time.

`RepoPlan` records commits, branches, tags and raw git commands with fixed author/committer names and dates, so the
repository built inside the image is the same on every machine. `plan.files()` returns the build-context files
(`environment/<setup>/mkrepo.py` + `plan.json`, <setup> named after the repository so stages of a composed task
that each build a repository do not share a build folder); the Dockerfile runs them and deletes them.
"""

from __future__ import annotations

import hashlib
import json
import random

FIRST_NAMES = ["Alice", "Bruno", "Chen", "Dana", "Emeka", "Farah", "Goran", "Hana", "Ivan", "Jonas", "Kemal",
               "Lena", "Mateo", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tomoko", "Uma", "Viktor"]
LAST_NAMES = ["Adler", "Berg", "Costa", "Dietrich", "Eriksen", "Fischer", "Garcia", "Horvat", "Ito", "Jensen",
              "Kowalski", "Lindqvist", "Moreau", "Novak", "Okafor", "Petrov", "Quinn", "Rossi", "Schmidt", "Tanaka"]


def people(rng: random.Random, n: int, domain: str = "example.com") -> list[tuple[str, str]]:
    firsts = rng.sample(FIRST_NAMES, n)
    lasts = rng.sample(LAST_NAMES, n)
    return [(f"{f} {l}", f"{f.lower()}.{l.lower()}@{domain}") for f, l in zip(firsts, lasts)]


MKREPO = r'''"""Replay plan.json: create a git repository with fixed identities and dates (build time only)."""
import json
import os
import subprocess
import sys

plan = json.load(open(sys.argv[1], encoding="utf-8"))
repo = plan["repo"]
os.makedirs(repo, exist_ok=True)
base = dict(os.environ, TZ="UTC", GIT_CONFIG_NOSYSTEM="1")


def git(*args, env=None, check=True):
    return subprocess.run(["git", *args], cwd=repo, env=env or base, check=check, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)


git("init", "-q", "-b", plan["branch"])
for key, value in plan.get("config", []):
    git("config", key, value)
for step in plan["steps"]:
    name, email = step.get("who", plan["default_who"])
    date = f"{step.get('date', 1700000000)} +0000"
    cname, cemail = step.get("committer", [name, email])
    env = dict(base, GIT_AUTHOR_NAME=name, GIT_AUTHOR_EMAIL=email, GIT_AUTHOR_DATE=date,
               GIT_COMMITTER_NAME=cname, GIT_COMMITTER_EMAIL=cemail,
               GIT_COMMITTER_DATE=f"{step.get('cdate', step.get('date', 1700000000))} +0000")
    op = step["op"]
    if op in ("commit", "amend", "write"):
        for path, content in step.get("files", {}).items():
            full = os.path.join(repo, path)
            if content is None:
                if os.path.exists(full):
                    os.remove(full)
                continue
            os.makedirs(os.path.dirname(full) or repo, exist_ok=True)
            with open(full, "w", encoding="utf-8", newline="") as f:
                f.write(content)
        if op == "write":
            continue
        git("add", "-A")
        args = ["commit", "-q", "--allow-empty", "-m", step["msg"]]
        if op == "amend":
            args.append("--amend")
        git(*args, env=env)
    elif op == "git":
        r = git(*step["args"], env=env, check=not step.get("may_fail"))
    elif op == "rm":
        for path in step["paths"]:
            p = os.path.join(repo, path)
            if os.path.isdir(p):
                subprocess.run(["rm", "-rf", p], check=True)
            elif os.path.exists(p):
                os.remove(p)
    else:
        raise SystemExit(f"unknown op {op}")
'''


class RepoPlan:
    """Collects git operations; every commit gets a strictly increasing, seed-derived timestamp."""

    def __init__(self, repo: str, branch: str, who: tuple[str, str], start: int, config: list[tuple[str, str]] = ()):
        self.repo, self.branch, self.default_who = repo, branch, who
        self.clock = start
        self.steps: list[dict] = []
        self.config = [list(c) for c in config]
        self.setup = "setup-" + hashlib.sha1(repo.encode()).hexdigest()[:10]

    def tick(self, rng: random.Random, lo: int = 600, hi: int = 30000) -> int:
        self.clock += rng.randint(lo, hi)
        return self.clock

    def commit(self, rng: random.Random, msg: str, files: dict[str, str | None], who: tuple[str, str] | None = None,
               amend: bool = False) -> int:
        date = self.tick(rng)
        step = {"op": "amend" if amend else "commit", "msg": msg, "files": files, "date": date}
        if who:
            step["who"] = list(who)
        self.steps.append(step)
        return date

    def write(self, files: dict[str, str | None]) -> None:
        self.steps.append({"op": "write", "files": files})

    def git(self, rng: random.Random | None, *args: str, who: tuple[str, str] | None = None,
            may_fail: bool = False) -> int:
        date = self.tick(rng) if rng is not None else self.clock
        step: dict = {"op": "git", "args": list(args), "date": date}
        if who:
            step["who"] = list(who)
        if may_fail:
            step["may_fail"] = True
        self.steps.append(step)
        return date

    def rm(self, *paths: str) -> None:
        self.steps.append({"op": "rm", "paths": list(paths)})

    def files(self) -> dict[str, str]:
        plan = {"repo": self.repo, "branch": self.branch, "default_who": list(self.default_who),
                "config": self.config, "steps": self.steps}
        return {f"environment/{self.setup}/mkrepo.py": MKREPO,
                f"environment/{self.setup}/plan.json": json.dumps(plan, indent=1, sort_keys=True) + "\n"}

    def dockerfile(self, workdir: str, extra: str = "") -> str:
        s = self.setup
        return (f"COPY {s}/ /tmp/{s}/\n"
                f"RUN python3 /tmp/{s}/mkrepo.py /tmp/{s}/plan.json && rm -rf /tmp/{s}\n"
                + extra + f"WORKDIR {workdir}\n")


def blob_id(content: str) -> str:
    """The object name git gives a file with this content (SHA-1 repositories): tests compare trees by it."""
    data = content.encode()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def indent(text: str, n: int = 4) -> str:
    pad = " " * n
    return "".join(pad + line if line.strip() else line for line in text.splitlines(True))
