"""Scenarios for services, deadlocks, checkpoints and encapsulation, chosen by --scenario.

Prints ``RESULT <json>`` on success.
"""

import json
import os
import socket
import socketserver
import threading
import time

from toil.common import Toil
from toil.job import Job

SMALL = {"cores": 0.1, "memory": "20M", "disk": "1M"}


def event(log, text):
    with open(log, "a") as handle:
        handle.write(f"{time.time():.6f} {text}\n")


class _Echo(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(b"pong:" + self.rfile.readline())


class EchoService(Job.Service):
    def __init__(self, log, name="echo", cores=0.1):
        super().__init__(cores=cores, memory="20M", disk="1M")
        self.log, self.name, self.server = log, name, None

    def start(self, job):
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        event(self.log, f"start {self.name} pid={os.getpid()}")
        host, port = self.server.server_address
        return f"{host}:{port}"

    def stop(self, job):
        self.server.shutdown()
        self.server.server_close()
        event(self.log, f"stop {self.name}")


class MarkerService(Job.Service):
    """A child service: it checks that its parent service started before it."""

    def __init__(self, log, name):
        super().__init__(**SMALL)
        self.log, self.name = log, name

    def start(self, job):
        with open(self.log) as handle:
            started = [line.split()[2] for line in handle if line.split()[1] == "start"]
        event(self.log, f"start {self.name} after={','.join(started)}")
        return self.name

    def stop(self, job):
        event(self.log, f"stop {self.name}")


def ping(address, log, text):
    host, port = address.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(text.encode() + b"\n")
        answer = connection.makefile().readline().strip()
    event(log, f"ping {answer}")
    return answer


def gather(*values):
    return list(values)


def services(job, log):
    """Dynamic: the running job adds a service and children that use it."""
    address = job.addService(EchoService(log))
    answers = [job.addChildFn(ping, address, log, f"m{i}", **SMALL).rv() for i in range(3)]
    return job.addFollowOnFn(gather, *answers, **SMALL).rv()


def static_services(log):
    """Static: the graph, service included, exists before the workflow starts."""
    root = Job(**SMALL)
    address = root.addService(EchoService(log))
    root.addChildFn(ping, address, log, "static", **SMALL)
    return root


def child_services(job, log):
    parent = EchoService(log, "parent")
    job.addService(parent)
    child_value = job.addService(MarkerService(log, "child"), parentService=parent)
    return job.addChildFn(gather, child_value, **SMALL).rv()


def limited_services(job, log):
    for name in ("one", "two"):
        host = job.addChild(Job(**SMALL))
        address = host.addService(EchoService(log, name))
        host.addChildFn(ping, address, log, name, **SMALL)


def deadlock(log):
    root = Job(**SMALL)
    address = root.addService(EchoService(log, "hog", cores=1))
    root.addChildFn(ping, address, log, "never", cores=1, memory="20M", disk="1M")
    return root


def flaky(job, log, flag):
    """Fail every try until the checkpoint above has run twice."""
    event(log, "flaky")
    with open(log) as handle:
        checkpoint_runs = sum(line.split()[1] == "checkpoint" for line in handle)
    if checkpoint_runs < 2:
        raise RuntimeError("flaky child fails until its checkpoint restarts")
    return "child-ok"


def checkpointed(job, log, flag):
    event(log, "checkpoint")
    return job.addChildJobFn(flaky, log, flag, **SMALL).rv()


def checkpoint(job, log):
    return job.addChildJobFn(checkpointed, log, log + ".flag", checkpoint=True, **SMALL).rv()


def child_note(job, log, i):
    event(log, f"a-child-{i}")


def fan(job, log):
    event(log, "a")
    for i in range(3):
        job.addChildJobFn(child_note, log, i, **SMALL)
    return "a-value"


def encapsulation(job, log):
    wrapped = job.addChild(Job.wrapJobFn(fan, log, **SMALL).encapsulate())
    wrapped.addChild(Job.wrapFn(event, log, "b", **SMALL))
    return wrapped.rv()


DYNAMIC = {f.__name__: f for f in (services, child_services, limited_services, checkpoint, encapsulation)}
STATIC = {f.__name__: f for f in (static_services, deadlock)}


def main():
    parser = Job.Runner.getDefaultArgumentParser()
    parser.add_argument("--scenario", required=True, choices=sorted({**DYNAMIC, **STATIC}))
    parser.add_argument("--log", required=True)
    options = parser.parse_args()
    open(options.log, "a").close()
    if options.scenario in DYNAMIC:
        root = Job.wrapJobFn(DYNAMIC[options.scenario], options.log, **SMALL)
    else:
        root = STATIC[options.scenario](options.log)
    with Toil(options) as toil:
        value = toil.start(root)
    print("RESULT " + json.dumps(value))


if __name__ == "__main__":
    main()
