"""Image references, normalised the way Docker does it.

The grammar and Docker Hub normalisation come from docker-image-py, a port of
distribution/reference (``ParseNormalizedNamed``; ``ParseDockerRef`` for the
canonical form). This module strips whitespace, turns the package's own
exception classes into ValueError, and says in words what is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from docker_image import digest as image_digest
from docker_image import reference as image_reference

DEFAULT_DOMAIN = "docker.io"
OFFICIAL_NAMESPACE = "library/"
DEFAULT_TAG = "latest"
MAX_TAG_LENGTH = 128
MAX_PATH_LENGTH = 255
# Far above any real reference (domain, 255-character path, 128-character tag
# and a sha512 digest come to under 800); it keeps the grammar's regular
# expressions, which slow down quadratically, away from pasted megabytes.
MAX_REFERENCE_LENGTH = 1024

_IMAGE_ID = re.compile(r"[a-f0-9]{64}")
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_NAME = image_reference.ImageRegexps.ANCHORED_NAME_REGEXP
_SHOWN_LENGTH = 80

_REFERENCE_ERRORS = (image_reference.InvalidReference, image_digest.InvalidDigest)


@dataclass(frozen=True)
class ImageReference:
    """A parsed image reference; ``domain`` and ``path`` are already normalised."""

    domain: str
    path: str
    tag: str = ""
    digest: str = ""

    @property
    def repository(self) -> str:
        return f"{self.domain}/{self.path}"

    @property
    def canonical(self) -> str:
        """The full form, e.g. ``docker.io/library/ubuntu:latest``."""
        return self.repository + self._tag_or_digest

    @property
    def familiar(self) -> str:
        """The short form Docker shows, e.g. ``ubuntu:latest``."""
        return _familiar_repository(self.domain, self.path) + self._tag_or_digest

    @property
    def for_pull(self) -> str:
        """What to hand to the engine's pull: repository and tag, or digest."""
        return self.canonical

    @property
    def _tag_or_digest(self) -> str:
        # As in ParseDockerRef, a digest pins the image, so it wins over a tag.
        if self.digest:
            return f"@{self.digest}"
        return f":{self.tag or DEFAULT_TAG}"


def normalize_image_reference(ref: str) -> str:
    """Return the canonical form of ``ref`` or raise ValueError saying why not.

    ``ubuntu`` becomes ``docker.io/library/ubuntu:latest``; a reference with
    both a tag and a digest keeps only the digest.
    """
    return split_image_reference(ref).canonical


def split_image_reference(ref: str) -> ImageReference:
    """Parse ``ref`` into its normalised parts, or raise ValueError saying why not."""
    text = ref.strip()
    if not text:
        raise ValueError("empty reference; give an image such as nginx or nginx:1.27")
    if len(text) > MAX_REFERENCE_LENGTH:
        raise ValueError(
            f"image reference longer than {MAX_REFERENCE_LENGTH} characters"
        )
    try:
        parsed = image_reference.Reference.parse_normalized_named(text)
    except _REFERENCE_ERRORS as error:
        raise ValueError(_explain(text, error)) from error
    return ImageReference(
        domain=parsed.domain(),
        path=parsed.path(),
        tag=parsed["tag"] or "",
        digest=parsed["digest"] or "",
    )


def _familiar_repository(domain: str, path: str) -> str:
    if domain != DEFAULT_DOMAIN:
        return f"{domain}/{path}"
    short = path
    official_name = path.removeprefix(OFFICIAL_NAMESPACE)
    if path.startswith(OFFICIAL_NAMESPACE) and "/" not in official_name:
        short = official_name
    # distribution's familiarizeName stops here, but a Hub namespace that looks
    # like a registry ("0.0/app", "localhost/app") would then be read back as
    # one; keep the domain so the short form still names the same image.
    if image_reference.Reference.split_docker_domain(short) != (domain, path):
        return f"{domain}/{path}"
    return short


def _explain(text: str, error: Exception) -> str:
    """Name the first thing wrong with a reference the grammar refused."""
    name, tag, digest = _rough_split(text)
    if digest is not None and (problem := _digest_problem(digest)):
        return problem
    if _IMAGE_ID.fullmatch(text):
        return f"{text} is an image ID, not a repository name"
    if isinstance(error, image_reference.NameTooLong):
        return f"repository name longer than {MAX_PATH_LENGTH} characters"
    if not name:
        return "the reference has no repository name before its ':' or '@'"
    domain, path = image_reference.Reference.split_docker_domain(name)
    # Blame the case or the tag only when the rest of the name is sound.
    if _NAME.fullmatch(f"{domain}/{path.lower()}"):
        if path != path.lower():
            return "repository names must be lowercase"
        if tag is not None and len(tag) > MAX_TAG_LENGTH:
            return f"tag longer than {MAX_TAG_LENGTH} characters"
        if tag is not None and not _TAG.fullmatch(tag):
            return (
                f"invalid tag '{_shown(tag)}': use letters, digits, '_', '.' and "
                "'-', not starting with '.' or '-'"
            )
    return (
        f"'{_shown(text)}' is not a valid image reference; expected "
        "[registry/]name[:tag][@digest], e.g. nginx:1.27 or ghcr.io/org/app:v1"
    )


def _rough_split(text: str) -> tuple[str, str | None, str | None]:
    """Split into (name, tag, digest) texts without validating any of them."""
    name_and_tag, at, digest = text.partition("@")
    # A ':' before the last '/' belongs to the registry's port, not to a tag.
    colon = name_and_tag.find(":", name_and_tag.rfind("/") + 1)
    if colon == -1:
        return name_and_tag, None, digest if at else None
    return name_and_tag[:colon], name_and_tag[colon + 1 :], digest if at else None


def _digest_problem(digest: str) -> str:
    try:
        image_digest.validate_digest(digest)
    except image_digest.DigestUnsupported:
        algorithm = digest.partition(":")[0]
        return (
            f"invalid digest: unsupported algorithm '{_shown(algorithm)}' "
            "(use sha256, sha384 or sha512)"
        )
    except image_digest.DigestInvalidLength:
        algorithm, _, encoded = digest.partition(":")
        expected = image_digest.DIGESTS_SIZE[algorithm] * 2
        return (
            f"invalid digest: {algorithm} needs {expected} hex characters, "
            f"got {len(encoded)}"
        )
    except image_digest.InvalidDigest:
        return (
            f"invalid digest '{_shown(digest)}': expected an algorithm and "
            "lowercase hex, e.g. sha256: and 64 hex characters"
        )
    return ""


def _shown(text: str) -> str:
    if len(text) <= _SHOWN_LENGTH:
        return text
    return text[:_SHOWN_LENGTH] + "…"
