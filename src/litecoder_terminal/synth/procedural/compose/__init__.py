"""Composition: one Harbor task from K stages of different families, in one image, told by one instruction.

Built only on the family interface (`sample(seed) -> GeneratedTask`): each stage's build context, Dockerfile
body, tests and solutions are namespaced (`stage1/`, `stage2/`, ...) and merged; stages whose image paths
overlap are not combined. Each stage keeps its verifier (reward.json has a value per stage, the reward is 1 only
when all pass); wrong solutions are the full reference with one stage's wrong solution substituted or one stage
left out. What connects the stages, and what does not, is in docs/composition.md.
"""

from __future__ import annotations

import posixpath
import random
import re
import traceback
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import yaml

from litecoder_terminal.agents.replay import plan_replay
from litecoder_terminal.synth.procedural.base import TOOLBOX_LAYER, GeneratedTask, TaskFamily, derive_seed
from litecoder_terminal.task import TaskConfig

MAX_STAGES = 6
# Story order: get the code, build it, change it, run data through it, then the machine around it.
STAGE_RANK = {"version_control": 0, "build_tools": 1, "coding": 2, "data_science": 3, "ai_ml": 4,
              "scientific_computing": 5, "networking": 6, "system_admin": 7, "security": 8, "games": 9}
SOLUTION_FILES_DIR = "/tmp/lct-solution"  # a stage's extra solution files, written by its own inlined script
SEALED_DIR = "/var/lib/handover/sealed"  # where a stage's inputs wait, sealed with the result of the stage before
# One cipher, one command: what the image seals with, the instruction documents and the verifier opens with.
OPENSSL = "openssl enc -aes-256-cbc -pbkdf2 -iter 10000"
_SCRIPT = re.compile(r"solution/(solve\.sh|wrong/[^/]+\.sh|alt/[^/]+\.sh)")
_COPY = re.compile(r"^(COPY|ADD)\s+(.*)$")
_WORKDIR = re.compile(r"^WORKDIR\s+(\S+)\s*$")
_SOLUTION_REF = re.compile(r"(?<![\w./-])/solution(?![\w.-])")  # the oracle's /solution dir, not a file named so
_ENTRY = re.compile(r"^(ENTRYPOINT|CMD)\b")
_STRICT_SET = re.compile(r"^set\s+(-[A-Za-z]*e[A-Za-z]*u[A-Za-z]*o\s+pipefail|-[A-Za-z]*u[A-Za-z]*e[A-Za-z]*o\s+pipefail)\s*;?$")


class CompositionError(ValueError):
    """Stages that cannot share one environment: overlapping paths, two entrypoints, a script that cannot be
    inlined (a top-level `exit` before its end, binary solution files)."""


class StageSampleError(Exception):
    """A stage's own `sample(seed)` raised: the failure belongs to that family and seed."""

    def __init__(self, family: str, difficulty: str, seed: int, error: BaseException):
        super().__init__(f"{type(error).__name__}: {error}")
        self.family, self.difficulty, self.seed, self.error = family, difficulty, seed, error
        self.traceback = "".join(traceback.format_exception(error))


@dataclass
class Stage:
    """One sampled stage and what it occupies in the image."""

    task: GeneratedTask
    title: str
    body: str  # Dockerfile instructions after the shared tool layer
    workdir: str  # the stage's last WORKDIR: where its scripts start
    owned: list[str]  # absolute paths it copies in or declares as artifacts (no other stage may overlap them)
    transient: list[str]  # build-time paths under /tmp (must not be equal to another stage's)
    entrypoint: bool
    index: int = 1
    extra: dict[str, str] = field(default_factory=dict)  # solution files other than scripts (by relative path)
    unseal: str = ""  # commands that open this stage's sealed inputs (run first by every variant that does it)
    copied: list[str] = field(default_factory=list)  # the image paths its COPY/ADD lines write
    _inlined: dict[str, str] = field(default_factory=dict)

    @property
    def scripts(self) -> list[str]:
        return sorted(p for p in self.task.files if _SCRIPT.fullmatch(p))

    def inline(self, path: str) -> str:
        """The script at `path` as lines to paste into the composed script (computed once)."""
        if path not in self._inlined:
            data = self.task.files[path]
            self._inlined[path] = _inlinable(data if isinstance(data, str) else data.decode(),
                                             f"{self.task.family} (seed {self.task.seed}) {path}", self.extra,
                                             f"{SOLUTION_FILES_DIR}/stage{self.index}")
        return self._inlined[path]


