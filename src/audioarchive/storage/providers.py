"""Provider presets and the resolved upload target (pure data: no boto3 here).

Each S3-compatible provider differs in its endpoint and region conventions, the
addressing style it expects, the number of parts a multipart upload may have and
whether objects can be made public with an ACL. A preset holds those facts; the
user's ``[storage]`` keys override them. See docs/how-to/s3-providers.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from audioarchive.config import CONFIG_FILE, StorageSettings
from audioarchive.errors import ConfigError, Problem

MiB = 1024 * 1024
GiB = 1024 * MiB
#: Files above this size go up in parts (several at once, each retried on its own).
MULTIPART_THRESHOLD = 16 * MiB
#: The usual part size; larger when a file would need more parts than the provider allows.
PART_SIZE = 8 * MiB
MIN_PART_SIZE = 5 * MiB  # S3's minimum for every part but the last
MAX_PART_SIZE = 5 * GiB

Addressing = Literal["path", "virtual"]
Section = Literal["storage", "archive_storage"]


@dataclass(frozen=True)
class Preset:
    """What one provider needs; ``{region}`` in ``endpoint`` is replaced by the region."""

    name: str
    endpoint: str | None  # None: boto3's own (AWS), or required from the user
    region: str | None  # the default region; None: the user must give one
    addressing_style: Addressing
    public_acl: bool  # objects are made public with the "public-read" ACL
    max_parts: int = 10_000
    endpoint_required: bool = False
    public_hint: str = ""  # how to make the bucket's objects readable by anyone


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            "aws",
            None,
            "us-east-1",
            "virtual",
            public_acl=False,
            public_hint="new AWS buckets refuse ACLs: allow s3:GetObject to everyone in a "
            "bucket policy (and turn off 'Block public access'), or put CloudFront in front "
            "and set [storage] public_url",
        ),
        Preset(
            "scaleway",
            "https://s3.{region}.scw.cloud",
            "fr-par",
            "virtual",
            public_acl=True,
            max_parts=1000,
            public_hint="objects are sent with the public-read ACL; check that the bucket "
            "has no policy denying anonymous reads",
        ),
        Preset(
            "ovh",
            "https://s3.{region}.io.cloud.ovh.net",
            "gra",
            "virtual",
            public_acl=True,
            public_hint="objects are sent with the public-read ACL; check the bucket's "
            "policy and that the region matches the bucket's",
        ),
        Preset(
            "b2",
            "https://s3.{region}.backblazeb2.com",
            None,
            "virtual",
            public_acl=False,
            public_hint="set the bucket's type to Public in the Backblaze console",
        ),
        Preset(
            "r2",
            None,
            "auto",
            "path",
            public_acl=False,
            endpoint_required=True,
            public_hint="R2 has no public ACLs: connect a custom domain or enable the r2.dev "
            "URL in the bucket's settings, and set [storage] public_url to it",
        ),
        Preset(
            "wasabi",
            "https://s3.{region}.wasabisys.com",
            "us-east-1",
            "virtual",
            public_acl=False,
            public_hint="give the bucket a policy that allows s3:GetObject to everyone",
        ),
        Preset(
            "minio",
            None,
            "us-east-1",
            "path",
            public_acl=False,
            endpoint_required=True,
            public_hint="allow anonymous downloads: 'mc anonymous set download ALIAS/BUCKET'",
        ),
        Preset(
            "garage",
            None,
            "garage",
            "path",
            public_acl=False,
            endpoint_required=True,
            public_hint="serve the bucket through Garage's web endpoint "
            "('garage bucket website --allow BUCKET') and set [storage] public_url to it",
        ),
        Preset(
            "seaweedfs",
            None,
            "us-east-1",
            "path",
            public_acl=False,
            endpoint_required=True,
            public_hint='give the "anonymous" identity the Read action on the bucket in the '
            "S3 configuration (-s3.config)",
        ),
        Preset(
            "generic",
            None,
            "us-east-1",
            "path",
            public_acl=False,
            endpoint_required=True,
            public_hint="allow anonymous reads of the bucket (a bucket policy or the "
            "provider's 'public' setting), or set [storage] acl = \"public-read\"",
        ),
    )
}


@dataclass(frozen=True)
class Target:
    """One resolved storage target: where objects go and how to talk to it."""

    section: Section
    url: str  # s3://bucket/prefix, for messages
    bucket: str
    prefix: str  # without slashes at either end; "" for the bucket's root
    endpoint_url: str | None
    region: str
    addressing_style: Addressing
    acl: str | None  # "public-read" or None (send no ACL)
    max_parts: int
    concurrency: int
    timeout: float
    public: bool  # the public tree (feed/): Cache-Control, public check; else private masters
    public_hint: str = ""
    profile: str | None = None  # the AWS profile whose credentials to use
    multipart_threshold: int = MULTIPART_THRESHOLD
    part_size: int = PART_SIZE

    @property
    def identity(self) -> str:
        """What a manifest belongs to: the bucket, prefix and endpoint."""
        return f"{self.url} @ {self.endpoint_url or 'aws:' + self.region}"

    def key(self, relpath: str) -> str:
        return f"{self.prefix}/{relpath}" if self.prefix else relpath

    def relpath(self, key: str) -> str | None:
        """The path in the local tree of an object key, or ``None`` if outside the prefix."""
        if not self.prefix:
            return key
        head = f"{self.prefix}/"
        return key[len(head) :] if key.startswith(head) else None

    @property
    def list_prefix(self) -> str:
        return f"{self.prefix}/" if self.prefix else ""

    def part_size_for(self, size: int) -> int:
        """A part size that keeps ``size`` within the provider's part count."""
        needed = math.ceil(size / self.max_parts)
        part = max(self.part_size, math.ceil(needed / MiB) * MiB)
        return min(part, MAX_PART_SIZE)

    def uses_multipart(self, size: int) -> bool:
        return size > self.multipart_threshold


