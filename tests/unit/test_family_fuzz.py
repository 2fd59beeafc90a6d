"""Fuzz every procedural family at every level over many seeds: no sample may raise, every sample keeps the contract.

`lct generate --count 20000` once died on one family's `IndexError` seen on ~1 seed in 300, so one or two
hand-picked seeds per family (test_families.py) are not enough. Here every family is sampled at easy, medium and
hard over a deterministic, family-specific spread of seeds; a failure names family, level and seed, and is
reproduced with `get_family(name)({"difficulty": level}).sample(seed)`.

The contract checked on each sample (`contract_problems`): the four required files, at least two
`solution/wrong/*.sh`, a non-empty instruction, and no stray indentation in the instruction (a line indented by
4+ spaces outside a fenced code block that does not continue a list item: the mark of a `textwrap.dedent`
template whose interpolated multi-line text defeated the dedent).

Cost, measured per sample (build + contract check) on the 2-core dev box, ms: most families 0.4-3, the numeric
and data ones 5-25, tabular_classifier_threshold ~40 (table `COST_MS`). Seeds per level are
`clamp(BUDGET_MS / cost, 20, 1000)` with BUDGET_MS = 400, i.e. about 0.4 s of sampling per family and level:
  - under 1 ms/sample (codebreaker_live_match, kv_daemon_rollout, ode_trajectory_sampling, ...): 500-1000 seeds
    per level, 1,200-3,000 per family;
  - 1-3 ms: 130-400 per level, 375-1,000 per family (git_merge_config_conflicts and makefile_build_repair 630,
    permission_hardening 999, ...);
  - 5-25 ms: 20-80 per level; the slowest (>= 20 ms) floor at 20 per level = 60 per family.
In all ~32,000 samples, ~58 core-seconds by the table; measured 110 core-seconds at BUDGET_MS = 600 under a
loaded box, so ~40-50 s for this file on 2 idle cores (the work is spread over a process pool of
`os.cpu_count()` workers). Families missing from the table are treated as 10 ms/sample. The original
git_merge_config_conflicts IndexError (~1 seed in 300-600) shows up at medium seed 1190467159 of this sweep.

Larger sweeps: `LCT_FUZZ_SEEDS=5000 pytest tests/unit/test_family_fuzz.py` samples that many seeds per family and
level (every family alike), or `python benchmarks/family_fuzz.py --seeds 5000` (prints samples/s and failures).
"""

from __future__ import annotations

import multiprocessing
import os
import re
import sys
import traceback
from concurrent.futures import ProcessPoolExecutor

import pytest

from litecoder_terminal.synth.procedural.base import GeneratedTask, derive_seed
from litecoder_terminal.synth.procedural.registry import families, get_family

LEVELS = ("easy", "medium", "hard")
REQUIRED_FILES = ("solution/solve.sh", "tests/test_outputs.py", "environment/Dockerfile", "tests/test.sh")
BUDGET_MS = 400.0  # per family and level
MIN_SEEDS, MAX_SEEDS = 20, 1000
DEFAULT_COST_MS = 10.0
# ms per sample, measured (median of 3 runs of 60 seeds x 3 levels, 2-core box): drives the seed counts above.
COST_MS = {
    "classification_metrics_report": 3.2, "fix_leaky_training_script": 22.6, "knn_pipeline_model_card": 12.5,
    "tabular_classifier_threshold": 40.0, "cmake_library_install": 1.6, "make_stale_targets": 1.0,
    "makefile_build_repair": 2.0, "makefile_incremental_write": 0.7, "c_function_impl": 45.0, "cli_ini_tool": 58.0,
    "ledger_feature_stages": 155.0, "python_module_bugfix": 30.0, "multi_source_order_report": 30.0,
    "sales_ledger_monthly_rollup": 7.3, "sensor_outlier_flagging": 21.8, "sqlite_load_and_query": 5.8,
    "store_exports_pipeline": 19.9, "codebreaker_live_match": 0.5, "connect_n_rules_bugfix": 0.5,
    "keys_doors_maze_routes": 22.1, "sliding_puzzle_pack_qa": 1.3, "stone_heaps_live_duel": 1.2,
    "gateway_route_repair": 1.8, "iptables_verdict_trace": 12.1, "kv_daemon_rollout": 2.0,
    "paginated_api_export": 16.1, "subnet_allocation_plan": 5.0, "decay_curve_fit": 37.0,
    "measurement_uncertainty_propagation": 10.0, "ode_trajectory_sampling": 5.7, "resistor_network_dc_solve": 6.5,
    "thermocouple_cooling_pipeline": 10.1, "integrity_manifest_recovery": 30.6, "leaked_secret_cleanup": 4.7,
    "permission_hardening": 8.6, "ssh_bruteforce_blocklist": 29.6, "sshd_config_hardening": 14.6,
    "cron_window_jobs": 13.8, "disk_cleanup_policy": 5.4, "hr_user_provisioning": 4.7, "http_error_report": 30.8,
    "service_config_repair": 8.3, "git_backport_marked_fixes": 2.4, "git_bisect_hotfix_release": 3.5,
    "git_merge_config_conflicts": 3.5, "git_purge_committed_secret": 1.4, "git_recover_lost_work": 1.5,
    "misconfigured_toolchain": 2.5,
    "layered_config_outage": 6.0,
}

_FENCE = re.compile(r"^\s*(```|~~~)")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\S")


