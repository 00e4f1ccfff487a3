"""Import a file (path or URL), transform it in a job, export the result (path or URL).

    python import_export.py JOBSTORE --src SRC --dst DST [--snake] [toil options]

--snake uses import_file/export_file instead of importFile/exportFile. Prints the
imported FileID's size.
"""

from toil.common import Toil
from toil.job import Job

TINY = {"cores": 0.1, "memory": "10M", "disk": "1M"}


def shout(job, file_id):
    with open(job.fileStore.readGlobalFile(file_id)) as handle:
        text = handle.read()
    out = job.fileStore.getLocalTempFile()
    with open(out, "w") as handle:
        handle.write(text.upper())
    return job.fileStore.writeGlobalFile(out)


if __name__ == "__main__":
    parser = Job.Runner.getDefaultArgumentParser()
    parser.add_argument("--src", required=True)
    parser.add_argument("--dst", required=True)
    parser.add_argument("--snake", action="store_true")
    options = parser.parse_args()
    with Toil(options) as toil:
        importer = toil.import_file if options.snake else toil.importFile
        exporter = toil.export_file if options.snake else toil.exportFile
        file_id = importer(options.src)
        print(f"IMPORTED size={file_id.size}")
        result = toil.start(Job.wrapJobFn(shout, file_id, **TINY))
        exporter(result, options.dst)
    print("EXPORTED")
