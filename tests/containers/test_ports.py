"""Tests for the ``-p`` port publishing parser.

The first tables translate every go-connections case (nat/nat_test.go and
nat/parse_test.go) that bears on ParsePortSpec, ParsePortSpecs, ParsePortRange,
SplitProtoPort and the port-number parsing under them. Each is fed to our
parser as a whole spec, since that is the only entry point we offer. Where we
deliberately differ from go-connections a comment beside the case says why.
"""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from containers.ports import (
    PROTOCOLS,
    PortMapping,
    exposed_ports,
    format_port_spec,
    parse_port_spec,
    parse_port_specs,
    to_docker_port_bindings,
)


def mapping(
    container_port: int,
    protocol: str = "tcp",
    host_ip: str = "",
    host_port: str = "",
) -> PortMapping:
    return PortMapping(
        container_port=container_port,
        protocol=protocol,
        host_ip=host_ip,
        host_port=host_port,
    )


def unbound(ports: range, protocol: str = "tcp") -> list[PortMapping]:
    return [mapping(port, protocol) for port in ports]


# --- go-connections: specs that parse --------------------------------------

GO_VALID_SPECS = [
    # TestParsePort (ParsePort on a bare port)
    pytest.param("0", [mapping(0)], id="TestParsePort/zero value"),
    # go-connections keeps this with a FIXME ("I don't think it should be");
    # the number is decimal, so 0123 is port 123, and we agree.
    pytest.param("0123", [mapping(123)], id="TestParsePort/octal value"),
    pytest.param("65535", [mapping(65535)], id="TestParsePort/max value"),
    # TestParsePortRangeToInt
    pytest.param(
        "8000-9000", unbound(range(8000, 9001)), id="TestParsePortRangeToInt/range"
    ),
    # TestPort (NewPort)
    pytest.param("1234/tcp", [mapping(1234)], id="TestPort/1234"),
    pytest.param("1234-1242/tcp", unbound(range(1234, 1243)), id="TestPort/1234-1242"),
    # TestSplitProtoPort
    pytest.param("0", [mapping(0)], id="TestSplitProtoPort/zero value"),
    pytest.param("1234", [mapping(1234)], id="TestSplitProtoPort/single port"),
    pytest.param(
        "1234/", [mapping(1234)], id="TestSplitProtoPort/single port, empty protocol"
    ),
    pytest.param(
        "1234/udp", [mapping(1234, "udp")], id="TestSplitProtoPort/with protocol"
    ),
    pytest.param(
        "80-8080", unbound(range(80, 8081)), id="TestSplitProtoPort/port range"
    ),
    pytest.param(
        "80-8080/",
        unbound(range(80, 8081)),
        id="TestSplitProtoPort/port range, empty protocol",
    ),
    pytest.param(
        "80-8080/udp",
        unbound(range(80, 8081), "udp"),
        id="TestSplitProtoPort/port range with protocol",
    ),
    # SplitProtoPort alone keeps "UDP"; ParsePortSpec lowercases it, as we do.
    pytest.param(
        "1234/UDP", [mapping(1234, "udp")], id="TestSplitProtoPort/uppercase protocol"
    ),
    # TestParsePortSpecFull
    pytest.param(
        "0.0.0.0:1234-1235:3333-3334/tcp",
        [
            mapping(3333, host_ip="0.0.0.0", host_port="1234"),
            mapping(3334, host_ip="0.0.0.0", host_port="1235"),
        ],
        id="TestParsePortSpecFull",
    ),
    # TestPartPortSpecIPV6
    pytest.param(
        "[2001:4860:0:2001::68]::333",
        [mapping(333, host_ip="2001:4860:0:2001::68")],
        id="TestPartPortSpecIPV6/square angled IPV6 without host port",
    ),
    pytest.param(
        "[::1]:80:80",
        [mapping(80, host_ip="::1", host_port="80")],
        id="TestPartPortSpecIPV6/square angled IPV6 with host port",
    ),
    pytest.param(
        "2001:4860:0:2001::68::333",
        [mapping(333, host_ip="2001:4860:0:2001::68")],
        id="TestPartPortSpecIPV6/IPV6 without host port",
    ),
    pytest.param(
        "::1:80:80",
        [mapping(80, host_ip="::1", host_port="80")],
        id="TestPartPortSpecIPV6/IPV6 with host port",
    ),
    pytest.param(
        "::::80",
        [mapping(80, host_ip="::")],
        id="TestPartPortSpecIPV6/:: IPV6, without host port",
    ),
    # TestParseNetworkOpts*
    pytest.param(
        "192.168.1.100::80",
        [mapping(80, host_ip="192.168.1.100")],
        id="TestParseNetworkOptsPrivateOnly",
    ),
    pytest.param(
        "192.168.1.100:8080:80",
        [mapping(80, host_ip="192.168.1.100", host_port="8080")],
        id="TestParseNetworkOptsPublic",
    ),
    pytest.param(
        "192.168.1.100::6000/udp",
        [mapping(6000, "udp", host_ip="192.168.1.100")],
        id="TestParseNetworkOptsUdp",
    ),
    pytest.param(
        "192.168.1.100::6000/sctp",
        [mapping(6000, "sctp", host_ip="192.168.1.100")],
        id="TestParseNetworkOptsSctp",
    ),
    # TestParsePortRange
    pytest.param("1234", [mapping(1234)], id="TestParsePortRange/single port"),
    pytest.param(
        "1234-1234", [mapping(1234)], id="TestParsePortRange/single port range"
    ),
    pytest.param(
        "1234-1235", unbound(range(1234, 1236)), id="TestParsePortRange/two port range"
    ),
    pytest.param(
        "8000-9000", unbound(range(8000, 9001)), id="TestParsePortRange/large range"
    ),
    pytest.param("0", [mapping(0)], id="TestParsePortRange/zero port"),
    pytest.param("0-0", [mapping(0)], id="TestParsePortRange/zero range"),
    # TestParsePortNumber
    pytest.param("1234", [mapping(1234)], id="TestParsePortNumber/single valid port"),
    pytest.param("0", [mapping(0)], id="TestParsePortNumber/zero port"),
    pytest.param("65535", [mapping(65535)], id="TestParsePortNumber/max valid port"),
    # go-connections says "invalid syntax"; our rule forgives whitespace.
    pytest.param(
        "  42  ", [mapping(42)], id="TestParsePortNumber/leading and trailing spaces"
    ),
]

