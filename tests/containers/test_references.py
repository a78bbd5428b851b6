"""Tests for image reference normalisation.

The vectors come from distribution/reference: normalize_test.go and
reference_test.go. Ours is the normalising parser (ParseNormalizedNamed, and
ParseDockerRef for the canonical text), so TestReferenceParse's raw-Parse
vectors are given here with the domain and path they get after normalisation.
"""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from containers.references import (
    ImageReference,
    normalize_image_reference,
    split_image_reference,
)

HEX64 = "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a"
SHA256_F = "sha256:" + "f" * 64
SHA512_F = "sha512:" + "f" * 128
DBCC = "dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c"
E669 = "sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582"

# --- normalize_test.go --------------------------------------------------------

VALID_REFERENCE_NAMES = [
    # TestValidateReferenceName
    "docker/docker",
    "library/debian",
    "debian",
    "docker.io/docker/docker",
    "docker.io/library/debian",
    "docker.io/debian",
    "index.docker.io/docker/docker",
    "index.docker.io/library/debian",
    "index.docker.io/debian",
    "127.0.0.1:5000/docker/docker",
    "127.0.0.1:5000/library/debian",
    "127.0.0.1:5000/debian",
    "192.168.0.1",
    "192.168.0.1:80",
    "192.168.0.1:8/debian",
    "192.168.0.2:25000/debian",
    "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
    "[fc00::1]:5000/docker",
    "[fc00::1]:5000/docker/docker",
    "[fc00:1:2:3:4:5:6:7]:5000/library/debian",
    # With a domain, 64 hex characters are a name, not an image ID.
    f"docker.io/{HEX64}",
    # An uppercase first component is taken for a registry host, as in Docker.
    "Docker/docker",
    "DOCKER/docker",
    # TestValidateRemoteName
    "docker/docker",
    "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
    "docker-rules/docker",
    "docker---rules/docker",
    "doc/docker",
    "d/docker",
    "jess/t",
    "dock__er/docker",
]

INVALID_REFERENCE_NAMES = [
    # TestValidateReferenceName
    "https://github.com/docker/docker",
    "docker/Docker",
    "-docker",
    "-docker/docker",
    "-docker.io/docker/docker",
    "docker///docker",
    "docker.io/docker/Docker",
    "docker.io/docker///docker",
    "[fc00::1]",
    "[fc00::1]:5000",
    "fc00::1:5000/debian",
    "[fe80::1%eth0]:5000/debian",
    "[2001:db8:3:4::192.0.2.33]:5000/debian",
    HEX64,
    # TestValidateRemoteName
    "docker/Docker",
    "docker///docker",
    HEX64,
    "-docker/docker",
    "docker-/docker",
    "-docker-/docker",
    "____/____",
    "_docker/_docker",
    "dock..er/docker",
    "dock_.er/docker",
    "dock-.er/docker",
    "docker/",
    "this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_"
    "not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_"
    "valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_"
    "namespace_because_its_lenth_is_greater_than_255/docker",
    # TestInvalidReferenceComponents: a bad name, a bad tag, a bad digest
    "-foo",
    "busybox:-foo",
    "busybox@foo",
]

