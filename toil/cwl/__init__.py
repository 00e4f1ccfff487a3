"""toil-cwl-runner: CWL v1.0-v1.2 documents run as job graphs on the core."""