@lru_cache(maxsize=1)
def _story() -> dict:
    text = resources.files("litecoder_terminal.synth.procedural.compose").joinpath("story.yaml").read_text()
    return yaml.safe_load(text)


def _test_sh(stages: list[str], unseal: str = "") -> str:
    text = resources.files("litecoder_terminal.synth.procedural.compose").joinpath("test.sh").read_text()
    unseal = ("# Inputs that reached the agent sealed are opened from the pristine image (key in /tests).\n"
              + unseal) if unseal else ""
    return text.replace("@STAGES@", " ".join(stages)).replace("@UNSEAL@\n", unseal)


def _related(a: str, b: str) -> bool:
    a, b = a.rstrip("/") or "/", b.rstrip("/") or "/"
    return a == b or a.startswith(b + "/") or b.startswith(a + "/")


def _under_tmp(path: str) -> bool:
    return path == "/tmp" or path.startswith("/tmp/")


def _inlinable(script: str, where: str, extra_files: dict[str, str], prefix: str) -> str:
    """The script as lines to paste into a longer one: no shebang, no final `exit 0`, /solution/ files moved to
    `prefix` (the stage writes them there first). A top-level `exit` anywhere else cannot be pasted."""
    lines = script.replace("\r\n", "\n").split("\n")
    if lines and lines[0].startswith("#!"):
        lines = lines[1:]
    text = "\n".join(lines)
    # the full parse only when a line could be a top-level exit (it is slow next to sampling)
    steps = plan_replay(text).steps if re.search(r"^\s*exit\b", text, re.M) else []
    exits = [s for s in steps if s.exit_code is not None]
    if exits:
        last = exits[-1]
        if last is not steps[-1] or last.exit_code != 0 or len(exits) > 1:
            raise CompositionError(f"{where}: a top-level `exit {last.exit_code}` before the end of the script")
        first, n = last.command.line - 1, last.command.text.count("\n") + 1
        rest = lines[first + n:]
        if any(ln.strip() and not ln.lstrip().startswith("#") for ln in rest):
            raise CompositionError(f"{where}: commands after a top-level exit")
        lines = lines[:first]
        text = "\n".join(lines)
    if _SOLUTION_REF.search(text):
        if not extra_files:
            raise CompositionError(f"{where}: refers to /solution but the stage ships no solution files")
        text = _SOLUTION_REF.sub(prefix, text)
        prelude = [f"# the helper files this part's solution uses\nmkdir -p {prefix}"]
        for rel, content in sorted(extra_files.items()):
            delim = "LCT_SOLUTION_FILE"
            if delim in content:
                raise CompositionError(f"{where}: solution file {rel} contains the here-document delimiter")
            prelude.append(f"cat > {prefix}/{rel} <<'{delim}'\n{content.rstrip(chr(10))}\n{delim}")
        text = "\n".join(prelude) + "\n" + text
    return text.strip("\n") + "\n"


def _rewrite_dockerfile(body: str, prefix: str, where: str) -> tuple[str, list[str], str, bool]:
    """The body with COPY sources moved under `prefix` in the build context; (body, COPY destinations, last
    WORKDIR, has an ENTRYPOINT/CMD)."""
    out, dests, workdir, entry = [], [], "/", False
    continued = False
    for line in body.split("\n"):
        if continued:
            out.append(line)
            continued = line.rstrip().endswith("\\")
            continue
        continued = line.rstrip().endswith("\\")
        m = _COPY.match(line)
        if m:
            if continued or "[" in m.group(2) or "--from" in m.group(2):
                raise CompositionError(f"{where}: a {m.group(1)} line this composer cannot rewrite: {line!r}")
            words = m.group(2).split()
            flags = [w for w in words if w.startswith("--")]
            args = [w for w in words if not w.startswith("--")]
            if len(args) < 2:
                raise CompositionError(f"{where}: malformed {m.group(1)} line {line!r}")
            *srcs, dest = args
            dests.append(posixpath.normpath(posixpath.join(workdir, dest)))
            out.append(" ".join([m.group(1), *flags, *(f"{prefix}/{s}" for s in srcs), dest]))
            continue
        w = _WORKDIR.match(line)
        if w:
            workdir = posixpath.normpath(posixpath.join(workdir, w.group(1)))
        if _ENTRY.match(line):
            entry = True
        out.append(line)
    return "\n".join(out).strip("\n") + "\n", dests, workdir, entry


