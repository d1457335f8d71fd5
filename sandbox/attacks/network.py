"""Network attacks: reach the internet, resolve names, or talk to the host's own listeners."""

from __future__ import annotations

from sandbox.attacks.kit import Attack, program, reported

_CONNECT = """
reached = []
for host, port in TARGETS:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.settimeout(2)
            s.connect((host, port))
            reached.append(f"{host}:{port}")
    except OSError as e:
        last = f"{host}:{port} {err(e)}"
if reached:
    report(True, "connected to " + ", ".join(reached))
else:
    report(False, f"every connect failed, e.g. {last}")
"""


def _connect(targets: list[tuple[str, int]]) -> str:
    return program(_CONNECT, TARGETS=targets)


ATTACKS = (
    Attack(
        "internet-tcp",
        "network",
        "no route: connecting to a package registry's address fails",
        lambda b: _connect([(b.registry_address, 443)]),
        reported,
    ),
    Attack(
        "dns-lookup",
        "network",
        "name resolution fails",
        lambda b: program(
            """
try:
    report(True, "resolved to " + socket.getaddrinfo("pypi.org", 443)[0][4][0])
except OSError as e:
    report(False, f"getaddrinfo: {err(e)}")
"""
        ),
        reported,
    ),
    Attack(
        "host-loopback",
        "network",
        "the host's 127.0.0.1 listener is unreachable",
        lambda b: _connect([("127.0.0.1", b.tcp_port)]),
        reported,
    ),
    Attack(
        "host-loopback-ipv6",
        "network",
        "the host's [::1] listener is unreachable",
        lambda b: _connect([("::1", b.tcp_port)]),
        reported,
    ),
    Attack(
        "host-bridge-addresses",
        "network",
        "the host's own addresses (docker0 and other bridges) are unreachable",
        lambda b: _connect([(address, b.tcp_port) for address in b.host_addresses]),
        reported,
    ),
    Attack(
        "host-abstract-socket",
        "network",
        "the host's abstract unix socket is unreachable",
        lambda b: program(
            """
try:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect("\\0" + NAME)
        report(True, "connected to @" + NAME)
except OSError as e:
    report(False, f"connect @{NAME}: {err(e)}")
""",
            NAME=b.abstract_socket,
        ),
        reported,
    ),
    Attack(
        "raw-socket",
        "network",
        "raw and packet sockets cannot be opened (no CAP_NET_RAW)",
        lambda b: program(
            """
opened = []
kinds = [(socket.AF_INET, socket.IPPROTO_ICMP), (socket.AF_PACKET, 0)]
for family, proto in kinds:
    try:
        socket.socket(family, socket.SOCK_RAW, proto).close()
        opened.append(str(family))
    except OSError as e:
        last = err(e)
report(bool(opened), "opened " + ", ".join(opened) if opened else f"socket(): {last}")
"""
        ),
        reported,
    ),
    Attack(
        "network-interfaces",
        "network",
        "only a loopback interface exists",
        lambda b: program(
            """
names = [name for _, name in socket.if_nameindex()]
report(any(name != "lo" for name in names), "interfaces: " + ", ".join(names))
"""
        ),
        reported,
    ),
)
