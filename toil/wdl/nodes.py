"""Jobs that only evaluate: a declaration that waits for other nodes, and a workflow's outputs."""

from __future__ import annotations

from typing import Any

from toil.wdl import values
from toil.wdl.evaluate import eval_decl
from toil.wdl.translate import Fragment, NodeJob, WdlJob, Where
from toil.wdl.values import EnvData


class DeclJob(NodeJob):
    def run(self, fileStore: Any) -> Fragment:
        decl = self.node()
        value = eval_decl(decl, values.decode_env(self.full_env()), self.inputs, self.stdlib())
        return {decl.name: self.import_local_files(values.encode(value), decl.type.optional)}


class OutputsJob(WdlJob):
    """Evaluate the output section (or, without one, gather every call output)."""

    def __init__(self, where: Where, prefix: str, label: str) -> None:
        super().__init__(where, label)
        self.prefix = prefix
        self.parts: list[Any] = []

    def run(self, fileStore: Any) -> EnvData:
        workflow = self.workflow()
        env_data = self.flatten(self.parts)
        result: EnvData = {}
        if workflow.outputs is not None:
            env = values.decode_env(env_data)
            stdlib = self.stdlib()
            for decl in workflow.outputs:
                output = eval_decl(decl, env, {}, stdlib)
                env = env.bind(decl.name, output)
                result[decl.name] = self.import_local_files(values.encode(output), decl.type.optional)
        else:
            for binding in workflow.effective_outputs:
                if binding.name in env_data:
                    result[binding.name] = env_data[binding.name]
        if not self.prefix and self.fileStore.frontend_settings.get("all_call_outputs"):
            for name, value in env_data.items():
                if "." in name and name not in result:
                    result[name] = value
        return values.add_prefix(result, self.prefix) if self.prefix else result
