#!/bin/bash
# Known wrong: leans on configparser (the retired v1 converter), whose dialect differs from the specification.
set -euo pipefail
mkdir -p "$(dirname @@tool_path@@)"
cat > @@tool_path@@ <<'PYEOF'
@@program@@PYEOF
chmod +x @@tool_path@@