# TestStringer: PortMapping.String() in go-connections, canonical() here. Ours
# is the shortest -p text: it drops "/tcp" and an empty leading IP (Go writes
# ":8080:6000/tcp" and "::6000/tcp"); both mean the same to the CLI.
GO_STRINGER_CASES = [
    pytest.param(":8080:6000/tcp", "8080:6000", id="no host mapping"),
    pytest.param("192.168.1.100:8080:6000", "192.168.1.100:8080:6000", id="no proto"),
    pytest.param(
        "192.168.1.100::6000/udp", "192.168.1.100::6000/udp", id="no host port"
    ),
    pytest.param("::6000", "6000", id="no mapping, port, or proto"),
    pytest.param(
        "192.168.1.100:8080:6000/udp", "192.168.1.100:8080:6000/udp", id="ipv4 mapping"
    ),
    pytest.param(
        "192.168.1.100::6000/udp",
        "192.168.1.100::6000/udp",
        id="ipv4 mapping without host port",
    ),
    pytest.param("[::1]:8080:6000/udp", "[::1]:8080:6000/udp", id="ipv6 mapping"),
    pytest.param(
        "[::1]::6000/udp", "[::1]::6000/udp", id="ipv6 mapping without host port"
    ),
    pytest.param("::1:8080:6000/udp", "[::1]:8080:6000/udp", id="ipv6 legacy mapping"),
    pytest.param(
        "::::6000/udp", "[::]::6000/udp", id="ipv6 legacy mapping without host port"
    ),
]