# TestParseRepositoryInfo: (path, familiar name, full name, ambiguous name,
# domain); every one of the three spellings must give the same answers.
REPOSITORY_INFO = [
    (
        "fooo/bar",
        "fooo/bar",
        "docker.io/fooo/bar",
        "index.docker.io/fooo/bar",
        "docker.io",
    ),
    (
        "library/ubuntu",
        "ubuntu",
        "docker.io/library/ubuntu",
        "library/ubuntu",
        "docker.io",
    ),
    (
        "nonlibrary/ubuntu",
        "nonlibrary/ubuntu",
        "docker.io/nonlibrary/ubuntu",
        "",
        "docker.io",
    ),
    ("other/library", "other/library", "docker.io/other/library", "", "docker.io"),
    (
        "private/moonbase",
        "127.0.0.1:8000/private/moonbase",
        "127.0.0.1:8000/private/moonbase",
        "",
        "127.0.0.1:8000",
    ),
    (
        "privatebase",
        "127.0.0.1:8000/privatebase",
        "127.0.0.1:8000/privatebase",
        "",
        "127.0.0.1:8000",
    ),
    (
        "private/moonbase",
        "example.com/private/moonbase",
        "example.com/private/moonbase",
        "",
        "example.com",
    ),
    (
        "privatebase",
        "example.com/privatebase",
        "example.com/privatebase",
        "",
        "example.com",
    ),
    (
        "private/moonbase",
        "example.com:8000/private/moonbase",
        "example.com:8000/private/moonbase",
        "",
        "example.com:8000",
    ),
    (
        "privatebasee",
        "example.com:8000/privatebasee",
        "example.com:8000/privatebasee",
        "",
        "example.com:8000",
    ),
    (
        "library/ubuntu-12.04-base",
        "ubuntu-12.04-base",
        "docker.io/library/ubuntu-12.04-base",
        "index.docker.io/library/ubuntu-12.04-base",
        "docker.io",
    ),
    ("library/foo", "foo", "docker.io/library/foo", "docker.io/foo", "docker.io"),
    (
        "library/foo/bar",
        "library/foo/bar",
        "docker.io/library/foo/bar",
        "",
        "docker.io",
    ),
    ("store/foo/bar", "store/foo/bar", "docker.io/store/foo/bar", "", "docker.io"),
    ("bar", "Foo/bar", "Foo/bar", "", "Foo"),
    ("bar", "FOO/bar", "FOO/bar", "", "FOO"),
]
REPOSITORY_INFO_SPELLINGS = [
    pytest.param(spelling, path, familiar, full, domain, id=spelling)
    for path, familiar, full, ambiguous, domain in REPOSITORY_INFO
    for spelling in (familiar, full, ambiguous)
    if spelling
]

# TestParseAnyReference: the cases that are names. Its two digest-only cases
# ("dbcc…" and "sha256:dbcc…") are image IDs, not something to pull by name:
# the bare ID is refused below, and "sha256:dbcc…" is, to ParseNormalizedNamed
# as to us, the repository "sha256" with a 64-character tag.
ANY_REFERENCE_NAMES = [
    ("redis", "docker.io/library/redis:latest"),
    ("redis:latest", "docker.io/library/redis:latest"),
    ("docker.io/library/redis:latest", "docker.io/library/redis:latest"),
    (f"redis@sha256:{DBCC}", f"docker.io/library/redis@sha256:{DBCC}"),
    (
        f"docker.io/library/redis@sha256:{DBCC}",
        f"docker.io/library/redis@sha256:{DBCC}",
    ),
    ("dmcgowan/myapp", "docker.io/dmcgowan/myapp:latest"),
    ("dmcgowan/myapp:latest", "docker.io/dmcgowan/myapp:latest"),
    ("docker.io/mcgowan/myapp:latest", "docker.io/mcgowan/myapp:latest"),
    (f"dmcgowan/myapp@sha256:{DBCC}", f"docker.io/dmcgowan/myapp@sha256:{DBCC}"),
    (
        f"docker.io/dmcgowan/myapp@sha256:{DBCC}",
        f"docker.io/dmcgowan/myapp@sha256:{DBCC}",
    ),
    (f"sha256:{DBCC}", f"docker.io/library/sha256:{DBCC}"),
    (DBCC[:-1], f"docker.io/library/{DBCC[:-1]}:latest"),
    ("dbcc1", "docker.io/library/dbcc1:latest"),
]

# TestNormalizedSplitHostname
NORMALIZED_SPLITS = [
    ("test.com/foo", "test.com", "foo"),
    ("test_com/foo", "docker.io", "test_com/foo"),
    ("docker/migrator", "docker.io", "docker/migrator"),
    ("test.com:8080/foo", "test.com:8080", "foo"),
    ("test-com:8080/foo", "test-com:8080", "foo"),
    ("foo", "docker.io", "library/foo"),
    ("xn--n3h.com/foo", "xn--n3h.com", "foo"),
    ("xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo"),
    ("docker.io/foo", "docker.io", "library/foo"),
    ("docker.io/library/foo", "docker.io", "library/foo"),
    ("docker.io/library/foo/bar", "docker.io", "library/foo/bar"),
]

