"""Task-level shortcuts an audit found in generated tasks, each tried as a hostile agent would on a real task of
the family it was found in: every one scores 0 (never 1, never an error).

- an object that always compares equal, returned by the agent's module where a value is expected;
- the reference borrowed: the agent's module imports the verifier's own referee from /tests while it runs;
- `git replace` objects that make a history look rewritten while the secret is still on the branch;
- the over-broad fix, on instances sampled so the case the policy forbids is present (several seeds);
- the service's data read from inside the container instead of through its API (an exploration task): the
  exporter is run again against a fresh instance holding data only tests/ has.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from litecoder_terminal.agents import ScriptAgent
from litecoder_terminal.synth.procedural.registry import get_family
from litecoder_terminal.task import TaskDir, write_task_dir
from litecoder_terminal.trial import TrialStatus, build_task_images, run_trial

pytestmark = pytest.mark.docker


def _task(root: Path, family: str, level: str, seed: int) -> TaskDir:
    t = get_family(family)({"difficulty": level}).sample(seed)
    return write_task_dir(root / f"{family}-{level}-{seed}", t.instruction, t.config, t.files)


def _attack(engine, task: TaskDir, script: str, tmp_path: Path, name: str):
    path = tmp_path / f"{name}.sh"
    path.write_text("#!/bin/bash\n" + script + "\n")
    return run_trial(task, ScriptAgent(path), engine, image=build_task_images(engine, task),
                     trial_dir=tmp_path / name)


ALWAYS_EQUAL = r'''
cd /app/@@pkg@@
cat > rules.py <<'PY'
"""Every call returns an object that equals anything, is truthy and prints like a board."""


class _Any(list):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = object.__hash__

    def __bool__(self):
        return True


class IllegalMove(ValueError):
    pass


ROWS = COLS = CONNECT = EMPTY = _Any()


def _any(*args, **kwargs):
    return _Any()


new_board = legal_moves = drop = winner = is_draw = next_player = choose_move = _any
PY
'''

BORROWED = r'''
cd /app/@@pkg@@
cat > rules.py <<'PY'
"""The verifier's own referee, imported from /tests while the verifier runs this module."""
import sys

sys.path.insert(0, "/tests")
import test_outputs as T  # noqa: E402

ROWS, COLS, CONNECT, EMPTY = T.R, T.C, T.K, "."


class IllegalMove(ValueError):
    pass


def new_board():
    return T.ref_strings(T.ref_empty())


def legal_moves(board):
    return T.ref_legal([list(r) for r in board])


def drop(board, col, piece):
    if not 0 <= col < COLS or col not in legal_moves(board):
        raise IllegalMove(col)
    return T.ref_strings(T.ref_drop([list(r) for r in board], col, piece))


def winner(board):
    return T.ref_winner([list(r) for r in board])


def is_draw(board):
    return T.ref_full([list(r) for r in board]) and winner(board) is None


def next_player(board):
    xs, os_ = (sum(r.count(p) for r in board) for p in "XO")
    return "X" if xs == os_ else "O"


def choose_move(board, piece):
    return T.ref_bot([list(r) for r in board], piece)
PY
'''


@pytest.mark.parametrize("name,script", [("always-equal", ALWAYS_EQUAL), ("borrowed-reference", BORROWED)])
def test_agent_module_shortcuts_score_zero(engine, tmp_path, name, script):
    task = _task(tmp_path, "connect_n_rules_bugfix", "easy", 3)
    pkg = json.loads((task.tests_dir / "expected.json").read_text())["pkg"]
    r = _attack(engine, task, script.replace("@@pkg@@", pkg), tmp_path, name)
    assert r.status is TrialStatus.GRADED, r.error
    assert r.reward == 0.0, f"{name} scored {r.reward}"


# Replace every tree of the branch that holds the secret by a scrubbed copy (`git replace <tree> <tree'>`): plain
# git (log -p, grep, ls-tree) now shows no secret, yet every commit of the branch still contains it.
GIT_REPLACE = r'''
cd @@repo@@
git config user.email dev@example.com && git config user.name dev
python3 - <<'PY'
import re, subprocess

def git(*a, inp=None, env=None):
    return subprocess.run(["git", *a], input=inp, capture_output=True, check=True, env=env).stdout