# TestParsePortSpecs and TestParsePortSpecsWithRange call ParsePortSpecs on a
# list; parse_port_specs takes the same specs joined by commas or newlines.
GO_SPEC_GROUPS = [
    pytest.param(
        ["1234/tcp", "2345/udp", "3456/sctp"],
        [mapping(1234), mapping(2345, "udp"), mapping(3456, "sctp")],
        id="TestParsePortSpecs/container ports only",
    ),
    pytest.param(
        ["1234:1234/tcp", "2345:2345/udp", "3456:3456/sctp"],
        [
            mapping(1234, host_port="1234"),
            mapping(2345, "udp", host_port="2345"),
            mapping(3456, "sctp", host_port="3456"),
        ],
        id="TestParsePortSpecs/host ports",
    ),
    pytest.param(
        ["0.0.0.0:1234:1234/tcp", "0.0.0.0:2345:2345/udp", "0.0.0.0:3456:3456/sctp"],
        [
            mapping(1234, host_ip="0.0.0.0", host_port="1234"),
            mapping(2345, "udp", host_ip="0.0.0.0", host_port="2345"),
            mapping(3456, "sctp", host_ip="0.0.0.0", host_port="3456"),
        ],
        id="TestParsePortSpecs/host ip and ports",
    ),
    pytest.param(
        ["1234-1236/tcp", "2345-2347/udp", "3456-3458/sctp"],
        unbound(range(1234, 1237))
        + unbound(range(2345, 2348), "udp")
        + unbound(range(3456, 3459), "sctp"),
        id="TestParsePortSpecsWithRange/container ranges only",
    ),
    pytest.param(
        [
            "1234-1236:1234-1236/tcp",
            "2345-2347:2345-2347/udp",
            "3456-3458:3456-3458/sctp",
        ],
        [
            mapping(port, protocol, host_port=str(port))
            for ports, protocol in [
                (range(1234, 1237), "tcp"),
                (range(2345, 2348), "udp"),
                (range(3456, 3459), "sctp"),
            ]
            for port in ports
        ],
        id="TestParsePortSpecsWithRange/host ranges",
    ),
    pytest.param(
        [
            "0.0.0.0:1234-1236:1234-1236/tcp",
            "0.0.0.0:2345-2347:2345-2347/udp",
            "0.0.0.0:3456-3458:3456-3458/sctp",
        ],
        [
            mapping(port, protocol, host_ip="0.0.0.0", host_port=str(port))
            for ports, protocol in [
                (range(1234, 1237), "tcp"),
                (range(2345, 2348), "udp"),
                (range(3456, 3459), "sctp"),
            ]
            for port in ports
        ],
        id="TestParsePortSpecsWithRange/host ip and ranges",
    ),
]

# --- go-connections: specs that are refused ---------------------------------

