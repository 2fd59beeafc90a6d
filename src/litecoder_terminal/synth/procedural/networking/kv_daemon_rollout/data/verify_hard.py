

def test_port_moved_in_config():
    ports = re.findall(r"^\s*port\s*=\s*(\d+)", CONF.read_text(), re.M)
    assert ports == [str(PORT)], ports


def test_idle_client_does_not_block_others():
    idle = socket.create_connection(("127.0.0.1", PORT), timeout=10)
    idle.sendall(b"SET half")  # an unfinished request, no newline
    others = [Client() for _ in range(5)]
    for i, c in enumerate(others):
        assert c.cmd(f"SET conc:{i} v{i}") == "OK"
    for i, c in enumerate(others):
        assert c.cmd(f"GET conc:{(i + 1) % 5}") == f"VALUE v{(i + 1) % 5}"
        c.close()
    idle.sendall(b"key value\n")
    f = idle.makefile("rb")
    assert f.readline() == b"OK\n"
    idle.close()
