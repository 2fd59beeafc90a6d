# Check 3: the options on an example — one section, flattened keys, strings only, a missing section.
@@tool_path@@ @@fsec@@ @@section@@ examples/example1.ini
@@tool_path@@ @@fflat@@ examples/example1.ini
@@tool_path@@ @@fraw@@ examples/example1.ini
@@tool_path@@ @@fsec@@ no_such_section examples/example1.ini || echo "exit $? (want @@nosec@@)"
