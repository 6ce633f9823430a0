"""The S3 backend: files in a bucket of any S3-compatible object store (AWS S3, MinIO, Ceph, Garage...).

This module imports boto3, so it is imported only when STORAGE_BACKEND is "s3"."""
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError
from flask import redirect, request
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from portal.storage import Delivery, check_key

DELIVERIES = ("redirect", "stream")
MISSING = {"404", "NoSuchKey", "NotFound"}
CHUNK = 64 * 1024


class S3Storage:
    """Objects under `prefix` in `bucket`. Media reach browsers by a redirect to a presigned address
    (the store sends the bytes) or streamed through the portal (`delivery="stream"`)."""

    def __init__(self, client: Any, bucket: str, *, prefix: str = "", url_seconds: int = 3600,
                 delivery: str = "redirect", concurrency: int = 16) -> None:
        if delivery not in DELIVERIES:
            raise RuntimeError(f"S3_MEDIA_DELIVERY={delivery!r} is unknown; use one of {', '.join(DELIVERIES)}.")
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.url_seconds = url_seconds
        self.delivery = delivery
        #: Requests at once for many files (boto3's clients are safe to share between threads).
        self.concurrency = concurrency

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "S3Storage":
        if not config.get("S3_BUCKET"):
            raise RuntimeError("STORAGE_BACKEND=s3 needs S3_BUCKET (and S3_ENDPOINT_URL for a store other than AWS).")
        client = boto3.client(
            "s3",
            endpoint_url=config.get("S3_ENDPOINT_URL") or None,
            region_name=config.get("S3_REGION") or None,
            # Empty keys: boto3's own chain (environment, instance role) finds the credentials.
            aws_access_key_id=config.get("S3_ACCESS_KEY_ID") or None,
            aws_secret_access_key=config.get("S3_SECRET_ACCESS_KEY") or None,
            config=BotoConfig(
                signature_version="s3v4",
                s3={"addressing_style": config.get("S3_ADDRESSING_STYLE") or "auto"},
                connect_timeout=5,
                read_timeout=30,
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        )
        return cls(client, config["S3_BUCKET"], prefix=config.get("S3_PREFIX", ""),
                   url_seconds=int(config.get("S3_URL_SECONDS", 3600)),
                   delivery=config.get("S3_MEDIA_DELIVERY") or "redirect")

    def object_key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put(self, key: str, data: bytes) -> None:
        if self.exists(key):
            return
        self.client.put_object(Bucket=self.bucket, Key=self.object_key(key), Body=data)

    def get(self, key: str) -> bytes:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.object_key(key))
        except ClientError as error:
            if _is_missing(error):
                raise KeyError(key) from None
            raise
        return answer["Body"].read()

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.object_key(key))
        except ClientError as error:
            if _is_missing(error):
                return False
            raise
        return True

    def put_many(self, items: dict[str, bytes]) -> None:
        """Many files in parallel: a course of hundreds of files is hundreds of round trips to the store."""
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            list(pool.map(lambda item: self.put(*item), items.items()))

    def get_many(self, keys: list[str]) -> dict[str, bytes]:
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            return dict(zip(keys, pool.map(self.get, keys), strict=True))

    def presigned_url(self, key: str, delivery: Delivery) -> str:
        """A signed address for the object that makes the store answer with the portal's headers."""
        params = {"Bucket": self.bucket, "Key": self.object_key(key),
                  "ResponseContentType": delivery.mimetype, "ResponseCacheControl": delivery.cache_control}
        if delivery.content_disposition:
            params["ResponseContentDisposition"] = delivery.content_disposition
        return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=self.url_seconds)

    def serve(self, key: str, delivery: Delivery) -> Response:
        if delivery.conditional and request.if_none_match.contains(delivery.etag):
            response = Response(status=304)
            response.set_etag(delivery.etag)
            response.headers["Cache-Control"] = delivery.cache_control
            return response
        if self.delivery == "redirect":
            return self._redirect(key, delivery)
        return self._stream(key, delivery)

    def _redirect(self, key: str, delivery: Delivery) -> Response:
        """A redirect the browser may reuse for half the signature's life (so it keeps the file cached)."""
        response = redirect(self.presigned_url(key, delivery), code=302)
        response.headers["Cache-Control"] = f"private, max-age={self.url_seconds // 2}"
        return response

    def _stream(self, key: str, delivery: Delivery) -> Response:
        """The bytes through the portal, with ranges and conditional answers like the local backend."""
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.object_key(key))
        except ClientError as error:
            if _is_missing(error):
                raise NotFound() from None
            raise
        body = answer["Body"]

        def chunks() -> Iterator[bytes]:
            try:
                yield from body.iter_chunks(CHUNK)
            finally:
                body.close()

        response = Response(chunks(), mimetype=delivery.mimetype, direct_passthrough=True)
        length = int(answer["ContentLength"])
        response.content_length = length
        response.set_etag(delivery.etag)
        response.headers["Cache-Control"] = delivery.cache_control
        if delivery.content_disposition:
            response.headers["Content-Disposition"] = delivery.content_disposition
        if delivery.conditional:
            response = response.make_conditional(request, accept_ranges=True, complete_length=length)
        return response

    def external_origins(self) -> list[str]:
        """The store's origin when browsers are redirected to it (read from a signed address; no request)."""
        if self.delivery != "redirect":
            return []
        parts = urlsplit(self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": self.prefix + "origin"}, ExpiresIn=60))
        return [f"{parts.scheme}://{parts.netloc}"]


def _is_missing(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code")) in MISSING