def stage_of(task: GeneratedTask, title: str, index: int) -> Stage:
    """What a sampled task needs and occupies as stage `index` (1-based) of a composition."""
    where = f"{task.family} (seed {task.seed})"
    dockerfile = task.files.get("environment/Dockerfile")
    if not isinstance(dockerfile, str) or not dockerfile.startswith(TOOLBOX_LAYER):
        raise CompositionError(f"{where}: its Dockerfile does not start with the shared tool layer")
    prefix = f"stage{index}"
    body, dests, workdir, entry = _rewrite_dockerfile(dockerfile[len(TOOLBOX_LAYER):], prefix, where)
    extra = {p[len("solution/"):]: c for p, c in task.files.items()
             if p.startswith("solution/") and not _SCRIPT.fullmatch(p)}
    if any(not isinstance(c, str) for c in extra.values()):
        raise CompositionError(f"{where}: binary solution files cannot be inlined")
    owned = [*(d for d in dests if not _under_tmp(d)), *task.config.artifacts]
    return Stage(task, title, body, workdir, sorted(set(owned)), sorted(d for d in dests if _under_tmp(d)), entry,
                 index, extra, copied=sorted(set(dests)))


def conflict(a: Stage, b: Stage) -> str | None:
    """Why two stages cannot share one image, or None."""
    for pa in a.owned:
        for pb in b.owned:
            if _related(pa, pb):
                return f"{a.task.family} uses {pa}, {b.task.family} uses {pb}"
    same = set(a.transient) & set(b.transient)
    if same:
        return f"{a.task.family} and {b.task.family} both build from {sorted(same)[0]}"
    if a.entrypoint and b.entrypoint:
        return f"{a.task.family} and {b.task.family} both set the image's entrypoint"
    return None


def _stage_script(stage: Stage, index: int, k: int, path: str | None, first: bool) -> str:
    """Stage `index`'s part of a composed script: its reference (or the script at `path`), or a note that the
    part is left undone (`path` is None)."""
    head = f"# ---- Part {index} of {k}: {stage.title} ({stage.task.family}) ----\n"
    if path is None:
        return head + f"# Part {index} is left undone in this variant.\n"
    body = stage.inline(path)
    opening = next((ln.strip() for ln in body.split("\n") if ln.strip() and not ln.lstrip().startswith("#")), "")
    reset = "" if first or _STRICT_SET.match(opening) else \
        "# start this part with the shell options its own script expects\nset +e +u +o pipefail\n"
    return head + reset + stage.unseal + f"cd {stage.workdir}\n" + body


def _pastes(stage: Stage, path: str) -> bool:
    try:
        stage.inline(path)
        return True
    except CompositionError:
        return False


def _script(stages: list[Stage], chosen: dict[int, str | None], summary: str) -> str:
    k = len(stages)
    parts = [f"#!/bin/bash\n# {summary}\n"]
    for i, st in enumerate(stages, 1):
        parts.append(_stage_script(st, i, k, chosen.get(i, "solution/solve.sh"), i == 1))
    return "\n".join(parts)


