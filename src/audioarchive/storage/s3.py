"""The S3 backend: the only module that imports boto3 and botocore.

Credentials come from boto3's own chain (environment variables, ``AWS_PROFILE``,
``~/.aws/credentials`` and ``~/.aws/config``): this module never reads, logs or
prints them, and botocore's own debug log lines pass through a filter that blanks
the access key id, signatures and session tokens.

Checksums: boto3 ≥ 1.36 adds CRC32 checksums to every request it can, which
several S3-compatible providers reject. Every preset therefore asks for checksums
only "when required", and we send ``Content-MD5`` ourselves on each object and
part, which every provider checks; the SHA-256 goes into the object's metadata.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import boto3
import botocore.exceptions
from botocore.config import Config

from audioarchive._version import __version__
from audioarchive.errors import AudioArchiveError, StorageError, StorageUnavailableError
from audioarchive.storage.plan import (
    META_MARKER,
    META_SHA256,
    ObjectHeaders,
    RemoteHead,
    RemoteObject,
)
from audioarchive.storage.providers import Target
from audioarchive.storage.redact import install_log_redaction, redact

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

log = logging.getLogger(__name__)

BytesCallback = Callable[[int], None]
#: Error codes that mean "these credentials may not do this": exit 3, with a hint.
_AUTH_CODES = frozenset(
    {
        "AccessDenied",
        "AllAccessDisabled",
        "ExpiredToken",
        "Forbidden",
        "InvalidAccessKeyId",
        "InvalidClientTokenId",
        "InvalidToken",
        "SignatureDoesNotMatch",
        "TokenRefreshRequired",
        "401",
        "403",
    }
)
_MISSING_BUCKET_CODES = frozenset({"NoSuchBucket"})
_REGION_CODES = frozenset(
    {
        "AuthorizationHeaderMalformed",
        "IllegalLocationConstraintException",
        "PermanentRedirect",
        "301",
    }
)
_CONNECTION_ERRORS = (
    botocore.exceptions.EndpointConnectionError,
    botocore.exceptions.ConnectTimeoutError,
    botocore.exceptions.ReadTimeoutError,
    botocore.exceptions.ConnectionClosedError,
    botocore.exceptions.SSLError,
    botocore.exceptions.ProxyConnectionError,
    botocore.exceptions.HTTPClientError,
)
_CREDENTIAL_ERRORS = (
    botocore.exceptions.NoCredentialsError,
    botocore.exceptions.PartialCredentialsError,
    botocore.exceptions.ProfileNotFound,
    botocore.exceptions.CredentialRetrievalError,
    botocore.exceptions.ConfigNotFound,
)
CREDENTIALS_HINT = (
    "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE and ~/.aws/credentials) "
    "to a key that may list, read and write the bucket"
)


class Bucket:
    """One target's bucket, through a boto3 client that threads may share."""

    def __init__(
        self,
        target: Target,
        *,
        max_attempts: int = 5,
        preflight: bool = False,
        session: boto3.session.Session | None = None,
    ) -> None:
        self.target = target
        self._lock = threading.Lock()
        self.requests = 0
        install_log_redaction()
        # preflight: fail fast (two attempts, short timeouts); uploads: patient retries
        connect = min(target.timeout, 5.0) if preflight else min(target.timeout, 10.0)
        read = min(target.timeout, 10.0) if preflight else target.timeout
        config = Config(
            region_name=target.region,
            signature_version="s3v4",
            s3={"addressing_style": target.addressing_style},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            connect_timeout=connect,
            read_timeout=read,
            retries={"mode": "standard", "max_attempts": 2 if preflight else max_attempts},
            max_pool_connections=max(10, target.concurrency + 2),
            user_agent_extra=f"audioarchive/{__version__}",
            tcp_keepalive=True,
        )
        try:
            session = session or boto3.session.Session()
            self.client: S3Client = session.client(
                "s3", endpoint_url=target.endpoint_url, config=config
            )
        except (botocore.exceptions.BotoCoreError, ValueError) as err:
            raise _unavailable(target, err) from err
        events = self.client.meta.events
        events.register("before-send.s3", self._count)
        # a body is read once to sign it (plain HTTP) and once to send it: count the second
        events.register_first("request-created.s3", _pause_counting, unique_id="aa-pause")
        events.register_last("request-created.s3", _resume_counting, unique_id="aa-resume")

    # --- requests -------------------------------------------------------------------------

    def _count(self, **_kwargs: Any) -> None:
        with self._lock:
            self.requests += 1

    def _call(self, operation: str, key: str, func: Callable[..., Any], **kwargs: Any) -> Any:
        try:
            return func(Bucket=self.target.bucket, **kwargs)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as err:
            raise self.error(operation, key, err) from err

    def error(self, operation: str, key: str, err: Exception) -> AudioArchiveError:
        """Our error for a botocore one: exit 3 when storage or credentials are unusable."""
        target = self.target
        if isinstance(err, botocore.exceptions.ClientError):
            code, message = _code(err)
            if code in _AUTH_CODES or code in _MISSING_BUCKET_CODES or code in _REGION_CODES:
                return _unavailable(target, err)
            where = f"s3://{target.bucket}/{key}" if key else target.url
            return StorageError(
                f"storage: {operation} {where} failed: {code} {redact(message)}".rstrip(),
                bucket=target.bucket,
                key=key,
            )
        if isinstance(err, _CONNECTION_ERRORS + _CREDENTIAL_ERRORS):
            return _unavailable(target, err)
        return StorageError(
            f"storage: {operation} s3://{target.bucket}/{key} failed: {redact(str(err))}",
            bucket=target.bucket,
            key=key,
        )

    def list_objects(self) -> dict[str, RemoteObject]:
        """Every object under the prefix, keyed by its path in the tree."""
        found: dict[str, RemoteObject] = {}
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"Prefix": self.target.list_prefix, "MaxKeys": 1000}
            if token:
                kwargs["ContinuationToken"] = token
            page = self._call("list", "", self.client.list_objects_v2, **kwargs)
            for item in page.get("Contents", []):
                relpath = self.target.relpath(item["Key"])
                if relpath and not relpath.endswith("/"):
                    found[relpath] = RemoteObject(
                        item["Key"], int(item["Size"]), str(item.get("ETag", ""))
                    )
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                return found

    def head(self, key: str) -> RemoteHead | None:
        try:
            answer = self.client.head_object(Bucket=self.target.bucket, Key=key)
        except botocore.exceptions.ClientError as err:
            if _code(err)[0] in ("404", "NoSuchKey", "NotFound"):
                return None
            raise self.error("HEAD", key, err) from err
        except botocore.exceptions.BotoCoreError as err:
            raise self.error("HEAD", key, err) from err
        metadata = {k.lower(): v for k, v in answer.get("Metadata", {}).items()}
        return RemoteHead(
            size=int(answer["ContentLength"]),
            etag=str(answer.get("ETag", "")),
            content_type=str(answer.get("ContentType", "")),
            cache_control=answer.get("CacheControl"),
            sha256=metadata.get(META_SHA256),
            ours=META_MARKER in metadata,
        )

    def put_file(
        self, key: str, path: Path, headers: ObjectHeaders, on_bytes: BytesCallback
    ) -> str:
        """One PUT of a whole file, with its MD5 for the server to check; return the ETag."""
        md5 = _md5_file(path)
        with path.open("rb") as handle:
            body = CountingReader(handle, on_bytes)
            answer = self._call(
                "PUT",
                key,
                self.client.put_object,
                Key=key,
                Body=body,
                ContentLength=path.stat().st_size,
                ContentMD5=md5,
                **headers.put_args(),
            )
        return str(answer.get("ETag", ""))

    def start_multipart(self, key: str, headers: ObjectHeaders) -> str:
        create = self.client.create_multipart_upload
        answer = self._call("start upload of", key, create, Key=key, **headers.put_args())
        return str(answer["UploadId"])

    def put_part(
        self, key: str, upload_id: str, number: int, data: bytes, on_bytes: BytesCallback
    ) -> str:
        md5 = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
        answer = self._call(
            f"upload part {number} of",
            key,
            self.client.upload_part,
            Key=key,
            UploadId=upload_id,
            PartNumber=number,
            Body=CountingReader(io.BytesIO(data), on_bytes),
            ContentLength=len(data),
            ContentMD5=md5,
        )
        return str(answer["ETag"])

    def finish_multipart(self, key: str, upload_id: str, etags: list[str]) -> str:
        parts = [{"ETag": etag, "PartNumber": i} for i, etag in enumerate(etags, start=1)]
        answer = self._call(
            "complete upload of",
            key,
            self.client.complete_multipart_upload,
            Key=key,
            UploadId=upload_id,
            MultipartUpload={"Parts": parts},
        )
        return str(answer.get("ETag", ""))

    def abort_multipart(self, key: str, upload_id: str) -> None:
        self._call(
            "abort upload of", key, self.client.abort_multipart_upload, Key=key, UploadId=upload_id
        )

    def incomplete_uploads(self) -> list[tuple[str, str]]:
        """Multipart uploads under the prefix that were started and never completed."""
        found: list[tuple[str, str]] = []
        kwargs: dict[str, Any] = {"Prefix": self.target.list_prefix}
        while True:
            try:
                page = self.client.list_multipart_uploads(Bucket=self.target.bucket, **kwargs)
            except botocore.exceptions.ClientError as err:
                if _code(err)[0] in ("NotImplemented", "501", "MethodNotAllowed", "405"):
                    log.debug("storage: %s cannot list incomplete uploads", self.target.url)
                    return found
                raise self.error("list uploads of", "", err) from err
            except botocore.exceptions.BotoCoreError as err:
                raise self.error("list uploads of", "", err) from err
            found.extend((u["Key"], u["UploadId"]) for u in page.get("Uploads", []))
            if not page.get("IsTruncated"):
                return found
            kwargs["KeyMarker"] = page.get("NextKeyMarker", "")
            kwargs["UploadIdMarker"] = page.get("NextUploadIdMarker", "")

    def delete(self, key: str) -> None:
        # One DeleteObject per key: DeleteObjects needs a checksum that several providers
        # only accept as Content-MD5, which boto3 ≥ 1.36 no longer sends.
        self._call("DELETE", key, self.client.delete_object, Key=key)

    def read_chunks(self, key: str, chunk: int = 1 << 20) -> Iterator[bytes]:
        answer = self._call("GET", key, self.client.get_object, Key=key)
        body = answer["Body"]
        try:
            yield from body.iter_chunks(chunk)
        except (botocore.exceptions.BotoCoreError, OSError) as err:
            raise self.error("GET", key, err) from err
        finally:
            body.close()

    def close(self) -> None:
        self.client.close()


