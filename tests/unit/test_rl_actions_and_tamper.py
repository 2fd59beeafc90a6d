"""The RL action grammar and the host-side shared-mode tamper rules (an allow-list; no Docker)."""

import pytest

from litecoder_terminal.rl.env import Command, Keys, parse_action
from litecoder_terminal.trial.tamper import AllowList, shared_mode_tampering

IMAGE = {"/usr/bin/python3", "/usr/bin/sh", "/usr/bin/mkdir", "/usr/bin/chmod", "/usr/bin/env",
         "/usr/lib/python3/dist-packages/pytest"}


def toolchain_tampering(changes, installs=True):
    allow = AllowList.for_task(workdir="/app", artifacts=[], installs=installs)
    return shared_mode_tampering(changes, allow, IMAGE.__contains__)


def test_action_forms():
    assert parse_action("ls -la") == ([Command("ls -la")], False)
    assert parse_action({"keystrokes": "vim x\n", "duration": 0.5}) == ([Keys("vim x\n", 0.5)], False)
    assert parse_action({"keystrokes": "C-c"}) == ([Keys("C-c", 1.0)], False)
    assert parse_action({"submit": True}) == ([], True)
    assert parse_action([{"keystrokes": "echo hi\n", "duration": 0}, "pwd", {"task_complete": True}]) == (
        [Keys("echo hi\n", 0.0), Command("pwd")], True)
    assert parse_action({"keystrokes": "exit\n", "task_complete": True}) == ([Keys("exit\n", 1.0)], True)


@pytest.mark.parametrize("bad, message", [
    (3, "int"), ({"keys": "ls"}, "unknown key"), ({"keystrokes": 5}, "string"),
    ({"keystrokes": "x", "duration": -1}, "duration"), ({"keystrokes": "x", "duration": True}, "duration"),
    ({"submit": False}, "neither"), ([["ls"]], "list"),
])
def test_bad_actions_are_named(bad, message):
    with pytest.raises(ValueError, match=message):
        parse_action(bad)


def test_honest_changes_are_not_tampering():
    changes = [("C", "/usr"), ("C", "/usr/lib"), ("C", "/usr/lib/python3"), ("C", "/usr/lib/python3/dist-packages"),
               ("A", "/usr/lib/python3/dist-packages/requests"), ("A", "/usr/lib/python3/dist-packages/requests/x.py"),
               ("C", "/usr/lib/x86_64-linux-gnu"), ("A", "/usr/lib/x86_64-linux-gnu/libfoo.so.1"),
               ("A", "/usr/sbin/docker-init"), ("D", "/usr/lib/python3.11/EXTERNALLY-MANAGED"),
               ("C", "/usr/bin"), ("A", "/usr/bin/jq2"), ("A", "/usr/local/bin/mytool"), ("C", "/etc/ld.so.cache"),
               ("A", "/root/out.txt"), ("D", "/app/old.txt"), ("C", "/etc/hosts"),
               ("C", "/usr/lib/python3.11/__pycache__"),  # `python3 -O` as root: bytecode the verifier never reads
               ("A", "/usr/lib/python3.11/__pycache__/csv.cpython-311.opt-1.pyc"),
               ("A", "/usr/lib/python3.11/json/__pycache__/decoder.cpython-311.opt-2.pyc")]
    assert toolchain_tampering(changes) == []


@pytest.mark.parametrize("change", [
    ("C", "/usr/lib/python3/dist-packages/_pytest/main.py"), ("D", "/usr/lib/python3/dist-packages/pluggy/_hooks.py"),
    ("C", "/usr/lib/python3/dist-packages/packaging/version.py"),
    ("A", "/usr/local/lib/python3.11/dist-packages/pytest"),  # shadows the image's pytest
    ("A", "/usr/lib/python3.11/sitecustomize.py"), ("A", "/usr/lib/python3/dist-packages/x.pth"),
    ("C", "/usr/lib/python3.11/json/__pycache__/decoder.cpython-311.pyc"),
    ("C", "/etc/python3.11/sitecustomize.py"), ("C", "/usr/bin/python3"), ("D", "/usr/bin/python3.11"),
    ("C", "/usr/bin/sh"), ("C", "/usr/bin/dash"), ("C", "/usr/bin/env"), ("C", "/usr/bin/mkdir"),
    ("A", "/usr/local/bin/sh"), ("A", "/usr/local/bin/python3"), ("A", "/usr/local/sbin/chmod"),
    ("A", "/etc/ld.so.preload"), ("C", "/usr/lib/x86_64-linux-gnu/libc.so.6"), ("C", "/bin"), ("C", "/etc/sudoers"),
    ("C", "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0"), ("C", "/usr/lib64/ld-linux-x86-64.so.2"),
])
def test_toolchain_changes_are_tampering(change):
    parents = [("C", change[1][:i]) for i in range(1, len(change[1])) if change[1][i] == "/"]
    assert toolchain_tampering([*parents, change]) == [f"{change[0]} {change[1]}"]


@pytest.mark.parametrize("change", [
    ("A", "/usr/lib/python3.11/pytest.py"), ("A", "/usr/lib/python3/dist-packages/pytest/evil.py"),
    ("A", "/usr/lib/python3.11/__pycache__/csv.cpython-311.pyc"),  # plain bytecode: the verifier would load it
    ("A", "/usr/bin/jq2"), ("A", "/usr/lib/x86_64-linux-gnu/libfoo.so.1"), ("C", "/etc/ld.so.cache"),
])
def test_without_installs_any_addition_on_a_search_path_is_tampering(change):
    assert toolchain_tampering([change], installs=False) == [f"{change[0]} {change[1]}"]