@dataclass
class Seal:
    """Stage `index`'s inputs, sealed in the image under the result of stage `index - 1` (its Handoff value)."""

    index: int
    paths: list[str]
    value: str
    says: str

    @property
    def archive(self) -> str:
        return f"{SEALED_DIR}/part{self.index}.tar.enc"

    def docker_run(self) -> str:
        rel = " ".join(p.lstrip("/") for p in self.paths)
        tmp = f"/tmp/lct-seal-part{self.index}.tar"
        return (f"# ---- part {self.index}'s inputs, sealed with the result of part {self.index - 1} ----\n"
                f"RUN mkdir -p {SEALED_DIR} && tar -C / -cf {tmp} {rel} && {OPENSSL} -salt -pass "
                f"pass:'{self.value}' -in {tmp} -out {self.archive} && rm -rf {tmp} "
                + " ".join(self.paths) + "\n")

    def instruction(self) -> str:
        return (f"The input files of this part reached the machine sealed, in `{self.archive}`. They open with "
                f"`{OPENSSL} -d -pass pass:KEY -in {self.archive} | tar -xf - -C /`, where KEY is a result of "
                f"part {self.index - 1}: {self.says}.")

    def reference(self, read: str) -> str:
        var = f"part{self.index - 1}_result"
        return (f"# this part's inputs are sealed with part {self.index - 1}'s result ({self.says}): open them\n"
                f"{var}=\"$({read})\"\n"
                f"{OPENSSL} -d -pass \"pass:${var}\" -in {self.archive} | tar -xf - -C /\n")

    def verifier(self, key_file: str) -> str:
        # the pristine image's archive, opened with the key only /tests holds; a file the agent's artifacts
        # brought stays as the agent left it
        return (f"[ -f {self.archive} ] && {OPENSSL} -d -pass file:{key_file} -in {self.archive} "
                f"| tar -xf - -C / --skip-old-files\n")


def _seals(stages: list[Stage]) -> list[Seal]:
    """A seal for every stage that declares sealable inputs right after a stage that declares a handoff."""
    seals = []
    for i in range(1, len(stages)):
        before, st = stages[i - 1], stages[i]
        if before.task.handoff is None or not st.task.sealable:
            continue
        where = f"{st.task.family} (seed {st.task.seed})"
        for path in st.task.sealable:
            if not any(path == own or path.startswith(own.rstrip("/") + "/") for own in st.copied):
                raise CompositionError(f"{where}: sealable path {path} is not one this stage copies in")
            for other in stages:  # a sealed tree must not hold a working directory (below one is fine)
                if other.workdir == path.rstrip("/") or other.workdir.startswith(path.rstrip("/") + "/"):
                    raise CompositionError(f"{where}: sealable path {path} holds a working directory")
        seals.append(Seal(i + 1, list(st.task.sealable), before.task.handoff.value, before.task.handoff.says))
        st.unseal = seals[-1].reference(before.task.handoff.read)
    return seals