GO_INVALID_SPECS = [
    # TestParsePort
    pytest.param("asdf", id="TestParsePort/invalid value"),
    pytest.param("1asdf", id="TestParsePort/invalid value with number"),
    # ParsePort("") is 0 without error, a convenience for empty fields; as a
    # whole spec "" is refused, as ParsePortSpec("") is.
    pytest.param("", id="TestParsePort/empty value"),
    pytest.param("-1", id="TestParsePort/negative value"),
    pytest.param("65536", id="TestParsePort/value out of range"),
    # TestParsePortRangeToInt: ParsePortRangeToInt("") is (0, 0); see above.
    pytest.param("", id="TestParsePortRangeToInt/empty"),
    # TestPort (NewPort)
    pytest.param("asd1234/tcp", id="TestPort/asd1234"),
    pytest.param("1234-1230/tcp", id="TestPort/1234-1230"),
    # TestSplitProtoPort: it only splits; these are what ParsePortSpec refuses.
    pytest.param("", id="TestSplitProtoPort/empty value"),
    pytest.param("/udp", id="TestSplitProtoPort/empty port"),
    pytest.param("-1", id="TestSplitProtoPort/negative value"),
    pytest.param("any port value", id="TestSplitProtoPort/any value"),
    pytest.param(
        "any port value/any proto value",
        id="TestSplitProtoPort/any value with protocol",
    ),
    # TestParsePortSpecEmptyContainerPort
    pytest.param("", id="TestParsePortSpecEmptyContainerPort/empty spec"),
    pytest.param(
        "0.0.0.0:1234-1235:/tcp",
        id="TestParsePortSpecEmptyContainerPort/empty container port",
    ),
    pytest.param(
        "0.0.0.0:1234-1235:",
        id="TestParsePortSpecEmptyContainerPort/empty container port and proto",
    ),
    # TestParsePortSpecs, TestParsePortSpecsWithRange: hostnames are refused
    pytest.param("localhost:1234:1234/tcp", id="TestParsePortSpecs/hostname"),
    pytest.param(
        "localhost:1234-1236:1234-1236/tcp", id="TestParsePortSpecsWithRange/hostname"
    ),
    # TestParseNetworkOpts*
    pytest.param("192.168.1.100", id="TestParseNetworkOptsPublicNoPort"),
    pytest.param("192.168.1.100:-1:-1", id="TestParseNetworkOptsNegativePorts"),
    # TestParsePortNumber
    pytest.param("", id="TestParsePortNumber/empty string"),
    pytest.param("   ", id="TestParsePortNumber/whitespace only"),
    pytest.param("-1", id="TestParsePortNumber/negative port"),
    pytest.param("70000", id="TestParsePortNumber/too large port"),
    pytest.param("foo", id="TestParsePortNumber/non-numeric"),
    pytest.param("1234abc", id="TestParsePortNumber/trailing garbage"),
]

# TestParsePortRange's refused ranges, tried both as the container and as the
# host side of a spec.
GO_INVALID_RANGES = [
    pytest.param("", id="empty value"),
    pytest.param("asdf", id="non-numeric port"),
    pytest.param("9000-8000", id="reversed range"),
    pytest.param("8000-", id="range missing end"),
    pytest.param("-9000", id="range missing start"),
    pytest.param("8000-a", id="invalid range end"),
    pytest.param("8000-9000a", id="invalid range end port"),
    pytest.param("a-9000", id="range range start"),
    pytest.param("8000a-9000", id="range range start port"),
    pytest.param("-8000-", id="range with trailing hyphen"),
    pytest.param("-", id="range without ports"),
]

# --- Our own rules ------------------------------------------------------------

OUR_VALID_SPECS = [
    pytest.param("27017 : 27017", [mapping(27017, host_port="27017")], id="spaces"),
    pytest.param(
        " 8080 - 8081 : 80 - 81 / TCP ",
        [mapping(80, host_port="8080"), mapping(81, host_port="8081")],
        id="spaces everywhere and an uppercase protocol",
    ),
    pytest.param(
        "\t127.0.0.1 :\t53 : 53 /Udp\n",
        [mapping(53, "udp", host_ip="127.0.0.1", host_port="53")],
        id="tabs and mixed-case protocol",
    ),
    pytest.param(
        "[ ::1 ] : 80 : 80",
        [mapping(80, host_ip="::1", host_port="80")],
        id="spaces inside and after brackets",
    ),
    pytest.param(
        "8000-8010:80",
        [mapping(80, host_port="8000-8010")],
        id="dynamic host range for one container port",
    ),
    pytest.param(
        "127.0.0.1:8000-8010:80/udp",
        [mapping(80, "udp", host_ip="127.0.0.1", host_port="8000-8010")],
        id="dynamic host range with ip and protocol",
    ),
    pytest.param(
        "8000-8000:80", [mapping(80, host_port="8000")], id="one-port host range"
    ),
    pytest.param(
        "8000-8001:80-81",
        [mapping(80, host_port="8000"), mapping(81, host_port="8001")],
        id="equal ranges",
    ),
    pytest.param(
        "[1.2.3.4]:80:80",
        [mapping(80, host_ip="1.2.3.4", host_port="80")],
        id="bracketed IPv4, which go-connections accepts",
    ),
    pytest.param(
        "[FE80::1]::80",
        [mapping(80, host_ip="fe80::1")],
        id="uppercase IPv6 is lowercased",
    ),
    pytest.param(":80", [mapping(80)], id="empty host port"),
    pytest.param("0:0", [mapping(0, host_port="0")], id="port zero on both sides"),
    pytest.param(
        "65535:65535/sctp", [mapping(65535, "sctp", host_port="65535")], id="max"
    ),
]

