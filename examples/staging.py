"""Staging files in and out, in the style of Toil's documentation.

A file is imported into the job store, a job reads it and writes an upper-cased copy,
and the result is exported next to the input.

    python staging.py ./jobstore --input in.txt --output out.txt
"""

import os

from toil.common import Toil
from toil.job import Job


def shout(job, file_id):
    local = job.fileStore.readGlobalFile(file_id)
    out = job.fileStore.getLocalTempFile()
    with open(local) as source, open(out, "w") as target:
        target.write(source.read().upper())
    return job.fileStore.writeGlobalFile(out)


def main():
    parser = Job.Runner.getDefaultArgumentParser()
    parser.add_argument("--input", required=True)
    parser.add_argument("--output", required=True)
    options = parser.parse_args()
    with Toil(options) as toil:
        if options.restart:
            result = toil.restart()
        else:
            input_id = toil.importFile("file://" + os.path.abspath(options.input))
            result = toil.start(Job.wrapJobFn(shout, input_id, cores=0.1, memory="20M", disk="1M"))
        toil.exportFile(result, "file://" + os.path.abspath(options.output))


if __name__ == "__main__":
    main()