# TestParseDockerRef: exactly what normalize_image_reference must return.
DOCKER_REFS = [
    pytest.param("busybox", "docker.io/library/busybox:latest", id="nothing"),
    pytest.param("busybox:latest", "docker.io/library/busybox:latest", id="tag only"),
    pytest.param(
        f"busybox@{E669}", f"docker.io/library/busybox@{E669}", id="digest only"
    ),
    pytest.param("library/busybox", "docker.io/library/busybox:latest", id="path only"),
    pytest.param(
        "docker.io/busybox", "docker.io/library/busybox:latest", id="hostname only"
    ),
    pytest.param(
        "docker.io/library/busybox", "docker.io/library/busybox:latest", id="no tag"
    ),
    pytest.param(
        "docker.io/busybox:latest", "docker.io/library/busybox:latest", id="no path"
    ),
    pytest.param(
        "library/busybox:latest", "docker.io/library/busybox:latest", id="no hostname"
    ),
    pytest.param(
        "docker.io/library/busybox:latest",
        "docker.io/library/busybox:latest",
        id="full reference with tag",
    ),
    pytest.param(
        "gcr.io/library/busybox", "gcr.io/library/busybox:latest", id="gcr without tag"
    ),
    pytest.param(
        f"gcr.io/library/busybox:latest@{E669}",
        f"gcr.io/library/busybox@{E669}",
        id="both tag and digest",
    ),
]

# --- reference_test.go TestReferenceParse, after normalisation ---------------------

PARSE_VALID = [
    # (input, domain, path, tag, digest)
    ("test_com", "docker.io", "library/test_com", "", ""),
    ("test.com:tag", "docker.io", "library/test.com", "tag", ""),
    ("test.com:5000", "docker.io", "library/test.com", "5000", ""),
    ("test.com/repo:tag", "test.com", "repo", "tag", ""),
    ("test:5000/repo", "test:5000", "repo", "", ""),
    ("test:5000/repo:tag", "test:5000", "repo", "tag", ""),
    (f"test:5000/repo@{SHA256_F}", "test:5000", "repo", "", SHA256_F),
    (f"test:5000/repo:tag@{SHA256_F}", "test:5000", "repo", "tag", SHA256_F),
    ("lowercase:Uppercase", "docker.io", "library/lowercase", "Uppercase", ""),
    # Raw Parse reads the first "a" as a domain; normalisation does not, and
    # the 255-character path is exactly at the limit.
    (
        "a/" * 127 + "a:tag-puts-this-over-max",
        "docker.io",
        "a/" * 127 + "a",
        "tag-puts-this-over-max",
        "",
    ),
    ("sub-dom1.foo.com/bar/baz/quux", "sub-dom1.foo.com", "bar/baz/quux", "", ""),
    (
        "sub-dom1.foo.com/bar/baz/quux:some-long-tag",
        "sub-dom1.foo.com",
        "bar/baz/quux",
        "some-long-tag",
        "",
    ),
    (
        "b.gcr.io/test.example.com/my-app:test.example.com",
        "b.gcr.io",
        "test.example.com/my-app",
        "test.example.com",
        "",
    ),
    ("xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com", "myimage", "xn--n3h.com", ""),
    (
        f"xn--7o8h.com/myimage:xn--7o8h.com@{SHA512_F}",
        "xn--7o8h.com",
        "myimage",
        "xn--7o8h.com",
        SHA512_F,
    ),
    ("foo_bar.com:8080", "docker.io", "library/foo_bar.com", "8080", ""),
    ("foo/foo_bar.com:8080", "docker.io", "foo/foo_bar.com", "8080", ""),
    ("192.168.1.1", "docker.io", "library/192.168.1.1", "", ""),
    ("192.168.1.1:tag", "docker.io", "library/192.168.1.1", "tag", ""),
    ("192.168.1.1:5000", "docker.io", "library/192.168.1.1", "5000", ""),
    ("192.168.1.1/repo", "192.168.1.1", "repo", "", ""),
    ("192.168.1.1:5000/repo", "192.168.1.1:5000", "repo", "", ""),
    ("192.168.1.1:5000/repo:5050", "192.168.1.1:5000", "repo", "5050", ""),
    ("[2001:db8::1]/repo", "[2001:db8::1]", "repo", "", ""),
    ("[2001:db8:1:2:3:4:5:6]/repo:tag", "[2001:db8:1:2:3:4:5:6]", "repo", "tag", ""),
    ("[2001:db8::1]:5000/repo", "[2001:db8::1]:5000", "repo", "", ""),
    ("[2001:db8::1]:5000/repo:tag", "[2001:db8::1]:5000", "repo", "tag", ""),
    (f"[2001:db8::1]:5000/repo@{SHA256_F}", "[2001:db8::1]:5000", "repo", "", SHA256_F),
    (
        f"[2001:db8::1]:5000/repo:tag@{SHA256_F}",
        "[2001:db8::1]:5000",
        "repo",
        "tag",
        SHA256_F,
    ),
    ("[2001:db8::]:5000/repo", "[2001:db8::]:5000", "repo", "", ""),
    ("[::1]:5000/repo", "[::1]:5000", "repo", "", ""),
    ("example.com/" + "a" * 255 + ":tag", "example.com", "a" * 255, "tag", ""),
]

