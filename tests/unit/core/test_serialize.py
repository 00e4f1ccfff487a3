"""Promise resolution through ResultReader: nested, deep and cyclic results."""

from __future__ import annotations

import pytest

from toil.core import serialize
from toil.core.serialize import PromiseRef, ResultReader, dumps


def reader_for(values: dict[str, object]) -> tuple[ResultReader, list[str]]:
    stored = {job: dumps(value)[0] for job, value in values.items()}
    reads: list[str] = []

    def read(job_id: str) -> bytes:
        reads.append(job_id)
        return stored[job_id]

    return ResultReader(read), reads


def test_a_promise_of_a_promise_is_followed_along_its_path() -> None:
    reader, _ = reader_for({"a": {"x": [PromiseRef("b", (1,))]}, "b": ("zero", "one")})
    assert reader(PromiseRef("a", ("x", 0))) == "one"


def test_a_chain_deeper_than_the_interpreter_stack_resolves() -> None:
    depth = 5000  # each job returned its child's promise, as a long chain of jobs does
    values: dict[str, object] = {f"j{i}": PromiseRef(f"j{i + 1}", ()) for i in range(depth)}
    values[f"j{depth}"] = depth
    reader, reads = reader_for(values)
    assert reader(PromiseRef("j0", ())) == depth
    assert reader(PromiseRef("j7", ())) == depth
    assert sorted(reads) == sorted(values)  # every value read from the store once


def test_results_that_refer_to_each_other_are_an_error_not_a_hang() -> None:
    reader, _ = reader_for({"a": PromiseRef("b", ()), "b": PromiseRef("a", ())})
    with pytest.raises(ValueError, match="cycle"):
        reader(PromiseRef("a", ()))


def test_a_value_holding_many_promises_is_unpickled_at_most_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    values: dict[str, object] = {"gather": [PromiseRef(f"t{i}", ()) for i in range(300)]}
    values.update({f"t{i}": i for i in range(300)})
    reader, reads = reader_for(values)
    calls: list[bytes] = []
    real_loads = serialize.loads

    def counting_loads(data: bytes, resolver: serialize.Resolver | None = None) -> object:
        calls.append(data)
        return real_loads(data, resolver)

    monkeypatch.setattr(serialize, "loads", counting_loads)
    assert reader(PromiseRef("gather", ())) == list(range(300))
    assert len(calls) == 2 + 300  # the gather twice (to learn its needs, then for real), each task once
    assert sorted(reads) == sorted(values)


# -- code travelling by value keeps its file name and line table (cloudpickle 3.1.3 drops them) ---
USER_SOURCE = '''\
def outer(x):
    def inner(y):
        raise ValueError(f"inner got {y}")
    return inner(x + 1)
'''


def _function_from_a_script(tmp_path) -> object:
    """A function of a module no worker can import (as ``__main__`` is): it must travel by value."""
    script = tmp_path / "user_script.py"
    script.write_text(USER_SOURCE)
    namespace = {"__name__": "toil_test_unimportable_script"}
    exec(compile(USER_SOURCE, str(script), "exec"), namespace)
    return namespace["outer"]


def test_a_function_pickled_by_value_keeps_its_file_and_lines(tmp_path) -> None:
    import traceback

    data, _ = dumps(_function_from_a_script(tmp_path))
    assert b"toil_test_unimportable_script" in data  # really by value, not a reference to a module
    outer = serialize.loads(data)
    assert outer.__code__.co_filename == str(tmp_path / "user_script.py")
    with pytest.raises(ValueError) as raised:
        outer(1)
    text = "".join(traceback.format_exception(raised.value))
    assert f'File "{tmp_path / "user_script.py"}", line 3, in inner' in text  # nested code too
    assert 'raise ValueError(f"inner got {y}")' in text
    assert "<dynamic-code>" not in text


def test_deferred_calls_keep_their_file_and_lines(tmp_path) -> None:
    from toil.core import deferred

    (function, args, kwargs), = deferred.decode_calls(deferred.encode_call(_function_from_a_script(tmp_path), (1,), {}))
    assert function.__code__.co_filename == str(tmp_path / "user_script.py") and args == (1,) and kwargs == {}
