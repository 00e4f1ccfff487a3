"""Resource requirements: parsing of user values and the arithmetic the schedulers need."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

_UNITS = {
    "": 1,
    "b": 1,
    "k": 1000, "kb": 1000, "ki": 1024, "kib": 1024,
    "m": 1000**2, "mb": 1000**2, "mi": 1024**2, "mib": 1024**2,
    "g": 1000**3, "gb": 1000**3, "gi": 1024**3, "gib": 1024**3,
    "t": 1000**4, "tb": 1000**4, "ti": 1024**4, "tib": 1024**4,
    "p": 1000**5, "pb": 1000**5, "pi": 1024**5, "pib": 1024**5,
    "e": 1000**6, "eb": 1000**6, "ei": 1024**6, "eib": 1024**6,
}
_SIZE = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([a-zA-Z]*)\s*$")

GIB = 1024**3

ParseableSize = int | float | str


class RequirementError(ValueError):
    """A requirement value that cannot be understood; the message names it."""


def human2bytes(value: ParseableSize) -> int:
    """Turn 2G, 512Mi, '1.5 GiB', 1024 or 1e9 into a number of bytes.

    As in Toil, K, M, G ... are powers of 1000 and Ki, Mi, Gi ... powers of 1024.
    """
    if isinstance(value, bool):
        raise RequirementError(f"'{value}' is not a size")
    if isinstance(value, (int, float)):
        if value < 0 or math.isnan(value) or math.isinf(value):
            raise RequirementError(f"'{value}' is not a size")
        return int(value)
    match = _SIZE.match(str(value))
    if not match:
        raise RequirementError(f"'{value}' is not a size (expected a number with an optional unit such as 512M or 2Gi)")
    number, unit = match.groups()
    factor = _UNITS.get(unit.lower())
    if factor is None:
        raise RequirementError(f"'{value}' has an unknown unit '{unit}' (use K, M, G, T, Ki, Mi, Gi, Ti ...)")
    size = float(number) * factor
    if math.isinf(size):  # '1e400', or 400 digits: int() of it would raise OverflowError
        raise RequirementError(f"'{value}' is too large to be a size")
    return int(size)


def bytes2human(n: int | float) -> str:
    """Render a byte count the way people read it: 2.0 GiB, 512.0 MiB, 100 B."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(value) < 1024 or unit == "PiB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def parse_cores(value: Any) -> float:
    """Cores may be fractional: 1, 0.5, '2'. A whole number given as int (or '2') stays an int."""
    if isinstance(value, bool):
        raise RequirementError(f"'{value}' is not a number of cores")
    if type(value) is int:
        cores: float = value
    else:
        try:
            cores = int(value) if isinstance(value, str) and value.strip().isdigit() else float(value)
        except (TypeError, ValueError):
            raise RequirementError(f"'{value}' is not a number of cores") from None
    if cores < 0 or math.isnan(cores) or math.isinf(cores):
        raise RequirementError(f"'{value}' is not a number of cores")
    return cores


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "t", "yes", "y", "1", "on"):
        return True
    if text in ("false", "f", "no", "n", "0", "off", ""):
        return False
    raise RequirementError(f"'{value}' is not a boolean")