PARSE_INVALID = [
    # (input, words the message must contain)
    pytest.param("", "empty reference", id="empty"),
    pytest.param(":justtag", "no repository name", id=":justtag"),
    pytest.param(f"@{SHA256_F}", "no repository name", id="digest only"),
    pytest.param(
        "repo@sha256:" + "f" * 34,
        "invalid digest: sha256 needs 64 hex characters, got 34",
        id="short digest",
    ),
    pytest.param(
        "validname@invaliddigest:" + "f" * 64,
        "invalid digest: unsupported algorithm 'invaliddigest'",
        id="unknown digest algorithm",
    ),
    pytest.param("Uppercase:tag", "repository names must be lowercase", id="Uppercase"),
    # distribution's FIXME: "Uppercase/lowercase:tag" passes, since the first
    # component is read as a registry host; see VALID_REFERENCE_NAMES.
    pytest.param(
        "test:5000/Uppercase/lowercase:tag",
        "repository names must be lowercase",
        id="uppercase path after a registry",
    ),
    # The older reference_test.go vector: raw Parse now allows it (the path
    # after domain "a" is 255 long) but normalised, the path is 257 long.
    pytest.param(
        "a/" * 128 + "a:tag", "longer than 255 characters", id="257-character path"
    ),
    pytest.param(
        "domain/" + "a" * 256 + ":tag",
        "longer than 255 characters",
        id="256-character path",
    ),
    pytest.param("aa/asdf$$^/aa", "is not a valid image reference", id="dollars"),
    pytest.param("[2001:db8::1]", "", id="bare ipv6"),
    pytest.param("[2001:db8::1]:5000", "", id="bare ipv6 with port"),
    pytest.param("[2001:db8::1]:tag", "", id="bare ipv6 with tag"),
    pytest.param("[fe80::1%eth0]:5000/repo", "", id="ipv6 zone"),
    pytest.param("[fe80::1%@invalidzone]:5000/repo", "", id="invalid ipv6 zone"),
]

# --- Our own messages ------------------------------------------------------------

