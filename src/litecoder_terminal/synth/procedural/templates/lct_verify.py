"""Verifier helpers copied into every generated task's tests/ (import lct_verify).

The verifier runs as root in a fresh container; the agent's work arrives there as data (the task's artifacts).
Whenever a test must *execute* the agent's work (a program, a module, a build, a git repository whose config can
run commands), it does so through `run_as_agent`: a subprocess, as a dedicated unprivileged user with
no_new_privs, in its own session, with a timeout. Values come back as plain data (`call_json`) and are compared by
type and value, never as objects the agent's code made. /tests (hidden references) is readable by root only.
Hidden data the family generated (answers, digests of inputs that must stay untouched) is tests/expected.json,
read with `expected()`; `untouched()` names the inputs whose bytes changed.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import signal
import subprocess

AGENT_USER = "lct-agentcode"
AGENT_UID = AGENT_GID = 64123
AGENT_HOME = "/tmp/lct-agentcode-home"
NO_PYCACHE = "/nonexistent/lct-no-pycache"  # bytecode caches are neither read from the tree nor written
_PR_SET_NO_NEW_PRIVS = 38


def _is_root() -> bool:
    return os.geteuid() == 0


def _ensure_user() -> None:
    """The unprivileged user exists in the verifier container (added to its own copy of /etc/passwd)."""
    if not _is_root():
        return
    with open("/etc/passwd") as f:
        known = any(line.split(":")[2:3] == [str(AGENT_UID)] for line in f)
    if not known:
        with open("/etc/passwd", "a") as f:
            f.write(f"{AGENT_USER}:x:{AGENT_UID}:{AGENT_GID}::{AGENT_HOME}:/bin/sh\n")
        with open("/etc/group", "a") as f:
            f.write(f"{AGENT_USER}:x:{AGENT_GID}:\n")
    os.makedirs(AGENT_HOME, exist_ok=True)
    os.chown(AGENT_HOME, AGENT_UID, AGENT_GID)
    # hidden references and the reward dir are root's alone
    for path, mode in (("/tests", 0o700), ("/logs/verifier", 0o755), ("/logs", 0o755)):
        if os.path.isdir(path):
            os.chown(path, 0, 0)
            os.chmod(path, mode)


def _lookup_user(user) -> tuple[int, int, str]:
    """(uid, gid, home) of a user named or numbered; root is refused (agent code never runs as root)."""
    import pwd

    try:
        entry = pwd.getpwuid(user) if isinstance(user, int) else pwd.getpwnam(user)
    except KeyError:
        raise ValueError(f"no user {user!r} in the verifier container") from None
    if entry.pw_uid == 0:
        raise ValueError("agent code is never run as root")
    return entry.pw_uid, entry.pw_gid, entry.pw_dir


def _demoter(uid: int, gid: int):
    def demote() -> None:  # runs in the child between fork and exec
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    return demote


_demote = _demoter(AGENT_UID, AGENT_GID)


def give_to_agent(*paths: str) -> None:
    """Let the agent's code write where it works (its copy of the workdir): chown -R to the unprivileged user."""
    if not _is_root():
        return
    _ensure_user()
    for top in paths:
        if not os.path.lexists(top):
            continue
        for root, dirs, files in os.walk(top):
            for name in [*dirs, *files]:
                os.lchown(os.path.join(root, name), AGENT_UID, AGENT_GID)
        os.lchown(top, AGENT_UID, AGENT_GID)


