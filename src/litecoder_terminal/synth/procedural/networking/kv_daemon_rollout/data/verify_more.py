

def test_loaded_data_file_and_keys():
    c = Client()
    assert c.cmd("GET seed:alpha") == "VALUE first value"
    assert c.cmd("INCR seed:beta") == "VALUE 42"
    assert c.cmd("SET seed:gamma g") == "OK"
    c.send("KEYS seed:")
    assert c.read() == "KEYS 3"
    assert [c.read() for _ in range(3)] == ["seed:alpha", "seed:beta", "seed:gamma"]
    c.send("KEYS other")
    assert c.read() == "KEYS 1"
    assert c.read() == "other:key"
    c.send("KEYS nothing-here")
    assert c.read() == "KEYS 0"
    assert c.cmd("PING") == "PONG"
    c.close()


def test_save_survives_restart():
    c = Client()
    assert c.cmd("SET persist:me kept  across restarts") == "OK"
    assert c.cmd("DEL other:key") == "DELETED 1"
    c.send("KEYS")
    n = int(c.read().split()[1])
    all_keys = [c.read() for _ in range(n)]
    assert c.cmd("SAVE") == f"SAVED {n}"
    c.close()
    on_disk = json.loads(agent_file(DATAFILE) or "null")
    assert isinstance(on_disk, dict), f"{DATAFILE} does not hold a JSON object"
    assert sorted(on_disk) == sorted(all_keys) and on_disk["persist:me"] == "kept  across restarts"
    assert ctl("stop").returncode == 0
    assert wait_port(up=False)
    ctl_start()
    assert wait_port()
    c = Client()
    assert c.cmd("GET persist:me") == "VALUE kept  across restarts"
    assert c.cmd("GET other:key") == "NOT_FOUND"
    assert c.cmd("GET seed:beta") == "VALUE 42"
    c.close()