@dataclass(frozen=True)
class Accelerator:
    """One kind of accelerator a job asks for, as in Toil's AcceleratorRequirement."""

    count: int = 1
    kind: str = "gpu"
    model: str | None = None
    brand: str | None = None
    api: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"count": self.count, "kind": self.kind}
        for key in ("model", "brand", "api"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out


_APIS = {"cuda": "nvidia", "rocm": "amd", "opencl": None}
_BRANDS = {"nvidia", "amd", "intel", "apple"}


def _accelerator_count(value: Any) -> int:
    """A whole, non-negative count (2 or '2'); None, 1.5, 'x' or inf are refused, not crashed on."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise RequirementError(f"accelerator count {value!r} is not a whole number")
    try:
        count = int(value)
    except ValueError:
        raise RequirementError(f"accelerator count {value!r} is not a whole number") from None
    if count < 0:
        raise RequirementError(f"accelerator count {count} is negative")
    return count


def parse_accelerator(spec: Any) -> Accelerator:
    """Parse 'gpu', 'cuda:2', '2', 'nvidia-tesla-k80', 'gpu:1' or a dict like Toil's."""
    if isinstance(spec, Accelerator):
        return spec
    if isinstance(spec, dict):
        unknown = set(spec) - {"count", "kind", "model", "brand", "api"}
        if unknown:
            raise RequirementError(f"accelerator requirement has unknown keys: {', '.join(sorted(unknown))}")
        count = _accelerator_count(spec.get("count", 1))
        return Accelerator(count, str(spec.get("kind", "gpu")), spec.get("model"), spec.get("brand"), spec.get("api"))
    if isinstance(spec, bool):
        raise RequirementError(f"'{spec}' is not an accelerator requirement")
    if isinstance(spec, int):
        if spec < 0:
            raise RequirementError(f"accelerator count {spec} is negative")
        return Accelerator(count=spec)
    text = str(spec).strip()
    name, _, count_text = text.partition(":")
    try:
        count = int(count_text) if count_text else 1
    except ValueError:
        raise RequirementError(
            f"'{spec}' is not an accelerator requirement (count '{count_text}' is not a number)"
        ) from None
    if name.isascii() and name.isdigit() and not count_text:  # "²" is a digit that int() refuses
        return Accelerator(count=int(name))
    lowered = name.lower()
    if lowered in ("gpu", ""):
        return Accelerator(count=count)
    if lowered in _APIS:
        return Accelerator(count=count, api=lowered, brand=_APIS[lowered])
    if lowered in _BRANDS:
        return Accelerator(count=count, brand=lowered)
    brand = lowered.split("-", 1)[0]
    return Accelerator(count=count, model=name, brand=brand if brand in _BRANDS else None)


@dataclass(frozen=True)
class Requirements:
    """What one job needs to run. Sizes are bytes; cores may be fractional."""

    cores: float = 1
    memory: int = 2 * GIB
    disk: int = 2 * GIB
    accelerators: tuple[Accelerator, ...] = field(default_factory=tuple)
    preemptible: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"cores": self.cores, "memory": self.memory, "disk": self.disk}
        if self.accelerators:
            out["accelerators"] = [a.to_dict() for a in self.accelerators]
        if self.preemptible:
            out["preemptible"] = True
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Requirements:
        return cls(
            cores=parse_cores(data["cores"]),
            memory=int(data["memory"]),
            disk=int(data["disk"]),
            accelerators=tuple(parse_accelerator(a) for a in data.get("accelerators", ())),
            preemptible=bool(data.get("preemptible", False)),
        )

    @property
    def accelerator_count(self) -> int:
        return sum(a.count for a in self.accelerators)

    def fits_in(self, other: Requirements) -> bool:
        """Tell whether a job needing self can run where other is available."""
        return (
            self.cores <= other.cores + 1e-9
            and self.memory <= other.memory
            and self.disk <= other.disk
            and self.accelerator_count <= other.accelerator_count
        )

    def describe(self) -> str:
        text = f"{self.cores:g} cores, {bytes2human(self.memory)} memory, {bytes2human(self.disk)} disk"
        if self.accelerators:
            text += f", {self.accelerator_count} accelerators"
        return text


def parse_requirements(values: dict[str, Any], defaults: Requirements) -> Requirements:
    """Build Requirements from user values (None keeps the default); raise RequirementError."""
    cores = values.get("cores")
    memory = values.get("memory")
    disk = values.get("disk")
    accelerators = values.get("accelerators")
    preemptible = values.get("preemptible", values.get("preemptable"))
    if accelerators is None:
        parsed_acc = defaults.accelerators
    elif isinstance(accelerators, (list, tuple)):
        parsed_acc = tuple(parse_accelerator(a) for a in accelerators)
    else:
        parsed_acc = (parse_accelerator(accelerators),)
    return Requirements(
        cores=defaults.cores if cores is None else parse_cores(cores),
        memory=defaults.memory if memory is None else human2bytes(memory),
        disk=defaults.disk if disk is None else human2bytes(disk),
        accelerators=parsed_acc,
        preemptible=defaults.preemptible if preemptible is None else parse_bool(preemptible),
    )


def beyond_machine(what: str, name: str, asked: float, given: float) -> str:
    """One line saying a step asked for more cores or memory than there is, and what it gets."""
    if name == "memory":
        return (f"{what} asks for {bytes2human(asked)} of memory; this machine (or --maxMemory) has "
                f"{bytes2human(given)}: it runs with that")
    return f"{what} asks for {asked:g} cores; this machine (or --maxCores) has {given:g}: it runs with {given:g}"


_said: set[str] = set()


def say_once(text: str, say: Callable[[str], None]) -> None:
    """``say(text)`` the first time this process meets the text (a scatter's steps ask alike)."""
    if text not in _said:
        _said.add(text)
        say(text)