import os
for c in git("rev-list", "main..@@branch@@").decode().split():
    tree = git("rev-parse", c + "^{tree}").decode().strip()
    env = {**os.environ, "GIT_INDEX_FILE": "/tmp/lct-shortcut-index"}
    git("read-tree", tree, env=env)
    changed = False
    for line in git("ls-tree", "-r", tree).decode().splitlines():
        meta, path = line.split("\t", 1)
        mode, _, blob = meta.split()
        data = git("cat-file", "blob", blob)
        new = re.sub(rb"psp_live[A-Za-z0-9_]+", b"${PSP_SECRET_KEY}", data)
        if new != data:
            oid = git("hash-object", "-w", "--stdin", inp=new).decode().strip()
            git("update-index", "--cacheinfo", f"{mode},{oid},{path}", env=env)
            changed = True
    if changed:
        git("replace", "-f", tree, git("write-tree", env=env).decode().strip())
PY
git reset -q --hard
# what plain git shows now: no secret anywhere on the branch
! git grep -q -F psp_live $(git rev-list main..@@branch@@) -- config/settings.yaml
'''


def test_git_replace_objects_do_not_hide_the_secret(engine, tmp_path):
    task = _task(tmp_path, "git_purge_committed_secret", "easy", 5)
    exp = json.loads((task.tests_dir / "expected.json").read_text())
    text = (task.tests_dir / "test_outputs.py").read_text()
    repo = text.split('REPO = "', 1)[1].split('"', 1)[0]
    branch = text.split('BRANCH = "', 1)[1].split('"', 1)[0]
    assert exp["secrets"] and all(s.startswith("psp_live") for s in exp["secrets"])
    r = _attack(engine, task, GIT_REPLACE.replace("@@repo@@", repo).replace("@@branch@@", branch), tmp_path,
                "git-replace")
    assert r.status is TrialStatus.GRADED, r.error
    assert r.agent_exit_code == 0, "the replace objects did not hide the secret from plain git in the agent's container"
    assert r.reward == 0.0, f"git replace scored {r.reward}"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_over_broad_scrub_fails_on_every_instance(engine, tmp_path, seed):
    """The over-broad pattern (every provider key, the public test key included) must fail on any instance: the
    family samples instances so that the public key the policy keeps is always there to be wrongly scrubbed."""
    task = _task(tmp_path, "git_purge_committed_secret", ("easy", "medium", "hard")[seed - 1], seed)
    wrong = task.solution_dir / "wrong" / "over_broad_pattern.sh"
    assert wrong.is_file()
    r = run_trial(task, ScriptAgent(wrong), engine, image=build_task_images(engine, task),
                  trial_dir=tmp_path / "over-broad")
    assert r.status is TrialStatus.GRADED, r.error
    assert r.reward == 0.0


# The exporter reads the service's data file from the image (no request at all) and writes both outputs from it:
# today's files come out right, so only a run against data the container never held tells the difference.
FROM_DISK = r'''
set -e
OUT=$(dirname "$(ls /opt/reports/*/README.md | head -n1)")
DATA=$(ls /var/lib/*/snapshot.json | head -n1)
cat > "$OUT/export.sh" <<EOF
#!/bin/bash
python3 - "$DATA" "$OUT" <<'PY'
import collections, json, sys
items = sorted(json.load(open(sys.argv[1]))["items"], key=lambda r: r["sku"])
keys = ("sku", "name", "warehouse", "qty", "unit_price", "discontinued")
json.dump([{k: r[k] for k in keys} for r in items], open(sys.argv[2] + "/articles.json", "w"))
tot = collections.defaultdict(lambda: [0, 0, 0.0])
for r in items:
    if not r["discontinued"]:
        t = tot[r["warehouse"]]
        t[0] += 1; t[1] += r["qty"]; t[2] += r["qty"] * r["unit_price"]
rows = sorted(tot.items(), key=lambda kv: (-round(kv[1][2], 2), kv[0]))
with open(sys.argv[2] + "/warehouse_totals.csv", "w") as f:
    f.write("warehouse,skus,units,value" + chr(10))
    for w, (n, u, v) in rows:
        f.write(f"{w},{n},{u},{v:.2f}" + chr(10))
PY
EOF
bash "$OUT/export.sh"
'''


def test_service_data_read_from_disk_scores_zero(engine, tmp_path):
    task = _task(tmp_path, "paginated_api_export", "easy", 3)
    r = _attack(engine, task, FROM_DISK, tmp_path, "from-disk")
    assert r.status is TrialStatus.GRADED, r.error
    assert r.agent_exit_code == 0
    rewards = json.loads((tmp_path / "from-disk" / "verifier" / "reward.json").read_text())
    # today's files match the service (the shortcut works on what the container holds) ...
    assert rewards["test_export_left_matches_the_service"] == 1, rewards
    # ... but the exporter never asked the service, so fresh data gives it away
    assert rewards["test_exporter_exports_fresh_records"] == 0 and r.reward == 0.0, rewards
