"""File-system attacks: read host files and secrets, write host paths, reach devices and sockets."""

from __future__ import annotations

from sandbox.attacks.kit import Attack, program, reported

_WRITE_ANY = """
written = []
for path in PATHS:
    try:
        with open(path, "w") as f:
            f.write(DATA)
        written.append(path)
    except OSError as e:
        last = f"{path}: {err(e)}"
report(bool(written), f"wrote {written}" if written else f"every write failed, e.g. {last}")
"""

ATTACKS = (
    Attack(
        "read-host-file",
        "filesystem",
        "a world-readable host file is not visible",
        lambda b: program(
            """
for path in (CANARY, "/proc/1/root" + CANARY, "/proc/self/root" + CANARY):
    try:
        if SECRET in open(path).read():
            report(True, f"read the canary through {path}")
            break
    except OSError as e:
        last = f"{path}: {err(e)}"
else:
    report(False, last)
""",
            CANARY=b.canary_path,
            SECRET=b.canary_secret,
        ),
        reported,
    ),
    Attack(
        "read-shadow",
        "filesystem",
        "/etc/shadow is absent or unreadable",
        lambda b: program(
            """
try:
    open("/etc/shadow").read()
    report(True, "read /etc/shadow")
except OSError as e:
    report(False, f"/etc/shadow: {err(e)}")
"""
        ),
        reported,
    ),
    Attack(
        "list-host-home",
        "filesystem",
        "the auditing user's home directory is absent or unreadable",
        lambda b: program(
            """
try:
    entries = os.listdir(HOME)
    report(bool(entries), f"{HOME} lists {len(entries)} entries")
except OSError as e:
    report(False, f"{HOME}: {err(e)}")
""",
            HOME=b.home,
        ),
        reported,
    ),
    Attack(
        "host-env-secret",
        "filesystem",
        "the host's environment variables are not inherited",
        lambda b: program(
            """
leaked = [k for k, v in os.environ.items() if k == NAME or SECRET in v]
report(bool(leaked), f"leaked {leaked}" if leaked else "env: " + " ".join(sorted(os.environ)))
""",
            NAME=b.env_name,
            SECRET=b.env_secret,
        ),
        reported,
    ),
    Attack(
        "proc-environ-scan",
        "filesystem",
        "no process visible in /proc carries the host's secret",
        lambda b: program(
            """
found = []
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        if SECRET.encode() in open(f"/proc/{pid}/environ", "rb").read():
            found.append(pid)
    except OSError:
        pass
report(bool(found), f"secret in environ of pids {found}" if found else "secret in no environ")
""",
            SECRET=b.env_secret,
        ),
        reported,
    ),
    Attack(
        "write-host-dir",
        "filesystem",
        "a world-writable host directory is not reachable",
        lambda b: program(
            _WRITE_ANY,
            PATHS=[f"{b.drop_dir}/planted", f"/proc/1/root{b.drop_dir}/planted"],
            DATA="x",
        ),
        reported,
    ),
    Attack(
        "write-root-fs",
        "filesystem",
        "the root file system is read-only",
        lambda b: program(_WRITE_ANY, PATHS=["/planted", "/etc/planted", "/usr/bin/x"], DATA="x"),
        reported,
    ),
    Attack(
        "write-proc-sys",
        "filesystem",
        "kernel settings under /proc/sys and /proc/sysrq-trigger cannot be written",
        lambda b: program(
            _WRITE_ANY,
            PATHS=[
                "/proc/sys/kernel/hostname",
                "/proc/sys/kernel/core_pattern",
                "/proc/sys/vm/drop_caches",
                "/proc/sysrq-trigger",
            ],
            DATA="h",
        ),
        reported,
    ),
    Attack(
        "write-sys",
        "filesystem",
        "nothing under /sys can be written (devices, cgroup limits, power)",
        lambda b: program(
            _WRITE_ANY,
            PATHS=[
                "/sys/kernel/mm/transparent_hugepage/enabled",
                "/sys/class/net/lo/mtu",
                "/sys/power/state",
                "/sys/fs/cgroup/cgroup.procs",
                "/sys/fs/cgroup/pids.max",
                "/sys/fs/cgroup/memory/memory.limit_in_bytes",
                "/sys/fs/cgroup/pids/pids.max",
            ],
            DATA="0",
        ),
        reported,
    ),
    Attack(
        "symlink-to-host",
        "filesystem",
        "links planted in the workspace lead nowhere on the host; the host follows none",
        lambda b: program(
            """
done = []
for name, target in (("canary", CANARY), ("drop", DROP + "/planted-via-link"),
                     ("root", "/proc/1/root" + CANARY)):
    os.symlink(target, name)
    try:
        if SECRET in open(name).read():
            done.append(f"read {target}")
    except OSError as e:
        last = f"{name} -> {target}: {err(e)}"
    try:
        with open(name, "a") as f:
            f.write("x")  # if this reached the host, the host's own checks see it
    except OSError:
        pass
report(bool(done), "; ".join(done) if done else f"links lead nowhere, e.g. {last}")
""",
            CANARY=b.canary_path,
            SECRET=b.canary_secret,
            DROP=b.drop_dir,
        ),
        reported,
    ),
    Attack(
        "raw-devices",
        "filesystem",
        "disks, memory and kernel devices cannot be opened or created",
        lambda b: program(
            """
import stat
opened = []
for path in ("/dev/sda", "/dev/vda", "/dev/nvme0n1", "/dev/mem", "/dev/kmem", "/dev/port",
             "/dev/kmsg", "/dev/dri/card0"):
    try:
        os.close(os.open(path, os.O_RDONLY))
        opened.append(path)
    except OSError as e:
        last = f"{path}: {err(e)}"
try:
    os.mknod("/work/disk", stat.S_IFBLK | 0o600, os.makedev(8, 0))
    opened.append("mknod block device")
except OSError as e:
    last += f"; mknod: {err(e)}"
report(bool(opened), "opened " + ", ".join(opened) if opened else last)
"""
        ),
        reported,
    ),
    Attack(
        "docker-socket",
        "filesystem",
        "no container-runtime socket is reachable",
        lambda b: program(
            """
reached = []
for path in ("/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock",
             "/proc/1/root/var/run/docker.sock"):
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(path)
            reached.append(path)
    except OSError as e:
        last = f"{path}: {err(e)}"
report(bool(reached), "connected to " + ", ".join(reached) if reached else last)
"""
        ),
        reported,
    ),
)