OUR_INVALID = [
    pytest.param("Ubuntu", "repository names must be lowercase", id="uppercase name"),
    pytest.param(
        "docker.io/library/Ubuntu:22.04",
        "repository names must be lowercase",
        id="uppercase path on docker hub",
    ),
    pytest.param(
        "ubuntu:" + "a" * 129, "tag longer than 128 characters", id="129-character tag"
    ),
    pytest.param("ubuntu:.hidden", "invalid tag '.hidden'", id="tag starting with dot"),
    pytest.param("ubuntu:a+b", "invalid tag 'a+b'", id="plus in tag"),
    pytest.param(
        "ubuntu@sha256:" + "A" * 64, "invalid digest", id="uppercase hex digest"
    ),
    pytest.param("ubuntu@sha256:xyz", "invalid digest", id="non-hex digest"),
    pytest.param(
        "ubuntu@SHA256:" + "a" * 64, "invalid digest", id="uppercase algorithm"
    ),
    pytest.param("ubuntu@" + "a" * 64, "invalid digest", id="digest without algorithm"),
    pytest.param(HEX64, "is an image ID, not a repository name", id="image id"),
    pytest.param("   ", "empty reference", id="blank"),
    pytest.param("ubu ntu", "is not a valid image reference", id="inner space"),
    pytest.param(
        "ubuntu\n:22.04", "is not a valid image reference", id="inner newline"
    ),
    pytest.param("ubuntu:", "invalid tag ''", id="empty tag"),
    pytest.param("ubuntu@", "invalid digest ''", id="empty digest"),
    pytest.param("x" * 2000, "longer than 1024 characters", id="pasted megabytes"),
]


@pytest.mark.parametrize("name", VALID_REFERENCE_NAMES)
def test_it_accepts_each_valid_distribution_name(name: str) -> None:
    assert normalize_image_reference(name)


@pytest.mark.parametrize("name", INVALID_REFERENCE_NAMES)
def test_it_refuses_each_invalid_distribution_name(name: str) -> None:
    with pytest.raises(ValueError):
        normalize_image_reference(name)


@pytest.mark.parametrize(
    ("spelling", "path", "familiar", "full", "domain"), REPOSITORY_INFO_SPELLINGS
)
def test_every_spelling_of_a_repository_gives_the_same_parts(
    spelling: str, path: str, familiar: str, full: str, domain: str
) -> None:
    reference = split_image_reference(spelling)
    assert (reference.domain, reference.path) == (domain, path)
    assert reference.repository == full
    assert reference.familiar == f"{familiar}:latest"
    assert normalize_image_reference(spelling) == f"{full}:latest"


def test_a_tag_and_a_digest_together_keep_only_the_digest() -> None:
    # TestParseReferenceWithTagAndDigest; ParseDockerRef drops the tag.
    digest = "sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa"
    reference = split_image_reference(f"busybox:latest@{digest}")
    assert (reference.tag, reference.digest) == ("latest", digest)
    assert reference.canonical == f"docker.io/library/busybox@{digest}"
    assert reference.familiar == f"busybox@{digest}"


@pytest.mark.parametrize(("reference", "canonical"), ANY_REFERENCE_NAMES)
def test_it_normalises_each_named_reference(reference: str, canonical: str) -> None:
    assert normalize_image_reference(reference) == canonical


@pytest.mark.parametrize(("reference", "domain", "path"), NORMALIZED_SPLITS)
def test_it_splits_a_name_into_domain_and_path(
    reference: str, domain: str, path: str
) -> None:
    parts = split_image_reference(reference)
    assert (parts.domain, parts.path) == (domain, path)


@pytest.mark.parametrize(("reference", "canonical"), DOCKER_REFS)
def test_it_gives_the_canonical_form_docker_uses(
    reference: str, canonical: str
) -> None:
    assert normalize_image_reference(reference) == canonical


@pytest.mark.parametrize(("reference", "domain", "path", "tag", "digest"), PARSE_VALID)
def test_it_splits_each_valid_reference_into_its_parts(
    reference: str, domain: str, path: str, tag: str, digest: str
) -> None:
    assert split_image_reference(reference) == ImageReference(domain, path, tag, digest)