def run_as_agent(cmd, *, input: str | bytes | None = None, timeout: float = 60, cwd: str | None = None,
                 env: dict[str, str] | None = None, text: bool = True, user: str | int | None = None
                 ) -> subprocess.CompletedProcess:
    """Run the agent's code unprivileged. On timeout its whole session is killed and returncode is -9.
    `user` (a name or uid of the verifier container, never root) runs it as that user instead of the default
    unprivileged one, e.g. a service account the task is about."""
    _ensure_user()
    demote, home, name = (_demote if _is_root() else None), AGENT_HOME, AGENT_USER
    if user is not None:
        uid, gid, home = _lookup_user(user)
        name = str(user)
        demote = _demoter(uid, gid) if _is_root() else None
    # PYTHONPYCACHEPREFIX: a path that does not exist, so Python compiles the agent's sources and never runs
    # a __pycache__ it finds beside them (stale after an edit within the same second, or planted).
    full_env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8", "USER": name,
                "PYTHONPYCACHEPREFIX": NO_PYCACHE, **(env or {})}
    if isinstance(cmd, str):
        cmd = ["/bin/sh", "-c", cmd]
    if text and isinstance(input, bytes):
        input = input.decode()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=cwd, env=full_env, text=text, start_new_session=True,
                            preexec_fn=demote)
    try:
        out, err = proc.communicate(input, timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_agent_processes(proc.pid)
        out, err = proc.communicate()
        note = f"\n[timed out after {timeout}s]"
        err = (err or "") + note if text else (err or b"") + note.encode()
        return subprocess.CompletedProcess(cmd, -9, out, err)
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def kill_agent_processes(session: int | None = None) -> None:
    """Kill a session of agent code (or, with no argument, every process of the unprivileged user)."""
    if session is not None:
        try:
            os.killpg(session, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        return
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            if os.stat(f"/proc/{pid}").st_uid == AGENT_UID:
                os.kill(int(pid), signal.SIGKILL)
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            pass


def call_json(cmd, **kwargs):
    """Run agent code that prints one JSON value; return it as plain data (None when it printed no JSON)."""
    res = run_as_agent(cmd, **kwargs)
    try:
        return json.loads(res.stdout)
    except (TypeError, ValueError):
        return None


def same(actual, expected) -> bool:
    """Equal by type and value, recursively (1 != 1.0 != True; dict keys and list order matter)."""
    if type(actual) is not type(expected):
        return False
    if isinstance(expected, dict):
        return actual.keys() == expected.keys() and all(same(actual[k], expected[k]) for k in expected)
    if isinstance(expected, list):
        return len(actual) == len(expected) and all(same(a, e) for a, e in zip(actual, expected))
    return actual == expected


def _git_dir(repo: str) -> str:
    dot = os.path.join(repo, ".git")
    if os.path.isfile(dot):  # a gitdir: link (worktree or submodule)
        with open(dot) as f:
            target = f.read().partition("gitdir:")[2].strip()
        return target if os.path.isabs(target) else os.path.join(repo, target)
    return dot if os.path.isdir(dot) else repo


def git(repo: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """Read a repository the agent left: unprivileged (its config may name commands), and with replace
    objects, grafts, system/global config and hooks disabled, so git shows what is really there. A repository
    that borrows objects (objects/info/alternates) or is shallow is refused (returncode 128): objects that live
    elsewhere, or history cut off, would hide what the branch really holds."""
    gd = _git_dir(repo)
    for borrowed in ("objects/info/alternates", "objects/info/http-alternates", "shallow"):
        if os.path.lexists(os.path.join(gd, borrowed)):
            return subprocess.CompletedProcess(["git", *args], 128, "", f"refused: {borrowed} in {gd}\n")
    env = {"GIT_ALTERNATE_OBJECT_DIRECTORIES": "", "GIT_NO_REPLACE_OBJECTS": "1", "GIT_GRAFT_FILE": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}
    cmd = ["git", "-c", "safe.directory=*", "-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false",
           "--no-replace-objects", "-C", repo, *args]
    return run_as_agent(cmd, timeout=timeout, env=env)


def sha256(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def expected(name: str = "expected.json"):
    """The task's hidden data (tests/expected.json beside this module), as plain JSON values."""
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), name), encoding="utf-8") as f:
        return json.load(f)


def untouched(digests: dict[str, str] | None = None) -> list[str]:
    """The inputs (absolute path -> sha256; default: expected()["untouched"]) that are missing or whose bytes
    changed, read as root without following a symlink the agent may have put in their place. [] when all intact."""
    digests = expected()["untouched"] if digests is None else digests
    bad = []
    for path, digest in sorted(digests.items()):
        if os.path.islink(path) or not os.path.isfile(path) or sha256(path) != digest:
            bad.append(path)
    return bad


__all__ = ["AGENT_UID", "AGENT_USER", "call_json", "expected", "git", "give_to_agent", "kill_agent_processes",
           "run_as_agent", "same", "sha256", "untouched"]
