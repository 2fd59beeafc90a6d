# KEYS and SAVE, then a restart: the saved pair must come back from the data file.
printf 'SET smoke:test ok\nKEYS smoke:\nSAVE\n' | nc -q 2 127.0.0.1 "$PORT"
@@ctl@@ stop
@@ctl@@ start
printf 'GET smoke:test\nDEL smoke:test\nSAVE\n' | nc -q 2 127.0.0.1 "$PORT"
