"""Workflow nodes that wait for other nodes: declarations, scatters and ifs (leader-local jobs)."""

from __future__ import annotations

from typing import Any

import WDL

from toil.wdl import values
from toil.wdl.evaluate import WdlRuntimeError, eval_decl, eval_expr, gathered_names
from toil.wdl.translate import Fragment, Gathered, NodeJob


class DeclJob(NodeJob):
    def run(self, fileStore: Any) -> Fragment:
        decl = self.node()
        value = eval_decl(decl, values.decode_env(self.full_env()), self.inputs, self.stdlib())
        return {decl.name: self.import_local_files(values.encode(value), decl.type.optional)}


class ScatterJob(NodeJob):
    """Evaluate the collection and plan the body once per element (their jobs are this job's children)."""

    def run(self, fileStore: Any) -> Fragment:
        from toil.wdl.section import plan_section

        scatter = self.node()
        env = self.full_env()
        stdlib = self.stdlib()  # one for every element: making one costs more than planning an element
        collection = eval_expr(scatter.expr, values.decode_env(env), stdlib)
        if not isinstance(collection, WDL.Value.Array):
            raise WdlRuntimeError(f"scatter over a non-array value {collection}")
        body = [node.workflow_node_id for node in scatter.body]
        iterations = []
        for index, item in enumerate(collection.value):
            inner = values.merge(env, {scatter.variable: values.encode(item)})
            iterations.append(plan_section(self, body, inner, self.inputs, f"{self.unitName}[{index}]", stdlib))
        return Gathered(self.node_id, iterations)


class ConditionalJob(NodeJob):
    """Plan the body when the condition holds; otherwise bind every name it exposes to null."""

    def run(self, fileStore: Any) -> Fragment:
        from toil.wdl.section import plan_section

        section = self.node()
        env = self.full_env()
        condition = eval_expr(section.expr, values.decode_env(env), self.stdlib())
        nulls = {name: ("Null",) for name in gathered_names(section)}
        if condition.coerce(WDL.Type.Boolean()).value:
            body = [node.workflow_node_id for node in section.body]
            return [nulls, plan_section(self, body, env, self.inputs, f"{self.unitName}.then")]
        return nulls
