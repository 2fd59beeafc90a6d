#!/usr/bin/env python3
"""@@svc@@: prototype key-value daemon. Speaks (most of) protocol v1, see PROTOCOL.md."""
import socket

PORT = @@default_port@@
store = {}


def handle(conn):
    data = conn.recv(1024).decode()
    parts = data.strip().split()
    cmd = parts[0]
    if cmd == "PING":
        resp = "PONG"
    elif cmd == "SET":
        store[parts[1]] = parts[2]
        resp = "OK"
    elif cmd == "GET":
        resp = "VALUE " + store[parts[1]] if parts[1] in store else "nil"
    elif cmd == "DEL":
        store.pop(parts[1], None)
        resp = "DELETED 1"
    else:
        resp = "ERR unknown command"
    conn.sendall((resp + "\n").encode())
    conn.close()


def main():
    s = socket.socket()
    s.bind(("0.0.0.0", PORT))
    s.listen(5)
    while True:
        conn, _ = s.accept()
        handle(conn)


if __name__ == "__main__":
    main()
