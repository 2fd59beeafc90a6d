# Check 3b: `-` reads standard input, and a quoted value left open is an error naming its line.
@@tool_path@@ - < examples/example1.ini
printf '[q]\nv = "never closed\n' | @@tool_path@@ - || echo "exit $? (want @@err@@)"
