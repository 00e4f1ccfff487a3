"""Toil's ``toil.lib.conversions`` path: size parsing and printing."""

from toil.core.requirements import bytes2human, human2bytes

__all__ = ["bytes2human", "human2bytes"]
