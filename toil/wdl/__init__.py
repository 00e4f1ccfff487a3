"""toil-wdl-runner: WDL draft-2, 1.0 and 1.1 workflows as job graphs on the core.

miniwdl loads, type checks and evaluates; this package owns calls, scatters,
conditionals, subworkflows, task execution on the host, files and outputs.
"""