def new_session(target: Target) -> boto3.session.Session:
    """One per target and run: its clients share the parsed service models.

    With ``profile``, the credentials come from that profile of the AWS files (and
    boto3 then ignores ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``).
    """
    try:
        session = boto3.session.Session(profile_name=target.profile)
    except botocore.exceptions.BotoCoreError as err:
        raise _unavailable(target, err) from err
    # dates (LastModified…) are never used: left as text, a listing of thousands of objects
    # is read in a fraction of the time
    parsers = session._session.get_component("response_parser_factory")
    parsers.set_parser_defaults(timestamp_parser=str)
    return session


# --- errors ---------------------------------------------------------------------------------


def _code(err: botocore.exceptions.ClientError) -> tuple[str, str]:
    error = err.response.get("Error", {})
    status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    code = str(error.get("Code") or status or "")
    return code, str(error.get("Message") or "")


def _unavailable(target: Target, err: Exception) -> StorageUnavailableError:
    where = f"{target.url} at {target.endpoint_url or 'AWS ' + target.region}"
    if isinstance(err, botocore.exceptions.ProfileNotFound):
        return StorageUnavailableError(
            f'storage: the AWS profile "{target.profile}" ({target.section}.profile) is in '
            "neither ~/.aws/credentials nor ~/.aws/config",
            hint="add it there (aws configure --profile NAME), or fix the profile's name",
        )
    if isinstance(err, _CREDENTIAL_ERRORS):
        return StorageUnavailableError(
            f"storage: no usable credentials for {where} ({type(err).__name__})",
            hint=CREDENTIALS_HINT,
        )
    if isinstance(err, _CONNECTION_ERRORS):
        return StorageUnavailableError(
            f"storage: cannot reach {where} ({type(err).__name__})",
            hint="check [storage] endpoint_url and region, and the network; "
            "[storage] timeout sets how long to wait",
        )
    if isinstance(err, botocore.exceptions.ClientError):
        code, message = _code(err)
        if code in _MISSING_BUCKET_CODES or (code == "404" and not message):
            return StorageUnavailableError(
                f'storage: the bucket "{target.bucket}" does not exist at {where}',
                hint="create it with your provider's console or CLI, or fix [storage] url",
            )
        if code in _REGION_CODES:
            return StorageUnavailableError(
                f"storage: {where} answered {code}: the region or endpoint does not match "
                "the bucket's",
                hint="set [storage] region (and endpoint_url) to the bucket's",
            )
        return StorageUnavailableError(
            f"storage: {where} refused the credentials ({code})",
            hint=CREDENTIALS_HINT,
        )
    return StorageUnavailableError(
        f"storage: {where} is not usable ({type(err).__name__})", hint=CREDENTIALS_HINT
    )