OUR_INVALID_SPECS = [
    pytest.param("70000", "port 70000 is out of range (0–65535)", id="above 65535"),
    pytest.param(
        "8080:65536", "port 65536 is out of range (0–65535)", id="container too high"
    ),
    pytest.param(
        "99999999999999999999999:80",
        "port 999999999999… is out of range (0–65535)",
        id="absurdly long number",
    ),
    pytest.param(
        "8000-8002:80-81",
        "host range 8000-8002 and container range 80-81 differ in length",
        id="ranges of different length",
    ),
    pytest.param(
        "8000:80-81",
        "host port 8000 cannot publish the container range 80-81",
        id="single host port for a container range",
    ),
    pytest.param(
        "localhost:80:80",
        "'localhost' is not an IP address; give an IP such as 127.0.0.1",
        id="hostname",
    ),
    pytest.param(
        "example.com::80", "'example.com' is not an IP address", id="domain name"
    ),
    pytest.param(
        "80/xyz", "unknown protocol 'xyz' (use tcp, udp or sctp)", id="protocol"
    ),
    pytest.param("80/tcp/udp", "unknown protocol 'tcp/udp'", id="two protocols"),
    pytest.param("80/ＴＣＰ", "unknown protocol 'ＴＣＰ'", id="full-width protocol"),
    pytest.param("9000-8000", "runs backwards; write 8000-9000", id="backwards range"),
    pytest.param(
        "[::1]:80", "after [::1] give a host port and a container port", id="ip:port"
    ),
    pytest.param("[::1]80:80", "after [::1] give a host port", id="no colon after ]"),
    pytest.param("[::1]:1:2:3", "after [::1] give a host port", id="too many parts"),
    pytest.param("[::1:80:80", "never closes it", id="unclosed bracket"),
    pytest.param(
        "[]:80:80", "the brackets '[]' hold no IP address", id="empty brackets"
    ),
    pytest.param("fe80::1%eth0::80", "IPv6 zone", id="ipv6 zone"),
    pytest.param("1.2.3.4:80", "write 1.2.3.4::PORT", id="ip without host port"),
    pytest.param("01.2.3.4:80:80", "is not an IP address", id="ipv4 leading zero"),
    pytest.param("::1:80", "':' is not an IP address", id="ambiguous unbracketed ipv6"),
    pytest.param("8o", "container port '8o' is not a number", id="letter o"),
    pytest.param("٨٠", "is not a number", id="arabic-indic digits"),
    pytest.param("1_000", "is not a number", id="underscore in number"),
    pytest.param("+80", "is not a number", id="plus sign"),
    pytest.param("80 80", "is not a number", id="space inside a number"),
    pytest.param("1-2-3", "is not a number", id="two dashes"),
    pytest.param("80:", "no container port given", id="trailing colon"),
    pytest.param("  ", "the port spec is empty", id="blank"),
]


@pytest.mark.parametrize(("spec", "expected"), GO_VALID_SPECS + OUR_VALID_SPECS)
def test_it_parses_each_valid_spec_into_its_mappings(
    spec: str, expected: list[PortMapping]
) -> None:
    assert parse_port_spec(spec) == expected