def stray_indented_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) of prose indented by 4+ spaces outside fenced code that continues no list item.

    A list item (`- `, `* `, `1. `) opens a list context at its indent; lines indented deeper continue it (wrapped
    item text, nested items), a line back at or left of that indent closes it. Blank lines do not close it.
    """
    stray = []
    in_fence = False
    list_indent: int | None = None
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.expandtabs(4)
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence or not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        if _LIST_ITEM.match(line):
            if indent >= 4 and list_indent is None:
                stray.append((n, raw))
            list_indent = indent if list_indent is None else min(list_indent, indent)
            continue
        if list_indent is not None and indent <= list_indent:
            list_indent = None
        if indent >= 4 and list_indent is None:
            stray.append((n, raw))
    return stray


def contract_problems(task: GeneratedTask) -> list[str]:
    """What is wrong with one sample (empty: nothing)."""
    problems = [f"missing {p}" for p in REQUIRED_FILES if p not in task.files]
    wrong = [p for p in task.files if re.fullmatch(r"solution/wrong/[^/]+\.sh", p)]
    if len(wrong) < 2:
        problems.append(f"{len(wrong)} wrong solution(s) (solution/wrong/*.sh), at least 2 required")
    if not task.instruction.strip():
        problems.append("empty instruction")
    stray = stray_indented_lines(task.instruction)
    if stray:
        n, line = stray[0]
        problems.append(f"instruction line {n} indented outside a list or code block ({len(stray)} such lines): "
                        f"{line[:80]!r}")
    return problems


def seeds_for(name: str, level: str, n: int) -> list[int]:
    """n distinct seeds, a different arithmetic progression per family and level (start and odd stride from the
    names), spread over the 31-bit range `lct generate` draws its seeds from."""
    start = derive_seed("fuzz-start", name, level) % (1 << 31)
    stride = (derive_seed("fuzz-stride", name, level) % (1 << 20)) * 2 + 1
    return [(start + k * stride) % (1 << 31) for k in range(n)]


def seeds_per_level(name: str) -> int:
    override = os.environ.get("LCT_FUZZ_SEEDS")
    if override:
        return int(override)
    return int(min(MAX_SEEDS, max(MIN_SEEDS, BUDGET_MS / COST_MS.get(name, DEFAULT_COST_MS))))


def fuzz_chunk(name: str, level: str, seeds: list[int]) -> list[tuple[str, str, int, str]]:
    """Sample `seeds`; (family, level, seed, problem) for each sample that raised or broke the contract."""
    fam = get_family(name)({"difficulty": level})
    out = []
    for seed in seeds:
        try:
            task = fam.sample(seed)
        except Exception as e:  # noqa: BLE001 - every exception is a finding
            tb = traceback.extract_tb(e.__traceback__)[-1]
            out.append((name, level, seed, f"{type(e).__name__}: {e} (at {os.path.basename(tb.filename)}:{tb.lineno})"))
            continue
        out += [(name, level, seed, p) for p in contract_problems(task)]
    return out


def chunks(name: str, n_per_level: int, size: int) -> list[tuple[str, str, list[int]]]:
    out = []
    for level in LEVELS:
        seeds = seeds_for(name, level, n_per_level)
        out += [(name, level, seeds[i:i + size]) for i in range(0, len(seeds), size)]
    return out


def make_pool(workers: int | None = None) -> ProcessPoolExecutor:
    ctx = multiprocessing.get_context("fork") if sys.platform.startswith("linux") else None
    return ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1, mp_context=ctx)


def format_failures(failures: list[tuple[str, str, int, str]], limit: int = 10) -> str:
    lines = [f"{name}/{level} seed={seed}: {problem}" for name, level, seed, problem in failures[:limit]]
    more = f"\n... and {len(failures) - limit} more" if len(failures) > limit else ""
    return "\n".join(lines) + more


@pytest.fixture(scope="module")
def pool():
    families()  # import every family module before forking, so workers need not
    with make_pool() as p:
        yield p


@pytest.mark.parametrize("name", [f.name for f in families()])
def test_family_survives_many_seeds(pool, name):
    n = seeds_per_level(name)
    size = max(5, -(-n // 4))  # a few chunks per level, so both cores stay busy on the slow families
    failures = []
    for result in pool.map(fuzz_chunk, *zip(*chunks(name, n, size))):
        failures += result
    assert not failures, (f"{name}: {len(failures)} problem(s) in {3 * n} samples; reproduce with "
                          f"get_family({name!r})({{'difficulty': level}}).sample(seed)\n" + format_failures(failures))


def test_stray_indentation_check():
    ok = "Intro.\n\n- item one that wraps\n  onto a second line\n   - nested item\n     wrapped nested\n\nDone.\n"
    assert stray_indented_lines(ok) == []
    assert stray_indented_lines("Intro.\n\n```\n    code is fine\n```\n") == []
    assert stray_indented_lines("1. step\n\n    still part of step one\n") == []
    bad = "Intro.\n\n            Leftover dedent prose.\n| a |\n"
    assert stray_indented_lines(bad) == [(3, "            Leftover dedent prose.")]
    assert stray_indented_lines("- item\nBack to prose.\n    indented prose\n") == [(3, "    indented prose")]
    assert stray_indented_lines("Intro.\n\n        - orphan indented item\n") == [(3, "        - orphan indented item")]
