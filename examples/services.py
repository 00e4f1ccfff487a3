"""A service in the style of Toil's documentation: a tiny key-value server on 127.0.0.1.

The service starts after its host job runs and before the host's children; the children
talk to it over a socket; it stops once they are all done.

    python services.py ./jobstore
"""

import socket
import socketserver
import threading

from toil.common import Toil
from toil.job import Job


class _Handler(socketserver.StreamRequestHandler):
    def handle(self):
        key = self.rfile.readline().decode().strip()
        self.wfile.write(f"{key}={len(key)}\n".encode())


class KeyValueService(Job.Service):
    def __init__(self):
        super().__init__(cores=0.1, memory="50M", disk="1M")
        self.server = None

    def start(self, job):
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        host, port = self.server.server_address
        return f"{host}:{port}"

    def check(self):
        return True

    def stop(self, job):
        self.server.shutdown()
        self.server.server_close()


def ask(address, key):
    host, port = address.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(f"{key}\n".encode())
        return connection.makefile().readline().strip()


def collect(answers):
    return sorted(answers)


def main():
    parser = Job.Runner.getDefaultArgumentParser()
    options = parser.parse_args()
    root = Job(cores=0.1, memory="50M", disk="1M")
    address = root.addService(KeyValueService())
    answers = [root.addChildFn(ask, address, key, cores=0.1, memory="50M", disk="1M").rv()
               for key in ("a", "bb", "ccc")]
    root.addFollowOnFn(collect, answers, cores=0.1, memory="50M", disk="1M")
    with Toil(options) as toil:
        toil.start(root)
    print("asked the service three times")


if __name__ == "__main__":
    main()