@pytest.mark.parametrize("spec", GO_INVALID_SPECS)
def test_it_refuses_each_spec_go_connections_refuses(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_port_spec(spec)


@pytest.mark.parametrize("port_range", GO_INVALID_RANGES)
def test_it_refuses_a_bad_container_port_range(port_range: str) -> None:
    with pytest.raises(ValueError):
        parse_port_spec(port_range)


# An empty host port is valid there: it lets the engine choose one.
GO_INVALID_HOST_RANGES = [case for case in GO_INVALID_RANGES if case.values[0]]


@pytest.mark.parametrize("port_range", GO_INVALID_HOST_RANGES)
def test_it_refuses_a_bad_host_port_range(port_range: str) -> None:
    with pytest.raises(ValueError):
        parse_port_spec(f"127.0.0.1:{port_range}:80")


@pytest.mark.parametrize(("spec", "message"), OUR_INVALID_SPECS)
def test_it_says_what_is_wrong_with_an_invalid_spec(spec: str, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_port_spec(spec)
    assert message in str(raised.value)


def test_it_refuses_a_port_above_65535() -> None:
    with pytest.raises(ValueError, match="out of range"):
        parse_port_spec("65536:80")


@pytest.mark.parametrize(("spec", "canonical"), GO_STRINGER_CASES)
def test_it_writes_a_single_mapping_back_as_canonical_text(
    spec: str, canonical: str
) -> None:
    (only_mapping,) = parse_port_spec(spec)
    assert only_mapping.canonical() == canonical


@pytest.mark.parametrize(
    ("spec", "canonical"),
    [
        ("80", "80"),
        ("80/tcp", "80"),
        ("80/", "80"),
        (" 8080 - 8081 : 80 - 81 / TCP ", "8080-8081:80-81"),
        ("27017 : 27017", "27017:27017"),
        ("::1:80:80/UDP", "[::1]:80:80/udp"),
        ("[::1]::80", "[::1]::80"),
        ("0.0.0.0:1234-1235:3333-3334/tcp", "0.0.0.0:1234-1235:3333-3334"),
        ("8000-8000:80-80", "8000:80"),
        ("0123:00080", "123:80"),
        ("::80", "80"),
        ("127.0.0.1:8000-8010:80/sctp", "127.0.0.1:8000-8010:80/sctp"),
    ],
)
def test_it_formats_a_spec_in_canonical_form(spec: str, canonical: str) -> None:
    assert format_port_spec(spec) == canonical


def test_it_gives_each_mapping_of_a_range_its_own_canonical_text() -> None:
    texts = [m.canonical() for m in parse_port_spec("10.0.0.1:8000-8001:80-81/udp")]
    assert texts == ["10.0.0.1:8000:80/udp", "10.0.0.1:8001:81/udp"]


@pytest.mark.parametrize(("specs", "expected"), GO_SPEC_GROUPS)
@pytest.mark.parametrize("separator", [",", ", ", "\n", "\r\n", "\n\n ,"])
def test_it_parses_several_specs_separated_by_commas_or_newlines(
    specs: list[str], expected: list[PortMapping], separator: str
) -> None:
    assert parse_port_specs(separator.join(specs)) == expected


def test_it_ignores_blank_lines_between_specs() -> None:
    text = "\n  \n8080:80\n\n,\n 53:53/udp \n"
    assert parse_port_specs(text) == [
        mapping(80, host_port="8080"),
        mapping(53, "udp", host_port="53"),
    ]


def test_it_gives_no_mappings_for_blank_text() -> None:
    assert parse_port_specs(" \n , \n") == []


@pytest.mark.parametrize(
    "text",
    ["localhost:1234:1234/tcp", "80, localhost:1234-1236:1234-1236/tcp\n90"],
)
def test_it_names_the_spec_that_is_wrong(text: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_port_specs(text)
    assert "'localhost:1234" in str(raised.value)
    assert "'localhost' is not an IP address" in str(raised.value)


def test_it_builds_docker_port_bindings_keyed_by_port_and_protocol() -> None:
    mappings = parse_port_specs(
        "80, 8080:80, 127.0.0.1:8443:443, 8000-8010:9000, [::1]::53/udp"
    )
    assert to_docker_port_bindings(mappings) == {
        "80/tcp": [("", ""), ("", "8080")],
        "443/tcp": [("127.0.0.1", "8443")],
        "9000/tcp": [("", "8000-8010")],
        "53/udp": [("::1", "")],
    }


def test_it_lists_each_exposed_port_once_in_order() -> None:
    mappings = parse_port_specs("8080:80, 8081:80, 53/udp, 53/tcp, 90-91")
    assert exposed_ports(mappings) == [
        (80, "tcp"),
        (53, "udp"),
        (53, "tcp"),
        (90, "tcp"),
        (91, "tcp"),
    ]


# --- Properties -----------------------------------------------------------------

port_numbers = st.integers(min_value=0, max_value=65535)
spec_alphabet = st.sampled_from(list("0123456789:-/[]., \t\nabcdefptuFTCPS%_+٣"))


@st.composite
def port_mappings(draw: st.DrawFn) -> PortMapping:
    host_ip = draw(st.one_of(st.just(""), st.ip_addresses().map(str)))
    host_port = draw(
        st.one_of(
            st.just(""),
            port_numbers.map(str),
            st.tuples(port_numbers, port_numbers)
            .filter(lambda pair: pair[0] < pair[1])
            .map(lambda pair: f"{pair[0]}-{pair[1]}"),
        )
    )
    return mapping(
        draw(port_numbers), draw(st.sampled_from(PROTOCOLS)), host_ip, host_port
    )


@st.composite
def port_spec_texts(draw: st.DrawFn) -> str:
    """Valid specs with random spacing, case, ranges, IPs and protocols."""

    def pad() -> str:
        return draw(st.sampled_from(["", " ", "  ", "\t"]))

    def port_range(start: int, end: int) -> str:
        if start == end and draw(st.booleans()):
            return str(start)
        return f"{start}{pad()}-{pad()}{end}"

    start = draw(port_numbers)
    span = draw(st.integers(min_value=0, max_value=min(3, 65535 - start)))
    text = port_range(start, start + span)
    host_kind = draw(st.sampled_from(["none", "same length", "dynamic", "empty"]))
    host = ""
    if host_kind == "same length":
        host_start = draw(st.integers(min_value=0, max_value=65535 - span))
        host = port_range(host_start, host_start + span)
    elif host_kind == "dynamic" and span == 0:
        host_start = draw(port_numbers)
        host = port_range(host_start, draw(st.integers(host_start, 65535)))
    ip = draw(
        st.one_of(
            st.just(""),
            st.ip_addresses(v=4).map(str),
            st.ip_addresses(v=6).map(lambda address: f"[{address}]"),
        )
    )
    if ip:
        text = f"{ip}{pad()}:{pad()}{host}{pad()}:{pad()}{text}"
    elif host or host_kind == "empty":
        text = f"{host}{pad()}:{pad()}{text}"
    protocol = draw(st.sampled_from(["", *PROTOCOLS]))
    if protocol or draw(st.booleans()):
        case = draw(st.sampled_from([str.lower, str.upper, str.title]))
        text = f"{text}{pad()}/{pad()}{case(protocol)}"
    return f"{pad()}{text}{pad()}"


@given(st.text())
def test_arbitrary_text_never_raises_anything_but_value_error(text: str) -> None:
    for parse in (parse_port_spec, parse_port_specs, format_port_spec):
        try:
            parse(text)
        except ValueError:
            pass


@given(st.text(alphabet=spec_alphabet, max_size=40))
def test_spec_like_text_never_raises_anything_but_value_error(text: str) -> None:
    for parse in (parse_port_spec, parse_port_specs, format_port_spec):
        try:
            parse(text)
        except ValueError:
            pass


@given(port_mappings())
# Unbracketed, "2001:db8::" and an empty host port would run together.
@example(mapping(80, host_ip="2001:db8::"))
def test_a_mapping_survives_a_round_trip_through_its_canonical_text(
    generated: PortMapping,
) -> None:
    assert parse_port_spec(generated.canonical()) == [generated]


@given(port_spec_texts())
def test_a_formatted_spec_parses_to_the_same_mappings(text: str) -> None:
    assert parse_port_spec(format_port_spec(text)) == parse_port_spec(text)


@given(port_spec_texts())
def test_formatting_a_spec_twice_changes_nothing(text: str) -> None:
    canonical = format_port_spec(text)
    assert format_port_spec(canonical) == canonical


@given(port_spec_texts())
def test_every_mapping_of_a_spec_round_trips_on_its_own(text: str) -> None:
    for each in parse_port_spec(text):
        assert parse_port_spec(each.canonical()) == [each]
