"""A parallel merge sort in the style of Toil's documentation.

    python sort.py file:jobStore --numLines=5000 [--fileToSort F] [--outputFile O] [--N 10000]

The file is split in half recursively ("down" jobs) until a piece is at most N bytes,
each piece is sorted, and "up" follow-ons merge the sorted halves back together. The
sorted file is exported to --outputFile (sortedFile.txt by default). After a crash, run
the same command with --restart.
"""

import codecs
import os
import random
import shutil
from argparse import ArgumentParser

from toil.common import Toil
from toil.job import Job
from toil.realtimeLogger import RealtimeLogger

defaultLines = 1000
defaultLineLen = 50
sortMemory = "600M"


def setup(job, inputFile, N, downCheckpoints, options):
    """Start the sort; the result is the file id of the sorted file."""
    RealtimeLogger.info("Starting the merge sort")
    return job.addChildJobFn(
        down, inputFile, N, "root", downCheckpoints, options=options, preemptable=True, memory=sortMemory
    ).rv()


def down(job, inputFileStoreID, N, path, downCheckpoints, options, memory=sortMemory):
    """Split a file bigger than N in two and sort each half, or sort it here."""
    inputFile = job.fileStore.readGlobalFile(inputFileStoreID, cache=False)
    length = os.path.getsize(inputFile)
    if length <= N:
        job.fileStore.logToMaster(f"Sorting piece {path} of {length} bytes")
        sortedCopy = inputFile + ".sort"
        shutil.copyfile(inputFile, sortedCopy)
        sort(sortedCopy)
        return job.fileStore.writeGlobalFile(sortedCopy)
    midPoint = getMidPoint(inputFile, 0, length)
    halves = []
    for start, end in ((0, midPoint + 1), (midPoint + 1, length)):
        piece = job.fileStore.getLocalTempFile()
        with open(piece, "w") as handle:
            handle.write(copySubRangeOfFile(inputFile, start, end))
        halves.append(job.fileStore.writeGlobalFile(piece))
    # The follow-on gets the children's promised results, so it runs after both.
    first = job.addChildJobFn(down, halves[0], N, path + "/0", downCheckpoints, checkpoint=downCheckpoints,
                              options=options, preemptable=True, memory=options.sortMemory)
    second = job.addChildJobFn(down, halves[1], N, path + "/1", downCheckpoints, checkpoint=downCheckpoints,
                               options=options, preemptable=True, memory=options.mergeMemory)
    return job.addFollowOnJobFn(up, first.rv(), second.rv(), path + "/up", preemptable=True, options=options,
                                memory=options.sortMemory).rv()


def up(job, inputFileID1, inputFileID2, path, options, memory=sortMemory):
    """Merge two sorted files into a new one; delete the inputs once this job commits."""
    with job.fileStore.writeGlobalFileStream() as (fileHandle, outputFileStoreID):
        fileHandle = codecs.getwriter("utf-8")(fileHandle)
        with job.fileStore.readGlobalFileStream(inputFileID1) as inputFileHandle1:
            inputFileHandle1 = codecs.getreader("utf-8")(inputFileHandle1)
            with job.fileStore.readGlobalFileStream(inputFileID2) as inputFileHandle2:
                inputFileHandle2 = codecs.getreader("utf-8")(inputFileHandle2)
                merge(inputFileHandle1, inputFileHandle2, fileHandle)
        job.fileStore.deleteGlobalFile(inputFileID1)
        job.fileStore.deleteGlobalFile(inputFileID2)
        RealtimeLogger.info(f"Merged piece {path}")
        return outputFileStoreID


def sort(file):
    """Sort the lines of a file in place."""
    with open(file) as handle:
        lines = handle.readlines()
    lines.sort()
    with open(file, "w") as handle:
        handle.writelines(lines)