# --- byte counting --------------------------------------------------------------------------


class CountingReader(io.RawIOBase):
    """A seekable body that reports the bytes botocore reads while sending it.

    Reads made to sign the body (between the ``request-created`` hooks) are not
    counted, and a rewind for a retry takes its bytes back.
    """

    def __init__(self, raw: BinaryIO, on_bytes: BytesCallback) -> None:
        super().__init__()
        self._raw = raw
        self._on_bytes = on_bytes
        self._start = raw.tell()
        self._counted = 0
        self.counting = True

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        if self.counting and data:
            self._counted += len(data)
            self._on_bytes(len(data))
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        position = self._raw.seek(offset, whence)
        if self.counting and position - self._start < self._counted:
            back = self._counted - (position - self._start)
            self._counted -= back
            self._on_bytes(-back)
        return position

    def tell(self) -> int:
        return self._raw.tell()


def _pause_counting(request: Any = None, **_kwargs: Any) -> None:
    body = getattr(request, "body", None)
    if isinstance(body, CountingReader):
        body.counting = False


def _resume_counting(request: Any = None, **_kwargs: Any) -> None:
    body = getattr(request, "body", None)
    if isinstance(body, CountingReader):
        body.counting = True


def _md5_file(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return base64.b64encode(digest.digest()).decode()