def compose_tasks(tasks: list[GeneratedTask], titles: list[str], *, difficulty: str, seed: int,
                  domain: str | None = None) -> GeneratedTask:
    """One task from already sampled stages (in story order), filed under `domain` (default: the first stage's).
    Raises CompositionError when they cannot share an image."""
    if not 2 <= len(tasks) <= MAX_STAGES:
        raise CompositionError(f"a composition has 2 to {MAX_STAGES} stages, not {len(tasks)}")
    if len({t.family for t in tasks}) != len(tasks):
        raise CompositionError(f"stages must come from different families: {[t.family for t in tasks]}")
    stages = [stage_of(t, title, i) for i, (t, title) in enumerate(zip(tasks, titles), 1)]
    for i, a in enumerate(stages):
        for b in stages[i + 1:]:
            why = conflict(a, b)
            if why:
                raise CompositionError(why)
    seals = {seal.index: seal for seal in _seals(stages)}
    rng = random.Random(derive_seed("compose-story", seed, *(t.family for t in tasks)))
    story = _story()
    k = len(stages)
    fill = {"org": rng.choice(story["orgs"]), "host": f"{rng.choice(story['hosts'])}-{rng.randrange(2, 99)}",
            "event": rng.choice(story["events"]), "k": k}
    parts = [rng.choice(story["intros"]).format(**fill)]
    header = rng.choice(story["headers"])
    for i, st in enumerate(stages, 1):
        lead = "" if i == 1 else rng.choice(story["transitions"]) + "\n\n"
        sealed = f"\n\n{seals[i].instruction()}" if i in seals else ""
        parts.append(f"{header.format(i=i, k=k, title=st.title)}\n\n{lead}{st.task.instruction.strip()}{sealed}")
    parts.append(rng.choice(story["closings"]).format(**fill))
    instruction = "\n\n".join(parts) + "\n"

    names = [f"stage{i}" for i in range(1, k + 1)]
    files: dict[str, str | bytes] = {}
    docker = [TOOLBOX_LAYER]
    for i, st in enumerate(stages, 1):
        for rel, data in st.task.files.items():
            if rel.startswith("environment/") and rel != "environment/Dockerfile":
                files[f"environment/stage{i}/{rel[len('environment/'):]}"] = data
            elif rel.startswith("tests/") and rel != "tests/test.sh":
                files[f"tests/stage{i}/{rel[len('tests/'):]}"] = data
        docker.append(f"# ---- stage {i}: {st.task.family} ----\nWORKDIR /\n{st.body}")
    for seal in seals.values():
        docker.append(seal.docker_run())
        files[f"tests/seal-part{seal.index}.key"] = seal.value + "\n"
    docker.append(f"WORKDIR {stages[0].workdir}\n")
    files["environment/Dockerfile"] = "".join(docker)
    files["tests/test.sh"] = _test_sh(names, "".join(seal.verifier(f"/tests/seal-part{seal.index}.key")
                                                     for seal in seals.values()))
    summary = f"{k} parts on one machine, in the order the instruction gives them."
    files["solution/solve.sh"] = _script(stages, {}, summary)
    for i, st in enumerate(stages, 1):
        wrongs = [p for p in st.scripts if p.startswith("solution/wrong/") and _pastes(st, p)]
        if not wrongs:
            raise CompositionError(f"{st.task.family}: none of its wrong solutions can be inlined")
        pick = wrongs[rng.randrange(len(wrongs))]
        files[f"solution/wrong/stage{i}-{posixpath.basename(pick)}"] = _script(
            stages, {i: pick}, f"Known wrong: part {i} done with {st.task.family}'s wrong solution "
                               f"{posixpath.basename(pick)}, every other part done right.")
        files[f"solution/wrong/skip-stage{i}.sh"] = _script(
            stages, {i: None}, f"Known wrong: every part but part {i} done right.")
        alts = [p for p in st.scripts if p.startswith("solution/alt/") and _pastes(st, p)]
        if alts:
            alt = alts[rng.randrange(len(alts))]
            files[f"solution/alt/stage{i}-{posixpath.basename(alt)}"] = _script(
                stages, {i: alt}, f"Alternative: part {i} done with {st.task.family}'s alternative solution.")

    configs = [t.config for t in tasks]
    domain = domain or tasks[0].domain
    lct: dict = {}
    if any(c.metadata.get("lct", {}).get("probe_agent") for c in configs):
        lct["probe_agent"] = True
    outputs = sorted({o for c in configs for o in c.metadata.get("lct", {}).get("outputs", [])})
    if outputs:
        lct["outputs"] = outputs
    meta = {
        "author_name": "LiteCoder-Terminal procedural generator (composition)",
        "difficulty": difficulty, "category": domain,
        "tags": sorted({"composed", *(tag for c in configs for tag in c.metadata.get("tags", []))}),
        "family": "composed", "seed": seed,
        "expert_time_estimate_min": sum(int(c.metadata.get("expert_time_estimate_min", 10)) for c in configs),
        "stages": [{"stage": n, "family": t.family, "domain": t.domain, "difficulty": t.difficulty, "seed": t.seed}
                   for n, t in zip(names, tasks)],
    }
    if seals:
        lct["handoffs"] = [{"from": f"stage{i - 1}", "to": f"stage{i}", "sealed": seal.paths}
                           for i, seal in sorted(seals.items())]
    if lct:
        meta["lct"] = lct
    config = TaskConfig.model_validate({
        "schema_version": "1.4",
        "metadata": meta,
        "verifier": {"timeout_sec": sum(c.verifier.timeout_sec for c in configs), "environment_mode": "separate"},
        "agent": {"timeout_sec": sum(c.agent.timeout_sec or 600.0 for c in configs)},
        "environment": {"build_timeout_sec": max(c.environment.build_timeout_sec for c in configs),
                        "cpus": max(c.environment.cpus or 1 for c in configs),
                        "memory_mb": max(c.environment.memory_mb or 1024 for c in configs),
                        "network_mode": "no-network"},
        "artifacts": sorted({a for c in configs for a in c.artifacts}),
    })
    return GeneratedTask("composed", domain, difficulty, seed, instruction, config, files)