@pytest.mark.parametrize(("reference", "message"), PARSE_INVALID + OUR_INVALID)
def test_it_says_what_is_wrong_with_an_invalid_reference(
    reference: str, message: str
) -> None:
    with pytest.raises(ValueError) as raised:
        normalize_image_reference(reference)
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("reference", "familiar", "for_pull"),
    [
        ("ubuntu", "ubuntu:latest", "docker.io/library/ubuntu:latest"),
        ("localhost:5000/foo:1", "localhost:5000/foo:1", "localhost:5000/foo:1"),
        ("localhost/foo", "localhost/foo:latest", "localhost/foo:latest"),
        # Shortened to "0.0/app" it would name a registry called "0.0".
        ("docker.io/0.0/app", "docker.io/0.0/app:latest", "docker.io/0.0/app:latest"),
        (
            "docker.io/localhost/app",
            "docker.io/localhost/app:latest",
            "docker.io/localhost/app:latest",
        ),
        (
            "index.docker.io/grafana/grafana:11.0.0",
            "grafana/grafana:11.0.0",
            "docker.io/grafana/grafana:11.0.0",
        ),
        (
            "docker.io/library/foo/bar:x",
            "library/foo/bar:x",
            "docker.io/library/foo/bar:x",
        ),
        (
            f"gcr.io/x/y:t@{SHA256_F}",
            f"gcr.io/x/y@{SHA256_F}",
            f"gcr.io/x/y@{SHA256_F}",
        ),
    ],
)
def test_it_gives_the_familiar_form_and_what_to_pull(
    reference: str, familiar: str, for_pull: str
) -> None:
    parts = split_image_reference(reference)
    assert parts.familiar == familiar
    assert parts.for_pull == for_pull


def test_it_keeps_a_registry_port_apart_from_the_tag() -> None:
    assert (
        normalize_image_reference("localhost:5000/foo") == "localhost:5000/foo:latest"
    )


def test_it_strips_surrounding_whitespace() -> None:
    assert normalize_image_reference("\t ubuntu:22.04 \n") == (
        "docker.io/library/ubuntu:22.04"
    )


def test_it_accepts_a_tag_of_exactly_128_characters() -> None:
    tag = "a" * 128
    assert split_image_reference(f"ubuntu:{tag}").tag == tag


# --- Properties -------------------------------------------------------------------

reference_alphabet = st.sampled_from(list("abcAB019:/@._-[]%$ \nsha256f"))
path_components = st.from_regex(
    r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*", fullmatch=True
)


@st.composite
def image_references(draw: st.DrawFn) -> str:
    domain = draw(
        st.sampled_from(
            ["", "localhost/", "example.com:5000/", "[::1]:5000/", "docker.io/"]
        )
    )
    path = "/".join(draw(st.lists(path_components, min_size=1, max_size=3)))
    tag = draw(
        st.one_of(
            st.just(""),
            st.from_regex(r":[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}", fullmatch=True),
        )
    )
    digest = draw(st.sampled_from(["", f"@{SHA256_F}"]))
    return f"{domain}{path}{tag}{digest}"


@given(st.text())
def test_arbitrary_text_never_raises_anything_but_value_error(text: str) -> None:
    for parse in (normalize_image_reference, split_image_reference):
        try:
            parse(text)
        except ValueError:
            pass


@given(st.text(alphabet=reference_alphabet, max_size=40))
def test_reference_like_text_never_raises_anything_but_value_error(text: str) -> None:
    for parse in (normalize_image_reference, split_image_reference):
        try:
            parse(text)
        except ValueError:
            pass


@given(image_references())
def test_normalising_twice_changes_nothing(reference: str) -> None:
    canonical = _normalized_or_none(reference)
    assume(canonical is not None)
    assert normalize_image_reference(canonical) == canonical


@given(image_references())
def test_the_familiar_form_means_the_same_image(reference: str) -> None:
    canonical = _normalized_or_none(reference)
    assume(canonical is not None)
    parts = split_image_reference(reference)
    assert normalize_image_reference(parts.familiar) == canonical


def _normalized_or_none(reference: str) -> str | None:
    # A generated path can, rarely, be too long or a bare 64-hex image ID.
    try:
        return normalize_image_reference(reference)
    except ValueError:
        return None
