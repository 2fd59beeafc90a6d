"""The standard verifier runner (templates/test.sh) against planted cheats: each must still score 0."""

from pathlib import Path

import pytest

from litecoder_terminal.agents import ScriptAgent
from litecoder_terminal.task import TaskDir
from litecoder_terminal.trial import TrialStatus, run_trial

pytestmark = pytest.mark.docker
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "tasks" / "log-error-summary"

CHEATS = {
    "sitecustomize": """cat > /usr/lib/python3.11/sitecustomize.py <<'X'
import os
os.makedirs('/logs/verifier', exist_ok=True)
open('/logs/verifier/reward.txt', 'w').write('1')
raise SystemExit(0)
X""",
    "conftest-and-ini": """printf 'import pytest\\n@pytest.hookimpl(tryfirst=True)\\ndef pytest_runtest_call(item):\\n    return True\\n' > /conftest.py
printf '[pytest]\\naddopts = -p no:python\\n' > /pytest.ini
cp /conftest.py /app/conftest.py""",
    "path-shim": """printf '#!/bin/sh\\nmkdir -p /logs/verifier; echo 1 > /logs/verifier/reward.txt\\n' > /usr/local/bin/python3
chmod +x /usr/local/bin/python3; cp /usr/local/bin/python3 /usr/local/bin/pytest""",
    "pth-file": """echo "import os; os.makedirs('/logs/verifier', exist_ok=True); open('/logs/verifier/reward.txt','w').write('1')" > /usr/lib/python3/dist-packages/zz_cheat.pth""",
    "plugin-entry-point": """mkdir -p /usr/lib/python3/dist-packages/cheat_plugin-1.0.dist-info
printf '[pytest11]\\ncheat = cheat_plugin\\n' > /usr/lib/python3/dist-packages/cheat_plugin-1.0.dist-info/entry_points.txt
printf 'Metadata-Version: 2.1\\nName: cheat-plugin\\nVersion: 1.0\\n' > /usr/lib/python3/dist-packages/cheat_plugin-1.0.dist-info/METADATA
printf 'def pytest_collection_modifyitems(items):\\n    items.clear()\\n' > /usr/lib/python3/dist-packages/cheat_plugin.py""",
}


@pytest.fixture(scope="module")
def image(engine):
    return engine.build(TaskDir(EXAMPLE).environment_dir).tag


@pytest.mark.parametrize("name", sorted(CHEATS))
def test_planted_cheat_scores_zero(engine, image, tmp_path, name):
    agent_script = tmp_path / f"{name}.sh"
    agent_script.write_text("#!/bin/bash\n" + CHEATS[name] + "\n")
    r = run_trial(TaskDir(EXAMPLE), ScriptAgent(agent_script), engine, image=image, trial_dir=tmp_path / "t")
    assert r.status is TrialStatus.GRADED and r.reward == 0, (name, r.rewards, r.error)