def _title(cls: type[TaskFamily]) -> str:
    return getattr(cls, "title", None) or cls.name.replace("_", " ")


def sample_stage(cls: type[TaskFamily], level: str, seed: int) -> GeneratedTask:
    try:
        return cls({"difficulty": level}).sample(seed)
    except Exception as e:  # noqa: BLE001 - attributed to the stage's family and seed by the caller
        raise StageSampleError(cls.name, level, seed, e) from e


@lru_cache(maxsize=None)
def _role(cls: type[TaskFamily], level: str) -> tuple[bool, bool]:
    """(declares a handoff, declares sealable inputs) for a family at a level, read from one sample."""
    try:
        t = cls({"difficulty": level}).sample(0)
    except Exception:  # noqa: BLE001 - a family that cannot sample is skipped by compose itself
        return False, False
    return t.handoff is not None, bool(t.sealable)


def _partners_first(primary: type[TaskFamily], level: str, others: list[type[TaskFamily]],
                    rng: random.Random) -> list[type[TaskFamily]]:
    """`others` with the families that would link to the primary by a hand-off (a consumer after a producer, a
    producer before a consumer, in story order) moved to the front, half of the time (variety stays)."""
    gives, takes = _role(primary, level)
    if not (gives or takes) or rng.random() < 0.5:
        return others
    rank = STAGE_RANK.get(primary.domain, 5)

    def links(cls) -> bool:
        g, t = _role(cls, level)
        r = STAGE_RANK.get(cls.domain, 5)
        return (gives and t and r >= rank) or (takes and g and r <= rank)

    return [c for c in others if links(c)] + [c for c in others if not links(c)]


def compose(primary: type[TaskFamily], level: str, k: int, seed: int,
            pool: list[type[TaskFamily]]) -> GeneratedTask:
    """A K-stage task whose first drawn stage is `primary`, the others drawn from `pool` (other families) with
    seeds derived from `seed`, skipping families whose paths collide with those already chosen. Deterministic."""
    if not 2 <= k <= MAX_STAGES:
        raise ValueError(f"--compose {k}: a composition has 2 to {MAX_STAGES} stages")
    rng = random.Random(derive_seed("compose", primary.name, level, k, seed))
    first = sample_stage(primary, level, derive_seed(seed, primary.name, 0) % (1 << 31))
    head = stage_of(first, _title(primary), 1)
    head.inline("solution/solve.sh")
    chosen = [(primary, first, head)]
    others = sorted((f for f in pool if f.name != primary.name), key=lambda f: f.name)
    rng.shuffle(others)
    others = _partners_first(primary, level, others, rng)
    for cls in others:
        if len(chosen) == k:
            break
        task = sample_stage(cls, level, derive_seed(seed, cls.name, len(chosen)) % (1 << 31))
        try:
            st = stage_of(task, _title(cls), len(chosen) + 1)
            st.inline("solution/solve.sh")
        except CompositionError:
            continue
        if all(conflict(st, c[2]) is None for c in chosen):
            chosen.append((cls, task, st))
    if len(chosen) < k:
        raise CompositionError(f"only {len(chosen)} of {k} stages fit together with {primary.name} "
                               f"({len(others)} other families tried)")
    ordered = sorted(enumerate(chosen), key=lambda e: (STAGE_RANK.get(e[1][0].domain, 5), e[0]))
    return compose_tasks([c[1] for _, c in ordered], [_title(c[0]) for _, c in ordered], difficulty=level,
                         seed=seed, domain=primary.domain)
