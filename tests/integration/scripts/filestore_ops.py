"""The file store a job sees: global files, streams, local temp files, deletion.

    python filestore_ops.py JOBSTORE --state DIR [toil options]

Prints the root's return value as JSON: one entry per check, each a plain value the
test compares. DIR holds the flag that makes the deleting job fail on its first try.
"""

import json
import os

from toil.common import Toil
from toil.job import Job

TINY = {"cores": 0.1, "memory": "10M", "disk": "1M"}
PAYLOAD = b"global file payload\n" * 50


def under(path, directory):
    return os.path.realpath(path).startswith(os.path.realpath(directory) + os.sep)


def writer(job):
    """Write global files every way; check them locally; return their ids."""
    fs = job.fileStore
    out = {}
    temp_dir = fs.getLocalTempDir()
    out["temp_dir_is_dir"] = os.path.isdir(temp_dir)
    temp_file = fs.getLocalTempFile()
    out["temp_file_exists"] = os.path.isfile(temp_file)
    out["temp_file_in_temp_dir"] = under(temp_file, temp_dir)
    temp_name = fs.getLocalTempFileName()
    out["temp_name_absent"] = not os.path.exists(temp_name)
    out["temp_name_dir_exists"] = os.path.isdir(os.path.dirname(temp_name))
    out["temp_name_in_temp_dir"] = under(temp_name, temp_dir)
    out["temp_names_differ"] = len({temp_file, temp_name, fs.getLocalTempFileName()}) == 3

    with open(temp_file, "wb") as handle:
        handle.write(PAYLOAD)
    plain = fs.writeGlobalFile(temp_file)
    out["write_size"] = plain.size

    with fs.writeGlobalFileStream() as (handle, binary):
        handle.write(b"\x00\x01binary\xff")
    out["binary_size"] = binary.size

    with fs.writeGlobalFileStream(encoding="utf-8") as (handle, text):
        handle.write("h\u00e9llo w\u00f6rld")
    out["text_size"] = text.size

    doomed_path = fs.getLocalTempFile()
    with open(doomed_path, "w") as handle:
        handle.write("delete me")
    doomed = fs.writeGlobalFile(doomed_path)
    return {"checks": out, "plain": plain, "binary": binary, "text": text, "doomed": doomed}


def reader(job, ids):
    """Read the files back every way, in a later job."""
    fs = job.fileStore
    out = {"size_after_pickling": ids["plain"].size, "text_size_after_pickling": ids["text"].size}

    default = fs.readGlobalFile(ids["plain"])
    with open(default, "rb") as handle:
        out["default_ok"] = handle.read() == PAYLOAD
    out["default_in_temp_dir"] = under(default, fs.getLocalTempDir())

    user_path = os.path.join(fs.getLocalTempDir(), "chosen-name.txt")
    got = fs.readGlobalFile(ids["plain"], userPath=user_path)
    out["user_path_returned"] = got == user_path
    with open(user_path, "rb") as handle:
        out["user_path_ok"] = handle.read() == PAYLOAD

    mutable = fs.readGlobalFile(ids["plain"], mutable=True)
    with open(mutable, "ab") as handle:
        handle.write(b"changed")
    again = fs.readGlobalFile(ids["plain"])
    with open(again, "rb") as handle:
        out["mutable_is_independent"] = handle.read() == PAYLOAD
    out["mutable_size_grew"] = os.path.getsize(mutable) == len(PAYLOAD) + len("changed")

    link = fs.readGlobalFile(ids["plain"], symlink=True)
    out["symlink_is_link"] = os.path.islink(link)
    with open(link, "rb") as handle:
        out["symlink_ok"] = handle.read() == PAYLOAD

    with fs.readGlobalFileStream(ids["binary"]) as handle:
        data = handle.read()
        out["binary_stream_type"] = type(data).__name__
        out["binary_stream_ok"] = data == b"\x00\x01binary\xff"
    with fs.readGlobalFileStream(ids["text"], encoding="utf-8") as handle:
        data = handle.read()
        out["text_stream_type"] = type(data).__name__
        out["text_stream_ok"] = data == "h\u00e9llo w\u00f6rld"

    local = fs.readGlobalFile(ids["doomed"])
    out["local_copy_exists"] = os.path.exists(local)
    fs.deleteLocalFile(ids["doomed"])
    out["local_copy_deleted"] = not os.path.exists(local)
    # deleteLocalFile removes only this job's copy: the global file is still readable.
    with fs.readGlobalFileStream(ids["doomed"]) as handle:
        out["global_survives_local_delete"] = handle.read() == b"delete me"
    return out


def deleter(job, file_id, flag):
    """Delete a global file, then fail on the first try: the deletion must not happen."""
    with open(job.fileStore.readGlobalFile(file_id)) as handle:
        seen = handle.read()
    job.fileStore.deleteGlobalFile(file_id)
    if not os.path.exists(flag):
        open(flag, "w").close()
        raise RuntimeError("first attempt fails after deleteGlobalFile")
    return seen


def after_delete(job, file_id):
    try:
        with job.fileStore.readGlobalFileStream(file_id) as handle:
            return "still readable: " + handle.read().decode()
    except Exception as e:  # noqa: BLE001 - any error means the file is gone
        return "gone: " + type(e).__name__


def root(job, state):
    w = job.addChildJobFn(writer, **TINY)
    r = w.addFollowOnJobFn(reader, w.rv(), **TINY)
    d = r.addFollowOnJobFn(deleter, w.rv("doomed"), os.path.join(state, "deleter-failed-once"), **TINY)
    gone = d.addFollowOnJobFn(after_delete, w.rv("doomed"), **TINY)
    return {"writer": w.rv("checks"), "reader": r.rv(), "deleter_saw": d.rv(), "after_delete": gone.rv()}


if __name__ == "__main__":
    parser = Job.Runner.getDefaultArgumentParser()
    parser.add_argument("--state", required=True)
    options = parser.parse_args()
    with Toil(options) as toil:
        result = toil.start(Job.wrapJobFn(root, os.path.abspath(options.state), **TINY))
    print("RESULT " + json.dumps(result, sort_keys=True))
