"""Framing of the messages between the leader, the zygote and its runners.

A frame is a 4-byte big-endian length followed by a pickled tuple; every end is the
same program, so pickle is safe here.
"""

from __future__ import annotations

import pickle
import struct
from typing import Any

Message = tuple[Any, ...]

_HEADER = struct.Struct(">I")


def encode(message: Message) -> bytes:
    """Frame one message for the pipe."""
    body = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(body)) + body


class FrameReader:
    """Split a byte stream into the messages framed by ``encode``."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[Message]:
        """Add bytes read from the pipe and return every message now complete."""
        buffer = self._buffer
        buffer += data
        messages: list[Message] = []
        offset = 0
        while len(buffer) - offset >= _HEADER.size:
            (size,) = _HEADER.unpack_from(buffer, offset)
            end = offset + _HEADER.size + size
            if end > len(buffer):
                break
            messages.append(pickle.loads(buffer[offset + _HEADER.size : end]))
            offset = end
        del buffer[:offset]
        return messages
