"""Evaluating declarations and inputs with miniwdl: the semantics shared by workflows and tasks."""

from __future__ import annotations

import contextlib
import graphlib
from collections.abc import Callable, Iterable
from typing import Any

import WDL

from toil.wdl import values
from toil.wdl.order import dependency_order
from toil.wdl.values import EnvData

Env = WDL.Env.Bindings


class WdlRuntimeError(Exception):
    """A WDL evaluation or task failure, described in one line."""


def describe_eval_error(error: BaseException, context: str = "") -> str:
    from toil.wdl.load import describe_error

    return describe_error(error, context)


def supplied(inputs: EnvData, decl: WDL.Tree.Decl) -> WDL.Value.Base | None:
    """The value given for an input declaration, or None to use its default.

    A null given for an input that has a default selects the default (WDL 1.1; miniwdl
    does the same for 1.0).
    """
    if decl.name not in inputs:
        return None
    value = values.decode(inputs[decl.name])
    if isinstance(value, WDL.Value.Null) and decl.expr is not None:
        return None
    return value


def eval_decl(decl: WDL.Tree.Decl, env: Env, inputs: EnvData, stdlib: WDL.StdLib.Base) -> WDL.Value.Base:
    """A declaration's value: the input given for it, else its expression, else null."""
    value = supplied(inputs, decl)
    try:
        if value is None:
            if decl.expr is not None:
                value = decl.expr.eval(env, stdlib=stdlib)
            elif decl.type.optional:
                value = WDL.Value.Null()
            else:
                raise WDL.Error.EvalError(decl, f"missing required input {decl.name}")
        return value.coerce(decl.type)
    except WDL.Error.RuntimeError as e:
        raise WdlRuntimeError(describe_eval_error(with_pos(e, decl))) from e


def with_pos(error: BaseException, node: WDL.Error.SourceNode) -> BaseException:
    if getattr(error, "pos", None) is None:
        with contextlib.suppress(AttributeError):
            error.pos = node.pos  # type: ignore[attr-defined]
    return error


def eval_expr(expr: WDL.Expr.Base, env: Env, stdlib: WDL.StdLib.Base) -> WDL.Value.Base:
    try:
        return expr.eval(env, stdlib=stdlib)
    except WDL.Error.RuntimeError as e:
        raise WdlRuntimeError(describe_eval_error(with_pos(e, expr))) from e


def decls_in_order(decls: list[WDL.Tree.Decl]) -> list[WDL.Tree.Decl]:
    """Declarations sorted so that each comes after those of them it refers to."""
    by_id = {decl.workflow_node_id: decl for decl in decls}
    needs = {node_id: [dep for dep in decl.workflow_node_dependencies if dep in by_id]
             for node_id, decl in by_id.items()}
    try:
        return [by_id[node_id] for node_id in dependency_order(needs)]
    except graphlib.CycleError as e:
        names = ", ".join(by_id[node_id].name for node_id in dict.fromkeys(e.args[1]))
        raise WdlRuntimeError(f"declarations refer to each other in a cycle: {names}") from None


def eval_decls(
    decls: Iterable[WDL.Tree.Decl], env: Env, inputs: EnvData, stdlib: WDL.StdLib.Base,
    after: Callable[[WDL.Tree.Decl, WDL.Value.Base], WDL.Value.Base] | None = None,
) -> Env:
    """Evaluate declarations in dependency order, binding each into env."""
    for decl in decls_in_order(list(decls)):
        value = eval_decl(decl, env, inputs, stdlib)
        if after is not None:
            value = after(decl, value)
        env = env.bind(decl.name, value)
    return env


def gathered_type(gather: WDL.Tree.Gather, leaf_type: WDL.Type.Base) -> WDL.Type.Base:
    """The type a section gives a value of leaf_type, seen just outside gather's section."""
    chain: list[WDL.Tree.WorkflowSection] = []
    node: Any = gather
    while isinstance(node, WDL.Tree.Gather):
        chain.append(node.section)
        node = node.referee
    kind = leaf_type
    for section in reversed(chain):
        if isinstance(section, WDL.Tree.Scatter):
            kind = WDL.Type.Array(kind)
        else:
            kind = kind.copy(optional=True)
    return kind


def gathered_names(section: WDL.Tree.WorkflowSection) -> dict[str, WDL.Type.Base]:
    """Every name a scatter or if section exposes, with its item type (before the section wraps it)."""
    names: dict[str, WDL.Type.Base] = {}
    for gather in section.gathers.values():
        leaf = gather.final_referee
        inner = gather.referee
        if isinstance(leaf, WDL.Tree.Decl):
            pairs = [(leaf.name, leaf.type)]
        else:
            pairs = [(f"{leaf.name}.{b.name}", b.value) for b in leaf.callee.effective_outputs]  # type: ignore[union-attr]
        for name, leaf_type in pairs:
            names[name] = gathered_type(inner, leaf_type) if isinstance(inner, WDL.Tree.Gather) else leaf_type
    return names