def merge(fileHandle1, fileHandle2, outputFileHandle):
    """Merge two sorted text streams into outputFileHandle."""
    line2 = fileHandle2.readline()
    for line1 in fileHandle1.readlines():
        while line2 and line2 <= line1:
            outputFileHandle.write(line2)
            line2 = fileHandle2.readline()
        outputFileHandle.write(line1)
    while line2:
        outputFileHandle.write(line2)
        line2 = fileHandle2.readline()


def copySubRangeOfFile(inputFile, fileStart, fileEnd):
    """Return the bytes of a file between two offsets, as text."""
    with open(inputFile) as handle:
        handle.seek(fileStart)
        data = handle.read(fileEnd - fileStart)
    assert len(data) == fileEnd - fileStart
    return data


def getMidPoint(file, fileStart, fileEnd):
    """Return the offset of a line end near the middle of a range (fileStart <= i < fileEnd)."""
    with open(file) as handle:
        midPoint = (fileStart + fileEnd) // 2
        handle.seek(midPoint)
        line = handle.readline()
        if len(line) + midPoint < fileEnd:
            return midPoint + len(line) - 1
        handle.seek(fileStart)
        line = handle.readline()
    return len(line) + fileStart - 1


def makeFileToSort(fileName, lines=defaultLines, lineLen=defaultLineLen):
    with open(fileName, "w") as handle:
        for _ in range(lines):
            handle.write("".join(random.choice("actgACTGNXYZ") for _ in range(lineLen - 1)) + "\n")


def main(options=None):
    if not options:
        parser = ArgumentParser()
        Job.Runner.addToilOptions(parser)
        parser.add_argument("--numLines", default=defaultLines, type=int, help="Lines in the generated file.")
        parser.add_argument("--lineLength", default=defaultLineLen, type=int, help="Length of generated lines.")
        parser.add_argument("--fileToSort", help="The file to sort (generated when not given).")
        parser.add_argument("--outputFile", help="Where the sorted file goes (default sortedFile.txt).")
        parser.add_argument("--overwriteOutput", default=True, help="Replace the output file if it exists.")
        parser.add_argument("--N", dest="N", default=10000, help="Pieces at most this many bytes are sorted directly.")
        parser.add_argument("--downCheckpoints", action="store_true", help="Make the down jobs checkpoints.")
        parser.add_argument("--sortMemory", default=None, help="Memory of the jobs that sort pieces.")
        parser.add_argument("--mergeMemory", default=None, help="Memory of the jobs that merge pieces.")
        options = parser.parse_args()
    options.sortMemory = getattr(options, "sortMemory", None) or sortMemory
    options.mergeMemory = getattr(options, "mergeMemory", None) or sortMemory

    sortedFileName = options.outputFile or "sortedFile.txt"
    if options.overwriteOutput in (False, "False", "false") and os.path.exists(sortedFileName):
        print(f"Output file {sortedFileName} already exists; delete it or use --overwriteOutput=True")
        return
    fileName = options.fileToSort
    if fileName is None:
        fileName = "fileToSort.txt"
        if not os.path.exists(fileName):
            print(f"No file to sort given: generating {fileName}")
            makeFileToSort(fileName, options.numLines, options.lineLength)
    elif not os.path.exists(fileName):
        raise RuntimeError(f"File to sort does not exist: {fileName}")
    if int(options.N) <= 0:
        raise RuntimeError(f"Invalid value of N: {options.N}")

    with Toil(options) as workflow:
        sortedFileURL = "file://" + os.path.abspath(sortedFileName)
        if not workflow.options.restart:
            sortFileID = workflow.importFile("file://" + os.path.abspath(fileName))
            sortedFileID = workflow.start(
                Job.wrapJobFn(setup, sortFileID, int(options.N), options.downCheckpoints, options=options,
                              memory=sortMemory)
            )
        else:
            sortedFileID = workflow.restart()
        workflow.exportFile(sortedFileID, sortedFileURL)


if __name__ == "__main__":
    main()
