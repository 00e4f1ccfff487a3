"""A state store in S3: ``s3://BUCKET/PREFIX/RUN_ID/KEY.json``, with compare-and-set by conditional writes.

boto3 finds credentials, region and endpoint as usual (AWS_PROFILE, AWS_ENDPOINT_URL_S3 ...).
A state change reads the state record and its ETag and writes the new one only if the ETag
still matches (``If-Match``), retrying when another writer came first.
"""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import urlparse

from toil.server.states import State
from toil.server.store import StateStore, moved, valid_run_id

_TRIES = 20


class S3StateStore(StateStore):
    def __init__(self, locator: str) -> None:
        import boto3
        from botocore.exceptions import ClientError

        parsed = urlparse(locator)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise ValueError(f"not an S3 state store: {locator!r} (use s3://BUCKET/PREFIX)")
        self.locator = locator.rstrip("/")
        self.bucket = parsed.netloc
        self.prefix = parsed.path.strip("/")
        self.s3 = boto3.client("s3", region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
        self._client_error = ClientError

    def _key(self, run_id: str, key: str) -> str:
        if not valid_run_id(run_id):
            raise KeyError(run_id)
        return "/".join(filter(None, [self.prefix, run_id, f"{key}.json"]))

    def _code(self, error: Exception) -> str:
        return str(getattr(error, "response", {}).get("Error", {}).get("Code", ""))

    def _get(self, run_id: str, key: str) -> tuple[Any, str | None]:
        try:
            found = self.s3.get_object(Bucket=self.bucket, Key=self._key(run_id, key))
        except self._client_error as e:
            if self._code(e) in ("NoSuchKey", "404", "NotFound"):
                return None, None
            raise
        return json.loads(found["Body"].read()), found["ETag"]

    def read(self, run_id: str, key: str) -> Any:
        return self._get(run_id, key)[0]

    def write(self, run_id: str, key: str, value: Any) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=self._key(run_id, key), Body=json.dumps(value).encode(),
                           ContentType="application/json")

    def exists(self, run_id: str) -> bool:
        return valid_run_id(run_id) and self.read(run_id, "request") is not None

    def move(self, run_id: str, target: State, only_from: frozenset[State] | None = None,
             also: dict[str, Any] | None = None) -> bool:
        for _ in range(_TRIES):
            current, etag = self._get(run_id, "state")
            record = moved(current, target, only_from)
            if record is None:
                return False
            condition = {"IfMatch": etag} if etag else {"IfNoneMatch": "*"}
            try:
                self.s3.put_object(Bucket=self.bucket, Key=self._key(run_id, "state"),
                                   Body=json.dumps(record).encode(), ContentType="application/json", **condition)
            except self._client_error as e:
                if self._code(e) in ("PreconditionFailed", "ConditionalRequestConflict", "412", "409"):
                    continue  # another writer moved it first: look again
                raise
            for key, value in (also or {}).items():
                self.write(run_id, key, value)
            return True
        raise RuntimeError(f"the state of run {run_id} keeps changing under us in {self.locator}")

    def run_ids(self) -> list[str]:
        prefix = f"{self.prefix}/" if self.prefix else ""
        found = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix,
                                                                        Delimiter="/"):
            for common in page.get("CommonPrefixes", []):
                run_id = common["Prefix"][len(prefix):].rstrip("/")
                request = self.read(run_id, "request") if valid_run_id(run_id) else None
                if request is not None:
                    found.append((request.get("submitted", 0.0), run_id))
        return [run_id for _, run_id in sorted(found)]

    def forget(self, run_id: str) -> None:
        prefix = self._key(run_id, "x")[: -len("x.json")]
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                self.s3.delete_object(Bucket=self.bucket, Key=item["Key"])