def resolve_target(settings: StorageSettings, section: Section) -> Target:
    """Apply the provider's preset under the user's keys; raise ``ConfigError`` when unusable."""
    preset = PRESETS[settings.provider]
    problems: list[Problem] = []
    region = settings.region or preset.region
    if region is None:
        problems.append(
            Problem(
                CONFIG_FILE,
                f"{section}.region",
                f'required for provider "{preset.name}"; expected the bucket\'s region, '
                'e.g. "us-west-004"',
            )
        )
        region = ""
    endpoint = settings.endpoint_url
    if endpoint is None and preset.endpoint is not None and region:
        endpoint = preset.endpoint.format(region=region)
    if endpoint is None and preset.endpoint_required:
        problems.append(
            Problem(
                CONFIG_FILE,
                f"{section}.endpoint_url",
                f'required for provider "{preset.name}"; expected the S3 endpoint, '
                'e.g. "https://s3.example.net"',
            )
        )
    if problems:
        raise ConfigError(problems)
    acl: str | None = "public-read" if preset.public_acl else None
    if settings.acl is not None:
        acl = None if settings.acl == "none" else settings.acl
    addressing: Addressing = preset.addressing_style
    if settings.addressing_style in ("path", "virtual"):
        addressing = "path" if settings.addressing_style == "path" else "virtual"
    public = section == "storage"
    return Target(
        section=section,
        url=settings.url,
        bucket=settings.bucket,
        prefix=settings.prefix.strip("/"),
        endpoint_url=endpoint,
        region=region,
        addressing_style=addressing,
        acl=acl if public else None,  # masters are never made public
        max_parts=preset.max_parts,
        concurrency=settings.concurrency,
        timeout=settings.timeout,
        public=public,
        public_hint=preset.public_hint,
        profile=settings.profile,
    )
