"""Keeping credentials out of logs and messages (no boto3 here: the CLI imports it).

botocore's debug log dumps each request: its Authorization header (which names the
access key id and carries a signature), and any session token. The secret key
itself is never logged by botocore, but a token or key id is no business of a log.
"""

from __future__ import annotations

import logging
import re

_SECRET_PATTERNS = (
    # SigV4 Authorization header and presigned URLs: the access key id and the signature
    re.compile(r"(Credential=)[^/\s,'\"&]+", re.IGNORECASE),
    re.compile(r"(X-Amz-Credential=)[^/\s,'\"&%]+", re.IGNORECASE),
    re.compile(r"(Signature=)[0-9a-f]+", re.IGNORECASE),
    re.compile(r"(X-Amz-Signature=)[0-9a-f]+", re.IGNORECASE),
    # session tokens, as a header line (canonical request) or a dict entry (request dump)
    re.compile(r"(x-amz-security-token['\"]?\s*[:=]\s*b?['\"]?)[^'\"\s,}&]+", re.IGNORECASE),
    re.compile(r"(X-Amz-Security-Token=)[^'\"\s,}&]+", re.IGNORECASE),
    # anything that names itself a key or secret
    re.compile(
        r"((?:aws_)?(?:secret_access_key|access_key_id|secret_key|session_token)['\"]?\s*[:=]\s*"
        r"['\"]?)[^'\"\s,}]+",
        re.IGNORECASE,
    ),
    re.compile(r"(<AWSAccessKeyId>)[^<]+", re.IGNORECASE),
    re.compile(r"(<StringToSign(?:Bytes)?>)[^<]+", re.IGNORECASE),
)
_REDACTED = "<redacted>"
_LOGGER_PREFIXES = ("botocore", "boto3", "s3transfer", "urllib3")


def redact(text: str) -> str:
    """``text`` with access key ids, signatures and session tokens blanked."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + _REDACTED, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record of botocore & co. through :func:`redact`."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = RedactingFilter()


def install_log_redaction() -> None:
    """Put the filter on every botocore/boto3/s3transfer/urllib3 logger (idempotent).

    Logger filters do not apply to child loggers, so each one gets its own; this
    runs whenever a client is made, after botocore has created its loggers.
    """
    names = [
        name
        for name in list(logging.Logger.manager.loggerDict)
        if name.split(".")[0] in _LOGGER_PREFIXES
    ]
    for name in {*names, *_LOGGER_PREFIXES}:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
