"""A TCP proxy in front of the bridge that holds POSTs back for a while: a bridge that is slow to check."""

from __future__ import annotations

import socket
import threading
import time

from devstack.layout import free_port


class SlowProxy:
    def __init__(self, upstream_port: int, post_delay: float, port: int | None = None) -> None:
        self.port = port or free_port()
        self.upstream_port = upstream_port
        self.post_delay = post_delay
        self._server = socket.create_server(("127.0.0.1", self.port))
        self._running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while self._running:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client:
            first = client.recv(65536)
            if first.startswith(b"POST"):
                time.sleep(self.post_delay)
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            except OSError:
                return
            with upstream:
                upstream.sendall(first)
                threading.Thread(target=_pipe, args=(client, upstream), daemon=True).start()
                _pipe(upstream, client)

    def close(self) -> None:
        self._running = False
        self._server.close()


def _pipe(source: socket.socket, target: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            target.sendall(chunk)
    except OSError:
        pass
