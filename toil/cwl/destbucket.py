"""``--destBucket URL``: the final outputs go under a URL prefix (``s3://bucket/prefix``) instead of ``--outdir``.

As in Toil, each output file is written at ``<URL>/<its path relative to the output
directory>`` and the output object's ``location`` is that URL (no ``path``). The outputs
are laid out by the ordinary Exporter in a scratch directory first, so names, directory
listings, secondary files, checksums and sizes are exactly those ``--outdir`` gives; the
scratch copy is removed once uploaded.
"""

from __future__ import annotations

import os
import tempfile
import urllib.parse
from collections.abc import Callable
from typing import Any

from schema_salad.ref_resolver import file_uri

from toil.cwl.files import CWLFileError, visit_files
from toil.cwl.transfer import Exporter
from toil.stores.urls import access_for, url_scheme


def check_dest(dest: str) -> None:
    """Fail before the workflow runs when the destination is not a URL this Toil can write."""
    if url_scheme(dest) == "file":
        raise CWLFileError(f"--destBucket {dest}: give a URL such as s3://bucket/prefix (or use --outdir)")
    try:
        access_for(dest)
    except ValueError as e:
        raise CWLFileError(f"--destBucket {dest}: {e}") from None


def export_to_url(outputs: Any, dest: str, export: Callable[[str, str], None]) -> Any:
    """Export the final outputs under the URL prefix dest; return them with URL locations."""
    prefix = dest.rstrip("/")
    access = access_for(dest)
    with tempfile.TemporaryDirectory(prefix="toil-cwl-dest-") as staging:
        outputs = Exporter(staging, export).export_all(outputs)
        base = file_uri(staging) + "/"
        for root, _, names in os.walk(staging):
            for name in sorted(names):
                path = os.path.join(root, name)
                access.write_from(path, _url(prefix, staging, path))

        def relocate(obj: dict[str, Any]) -> None:
            location = str(obj.get("location", ""))
            if location.startswith(base):
                obj["location"] = _url(prefix, staging, urllib.parse.unquote(location[len("file://"):]))
                obj.pop("path", None)

        visit_files(outputs, relocate)
    return outputs


def _url(prefix: str, staging: str, path: str) -> str:
    return prefix + "/" + urllib.parse.quote(os.path.relpath(path, staging))
