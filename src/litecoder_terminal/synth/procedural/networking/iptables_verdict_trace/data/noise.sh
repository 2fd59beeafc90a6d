# A backup of an older ruleset and a previous review's output sit nearby: what differs from the saved rules?
diff @@bak@@ @@rules@@ | head -n 20 || true
ls -la @@workdir@@/previous
head -n 3 @@workdir@@/previous/*.csv
